//! User grants in Logto's Management API shape (docs/logto/management-api.md#sessions-and-grants): `GET
//! /api/users/{userId}/grants[?appType=firstParty|thirdParty]` and `DELETE
//! /api/users/{userId}/grants/{grantId}`. Lists come from the `grants` and `applications`
//! read models; a revocation is decided on the grant's aggregate
//! (`commands::sessions::revoke_grant`) and stops its tokens at once.

use crate::management::sessions::existing_user;
use crate::state::AppState;
use crate::support::error::ApiError;
use crate::support::request::RequestContext;
use crate::views::grants::{rendered_for_user, third_party_filter};
use actix_web::{web, HttpRequest, HttpResponse};
use app::commands::sessions as cmd;
use serde_json::json;

pub fn configure(routes: &mut crate::guard::access::Routes) {
    let na = || web::to(crate::support::error::method_not_allowed);
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
        (status = 404, description = "No such user or grant", body = crate::support::error::ErrorBody)
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
