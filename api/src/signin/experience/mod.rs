//! Logto's Experience API (`/api/experience`, docs/logto/experience-api.md) for the password
//! sign-in and registration paths, so a custom sign-in UI can drive the interaction that
//! `/oidc/auth` started. Anonymous, but every call needs the application's interaction cookie
//! (`signin/interactions.rs`; `?app_id=` names the application); the experience state
//! lives in that (sealed) cookie, updated on each answer. `submit`
//! answers `{redirectTo: <endpoint>/oidc/auth/<uid>}`; following it ([`resume`]) starts
//! the session and sends the browser on to the client (or to consent).

pub mod code;
pub mod mfa;
pub mod profile;
pub mod verification;

use super::form;
use super::interaction::{Experience, Interaction};
use super::interactions;
use crate::state::AppState;
use crate::support::error::ErrorBody;
use crate::support::request::RequestContext;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, HttpResponseBuilder, ResponseError};
use app::AppError;
use domain::session::Session;
use serde::Deserialize;
use serde_json::json;

/// A refusal in Logto's body (`{code, message}`).
#[derive(Debug, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ExperienceError {
    status: StatusCode,
    code: &'static str,
    message: String,
    data: Option<serde_json::Value>,
    /// What exactly is wrong (the field), as the Management API says it.
    details: Option<String>,
    retry_after: Option<i64>,
}

/// The Management/Account error mapping's answer, in the Experience API's envelope
/// (busy hasher, lockout, policy rejection, store failures).
impl From<crate::support::error::ApiError> for ExperienceError {
    fn from(e: crate::support::error::ApiError) -> Self {
        use crate::support::error::ApiError;
        if let ApiError::App(AppError::Internal(cause)) = &e {
            return internal(cause);
        }
        let retry_after = e.retry_after_secs();
        let body = e.body();
        Self {
            status: actix_web::ResponseError::status_code(&e),
            code: e.code(),
            message: body.message,
            data: body.data,
            details: body.details,
            retry_after,
        }
    }
}

impl From<app::AppError> for ExperienceError {
    fn from(e: app::AppError) -> Self {
        crate::support::error::ApiError::from(e).into()
    }
}

impl From<app::registration::Closed> for ExperienceError {
    fn from(_: app::registration::Closed) -> Self {
        use app::registration::Closed;
        refuse(StatusCode::FORBIDDEN, Closed::CODE, Closed::MESSAGE)
    }
}

pub(super) fn refuse(
    status: StatusCode,
    code: &'static str,
    message: impl Into<String>,
) -> ExperienceError {
    ExperienceError {
        status,
        code,
        message: message.into(),
        data: None,
        details: None,
        retry_after: None,
    }
}

impl ExperienceError {
    /// Logto's code of the refusal (the hosted pages choose their words by it).
    pub(crate) fn code(&self) -> &'static str {
        self.code
    }

    /// The refusal with Logto's `data` (e.g. what profile is missing).
    pub(super) fn with_data(mut self, data: serde_json::Value) -> Self {
        self.data = Some(data);
        self
    }
}

pub(super) fn internal(e: impl std::fmt::Display) -> ExperienceError {
    tracing::error!(error = %e, "experience API failed");
    refuse(
        StatusCode::INTERNAL_SERVER_ERROR,
        "unknown_error",
        "internal server error",
    )
}

impl ResponseError for ExperienceError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut r = HttpResponse::build(self.status);
        if let Some(secs) = self.retry_after {
            r.insert_header(("Retry-After", secs.to_string()));
        }
        r.json(ErrorBody {
            code: self.code.to_owned(),
            message: self.message.clone(),
            data: self.data.clone(),
            details: self.details.clone(),
        })
    }
}

pub(super) type Answer = Result<HttpResponse, ExperienceError>;

pub fn configure(routes: &mut crate::guard::access::Routes) {
    let na = || web::to(crate::support::error::method_not_allowed);
    routes
        .resource(
            web::resource("/api/experience")
                .route(web::put().to(start))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/experience/interaction-event")
                .route(web::put().to(set_event))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/experience/interaction")
                .route(web::get().to(show))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/experience/verification/password")
                .route(web::post().to(verification::password))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/experience/verification/new-password-identity")
                .route(web::post().to(verification::new_password_identity))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/experience/verification/verification-code")
                .route(web::post().to(code::send))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/experience/verification/verification-code/verify")
                .route(web::post().to(code::verify))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/experience/verification/totp/secret")
                .route(web::post().to(mfa::totp_secret))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/experience/verification/totp/verify")
                .route(web::post().to(mfa::totp_verify))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/experience/verification/backup-code/generate")
                .route(web::post().to(mfa::backup_code_generate))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/experience/verification/backup-code/verify")
                .route(web::post().to(mfa::backup_code_verify))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/experience/profile/mfa")
                .route(web::post().to(mfa::bind))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/experience/profile/mfa/mfa-skipped")
                .route(web::post().to(mfa::skip))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/experience/profile/mfa/mfa-suggestion-skipped")
                .route(web::post().to(mfa::skip_suggestion))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/experience/profile")
                .route(web::post().to(profile::add))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/experience/profile/password")
                .route(web::put().to(profile::reset_password))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/experience/identification")
                .route(web::post().to(verification::identification))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/experience/submit")
                .route(web::post().to(submit))
                .default_service(na()),
        )
        .resource(
            web::resource("/oidc/auth/{uid}")
                .route(web::get().to(resume))
                .default_service(na()),
        );
}

