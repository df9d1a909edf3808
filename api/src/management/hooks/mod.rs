//! `/api/hooks` in Logto's shape: CRUD, signing-key rotation, a synchronous test delivery
//! and the delivery log (`recent-logs`). Answers come from the `hooks` and `hook_logs`
//! read models after the write is projected (bounded wait); the signing key is stored
//! sealed and opened for the answer.

pub mod recent_logs;
pub mod test_delivery;

use crate::state::AppState;
use crate::support::body::{self, json_object, Body};
use crate::support::error::ApiError;
use crate::support::pagination::{self, list_response};
use crate::support::path_id::{Hook, Id};
use crate::support::request::RequestContext;
use actix_web::{web, HttpRequest, HttpResponse};
use app::commands::hooks::{self as cmd, HookPatch};
use app::transact::settle;
use app::AppError;
use domain::hook::{Headers, HookSettings};
use projections::hooks::{self, ExecutionStats, HookRow};
use projections::hooks_log::{self};
use serde::Serialize;
use serde_json::{json, Value};
use store::Position;

pub fn configure(routes: &mut crate::guard::access::Routes) {
    let na = || web::to(crate::support::error::method_not_allowed);
    routes
        .resource(
            web::resource("/api/hooks")
                .route(web::get().to(list))
                .route(web::post().to(create))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/hooks/{id}")
                .route(web::get().to(get))
                .route(web::patch().to(update))
                .route(web::delete().to(delete))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/hooks/{id}/signing-key")
                .route(web::patch().to(rotate_signing_key))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/hooks/{id}/test")
                .route(web::post().to(test_delivery::test))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/hooks/{id}/recent-logs")
                .route(web::get().to(recent_logs::recent_logs))
                .default_service(na()),
        );
}

/// `executionStats` and `recent-logs` look back this far by default (Logto: 24 h).
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Logto's Hook object.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HookView {
    pub tenant_id: &'static str,
    pub id: String,
    pub name: String,
    /// Logto's deprecated single event; Tessera stores `events` only.
    pub event: Option<String>,
    pub events: Vec<String>,
    pub config: Value,
    pub signing_key: String,
    pub enabled: bool,
    pub created_at: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution_stats: Option<ExecutionStats>,
}

fn view(state: &AppState, row: HookRow) -> Result<HookView, ApiError> {
    let mut config = json!({ "url": row.url });
    let headers = cmd::open_headers(state, &row.id, row.sealed_headers.as_deref())?;
    if !headers.is_empty() {
        config["headers"] = json!(headers);
    }
    Ok(HookView {
        tenant_id: projections::TENANT_ID,
        signing_key: cmd::open_signing_key(state, &row.id, &row.sealed_signing_key)?,
        id: row.id,
        name: row.name,
        event: None,
        events: row.events,
        config,
        enabled: row.enabled,
        created_at: row.created_at,
        execution_stats: None,
    })
}

async fn with_stats(state: &AppState, mut view: HookView) -> Result<HookView, ApiError> {
    let since = state.clock.now().as_millis() - DAY_MS;
    view.execution_stats =
        Some(hooks::execution_stats(&state.store.read_pool, &view.id, since).await?);
    Ok(view)
}

async fn read(state: &AppState, id: &str, at: Option<Position>) -> Result<HookView, ApiError> {
    settle(state, &[hooks::NAME], at).await?;
    let row = hooks::get(&state.store.read_pool, id)
        .await?
        .ok_or_else(|| AppError::NotExistsWithId {
            entity: "hook",
            id: id.to_owned(),
        })?;
    view(state, row)
}

fn include_stats(pairs: &[(String, String)]) -> bool {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| k == "includeExecutionStats")
        .is_some_and(|(_, v)| v == "true")
}

