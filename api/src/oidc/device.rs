//! `POST /oidc/device/auth`: the device authorization endpoint (RFC 8628 §3.1–3.2). A
//! device without a browser (a TV, a CLI) asks here for a `device_code` and a
//! `user_code`, shows the user `verification_uri` (`<endpoint>/device`, as Logto rewrites
//! it) and the code, and polls the token endpoint with
//! `grant_type=urn:ietf:params:oauth:grant-type:device_code` (`token/device_code.rs`).
//!
//! The client authenticates as at the token endpoint (a public Native app with
//! `client_id` alone); only applications created for the device flow may ask
//! (`customClientMetadata.isDeviceFlow`, Logto's "input-limited app"), others get
//! `unauthorized_client`. The request is kept by `app::device_authorizations` (an
//! event); the user decides on the `/device` pages (`signin/device.rs`).

use super::client_auth::{self, Credentials};
use super::error::{OAuthCode, OAuthError};
use crate::state::AppState;
use crate::support::request::RequestContext;
use actix_web::http::header::CACHE_CONTROL;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

/// Scopes one request may name (a bound on what the event and the page carry).
const MAX_SCOPES: usize = 50;

#[utoipa::path(
    post,
    path = "/oidc/device/auth",
    tag = "OIDC",
    operation_id = "CreateDeviceAuthorization",
    request_body(content_type = "application/x-www-form-urlencoded", content = Object, description = "`client_id` (and `client_secret` or Basic for a confidential client), `scope`, `resource` (repeatable)"),
    responses(
        (status = 200, description = "`device_code`, `user_code`, `verification_uri`, `verification_uri_complete`, `expires_in`, `interval` (`Cache-Control: no-store`)", body = crate::openapi::oidc_schemas::DeviceAuthorizationResponse),
        (status = 400, description = "`invalid_request`, `unauthorized_client` (not a device-flow application), `invalid_scope`, `invalid_target`", body = crate::openapi::oidc_schemas::OidcError),
        (status = 401, description = "`invalid_client`", body = crate::openapi::oidc_schemas::OidcError)
    )
)]
pub async fn authorize(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    body: web::Bytes,
) -> Result<HttpResponse, OAuthError> {
    let form = client_auth::parse(&req, &body)?;
    let credentials =
        Credentials::presented(&req, form.get("client_id"), form.get("client_secret"))?;
    let client = credentials.verify(&state).await?;
    let app = client.state()?;
    if !app.allows_device_flow() {
        return Err(OAuthError::new(
            OAuthCode::UnauthorizedClient,
            "this client may not use the device authorization grant",
        ));
    }
    let mut scopes: Vec<String> = Vec::new();
    for s in form.get("scope").unwrap_or_default().split_whitespace() {
        if !scopes.iter().any(|have| have == s) {
            scopes.push(s.to_owned());
        }
    }
    if scopes.len() > MAX_SCOPES {
        return Err(OAuthError::new(OAuthCode::InvalidScope, "too many scopes"));
    }
    let mut resources: Vec<String> = Vec::new();
    for indicator in &form.resources {
        let known = state
            .oidc
            .directory
            .resource(indicator)
            .await
            .map_err(OAuthError::server)?;
        if known.is_none() {
            return Err(OAuthError::new(
                OAuthCode::InvalidTarget,
                "a resource indicator is not a registered API resource",
            ));
        }
        if !resources.contains(indicator) {
            resources.push(indicator.clone());
        }
    }
    let started =
        app::device_authorizations::request(&state, &request, &client.id, scopes, resources)
            .await
            .map_err(OAuthError::server)?;
    let verification_uri = format!("{}/device", state.endpoint.trim_end_matches('/'));
    let complete = format!(
        "{verification_uri}?user_code={}",
        url::form_urlencoded::byte_serialize(started.user_code.as_bytes()).collect::<String>()
    );
    Ok(HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, "no-store"))
        .json(json!({
            "device_code": started.device_code,
            "user_code": started.user_code,
            "verification_uri": verification_uri,
            "verification_uri_complete": complete,
            "expires_in": started.expires_in,
            "interval": started.interval,
        })))
}
