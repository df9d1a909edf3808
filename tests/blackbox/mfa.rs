//! Second factors (TOTP and backup codes) through the Management API
//! (`/api/users/{userId}/mfa-verifications`) and the Account API
//! (`/api/my-account/mfa-verifications…`) on both backends: bindings, Logto's refusals,
//! removal, the gates, the events on the user's stream (the TOTP secret sealed, backup
//! codes as digests only) and the audit log (each binding with its factor, never a secret
//! or a code). TOTP codes are computed here with RustCrypto HMAC-SHA-1 and a base32
//! decoder of this file, independently of the server's implementation.

use crate::common;

use common::flow::*;
use common::{Backend, Deployment, Server};
use hmac::{Hmac, Mac};
use serde_json::{json as j, Value};

both_backends!(
    factors_through_the_management_api,
    factors_through_the_account_api
);

/// RFC 4648 base32 (upper case, `=` padding ignored).
fn base32_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut bits, mut acc, mut out) = (0u32, 0u64, Vec::new());
    for c in text.bytes().filter(|c| *c != b'=') {
        let v = ALPHABET
            .iter()
            .position(|a| *a == c)
            .expect("base32 character") as u64;
        acc = (acc << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

/// RFC 6238 TOTP (HMAC-SHA-1, 30 s, 6 digits) of `secret` at `unix` seconds.
pub(crate) fn totp_at(secret: &str, unix: u64) -> String {
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(&base32_decode(secret)).expect("key");
    mac.update(&(unix / 30).to_be_bytes());
    let h = mac.finalize().into_bytes();
    let o = (h[19] & 0x0f) as usize;
    let n = u32::from_be_bytes([h[o] & 0x7f, h[o + 1], h[o + 2], h[o + 3]]) % 1_000_000;
    format!("{n:06}")
}

pub(crate) fn now_unix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

pub(crate) fn totp_now(secret: &str) -> String {
    totp_at(secret, now_unix())
}

/// A Management API call: (status, body or Null).
pub(crate) async fn manage(
    server: &Server,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut r = server
        .anonymous
        .request(method, server.url(path))
        .bearer_auth(&server.token);
    if let Some(b) = body {
        r = r.json(&b);
    }
    let r = r.send().await.expect("management call");
    let status = r.status().as_u16();
    let text = r.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn code_of(body: &Value) -> Option<&str> {
    body["code"].as_str()
}

/// The stored payloads of the user stream hold no secret and no backup code in clear.
async fn assert_nothing_secret_in_the_log(deployment: &Deployment, secrets: &[String]) {
    let payloads = deployment.event_payloads("user").await;
    let all = payloads.join("\n");
    for secret in secrets {
        assert!(!all.contains(secret.as_str()), "{secret} is in the log");
    }
    // The TOTP bindings seal the secret under the user's data key.
    let bound: Vec<&String> = payloads
        .iter()
        .filter(|p| {
            p.contains("\"verificationId\"") && p.contains("\"Totp\"") && p.contains("$pii")
        })
        .collect();
    assert!(!bound.is_empty(), "no sealed TOTP binding in {all}");
}

/// The audit entries whose key names `action`.
pub(crate) async fn audited(server: &Server, action: &str) -> Vec<Value> {
    let (status, body) = manage(
        server,
        reqwest::Method::GET,
        "/api/logs?page_size=100",
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body.as_array()
        .expect("logs")
        .iter()
        .filter(|e| e["key"].as_str().is_some_and(|k| k.ends_with(action)))
        .cloned()
        .collect()
}

async fn factors_through_the_management_api(backend: Backend) {
    use reqwest::Method;
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let uid = user(&server, "mfa_ada").await;
    let path = format!("/api/users/{uid}/mfa-verifications");

    let (status, body) = manage(&server, Method::GET, &path, None).await;
    assert_eq!((status, body.clone()), (200, j!([])), "{body}");
    let (status, body) = manage(
        &server,
        Method::GET,
        "/api/users/nosuchuser/mfa-verifications",
        None,
    )
    .await;
    assert_eq!(
        (status, code_of(&body)),
        (404, Some("entity.not_exists_with_id"))
    );

    // Backup codes cannot be the only factor; the type must be one Logto knows; a
    // secret must be base32.
    for (request, status, code) in [
        (
            j!({"type": "BackupCode"}),
            422,
            "session.mfa.backup_code_can_not_be_alone",
        ),
        (j!({"type": "Sms"}), 400, "guard.invalid_input"),
        (
            j!({"type": "Totp", "secret": "not base32!"}),
            400,
            "user.totp_secret_invalid",
        ),
    ] {
        let (got, body) = manage(&server, Method::POST, &path, Some(request.clone())).await;
        assert_eq!(
            (got, code_of(&body)),
            (status, Some(code)),
            "{request}: {body}"
        );
    }

    // An authenticator app with a generated secret: Logto's answer, a working secret.
    let (status, totp) = manage(&server, Method::POST, &path, Some(j!({"type": "Totp"}))).await;
    assert_eq!(status, 200, "{totp}");
    assert_eq!(totp["type"], "Totp");
    let secret = totp["secret"].as_str().expect("secret").to_owned();
    assert_eq!(secret.len(), 32, "{secret}");
    assert_eq!(totp_now(&secret).len(), 6);
    assert!(totp["secretQrCode"]
        .as_str()
        .is_some_and(|q| q.starts_with("data:image/svg+xml;base64,")));
    let (status, body) = manage(&server, Method::POST, &path, Some(j!({"type": "Totp"}))).await;
    assert_eq!(
        (status, code_of(&body)),
        (422, Some("user.totp_already_in_use"))
    );

    // Backup codes: ten codes of ten hex characters, shown in this answer only.
    let (status, backup) = manage(
        &server,
        Method::POST,
        &path,
        Some(j!({"type": "BackupCode"})),
    )
    .await;
    assert_eq!(status, 200, "{backup}");
    let codes: Vec<String> = backup["codes"]
        .as_array()
        .expect("codes")
        .iter()
        .map(|c| c.as_str().expect("code").to_owned())
        .collect();
    assert_eq!(codes.len(), 10);
    assert!(codes
        .iter()
        .all(|c| c.len() == 10 && c.bytes().all(|b| b.is_ascii_hexdigit())));
    let (status, body) = manage(
        &server,
        Method::POST,
        &path,
        Some(j!({"type": "BackupCode"})),
    )
    .await;
    assert_eq!(
        (status, code_of(&body)),
        (422, Some("user.backup_code_already_in_use"))
    );

    // The list: Logto's shape, in binding order, no secret, no code.
    let (status, list) = manage(&server, Method::GET, &path, None).await;
    assert_eq!(status, 200);
    let list = list.as_array().expect("list").clone();
    assert_eq!(list.len(), 2, "{list:?}");
    assert_eq!(list[0]["type"], "Totp");
    assert_eq!(list[1]["type"], "BackupCode");
    assert_eq!(list[1]["remainCodes"], 10);
    assert!(list[0]["createdAt"]
        .as_str()
        .is_some_and(|t| t.ends_with('Z')));
    assert!(list[0].get("lastUsedAt").is_none());
    let text = serde_json::to_string(&list).expect("json");
    assert!(!text.contains(&secret) && !text.contains(&codes[0]));

    // Removal: an unknown id is 404, the factor's id removes it.
    let (status, body) = manage(
        &server,
        Method::DELETE,
        &format!("{path}/nosuchfactor"),
        None,
    )
    .await;
    assert_eq!((status, code_of(&body)), (404, Some("entity.not_found")));
    let totp_id = list[0]["id"].as_str().expect("id");
    let (status, _) = manage(&server, Method::DELETE, &format!("{path}/{totp_id}"), None).await;
    assert_eq!(status, 204);
    let (_, after) = manage(&server, Method::GET, &path, None).await;
    assert_eq!(after.as_array().map(Vec::len), Some(1), "{after}");
    assert_eq!(after[0]["type"], "BackupCode");

    // An operator-supplied secret is bound as given.
    let given = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
    let (status, body) = manage(
        &server,
        Method::POST,
        &path,
        Some(j!({"type": "Totp", "secret": given})),
    )
    .await;
    assert_eq!((status, body["secret"].as_str()), (200, Some(given)));

    let mut secrets = codes.clone();
    secrets.extend([secret.clone(), given.to_owned()]);
    assert_nothing_secret_in_the_log(&deployment, &secrets).await;

    // The audit log shows each binding and removal with its factor, never a secret or code.
    let bound = audited(&server, "User.MfaTotpBound").await;
    assert_eq!(bound.len(), 2, "{bound:?}");
    assert!(
        bound
            .iter()
            .all(|e| e["payload"]["params"]["type"] == "Totp"),
        "{bound:?}"
    );
    let generated = audited(&server, "User.MfaBackupCodesGenerated").await;
    assert_eq!(generated.len(), 1);
    assert_eq!(generated[0]["payload"]["params"]["type"], "BackupCode");
    let removed = audited(&server, "User.MfaVerificationRemoved").await;
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0]["payload"]["params"]["verificationId"], totp_id);
    let (_, all_logs) = manage(&server, Method::GET, "/api/logs?page_size=100", None).await;
    let all_logs = all_logs.to_string();
    for s in &secrets {
        assert!(!all_logs.contains(s.as_str()), "{s} in the audit log");
    }
}

pub(crate) const SCOPES: &str = "openid offline_access profile identities";

/// Signs `username` in for `spa` asking for `scope`; the access token.
pub(crate) async fn access_token(
    server: &Server,
    spa: &str,
    username: &str,
    scope: &str,
) -> String {
    let mut url = reqwest::Url::parse(&server.url("/oidc/auth")).expect("url");
    url.query_pairs_mut()
        .append_pair("client_id", spa)
        .append_pair("redirect_uri", CB)
        .append_pair("response_type", "code")
        .append_pair("scope", scope)
        .append_pair("prompt", "consent")
        .append_pair("code_challenge", CHALLENGE)
        .append_pair("code_challenge_method", "S256");
    let back = sign_in(
        server,
        &mut Jar::default(),
        url.as_str(),
        username,
        PASSWORD,
    )
    .await;
    let tokens = redeem_spa(server, spa, &back).await;
    tokens["access_token"]
        .as_str()
        .expect("access token")
        .to_owned()
}

/// An Account API call: (status, body or Null).
pub(crate) async fn call(
    server: &Server,
    method: reqwest::Method,
    path: &str,
    token: &str,
    verification: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut r = browser()
        .request(method, server.url(path))
        .bearer_auth(token);
    if let Some(v) = verification {
        r = r.header("logto-verification-id", v);
    }
    if let Some(b) = body {
        r = r.json(&b);
    }
    let r = r.send().await.expect("account api");
    let status = r.status().as_u16();
    let text = r.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn factors_through_the_account_api(backend: Backend) {
    use reqwest::Method;
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let (spa, _) = app(&server, "SPA", false).await;
    let uid = user(&server, "mfa_bea").await;
    let token = access_token(&server, &spa, "mfa_bea", SCOPES).await;
    let narrow = access_token(&server, &spa, "mfa_bea", "openid profile").await;
    let list_path = "/api/my-account/mfa-verifications";

    // The gates: a bad token; the account center off, then its `mfa` field off.
    let (status, body) = call(&server, Method::GET, list_path, "garbage", None, None).await;
    assert_eq!((status, code_of(&body)), (401, Some("auth.unauthorized")));
    let (status, body) = call(&server, Method::GET, list_path, &token, None, None).await;
    assert_eq!(
        (status, code_of(&body)),
        (400, Some("account_center.not_enabled"))
    );
    let r = server
        .patch_json(
            "/api/account-center",
            &j!({"enabled": true, "fields": {"mfa": "Off"}}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let (status, body) = call(&server, Method::GET, list_path, &token, None, None).await;
    assert_eq!(
        (status, code_of(&body)),
        (400, Some("account_center.field_not_enabled"))
    );
    let r = server
        .patch_json("/api/account-center", &j!({"fields": {"mfa": "ReadOnly"}}))
        .await;
    assert_eq!(r.status(), 200);
    let (status, body) = call(&server, Method::GET, list_path, &token, None, None).await;
    assert_eq!((status, body), (200, j!([])));
    let generate = "/api/my-account/mfa-verifications/totp-secret/generate";
    let (status, body) = call(&server, Method::POST, generate, &token, None, None).await;
    assert_eq!(
        (status, code_of(&body)),
        (400, Some("account_center.field_not_editable"))
    );
    let r = server
        .patch_json("/api/account-center", &j!({"fields": {"mfa": "Edit"}}))
        .await;
    assert_eq!(r.status(), 200);
    // The `identities` scope.
    let (status, body) = call(&server, Method::GET, list_path, &narrow, None, None).await;
    assert_eq!((status, code_of(&body)), (401, Some("auth.unauthorized")));

    // A secret generated for the caller; binding needs a verification record.
    let (status, body) = call(&server, Method::POST, generate, &token, None, None).await;
    assert_eq!(status, 200, "{body}");
    let secret = body["secret"].as_str().expect("secret").to_owned();
    let bind =
        |secret: &str, code: Option<String>| j!({"type": "Totp", "secret": secret, "code": code});
    let (status, body) = call(
        &server,
        Method::POST,
        list_path,
        &token,
        None,
        Some(bind(&secret, None)),
    )
    .await;
    assert_eq!(
        (status, code_of(&body)),
        (401, Some("verification_record.permission_denied"))
    );
    let (status, body) = call(
        &server,
        Method::POST,
        list_path,
        &token,
        Some("forged"),
        Some(bind(&secret, None)),
    )
    .await;
    assert_eq!(
        (status, code_of(&body)),
        (401, Some("verification_record.permission_denied"))
    );
    let (status, record) = call(
        &server,
        Method::POST,
        "/api/verifications/password",
        &token,
        None,
        Some(j!({"password": PASSWORD})),
    )
    .await;
    assert_eq!(status, 201, "{record}");
    let record = record["verificationRecordId"]
        .as_str()
        .expect("record")
        .to_owned();
    let v = Some(record.as_str());

    // Only the secret generated for this user binds; the code must be the secret's.
    let other = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
    let (status, body) = call(
        &server,
        Method::POST,
        list_path,
        &token,
        v,
        Some(bind(other, Some(totp_now(other)))),
    )
    .await;
    assert_eq!(
        (status, code_of(&body)),
        (400, Some("user.totp_secret_invalid"))
    );
    let wrong = format!(
        "{:06}",
        (totp_now(&secret).parse::<u32>().expect("digits") + 500_000) % 1_000_000
    );
    let (status, body) = call(
        &server,
        Method::POST,
        list_path,
        &token,
        v,
        Some(bind(&secret, Some(wrong))),
    )
    .await;
    assert_eq!(
        (status, code_of(&body)),
        (400, Some("session.mfa.invalid_totp_code"))
    );
    let (status, body) = call(
        &server,
        Method::POST,
        list_path,
        &token,
        v,
        Some(bind(&secret, Some(totp_now(&secret)))),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    // The secret is spent: binding it again (or replacing with it) is refused.
    let (status, body) = call(
        &server,
        Method::POST,
        list_path,
        &token,
        v,
        Some(bind(&secret, None)),
    )
    .await;
    assert_eq!(
        (status, code_of(&body)),
        (422, Some("user.totp_already_in_use"))
    );
    let put = "/api/my-account/mfa-verifications/totp";
    let (status, body) = call(
        &server,
        Method::PUT,
        put,
        &token,
        v,
        Some(j!({"secret": secret, "code": totp_now(&secret)})),
    )
    .await;
    assert_eq!(
        (status, code_of(&body)),
        (400, Some("user.totp_secret_invalid"))
    );

    // Replacing the authenticator app (Logto 1.38): a new secret and its code.
    let (_, body) = call(&server, Method::POST, generate, &token, None, None).await;
    let second = body["secret"].as_str().expect("secret").to_owned();
    assert_ne!(second, secret);
    let (status, body) = call(
        &server,
        Method::PUT,
        put,
        &token,
        v,
        Some(j!({"secret": second, "code": totp_now(&second)})),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let (_, list) = call(&server, Method::GET, list_path, &token, None, None).await;
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(list[0]["type"], "Totp");

    // Backup codes: generated (not stored), bound with the record, shown once.
    let (status, body) = call(
        &server,
        Method::POST,
        "/api/my-account/mfa-verifications/backup-codes/generate",
        &token,
        None,
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let codes: Vec<String> = body["codes"]
        .as_array()
        .expect("codes")
        .iter()
        .map(|c| c.as_str().expect("code").to_owned())
        .collect();
    assert_eq!(codes.len(), 10);
    let (status, body) = call(
        &server,
        Method::POST,
        list_path,
        &token,
        v,
        Some(j!({"type": "BackupCode", "codes": ["short"]})),
    )
    .await;
    assert_eq!(
        (status, code_of(&body)),
        (422, Some("user.wrong_backup_code_format"))
    );
    let (status, body) = call(
        &server,
        Method::POST,
        list_path,
        &token,
        v,
        Some(j!({"type": "BackupCode", "codes": codes})),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let view = "/api/my-account/mfa-verifications/backup-codes";
    let (status, body) = call(&server, Method::GET, view, &token, None, None).await;
    assert_eq!(
        (status, code_of(&body)),
        (401, Some("verification_record.permission_denied"))
    );
    let (status, body) = call(&server, Method::GET, view, &token, v, None).await;
    assert_eq!(status, 200, "{body}");
    let usage = body["codes"].as_array().expect("codes");
    assert_eq!(usage.len(), 10);
    assert!(
        usage
            .iter()
            .all(|c| c["code"].is_null() && c["usedAt"].is_null()),
        "{body}"
    );
    let (_, list) = call(&server, Method::GET, list_path, &token, None, None).await;
    assert_eq!(list[1]["remainCodes"], 10, "{list}");

    // Removal needs the record; an unknown id is Logto's 400.
    let backup_id = list[1]["id"].as_str().expect("id").to_owned();
    let one = format!("{list_path}/{backup_id}");
    let (status, _) = call(&server, Method::DELETE, &one, &token, None, None).await;
    assert_eq!(status, 401);
    let (status, body) = call(
        &server,
        Method::DELETE,
        &format!("{list_path}/nosuchfactor"),
        &token,
        v,
        None,
    )
    .await;
    assert_eq!(
        (status, code_of(&body)),
        (400, Some("verification_record.not_found"))
    );
    let (status, _) = call(&server, Method::DELETE, &one, &token, v, None).await;
    assert_eq!(status, 204);
    let (status, body) = call(&server, Method::GET, view, &token, v, None).await;
    assert_eq!(
        (status, code_of(&body)),
        (404, Some("verification_record.not_found"))
    );

    // The Management API sees the same factors; the log holds no secret and no code.
    let (_, admin_view) = manage(
        &server,
        Method::GET,
        &format!("/api/users/{uid}/mfa-verifications"),
        None,
    )
    .await;
    assert_eq!(
        admin_view,
        list.as_array().map(|l| j!([l[0]])).expect("list")
    );
    let mut secrets = codes.clone();
    secrets.extend([secret, second]);
    assert_nothing_secret_in_the_log(&deployment, &secrets).await;
    // The user's own changes are audited as theirs, with the factor.
    let bound = audited(&server, "User.MfaTotpBound").await;
    assert_eq!(bound.len(), 2, "{bound:?}");
    assert!(bound
        .iter()
        .all(|e| e["payload"]["params"]["type"] == "Totp"));
}
