//! Whether the application behind a Management API token still has Management access.
//!
//! A Management token is a JWT: its signature and `scope` say what the app could do when
//! the token was issued, not now. Deleting the app, taking away `isAdmin`, or removing the
//! Management API's `all` scope from its machine-to-machine role must end its access at
//! once, not when the token expires, so the guard of Management routes asks this module
//! ([`authenticate`]) after the signature check, cached or not: the cache of verified
//! tokens (`verified_tokens.rs`) remembers only what the signature proves.
//!
//! Cheap: it reads the OIDC directory (`app/src/directory.rs`), the in-memory cache of
//! applications, roles and resources the token endpoint uses. A write on this node evicts
//! what it changed before the request answers (`app/src/transact.rs`); other nodes' caches are
//! evicted by their log follower (a notification, at worst its 500 ms poll).

use crate::guard::management_token::{
    Principal, Refusal, MANAGEMENT_API_INDICATOR, MANAGEMENT_API_SCOPE,
};
use crate::state::AppState;
use crate::support::error::ApiError;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use store::StoreError;

/// True when `client_id` is a live application holding the Management API's `all` scope
/// through one of its machine-to-machine roles (what the client-credentials grant checks
/// before issuing a Management token).
pub async fn management_access_live(state: &AppState, client_id: &str) -> Result<bool, StoreError> {
    let directory = &state.oidc.directory;
    let app = directory.application(client_id).await?;
    let Some(app) = app.state() else {
        return Ok(false);
    };
    let Some(resource) = directory.resource(MANAGEMENT_API_INDICATOR).await? else {
        return Ok(false);
    };
    Ok(directory
        .m2m_scopes(app, &resource)
        .await?
        .iter()
        .any(|scope| scope == MANAGEMENT_API_SCOPE))
}

/// The Management principal of `req`: its token verifies (`management_token::authenticate`) and its
/// app still has Management access. The guard of Management routes (`access.rs`) asks this.
pub(crate) async fn authenticate(
    state: &AppState,
    req: &HttpRequest,
) -> Result<Principal, HttpResponse> {
    let principal =
        crate::guard::management_token::authenticate(state, req).map_err(Refusal::response)?;
    match management_access_live(state, &principal.client_id).await {
        Ok(true) => Ok(principal),
        Ok(false) => Err(Refusal::Unauthorized.response()),
        Err(e) => Err(ApiError::from(e).error_response()),
    }
}
