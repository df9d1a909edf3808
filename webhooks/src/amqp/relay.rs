//! The relay: follows the global log from its own checkpoint and publishes every event to
//! the events exchange (persistent messages, publisher confirms on). Publishing and settling
//! are two loops of one session: the publisher never waits for confirms (up to
//! `MAX_UNCONFIRMED` events ahead of the checkpoint); the settler awaits them in order and
//! moves the checkpoint past a batch only once every confirm of it has arrived.
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
use lapin::{BasicProperties, Channel, PublisherConfirm};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use store::{Position, RecordedEvent, Store, StoreError};
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;

/// Test-only fault injection: when set to an event type, the process exits right after the
/// broker confirmed the first batch holding an event of that type and before the checkpoint
/// commits (the "crash between publish and checkpoint" case). Never set in production.
pub const CRASH_AFTER_CONFIRM_ENV: &str = "TESSERA_TEST_RELAY_CRASH_AFTER_CONFIRM";

/// Events published and not yet checkpointed, at most: enough to keep the broker's
/// confirm latency off the publish path at thousands of events per second, and a bound
/// on what a broker that stops confirming lets pile up (and what a restart republishes).
const MAX_UNCONFIRMED: usize = 10_000;

/// Confirmed batches folded into one checkpoint write, at most.
const CHECKPOINT_BATCHES: usize = 32;

/// How long the settler waits for a batch before checking the lease on its own (a
/// checkpoint write also proves it).
const LEASE_CHECK_IDLE: Duration = Duration::from_millis(500);

/// How long a graceful stop waits for the confirms of the batches in flight.
const STOP_SETTLE: Duration = Duration::from_secs(5);

#[derive(Debug, Clone)]
pub struct RelaySettings {
    pub broker: super::Broker,
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
    #[error("the relay checkpoint was moved by someone else (from position {0})")]
    CheckpointMoved(u64),
    #[error("cannot encode event {0}: {1}")]
    Encode(uuid::Uuid, serde_json::Error),
}

