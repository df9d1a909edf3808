//! The registration page (`/register`, when `TESSERA_REGISTRATION` is on): a username and
//! a password, created through the users command service, then signed in.

use super::check_new_password;
use super::form::{app_name, csrf_ok, expired, failed, forbidden, interaction, signed_in};
use super::page;
use crate::state::AppState;
use crate::support::error::ApiError;
use crate::support::request::RequestContext;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use app::commands::users::{create_user, CreateUser, Origin, PasswordInput};
use app::registration;
use app::AppError;
use domain::password::policy::{Issue, UserInfo};
use domain::session::Session;
use domain::user::{UserDetails, UserDetailsFields};
use serde::Deserialize;

fn closed() -> HttpResponse {
    page::error(
        StatusCode::NOT_FOUND,
        "Registration is closed",
        "New accounts cannot be created here.",
    )
}

/// What the policy refused, in words (the codes are Logto's `password_rejected.*`).
fn describe(issue: &Issue) -> String {
    use domain::password::policy as p;
    let n = |key: &str| {
        issue
            .interpolation
            .as_ref()
            .and_then(|v| v.get(key))
            .map(|v| v.to_string())
            .unwrap_or_default()
    };
    match issue.code {
        p::TOO_SHORT => format!("The password must be at least {} characters long.", n("min")),
        p::TOO_LONG => format!("The password must be at most {} characters long.", n("max")),
        p::CHARACTER_TYPES => format!(
            "The password must mix at least {} of lowercase letters, uppercase letters, digits and symbols.",
            n("min")
        ),
        p::UNSUPPORTED_CHARACTERS => "The password may only hold letters, digits and ASCII symbols.".into(),
        p::PWNED => "This password is too common: it appears in lists of breached passwords.".into(),
        p::REPETITION => "The password must not repeat a character more than 3 times in a row.".into(),
        p::SEQUENCE => "The password must not contain sequences such as 1234 or qwer.".into(),
        p::USER_INFO => "The password must not contain your username, name, email or phone.".into(),
        p::WORDS => "The password contains a word that is not allowed.".into(),
        other => other.to_owned(),
    }
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

#[utoipa::path(
    get,
    path = "/register",
    tag = "Sign-in pages",
    operation_id = "ShowRegister",
    responses(
        (status = 200, description = "The registration form", content_type = "text/html", body = String),
        (status = 400, description = "No or expired interaction", content_type = "text/html", body = String),
        (status = 404, description = "Registration disabled", content_type = "text/html", body = String)
    )
)]
pub async fn show_register(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    if registration::permit(&state).await.is_err() {
        return closed();
    }
    let Some(i) = interaction(&state, &req) else {
        return expired();
    };
    let name = app_name(&state, &i.client_id).await;
    page::builder(StatusCode::OK).body(page::register_form(
        &super::look(&state, &i.client_id).await,
        &name,
        &i.csrf,
        "",
        None,
    ))
}

#[utoipa::path(
    post,
    path = "/register",
    tag = "Sign-in pages",
    operation_id = "Register",
    request_body(content_type = "application/x-www-form-urlencoded", content = Object, description = "The HTML form's fields"),
    responses(
        (status = 303, description = "Registered and signed in"),
        (status = 400, description = "Invalid form or interaction", content_type = "text/html", body = String),
        (status = 404, description = "Registration disabled", content_type = "text/html", body = String),
        (status = 422, description = "Refused (the password policy's `password_rejected.*` codes in the text): the form again", content_type = "text/html", body = String),
        (status = 503, description = "Too many password checks at once (with `Retry-After`)", content_type = "text/html", body = String)
    )
)]
pub async fn register(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    form: web::Form<RegisterForm>,
) -> HttpResponse {
    let Ok(permit) = registration::permit(&state).await else {
        return closed();
    };
    let Some(i) = interaction(&state, &req) else {
        return expired();
    };
    if !csrf_ok(&i, &form.csrf_token) {
        return forbidden();
    }
    let username = form.username.trim();
    let name = app_name(&state, &i.client_id).await;
    let look = super::look(&state, &i.client_id).await;
    let problem = |message: &str| {
        page::builder(StatusCode::BAD_REQUEST).body(page::register_form(
            &look,
            &name,
            &i.csrf,
            username,
            Some(message),
        ))
    };
    // 422 with every issue in words, each followed by Logto's code.
    let rejected = |issues: &[Issue]| {
        let text: Vec<String> = issues
            .iter()
            .map(|issue| format!("{} ({})", describe(issue), issue.code))
            .collect();
        page::builder(StatusCode::UNPROCESSABLE_ENTITY).body(page::register_form(
            &look,
            &name,
            &i.csrf,
            username,
            Some(&text.join(" ")),
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
    let user_info = UserInfo {
        username: Some(username),
        ..Default::default()
    };
    if let Err(ApiError::App(AppError::PasswordRejected(issues))) =
        check_new_password(&state, &form.password, &user_info).await
    {
        return rejected(&issues);
    }
    let input = CreateUser {
        details,
        custom_data: Default::default(),
        password: Some(PasswordInput::Plain(form.password.clone())),
        origin: Origin::SelfService {
            application_id: i.client_id.clone(),
            permit,
        },
    };
    let user = match create_user(&state, input, &request).await {
        Ok(user) => user,
        Err(AppError::IdentifierInUse(_)) => return problem("This username is already taken."),
        Err(AppError::InvalidInput { details, .. }) => return problem(&details),
        Err(AppError::Busy) => return super::form::busy(),
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
