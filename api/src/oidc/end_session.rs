//! `GET|POST /oidc/session/end` (RP-initiated logout) and `POST
//! /oidc/session/end/confirm`. Logto's SDKs send `client_id` and
//! `post_logout_redirect_uri` without `id_token_hint` (docs/logto/oidc.md#end-session), so `client_id`
//! alone names the client. A `post_logout_redirect_uri` must be registered for that
//! client exactly; otherwise the answer is an error page, never a redirect.
//!
//! A request proves it comes from the relying party only with an `id_token_hint` signed
//! here for the signed-in user. Without one (a link on any site can point here), and
//! while the browser holds a session, the user is asked first: a page with a form that
//! POSTs to `/oidc/session/end/confirm` (Logto's path) with a CSRF token bound to a
//! sealed `_logout` cookie that also carries the validated redirect. Only the confirmed
//! POST signs out. The browser's session gets `SignedOut`, and its session and
//! interaction cookies are cleared. Grants issued in the session stay (refresh tokens
//! are for offline access; the client revokes them).

use crate::i18n::Phrases;
use crate::signin::cookies::{self, SESSION};
use crate::signin::finish;
use crate::signin::interaction::SessionCookie;
use crate::signin::page;
use crate::state::AppState;
use crate::support::request::RequestContext;
use actix_web::http::header::LOCATION;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine;
use domain::oauth::redirect;
use domain::session::{Session, SessionCommand, SignOutReason};
use domain::{Actor, Aggregate, CommandContext, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;
use store::{AppendBatch, ExpectedVersion, Repository};
use subtle::ConstantTimeEq;

/// The cookie holding a logout waiting for the user's confirmation.
const LOGOUT: &str = "_logout";
/// How long the confirmation page stays usable.
const CONFIRM_SECS: u64 = 600;

/// A validated logout request, sealed in the `_logout` cookie until confirmed.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PendingLogout {
    csrf: String,
    client_id: Option<String>,
    /// The post-logout redirect (already validated, with `state` and `iss`).
    location: Option<String>,
    expires_at: Timestamp,
    /// The page's language (the request's `ui_locales`, else `Accept-Language`), so the
    /// signed-out page speaks the confirmation's.
    #[serde(default)]
    lang: Option<String>,
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    csrf_token: String,
}

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
        (status = 303, description = "Signed out (an ID token hint for the signed-in user, or no session); to the post-logout redirect URI"),
        (status = 200, description = "Signed out (no redirect URI), or the confirmation page (no ID token hint)", content_type = "text/html", body = String),
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
        (status = 200, description = "Signed out (no redirect URI), or the confirmation page (no ID token hint)", content_type = "text/html", body = String),
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

#[utoipa::path(
    post,
    path = "/oidc/session/end/confirm",
    tag = "OIDC",
    operation_id = "ConfirmEndSession",
    request_body(content_type = "application/x-www-form-urlencoded", content = Object, description = "`csrf_token` from the confirmation page"),
    responses(
        (status = 303, description = "Signed out; to the post-logout redirect URI"),
        (status = 200, description = "Signed out (no redirect URI)", content_type = "text/html", body = String),
        (status = 400, description = "No pending logout, or it expired", content_type = "text/html", body = String),
        (status = 403, description = "The CSRF token does not match", content_type = "text/html", body = String),
        (status = 500, description = "Error page", content_type = "text/html", body = String)
    )
)]
pub async fn confirm(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    form: web::Form<ConfirmForm>,
) -> HttpResponse {
    let pending = cookies::open::<PendingLogout>(&state, &req, LOGOUT);
    let lang = pending.as_ref().and_then(|p| p.lang.clone());
    let p = crate::signin::phrases(&state, &req, lang.as_slice()).await;
    let Some(pending) = pending else {
        return page::error(
            &p,
            StatusCode::BAD_REQUEST,
            "logout-expired-title",
            "logout-expired",
        );
    };
    if state.clock.now() >= pending.expires_at {
        return page::error(
            &p,
            StatusCode::BAD_REQUEST,
            "logout-expired-title",
            "logout-expired",
        );
    }
    let same: bool = pending
        .csrf
        .as_bytes()
        .ct_eq(form.csrf_token.as_bytes())
        .into();
    if !same {
        return page::error(
            &p,
            StatusCode::FORBIDDEN,
            "error-forbidden-title",
            "logout-forbidden",
        );
    }
    sign_out(
        &state,
        &req,
        &request,
        pending.client_id,
        pending.location,
        &p,
    )
    .await
}

fn failed(p: &Phrases, e: impl std::fmt::Display) -> HttpResponse {
    tracing::error!(error = %e, "end session failed");
    page::error(
        p,
        StatusCode::INTERNAL_SERVER_ERROR,
        "error-title",
        "error-failed",
    )
}

