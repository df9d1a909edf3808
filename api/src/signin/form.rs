//! The sign-in, registration and consent forms.

use super::cookies::{self, INTERACTION, SESSION};
use super::interaction::{Interaction, SessionCookie};
use super::issue::{self, secs, IssueError, Subject};
use super::page;
use crate::commands::users::{create_user, CreateUser, PasswordInput};
use crate::error::ApiError;
use crate::request::RequestContext;
use crate::state::AppState;
use actix_web::http::header::LOCATION;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use domain::identifier::{Identifier, IdentifierClaim};
use domain::oauth::lifetimes::Lifetimes;
use domain::password::{hash_password, verify_password, PasswordDigest};
use domain::session::{Session, SessionCommand, SignInFailed, SignInFailure, SignedIn};
use domain::user::{User, UserDetails, UserDetailsFields};
use domain::{Aggregate, CommandContext};
use serde::Deserialize;
use std::sync::OnceLock;
use store::{AppendBatch, ExpectedVersion, Repository, StoreError};
use subtle::ConstantTimeEq;

const INCORRECT: &str = "The username, email or password is incorrect.";

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    identifier: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf_token: String,
}

#[derive(Deserialize)]
pub struct RegisterForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf_token: String,
}

#[derive(Deserialize)]
pub struct ConsentForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    csrf_token: String,
}

fn expired() -> HttpResponse {
    page::error(
        StatusCode::BAD_REQUEST,
        "Sign-in expired",
        "This sign-in is no longer valid. Go back to the application and start again.",
    )
}

fn failed(e: impl std::fmt::Display) -> HttpResponse {
    tracing::error!(error = %e, "sign-in failed");
    page::error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong",
        "Please try again later.",
    )
}

/// The live interaction of this browser, if any.
fn interaction(state: &AppState, req: &HttpRequest) -> Option<Interaction> {
    let i: Interaction = cookies::open(state, req, INTERACTION)?;
    (state.clock.now() < i.expires_at).then_some(i)
}

fn csrf_ok(i: &Interaction, presented: &str) -> bool {
    i.csrf.as_bytes().ct_eq(presented.as_bytes()).into()
}

fn forbidden() -> HttpResponse {
    page::error(
        StatusCode::FORBIDDEN,
        "Request refused",
        "The form was not sent from this sign-in page. Reload the page and try again.",
    )
}

async fn app_name(state: &AppState, client_id: &str) -> String {
    match state.oidc.directory.application(client_id).await {
        Ok(app) => app
            .state()
            .map_or_else(|| client_id.to_owned(), |a| a.settings.name.clone()),
        Err(_) => client_id.to_owned(),
    }
}

fn see_other(location: &str) -> actix_web::HttpResponseBuilder {
    let mut r = HttpResponse::SeeOther();
    r.insert_header((LOCATION, location.to_owned()));
    r
}

pub async fn show_sign_in(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let Some(i) = interaction(&state, &req) else {
        return expired();
    };
    let name = app_name(&state, &i.client_id).await;
    page::builder(StatusCode::OK).body(page::sign_in_form(
        &name,
        &i.csrf,
        "",
        None,
        state.sign_in.registration,
    ))
}

pub async fn sign_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    form: web::Form<SignInForm>,
) -> HttpResponse {
    let Some(i) = interaction(&state, &req) else {
        return expired();
    };
    if !csrf_ok(&i, &form.csrf_token) {
        return forbidden();
    }
    let identifier = form.identifier.trim();
    let checked = match check_credentials(&state, identifier, &form.password).await {
        Ok(c) => c,
        Err(e) => return failed(e),
    };
    let loaded = match state
        .store
        .repository()
        .load::<Session>(&i.session_id)
        .await
    {
        Ok(l) => l,
        Err(e) => return failed(e),
    };
    let user_id = match checked {
        Ok(user_id) => user_id,
        Err((reason, user_id)) => {
            let failure = SignInFailed {
                reason,
                user_id,
                client_id: i.client_id.clone(),
            };
            if let Err(e) = record(
                &state,
                &request,
                &i.session_id,
                &loaded,
                SessionCommand::RecordFailure(failure),
            )
            .await
            {
                return failed(e);
            }
            let message = match reason {
                SignInFailure::Suspended => "This account is suspended.",
                _ => INCORRECT,
            };
            let name = app_name(&state, &i.client_id).await;
            return page::builder(StatusCode::BAD_REQUEST).body(page::sign_in_form(
                &name,
                &i.csrf,
                identifier,
                Some(message),
                state.sign_in.registration,
            ));
        }
    };
    signed_in(&state, &request, i, user_id, loaded.version).await
}

