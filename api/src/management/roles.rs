//! `/api/roles`, its scopes and its applications, in Logto's shape. Answers are read
//! from the `roles` (and `applications`, `resources`) read models after the write is
//! projected (bounded wait).

use crate::state::AppState;
use crate::support::body::json_object;
use crate::support::error::ApiError;
use crate::support::pagination::{self, list_response};
use crate::support::path_id::{Application, Id, Role, Scope};
use crate::support::request::RequestContext;
use actix_web::{web, HttpRequest, HttpResponse};
use app::commands::roles::{self as cmd, NewRole};
use app::transact::settle;
use app::AppError;
use domain::role::RoleType;
use projections::{applications, resources, roles};
use store::Position;

pub fn configure(routes: &mut crate::guard::access::Routes) {
    let na = || web::to(crate::support::error::method_not_allowed);
    routes
        .resource(
            web::resource("/api/roles")
                .route(web::get().to(list))
                .route(web::post().to(create))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/roles/{id}")
                .route(web::get().to(get))
                .route(web::patch().to(update))
                .route(web::delete().to(delete))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/roles/{id}/scopes")
                .route(web::get().to(list_scopes))
                .route(web::post().to(add_scopes))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/roles/{id}/scopes/{scopeId}")
                .route(web::delete().to(remove_scope))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/roles/{id}/applications")
                .route(web::get().to(list_applications))
                .route(web::post().to(add_applications))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/roles/{id}/applications/{applicationId}")
                .route(web::delete().to(remove_application))
                .default_service(na()),
        );
}

/// Every projector a role answer may join over.
const MODELS: &[&str] = &[roles::NAME, resources::NAME, applications::NAME];

async fn read(
    state: &AppState,
    id: &str,
    at: Option<Position>,
) -> Result<roles::RoleView, ApiError> {
    settle(state, MODELS, at).await?;
    roles::get(&state.store.read_pool, id)
        .await?
        .ok_or_else(|| AppError::NotExistsWithId {
            entity: "role",
            id: id.to_owned(),
        })
        .map_err(ApiError::from)
}

fn role_type(value: &str) -> Option<RoleType> {
    match value {
        "User" => Some(RoleType::User),
        "MachineToMachine" => Some(RoleType::MachineToMachine),
        _ => None,
    }
}

#[utoipa::path(
    get,
    path = "/api/roles",
    tag = "Roles",
    operation_id = "ListRoles",
    params(
        ("page" = Option<u64>, Query, description = "1-based page; with `page_size`, the answer is paginated (`Total-Number`, `Link`)"),
        ("page_size" = Option<u64>, Query, description = "Items per page, 1 to 100 (default 20)"),
        ("search" = Option<String>, Query, description = "`LIKE` pattern on the name (also `search.name`)"),
        ("type" = Option<String>, Query, description = "`User` or `MachineToMachine`"),
        ("excludeApplicationId" = Option<String>, Query, description = "Leave out roles this application holds"),
        ("excludeUserId" = Option<String>, Query, description = "Leave out roles this user holds")
    ),
    responses(
        (status = 200, description = "Roles, newest first (always paginated: `Total-Number`, `Link`)", body = Vec<crate::openapi::schemas::RoleListItem>),
        crate::openapi::responses::InvalidPagination
    )
)]
async fn list(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let pairs = crate::support::pagination::query_pairs(req.query_string())?;
    // Roles always paginate in Logto.
    let page = pagination::page(&pairs, true)?;
    let last = |key: &str| pairs.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v);
    let filter = roles::RoleFilter {
        search: last("search").or_else(|| last("search.name")).cloned(),
        role_type: last("type").cloned(),
        exclude_application_id: last("excludeApplicationId").cloned(),
        exclude_user_id: last("excludeUserId").cloned(),
    };
    if let Some(t) = &filter.role_type {
        if role_type(t).is_none() {
            return Err(ApiError::invalid_query(
                "type: expected User or MachineToMachine",
            ));
        }
    }
    settle(&state, MODELS, None).await?;
    // `usersCount`, `featuredUsers` and `excludeUserId` read the user roles.
    settle(&state, &[projections::user_roles::NAME], None).await?;
    let (items, total) =
        roles::list(&state.store.read_pool, &filter, pagination::window(page)).await?;
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
    path = "/api/roles",
    tag = "Roles",
    operation_id = "CreateRole",
    request_body = crate::openapi::schemas::CreateRole,
    responses(
        (status = 200, description = "The new role", body = crate::openapi::schemas::Role),
        crate::openapi::responses::InvalidInput,
        (status = 404, description = "A scope id does not exist", body = crate::support::error::ErrorBody),
        (status = 422, description = "Name in use (`role.name_in_use`)", body = crate::support::error::ErrorBody)
    )
)]
async fn create(
    state: web::Data<AppState>,
    request: RequestContext,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let mut body = json_object(payload).await?;
    let name = body.required_string("name");
    // Logto requires a description; an absent one reads as empty here.
    let description = body.string("description").unwrap_or_default();
    let kind = match body.string("type") {
        None => Some(RoleType::User),
        Some(t) => {
            let parsed = role_type(&t);
            if parsed.is_none() {
                body.issue("type", "expected User or MachineToMachine");
            }
            parsed
        }
    };
    let is_default = body.bool("isDefault").unwrap_or(false);
    let scope_ids = body.ids("scopeIds").unwrap_or_default();
    body.finish()?;
    let (Some(name), Some(role_type)) = (name, kind) else {
        return Err(ApiError::invalid_body("name: required"));
    };
    let id = cmd::new_id(&state);
    let input = NewRole {
        name,
        description,
        role_type,
        is_default,
        scope_ids,
    };
    let at = cmd::create(&state, &request, &id, input).await?;
    let read = read(&state, &id, at).await;
    let view = crate::management::just_created::or_from_log(
        read,
        crate::management::just_created::role(&state, &id),
    )
    .await?;
    // Logto answers 200 (not 201) to CreateRole.
    Ok(HttpResponse::Ok().json(view))
}

