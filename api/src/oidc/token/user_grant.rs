//! What the user grants (`authorization_code`, `refresh_token`) share: the grant they
//! load, the access token they mint (opaque, or an RFC 9068 JWT for the resource asked
//! for), the aggregate's refusal on the wire, the batch they append, and the answer with
//! its ID token.

use super::Call;
use crate::oidc::client_auth::invalid_grant;
use crate::oidc::error::{OAuthCode, OAuthError};
use crate::oidc::issued::{self, TokenResponse};
use crate::oidc::resource_token;
use crate::state::AppState;
use actix_web::HttpResponse;
use app::directory::ResourceEntry;
use domain::application::ApplicationState;
use domain::grant::{AccessTokenIssued, Grant, GrantEvent, GrantState, Refusal};
use domain::{Actor, Timestamp};
use std::sync::Arc;
use store::{Loaded, StoreError};

/// The aggregate's refusal on the wire: the scope and target refusals say what they are,
/// every other one is a bare `invalid_grant` (the reason is logged).
pub fn refusal(grant_id: &str, r: Refusal) -> OAuthError {
    match r {
        Refusal::ScopeExceeded => OAuthError::new(OAuthCode::InvalidScope, r.to_string()),
        Refusal::TargetNotGranted => OAuthError::new(OAuthCode::InvalidTarget, r.to_string()),
        r => invalid_grant(format_args!("grant {grant_id}: {r}")),
    }
}

/// The resource a request names, looked up once before the grant is loaded.
pub async fn resource(
    state: &AppState,
    indicator: Option<&str>,
) -> Result<Option<Arc<ResourceEntry>>, OAuthError> {
    match indicator {
        Some(indicator) => resource_token::lookup(state, indicator).await.map(Some),
        None => Ok(None),
    }
}

/// The state of the grant `loaded`; `invalid_grant` if it was never issued.
pub fn found<'a>(loaded: &'a Loaded<Grant>, grant_id: &str) -> Result<&'a GrantState, OAuthError> {
    loaded
        .aggregate
        .state()
        .ok_or_else(|| invalid_grant(format_args!("grant {grant_id} not found")))
}

/// An access token as the answer carries it.
pub struct AccessToken {
    pub token: String,
    pub scope: String,
    pub expires_in: u64,
}

/// An access token under `grant` for `scopes`, and its record for the grant's event:
/// opaque (for `/oidc/me`) without a resource, a JWT for `resource` otherwise.
pub async fn access_token(
    state: &AppState,
    grant_id: &str,
    grant: &GrantState,
    resource: Option<&ResourceEntry>,
    scopes: &[String],
    now: Timestamp,
) -> Result<(AccessTokenIssued, AccessToken), OAuthError> {
    match resource {
        None => {
            let ttl = state.sign_in.lifetimes.access_token;
            let minted = issued::opaque(state, grant_id);
            let record = issued::opaque_record(minted.digest, scopes, now, ttl);
            let token = AccessToken {
                token: minted.token,
                scope: scopes.join(" "),
                expires_in: ttl,
            };
            Ok((record, token))
        }
        Some(resource) => {
            let t = resource_token::mint(state, grant_id, grant, resource, scopes, now).await?;
            let token = AccessToken {
                token: t.token,
                scope: t.scope,
                expires_in: t.ttl,
            };
            Ok((t.record, token))
        }
    }
}

/// The request context the grant's events are recorded under: the client acting.
pub fn acting(call: &Call<'_>) -> app::RequestContext {
    call.request
        .acting_as(Actor::Application(call.client.id.clone()))
}

/// Why one attempt of a user grant stopped: an answer for the client, or the store. A
/// conflict is retried by `app::transact`; once the attempts run out it becomes the
/// grant's own "used concurrently" refusal.
pub enum Attempt {
    Refused(OAuthError),
    Store(StoreError),
}

impl From<OAuthError> for Attempt {
    fn from(e: OAuthError) -> Self {
        Self::Refused(e)
    }
}

impl From<StoreError> for Attempt {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

impl Attempt {
    /// The answer: the refusal as it is, conflicts past the last attempt as `contended`,
    /// any other store failure as a server error.
    pub fn into_oauth(self, contended: impl FnOnce() -> OAuthError) -> OAuthError {
        match self {
            Self::Refused(e) => e,
            Self::Store(StoreError::Conflict { .. }) => contended(),
            Self::Store(e) => OAuthError::server(e),
        }
    }
}

/// What a committed attempt decided, for the answer.
pub struct Decided {
    pub grant: GrantState,
    pub scopes: Vec<String>,
    pub access: AccessToken,
    pub refresh_token: Option<String>,
    pub events: Vec<GrantEvent>,
}

/// The token response for what an attempt decided: the access token, an ID token when the
/// scopes hold `openid`, and the refresh token if one was issued.
pub async fn respond(
    state: &AppState,
    grant_id: &str,
    app: &ApplicationState,
    decided: Decided,
) -> Result<HttpResponse, OAuthError> {
    let access = &decided.access.token;
    let id_token = issued::id_token(
        state,
        grant_id,
        &decided.grant,
        &decided.scopes,
        app,
        access,
    )
    .await?;
    Ok(issued::respond(&TokenResponse {
        access_token: decided.access.token,
        token_type: "Bearer",
        expires_in: decided.access.expires_in,
        scope: decided.access.scope,
        id_token,
        refresh_token: decided.refresh_token,
    }))
}
