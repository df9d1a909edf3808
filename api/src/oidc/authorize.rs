//! `GET|POST /oidc/auth`: the authorization endpoint (OpenID Connect Core §3.1.2,
//! response type `code` only).
//!
//! Until the client and its redirect URI are known good, errors are an HTML page and
//! never a redirect (RFC 6749 §4.1.2.1: an open redirector otherwise). After that, errors
//! go back to the client as `error`, `error_description`, `state` and `iss`.
//! Logto's extra parameters (docs/logto/oidc.md#authorization-parameters) are accepted and ignored. `resource`
//! (RFC 8707; repeatable, and comma-separated as Logto accepts) names the API resources
//! the grant will hold: each must be a registered resource (else `invalid_target`), and
//! only they may later be the audience of the grant's tokens.
//!
//! PKCE (S256) is required of every client (RFC 9700 §2.1.1); a confidential client
//! (Traditional) may opt out with `customClientMetadata.requirePkce=false`. The request's
//! parameters are parsed and checked in `domain::oauth::authorization`; this module finds
//! the client, checks the redirect URI and the resources, and runs the flow.
//!
//! A `request_uri` from `POST /oidc/request` (RFC 9126, `par.rs`) stands for the
//! parameters the client pushed there; a client with
//! `customClientMetadata.requirePushedAuthorizationRequests` may sign users in no other way.

use crate::signin::cookies::{self, SESSION};
use crate::signin::finish::{self, secs, Subject};
use crate::signin::interaction::{Interaction, SessionCookie};
use crate::signin::interactions;
use crate::signin::page;
use crate::state::AppState;
use crate::support::request::RequestContext;
use actix_web::http::header::LOCATION;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine;
use domain::oauth::authorization::{
    AuthorizationParams, AuthorizationRequest, DirectSignIn, FirstScreen,
};
use domain::oauth::redirect;
use domain::session::{Session, SessionCommand};
use domain::{Aggregate, StandardId};

/// An error the client is told about through its redirect URI.
struct Refused {
    error: &'static str,
    description: String,
}

fn refuse(error: &'static str, description: impl Into<String>) -> Refused {
    Refused {
        error,
        description: super::error::safe_description(&description.into()),
    }
}

#[utoipa::path(
    get,
    path = "/oidc/auth",
    tag = "OIDC",
    operation_id = "GetAuthorization",
    params(
        ("client_id" = String, Query, description = "The application"),
        ("redirect_uri" = String, Query, description = "A registered redirect URI"),
        ("response_type" = String, Query, description = "`code`"),
        ("scope" = Option<String>, Query, description = "Must include `openid`"),
        ("state" = Option<String>, Query),
        ("nonce" = Option<String>, Query),
        ("code_challenge" = Option<String>, Query, description = "PKCE S256"),
        ("code_challenge_method" = Option<String>, Query, description = "`S256`"),
        ("prompt" = Option<String>, Query, description = "`none`, `login`, `consent`"),
        ("resource" = Option<Vec<String>>, Query, description = "API resource indicators (RFC 8707), repeatable or comma-separated")
    ),
    responses(
        (status = 303, description = "To the sign-in page, or back to the client with `code` or `error`"),
        (status = 400, description = "Unknown client or unregistered redirect URI", content_type = "text/html", body = String)
    )
)]
pub async fn get(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
) -> HttpResponse {
    authorize(&state, &req, &request, req.query_string().as_bytes()).await
}

#[utoipa::path(
    post,
    path = "/oidc/auth",
    tag = "OIDC",
    operation_id = "PostAuthorization",
    request_body(content_type = "application/x-www-form-urlencoded", content = Object, description = "The parameters of `GET /oidc/auth`"),
    responses(
        (status = 303, description = "As `GET /oidc/auth`"),
        (status = 400, description = "Unknown client or unregistered redirect URI", content_type = "text/html", body = String)
    )
)]
pub async fn post(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    body: web::Bytes,
) -> HttpResponse {
    authorize(&state, &req, &request, &body).await
}

