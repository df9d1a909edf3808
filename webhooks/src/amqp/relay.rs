//! The relay: follows the global log from its own checkpoint and publishes every event to
//! the events exchange. Batches are published pipelined (persistent messages, publisher
//! confirms on, up to `PIPELINE_DEPTH` batches ahead of the oldest unconfirmed one); the
//! checkpoint moves past a batch only once every confirm of it has arrived, in order.
//! A crash between the confirms and the checkpoint commit republishes the batch on restart
//! with the same message ids (the event ids), so consumers see duplicates, never gaps.
//!
//! Any failure — broker gone, a nack, the database or the lease lost — drops the broker
//! connection and the lease, waits (exponential backoff), and starts over from the
//! committed checkpoint. Nothing is ever skipped.

use super::lease::{LeaseError, RelayLease};
use super::message::EventNotice;
use super::topology::{self, Names};
use super::RelayStatus;
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties, PublisherConfirm};
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use store::{Position, RecordedEvent, Store, StoreError};
use tokio_util::sync::CancellationToken;

/// Test-only fault injection: when set to an event type, the process exits right after the
/// broker confirmed the first batch holding an event of that type and before the checkpoint
/// commits (the "crash between publish and checkpoint" case). Never set in production.
pub const CRASH_AFTER_CONFIRM_ENV: &str = "TESSERA_TEST_RELAY_CRASH_AFTER_CONFIRM";

/// Batches published ahead of the oldest unconfirmed one.
const PIPELINE_DEPTH: usize = 3;

/// How long a graceful stop waits for the confirms of the batches in flight.
const STOP_SETTLE: Duration = Duration::from_secs(5);

