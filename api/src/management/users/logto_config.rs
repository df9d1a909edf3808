//! A user's Logto config through the Management API (Logto's `GET`/`PATCH
//! /api/users/{userId}/logto-configs`): the MFA choices the sign-in reads (`mfa.skipped`,
//! `mfa.skipMfaOnSignIn`, `mfa.enabled`) and the passkey prompt's. A change is
//! `UserLogtoConfigUpdated` on the user's stream (docs/mfa.md#skip-choices).

use crate::state::AppState;
use crate::support::error::ApiError;
use crate::support::path_id::{Id, User};
use crate::support::request::RequestContext;
use crate::views::logto_config::{render, LogtoConfigPatch};
use actix_web::{web, HttpResponse};

pub fn configure(routes: &mut crate::guard::access::Routes) {
    let na = || web::to(crate::support::error::method_not_allowed);
    routes.resource(
        web::resource("/api/users/{userId}/logto-configs")
            .route(web::get().to(get))
            .route(web::patch().to(patch))
            .default_service(na()),
    );
}

#[utoipa::path(
    get,
    path = "/api/users/{userId}/logto-configs",
    tag = "Users",
    operation_id = "ListUserLogtoConfigs",
    params(("userId" = String, Path, description = "User id")),
    responses(
        (status = 200, description = "`{mfa: {enabled?, skipped, skipMfaOnSignIn}, passkeySignIn: {skipped}}`", body = crate::openapi::schemas::UserLogtoConfig),
        crate::openapi::responses::UserNotFound
    )
)]
pub(crate) async fn get(
    state: web::Data<AppState>,
    id: Id<User>,
) -> Result<HttpResponse, ApiError> {
    let config = app::mfa::logto_config(&state, &id).await?;
    Ok(HttpResponse::Ok().json(render(&config)))
}

#[utoipa::path(
    patch,
    path = "/api/users/{userId}/logto-configs",
    tag = "Users",
    operation_id = "UpdateUserLogtoConfigs",
    params(("userId" = String, Path, description = "User id")),
    request_body = crate::openapi::schemas::UserLogtoConfig,
    responses(
        (status = 200, description = "The config after the change", body = crate::openapi::schemas::UserLogtoConfig),
        (status = 400, description = "Invalid body (`guard.invalid_input`)", body = crate::support::error::ErrorBody),
        crate::openapi::responses::UserNotFound
    )
)]
pub(crate) async fn patch(
    state: web::Data<AppState>,
    request: RequestContext,
    id: Id<User>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let bytes = crate::support::body::read_bounded(payload).await?;
    crate::support::body::refuse_nul(&bytes)?;
    let body: LogtoConfigPatch = serde_json::from_slice(&bytes).map_err(ApiError::json_body)?;
    let (config, _) = app::mfa::update_logto_config(&state, &request, &id, body.changes()).await?;
    Ok(HttpResponse::Ok().json(render(&config)))
}
