//! What every request handler shares.

use crate::support::error::ApiError;
use crate::support::metrics::Metrics;
use app::AppContext;
use serde::Serialize;
use std::sync::Arc;
use store::Backend;

/// The application layer's context (store, projections, clock, randomness, directory,
/// sign-in settings; `state.store` reads through [`std::ops::Deref`]) and what only HTTP
/// needs.
#[derive(Clone)]
pub struct AppState {
    pub app: AppContext,
    /// Public base URL (`TESSERA_ENDPOINT`), used for absolute links.
    pub endpoint: String,
    pub metrics: Arc<Metrics>,
    /// The OIDC provider: issuer, signing keys, client cache.
    pub oidc: Arc<crate::oidc::Oidc>,
    /// The per-address limit on the routes anyone can call (`rate_limit.rs`).
    pub rate_limit: crate::guard::rate_limit::IpRateLimit,
    /// When set, `/metrics` needs it as a Bearer token.
    pub metrics_token: Option<String>,
    /// The credentials file of the Management API application the server generated
    /// (`None` when `TESSERA_BOOTSTRAP_M2M_ID` names one); shown on `GET /`.
    pub bootstrap_credentials: Option<std::path::PathBuf>,
    /// Statement timeout of `GET /api/users`'s regular-expression searches (Postgres).
    pub user_search_timeout: std::time::Duration,
}

/// One projector's progress (`GET /api/status/projections`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectorReport {
    pub name: String,
    pub checkpoint: u64,
    pub lag: u64,
    pub events_applied: u64,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectionReport {
    pub backend: String,
    pub head: u64,
    pub projectors: Vec<ProjectorReport>,
}

impl AppState {
    /// The log head and every projector's committed checkpoint and lag (read from the
    /// database), with this process's applied-event counters.
    pub async fn projection_report(&self) -> Result<ProjectionReport, ApiError> {
        let statuses = self.projections.status().await?;
        let counters = self.projections.metrics();
        let head = match statuses.first() {
            Some(s) => s.head,
            None => self.store.log.head().await?.0,
        };
        let projectors = statuses
            .iter()
            .map(|s| ProjectorReport {
                name: s.name.to_owned(),
                checkpoint: s.checkpoint,
                lag: s.lag,
                events_applied: counters
                    .iter()
                    .find(|m| m.name == s.name)
                    .map_or(0, |m| m.events_applied),
            })
            .collect();
        Ok(ProjectionReport {
            backend: backend_name(self.store.backend).to_owned(),
            head,
            projectors,
        })
    }
}

impl std::ops::Deref for AppState {
    type Target = AppContext;

    fn deref(&self) -> &AppContext {
        &self.app
    }
}

pub fn backend_name(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}
