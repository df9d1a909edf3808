//! An application's client secrets (`/api/applications/{id}/secrets`): listed without
//! their values, added (the value answered once), deleted by name.

use super::{read, MODELS};
use crate::state::AppState;
use crate::support::body::json_object;
use crate::support::error::ApiError;
use crate::support::path_id::{Application, Id};
use crate::support::request::RequestContext;
use actix_web::{web, HttpResponse};
use app::commands::applications::{self as cmd};
use app::transact::settle;
use domain::application::ApplicationCommand;
use domain::Timestamp;
use projections::{applications, TENANT_ID};
use serde_json::json;

#[utoipa::path(
    get,
    path = "/api/applications/{id}/secrets",
    tag = "Applications",
    operation_id = "ListApplicationSecrets",
    params(
        ("id" = String, Path, description = "Application id")
    ),
    responses(
        (status = 200, description = "Secret names and lifetimes (no values)", body = Vec<crate::openapi::schemas::ApplicationSecret>),
        crate::openapi::responses::ApplicationNotFound
    )
)]
pub(super) async fn list_secrets(
    state: web::Data<AppState>,
    id: Id<Application>,
) -> Result<HttpResponse, ApiError> {
    read(&state, &id, None).await?;
    let secrets = applications::secrets(&state.store.read_pool, &id).await?;
    Ok(HttpResponse::Ok().json(secrets))
}

#[utoipa::path(
    post,
    path = "/api/applications/{id}/secrets",
    tag = "Applications",
    operation_id = "CreateApplicationSecret",
    params(
        ("id" = String, Path, description = "Application id")
    ),
    request_body = crate::openapi::schemas::CreateApplicationSecret,
    responses(
        (status = 201, description = "The new secret, with its value shown once", body = crate::openapi::schemas::CreatedApplicationSecret),
        crate::openapi::responses::InvalidInput,
        crate::openapi::responses::ApplicationNotFound,
        (status = 422, description = "Name in use, or a public client", body = crate::support::error::ErrorBody)
    )
)]
pub(super) async fn add_secret(
    state: web::Data<AppState>,
    request: RequestContext,
    id: Id<Application>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let mut body = json_object(payload).await?;
    let name = body.required_string("name");
    if name
        .as_ref()
        .is_some_and(|n| n.trim().is_empty() || n.chars().count() > 256)
    {
        body.issue("name", "must be 1 to 256 characters");
    }
    let expires_at = body.u64("expiresAt");
    let now = state.clock.now().as_millis();
    let expires_at = expires_at.map(|ms| i64::try_from(ms).unwrap_or(i64::MAX));
    if expires_at.is_some_and(|ms| ms <= now) {
        body.issue("expiresAt", "must be in the future (epoch milliseconds)");
    }
    body.finish()?;
    let Some(name) = name else {
        return Err(ApiError::invalid_body("name: required"));
    };
    let expires = expires_at.map(Timestamp::from_millis);
    let (value, at) = cmd::add_secret(&state, &request, &id, &name, expires).await?;
    settle(&state, MODELS, at).await?;
    let created = applications::secrets(&state.store.read_pool, &id)
        .await?
        .into_iter()
        .find(|s| s.name == name);
    let created_at = created.map_or(now, |s| s.created_at);
    Ok(HttpResponse::Created().json(json!({
        "tenantId": TENANT_ID,
        "applicationId": id,
        "name": name,
        "value": value,
        "createdAt": created_at,
        "expiresAt": expires_at,
    })))
}

#[utoipa::path(
    delete,
    path = "/api/applications/{id}/secrets/{name}",
    tag = "Applications",
    operation_id = "DeleteApplicationSecret",
    params(
        ("id" = String, Path, description = "Application id"),
        ("name" = String, Path, description = "Secret name")
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such application or secret", body = crate::support::error::ErrorBody)
    )
)]
pub(super) async fn delete_secret(
    state: web::Data<AppState>,
    request: RequestContext,
    id: Id<Application>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (_, name) = path.into_inner();
    let at = cmd::run(&state, &request, &id, || ApplicationCommand::DeleteSecret {
        name: name.clone(),
    })
    .await?;
    settle(&state, MODELS, at).await?;
    Ok(HttpResponse::NoContent().finish())
}
