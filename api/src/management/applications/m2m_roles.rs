//! A machine-to-machine application's roles (`/api/applications/{id}/roles`).

use super::{read, MODELS};
use crate::state::AppState;
use crate::support::body::{self};
use crate::support::error::ApiError;
use crate::support::pagination::{self, list_response};
use crate::support::path_id::{Application, Id, Role};
use crate::support::request::RequestContext;
use actix_web::{web, HttpRequest, HttpResponse};
use app::commands::applications::{self as cmd};
use app::transact::settle;
use domain::application::ApplicationCommand;
use projections::applications;
use serde_json::json;

#[utoipa::path(
    get,
    path = "/api/applications/{id}/roles",
    tag = "Applications",
    operation_id = "ListApplicationRoles",
    params(
        ("id" = String, Path, description = "Application id"),
        ("page" = Option<u64>, Query, description = "1-based page; with `page_size`, the answer is paginated (`Total-Number`, `Link`)"),
        ("page_size" = Option<u64>, Query, description = "Items per page, 1 to 100 (default 20)")
    ),
    responses(
        (status = 200, description = "The application's roles", body = Vec<crate::openapi::schemas::Role>),
        crate::openapi::responses::InvalidPagination,
        crate::openapi::responses::ApplicationNotFound
    )
)]
pub(super) async fn list_roles(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: Id<Application>,
) -> Result<HttpResponse, ApiError> {
    let pairs = crate::support::pagination::query_pairs(req.query_string())?;
    let page = pagination::page(&pairs, false)?;
    read(&state, &id, None).await?;
    let all = applications::roles(&state.store.read_pool, &id).await?;
    let total = all.len() as u64;
    let items: Vec<_> = match pagination::window(page) {
        Some(w) => all
            .into_iter()
            .skip(usize::try_from(w.offset).unwrap_or(usize::MAX))
            .take(usize::try_from(w.limit).unwrap_or(usize::MAX))
            .collect(),
        None => all,
    };
    Ok(list_response(
        &state.endpoint,
        &req,
        &pairs,
        page,
        &items,
        total,
    ))
}

#[utoipa::path(
    post,
    path = "/api/applications/{id}/roles",
    tag = "Applications",
    operation_id = "AssignApplicationRoles",
    params(
        ("id" = String, Path, description = "Application id")
    ),
    request_body = crate::openapi::schemas::RoleIds,
    responses(
        (status = 201, description = "Assigned", body = crate::openapi::schemas::RoleAssignment),
        crate::openapi::responses::InvalidInput,
        (status = 404, description = "No such application or role", body = crate::support::error::ErrorBody),
        (status = 422, description = "Role type or application type refused", body = crate::support::error::ErrorBody)
    )
)]
pub(super) async fn assign_roles(
    state: web::Data<AppState>,
    request: RequestContext,
    id: Id<Application>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let ids = body::role_ids(payload).await?;
    let (added, at) = cmd::assign_roles(&state, &request, &id, ids.clone(), false).await?;
    settle(&state, MODELS, at).await?;
    Ok(HttpResponse::Created().json(json!({ "roleIds": ids, "addedRoleIds": added })))
}

#[utoipa::path(
    put,
    path = "/api/applications/{id}/roles",
    tag = "Applications",
    operation_id = "ReplaceApplicationRoles",
    params(
        ("id" = String, Path, description = "Application id")
    ),
    request_body = crate::openapi::schemas::RoleIds,
    responses(
        (status = 200, description = "Replaced"),
        crate::openapi::responses::InvalidInput,
        (status = 404, description = "No such application or role", body = crate::support::error::ErrorBody),
        (status = 422, description = "Role type or application type refused", body = crate::support::error::ErrorBody)
    )
)]
pub(super) async fn replace_roles(
    state: web::Data<AppState>,
    request: RequestContext,
    id: Id<Application>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let ids = body::role_ids(payload).await?;
    let (_, at) = cmd::assign_roles(&state, &request, &id, ids, true).await?;
    settle(&state, MODELS, at).await?;
    Ok(HttpResponse::Ok().finish())
}

#[utoipa::path(
    delete,
    path = "/api/applications/{id}/roles/{roleId}",
    tag = "Applications",
    operation_id = "DeleteApplicationRole",
    params(
        ("id" = String, Path, description = "Application id"),
        ("roleId" = String, Path, description = "Role id")
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "No such application or role assignment", body = crate::support::error::ErrorBody)
    )
)]
pub(super) async fn remove_role(
    state: web::Data<AppState>,
    request: RequestContext,
    id: Id<Application>,
    role_id: Id<Role, 1>,
) -> Result<HttpResponse, ApiError> {
    let at = cmd::run(&state, &request, &id, || {
        ApplicationCommand::RemoveRole(role_id.to_string())
    })
    .await?;
    settle(&state, MODELS, at).await?;
    Ok(HttpResponse::NoContent().finish())
}
