//! A user's personal access tokens through the Management API (Logto 1.33): list, create
//! (the token shown once), rename and delete — by name in the path, and Logto's
//! body-based forms (`PATCH …/personal-access-tokens {currentName, name}`,
//! `POST …/personal-access-tokens/delete {name}`) for names a path cannot carry. Each
//! change is an event on the user's `personal-access-tokens` stream
//! (`app::personal_access_tokens`); the token is exchanged at the token endpoint
//! (docs/protocols/token-exchange.md).

use crate::management::sessions::existing_user;
use crate::state::AppState;
use crate::support::error::ApiError;
use crate::support::request::RequestContext;
use actix_web::{web, HttpResponse};
use app::personal_access_tokens as pats;
use domain::personal_access_tokens::StoredToken;
use domain::Timestamp;
use serde::Deserialize;
use serde_json::{json, Value};

pub fn configure(routes: &mut crate::guard::access::Routes) {
    let na = || web::to(crate::support::error::method_not_allowed);
    routes
        .resource(
            web::resource("/api/users/{userId}/personal-access-tokens")
                .route(web::get().to(list))
                .route(web::post().to(create))
                .route(web::patch().to(rename_by_body))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/users/{userId}/personal-access-tokens/delete")
                .route(web::post().to(delete_by_body))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/users/{userId}/personal-access-tokens/{name}")
                .route(web::patch().to(rename))
                .route(web::delete().to(delete))
                .default_service(na()),
        );
}

/// Logto's shape; `value` only in the answer to the creation (only a digest is kept).
fn rendered(user_id: &str, token: &StoredToken, value: Option<&str>) -> Value {
    let mut v = json!({
        "tenantId": "default",
        "userId": user_id,
        "name": token.name,
        "createdAt": token.created_at.as_millis(),
        "expiresAt": token.expires_at.map(Timestamp::as_millis),
    });
    if let Some(value) = value {
        v["value"] = json!(value);
    }
    v
}

async fn body<T: serde::de::DeserializeOwned>(payload: web::Payload) -> Result<T, ApiError> {
    let bytes = crate::support::body::read_bounded(payload).await?;
    crate::support::body::refuse_nul(&bytes)?;
    serde_json::from_slice(&bytes).map_err(ApiError::json_body)
}

#[utoipa::path(
    get,
    path = "/api/users/{userId}/personal-access-tokens",
    tag = "Users",
    operation_id = "ListUserPersonalAccessTokens",
    params(("userId" = String, Path, description = "User id")),
    responses(
        (status = 200, description = "The user's tokens, in creation order, without their values", body = [crate::openapi::schemas::PersonalAccessToken]),
        crate::openapi::responses::UserNotFound
    )
)]
pub(crate) async fn list(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user_id = path.into_inner();
    existing_user(&state, &user_id).await?;
    let tokens = pats::list(&state, &user_id).await?;
    let body: Vec<Value> = tokens.iter().map(|t| rendered(&user_id, t, None)).collect();
    Ok(HttpResponse::Ok().json(body))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateBody {
    name: String,
    #[serde(default)]
    expires_at: Option<i64>,
}

#[utoipa::path(
    post,
    path = "/api/users/{userId}/personal-access-tokens",
    tag = "Users",
    operation_id = "CreateUserPersonalAccessToken",
    params(("userId" = String, Path, description = "User id")),
    request_body = crate::openapi::schemas::CreatePersonalAccessToken,
    responses(
        (status = 201, description = "The token, with its `value` (shown this once)", body = crate::openapi::schemas::PersonalAccessToken),
        crate::openapi::responses::InvalidInput,
        crate::openapi::responses::UserNotFound,
        (status = 422, description = "`user.personal_access_token_name_exists`", body = crate::support::error::ErrorBody)
    )
)]
pub(crate) async fn create(
    state: web::Data<AppState>,
    request: RequestContext,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let user_id = path.into_inner();
    let body: CreateBody = body(payload).await?;
    existing_user(&state, &user_id).await?;
    let expires_at = body.expires_at.map(Timestamp::from_millis);
    let (value, token) = pats::create(&state, &request, &user_id, body.name, expires_at).await?;
    Ok(HttpResponse::Created().json(rendered(&user_id, &token, Some(&value))))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RenameBody {
    name: String,
    #[serde(default)]
    current_name: Option<String>,
}

#[utoipa::path(
    patch,
    path = "/api/users/{userId}/personal-access-tokens/{name}",
    tag = "Users",
    operation_id = "UpdateUserPersonalAccessToken",
    params(
        ("userId" = String, Path, description = "User id"),
        ("name" = String, Path, description = "The token's current name")
    ),
    request_body = crate::openapi::schemas::RenamePersonalAccessToken,
    responses(
        (status = 200, description = "The token renamed", body = crate::openapi::schemas::PersonalAccessToken),
        crate::openapi::responses::InvalidInput,
        (status = 404, description = "No such user or token", body = crate::support::error::ErrorBody),
        (status = 422, description = "`user.personal_access_token_name_exists`", body = crate::support::error::ErrorBody)
    )
)]
pub(crate) async fn rename(
    state: web::Data<AppState>,
    request: RequestContext,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let (user_id, current) = path.into_inner();
    let body: RenameBody = body(payload).await?;
    renamed(&state, &request, &user_id, &current, &body.name).await
}

