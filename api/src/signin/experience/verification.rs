//! Experience API verifications and identification: a password for an existing user
//! (sign-in), a new username + password (registration), and binding one to the interaction.

use super::{experience, interaction, internal, parse, refuse, with_cookie, Answer};
use crate::commands::users::{create_user, CreateUser, PasswordInput};
use crate::error::ApiError;
use crate::request::RequestContext;
use crate::signin::credentials::verify;
use crate::signin::form;
use crate::signin::interaction::Verification;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine;
use domain::identifier::{Identifier, IdentifierClaim};
use domain::password::hash_password;
use domain::session::{Session, SessionCommand, SignInFailed, SignInFailure};
use domain::user::{UserDetails, UserDetailsFields};
use serde::Deserialize;
use serde_json::json;

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

#[utoipa::path(
    post,
    path = "/api/experience/verification/password",
    tag = "Experience",
    operation_id = "CreatePasswordVerification",
    request_body = crate::openapi::oidc_schemas::PasswordVerification,
    responses(
        (status = 200, description = "Verified", body = crate::openapi::oidc_schemas::VerificationId),
        (status = 400, description = "Invalid body, or no interaction (`session.not_found`, `session.interaction_not_found`)", body = crate::error::ErrorBody),
        (status = 401, description = "Suspended user (`user.suspended`)", body = crate::error::ErrorBody),
        (status = 422, description = "Wrong identifier or password (`session.invalid_credentials`)", body = crate::error::ErrorBody)
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
    let checked = verify(
        &state,
        &request,
        parse_identifier(&body.identifier),
        &body.password,
    )
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

#[utoipa::path(
    post,
    path = "/api/experience/verification/new-password-identity",
    tag = "Experience",
    operation_id = "CreateNewPasswordIdentityVerification",
    request_body = crate::openapi::oidc_schemas::PasswordVerification,
    responses(
        (status = 200, description = "Verified", body = crate::openapi::oidc_schemas::VerificationId),
        (status = 400, description = "Invalid body, or no interaction (`session.not_found`, `session.interaction_not_found`)", body = crate::error::ErrorBody),
        (status = 422, description = "Identifier in use or password refused by the policy", body = crate::error::ErrorBody)
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

#[utoipa::path(
    post,
    path = "/api/experience/identification",
    tag = "Experience",
    operation_id = "IdentifyUser",
    request_body = crate::openapi::oidc_schemas::Identification,
    responses(
        (status = 204, description = "User identified"),
        (status = 201, description = "User registered and identified"),
        (status = 400, description = "Invalid body, or no interaction (`session.not_found`, `session.interaction_not_found`)", body = crate::error::ErrorBody),
        (status = 404, description = "Unknown verification", body = crate::error::ErrorBody),
        (status = 422, description = "Refused (identifier in use, verification not finished)", body = crate::error::ErrorBody)
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
                application_id: Some(client_id.clone()),
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
