//! The device flow's pages (RFC 8628 §3.3): `/device`, where the user types the code the
//! device shows (prefilled from `?user_code=`, as `verification_uri_complete` sends it),
//! then the normal sign-in, then `/device/confirm`, which names the application and what
//! it asks for, with Approve and Deny; then a page saying it is done.
//!
//! A code that names a waiting request starts an interaction for its application, like
//! `/oidc/auth` does, marked with the request (`Interaction::device`): the sign-in pages
//! run as for any sign-in (a live session skips them) and end at `/device/confirm`
//! rather than at the consent page (`form::signed_in`). The decision is an event on the
//! request (`app::device_authorizations::decide`), taken in the session the interaction
//! names while it lives, as consent is.
//!
//! Guessing codes: failed lookups are counted per address and overall ([`Guesses`]);
//! past either bound `/device` answers 429 without looking the code up. Eight letters of
//! twenty give 2.6·10^10 codes, so at the overall bound a guesser finds any one of a
//! thousand live codes within its ten minutes with odds around 1 in 2,500.

use super::form::{app_name, csrf_ok, expired, failed, forbidden, see_other};
use super::interaction::{Interaction, SessionCookie};
use super::{interactions, page};
use crate::i18n::Phrases;
use crate::state::AppState;
use crate::support::request::RequestContext;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine;
use domain::oauth::device_authorization::DeviceAuthorization;
use domain::session::Session;
use domain::{StandardId, Timestamp};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Mutex;

/// Failed lookups one address may make per window.
const PER_ADDRESS: u32 = 10;
/// Failed lookups all addresses together may make per window.
const OVERALL: u32 = 600;
/// The window, in milliseconds.
const WINDOW_MS: i64 = 60_000;

/// Failed user-code lookups in the current window (fixed one-minute windows), per
/// address and overall, in this process's memory.
#[derive(Debug, Default)]
pub struct Guesses {
    counts: Mutex<Window>,
}

#[derive(Debug, Default)]
struct Window {
    start_ms: i64,
    overall: u32,
    by_address: HashMap<String, u32>,
}

impl Guesses {
    fn window(&self, now: Timestamp) -> Option<std::sync::MutexGuard<'_, Window>> {
        let mut w = self.counts.lock().ok()?;
        if now.as_millis() - w.start_ms >= WINDOW_MS {
            *w = Window {
                start_ms: now.as_millis(),
                ..Window::default()
            };
        }
        Some(w)
    }

    /// Whether `address` may look a code up now.
    fn allowed(&self, address: &str, now: Timestamp) -> bool {
        self.window(now).is_none_or(|w| {
            w.overall < OVERALL && w.by_address.get(address).copied().unwrap_or(0) < PER_ADDRESS
        })
    }

    fn failed(&self, address: &str, now: Timestamp) {
        if let Some(mut w) = self.window(now) {
            w.overall = w.overall.saturating_add(1);
            *w.by_address.entry(address.to_owned()).or_default() += 1;
        }
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CodeQuery {
    /// The code the device shows (`verification_uri_complete` carries it).
    #[serde(default)]
    user_code: Option<String>,
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    user_code: String,
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    csrf_token: String,
}

/// The sign-in experience's look, for no application yet (links carry no `app_id`).
async fn plain_look(state: &AppState) -> page::Look {
    match app::sign_in_experience::current(state).await {
        Ok(settings) => page::Look::from_settings(&settings, None),
        Err(e) => {
            tracing::error!(error = %e, "cannot read the sign-in experience; plain pages");
            page::Look::plain()
        }
    }
}

#[utoipa::path(
    get,
    path = "/device",
    params(CodeQuery),
    tag = "Sign-in pages",
    operation_id = "ShowDeviceCode",
    responses(
        (status = 200, description = "The form for the code a device shows", content_type = "text/html", body = String)
    )
)]
pub async fn show_code(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<CodeQuery>,
) -> HttpResponse {
    let p = super::phrases(&state, &req, &[]).await;
    let look = plain_look(&state).await;
    let code = query.user_code.as_deref().unwrap_or_default();
    let body = page::device_code(&look, &p, code, None);
    page::respond(StatusCode::OK, &p, body)
}

