//! The Experience API's second factors (docs/logto/experience-api.md#mfa): verify the
//! identified user's authenticator app or a backup code, bind a new app or new backup
//! codes, decline the binding prompt, and the gate `submit` passes (`gate`).
//!
//! Verifying a bound factor is `app::mfa` (`MfaTotpUsed`, `MfaBackupCodeUsed`, or
//! `MfaVerificationFailed` with the sentinel's count). A new secret or new codes wait in
//! the sealed interaction cookie until `POST …/profile/mfa` binds them (`MfaTotpBound`
//! with the confirming code's step spent, `MfaBackupCodesGenerated`). Declining
//! (`…/mfa-skipped`) records `mfa.skipped` on the user at once (`UserLogtoConfigUpdated`).

use super::{experience, interaction, parse, refuse, with_cookie, Answer, ExperienceError};
use crate::signin::interaction::{Experience, Verification};
use crate::state::AppState;
use crate::support::request::RequestContext;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use domain::mfa_policy::{MfaEvent, MfaStep};
use domain::user::mfa::{check_totp, MfaFactor};
use serde::Deserialize;
use serde_json::json;

/// The identified user and whether the interaction signs in or registers; 400 for
/// `ForgotPassword`, 404 before identification (Logto's answers).
fn identified(e: &Experience) -> Result<(String, MfaEvent), ExperienceError> {
    let event = match e.event.as_str() {
        "SignIn" => MfaEvent::SignIn,
        "Register" => MfaEvent::Register,
        _ => {
            return Err(refuse(
                StatusCode::BAD_REQUEST,
                "session.not_supported_for_forgot_password",
                "MFA is only part of signing in and registering.",
            ))
        }
    };
    let user_id = e.identified.clone().ok_or_else(|| {
        refuse(
            StatusCode::NOT_FOUND,
            "session.identifier_not_found",
            "No user has been identified yet.",
        )
    })?;
    Ok((user_id, event))
}

fn factor_names(factors: &[MfaFactor]) -> Vec<&'static str> {
    factors.iter().map(|f| f.as_str()).collect()
}

/// The refusal for an MFA step still to take (Logto's codes and `data`).
pub(crate) fn refusal(step: MfaStep) -> ExperienceError {
    match step {
        MfaStep::Verify(factors) => refuse(
            StatusCode::FORBIDDEN,
            "session.mfa.require_mfa_verification",
            "Verify a second factor first.",
        )
        .with_data(json!({ "availableFactors": factor_names(&factors) })),
        MfaStep::Bind {
            available,
            skippable,
        } => {
            let mut data = json!({ "availableFactors": factor_names(&available) });
            if skippable {
                data["skippable"] = json!(true);
            }
            refuse(
                StatusCode::UNPROCESSABLE_ENTITY,
                "user.missing_mfa",
                "Set up a second factor first.",
            )
            .with_data(data)
        }
        MfaStep::BackupCodes => refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "session.mfa.backup_code_required",
            "Generate and bind backup codes first.",
        ),
    }
}

/// What `submit` requires: no MFA step left for the identified user.
pub(super) async fn gate(state: &AppState, e: &Experience) -> Result<(), ExperienceError> {
    let (user_id, event) = identified(e)?;
    match app::mfa::next_step(state, &user_id, event, &e.mfa).await? {
        Some(step) => Err(refusal(step)),
        None => Ok(()),
    }
}

/// Changing a user's factors needs their existing ones verified first (403, as Logto).
async fn require_verified(
    state: &AppState,
    e: &Experience,
    user_id: &str,
) -> Result<(), ExperienceError> {
    if e.mfa.verified || !e.mfa.bound.is_empty() {
        return Ok(());
    }
    let user = app::mfa::user_mfa_state(state, user_id).await?;
    let enabled = app::mfa::enabled_factors(state).await?;
    let usable: Vec<MfaFactor> = user
        .bound
        .into_iter()
        .filter(|f| enabled.contains(f))
        .collect();
    if usable.is_empty() {
        return Ok(());
    }
    Err(refusal(MfaStep::Verify(usable)))
}

async fn require_enabled(state: &AppState, factor: MfaFactor) -> Result<(), ExperienceError> {
    if app::mfa::enabled_factors(state).await?.contains(&factor) {
        return Ok(());
    }
    Err(refuse(
        StatusCode::BAD_REQUEST,
        "session.mfa.mfa_factor_not_enabled",
        format!(
            "{} is not enabled in the sign-in experience.",
            factor.as_str()
        ),
    ))
}

fn new_id(state: &AppState) -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
    use base64::Engine;
    B64URL.encode(state.random.bytes::<16>())
}

fn user_request(request: &RequestContext, user_id: &str) -> app::RequestContext {
    request.0.acting_as(domain::Actor::User(user_id.to_owned()))
}

