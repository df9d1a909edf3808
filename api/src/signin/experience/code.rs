//! Experience API one-time codes (Logto's `CodeVerification`): send a code to an email
//! address or a phone number for the interaction's event, then verify it. The address
//! stays in the sealed interaction cookie; the code's stream holds only digests
//! (`app::verification_codes`). A verified code identifies the user on `SignIn` and
//! `ForgotPassword`, and carries the verified address into the account on `Register`.

use super::verification::{parse_identifier, IdentifierBody};
use super::{experience, interaction, parse, refuse, with_cookie, Answer};
use crate::signin::interaction::Verification;
use crate::state::AppState;
use crate::support::request::RequestContext;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use app::delivery::TemplateUsage;
use domain::identifier::{Identifier, IdentifierKind};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendBody {
    identifier: IdentifierBody,
    interaction_event: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifyBody {
    identifier: IdentifierBody,
    verification_id: String,
    code: String,
}

/// The address a code may go to: an email address or a phone number, valid.
pub(crate) fn code_identifier(body: &IdentifierBody) -> Result<Identifier, super::ExperienceError> {
    match parse_identifier(body) {
        Some(id) if matches!(id.kind(), IdentifierKind::Email | IdentifierKind::Phone) => Ok(id),
        _ => Err(refuse(
            StatusCode::BAD_REQUEST,
            "guard.invalid_input",
            "identifier: a code is sent to a valid email address (type `email`) or phone number (type `phone`)",
        )),
    }
}

/// Which template a code for `event` uses; refused when the settings do not offer codes
/// for this identifier on this event.
pub(crate) async fn usage_for(
    state: &AppState,
    event: &str,
    identifier: &Identifier,
) -> Result<TemplateUsage, super::ExperienceError> {
    let settings = app::sign_in_experience::current(state)
        .await
        .map_err(app::AppError::from)?;
    let (usage, offered) = match event {
        "SignIn" => (
            TemplateUsage::SignIn,
            app::sign_in_experience::code_sign_in(&settings, identifier),
        ),
        "Register" => {
            app::registration::permit(state).await?;
            (
                TemplateUsage::Register,
                app::sign_in_experience::registers_with(&settings, identifier),
            )
        }
        "ForgotPassword" => (TemplateUsage::ForgotPassword, true),
        _ => {
            return Err(refuse(
                StatusCode::BAD_REQUEST,
                "guard.invalid_input",
                "interactionEvent must be SignIn, Register or ForgotPassword",
            ))
        }
    };
    if !offered {
        return Err(refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "user.sign_in_method_not_enabled",
            format!(
                "The sign-in experience does not offer a code by {} for {event}.",
                identifier.kind().as_str()
            ),
        ));
    }
    Ok(usage)
}

#[utoipa::path(
    post,
    path = "/api/experience/verification/verification-code",
    params(crate::signin::interactions::AppIdQuery),
    tag = "Experience",
    operation_id = "CreateAndSendVerificationCode",
    request_body = crate::openapi::oidc_schemas::SendVerificationCode,
    responses(
        (status = 200, description = "Code sent", body = crate::openapi::oidc_schemas::VerificationId),
        (status = 400, description = "Invalid body, no interaction, or the address is locked (`session.verification_blocked_too_many_attempts`)", body = crate::support::error::ErrorBody),
        crate::openapi::responses::RegistrationClosed,
        (status = 422, description = "The sign-in experience offers no code for this identifier and event (`user.sign_in_method_not_enabled`)", body = crate::support::error::ErrorBody),
        (status = 429, description = "Too many codes went to this address lately (`verification_code.too_many_requests`; `Retry-After` says when another may go): nothing is sent", body = crate::support::error::ErrorBody),
        (status = 501, description = "No connector of the address's kind is configured (`connector.not_found`)", body = crate::support::error::ErrorBody),
        (status = 502, description = "The connector failed to send (`connector.general`)", body = crate::support::error::ErrorBody)
    )
)]
pub(super) async fn send(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    raw: web::Bytes,
) -> Answer {
    let body: SendBody = parse(&raw)?;
    let mut i = interaction(&state, &req)?;
    experience(&mut i)?;
    let identifier = code_identifier(&body.identifier)?;
    let usage = usage_for(&state, &body.interaction_event, &identifier).await?;
    // The message speaks the pages' language (the connector falls back from there).
    let locale = crate::signin::phrases(&state, &req, &i.ui_locales).await;
    let locale = Some(locale.lang().to_owned());
    let sent = app::verification_codes::send(&state, &request, &identifier, usage, locale).await?;
    experience(&mut i)?.verifications.push(Verification::Code {
        id: sent.verification_id.clone(),
        kind: identifier.kind(),
        value: identifier.normalized().to_owned(),
        verified: false,
    });
    with_cookie(
        &state,
        &i,
        HttpResponse::Ok(),
        Some(json!({ "verificationId": sent.verification_id })),
    )
}

