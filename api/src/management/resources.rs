//! `/api/resources` and `/api/resources/{id}/scopes` in Logto's shape. Writes go through
//! `commands::resources`; every answer is read from the `resources` read model after the
//! projector has applied the write (bounded wait), so a client reads its own writes.

use crate::state::AppState;
use crate::support::body::{json_object, Body};
use crate::support::error::ApiError;
use crate::support::pagination::{self, list_response};
use crate::support::path_id::{Id, Resource, Scope};
use crate::support::request::RequestContext;
use actix_web::{web, HttpRequest, HttpResponse};
use app::commands::resources::{self as cmd, NewResource, ResourceChanges};
use app::transact::settle;
use app::AppError;
use projections::resources::{self, NAME};
use store::Position;

pub fn configure(routes: &mut crate::guard::access::Routes) {
    let na = || web::to(crate::support::error::method_not_allowed);
    routes
        .resource(
            web::resource("/api/resources")
                .route(web::get().to(list))
                .route(web::post().to(create))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/resources/{id}")
                .route(web::get().to(get))
                .route(web::patch().to(update))
                .route(web::delete().to(delete))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/resources/{id}/is-default")
                .route(web::patch().to(set_default))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/resources/{id}/scopes")
                .route(web::get().to(list_scopes))
                .route(web::post().to(create_scope))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/resources/{id}/scopes/{scopeId}")
                .route(web::patch().to(update_scope))
                .route(web::delete().to(delete_scope))
                .default_service(na()),
        );
}

fn not_found(id: &str) -> ApiError {
    AppError::NotExistsWithId {
        entity: "resource",
        id: id.to_owned(),
    }
    .into()
}

/// The resource as the read model has it once `at` (or the current head) is applied.
async fn read(
    state: &AppState,
    id: &str,
    at: Option<Position>,
) -> Result<resources::ResourceView, ApiError> {
    settle(state, &[NAME], at).await?;
    resources::get(&state.store.read_pool, id)
        .await?
        .ok_or_else(|| not_found(id))
}

#[utoipa::path(
    get,
    path = "/api/resources",
    tag = "Resources",
    operation_id = "ListResources",
    params(
        ("page" = Option<u64>, Query, description = "1-based page; with `page_size`, the answer is paginated (`Total-Number`, `Link`)"),
        ("page_size" = Option<u64>, Query, description = "Items per page, 1 to 100 (default 20)"),
        ("includeScopes" = Option<bool>, Query, description = "Embed each resource's scopes")
    ),
    responses(
        (status = 200, description = "Resources (the whole list unless `page`/`page_size` is sent)", body = Vec<crate::openapi::schemas::Resource>),
        crate::openapi::responses::InvalidPagination
    )
)]
async fn list(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let pairs = crate::support::pagination::query_pairs(req.query_string())?;
    let page = pagination::page(&pairs, false)?;
    let include_scopes = pairs
        .iter()
        .any(|(k, v)| k == "includeScopes" && v == "true");
    settle(&state, &[NAME], None).await?;
    let pool = &state.store.read_pool;
    let (mut items, total) = resources::list(pool, pagination::window(page)).await?;
    if include_scopes {
        for item in &mut items {
            item.scopes = Some(resources::scopes(pool, &item.id, None).await?.0);
        }
    }
    Ok(list_response(
        &state.endpoint,
        &req,
        &pairs,
        page,
        &items,
        total,
    ))
}

/// `accessTokenTtl` as Logto accepts it: a positive number of seconds.
fn ttl(body: &mut Body) -> Option<u64> {
    body.u64("accessTokenTtl")
}

#[utoipa::path(
    post,
    path = "/api/resources",
    tag = "Resources",
    operation_id = "CreateResource",
    request_body = crate::openapi::schemas::CreateResource,
    responses(
        (status = 201, description = "The new resource", body = crate::openapi::schemas::Resource),
        crate::openapi::responses::InvalidInput,
        (status = 422, description = "Indicator in use (`resource.indicator_in_use`)", body = crate::support::error::ErrorBody)
    )
)]
async fn create(
    state: web::Data<AppState>,
    request: RequestContext,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let mut body = json_object(payload).await?;
    let name = body.required_string("name");
    let indicator = body.required_string("indicator");
    let access_token_ttl = ttl(&mut body);
    body.finish()?;
    let (Some(name), Some(indicator)) = (name, indicator) else {
        return Err(ApiError::invalid_body("name: required"));
    };
    let input = NewResource {
        name,
        indicator,
        access_token_ttl,
    };
    let (id, at) = cmd::create(&state, &request, input).await?;
    let read = read(&state, &id, at).await;
    let view = crate::management::just_created::or_from_log(
        read,
        crate::management::just_created::resource(&state, &id),
    )
    .await?;
    Ok(HttpResponse::Created().json(view))
}