#[utoipa::path(
    post,
    path = "/device",
    tag = "Sign-in pages",
    operation_id = "EnterDeviceCode",
    request_body(content_type = "application/x-www-form-urlencoded", content = Object, description = "`user_code`"),
    responses(
        (status = 303, description = "To the sign-in page (or, with a live session, the confirmation) for the device's application"),
        (status = 400, description = "No device waits under this code", content_type = "text/html", body = String),
        (status = 429, description = "Too many wrong codes from this address (or overall); wait a minute", content_type = "text/html", body = String)
    )
)]
pub async fn enter_code(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<CodeForm>,
) -> HttpResponse {
    let p = super::phrases(&state, &req, &[]).await;
    let look = plain_look(&state).await;
    let now = state.clock.now();
    let address = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    let guesses = &state.oidc.device_guesses;
    if !guesses.allowed(&address, now) {
        let message = p.text("device-code-too-many");
        let body = page::device_code(&look, &p, &form.user_code, Some(&message));
        return page::respond(StatusCode::TOO_MANY_REQUESTS, &p, body);
    }
    let found = match app::device_authorizations::find_waiting(&state, &form.user_code).await {
        Ok(found) => found,
        Err(e) => return failed(&p, e),
    };
    let Some((id, device)) = found else {
        guesses.failed(&address, now);
        let message = p.text("device-code-unknown");
        let body = page::device_code(&look, &p, &form.user_code, Some(&message));
        return page::respond(StatusCode::BAD_REQUEST, &p, body);
    };
    match start(&state, &req, id, &device).await {
        Ok(r) => r,
        Err(e) => failed(&p, e),
    }
}

/// The interaction for request `id` of `device`: to the sign-in, or with a live session
/// straight to the confirmation.
async fn start(
    state: &AppState,
    req: &HttpRequest,
    id: String,
    device: &DeviceAuthorization,
) -> Result<HttpResponse, String> {
    let requested = device.requested().ok_or("the request vanished")?;
    let now = state.clock.now();
    let lifetimes = state.sign_in.lifetimes;
    let expires_at = now
        .plus_seconds(super::finish::secs(lifetimes.interaction))
        .min(requested.expires_at);
    let mut interaction = Interaction {
        session_id: StandardId::generate(&mut state.random.rng()).into_string(),
        client_id: requested.client_id.clone(),
        redirect_uri: String::new(),
        scopes: requested.scopes.clone(),
        resources: requested.resources.clone(),
        state: None,
        nonce: None,
        login_hint: None,
        ui_locales: vec![],
        code_challenge: None,
        needs_consent: true,
        signed_in: None,
        experience: None,
        pending_code: None,
        pending_registration: None,
        pending_mfa: None,
        device: Some(id),
        csrf: B64URL.encode(state.random.bytes::<24>()),
        expires_at,
    };
    if let Some(cookie) = live_session_cookie(state, req).await? {
        interaction.session_id = cookie.session_id.clone();
        interaction.signed_in = Some(cookie);
    }
    let target = if interaction.signed_in.is_some() {
        "/device/confirm"
    } else {
        "/sign-in"
    };
    let mut r = see_other(&interaction.page(target));
    r.insert_header(("cache-control", "no-store"));
    let ttl = u64::try_from((expires_at.as_millis() - now.as_millis()) / 1000).unwrap_or(0);
    interactions::save(state, &mut r, &interaction, ttl).map_err(|e| e.to_string())?;
    Ok(r.finish())
}

/// The browser's session cookie, if its session lives for its user.
async fn live_session_cookie(
    state: &AppState,
    req: &HttpRequest,
) -> Result<Option<SessionCookie>, String> {
    let Some(cookie) = super::cookies::open::<SessionCookie>(state, req, super::cookies::SESSION)
    else {
        return Ok(None);
    };
    let live = session_live(state, &cookie)
        .await
        .map_err(|e| e.to_string())?;
    let allowed = crate::oidc::issued::user_may_hold_tokens(state, &cookie.user_id)
        .await
        .map_err(|e| format!("{e:?}"))?;
    Ok((live && allowed).then_some(cookie))
}

/// Whether the session `cookie` names still lives for the same user.
async fn session_live(state: &AppState, cookie: &SessionCookie) -> Result<bool, store::StoreError> {
    let loaded = state
        .store
        .repository()
        .load::<Session>(&cookie.session_id)
        .await?;
    Ok(loaded
        .aggregate
        .active(state.clock.now())
        .is_some_and(|s| s.user_id == cookie.user_id))
}

