//! Logto's Experience API (`/api/experience`, reference §4.1–4.4) for the password
//! sign-in and registration paths, so a custom sign-in UI can drive the interaction that
//! `/oidc/auth` started. Anonymous, but every call needs the `_interaction` cookie; the
//! experience state lives in that (sealed) cookie, updated on each answer. `submit`
//! answers `{redirectTo: <endpoint>/oidc/auth/<uid>}`; following it ([`resume`]) starts
//! the session and sends the browser on to the client (or to consent).

use super::cookies::{self, INTERACTION};
use super::form::{self, verify};
use super::interaction::{Experience, Interaction, Verification};
use crate::commands::users::{create_user, CreateUser, PasswordInput};
use crate::error::{ApiError, ErrorBody};
use crate::request::RequestContext;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, HttpResponseBuilder, ResponseError};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine;
use domain::identifier::{Identifier, IdentifierClaim};
use domain::oauth::lifetimes::Lifetimes;
use domain::password::hash_password;
use domain::session::{Session, SessionCommand, SignInFailed, SignInFailure};
use domain::user::{UserDetails, UserDetailsFields};
use serde::Deserialize;
use serde_json::json;

/// A refusal in Logto's body (`{code, message}`).
#[derive(Debug, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ExperienceError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

fn refuse(status: StatusCode, code: &'static str, message: impl Into<String>) -> ExperienceError {
    ExperienceError {
        status,
        code,
        message: message.into(),
    }
}

fn internal(e: impl std::fmt::Display) -> ExperienceError {
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
        HttpResponse::build(self.status).json(ErrorBody {
            code: self.code.to_owned(),
            message: self.message.clone(),
            data: None,
            details: None,
        })
    }
}

type Answer = Result<HttpResponse, ExperienceError>;

pub fn configure(cfg: &mut web::ServiceConfig) {
    let na = || web::to(crate::routes::method_not_allowed);
    cfg.service(
        web::resource("/api/experience")
            .route(web::put().to(start))
            .default_service(na()),
    )
    .service(
        web::resource("/api/experience/interaction-event")
            .route(web::put().to(set_event))
            .default_service(na()),
    )
    .service(
        web::resource("/api/experience/interaction")
            .route(web::get().to(show))
            .default_service(na()),
    )
    .service(
        web::resource("/api/experience/verification/password")
            .route(web::post().to(password))
            .default_service(na()),
    )
    .service(
        web::resource("/api/experience/verification/new-password-identity")
            .route(web::post().to(new_password_identity))
            .default_service(na()),
    )
    .service(
        web::resource("/api/experience/identification")
            .route(web::post().to(identification))
            .default_service(na()),
    )
    .service(
        web::resource("/api/experience/submit")
            .route(web::post().to(submit))
            .default_service(na()),
    )
    .service(
        web::resource("/oidc/auth/{uid}")
            .route(web::get().to(resume))
            .default_service(na()),
    );
}

fn interaction(state: &AppState, req: &HttpRequest) -> Result<Interaction, ExperienceError> {
    cookies::open::<Interaction>(state, req, INTERACTION)
        .filter(|i| state.clock.now() < i.expires_at)
        .ok_or_else(|| {
            refuse(
                StatusCode::BAD_REQUEST,
                "session.not_found",
                "Session not found.",
            )
        })
}

fn experience(i: &mut Interaction) -> Result<&mut Experience, ExperienceError> {
    i.experience.as_mut().ok_or_else(|| {
        refuse(
            StatusCode::BAD_REQUEST,
            "session.interaction_not_found",
            "Interaction not found: start it with PUT /api/experience.",
        )
    })
}

