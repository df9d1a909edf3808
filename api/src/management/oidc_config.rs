//! `GET`/`PATCH /api/configs/oidc/session` (Logto's GetOidcSessionConfig /
//! UpdateOidcSessionConfig): the session lifetime in seconds, default 14 days.
//!
//! Until set through the API the value is the deployment's `TESSERA_SESSION_TTL` (default
//! 14 days). The value lives in the `OidcConfig` aggregate (stream `oidc-config/session`). Sign-ins
//! read it with `Repository::load_cached`, which reads the events this process has not
//! seen yet, so a change made on any node applies to the next session everywhere without
//! a restart (one indexed read per sign-in, no cache to invalidate).

use crate::state::AppState;
use crate::support::error::ApiError;
use crate::support::request::RequestContext;
use actix_web::{web, HttpResponse};
use app::transact::{transact, Tx};
use domain::oidc_config::{OidcConfig, OidcConfigCommand, SESSION_STREAM};
use serde::Deserialize;
use serde_json::json;

/// Must be registered before the `/api/configs/oidc/{keyType}` routes.
pub fn configure(routes: &mut crate::guard::access::Routes) {
    routes.resource(
        web::resource("/api/configs/oidc/session")
            .route(web::get().to(get))
            .route(web::patch().to(patch))
            .default_service(web::to(crate::support::error::method_not_allowed)),
    );
}

#[utoipa::path(
    get,
    path = "/api/configs/oidc/session",
    tag = "Configs",
    operation_id = "GetOidcSessionConfig",
    responses(
        (status = 200, description = "The session settings", body = crate::openapi::schemas::OidcSessionConfig)
    )
)]
async fn get(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let config = app::oidc_config::current(&state).await?;
    Ok(HttpResponse::Ok()
        .json(json!({ "ttl": config.session_ttl_or(state.sign_in.lifetimes.session) })))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SessionBody {
    ttl: Option<serde_json::Value>,
}

#[utoipa::path(
    patch,
    path = "/api/configs/oidc/session",
    tag = "Configs",
    operation_id = "UpdateOidcSessionConfig",
    request_body = crate::openapi::schemas::OidcSessionConfig,
    responses(
        (status = 200, description = "The session settings", body = crate::openapi::schemas::OidcSessionConfig),
        crate::openapi::responses::InvalidInput
    )
)]
async fn patch(
    state: web::Data<AppState>,
    request: RequestContext,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: SessionBody = serde_json::from_slice(&body).map_err(ApiError::json_body)?;
    let ttl = match &body.ttl {
        None => None,
        Some(v) => Some(
            v.as_u64()
                .filter(|t| (1..=domain::oidc_config::MAX_SESSION_TTL).contains(t))
                .ok_or_else(|| {
                    ApiError::invalid_body(format!(
                        "ttl: expected an integer from 1 to {}",
                        domain::oidc_config::MAX_SESSION_TTL
                    ))
                })?,
        ),
    };
    if let Some(ttl) = ttl {
        transact(&state, &request, |mut tx: Tx<ApiError>| async move {
            tx.run::<OidcConfig>(
                SESSION_STREAM,
                vec![OidcConfigCommand::SetSessionTtl(ttl)],
                |e| ApiError::invalid_body(format!("ttl: {e}")),
            )
            .await?;
            Ok((tx, ()))
        })
        .await?;
    }
    let config = app::oidc_config::current(&state).await?;
    Ok(HttpResponse::Ok()
        .json(json!({ "ttl": config.session_ttl_or(state.sign_in.lifetimes.session) })))
}
