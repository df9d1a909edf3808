//! `POST /oidc/token/revocation` (RFC 7009), client-authenticated. Revoking a refresh
//! token ends its grant (and so every token under it); revoking an opaque access token
//! ends that token. Unknown, foreign or already-dead tokens are answered 200 all the same
//! (§2.2): the answer must not tell a client which tokens exist.

use super::client_auth;
use super::code::MAX_ATTEMPTS;
use super::error::OAuthError;
use super::issued;
use crate::request::RequestContext;
use crate::state::AppState;
use actix_web::http::header::CACHE_CONTROL;
use actix_web::{web, HttpRequest, HttpResponse};
use domain::grant::{Grant, GrantCommand};
use domain::{Actor, Aggregate, CommandContext};
use store::{AppendBatch, ExpectedVersion, Repository, StoreError};

#[utoipa::path(
    post,
    path = "/oidc/token/revocation",
    tag = "OIDC",
    operation_id = "RevokeToken",
    request_body(content_type = "application/x-www-form-urlencoded", content = Object, description = "`token`, `token_type_hint`; client authentication"),
    responses(
        (status = 200, description = "Revoked (or not the caller's: nothing happens)"),
        (status = 400, description = "`invalid_request`", body = crate::openapi::oidc_schemas::OidcError),
        (status = 401, description = "`invalid_client`", body = crate::openapi::oidc_schemas::OidcError)
    )
)]
pub async fn revoke(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    body: web::Bytes,
) -> Result<HttpResponse, OAuthError> {
    let form = client_auth::parse(&req, &body)?;
    let client = client_auth::authenticate(&state, &req, &form).await?;
    let token = form
        .get("token")
        .ok_or_else(|| OAuthError::invalid_request("missing token"))?;
    if let Some(p) = issued::split(token) {
        let repo = state.store.repository();
        for _ in 0..MAX_ATTEMPTS {
            let loaded = repo
                .load_cached::<Grant>(p.grant_id)
                .await
                .map_err(OAuthError::server)?;
            let Some(grant) = loaded.aggregate.state() else {
                break;
            };
            if grant.issued.client_id != client.id {
                break;
            }
            let command = match p.generation {
                Some(generation) => GrantCommand::RevokeRefreshToken {
                    client_id: client.id.clone(),
                    generation,
                    secret: p.secret.to_owned(),
                },
                None => GrantCommand::RevokeAccessToken {
                    secret: p.secret.to_owned(),
                },
            };
            let now = state.clock.now();
            let Ok(events) = loaded.aggregate.handle(command, &CommandContext { now }) else {
                break;
            };
            let mut metadata = request.metadata(now);
            metadata.actor = Actor::Application(client.id.clone());
            let batch = AppendBatch {
                streams: vec![Repository::stage::<Grant>(
                    p.grant_id,
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
                    break;
                }
                Err(StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(OAuthError::server(e)),
            }
        }
    }
    Ok(HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, "no-store"))
        .finish())
}
