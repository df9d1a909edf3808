//! `/api/hooks` in Logto's shape: CRUD, signing-key rotation, a synchronous test delivery
//! and the delivery log (`recent-logs`). Answers come from the `hooks` and `hook_logs`
//! read models after the write is projected (bounded wait); the signing key is stored
//! sealed and opened for the answer.

use super::input::{self, json_object, list_response, path_id, Body};
use crate::error::ApiError;
use crate::request::RequestContext;
use crate::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use app::commands::hooks::{self as cmd, HookPatch};
use app::transact::settle;
use domain::hook::{Headers, Hook, HookSettings};
use projections::hooks::{self, ExecutionStats, HookRow};
use projections::hooks_log::{self, LogFilter};
use serde::Serialize;
use serde_json::{json, Value};
use store::Position;
use webhooks::sender::Outgoing;

pub fn configure(routes: &mut crate::access::Routes) {
    let na = || web::to(super::method_not_allowed);
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
                .route(web::post().to(test))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/hooks/{id}/recent-logs")
                .route(web::get().to(recent_logs))
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
        .ok_or_else(|| ApiError::NotExistsWithId {
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
    let pairs = crate::pagination::query_pairs(req.query_string())?;
    let page = input::page(&pairs, false)?;
    let stats = include_stats(&pairs);
    settle(&state, &[hooks::NAME], None).await?;
    if stats {
        settle(&state, &[hooks_log::NAME], None).await?;
    }
    let (rows, total) = hooks::list(&state.store.read_pool, input::window(page)).await?;
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
                format_args!("expected string, received {}", input::type_name(other)),
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
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    path_id(&id, "hook")?;
    let pairs = crate::pagination::query_pairs(req.query_string())?;
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
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    path_id(&id, "hook")?;
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
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    path_id(&id, "hook")?;
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
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    path_id(&id, "hook")?;
    let at = cmd::rotate_signing_key(&state, &request, &id).await?;
    Ok(HttpResponse::Ok().json(read(&state, &id, at).await?))
}

/// Sends a sample payload per event to the given config, synchronously, signed with the
/// hook's key. Nothing is recorded (Logto logs no test deliveries either).
#[utoipa::path(
    post,
    path = "/api/hooks/{id}/test",
    tag = "Hooks",
    operation_id = "CreateHookTest",
    params(
        ("id" = String, Path, description = "Hook id")
    ),
    request_body = crate::openapi::schemas::TestHook,
    responses(
        (status = 204, description = "The endpoint answered 2xx"),
        crate::openapi::responses::InvalidInput,
        crate::openapi::responses::HookNotFound,
        (status = 422, description = "The endpoint failed or answered an error (`hook.endpoint_responded_with_error`, `hook.send_test_payload_failed`)", body = crate::error::ErrorBody)
    )
)]
async fn test(
    state: web::Data<AppState>,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    path_id(&id, "hook")?;
    let mut body = json_object(payload).await?;
    let events = events(&mut body);
    if events.is_none() && !body.has("events") {
        body.issue("events", "required");
    }
    let (url, headers) = config(&mut body, true);
    body.finish()?;
    let (Some(events), Some(url)) = (events, url) else {
        return Err(ApiError::invalid_body("config.url: required"));
    };
    if let Some(unknown) = events
        .iter()
        .find(|e| !domain::hook::logto_events::is_known(e))
    {
        return Err(ApiError::invalid_body(format!(
            "events: unknown event {unknown:?}"
        )));
    }
    domain::hook::check_url(&url).map_err(cmd::hook_error(&id))?;
    cmd::check_url(&state, &url).await?;
    let hook = state.store.repository().load::<Hook>(&id).await?.aggregate;
    let Some(hook) = hook.state() else {
        return Err(ApiError::NotExistsWithId {
            entity: "hook",
            id: id.clone(),
        });
    };
    let key = cmd::open_signing_key(&state, &id, &hook.sealed_signing_key)?;
    let headers = headers.unwrap_or_default();
    let now = state.clock.now().as_millis();
    for event in &events {
        let sample = webhooks::payload::sample(&id, event, now).to_string();
        let webhook_id = format!("test-{}", cmd::new_id(&state));
        let response = state
            .webhooks
            .send(&Outgoing {
                url: &url,
                headers: &headers,
                signing_key: &key,
                webhook_id: &webhook_id,
                body: &sample,
            })
            .await;
        match response.status {
            Some(_) if response.is_success() => {}
            Some(status) => {
                return Err(ApiError::UnprocessableWith {
                    code: "hook.endpoint_responded_with_error",
                    message: "The endpoint responded with an error.".into(),
                    data: json!({
                        "responseStatus": status,
                        "responseBody": response.body_excerpt.unwrap_or_default(),
                    }),
                })
            }
            None => {
                // One message whatever failed (refused address, DNS, connection, timeout):
                // the reason would tell the caller about the server's network.
                tracing::info!(hook = %id, error = %response.error.unwrap_or_default(), "test delivery failed");
                return Err(ApiError::UnprocessableWith {
                    code: "hook.send_test_payload_failed",
                    message: "Failed to send the test payload.".into(),
                    data: json!({}),
                });
            }
        }
    }
    Ok(HttpResponse::NoContent().finish())
}

