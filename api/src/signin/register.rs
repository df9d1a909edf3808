//! The registration page (`/register`, when `TESSERA_REGISTRATION` is on): a username and
//! a password, created through the users command service, then signed in.

use super::form::{app_name, csrf_ok, expired, failed, forbidden, interaction, signed_in};
use super::page;
use crate::commands::users::{create_user, CreateUser, PasswordInput};
use crate::error::ApiError;
use crate::request::RequestContext;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use domain::session::Session;
use domain::user::{UserDetails, UserDetailsFields};
use serde::Deserialize;

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
        (status = 422, description = "Refused: the form again", content_type = "text/html", body = String)
    )
)]
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
        application_id: Some(i.client_id.clone()),
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