#[utoipa::path(
    get,
    path = "/api/hooks",
    tag = "Hooks",
    operation_id = "ListHooks",
    params(
        ("page" = Option<u64>, Query, description = "1-based page; with `page_size`, the answer is paginated (`Total-Number`, `Link`)"),
        ("page_size" = Option<u64>, Query, description = "Items per page, 1 to 100 (default 20)"),
        ("includeExecutionStats" = Option<bool>, Query, description = "Add `executionStats` (last 24 h)")
    ),
    responses(
        (status = 200, description = "Hooks (the whole list unless `page`/`page_size` is sent)", body = Vec<crate::openapi::schemas::Hook>),
        crate::openapi::responses::InvalidPagination
    )
)]
async fn list(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let pairs = crate::support::pagination::query_pairs(req.query_string())?;
    let page = pagination::page(&pairs, false)?;
    let stats = include_stats(&pairs);
    settle(&state, &[hooks::NAME], None).await?;
    if stats {
        settle(&state, &[hooks_log::NAME], None).await?;
    }
    let (rows, total) = hooks::list(&state.store.read_pool, pagination::window(page)).await?;
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        let v = view(&state, row)?;
        items.push(if stats {
            with_stats(&state, v).await?
        } else {
            v
        });
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

/// `events` (or the legacy single `event`), as strings.
fn events(body: &mut Body) -> Option<Vec<String>> {
    let list = body.strings("events");
    match (list, body.string("event")) {
        (Some(list), _) => Some(list),
        (None, Some(one)) => Some(vec![one]),
        (None, None) => None,
    }
}

/// `config {url, headers?, retries?}`; `retries` is accepted and ignored (deprecated in
/// Logto; Tessera's retry schedule is server-wide).
fn config(body: &mut Body, required: bool) -> (Option<String>, Option<Headers>) {
    let Some(config) = body.object("config") else {
        if required && !body.has("config") {
            body.issue("config", "required");
        }
        return (None, None);
    };
    let url = match config.get("url") {
        Some(Value::String(u)) => Some(u.clone()),
        None | Some(Value::Null) if required => {
            body.issue("config.url", "required");
            None
        }
        None | Some(Value::Null) => None,
        Some(other) => {
            body.issue(
                "config.url",
                format_args!("expected string, received {}", body::type_name(other)),
            );
            None
        }
    };
    let headers = match config.get("headers") {
        None | Some(Value::Null) => None,
        Some(value) => match serde_json::from_value::<Headers>(value.clone()) {
            Ok(h) => Some(h),
            Err(_) => {
                body.issue("config.headers", "expected an object of strings");
                None
            }
        },
    };
    (url, headers)
}

#[utoipa::path(
    post,
    path = "/api/hooks",
    tag = "Hooks",
    operation_id = "CreateHook",
    request_body = crate::openapi::schemas::CreateHook,
    responses(
        (status = 201, description = "The new hook", body = crate::openapi::schemas::Hook),
        crate::openapi::responses::InvalidInput
    )
)]
async fn create(
    state: web::Data<AppState>,
    request: RequestContext,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let mut body = json_object(payload).await?;
    let name = body.string("name").unwrap_or_default();
    let events = events(&mut body);
    let (url, headers) = config(&mut body, true);
    let enabled = body.bool("enabled").unwrap_or(true);
    body.finish()?;
    let Some(url) = url else {
        return Err(ApiError::invalid_body("config.url: required"));
    };
    let settings = HookSettings {
        name,
        events: events.unwrap_or_default(),
        url,
        headers: headers.unwrap_or_default(),
        enabled,
    };
    let id = cmd::new_id(&state);
    let at = cmd::create(&state, &request, &id, settings).await?;
    // Logto answers 201 to CreateHook.
    Ok(HttpResponse::Created().json(read(&state, &id, at).await?))
}

#[utoipa::path(
    get,
    path = "/api/hooks/{id}",
    tag = "Hooks",
    operation_id = "GetHook",
    params(
        ("id" = String, Path, description = "Hook id"),
        ("includeExecutionStats" = Option<bool>, Query, description = "Add `executionStats`")
    ),
    responses(
        (status = 200, description = "The hook", body = crate::openapi::schemas::Hook),
        crate::openapi::responses::HookNotFound
    )
)]
async fn get(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: Id<Hook>,
) -> Result<HttpResponse, ApiError> {
    let pairs = crate::support::pagination::query_pairs(req.query_string())?;
    let mut hook = read(&state, &id, None).await?;
    if include_stats(&pairs) {
        settle(&state, &[hooks_log::NAME], None).await?;
        hook = with_stats(&state, hook).await?;
    }
    Ok(HttpResponse::Ok().json(hook))
}

#[utoipa::path(
    patch,
    path = "/api/hooks/{id}",
    tag = "Hooks",
    operation_id = "UpdateHook",
    params(
        ("id" = String, Path, description = "Hook id")
    ),
    request_body = crate::openapi::schemas::UpdateHook,
    responses(
        (status = 200, description = "The updated hook", body = crate::openapi::schemas::Hook),
        crate::openapi::responses::InvalidInput,
        crate::openapi::responses::HookNotFound
    )
)]
async fn update(
    state: web::Data<AppState>,
    request: RequestContext,
    id: Id<Hook>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let mut body = json_object(payload).await?;
    let name = body.string("name");
    let events = events(&mut body);
    let (url, headers) = config(&mut body, false);
    let patch = HookPatch {
        name,
        events,
        url,
        headers,
        enabled: body.bool("enabled"),
    };
    body.finish()?;
    let at = cmd::update(&state, &request, &id, patch).await?;
    Ok(HttpResponse::Ok().json(read(&state, &id, at).await?))
}

#[utoipa::path(
    delete,
    path = "/api/hooks/{id}",
    tag = "Hooks",
    operation_id = "DeleteHook",
    params(
        ("id" = String, Path, description = "Hook id")
    ),
    responses(
        (status = 204, description = "Deleted"),
        crate::openapi::responses::HookNotFound
    )
)]
async fn delete(
    state: web::Data<AppState>,
    request: RequestContext,
    id: Id<Hook>,
) -> Result<HttpResponse, ApiError> {
    let at = cmd::delete(&state, &request, &id).await?;
    settle(&state, &[hooks::NAME], at).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(
    patch,
    path = "/api/hooks/{id}/signing-key",
    tag = "Hooks",
    operation_id = "UpdateHookSigningKey",
    params(
        ("id" = String, Path, description = "Hook id")
    ),
    responses(
        (status = 200, description = "The hook with its new signing key", body = crate::openapi::schemas::Hook),
        crate::openapi::responses::HookNotFound
    )
)]
async fn rotate_signing_key(
    state: web::Data<AppState>,
    request: RequestContext,
    id: Id<Hook>,
) -> Result<HttpResponse, ApiError> {
    let at = cmd::rotate_signing_key(&state, &request, &id).await?;
    Ok(HttpResponse::Ok().json(read(&state, &id, at).await?))
}
