//! Management API authentication (reference §1.14): every `/api` route needs a Bearer
//! JWT issued by this server for Logto's Management API resource, with scope `all`.
//!
//! Public: `/api/status` and `/api/status/projections` (health and progress for load
//! balancers and operators; no personal data) and `/api/.well-known/*` (public in Logto).
//! The check runs before routing, so an unknown `/api` path without a token is a 401 as
//! in Logto, not a 404 that would reveal which routes exist.

use crate::error::ErrorBody;
use crate::state::AppState;
use crate::verified_tokens::VerifiedToken;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{web, Error, HttpMessage, HttpResponse};
use domain::Timestamp;
use serde::Deserialize;

/// Logto's Management API resource indicator for the (only) tenant `default`.
pub const MANAGEMENT_API_INDICATOR: &str = "https://default.logto.app/api";
/// The Management API's one scope.
pub const MANAGEMENT_API_SCOPE: &str = "all";

/// Who made an authenticated Management API request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The M2M application's client id (the token's `sub`).
    pub client_id: String,
}

#[derive(Deserialize)]
struct Claims {
    sub: String,
    #[serde(default)]
    scope: String,
    /// Seconds since the epoch (required by the validation below).
    exp: i64,
}

fn is_public(path: &str) -> bool {
    path == "/api/status"
        || path == "/api/status/projections"
        || path.starts_with("/api/.well-known/")
        // The OpenAPI document and its docs page are public, as Logto's swagger.json is.
        || path == crate::openapi::DOCUMENT_PATH
        || path == crate::openapi::DOCS_PATH
        || path.starts_with("/api/docs/")
        // The Account API authenticates the end user's own access token itself.
        || path == "/api/my-account"
        || path.starts_with("/api/my-account/")
        || path.starts_with("/api/verifications/")
        // The Experience API is anonymous; it answers only to the sealed interaction cookie.
        || path == "/api/experience"
        || path.starts_with("/api/experience/")
}

pub(crate) fn needs_token(path: &str) -> bool {
    (path == "/api" || path.starts_with("/api/")) && !is_public(path)
}

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    /// No token, or one that does not verify (signature, issuer, audience, expiry, sub).
    Unauthorized,
    /// A valid token without the `all` scope.
    Forbidden,
}

impl Refusal {
    fn response(self) -> HttpResponse {
        let (status, code, message) = match self {
            Self::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "auth.unauthorized",
                "Unauthorized. Please check credentials and its scope.",
            ),
            Self::Forbidden => (
                StatusCode::FORBIDDEN,
                "auth.forbidden",
                "Forbidden. Please check your user roles and permissions.",
            ),
        };
        let mut response = HttpResponse::build(status);
        if self == Self::Unauthorized {
            response.insert_header((WWW_AUTHENTICATE, "Bearer realm=\"tessera\""));
        }
        response.json(ErrorBody {
            code: code.to_owned(),
            message: message.to_owned(),
            data: None,
            details: None,
        })
    }
}

/// The decision for one request: the principal, or why it is refused.
fn authenticate(req: &ServiceRequest) -> Result<Principal, Refusal> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or(Refusal::Unauthorized)?;
    let token = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .ok_or(Refusal::Unauthorized)?;
    let oidc = &state.oidc;
    let now = state.clock.now();
    let keys = oidc.keys.current();
    let verified = match oidc.verified_tokens.get(token, keys.version, now) {
        Some(verified) => verified,
        None => {
            let claims: Claims = keys
                .verify(token, now, |v| {
                    v.set_issuer(&[&oidc.issuer]);
                    v.set_audience(&[MANAGEMENT_API_INDICATOR]);
                    v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
                })
                .ok_or(Refusal::Unauthorized)?;
            if claims.sub.is_empty() {
                return Err(Refusal::Unauthorized);
            }
            let verified = VerifiedToken {
                has_management_scope: claims.scope.split(' ').any(|s| s == MANAGEMENT_API_SCOPE),
                client_id: claims.sub,
            };
            let expires_at = Timestamp::from_millis(claims.exp.saturating_mul(1000));
            oidc.verified_tokens
                .put(token, keys.version, expires_at, verified.clone(), now);
            verified
        }
    };
    if !verified.has_management_scope {
        return Err(Refusal::Forbidden);
    }
    Ok(Principal {
        client_id: verified.client_id,
    })
}

/// Middleware: lets public and non-`/api` requests through, checks the rest.
pub async fn require_management_token(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    if !needs_token(req.path()) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    match authenticate(&req) {
        Ok(principal) => {
            req.extensions_mut().insert(principal);
            Ok(next.call(req).await?.map_into_boxed_body())
        }
        Err(refusal) => Ok(req.into_response(refusal.response())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_and_well_known_are_public_everything_else_under_api_is_not() {
        assert!(!needs_token("/api/status"));
        assert!(!needs_token("/api/status/projections"));
        assert!(!needs_token("/api/.well-known/sign-in-exp"));
        assert!(!needs_token("/oidc/token"));
        assert!(!needs_token("/metrics"));
        assert!(needs_token("/api/users"));
        assert!(needs_token("/api"));
        assert!(needs_token("/api/status-x"));
        assert!(needs_token("/api/nothing-here"));
    }
}
