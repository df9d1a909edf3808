//! The RabbitMQ transport (`TESSERA_AMQP_URL` set): the relay publishes the log to the
//! events exchange; event workers turn events into per-hook delivery jobs; job workers
//! attempt deliveries and park retries in TTL queues of the broker. Every hand-over is
//! confirmed before the previous step lets go (publisher confirms before a checkpoint
//! moves or a message is acked), so a crash anywhere means redelivery, never loss.
//! `topology.rs` draws the exchanges and queues.

pub mod broker;
pub mod lease;
pub mod message;
pub mod relay;
pub mod topology;
pub mod worker;

pub use broker::{Broker, BrokerConfigError};

use crate::delivery::Deliverer;
use crate::schedule::RetrySchedule;
use relay::{Relay, RelaySettings};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use store::{Position, Store};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use topology::Names;
use worker::{Role, Worker, WorkerSettings};

/// The default prefix of every exchange and queue name (`TESSERA_AMQP_PREFIX`).
pub const DEFAULT_PREFIX: &str = "tessera";

/// How the RabbitMQ transport is set up.
#[derive(Debug, Clone)]
pub struct AmqpSettings {
    /// The broker (`TESSERA_AMQP_URL`, `TESSERA_AMQP_CA_FILE`).
    pub broker: Broker,
    /// Prefix of exchange and queue names.
    pub prefix: String,
    /// Consumers of the delivery queue and of the jobs queue (each).
    pub workers: usize,
    /// Unacked job messages per job worker: attempts in flight per worker.
    pub prefetch: u16,
    pub schedule: RetrySchedule,
    /// The data directory (the SQLite relay lock lives there).
    pub lock_dir: PathBuf,
}

impl AmqpSettings {
    pub fn new(broker: Broker, lock_dir: PathBuf) -> Self {
        Self {
            broker,
            prefix: DEFAULT_PREFIX.to_owned(),
            workers: 2,
            prefetch: 100,
            schedule: RetrySchedule::default(),
            lock_dir,
        }
    }
}

/// The routing keys (event types) the delivery queue is bound to: only events that can
/// become a Logto webhook event reach the workers; token and session traffic does not.
pub fn delivery_routing_keys() -> Vec<String> {
    let mut keys: Vec<String> = domain::hook::logto_events::SOURCE_EVENT_TYPES
        .iter()
        .map(|(_, event_type)| (*event_type).to_owned())
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// The running transport: the relay and the workers, each a task.
pub struct AmqpTransport {
    stop: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
    pub status: Arc<RelayStatus>,
}

impl AmqpTransport {
    /// Spawns the relay and `workers` consumers of each queue. Connection failures are
    /// not errors here: every task connects (and reconnects) on its own, with backoff.
    /// `store` is what the relay and the event workers read the log through: pass the
    /// projectors' shared tail (`ProjectionRunner::log`), as they all follow the same
    /// recent events.
    pub fn start(store: Store, deliverer: Deliverer, settings: AmqpSettings) -> Self {
        let stop = CancellationToken::new();
        let status = Arc::new(RelayStatus::default());
        let names = Names::new(&settings.prefix);
        let backoff_initial = Duration::from_millis(200);
        let backoff_max = Duration::from_secs(5);
        let relay = Relay {
            store: store.clone(),
            settings: RelaySettings {
                broker: settings.broker.clone(),
                names: names.clone(),
                routing_keys: delivery_routing_keys(),
                delays: settings.schedule.delays().to_vec(),
                lock_dir: settings.lock_dir.clone(),
                batch_size: 500,
                poll_interval: Duration::from_millis(500),
                backoff_initial,
                backoff_max,
            },
            status: status.clone(),
            clock: deliverer.clock().clone(),
        };
        let mut tasks = vec![tokio::spawn(relay.run(stop.clone()))];
        let worker_settings = Arc::new(WorkerSettings {
            broker: settings.broker.clone(),
            names,
            routing_keys: delivery_routing_keys(),
            schedule: settings.schedule.clone(),
            prefetch: settings.prefetch,
            backoff_initial,
            backoff_max,
        });
        for role in [Role::Events, Role::Jobs] {
            for index in 0..settings.workers.max(1) {
                let worker = Worker {
                    store: store.clone(),
                    deliverer: deliverer.clone(),
                    settings: worker_settings.clone(),
                    role,
                    index,
                };
                tasks.push(tokio::spawn(worker.run(stop.clone())));
            }
        }
        Self {
            stop,
            tasks,
            status,
        }
    }

    /// Stops the relay between batches and the workers after the messages in hand.
    pub async fn shutdown(self) {
        self.stop.cancel();
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

/// What the relay reports about itself (read without touching the database).
#[derive(Debug, Default)]
pub struct RelayStatus {
    checkpoint: AtomicU64,
    head: AtomicU64,
    published: AtomicU64,
    connected: AtomicBool,
}

impl RelayStatus {
    pub fn set_checkpoint(&self, position: Position) {
        self.checkpoint.store(position.0, Ordering::Relaxed);
        self.head.fetch_max(position.0, Ordering::Relaxed);
    }

    pub fn observe_head(&self, position: Position) {
        self.head.fetch_max(position.0, Ordering::Relaxed);
    }

    pub fn add_published(&self, events: u64) {
        self.published.fetch_add(events, Ordering::Relaxed);
    }

    pub fn set_connected(&self, connected: bool) {
        self.connected.store(connected, Ordering::Relaxed);
    }

    /// The log position up to which the broker has confirmed every event.
    pub fn checkpoint(&self) -> u64 {
        self.checkpoint.load(Ordering::Relaxed)
    }

    /// Events committed to the log (as last observed) but not yet confirmed by the broker.
    pub fn lag(&self) -> u64 {
        self.head
            .load(Ordering::Relaxed)
            .saturating_sub(self.checkpoint())
    }

    /// Events this process has published and had confirmed (counter).
    pub fn published(&self) -> u64 {
        self.published.load(Ordering::Relaxed)
    }

    /// Whether this process currently holds the relay role with a live broker connection.
    pub fn connected(&self) -> bool {
        self.connected.load(Ordering::Relaxed)
    }
}
