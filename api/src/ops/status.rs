//! Health: `GET /api/status` answers 204 like Logto's (the process is up and serving);
//! `GET /api/status/projections` answers the log head and each projector's checkpoint and
//! lag as JSON (200), reading the database.

use crate::state::AppState;
use crate::support::error::ApiError;
use actix_web::{web, HttpResponse};

pub fn configure(routes: &mut crate::guard::access::Routes) {
    routes
        .resource(
            web::resource("/api/status")
                .route(web::get().to(status))
                .route(web::head().to(status_head))
                .default_service(web::to(crate::support::error::method_not_allowed)),
        )
        .resource(
            web::resource("/api/status/projections")
                .route(web::get().to(projections))
                .default_service(web::to(crate::support::error::method_not_allowed)),
        );
}

/// Liveness: the process is up and serving.
#[utoipa::path(
    get,
    path = "/api/status",
    tag = "Operations",
    operation_id = "GetStatus",
    responses((status = 204, description = "Serving"))
)]
async fn status() -> HttpResponse {
    HttpResponse::NoContent().finish()
}

/// `HEAD` of [`status`] (load balancers), registered apart so the document lists it.
#[utoipa::path(
    head,
    path = "/api/status",
    tag = "Operations",
    operation_id = "HeadStatus",
    responses((status = 204, description = "Serving"))
)]
async fn status_head() -> HttpResponse {
    status().await
}

/// The log head and each projector's checkpoint and lag.
#[utoipa::path(
    get,
    path = "/api/status/projections",
    tag = "Operations",
    operation_id = "GetProjectionStatus",
    responses(
        (status = 200, description = "Projection progress", body = crate::openapi::schemas::ProjectionStatus),
        (status = 500, description = "The database cannot be read", body = crate::support::error::ErrorBody)
    )
)]
async fn projections(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let report = state.projection_report().await?;
    Ok(HttpResponse::Ok().json(report))
}