pub(super) fn interaction(
    state: &AppState,
    req: &HttpRequest,
) -> Result<Interaction, ExperienceError> {
    interactions::find(state, req).ok_or_else(|| {
        refuse(
            StatusCode::BAD_REQUEST,
            "session.not_found",
            "Session not found.",
        )
    })
}

pub(super) fn experience(i: &mut Interaction) -> Result<&mut Experience, ExperienceError> {
    i.experience.as_mut().ok_or_else(|| {
        refuse(
            StatusCode::BAD_REQUEST,
            "session.interaction_not_found",
            "Interaction not found: start it with PUT /api/experience.",
        )
    })
}

/// An answer carrying the updated interaction cookie.
pub(super) fn with_cookie(
    state: &AppState,
    i: &Interaction,
    mut r: HttpResponseBuilder,
    body: Option<serde_json::Value>,
) -> Answer {
    interactions::save(state, &mut r, i, state.sign_in.lifetimes.interaction).map_err(internal)?;
    Ok(match body {
        Some(b) => r.json(b),
        None => r.finish(),
    })
}

/// A JSON body, refused in Logto's shape (`guard.invalid_input`) when it does not parse.
pub(super) fn parse<T: serde::de::DeserializeOwned>(raw: &[u8]) -> Result<T, ExperienceError> {
    if crate::support::body::has_escaped_nul(raw) {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "guard.invalid_input",
            "invalid body: strings must not contain the character U+0000".to_owned(),
        ));
    }
    serde_json::from_slice(raw).map_err(|e| {
        refuse(
            StatusCode::BAD_REQUEST,
            "guard.invalid_input",
            format!("invalid body: {e}"),
        )
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventBody {
    interaction_event: String,
}

/// A supported event; `Register` only while registration is open (403 `auth.forbidden`,
/// Logto's answer for an event the sign-in experience disables).
async fn check_event(state: &AppState, event: &str) -> Result<(), ExperienceError> {
    match event {
        "SignIn" => Ok(()),
        "Register" => {
            app::registration::permit(state).await?;
            Ok(())
        }
        "ForgotPassword" => Ok(()),
        _ => Err(refuse(
            StatusCode::BAD_REQUEST,
            "guard.invalid_input",
            "interactionEvent must be SignIn, Register or ForgotPassword",
        )),
    }
}

#[utoipa::path(
    put,
    path = "/api/experience",
    params(crate::signin::interactions::AppIdQuery),
    tag = "Experience",
    operation_id = "InitInteraction",
    request_body = crate::openapi::oidc_schemas::InteractionEvent,
    responses(
        (status = 204, description = "Interaction started. Needs the interaction cookie set by `/oidc/auth` (`?app_id=` picks the application's); answers update it."),
        crate::openapi::responses::NoInteraction,
        crate::openapi::responses::RegistrationClosed
    )
)]
async fn start(state: web::Data<AppState>, req: HttpRequest, raw: web::Bytes) -> Answer {
    let body: EventBody = parse(&raw)?;
    let mut i = interaction(&state, &req)?;
    check_event(&state, &body.interaction_event).await?;
    i.experience = Some(Experience {
        event: body.interaction_event.clone(),
        verifications: vec![],
        identified: None,
        submitted: false,
        new_password: None,
        extra_profile: Default::default(),
        mfa: Default::default(),
    });
    with_cookie(&state, &i, HttpResponse::NoContent(), None)
}

#[utoipa::path(
    put,
    path = "/api/experience/interaction-event",
    params(crate::signin::interactions::AppIdQuery),
    tag = "Experience",
    operation_id = "UpdateInteractionEvent",
    request_body = crate::openapi::oidc_schemas::InteractionEvent,
    responses(
        (status = 204, description = "Event changed"),
        crate::openapi::responses::NoInteraction,
        crate::openapi::responses::RegistrationClosed
    )
)]
async fn set_event(state: web::Data<AppState>, req: HttpRequest, raw: web::Bytes) -> Answer {
    let body: EventBody = parse(&raw)?;
    let mut i = interaction(&state, &req)?;
    check_event(&state, &body.interaction_event).await?;
    let e = experience(&mut i)?;
    e.event = body.interaction_event.clone();
    e.identified = None;
    with_cookie(&state, &i, HttpResponse::NoContent(), None)
}

