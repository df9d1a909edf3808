//! Invariant 3 at the one place it can break: a failure after a batch's read-model writes
//! and its checkpoint move, before they commit (the fault point in `commit_batch`,
//! compiled in only for tests). If the writes and the checkpoint committed in separate
//! transactions, the writes of the failed batch would stay and the retry would apply the
//! batch again: `event_stats`, a counter, would count those events twice. With one
//! transaction nothing of the failed batch stays, and the counts are exact.
//!
//! Its own test binary: fail points are process-global.

// Test code: a panic is how a test fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use projections::{
    event_stats, CancellationToken, EventStatsProjector, ProjectionRunner, Projector, RunnerConfig,
    BEFORE_COMMIT_FAILPOINT,
};
use std::sync::Arc;
use std::time::Duration;
use store::Store;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_between_writes_and_commit_leaves_nothing_applied() {
    let scenario = fail::FailScenario::setup();
    for backend in common::backends().await {
        let label = backend.label;
        let store = Store::connect(&backend.config).await.unwrap();
        common::seed_users(&store, 0..300).await;
        // Batches 3, 4 and 6 fail after their writes (two in a row: the retry of a failed
        // batch fails again), every other commit goes through.
        fail::cfg(
            BEFORE_COMMIT_FAILPOINT,
            "2*off->2*return->1*off->1*return->off",
        )
        .unwrap();
        let config = RunnerConfig {
            batch_size: 53,
            backoff_initial: Duration::from_millis(10),
            backoff_max: Duration::from_millis(50),
            ..RunnerConfig::default()
        };
        let projectors: Vec<Arc<dyn Projector>> = vec![Arc::new(EventStatsProjector)];
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
        shutdown.cancel();
        handle.join().await;
        fail::remove(BEFORE_COMMIT_FAILPOINT);

        let errors: u64 = runner.metrics().iter().map(|m| m.errors).sum();
        assert_eq!(errors, 3, "{label}: the fault point fired three times");
        let head = store.log.head().await.unwrap();
        let counts = event_stats::all(&store.read_pool).await.unwrap();
        assert_eq!(
            counts.iter().map(|c| c.total as u64).sum::<u64>(),
            head.0,
            "{label}: every event counted exactly once"
        );
        assert_eq!(counts, common::true_counts(&store).await, "{label}");
        store.close().await;
    }
    scenario.teardown();
}
