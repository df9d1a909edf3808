//! One shared read of the log's tail for all projectors of a process.
//!
//! Every projector follows the same log. Without sharing, each of them would read (and
//! decrypt, upcast and decode) every new event from the database on its own: with ten
//! projectors, ten reads per event, which on a busy token endpoint costs more than the
//! token itself. `SharedTail` wraps the log and keeps the most recently read events in
//! memory; the first projector to reach new events reads them once (the others wait for
//! that read instead of issuing their own) and the rest are served from memory.
//!
//! Correctness rests on `read_all`'s contract: it returns events in position order with
//! nothing missing below the last one returned, and events never change. So a read
//! `(after, last]` is a complete picture of that range, and the cache only ever holds one
//! contiguous covered range `(lo, hi]`.
//!
//! Decrypted personal data of recent events is held in memory here, as it is anyway while
//! a batch is projected; the window is bounded by `capacity`.

use async_trait::async_trait;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use store::{AppendBatch, AppendOutcome, EventLog, Position, RecordedEvent, StoreError, StreamRef};
use tokio::sync::watch;

/// How many recent events the tail keeps.
pub const DEFAULT_CAPACITY: usize = 20_000;

pub struct SharedTail {
    inner: Arc<dyn EventLog>,
    cache: Mutex<Tail>,
    /// Held while reading new events from the database, so that projectors woken by the
    /// same commit read it once between them.
    tail_read: tokio::sync::Mutex<()>,
    capacity: usize,
}

/// Every event with `lo < position <= hi` is in `events`, in position order.
#[derive(Default)]
struct Tail {
    lo: u64,
    hi: u64,
    events: VecDeque<RecordedEvent>,
}

impl Tail {
    fn serve(&self, after: u64, limit: usize) -> Option<Vec<RecordedEvent>> {
        if after < self.lo || after >= self.hi {
            return None;
        }
        let start = self.events.partition_point(|e| e.position.0 <= after);
        Some(
            self.events
                .iter()
                .skip(start)
                .take(limit)
                .cloned()
                .collect(),
        )
    }

    fn none_in(&self, after: u64, upto: u64, selects: impl Fn(&RecordedEvent) -> bool) -> bool {
        if after < self.lo || upto > self.hi {
            return false;
        }
        let start = self.events.partition_point(|e| e.position.0 <= after);
        !self
            .events
            .iter()
            .skip(start)
            .take_while(|e| e.position.0 <= upto)
            .any(selects)
    }

    /// Adds the result of reading `(after, …]` from the database.
    fn absorb(&mut self, after: u64, read: &[RecordedEvent], capacity: usize) {
        let Some(last) = read.last().map(|e| e.position.0) else {
            return;
        };
        if after > self.hi {
            // Not adjacent to what we hold: start a new range here.
            self.events.clear();
            self.lo = after;
            self.hi = after;
        } else if after < self.lo {
            // An older stretch (a projector catching up): not the tail, not kept.
            return;
        }
        let hi = self.hi;
        self.events
            .extend(read.iter().filter(|e| e.position.0 > hi).cloned());
        self.hi = self.hi.max(last);
        while self.events.len() > capacity {
            if let Some(evicted) = self.events.pop_front() {
                self.lo = evicted.position.0;
            }
        }
    }
}

impl SharedTail {
    pub fn new(inner: Arc<dyn EventLog>, capacity: usize) -> Self {
        Self {
            inner,
            cache: Mutex::new(Tail::default()),
            tail_read: tokio::sync::Mutex::new(()),
            capacity: capacity.max(1),
        }
    }

    /// True when the window holds every event in `(after, upto]` and none of them
    /// matches `selects`; false when it does not hold that whole stretch (so nothing can
    /// be concluded) or when one matches.
    pub fn none_in(&self, after: u64, upto: u64, selects: impl Fn(&RecordedEvent) -> bool) -> bool {
        self.cache
            .lock()
            .is_ok_and(|tail| tail.none_in(after, upto, selects))
    }

    fn cached(&self, after: Position, limit: usize) -> Option<Vec<RecordedEvent>> {
        self.cache.lock().ok()?.serve(after.0, limit)
    }

    fn is_tail(&self, after: Position) -> bool {
        self.cache.lock().map(|t| after.0 >= t.hi).unwrap_or(false)
    }

    async fn read_through(
        &self,
        after: Position,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let read = self.inner.read_all(after, limit).await?;
        if let Ok(mut tail) = self.cache.lock() {
            tail.absorb(after.0, &read, self.capacity);
        }
        Ok(read)
    }
}

