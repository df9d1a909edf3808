//! The sign-in form, and what every hosted page shares (the interaction, CSRF check,
//! error pages, starting the session).

use super::cookies::{self, SESSION};
use super::credentials::{parse_form_identifier, verify, Outcome, SessionRef};
use super::finish::{self, secs, IssueError, Subject};
use super::interaction::{Interaction, SessionCookie};
use super::page;
use crate::i18n::Phrases;
use crate::state::AppState;
use crate::support::error::ApiError;
use crate::support::request::RequestContext;
use actix_web::http::header::LOCATION;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use app::AppError;
use domain::session::{Session, SessionCommand, SignInFailure, SignedIn};
use domain::{Aggregate, CommandContext};
use serde::Deserialize;
use store::{AppendBatch, ExpectedVersion, Repository, StoreError};
use subtle::ConstantTimeEq;

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    identifier: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf_token: String,
}

pub(crate) fn expired(p: &Phrases) -> HttpResponse {
    page::error(
        p,
        StatusCode::BAD_REQUEST,
        "error-expired-title",
        "error-expired",
    )
}

pub(crate) fn failed(p: &Phrases, e: impl std::fmt::Display) -> HttpResponse {
    tracing::error!(error = %e, "sign-in failed");
    page::error(
        p,
        StatusCode::INTERNAL_SERVER_ERROR,
        "error-title",
        "error-failed",
    )
}

pub(super) fn csrf_ok(i: &Interaction, presented: &str) -> bool {
    i.csrf.as_bytes().ct_eq(presented.as_bytes()).into()
}

pub(super) fn forbidden(p: &Phrases) -> HttpResponse {
    page::error(
        p,
        StatusCode::FORBIDDEN,
        "error-forbidden-title",
        "error-forbidden",
    )
}

/// The name the pages show for `client_id`: its own sign-in experience's `displayName`,
/// else the application's name.
pub(super) async fn app_name(state: &AppState, client_id: &str) -> String {
    if let Ok(Some(own)) = app::sign_in_experience::for_application(state, client_id).await {
        if let Some(name) = own.display_name {
            return name;
        }
    }
    match state.oidc.directory.application(client_id).await {
        Ok(app) => app
            .state()
            .map_or_else(|| client_id.to_owned(), |a| a.settings.name.clone()),
        Err(_) => client_id.to_owned(),
    }
}

pub(super) fn see_other(location: &str) -> actix_web::HttpResponseBuilder {
    let mut r = HttpResponse::SeeOther();
    r.insert_header((LOCATION, location.to_owned()));
    r
}

/// What the sign-in form links to: registration when open, a code when the settings
/// offer one for email or phone, a password reset when a connector can send its code.
/// A setting that cannot be read hides its link (logged).
pub(super) async fn links(state: &AppState) -> page::SignInLinks {
    use domain::connector::ConnectorKind;
    use domain::sign_in_experience::{SignInIdentifier, SignInMode};
    let code = match app::sign_in_experience::current(state).await {
        Ok(s) => {
            s.sign_in_mode != SignInMode::Register
                && s.sign_in.methods.iter().any(|m| {
                    m.verification_code
                        && matches!(
                            m.identifier,
                            SignInIdentifier::Email | SignInIdentifier::Phone
                        )
                })
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot read the sign-in experience");
            false
        }
    };
    let forgot_password = match app::connectors::load(state).await {
        Ok(c) => {
            c.of_kind(ConnectorKind::Email).is_some() || c.of_kind(ConnectorKind::Sms).is_some()
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot read the connectors");
            false
        }
    };
    page::SignInLinks {
        notice: None,
        registration: app::registration::permit(state).await.is_ok(),
        code,
        forgot_password,
    }
}

