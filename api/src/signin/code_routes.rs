//! The routes of the hosted code pages (`codes.rs` does the work): thin handlers, one per
//! method and path, each documented in the OpenAPI document for the route-walking
//! security test. Sign in with a code, forgot password, and registration by a verified
//! address.

use super::codes::{send, show_address, show_code, verify, AddressForm, CodeForm, Flow};
use crate::state::AppState;
use crate::support::request::RequestContext;
use actix_web::{web, HttpRequest, HttpResponse};

#[utoipa::path(
    get,
    path = "/sign-in/code",
    params(crate::signin::interactions::AppIdQuery),
    tag = "Sign-in pages",
    operation_id = "ShowCodeSignIn",
    responses(
        (status = 200, description = "Sign in with a code: the email or phone form", content_type = "text/html", body = String),
        (status = 400, description = "No or expired interaction", content_type = "text/html", body = String)
    )
)]
pub async fn show_code_sign_in(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    show_address(&state, &req, Flow::SignIn).await
}

#[utoipa::path(
    post,
    path = "/sign-in/code",
    params(crate::signin::interactions::AppIdQuery),
    tag = "Sign-in pages",
    operation_id = "SendSignInCode",
    request_body(content_type = "application/x-www-form-urlencoded", content = Object, description = "The HTML form's fields (`identifier`, or `resend` for the same address again)"),
    responses(
        (status = 303, description = "Code sent: on to `/sign-in/code/verify`"),
        (status = 400, description = "Invalid address, or no code sign-in for it: the form again", content_type = "text/html", body = String),
        (status = 403, description = "CSRF token missing or wrong", content_type = "text/html", body = String),
        (status = 429, description = "The address is locked after too many attempts, or too many codes went to it lately (`Retry-After`): the page says when to try again (after \"Resend code\", the code entry page again)", content_type = "text/html", body = String),
        (status = 501, description = "No connector of the address's kind", content_type = "text/html", body = String),
        (status = 502, description = "The connector failed to send", content_type = "text/html", body = String)
    )
)]
pub async fn send_sign_in_code(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    form: web::Form<AddressForm>,
) -> HttpResponse {
    send(&state, &req, &request, &form, Flow::SignIn).await
}

#[utoipa::path(
    get,
    path = "/sign-in/code/verify",
    params(crate::signin::interactions::AppIdQuery),
    tag = "Sign-in pages",
    operation_id = "ShowSignInCodeEntry",
    responses(
        (status = 200, description = "The code entry page", content_type = "text/html", body = String),
        (status = 303, description = "No code sent yet: back to `/sign-in/code`"),
        (status = 400, description = "No or expired interaction", content_type = "text/html", body = String)
    )
)]
pub async fn show_sign_in_code(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    show_code(&state, &req, Flow::SignIn).await
}

#[utoipa::path(
    post,
    path = "/sign-in/code/verify",
    params(crate::signin::interactions::AppIdQuery),
    tag = "Sign-in pages",
    operation_id = "VerifySignInCode",
    request_body(content_type = "application/x-www-form-urlencoded", content = Object, description = "The HTML form's fields (`code`)"),
    responses(
        (status = 303, description = "Signed in: on to the client or consent (or, no code sent yet, back to `/sign-in/code`)"),
        (status = 400, description = "Wrong, spent or expired code, a locked address, or no account: the page again", content_type = "text/html", body = String),
        (status = 403, description = "CSRF token missing or wrong", content_type = "text/html", body = String)
    )
)]
pub async fn verify_sign_in_code(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    form: web::Form<CodeForm>,
) -> HttpResponse {
    verify(&state, &req, &request, &form, Flow::SignIn).await
}

#[utoipa::path(
    get,
    path = "/forgot-password",
    params(crate::signin::interactions::AppIdQuery),
    tag = "Sign-in pages",
    operation_id = "ShowForgotPassword",
    responses(
        (status = 200, description = "Forgot password: the email or phone form", content_type = "text/html", body = String),
        (status = 400, description = "No or expired interaction", content_type = "text/html", body = String)
    )
)]
pub async fn show_forgot_password(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    show_address(&state, &req, Flow::ForgotPassword).await
}

#[utoipa::path(
    post,
    path = "/forgot-password",
    params(crate::signin::interactions::AppIdQuery),
    tag = "Sign-in pages",
    operation_id = "SendForgotPasswordCode",
    request_body(content_type = "application/x-www-form-urlencoded", content = Object, description = "The HTML form's fields (`identifier`, or `resend` for the same address again)"),
    responses(
        (status = 303, description = "Code sent: on to `/forgot-password/verify`"),
        (status = 400, description = "Invalid address: the form again", content_type = "text/html", body = String),
        (status = 403, description = "CSRF token missing or wrong", content_type = "text/html", body = String),
        (status = 429, description = "The address is locked after too many attempts, or too many codes went to it lately (`Retry-After`): the page says when to try again (after \"Resend code\", the code entry page again)", content_type = "text/html", body = String),
        (status = 501, description = "No connector of the address's kind", content_type = "text/html", body = String),
        (status = 502, description = "The connector failed to send", content_type = "text/html", body = String)
    )
)]
pub async fn send_forgot_password_code(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    form: web::Form<AddressForm>,
) -> HttpResponse {
    send(&state, &req, &request, &form, Flow::ForgotPassword).await
}