#[utoipa::path(
    get,
    path = "/api/roles/{id}",
    tag = "Roles",
    operation_id = "GetRole",
    params(
        ("id" = String, Path, description = "Role id")
    ),
    responses(
        (status = 200, description = "The role", body = crate::openapi::schemas::Role),
        crate::openapi::responses::RoleNotFound
    )
)]
async fn get(state: web::Data<AppState>, id: Id<Role>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(read(&state, &id, None).await?))
}

#[utoipa::path(
    patch,
    path = "/api/roles/{id}",
    tag = "Roles",
    operation_id = "UpdateRole",
    params(
        ("id" = String, Path, description = "Role id")
    ),
    request_body = crate::openapi::schemas::UpdateRole,
    responses(
        (status = 200, description = "The updated role", body = crate::openapi::schemas::Role),
        crate::openapi::responses::InvalidInput,
        crate::openapi::responses::RoleNotFound,
        (status = 422, description = "Name in use (`role.name_in_use`)", body = crate::support::error::ErrorBody)
    )
)]
async fn update(
    state: web::Data<AppState>,
    request: RequestContext,
    id: Id<Role>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let mut body = json_object(payload).await?;
    let name = body.string("name");
    let description = body.string("description");
    let is_default = body.bool("isDefault");
    body.finish()?;
    let at = cmd::update(&state, &request, &id, name, description, is_default).await?;
    Ok(HttpResponse::Ok().json(read(&state, &id, at).await?))
}

#[utoipa::path(
    delete,
    path = "/api/roles/{id}",
    tag = "Roles",
    operation_id = "DeleteRole",
    params(
        ("id" = String, Path, description = "Role id")
    ),
    responses(
        (status = 204, description = "Deleted"),
        crate::openapi::responses::RoleNotFound
    )
)]
async fn delete(
    state: web::Data<AppState>,
    request: RequestContext,
    id: Id<Role>,
) -> Result<HttpResponse, ApiError> {
    let at = cmd::delete(&state, &request, &id).await?;
    settle(&state, MODELS, at).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(
    get,
    path = "/api/roles/{id}/scopes",
    tag = "Roles",
    operation_id = "ListRoleScopes",
    params(
        ("id" = String, Path, description = "Role id")
    ),
    responses(
        (status = 200, description = "The role's scopes with their resources", body = Vec<crate::openapi::schemas::RoleScope>),
        crate::openapi::responses::RoleNotFound
    )
)]
async fn list_scopes(state: web::Data<AppState>, id: Id<Role>) -> Result<HttpResponse, ApiError> {
    read(&state, &id, None).await?;
    let scopes = roles::scopes(&state.store.read_pool, &id).await?;
    Ok(HttpResponse::Ok().json(scopes))
}

