//! The runner catches up from its checkpoint, then follows the log live; lag is head
//! minus checkpoint.

// Test code: a panic is how a test fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use projections::{users, CancellationToken, ProjectionRunner};
use std::time::Duration;
use store::{Position, Store};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catches_up_then_follows_live_and_reports_lag() {
    for backend in common::backends().await {
        let label = backend.label;
        let store = Store::connect(&backend.config).await.unwrap();
        let seeded = common::seed_users(&store, 0..300).await as u64;
        let runner = ProjectionRunner::standard(store.log.clone(), store.read_pool.clone());

        // Before any projector ran, the whole log is lag.
        let status = runner.status().await.unwrap();
        assert_eq!(status.len(), runner.names().len(), "{label}");
        for s in &status {
            assert_eq!(
                (s.checkpoint, s.head, s.lag),
                (0, seeded, seeded),
                "{label}: {s:?}"
            );
        }

        let shutdown = CancellationToken::new();
        let handle = runner.start(shutdown.clone()).await.unwrap();
        assert!(
            runner
                .wait_caught_up(Duration::from_secs(60))
                .await
                .unwrap(),
            "{label}"
        );
        for s in runner.status().await.unwrap() {
            assert_eq!((s.checkpoint, s.lag), (seeded, 0), "{label}: {s:?}");
        }
        let (rows, total) = users::list(&store.read_pool, &users::UserQuery::default())
            .await
            .unwrap();
        assert_eq!(total as usize, common::live_users(0..300), "{label}");
        assert_eq!(rows.len(), 20, "{label}");

        // Live: an append after start shows up without restarting anything.
        let more = common::seed_users(&store, 300..310).await as u64;
        let head = store.log.head().await.unwrap();
        assert_eq!(head, Position(seeded + more), "{label}");
        assert!(
            runner
                .wait_for(users::NAME, head, Duration::from_secs(10))
                .await
                .unwrap(),
            "{label}: live event not projected"
        );
        let user = users::get(&store.read_pool, &common::user_id(300))
            .await
            .unwrap();
        let view = user.expect("user 300 projected").to_view().unwrap();
        assert_eq!(view.username.as_deref(), Some("user_300"), "{label}");
        assert!(
            runner
                .wait_caught_up(Duration::from_secs(10))
                .await
                .unwrap(),
            "{label}"
        );
        let metrics = runner.metrics();
        for m in &metrics {
            assert_eq!(m.checkpoint, head.0, "{label}: {m:?}");
            assert_eq!(m.lag, 0, "{label}: {m:?}");
            assert_eq!(m.events_applied, head.0, "{label}: {m:?}");
        }

        // Graceful stop leaves committed checkpoints; appends after it are lag.
        shutdown.cancel();
        tokio::time::timeout(Duration::from_secs(10), handle.join())
            .await
            .unwrap();
        let extra = common::seed_users(&store, 310..312).await as u64;
        for s in runner.status().await.unwrap() {
            assert_eq!(s.checkpoint, head.0, "{label}: {s:?}");
            assert_eq!(s.lag, extra, "{label}: {s:?}");
        }
        store.close().await;
    }
}