#[utoipa::path(
    get,
    path = "/forgot-password/verify",
    params(crate::signin::interactions::AppIdQuery),
    tag = "Sign-in pages",
    operation_id = "ShowForgotPasswordCodeEntry",
    responses(
        (status = 200, description = "The code entry page", content_type = "text/html", body = String),
        (status = 303, description = "No code sent yet: back to `/forgot-password`"),
        (status = 400, description = "No or expired interaction", content_type = "text/html", body = String)
    )
)]
pub async fn show_forgot_password_code(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> HttpResponse {
    show_code(&state, &req, Flow::ForgotPassword).await
}

#[utoipa::path(
    post,
    path = "/forgot-password/verify",
    params(crate::signin::interactions::AppIdQuery),
    tag = "Sign-in pages",
    operation_id = "VerifyForgotPasswordCode",
    request_body(content_type = "application/x-www-form-urlencoded", content = Object, description = "The HTML form's fields (`code`)"),
    responses(
        (status = 303, description = "Verified: on to `/forgot-password/new` (or, no code sent yet, back to `/forgot-password`)"),
        (status = 400, description = "Wrong, spent or expired code, a locked address, or no account: the page again", content_type = "text/html", body = String),
        (status = 403, description = "CSRF token missing or wrong", content_type = "text/html", body = String)
    )
)]
pub async fn verify_forgot_password_code(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    form: web::Form<CodeForm>,
) -> HttpResponse {
    verify(&state, &req, &request, &form, Flow::ForgotPassword).await
}

#[utoipa::path(
    get,
    path = "/register/code",
    params(crate::signin::interactions::AppIdQuery),
    tag = "Sign-in pages",
    operation_id = "ShowRegisterWithCode",
    responses(
        (status = 200, description = "Registration by a verified email or phone: the address (and password) form", content_type = "text/html", body = String),
        (status = 400, description = "No or expired interaction", content_type = "text/html", body = String)
    )
)]
pub async fn show_register_code(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    show_address(&state, &req, Flow::Register).await
}

#[utoipa::path(
    post,
    path = "/register/code",
    params(crate::signin::interactions::AppIdQuery),
    tag = "Sign-in pages",
    operation_id = "SendRegisterCode",
    request_body(content_type = "application/x-www-form-urlencoded", content = Object, description = "The HTML form's fields (`identifier`, `password` when the sign-up settings ask for one, or `resend`)"),
    responses(
        (status = 303, description = "Code sent: on to `/register/code/verify`"),
        (status = 400, description = "Invalid or taken address, or no registration by it: the form again", content_type = "text/html", body = String),
        (status = 403, description = "CSRF token missing or wrong", content_type = "text/html", body = String),
        (status = 404, description = "Registration closed", content_type = "text/html", body = String),
        (status = 422, description = "Refused by the password policy: the form again", content_type = "text/html", body = String),
        (status = 429, description = "The address is locked after too many attempts, or too many codes went to it lately (`Retry-After`): the page says when to try again (after \"Resend code\", the code entry page again)", content_type = "text/html", body = String),
        (status = 501, description = "No connector of the address's kind", content_type = "text/html", body = String),
        (status = 502, description = "The connector failed to send", content_type = "text/html", body = String),
        (status = 503, description = "Too many password checks at once (with `Retry-After`)", content_type = "text/html", body = String)
    )
)]
pub async fn send_register_code(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    form: web::Form<AddressForm>,
) -> HttpResponse {
    send(&state, &req, &request, &form, Flow::Register).await
}

#[utoipa::path(
    get,
    path = "/register/code/verify",
    params(crate::signin::interactions::AppIdQuery),
    tag = "Sign-in pages",
    operation_id = "ShowRegisterCodeEntry",
    responses(
        (status = 200, description = "The code entry page", content_type = "text/html", body = String),
        (status = 303, description = "No code sent yet: back to `/register/code`"),
        (status = 400, description = "No or expired interaction", content_type = "text/html", body = String)
    )
)]
pub async fn show_register_code_entry(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> HttpResponse {
    show_code(&state, &req, Flow::Register).await
}

#[utoipa::path(
    post,
    path = "/register/code/verify",
    params(crate::signin::interactions::AppIdQuery),
    tag = "Sign-in pages",
    operation_id = "VerifyRegisterCode",
    request_body(content_type = "application/x-www-form-urlencoded", content = Object, description = "The HTML form's fields (`code`)"),
    responses(
        (status = 303, description = "Registered and signed in, or on to the profile step (`/register/profile`) when custom profile fields exist"),
        (status = 400, description = "Wrong, spent or expired code, or a locked address: the page again", content_type = "text/html", body = String),
        (status = 403, description = "CSRF token missing or wrong", content_type = "text/html", body = String)
    )
)]
pub async fn verify_register_code(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    form: web::Form<CodeForm>,
) -> HttpResponse {
    verify(&state, &req, &request, &form, Flow::Register).await
}