#[utoipa::path(
    get,
    path = "/api/resources/{id}",
    tag = "Resources",
    operation_id = "GetResource",
    params(
        ("id" = String, Path, description = "Resource id")
    ),
    responses(
        (status = 200, description = "The resource", body = crate::openapi::schemas::Resource),
        crate::openapi::responses::ResourceNotFound
    )
)]
async fn get(state: web::Data<AppState>, id: Id<Resource>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(read(&state, &id, None).await?))
}

#[utoipa::path(
    patch,
    path = "/api/resources/{id}",
    tag = "Resources",
    operation_id = "UpdateResource",
    params(
        ("id" = String, Path, description = "Resource id")
    ),
    request_body = crate::openapi::schemas::UpdateResource,
    responses(
        (status = 200, description = "The updated resource", body = crate::openapi::schemas::Resource),
        crate::openapi::responses::InvalidInput,
        crate::openapi::responses::ResourceNotFound
    )
)]
async fn update(
    state: web::Data<AppState>,
    request: RequestContext,
    id: Id<Resource>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let mut body = json_object(payload).await?;
    let changes = ResourceChanges {
        name: body.string("name"),
        access_token_ttl: ttl(&mut body),
        is_default: None,
    };
    body.finish()?;
    let at = cmd::update(&state, &request, &id, changes).await?;
    Ok(HttpResponse::Ok().json(read(&state, &id, at).await?))
}

#[utoipa::path(
    patch,
    path = "/api/resources/{id}/is-default",
    tag = "Resources",
    operation_id = "UpdateResourceIsDefault",
    params(
        ("id" = String, Path, description = "Resource id")
    ),
    request_body = crate::openapi::schemas::SetDefaultResource,
    responses(
        (status = 200, description = "The updated resource", body = crate::openapi::schemas::Resource),
        crate::openapi::responses::InvalidInput,
        crate::openapi::responses::ResourceNotFound
    )
)]
async fn set_default(
    state: web::Data<AppState>,
    request: RequestContext,
    id: Id<Resource>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let mut body = json_object(payload).await?;
    let is_default = body.bool("isDefault");
    if is_default.is_none() && !body.has("isDefault") {
        body.issue("isDefault", "required");
    }
    body.finish()?;
    let changes = ResourceChanges {
        name: None,
        access_token_ttl: None,
        is_default,
    };
    let at = cmd::update(&state, &request, &id, changes).await?;
    Ok(HttpResponse::Ok().json(read(&state, &id, at).await?))
}

#[utoipa::path(
    delete,
    path = "/api/resources/{id}",
    tag = "Resources",
    operation_id = "DeleteResource",
    params(
        ("id" = String, Path, description = "Resource id")
    ),
    responses(
        (status = 204, description = "Deleted"),
        crate::openapi::responses::ResourceNotFound,
        (status = 422, description = "The Management API resource cannot be deleted", body = crate::support::error::ErrorBody)
    )
)]
async fn delete(
    state: web::Data<AppState>,
    request: RequestContext,
    id: Id<Resource>,
) -> Result<HttpResponse, ApiError> {
    let at = cmd::delete(&state, &request, &id).await?;
    settle(&state, &[NAME], at).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(
    get,
    path = "/api/resources/{id}/scopes",
    tag = "Resources",
    operation_id = "ListResourceScopes",
    params(
        ("id" = String, Path, description = "Resource id"),
        ("page" = Option<u64>, Query, description = "1-based page; with `page_size`, the answer is paginated (`Total-Number`, `Link`)"),
        ("page_size" = Option<u64>, Query, description = "Items per page, 1 to 100 (default 20)")
    ),
    responses(
        (status = 200, description = "The resource's scopes", body = Vec<crate::openapi::schemas::Scope>),
        crate::openapi::responses::InvalidPagination,
        crate::openapi::responses::ResourceNotFound
    )
)]
async fn list_scopes(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: Id<Resource>,
) -> Result<HttpResponse, ApiError> {
    let pairs = crate::support::pagination::query_pairs(req.query_string())?;
    let page = pagination::page(&pairs, false)?;
    read(&state, &id, None).await?;
    let (items, total) =
        resources::scopes(&state.store.read_pool, &id, pagination::window(page)).await?;
    Ok(list_response(
        &state.endpoint,
        &req,
        &pairs,
        page,
        &items,
        total,
    ))
}

