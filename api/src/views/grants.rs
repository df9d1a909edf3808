//! A user's grants in Logto's shape (docs/logto/management-api.md#sessions-and-grants), as
//! the Management API (`/api/users/{userId}/grants`) and the Account API
//! (`/api/my-account/grants`) both answer them, from the `grants` and `applications` read
//! models; `appType` picks first- or third-party applications.

use crate::state::AppState;
use crate::support::error::ApiError;
use actix_web::{web, HttpRequest};
use projections::{applications, grants};
use serde_json::{json, Value};
use std::collections::HashMap;

/// `appType`: `Some(true)` for third-party applications only.
pub fn third_party_filter(req: &HttpRequest) -> Result<Option<bool>, ApiError> {
    let query = web::Query::<HashMap<String, String>>::from_query(req.query_string())
        .map_err(|e| ApiError::invalid_query(e.to_string()))?;
    match query.get("appType").map(String::as_str) {
        None => Ok(None),
        Some("firstParty") => Ok(Some(false)),
        Some("thirdParty") => Ok(Some(true)),
        Some(other) => Err(ApiError::invalid_query(format!(
            "appType: expected `firstParty` or `thirdParty`, got {other:?}"
        ))),
    }
}

/// The user's live grants in Logto's shape, newest first, optionally only those of
/// first- or third-party applications. A grant whose application is gone is left out.
pub async fn rendered_for_user(
    state: &AppState,
    user_id: &str,
    third_party: Option<bool>,
) -> Result<Vec<Value>, ApiError> {
    let pool = &state.store.read_pool;
    let now = state.clock.now().as_millis();
    let mut apps: HashMap<String, Option<applications::ApplicationView>> = HashMap::new();
    let mut out = Vec::new();
    for g in grants::active_for_user(pool, user_id, now).await? {
        if !apps.contains_key(&g.client_id) {
            let app = applications::get(pool, &g.client_id).await?;
            apps.insert(g.client_id.clone(), app);
        }
        let Some(Some(app)) = apps.get(&g.client_id) else {
            continue;
        };
        if third_party.is_some_and(|t| t != app.is_third_party) {
            continue;
        }
        out.push(json!({
            "id": g.id,
            "payload": {
                "exp": g.expires_at / 1000,
                "iat": g.issued_at / 1000,
                "jti": g.id,
                "kind": "Grant",
                "clientId": g.client_id,
                "accountId": g.user_id,
                "openid": { "scope": g.scopes.join(" ") },
            },
            "expiresAt": g.expires_at,
            "application": { "id": app.id, "name": app.name },
        }));
    }
    Ok(out)
}
