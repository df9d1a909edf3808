//! Job messages: one delivery attempt each. A job that must be tried again is not held
//! here until its delay has passed: it is parked in the TTL queue of that delay, so a slow
//! retry schedule ties up no worker and no prefetch slot. Once the schedule is exhausted
//! the job goes to the dead-letter queue.

use super::publish::publish_to_queue;
use super::{Handling, Worker, WorkerError, TRANSIENT_BACKOFF};
use crate::delivery::{AttemptOutcome, DeliveryJob};
use lapin::message::Delivery;
use lapin::options::{BasicAckOptions, BasicNackOptions, BasicRejectOptions};
use lapin::Channel;

impl Worker {
    /// Acks a job message once its outcome is durable; hands it back after a passing failure.
    pub(super) async fn handle(
        &self,
        channel: &Channel,
        delivery: Delivery,
    ) -> Result<(), WorkerError> {
        // Event messages go through `handle_events` (fan_out.rs), in batches.
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