#[utoipa::path(
    get,
    path = "/sign-in",
    params(crate::signin::interactions::AppIdQuery),
    tag = "Sign-in pages",
    operation_id = "ShowSignIn",
    responses(
        (status = 200, description = "The sign-in form (`?reset=done`: with the notice that the password was changed)", content_type = "text/html", body = String),
        (status = 400, description = "No or expired interaction", content_type = "text/html", body = String)
    )
)]
pub async fn show_sign_in(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let Some(i) = super::interactions::find(&state, &req) else {
        return expired(&super::phrases(&state, &req, &[]).await);
    };
    let p = super::phrases(&state, &req, &i.ui_locales).await;
    let name = app_name(&state, &i.client_id).await;
    let mut links = links(&state).await;
    // Forgot password ends here (`?reset=done`): no personal data in the URL.
    let reset_done = url::form_urlencoded::parse(req.query_string().as_bytes())
        .any(|(k, v)| k == "reset" && v == "done");
    if reset_done {
        links.notice = Some(p.text("reset-password-done"));
    }
    let body = page::sign_in_form(
        &super::look(&state, &i.client_id).await,
        &p,
        &name,
        &i.csrf,
        i.login_hint.as_deref().unwrap_or_default(),
        None,
        links,
    );
    page::respond(StatusCode::OK, &p, body)
}

#[utoipa::path(
    post,
    path = "/sign-in",
    params(crate::signin::interactions::AppIdQuery),
    tag = "Sign-in pages",
    operation_id = "SignIn",
    request_body(content_type = "application/x-www-form-urlencoded", content = Object, description = "The HTML form's fields"),
    responses(
        (status = 303, description = "Signed in: on to the client or consent"),
        (status = 400, description = "Invalid form or interaction, wrong credentials or a locked identifier: the form again", content_type = "text/html", body = String),
        (status = 401, description = "Wrong credentials: the form again", content_type = "text/html", body = String),
        (status = 503, description = "Too many password checks at once (with `Retry-After`)", content_type = "text/html", body = String)
    )
)]
pub async fn sign_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    form: web::Form<SignInForm>,
) -> HttpResponse {
    let Some(i) = super::interactions::find(&state, &req) else {
        return expired(&super::phrases(&state, &req, &[]).await);
    };
    let p = super::phrases(&state, &req, &i.ui_locales).await;
    if !csrf_ok(&i, &form.csrf_token) {
        return forbidden(&p);
    }
    let identifier = form.identifier.trim();
    let session = SessionRef {
        session_id: &i.session_id,
        client_id: &i.client_id,
    };
    let parsed = parse_form_identifier(identifier);
    let outcome = match verify(&state, &request, parsed, &form.password, session).await {
        Ok(o) => o,
        Err(ApiError::App(AppError::Busy)) => return busy(&p),
        Err(e) => return failed(&p, e),
    };
    let message = match outcome {
        Outcome::Verified(user_id) => {
            let loaded = state
                .store
                .repository()
                .load::<Session>(&i.session_id)
                .await;
            return match loaded {
                Ok(l) => signed_in(&state, &request, i, user_id, l.version, &p).await,
                Err(e) => failed(&p, e),
            };
        }
        Outcome::Locked(secs) => {
            p.format("sign-in-locked", &[("seconds", secs.max(1).to_string())])
        }
        Outcome::Failed(SignInFailure::Suspended) => p.text("sign-in-suspended"),
        Outcome::Failed(_) => p.text("sign-in-incorrect"),
    };
    let name = app_name(&state, &i.client_id).await;
    let body = page::sign_in_form(
        &super::look(&state, &i.client_id).await,
        &p,
        &name,
        &i.csrf,
        identifier,
        Some(&message),
        links(&state).await,
    );
    page::respond(StatusCode::BAD_REQUEST, &p, body)
}

/// Too many password checks at once: try again in a moment (503 with `Retry-After`).
pub(super) fn busy(p: &Phrases) -> HttpResponse {
    let mut r = page::error(
        p,
        StatusCode::SERVICE_UNAVAILABLE,
        "error-busy-title",
        "error-busy",
    );
    if let Ok(v) = actix_web::http::header::HeaderValue::from_str(
        &crate::support::error::BUSY_RETRY_AFTER_SECS.to_string(),
    ) {
        r.headers_mut()
            .insert(actix_web::http::header::RETRY_AFTER, v);
    }
    r
}

