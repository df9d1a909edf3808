//! The projection runner: one task per projector that catches up from its checkpoint and
//! then follows the log live. Each batch's read-model writes and checkpoint move commit in
//! one transaction (invariant 3); on error the transaction rolls back and the batch is
//! retried from the committed checkpoint after a backoff, so nothing is lost or doubled.

use crate::checkpoint;
use crate::error::ProjectionError;
use crate::event_stats::EventStatsProjector;
use crate::projector::Projector;
use crate::tail::SharedTail;
use crate::users::UsersProjector;
use domain::Clock;
use serde::Serialize;
use sqlx::AnyPool;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use store::clock::SystemClock;
use store::{EventLog, Position, RecordedEvent, StoreError};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

#[derive(Debug, Clone)]
pub struct RunnerConfig {
    /// Events per batch (one transaction) while catching up or following.
    pub batch_size: usize,
    /// Events per batch during `replay`; bigger batches mean fewer commits.
    pub replay_batch_size: usize,
    /// Fallback poll when no change notification arrives.
    pub poll_interval: Duration,
    pub backoff_initial: Duration,
    pub backoff_max: Duration,
}

impl Default for RunnerConfig {
    fn default() -> Self {
        Self {
            batch_size: 1_000,
            replay_batch_size: 5_000,
            poll_interval: Duration::from_millis(500),
            backoff_initial: Duration::from_millis(100),
            backoff_max: Duration::from_secs(5),
        }
    }
}

/// One registered projector and the numbers the runner keeps about it.
pub(crate) struct Slot {
    pub(crate) projector: Arc<dyn Projector>,
    pub(crate) applied: AtomicU64,
    pub(crate) errors: AtomicU64,
    /// The last checkpoint this process saw committed (or loaded).
    pub(crate) checkpoint: watch::Sender<Position>,
}

impl Slot {
    fn name(&self) -> &'static str {
        self.projector.name()
    }

    pub(crate) fn set_checkpoint(&self, position: Position) {
        self.checkpoint.send_replace(position);
    }
}

pub(crate) struct Inner {
    pub(crate) log: Arc<dyn EventLog>,
    /// The same object as `log`, typed: `wait_for_stream_type` looks into its window.
    pub(crate) tail: Arc<SharedTail>,
    pub(crate) pool: AnyPool,
    pub(crate) slots: Vec<Arc<Slot>>,
    pub(crate) config: RunnerConfig,
    /// Dates checkpoint rows (`updated_at`).
    pub(crate) clock: Arc<dyn Clock>,
    /// Highest head position this process has observed (for the synchronous `metrics`).
    pub(crate) head: AtomicU64,
}

impl Inner {
    pub(crate) fn observe_head(&self, position: Position) {
        self.head.fetch_max(position.0, Ordering::Relaxed);
    }
}

/// Runs named projectors. Cheap to clone; clones share state.
#[derive(Clone)]
pub struct ProjectionRunner {
    pub(crate) inner: Arc<Inner>,
}

/// Per-projector figures for `tessera status` and the health endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectionStatus {
    pub name: &'static str,
    pub checkpoint: u64,
    pub head: u64,
    /// `head - checkpoint`: events committed to the log but not yet in this read model.
    pub lag: u64,
}

/// Plain numbers for the metrics exporter (read without touching the database).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectorMetrics {
    pub name: &'static str,
    /// Events in batches this process committed (counter).
    pub events_applied: u64,
    /// Failed batch attempts (counter).
    pub errors: u64,
    pub checkpoint: u64,
    /// Head as last observed by this process.
    pub head: u64,
    pub lag: u64,
}

/// The outcome of committing one batch.
pub(crate) enum Commit {
    Done(Position),
    /// The checkpoint was not where we read from: another runner moved it.
    Moved,
}

/// The projectors Tessera ships, in start order.
pub fn standard_projectors() -> Vec<Arc<dyn Projector>> {
    vec![
        Arc::new(UsersProjector),
        Arc::new(EventStatsProjector),
        Arc::new(crate::applications::ApplicationsProjector),
        Arc::new(crate::resources::ResourcesProjector),
        Arc::new(crate::roles::RolesProjector),
        Arc::new(crate::sessions::SessionsProjector),
        Arc::new(crate::grants::GrantsProjector),
        Arc::new(crate::device_codes::DeviceCodesProjector),
        Arc::new(crate::hooks::HooksProjector),
        Arc::new(crate::hooks_log::HookLogsProjector),
        Arc::new(crate::user_roles::UserRolesProjector),
        Arc::new(crate::audit::AuditProjector),
    ]
}

