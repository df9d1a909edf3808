//! `/api/applications`, its secrets and its roles, in Logto's shape. A confidential
//! client's first secret is generated here and returned once, in `secret` of the create
//! answer; afterwards only secret names and lifetimes are readable.

pub mod m2m_roles;
pub mod secrets;
pub mod sign_in_experience;

use crate::state::AppState;
use crate::support::body::{json_object, Body};
use crate::support::error::ApiError;
use crate::support::pagination::{self, list_response};
use crate::support::path_id::{Application, Id};
use crate::support::request::RequestContext;
use actix_web::{web, HttpRequest, HttpResponse};
use app::commands::applications::{self as cmd, ApplicationChanges, NewApplication};
use app::transact::settle;
use app::AppError;
use domain::application::{
    ApplicationCommand, ApplicationSettings, ApplicationType, CustomClientMetadata,
    OidcClientMetadata,
};
use projections::{applications, resources, roles};
use store::Position;

pub fn configure(routes: &mut crate::guard::access::Routes) {
    let na = || web::to(crate::support::error::method_not_allowed);
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
                .route(web::get().to(secrets::list_secrets))
                .route(web::post().to(secrets::add_secret))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/applications/{id}/secrets/{name}")
                .route(web::delete().to(secrets::delete_secret))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/applications/{id}/roles")
                .route(web::get().to(m2m_roles::list_roles))
                .route(web::post().to(m2m_roles::assign_roles))
                .route(web::put().to(m2m_roles::replace_roles))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/applications/{id}/sign-in-experience")
                .route(web::get().to(sign_in_experience::get))
                .route(web::put().to(sign_in_experience::put))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/applications/{id}/roles/{roleId}")
                .route(web::delete().to(m2m_roles::remove_role))
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
        .ok_or_else(|| AppError::NotExistsWithId {
            entity: "application",
            id: id.to_owned(),
        })
        .map_err(ApiError::from)
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
    let pairs = crate::support::pagination::query_pairs(req.query_string())?;
    let page = pagination::page(&pairs, false)?;
    let filter = app_filter(&pairs)?;
    settle(&state, MODELS, None).await?;
    let window = pagination::window(page);
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
        (status = 422, description = "Refused (e.g. a redirect URI not allowed for the type)", body = crate::support::error::ErrorBody)
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
    let mut view = crate::management::just_created::or_from_log(
        read,
        crate::management::just_created::application(&state, &id),
    )
    .await?;
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
async fn get(state: web::Data<AppState>, id: Id<Application>) -> Result<HttpResponse, ApiError> {
    let mut view = read(&state, &id, None).await?;
    // Logto's `isAdmin`: the app can call the Management API (holds its `all` scope).
    let scopes = projections::access::m2m_scopes(
        &state.store.read_pool,
        &id,
        crate::guard::management_token::MANAGEMENT_API_INDICATOR,
    )
    .await?;
    view.is_admin = Some(
        scopes
            .iter()
            .any(|s| s == crate::guard::management_token::MANAGEMENT_API_SCOPE),
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
        (status = 422, description = "Refused by the application's state", body = crate::support::error::ErrorBody)
    )
)]
async fn update(
    state: web::Data<AppState>,
    request: RequestContext,
    id: Id<Application>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
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
        (status = 422, description = "Refused (e.g. the bootstrap application)", body = crate::support::error::ErrorBody)
    )
)]
async fn delete(
    state: web::Data<AppState>,
    request: RequestContext,
    id: Id<Application>,
) -> Result<HttpResponse, ApiError> {
    let at = cmd::run(&state, &request, &id, || ApplicationCommand::Delete).await?;
    settle(&state, MODELS, at).await?;
    Ok(HttpResponse::NoContent().finish())
}
