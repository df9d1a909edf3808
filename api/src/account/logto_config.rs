//! The caller's own Logto config (Logto's `GET`/`PATCH /api/my-account/logto-configs`):
//! the MFA choices (`mfa.skipped`, `mfa.skipMfaOnSignIn`, `mfa.enabled`) and the passkey
//! prompt's. Gated as Logto gates it: the token's `identities` scope, the account center
//! on, its `mfa` field readable to read and `Edit` to change (no verification record: the
//! choices weaken nothing the policy insists on). A change is `UserLogtoConfigUpdated` on
//! the user's stream (docs/mfa.md#skip-choices).

use crate::guard::end_user_token::authenticate;
use crate::state::AppState;
use crate::support::error::ApiError;
use crate::support::request::RequestContext;
use crate::views::logto_config::{render, LogtoConfigPatch};
use actix_web::{web, HttpRequest, HttpResponse};
use app::account_center::{editable, enabled, readable};

/// Logto's `UserScope.Identities`.
const IDENTITIES_SCOPE: &str = "identities";

pub fn configure(routes: &mut crate::guard::access::Routes) {
    let na = || web::to(crate::support::error::method_not_allowed);
    routes.resource(
        web::resource("/api/my-account/logto-configs")
            .route(web::get().to(get))
            .route(web::patch().to(patch))
            .default_service(na()),
    );
}

#[utoipa::path(
    get,
    path = "/api/my-account/logto-configs",
    tag = "Account",
    operation_id = "GetLogtoConfig",
    security(("accountApi" = [])),
    responses(
        (status = 200, description = "`{mfa: {enabled?, skipped, skipMfaOnSignIn}, passkeySignIn: {skipped}}`", body = crate::openapi::schemas::UserLogtoConfig),
        (status = 400, description = "The account center or its `mfa` field is off (`account_center.*`)", body = crate::support::error::ErrorBody),
        crate::openapi::responses::AccountUnauthorized
    )
)]
pub(crate) async fn get(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let caller = authenticate(&state, &req).await?;
    caller.require_scope(IDENTITIES_SCOPE)?;
    let center = enabled(&state).await?;
    readable(&center, "mfa")?;
    let config = app::mfa::logto_config(&state, &caller.user_id).await?;
    Ok(HttpResponse::Ok().json(render(&config)))
}

#[utoipa::path(
    patch,
    path = "/api/my-account/logto-configs",
    tag = "Account",
    operation_id = "UpdateLogtoConfig",
    security(("accountApi" = [])),
    request_body = crate::openapi::schemas::UserLogtoConfig,
    responses(
        (status = 200, description = "The config after the change", body = crate::openapi::schemas::UserLogtoConfig),
        (status = 400, description = "Invalid body (`guard.invalid_input`), or the account center or its `mfa` field is not editable (`account_center.*`)", body = crate::support::error::ErrorBody),
        crate::openapi::responses::AccountUnauthorized
    )
)]
pub(crate) async fn patch(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let caller = authenticate(&state, &req).await?;
    caller.require_scope(IDENTITIES_SCOPE)?;
    let center = enabled(&state).await?;
    editable(&center, "mfa")?;
    let bytes = crate::support::body::read_bounded(payload).await?;
    crate::support::body::refuse_nul(&bytes)?;
    let body: LogtoConfigPatch = serde_json::from_slice(&bytes).map_err(ApiError::json_body)?;
    let (config, _) =
        app::mfa::update_logto_config(&state, &request, &caller.user_id, body.changes()).await?;
    Ok(HttpResponse::Ok().json(render(&config)))
}
