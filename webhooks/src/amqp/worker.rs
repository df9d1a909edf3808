//! Workers: consumers of the delivery queue (events → per-hook jobs) and of the jobs queue
//! (one delivery attempt each).
//!
//! A message is acked only once its outcome is durable: the jobs it fans out to, the retry
//! it parks in a TTL queue, or its copy in the dead-letter queue have been confirmed by the
//! broker (and the exhaustion recorded in the log). A worker that dies before the ack
//! leaves the message unacked and RabbitMQ redelivers it; the receiver then sees the same
//! `webhook-id`. At most `prefetch` job messages are in flight per job worker (the broker
//! does not send more unacked ones), each handled on its own task; event messages are
//! handled in batches of whatever has arrived (up to `EVENT_BATCH`, two batches in flight),
//! each message still acked only after its own jobs are confirmed.

use super::message::EventNotice;
use super::topology::{self, Names, JOB_ROUTING_KEY};
use crate::delivery::{AttemptOutcome, Deliverer, DeliveryError, DeliveryJob};
use crate::schedule::RetrySchedule;
use futures::{FutureExt, StreamExt};
use lapin::message::Delivery;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicNackOptions, BasicPublishOptions, BasicQosOptions,
    BasicRejectOptions, ConfirmSelectOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Channel};
use std::sync::Arc;
use std::time::Duration;
use store::{Position, RecordedEvent, Store};
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