/// Join handle of the running projector tasks.
pub struct RunnerHandle {
    tasks: Vec<JoinHandle<()>>,
}

impl RunnerHandle {
    /// Waits until every task has stopped (after the shutdown token is cancelled). Each
    /// stops between batches, so every read model is left at a committed checkpoint.
    pub async fn join(self) {
        for task in self.tasks {
            if let Err(e) = task.await {
                tracing::error!(error = %e, "projector task panicked");
            }
        }
    }
}

impl ProjectionRunner {
    pub fn new(
        log: Arc<dyn EventLog>,
        pool: AnyPool,
        projectors: Vec<Arc<dyn Projector>>,
        config: RunnerConfig,
    ) -> Self {
        Self::with_clock(log, pool, projectors, config, Arc::new(SystemClock))
    }

    /// [`ProjectionRunner::new`] reading `clock` instead of the system clock.
    pub fn with_clock(
        log: Arc<dyn EventLog>,
        pool: AnyPool,
        projectors: Vec<Arc<dyn Projector>>,
        config: RunnerConfig,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let slots = projectors
            .into_iter()
            .map(|projector| {
                Arc::new(Slot {
                    projector,
                    applied: AtomicU64::new(0),
                    errors: AtomicU64::new(0),
                    checkpoint: watch::Sender::new(Position(0)),
                })
            })
            .collect();
        // One shared read of the tail for every projector (see `tail.rs`).
        let tail = Arc::new(SharedTail::new(log, crate::tail::DEFAULT_CAPACITY));
        let log: Arc<dyn EventLog> = tail.clone();
        Self {
            inner: Arc::new(Inner {
                log,
                tail,
                pool,
                slots,
                config,
                clock,
                head: AtomicU64::new(0),
            }),
        }
    }

    /// The `users` and `event_stats` projectors with the default configuration.
    pub fn standard(log: Arc<dyn EventLog>, pool: AnyPool) -> Self {
        Self::new(log, pool, standard_projectors(), RunnerConfig::default())
    }

    /// The log as the projectors read it: through the shared tail, so another follower of
    /// the log in this process (the webhook relay) reads recent events from memory
    /// instead of reading, decrypting and decoding each again from the database.
    pub fn log(&self) -> Arc<dyn EventLog> {
        self.inner.log.clone()
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.inner.slots.iter().map(|s| s.name()).collect()
    }

    pub(crate) fn slot(&self, name: &str) -> Result<&Arc<Slot>, ProjectionError> {
        self.inner
            .slots
            .iter()
            .find(|s| s.name() == name)
            .ok_or_else(|| ProjectionError::UnknownProjection(name.to_owned()))
    }

    /// Creates missing checkpoint rows and spawns one task per projector. Cancel
    /// `shutdown` and `join` the handle to stop at committed checkpoints.
    pub async fn start(
        &self,
        shutdown: CancellationToken,
    ) -> Result<RunnerHandle, ProjectionError> {
        for slot in &self.inner.slots {
            checkpoint::ensure(&self.inner.pool, slot.name(), self.inner.clock.now()).await?;
            slot.set_checkpoint(checkpoint::load(&self.inner.pool, slot.name()).await?);
        }
        self.inner.observe_head(self.inner.log.head().await?);
        let tasks = self
            .inner
            .slots
            .iter()
            .map(|slot| {
                let (inner, slot, shutdown) = (self.inner.clone(), slot.clone(), shutdown.clone());
                tokio::spawn(async move { follow(inner, slot, shutdown).await })
            })
            .collect();
        Ok(RunnerHandle { tasks })
    }

    /// Checkpoint, head and lag of every projector, read from the database (works without
    /// a running runner, e.g. for `tessera status`).
    pub async fn status(&self) -> Result<Vec<ProjectionStatus>, ProjectionError> {
        let head = self.inner.log.head().await?;
        self.inner.observe_head(head);
        let mut out = Vec::with_capacity(self.inner.slots.len());
        for slot in &self.inner.slots {
            let at = checkpoint::load(&self.inner.pool, slot.name()).await?;
            out.push(ProjectionStatus {
                name: slot.name(),
                checkpoint: at.0,
                head: head.0,
                lag: head.0.saturating_sub(at.0),
            });
        }
        Ok(out)
    }

