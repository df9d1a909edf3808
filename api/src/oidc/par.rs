//! `POST /oidc/request`: pushed authorization requests (RFC 9126). The client sends its
//! authorization request's parameters here, authenticated as at the token endpoint, and
//! gets a `request_uri` to send the browser to `/oidc/auth` with (`client_id` and
//! `request_uri` only). The parameters never travel through the browser, so they can be
//! neither read nor altered there, and they are checked here, before any browser is
//! involved: the answer is the authorization endpoint's error, as JSON (§2.3).
//!
//! The request is kept by `app::pushed_requests` (an event, its parameters erasable) and
//! taken once by `authorize.rs`.

use super::client_auth;
use super::error::{OAuthCode, OAuthError};
use crate::state::AppState;
use crate::support::request::RequestContext;
use actix_web::http::header::CACHE_CONTROL;
use actix_web::{web, HttpRequest, HttpResponse};
use domain::oauth::authorization::AuthorizationParams;
use domain::oauth::redirect;
use serde_json::json;

/// Parameters that authenticate the client; they are not part of the authorization
/// request and are not kept.
const CLIENT_AUTHENTICATION: [&str; 3] =
    ["client_secret", "client_assertion", "client_assertion_type"];

#[utoipa::path(
    post,
    path = "/oidc/request",
    tag = "OIDC",
    operation_id = "PushAuthorizationRequest",
    request_body(content_type = "application/x-www-form-urlencoded", content = Object, description = "The parameters of `GET /oidc/auth` (no `request_uri`), and client authentication as at the token endpoint"),
    responses(
        (status = 201, description = "Pushed: send the browser to `/oidc/auth?client_id=…&request_uri=…` within `expires_in` seconds; the `request_uri` works once", body = crate::openapi::oidc_schemas::PushedAuthorizationResponse),
        (status = 400, description = "What the authorization endpoint would refuse (`invalid_request`, `invalid_scope`, `invalid_target`, `unauthorized_client`, `unsupported_response_type`, `request_not_supported`), as JSON", body = crate::openapi::oidc_schemas::OidcError),
        (status = 401, description = "`invalid_client`", body = crate::openapi::oidc_schemas::OidcError)
    )
)]
pub async fn push(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    body: web::Bytes,
) -> Result<HttpResponse, OAuthError> {
    let pairs = client_auth::body_pairs(&req, &body)?;
    let form = client_auth::parse_pairs(pairs.clone())?;
    let client = client_auth::authenticate(&state, &req, &form).await?;
    if form.get("request_uri").is_some() {
        // RFC 9126 §2.1: a pushed request cannot point at another.
        return Err(OAuthError::invalid_request("request_uri cannot be pushed"));
    }
    let app = client.state()?;
    let redirect_uri = form
        .get("redirect_uri")
        .ok_or_else(|| OAuthError::invalid_request("missing redirect_uri"))?;
    let registered = &app.settings.oidc_client_metadata.redirect_uris;
    if !redirect::matches(registered, redirect_uri, app.redirect_rules()) {
        return Err(OAuthError::invalid_request(
            "redirect_uri is not registered for this client",
        ));
    }
    let mut kept: Vec<(String, String)> = pairs
        .into_iter()
        .filter(|(k, _)| !CLIENT_AUTHENTICATION.contains(&k.as_str()))
        .collect();
    // With HTTP Basic the body need not name the client; the kept request does.
    if form.get("client_id").is_none() {
        kept.push(("client_id".to_owned(), client.id.clone()));
    }
    let validated = AuthorizationParams::from_pairs(kept.clone())
        .validate(app)
        .map_err(|e| OAuthError::new(OAuthCode::of_authorization(e.error), e.description))?;
    for indicator in &validated.resources {
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
    }
    let pushed = app::pushed_requests::push(&state, &request, &client.id, kept)
        .await
        .map_err(OAuthError::server)?;
    Ok(HttpResponse::Created()
        .insert_header((CACHE_CONTROL, "no-store"))
        .json(json!({
            "request_uri": pushed.request_uri,
            "expires_in": pushed.expires_in,
        })))
}
