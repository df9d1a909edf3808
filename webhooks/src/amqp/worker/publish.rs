//! Publishing job messages, confirmed: a message is acked only after what it turned into
//! is on the broker, so every publish here waits for the broker's confirm and treats a
//! mandatory publish that came back unroutable as a failure.

use super::{Handling, WorkerError};
use crate::delivery::DeliveryJob;
use lapin::options::BasicPublishOptions;
use lapin::{BasicProperties, Channel};

pub(super) fn encode(job: &DeliveryJob) -> Result<Vec<u8>, Handling> {
    serde_json::to_vec(job).map_err(|e| Handling::Poison(format!("cannot encode job: {e}")))
}

pub(super) fn mandatory() -> BasicPublishOptions {
    BasicPublishOptions {
        mandatory: true,
        ..BasicPublishOptions::default()
    }
}

/// Persistent, identified by the event id (the receiver's `webhook-id` stays the event id).
pub(super) fn job_properties(job: &DeliveryJob) -> BasicProperties {
    BasicProperties::default()
        .with_delivery_mode(2)
        .with_content_type("application/json".into())
        .with_message_id(job.event_id.to_string().as_str().into())
        .with_type(job.logto_event.as_str().into())
        .with_app_id("tessera".into())
}

/// Publishes to a queue through the default exchange and waits for the confirm.
pub(super) async fn publish_to_queue(
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

pub(super) async fn confirmed(
    confirm: lapin::PublisherConfirm,
    target: &str,
) -> Result<(), Handling> {
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
