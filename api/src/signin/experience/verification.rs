//! Experience API verifications and identification: a password for an existing user
//! (sign-in), a new username + password (registration), and binding one to the interaction.

use super::{experience, interaction, internal, parse, refuse, with_cookie, Answer};
use crate::signin::check_new_password;
use crate::signin::credentials::{verify, Outcome, SessionRef};
use crate::signin::interaction::Verification;
use crate::state::AppState;
use crate::support::error::ApiError;
use crate::support::request::RequestContext;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use app::registration;
use app::AppError;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine;
use domain::identifier::{Identifier, IdentifierClaim};
use domain::password::hash_password;
use domain::password::policy::UserInfo;
use domain::session::SignInFailure;
use domain::user::UserDetailsFields;
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
pub struct IdentifierBody {
    #[serde(rename = "type")]
    pub(super) kind: String,
    pub(super) value: String,
}

#[derive(Deserialize)]
pub struct PasswordBody {
    identifier: IdentifierBody,
    password: String,
}

pub(super) fn parse_identifier(id: &IdentifierBody) -> Option<Identifier> {
    match id.kind.as_str() {
        "username" => Identifier::username(id.value.trim()).ok(),
        "email" => Identifier::email(id.value.trim()).ok(),
        "phone" => Identifier::phone(id.value.trim()).ok(),
        _ => None,
    }
}

/// The user holding `identifier`, if anyone does.
pub(crate) async fn holder_of(
    state: &AppState,
    identifier: &Identifier,
) -> Result<Option<String>, AppError> {
    let claim = state
        .store
        .repository()
        .load::<IdentifierClaim>(&state.store.identifier_stream_id(identifier))
        .await?;
    Ok(claim.aggregate.holder().map(str::to_owned))
}

fn verification_id(state: &AppState) -> String {
    B64URL.encode(state.random.bytes::<16>())
}

#[utoipa::path(
    post,
    path = "/api/experience/verification/password",
    params(crate::signin::interactions::AppIdQuery),
    tag = "Experience",
    operation_id = "CreatePasswordVerification",
    request_body = crate::openapi::oidc_schemas::PasswordVerification,
    responses(
        (status = 200, description = "Verified", body = crate::openapi::oidc_schemas::VerificationId),
        (status = 400, description = "Invalid body, no interaction (`session.not_found`, `session.interaction_not_found`), or too many failed attempts: the identifier is locked (`session.verification_blocked_too_many_attempts`, with `Retry-After`)", body = crate::support::error::ErrorBody),
        (status = 401, description = "Suspended user (`user.suspended`)", body = crate::support::error::ErrorBody),
        (status = 422, description = "Wrong identifier or password (`session.invalid_credentials`)", body = crate::support::error::ErrorBody),
        crate::openapi::responses::HashingBusy
    )
)]
pub(super) async fn password(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    raw: web::Bytes,
) -> Answer {
    let body: PasswordBody = parse(&raw)?;
    let mut i = interaction(&state, &req)?;
    experience(&mut i)?;
    let session = SessionRef {
        session_id: &i.session_id,
        client_id: &i.client_id,
    };
    let parsed = parse_identifier(&body.identifier);
    let outcome = verify(&state, &request, parsed, &body.password, session).await?;
    match outcome {
        Outcome::Verified(user_id) => {
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
        Outcome::Locked(retry_after_secs) => Err(AppError::Locked { retry_after_secs }.into()),
        Outcome::Failed(SignInFailure::Suspended) => Err(refuse(
            StatusCode::UNAUTHORIZED,
            "user.suspended",
            "This account is suspended.",
        )),
        Outcome::Failed(_) => Err(refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "session.invalid_credentials",
            "Wrong identifier or password.",
        )),
    }
}

#[utoipa::path(
    post,
    path = "/api/experience/verification/new-password-identity",
    params(crate::signin::interactions::AppIdQuery),
    tag = "Experience",
    operation_id = "CreateNewPasswordIdentityVerification",
    request_body = crate::openapi::oidc_schemas::PasswordVerification,
    responses(
        (status = 200, description = "Verified", body = crate::openapi::oidc_schemas::VerificationId),
        crate::openapi::responses::NoInteraction,
        crate::openapi::responses::RegistrationClosed,
        (status = 422, description = "Identifier in use (`user.username_already_in_use`) or password refused by the policy (`password.rejected`, the issues in `data.issues`)", body = crate::support::error::ErrorBody),
        crate::openapi::responses::HashingBusy
    )
)]
pub(super) async fn new_password_identity(
    state: web::Data<AppState>,
    req: HttpRequest,
    raw: web::Bytes,
) -> Answer {
    let body: PasswordBody = parse(&raw)?;
    let mut i = interaction(&state, &req)?;
    experience(&mut i)?;
    // Only registration uses this record: refused (before any hashing) when closed.
    registration::permit(&state).await?;
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
    let user_info = UserInfo {
        username: Some(&username),
        ..Default::default()
    };
    check_new_password(&state, &body.password, &user_info).await?;
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
    let digest = state
        .sign_in
        .hasher
        .run(move || hash_password(&plain, salt))
        .await
        .map_err(ApiError::from)?
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

#[utoipa::path(
    post,
    path = "/api/experience/identification",
    params(crate::signin::interactions::AppIdQuery),
    tag = "Experience",
    operation_id = "IdentifyUser",
    request_body = crate::openapi::oidc_schemas::Identification,
    responses(
        (status = 204, description = "User identified"),
        (status = 201, description = "User registered and identified"),
        crate::openapi::responses::NoInteraction,
        crate::openapi::responses::RegistrationClosed,
        (status = 401, description = "The verified address belongs to a suspended user (`user.suspended`)", body = crate::support::error::ErrorBody),
        (status = 404, description = "Unknown verification (`session.verification_session_not_found`), or no user holds the verified address (`user.user_not_exist`)", body = crate::support::error::ErrorBody),
        (status = 422, description = "Refused: identifier in use, or a required profile field or the password missing (`user.missing_profile`, names in `data.missingProfile`)", body = crate::support::error::ErrorBody)
    )
)]
pub(super) async fn identification(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    raw: web::Bytes,
) -> Answer {
    // The body is optional (registration retries identification without one).
    let body: Option<IdentificationBody> = if raw.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        Some(parse(&raw)?)
    };
    let mut i = interaction(&state, &req)?;
    let client_id = i.client_id.clone();
    let e = experience(&mut i)?;
    let wanted = body.and_then(|b| b.verification_id);
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
            let fields = UserDetailsFields {
                username: Some(username),
                ..Default::default()
            };
            let extra = e.extra_profile.clone();
            let user_id = super::profile::create_account(
                &state,
                &request,
                &client_id,
                fields,
                Some(digest),
                &extra,
            )
            .await?;
            e.identified = Some(user_id);
            StatusCode::CREATED
        }
        (
            event,
            Verification::Code {
                kind,
                value,
                verified,
                ..
            },
        ) => {
            if !verified {
                return Err(refuse(
                    StatusCode::BAD_REQUEST,
                    "session.verification_failed",
                    "The code has not been verified yet.",
                ));
            }
            let identifier = super::code::identifier_of(kind, &value)?;
            let user_id = if event == "Register" {
                let password = e.new_password.clone();
                let extra = e.extra_profile.clone();
                super::code::register(&state, &request, &client_id, &identifier, password, &extra)
                    .await?
            } else {
                super::code::existing_user(&state, &identifier).await?
            };
            e.identified = Some(user_id);
            if event == "Register" {
                StatusCode::CREATED
            } else {
                StatusCode::NO_CONTENT
            }
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
