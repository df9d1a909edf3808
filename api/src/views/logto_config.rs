//! A user's Logto config (`logtoConfig`: MFA choices and the passkey prompt) in Logto's
//! shape, as `GET/PATCH /api/users/{userId}/logto-configs` and
//! `/api/my-account/logto-configs` answer it (docs/mfa.md#skip-choices), and the PATCH
//! body both accept.

use domain::user::{LogtoConfigChanges, UserLogtoConfigUpdated};
use serde::Deserialize;
use serde_json::{json, Value};

/// `{mfa: {enabled?, skipped, skipMfaOnSignIn}, passkeySignIn: {skipped}}`; `enabled` is
/// left out until someone set it (Logto's "unknown" for users older than the field).
pub fn render(config: &UserLogtoConfigUpdated) -> Value {
    let mut mfa = json!({
        "skipped": config.mfa.skipped,
        "skipMfaOnSignIn": config.mfa.skip_mfa_on_sign_in,
    });
    if let (Some(enabled), Some(map)) = (config.mfa.enabled, mfa.as_object_mut()) {
        map.insert("enabled".into(), Value::Bool(enabled));
    }
    json!({
        "mfa": mfa,
        "passkeySignIn": {"skipped": config.passkey_sign_in.skipped},
    })
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct MfaPatch {
    enabled: Option<bool>,
    skipped: Option<bool>,
    skip_mfa_on_sign_in: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PasskeyPatch {
    skipped: Option<bool>,
}

/// Logto's PATCH body: `{mfa?: {enabled?, skipped?, skipMfaOnSignIn?}, passkeySignIn?:
/// {skipped?}}`, each value given replacing that one.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LogtoConfigPatch {
    mfa: Option<MfaPatch>,
    passkey_sign_in: Option<PasskeyPatch>,
}

impl LogtoConfigPatch {
    pub fn changes(self) -> LogtoConfigChanges {
        let mfa = self.mfa.unwrap_or_default();
        let passkey = self.passkey_sign_in.unwrap_or_default();
        LogtoConfigChanges {
            mfa_enabled: mfa.enabled,
            mfa_skipped: mfa.skipped,
            skip_mfa_on_sign_in: mfa.skip_mfa_on_sign_in,
            passkey_skipped: passkey.skipped,
        }
    }
}