/// Delivery attempts of a hook, newest first, always paginated; default window: the
/// last 24 hours (`start_time`/`end_time` in epoch ms override it).
#[utoipa::path(
    get,
    path = "/api/hooks/{id}/recent-logs",
    tag = "Hooks",
    operation_id = "ListHookRecentLogs",
    params(
        ("id" = String, Path, description = "Hook id"),
        ("page" = Option<u64>, Query, description = "1-based page; with `page_size`, the answer is paginated (`Total-Number`, `Link`)"),
        ("page_size" = Option<u64>, Query, description = "Items per page, 1 to 100 (default 20)"),
        ("logKey" = Option<String>, Query, description = "Only this key"),
        ("start_time" = Option<i64>, Query, description = "Epoch ms (default: 24 h ago)"),
        ("end_time" = Option<i64>, Query, description = "Epoch ms")
    ),
    responses(
        (status = 200, description = "Deliveries, newest first (`Total-Number`, `Link`)", body = Vec<crate::openapi::schemas::Log>),
        crate::openapi::responses::InvalidPagination,
        crate::openapi::responses::HookNotFound
    )
)]
async fn recent_logs(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    path_id(&id, "hook")?;
    let pairs = crate::pagination::query_pairs(req.query_string())?;
    let page = input::page(&pairs, true)?;
    let last = |key: &str| pairs.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v);
    let millis = |key: &str| -> Result<Option<i64>, ApiError> {
        match last(key) {
            None => Ok(None),
            Some(v) => v.parse::<i64>().map(Some).map_err(|_| {
                ApiError::invalid_query(format!("{key}: expected epoch milliseconds"))
            }),
        }
    };
    let now = state.clock.now().as_millis();
    let end_ms = millis("end_time")?.unwrap_or(now);
    let start_ms = millis("start_time")?.unwrap_or(end_ms.saturating_sub(DAY_MS));
    settle(&state, &[hooks::NAME, hooks_log::NAME], None).await?;
    if hooks::get(&state.store.read_pool, &id).await?.is_none() {
        return Err(ApiError::NotExistsWithId {
            entity: "hook",
            id: id.clone(),
        });
    }
    let filter = LogFilter {
        hook_id: id,
        start_ms,
        end_ms,
        log_key: last("logKey").cloned(),
    };
    let window = input::window(page).unwrap_or(projections::Window {
        limit: projections::users::DEFAULT_PAGE_SIZE,
        offset: 0,
    });
    let (logs, total) = hooks_log::recent(&state.store.read_pool, &filter, window).await?;
    Ok(list_response(
        &state.endpoint,
        &req,
        &pairs,
        page,
        &logs,
        total,
    ))
}