#[derive(Debug, Clone)]
pub struct RelaySettings {
    pub url: String,
    pub names: Names,
    /// The delivery queue's bindings and the retry delays: the relay declares the whole
    /// topology before its first publish, so no event reaches an exchange with the
    /// delivery queue not yet bound (the broker would drop it as unroutable).
    pub routing_keys: Vec<String>,
    pub delays: Vec<Duration>,
    /// Where the SQLite relay lock file lives (the data directory).
    pub lock_dir: PathBuf,
    pub batch_size: usize,
    pub poll_interval: Duration,
    pub backoff_initial: Duration,
    pub backoff_max: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    #[error("broker: {0}")]
    Broker(#[from] lapin::Error),
    #[error("the broker refused (nacked) event at position {0}")]
    Nacked(u64),
    #[error("event log: {0}")]
    Log(#[from] StoreError),
    #[error(transparent)]
    Lease(#[from] LeaseError),
    #[error("cannot encode event {0}: {1}")]
    Encode(uuid::Uuid, serde_json::Error),
}

pub struct Relay {
    pub store: Store,
    pub settings: RelaySettings,
    pub status: Arc<RelayStatus>,
}

impl Relay {
    /// Runs until `stop` is cancelled; stops only between batches.
    pub async fn run(self, stop: CancellationToken) {
        let mut backoff = self.settings.backoff_initial;
        while !stop.is_cancelled() {
            match self.lead(&stop).await {
                Ok(()) => return,
                Err(e) => {
                    self.status.set_connected(false);
                    tracing::warn!(error = %e, retry_in_ms = backoff.as_millis() as u64, "webhook relay interrupted; resuming from its checkpoint");
                }
            }
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(backoff) => {}
            }
            backoff = (backoff * 2).min(self.settings.backoff_max);
        }
    }

    /// Takes the relay role (waiting while another node holds it) and relays.
    async fn lead(&self, stop: &CancellationToken) -> Result<(), RelayError> {
        let exchange = self.settings.names.events_exchange();
        let mut standing_by = false;
        let mut lease = loop {
            if let Some(lease) =
                RelayLease::try_acquire(&self.store, &self.settings.lock_dir, &exchange).await?
            {
                break lease;
            }
            if !standing_by {
                tracing::info!(%exchange, "another Tessera process relays the events; standing by");
                standing_by = true;
            }
            tokio::select! {
                _ = stop.cancelled() => return Ok(()),
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
        };
        let result = self.relay(&mut lease, &exchange, stop).await;
        lease.release().await;
        result
    }

    async fn relay(
        &self,
        lease: &mut RelayLease,
        exchange: &str,
        stop: &CancellationToken,
    ) -> Result<(), RelayError> {
        let mut checkpoint = lease.load(exchange).await?;
        self.status.set_checkpoint(checkpoint);
        let connection = Connection::connect(
            &self.settings.url,
            ConnectionProperties::default().with_connection_name("tessera-relay".into()),
        )
        .await?;
        let channel = connection.create_channel().await?;
        topology::declare_all(
            &channel,
            &self.settings.names,
            &self.settings.routing_keys,
            &self.settings.delays,
        )
        .await?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await?;
        self.status.set_connected(true);
        tracing::info!(%exchange, checkpoint = checkpoint.0, "webhook relay publishing");
        let crash_after = crash_after_confirm();
        let mut changes = self.store.log.changes();
        // Batches published and not yet checkpointed, oldest first. Reading and publishing
        // the next batch overlaps the broker's confirms of the previous ones (a confirm of
        // persistent messages waits for the broker's disk); the checkpoint still moves
        // batch by batch, in order, each only after all its confirms.
        let mut in_flight: VecDeque<InFlight> = VecDeque::new();
        let mut published = checkpoint;
        let result = loop {
            if stop.is_cancelled() {
                // A graceful stop checkpoints what the broker confirms (within a few
                // seconds), so the next start does not publish those events again; what
                // is left unconfirmed is republished then (duplicates, same ids).
                let settled = self.settle(lease, exchange, &mut checkpoint, &mut in_flight, 0);
                break tokio::time::timeout(STOP_SETTLE, settled)
                    .await
                    .unwrap_or(Ok(()));
            }
            let events = match self
                .store
                .log
                .read_all(published, self.settings.batch_size)
                .await
            {
                Ok(events) => events,
                Err(e) => break Err(e.into()),
            };
            if let Some(head) = events.last() {
                self.status.observe_head(head.position);
            }
            if events.is_empty() {
                if !in_flight.is_empty() {
                    // Caught up: settle everything so the checkpoint does not lag.
                    if let Err(e) = self
                        .settle(lease, exchange, &mut checkpoint, &mut in_flight, 0)
                        .await
                    {
                        break Err(e);
                    }
                    published = checkpoint;
                    continue;
                }
                changes.borrow_and_update();
                tokio::select! {
                    _ = stop.cancelled() => {}
                    _ = changes.changed() => {}
                    _ = tokio::time::sleep(self.settings.poll_interval) => {}
                }
                if let Ok(head) = self.store.log.head().await {
                    self.status.observe_head(head);
                }
                continue;
            }
            if let Err(e) = lease.check().await {
                break Err(e.into());
            }
            match publish(&channel, exchange, &events).await {
                Ok(confirms) => {
                    published = events.last().map_or(published, |e| e.position);
                    in_flight.push_back(InFlight {
                        to: published,
                        count: events.len(),
                        crash_here: crash_after
                            .as_deref()
                            .is_some_and(|t| events.iter().any(|e| e.event_type == t)),
                        confirms,
                    });
                }
                Err(e) => break Err(e),
            }
            if let Err(e) = self
                .settle(
                    lease,
                    exchange,
                    &mut checkpoint,
                    &mut in_flight,
                    PIPELINE_DEPTH,
                )
                .await
            {
                break Err(e);
            }
            // A checkpoint moved by someone else restarts reading from it.
            if checkpoint > published {
                published = checkpoint;
            }
        };
        self.status.set_connected(false);
        let _ = channel.close(200, "relay stopping".into()).await;
        let _ = connection.close(200, "relay stopping".into()).await;
        result
    }
}

impl Relay {
    /// Awaits the confirms of the oldest batches until at most `keep` are in flight, moving
    /// the checkpoint past each (in order).
    async fn settle(
        &self,
        lease: &mut RelayLease,
        exchange: &str,
        checkpoint: &mut Position,
        in_flight: &mut VecDeque<InFlight>,
        keep: usize,
    ) -> Result<(), RelayError> {
        while in_flight.len() > keep {
            let Some(batch) = in_flight.pop_front() else {
                break;
            };
            confirmed(batch.confirms).await?;
            if batch.crash_here {
                tracing::error!(
                    position = batch.to.0,
                    "{CRASH_AFTER_CONFIRM_ENV}: exiting after the confirms, before the checkpoint"
                );
                std::process::exit(86);
            }
            if lease.advance(exchange, *checkpoint, batch.to).await? {
                *checkpoint = batch.to;
                self.status.set_checkpoint(batch.to);
                self.status.add_published(batch.count as u64);
            } else {
                // Someone moved it (only a misconfigured second relay could): follow it,
                // and drop what we had in flight (it is republished from there).
                let moved = lease.load(exchange).await?;
                tracing::warn!(
                    from = checkpoint.0,
                    to = moved.0,
                    "relay checkpoint moved by someone else"
                );
                *checkpoint = moved;
                in_flight.clear();
            }
        }
        Ok(())
    }
}

/// A published batch whose confirms are outstanding.
struct InFlight {
    /// The last position in the batch: where the checkpoint moves once it is confirmed.
    to: Position,
    count: usize,
    /// Holds an event of the type named by [`CRASH_AFTER_CONFIRM_ENV`].
    crash_here: bool,
    confirms: Vec<(Position, PublisherConfirm)>,
}

fn crash_after_confirm() -> Option<String> {
    std::env::var(CRASH_AFTER_CONFIRM_ENV)
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// Publishes the batch (persistent messages) without waiting for the confirms.
///
/// The publishes are polled together: each queues its frames and waits for the connection
/// to write them, and awaiting them one by one cost a wake-up of the connection's I/O task
/// and a socket write per event. `try_join_all` polls them in order first, so the frames
/// (and the delivery tags the confirms refer to) stay in log order.
async fn publish(
    channel: &Channel,
    exchange: &str,
    events: &[RecordedEvent],
) -> Result<Vec<(Position, PublisherConfirm)>, RelayError> {
    let mut bodies = Vec::with_capacity(events.len());
    for event in events {
        let body = serde_json::to_vec(&EventNotice::of(event))
            .map_err(|e| RelayError::Encode(event.event_id, e))?;
        bodies.push(body);
    }
    let publishes = events.iter().zip(&bodies).map(|(event, body)| async move {
        let confirm = channel
            .basic_publish(
                exchange.into(),
                event.event_type.as_str().into(),
                BasicPublishOptions::default(),
                body,
                properties(event),
            )
            .await?;
        Ok::<_, RelayError>((event.position, confirm))
    });
    futures::future::try_join_all(publishes).await
}

/// Waits for every confirm of a batch; any nack fails it.
async fn confirmed(confirms: Vec<(Position, PublisherConfirm)>) -> Result<(), RelayError> {
    for (position, confirm) in confirms {
        if !confirm.await?.is_ack() {
            return Err(RelayError::Nacked(position.0));
        }
    }
    Ok(())
}

/// Persistent (delivery mode 2), identified by the event id, typed by the event type.
fn properties(event: &RecordedEvent) -> BasicProperties {
    let seconds = u64::try_from(event.metadata.occurred_at.0 / 1000).unwrap_or(0);
    BasicProperties::default()
        .with_delivery_mode(2)
        .with_content_type("application/json".into())
        .with_message_id(event.event_id.to_string().as_str().into())
        .with_type(event.event_type.as_str().into())
        .with_timestamp(seconds)
        .with_app_id("tessera".into())
}
