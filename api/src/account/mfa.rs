//! The caller's own second factors (Logto's Account API, `/api/my-account/mfa-verifications`):
//! list them, generate a TOTP secret and bind it (or replace the bound one, `PUT …/totp`,
//! Logto 1.38), generate and bind backup codes, see how many are used, remove a factor.
//!
//! Gated as Logto gates them: the account center on; the `mfa` field readable to list,
//! `Edit` to change; the token's `identities` scope; a verification record
//! (`logto-verification-id`) for every change and for the backup codes; changes from a
//! first-party application only. Tessera differs in two deliberate ways, both so that no
//! secret rests where it need not: a TOTP binding takes only the secret the server last
//! generated for this user (held sealed in the log until bound; any other is 400
//! `user.totp_secret_invalid`), and backup codes are shown once, at generation — the log
//! keeps digests only, so `GET …/backup-codes` reports each code's use (`usedAt`) with
//! `code: null`.

use crate::account::caller::{as_user, require_first_party, require_verification};
use crate::guard::end_user_token::{authenticate, AccountCaller};
use crate::state::AppState;
use crate::support::error::ApiError;
use crate::support::request::RequestContext;
use crate::support::time::iso8601;
use crate::views::mfa;
use actix_web::{web, HttpRequest, HttpResponse};
use app::account_center::{editable, enabled, readable};
use app::mfa::BindTotp;
use app::transact::settle;
use app::AppError;
use projections::users;
use serde::Deserialize;
use serde_json::json;

/// Logto's `UserScope.Identities`: the token scope the MFA routes need.
const IDENTITIES_SCOPE: &str = "identities";

pub fn configure(routes: &mut crate::guard::access::Routes) {
    let na = || web::to(crate::support::error::method_not_allowed);
    routes
        .resource(
            web::resource("/api/my-account/mfa-verifications")
                .route(web::get().to(list))
                .route(web::post().to(add))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/my-account/mfa-verifications/totp")
                .route(web::put().to(replace_totp))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/my-account/mfa-verifications/totp-secret/generate")
                .route(web::post().to(generate_totp_secret))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/my-account/mfa-verifications/backup-codes/generate")
                .route(web::post().to(generate_backup_codes))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/my-account/mfa-verifications/backup-codes")
                .route(web::get().to(backup_codes))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/my-account/mfa-verifications/{verificationId}")
                .route(web::delete().to(remove))
                .default_service(na()),
        );
}

/// The gates of a change, in Logto's order: the account center on, a verification record,
/// the `mfa` field editable, the `identities` scope, a first-party application.
async fn change_gate(state: &AppState, req: &HttpRequest) -> Result<AccountCaller, ApiError> {
    let caller = authenticate(state, req).await?;
    let center = enabled(state).await?;
    require_verification(state, req, &caller)?;
    editable(&center, "mfa")?;
    caller.require_scope(IDENTITIES_SCOPE)?;
    require_first_party(state, &caller).await?;
    Ok(caller)
}

/// The caller's read-model row, once the projector has reached the log head.
async fn row_of(state: &AppState, caller: &AccountCaller) -> Result<users::UserRow, ApiError> {
    settle(state, &[users::NAME], None).await?;
    users::get(&state.store.read_pool, &caller.user_id)
        .await?
        .ok_or_else(|| {
            AppError::Unauthorized {
                code: "auth.unauthorized",
                message: "The user no longer exists.".into(),
            }
            .into()
        })
}

