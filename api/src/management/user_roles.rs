//! User roles in Logto's shape, from both sides: `/api/users/{userId}/roles` and
//! `/api/roles/{id}/users`. Answers are read from the `user_roles`, `users` and `roles`
//! read models after the write is projected (bounded wait).

use crate::state::AppState;
use crate::support::body::{self, json_object};
use crate::support::error::ApiError;
use crate::support::pagination::{self, list_response};
use crate::support::path_id::{Id, Role, User};
use crate::support::request::RequestContext;
use actix_web::{web, HttpRequest, HttpResponse};
use app::commands::user_roles as cmd;
use app::transact::settle;
use app::AppError;
use projections::{roles, user_roles, users};
use serde_json::json;

pub fn configure(routes: &mut crate::guard::access::Routes) {
    let na = || web::to(crate::support::error::method_not_allowed);
    routes
        .resource(
            web::resource("/api/users/{userId}/roles")
                .route(web::get().to(list_roles))
                .route(web::post().to(assign_roles))
                .route(web::put().to(replace_roles))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/users/{userId}/roles/{roleId}")
                .route(web::delete().to(remove_role))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/roles/{id}/users")
                .route(web::get().to(list_users))
                .route(web::post().to(add_users))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/roles/{id}/users/{userId}")
                .route(web::delete().to(remove_user))
                .default_service(na()),
        );
}

/// Every projector an answer here may join over.
const MODELS: &[&str] = &[user_roles::NAME, users::NAME, roles::NAME];

/// 404 unless user `id` is in the read model (after it caught up with the log head).
async fn existing_user(state: &AppState, id: &str) -> Result<(), ApiError> {
    Id::<User>::parse(id)?;
    settle(state, MODELS, None).await?;
    match users::get(&state.store.read_pool, id).await? {
        Some(_) => Ok(()),
        None => Err(AppError::NotExistsWithId {
            entity: "user",
            id: id.to_owned(),
        }
        .into()),
    }
}

/// A page of `all` (Logto's relation lists are unpaginated unless asked).
fn window_of<T>(all: Vec<T>, page: Option<crate::support::pagination::Page>) -> Vec<T> {
    match pagination::window(page) {
        Some(w) => all
            .into_iter()
            .skip(usize::try_from(w.offset).unwrap_or(usize::MAX))
            .take(usize::try_from(w.limit).unwrap_or(usize::MAX))
            .collect(),
        None => all,
    }
}

#[utoipa::path(
    get,
    path = "/api/users/{userId}/roles",
    tag = "Users",
    operation_id = "ListUserRoles",
    params(
        ("userId" = String, Path, description = "User id"),
        ("page" = Option<u64>, Query, description = "1-based page; with `page_size`, the answer is paginated (`Total-Number`, `Link`)"),
        ("page_size" = Option<u64>, Query, description = "Items per page, 1 to 100 (default 20)")
    ),
    responses(
        (status = 200, description = "The user's roles", body = Vec<crate::openapi::schemas::Role>),
        crate::openapi::responses::InvalidPagination,
        crate::openapi::responses::UserNotFound
    )
)]
async fn list_roles(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let pairs = crate::support::pagination::query_pairs(req.query_string())?;
    let page = pagination::page(&pairs, false)?;
    existing_user(&state, &id).await?;
    let all = user_roles::roles_of(&state.store.read_pool, &id).await?;
    let total = all.len() as u64;
    let items = window_of(all, page);
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
    path = "/api/users/{userId}/roles",
    tag = "Users",
    operation_id = "AssignUserRoles",
    params(
        ("userId" = String, Path, description = "User id")
    ),
    request_body = crate::openapi::schemas::RoleIds,
    responses(
        (status = 201, description = "Assigned", body = crate::openapi::schemas::RoleAssignment),
        crate::openapi::responses::InvalidInput,
        (status = 404, description = "No such user or role", body = crate::support::error::ErrorBody),
        crate::openapi::responses::MachineToMachineRole
    )
)]
async fn assign_roles(
    state: web::Data<AppState>,
    request: RequestContext,
    id: Id<User>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let ids = body::role_ids(payload).await?;
    let (added, at) = cmd::assign(&state, &request, &id, ids.clone(), false).await?;
    settle(&state, MODELS, at).await?;
    Ok(HttpResponse::Created().json(json!({ "roleIds": ids, "addedRoleIds": added })))
}

