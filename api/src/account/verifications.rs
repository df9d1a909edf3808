//! `POST /api/verifications/password {password}` (Logto's CreateVerificationByPassword):
//! the Account API caller re-enters their password and gets a verification record for
//! the sensitive Account API routes (see `caller.rs` for why records are sealed
//! tokens). 201 `{verificationRecordId, expiresAt}` (ISO 8601); a wrong password is 422.
//!
//! `POST /api/verifications/verification-code {identifier}` sends a one-time code to an
//! email address or phone number and answers a record naming the code; `…/verify` checks
//! the code and answers a record proving the address is the caller's to use (for
//! `POST /api/my-account/primary-email` and `primary-phone`). The codes go through the
//! same service as the sign-in pages (`app::verification_codes`): same policy, same lockout.

use crate::account::caller::{as_user, issue_verification, open_verification, Purpose};
use crate::guard::end_user_token::authenticate;
use crate::state::AppState;
use crate::support::body::users::parse_password;
use crate::support::error::ApiError;
use crate::support::request::RequestContext;
use actix_web::{web, HttpRequest, HttpResponse};
use app::commands::users::update::verify_user_password;
use app::delivery::TemplateUsage;
use app::AppError;
use domain::identifier::Identifier;
use serde::Deserialize;
use serde_json::json;

pub fn configure(routes: &mut crate::guard::access::Routes) {
    let na = || web::to(crate::support::error::method_not_allowed);
    routes
        .resource(
            web::resource("/api/verifications/password")
                .route(web::post().to(password))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/verifications/verification-code")
                .route(web::post().to(send_code))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/verifications/verification-code/verify")
                .route(web::post().to(verify_code))
                .default_service(na()),
        );
}

#[derive(Deserialize)]
struct IdentifierBody {
    #[serde(rename = "type")]
    kind: String,
    value: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SendCodeBody {
    identifier: IdentifierBody,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct VerifyCodeBody {
    identifier: IdentifierBody,
    verification_id: String,
    code: String,
}

/// An email address or phone number, or 400 naming the field.
fn address(body: &IdentifierBody) -> Result<Identifier, ApiError> {
    let parsed = match body.kind.as_str() {
        "email" => Identifier::email(body.value.trim()),
        "phone" => Identifier::phone(body.value.trim()),
        _ => {
            return Err(ApiError::invalid_body(
                "identifier.type: `email` or `phone`",
            ))
        }
    };
    parsed.map_err(|e| ApiError::invalid_body(format!("identifier.value: {e}")))
}

fn json_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    crate::support::body::refuse_nul(body)?;
    serde_json::from_slice(body).map_err(ApiError::json_body)
}

#[utoipa::path(
    post,
    path = "/api/verifications/verification-code",
    tag = "Account",
    operation_id = "CreateVerificationByVerificationCode",
    request_body = crate::openapi::oidc_schemas::AccountSendVerificationCode,
    security(("accountApi" = [])),
    responses(
        (status = 201, description = "A code was sent; the record names it", body = crate::openapi::schemas::VerificationRecord),
        (status = 400, description = "Invalid body (`guard.invalid_input`, `details` names the field), or the address is locked (`session.verification_blocked_too_many_attempts`)", body = crate::support::error::ErrorBody),
        crate::openapi::responses::AccountUnauthorized,
        (status = 429, description = "Too many codes went to this address lately (`verification_code.too_many_requests`; `Retry-After` says when another may go): nothing is sent", body = crate::support::error::ErrorBody),
        (status = 501, description = "No connector of the address's kind is configured (`connector.not_found`)", body = crate::support::error::ErrorBody),
        (status = 502, description = "The connector failed to send (`connector.general`)", body = crate::support::error::ErrorBody)
    )
)]
async fn send_code(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let caller = authenticate(&state, &req).await?;
    app::account_center::enabled(&state).await?;
    let body: SendCodeBody = json_body(&body)?;
    let identifier = address(&body.identifier)?;
    let request = as_user(request, &caller.user_id);
    // A new address gets the BindNewIdentifier template, the caller's own the generic one.
    let usage = match user_holding(&state, &identifier).await? {
        Some(holder) if holder == caller.user_id => TemplateUsage::Generic,
        _ => TemplateUsage::BindNewIdentifier,
    };
    let sent = app::verification_codes::send(&state, &request, &identifier, usage, None).await?;
    let purpose = Purpose::CodeSent {
        verification_id: sent.verification_id,
        kind: identifier.kind(),
        value: identifier.normalized().to_owned(),
    };
    let (id, expires_at) = issue_verification(&state, &caller.user_id, purpose)?;
    Ok(HttpResponse::Created().json(json!({
        "verificationRecordId": id,
        "expiresAt": iso8601(expires_at),
    })))
}

