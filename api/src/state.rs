//! What every request handler shares.

use crate::env::{Clock, RandomSource};
use crate::error::ApiError;
use crate::metrics::Metrics;
use projections::ProjectionRunner;
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;
use store::{Backend, Position, Store};

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub projections: ProjectionRunner,
    /// Public base URL (`TESSERA_ENDPOINT`), used for absolute links.
    pub endpoint: String,
    pub metrics: Arc<Metrics>,
    pub clock: Arc<dyn Clock>,
    pub random: Arc<dyn RandomSource>,
    /// The OIDC provider: issuer, signing keys, client cache.
    pub oidc: Arc<crate::oidc::Oidc>,
    /// Hosted sign-in pages (registration on or off).
    pub sign_in: crate::signin::Settings,
    /// Webhook HTTP side: the address policy for hook URLs and the test delivery.
    pub webhooks: webhooks::sender::Sender,
    /// The per-address limit on the routes anyone can call (`rate_limit.rs`).
    pub rate_limit: crate::rate_limit::IpRateLimit,
    /// When set, `/metrics` needs it as a Bearer token.
    pub metrics_token: Option<String>,
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

    /// Waits until projector `name` has committed everything up to the log head as it is
    /// now, for at most `bound`. Returns whether it got there.
    pub async fn await_projection_head(
        &self,
        name: &str,
        bound: Duration,
    ) -> Result<bool, ApiError> {
        let head = self.store.log.head().await?;
        self.await_projection(name, head, bound).await
    }

    /// Waits until projector `name`'s committed checkpoint is at least `target`: on the
    /// runner's in-memory checkpoint signal, then (in case another node's runner did the
    /// work) once more on the checkpoint row itself.
    pub async fn await_projection(
        &self,
        name: &str,
        target: Position,
        bound: Duration,
    ) -> Result<bool, ApiError> {
        if self.projections.wait_for(name, target, bound).await? {
            return Ok(true);
        }
        let checkpoint = projections::checkpoint::load(&self.store.read_pool, name).await?;
        if checkpoint >= target {
            return Ok(true);
        }
        tracing::warn!(
            projector = name,
            checkpoint = checkpoint.0,
            target = target.0,
            "read answered before the projector caught up"
        );
        Ok(false)
    }
}

pub fn backend_name(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}
