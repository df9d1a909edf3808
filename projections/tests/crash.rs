//! Invariant 3 with an injected error: a projector that fails in the middle of a batch,
//! after writing some rows, is rolled back and retried from its checkpoint; afterwards no
//! event is lost and none is counted twice.

// Test code: a panic is how a test fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use async_trait::async_trait;
use projections::dump::dump;
use projections::{
    event_stats, users, CancellationToken, EventStatsProjector, ProjectionError, ProjectionRunner,
    Projector, ReplayTarget, RunnerConfig, TableSpec, UsersProjector,
};
use sqlx::{Any, Transaction};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use store::{RecordedEvent, Store};

/// Applies the first half of the failing batches for real, then errors out.
struct Failing<P> {
    inner: P,
    /// Batch numbers (0-based, counting attempts) that fail.
    fail_on: Vec<usize>,
    calls: AtomicUsize,
}

#[async_trait]
impl<P: Projector> Projector for Failing<P> {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn tables(&self) -> &'static [TableSpec] {
        self.inner.tables()
    }

    async fn apply_batch(
        &self,
        tx: &mut Transaction<'_, Any>,
        events: &[RecordedEvent],
    ) -> Result<(), ProjectionError> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst);
        if self.fail_on.contains(&call) {
            self.inner
                .apply_batch(tx, &events[..events.len() / 2])
                .await?;
            return Err(ProjectionError::Injected(format!("batch attempt {call}")));
        }
        self.inner.apply_batch(tx, events).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_that_fails_midway_is_rolled_back_and_retried_without_loss_or_doubling() {
    for backend in common::backends().await {
        let label = backend.label;
        let store = Store::connect(&backend.config).await.unwrap();
        common::seed_users(&store, 0..400).await;
        let config = RunnerConfig {
            batch_size: 97,
            backoff_initial: Duration::from_millis(10),
            backoff_max: Duration::from_millis(50),
            ..RunnerConfig::default()
        };
        let projectors: Vec<Arc<dyn Projector>> = vec![
            Arc::new(Failing {
                inner: UsersProjector,
                fail_on: vec![2, 3, 7],
                calls: AtomicUsize::new(0),
            }),
            Arc::new(Failing {
                inner: EventStatsProjector,
                fail_on: vec![1, 5, 6],
                calls: AtomicUsize::new(0),
            }),
        ];
        let runner = ProjectionRunner::new(
            store.log.clone(),
            store.read_pool.clone(),
            projectors,
            config,
        );
        let shutdown = CancellationToken::new();
        let handle = runner.start(shutdown.clone()).await.unwrap();
        assert!(
            runner
                .wait_caught_up(Duration::from_secs(60))
                .await
                .unwrap(),
            "{label}"
        );
        // More events while following live.
        common::seed_users(&store, 400..450).await;
        assert!(
            runner
                .wait_caught_up(Duration::from_secs(30))
                .await
                .unwrap(),
            "{label}"
        );
        shutdown.cancel();
        handle.join().await;

        for m in runner.metrics() {
            assert_eq!(
                m.errors, 3,
                "{label}: every injected failure was seen once: {m:?}"
            );
        }
        let head = store.log.head().await.unwrap();
        for s in runner.status().await.unwrap() {
            assert_eq!(s.checkpoint, head.0, "{label}: {s:?}");
        }

        // event_stats is a counter: a lost or doubled event would show here.
        let counts = event_stats::all(&store.read_pool).await.unwrap();
        assert_eq!(counts, common::true_counts(&store).await, "{label}");
        assert_eq!(
            counts.iter().map(|c| c.total as u64).sum::<u64>(),
            head.0,
            "{label}"
        );

        // users equals a from-scratch rebuild by a runner that never failed.
        let live = dump(&store.read_pool, &UsersProjector).await.unwrap();
        assert_eq!(live[0].rows.len(), common::live_users(0..450), "{label}");
        let clean = ProjectionRunner::standard(store.log.clone(), store.read_pool.clone());
        clean
            .replay(ReplayTarget::One(users::NAME.into()), |_| {})
            .await
            .unwrap();
        assert_eq!(
            dump(&store.read_pool, &UsersProjector).await.unwrap(),
            live,
            "{label}"
        );
        store.close().await;
    }
}