#[async_trait]
impl EventLog for SharedTail {
    async fn append(&self, batch: AppendBatch) -> Result<AppendOutcome, StoreError> {
        self.inner.append(batch).await
    }

    async fn read_stream(&self, stream: &StreamRef) -> Result<Vec<RecordedEvent>, StoreError> {
        self.inner.read_stream(stream).await
    }

    async fn read_stream_after(
        &self,
        stream: &StreamRef,
        after_version: u64,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        self.inner.read_stream_after(stream, after_version).await
    }

    async fn read_all(
        &self,
        after: Position,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        if let Some(hit) = self.cached(after, limit) {
            return Ok(hit);
        }
        if !self.is_tail(after) {
            return self.read_through(after, limit).await;
        }
        let _one_reader = self.tail_read.lock().await;
        // Whoever held the lock before us may have read exactly what we need.
        if let Some(hit) = self.cached(after, limit) {
            return Ok(hit);
        }
        self.read_through(after, limit).await
    }

    async fn head(&self) -> Result<Position, StoreError> {
        self.inner.head().await
    }

    fn changes(&self) -> watch::Receiver<Position> {
        self.inner.changes()
    }

    async fn close(&self) {
        self.inner.close().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use domain::{EventMetadata, Timestamp};
    use uuid::Uuid;

    fn event(position: u64) -> RecordedEvent {
        RecordedEvent {
            event_id: Uuid::nil(),
            position: Position(position),
            stream: StreamRef::new("t", "s"),
            stream_version: position,
            event_type: "E".into(),
            schema_version: 1,
            payload: Arc::new(serde_json::Value::Null),
            metadata: EventMetadata::system(Timestamp::from_millis(0), "c"),
        }
    }

    fn positions(events: &[RecordedEvent]) -> Vec<u64> {
        events.iter().map(|e| e.position.0).collect()
    }

    #[test]
    fn serves_only_inside_the_covered_range() {
        let mut tail = Tail::default();
        // A permanent gap at 3: the read of (0, 5] returned 1, 2, 4, 5.
        let read: Vec<_> = [1, 2, 4, 5].into_iter().map(event).collect();
        tail.absorb(0, &read, 100);
        assert_eq!(positions(&tail.serve(0, 10).unwrap()), vec![1, 2, 4, 5]);
        assert_eq!(positions(&tail.serve(2, 10).unwrap()), vec![4, 5]);
        assert_eq!(positions(&tail.serve(1, 2).unwrap()), vec![2, 4]);
        assert!(tail.serve(5, 10).is_none(), "beyond hi: must ask the log");
    }

    #[test]
    fn overlapping_reads_merge_and_distant_ones_restart() {
        let mut tail = Tail::default();
        tail.absorb(0, &[event(1), event(2)], 100);
        // Two projectors read concurrently from 1: the slower result overlaps.
        tail.absorb(1, &[event(2), event(3)], 100);
        assert_eq!(positions(&tail.serve(0, 10).unwrap()), vec![1, 2, 3]);
        tail.absorb(10, &[event(11)], 100);
        assert!(tail.serve(0, 10).is_none(), "old range dropped");
        assert_eq!(positions(&tail.serve(10, 10).unwrap()), vec![11]);
    }

    #[test]
    fn older_reads_are_not_kept_and_capacity_evicts_the_oldest() {
        let mut tail = Tail::default();
        tail.absorb(100, &[event(101), event(102), event(103)], 2);
        assert!(tail.serve(100, 10).is_none(), "101 was evicted");
        assert_eq!(positions(&tail.serve(101, 10).unwrap()), vec![102, 103]);
        tail.absorb(0, &[event(1)], 2);
        assert_eq!(positions(&tail.serve(101, 10).unwrap()), vec![102, 103]);
        assert!(tail.serve(0, 10).is_none());
    }

    #[test]
    fn none_in_needs_the_whole_stretch_and_no_match() {
        let mut tail = Tail::default();
        let read: Vec<_> = (11..=20).map(event).collect();
        tail.absorb(10, &read, 100);
        assert!(
            tail.none_in(12, 18, |e| e.position.0 == 19),
            "19 is outside"
        );
        assert!(
            !tail.none_in(12, 19, |e| e.position.0 == 19),
            "19 is inside"
        );
        assert!(!tail.none_in(9, 15, |_| false), "10 is not held");
        assert!(!tail.none_in(15, 21, |_| false), "21 is not held yet");
        assert!(tail.none_in(10, 20, |_| false));
    }
}
