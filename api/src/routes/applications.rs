//! `/api/applications`, its secrets and its roles, in Logto's shape. A confidential
//! client's first secret is generated here and returned once, in `secret` of the create
//! answer; afterwards only secret names and lifetimes are readable.

use super::input::{self, json_object, list_response, path_id, Body};
use crate::error::ApiError;
use crate::request::RequestContext;
use crate::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use app::commands::applications::{self as cmd, ApplicationChanges, NewApplication};
use app::transact::settle;
use domain::application::{
    ApplicationCommand, ApplicationSettings, ApplicationType, CustomClientMetadata,
    OidcClientMetadata,
};
use domain::Timestamp;
use projections::{applications, resources, roles, TENANT_ID};
use serde_json::json;
use store::Position;

pub fn configure(routes: &mut crate::access::Routes) {
    let na = || web::to(super::method_not_allowed);
    routes
        .resource(
            web::resource("/api/applications")
                .route(web::get().to(list))
                .route(web::post().to(create))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/applications/{id}")
                .route(web::get().to(get))
                .route(web::patch().to(update))
                .route(web::delete().to(delete))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/applications/{id}/secrets")
                .route(web::get().to(list_secrets))
                .route(web::post().to(add_secret))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/applications/{id}/secrets/{name}")
                .route(web::delete().to(delete_secret))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/applications/{id}/roles")
                .route(web::get().to(list_roles))
                .route(web::post().to(assign_roles))
                .route(web::put().to(replace_roles))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/applications/{id}/roles/{roleId}")
                .route(web::delete().to(remove_role))
                .default_service(na()),
        );
}

/// Read models an application view and its `isAdmin` come from (`isAdmin` joins the
/// app's roles to the Management API resource's scopes, so `resources` too: right after a
/// start its projector may still be catching up with the bootstrap events).
const MODELS: &[&str] = &[applications::NAME, roles::NAME, resources::NAME];

async fn read(
    state: &AppState,
    id: &str,
    at: Option<Position>,
) -> Result<applications::ApplicationView, ApiError> {
    settle(state, MODELS, at).await?;
    applications::get(&state.store.read_pool, id)
        .await?
        .ok_or_else(|| ApiError::NotExistsWithId {
            entity: "application",
            id: id.to_owned(),
        })
}

fn app_type(value: &str) -> Option<ApplicationType> {
    Some(match value {
        "Native" => ApplicationType::Native,
        "SPA" => ApplicationType::Spa,
        "Traditional" => ApplicationType::Traditional,
        "MachineToMachine" => ApplicationType::MachineToMachine,
        _ => return None,
    })
}

#[utoipa::path(
    get,
    path = "/api/applications",
    tag = "Applications",
    operation_id = "ListApplications",
    params(
        ("page" = Option<u64>, Query, description = "1-based page; with `page_size`, the answer is paginated (`Total-Number`, `Link`)"),
        ("page_size" = Option<u64>, Query, description = "Items per page, 1 to 100 (default 20)"),
        ("types" = Option<Vec<String>>, Query, description = "Application types to keep (repeatable)"),
        ("isThirdParty" = Option<bool>, Query, description = "Only (or no) third-party apps"),
        ("search" = Option<String>, Query, description = "`LIKE` pattern on id, name or description")
    ),
    responses(
        (status = 200, description = "Applications (the whole list unless `page`/`page_size` is sent)", body = Vec<crate::openapi::schemas::Application>),
        crate::openapi::responses::InvalidPagination
    )
)]
async fn list(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let pairs = crate::pagination::query_pairs(req.query_string())?;
    let page = input::page(&pairs, false)?;
    let filter = app_filter(&pairs)?;
    settle(&state, MODELS, None).await?;
    let window = input::window(page);
    let (items, total) = applications::list(&state.store.read_pool, &filter, window).await?;
    Ok(list_response(
        &state.endpoint,
        &req,
        &pairs,
        page,
        &items,
        total,
    ))
}

