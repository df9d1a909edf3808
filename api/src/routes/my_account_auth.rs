//! Who is calling the Account API (`/api/my-account`, `/api/verifications`): the bearer is
//! an opaque user access token issued by `/oidc/token` (`<grant id>.<secret>`). The grant
//! decides whether it is live (revoked grants, expired tokens and suspended or deleted
//! users are refused at once), and its scopes gate the routes as in Logto (see
//! docs/logto/account-api.md#scopes): `openid` for everything, `profile`, `custom_data`, `urn:logto:scope:sessions`.
//! Every refusal is 401 `auth.unauthorized`; a missing or invalid verification record is
//! 401 `verification_record.permission_denied`.
//!
//! Verification records (`POST /api/verifications/password`) are sealed tokens, not
//! events: the record is `{userId, purpose, expiresAt}` sealed under the verification-record
//! key derived from the KEK and bound to the user (`store::SealPurpose`), handed to the client as the `verificationRecordId`, and sent back
//! in `logto-verification-id`. Nothing to store or expire, any node can check it, and
//! nobody can forge, read or move one to another user. The cost: a record cannot be
//! revoked before its 10 minutes pass (Logto's records are also reusable until they
//! expire), and the password check itself is not an event (a failed check answers 422).

use crate::error::ApiError;
use crate::oidc::issued;
use crate::state::AppState;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{HttpMessage, HttpRequest};
use domain::grant::Grant;
use serde::{Deserialize, Serialize};
use store::SealPurpose;

/// Header carrying a verification record id.
pub const VERIFICATION_HEADER: &str = "logto-verification-id";
/// How long a verification record stays usable (Logto: 10 minutes).
pub const VERIFICATION_TTL_SECS: i64 = 600;

/// The authenticated end user.
#[derive(Debug, Clone)]
pub struct AccountCaller {
    pub user_id: String,
    pub client_id: String,
    pub grant_id: String,
    pub session_id: Option<String>,
    pub scopes: Vec<String>,
}

fn unauthorized(message: &str) -> ApiError {
    ApiError::Unauthorized {
        code: "auth.unauthorized",
        message: message.to_owned(),
    }
}

impl AccountCaller {
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    /// 401 `auth.unauthorized` unless the token carries `scope`.
    pub fn require_scope(&self, scope: &str) -> Result<(), ApiError> {
        if self.has_scope(scope) {
            Ok(())
        } else {
            Err(unauthorized(&format!(
                "The access token lacks the `{scope}` scope."
            )))
        }
    }
}

/// The caller that the Account API's guard authenticated (`access::Access::EndUser`).
/// A handler mounted outside that class finds none and refuses: it cannot be reached
/// without a live user token even if it is registered in the wrong place.
pub async fn authenticate(_state: &AppState, req: &HttpRequest) -> Result<AccountCaller, ApiError> {
    req.extensions()
        .get::<AccountCaller>()
        .cloned()
        .ok_or_else(|| unauthorized("Authorization header with a Bearer token is missing."))
}

/// Authenticates the bearer user access token (the guard of the Account API's routes).
pub async fn authenticate_bearer(
    state: &AppState,
    req: &HttpRequest,
) -> Result<AccountCaller, ApiError> {
    let token = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim())
        .ok_or_else(|| unauthorized("Authorization header with a Bearer token is missing."))?;
    let presented = issued::split(token)
        .filter(|p| p.generation.is_none())
        .ok_or_else(|| unauthorized("The access token is invalid."))?;
    let loaded = state
        .store
        .repository()
        .load_cached::<Grant>(presented.grant_id)
        .await?;
    let now = state.clock.now();
    let (grant, token) = loaded
        .aggregate
        .state()
        .and_then(|g| Some((g, g.access_token(presented.secret, now)?)))
        .ok_or_else(|| unauthorized("The access token is invalid or expired."))?;
    let may = issued::user_may_hold_tokens(state, &grant.issued.user_id)
        .await
        .map_err(|e| ApiError::internal(e.description))?;
    if !may {
        return Err(unauthorized("The user is suspended or no longer exists."));
    }
    let caller = AccountCaller {
        user_id: grant.issued.user_id.clone(),
        client_id: grant.issued.client_id.clone(),
        grant_id: presented.grant_id.to_owned(),
        session_id: grant.issued.session_id.clone(),
        // The token's own scopes: a down-scoped refresh narrows what it may do.
        scopes: token.scopes.clone(),
    };
    caller.require_scope("openid")?;
    Ok(caller)
}

/// 403 unless the token was issued to a first-party application: Logto's Account API
/// accepts changes only from first-party apps (a third-party app may read what its
/// consented scopes show, never change the account).
pub async fn require_first_party(state: &AppState, caller: &AccountCaller) -> Result<(), ApiError> {
    let app = state.oidc.directory.application(&caller.client_id).await?;
    match app.state() {
        Some(app) if !app.is_third_party => Ok(()),
        Some(_) => Err(ApiError::Forbidden {
            code: "auth.forbidden",
            message: "The Account API accepts changes only from first-party applications.".into(),
        }),
        None => Err(unauthorized(
            "The application of this token no longer exists.",
        )),
    }
}

/// What a verification record proves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Purpose {
    /// The user re-entered their password.
    Password,
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
    let denied = || ApiError::Unauthorized {
        code: "verification_record.permission_denied",
        message: "Permission denied, the verification record is invalid.".into(),
    };
    let sealed = req
        .headers()
        .get(VERIFICATION_HEADER)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(denied)?;
    let plain = state
        .store
        .open_sealed(SealPurpose::VerificationRecord, &caller.user_id, sealed)
        .map_err(|_| denied())?;
    let record: VerificationRecord = serde_json::from_slice(&plain).map_err(|_| denied())?;
    let live = record.user_id == caller.user_id
        && record.purpose == Purpose::Password
        && state.clock.now().as_millis() < record.expires_at;
    if live {
        Ok(())
    } else {
        Err(denied())
    }
}
