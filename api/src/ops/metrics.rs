//! `GET /metrics`: Prometheus/OpenMetrics text. Projector figures, webhook delivery's
//! progress and the log head are read at scrape time.

use crate::state::AppState;
use crate::support::error::ApiError;
use crate::support::metrics::ProjectorSample;
use actix_web::{web, HttpRequest, HttpResponse};
use app::AppError;
use subtle::ConstantTimeEq;

pub fn configure(routes: &mut crate::guard::access::Routes) {
    routes.resource(
        web::resource("/metrics")
            .route(web::get().to(metrics))
            .default_service(web::to(crate::support::error::method_not_allowed)),
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
        (status = 401, description = "`TESSERA_METRICS_TOKEN` is set and the request lacks it", body = crate::support::error::ErrorBody),
        (status = 500, description = "The database cannot be read", body = crate::support::error::ErrorBody)
    )
)]
async fn metrics(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    if let Some(expected) = &state.metrics_token {
        let presented = crate::support::request::bearer_token(&req).unwrap_or_default();
        // Constant time: the token is a shared secret.
        if !bool::from(presented.as_bytes().ct_eq(expected.as_bytes())) {
            return Err(AppError::Unauthorized {
                code: "auth.unauthorized",
                message: "`/metrics` needs the configured Bearer token.".to_owned(),
            }
            .into());
        }
    }
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
    state.metrics.record_appended(state.store.events_appended());
    let progress =
        webhooks::progress::read(&state.store.read_pool, state.clock.now().as_millis()).await?;
    state.metrics.record_webhooks(report.head, &progress);
    let text = state.metrics.encode().map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(text))
}