#[utoipa::path(
    get,
    path = "/api/my-account/mfa-verifications",
    tag = "Account",
    operation_id = "GetMfaVerifications",
    security(("accountApi" = [])),
    responses(
        (status = 200, description = "The caller's second factors", body = [crate::openapi::schemas::MfaVerification]),
        (status = 400, description = "The account center or its `mfa` field is off (`account_center.*`)", body = crate::support::error::ErrorBody),
        crate::openapi::responses::AccountUnauthorized
    )
)]
pub(crate) async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let caller = authenticate(&state, &req).await?;
    let center = enabled(&state).await?;
    readable(&center, "mfa")?;
    caller.require_scope(IDENTITIES_SCOPE)?;
    let row = row_of(&state, &caller).await?;
    Ok(HttpResponse::Ok().json(mfa::list(&row.mfa()?)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AddBody {
    #[serde(rename = "type")]
    factor: String,
    #[serde(default)]
    secret: Option<String>,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    codes: Option<Vec<String>>,
}

fn parse<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    crate::support::body::refuse_nul(bytes)?;
    serde_json::from_slice(bytes).map_err(ApiError::json_body)
}

#[utoipa::path(
    post,
    path = "/api/my-account/mfa-verifications",
    tag = "Account",
    operation_id = "AddMfaVerification",
    request_body = crate::openapi::schemas::AddMfaVerification,
    security(("accountApi" = [])),
    responses(
        (status = 204, description = "The factor is bound"),
        (status = 400, description = "Invalid body; a secret not generated for the caller (`user.totp_secret_invalid`); a wrong code (`session.mfa.invalid_totp_code`); WebAuthn (`session.mfa.mfa_factor_not_enabled`); the account center or its `mfa` field (`account_center.*`)", body = crate::support::error::ErrorBody),
        crate::openapi::responses::AccountUnauthorized,
        crate::openapi::responses::AccountForbidden,
        (status = 422, description = "`user.totp_already_in_use`, `user.backup_code_already_in_use`, `session.mfa.backup_code_can_not_be_alone`, `user.wrong_backup_code_format`", body = crate::support::error::ErrorBody)
    )
)]
pub(crate) async fn add(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let caller = change_gate(&state, &req).await?;
    let body: AddBody = parse(&body)?;
    let request = as_user(request, &caller.user_id);
    let at = match body.factor.as_str() {
        "Totp" => {
            let secret = body
                .secret
                .ok_or_else(|| ApiError::invalid_body("secret: required"))?;
            let input = BindTotp {
                secret: Some(secret),
                code: body.code,
                confirmed_step: None,
                issued_only: true,
                replace: false,
            };
            app::mfa::bind_totp(&state, &request, &caller.user_id, input)
                .await?
                .at
        }
        "BackupCode" => {
            let codes = body
                .codes
                .ok_or_else(|| ApiError::invalid_body("codes: required"))?;
            app::mfa::add_backup_codes(&state, &request, &caller.user_id, Some(codes))
                .await?
                .2
        }
        "WebAuthn" => return Err(factor_not_enabled()),
        other => {
            return Err(ApiError::invalid_body(format!(
                "type: `{other}` is not one of Totp, BackupCode, WebAuthn"
            )))
        }
    };
    settle(&state, &[users::NAME], at).await?;
    Ok(HttpResponse::NoContent().finish())
}

fn factor_not_enabled() -> ApiError {
    AppError::BadRequest {
        code: "session.mfa.mfa_factor_not_enabled",
        message: "This MFA factor is not enabled.".into(),
    }
    .into()
}

#[derive(Deserialize)]
struct ReplaceBody {
    secret: String,
    code: String,
}

#[utoipa::path(
    put,
    path = "/api/my-account/mfa-verifications/totp",
    tag = "Account",
    operation_id = "CreateOrReplaceTotpMfaVerification",
    request_body = crate::openapi::schemas::ReplaceTotp,
    security(("accountApi" = [])),
    responses(
        (status = 204, description = "The authenticator app is bound, replacing the one bound before"),
        (status = 400, description = "A secret not generated for the caller (`user.totp_secret_invalid`) or a wrong code (`session.mfa.invalid_totp_code`)", body = crate::support::error::ErrorBody),
        crate::openapi::responses::AccountUnauthorized,
        crate::openapi::responses::AccountForbidden
    )
)]
pub(crate) async fn replace_totp(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let caller = change_gate(&state, &req).await?;
    let body: ReplaceBody = parse(&body)?;
    let request = as_user(request, &caller.user_id);
    let input = BindTotp {
        secret: Some(body.secret),
        code: Some(body.code),
        confirmed_step: None,
        issued_only: true,
        replace: true,
    };
    let bound = app::mfa::bind_totp(&state, &request, &caller.user_id, input).await?;
    settle(&state, &[users::NAME], bound.at).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The gates of the generators: the account center on, `mfa` editable, the `identities`
/// scope, a first-party application (no verification record, as in Logto).
async fn generate_gate(state: &AppState, req: &HttpRequest) -> Result<AccountCaller, ApiError> {
    let caller = authenticate(state, req).await?;
    let center = enabled(state).await?;
    editable(&center, "mfa")?;
    caller.require_scope(IDENTITIES_SCOPE)?;
    require_first_party(state, &caller).await?;
    Ok(caller)
}

#[utoipa::path(
    post,
    path = "/api/my-account/mfa-verifications/totp-secret/generate",
    tag = "Account",
    operation_id = "GenerateTotpSecret",
    security(("accountApi" = [])),
    responses(
        (status = 200, description = "`{secret}`: a new secret to add to an authenticator app and bind; it replaces any secret generated earlier and not yet bound", body = crate::openapi::schemas::TotpSecret),
        (status = 400, description = "The account center or its `mfa` field (`account_center.*`)", body = crate::support::error::ErrorBody),
        crate::openapi::responses::AccountUnauthorized,
        crate::openapi::responses::AccountForbidden
    )
)]
pub(crate) async fn generate_totp_secret(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
) -> Result<HttpResponse, ApiError> {
    let caller = generate_gate(&state, &req).await?;
    let request = as_user(request, &caller.user_id);
    let (secret, _) = app::mfa::generate_totp_secret(&state, &request, &caller.user_id).await?;
    Ok(HttpResponse::Ok().json(json!({ "secret": secret })))
}

