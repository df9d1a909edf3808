//! `grant_type=authorization_code` (RFC 6749 §4.1.3, PKCE RFC 7636) and the dispatch of
//! the user-facing grants from `/oidc/token`.
//!
//! The code is `<grant id>.<secret>`: the grant is loaded by id and decides. The append
//! expects the version it loaded, so of two concurrent redemptions one commits and the
//! other gets a conflict, reloads, and now sees a redeemed code: the aggregate answers
//! that replay by revoking the grant (RFC 9700 §4.14), and the request gets
//! `invalid_grant`.
//!
//! With `resource` (RFC 8707) the access token is a JWT for that resource, which the
//! grant must hold (`resource_token.rs`); without, it is opaque (for `/oidc/me`).

use super::client_auth::{self, invalid_grant, Form};
use super::error::{OAuthCode, OAuthError};
use super::issued::{self, TokenResponse};
use super::refresh::refusal;
use super::resource_token;
use crate::request::RequestContext;
use crate::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use domain::application::ApplicationType;
use domain::grant::{ends_in_revocation, Grant, GrantCommand, RefreshTokenIssued};
use domain::{Actor, Aggregate, CommandContext};
use store::{AppendBatch, ExpectedVersion, Repository, StoreError};

/// Conflicts retried before giving up (each retry re-decides on fresh state).
pub const MAX_ATTEMPTS: usize = 5;

/// Answers the grant types this module owns; `None` leaves the request to the caller.
pub async fn dispatch(
    grant_type: &str,
    state: &web::Data<AppState>,
    req: &HttpRequest,
    request: &RequestContext,
    body: &[u8],
) -> Option<Result<HttpResponse, OAuthError>> {
    match grant_type {
        "authorization_code" => Some(exchange(state, req, request, body).await),
        "refresh_token" => Some(super::refresh::refresh(state, req, request, body).await),
        _ => None,
    }
}

/// The authenticated client, refused unless it may use the user-facing grants.
pub async fn user_client(
    state: &AppState,
    req: &HttpRequest,
    form: &Form,
) -> Result<client_auth::Client, OAuthError> {
    let client = client_auth::authenticate(state, req, form).await?;
    if client.state()?.app_type == ApplicationType::MachineToMachine {
        return Err(OAuthError::new(
            OAuthCode::UnauthorizedClient,
            "this client may not use this grant",
        ));
    }
    Ok(client)
}

async fn exchange(
    state: &AppState,
    req: &HttpRequest,
    request: &RequestContext,
    body: &[u8],
) -> Result<HttpResponse, OAuthError> {
    let form = client_auth::parse(req, body)?;
    let client = user_client(state, req, &form).await?;
    let app = client.state()?;
    let code = form
        .get("code")
        .ok_or_else(|| OAuthError::invalid_request("missing code"))?;
    let redirect_uri = form
        .get("redirect_uri")
        .ok_or_else(|| OAuthError::invalid_request("missing redirect_uri"))?;
    let presented = issued::split(code)
        .filter(|p| p.generation.is_none())
        .ok_or_else(|| invalid_grant("malformed code"))?;
    let grant_id = presented.grant_id;
    let resource = resource_token::requested(state, &form.resources).await?;
    let lifetimes = state.sign_in.lifetimes;
    let client_lifetimes = &app.settings.custom_client_metadata.lifetimes;
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
        let scopes = grant.issued.scopes.clone();
        let (access_token, record, scope, expires_in) = match &resource {
            None => {
                let minted = issued::opaque(state, grant_id);
                let record = issued::opaque_record(
                    minted.digest.clone(),
                    &scopes,
                    now,
                    lifetimes.access_token,
                );
                (
                    minted.token,
                    record,
                    scopes.join(" "),
                    lifetimes.access_token,
                )
            }
            Some(resource) => {
                let t =
                    resource_token::mint(state, grant_id, grant, resource, &scopes, now).await?;
                (t.token, t.record, t.scope, t.ttl)
            }
        };
        // Logto: offline_access granted, or a web app that asked to always get one.
        let always = app.app_type != ApplicationType::Native
            && app
                .settings
                .custom_client_metadata
                .always_issue_refresh_token
                == Some(true);
        let wants_refresh = always || scopes.iter().any(|s| s == "offline_access");
        let refresh = wants_refresh.then(|| issued::refresh(state, grant_id, 1));
        let command = GrantCommand::RedeemCode {
            client_id: client.id.clone(),
            secret: presented.secret.to_owned(),
            redirect_uri: redirect_uri.to_owned(),
            code_verifier: form.get("code_verifier").map(str::to_owned),
            access_token: record,
            refresh_token: refresh.as_ref().map(|r| RefreshTokenIssued {
                generation: 1,
                digest: r.digest.clone(),
                expires_at: now
                    .plus_seconds(crate::signin::issue::secs(
                        lifetimes.refresh_token_for(client_lifetimes),
                    ))
                    .min(grant.issued.expires_at),
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
                "grant {grant_id}: the code was replayed; the grant is revoked"
            )));
        }
        if let Some(max) = app.settings.custom_client_metadata.max_allowed_grants {
            let mut as_client = request.clone();
            as_client.actor = Actor::Application(client.id.clone());
            // The tokens are issued either way: a failure here leaves one grant too many
            // until the next redemption, which is better than refusing a valid code.
            if let Err(e) = app::commands::grant_limit::enforce(
                state,
                &as_client,
                &grant.issued.user_id,
                &client.id,
                grant_id,
                max,
            )
            .await
            {
                tracing::error!(error = %e, grant_id, "concurrent grant limit not enforced");
            }
        }
        let id_token = issued::id_token(state, grant_id, grant, &scopes, app).await?;
        return Ok(issued::respond(&TokenResponse {
            access_token,
            token_type: "Bearer",
            expires_in,
            scope,
            id_token,
            refresh_token: refresh.map(|r| r.token),
        }));
    }
    Err(invalid_grant(format_args!(
        "grant {grant_id}: the code is being redeemed concurrently"
    )))
}
