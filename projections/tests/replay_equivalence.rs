//! Invariant 1: read models are disposable. Replaying the log from zero gives, row for
//! row, the read models the live runner built.

// Test code: a panic is how a test fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use projections::audit::AuditProjector;
use projections::dump::dump;
use projections::{
    event_stats, CancellationToken, EventStatsProjector, ProjectionRunner, ReplayTarget,
    UsersProjector,
};
use std::time::Duration;
use store::Store;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_from_zero_rebuilds_identical_read_models() {
    for backend in common::backends().await {
        let label = backend.label;
        let store = Store::connect(&backend.config).await.unwrap();
        let runner = ProjectionRunner::standard(store.log.clone(), store.read_pool.clone());
        let shutdown = CancellationToken::new();
        let handle = runner.start(shutdown.clone()).await.unwrap();
        // Appended while the runner follows live, in several waves.
        for wave in 0..4 {
            common::seed_users(&store, wave * 250..(wave + 1) * 250).await;
        }
        assert!(
            runner
                .wait_caught_up(Duration::from_secs(60))
                .await
                .unwrap(),
            "{label}"
        );
        shutdown.cancel();
        handle.join().await;

        let users_live = dump(&store.read_pool, &UsersProjector).await.unwrap();
        let stats_live = dump(&store.read_pool, &EventStatsProjector).await.unwrap();
        let audit_live = dump(&store.read_pool, &AuditProjector).await.unwrap();
        // Every event audited; the deleted users' rows carry no personal data.
        assert_eq!(
            audit_live[0].rows.len() as u64,
            store.log.head().await.unwrap().0,
            "{label}"
        );
        assert!(!audit_live[2].rows.is_empty(), "{label}: erased users");
        // Non-trivial: every kind of history is present.
        let users = &users_live[0];
        assert_eq!(users.rows.len(), common::live_users(0..1000), "{label}");
        let col = |name: &str| users.columns.iter().position(|c| c == name).unwrap();
        let (suspended, password, email) = (
            col("is_suspended"),
            col("has_password"),
            col("primary_email"),
        );
        assert!(
            users
                .rows
                .iter()
                .any(|r| r[suspended].as_deref() == Some("1")),
            "{label}"
        );
        assert!(
            users
                .rows
                .iter()
                .any(|r| r[suspended].as_deref() == Some("0")),
            "{label}"
        );
        assert!(
            users
                .rows
                .iter()
                .any(|r| r[password].as_deref() == Some("1")),
            "{label}"
        );
        assert!(users.rows.iter().any(|r| r[email].is_none()), "{label}");
        assert!(
            stats_live[0].rows.len() > 10,
            "{label}: {:?}",
            stats_live[0].rows.len()
        );
        assert_eq!(
            event_stats::all(&store.read_pool).await.unwrap(),
            common::true_counts(&store).await,
            "{label}"
        );

        let head = store.log.head().await.unwrap();
        let mut last_progress = None;
        let summaries = runner
            .replay(ReplayTarget::All, |p| last_progress = Some(p.clone()))
            .await
            .unwrap();
        assert_eq!(summaries.len(), runner.names().len(), "{label}");
        for s in &summaries {
            assert_eq!(s.events, head.0, "{label}: {s:?}");
        }
        let last = last_progress.unwrap();
        assert_eq!((last.position, last.head), (head.0, head.0), "{label}");

        assert_eq!(
            dump(&store.read_pool, &UsersProjector).await.unwrap(),
            users_live,
            "{label}"
        );
        assert_eq!(
            dump(&store.read_pool, &EventStatsProjector).await.unwrap(),
            stats_live,
            "{label}"
        );
        assert_eq!(
            dump(&store.read_pool, &AuditProjector).await.unwrap(),
            audit_live,
            "{label}"
        );
        for s in runner.status().await.unwrap() {
            assert_eq!(s.lag, 0, "{label}: {s:?}");
        }
        store.close().await;
    }
}