/// An answer carrying the updated interaction cookie.
fn with_cookie(
    state: &AppState,
    i: &Interaction,
    mut r: HttpResponseBuilder,
    body: Option<serde_json::Value>,
) -> Answer {
    cookies::set(
        state,
        &mut r,
        INTERACTION,
        i,
        Lifetimes::default().interaction,
    )
    .map_err(internal)?;
    Ok(match body {
        Some(b) => r.json(b),
        None => r.finish(),
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventBody {
    interaction_event: String,
}

fn check_event(event: &str) -> Result<(), ExperienceError> {
    match event {
        "SignIn" | "Register" => Ok(()),
        "ForgotPassword" => Err(refuse(
            StatusCode::BAD_REQUEST,
            "session.not_supported_for_forgot_password",
            "Password reset is not supported yet.",
        )),
        _ => Err(refuse(
            StatusCode::BAD_REQUEST,
            "guard.invalid_input",
            "interactionEvent must be SignIn or Register",
        )),
    }
}

async fn start(state: web::Data<AppState>, req: HttpRequest, body: web::Json<EventBody>) -> Answer {
    let mut i = interaction(&state, &req)?;
    check_event(&body.interaction_event)?;
    if body.interaction_event == "Register" && !state.sign_in.registration {
        return Err(refuse(
            StatusCode::FORBIDDEN,
            "user.registration_disabled",
            "Registration is disabled.",
        ));
    }
    i.experience = Some(Experience {
        event: body.interaction_event.clone(),
        verifications: vec![],
        identified: None,
        submitted: false,
    });
    with_cookie(&state, &i, HttpResponse::NoContent(), None)
}

async fn set_event(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<EventBody>,
) -> Answer {
    let mut i = interaction(&state, &req)?;
    check_event(&body.interaction_event)?;
    let e = experience(&mut i)?;
    e.event = body.interaction_event.clone();
    e.identified = None;
    with_cookie(&state, &i, HttpResponse::NoContent(), None)
}

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

#[derive(Deserialize)]
pub struct IdentifierBody {
    #[serde(rename = "type")]
    kind: String,
    value: String,
}

#[derive(Deserialize)]
pub struct PasswordBody {
    identifier: IdentifierBody,
    password: String,
}

fn parse_identifier(id: &IdentifierBody) -> Option<Identifier> {
    match id.kind.as_str() {
        "username" => Identifier::username(id.value.trim()).ok(),
        "email" => Identifier::email(id.value.trim()).ok(),
        "phone" => Identifier::phone(id.value.trim()).ok(),
        _ => None,
    }
}

fn verification_id(state: &AppState) -> String {
    B64URL.encode(state.random.bytes::<16>())
}

async fn password(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    body: web::Json<PasswordBody>,
) -> Answer {
    let mut i = interaction(&state, &req)?;
    experience(&mut i)?;
    let checked = verify(&state, parse_identifier(&body.identifier), &body.password)
        .await
        .map_err(internal)?;
    match checked {
        Ok(user_id) => {
            let id = verification_id(&state);
            experience(&mut i)?
                .verifications
                .push(Verification::Password {
                    id: id.clone(),
                    user_id,
                });
            with_cookie(
                &state,
                &i,
                HttpResponse::Ok(),
                Some(json!({ "verificationId": id })),
            )
        }
        Err((reason, user_id)) => {
            let loaded = state
                .store
                .repository()
                .load::<Session>(&i.session_id)
                .await
                .map_err(internal)?;
            let failure = SignInFailed {
                reason,
                user_id,
                client_id: i.client_id.clone(),
            };
            form::record(
                &state,
                &request,
                &i.session_id,
                &loaded,
                SessionCommand::RecordFailure(failure),
            )
            .await
            .map_err(internal)?;
            Err(match reason {
                SignInFailure::Suspended => refuse(
                    StatusCode::UNAUTHORIZED,
                    "user.suspended",
                    "This account is suspended.",
                ),
                _ => refuse(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "session.invalid_credentials",
                    "Wrong identifier or password.",
                ),
            })
        }
    }
}

async fn new_password_identity(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<PasswordBody>,
) -> Answer {
    let mut i = interaction(&state, &req)?;
    experience(&mut i)?;
    if body.identifier.kind != "username" {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "guard.invalid_input",
            "only a username identifier is supported here",
        ));
    }
    let username = body.identifier.value.trim().to_owned();
    let Ok(identifier) = Identifier::username(&username) else {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "guard.invalid_input",
            "invalid username",
        ));
    };
    // Logto's default policy: at least 8 characters.
    if body.password.chars().count() < 8 {
        return Err(refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "password.rejected",
            "The password must be at least 8 characters long.",
        ));
    }
    let claim = state
        .store
        .repository()
        .load::<IdentifierClaim>(&state.store.identifier_stream_id(&identifier))
        .await
        .map_err(internal)?;
    if claim.aggregate.holder().is_some() {
        return Err(refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "user.username_already_in_use",
            "This username is already in use.",
        ));
    }
    let salt: [u8; 16] = state.random.bytes();
    let plain = body.password.clone();
    let digest = tokio::task::spawn_blocking(move || hash_password(&plain, salt))
        .await
        .map_err(internal)?
        .map_err(|e| {
            refuse(
                StatusCode::UNPROCESSABLE_ENTITY,
                "password.rejected",
                e.to_string(),
            )
        })?;
    let id = verification_id(&state);
    experience(&mut i)?
        .verifications
        .push(Verification::NewPasswordIdentity {
            id: id.clone(),
            username,
            digest,
        });
    with_cookie(
        &state,
        &i,
        HttpResponse::Ok(),
        Some(json!({ "verificationId": id })),
    )
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct IdentificationBody {
    #[serde(default)]
    verification_id: Option<String>,
}

