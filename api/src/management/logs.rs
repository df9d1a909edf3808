//! `/api/logs` and `/api/logs/{id}`: the audit log in Logto's shape, read only from the
//! `audit` read model.
//!
//! Logto's query: `userId`, `applicationId`, `logKey`, `start_time`/`end_time` (inclusive,
//! ms), `page`/`page_size` with `Total-Number` and `Link`, `enableCap` (count at most
//! 10,000, then `Total-Number: 10001` and `Total-Number-Is-Capped: true`, no `next`/`last`).
//! Ours: `eventType`, and `cursor` for large ranges: `cursor=` (empty) starts at the newest
//! entry, each answer's `Link: <…>; rel="next"` carries the opaque cursor of the next
//! step; cursor answers send no `Total-Number` (counting a large range is the cost a
//! cursor avoids).

use crate::state::AppState;
use crate::support::error::ApiError;
use crate::support::pagination;
use crate::support::pagination::{query_pairs, Page};
use actix_web::http::header::{HeaderName, LINK};
use actix_web::{web, HttpRequest, HttpResponse};
use app::transact::settle;
use app::AppError;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine;
use projections::audit::{self, Cursor, LogEntry, LogFilter, Paging};

const TOTAL_NUMBER: HeaderName = HeaderName::from_static("total-number");
const TOTAL_NUMBER_IS_CAPPED: HeaderName = HeaderName::from_static("total-number-is-capped");

/// Logto's `enableCap` threshold.
const COUNT_CAP: u64 = 10_000;

/// Longest id-like filter value accepted.
const MAX_FILTER_LEN: usize = 256;

pub fn configure(routes: &mut crate::guard::access::Routes) {
    let na = || web::to(crate::support::error::method_not_allowed);
    routes
        .resource(
            web::resource("/api/logs")
                .route(web::get().to(list))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/logs/{id}")
                .route(web::get().to(get))
                .default_service(na()),
        );
}

/// The parsed list query.
struct LogQuery {
    filter: LogFilter,
    page_size: u64,
    mode: Mode,
    enable_cap: bool,
}

enum Mode {
    Pages(Page),
    Cursor(Option<Cursor>),
}

fn last<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a String> {
    pairs.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
}

fn text_filter(pairs: &[(String, String)], key: &str) -> Result<Option<String>, ApiError> {
    match last(pairs, key) {
        None => Ok(None),
        Some(v) if v.is_empty() => {
            Err(ApiError::invalid_query(format!("{key}: must not be empty")))
        }
        Some(v) if v.len() > MAX_FILTER_LEN || v.contains('\0') => Err(ApiError::invalid_query(
            format!("{key}: expected at most {MAX_FILTER_LEN} characters without NUL"),
        )),
        Some(v) => Ok(Some(v.clone())),
    }
}

fn time_filter(pairs: &[(String, String)], key: &str) -> Result<Option<i64>, ApiError> {
    match last(pairs, key) {
        None => Ok(None),
        Some(v) => v.trim().parse::<i64>().map(Some).map_err(|_| {
            ApiError::invalid_query(format!("{key}: expected an integer (epoch milliseconds)"))
        }),
    }
}

pub fn encode_cursor(cursor: &Cursor) -> String {
    B64URL.encode(cursor.to_text())
}

fn decode_cursor(token: &str) -> Result<Option<Cursor>, ApiError> {
    if token.is_empty() {
        return Ok(None);
    }
    B64URL
        .decode(token)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| Cursor::from_text(&text))
        .map(Some)
        .ok_or_else(|| ApiError::invalid_query("cursor: not a cursor from a previous answer"))
}

fn parse(pairs: &[(String, String)]) -> Result<LogQuery, ApiError> {
    let filter = LogFilter {
        user_id: text_filter(pairs, "userId")?,
        application_id: text_filter(pairs, "applicationId")?,
        log_key: text_filter(pairs, "logKey")?,
        event_type: text_filter(pairs, "eventType")?,
        start_time: time_filter(pairs, "start_time")?,
        end_time: time_filter(pairs, "end_time")?,
    };
    if let (Some(start), Some(end)) = (filter.start_time, filter.end_time) {
        if start > end {
            return Err(ApiError::invalid_query(
                "start_time: must not be after end_time",
            ));
        }
    }
    let enable_cap = match last(pairs, "enableCap").map(String::as_str) {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(ApiError::invalid_query("enableCap: expected true or false")),
    };
    let page = pagination::page(pairs, true)?.unwrap_or_default();
    let mode = match last(pairs, "cursor") {
        None => Mode::Pages(page),
        Some(_) if last(pairs, "page").is_some() => {
            return Err(ApiError::invalid_query(
                "page: cannot be combined with cursor",
            ))
        }
        Some(token) => Mode::Cursor(decode_cursor(token)?),
    };
    Ok(LogQuery {
        filter,
        page_size: page.page_size,
        mode,
        enable_cap,
    })
}

