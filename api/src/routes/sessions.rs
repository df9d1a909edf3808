//! User sessions in Logto's Management API shape (docs/logto/management-api.md#sessions-and-grants): `GET
//! /api/users/{userId}/sessions`, `GET`/`DELETE /api/users/{userId}/sessions/{sessionId}`
//! with `revokeGrantsTarget`. Lists come from the `sessions` and `grants` read models
//! (after they caught up with the log head); a deletion is decided on the aggregates
//! (`commands::sessions`).

use super::input::path_id;
use crate::error::ApiError;
use crate::request::RequestContext;
use crate::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use app::commands::sessions::{self as cmd, GrantsTarget};
use app::transact::settle;
use projections::grants::GrantView;
use projections::sessions::SessionView;
use projections::{grants, sessions, users};
use serde_json::{json, Map, Value};

pub fn configure(routes: &mut crate::access::Routes) {
    let na = || web::to(super::method_not_allowed);
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
    path_id(id, "user")?;
    settle(state, &[users::NAME, sessions::NAME, grants::NAME], None).await?;
    match users::get(&state.store.read_pool, id).await? {
        Some(_) => Ok(()),
        None => Err(ApiError::NotExistsWithId {
            entity: "user",
            id: id.to_owned(),
        }),
    }
}

/// Logto's session entry (an oidc-provider session): `payload` with the grants issued in
/// it under `authorizations`, keyed by client id.
pub fn render(session: &SessionView, grants_in_session: &[&GrantView]) -> Map<String, Value> {
    let mut authorizations = Map::new();
    for g in grants_in_session {
        authorizations.insert(
            g.client_id.clone(),
            json!({ "sid": session.id, "grantId": g.id, "persistsLogout": false }),
        );
    }
    let mut entry = Map::new();
    entry.insert(
        "payload".into(),
        json!({
            "exp": session.expires_at / 1000,
            "iat": session.auth_time / 1000,
            "jti": session.id,
            "uid": session.id,
            "kind": "Session",
            "loginTs": session.auth_time / 1000,
            "accountId": session.user_id,
            "authorizations": authorizations,
        }),
    );
    entry.insert("lastSubmission".into(), Value::Null);
    entry.insert("clientId".into(), json!(session.client_id));
    entry.insert("accountId".into(), json!(session.user_id));
    entry.insert("expiresAt".into(), json!(session.expires_at));
    entry
}

/// The user's live sessions, each with its live grants.
pub async fn rendered_for_user(
    state: &AppState,
    user_id: &str,
) -> Result<Vec<(String, Map<String, Value>)>, ApiError> {
    let now = state.clock.now().as_millis();
    let pool = &state.store.read_pool;
    let all_sessions = sessions::active_for_user(pool, user_id, now).await?;
    let all_grants = grants::active_for_user(pool, user_id, now).await?;
    Ok(all_sessions
        .iter()
        .map(|s| {
            let mine: Vec<&GrantView> = all_grants
                .iter()
                .filter(|g| g.session_id.as_deref() == Some(s.id.as_str()))
                .collect();
            (s.id.clone(), render(s, &mine))
        })
        .collect())
}

/// One live session of the user, rendered; 404 `oidc.session_not_found` otherwise.
pub async fn rendered_one(
    state: &AppState,
    user_id: &str,
    session_id: &str,
) -> Result<Map<String, Value>, ApiError> {
    rendered_for_user(state, user_id)
        .await?
        .into_iter()
        .find(|(id, _)| id == session_id)
        .map(|(_, entry)| entry)
        .ok_or_else(|| ApiError::NotFound {
            code: "oidc.session_not_found",
            message: "Session not found.".into(),
        })
}

/// `revokeGrantsTarget` (absent: the grants stay, as in Logto).
pub fn grants_target(req: &HttpRequest) -> Result<Option<GrantsTarget>, ApiError> {
    let query =
        web::Query::<std::collections::HashMap<String, String>>::from_query(req.query_string())
            .map_err(|e| ApiError::invalid_query(e.to_string()))?;
    match query.get("revokeGrantsTarget").map(String::as_str) {
        None => Ok(None),
        Some("all") => Ok(Some(GrantsTarget::All)),
        Some("firstParty") => Ok(Some(GrantsTarget::FirstParty)),
        Some(other) => Err(ApiError::invalid_query(format!(
            "revokeGrantsTarget: expected `all` or `firstParty`, got {other:?}"
        ))),
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
        (status = 404, description = "No such user or session (`oidc.session_not_found`)", body = crate::error::ErrorBody)
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
        (status = 404, description = "No such user or session (`oidc.session_not_found`)", body = crate::error::ErrorBody)
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