async fn identification(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    body: Option<web::Json<IdentificationBody>>,
) -> Answer {
    let mut i = interaction(&state, &req)?;
    let e = experience(&mut i)?;
    let wanted = body.and_then(|b| b.into_inner().verification_id);
    let record = e
        .verifications
        .iter()
        .find(|v| wanted.as_deref().is_none_or(|w| v.id() == w))
        .cloned()
        .ok_or_else(|| {
            refuse(
                StatusCode::NOT_FOUND,
                "session.verification_session_not_found",
                "Verification record not found.",
            )
        })?;
    let status = match (e.event.as_str(), record) {
        ("SignIn", Verification::Password { user_id, .. }) => {
            e.identified = Some(user_id);
            StatusCode::NO_CONTENT
        }
        (
            "Register",
            Verification::NewPasswordIdentity {
                username, digest, ..
            },
        ) => {
            let details = UserDetails::new(UserDetailsFields {
                username: Some(username),
                ..Default::default()
            })
            .map_err(|err| {
                refuse(
                    StatusCode::BAD_REQUEST,
                    "guard.invalid_input",
                    err.to_string(),
                )
            })?;
            let input = CreateUser {
                details,
                custom_data: Default::default(),
                password: Some(PasswordInput::Digest(digest)),
            };
            let user = match create_user(&state, input, &request).await {
                Ok(user) => user,
                Err(err @ ApiError::IdentifierInUse(_)) => {
                    return Err(refuse(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "user.username_already_in_use",
                        err.to_string(),
                    ))
                }
                Err(err) => return Err(internal(err)),
            };
            e.identified = Some(user.id);
            StatusCode::CREATED
        }
        _ => {
            return Err(refuse(
                StatusCode::BAD_REQUEST,
                "session.verification_failed",
                "This verification does not fit the interaction event.",
            ))
        }
    };
    with_cookie(&state, &i, HttpResponse::build(status), None)
}

async fn submit(state: web::Data<AppState>, req: HttpRequest) -> Answer {
    let mut i = interaction(&state, &req)?;
    let session_id = i.session_id.clone();
    let e = experience(&mut i)?;
    if e.identified.is_none() {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "session.identifier_not_found",
            "No user has been identified yet.",
        ));
    }
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
async fn resume(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    uid: web::Path<String>,
) -> HttpResponse {
    let found = interaction(&state, &req)
        .ok()
        .filter(|i| i.session_id == *uid);
    let Some(i) = found else {
        return super::page::error(
            StatusCode::BAD_REQUEST,
            "Sign-in expired",
            "This sign-in is no longer valid. Go back to the application and start again.",
        );
    };
    let user_id = i
        .experience
        .as_ref()
        .filter(|e| e.submitted)
        .and_then(|e| e.identified.clone());
    let Some(user_id) = user_id else {
        let mut r = HttpResponse::SeeOther();
        r.insert_header(("location", "/sign-in"));
        return r.finish();
    };
    let version = match state
        .store
        .repository()
        .load::<Session>(&i.session_id)
        .await
    {
        Ok(l) => l.version,
        Err(e) => {
            tracing::error!(error = %e, "resume: cannot load the session");
            return super::page::error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "Please try again later.",
            );
        }
    };
    form::signed_in(&state, &request, i, user_id, version).await
}