#[utoipa::path(
    post,
    path = "/api/experience/verification/verification-code/verify",
    params(crate::signin::interactions::AppIdQuery),
    tag = "Experience",
    operation_id = "VerifyVerificationCodeVerification",
    request_body = crate::openapi::oidc_schemas::VerifyVerificationCode,
    responses(
        (status = 200, description = "Code verified", body = crate::openapi::oidc_schemas::VerificationId),
        (status = 400, description = "Wrong (`verification_code.code_mismatch`), expired (`verification_code.expired`) or spent code (`verification_code.exceed_max_try`), another address (`verification_code.email_mismatch`, `…phone_mismatch`), or the address is locked (`session.verification_blocked_too_many_attempts`)", body = crate::support::error::ErrorBody),
        (status = 404, description = "No such verification in this interaction (`session.verification_session_not_found`)", body = crate::support::error::ErrorBody)
    )
)]
pub(super) async fn verify(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    raw: web::Bytes,
) -> Answer {
    let body: VerifyBody = parse(&raw)?;
    let mut i = interaction(&state, &req)?;
    let identifier = code_identifier(&body.identifier)?;
    let e = experience(&mut i)?;
    let known = e
        .verifications
        .iter()
        .any(|v| matches!(v, Verification::Code { id, .. } if *id == body.verification_id));
    if !known {
        return Err(refuse(
            StatusCode::NOT_FOUND,
            "session.verification_session_not_found",
            "Verification record not found. Send a code first.",
        ));
    }
    let holder = super::verification::holder_of(&state, &identifier).await?;
    app::verification_codes::verify(
        &state,
        &request,
        &body.verification_id,
        &identifier,
        &body.code,
        holder.as_deref(),
    )
    .await?;
    for v in &mut experience(&mut i)?.verifications {
        if let Verification::Code { id, verified, .. } = v {
            if *id == body.verification_id {
                *verified = true;
            }
        }
    }
    with_cookie(
        &state,
        &i,
        HttpResponse::Ok(),
        Some(json!({ "verificationId": body.verification_id })),
    )
}

/// The address a `Code` record in the cookie holds.
pub(crate) fn identifier_of(
    kind: IdentifierKind,
    value: &str,
) -> Result<Identifier, super::ExperienceError> {
    let parsed = match kind {
        IdentifierKind::Email => Identifier::email(value),
        IdentifierKind::Phone => Identifier::phone(value),
        _ => Err(domain::identifier::IdentifierError::InvalidEmail),
    };
    parsed.map_err(super::internal)
}

/// `SignIn` and `ForgotPassword`: the user holding the verified address.
pub(crate) async fn existing_user(
    state: &AppState,
    identifier: &Identifier,
) -> Result<String, super::ExperienceError> {
    let Some(user_id) = super::verification::holder_of(state, identifier).await? else {
        return Err(refuse(
            StatusCode::NOT_FOUND,
            "user.user_not_exist",
            format!(
                "No account uses this {}. Check it, or create an account.",
                identifier.kind().as_str()
            ),
        ));
    };
    let user = state
        .store
        .repository()
        .load::<domain::user::User>(&user_id)
        .await
        .map_err(app::AppError::from)?;
    match user.aggregate.state() {
        Some(u) if u.is_suspended => Err(refuse(
            StatusCode::UNAUTHORIZED,
            "user.suspended",
            "This account is suspended.",
        )),
        Some(_) => Ok(user_id),
        None => Err(refuse(
            StatusCode::NOT_FOUND,
            "user.user_not_exist",
            "The account no longer exists.",
        )),
    }
}

/// `Register`: a new account holding the verified address (as its primary email or
/// phone) and the password set with `POST /api/experience/profile`, which the sign-up
/// settings may require.
pub(crate) async fn register(
    state: &AppState,
    request: &RequestContext,
    client_id: &str,
    identifier: &Identifier,
    password: Option<domain::password::PasswordDigest>,
    extra: &serde_json::Map<String, serde_json::Value>,
) -> Result<String, super::ExperienceError> {
    app::registration::permit(state).await?;
    let settings = app::sign_in_experience::current(state)
        .await
        .map_err(app::AppError::from)?;
    if settings.sign_up.password && password.is_none() {
        return Err(refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "user.missing_profile",
            "Set a password (POST /api/experience/profile) before creating the account.",
        )
        .with_data(json!({ "missingProfile": ["password"] })));
    }
    let value = identifier.normalized().to_owned();
    let mut fields = domain::user::UserDetailsFields::default();
    if identifier.kind() == IdentifierKind::Phone {
        fields.primary_phone = Some(value);
    } else {
        fields.primary_email = Some(value);
    }
    super::profile::create_account(state, request, client_id, fields, password, extra).await
}