async fn end(
    state: &AppState,
    req: &HttpRequest,
    request: &RequestContext,
    raw: &[u8],
) -> HttpResponse {
    let Ok(params) = serde_urlencoded::from_bytes::<HashMap<String, String>>(raw) else {
        let p = crate::signin::phrases(state, req, &[]).await;
        return page::error(
            &p,
            StatusCode::BAD_REQUEST,
            "error-invalid-request-title",
            "logout-malformed",
        );
    };
    // Logto's end-session takes `ui_locales` too; else the browser's languages.
    let locales: Vec<String> = params
        .get("ui_locales")
        .map(|v| v.split_whitespace().take(8).map(str::to_owned).collect())
        .unwrap_or_default();
    let p = crate::signin::phrases(state, req, &locales).await;
    // The hint names the client (its audience) and the user (its subject); an expired
    // hint is fine (it only identifies), a forged one is not.
    let hinted = params.get("id_token_hint").and_then(|hint| {
        let keys = state.oidc.keys.current();
        let claims: serde_json::Map<String, Value> = keys.verify(hint, state.clock.now(), |v| {
            v.set_issuer(&[state.oidc.issuer.as_str()]);
            v.validate_aud = false;
            v.validate_exp = false;
        })?;
        let text = |name: &str| claims.get(name).and_then(Value::as_str).map(str::to_owned);
        Some((text("aud")?, text("sub")?))
    });
    let client_id = params
        .get("client_id")
        .cloned()
        .or_else(|| hinted.as_ref().map(|(aud, _)| aud.clone()));
    let mut location = None;
    if let Some(uri) = params.get("post_logout_redirect_uri") {
        let Some(client_id) = &client_id else {
            return page::error(
                &p,
                StatusCode::BAD_REQUEST,
                "error-invalid-request-title",
                "logout-needs-client",
            );
        };
        let app = match state.oidc.directory.application(client_id).await {
            Ok(app) => app,
            Err(e) => return failed(&p, e),
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
                &p,
                StatusCode::BAD_REQUEST,
                "error-invalid-redirect-title",
                "logout-invalid-redirect",
            );
        }
        location = Some(finish::redirect(
            uri,
            &[("state", params.get("state").map(String::as_str))],
            &state.oidc.issuer,
        ));
    }

    let session = cookies::open::<SessionCookie>(state, req, SESSION);
    let vouched = match (&session, &hinted) {
        // Nothing to sign out of: nothing to confirm.
        (None, _) => true,
        (Some(cookie), Some((_, sub))) => *sub == cookie.user_id,
        (Some(_), None) => false,
    };
    if vouched {
        return sign_out(state, req, request, client_id, location, &p).await;
    }
    ask(state, client_id, location, &p)
}

/// The confirmation page, with the validated request sealed in the `_logout` cookie.
fn ask(
    state: &AppState,
    client_id: Option<String>,
    location: Option<String>,
    p: &Phrases,
) -> HttpResponse {
    let pending = PendingLogout {
        csrf: B64URL.encode(state.random.bytes::<24>()),
        client_id,
        location,
        expires_at: state.clock.now().plus_seconds(CONFIRM_SECS as i64),
        lang: Some(p.lang().to_owned()),
    };
    let mut response = page::builder(StatusCode::OK);
    if let Err(e) = cookies::set(state, &mut response, LOGOUT, &pending, CONFIRM_SECS) {
        return failed(p, e);
    }
    page::respond_with(response, p, page::logout_form(p, &pending.csrf))
}

/// Ends the browser's session (if any) and clears its cookies.
async fn sign_out(
    state: &AppState,
    req: &HttpRequest,
    request: &RequestContext,
    client_id: Option<String>,
    location: Option<String>,
    p: &Phrases,
) -> HttpResponse {
    if let Some(cookie) = cookies::open::<SessionCookie>(state, req, SESSION) {
        let repo = state.store.repository();
        let loaded = match repo.load::<Session>(&cookie.session_id).await {
            Ok(l) => l,
            Err(e) => return failed(p, e),
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
            if let Err(e) = app::transact::append(state, batch).await {
                if !matches!(e, store::StoreError::Conflict { .. }) {
                    return failed(p, e);
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
    // A sign-in or consent in progress belongs to the session that just ended.
    cookies::clear(state, &mut response, SESSION);
    crate::signin::interactions::clear_all(state, req, &mut response);
    cookies::clear(state, &mut response, LOGOUT);
    match location {
        Some(_) => response.finish(),
        None => {
            let body = page::message(
                &page::Look::plain(),
                p,
                &p.text("signed-out-title"),
                &p.text("signed-out-close"),
                false,
            );
            page::respond_with(response, p, body)
        }
    }
}