#[utoipa::path(
    post,
    path = "/api/experience/verification/totp/secret",
    params(crate::signin::interactions::AppIdQuery),
    tag = "Experience",
    operation_id = "CreateTotpSecret",
    responses(
        (status = 200, description = "A new secret to bind: `{secret, verificationId, secretQrCode}` (the QR code an SVG data URL)", body = crate::openapi::oidc_schemas::TotpSecret),
        crate::openapi::responses::NoInteraction,
        (status = 404, description = "No user identified yet (`session.identifier_not_found`)", body = crate::support::error::ErrorBody)
    )
)]
pub(super) async fn totp_secret(state: web::Data<AppState>, req: HttpRequest) -> Answer {
    let mut i = interaction(&state, &req)?;
    let e = experience(&mut i)?;
    let (user_id, _) = identified(e)?;
    let secret = app::mfa::new_totp_secret(&state);
    let name = app::mfa::display_name(&state, &user_id).await?;
    let qr = crate::views::mfa::totp_qr_code(
        &crate::views::mfa::issuer(&state.endpoint),
        &name,
        &secret,
    )
    .ok_or_else(|| super::internal("the otpauth URI does not fit a QR code"))?;
    let id = new_id(&state);
    e.verifications.retain(|v| {
        !matches!(
            v,
            Verification::Totp {
                secret: Some(_),
                ..
            }
        )
    });
    e.verifications.push(Verification::Totp {
        id: id.clone(),
        user_id,
        secret: Some(secret.clone()),
        step: None,
        verified: false,
    });
    let body = json!({"secret": secret, "verificationId": id, "secretQrCode": qr});
    with_cookie(&state, &i, HttpResponse::Ok(), Some(body))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TotpVerifyBody {
    code: String,
    #[serde(default)]
    verification_id: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/experience/verification/totp/verify",
    params(crate::signin::interactions::AppIdQuery),
    tag = "Experience",
    operation_id = "VerifyTotpVerification",
    request_body = crate::openapi::oidc_schemas::TotpVerify,
    responses(
        (status = 200, description = "Verified", body = crate::openapi::oidc_schemas::VerificationId),
        (status = 400, description = "Wrong or replayed code (`session.mfa.invalid_totp_code`), or the factor is locked (`session.verification_blocked_too_many_attempts`)", body = crate::support::error::ErrorBody),
        (status = 404, description = "No user identified (`session.identifier_not_found`), or no such new secret (`session.verification_session_not_found`)", body = crate::support::error::ErrorBody)
    )
)]
pub(super) async fn totp_verify(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    raw: web::Bytes,
) -> Answer {
    let body: TotpVerifyBody = parse(&raw)?;
    let mut i = interaction(&state, &req)?;
    let e = experience(&mut i)?;
    let (user_id, _) = identified(e)?;
    if let Some(wanted) = body.verification_id {
        // A new secret: the code is checked here and its step spent when it is bound.
        let now = state.clock.now();
        let record = e.verifications.iter_mut().find(|v| v.id() == wanted);
        let Some(Verification::Totp {
            secret: Some(secret),
            step,
            verified,
            ..
        }) = record
        else {
            return Err(refuse(
                StatusCode::NOT_FOUND,
                "session.verification_session_not_found",
                "Verification record not found.",
            ));
        };
        let checked = check_totp(secret, &body.code, now, None).map_err(|_| {
            refuse(
                StatusCode::BAD_REQUEST,
                "session.mfa.invalid_totp_code",
                "The code is not correct.",
            )
        })?;
        *step = Some(checked);
        *verified = true;
        let answer = json!({ "verificationId": wanted });
        return with_cookie(&state, &i, HttpResponse::Ok(), Some(answer));
    }
    let as_user = user_request(&request, &user_id);
    app::mfa::verify_totp(&state, &as_user, &user_id, &body.code).await?;
    let id = new_id(&state);
    e.verifications.push(Verification::Totp {
        id: id.clone(),
        user_id,
        secret: None,
        step: None,
        verified: true,
    });
    e.mfa.verified = true;
    with_cookie(
        &state,
        &i,
        HttpResponse::Ok(),
        Some(json!({ "verificationId": id })),
    )
}