    /// Counters and gauges from memory, for a metrics scrape.
    pub fn metrics(&self) -> Vec<ProjectorMetrics> {
        let head = self.inner.head.load(Ordering::Relaxed);
        self.inner
            .slots
            .iter()
            .map(|slot| {
                let checkpoint = slot.checkpoint.borrow().0;
                ProjectorMetrics {
                    name: slot.name(),
                    events_applied: slot.applied.load(Ordering::Relaxed),
                    errors: slot.errors.load(Ordering::Relaxed),
                    checkpoint,
                    head: head.max(checkpoint),
                    lag: head.saturating_sub(checkpoint),
                }
            })
            .collect()
    }

    /// Waits until projector `name` has committed `position` (read-your-writes after an
    /// append). Returns false on timeout. Needs a started runner in this process.
    pub async fn wait_for(
        &self,
        name: &str,
        position: Position,
        timeout: Duration,
    ) -> Result<bool, ProjectionError> {
        let mut rx = self.slot(name)?.checkpoint.subscribe();
        let reached = tokio::time::timeout(timeout, rx.wait_for(|p| *p >= position)).await;
        Ok(matches!(reached, Ok(Ok(_))))
    }

    /// [`ProjectionRunner::wait_for`] for a reader that only cares about projector
    /// `name`'s view of one stream type (the webhook fan-out reads the `hooks` read model
    /// as of an event): done as soon as the projector has committed every event of
    /// `stream_type` up to `position`. While it is behind, the shared tail tells whether
    /// any such event lies between its checkpoint and `position` (when the tail still
    /// holds that whole stretch): if none does, the read model already shows that stream
    /// type as of `position`, and waiting for the projector to work through unrelated
    /// events would only add latency.
    pub async fn wait_for_stream_type(
        &self,
        name: &str,
        position: Position,
        stream_type: &str,
        timeout: Duration,
    ) -> Result<bool, ProjectionError> {
        let mut rx = self.slot(name)?.checkpoint.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let committed = *rx.borrow_and_update();
            if committed >= position
                || self.inner.tail.none_in(committed.0, position.0, |e| {
                    e.stream.stream_type == stream_type
                })
            {
                return Ok(true);
            }
            match tokio::time::timeout_at(deadline, rx.changed()).await {
                Ok(Ok(())) => continue,
                _ => return Ok(false),
            }
        }
    }

    /// Waits until every projector has reached the log's current head.
    pub async fn wait_caught_up(&self, timeout: Duration) -> Result<bool, ProjectionError> {
        let head = self.inner.log.head().await?;
        let deadline = tokio::time::Instant::now() + timeout;
        for name in self.names() {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if !self.wait_for(name, head, left).await? {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// The fault point between a batch's writes and its commit (`failpoints` feature).
pub const BEFORE_COMMIT_FAILPOINT: &str = "projection-batch-before-commit";

/// Commits one batch: checkpoint move first (claims the row, see `checkpoint::advance`),
/// then the projector's writes, then commit. Any error rolls everything back.
pub(crate) async fn commit_batch(
    inner: &Inner,
    slot: &Slot,
    from: Position,
    events: &[RecordedEvent],
) -> Result<Commit, ProjectionError> {
    let Some(last) = events.last() else {
        return Ok(Commit::Done(from));
    };
    let to = last.position;
    let mut tx = inner.pool.begin().await?;
    let result = async {
        if !checkpoint::advance(&mut tx, slot.name(), from, to, inner.clock.now()).await? {
            return Ok(false);
        }
        slot.projector.apply_batch(&mut tx, events).await?;
        Ok::<_, ProjectionError>(true)
    }
    .await;
    match result {
        Ok(true) => {
            // Fault point (feature `failpoints`, tests only): a failure after the
            // read-model writes and the checkpoint move, before they commit. Returning
            // drops `tx`, which rolls both back: invariant 3 says nothing is then applied.
            #[cfg(feature = "failpoints")]
            fail::fail_point!(BEFORE_COMMIT_FAILPOINT, |_| Err(ProjectionError::Injected(
                BEFORE_COMMIT_FAILPOINT.to_owned()
            )));
            tx.commit().await?;
            slot.applied
                .fetch_add(events.len() as u64, Ordering::Relaxed);
            slot.set_checkpoint(to);
            inner.observe_head(to);
            Ok(Commit::Done(to))
        }
        Ok(false) => {
            tx.rollback().await?;
            Ok(Commit::Moved)
        }
        Err(e) => {
            // Best effort: if the rollback fails too, dropping the transaction rolls back.
            if let Err(rollback) = tx.rollback().await {
                tracing::warn!(error = %rollback, "rollback after a failed batch failed");
            }
            Err(e)
        }
    }
}

type Prefetch = JoinHandle<Result<Vec<RecordedEvent>, StoreError>>;

/// Reads the next batch on another task so decoding it overlaps the current commit.
pub(crate) fn prefetch(log: &Arc<dyn EventLog>, after: Position, limit: usize) -> Prefetch {
    let log = log.clone();
    tokio::spawn(async move { log.read_all(after, limit).await })
}

pub(crate) async fn take_prefetched(
    handle: Prefetch,
) -> Result<Vec<RecordedEvent>, ProjectionError> {
    match handle.await {
        Ok(result) => Ok(result?),
        Err(join) => Err(ProjectionError::Store(StoreError::Config(format!(
            "log reader task failed: {join}"
        )))),
    }
}

/// Sleeps for `d` unless shutdown comes first; returns false on shutdown.
async fn pause(shutdown: &CancellationToken, d: Duration) -> bool {
    tokio::select! {
        _ = shutdown.cancelled() => false,
        _ = tokio::time::sleep(d) => true,
    }
}

/// One projector's task: catch up, then follow live, until shutdown.
async fn follow(inner: Arc<Inner>, slot: Arc<Slot>, shutdown: CancellationToken) {
    let name = slot.name();
    let config = inner.config.clone();
    let mut changes = inner.log.changes();
    let mut changes_open = true;
    let mut backoff = config.backoff_initial;
    // None: reload from the database before the next batch (after an error or conflict).
    let mut from: Option<Position> = Some(*slot.checkpoint.borrow());
    let mut next: Option<Prefetch> = None;
    tracing::info!(projection = name, "projector started");
    while !shutdown.is_cancelled() {
        let result = step(&inner, &slot, &mut from, &mut next, &shutdown).await;
        match result {
            Ok(Step::Applied) => backoff = config.backoff_initial,
            Ok(Step::Idle) => {
                // Caught up: wait for a commit notification, with polling as the fallback.
                let notified = async {
                    if changes_open {
                        changes.changed().await.is_ok()
                    } else {
                        std::future::pending().await
                    }
                };
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    ok = notified => {
                        changes_open = ok;
                        inner.observe_head(*changes.borrow());
                    }
                    _ = tokio::time::sleep(config.poll_interval) => {}
                }
            }
            Ok(Step::Stopped) => break,
            Err(e) => {
                slot.errors.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(projection = name, error = %e, retry_in_ms = backoff.as_millis() as u64,
                    "projection batch failed; rolled back, retrying from the checkpoint");
                if let Some(handle) = next.take() {
                    handle.abort();
                }
                from = None;
                if !pause(&shutdown, backoff).await {
                    break;
                }
                backoff = (backoff * 2).min(config.backoff_max);
            }
        }
    }
    if let Some(handle) = next.take() {
        handle.abort();
    }
    tracing::info!(
        projection = name,
        checkpoint = slot.checkpoint.borrow().0,
        "projector stopped"
    );
}

enum Step {
    Applied,
    Idle,
    Stopped,
}

async fn step(
    inner: &Inner,
    slot: &Slot,
    from: &mut Option<Position>,
    next: &mut Option<Prefetch>,
    shutdown: &CancellationToken,
) -> Result<Step, ProjectionError> {
    let start = match *from {
        Some(p) => p,
        None => {
            let p = checkpoint::load(&inner.pool, slot.name()).await?;
            slot.set_checkpoint(p);
            *from = Some(p);
            p
        }
    };
    let batch_size = inner.config.batch_size;
    let events = match next.take() {
        Some(handle) => take_prefetched(handle).await?,
        None => tokio::select! {
            _ = shutdown.cancelled() => return Ok(Step::Stopped),
            read = inner.log.read_all(start, batch_size) => read?,
        },
    };
    let Some(last) = events.last() else {
        return Ok(Step::Idle);
    };
    let to = last.position;
    if events.len() == batch_size {
        // More is probably waiting: read it while this batch commits.
        *next = Some(prefetch(&inner.log, to, batch_size));
    }
    match commit_batch(inner, slot, start, &events).await? {
        Commit::Done(p) => {
            *from = Some(p);
            Ok(Step::Applied)
        }
        Commit::Moved => {
            tracing::info!(
                projection = slot.name(),
                "checkpoint moved by another runner; reloading"
            );
            if let Some(handle) = next.take() {
                handle.abort();
            }
            *from = None;
            Ok(Step::Applied)
        }
    }
}