fn see_other(location: &str) -> actix_web::HttpResponseBuilder {
    let mut r = HttpResponse::SeeOther();
    r.insert_header((LOCATION, location.to_owned()))
        .insert_header(("cache-control", "no-store"));
    r
}

async fn authorize(
    state: &AppState,
    req: &HttpRequest,
    request: &RequestContext,
    raw: &[u8],
) -> HttpResponse {
    // An error page speaks the language the request asked for (read only when one is
    // shown: the settings and custom phrases cost a read).
    let error_page = |locales: Vec<String>,
                      status: StatusCode,
                      title: &'static str,
                      key: &'static str| async move {
        let p = crate::signin::phrases(state, req, &locales).await;
        page::error(&p, status, title, key)
    };
    let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(raw) else {
        return error_page(
            vec![],
            StatusCode::BAD_REQUEST,
            "error-invalid-request-title",
            "error-bad-query",
        )
        .await;
    };
    let (pairs, pushed) = match pushed_or_query(state, request, pairs).await {
        Ok(PushedOrQuery::Pushed(pairs)) => (pairs, true),
        Ok(PushedOrQuery::Query(pairs)) => (pairs, false),
        Err((status, title, key)) => return error_page(vec![], status, title, key).await,
    };
    let params = AuthorizationParams::from_pairs(pairs);
    let locales: Vec<String> = params
        .get("ui_locales")
        .unwrap_or_default()
        .split_whitespace()
        .take(domain::oauth::authorization::MAX_UI_LOCALES)
        .map(str::to_owned)
        .collect();
    let Some(client_id) = params.get("client_id").map(str::to_owned) else {
        return error_page(
            locales,
            StatusCode::BAD_REQUEST,
            "error-invalid-request-title",
            "error-no-client",
        )
        .await;
    };
    let app = match state.oidc.directory.application(&client_id).await {
        Ok(app) => app,
        Err(e) => {
            tracing::error!(error = %e, "cannot load the client");
            return error_page(
                locales,
                StatusCode::INTERNAL_SERVER_ERROR,
                "error-title",
                "error-failed",
            )
            .await;
        }
    };
    let Some(app) = app.state() else {
        return error_page(
            locales,
            StatusCode::BAD_REQUEST,
            "error-unknown-app-title",
            "error-unknown-app",
        )
        .await;
    };
    let Some(redirect_uri) = params.get("redirect_uri").map(str::to_owned) else {
        return error_page(
            locales,
            StatusCode::BAD_REQUEST,
            "error-invalid-request-title",
            "error-no-redirect",
        )
        .await;
    };
    let registered = &app.settings.oidc_client_metadata.redirect_uris;
    if !redirect::matches(registered, &redirect_uri, app.redirect_rules()) {
        return error_page(
            locales,
            StatusCode::BAD_REQUEST,
            "error-invalid-redirect-title",
            "error-invalid-redirect",
        )
        .await;
    }
    let client_state = params.get("state").map(str::to_owned);
    let must_push = app.requires_pushed_requests() && !pushed;
    let back = |r: Refused| {
        let location = finish::redirect(
            &redirect_uri,
            &[
                ("error", Some(r.error)),
                ("error_description", Some(r.description.as_str())),
                ("state", client_state.as_deref()),
            ],
            &state.oidc.issuer,
        );
        see_other(&location).finish()
    };
    if must_push {
        return back(refuse(
            "invalid_request",
            "this client must push its authorization requests (POST /oidc/request)",
        ));
    }
    let validated = match params.validate(app) {
        Ok(v) => v,
        Err(e) => return back(refuse(e.error, e.description)),
    };
    // A password can be reset once a connector can carry the code.
    let resettable = match app::connectors::configured_channels(state).await {
        Ok(channels) => channels.email || channels.sms,
        Err(e) => {
            tracing::error!(error = %e, "cannot read the connectors");
            false
        }
    };
    if let Some((title, key, target)) = unavailable(&validated, resettable) {
        let p = crate::signin::phrases(state, req, &validated.ui_locales).await;
        let message = p.format(key, &[("target", target)]);
        return page::error_text(&p, StatusCode::BAD_REQUEST, title, &message);
    }
    for indicator in &validated.resources {
        match state.oidc.directory.resource(indicator).await {
            Ok(Some(_)) => {}
            Ok(None) => {
                return back(refuse(
                    "invalid_target",
                    "a resource indicator is not a registered API resource",
                ))
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot load a resource");
                return back(refuse("server_error", "internal server error"));
            }
        }
    }

    let now = state.clock.now();
    let lifetimes = state.sign_in.lifetimes;
    // A live session skips the form unless the client asked to see it again.
    let session = match usable_session(state, req, request, &validated).await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "cannot load the session");
            let locales = validated.ui_locales.clone();
            return error_page(
                locales,
                StatusCode::INTERNAL_SERVER_ERROR,
                "error-title",
                "error-failed",
            )
            .await;
        }
    };
    let needs_consent = app.is_third_party;
    if validated.prompt_none {
        if session.is_none() {
            return back(refuse("login_required", "the user is not signed in"));
        }
        if needs_consent {
            return back(refuse("consent_required", "the user must consent"));
        }
    }
    let mut interaction = Interaction {
        session_id: StandardId::generate(&mut state.random.rng()).into_string(),
        client_id,
        redirect_uri: redirect_uri.clone(),
        scopes: validated.scopes.clone(),
        resources: validated.resources.clone(),
        state: client_state.clone(),
        nonce: validated.nonce.clone(),
        login_hint: validated.login_hint.clone(),
        ui_locales: validated.ui_locales.clone(),
        code_challenge: validated.challenge.clone(),
        needs_consent,
        signed_in: None,
        experience: None,
        pending_code: None,
        pending_registration: None,
        pending_mfa: None,
        device: None,
        csrf: B64URL.encode(state.random.bytes::<24>()),
        expires_at: now.plus_seconds(secs(lifetimes.interaction)),
    };
    if let Some(cookie) = session {
        if !needs_consent {
            interaction.session_id = cookie.session_id.clone();
            let subject = Subject {
                user_id: cookie.user_id,
                auth_time: cookie.auth_time,
                new_session: None,
            };
            return match finish::complete(state, &interaction, subject, request).await {
                Ok(location) => see_other(&location).finish(),
                Err(e) => {
                    tracing::error!(error = %e, "cannot issue the code");
                    back(refuse("server_error", "internal server error"))
                }
            };
        }
        interaction.session_id = cookie.session_id.clone();
        interaction.signed_in = Some(cookie);
    }
    let target = if interaction.signed_in.is_some() {
        "/consent"
    } else if validated.first_screen == FirstScreen::Register {
        "/register"
    } else if validated.first_screen == FirstScreen::ResetPassword {
        "/forgot-password"
    } else {
        "/sign-in"
    };
    let mut response = see_other(&interaction.page(target));
    if let Err(e) = interactions::save(state, &mut response, &interaction, lifetimes.interaction) {
        tracing::error!(error = %e, "cannot seal the interaction");
        return back(refuse("server_error", "internal server error"));
    }
    response.finish()
}