#[utoipa::path(
    put,
    path = "/api/users/{userId}/roles",
    tag = "Users",
    operation_id = "ReplaceUserRoles",
    params(
        ("userId" = String, Path, description = "User id")
    ),
    request_body = crate::openapi::schemas::RoleIds,
    responses(
        (status = 200, description = "Replaced", body = crate::openapi::schemas::RoleIds),
        crate::openapi::responses::InvalidInput,
        (status = 404, description = "No such user or role", body = crate::support::error::ErrorBody),
        crate::openapi::responses::MachineToMachineRole
    )
)]
async fn replace_roles(
    state: web::Data<AppState>,
    request: RequestContext,
    id: Id<User>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let ids = body::role_ids(payload).await?;
    let (_, at) = cmd::assign(&state, &request, &id, ids.clone(), true).await?;
    settle(&state, MODELS, at).await?;
    Ok(HttpResponse::Ok().json(json!({ "roleIds": ids })))
}

#[utoipa::path(
    delete,
    path = "/api/users/{userId}/roles/{roleId}",
    tag = "Users",
    operation_id = "DeleteUserRole",
    params(
        ("userId" = String, Path, description = "User id"),
        ("roleId" = String, Path, description = "Role id")
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "No such user or role assignment", body = crate::support::error::ErrorBody)
    )
)]
async fn remove_role(
    state: web::Data<AppState>,
    request: RequestContext,
    id: Id<User>,
    role_id: Id<Role, 1>,
) -> Result<HttpResponse, ApiError> {
    let at = cmd::remove(&state, &request, &id, &role_id).await?;
    settle(&state, MODELS, at).await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn existing_role(state: &AppState, id: &str) -> Result<(), ApiError> {
    Id::<Role>::parse(id)?;
    settle(state, MODELS, None).await?;
    match roles::get(&state.store.read_pool, id).await? {
        Some(_) => Ok(()),
        None => Err(AppError::NotExistsWithId {
            entity: "role",
            id: id.to_owned(),
        }
        .into()),
    }
}

#[utoipa::path(
    get,
    path = "/api/roles/{id}/users",
    tag = "Roles",
    operation_id = "ListRoleUsers",
    params(
        ("id" = String, Path, description = "Role id"),
        ("page" = Option<u64>, Query, description = "1-based page; with `page_size`, the answer is paginated (`Total-Number`, `Link`)"),
        ("page_size" = Option<u64>, Query, description = "Items per page, 1 to 100 (default 20)")
    ),
    responses(
        (status = 200, description = "Users holding the role", body = Vec<crate::openapi::schemas::User>),
        crate::openapi::responses::InvalidPagination,
        crate::openapi::responses::RoleNotFound
    )
)]
async fn list_users(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let pairs = crate::support::pagination::query_pairs(req.query_string())?;
    let page = pagination::page(&pairs, false)?;
    existing_role(&state, &id).await?;
    let pool = &state.store.read_pool;
    let (ids, total) = user_roles::users_with(pool, &id, pagination::window(page)).await?;
    let mut views = Vec::with_capacity(ids.len());
    for user_id in &ids {
        // A user deleted between the two reads is simply left out.
        if let Some(row) = users::get(pool, user_id).await? {
            views.push(row.to_view()?);
        }
    }
    Ok(list_response(
        &state.endpoint,
        &req,
        &pairs,
        page,
        &views,
        total,
    ))
}

#[utoipa::path(
    post,
    path = "/api/roles/{id}/users",
    tag = "Roles",
    operation_id = "CreateRoleUser",
    params(
        ("id" = String, Path, description = "Role id")
    ),
    request_body = crate::openapi::schemas::UserIds,
    responses(
        (status = 201, description = "Assigned"),
        crate::openapi::responses::InvalidInput,
        (status = 404, description = "No such role or user", body = crate::support::error::ErrorBody),
        crate::openapi::responses::MachineToMachineRole
    )
)]
async fn add_users(
    state: web::Data<AppState>,
    request: RequestContext,
    id: Id<Role>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let mut body = json_object(payload).await?;
    let user_ids = body.required_ids("userIds");
    body.finish()?;
    let at = cmd::assign_to_users(&state, &request, &id, user_ids).await?;
    settle(&state, MODELS, at).await?;
    Ok(HttpResponse::Created().finish())
}

#[utoipa::path(
    delete,
    path = "/api/roles/{id}/users/{userId}",
    tag = "Roles",
    operation_id = "DeleteRoleUser",
    params(
        ("id" = String, Path, description = "Role id"),
        ("userId" = String, Path, description = "User id")
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "No such role or user assignment", body = crate::support::error::ErrorBody)
    )
)]
async fn remove_user(
    state: web::Data<AppState>,
    request: RequestContext,
    id: Id<Role>,
    user_id: Id<User, 1>,
) -> Result<HttpResponse, ApiError> {
    let at = cmd::remove(&state, &request, &user_id, &id).await?;
    settle(&state, MODELS, at).await?;
    Ok(HttpResponse::NoContent().finish())
}
