//! HTTP routes. Each module registers its own resources; [`configure`] mounts them all.

pub mod account_center;
pub mod applications;
pub mod fresh;
pub mod grants;
pub mod hooks;
pub mod input;
pub mod logs;
pub mod metrics;
pub mod my_account;
pub mod my_account_auth;
pub mod oidc_config;
pub mod resources;
pub mod roles;
pub mod sessions;
pub mod status;
pub mod user_input;
pub mod user_roles;
pub mod users;
pub mod verifications;

use crate::error::ApiError;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};

pub fn configure(cfg: &mut web::ServiceConfig) {
    status::configure(cfg);
    metrics::configure(cfg);
    users::configure(cfg);
    applications::configure(cfg);
    resources::configure(cfg);
    roles::configure(cfg);
    hooks::configure(cfg);
    user_roles::configure(cfg);
    sessions::configure(cfg);
    grants::configure(cfg);
    account_center::configure(cfg);
    my_account::configure(cfg);
    verifications::configure(cfg);
    logs::configure(cfg);
    oidc_config::configure(cfg);
    crate::oidc::configure(cfg);
    crate::signin::configure(cfg);
    crate::openapi::configure(cfg);
}

/// Default service of the app: an unknown route is a JSON 404; under `/oidc` it is the
/// provider's own (reference §1.13), as in Logto, where oidc-provider owns that prefix.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    if is_oidc(req.path()) {
        return oidc_unrecognized_route(&req);
    }
    ApiError::RouteNotFound {
        method: req.method().to_string(),
        path: req.path().to_owned(),
    }
    .error_response()
}

fn is_oidc(path: &str) -> bool {
    path == "/oidc" || path.starts_with("/oidc/")
}

/// oidc-provider's answer to an unknown route or method: 404 `invalid_request`, with the
/// `code` and `message` Logto adds to every OIDC error.
fn oidc_unrecognized_route(req: &HttpRequest) -> HttpResponse {
    let description = format!(
        "unrecognized route or not allowed method ({} on {})",
        req.method(),
        req.path()
    );
    HttpResponse::NotFound().json(serde_json::json!({
        "code": "oidc.invalid_request",
        "message": description,
        "error": "invalid_request",
        "error_description": description,
    }))
}

/// Default service of each resource: a known path with an unsupported method.
pub async fn method_not_allowed(req: HttpRequest) -> HttpResponse {
    ApiError::MethodNotAllowed {
        method: req.method().to_string(),
        path: req.path().to_owned(),
    }
    .error_response()
}