#[utoipa::path(
    get,
    path = "/api/logs",
    tag = "Logs",
    operation_id = "ListLogs",
    params(
        ("page" = Option<u64>, Query, description = "1-based page; with `page_size`, the answer is paginated (`Total-Number`, `Link`)"),
        ("page_size" = Option<u64>, Query, description = "Items per page, 1 to 100 (default 20)"),
        ("userId" = Option<String>, Query, description = "Entries about this user"),
        ("applicationId" = Option<String>, Query, description = "Entries of this application"),
        ("logKey" = Option<String>, Query, description = "Logto log key"),
        ("eventType" = Option<String>, Query, description = "Tessera event type"),
        ("start_time" = Option<i64>, Query, description = "Epoch ms, inclusive"),
        ("end_time" = Option<i64>, Query, description = "Epoch ms, inclusive"),
        ("enableCap" = Option<bool>, Query, description = "Count at most 10,000 (`Total-Number-Is-Capped`)"),
        ("cursor" = Option<String>, Query, description = "Cursor paging: empty to start; the next one is in `Link: rel=next`")
    ),
    responses(
        (status = 200, description = "Entries, newest first", body = Vec<crate::openapi::schemas::Log>),
        crate::openapi::responses::InvalidPagination
    )
)]
async fn list(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let pairs = query_pairs(req.query_string())?;
    let query = parse(&pairs)?;
    settle(&state, &[audit::NAME], None).await?;
    let pool = &state.store.read_pool;
    let base = format!("{}{}", state.endpoint.trim_end_matches('/'), req.path());
    match query.mode {
        Mode::Pages(page) => {
            let paging = Paging::Offset {
                limit: page.page_size,
                offset: page.offset(),
            };
            let items = audit::list(pool, &query.filter, &paging).await?;
            let cap = query.enable_cap.then_some(COUNT_CAP);
            let total = audit::count(pool, &query.filter, cap).await?;
            let capped = query.enable_cap && total > COUNT_CAP;
            let mut response = HttpResponse::Ok();
            response.insert_header((TOTAL_NUMBER, total.to_string()));
            if capped {
                response.insert_header((TOTAL_NUMBER_IS_CAPPED, "true"));
            }
            for link in page.links(&base, &pairs, total) {
                // A capped total cannot say where the last page is, nor whether there is a
                // next one: the client walks on until an empty page.
                if capped && (link.ends_with("rel=\"next\"") || link.ends_with("rel=\"last\"")) {
                    continue;
                }
                response.append_header((LINK, link));
            }
            Ok(response.json(items))
        }
        Mode::Cursor(cursor) => {
            let paging = Paging::After {
                limit: query.page_size,
                cursor,
            };
            let items = audit::list(pool, &query.filter, &paging).await?;
            let mut response = HttpResponse::Ok();
            if let Some(link) = next_cursor_link(&base, &pairs, &items, query.page_size) {
                response.append_header((LINK, link));
            }
            Ok(response.json(items))
        }
    }
}

/// `rel="next"` while a full page came back (a short page is the end of the range).
fn next_cursor_link(
    base: &str,
    pairs: &[(String, String)],
    items: &[LogEntry],
    page_size: u64,
) -> Option<String> {
    let last = items.last()?;
    if (items.len() as u64) < page_size {
        return None;
    }
    let mut query: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, _)| k != "cursor" && k != "page")
        .cloned()
        .collect();
    query.push(("cursor".into(), encode_cursor(&last.cursor())));
    let query = serde_urlencoded::to_string(&query).unwrap_or_default();
    Some(format!("<{base}?{query}>; rel=\"next\""))
}

#[utoipa::path(
    get,
    path = "/api/logs/{id}",
    tag = "Logs",
    operation_id = "GetLog",
    params(
        ("id" = String, Path, description = "Log id")
    ),
    responses(
        (status = 200, description = "The entry", body = crate::openapi::schemas::Log),
        (status = 404, description = "No log with this id (`entity.not_exists_with_id`)", body = crate::support::error::ErrorBody)
    )
)]
async fn get(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let not_found = || AppError::NotExistsWithId {
        entity: "log",
        id: id.clone(),
    };
    // Log ids are event ids (UUIDs); anything else cannot exist.
    if uuid::Uuid::parse_str(&id).is_err() {
        return Err(not_found().into());
    }
    settle(&state, &[audit::NAME], None).await?;
    match audit::get(&state.store.read_pool, &id).await? {
        Some(entry) => Ok(HttpResponse::Ok().json(entry)),
        None => Err(not_found().into()),
    }
}
