//! In-memory snapshots of aggregates that are loaded over and over and only ever grow, such
//! as a grant that is refreshed every hour for months. A cached aggregate is brought up to
//! date by reading only the events after its version, so a load costs the new events, not
//! the whole stream.
//!
//! Correct because events are immutable and a stream's versions are dense: the state at
//! version v plus the events after v is the state at the head. Only aggregates without
//! personal data should be cached (erasure must not find decrypted copies here).

use crate::envelope::StreamRef;
use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

type Entry = (u64, Arc<dyn Any + Send + Sync>);

pub struct AggregateCache {
    entries: Mutex<HashMap<StreamRef, Entry>>,
    capacity: usize,
}

/// How many aggregates a process keeps.
pub const DEFAULT_CAPACITY: usize = 50_000;

impl AggregateCache {
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            capacity: capacity.max(1),
        }
    }

    pub(crate) fn get<A: Clone + 'static>(&self, stream: &StreamRef) -> Option<(u64, A)> {
        let entries = self.entries.lock().ok()?;
        let (version, any) = entries.get(stream)?;
        any.downcast_ref::<A>().map(|a| (*version, a.clone()))
    }

    pub(crate) fn put<A: Send + Sync + 'static>(
        &self,
        stream: StreamRef,
        version: u64,
        aggregate: A,
    ) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.get(&stream).is_some_and(|(v, _)| *v > version) {
            return; // a concurrent load already cached a newer state
        }
        if entries.len() >= self.capacity && !entries.contains_key(&stream) {
            // Crude but bounded: drop an arbitrary entry; it is rebuilt from the log if needed.
            if let Some(victim) = entries.keys().next().cloned() {
                entries.remove(&victim);
            }
        }
        entries.insert(stream, (version, Arc::new(aggregate)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_newest_state_and_stays_within_capacity() {
        let cache = AggregateCache::new(2);
        let s = |id: &str| StreamRef::new("t", id);
        cache.put(s("a"), 2, 20u32);
        cache.put(s("a"), 1, 10u32);
        assert_eq!(cache.get::<u32>(&s("a")), Some((2, 20)));
        assert_eq!(
            cache.get::<u64>(&s("a")),
            None,
            "another type never downcasts"
        );
        cache.put(s("b"), 1, 1u32);
        cache.put(s("c"), 1, 1u32);
        let held = ["a", "b", "c"]
            .iter()
            .filter(|id| cache.get::<u32>(&s(id)).is_some())
            .count();
        assert_eq!(held, 2);
    }
}