#[utoipa::path(
    post,
    path = "/api/experience/verification/backup-code/generate",
    params(crate::signin::interactions::AppIdQuery),
    tag = "Experience",
    operation_id = "GenerateBackupCodes",
    responses(
        (status = 200, description = "Ten new codes to bind (shown this once): `{codes, verificationId}`", body = crate::openapi::oidc_schemas::BackupCodes),
        (status = 400, description = "Backup codes are not enabled (`session.mfa.mfa_factor_not_enabled`)", body = crate::support::error::ErrorBody),
        (status = 404, description = "No user identified yet (`session.identifier_not_found`)", body = crate::support::error::ErrorBody)
    )
)]
pub(super) async fn backup_code_generate(state: web::Data<AppState>, req: HttpRequest) -> Answer {
    let mut i = interaction(&state, &req)?;
    let e = experience(&mut i)?;
    let (user_id, _) = identified(e)?;
    require_enabled(&state, MfaFactor::BackupCode).await?;
    let codes = app::mfa::new_backup_codes(&state);
    let id = new_id(&state);
    e.verifications
        .retain(|v| !matches!(v, Verification::BackupCode { codes: Some(_), .. }));
    e.verifications.push(Verification::BackupCode {
        id: id.clone(),
        user_id,
        codes: Some(codes.clone()),
        verified: true,
    });
    let body = json!({"codes": codes, "verificationId": id});
    with_cookie(&state, &i, HttpResponse::Ok(), Some(body))
}

#[derive(Deserialize)]
pub struct CodeBody {
    code: String,
}

#[utoipa::path(
    post,
    path = "/api/experience/verification/backup-code/verify",
    params(crate::signin::interactions::AppIdQuery),
    tag = "Experience",
    operation_id = "VerifyBackupCode",
    request_body = crate::openapi::oidc_schemas::BackupCodeVerify,
    responses(
        (status = 200, description = "Verified (the code is spent)", body = crate::openapi::oidc_schemas::VerificationId),
        (status = 400, description = "Wrong or used code (`session.mfa.invalid_backup_code`), or the factor is locked (`session.verification_blocked_too_many_attempts`)", body = crate::support::error::ErrorBody),
        (status = 404, description = "No user identified yet (`session.identifier_not_found`)", body = crate::support::error::ErrorBody)
    )
)]
pub(super) async fn backup_code_verify(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    raw: web::Bytes,
) -> Answer {
    let body: CodeBody = parse(&raw)?;
    let mut i = interaction(&state, &req)?;
    let e = experience(&mut i)?;
    let (user_id, _) = identified(e)?;
    let as_user = user_request(&request, &user_id);
    app::mfa::use_backup_code(&state, &as_user, &user_id, &body.code).await?;
    let id = new_id(&state);
    e.verifications.push(Verification::BackupCode {
        id: id.clone(),
        user_id,
        codes: None,
        verified: true,
    });
    e.mfa.verified = true;
    with_cookie(
        &state,
        &i,
        HttpResponse::Ok(),
        Some(json!({ "verificationId": id })),
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BindBody {
    #[serde(rename = "type")]
    factor: String,
    verification_id: String,
}

#[utoipa::path(
    post,
    path = "/api/experience/profile/mfa",
    params(crate::signin::interactions::AppIdQuery),
    tag = "Experience",
    operation_id = "BindMfaVerification",
    request_body = crate::openapi::oidc_schemas::BindMfa,
    responses(
        (status = 204, description = "Bound to the user (`MfaTotpBound` or `MfaBackupCodesGenerated`)"),
        (status = 400, description = "The record is not verified (`session.verification_failed`), or the factor is not enabled (`session.mfa.mfa_factor_not_enabled`)", body = crate::support::error::ErrorBody),
        (status = 403, description = "The user's existing factor must be verified first (`session.mfa.require_mfa_verification`)", body = crate::support::error::ErrorBody),
        (status = 404, description = "No user identified (`session.identifier_not_found`), or no such record (`session.verification_session_not_found`)", body = crate::support::error::ErrorBody),
        (status = 422, description = "`user.totp_already_in_use`, `session.mfa.backup_code_can_not_be_alone`, `user.backup_code_already_in_use`", body = crate::support::error::ErrorBody)
    )
)]
pub(super) async fn bind(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    raw: web::Bytes,
) -> Answer {
    let body: BindBody = parse(&raw)?;
    let mut i = interaction(&state, &req)?;
    let e = experience(&mut i)?;
    let (user_id, _) = identified(e)?;
    require_verified(&state, e, &user_id).await?;
    let factor = match body.factor.as_str() {
        "Totp" => MfaFactor::Totp,
        "BackupCode" => MfaFactor::BackupCode,
        _ => {
            return Err(refuse(
                StatusCode::BAD_REQUEST,
                "session.mfa.mfa_factor_not_enabled",
                "Only Totp and BackupCode can be bound.",
            ))
        }
    };
    require_enabled(&state, factor).await?;
    let not_found = || {
        refuse(
            StatusCode::NOT_FOUND,
            "session.verification_session_not_found",
            "Verification record not found.",
        )
    };
    let position = e
        .verifications
        .iter()
        .position(|v| v.id() == body.verification_id)
        .ok_or_else(not_found)?;
    let as_user = user_request(&request, &user_id);
    match (factor, e.verifications[position].clone()) {
        (
            MfaFactor::Totp,
            Verification::Totp {
                secret: Some(secret),
                step,
                verified,
                ..
            },
        ) => {
            let Some(step) = step.filter(|_| verified) else {
                return Err(not_verified());
            };
            let input = app::mfa::BindTotp {
                secret: Some(secret),
                code: None,
                confirmed_step: Some(step),
                issued_only: false,
                replace: false,
            };
            app::mfa::bind_totp(&state, &as_user, &user_id, input).await?;
        }
        (
            MfaFactor::BackupCode,
            Verification::BackupCode {
                codes: Some(codes), ..
            },
        ) => {
            app::mfa::add_backup_codes(&state, &as_user, &user_id, Some(codes)).await?;
        }
        _ => return Err(not_verified()),
    }
    // Bound: the secret or the codes leave the cookie.
    e.verifications.remove(position);
    e.mfa.bound.push(factor);
    with_cookie(&state, &i, HttpResponse::NoContent(), None)
}

