//! The registration page (`/register`, when `TESSERA_REGISTRATION` is on): a username and
//! a password, created through the users command service, then signed in.

use super::check_new_password;
use super::form::{app_name, csrf_ok, expired, failed, forbidden, interaction, signed_in};
use super::page;
use crate::i18n::Phrases;
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

fn closed(p: &Phrases) -> HttpResponse {
    page::error(
        p,
        StatusCode::NOT_FOUND,
        "registration-closed-title",
        "registration-closed",
    )
}

/// What the policy refused, in words (the codes are Logto's `password_rejected.*`).
pub(super) fn describe(p: &Phrases, issue: &Issue) -> String {
    use domain::password::policy;
    let n = |key: &str| {
        issue
            .interpolation
            .as_ref()
            .and_then(|v| v.get(key))
            .map(|v| v.to_string())
            .unwrap_or_default()
    };
    let key = match issue.code {
        policy::TOO_SHORT => return p.format("password-too-short", &[("min", n("min"))]),
        policy::TOO_LONG => return p.format("password-too-long", &[("max", n("max"))]),
        policy::CHARACTER_TYPES => {
            return p.format("password-character-types", &[("min", n("min"))])
        }
        policy::UNSUPPORTED_CHARACTERS => "password-unsupported-characters",
        policy::PWNED => "password-pwned",
        policy::REPETITION => "password-repetition",
        policy::SEQUENCE => "password-sequence",
        policy::USER_INFO => "password-user-info",
        policy::WORDS => "password-words",
        other => return other.to_owned(),
    };
    p.text(key)
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
    let found = interaction(&state, &req);
    let locales = found.as_ref().map_or(&[][..], |i| &i.ui_locales[..]);
    let p = super::phrases(&state, &req, locales).await;
    if registration::permit(&state).await.is_err() {
        return closed(&p);
    }
    let Some(i) = found else {
        return expired(&p);
    };
    let name = app_name(&state, &i.client_id).await;
    let look = super::look(&state, &i.client_id).await;
    let body = page::register_form(&look, &p, &name, &i.csrf, "", None);
    page::respond(StatusCode::OK, &p, body)
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
        (status = 422, description = "Refused (the password policy's `password_rejected.*` codes in the text), or required profile fields exist (this form cannot ask for them): the form again", content_type = "text/html", body = String),
        (status = 503, description = "Too many password checks at once (with `Retry-After`)", content_type = "text/html", body = String)
    )
)]
pub async fn register(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    form: web::Form<RegisterForm>,
) -> HttpResponse {
    let found = interaction(&state, &req);
    let locales = found.as_ref().map_or(&[][..], |i| &i.ui_locales[..]);
    let p = super::phrases(&state, &req, locales).await;
    let Ok(permit) = registration::permit(&state).await else {
        return closed(&p);
    };
    let Some(i) = found else {
        return expired(&p);
    };
    if !csrf_ok(&i, &form.csrf_token) {
        return forbidden(&p);
    }
    let username = form.username.trim();
    let name = app_name(&state, &i.client_id).await;
    let look = super::look(&state, &i.client_id).await;
    let form_with = |status: StatusCode, message: &str| {
        let body = page::register_form(&look, &p, &name, &i.csrf, username, Some(message));
        page::respond(status, &p, body)
    };
    let problem = |key: &str| form_with(StatusCode::BAD_REQUEST, &p.text(key));
    // 422 with every issue in words, each followed by Logto's code.
    let rejected = |issues: &[Issue]| {
        let text: Vec<String> = issues
            .iter()
            .map(|issue| format!("{} ({})", describe(&p, issue), issue.code))
            .collect();
        form_with(StatusCode::UNPROCESSABLE_ENTITY, &text.join(" "))
    };
    let details = UserDetails::new(UserDetailsFields {
        username: Some(username.to_owned()),
        ..Default::default()
    });
    let Ok(details) = details else {
        return problem("username-invalid");
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
    // The same settings on every self-service path: the Experience API refuses an account
    // without the required profile fields, so this form does too (the hosted profile step
    // that would ask for them is not built yet).
    match app::custom_profile_fields::list(&state).await {
        Ok(fields) => {
            if !app::custom_profile_fields::missing(&fields, &Default::default()).is_empty() {
                return form_with(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &p.text("profile-required-elsewhere"),
                );
            }
        }
        Err(e) => return failed(&p, e),
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
        Err(AppError::IdentifierInUse(_)) => return problem("username-taken"),
        Err(AppError::InvalidInput { details, .. }) => {
            return form_with(StatusCode::BAD_REQUEST, &details)
        }
        Err(AppError::Busy) => return super::form::busy(&p),
        Err(e) => return failed(&p, e),
    };
    let version = match state
        .store
        .repository()
        .load::<Session>(&i.session_id)
        .await
    {
        Ok(l) => l.version,
        Err(e) => return failed(&p, e),
    };
    signed_in(&state, &request, i, user.id, version, &p).await
}
