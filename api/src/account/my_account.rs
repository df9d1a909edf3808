//! Logto's Account API (docs/logto/account-api.md): an end user manages their own account with an
//! opaque user access token as bearer (`guard/end_user_token.rs`). Profile reads come from the
//! `users` read model; changes go through the same user commands as the Management API
//! (so the same validation, claims and events), with the user as the events' actor.
//!
//! Gates: `openid` everywhere; what `GET` shows follows the token's scopes as `/oidc/me`
//! does (`profile` for name, avatar, username and profile, `email`, `phone`, `custom_data`,
//! `identities`); `profile` to change name, avatar, username and profile; `custom_data` to
//! change custom data; `urn:logto:scope:sessions` for sessions and grants. Changes are
//! accepted from first-party applications only (Logto: 403 for a third-party app's token). Changing the username or password and revoking sessions or grants also
//! needs a verification record (`logto-verification-id`, from `/api/verifications/password`).
//! The account-center settings (`account_center.rs`) come first: nothing works while the
//! Account API is disabled, a field must be readable to be shown and `Edit` to change.

use crate::account::caller::{as_user, require_first_party, require_verification};
use crate::guard::end_user_token::{authenticate, AccountCaller};
use crate::state::AppState;
use crate::support::body::users::{parse_password, parse_profile_patch, parse_user_patch};
use crate::support::error::ApiError;
use crate::support::request::RequestContext;
use actix_web::{web, HttpRequest, HttpResponse};
use app::account_center::{editable, enabled, readable};
use app::commands::sessions as cmd;
use app::commands::users::update;
use app::transact::settle;
use app::AppError;
use projections::users;
use serde_json::{json, Map, Value};

const SESSIONS_SCOPE: &str = "urn:logto:scope:sessions";

pub fn configure(routes: &mut crate::guard::access::Routes) {
    let na = || web::to(crate::support::error::method_not_allowed);
    routes
        .resource(
            web::resource("/api/my-account")
                .route(web::get().to(get))
                .route(web::patch().to(patch))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/my-account/profile")
                .route(web::patch().to(patch_profile))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/my-account/password")
                .route(web::post().to(password))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/my-account/sessions")
                .route(web::get().to(sessions))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/my-account/sessions/{sessionId}")
                .route(web::delete().to(revoke_session))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/my-account/grants")
                .route(web::get().to(grants))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/my-account/grants/{grantId}")
                .route(web::delete().to(revoke_grant))
                .default_service(na()),
        );
}

/// The token scope each shown key needs, as `/oidc/me` releases the same data
/// (`oidc/claims.rs`): a token holding only `openid` (say, of a third-party app the user
/// consented to `openid` alone) sees the id and the account's timestamps, nothing personal.
const KEY_SCOPES: [(&str, &str); 9] = [
    ("name", "profile"),
    ("avatar", "profile"),
    ("username", "profile"),
    ("profile", "profile"),
    ("primaryEmail", "email"),
    ("primaryPhone", "phone"),
    ("customData", "custom_data"),
    ("identities", "identities"),
    // Logto: the app of the user's first consent, only with `profile`.
    ("applicationId", "profile"),
];

/// The caller's user as Logto returns it: each key only with its token scope
/// ([`KEY_SCOPES`]) and its account-center field readable.
async fn profile_of(state: &AppState, caller: &AccountCaller) -> Result<Value, ApiError> {
    let center = app::account_center::current(state).await?;
    let row = users::get(&state.store.read_pool, &caller.user_id)
        .await?
        .ok_or_else(|| AppError::Unauthorized {
            code: "auth.unauthorized",
            message: "The user no longer exists.".into(),
        })?;
    let mut view = serde_json::to_value(row.to_view()?).map_err(ApiError::internal)?;
    if let Some(object) = view.as_object_mut() {
        for (key, scope) in KEY_SCOPES {
            if !caller.has_scope(scope) {
                object.remove(key);
            }
        }
        // Keys shown only when their account-center field is readable.
        for (key, field) in [
            ("name", "name"),
            ("avatar", "avatar"),
            ("username", "username"),
            ("customData", "customData"),
            ("profile", "profile"),
            ("primaryEmail", "email"),
            ("primaryPhone", "phone"),
            ("identities", "social"),
        ] {
            if readable(&center, field).is_err() {
                object.remove(key);
            }
        }
    }
    Ok(view)
}

#[utoipa::path(
    get,
    path = "/api/my-account",
    tag = "Account",
    operation_id = "GetProfile",
    security(("accountApi" = [])),
    responses(
        (status = 200, description = "The caller", body = crate::openapi::schemas::AccountProfile),
        crate::openapi::responses::AccountUnauthorized
    )
)]
async fn get(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let caller = authenticate(&state, &req).await?;
    enabled(&state).await?;
    settle(&state, &[users::NAME], None).await?;
    Ok(HttpResponse::Ok().json(profile_of(&state, &caller).await?))
}

