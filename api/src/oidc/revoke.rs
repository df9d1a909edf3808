//! `POST /oidc/token/revocation` (RFC 7009), client-authenticated. Revoking a refresh
//! token ends its grant (and so every token under it); revoking an opaque access token
//! ends that token. Revoking a resource JWT (a user's, or a client-credentials one) ends
//! that JWT as far as this server can see it: the revocation is an event (on the grant,
//! or on the client-credentials token's stream) and introspection answers
//! `active: false` from then on; a resource server that verifies the JWT locally against
//! the JWKS cannot learn of it and accepts it until `exp` (RFC 7009 §2 lets a server
//! revoke only what it can; short resource token lifetimes bound the rest). Unknown,
//! foreign or already-dead tokens are answered 200 all the same (RFC 7009 §2.2): the answer must
//! not tell a client which tokens exist.

use super::client_auth;
use super::error::OAuthError;
use super::issued;
use super::resource_token::GRANT_CLAIM;
use crate::state::AppState;
use crate::support::request::RequestContext;
use actix_web::http::header::CACHE_CONTROL;
use actix_web::{web, HttpRequest, HttpResponse};
use app::transact::{transact, Tx};
use domain::client_credentials::{ClientCredentialsCommand, ClientCredentialsToken};
use domain::grant::{Grant, GrantCommand};
use domain::{Actor, Aggregate, Timestamp};
use serde_json::{Map, Value};
use store::StoreError;

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
    if issued::split(token).is_none() {
        if let Some(claims) = super::introspect::verified_jwt(&state, &client.id, token) {
            revoke_jwt(&state, &request, &client.id, &claims).await?;
        }
    }
    if let Some(p) = issued::split(token) {
        let p = &p;
        let state: &AppState = &state;
        let client_id = client.id.as_str();
        let acting = request.acting_as(Actor::Application(client.id.clone()));
        let revoked = transact(&state.app, &acting, |mut tx: Tx<StoreError>| async move {
            let loaded = state
                .store
                .repository()
                .load_cached::<Grant>(p.grant_id)
                .await?;
            let Some(grant) = loaded.aggregate.state() else {
                return Ok((tx, ()));
            };
            if grant.issued.client_id != client_id {
                return Ok((tx, ()));
            }
            let command = match p.generation {
                Some(generation) => GrantCommand::RevokeRefreshToken {
                    client_id: client_id.to_owned(),
                    generation,
                    secret: p.secret.to_owned(),
                },
                None => GrantCommand::RevokeAccessToken {
                    secret: p.secret.to_owned(),
                },
            };
            if let Ok(events) = loaded.aggregate.handle(command, &tx.ctx) {
                tx.stage::<Grant>(p.grant_id, loaded.version, &events);
            }
            Ok((tx, ()))
        })
        .await;
        settled(revoked)?;
    }
    Ok(HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, "no-store"))
        .finish())
}

/// Records the revocation of a verified JWT issued to `client_id`: on its grant, or on
/// its client-credentials stream. Retries a conflict (a concurrent refresh of the grant).
async fn revoke_jwt(
    state: &AppState,
    request: &RequestContext,
    client_id: &str,
    claims: &Map<String, Value>,
) -> Result<(), OAuthError> {
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    let Some(jti) = text("jti") else {
        return Ok(());
    };
    let expires_at = Timestamp::from_millis(
        claims
            .get("exp")
            .and_then(Value::as_i64)
            .unwrap_or(0)
            .saturating_mul(1000),
    );
    let acting = request.acting_as(Actor::Application(client_id.to_owned()));
    let revoked = transact(&state.app, &acting, |mut tx: Tx<StoreError>| async move {
        let repo = state.store.repository();
        if let Some(grant_id) = text(GRANT_CLAIM) {
            let loaded = repo.load_cached::<Grant>(grant_id).await?;
            let command = GrantCommand::RevokeResourceToken {
                client_id: client_id.to_owned(),
                jti: jti.to_owned(),
                expires_at,
            };
            if let Ok(events) = loaded.aggregate.handle(command, &tx.ctx) {
                tx.stage::<Grant>(grant_id, loaded.version, &events);
            }
        } else if text("sub") == Some(client_id) {
            let loaded = repo.load::<ClientCredentialsToken>(jti).await?;
            let command = ClientCredentialsCommand::Revoke {
                application_id: client_id.to_owned(),
            };
            if let Ok(events) = loaded.aggregate.handle(command, &tx.ctx) {
                tx.stage::<ClientCredentialsToken>(jti, loaded.version, &events);
            }
        }
        // Otherwise a user's JWT minted before tokens named their grant: nothing to
        // record it on.
        Ok((tx, ()))
    })
    .await;
    settled(revoked)
}

/// A revocation's outcome on the wire: done, or contended past the last attempt (the
/// answer is 200 all the same, RFC 7009 §2.2); only a failing store is an error.
fn settled<T>(outcome: Result<T, StoreError>) -> Result<(), OAuthError> {
    match outcome {
        Ok(_) | Err(StoreError::Conflict { .. }) => Ok(()),
        Err(e) => Err(OAuthError::server(e)),
    }
}
