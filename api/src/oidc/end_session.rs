//! `GET|POST /oidc/session/end` (RP-initiated logout). Logto's SDKs send `client_id` and
//! `post_logout_redirect_uri` without `id_token_hint` (reference §6.1), so `client_id`
//! alone names the client. A `post_logout_redirect_uri` must be registered for that
//! client exactly; otherwise the answer is an error page, never a redirect.
//! The browser's session gets `SignedOut` and its cookie is cleared. Grants issued in the
//! session stay (refresh tokens are for offline access; the client revokes them).

use crate::request::RequestContext;
use crate::signin::cookies::{self, SESSION};
use crate::signin::interaction::SessionCookie;
use crate::signin::issue;
use crate::signin::page;
use crate::state::AppState;
use actix_web::http::header::LOCATION;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use domain::oauth::redirect;
use domain::session::{Session, SessionCommand, SignOutReason};
use domain::{Actor, Aggregate, CommandContext};
use serde_json::Value;
use std::collections::HashMap;
use store::{AppendBatch, ExpectedVersion, Repository};

#[utoipa::path(
    get,
    path = "/oidc/session/end",
    tag = "OIDC",
    operation_id = "GetEndSession",
    params(
        ("client_id" = Option<String>, Query),
        ("id_token_hint" = Option<String>, Query),
        ("post_logout_redirect_uri" = Option<String>, Query, description = "Must be registered"),
        ("state" = Option<String>, Query)
    ),
    responses(
        (status = 303, description = "Signed out; to the post-logout redirect URI"),
        (status = 200, description = "Signed out (no redirect URI)", content_type = "text/html", body = String),
        (status = 400, description = "Unregistered redirect URI or unknown client", content_type = "text/html", body = String),
        (status = 500, description = "Error page", content_type = "text/html", body = String)
    )
)]
pub async fn get(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
) -> HttpResponse {
    end(&state, &req, &request, req.query_string().as_bytes()).await
}

#[utoipa::path(
    post,
    path = "/oidc/session/end",
    tag = "OIDC",
    operation_id = "PostEndSession",
    request_body(content_type = "application/x-www-form-urlencoded", content = Object, description = "The parameters of `GET /oidc/session/end`"),
    responses(
        (status = 303, description = "Signed out; to the post-logout redirect URI"),
        (status = 200, description = "Signed out (no redirect URI)", content_type = "text/html", body = String),
        (status = 400, description = "Unregistered redirect URI or unknown client", content_type = "text/html", body = String),
        (status = 500, description = "Error page", content_type = "text/html", body = String)
    )
)]
pub async fn post(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    body: web::Bytes,
) -> HttpResponse {
    end(&state, &req, &request, &body).await
}

fn failed(e: impl std::fmt::Display) -> HttpResponse {
    tracing::error!(error = %e, "end session failed");
    page::error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong",
        "Please try again later.",
    )
}

async fn end(
    state: &AppState,
    req: &HttpRequest,
    request: &RequestContext,
    raw: &[u8],
) -> HttpResponse {
    let Ok(params) = serde_urlencoded::from_bytes::<HashMap<String, String>>(raw) else {
        return page::error(
            StatusCode::BAD_REQUEST,
            "Invalid request",
            "The logout request is malformed.",
        );
    };
    // The hint's audience names the client when client_id is absent; an expired hint is
    // fine (it only identifies), a forged one is not.
    let hinted = params.get("id_token_hint").and_then(|hint| {
        let keys = state.oidc.keys.current();
        let claims: serde_json::Map<String, Value> = keys.verify(hint, state.clock.now(), |v| {
            v.set_issuer(&[state.oidc.issuer.as_str()]);
            v.validate_aud = false;
            v.validate_exp = false;
        })?;
        claims.get("aud").and_then(Value::as_str).map(str::to_owned)
    });
    let client_id = params.get("client_id").cloned().or(hinted);
    let mut location = None;
    if let Some(uri) = params.get("post_logout_redirect_uri") {
        let Some(client_id) = &client_id else {
            return page::error(
                StatusCode::BAD_REQUEST,
                "Invalid request",
                "post_logout_redirect_uri needs a client_id.",
            );
        };
        let app = match state.oidc.directory.application(client_id).await {
            Ok(app) => app,
            Err(e) => return failed(e),
        };
        let registered = app.state().is_some_and(|a| {
            redirect::matches_post_logout(
                &a.settings.oidc_client_metadata.post_logout_redirect_uris,
                uri,
                a.redirect_rules(),
            )
        });
        if !registered {
            return page::error(
                StatusCode::BAD_REQUEST,
                "Invalid redirect URI",
                "The post_logout_redirect_uri is not registered for this application.",
            );
        }
        location = Some(issue::redirect(
            uri,
            &[("state", params.get("state").map(String::as_str))],
            &state.oidc.issuer,
        ));
    }

    if let Some(cookie) = cookies::open::<SessionCookie>(state, req, SESSION) {
        let repo = state.store.repository();
        let loaded = match repo.load::<Session>(&cookie.session_id).await {
            Ok(l) => l,
            Err(e) => return failed(e),
        };
        let now = state.clock.now();
        let command = SessionCommand::SignOut {
            client_id: client_id.clone(),
            reason: SignOutReason::Logout,
        };
        if let Ok(events) = loaded.aggregate.handle(command, &CommandContext { now }) {
            let mut metadata = request.metadata(now);
            metadata.actor = Actor::User(cookie.user_id.clone());
            let batch = AppendBatch {
                streams: vec![Repository::stage::<Session>(
                    &cookie.session_id,
                    ExpectedVersion::at(loaded.version),
                    &events,
                    &metadata,
                )],
            };
            // A conflict means another request changed the session (signed out) meanwhile.
            if let Err(e) = repo.append(batch).await {
                if !matches!(e, store::StoreError::Conflict { .. }) {
                    return failed(e);
                }
            }
        }
    }
    let mut response = match &location {
        Some(l) => {
            let mut r = HttpResponse::SeeOther();
            r.insert_header((LOCATION, l.clone()));
            r
        }
        None => page::builder(StatusCode::OK),
    };
    cookies::clear(state, &mut response, SESSION);
    match location {
        Some(_) => response.finish(),
        None => response.body(page::html(
            "Signed out",
            "<h1>You have signed out</h1><p>You can close this window.</p>",
        )),
    }
}
