//! A user's sessions in Logto's shape (an oidc-provider session with the grants issued in
//! it; docs/logto/management-api.md#sessions-and-grants), as the Management API
//! (`/api/users/{userId}/sessions`) and the Account API (`/api/my-account/sessions`) both
//! answer them, from the `sessions` and `grants` read models.

use crate::state::AppState;
use crate::support::error::ApiError;
use actix_web::{web, HttpRequest};
use app::commands::sessions::GrantsTarget;
use app::AppError;
use projections::grants::GrantView;
use projections::sessions::SessionView;
use projections::{grants, sessions};
use serde_json::{json, Map, Value};

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
        .ok_or_else(|| AppError::NotFound {
            code: "oidc.session_not_found",
            message: "Session not found.".into(),
        })
        .map_err(ApiError::from)
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
