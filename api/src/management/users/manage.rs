//! Changing users: `UpdateUser`, `DeleteUser`, `UpdateUserPassword`, `VerifyUserPassword`,
//! `GetUserHasPassword`, `ListUserCustomData`/`UpdateUserCustomData`, `UpdateUserProfile`
//! and `UpdateUserIsSuspended`, with Logto's statuses (docs/logto/management-api.md#status-codes).
//!
//! A write answers after the `users` projector has applied it (`exec::settle`), so the
//! body and the caller's next read show the change.

use crate::management::users::GET_CONSISTENCY_WAIT;
use crate::state::AppState;
use crate::support::body::users::{
    parse_is_suspended, parse_password, parse_profile_patch, parse_required_object,
    parse_user_patch,
};
use crate::support::error::ApiError;
use crate::support::request::RequestContext;
use actix_web::{web, HttpResponse};
use app::commands::sessions::{sign_out_everywhere, UserDisabled};
use app::commands::users::update;
use app::transact::settle;
use app::AppError;
use projections::users::{self, UserView};
use serde_json::json;
use store::Position;

pub fn configure(routes: &mut crate::guard::access::Routes) {
    let na = || web::to(crate::support::error::method_not_allowed);
    routes
        .resource(
            web::resource("/api/users/{userId}/password")
                .route(web::patch().to(set_password))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/users/{userId}/password/verify")
                .route(web::post().to(verify_password))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/users/{userId}/has-password")
                .route(web::get().to(has_password))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/users/{userId}/custom-data")
                .route(web::get().to(custom_data))
                .route(web::patch().to(update_custom_data))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/users/{userId}/profile")
                .route(web::patch().to(update_profile))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/users/{userId}/is-suspended")
                .route(web::patch().to(set_suspended))
                .default_service(na()),
        );
}

fn not_found(id: &str) -> ApiError {
    AppError::NotExistsWithId {
        entity: "user",
        id: id.to_owned(),
    }
    .into()
}

/// The user as the read model has it; on a miss, waits (bounded) for the projector to
/// reach the head as of now and looks again (it may have been created a moment ago).
pub(super) async fn fresh_view(state: &AppState, id: &str) -> Result<UserView, ApiError> {
    if domain::StandardId::parse(id).is_none() {
        return Err(not_found(id));
    }
    let pool = &state.store.read_pool;
    if let Some(user) = users::get(pool, id).await? {
        return Ok(user.to_view()?);
    }
    state
        .await_projection_head(users::NAME, GET_CONSISTENCY_WAIT)
        .await?;
    match users::get(pool, id).await? {
        Some(user) => Ok(user.to_view()?),
        None => Err(not_found(id)),
    }
}

/// The user after a write committed at `at`.
async fn settled_view(
    state: &AppState,
    id: &str,
    at: Option<Position>,
) -> Result<HttpResponse, ApiError> {
    settle(state, &[users::NAME], at).await?;
    Ok(HttpResponse::Ok().json(fresh_view(state, id).await?))
}

/// Ids that cannot name a user are answered 404 before any stream is loaded.
fn user_id(path: web::Path<String>) -> Result<String, ApiError> {
    let id = path.into_inner();
    match domain::StandardId::parse(&id) {
        Some(_) => Ok(id),
        None => Err(not_found(&id)),
    }
}

#[utoipa::path(
    patch,
    path = "/api/users/{userId}",
    tag = "Users",
    operation_id = "UpdateUser",
    params(
        ("userId" = String, Path, description = "User id")
    ),
    request_body = crate::openapi::schemas::UpdateUser,
    responses(
        (status = 200, description = "The updated user", body = crate::openapi::schemas::User),
        crate::openapi::responses::InvalidInput,
        crate::openapi::responses::UserNotFound,
        (status = 422, description = "Username, email or phone in use", body = crate::support::error::ErrorBody)
    )
)]
pub(super) async fn update(
    state: web::Data<AppState>,
    request: RequestContext,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let id = user_id(path)?;
    let patch = parse_user_patch(&crate::support::body::read_bounded(payload).await?)?;
    let at = update::update_user(&state, &request, &id, patch).await?;
    settled_view(&state, &id, at).await
}

#[utoipa::path(
    delete,
    path = "/api/users/{userId}",
    tag = "Users",
    operation_id = "DeleteUser",
    params(
        ("userId" = String, Path, description = "User id")
    ),
    responses(
        (status = 204, description = "Deleted; signed out everywhere"),
        crate::openapi::responses::UserNotFound
    )
)]
pub(super) async fn delete(
    state: web::Data<AppState>,
    request: RequestContext,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = user_id(path)?;
    let at = update::delete_user(&state, &request, &id).await?;
    // Signed out everywhere at once: every session and grant ends, as events.
    sign_out_everywhere(&state, &id, UserDisabled::Deleted, &request).await?;
    settle(&state, &[users::NAME], at).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(
    patch,
    path = "/api/users/{userId}/password",
    tag = "Users",
    operation_id = "UpdateUserPassword",
    params(
        ("userId" = String, Path, description = "User id")
    ),
    request_body = crate::openapi::schemas::UserPassword,
    responses(
        (status = 200, description = "The user", body = crate::openapi::schemas::User),
        crate::openapi::responses::InvalidInput,
        crate::openapi::responses::UserNotFound
    )
)]
async fn set_password(
    state: web::Data<AppState>,
    request: RequestContext,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let id = user_id(path)?;
    let password = parse_password(&crate::support::body::read_bounded(payload).await?)?;
    let at = update::set_password(&state, &request, &id, password).await?;
    // Whoever knew the old password is signed out everywhere.
    sign_out_everywhere(&state, &id, UserDisabled::PasswordChanged, &request).await?;
    settled_view(&state, &id, at).await
}

