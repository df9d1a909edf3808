//! Invariant 3 with a killed process: `tessera serve` is SIGKILLed while its projectors
//! are in the middle of catching up; the read models are exactly at their checkpoints, and
//! after a restart they finish with no event lost and none applied twice.

use crate::common;

use common::{Backend, Deployment};
use domain::user::{
    User, UserCreated, UserCustomDataUpdated, UserDetailsFields, UserDetailsUpdated, UserEvent,
    UserSuspended, UserUnsuspended,
};
use domain::{EventMetadata, Timestamp};
use projections::dump::dump;
use projections::event_stats::{self, utc_day};
use projections::{checkpoint, users, ProjectionRunner, ReplayTarget, UsersProjector};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::process::Stdio;
use std::time::{Duration, Instant};
use store::{AppendBatch, ExpectedVersion, Position, Repository, Store, StoreConfig};

both_backends!(killed_mid_catch_up_resumes_without_loss_or_doubling);

const USERS: usize = 6_000;
const EVENTS_PER_USER: usize = 5;
const BASE_MS: i64 = 1_700_000_000_000;

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn event(i: usize, round: usize) -> UserEvent {
    let details = |v: usize| UserDetailsFields {
        username: Some(format!("crash_{i}")),
        primary_email: Some(format!("crash{i}@example.com")),
        name: Some(format!("Crash {i} v{v}")),
        ..Default::default()
    };
    match round {
        0 => UserEvent::UserCreated(UserCreated {
            details: details(0),
            custom_data: Some(object(json!({"i": i}))),
            password: None,
            application_id: None,
        }),
        1 => UserEvent::UserDetailsUpdated(UserDetailsUpdated {
            details: details(1),
        }),
        2 => UserEvent::UserCustomDataUpdated(UserCustomDataUpdated {
            custom_data: Some(object(json!({"i": i, "round": 2}))),
        }),
        3 => UserEvent::UserSuspended(UserSuspended {}),
        _ => UserEvent::UserUnsuspended(UserUnsuspended {}),
    }
}

/// 30,000 events, appended in rounds so each user's events are far apart in the log.
async fn seed(store: &Store) {
    let repo = store.repository();
    for round in 0..EVENTS_PER_USER {
        let ids: Vec<usize> = (0..USERS).collect();
        for chunk in ids.chunks(1_000) {
            let mut batch = AppendBatch::default();
            for &i in chunk {
                // Spread over days so event_stats has many (type, day) keys.
                let at = BASE_MS + (i as i64) * 60_000 + (round as i64) * 86_400_000;
                let metadata = EventMetadata::system(Timestamp::from_millis(at), "seed");
                batch.streams.push(Repository::stage::<User>(
                    &format!("crash{i:016}"),
                    ExpectedVersion::at(round as u64),
                    &[event(i, round)],
                    &metadata,
                ));
            }
            repo.append(batch).await.unwrap();
        }
    }
}

async fn true_counts(store: &Store) -> Vec<(String, String, i64)> {
    let mut counts: BTreeMap<(String, String), i64> = BTreeMap::new();
    let mut after = Position(0);
    loop {
        let events = store.log.read_all(after, 5_000).await.unwrap();
        let Some(last) = events.last() else { break };
        after = last.position;
        for e in &events {
            let key = (
                e.event_type.clone(),
                utc_day(e.metadata.occurred_at.as_millis()),
            );
            *counts.entry(key).or_default() += 1;
        }
    }
    counts.into_iter().map(|((t, d), n)| (t, d, n)).collect()
}

async fn stats(store: &Store) -> Vec<(String, String, i64)> {
    event_stats::all(&store.read_pool)
        .await
        .unwrap()
        .into_iter()
        .map(|s| (s.event_type, s.day, s.total))
        .collect()
}

async fn checkpoints(store: &Store) -> [u64; 2] {
    let users = checkpoint::load(&store.read_pool, users::NAME)
        .await
        .unwrap();
    let stats = checkpoint::load(&store.read_pool, event_stats::NAME)
        .await
        .unwrap();
    [users.0, stats.0]
}

/// Kills (and reaps) the server if an assertion fails before the planned SIGKILL.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn killed_mid_catch_up_resumes_without_loss_or_doubling(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    // The test's own connection to the deployment's database (same KEK as the server).
    let config = StoreConfig {
        data_dir: deployment.data_dir(),
        database_url: deployment.database_url.clone(),
        kek: Some(store::testing::TEST_KEK.into()),
    };
    let store = Store::connect(&config).await.unwrap();
    seed(&store).await;
    let head = store.log.head().await.unwrap().0;
    assert_eq!(head, (USERS * EVENTS_PER_USER) as u64);

    // Start the server and SIGKILL it as soon as a projector is strictly mid-way.
    let log = std::fs::File::create(deployment.dir.path().join("killed.log")).unwrap();
    let mut child = KillOnDrop(
        deployment
            .command()
            .arg("serve")
            .env("TESSERA_BIND", "127.0.0.1:0")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap(),
    );
    let started = Instant::now();
    let at_kill = loop {
        let cps = checkpoints(&store).await;
        // Best: both projectors mid-way. Once one is past half-way, any mid-way will do.
        let mid = |c: u64| 0 < c && c < head;
        if cps.iter().all(|&c| mid(c)) || (cps.iter().any(|&c| mid(c) && c >= head / 2)) {
            child.0.kill().unwrap(); // SIGKILL: no graceful anything.
            child.0.wait().unwrap();
            break cps;
        }
        assert!(
            cps.iter().any(|&c| c < head),
            "catch-up finished before the kill could land: {cps:?}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "projectors never started; log:\n{}",
            std::fs::read_to_string(deployment.dir.path().join("killed.log")).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    };
    eprintln!("{backend:?}: SIGKILL at checkpoints [users, event_stats] = {at_kill:?} of {head}");
    // Right after the kill each read model is exactly at its checkpoint: event_stats counts
    // every event up to its checkpoint, no more and no less.
    let [_, stats_checkpoint] = checkpoints(&store).await;
    let counted: i64 = stats(&store).await.iter().map(|s| s.2).sum();
    assert_eq!(counted as u64, stats_checkpoint, "killed at {at_kill:?}");
    assert!(at_kill.iter().any(|&c| c < head), "{at_kill:?}");

    // Restart and let the projectors finish from their checkpoints.
    let server = deployment.start().await;
    let deadline = Instant::now() + Duration::from_secs(180);
    // Start-up appends events of its own (signing key, bootstrap application, the
    // harness's token grant): the projectors must reach the head as it is now.
    loop {
        let head_now = store.log.head().await.unwrap().0;
        if checkpoints(&store).await == [head_now, head_now] {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "restarted projectors never caught up:\n{}",
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let response = server.get("/api/users?page_size=1").await;
    let total = response
        .headers()
        .get("Total-Number")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(total, USERS.to_string());
    let (status, _) = server.terminate(Duration::from_secs(30));
    assert!(status.success());

    // No event lost, none doubled: the counter read model equals the log's true counts.
    assert_eq!(
        stats(&store).await,
        true_counts(&store).await,
        "killed at {at_kill:?}"
    );
    // users equals a from-scratch rebuild.
    let live = dump(&store.read_pool, &UsersProjector).await.unwrap();
    assert_eq!(live[0].rows.len(), USERS);
    let runner = ProjectionRunner::standard(store.log.clone(), store.read_pool.clone());
    runner
        .replay(ReplayTarget::One(users::NAME.into()), |_| {})
        .await
        .unwrap();
    assert_eq!(dump(&store.read_pool, &UsersProjector).await.unwrap(), live);
    store.close().await;
}