#[utoipa::path(
    post,
    path = "/api/verifications/verification-code/verify",
    tag = "Account",
    operation_id = "VerifyVerificationByVerificationCode",
    request_body = crate::openapi::oidc_schemas::VerifyVerificationCode,
    security(("accountApi" = [])),
    responses(
        (status = 200, description = "Verified: the record proves the address", body = crate::openapi::schemas::VerificationRecord),
        (status = 400, description = "Invalid body, a record that names no code sent to this address (`verification_record.not_found`), a wrong, expired or spent code (`verification_code.*`), or the address is locked", body = crate::support::error::ErrorBody),
        crate::openapi::responses::AccountUnauthorized
    )
)]
async fn verify_code(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let caller = authenticate(&state, &req).await?;
    app::account_center::enabled(&state).await?;
    let body: VerifyCodeBody = json_body(&body)?;
    let identifier = address(&body.identifier)?;
    let sent = open_verification(&state, &caller.user_id, &body.verification_id);
    let Some(Purpose::CodeSent {
        verification_id,
        kind,
        value,
    }) = sent
    else {
        return Err(not_a_code_record());
    };
    if kind != identifier.kind() || value != identifier.normalized() {
        return Err(not_a_code_record());
    }
    let request = as_user(request, &caller.user_id);
    app::verification_codes::verify(
        &state,
        &request,
        &verification_id,
        &identifier,
        &body.code,
        Some(&caller.user_id),
    )
    .await?;
    let purpose = Purpose::IdentifierVerified { kind, value };
    let (id, expires_at) = issue_verification(&state, &caller.user_id, purpose)?;
    Ok(HttpResponse::Ok().json(json!({
        "verificationRecordId": id,
        "expiresAt": iso8601(expires_at),
    })))
}

fn not_a_code_record() -> ApiError {
    AppError::BadRequest {
        code: "verification_record.not_found",
        message: "The verification record names no code sent to this address. Send a code first."
            .into(),
    }
    .into()
}

/// Who holds `identifier` now, if anyone.
pub(crate) async fn user_holding(
    state: &AppState,
    identifier: &Identifier,
) -> Result<Option<String>, ApiError> {
    let claim = state
        .store
        .repository()
        .load::<domain::identifier::IdentifierClaim>(&state.store.identifier_stream_id(identifier))
        .await
        .map_err(AppError::from)?;
    Ok(claim.aggregate.holder().map(str::to_owned))
}

#[utoipa::path(
    post,
    path = "/api/verifications/password",
    tag = "Account",
    operation_id = "CreateVerificationByPassword",
    request_body = crate::openapi::schemas::UserPassword,
    security(("accountApi" = [])),
    responses(
        (status = 201, description = "A verification record", body = crate::openapi::schemas::VerificationRecord),
        (status = 400, description = "Invalid body or query (`guard.invalid_input`, `details` names the field), or too many failed attempts (`session.verification_blocked_too_many_attempts`, with `Retry-After`)", body = crate::support::error::ErrorBody),
        crate::openapi::responses::AccountUnauthorized,
        (status = 422, description = "Wrong password (`session.invalid_credentials`)", body = crate::support::error::ErrorBody),
        crate::openapi::responses::HashingBusy
    )
)]
async fn password(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let caller = authenticate(&state, &req).await?;
    app::account_center::enabled(&state).await?;
    let password = parse_password(&body)?;
    let request = as_user(request, &caller.user_id);
    verify_user_password(&state, &request, &caller.user_id, password).await?;
    let (id, expires_at) = issue_verification(&state, &caller.user_id, Purpose::Password)?;
    Ok(HttpResponse::Created().json(json!({
        "verificationRecordId": id,
        "expiresAt": iso8601(expires_at),
    })))
}

pub(crate) use crate::support::time::iso8601;

#[cfg(test)]
mod tests {
    #[test]
    fn iso8601_formats_utc() {
        assert_eq!(super::iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(super::iso8601(951_782_400_123), "2000-02-29T00:00:00.123Z");
        assert_eq!(
            super::iso8601(1_795_000_000_000),
            "2026-11-18T11:06:40.000Z"
        );
    }
}
