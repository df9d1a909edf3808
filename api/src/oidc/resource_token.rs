//! RFC 8707 resource indicators for the user-facing grants: which resource a token
//! request asks for, whether the grant holds it, and the RFC 9068 JWT for it.
//!
//! A grant holds the resources its authorization request named (`GrantIssued.resources`);
//! a code or refresh request for any other resource is `invalid_target`. The JWT's
//! scopes are the requested (default: granted) scopes that the resource defines AND the
//! user holds through its `User` roles (`projections::access::user_scopes`) right now.
//! The JWT carries the grant id as the private claim `grant_id`, so introspection can
//! answer `active: false` once the grant is revoked or its user suspended or deleted,
//! and revoking the JWT can be recorded on its grant.

use super::error::{OAuthCode, OAuthError};
use crate::signin::finish::secs;
use crate::state::AppState;
use app::directory::ResourceEntry;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine;
use domain::grant::{AccessTokenIssued, GrantState};
use domain::Timestamp;
use serde::Serialize;
use std::sync::Arc;

/// The private claim naming the grant behind a resource JWT.
pub const GRANT_CLAIM: &str = "grant_id";

/// The claims of every RFC 9068 access token this server signs: for a user's grant
/// (with [`GRANT_CLAIM`], so introspection can find the grant) or for a client's own
/// credentials (without).
#[derive(Serialize)]
pub(crate) struct AccessTokenClaims<'a> {
    pub jti: &'a str,
    pub sub: &'a str,
    pub iat: i64,
    pub exp: i64,
    pub scope: &'a str,
    pub client_id: &'a str,
    pub iss: &'a str,
    pub aud: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant_id: Option<&'a str>,
    /// RFC 8693 §4.1: the user acting for `sub` (a token exchange with an actor token).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub act: Option<Act<'a>>,
}

/// RFC 8693 §4.1 `act`.
#[derive(Serialize)]
pub(crate) struct Act<'a> {
    pub sub: &'a str,
}

/// A minted resource token and its record for the grant's event.
pub struct ResourceToken {
    pub token: String,
    pub record: AccessTokenIssued,
    pub scope: String,
    pub ttl: u64,
}

pub fn invalid_target(description: &str) -> OAuthError {
    OAuthError::new(OAuthCode::InvalidTarget, description)
}

/// The resource a token request names (at most one: `request.rs` refuses several);
/// an unknown indicator is `invalid_target`.
pub async fn lookup(state: &AppState, indicator: &str) -> Result<Arc<ResourceEntry>, OAuthError> {
    state
        .oidc
        .directory
        .resource(indicator)
        .await
        .map_err(OAuthError::server)?
        .ok_or_else(|| invalid_target("resource indicator is unknown"))
}

/// A JWT for `resource` under `grant`: refused (`invalid_target`) unless the grant holds
/// the resource.
pub async fn mint(
    state: &AppState,
    grant_id: &str,
    grant: &GrantState,
    resource: &ResourceEntry,
    requested: &[String],
    now: Timestamp,
) -> Result<ResourceToken, OAuthError> {
    let indicator = &resource.state.indicator;
    if !grant.holds_resource(Some(indicator)) {
        return Err(invalid_target(
            "the grant does not hold the requested resource",
        ));
    }
    // Only what the user holds through its User roles right now (read model: role
    // changes through the API settle it before they answer).
    let held =
        projections::access::user_scopes(&state.store.read_pool, &grant.issued.user_id, indicator)
            .await
            .map_err(OAuthError::server)?;
    let scopes: Vec<String> = requested
        .iter()
        .filter(|s| resource.state.scopes.iter().any(|r| &r.name == *s))
        .filter(|s| held.contains(s))
        .cloned()
        .collect();
    let scope = scopes.join(" ");
    let ttl = resource.state.access_token_ttl;
    let jti = B64URL.encode(state.random.bytes::<16>());
    let iat = now.as_millis() / 1000;
    let exp = iat + secs(ttl);
    let token = state
        .oidc
        .keys
        .current()
        .signer
        .sign_access_token(&AccessTokenClaims {
            jti: &jti,
            sub: &grant.issued.user_id,
            iat,
            exp,
            scope: &scope,
            client_id: &grant.issued.client_id,
            iss: &state.oidc.issuer,
            aud: indicator,
            grant_id: Some(grant_id),
            act: grant.actor.as_deref().map(|sub| Act { sub }),
        })
        .map_err(OAuthError::server)?;
    let record = AccessTokenIssued::Jwt {
        jti,
        audience: indicator.clone(),
        scopes,
        issued_at: now,
        expires_at: Timestamp::from_millis(exp.saturating_mul(1000)),
    };
    Ok(ResourceToken {
        token,
        record,
        scope,
        ttl,
    })
}
