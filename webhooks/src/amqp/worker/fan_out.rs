//! Event messages → job messages: an event worker reads the events its notices name from
//! the log and publishes one job per hook that wants each event. Batched because the
//! backlog builds up in the delivery queue: one log read, one wait for the hooks read model
//! and one hooks query per batch instead of per event.

use super::publish::{confirmed, encode, job_properties, mandatory};
use super::{Handling, Worker, WorkerError, TRANSIENT_BACKOFF};
use crate::amqp::message::EventNotice;
use crate::amqp::topology::JOB_ROUTING_KEY;
use lapin::message::Delivery;
use lapin::options::{BasicAckOptions, BasicNackOptions, BasicRejectOptions};
use lapin::Channel;
use store::{Position, RecordedEvent};

/// Event messages handled together at most.
pub(super) const EVENT_BATCH: usize = 100;

impl Worker {
    /// Handles a batch of event messages: each is acked once the jobs of its event are
    /// confirmed by the broker; a malformed one or one not in this log is rejected; after
    /// a passing failure the whole batch is handed back to the broker.
    pub(super) async fn handle_events(
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
}
