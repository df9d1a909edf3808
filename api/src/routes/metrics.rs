//! `GET /metrics`: Prometheus/OpenMetrics text. Projector figures, webhook delivery's
//! progress and the log head are read at scrape time.

use crate::error::ApiError;
use crate::metrics::ProjectorSample;
use crate::state::AppState;
use actix_web::{web, HttpResponse};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/metrics")
            .route(web::get().to(metrics))
            .default_service(web::to(super::method_not_allowed)),
    );
}

/// Prometheus/OpenMetrics text: requests, appends, projector progress.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "Operations",
    operation_id = "GetMetrics",
    responses(
        (status = 200, description = "OpenMetrics exposition", content_type = "application/openmetrics-text", body = String),
        (status = 500, description = "The database cannot be read", body = crate::error::ErrorBody)
    )
)]
async fn metrics(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let report = state.projection_report().await?;
    let samples: Vec<ProjectorSample> = report
        .projectors
        .iter()
        .map(|p| ProjectorSample {
            name: p.name.clone(),
            checkpoint: p.checkpoint,
            lag: p.lag,
            events_applied: p.events_applied,
        })
        .collect();
    state.metrics.record_projections(report.head, &samples);
    let progress =
        webhooks::progress::read(&state.store.read_pool, state.clock.now().as_millis()).await?;
    state.metrics.record_webhooks(report.head, &progress);
    let text = state.metrics.encode().map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(text))
}
