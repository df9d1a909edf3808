//! Embedded delivery (no `TESSERA_AMQP_URL`): in-process, straight from the log, with its
//! state in the store's database so a restart loses nothing.
//!
//! * The **dispatcher** follows the global log from its own checkpoint
//!   (`webhook_dispatch_checkpoint`), turns each event into jobs
//!   ([`Deliverer::jobs_for_batch`]) and inserts them into the due-queue (`webhook_jobs`)
//!   in the same transaction that moves the checkpoint (a compare-and-set, so two
//!   dispatchers never both commit a batch): an event is either fully queued or not at all.
//! * The **worker** claims due jobs (a compare-and-set on `next_attempt_at` that also
//!   acts as a lease: a job whose worker died is due again after [`LEASE`]), makes the
//!   attempt ([`Deliverer::attempt`], which records it in the log), then deletes the job
//!   or reschedules it per the [`RetrySchedule`]; when the schedule runs out it records
//!   the exhaustion ([`Deliverer::exhausted`]).
//!
//! At-least-once: a crash after an attempt is recorded but before its job row moves
//! repeats that attempt after the lease; the delivery stream makes a job whose delivery
//! already finished a no-op.

use crate::delivery::{AttemptOutcome, Deliverer, DeliveryJob};
use crate::schedule::RetrySchedule;
use futures::future::join_all;
use sqlx::{AnyPool, Row};
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::{Position, Store};
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

const CHECKPOINT: &str = "embedded";
/// Events read from the log per dispatcher batch.
const BATCH: usize = 256;
/// Deliveries in flight at once (Logto sends up to 10 in parallel).
const PARALLEL: i64 = 10;
/// How long a claimed job stays invisible to other workers (above the 10 s timeout).
const LEASE: Duration = Duration::from_secs(60);
/// Poll interval when nothing signals new work (log hints and due times cut it short).
const POLL: Duration = Duration::from_millis(500);
/// Back-off after a failure of the store or the read model.
const BACKOFF: Duration = Duration::from_secs(2);

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// The running dispatcher and worker.
pub struct EmbeddedDelivery {
    tasks: Vec<JoinHandle<()>>,
}

impl EmbeddedDelivery {
    /// Spawns the dispatcher and the worker; cancel `shutdown` and [`join`](Self::join)
    /// to stop them between jobs (an attempt in flight finishes and is recorded).
    pub fn start(
        store: Store,
        deliverer: Deliverer,
        schedule: RetrySchedule,
        shutdown: CancellationToken,
    ) -> Self {
        let queued = Arc::new(Notify::new());
        let dispatcher = Dispatcher {
            store: store.clone(),
            deliverer: deliverer.clone(),
            queued: queued.clone(),
        };
        let worker = Worker {
            pool: store.read_pool.clone(),
            deliverer,
            schedule,
            queued,
        };
        let tasks = vec![
            tokio::spawn(dispatcher.run(shutdown.clone())),
            tokio::spawn(worker.run(shutdown)),
        ];
        Self { tasks }
    }

    pub async fn join(self) {
        for task in self.tasks {
            if let Err(e) = task.await {
                tracing::error!(error = %e, "webhook delivery task panicked");
            }
        }
    }
}

struct Dispatcher {
    store: Store,
    deliverer: Deliverer,
    queued: Arc<Notify>,
}

#[derive(Debug, thiserror::Error)]
enum StepError {
    #[error(transparent)]
    Sql(#[from] sqlx::Error),
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error(transparent)]
    Delivery(#[from] crate::delivery::DeliveryError),
}

/// How far the dispatcher has read, and how far that is durable. Batches without jobs
/// move only `read`; the checkpoint row is written with the next jobs, when the log goes
/// quiet, or after [`LAZY_CHECKPOINT`] — not once per batch, which on SQLite would contend
/// with the log's single writer under load. A restart re-reads at most that span.
struct Cursor {
    committed: u64,
    read: u64,
    committed_at: Instant,
}

/// The longest a read-ahead without jobs stays uncommitted.
const LAZY_CHECKPOINT: Duration = Duration::from_secs(5);

impl Dispatcher {
    async fn run(self, shutdown: CancellationToken) {
        let mut changes = self.store.log.changes();
        let mut cursor = None;
        loop {
            let result = match cursor.as_mut() {
                Some(c) => self.step(c).await,
                None => self.checkpoint().await.map(|at| {
                    cursor = Some(Cursor {
                        committed: at,
                        read: at,
                        committed_at: Instant::now(),
                    });
                    1
                }),
            };
            let progressed = match result {
                Ok(n) => n > 0,
                Err(e) => {
                    tracing::warn!(error = %e, "webhook dispatcher failed; retrying");
                    cursor = None;
                    tokio::select! {
                        _ = shutdown.cancelled() => return,
                        _ = tokio::time::sleep(BACKOFF) => {}
                    }
                    continue;
                }
            };
            if shutdown.is_cancelled() {
                if let Some(c) = cursor.as_mut() {
                    if let Err(e) = self.commit(c, &[]).await {
                        tracing::warn!(error = %e, "webhook dispatcher checkpoint not saved");
                    }
                }
                return;
            }
            if !progressed {
                tokio::select! {
                    _ = shutdown.cancelled() => {}
                    _ = changes.changed() => {}
                    _ = tokio::time::sleep(POLL) => {}
                }
            }
        }
    }

