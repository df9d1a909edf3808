//! Health: `GET /api/status` answers 204 like Logto's (the process is up and serving);
//! `GET /api/status/projections` answers the log head and each projector's checkpoint and
//! lag as JSON (200), reading the database.

use crate::error::ApiError;
use crate::state::AppState;
use actix_web::{web, HttpResponse};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/status")
            .route(web::get().to(status))
            .route(web::head().to(status))
            .default_service(web::to(super::method_not_allowed)),
    )
    .service(
        web::resource("/api/status/projections")
            .route(web::get().to(projections))
            .default_service(web::to(super::method_not_allowed)),
    );
}

async fn status() -> HttpResponse {
    HttpResponse::NoContent().finish()
}

async fn projections(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let report = state.projection_report().await?;
    Ok(HttpResponse::Ok().json(report))
}
