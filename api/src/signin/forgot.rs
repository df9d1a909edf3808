//! Forgot password, last step (`/forgot-password/new`): once `codes.rs` verified the code
//! sent to the account's email or phone, the new password, checked against the policy in
//! force and refused when it is the current one; then back to `/sign-in` with a notice.

use super::codes::{open, pending, redirect_with, Flow};
use super::experience::profile::is_current_password;
use super::form::{busy, csrf_ok, failed, forbidden, see_other};
use super::page;
use super::register::describe;
use crate::i18n::Phrases;
use crate::state::AppState;
use crate::support::error::ApiError;
use crate::support::request::RequestContext;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use app::AppError;
use domain::password::policy::UserInfo;
use domain::user::User;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct NewPasswordForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
    #[serde(default)]
    csrf_token: String,
}

/// The user whose code was verified in this interaction, if it was.
fn verified_user(i: &super::interaction::Interaction) -> Option<String> {
    pending(i, Flow::ForgotPassword)
        .filter(|c| c.verified)
        .and_then(|c| c.user_id.clone())
}

async fn form_page(
    state: &AppState,
    i: &super::interaction::Interaction,
    p: &Phrases,
    error: Option<(StatusCode, &str)>,
) -> HttpResponse {
    let look = super::look(state, &i.client_id).await;
    let body = page::new_password_form(&look, p, &i.csrf, error.map(|(_, e)| e));
    page::respond(error.map_or(StatusCode::OK, |(s, _)| s), p, body)
}

#[utoipa::path(
    get,
    path = "/forgot-password/new",
    params(crate::signin::interactions::AppIdQuery),
    tag = "Sign-in pages",
    operation_id = "ShowNewPassword",
    responses(
        (status = 200, description = "The new password form (the code was verified)", content_type = "text/html", body = String),
        (status = 303, description = "No verified code yet: back to `/forgot-password`"),
        (status = 400, description = "No or expired interaction", content_type = "text/html", body = String)
    )
)]
pub async fn show_new_password(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let (i, p) = match open(&state, &req).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if verified_user(&i).is_none() {
        return see_other(&i.page("/forgot-password")).finish();
    }
    form_page(&state, &i, &p, None).await
}

#[utoipa::path(
    post,
    path = "/forgot-password/new",
    params(crate::signin::interactions::AppIdQuery),
    tag = "Sign-in pages",
    operation_id = "SetNewPassword",
    request_body(content_type = "application/x-www-form-urlencoded", content = Object, description = "The HTML form's fields (`password`, `confirm`)"),
    responses(
        (status = 303, description = "Password changed: on to `/sign-in?reset=done` (or, no verified code yet, back to `/forgot-password`)"),
        (status = 400, description = "The two passwords differ: the form again", content_type = "text/html", body = String),
        (status = 403, description = "CSRF token missing or wrong", content_type = "text/html", body = String),
        (status = 422, description = "Refused by the password policy, or the current password: the form again", content_type = "text/html", body = String),
        (status = 503, description = "Too many password checks at once (with `Retry-After`)", content_type = "text/html", body = String)
    )
)]
pub async fn set_new_password(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    form: web::Form<NewPasswordForm>,
) -> HttpResponse {
    let (mut i, p) = match open(&state, &req).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if !csrf_ok(&i, &form.csrf_token) {
        return forbidden(&p);
    }
    let Some(user_id) = verified_user(&i) else {
        return see_other(&i.page("/forgot-password")).finish();
    };
    if form.password != form.confirm {
        let text = p.text("password-mismatch");
        return form_page(&state, &i, &p, Some((StatusCode::BAD_REQUEST, &text))).await;
    }
    let user = match state.store.repository().load::<User>(&user_id).await {
        Ok(l) => l.aggregate,
        Err(e) => return failed(&p, e),
    };
    let Some(current) = user.state() else {
        // The account went away since the code was verified: start over.
        i.pending_code = None;
        return redirect_with(&state, &i, "/forgot-password", &p);
    };
    let details = &current.details;
    let info = UserInfo {
        username: details.username.as_deref(),
        email: details.primary_email.as_deref(),
        phone: details.primary_phone.as_deref(),
        name: details.name.as_deref(),
    };
    match super::check_new_password(&state, &form.password, &info).await {
        Ok(()) => {}
        Err(ApiError::App(AppError::PasswordRejected(issues))) => {
            let text: Vec<String> = issues
                .iter()
                .map(|issue| format!("{} ({})", describe(&p, issue), issue.code))
                .collect();
            let text = text.join(" ");
            let error = Some((StatusCode::UNPROCESSABLE_ENTITY, text.as_str()));
            return form_page(&state, &i, &p, error).await;
        }
        Err(ApiError::App(AppError::Busy)) => return busy(&p),
        Err(e) => return failed(&p, e),
    }
    match is_current_password(&state, current.password.clone(), &form.password).await {
        Ok(false) => {}
        Ok(true) => {
            let text = p.text("password-same");
            let error = Some((StatusCode::UNPROCESSABLE_ENTITY, text.as_str()));
            return form_page(&state, &i, &p, error).await;
        }
        Err(AppError::Busy) => return busy(&p),
        Err(e) => return failed(&p, e),
    }
    let digest = match app::commands::users::hash(&state, form.password.clone()).await {
        Ok(d) => d,
        Err(AppError::Busy) => return busy(&p),
        Err(e) => return failed(&p, e),
    };
    // The user changes their own password (as through the Experience API).
    let by_user = app::RequestContext {
        actor: domain::Actor::User(user_id.clone()),
        ..request.0.clone()
    };
    let set =
        app::commands::users::update::set_password_digest(&state, &by_user, &user_id, digest).await;
    if let Err(e) = set {
        return failed(&p, e);
    }
    i.pending_code = None;
    redirect_with(&state, &i, "/sign-in?reset=done", &p)
}
