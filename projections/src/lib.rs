//! Projections: the runner that follows the global log into read models (checkpoints,
//! catch-up then live, replay, lag), and the read models themselves with their queries.
//!
//! Composition (what the binary does):
//! ```ignore
//! let runner = ProjectionRunner::standard(store.log.clone(), store.read_pool.clone());
//! let handle = runner.start(shutdown.clone()).await?;   // serve
//! runner.status().await?;                               // status / health: lag per projector
//! runner.metrics();                                     // Prometheus: applied, errors, lag
//! runner.replay(ReplayTarget::All, |p| bar.set_position(p.position)).await?; // replay
//! shutdown.cancel(); handle.join().await;               // stops at committed checkpoints
//! ```

pub mod access;
pub mod applications;
pub mod audit;
pub mod checkpoint;
pub mod device_codes;
pub mod dump;
mod erasure;
pub mod error;
pub mod event_stats;
pub mod grants;
pub mod hooks;
pub mod hooks_log;
pub mod projector;
mod read_model;
mod replay;
pub mod resources;
pub mod roles;
mod runner;
pub mod sessions;
mod sql;
mod tail;
pub mod user_roles;
pub mod users;

pub use error::ProjectionError;
pub use event_stats::EventStatsProjector;
pub use projector::{Projector, TableSpec};
pub use read_model::{Window, TENANT_ID};
pub use replay::{ReplayProgress, ReplaySummary, ReplayTarget};
pub use runner::{
    standard_projectors, ProjectionRunner, ProjectionStatus, ProjectorMetrics, RunnerConfig,
    RunnerHandle, BEFORE_COMMIT_FAILPOINT,
};
pub use tokio_util::sync::CancellationToken;
pub use users::UsersProjector;
