//! `GET /api/hooks/{id}/recent-logs`: the hook's delivery attempts of the last 24 hours.

use super::DAY_MS;
use crate::state::AppState;
use crate::support::error::ApiError;
use crate::support::pagination::{self, list_response};
use crate::support::path_id::{Hook, Id};
use actix_web::{web, HttpRequest, HttpResponse};
use app::transact::settle;
use app::AppError;
use projections::hooks::{self};
use projections::hooks_log::{self, LogFilter};

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
pub(super) async fn recent_logs(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: Id<Hook>,
) -> Result<HttpResponse, ApiError> {
    let pairs = crate::support::pagination::query_pairs(req.query_string())?;
    let page = pagination::page(&pairs, true)?;
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
        return Err(AppError::NotExistsWithId {
            entity: "hook",
            id: id.to_string(),
        }
        .into());
    }
    let filter = LogFilter {
        hook_id: id.into_string(),
        start_ms,
        end_ms,
        log_key: last("logKey").cloned(),
    };
    let window = pagination::window(page).unwrap_or(projections::Window {
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