/// The device interaction this request continues, its signed-in user, and the request
/// while it still waits; or the page to show instead.
async fn continued(
    state: &AppState,
    req: &HttpRequest,
) -> Result<(Interaction, SessionCookie, String, Phrases), HttpResponse> {
    let Some(i) = interactions::find(state, req) else {
        return Err(expired(&super::phrases(state, req, &[]).await));
    };
    let p = super::phrases(state, req, &i.ui_locales).await;
    let (Some(id), Some(cookie)) = (i.device.clone(), i.signed_in.clone()) else {
        return Err(see_other(&i.page("/sign-in")).finish());
    };
    match session_live(state, &cookie).await {
        Ok(true) => {}
        Ok(false) => return Err(expired(&p)),
        Err(e) => return Err(failed(&p, e)),
    }
    match app::device_authorizations::load_waiting(state, &id).await {
        Ok(Some(_)) => Ok((i, cookie, id, p)),
        Ok(None) => Err(gone(state, &i, &p).await),
        Err(e) => Err(failed(&p, e)),
    }
}

/// The request expired or was decided elsewhere: nothing to confirm.
async fn gone(state: &AppState, i: &Interaction, p: &Phrases) -> HttpResponse {
    let look = super::look(state, &i.client_id).await;
    let body = page::message(
        &look,
        p,
        &p.text("device-gone-title"),
        &p.text("device-gone"),
        true,
    );
    let mut r = page::builder(StatusCode::BAD_REQUEST);
    interactions::clear(state, &mut r, i);
    page::respond_with(r, p, body)
}

#[utoipa::path(
    get,
    path = "/device/confirm",
    params(crate::signin::interactions::AppIdQuery),
    tag = "Sign-in pages",
    operation_id = "ShowDeviceConfirmation",
    responses(
        (status = 200, description = "Which application asks for what, with Approve and Deny", content_type = "text/html", body = String),
        (status = 400, description = "No or expired interaction, or the request is no longer waiting", content_type = "text/html", body = String)
    )
)]
pub async fn show_confirm(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let (i, _, _, p) = match continued(&state, &req).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let look = super::look(&state, &i.client_id).await;
    let name = app_name(&state, &i.client_id).await;
    let body = page::device_confirm(&look, &p, &name, &i.csrf, &i.scopes, &i.resources);
    page::respond(StatusCode::OK, &p, body)
}

#[utoipa::path(
    post,
    path = "/device/confirm",
    params(crate::signin::interactions::AppIdQuery),
    tag = "Sign-in pages",
    operation_id = "ConfirmDevice",
    request_body(content_type = "application/x-www-form-urlencoded", content = Object, description = "`decision` (`approve` or `deny`) and `csrf_token`"),
    responses(
        (status = 200, description = "Done: the device gets its tokens (or is told the user denied)", content_type = "text/html", body = String),
        (status = 400, description = "No or expired interaction, or the request is no longer waiting", content_type = "text/html", body = String),
        (status = 403, description = "CSRF token mismatch", content_type = "text/html", body = String)
    )
)]
pub async fn confirm(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    form: web::Form<DecisionForm>,
) -> HttpResponse {
    let (i, cookie, id, p) = match continued(&state, &req).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    if !csrf_ok(&i, &form.csrf_token) {
        return forbidden(&p);
    }
    let approve = form.decision == "approve";
    let acting = request.acting_as(domain::Actor::User(cookie.user_id.clone()));
    let decided = app::device_authorizations::decide(
        &state,
        &acting,
        &id,
        approve,
        &cookie.user_id,
        &cookie.session_id,
        cookie.auth_time,
    )
    .await;
    match decided {
        Ok(()) => {}
        Err(app::device_authorizations::DecideError::Refused(_)) => {
            return gone(&state, &i, &p).await
        }
        Err(e) => return failed(&p, e),
    }
    let look = super::look(&state, &i.client_id).await;
    let (title, text) = if approve {
        ("device-approved-title", "device-approved")
    } else {
        ("device-denied-title", "device-denied")
    };
    let body = page::message(&look, &p, &p.text(title), &p.text(text), false);
    let mut r = page::builder(StatusCode::OK);
    interactions::clear(&state, &mut r, &i);
    page::respond_with(r, &p, body)
}
