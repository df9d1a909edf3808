//! Two runners of one projector against one checkpoint, in two processes on one Postgres
//! database (two nodes of a deployment): between them every event is applied exactly
//! once. Each batch claims the checkpoint row first (`checkpoint::advance` moves it only
//! from where the runner read); the loser of a race rolls back and reloads.
//!
//! The second process is this test binary again, running the ignored `child_runner`
//! entry with the database in its environment. It runs until the parent asks it to stop
//! (a file appears), then prints how many events it applied.

// Test code: a panic is how a test fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use projections::{
    event_stats, CancellationToken, EventStatsProjector, ProjectionRunner, Projector, RunnerConfig,
};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::Store;

const CHILD_DB: &str = "TESSERA_TEST_CHILD_DATABASE_URL";
const CHILD_STOP: &str = "TESSERA_TEST_CHILD_STOP_FILE";
const APPLIED: &str = "child applied: ";

fn runner(store: &Store) -> ProjectionRunner {
    let projectors: Vec<Arc<dyn Projector>> = vec![Arc::new(EventStatsProjector)];
    let config = RunnerConfig {
        // Small batches: many claims, so the two runners collide often.
        batch_size: 7,
        backoff_initial: Duration::from_millis(5),
        backoff_max: Duration::from_millis(20),
        ..RunnerConfig::default()
    };
    ProjectionRunner::new(
        store.log.clone(),
        store.read_pool.clone(),
        projectors,
        config,
    )
}

fn applied(runner: &ProjectionRunner) -> u64 {
    runner.metrics().iter().map(|m| m.events_applied).sum()
}

/// The second node. Not a test of its own: the parent runs it with `--ignored`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "entry point of the child process of two_runners_apply_every_event_once"]
async fn child_runner() {
    let (Ok(url), Ok(stop)) = (std::env::var(CHILD_DB), std::env::var(CHILD_STOP)) else {
        panic!("run by two_runners_apply_every_event_once only");
    };
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&store::testing::postgres_config_at(dir.path(), url))
        .await
        .unwrap();
    let runner = runner(&store);
    let shutdown = CancellationToken::new();
    let handle = runner.start(shutdown.clone()).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while !PathBuf::from(&stop).exists() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    shutdown.cancel();
    handle.join().await;
    println!("{APPLIED}{}", applied(&runner));
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_runners_apply_every_event_once() {
    let dir = tempfile::tempdir().unwrap();
    let Some(config) = store::testing::postgres_config(dir.path()).await else {
        return;
    };
    let url = config.database_url.clone().unwrap();
    let store = Store::connect(&config).await.unwrap();
    common::seed_users(&store, 0..200).await;

    let stop = dir.path().join("stop");
    let child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_runner", "--ignored", "--nocapture"])
        .env(CHILD_DB, &url)
        .env(CHILD_STOP, &stop)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();

    // Both catch up over the same backlog, then follow the log live while more arrives.
    let runner = runner(&store);
    let shutdown = CancellationToken::new();
    let handle = runner.start(shutdown.clone()).await.unwrap();
    for wave in 0..4 {
        common::seed_users(&store, 200 + wave * 50..250 + wave * 50).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(runner
        .wait_caught_up(Duration::from_secs(60))
        .await
        .unwrap());
    std::fs::write(&stop, b"stop").unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "child runner failed");
    shutdown.cancel();
    handle.join().await;

    let stdout = String::from_utf8_lossy(&output.stdout);
    let child_applied: u64 = stdout
        .lines()
        .find_map(|line| line.strip_prefix(APPLIED))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("child said nothing: {stdout}"));
    let parent_applied = applied(&runner);
    let head = store.log.head().await.unwrap().0;
    assert!(
        child_applied > 0 && parent_applied > 0,
        "both runners did work: parent {parent_applied}, child {child_applied}"
    );
    assert_eq!(
        parent_applied + child_applied,
        head,
        "every event applied exactly once between the two runners"
    );
    let counts = event_stats::all(&store.read_pool).await.unwrap();
    assert_eq!(counts, common::true_counts(&store).await);
    store.close().await;
}