/// Where the request's parameters come from.
enum PushedOrQuery {
    /// What the client pushed to `POST /oidc/request` (`par.rs`), taken once.
    Pushed(Vec<(String, String)>),
    /// The query (or form) itself.
    Query(Vec<(String, String)>),
}

/// RFC 9126 §4: with a pushed request's `request_uri`, the parameters the client pushed,
/// and only those (the query must name the same client; its other parameters are
/// ignored). One that is unknown, another client's, expired or used is a page saying so:
/// there is no redirect URI anyone vouched for to send an error to. Any other
/// `request_uri` (a request object by reference) stays in the query, which refuses it
/// (`request_uri_not_supported`).
async fn pushed_or_query(
    state: &AppState,
    request: &RequestContext,
    pairs: Vec<(String, String)>,
) -> Result<PushedOrQuery, (StatusCode, &'static str, &'static str)> {
    let find = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let prefix = domain::oauth::pushed_request::REQUEST_URI_PREFIX;
    let Some(request_uri) = find("request_uri").filter(|u| u.starts_with(prefix)) else {
        return Ok(PushedOrQuery::Query(pairs));
    };
    let Some(client_id) = find("client_id") else {
        let bad = "error-invalid-request-title";
        return Err((StatusCode::BAD_REQUEST, bad, "error-no-client"));
    };
    match app::pushed_requests::take(state, request, &request_uri, &client_id).await {
        Ok(pushed) => Ok(PushedOrQuery::Pushed(pushed)),
        Err(app::pushed_requests::TakeError::Refused(e)) => {
            tracing::info!(reason = %e, "request_uri refused");
            let title = "error-request-uri-title";
            Err((StatusCode::BAD_REQUEST, title, "error-request-uri"))
        }
        Err(app::pushed_requests::TakeError::App(e)) => {
            tracing::error!(error = %e, "cannot take a pushed request");
            Err((
                StatusCode::INTERNAL_SERVER_ERROR,
                "error-title",
                "error-failed",
            ))
        }
    }
}