#[utoipa::path(
    get,
    path = "/api/experience/interaction",
    params(crate::signin::interactions::AppIdQuery),
    tag = "Experience",
    operation_id = "GetInteraction",
    responses(
        (status = 200, description = "The interaction", body = crate::openapi::oidc_schemas::ExperienceInteraction),
        crate::openapi::responses::NoInteraction
    )
)]
async fn show(state: web::Data<AppState>, req: HttpRequest) -> Answer {
    let mut i = interaction(&state, &req)?;
    let e = experience(&mut i)?;
    let records: Vec<_> = e
        .verifications
        .iter()
        .map(|v| json!({"id": v.id(), "type": v.kind()}))
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "interactionEvent": e.event,
        "userId": e.identified,
        "verificationRecords": records,
    })))
}

#[utoipa::path(
    post,
    path = "/api/experience/submit",
    params(crate::signin::interactions::AppIdQuery),
    tag = "Experience",
    operation_id = "SubmitInteraction",
    responses(
        (status = 200, description = "Where the browser goes next", body = crate::openapi::oidc_schemas::RedirectTo),
        (status = 204, description = "`ForgotPassword`: the new password is set; the interaction starts over as `SignIn`"),
        (status = 400, description = "No interaction (`session.not_found`, `session.interaction_not_found`), no user identified yet (`session.identifier_not_found`), or `ForgotPassword` without a new password (`session.password_not_set`)", body = crate::support::error::ErrorBody),
        (status = 403, description = "The user's second factor must be verified first (`session.mfa.require_mfa_verification`, `data.availableFactors`)", body = crate::support::error::ErrorBody),
        (status = 422, description = "The policy asks the user to bind a factor (`user.missing_mfa`, `data.availableFactors`, `data.skippable` when it may be declined) or backup codes (`session.mfa.backup_code_required`)", body = crate::support::error::ErrorBody)
    )
)]
async fn submit(state: web::Data<AppState>, req: HttpRequest, request: RequestContext) -> Answer {
    let mut i = interaction(&state, &req)?;
    let session_id = i.session_id.clone();
    let e = experience(&mut i)?;
    let Some(user_id) = e.identified.clone() else {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "session.identifier_not_found",
            "No user has been identified yet.",
        ));
    };
    if e.event == "ForgotPassword" {
        profile::finish_reset(&state, &request, e, &user_id).await?;
        return with_cookie(&state, &i, HttpResponse::NoContent(), None);
    }
    // A second factor to verify or bind first, as the `mfa` policy says.
    mfa::gate(&state, e).await?;
    e.submitted = true;
    let redirect_to = format!(
        "{}/oidc/auth/{session_id}",
        state.endpoint.trim_end_matches('/')
    );
    with_cookie(
        &state,
        &i,
        HttpResponse::Ok(),
        Some(json!({ "redirectTo": redirect_to })),
    )
}

/// `GET /oidc/auth/{uid}`: the browser comes back after `submit`.
#[utoipa::path(
    get,
    path = "/oidc/auth/{uid}",
    tag = "OIDC",
    operation_id = "ResumeInteraction",
    params(
        ("uid" = String, Path, description = "The interaction (session) id")
    ),
    responses(
        (status = 303, description = "Signed in: on to the client or to consent; not submitted: to `/sign-in`"),
        (status = 400, description = "Expired or foreign interaction (HTML page)", content_type = "text/html", body = String),
        (status = 500, description = "HTML error page", content_type = "text/html", body = String)
    )
)]
async fn resume(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    uid: web::Path<String>,
) -> HttpResponse {
    let found = interactions::by_session(&state, &req, &uid);
    let locales = found.as_ref().map_or(&[][..], |i| &i.ui_locales[..]);
    let p = super::phrases(&state, &req, locales).await;
    let Some(i) = found else {
        return form::expired(&p);
    };
    let user_id = i
        .experience
        .as_ref()
        .filter(|e| e.submitted)
        .and_then(|e| e.identified.clone());
    let Some(user_id) = user_id else {
        let mut r = HttpResponse::SeeOther();
        r.insert_header(("location", i.page("/sign-in")));
        return r.finish();
    };
    let version = match state
        .store
        .repository()
        .load::<Session>(&i.session_id)
        .await
    {
        Ok(l) => l.version,
        Err(e) => return form::failed(&p, format!("resume: cannot load the session: {e}")),
    };
    // `submit` passed the MFA gate already.
    form::start_session(&state, &request, i, user_id, version, &p).await
}
