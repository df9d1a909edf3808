//! HTTP routes. Each module registers its own resources; [`configure`] mounts them all.

pub mod applications;
pub mod fresh;
pub mod input;
pub mod metrics;
pub mod resources;
pub mod roles;
pub mod status;
pub mod user_input;
pub mod user_roles;
pub mod users;

use crate::error::ApiError;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};

pub fn configure(cfg: &mut web::ServiceConfig) {
    status::configure(cfg);
    metrics::configure(cfg);
    users::configure(cfg);
    applications::configure(cfg);
    resources::configure(cfg);
    roles::configure(cfg);
    user_roles::configure(cfg);
    crate::oidc::configure(cfg);
    crate::signin::configure(cfg);
}

/// Default service of the app: an unknown route is a JSON 404.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    ApiError::RouteNotFound {
        method: req.method().to_string(),
        path: req.path().to_owned(),
    }
    .error_response()
}

/// Default service of each resource: a known path with an unsupported method.
pub async fn method_not_allowed(req: HttpRequest) -> HttpResponse {
    ApiError::MethodNotAllowed {
        method: req.method().to_string(),
        path: req.path().to_owned(),
    }
    .error_response()
}
