//! The consent page, for third-party applications only (first-party apps pass without a
//! screen, like Logto).

use super::cookies::{self, INTERACTION};
use super::form::{app_name, csrf_ok, expired, failed, forbidden, interaction, see_other};
use super::issue::{self, Subject};
use super::page;
use crate::request::RequestContext;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct ConsentForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    csrf_token: String,
}

#[utoipa::path(
    get,
    path = "/consent",
    tag = "Sign-in pages",
    operation_id = "ShowConsent",
    responses(
        (status = 200, description = "The consent page", content_type = "text/html", body = String),
        (status = 400, description = "No or expired interaction", content_type = "text/html", body = String)
    )
)]
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

#[utoipa::path(
    post,
    path = "/consent",
    tag = "Sign-in pages",
    operation_id = "Consent",
    request_body(content_type = "application/x-www-form-urlencoded", content = Object, description = "The HTML form's fields"),
    responses(
        (status = 303, description = "Back to the client with a code (or an error)"),
        (status = 400, description = "Invalid form or interaction", content_type = "text/html", body = String)
    )
)]
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