#[utoipa::path(
    patch,
    path = "/api/users/{userId}/personal-access-tokens",
    tag = "Users",
    operation_id = "UpdatePersonalAccessTokenName",
    params(("userId" = String, Path, description = "User id")),
    request_body = crate::openapi::schemas::RenamePersonalAccessToken,
    responses(
        (status = 200, description = "The token renamed", body = crate::openapi::schemas::PersonalAccessToken),
        crate::openapi::responses::InvalidInput,
        (status = 404, description = "No such user or token", body = crate::support::error::ErrorBody),
        (status = 422, description = "`user.personal_access_token_name_exists`", body = crate::support::error::ErrorBody)
    )
)]
pub(crate) async fn rename_by_body(
    state: web::Data<AppState>,
    request: RequestContext,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let user_id = path.into_inner();
    let body: RenameBody = body(payload).await?;
    let Some(current) = body.current_name else {
        return Err(ApiError::invalid_body("currentName: required"));
    };
    renamed(&state, &request, &user_id, &current, &body.name).await
}

async fn renamed(
    state: &AppState,
    request: &RequestContext,
    user_id: &str,
    current: &str,
    name: &str,
) -> Result<HttpResponse, ApiError> {
    existing_user(state, user_id).await?;
    let token = pats::rename(state, request, user_id, current, name).await?;
    Ok(HttpResponse::Ok().json(rendered(user_id, &token, None)))
}

#[utoipa::path(
    delete,
    path = "/api/users/{userId}/personal-access-tokens/{name}",
    tag = "Users",
    operation_id = "DeleteUserPersonalAccessToken",
    params(
        ("userId" = String, Path, description = "User id"),
        ("name" = String, Path, description = "The token's name")
    ),
    responses(
        (status = 204, description = "Deleted: the token exchanges for nothing from now on"),
        (status = 404, description = "No such user or token", body = crate::support::error::ErrorBody)
    )
)]
pub(crate) async fn delete(
    state: web::Data<AppState>,
    request: RequestContext,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (user_id, name) = path.into_inner();
    deleted(&state, &request, &user_id, &name).await
}

#[derive(Deserialize)]
struct DeleteBody {
    name: String,
}

#[utoipa::path(
    post,
    path = "/api/users/{userId}/personal-access-tokens/delete",
    tag = "Users",
    operation_id = "DeletePersonalAccessTokenPost",
    params(("userId" = String, Path, description = "User id")),
    request_body = crate::openapi::schemas::DeletePersonalAccessToken,
    responses(
        (status = 204, description = "Deleted: the token exchanges for nothing from now on"),
        crate::openapi::responses::InvalidInput,
        (status = 404, description = "No such user or token", body = crate::support::error::ErrorBody)
    )
)]
pub(crate) async fn delete_by_body(
    state: web::Data<AppState>,
    request: RequestContext,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let user_id = path.into_inner();
    let body: DeleteBody = body(payload).await?;
    deleted(&state, &request, &user_id, &body.name).await
}

async fn deleted(
    state: &AppState,
    request: &RequestContext,
    user_id: &str,
    name: &str,
) -> Result<HttpResponse, ApiError> {
    existing_user(state, user_id).await?;
    pats::delete(state, request, user_id, name).await?;
    Ok(HttpResponse::NoContent().finish())
}
