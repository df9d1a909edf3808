//! User sessions in Logto's Management API shape (docs/logto/management-api.md#sessions-and-grants): `GET
//! /api/users/{userId}/sessions`, `GET`/`DELETE /api/users/{userId}/sessions/{sessionId}`
//! with `revokeGrantsTarget`. Lists come from the `sessions` and `grants` read models
//! (after they caught up with the log head); a deletion is decided on the aggregates
//! (`commands::sessions`).

use crate::state::AppState;
use crate::support::error::ApiError;
use crate::support::path_id::{Id, User};
use crate::support::request::RequestContext;
use crate::views::sessions::{grants_target, rendered_for_user, rendered_one};
use actix_web::{web, HttpRequest, HttpResponse};
use app::commands::sessions::{self as cmd};
use app::transact::settle;
use app::AppError;
use projections::{grants, sessions, users};
use serde_json::{json, Value};

pub fn configure(routes: &mut crate::guard::access::Routes) {
    let na = || web::to(crate::support::error::method_not_allowed);
    routes
        .resource(
            web::resource("/api/users/{userId}/sessions")
                .route(web::get().to(list))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/users/{userId}/sessions/{sessionId}")
                .route(web::get().to(get))
                .route(web::delete().to(delete))
                .default_service(na()),
        );
}

/// 404 unless user `id` exists (in the users read model, caught up with the head), after
/// the session and grant read models caught up too.
pub async fn existing_user(state: &AppState, id: &str) -> Result<(), ApiError> {
    Id::<User>::parse(id)?;
    settle(state, &[users::NAME, sessions::NAME, grants::NAME], None).await?;
    match users::get(&state.store.read_pool, id).await? {
        Some(_) => Ok(()),
        None => Err(AppError::NotExistsWithId {
            entity: "user",
            id: id.to_owned(),
        }
        .into()),
    }
}

#[utoipa::path(
    get,
    path = "/api/users/{userId}/sessions",
    tag = "Users",
    operation_id = "ListUserSessions",
    params(
        ("userId" = String, Path, description = "User id")
    ),
    responses(
        (status = 200, description = "The user's live sessions", body = crate::openapi::schemas::UserSessions),
        crate::openapi::responses::UserNotFound
    )
)]
async fn list(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user_id = path.into_inner();
    existing_user(&state, &user_id).await?;
    let entries: Vec<Value> = rendered_for_user(&state, &user_id)
        .await?
        .into_iter()
        .map(|(_, e)| Value::Object(e))
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "sessions": entries })))
}

#[utoipa::path(
    get,
    path = "/api/users/{userId}/sessions/{sessionId}",
    tag = "Users",
    operation_id = "GetUserSession",
    params(
        ("userId" = String, Path, description = "User id"),
        ("sessionId" = String, Path, description = "Session id")
    ),
    responses(
        (status = 200, description = "The session", body = crate::openapi::schemas::UserSession),
        (status = 404, description = "No such user or session (`oidc.session_not_found`)", body = crate::support::error::ErrorBody)
    )
)]
async fn get(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (user_id, session_id) = path.into_inner();
    existing_user(&state, &user_id).await?;
    Ok(HttpResponse::Ok().json(rendered_one(&state, &user_id, &session_id).await?))
}

#[utoipa::path(
    delete,
    path = "/api/users/{userId}/sessions/{sessionId}",
    tag = "Users",
    operation_id = "DeleteUserSession",
    params(
        ("userId" = String, Path, description = "User id"),
        ("sessionId" = String, Path, description = "Session id"),
        ("revokeGrantsTarget" = Option<String>, Query, description = "`all` or `firstParty`: also revoke those grants of the session")
    ),
    responses(
        (status = 204, description = "Session ended"),
        crate::openapi::responses::InvalidInput,
        (status = 404, description = "No such user or session (`oidc.session_not_found`)", body = crate::support::error::ErrorBody)
    )
)]
async fn delete(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (user_id, session_id) = path.into_inner();
    let target = grants_target(&req)?;
    existing_user(&state, &user_id).await?;
    cmd::revoke_session(&state, &request, &user_id, &session_id, target).await?;
    Ok(HttpResponse::NoContent().finish())
}
