//! The one notion of "now": every crate that reads time asks a [`Clock`], so tests can pin
//! it. The domain itself never reads a clock (commands get the time in their
//! [`CommandContext`](crate::CommandContext)); the callers that build that context, and the
//! background work that schedules (webhook retries, leases, checkpoints), read this trait.
//! The system implementation lives in the lowest crate that may do I/O
//! (`store::clock::SystemClock`); the deterministic one for tests is [`TestClock`].

use crate::time::Timestamp;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A source of the current time.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Timestamp;
}

impl<C: Clock + ?Sized> Clock for Arc<C> {
    fn now(&self) -> Timestamp {
        (**self).now()
    }
}

/// A clock that stands still until told to move: set or advanced by the test, shared by
/// clones (hand one clone to the code under test, keep one to move time).
#[derive(Debug, Clone)]
pub struct TestClock(Arc<AtomicI64>);

impl TestClock {
    pub fn at(now: Timestamp) -> Self {
        Self(Arc::new(AtomicI64::new(now.as_millis())))
    }

    pub fn set(&self, now: Timestamp) {
        self.0.store(now.as_millis(), Ordering::SeqCst);
    }

    pub fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for TestClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_millis(self.0.load(Ordering::SeqCst))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_clock_stands_still_until_moved_and_clones_share_it() {
        let clock = TestClock::at(Timestamp::from_millis(1_000));
        let handle = clock.clone();
        assert_eq!(clock.now(), Timestamp::from_millis(1_000));
        handle.advance(Duration::from_secs(5));
        assert_eq!(clock.now(), Timestamp::from_millis(6_000));
        handle.set(Timestamp::from_millis(42));
        let shared: Arc<dyn Clock> = Arc::new(clock);
        assert_eq!(shared.now(), Timestamp::from_millis(42));
    }
}
