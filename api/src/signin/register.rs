//! The registration page (`/register`, when `TESSERA_REGISTRATION` is on): a username and
//! a password, created through the users command service, then signed in.

use super::check_new_password;
use super::form::{app_name, csrf_ok, expired, failed, forbidden, registered};
use super::interaction::{Interaction, PendingRegistration};
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

/// Whether the sign-up settings register by a verified email or phone (`/register/code`).
async fn code_offered(state: &AppState) -> bool {
    use domain::sign_in_experience::SignInIdentifier;
    app::sign_in_experience::current(state)
        .await
        .is_ok_and(|s| {
            s.sign_up.verify
                && s.sign_up
                    .identifiers
                    .iter()
                    .any(|id| matches!(id, SignInIdentifier::Email | SignInIdentifier::Phone))
        })
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
    params(crate::signin::interactions::AppIdQuery),
    tag = "Sign-in pages",
    operation_id = "ShowRegister",
    responses(
        (status = 200, description = "The registration form", content_type = "text/html", body = String),
        (status = 400, description = "No or expired interaction", content_type = "text/html", body = String),
        (status = 404, description = "Registration disabled", content_type = "text/html", body = String)
    )
)]
pub async fn show_register(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let found = super::interactions::find(&state, &req);
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
    let code = code_offered(&state).await;
    let body = page::register_form(&look, &p, &name, &i.csrf, "", None, code);
    page::respond(StatusCode::OK, &p, body)
}

#[utoipa::path(
    post,
    path = "/register",
    params(crate::signin::interactions::AppIdQuery),
    tag = "Sign-in pages",
    operation_id = "Register",
    request_body(content_type = "application/x-www-form-urlencoded", content = Object, description = "The HTML form's fields"),
    responses(
        (status = 303, description = "Registered and signed in, or on to the profile step (`/register/profile`) when custom profile fields exist"),
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
    let found = super::interactions::find(&state, &req);
    let locales = found.as_ref().map_or(&[][..], |i| &i.ui_locales[..]);
    let p = super::phrases(&state, &req, locales).await;
    if registration::permit(&state).await.is_err() {
        return closed(&p);
    }
    let Some(i) = found else {
        return expired(&p);
    };
    if !csrf_ok(&i, &form.csrf_token) {
        return forbidden(&p);
    }
    let username = form.username.trim();
    let code = code_offered(&state).await;
    let name = app_name(&state, &i.client_id).await;
    let look = super::look(&state, &i.client_id).await;
    let form_with = |status: StatusCode, message: &str| {
        let body = page::register_form(&look, &p, &name, &i.csrf, username, Some(message), code);
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
    let checked = UserDetails::new(UserDetailsFields {
        username: Some(username.to_owned()),
        ..Default::default()
    });
    if checked.is_err() {
        return problem("username-invalid");
    }
    let user_info = UserInfo {
        username: Some(username),
        ..Default::default()
    };
    if let Err(ApiError::App(AppError::PasswordRejected(issues))) =
        check_new_password(&state, &form.password, &user_info).await
    {
        return rejected(&issues);
    }
    // With profile fields, the account waits for the profile step (`profile_step.rs`):
    // the checked username and the hashed password wait in the sealed cookie.
    let fields = match app::custom_profile_fields::list(&state).await {
        Ok(f) => f,
        Err(e) => return failed(&p, e),
    };
    if !fields.is_empty() {
        // A taken username is said now, not after the profile step (creating the
        // account still claims it atomically: this only spares the user a wasted step).
        let taken = match domain::identifier::Identifier::username(username) {
            Ok(id) => super::experience::verification::holder_of(&state, &id).await,
            Err(_) => return problem("username-invalid"),
        };
        match taken {
            Ok(None) => {}
            Ok(Some(_)) => return problem("username-taken"),
            Err(e) => return failed(&p, e),
        }
        let digest = match app::commands::users::hash(&state, form.password.clone()).await {
            Ok(d) => d,
            Err(AppError::Busy) => return super::form::busy(&p),
            Err(e) => return failed(&p, e),
        };
        let mut i = i;
        i.pending_registration = Some(PendingRegistration {
            username: Some(username.to_owned()),
            digest: Some(digest),
            verified: None,
        });
        return super::codes::redirect_with(&state, &i, "/register/profile", &p);
    }
    let password = PasswordInput::Plain(form.password.clone());
    let values = serde_json::Map::new();
    let csrf = i.csrf.clone();
    match create_and_sign_in(&state, &request, i, username, password, &values, &p).await {
        Ok(r) => r,
        Err((status, text)) => {
            let body = page::register_form(&look, &p, &name, &csrf, username, Some(&text), code);
            page::respond(status, &p, body)
        }
    }
}

/// Creates the account (username, password, the profile step's checked `values`) through
/// the users command service, then signs it in. The profile rule is the Experience API's
/// (`apply_extra_profile`): no account without its required fields.
pub(super) async fn create_and_sign_in(
    state: &AppState,
    request: &RequestContext,
    i: Interaction,
    username: &str,
    password: PasswordInput,
    values: &serde_json::Map<String, serde_json::Value>,
    p: &Phrases,
) -> Result<HttpResponse, (StatusCode, String)> {
    let Ok(permit) = registration::permit(state).await else {
        return Ok(closed(p));
    };
    let error = |status: StatusCode, text: String| Err((status, text));
    let mut fields = UserDetailsFields {
        username: Some(username.to_owned()),
        ..Default::default()
    };
    let mut custom_data = serde_json::Map::new();
    if let Err(e) = super::experience::profile::apply_extra_profile(
        state,
        values,
        &mut fields,
        &mut custom_data,
    )
    .await
    {
        return match e.code() {
            "user.missing_profile" => {
                error(StatusCode::UNPROCESSABLE_ENTITY, p.text("profile-missing"))
            }
            _ => Ok(failed(p, e)),
        };
    }
    let Ok(details) = UserDetails::new(fields) else {
        return error(StatusCode::BAD_REQUEST, p.text("username-invalid"));
    };
    let input = CreateUser {
        details,
        custom_data,
        password: Some(password),
        origin: Origin::SelfService {
            application_id: i.client_id.clone(),
            permit,
        },
    };
    let user = match create_user(state, input, request).await {
        Ok(user) => user,
        // Taken between the form and the profile step, or by a concurrent submit.
        Err(AppError::IdentifierInUse(_)) => {
            return error(StatusCode::BAD_REQUEST, p.text("username-taken"))
        }
        Err(AppError::InvalidInput { details, .. }) => {
            return error(StatusCode::BAD_REQUEST, details)
        }
        Err(AppError::Busy) => return Ok(super::form::busy(p)),
        Err(e) => return Ok(failed(p, e)),
    };
    let version = match state
        .store
        .repository()
        .load::<Session>(&i.session_id)
        .await
    {
        Ok(l) => l.version,
        Err(e) => return Ok(failed(p, e)),
    };
    Ok(registered(state, request, i, user.id, version, p).await)
}