/// `description`: absent keeps, `null` clears, a string sets.
fn description(body: &mut Body) -> Option<Option<String>> {
    if !body.has("description") {
        return None;
    }
    Some(body.string("description"))
}

async fn scope_answer(
    state: &AppState,
    resource_id: &str,
    scope_id: &str,
    at: Option<Position>,
) -> Result<resources::ScopeView, ApiError> {
    settle(state, &[NAME], at).await?;
    resources::scope(&state.store.read_pool, resource_id, scope_id)
        .await?
        .ok_or_else(|| AppError::NotExistsWithId {
            entity: "scope",
            id: scope_id.to_owned(),
        })
        .map_err(ApiError::from)
}

#[utoipa::path(
    post,
    path = "/api/resources/{id}/scopes",
    tag = "Resources",
    operation_id = "CreateResourceScope",
    params(
        ("id" = String, Path, description = "Resource id")
    ),
    request_body = crate::openapi::schemas::CreateScope,
    responses(
        (status = 201, description = "The new scope", body = crate::openapi::schemas::Scope),
        crate::openapi::responses::InvalidInput,
        crate::openapi::responses::ResourceNotFound,
        (status = 422, description = "Scope name in use", body = crate::support::error::ErrorBody)
    )
)]
async fn create_scope(
    state: web::Data<AppState>,
    request: RequestContext,
    id: Id<Resource>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let mut body = json_object(payload).await?;
    let name = body.required_string("name");
    let description = description(&mut body);
    body.finish()?;
    let scope_id = app::commands::roles::new_id(&state);
    let at = cmd::define_scope(&state, &request, &id, &scope_id, true, name, description).await?;
    let read = scope_answer(&state, &id, &scope_id, at).await;
    let scope = crate::management::just_created::or_from_log(
        read,
        crate::management::just_created::scope(&state, &id, &scope_id),
    );
    Ok(HttpResponse::Created().json(scope.await?))
}

#[utoipa::path(
    patch,
    path = "/api/resources/{id}/scopes/{scopeId}",
    tag = "Resources",
    operation_id = "UpdateResourceScope",
    params(
        ("id" = String, Path, description = "Resource id"),
        ("scopeId" = String, Path, description = "Scope id")
    ),
    request_body = crate::openapi::schemas::UpdateScope,
    responses(
        (status = 200, description = "The updated scope", body = crate::openapi::schemas::Scope),
        crate::openapi::responses::InvalidInput,
        (status = 404, description = "No such resource or scope", body = crate::support::error::ErrorBody),
        (status = 422, description = "Scope name in use", body = crate::support::error::ErrorBody)
    )
)]
async fn update_scope(
    state: web::Data<AppState>,
    request: RequestContext,
    id: Id<Resource>,
    scope_id: Id<Scope, 1>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let mut body = json_object(payload).await?;
    let name = body.string("name");
    let description = description(&mut body);
    body.finish()?;
    let at = cmd::define_scope(&state, &request, &id, &scope_id, false, name, description).await?;
    Ok(HttpResponse::Ok().json(scope_answer(&state, &id, &scope_id, at).await?))
}

#[utoipa::path(
    delete,
    path = "/api/resources/{id}/scopes/{scopeId}",
    tag = "Resources",
    operation_id = "DeleteResourceScope",
    params(
        ("id" = String, Path, description = "Resource id"),
        ("scopeId" = String, Path, description = "Scope id")
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such resource or scope", body = crate::support::error::ErrorBody)
    )
)]
async fn delete_scope(
    state: web::Data<AppState>,
    request: RequestContext,
    id: Id<Resource>,
    scope_id: Id<Scope, 1>,
) -> Result<HttpResponse, ApiError> {
    let at = cmd::delete_scope(&state, &request, &id, &scope_id).await?;
    settle(&state, &[NAME], at).await?;
    Ok(HttpResponse::NoContent().finish())
}