#[utoipa::path(
    post,
    path = "/api/roles/{id}/scopes",
    tag = "Roles",
    operation_id = "CreateRoleScope",
    params(
        ("id" = String, Path, description = "Role id")
    ),
    request_body = crate::openapi::schemas::ScopeIds,
    responses(
        (status = 201, description = "The scopes added", body = Vec<crate::openapi::schemas::Scope>),
        crate::openapi::responses::InvalidInput,
        (status = 404, description = "No such role or scope", body = crate::support::error::ErrorBody),
        (status = 422, description = "Refused by the role's state", body = crate::support::error::ErrorBody)
    )
)]
async fn add_scopes(
    state: web::Data<AppState>,
    request: RequestContext,
    id: Id<Role>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let mut body = json_object(payload).await?;
    let scope_ids = body.required_ids("scopeIds");
    body.finish()?;
    let at = cmd::add_scopes(&state, &request, &id, scope_ids.clone()).await?;
    read(&state, &id, at).await?;
    let scopes: Vec<_> = roles::scopes(&state.store.read_pool, &id)
        .await?
        .into_iter()
        .filter(|s| scope_ids.contains(&s.scope.id))
        .map(|s| s.scope)
        .collect();
    Ok(HttpResponse::Created().json(scopes))
}

#[utoipa::path(
    delete,
    path = "/api/roles/{id}/scopes/{scopeId}",
    tag = "Roles",
    operation_id = "DeleteRoleScope",
    params(
        ("id" = String, Path, description = "Role id"),
        ("scopeId" = String, Path, description = "Scope id")
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "No such role or scope on it", body = crate::support::error::ErrorBody)
    )
)]
async fn remove_scope(
    state: web::Data<AppState>,
    request: RequestContext,
    id: Id<Role>,
    scope_id: Id<Scope, 1>,
) -> Result<HttpResponse, ApiError> {
    let at = cmd::remove_scope(&state, &request, &id, &scope_id).await?;
    settle(&state, MODELS, at).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(
    get,
    path = "/api/roles/{id}/applications",
    tag = "Roles",
    operation_id = "ListRoleApplications",
    params(
        ("id" = String, Path, description = "Role id")
    ),
    responses(
        (status = 200, description = "Applications holding the role", body = Vec<crate::openapi::schemas::Application>),
        crate::openapi::responses::RoleNotFound
    )
)]
async fn list_applications(
    state: web::Data<AppState>,
    id: Id<Role>,
) -> Result<HttpResponse, ApiError> {
    read(&state, &id, None).await?;
    let apps = applications::with_role(&state.store.read_pool, &id).await?;
    Ok(HttpResponse::Ok().json(apps))
}

#[utoipa::path(
    post,
    path = "/api/roles/{id}/applications",
    tag = "Roles",
    operation_id = "CreateRoleApplication",
    params(
        ("id" = String, Path, description = "Role id")
    ),
    request_body = crate::openapi::schemas::ApplicationIds,
    responses(
        (status = 201, description = "Assigned"),
        crate::openapi::responses::InvalidInput,
        (status = 404, description = "No such role or application", body = crate::support::error::ErrorBody),
        (status = 422, description = "Wrong role or application type", body = crate::support::error::ErrorBody)
    )
)]
async fn add_applications(
    state: web::Data<AppState>,
    request: RequestContext,
    id: Id<Role>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let mut body = json_object(payload).await?;
    let app_ids = body.required_ids("applicationIds");
    body.finish()?;
    let at = cmd::assign_to_applications(&state, &request, &id, app_ids).await?;
    settle(&state, MODELS, at).await?;
    Ok(HttpResponse::Created().finish())
}

#[utoipa::path(
    delete,
    path = "/api/roles/{id}/applications/{applicationId}",
    tag = "Roles",
    operation_id = "DeleteRoleApplication",
    params(
        ("id" = String, Path, description = "Role id"),
        ("applicationId" = String, Path, description = "Application id")
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "No such role or application", body = crate::support::error::ErrorBody)
    )
)]
async fn remove_application(
    state: web::Data<AppState>,
    request: RequestContext,
    id: Id<Role>,
    app_id: Id<Application, 1>,
) -> Result<HttpResponse, ApiError> {
    let at = app::commands::applications::run(&state, &request, &app_id, || {
        domain::application::ApplicationCommand::RemoveRole(id.to_string())
    })
    .await?;
    settle(&state, MODELS, at).await?;
    Ok(HttpResponse::NoContent().finish())
}
