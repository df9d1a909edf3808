//! `grant_type=refresh_token` (RFC 6749 §6) with rotation and reuse detection.
//!
//! Every refresh rotates the token (generation + 1) unless the application set
//! `customClientMetadata.rotateRefreshToken=false`: simpler than oidc-provider's "rotate
//! confidential clients past 70 % of the lifetime", and stricter. A rotated-out token
//! presented again revokes the whole grant (the aggregate decides; a concurrent use of
//! the same token loses the version race, reloads and is judged a replay too).
//!
//! With `resource` (RFC 8707) the access token is an RFC 9068 JWT for that resource.
//! Its scopes are the requested (default: granted) scopes that the resource defines AND
//! the user holds through its `User` roles (`projections::access::user_scopes`), so no
//! scope is ever handed out that the subject does not hold.

use super::client_auth::{self, invalid_grant};
use super::code::{user_client, MAX_ATTEMPTS};
use super::error::{OAuthCode, OAuthError};
use super::issued::{self, TokenResponse};
use crate::request::RequestContext;
use crate::signin::issue::secs;
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine;
use domain::application::ApplicationType;
use domain::grant::{
    ends_in_revocation, AccessTokenIssued, Grant, GrantCommand, IssuedSecret, Refusal,
};
use domain::{Actor, Aggregate, CommandContext, Timestamp};
use serde::Serialize;
use store::{AppendBatch, ExpectedVersion, Repository, StoreError};

#[derive(Serialize)]
struct AccessTokenClaims<'a> {
    jti: &'a str,
    sub: &'a str,
    iat: i64,
    exp: i64,
    scope: &'a str,
    client_id: &'a str,
    iss: &'a str,
    aud: &'a str,
}

/// The access token to hand out: opaque, or a JWT for a resource.
enum Access {
    Opaque(issued::Minted),
    Jwt {
        token: String,
        jti: String,
        audience: String,
    },
}