    /// The committed checkpoint (the row is created on first use).
    async fn checkpoint(&self) -> Result<u64, StepError> {
        let pool = &self.store.read_pool;
        sqlx::query(
            "INSERT INTO webhook_dispatch_checkpoint (name, position) VALUES ($1, 0) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(CHECKPOINT)
        .execute(pool)
        .await?;
        let position: i64 =
            sqlx::query("SELECT position FROM webhook_dispatch_checkpoint WHERE name = $1")
                .bind(CHECKPOINT)
                .fetch_one(pool)
                .await?
                .try_get(0)?;
        Ok(u64::try_from(position).unwrap_or(0))
    }

    /// Queues the jobs of one batch of events; returns how many events it covered (0 when
    /// the log had nothing new).
    async fn step(&self, cursor: &mut Cursor) -> Result<usize, StepError> {
        let events = self
            .store
            .log
            .read_all(Position(cursor.read), BATCH)
            .await?;
        let Some(last) = events.last().map(|e| e.position.0) else {
            if cursor.read > cursor.committed {
                self.commit(cursor, &[]).await?;
            }
            return Ok(0);
        };
        let jobs = self.deliverer.jobs_for_batch(&events).await?;
        cursor.read = last;
        if jobs.is_empty() && cursor.committed_at.elapsed() < LAZY_CHECKPOINT {
            return Ok(events.len());
        }
        self.commit(cursor, &jobs).await?;
        Ok(events.len())
    }

    /// Inserts `jobs` and moves the checkpoint to `cursor.read` in one transaction (a
    /// compare-and-set from `cursor.committed`). If another dispatcher moved it first, the
    /// cursor falls back to what that one committed.
    async fn commit(&self, cursor: &mut Cursor, jobs: &[DeliveryJob]) -> Result<(), StepError> {
        let due = self.deliverer.clock().now().as_millis();
        let mut tx = self.store.read_pool.begin().await?;
        let moved = sqlx::query(
            "UPDATE webhook_dispatch_checkpoint SET position = $1 WHERE name = $2 AND position = $3",
        )
        .bind(i64::try_from(cursor.read).unwrap_or(i64::MAX))
        .bind(CHECKPOINT)
        .bind(i64::try_from(cursor.committed).unwrap_or(i64::MAX))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if moved != 1 {
            tx.rollback().await?;
            let at = self.checkpoint().await?;
            *cursor = Cursor {
                committed: at,
                read: at,
                committed_at: Instant::now(),
            };
            return Ok(());
        }
        for job in jobs {
            sqlx::query(
                "INSERT INTO webhook_jobs (event_id, hook_id, logto_event, position, attempt, \
                 next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (event_id, hook_id, logto_event) DO NOTHING",
            )
            .bind(job.event_id.to_string())
            .bind(job.hook_id.as_str())
            .bind(job.logto_event.as_str())
            .bind(i64::try_from(job.position).unwrap_or(i64::MAX))
            .bind(i64::from(job.attempt))
            .bind(due)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        cursor.committed = cursor.read;
        cursor.committed_at = Instant::now();
        if !jobs.is_empty() {
            tracing::debug!(
                jobs = jobs.len(),
                up_to = cursor.read,
                "webhook jobs queued"
            );
            self.queued.notify_one();
        }
        Ok(())
    }
}

struct Worker {
    pool: AnyPool,
    deliverer: Deliverer,
    schedule: RetrySchedule,
    queued: Arc<Notify>,
}

/// A claimed job and the `next_attempt_at` it was claimed at (the lease).
struct Claimed {
    job: DeliveryJob,
    lease_until: i64,
}

impl Worker {
    async fn run(self, shutdown: CancellationToken) {
        loop {
            if shutdown.is_cancelled() {
                return;
            }
            let wait = match self.step().await {
                Ok(Some(_)) => continue,
                Ok(None) => match self.next_due().await {
                    Ok(Some(at)) => {
                        let now = self.deliverer.clock().now().as_millis();
                        Duration::from_millis(u64::try_from(at - now).unwrap_or(0)).min(POLL)
                    }
                    Ok(None) => POLL,
                    Err(e) => {
                        tracing::warn!(error = %e, "webhook worker failed; retrying");
                        BACKOFF
                    }
                },
                Err(e) => {
                    tracing::warn!(error = %e, "webhook worker failed; retrying");
                    BACKOFF
                }
            };
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = self.queued.notified() => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }

    async fn next_due(&self) -> Result<Option<i64>, sqlx::Error> {
        let row = sqlx::query("SELECT min(next_attempt_at) FROM webhook_jobs")
            .fetch_one(&self.pool)
            .await?;
        row.try_get::<Option<i64>, _>(0)
    }

    /// Claims and runs up to [`PARALLEL`] due jobs; `None` when none was due.
    async fn step(&self) -> Result<Option<usize>, StepError> {
        let now = self.deliverer.clock().now().as_millis();
        let rows = sqlx::query(
            "SELECT event_id, hook_id, logto_event, position, attempt, next_attempt_at \
             FROM webhook_jobs WHERE next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT $2",
        )
        .bind(now)
        .bind(PARALLEL)
        .fetch_all(&self.pool)
        .await?;
        if rows.is_empty() {
            return Ok(None);
        }
        let lease_until = now + ms(LEASE);
        let mut claimed = Vec::new();
        for row in rows {
            let event_id: String = row.try_get(0)?;
            let Ok(event_id) = Uuid::parse_str(&event_id) else {
                tracing::error!(%event_id, "webhook job with an invalid event id dropped");
                continue;
            };
            let job = DeliveryJob {
                event_id,
                hook_id: row.try_get(1)?,
                logto_event: row.try_get(2)?,
                position: u64::try_from(row.try_get::<i64, _>(3)?).unwrap_or(0),
                attempt: u32::try_from(row.try_get::<i64, _>(4)?).unwrap_or(1),
                // Not kept in the row: the attempt finds the event by its position.
                stream: None,
            };
            let was: i64 = row.try_get(5)?;
            let won = sqlx::query(
                "UPDATE webhook_jobs SET next_attempt_at = $1 WHERE event_id = $2 \
                 AND hook_id = $3 AND logto_event = $4 AND next_attempt_at = $5",
            )
            .bind(lease_until)
            .bind(job.event_id.to_string())
            .bind(job.hook_id.as_str())
            .bind(job.logto_event.as_str())
            .bind(was)
            .execute(&self.pool)
            .await?
            .rows_affected();
            if won == 1 {
                claimed.push(Claimed { job, lease_until });
            }
        }
        let count = claimed.len();
        for result in join_all(claimed.iter().map(|c| self.run_one(c))).await {
            result?;
        }
        Ok(Some(count))
    }

    async fn run_one(&self, claimed: &Claimed) -> Result<(), StepError> {
        let job = &claimed.job;
        let now_ms = || self.deliverer.clock().now().as_millis();
        let next = match self.deliverer.attempt(job).await {
            Ok(AttemptOutcome::RetryLater) => match self.schedule.delay_after(job.attempt) {
                Some(delay) => Some((job.attempt + 1, now_ms() + ms(delay))),
                None => {
                    self.deliverer.exhausted(job).await?;
                    None
                }
            },
            Ok(AttemptOutcome::Delivered | AttemptOutcome::HookGone | AttemptOutcome::Skipped) => {
                None
            }
            Err(e) if e.is_transient() => {
                tracing::warn!(error = %e, hook = %job.hook_id, "webhook attempt failed; retrying");
                Some((job.attempt, now_ms() + ms(BACKOFF)))
            }
            Err(e) => {
                tracing::error!(error = %e, hook = %job.hook_id, event = %job.event_id,
                    "webhook job cannot be delivered; dropped");
                None
            }
        };
        let key = |q: sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments<'static>>| {
            q.bind(job.event_id.to_string())
                .bind(job.hook_id.clone())
                .bind(job.logto_event.clone())
                .bind(claimed.lease_until)
        };
        match next {
            Some((attempt, at)) => {
                key(sqlx::query(
                    "UPDATE webhook_jobs SET attempt = $5, next_attempt_at = $6 WHERE \
                     event_id = $1 AND hook_id = $2 AND logto_event = $3 AND next_attempt_at = $4",
                ))
                .bind(i64::from(attempt))
                .bind(at)
                .execute(&self.pool)
                .await?;
            }
            None => {
                key(sqlx::query(
                    "DELETE FROM webhook_jobs WHERE event_id = $1 AND hook_id = $2 \
                     AND logto_event = $3 AND next_attempt_at = $4",
                ))
                .execute(&self.pool)
                .await?;
            }
        }
        Ok(())
    }
}