pub struct Relay {
    pub store: Store,
    pub settings: RelaySettings,
    pub status: Arc<RelayStatus>,
    /// Dates the checkpoint row's `updated_at`.
    pub clock: Arc<dyn domain::Clock>,
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
        let checkpoint = lease.load(exchange, self.clock.now()).await?;
        self.status.set_checkpoint(checkpoint);
        let connection = self.settings.broker.connect("tessera-relay").await?;
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
        // Publishing and settling run side by side: the broker's confirms (a disk write
        // each, slow under load) never hold up the next publish, only the checkpoint, and
        // `room` bounds how far publishing may run ahead of them. Either side failing
        // (`failed`) ends both; the session then restarts from the committed checkpoint.
        let (batches, settle_queue) = mpsc::unbounded_channel();
        let failed = CancellationToken::new();
        let publishing = async {
            let result = self
                .publish_from(&channel, exchange, checkpoint, batches, stop, &failed)
                .await;
            if result.is_err() {
                failed.cancel();
            }
            result
        };
        let settling = async {
            let result = self
                .settle(lease, exchange, checkpoint, settle_queue, stop, &failed)
                .await;
            if result.is_err() {
                failed.cancel();
            }
            result
        };
        let (published, settled) = tokio::join!(publishing, settling);
        self.status.set_connected(false);
        let _ = channel.close(200, "relay stopping".into()).await;
        let _ = connection.close(200, "relay stopping".into()).await;
        settled.and(published)
    }

    /// Reads the log from `from` and publishes it batch by batch, handing each batch's
    /// confirms to the settler. Returns when `stop` or `failed` is cancelled.
    async fn publish_from(
        &self,
        channel: &Channel,
        exchange: &str,
        from: Position,
        batches: mpsc::UnboundedSender<InFlight>,
        stop: &CancellationToken,
        failed: &CancellationToken,
    ) -> Result<(), RelayError> {
        let crash_after = crash_after_confirm();
        let room = Arc::new(Semaphore::new(MAX_UNCONFIRMED));
        let mut changes = self.store.log.changes();
        let mut published = from;
        while !stop.is_cancelled() && !failed.is_cancelled() {
            // Marked before reading, so a commit landing after the read still wakes us.
            changes.borrow_and_update();
            let events = self
                .store
                .log
                .read_all(published, self.settings.batch_size)
                .await?;
            let Some(last) = events.last().map(|e| e.position) else {
                tokio::select! {
                    _ = stop.cancelled() => {}
                    _ = failed.cancelled() => {}
                    _ = changes.changed() => {}
                    _ = tokio::time::sleep(self.settings.poll_interval) => {}
                }
                if let Ok(head) = self.store.log.head().await {
                    self.status.observe_head(head);
                }
                continue;
            };
            self.status.observe_head(last);
            // A batch larger than the whole window (a batch_size above it) takes all of it.
            let count = u32::try_from(events.len().min(MAX_UNCONFIRMED)).unwrap_or(u32::MAX);
            let permit = tokio::select! {
                permit = room.clone().acquire_many_owned(count) => permit,
                _ = stop.cancelled() => break,
                _ = failed.cancelled() => break,
            };
            // The semaphore is never closed.
            let Ok(permit) = permit else { break };
            let confirms = publish(channel, exchange, &events).await?;
            published = last;
            let batch = InFlight {
                to: last,
                count: events.len(),
                crash_here: crash_after
                    .as_deref()
                    .is_some_and(|t| events.iter().any(|e| e.event_type == t)),
                confirms,
                _room: permit,
            };
            if batches.send(batch).is_err() {
                // The settler has ended (and said why).
                break;
            }
        }
        Ok(())
    }

    /// Awaits the confirms of published batches in order and moves the checkpoint past
    /// them, folding batches whose confirms are already in into one checkpoint write.
    /// While idle it checks the lease. After `stop`, it settles what is in flight for at
    /// most `STOP_SETTLE`, so a restart does not publish those events again; what is left
    /// unconfirmed is republished then (duplicates, same ids).
    async fn settle(
        &self,
        lease: &mut RelayLease,
        exchange: &str,
        mut checkpoint: Position,
        mut queue: mpsc::UnboundedReceiver<InFlight>,
        stop: &CancellationToken,
        failed: &CancellationToken,
    ) -> Result<(), RelayError> {
        let give_up = async {
            stop.cancelled().await;
            tokio::time::sleep(STOP_SETTLE).await;
        };
        tokio::pin!(give_up);
        loop {
            let first = tokio::select! {
                batch = queue.recv() => match batch {
                    Some(batch) => batch,
                    None => return Ok(()),
                },
                _ = failed.cancelled() => return Ok(()),
                _ = tokio::time::sleep(LEASE_CHECK_IDLE) => {
                    lease.check().await?;
                    continue;
                }
            };
            let mut settled = vec![first];
            while settled.len() < CHECKPOINT_BATCHES {
                match queue.try_recv() {
                    Ok(batch) => settled.push(batch),
                    Err(_) => break,
                }
            }
            let mut to = checkpoint;
            let mut count = 0;
            for batch in &mut settled {
                let confirms = std::mem::take(&mut batch.confirms);
                tokio::select! {
                    result = confirmed(confirms) => result?,
                    _ = failed.cancelled() => return Ok(()),
                    _ = &mut give_up => return Ok(()),
                }
                if batch.crash_here {
                    tracing::error!(
                        position = batch.to.0,
                        "{CRASH_AFTER_CONFIRM_ENV}: exiting after the confirms, before the checkpoint"
                    );
                    std::process::exit(86);
                }
                to = batch.to;
                count += batch.count;
            }
            if !lease
                .advance(exchange, checkpoint, to, self.clock.now())
                .await?
            {
                // Only a misconfigured second relay could have moved it: start over from
                // whatever is committed now (what we had in flight is republished).
                return Err(RelayError::CheckpointMoved(checkpoint.0));
            }
            checkpoint = to;
            self.status.set_checkpoint(to);
            self.status.add_published(count as u64);
            // `settled` drops here, giving its room back to the publisher.
        }
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
    /// The batch's share of [`MAX_UNCONFIRMED`], returned when it is checkpointed.
    _room: OwnedSemaphorePermit,
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