/// A valid request asking for a screen this server does not have yet: the user learns
/// what is missing (the page's title and text keys, and the `target` the text names), the
/// client is not sent an error it cannot act on.
fn unavailable(
    request: &AuthorizationRequest,
    resettable: bool,
) -> Option<(&'static str, &'static str, String)> {
    match (&request.direct_sign_in, request.first_screen) {
        (Some(DirectSignIn::Social(target)), _) => {
            Some(("error-social-title", "error-social", target.clone()))
        }
        (Some(DirectSignIn::Sso(_)), _) | (None, FirstScreen::SingleSignOn) => {
            Some(("error-sso-title", "error-sso", String::new()))
        }
        (None, FirstScreen::ResetPassword) if !resettable => {
            Some(("error-reset-title", "error-reset", String::new()))
        }
        (None, FirstScreen::SignIn | FirstScreen::Register | FirstScreen::ResetPassword) => None,
    }
}

/// The browser's session, if it is live, and `prompt`/`max_age` allow using it.
async fn usable_session(
    state: &AppState,
    req: &HttpRequest,
    request: &RequestContext,
    v: &AuthorizationRequest,
) -> Result<Option<SessionCookie>, super::error::OAuthError> {
    if v.prompt_login {
        return Ok(None);
    }
    let Some(cookie) = cookies::open::<SessionCookie>(state, req, SESSION) else {
        return Ok(None);
    };
    let now = state.clock.now();
    if let Some(max_age) = v.max_age {
        let age_ms = now.as_millis() - cookie.auth_time.as_millis();
        if age_ms > secs(max_age).saturating_mul(1000) {
            return Ok(None);
        }
    }
    let loaded = state
        .store
        .repository()
        .load::<Session>(&cookie.session_id)
        .await
        .map_err(super::error::OAuthError::server)?;
    let live = loaded
        .aggregate
        .active(now)
        .is_some_and(|s| s.user_id == cookie.user_id);
    if !live {
        record_expiry(state, request, &cookie.session_id, &loaded).await;
        return Ok(None);
    }
    // A suspended or deleted user's sessions are ended by events; this catches one the
    // revocation missed (see `issued::user_may_hold_tokens`).
    if !super::issued::user_may_hold_tokens(state, &cookie.user_id).await? {
        return Ok(None);
    }
    Ok(Some(cookie))
}

/// A session past its lifetime that nobody has closed yet gets its `Expired` event now
/// (the aggregate refuses while it still lives, and adds nothing to an ended session).
async fn record_expiry(
    state: &AppState,
    request: &RequestContext,
    session_id: &str,
    loaded: &store::Loaded<Session>,
) {
    let now = state.clock.now();
    let ctx = domain::CommandContext { now };
    let Ok(events) = loaded.aggregate.handle(SessionCommand::Expire, &ctx) else {
        return;
    };
    if events.is_empty() {
        return;
    }
    let batch = store::AppendBatch {
        streams: vec![store::Repository::stage::<Session>(
            session_id,
            store::ExpectedVersion::at(loaded.version),
            &events,
            &request.metadata(now),
        )],
    };
    // Best effort: a conflict means someone else closed it; a failure is retried next time.
    if let Err(e) = app::transact::append(state, batch).await {
        tracing::debug!(error = %e, "session expiry not recorded");
    }
}
