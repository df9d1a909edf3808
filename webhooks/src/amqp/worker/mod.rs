//! Workers: consumers of the delivery queue (events → per-hook jobs, `fan_out.rs`) and of
//! the jobs queue (one delivery attempt each, `attempt.rs`). This file is the broker
//! session they share: connect, declare, consume, reconnect with backoff.
//!
//! A message is acked only once its outcome is durable: the jobs it fans out to, the retry
//! it parks in a TTL queue, or its copy in the dead-letter queue have been confirmed by the
//! broker (and the exhaustion recorded in the log). A worker that dies before the ack
//! leaves the message unacked and RabbitMQ redelivers it; the receiver then sees the same
//! `webhook-id`. At most `prefetch` job messages are in flight per job worker (the broker
//! does not send more unacked ones), each handled on its own task; event messages are
//! handled in batches of whatever has arrived (up to `EVENT_BATCH`, two batches in flight),
//! each message still acked only after its own jobs are confirmed.

mod attempt;
mod fan_out;
mod publish;

use super::topology::{self, Names};
use crate::delivery::{Deliverer, DeliveryError};
use crate::schedule::RetrySchedule;
use fan_out::EVENT_BATCH;
use futures::{FutureExt, StreamExt};
use lapin::options::{BasicConsumeOptions, BasicQosOptions, ConfirmSelectOptions};
use lapin::types::FieldTable;
use std::sync::Arc;
use std::time::Duration;
use store::Store;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// Which queue a worker consumes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// `{p}.delivery`: events → jobs.
    Events,
    /// `{p}.jobs`: one attempt per job.
    Jobs,
}

#[derive(Debug, Clone)]
pub struct WorkerSettings {
    pub broker: super::Broker,
    pub names: Names,
    /// Event types the delivery queue is bound to (`#`: all).
    pub routing_keys: Vec<String>,
    pub schedule: RetrySchedule,
    /// Unacked messages in flight per worker.
    pub prefetch: u16,
    pub backoff_initial: Duration,
    pub backoff_max: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error("broker: {0}")]
    Broker(#[from] lapin::Error),
    #[error("the broker refused (nacked) a publish")]
    Nacked,
    #[error("the broker returned an unroutable publish to {0}")]
    Unroutable(String),
    #[error("the consumer was cancelled by the broker")]
    ConsumerClosed,
    #[error(transparent)]
    Delivery(#[from] DeliveryError),
}

pub struct Worker {
    pub store: Store,
    pub deliverer: Deliverer,
    pub settings: Arc<WorkerSettings>,
    pub role: Role,
    pub index: usize,
}

/// How long a message whose handling failed for a passing reason (database busy, read
/// model behind) waits before it is handed back to the broker.
const TRANSIENT_BACKOFF: Duration = Duration::from_secs(1);

impl Worker {
    /// Consumes until `stop` is cancelled, reconnecting with backoff after any failure.
    pub async fn run(self, stop: CancellationToken) {
        let this = Arc::new(self);
        let mut backoff = this.settings.backoff_initial;
        while !stop.is_cancelled() {
            match this.clone().session(&stop).await {
                Ok(()) => return,
                Err(e) => tracing::warn!(
                    role = ?this.role,
                    worker = this.index,
                    error = %e,
                    retry_in_ms = backoff.as_millis() as u64,
                    "webhook worker lost its broker session; reconnecting"
                ),
            }
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(backoff) => {}
            }
            backoff = (backoff * 2).min(this.settings.backoff_max);
        }
    }

    async fn session(self: Arc<Self>, stop: &CancellationToken) -> Result<(), WorkerError> {
        let s = &self.settings;
        let name = format!("tessera-{:?}-worker-{}", self.role, self.index).to_lowercase();
        let connection = s.broker.connect(&name).await?;
        let channel = connection.create_channel().await?;
        topology::declare_all(&channel, &s.names, &s.routing_keys, s.schedule.delays()).await?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await?;
        // Event messages are handled in batches (see `handle_events`): room for two
        // batches in flight, so the next one is received while one is handled.
        let prefetch = match self.role {
            Role::Events => u16::try_from(2 * EVENT_BATCH).unwrap_or(u16::MAX),
            Role::Jobs => s.prefetch,
        };
        channel
            .basic_qos(prefetch, BasicQosOptions::default())
            .await?;
        let queue = match self.role {
            Role::Events => s.names.delivery_queue(),
            Role::Jobs => s.names.jobs(),
        };
        let mut consumer = channel
            .basic_consume(
                queue.as_str().into(),
                name.as_str().into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await?;
        tracing::info!(role = ?self.role, worker = self.index, %queue, "webhook worker consuming");
        let mut in_flight = JoinSet::new();
        let result = loop {
            tokio::select! {
                _ = stop.cancelled() => break Ok(()),
                next = consumer.next() => match next {
                    Some(Ok(delivery)) if self.role == Role::Events => {
                        // Every event message already received goes into one batch: one
                        // read of the log, one wait for the hooks read model and one
                        // hooks query per batch instead of per event.
                        let mut batch = vec![delivery];
                        let mut broken = None;
                        while batch.len() < EVENT_BATCH {
                            match consumer.next().now_or_never() {
                                Some(Some(Ok(more))) => batch.push(more),
                                Some(Some(Err(e))) => {
                                    broken = Some(WorkerError::Broker(e));
                                    break;
                                }
                                Some(None) => {
                                    broken = Some(WorkerError::ConsumerClosed);
                                    break;
                                }
                                None => break,
                            }
                        }
                        let this = self.clone();
                        let channel = channel.clone();
                        in_flight.spawn(async move { this.handle_events(&channel, batch).await });
                        if let Some(e) = broken {
                            break Err(e);
                        }
                    }
                    Some(Ok(delivery)) => {
                        let this = self.clone();
                        let channel = channel.clone();
                        in_flight.spawn(async move { this.handle(&channel, delivery).await });
                    }
                    Some(Err(e)) => break Err(WorkerError::Broker(e)),
                    None => break Err(WorkerError::ConsumerClosed),
                },
                Some(done) = in_flight.join_next(), if !in_flight.is_empty() => {
                    if let Ok(Err(e)) = done {
                        tracing::warn!(role = ?self.role, error = %e, "webhook message handling failed; the broker redelivers it");
                    }
                }
            }
        };
        if result.is_ok() {
            // Graceful stop: let the messages in hand reach their ack (or not; unacked ones
            // are redelivered to whoever consumes next).
            while in_flight.join_next().await.is_some() {}
            let _ = channel.close(200, "worker stopping".into()).await;
            let _ = connection.close(200, "worker stopping".into()).await;
        } else {
            // The session is gone; running handlers finish on their own (their acks fail
            // and the broker redelivers those messages).
            in_flight.detach_all();
        }
        result
    }
}

/// Why a message was not acked.
enum Handling {
    /// Can never be handled (malformed, not in this log): rejected without requeue.
    Poison(String),
    /// May work later: handed back to the broker after a pause.
    Transient(WorkerError),
}

impl From<DeliveryError> for Handling {
    fn from(e: DeliveryError) -> Self {
        Handling::Transient(WorkerError::Delivery(e))
    }
}

impl From<WorkerError> for Handling {
    fn from(e: WorkerError) -> Self {
        Handling::Transient(e)
    }
}