pub async fn refresh(
    state: &AppState,
    req: &HttpRequest,
    request: &RequestContext,
    body: &[u8],
) -> Result<HttpResponse, OAuthError> {
    let form = client_auth::parse(req, body)?;
    let client = user_client(state, req, &form).await?;
    let app = client.state()?;
    let token = form
        .get("refresh_token")
        .ok_or_else(|| OAuthError::invalid_request("missing refresh_token"))?;
    let presented =
        issued::split(token).ok_or_else(|| invalid_grant("the refresh token is invalid"))?;
    let Some(generation) = presented.generation else {
        return Err(invalid_grant("the refresh token is invalid"));
    };
    let grant_id = presented.grant_id;
    let resource = match form.resources.as_slice() {
        [] => None,
        [one] => Some(
            state
                .oidc
                .directory
                .resource(one)
                .await
                .map_err(OAuthError::server)?
                .ok_or_else(|| {
                    OAuthError::new(OAuthCode::InvalidTarget, "resource indicator is unknown")
                })?,
        ),
        _ => {
            return Err(OAuthError::new(
                OAuthCode::InvalidTarget,
                "only one resource indicator may be requested",
            ))
        }
    };
    let lifetimes = state.sign_in.lifetimes;
    let client_lifetimes = &app.settings.custom_client_metadata.lifetimes;
    let rotate = app.settings.custom_client_metadata.rotate_refresh_token != Some(false);
    let repo = state.store.repository();

    for _ in 0..MAX_ATTEMPTS {
        let now = state.clock.now();
        let loaded = repo
            .load_cached::<Grant>(grant_id)
            .await
            .map_err(OAuthError::server)?;
        let Some(grant) = loaded.aggregate.state() else {
            return Err(invalid_grant("the refresh token is invalid"));
        };
        if !issued::user_may_hold_tokens(state, &grant.issued.user_id).await? {
            return Err(invalid_grant("the user no longer exists or is suspended"));
        }
        let requested: Vec<String> = match form.get("scope") {
            Some(s) => s.split_whitespace().map(str::to_owned).collect(),
            None => grant.issued.scopes.clone(),
        };
        if !requested.iter().all(|s| grant.issued.scopes.contains(s)) {
            return Err(OAuthError::new(
                OAuthCode::InvalidScope,
                "requested scope exceeds the grant",
            ));
        }
        let (access, record, scope, expires_in) = match &resource {
            None => {
                let minted = issued::opaque(state, grant_id);
                let record = issued::opaque_record(
                    minted.digest.clone(),
                    &requested,
                    now,
                    lifetimes.access_token,
                );
                (
                    Access::Opaque(minted),
                    record,
                    requested.join(" "),
                    lifetimes.access_token,
                )
            }
            Some(resource) => {
                // Only what the user holds through its User roles right now (read model:
                // role changes through the API settle it before they answer).
                let held = projections::access::user_scopes(
                    &state.store.read_pool,
                    &grant.issued.user_id,
                    &resource.state.indicator,
                )
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
                let audience = resource.state.indicator.clone();
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
                        client_id: &client.id,
                        iss: &state.oidc.issuer,
                        aud: &audience,
                    })
                    .map_err(OAuthError::server)?;
                let record = AccessTokenIssued::Jwt {
                    jti: jti.clone(),
                    audience: audience.clone(),
                    scopes,
                    issued_at: now,
                    expires_at: Timestamp::from_millis(exp.saturating_mul(1000)),
                };
                (
                    Access::Jwt {
                        token,
                        jti,
                        audience,
                    },
                    record,
                    scope,
                    ttl,
                )
            }
        };
        let next = rotate.then(|| issued::refresh(state, grant_id, generation + 1));
        let command = GrantCommand::Refresh {
            client_id: client.id.clone(),
            generation,
            secret: presented.secret.to_owned(),
            access_token: record,
            rotate_to: next.as_ref().map(|n| IssuedSecret {
                digest: n.digest.clone(),
                // SPAs keep the rotated token's remaining lifetime (no sliding renewal,
                // as Logto, reference §1.5); other clients get a fresh one.
                expires_at: match (&grant.refresh, app.app_type == ApplicationType::Spa) {
                    (Some((_, current)), true) => current.expires_at,
                    _ => now.plus_seconds(secs(lifetimes.refresh_token_for(client_lifetimes))),
                },
            }),
        };
        let events = loaded
            .aggregate
            .handle(command, &CommandContext { now })
            .map_err(|r| match r {
                Refusal::ScopeExceeded => OAuthError::new(OAuthCode::InvalidScope, r.to_string()),
                r => invalid_grant(r.to_string()),
            })?;
        let mut metadata = request.metadata(now);
        metadata.actor = Actor::Application(client.id.clone());
        let batch = AppendBatch {
            streams: vec![Repository::stage::<Grant>(
                grant_id,
                ExpectedVersion::at(loaded.version),
                &events,
                &metadata,
            )],
        };
        match repo.append(batch).await {
            Ok(outcome) => {
                state
                    .metrics
                    .events_appended
                    .inc_by(outcome.events.len() as u64);
            }
            Err(StoreError::Conflict { .. }) => continue,
            Err(e) => return Err(OAuthError::server(e)),
        }
        if ends_in_revocation(&events) {
            return Err(invalid_grant(
                "the refresh token was already used; the grant is revoked",
            ));
        }
        let id_token = issued::id_token(
            state,
            grant_id,
            grant,
            lifetimes.id_token_for(client_lifetimes),
        )
        .await?;
        let access_token = match access {
            Access::Opaque(m) => m.token,
            Access::Jwt {
                token,
                jti,
                audience,
            } => {
                tracing::debug!(%jti, %audience, "resource access token issued");
                token
            }
        };
        return Ok(issued::respond(&TokenResponse {
            access_token,
            token_type: "Bearer",
            expires_in,
            scope,
            id_token,
            // Without rotation the client keeps using the token it has.
            refresh_token: next.map(|n| n.token),
        }));
    }
    Err(invalid_grant(
        "the refresh token is being used concurrently",
    ))
}