/// Event messages handled together at most.
const EVENT_BATCH: usize = 100;

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

    async fn handle(&self, channel: &Channel, delivery: Delivery) -> Result<(), WorkerError> {
        // Event messages go through `handle_events`.
        let handled = self.deliver(channel, &delivery).await;
        match handled {
            Ok(()) => {
                delivery.ack(BasicAckOptions::default()).await?;
                Ok(())
            }
            Err(Handling::Poison(reason)) => {
                tracing::error!(role = ?self.role, %reason, "dropping a webhook message that can never be handled");
                delivery
                    .reject(BasicRejectOptions { requeue: false })
                    .await?;
                Ok(())
            }
            Err(Handling::Transient(e)) => {
                tokio::time::sleep(TRANSIENT_BACKOFF).await;
                delivery
                    .nack(BasicNackOptions {
                        requeue: true,
                        ..BasicNackOptions::default()
                    })
                    .await?;
                Err(e)
            }
        }
    }

    /// Handles a batch of event messages: each is acked once the jobs of its event are
    /// confirmed by the broker; a malformed one or one not in this log is rejected; after
    /// a passing failure the whole batch is handed back to the broker.
    async fn handle_events(
        &self,
        channel: &Channel,
        deliveries: Vec<Delivery>,
    ) -> Result<(), WorkerError> {
        let mut parsed = Vec::with_capacity(deliveries.len());
        for delivery in deliveries {
            match serde_json::from_slice::<EventNotice>(&delivery.data) {
                Ok(notice) => parsed.push((delivery, notice)),
                Err(e) => {
                    tracing::error!(reason = %e, "dropping an event message that is not an event notice");
                    delivery
                        .reject(BasicRejectOptions { requeue: false })
                        .await?;
                }
            }
        }
        if parsed.is_empty() {
            return Ok(());
        }
        let notices: Vec<&EventNotice> = parsed.iter().map(|(_, n)| n).collect();
        let result = match self.load_many(&notices).await {
            Ok(found) => {
                let mut events = Vec::with_capacity(found.len());
                let mut handled = Vec::with_capacity(found.len());
                for ((delivery, notice), event) in parsed.into_iter().zip(found) {
                    match event {
                        Some(event) => {
                            events.push(event);
                            handled.push(delivery);
                        }
                        None => {
                            tracing::error!(event = %notice.event_id, position = notice.position.0, "dropping an event message that names no event of this log");
                            delivery
                                .reject(BasicRejectOptions { requeue: false })
                                .await?;
                        }
                    }
                }
                parsed = Vec::new();
                let published = self.publish_jobs_of(channel, events).await;
                (handled, published)
            }
            Err(e) => (Vec::new(), Err(Handling::Transient(e))),
        };
        let (handled, published) = result;
        let deliveries: Vec<Delivery> = handled
            .into_iter()
            .chain(parsed.into_iter().map(|(d, _)| d))
            .collect();
        match published {
            Ok(()) => {
                for delivery in deliveries {
                    delivery.ack(BasicAckOptions::default()).await?;
                }
                Ok(())
            }
            Err(Handling::Poison(reason)) => {
                // Only encoding a job can fail this way; keep the events for an operator.
                tracing::error!(%reason, "event messages cannot be turned into jobs; handed back");
                Err(self.nack_all(deliveries, WorkerError::Nacked).await)
            }
            Err(Handling::Transient(e)) => Err(self.nack_all(deliveries, e).await),
        }
    }

    async fn nack_all(&self, deliveries: Vec<Delivery>, cause: WorkerError) -> WorkerError {
        tokio::time::sleep(TRANSIENT_BACKOFF).await;
        for delivery in deliveries {
            let requeue = BasicNackOptions {
                requeue: true,
                ..BasicNackOptions::default()
            };
            if let Err(e) = delivery.nack(requeue).await {
                return e.into();
            }
        }
        cause
    }

    /// Publishes the jobs of `events` and waits for every confirm.
    async fn publish_jobs_of(
        &self,
        channel: &Channel,
        mut events: Vec<RecordedEvent>,
    ) -> Result<(), Handling> {
        events.sort_by_key(|e| e.position);
        events.dedup_by_key(|e| e.position);
        let jobs = self
            .deliverer
            .jobs_for_batch(&events)
            .await
            .map_err(Handling::from)?;
        let exchange = self.settings.names.jobs();
        let bodies = jobs.iter().map(encode).collect::<Result<Vec<_>, _>>()?;
        // Polled together, in order (see the relay's `publish`): one wake-up of the
        // connection for the batch instead of one per job.
        let publishes = jobs.iter().zip(&bodies).map(|(job, body)| {
            channel.basic_publish(
                exchange.as_str().into(),
                JOB_ROUTING_KEY.into(),
                mandatory(),
                body,
                job_properties(job),
            )
        });
        let confirms = futures::future::try_join_all(publishes)
            .await
            .map_err(WorkerError::from)?;
        for confirm in confirms {
            confirmed(confirm, &self.settings.names.jobs()).await?;
        }
        Ok(())
    }

    /// The events the notices name, in the notices' order (`None`: not in this log). One
    /// read of the log's range when the positions are close together (notices are sparse
    /// when most of the log is not webhook-relevant), else one read per event.
    async fn load_many(
        &self,
        notices: &[&EventNotice],
    ) -> Result<Vec<Option<RecordedEvent>>, WorkerError> {
        let first = notices.iter().map(|n| n.position.0).min().unwrap_or(1);
        let last = notices.iter().map(|n| n.position.0).max().unwrap_or(1);
        let span = last.saturating_sub(first) + 1;
        let mut by_position = std::collections::HashMap::new();
        if span <= 4 * notices.len() as u64 + 16 {
            let after = Position(first.saturating_sub(1));
            let events = self
                .store
                .log
                .read_all(after, span as usize)
                .await
                .map_err(|e| WorkerError::Delivery(e.into()))?;
            for event in events {
                by_position.insert(event.position.0, event);
            }
        } else {
            for notice in notices {
                let after = Position(notice.position.0.saturating_sub(1));
                let events = self
                    .store
                    .log
                    .read_all(after, 1)
                    .await
                    .map_err(|e| WorkerError::Delivery(e.into()))?;
                for event in events {
                    by_position.insert(event.position.0, event);
                }
            }
        }
        Ok(notices
            .iter()
            .map(|n| {
                by_position
                    .get(&n.position.0)
                    .filter(|e| e.event_id == n.event_id)
                    .cloned()
            })
            .collect())
    }

    /// A job message: one attempt, then retry, give up, or done.
    async fn deliver(&self, channel: &Channel, delivery: &Delivery) -> Result<(), Handling> {
        let job: DeliveryJob = serde_json::from_slice(&delivery.data)
            .map_err(|e| Handling::Poison(format!("job message is not a delivery job: {e}")))?;
        let outcome = match self.deliverer.attempt(&job).await {
            Ok(outcome) => outcome,
            Err(e) if e.is_transient() => return Err(Handling::from(e)),
            Err(e) => {
                // The job can never succeed (its event is gone, corrupt data): keep it in
                // the dead-letter queue for an operator rather than drop it.
                tracing::error!(error = %e, hook = %job.hook_id, event = %job.event_id, "webhook job cannot be delivered; moved to the dead-letter queue");
                let dead = self.settings.names.dead_letter_queue();
                publish_to_queue(channel, &dead, &job).await?;
                return Ok(());
            }
        };
        match outcome {
            AttemptOutcome::Delivered | AttemptOutcome::HookGone | AttemptOutcome::Skipped => {
                Ok(())
            }
            AttemptOutcome::RetryLater => match self.settings.schedule.delay_after(job.attempt) {
                Some(delay) => {
                    let queue = self.settings.names.retry_queue(delay);
                    publish_to_queue(channel, &queue, &job.next()).await
                }
                None => {
                    // The dead-letter copy first: if we die after it, the redelivered job
                    // fails again and lands here again (a duplicate in the DLQ), whereas
                    // recording the exhaustion first could end with no DLQ entry at all.
                    let dead = self.settings.names.dead_letter_queue();
                    publish_to_queue(channel, &dead, &job).await?;
                    self.deliverer.exhausted(&job).await.map_err(Handling::from)
                }
            },
        }
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

fn encode(job: &DeliveryJob) -> Result<Vec<u8>, Handling> {
    serde_json::to_vec(job).map_err(|e| Handling::Poison(format!("cannot encode job: {e}")))
}

fn mandatory() -> BasicPublishOptions {
    BasicPublishOptions {
        mandatory: true,
        ..BasicPublishOptions::default()
    }
}

/// Persistent, identified by the event id (the receiver's `webhook-id` stays the event id).
fn job_properties(job: &DeliveryJob) -> BasicProperties {
    BasicProperties::default()
        .with_delivery_mode(2)
        .with_content_type("application/json".into())
        .with_message_id(job.event_id.to_string().as_str().into())
        .with_type(job.logto_event.as_str().into())
        .with_app_id("tessera".into())
}

/// Publishes to a queue through the default exchange and waits for the confirm.
async fn publish_to_queue(
    channel: &Channel,
    queue: &str,
    job: &DeliveryJob,
) -> Result<(), Handling> {
    let confirm = channel
        .basic_publish(
            "".into(),
            queue.into(),
            mandatory(),
            &encode(job)?,
            job_properties(job),
        )
        .await
        .map_err(WorkerError::from)?;
    confirmed(confirm, queue).await
}

async fn confirmed(confirm: lapin::PublisherConfirm, target: &str) -> Result<(), Handling> {
    let confirmation = confirm.await.map_err(WorkerError::from)?;
    if !confirmation.is_ack() {
        return Err(WorkerError::Nacked.into());
    }
    // Mandatory publishes that reached no queue come back acked *with* the message.
    if confirmation.take_message().is_some() {
        return Err(WorkerError::Unroutable(target.to_owned()).into());
    }
    Ok(())
}
