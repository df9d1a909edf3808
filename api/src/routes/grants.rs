//! User grants in Logto's Management API shape (docs/logto/management-api.md#sessions-and-grants): `GET
//! /api/users/{userId}/grants[?appType=firstParty|thirdParty]` and `DELETE
//! /api/users/{userId}/grants/{grantId}`. Lists come from the `grants` and `applications`
//! read models; a revocation is decided on the grant's aggregate
//! (`commands::sessions::revoke_grant`) and stops its tokens at once.

use super::sessions::existing_user;
use crate::error::ApiError;
use crate::request::RequestContext;
use crate::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use app::commands::sessions as cmd;
use projections::{applications, grants};
use serde_json::{json, Value};
use std::collections::HashMap;

pub fn configure(routes: &mut crate::access::Routes) {
    let na = || web::to(super::method_not_allowed);
    routes
        .resource(
            web::resource("/api/users/{userId}/grants")
                .route(web::get().to(list))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/users/{userId}/grants/{grantId}")
                .route(web::delete().to(delete))
                .default_service(na()),
        );
}

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

#[utoipa::path(
    get,
    path = "/api/users/{userId}/grants",
    tag = "Users",
    operation_id = "ListUserGrants",
    params(
        ("userId" = String, Path, description = "User id"),
        ("appType" = Option<String>, Query, description = "`firstParty` or `thirdParty`")
    ),
    responses(
        (status = 200, description = "The user's live grants", body = crate::openapi::schemas::UserGrants),
        crate::openapi::responses::InvalidInput,
        crate::openapi::responses::UserNotFound
    )
)]
async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user_id = path.into_inner();
    let third_party = third_party_filter(&req)?;
    existing_user(&state, &user_id).await?;
    let entries = rendered_for_user(&state, &user_id, third_party).await?;
    Ok(HttpResponse::Ok().json(json!({ "grants": entries })))
}

#[utoipa::path(
    delete,
    path = "/api/users/{userId}/grants/{grantId}",
    tag = "Users",
    operation_id = "DeleteUserGrant",
    params(
        ("userId" = String, Path, description = "User id"),
        ("grantId" = String, Path, description = "Grant id")
    ),
    responses(
        (status = 204, description = "Revoked: its tokens stop working at once"),
        (status = 404, description = "No such user or grant", body = crate::error::ErrorBody)
    )
)]
async fn delete(
    state: web::Data<AppState>,
    request: RequestContext,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (user_id, grant_id) = path.into_inner();
    existing_user(&state, &user_id).await?;
    cmd::revoke_grant(&state, &request, &user_id, &grant_id).await?;
    Ok(HttpResponse::NoContent().finish())
}
