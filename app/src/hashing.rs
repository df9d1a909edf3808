//! Bounded password hashing: every Argon2 computation (sign-in checks, new passwords,
//! verifications) runs through one [`Hasher`], which lets at most `concurrency` run at
//! once on the blocking pool and at most `queue` more wait for a turn. Anything beyond is
//! refused at once ([`HashError::Busy`], answered 503 with `Retry-After`), so a burst of
//! sign-ins cannot grow memory without bound (each Argon2id check holds 19 MiB while it
//! runs) nor queue requests for longer than a client waits.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Seconds a refused client is told to wait (`Retry-After`).
pub const RETRY_AFTER_SECS: u64 = 1;

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("too many password checks in progress; retry shortly")]
    Busy,
    #[error("password hashing task failed: {0}")]
    Failed(String),
}

#[derive(Debug)]
pub struct Hasher {
    permits: Arc<Semaphore>,
    waiting: AtomicUsize,
    max_waiting: usize,
}

/// Gives back a waiting slot when the waiter gets its turn or is dropped (the client left).
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Hasher {
    /// `concurrency` computations at once (at least 1), `queue` waiting.
    pub fn new(concurrency: usize, queue: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            waiting: AtomicUsize::new(0),
            max_waiting: queue,
        }
    }

    /// One per core, and a queue of eight per core (a few hundred milliseconds of work).
    pub fn for_cores() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Self::new(cores, cores * 8)
    }

    /// Runs `work` (an Argon2 computation) on the blocking pool once a slot is free.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let permit = match self.permits.clone().try_acquire_owned() {
            Ok(p) => p,
            Err(_) => {
                let claimed = self
                    .waiting
                    .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                        (n < self.max_waiting).then_some(n + 1)
                    });
                if claimed.is_err() {
                    return Err(HashError::Busy);
                }
                let _slot = Waiting(&self.waiting);
                self.permits
                    .clone()
                    .acquire_owned()
                    .await
                    .map_err(|e| HashError::Failed(e.to_string()))?
            }
        };
        // The permit moves into the task: it is released when the computation ends, even
        // if the request that started it has gone.
        tokio::task::spawn_blocking(move || {
            let out = work();
            drop(permit);
            out
        })
        .await
        .map_err(|e| HashError::Failed(e.to_string()))
    }
}

impl Default for Hasher {
    fn default() -> Self {
        Self::for_cores()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn beyond_the_queue_requests_are_refused_not_queued() {
        let hasher = Arc::new(Hasher::new(1, 2));
        let (release, gate) = std::sync::mpsc::channel::<()>();
        let gate = Arc::new(std::sync::Mutex::new(gate));
        let mut running = Vec::new();
        for _ in 0..3 {
            let (h, g) = (hasher.clone(), gate.clone());
            running.push(tokio::spawn(async move {
                h.run(move || {
                    let _ = g.lock().map(|rx| rx.recv());
                })
                .await
            }));
        }
        // One runs, two wait: the fourth is refused.
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(matches!(hasher.run(|| ()).await, Err(HashError::Busy)));
        for _ in 0..3 {
            release.send(()).unwrap();
        }
        for r in running {
            assert!(r.await.unwrap().is_ok());
        }
        assert!(hasher.run(|| ()).await.is_ok());
    }
}