/// Appends one session command's events (a failure, or a sign-in awaiting consent).
pub(crate) async fn record(
    state: &AppState,
    request: &RequestContext,
    session_id: &str,
    loaded: &store::Loaded<Session>,
    command: SessionCommand,
) -> Result<(), StoreError> {
    let now = state.clock.now();
    let Ok(events) = loaded.aggregate.handle(command, &CommandContext { now }) else {
        return Ok(());
    };
    let batch = AppendBatch {
        streams: vec![Repository::stage::<Session>(
            session_id,
            ExpectedVersion::at(loaded.version),
            &events,
            &request.metadata(now),
        )],
    };
    match state.store.repository().append(batch).await {
        // A concurrent submit of the same form recorded its own outcome; nothing is lost.
        Ok(_) | Err(StoreError::Conflict { .. }) => Ok(()),
        Err(e) => Err(e),
    }
}

/// The user is who they say: start the session, then consent or the code.
pub(crate) async fn signed_in(
    state: &AppState,
    request: &RequestContext,
    mut i: Interaction,
    user_id: String,
    version: u64,
) -> HttpResponse {
    let now = state.clock.now();
    let lifetimes = Lifetimes::default();
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
            Err(e) => return failed(e),
        };
        if current.version != version {
            return expired();
        }
        if let Err(e) = record(
            state,
            request,
            &i.session_id,
            &current,
            SessionCommand::SignIn(event),
        )
        .await
        {
            return failed(e);
        }
        i.signed_in = Some(cookie.clone());
        let mut r = see_other("/consent");
        let sealed = cookies::set(state, &mut r, INTERACTION, &i, lifetimes.interaction)
            .and_then(|()| cookies::set(state, &mut r, SESSION, &cookie, lifetimes.session));
        return match sealed {
            Ok(()) => r.finish(),
            Err(e) => failed(e),
        };
    }
    let subject = Subject {
        user_id,
        auth_time: now,
        new_session: Some((event, version)),
    };
    match issue::complete(state, &i, subject, request).await {
        Ok(location) => {
            let mut r = see_other(&location);
            cookies::clear(state, &mut r, INTERACTION);
            match cookies::set(state, &mut r, SESSION, &cookie, lifetimes.session) {
                Ok(()) => r.finish(),
                Err(e) => failed(e),
            }
        }
        Err(IssueError::AlreadyCompleted) => expired(),
        Err(e) => failed(e),
    }
}

/// A digest to verify against when the identifier names nobody, so an unknown user costs
/// the same time as a wrong password (no account enumeration by timing).
fn decoy() -> Option<&'static PasswordDigest> {
    static DECOY: OnceLock<Option<PasswordDigest>> = OnceLock::new();
    DECOY
        .get_or_init(|| hash_password("tessera-decoy-password", [7; 16]).ok())
        .as_ref()
}

pub(crate) type Checked = Result<String, (SignInFailure, Option<String>)>;

/// `Ok(Ok(user id))` when the credentials are good.
async fn check_credentials(
    state: &AppState,
    identifier: &str,
    password: &str,
) -> Result<Checked, StoreError> {
    let parsed = if identifier.contains('@') {
        Identifier::email(identifier)
    } else {
        Identifier::username(identifier)
    };
    verify(state, parsed.ok(), password).await
}

