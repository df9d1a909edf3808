//! The consent page, for third-party applications only (first-party apps pass without a
//! screen, like Logto).
//!
//! Consent is given in the session the interaction was started in: both the page and the
//! decision load that session's stream and go on only while it lives and belongs to the
//! same user, so a consent after sign-out (in this tab or any other, on any node) or
//! after the session was revoked issues nothing.

use super::finish::{self, Subject};
use super::form::{app_name, csrf_ok, expired, failed, forbidden, see_other};
use super::interaction::Interaction;
use super::interaction::SessionCookie;
use super::interactions;
use super::page;
use crate::i18n::Phrases;
use crate::state::AppState;
use crate::support::request::RequestContext;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use domain::session::Session;
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
    params(crate::signin::interactions::AppIdQuery),
    tag = "Sign-in pages",
    operation_id = "ShowConsent",
    responses(
        (status = 200, description = "The consent page", content_type = "text/html", body = String),
        (status = 400, description = "No or expired interaction", content_type = "text/html", body = String)
    )
)]
pub async fn show_consent(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let Some(i) = interactions::find(&state, &req) else {
        return expired(&super::phrases(&state, &req, &[]).await);
    };
    let p = super::phrases(&state, &req, &i.ui_locales).await;
    let Some(cookie) = &i.signed_in else {
        return see_other(&i.page("/sign-in")).finish();
    };
    let look = super::look(&state, &i.client_id).await;
    match session_live(&state, cookie).await {
        Ok(true) => {}
        Ok(false) => return ended(&state, &i, &look, &p),
        Err(e) => return failed(&p, e),
    }
    let name = app_name(&state, &i.client_id).await;
    let body = page::consent_form(&look, &p, &name, &i.csrf, &i.scopes);
    page::respond(StatusCode::OK, &p, body)
}

#[utoipa::path(
    post,
    path = "/consent",
    params(crate::signin::interactions::AppIdQuery),
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
    let Some(i) = interactions::find(&state, &req) else {
        return expired(&super::phrases(&state, &req, &[]).await);
    };
    let p = super::phrases(&state, &req, &i.ui_locales).await;
    if !csrf_ok(&i, &form.csrf_token) {
        return forbidden(&p);
    }
    let Some(cookie) = i.signed_in.clone() else {
        return see_other(&i.page("/sign-in")).finish();
    };
    match session_live(&state, &cookie).await {
        Ok(true) => {}
        Ok(false) => return ended(&state, &i, &super::look(&state, &i.client_id).await, &p),
        Err(e) => return failed(&p, e),
    }
    let location = if form.decision == "allow" {
        let subject = Subject {
            user_id: cookie.user_id,
            auth_time: cookie.auth_time,
            new_session: None,
        };
        match finish::complete(&state, &i, subject, &request).await {
            Ok(location) => location,
            Err(e) => return failed(&p, e),
        }
    } else {
        finish::redirect(
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
    interactions::clear(&state, &mut r, &i);
    r.finish()
}

/// Whether the session the interaction was started in still lives for the same user.
async fn session_live(state: &AppState, cookie: &SessionCookie) -> Result<bool, store::StoreError> {
    let loaded = state
        .store
        .repository()
        .load::<Session>(&cookie.session_id)
        .await?;
    let now = state.clock.now();
    Ok(loaded
        .aggregate
        .active(now)
        .is_some_and(|s| s.user_id == cookie.user_id))
}

/// The session ended under the interaction: nothing is issued, and the interaction
/// (which names that session) is dropped.
fn ended(state: &AppState, i: &Interaction, look: &page::Look, p: &Phrases) -> HttpResponse {
    let body = page::message(
        look,
        p,
        &p.text("signed-out-title"),
        &p.text("signed-out-interaction"),
        false,
    );
    let mut r = page::builder(StatusCode::BAD_REQUEST);
    interactions::clear(state, &mut r, i);
    page::respond_with(r, p, body)
}
