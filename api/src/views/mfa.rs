//! A user's second factors in Logto's shape (`userMfaVerificationResponseGuard`), listed
//! by the Management API (`GET /api/users/{userId}/mfa-verifications`) and the Account API
//! (`GET /api/my-account/mfa-verifications`): `id`, `createdAt`, `type`, and `lastUsedAt`
//! once used, `remainCodes` for backup codes; times as ISO-8601 strings, as Logto stores
//! them. Never a secret or a code.

use crate::support::time::iso8601;
use projections::users::MfaEntry;
use serde_json::{json, Value};

pub fn entry(m: &MfaEntry) -> Value {
    let mut out = json!({
        "id": m.id,
        "createdAt": iso8601(m.created_at),
        "type": m.factor,
    });
    if let Some(at) = m.last_used_at {
        out["lastUsedAt"] = json!(iso8601(at));
    }
    if let Some(codes) = &m.codes_used_at {
        out["remainCodes"] = json!(codes.iter().filter(|c| c.is_none()).count());
    }
    out
}

pub fn list(entries: &[MfaEntry]) -> Value {
    Value::Array(entries.iter().map(entry).collect())
}

/// The `otpauth://` URI an authenticator app scans (Google Authenticator's key-URI format,
/// as otplib's `keyuri` writes it for Logto), rendered as an SVG QR code in a data URL.
pub fn totp_qr_code(issuer: &str, account: &str, secret: &str) -> Option<String> {
    use base64::Engine;
    use qrcode::render::svg;
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let uri = format!(
        "otpauth://totp/{issuer}:{account}?secret={secret}&period=30&digits=6&algorithm=SHA1&issuer={issuer}",
        issuer = enc(issuer).replace('+', "%20"),
        account = enc(account).replace('+', "%20"),
    );
    let code = qrcode::QrCode::new(uri.as_bytes()).ok()?;
    let image = code.render::<svg::Color>().min_dimensions(200, 200).build();
    Some(format!(
        "data:image/svg+xml;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(image)
    ))
}

/// The authenticator app's issuer label: the public endpoint's host name.
pub fn issuer(endpoint: &str) -> String {
    url::Url::parse(endpoint)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| "Tessera".to_owned())
}