/// Checks `password` for the user holding `identifier` (`None`: an identifier that cannot
/// exist), at the same cost whether or not anyone holds it.
pub(crate) async fn verify(
    state: &AppState,
    parsed: Option<Identifier>,
    password: &str,
) -> Result<Checked, StoreError> {
    let repo = state.store.repository();
    let mut user = None;
    if let Some(parsed) = parsed {
        let claim = repo
            .load::<IdentifierClaim>(&state.store.identifier_stream_id(&parsed))
            .await?;
        if let Some(holder) = claim.aggregate.holder() {
            let loaded = repo.load::<User>(holder).await?;
            if let Some(s) = loaded.aggregate.state() {
                user = Some((holder.to_owned(), s.password.clone(), s.is_suspended));
            }
        }
    }
    let digest = user
        .as_ref()
        .and_then(|(_, d, _)| d.clone())
        .or_else(|| decoy().cloned());
    let plain = password.to_owned();
    let verified = match digest {
        Some(d) => tokio::task::spawn_blocking(move || verify_password(&plain, &d))
            .await
            .unwrap_or(false),
        None => false,
    };
    Ok(match user {
        None => Err((SignInFailure::UnknownIdentifier, None)),
        Some((id, None, _)) => Err((SignInFailure::NoPassword, Some(id))),
        Some((id, Some(_), _)) if !verified => Err((SignInFailure::WrongPassword, Some(id))),
        Some((id, _, true)) => Err((SignInFailure::Suspended, Some(id))),
        Some((id, _, false)) => Ok(id),
    })
}

pub async fn show_register(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    if !state.sign_in.registration {
        return page::error(
            StatusCode::NOT_FOUND,
            "Registration is closed",
            "New accounts cannot be created here.",
        );
    }
    let Some(i) = interaction(&state, &req) else {
        return expired();
    };
    let name = app_name(&state, &i.client_id).await;
    page::builder(StatusCode::OK).body(page::register_form(&name, &i.csrf, "", None))
}

pub async fn register(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    form: web::Form<RegisterForm>,
) -> HttpResponse {
    if !state.sign_in.registration {
        return page::error(
            StatusCode::NOT_FOUND,
            "Registration is closed",
            "New accounts cannot be created here.",
        );
    }
    let Some(i) = interaction(&state, &req) else {
        return expired();
    };
    if !csrf_ok(&i, &form.csrf_token) {
        return forbidden();
    }
    let username = form.username.trim();
    let name = app_name(&state, &i.client_id).await;
    let problem = |message: &str| {
        page::builder(StatusCode::BAD_REQUEST).body(page::register_form(
            &name,
            &i.csrf,
            username,
            Some(message),
        ))
    };
    let details = UserDetails::new(UserDetailsFields {
        username: Some(username.to_owned()),
        ..Default::default()
    });
    let Ok(details) = details else {
        return problem(
            "A username starts with a letter or _ and holds only letters, digits and _.",
        );
    };
    if form.password.chars().count() < 8 {
        return problem("The password must be at least 8 characters long.");
    }
    let input = CreateUser {
        details,
        custom_data: Default::default(),
        password: Some(PasswordInput::Plain(form.password.clone())),
    };
    let user = match create_user(&state, input, &request).await {
        Ok(user) => user,
        Err(ApiError::IdentifierInUse(_)) => return problem("This username is already taken."),
        Err(ApiError::InvalidInput { details, .. }) => return problem(&details),
        Err(e) => return failed(e),
    };
    let version = match state
        .store
        .repository()
        .load::<Session>(&i.session_id)
        .await
    {
        Ok(l) => l.version,
        Err(e) => return failed(e),
    };
    signed_in(&state, &request, i, user.id, version).await
}

pub async fn show_consent(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let Some(i) = interaction(&state, &req) else {
        return expired();
    };
    if i.signed_in.is_none() {
        return see_other("/sign-in").finish();
    }
    let name = app_name(&state, &i.client_id).await;
    page::builder(StatusCode::OK).body(page::consent_form(&name, &i.csrf, &i.scopes))
}

pub async fn consent(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    form: web::Form<ConsentForm>,
) -> HttpResponse {
    let Some(i) = interaction(&state, &req) else {
        return expired();
    };
    if !csrf_ok(&i, &form.csrf_token) {
        return forbidden();
    }
    let Some(cookie) = i.signed_in.clone() else {
        return see_other("/sign-in").finish();
    };
    let location = if form.decision == "allow" {
        let subject = Subject {
            user_id: cookie.user_id,
            auth_time: cookie.auth_time,
            new_session: None,
        };
        match issue::complete(&state, &i, subject, &request).await {
            Ok(location) => location,
            Err(e) => return failed(e),
        }
    } else {
        issue::redirect(
            &i.redirect_uri,
            &[
                ("error", Some("access_denied")),
                ("error_description", Some("the user denied the request")),
                ("state", i.state.as_deref()),
            ],
            &state.oidc.issuer,
        )
    };
    let mut r = see_other(&location);
    cookies::clear(&state, &mut r, INTERACTION);
    r.finish()
}