#[utoipa::path(
    post,
    path = "/api/users/{userId}/password/verify",
    tag = "Users",
    operation_id = "VerifyUserPassword",
    params(
        ("userId" = String, Path, description = "User id")
    ),
    request_body = crate::openapi::schemas::UserPassword,
    responses(
        (status = 204, description = "The password matches"),
        (status = 400, description = "Invalid body or query (`guard.invalid_input`, `details` names the field), or too many failed attempts for this user (`session.verification_blocked_too_many_attempts`, with `Retry-After`)", body = crate::support::error::ErrorBody),
        crate::openapi::responses::UserNotFound,
        (status = 422, description = "Wrong password (`session.invalid_credentials`)", body = crate::support::error::ErrorBody),
        crate::openapi::responses::HashingBusy
    )
)]
async fn verify_password(
    state: web::Data<AppState>,
    request: RequestContext,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let id = user_id(path)?;
    let password = parse_password(&crate::support::body::read_bounded(payload).await?)?;
    update::verify_user_password(&state, &request, &id, password).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(
    get,
    path = "/api/users/{userId}/has-password",
    tag = "Users",
    operation_id = "GetUserHasPassword",
    params(
        ("userId" = String, Path, description = "User id")
    ),
    responses(
        (status = 200, description = "Whether the user has a password", body = crate::openapi::schemas::HasPassword),
        crate::openapi::responses::UserNotFound
    )
)]
async fn has_password(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = user_id(path)?;
    let view = fresh_view(&state, &id).await?;
    Ok(HttpResponse::Ok().json(json!({ "hasPassword": view.has_password })))
}

#[utoipa::path(
    get,
    path = "/api/users/{userId}/custom-data",
    tag = "Users",
    operation_id = "ListUserCustomData",
    params(
        ("userId" = String, Path, description = "User id")
    ),
    responses(
        (status = 200, description = "The custom data", body = Object),
        crate::openapi::responses::UserNotFound
    )
)]
async fn custom_data(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = user_id(path)?;
    Ok(HttpResponse::Ok().json(fresh_view(&state, &id).await?.custom_data))
}

#[utoipa::path(
    patch,
    path = "/api/users/{userId}/custom-data",
    tag = "Users",
    operation_id = "UpdateUserCustomData",
    params(
        ("userId" = String, Path, description = "User id")
    ),
    request_body = crate::openapi::schemas::CustomDataPatch,
    responses(
        (status = 200, description = "The merged custom data", body = Object),
        crate::openapi::responses::InvalidInput,
        crate::openapi::responses::UserNotFound
    )
)]
async fn update_custom_data(
    state: web::Data<AppState>,
    request: RequestContext,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let id = user_id(path)?;
    let partial = parse_required_object(
        &crate::support::body::read_bounded(payload).await?,
        "customData",
    )?;
    let (merged, at) = update::merge_custom_data(&state, &request, &id, partial).await?;
    settle(&state, &[users::NAME], at).await?;
    Ok(HttpResponse::Ok().json(merged))
}

#[utoipa::path(
    patch,
    path = "/api/users/{userId}/profile",
    tag = "Users",
    operation_id = "UpdateUserProfile",
    params(
        ("userId" = String, Path, description = "User id")
    ),
    request_body = crate::openapi::schemas::ProfilePatch,
    responses(
        (status = 200, description = "The merged profile", body = Object),
        crate::openapi::responses::InvalidInput,
        crate::openapi::responses::UserNotFound
    )
)]
async fn update_profile(
    state: web::Data<AppState>,
    request: RequestContext,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let id = user_id(path)?;
    let partial = parse_profile_patch(&crate::support::body::read_bounded(payload).await?)?;
    let (merged, at) = update::merge_profile(&state, &request, &id, partial).await?;
    settle(&state, &[users::NAME], at).await?;
    Ok(HttpResponse::Ok().json(merged))
}

#[utoipa::path(
    patch,
    path = "/api/users/{userId}/is-suspended",
    tag = "Users",
    operation_id = "UpdateUserIsSuspended",
    params(
        ("userId" = String, Path, description = "User id")
    ),
    request_body = crate::openapi::schemas::IsSuspended,
    responses(
        (status = 200, description = "The user (suspending signs them out everywhere)", body = crate::openapi::schemas::User),
        crate::openapi::responses::InvalidInput,
        crate::openapi::responses::UserNotFound
    )
)]
async fn set_suspended(
    state: web::Data<AppState>,
    request: RequestContext,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let id = user_id(path)?;
    let suspended = parse_is_suspended(&crate::support::body::read_bounded(payload).await?)?;
    let at = update::set_suspended(&state, &request, &id, suspended).await?;
    if suspended {
        // Even when already suspended: a retry after a failed sign-out finishes the job.
        sign_out_everywhere(&state, &id, UserDisabled::Suspended, &request).await?;
    }
    settled_view(&state, &id, at).await
}
