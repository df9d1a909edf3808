//! The RabbitMQ transport (`TESSERA_AMQP_URL` set): the relay publishes the log to the
//! events exchange; event workers turn events into per-hook delivery jobs; job workers
//! attempt deliveries and park retries in TTL queues of the broker. Every hand-over is
//! confirmed before the previous step lets go (publisher confirms before a checkpoint
//! moves or a message is acked), so a crash anywhere means redelivery, never loss.
//! `topology.rs` draws the exchanges and queues.

pub mod lease;
pub mod message;
pub mod relay;
pub mod topology;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use store::Position;

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