/// `types` (repeated or comma-separated), `isThirdParty`, `search`, `excludeRoleId`.
fn app_filter(pairs: &[(String, String)]) -> Result<applications::AppFilter, ApiError> {
    let mut filter = applications::AppFilter::default();
    for (key, value) in pairs {
        match key.as_str() {
            "types" | "types[]" => {
                for t in value.split(',').map(str::trim).filter(|t| !t.is_empty()) {
                    let Some(kind) = app_type(t) else {
                        return Err(ApiError::invalid_query(format!(
                            "types: unknown application type {t:?}"
                        )));
                    };
                    filter.types.push(applications::type_name(kind).to_owned());
                }
            }
            "isThirdParty" => {
                filter.is_third_party = Some(match value.as_str() {
                    "true" => true,
                    "false" => false,
                    _ => {
                        return Err(ApiError::invalid_query(
                            "isThirdParty: expected true or false",
                        ))
                    }
                })
            }
            "search" => filter.search = Some(value.clone()),
            "excludeRoleId" => filter.exclude_role_id = Some(value.clone()),
            _ => {}
        }
    }
    Ok(filter)
}

/// `description`: absent keeps, `null` clears, a string sets.
fn description(body: &mut Body) -> Option<Option<String>> {
    if !body.has("description") {
        return None;
    }
    Some(body.string("description"))
}

#[utoipa::path(
    post,
    path = "/api/applications",
    tag = "Applications",
    operation_id = "CreateApplication",
    request_body = crate::openapi::schemas::CreateApplication,
    responses(
        (status = 200, description = "The new application (with `secret` once, for confidential clients)", body = crate::openapi::schemas::Application),
        crate::openapi::responses::InvalidInput,
        (status = 422, description = "Refused (e.g. a redirect URI not allowed for the type)", body = crate::error::ErrorBody)
    )
)]
async fn create(
    state: web::Data<AppState>,
    request: RequestContext,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let mut body = json_object(payload).await?;
    let name = body.required_string("name");
    let kind = match body.required_string("type") {
        Some(t) => {
            let parsed = app_type(&t);
            if parsed.is_none() {
                body.issue(
                    "type",
                    "expected Native, SPA, Traditional or MachineToMachine",
                );
            }
            parsed
        }
        None => None,
    };
    let description = body.string("description");
    let oidc: OidcClientMetadata = body.typed("oidcClientMetadata").unwrap_or_default();
    let custom: CustomClientMetadata = body.typed("customClientMetadata").unwrap_or_default();
    let custom_data = body.object("customData").unwrap_or_default();
    let is_third_party = body.bool("isThirdParty").unwrap_or(false);
    body.finish()?;
    let (Some(name), Some(app_type)) = (name, kind) else {
        return Err(ApiError::invalid_body("name: required"));
    };
    let input = NewApplication {
        app_type,
        is_third_party,
        settings: ApplicationSettings {
            name,
            description,
            oidc_client_metadata: oidc,
            custom_client_metadata: custom,
            custom_data,
        },
    };
    let id = cmd::new_id(&state);
    let (secret, at) = cmd::create(&state, &request, &id, input, None).await?;
    let read = read(&state, &id, at).await;
    let mut view = super::fresh::or_from_log(read, super::fresh::application(&state, &id)).await?;
    view.secret = secret;
    // Logto answers 200 (not 201) to CreateApplication.
    Ok(HttpResponse::Ok().json(view))
}

#[utoipa::path(
    get,
    path = "/api/applications/{id}",
    tag = "Applications",
    operation_id = "GetApplication",
    params(
        ("id" = String, Path, description = "Application id")
    ),
    responses(
        (status = 200, description = "The application (with `isAdmin`)", body = crate::openapi::schemas::Application),
        crate::openapi::responses::ApplicationNotFound
    )
)]
async fn get(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    path_id(&id, "application")?;
    let mut view = read(&state, &id, None).await?;
    // Logto's `isAdmin`: the app can call the Management API (holds its `all` scope).
    let scopes = projections::access::m2m_scopes(
        &state.store.read_pool,
        &id,
        crate::auth::MANAGEMENT_API_INDICATOR,
    )
    .await?;
    view.is_admin = Some(
        scopes
            .iter()
            .any(|s| s == crate::auth::MANAGEMENT_API_SCOPE),
    );
    Ok(HttpResponse::Ok().json(view))
}

