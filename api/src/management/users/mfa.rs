//! A user's second factors through the Management API (Logto's
//! `ListUserMfaVerifications`, `CreateUserMfaVerification`, `DeleteUserMfaVerification`):
//! an operator lists them, binds an authenticator app (a generated secret, or `secret`)
//! or a set of backup codes (generated, or `codes`), and removes one. Each change is an
//! event on the user's stream (`app::mfa`); answers come after the `users` projector has
//! applied it.

use crate::state::AppState;
use crate::support::error::ApiError;
use crate::support::path_id::{Id, User};
use crate::support::request::RequestContext;
use crate::views::mfa;
use actix_web::{web, HttpResponse};
use app::mfa::BindTotp;
use app::transact::settle;
use app::AppError;
use projections::users;
use serde::Deserialize;
use serde_json::json;

pub fn configure(routes: &mut crate::guard::access::Routes) {
    let na = || web::to(crate::support::error::method_not_allowed);
    routes
        .resource(
            web::resource("/api/users/{userId}/mfa-verifications")
                .route(web::get().to(list))
                .route(web::post().to(create))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/users/{userId}/mfa-verifications/{verificationId}")
                .route(web::delete().to(delete))
                .default_service(na()),
        );
}

/// The user's read-model row once the projector has reached the log head (404 if none).
pub(crate) async fn settled_row(
    state: &AppState,
    id: &str,
) -> Result<projections::users::UserRow, ApiError> {
    settle(state, &[users::NAME], None).await?;
    users::get(&state.store.read_pool, id)
        .await?
        .ok_or_else(|| {
            AppError::NotExistsWithId {
                entity: "user",
                id: id.to_owned(),
            }
            .into()
        })
}

#[utoipa::path(
    get,
    path = "/api/users/{userId}/mfa-verifications",
    tag = "Users",
    operation_id = "ListUserMfaVerifications",
    params(("userId" = String, Path, description = "User id")),
    responses(
        (status = 200, description = "The user's second factors, in binding order", body = [crate::openapi::schemas::MfaVerification]),
        crate::openapi::responses::UserNotFound
    )
)]
pub(crate) async fn list(
    state: web::Data<AppState>,
    id: Id<User>,
) -> Result<HttpResponse, ApiError> {
    let row = settled_row(&state, &id).await?;
    Ok(HttpResponse::Ok().json(mfa::list(&row.mfa()?)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateBody {
    #[serde(rename = "type")]
    factor: String,
    #[serde(default)]
    secret: Option<String>,
    #[serde(default)]
    codes: Option<Vec<String>>,
}

/// The display name Logto puts in the otpauth URI (`getUserDisplayName`).
fn display_name(row: &projections::users::UserRow) -> String {
    [
        &row.username,
        &row.primary_email,
        &row.primary_phone,
        &row.name,
    ]
    .into_iter()
    .find_map(|v| v.clone())
    .unwrap_or_else(|| "Unnamed User".to_owned())
    // Cut so that the otpauth URI always fits a QR code.
    .chars()
    .take(64)
    .collect()
}

/// The host name of the public endpoint: the authenticator app's issuer label.
pub(crate) fn issuer(state: &AppState) -> String {
    url::Url::parse(&state.endpoint)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| "Tessera".to_owned())
}

#[utoipa::path(
    post,
    path = "/api/users/{userId}/mfa-verifications",
    tag = "Users",
    operation_id = "CreateUserMfaVerification",
    params(("userId" = String, Path, description = "User id")),
    request_body = crate::openapi::schemas::CreateMfaVerification,
    responses(
        (status = 200, description = "The factor bound: `{type: \"Totp\", secret, secretQrCode}` or `{type: \"BackupCode\", codes}` (the only time the codes are shown)", body = crate::openapi::schemas::CreatedMfaVerification),
        (status = 400, description = "Invalid body, or a `secret` that is not base32 of 16 to 32 characters (`user.totp_secret_invalid`)", body = crate::support::error::ErrorBody),
        crate::openapi::responses::UserNotFound,
        (status = 422, description = "`user.totp_already_in_use`, `user.backup_code_already_in_use`, `session.mfa.backup_code_can_not_be_alone`, `user.wrong_backup_code_format`", body = crate::support::error::ErrorBody)
    )
)]
pub(crate) async fn create(
    state: web::Data<AppState>,
    request: RequestContext,
    id: Id<User>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let bytes = crate::support::body::read_bounded(payload).await?;
    crate::support::body::refuse_nul(&bytes)?;
    let body: CreateBody = serde_json::from_slice(&bytes).map_err(ApiError::json_body)?;
    let row = settled_row(&state, &id).await?;
    match body.factor.as_str() {
        "Totp" => {
            let input = BindTotp {
                secret: body.secret,
                code: None,
                confirmed_step: None,
                issued_only: false,
                replace: false,
            };
            let bound = app::mfa::bind_totp(&state, &request, &id, input).await?;
            settle(&state, &[users::NAME], bound.at).await?;
            let qr = mfa::totp_qr_code(&issuer(&state), &display_name(&row), &bound.secret)
                .ok_or_else(|| ApiError::internal("the otpauth URI does not fit a QR code"))?;
            Ok(HttpResponse::Ok().json(json!({
                "type": "Totp",
                "secret": bound.secret,
                "secretQrCode": qr,
            })))
        }
        "BackupCode" => {
            let (codes, _, at) =
                app::mfa::add_backup_codes(&state, &request, &id, body.codes).await?;
            settle(&state, &[users::NAME], at).await?;
            Ok(HttpResponse::Ok().json(json!({"type": "BackupCode", "codes": codes})))
        }
        other => Err(ApiError::invalid_body(format!(
            "type: `{other}` is not one of Totp, BackupCode"
        ))),
    }
}

#[utoipa::path(
    delete,
    path = "/api/users/{userId}/mfa-verifications/{verificationId}",
    tag = "Users",
    operation_id = "DeleteUserMfaVerification",
    params(
        ("userId" = String, Path, description = "User id"),
        ("verificationId" = String, Path, description = "The factor's id")
    ),
    responses(
        (status = 204, description = "The factor is removed"),
        (status = 404, description = "No such user (`entity.not_exists_with_id`) or factor (`entity.not_found`)", body = crate::support::error::ErrorBody)
    )
)]
pub(crate) async fn delete(
    state: web::Data<AppState>,
    request: RequestContext,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (user_id, verification_id) = path.into_inner();
    let user_id = Id::<User>::parse(&user_id)?;
    let at = app::mfa::remove(&state, &request, &user_id, &verification_id).await?;
    settle(&state, &[users::NAME], at).await?;
    Ok(HttpResponse::NoContent().finish())
}
