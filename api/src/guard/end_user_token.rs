//! The end user's bearer token, the guard of the Account API (`Access::EndUser`): an
//! opaque user access token issued by `/oidc/token` (`<grant id>.<secret>`). The grant
//! decides whether it is live (revoked grants, expired tokens and suspended or deleted
//! users are refused at once); the token's own scopes go with the caller, and `openid` is
//! required for everything (docs/logto/account-api.md#scopes). Every refusal is 401
//! `auth.unauthorized`.

use crate::oidc::issued;
use crate::state::AppState;
use crate::support::error::ApiError;
use actix_web::{HttpMessage, HttpRequest};
use app::AppError;
use domain::grant::Grant;

/// The authenticated end user.
#[derive(Debug, Clone)]
pub struct AccountCaller {
    pub user_id: String,
    pub client_id: String,
    pub grant_id: String,
    pub session_id: Option<String>,
    pub scopes: Vec<String>,
}

pub(crate) fn unauthorized(message: &str) -> ApiError {
    AppError::Unauthorized {
        code: "auth.unauthorized",
        message: message.to_owned(),
    }
    .into()
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
    let token = crate::support::request::bearer_token(req)
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
