//! Where the surfaces are mounted, each under its access class, and the answers for a
//! request no route matched.

use crate::guard::access::{Access, Routes};
use crate::state::AppState;
use crate::support::error::ApiError;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};

/// Every route of the application, each group under the access class it is mounted
/// with: this is the one place that decides who may call what (`access.rs`).
pub fn configure(cfg: &mut web::ServiceConfig) {
    let public = &mut Routes::new(cfg, Access::Public);
    crate::ops::configure(public);
    crate::oidc::configure(public);
    crate::openapi::configure(public);
    crate::signin::well_known::configure(public);

    let pages = &mut Routes::new(cfg, Access::HostedPage);
    crate::signin::configure(pages);

    let experience = &mut Routes::new(cfg, Access::Experience);
    crate::signin::experience::configure(experience);

    let end_user = &mut Routes::new(cfg, Access::EndUser);
    crate::account::configure(end_user);

    let management = &mut Routes::new(cfg, Access::Management);
    crate::management::configure(management);
}

/// Default service of the app, for a request no route matched: no handler runs. An
/// unknown `/api` path answers 401 without a valid Management token, as in Logto (so
/// the answer does not tell which routes exist), else the JSON 404; under `/oidc` it is
/// the provider's own (docs/logto/oidc.md#paths), as in Logto, where oidc-provider owns that
/// prefix. The prefix is read from the path the router matched (percent-decoded).
pub async fn not_found(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let path = req.match_info().as_str();
    if is_oidc(path) {
        return oidc_unrecognized_route(&req);
    }
    if path == "/api" || path.starts_with("/api/") {
        // The same decision as the Management guard's: a live app's verified token.
        if let Err(refused) = crate::guard::management_access::authenticate(&state, &req).await {
            return refused;
        }
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