/// `PATCH /api/my-account`: `name`, `avatar`, `username`, `customData` only.
#[utoipa::path(
    patch,
    path = "/api/my-account",
    tag = "Account",
    operation_id = "UpdateProfile",
    params(
        ("logto-verification-id" = Option<String>, Header, description = "From `POST /api/verifications/password`")
    ),
    request_body = crate::openapi::schemas::AccountPatch,
    security(("accountApi" = [])),
    responses(
        (status = 200, description = "The caller, updated", body = crate::openapi::schemas::AccountProfile),
        crate::openapi::responses::InvalidInput,
        crate::openapi::responses::AccountUnauthorized,
        crate::openapi::responses::AccountForbidden,
        (status = 422, description = "Username in use", body = crate::support::error::ErrorBody)
    )
)]
async fn patch(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let caller = authenticate(&state, &req).await?;
    require_first_party(&state, &caller).await?;
    let center = enabled(&state).await?;
    caller.require_scope("profile")?;
    crate::support::body::refuse_nul(&body)?;
    let object: Map<String, Value> = serde_json::from_slice(&body).map_err(ApiError::json_body)?;
    for field in ["name", "avatar", "username", "customData"] {
        if object.contains_key(field) {
            editable(&center, field)?;
        }
    }
    if let Some(key) = object
        .keys()
        .find(|k| !["name", "avatar", "username", "customData"].contains(&k.as_str()))
    {
        return Err(ApiError::invalid_body(format!(
            "{key}: not accepted here (name, avatar, username, customData)"
        )));
    }
    if object.contains_key("customData") {
        caller.require_scope("custom_data")?;
    }
    if object.contains_key("username") {
        require_verification(&state, &req, &caller)?;
    }
    let patch = parse_user_patch(&body)?;
    let request = as_user(request, &caller.user_id);
    let at = update::update_user(&state, &request, &caller.user_id, patch).await?;
    settle(&state, &[users::NAME], at).await?;
    Ok(HttpResponse::Ok().json(profile_of(&state, &caller).await?))
}

/// `PATCH /api/my-account/profile`: the OIDC profile keys, merged (`null` removes one).
#[utoipa::path(
    patch,
    path = "/api/my-account/profile",
    tag = "Account",
    operation_id = "UpdateOtherProfile",
    request_body = crate::openapi::schemas::ProfilePatch,
    security(("accountApi" = [])),
    responses(
        (status = 200, description = "The merged profile", body = Object),
        crate::openapi::responses::InvalidInput,
        crate::openapi::responses::AccountUnauthorized,
        crate::openapi::responses::AccountForbidden
    )
)]
async fn patch_profile(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let caller = authenticate(&state, &req).await?;
    require_first_party(&state, &caller).await?;
    editable(&enabled(&state).await?, "profile")?;
    caller.require_scope("profile")?;
    crate::support::body::refuse_nul(&body)?;
    let object: Map<String, Value> = serde_json::from_slice(&body).map_err(ApiError::json_body)?;
    let wrapped = serde_json::to_vec(&json!({ "profile": object })).map_err(ApiError::internal)?;
    let partial = parse_profile_patch(&wrapped)?;
    let request = as_user(request, &caller.user_id);
    let (merged, at) = update::merge_profile(&state, &request, &caller.user_id, partial).await?;
    settle(&state, &[users::NAME], at).await?;
    Ok(HttpResponse::Ok().json(merged))
}

/// `POST /api/my-account/password {password}`: needs a verification record.
#[utoipa::path(
    post,
    path = "/api/my-account/password",
    tag = "Account",
    operation_id = "UpdatePassword",
    params(
        ("logto-verification-id" = Option<String>, Header, description = "From `POST /api/verifications/password`")
    ),
    request_body = crate::openapi::schemas::UserPassword,
    security(("accountApi" = [])),
    responses(
        (status = 204, description = "Password changed; the user's other sessions and grants end"),
        crate::openapi::responses::InvalidInput,
        crate::openapi::responses::AccountUnauthorized,
        (status = 403, description = "Issued to a third-party application (`auth.forbidden`)", body = crate::support::error::ErrorBody),
        (status = 422, description = "Refused by the password policy (`password.rejected`, the issues in `data.issues`)", body = crate::support::error::ErrorBody),
        crate::openapi::responses::HashingBusy
    )
)]
async fn password(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let caller = authenticate(&state, &req).await?;
    require_first_party(&state, &caller).await?;
    editable(&enabled(&state).await?, "password")?;
    require_verification(&state, &req, &caller)?;
    let password = parse_password(&body)?;
    let request = as_user(request, &caller.user_id);
    // The password policy applies to self-service changes, with the user's own details.
    let user: domain::user::User = state
        .store
        .repository()
        .load(&caller.user_id)
        .await?
        .aggregate;
    if let Some(s) = user.state() {
        let d = &s.details;
        let info = domain::password::policy::UserInfo {
            username: d.username.as_deref(),
            email: d.primary_email.as_deref(),
            phone: d.primary_phone.as_deref(),
            name: d.name.as_deref(),
        };
        crate::signin::check_new_password(&state, &password, &info).await?;
    }
    update::set_password(&state, &request, &caller.user_id, password).await?;
    // Whoever knew the old password is signed out; this session and grant stay.
    cmd::sign_out_others(
        &state,
        &caller.user_id,
        cmd::UserDisabled::PasswordChanged,
        caller.session_id.as_deref(),
        Some(&caller.grant_id),
        &request,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(
    get,
    path = "/api/my-account/sessions",
    tag = "Account",
    operation_id = "GetSessions",
    security(("accountApi" = [])),
    responses(
        (status = 200, description = "The caller's sessions", body = crate::openapi::schemas::UserSessions),
        crate::openapi::responses::AccountUnauthorized,
        crate::openapi::responses::AccountForbidden
    )
)]
async fn sessions(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let caller = authenticate(&state, &req).await?;
    readable(&enabled(&state).await?, "session")?;
    caller.require_scope(SESSIONS_SCOPE)?;
    settle(
        &state,
        &[projections::sessions::NAME, projections::grants::NAME],
        None,
    )
    .await?;
    let entries: Vec<Value> = crate::views::sessions::rendered_for_user(&state, &caller.user_id)
        .await?
        .into_iter()
        .map(|(id, mut entry)| {
            let current = caller.session_id.as_deref() == Some(id.as_str());
            entry.insert("isCurrent".into(), json!(current));
            Value::Object(entry)
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "sessions": entries })))
}