#[utoipa::path(
    post,
    path = "/api/my-account/mfa-verifications/backup-codes/generate",
    tag = "Account",
    operation_id = "GenerateMyAccountBackupCodes",
    security(("accountApi" = [])),
    responses(
        (status = 200, description = "`{codes}`: ten new codes to bind with `POST /api/my-account/mfa-verifications`; nothing is stored until then", body = crate::openapi::schemas::BackupCodes),
        (status = 400, description = "The account center or its `mfa` field (`account_center.*`)", body = crate::support::error::ErrorBody),
        crate::openapi::responses::AccountUnauthorized,
        crate::openapi::responses::AccountForbidden
    )
)]
pub(crate) async fn generate_backup_codes(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    generate_gate(&state, &req).await?;
    Ok(HttpResponse::Ok().json(json!({ "codes": app::mfa::new_backup_codes(&state) })))
}

#[utoipa::path(
    get,
    path = "/api/my-account/mfa-verifications/backup-codes",
    tag = "Account",
    operation_id = "GetBackupCodes",
    security(("accountApi" = [])),
    responses(
        (status = 200, description = "`{codes: [{code: null, usedAt}]}`: each code of the current set and when it was used (codes are shown once, at generation)", body = crate::openapi::schemas::BackupCodeUsage),
        crate::openapi::responses::AccountUnauthorized,
        (status = 404, description = "No backup codes (`verification_record.not_found`)", body = crate::support::error::ErrorBody)
    )
)]
pub(crate) async fn backup_codes(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let caller = authenticate(&state, &req).await?;
    enabled(&state).await?;
    require_verification(&state, &req, &caller)?;
    caller.require_scope(IDENTITIES_SCOPE)?;
    let row = row_of(&state, &caller).await?;
    let set = row
        .mfa()?
        .into_iter()
        .find(|m| m.codes_used_at.is_some())
        .and_then(|m| m.codes_used_at)
        .ok_or_else(|| AppError::NotFound {
            code: "verification_record.not_found",
            message: "The account has no backup codes.".into(),
        })?;
    let codes: Vec<_> = set
        .iter()
        .map(|used| json!({"code": null, "usedAt": used.map(iso8601)}))
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "codes": codes })))
}

#[utoipa::path(
    delete,
    path = "/api/my-account/mfa-verifications/{verificationId}",
    tag = "Account",
    operation_id = "DeleteMfaVerification",
    params(("verificationId" = String, Path, description = "The factor's id")),
    security(("accountApi" = [])),
    responses(
        (status = 204, description = "The factor is removed"),
        (status = 400, description = "No such factor (`verification_record.not_found`), or the account center or its `mfa` field (`account_center.*`)", body = crate::support::error::ErrorBody),
        crate::openapi::responses::AccountUnauthorized,
        crate::openapi::responses::AccountForbidden
    )
)]
pub(crate) async fn remove(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let caller = change_gate(&state, &req).await?;
    let request = as_user(request, &caller.user_id);
    let at = match app::mfa::remove(&state, &request, &caller.user_id, &path.into_inner()).await {
        Err(AppError::NotFound { .. }) => {
            return Err(AppError::BadRequest {
                code: "verification_record.not_found",
                message: "The account has no MFA verification with this id.".into(),
            }
            .into())
        }
        other => other?,
    };
    settle(&state, &[users::NAME], at).await?;
    Ok(HttpResponse::NoContent().finish())
}
