//! What an authenticated Account API caller (`guard::end_user_token`) may do beyond its
//! scopes (docs/logto/account-api.md#scopes: `profile`, `custom_data`,
//! `urn:logto:scope:sessions`): change the account only from a first-party application,
//! and the sensitive routes only with a verification record. A missing or invalid record
//! is 401 `verification_record.permission_denied`.
//!
//! Verification records (`POST /api/verifications/password`) are sealed tokens, not
//! events: the record is `{userId, purpose, expiresAt}` sealed under the verification-record
//! key derived from the KEK and bound to the user (`store::SealPurpose`), handed to the client as the `verificationRecordId`, and sent back
//! in `logto-verification-id`. Nothing to store or expire, any node can check it, and
//! nobody can forge, read or move one to another user. The cost: a record cannot be
//! revoked before its 10 minutes pass (Logto's records are also reusable until they
//! expire), and the password check itself is not an event (a failed check answers 422).

use crate::guard::end_user_token::{unauthorized, AccountCaller};
use crate::state::AppState;
use crate::support::error::ApiError;
use crate::support::request::RequestContext;
use actix_web::HttpRequest;
use app::AppError;
use serde::{Deserialize, Serialize};
use store::SealPurpose;

/// Header carrying a verification record id.
pub const VERIFICATION_HEADER: &str = "logto-verification-id";
/// How long a verification record stays usable (Logto: 10 minutes).
pub const VERIFICATION_TTL_SECS: i64 = 600;

/// 403 unless the token was issued to a first-party application: Logto's Account API
/// accepts changes only from first-party apps (a third-party app may read what its
/// consented scopes show, never change the account).
pub async fn require_first_party(state: &AppState, caller: &AccountCaller) -> Result<(), ApiError> {
    let app = state.oidc.directory.application(&caller.client_id).await?;
    match app.state() {
        Some(app) if !app.is_third_party => Ok(()),
        Some(_) => Err(AppError::Forbidden {
            code: "auth.forbidden",
            message: "The Account API accepts changes only from first-party applications.".into(),
        }
        .into()),
        None => Err(unauthorized(
            "The application of this token no longer exists.",
        )),
    }
}

/// The request's metadata with the caller as the events' actor: an end user's own change.
pub fn as_user(request: RequestContext, user_id: &str) -> RequestContext {
    RequestContext(request.0.acting_as(domain::Actor::User(user_id.to_owned())))
}

/// What a verification record proves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "type")]
pub enum Purpose {
    /// The user re-entered their password.
    Password,
    /// A code was sent to this address under `verification_id`; not yet verified.
    #[serde(rename_all = "camelCase")]
    CodeSent {
        verification_id: String,
        kind: domain::identifier::IdentifierKind,
        value: String,
    },
    /// The user proved they receive mail or messages at this address.
    #[serde(rename_all = "camelCase")]
    IdentifierVerified {
        kind: domain::identifier::IdentifierKind,
        value: String,
    },
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct VerificationRecord {
    user_id: String,
    purpose: Purpose,
    expires_at: i64,
}

/// Seals a new record for `user_id`; returns its id and expiry (epoch ms).
pub fn issue_verification(
    state: &AppState,
    user_id: &str,
    purpose: Purpose,
) -> Result<(String, i64), ApiError> {
    let expires_at = state
        .clock
        .now()
        .plus_seconds(VERIFICATION_TTL_SECS)
        .as_millis();
    let record = VerificationRecord {
        user_id: user_id.to_owned(),
        purpose,
        expires_at,
    };
    let plain = serde_json::to_vec(&record).map_err(ApiError::internal)?;
    let sealed = state
        .store
        .seal(SealPurpose::VerificationRecord, user_id, &plain)?;
    Ok((sealed, expires_at))
}

/// 401 `verification_record.permission_denied` unless the request carries a live record
/// of `caller`'s.
pub fn require_verification(
    state: &AppState,
    req: &HttpRequest,
    caller: &AccountCaller,
) -> Result<(), ApiError> {
    let denied = || AppError::Unauthorized {
        code: "verification_record.permission_denied",
        message: "Permission denied, the verification record is invalid.".into(),
    };
    let sealed = req
        .headers()
        .get(VERIFICATION_HEADER)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(denied)?;
    match open_verification(state, &caller.user_id, sealed) {
        Some(Purpose::Password) => Ok(()),
        _ => Err(denied().into()),
    }
}

/// What the live record `sealed` of `user_id`'s proves (`None`: not a live record of
/// theirs).
pub fn open_verification(state: &AppState, user_id: &str, sealed: &str) -> Option<Purpose> {
    let plain = state
        .store
        .open_sealed(SealPurpose::VerificationRecord, user_id, sealed)
        .ok()?;
    let record: VerificationRecord = serde_json::from_slice(&plain).ok()?;
    (record.user_id == user_id && state.clock.now().as_millis() < record.expires_at)
        .then_some(record.purpose)
}