#[utoipa::path(
    patch,
    path = "/api/applications/{id}",
    tag = "Applications",
    operation_id = "UpdateApplication",
    params(
        ("id" = String, Path, description = "Application id")
    ),
    request_body = crate::openapi::schemas::UpdateApplication,
    responses(
        (status = 200, description = "The updated application", body = crate::openapi::schemas::Application),
        crate::openapi::responses::InvalidInput,
        crate::openapi::responses::ApplicationNotFound,
        (status = 422, description = "Refused by the application's state", body = crate::error::ErrorBody)
    )
)]
async fn update(
    state: web::Data<AppState>,
    request: RequestContext,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    path_id(&id, "application")?;
    let mut body = json_object(payload).await?;
    let changes = ApplicationChanges {
        name: body.string("name"),
        description: description(&mut body),
        oidc_client_metadata: body.object("oidcClientMetadata"),
        custom_client_metadata: body.object("customClientMetadata"),
        custom_data: body.object("customData"),
        is_admin: body.bool("isAdmin"),
    };
    body.finish()?;
    let at = cmd::update(&state, &request, &id, changes).await?;
    Ok(HttpResponse::Ok().json(read(&state, &id, at).await?))
}

#[utoipa::path(
    delete,
    path = "/api/applications/{id}",
    tag = "Applications",
    operation_id = "DeleteApplication",
    params(
        ("id" = String, Path, description = "Application id")
    ),
    responses(
        (status = 204, description = "Deleted"),
        crate::openapi::responses::ApplicationNotFound,
        (status = 422, description = "Refused (e.g. the bootstrap application)", body = crate::error::ErrorBody)
    )
)]
async fn delete(
    state: web::Data<AppState>,
    request: RequestContext,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    path_id(&id, "application")?;
    let at = cmd::run(&state, &request, &id, || ApplicationCommand::Delete).await?;
    settle(&state, MODELS, at).await?;
    Ok(HttpResponse::NoContent().finish())
}

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
async fn list_secrets(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    path_id(&id, "application")?;
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
        (status = 422, description = "Name in use, or a public client", body = crate::error::ErrorBody)
    )
)]
async fn add_secret(
    state: web::Data<AppState>,
    request: RequestContext,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    path_id(&id, "application")?;
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
        (status = 404, description = "No such application or secret", body = crate::error::ErrorBody)
    )
)]
async fn delete_secret(
    state: web::Data<AppState>,
    request: RequestContext,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, name) = path.into_inner();
    path_id(&id, "application")?;
    let at = cmd::run(&state, &request, &id, || ApplicationCommand::DeleteSecret {
        name: name.clone(),
    })
    .await?;
    settle(&state, MODELS, at).await?;
    Ok(HttpResponse::NoContent().finish())
}

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
async fn list_roles(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    path_id(&id, "application")?;
    let pairs = crate::pagination::query_pairs(req.query_string())?;
    let page = input::page(&pairs, false)?;
    read(&state, &id, None).await?;
    let all = applications::roles(&state.store.read_pool, &id).await?;
    let total = all.len() as u64;
    let items: Vec<_> = match input::window(page) {
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
        (status = 404, description = "No such application or role", body = crate::error::ErrorBody),
        (status = 422, description = "Role type or application type refused", body = crate::error::ErrorBody)
    )
)]
async fn assign_roles(
    state: web::Data<AppState>,
    request: RequestContext,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    path_id(&id, "application")?;
    let ids = input::role_ids(payload).await?;
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
        (status = 404, description = "No such application or role", body = crate::error::ErrorBody),
        (status = 422, description = "Role type or application type refused", body = crate::error::ErrorBody)
    )
)]
async fn replace_roles(
    state: web::Data<AppState>,
    request: RequestContext,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    path_id(&id, "application")?;
    let ids = input::role_ids(payload).await?;
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
        (status = 404, description = "No such application or role assignment", body = crate::error::ErrorBody)
    )
)]
async fn remove_role(
    state: web::Data<AppState>,
    request: RequestContext,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, role_id) = path.into_inner();
    path_id(&id, "application")?;
    path_id(&role_id, "role")?;
    let at = cmd::run(&state, &request, &id, || {
        ApplicationCommand::RemoveRole(role_id.clone())
    })
    .await?;
    settle(&state, MODELS, at).await?;
    Ok(HttpResponse::NoContent().finish())
}
