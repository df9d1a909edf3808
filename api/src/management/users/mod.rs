//! `/api/users` in the shape of Logto's Management API: `CreateUser`, `GetUser`,
//! `ListUsers` here; updates, password, custom data, profile, suspension and deletion in
//! `manage.rs`; their bodies in `support/body/users.rs`.
//!
//! Reads come from the `users` read model. A read right after a write could race the
//! projector, so reads first wait (briefly, bounded) for the `users` projector to reach
//! the log head as it was when the request arrived: `GET /api/users/{id}` only when the
//! row is missing, `GET /api/users` always. See `AppState::await_projection`.

pub(crate) mod logto_config;
pub(crate) mod manage;
pub(crate) mod mfa;
pub(crate) mod personal_access_tokens;

use crate::state::AppState;
use crate::support::body::users::parse_create_user;
use crate::support::error::ApiError;
use crate::support::pagination::{query_pairs, Page};
use crate::support::request::RequestContext;
use actix_web::http::header::{HeaderName, LINK};
use actix_web::{web, HttpRequest, HttpResponse};
use app::commands::users::create_user;
use app::AppError;
use projections::users::{self, UserQuery};
use std::time::Duration;

/// Largest accepted request body.
/// How long a `GET /api/users/{id}` miss waits for the projector to catch up.
pub(crate) const GET_CONSISTENCY_WAIT: Duration = Duration::from_secs(3);
/// How long a list waits for the projector to reach the head seen on arrival.
const LIST_CONSISTENCY_WAIT: Duration = Duration::from_secs(1);

const TOTAL_NUMBER: HeaderName = HeaderName::from_static("total-number");

pub fn configure(routes: &mut crate::guard::access::Routes) {
    routes
        .resource(
            web::resource("/api/users")
                .route(web::get().to(list))
                .route(web::post().to(create))
                .default_service(web::to(crate::support::error::method_not_allowed)),
        )
        .resource(
            web::resource("/api/users/{userId}")
                .route(web::get().to(get))
                .route(web::patch().to(manage::update))
                .route(web::delete().to(manage::delete))
                .default_service(web::to(crate::support::error::method_not_allowed)),
        );
    manage::configure(routes);
    mfa::configure(routes);
    personal_access_tokens::configure(routes);
    logto_config::configure(routes);
}

#[utoipa::path(
    post,
    path = "/api/users",
    tag = "Users",
    operation_id = "CreateUser",
    request_body = crate::openapi::schemas::CreateUser,
    responses(
        (status = 200, description = "The new user", body = crate::openapi::schemas::User),
        crate::openapi::responses::InvalidInput,
        (status = 422, description = "Username, email or phone in use (`user.*_already_in_use`)", body = crate::support::error::ErrorBody)
    )
)]
async fn create(
    state: web::Data<AppState>,
    request: RequestContext,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = crate::support::body::read_bounded(payload).await?;
    let input = parse_create_user(&body)?;
    let user = create_user(&state, input, &request).await?;
    // Logto answers 200 (not 201) to CreateUser.
    Ok(HttpResponse::Ok().json(user))
}

/// Logto's truthy query values (`true`, `1`, `yes`).
fn truthy(req: &HttpRequest, key: &str) -> Result<bool, ApiError> {
    let pairs = query_pairs(req.query_string())?;
    Ok(pairs
        .iter()
        .any(|(k, v)| k == key && matches!(v.as_str(), "true" | "1" | "yes")))
}

#[utoipa::path(
    get,
    path = "/api/users/{userId}",
    tag = "Users",
    operation_id = "GetUser",
    params(
        ("userId" = String, Path, description = "User id")
    ),
    responses(
        (status = 200, description = "The user", body = crate::openapi::schemas::User),
        crate::openapi::responses::UserNotFound
    )
)]
async fn get(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let view = manage::fresh_view(&state, &id).await?;
    if !truthy(&req, "includePasswordHash")? {
        return Ok(HttpResponse::Ok().json(view));
    }
    // The read model never holds digests (invariant 7); the aggregate, decrypted from the
    // log, does.
    let mut body = serde_json::to_value(view).map_err(ApiError::internal)?;
    let user: domain::user::User = state.store.repository().load(&id).await?.aggregate;
    let password = user.state().and_then(|s| s.password.clone());
    if let serde_json::Value::Object(map) = &mut body {
        map.insert(
            "passwordDigest".into(),
            password.as_ref().map(|p| p.digest.clone()).into(),
        );
        map.insert(
            "passwordAlgorithm".into(),
            password.map(|p| p.algorithm.as_str()).into(),
        );
    }
    Ok(HttpResponse::Ok().json(body))
}

#[utoipa::path(
    get,
    path = "/api/users",
    tag = "Users",
    operation_id = "ListUsers",
    params(
        ("page" = Option<u64>, Query, description = "1-based page; with `page_size`, the answer is paginated (`Total-Number`, `Link`)"),
        ("page_size" = Option<u64>, Query, description = "Items per page, 1 to 100 (default 20)"),
        ("search" = Option<String>, Query, description = "Value searched in id, primaryEmail, primaryPhone, username, name; `search.<field>` for one field"),
        ("mode" = Option<String>, Query, description = "`like` (default) or `exact`; `mode.<field>` per field"),
        ("joint" = Option<String>, Query, description = "`or` (default) or `and`"),
        ("isCaseSensitive" = Option<bool>, Query, description = "Default false"),
        ("excludeRoleId" = Option<String>, Query, description = "Leave out users holding this role")
    ),
    responses(
        (status = 200, description = "Users, newest first (`Total-Number`, `Link`)", body = Vec<crate::openapi::schemas::User>),
        crate::openapi::responses::InvalidPagination
    )
)]
async fn list(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let pairs = query_pairs(req.query_string())?;
    let mut query = UserQuery::from_pairs(pairs.iter().map(|(k, v)| (k, v)))?;
    query.regex_timeout = state.user_search_timeout;
    if query.needs_postgres() && state.store.backend != store::Backend::Postgres {
        // SQLite has no regular expressions; say so rather than answer wrongly.
        return Err(AppError::InvalidRequest {
            details: "search modes similar_to and posix need the Postgres backend".into(),
        }
        .into());
    }
    let page = Page {
        page: query.page,
        page_size: query.page_size,
    };
    // A list reflects at least every write that finished before this request arrived,
    // unless the projector is far behind (then it answers what it has after the wait).
    state
        .await_projection_head(users::NAME, LIST_CONSISTENCY_WAIT)
        .await?;
    let (rows, total) = users::list(&state.store.read_pool, &query).await?;
    let views = rows
        .iter()
        .map(users::UserRow::to_view)
        .collect::<Result<Vec<_>, _>>()?;
    let base = format!("{}{}", state.endpoint.trim_end_matches('/'), req.path());
    let mut response = HttpResponse::Ok();
    response.insert_header((TOTAL_NUMBER, total.to_string()));
    for link in page.links(&base, &pairs, total) {
        response.append_header((LINK, link));
    }
    Ok(response.json(views))
}