fn not_verified() -> ExperienceError {
    refuse(
        StatusCode::BAD_REQUEST,
        "session.verification_failed",
        "Verify the new factor's code first.",
    )
}

#[utoipa::path(
    post,
    path = "/api/experience/profile/mfa/mfa-skipped",
    params(crate::signin::interactions::AppIdQuery),
    tag = "Experience",
    operation_id = "SkipMfaBindingFlow",
    responses(
        (status = 204, description = "Skipped; recorded on the user (`mfa.skipped`), who is not asked again under a prompt policy"),
        (status = 400, description = "Not a sign-in or registration (`session.not_supported_for_forgot_password`)", body = crate::support::error::ErrorBody),
        (status = 403, description = "The user has a factor: verify it instead (`session.mfa.require_mfa_verification`)", body = crate::support::error::ErrorBody),
        (status = 404, description = "No user identified yet (`session.identifier_not_found`)", body = crate::support::error::ErrorBody),
        (status = 422, description = "The policy does not let users skip (`session.mfa.mfa_policy_not_user_controlled`)", body = crate::support::error::ErrorBody)
    )
)]
pub(super) async fn skip(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
) -> Answer {
    let mut i = interaction(&state, &req)?;
    let e = experience(&mut i)?;
    let (user_id, _) = identified(e)?;
    require_verified(&state, e, &user_id).await?;
    skip_binding(&state, &request, &user_id).await?;
    e.mfa.skipped = true;
    with_cookie(&state, &i, HttpResponse::NoContent(), None)
}

/// Declines binding under a skippable policy: `mfa.skipped` on the user.
pub(crate) async fn skip_binding(
    state: &AppState,
    request: &RequestContext,
    user_id: &str,
) -> Result<(), ExperienceError> {
    if !app::mfa::skippable(state).await? {
        return Err(not_skippable());
    }
    let changes = domain::user::LogtoConfigChanges {
        mfa_skipped: Some(true),
        ..Default::default()
    };
    let as_user = user_request(request, user_id);
    app::mfa::update_logto_config(state, &as_user, user_id, changes).await?;
    Ok(())
}

fn not_skippable() -> ExperienceError {
    refuse(
        StatusCode::UNPROCESSABLE_ENTITY,
        "session.mfa.mfa_policy_not_user_controlled",
        "The MFA policy requires a second factor.",
    )
}

#[utoipa::path(
    post,
    path = "/api/experience/profile/mfa/mfa-suggestion-skipped",
    params(crate::signin::interactions::AppIdQuery),
    tag = "Experience",
    operation_id = "SkipMfaSuggestion",
    responses(
        (status = 204, description = "The optional suggestion is skipped for this interaction (nothing is stored on the user)"),
        (status = 400, description = "Not a sign-in or registration (`session.not_supported_for_forgot_password`)", body = crate::support::error::ErrorBody),
        (status = 403, description = "The user has a factor: verify it first (`session.mfa.require_mfa_verification`)", body = crate::support::error::ErrorBody),
        (status = 404, description = "No user identified yet (`session.identifier_not_found`)", body = crate::support::error::ErrorBody),
        (status = 422, description = "The policy does not let users skip (`session.mfa.mfa_policy_not_user_controlled`)", body = crate::support::error::ErrorBody)
    )
)]
pub(super) async fn skip_suggestion(state: web::Data<AppState>, req: HttpRequest) -> Answer {
    let mut i = interaction(&state, &req)?;
    let e = experience(&mut i)?;
    let (user_id, _) = identified(e)?;
    require_verified(&state, e, &user_id).await?;
    if !app::mfa::skippable(&state).await? {
        return Err(not_skippable());
    }
    e.mfa.suggestion_skipped = true;
    with_cookie(&state, &i, HttpResponse::NoContent(), None)
}
