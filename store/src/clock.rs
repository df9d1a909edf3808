//! The system clock: the one implementation of [`domain::Clock`] that reads the wall
//! clock, used by every crate above (the API, projections, webhooks, the binary).

use domain::{Clock, Timestamp};
use std::time::{SystemTime, UNIX_EPOCH};

/// Wall-clock time in epoch milliseconds.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        Timestamp::from_millis(ms)
    }
}

impl SystemClock {
    /// The current time in epoch milliseconds (what the store writes into its bookkeeping
    /// columns, `recorded_at` and the like).
    pub fn now_ms() -> i64 {
        Self.now().as_millis()
    }
}
