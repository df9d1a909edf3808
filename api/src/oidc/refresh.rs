//! `grant_type=refresh_token` (RFC 6749 §6) with rotation and reuse detection.
//!
//! Every refresh rotates the token (generation + 1). A confidential client may turn that
//! off with `customClientMetadata.rotateRefreshToken=false`; a public client (SPA,
//! Native) may not: RFC 9700 §4.14.2 requires its refresh tokens to be rotated (they are
//! not sender-constrained), so the setting is ignored for them. A rotated-out token
//! presented again revokes the whole grant (the aggregate decides; a concurrent use of
//! the same token loses the version race, reloads and is judged a replay too).
//!
//! `scope` may narrow the grant's scopes (never widen them): the token issued carries
//! exactly the scopes asked for, and remembers them. With `resource` (RFC 8707) the
//! access token is an RFC 9068 JWT for that resource, which the grant must hold
//! (`resource_token.rs`).

use super::client_auth::{self, invalid_grant};
use super::code::{user_client, MAX_ATTEMPTS};
use super::error::{OAuthCode, OAuthError};
use super::issued::{self, TokenResponse};
use super::resource_token;
use crate::request::RequestContext;
use crate::signin::issue::secs;
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse};
use domain::application::ApplicationType;
use domain::grant::{ends_in_revocation, Grant, GrantCommand, IssuedSecret, Refusal};
use domain::{Actor, Aggregate, CommandContext};
use store::{AppendBatch, ExpectedVersion, Repository, StoreError};

/// The aggregate's refusal on the wire: the scope and target refusals say what they are,
/// every other one is a bare `invalid_grant` (the reason is logged).
pub fn refusal(grant_id: &str, r: Refusal) -> OAuthError {
    match r {
        Refusal::ScopeExceeded => OAuthError::new(OAuthCode::InvalidScope, r.to_string()),
        Refusal::TargetNotGranted => OAuthError::new(OAuthCode::InvalidTarget, r.to_string()),
        r => invalid_grant(format_args!("grant {grant_id}: {r}")),
    }
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
    let presented = issued::split(token).ok_or_else(|| invalid_grant("malformed refresh token"))?;
    let Some(generation) = presented.generation else {
        return Err(invalid_grant(
            "an access token presented as a refresh token",
        ));
    };
    let grant_id = presented.grant_id;
    let resource = resource_token::requested(state, &form.resources).await?;
    let lifetimes = state.sign_in.lifetimes;
    let client_lifetimes = &app.settings.custom_client_metadata.lifetimes;
    let rotate = app.rotates_refresh_tokens();
    let repo = state.store.repository();

    for _ in 0..MAX_ATTEMPTS {
        let now = state.clock.now();
        let loaded = repo
            .load_cached::<Grant>(grant_id)
            .await
            .map_err(OAuthError::server)?;
        let Some(grant) = loaded.aggregate.state() else {
            return Err(invalid_grant(format_args!("grant {grant_id} not found")));
        };
        if !issued::user_may_hold_tokens(state, &grant.issued.user_id).await? {
            return Err(invalid_grant(format_args!(
                "grant {grant_id}: the user no longer exists or is suspended"
            )));
        }
        let requested: Vec<String> = match form.get("scope") {
            Some(s) => {
                let mut asked: Vec<String> = Vec::new();
                for scope in s.split_whitespace() {
                    if !asked.iter().any(|a| a == scope) {
                        asked.push(scope.to_owned());
                    }
                }
                asked
            }
            None => grant.issued.scopes.clone(),
        };
        if !requested.iter().all(|s| grant.issued.scopes.contains(s)) {
            return Err(OAuthError::new(
                OAuthCode::InvalidScope,
                "requested scope exceeds the grant",
            ));
        }
        let (access_token, record, scope, expires_in) = match &resource {
            None => {
                let minted = issued::opaque(state, grant_id);
                let record = issued::opaque_record(
                    minted.digest.clone(),
                    &requested,
                    now,
                    lifetimes.access_token,
                );
                (
                    minted.token,
                    record,
                    requested.join(" "),
                    lifetimes.access_token,
                )
            }
            Some(resource) => {
                let t =
                    resource_token::mint(state, grant_id, grant, resource, &requested, now).await?;
                (t.token, t.record, t.scope, t.ttl)
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
                // as Logto, docs/logto/oidc.md#lifetimes); other clients get a fresh one.
                expires_at: match (&grant.refresh, app.app_type == ApplicationType::Spa) {
                    (Some((_, current)), true) => current.expires_at,
                    _ => now.plus_seconds(secs(lifetimes.refresh_token_for(client_lifetimes))),
                },
            }),
        };
        let events = loaded
            .aggregate
            .handle(command, &CommandContext { now })
            .map_err(|r| refusal(grant_id, r))?;
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
            return Err(invalid_grant(format_args!(
                "grant {grant_id}: a rotated-out refresh token was replayed; the grant is revoked"
            )));
        }
        let id_token = issued::id_token(state, grant_id, grant, &requested, app).await?;
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
    Err(invalid_grant(format_args!(
        "grant {grant_id}: the refresh token is being used concurrently"
    )))
}