/// Appends one session command's events (a failure, or a sign-in awaiting consent);
/// `false` when nothing was appended (refused, or another request changed the session).
pub(crate) async fn record(
    state: &AppState,
    request: &RequestContext,
    session_id: &str,
    loaded: &store::Loaded<Session>,
    command: SessionCommand,
) -> Result<bool, StoreError> {
    let now = state.clock.now();
    let Ok(events) = loaded.aggregate.handle(command, &CommandContext { now }) else {
        return Ok(false);
    };
    let batch = AppendBatch {
        streams: vec![Repository::stage::<Session>(
            session_id,
            ExpectedVersion::at(loaded.version),
            &events,
            &request.metadata(now),
        )],
    };
    match app::transact::append(state, batch).await {
        Ok(_) => Ok(true),
        // A concurrent submit of the same form recorded its own outcome.
        Err(StoreError::Conflict { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The user signed in with their credentials: a second factor next when the `mfa` policy
/// asks for one (`signin/mfa.rs`), else the session.
pub(crate) async fn signed_in(
    state: &AppState,
    request: &RequestContext,
    i: Interaction,
    user_id: String,
    version: u64,
    p: &Phrases,
) -> HttpResponse {
    super::mfa::gate(state, request, i, user_id, version, false, p).await
}

/// A user just registered: as [`signed_in`], with the policy's registration rules.
pub(crate) async fn registered(
    state: &AppState,
    request: &RequestContext,
    i: Interaction,
    user_id: String,
    version: u64,
    p: &Phrases,
) -> HttpResponse {
    super::mfa::gate(state, request, i, user_id, version, true, p).await
}

/// The user is who they say (and passed the MFA policy): start the session, then consent
/// or the code.
pub(crate) async fn start_session(
    state: &AppState,
    request: &RequestContext,
    mut i: Interaction,
    user_id: String,
    version: u64,
    p: &Phrases,
) -> HttpResponse {
    let now = state.clock.now();
    let lifetimes = state.sign_in.lifetimes;
    let event = SignedIn {
        user_id: user_id.clone(),
        auth_time: now,
        ip: request.client_ip.clone(),
        user_agent: request.user_agent.clone(),
        client_id: i.client_id.clone(),
        expires_at: now.plus_seconds(secs(lifetimes.session)),
    };
    let cookie = SessionCookie {
        session_id: i.session_id.clone(),
        user_id: user_id.clone(),
        auth_time: now,
    };
    if i.needs_consent {
        let current = match state
            .store
            .repository()
            .load::<Session>(&i.session_id)
            .await
        {
            Ok(l) => l,
            Err(e) => return failed(p, e),
        };
        if current.version != version {
            return expired(p);
        }
        match record(
            state,
            request,
            &i.session_id,
            &current,
            SessionCommand::SignIn(event),
        )
        .await
        {
            Ok(true) => {}
            // Another submit of this interaction won: this one must not hold the session.
            Ok(false) => return expired(p),
            Err(e) => return failed(p, e),
        }
        i.signed_in = Some(cookie.clone());
        // A device's sign-in ends in its own confirmation (`device.rs`), not the consent.
        let next = if i.device.is_some() {
            "/device/confirm"
        } else {
            "/consent"
        };
        let mut r = see_other(&i.page(next));
        let sealed = super::interactions::save(state, &mut r, &i, lifetimes.interaction)
            .and_then(|()| cookies::set(state, &mut r, SESSION, &cookie, lifetimes.session));
        return match sealed {
            Ok(()) => r.finish(),
            Err(e) => failed(p, e),
        };
    }
    let subject = Subject {
        user_id,
        auth_time: now,
        new_session: Some((event, version)),
    };
    match finish::complete(state, &i, subject, request).await {
        Ok(location) => {
            let mut r = see_other(&location);
            super::interactions::clear(state, &mut r, &i);
            match cookies::set(state, &mut r, SESSION, &cookie, lifetimes.session) {
                Ok(()) => r.finish(),
                Err(e) => failed(p, e),
            }
        }
        Err(IssueError::AlreadyCompleted) => expired(p),
        Err(e) => failed(p, e),
    }
}