#[utoipa::path(
    delete,
    path = "/api/my-account/sessions/{sessionId}",
    tag = "Account",
    operation_id = "DeleteSession",
    params(
        ("sessionId" = String, Path, description = "Session id"),
        ("logto-verification-id" = Option<String>, Header, description = "From `POST /api/verifications/password`"),
        ("revokeGrantsTarget" = Option<String>, Query, description = "`all` or `firstParty`")
    ),
    security(("accountApi" = [])),
    responses(
        (status = 204, description = "Session ended"),
        crate::openapi::responses::InvalidInput,
        crate::openapi::responses::AccountUnauthorized,
        crate::openapi::responses::AccountForbidden,
        (status = 404, description = "No such session (`oidc.session_not_found`)", body = crate::support::error::ErrorBody)
    )
)]
async fn revoke_session(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let caller = authenticate(&state, &req).await?;
    require_first_party(&state, &caller).await?;
    editable(&enabled(&state).await?, "session")?;
    caller.require_scope(SESSIONS_SCOPE)?;
    require_verification(&state, &req, &caller)?;
    let target = crate::views::sessions::grants_target(&req)?;
    let request = as_user(request, &caller.user_id);
    cmd::revoke_session(&state, &request, &caller.user_id, &path, target).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(
    get,
    path = "/api/my-account/grants",
    tag = "Account",
    operation_id = "GetGrants",
    params(
        ("appType" = Option<String>, Query, description = "`firstParty` or `thirdParty`")
    ),
    security(("accountApi" = [])),
    responses(
        (status = 200, description = "The caller's grants", body = crate::openapi::schemas::UserGrants),
        crate::openapi::responses::InvalidInput,
        crate::openapi::responses::AccountUnauthorized,
        crate::openapi::responses::AccountForbidden
    )
)]
async fn grants(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let caller = authenticate(&state, &req).await?;
    readable(&enabled(&state).await?, "session")?;
    caller.require_scope(SESSIONS_SCOPE)?;
    let third_party = crate::views::grants::third_party_filter(&req)?;
    settle(&state, &[projections::grants::NAME], None).await?;
    let entries =
        crate::views::grants::rendered_for_user(&state, &caller.user_id, third_party).await?;
    Ok(HttpResponse::Ok().json(json!({ "grants": entries })))
}

#[utoipa::path(
    delete,
    path = "/api/my-account/grants/{grantId}",
    tag = "Account",
    operation_id = "DeleteGrant",
    params(
        ("grantId" = String, Path, description = "Grant id"),
        ("logto-verification-id" = Option<String>, Header, description = "From `POST /api/verifications/password`")
    ),
    security(("accountApi" = [])),
    responses(
        (status = 204, description = "Revoked"),
        crate::openapi::responses::AccountUnauthorized,
        crate::openapi::responses::AccountForbidden,
        (status = 404, description = "No such grant", body = crate::support::error::ErrorBody)
    )
)]
async fn revoke_grant(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let caller = authenticate(&state, &req).await?;
    require_first_party(&state, &caller).await?;
    editable(&enabled(&state).await?, "session")?;
    caller.require_scope(SESSIONS_SCOPE)?;
    require_verification(&state, &req, &caller)?;
    let request = as_user(request, &caller.user_id);
    cmd::revoke_grant(&state, &request, &caller.user_id, &path).await?;
    Ok(HttpResponse::NoContent().finish())
}
