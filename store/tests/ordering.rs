//! Invariant 2: no committed event is ever skipped or seen twice by a follower.

// Test code: a panic is how a test fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use rand::Rng;
use sqlx::{Connection, Executor, PgConnection};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use store::*;

const WRITERS: usize = 16;
const TOTAL: usize = 20_000;

/// 16 writers append 20,000 events in transactions of random sizes (several streams each)
/// with random pauses, while a live follower reads. The follower must see exactly the
/// appended set, each once, in strictly increasing positions, streams in version order.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_live_follower_sees_every_event_once_in_order() {
    for env in backends().await {
        let log = env.store.log.clone();
        let follower = {
            let log = log.clone();
            tokio::spawn(async move {
                follow(&*log, Position(0), TOTAL, Duration::from_secs(300)).await
            })
        };
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| {
                let log = log.clone();
                tokio::spawn(async move {
                    let mut ids = Vec::new();
                    let mut versions = [0u64; 4];
                    let mut remaining = TOTAL / WRITERS;
                    let mut n = 0u64;
                    while remaining > 0 {
                        let (streams, pause) = {
                            let mut rng = rand::thread_rng();
                            let size = rng.gen_range(1..=40usize).min(remaining);
                            // Spread the transaction over 1–3 of this writer's streams.
                            let parts = rng.gen_range(1..=3usize).min(size);
                            let mut streams = Vec::new();
                            let mut left = size;
                            for p in 0..parts {
                                let k = if p + 1 == parts {
                                    left
                                } else {
                                    rng.gen_range(1..=left - (parts - p - 1))
                                };
                                left -= k;
                                let s = rng.gen_range(0..4usize);
                                if streams.iter().any(|x: &StreamAppend| {
                                    x.stream.stream_id == format!("w{w}-{s}")
                                }) {
                                    continue;
                                }
                                streams.push(StreamAppend {
                                    stream: StreamRef::new("order", format!("w{w}-{s}")),
                                    expected: ExpectedVersion::at(versions[s]),
                                    events: (0..k)
                                        .map(|_| {
                                            n += 1;
                                            plain_event(n)
                                        })
                                        .collect(),
                                });
                            }
                            (streams, rng.gen_range(0..3u64))
                        };
                        let out = log.append(AppendBatch { streams }).await.unwrap();
                        for e in &out.events {
                            let s: usize = e
                                .stream
                                .stream_id
                                .rsplit('-')
                                .next()
                                .unwrap()
                                .parse()
                                .unwrap();
                            versions[s] = e.stream_version;
                            ids.push(e.event_id);
                        }
                        remaining -= out.events.len();
                        tokio::time::sleep(Duration::from_millis(pause)).await;
                    }
                    ids
                })
            })
            .collect();
        let mut appended = HashSet::new();
        for w in writers {
            for id in w.await.unwrap() {
                assert!(appended.insert(id));
            }
        }
        assert_eq!(appended.len(), TOTAL);
        let seen = follower.await.unwrap();
        assert_eq!(
            seen.len(),
            TOTAL,
            "{}: follower saw {} of {TOTAL}",
            env.name,
            seen.len()
        );
        let seen_ids: HashSet<_> = seen.iter().map(|e| e.event_id).collect();
        assert_eq!(
            seen_ids.len(),
            TOTAL,
            "{}: an event was seen twice",
            env.name
        );
        assert_eq!(
            seen_ids, appended,
            "{}: seen set differs from appended set",
            env.name
        );
        assert!(seen.windows(2).all(|w| w[0].position < w[1].position));
        // Within each stream the follower saw versions 1, 2, 3, … in order.
        let mut last = std::collections::HashMap::new();
        for e in &seen {
            let v = last.entry(e.stream.clone()).or_insert(0u64);
            assert_eq!(
                e.stream_version,
                *v + 1,
                "{}: stream {:?} out of order",
                env.name,
                e.stream
            );
            *v = e.stream_version;
        }
        // Nothing more arrives afterwards.
        let tail = follow(
            &*log,
            seen.last().unwrap().position,
            1,
            Duration::from_millis(500),
        )
        .await;
        assert!(tail.is_empty());
        env.store.close().await;
    }
}

/// Opens a raw transaction that forces its transaction id (as the store's writer does)
/// and inserts one event taking the next position, then holds it.
async fn hold_position(url: &str, id: &str) -> (PgConnection, u64) {
    let mut conn = PgConnection::connect(url).await.unwrap();
    conn.execute("BEGIN").await.unwrap();
    conn.execute("SELECT pg_current_xact_id()").await.unwrap();
    let metadata = serde_json::to_string(&metadata()).unwrap();
    let pos: i64 = sqlx::query_scalar(
        "INSERT INTO events (event_id, stream_type, stream_id, stream_version, event_type, schema_version, payload, metadata) \
         VALUES ($1, 'held', $2, 1, 'Held', 1, '{}'::jsonb, $3::jsonb) RETURNING position",
    )
    .bind(uuid::Uuid::now_v7())
    .bind(id)
    .bind(metadata)
    .fetch_one(&mut conn)
    .await
    .unwrap();
    (conn, pos as u64)
}

async fn append_ticks(log: &dyn EventLog, stream: &str, n: u64) -> Vec<Position> {
    let out = log
        .append(one_stream(
            StreamRef::new("tick", stream),
            ExpectedVersion::Any,
            (0..n).map(plain_event).collect(),
        ))
        .await
        .unwrap();
    out.events.iter().map(|e| e.position).collect()
}

/// A transaction holding a lower position commits after higher positions committed: the
/// follower waits for it instead of skipping it. A rolled-back one is passed over.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_follower_waits_for_a_lower_position_held_open() {
    let dir = tempfile::tempdir().unwrap();
    let Some(cfg) = store::testing::postgres_config(dir.path()).await else {
        return;
    };
    let url = cfg.database_url.clone().unwrap();
    let store = Store::connect(&cfg).await.unwrap();
    let log = store.log.clone();
    let before = append_ticks(&*log, "a", 3).await;
    let checkpoint = *before.last().unwrap();

    let (mut held, low) = hold_position(&url, "h1").await;
    assert_eq!(low, checkpoint.0 + 1);
    let high = append_ticks(&*log, "b", 5).await;
    assert!(
        high.iter().all(|p| p.0 > low),
        "the store's events committed above the held position"
    );

    // While the low position is in flight, read_all must not hand out anything above it.
    for _ in 0..3 {
        if let Ok(page) =
            tokio::time::timeout(Duration::from_millis(700), log.read_all(checkpoint, 100)).await
        {
            assert!(
                page.unwrap().is_empty(),
                "read_all skipped over an in-flight lower position"
            );
        }
    }
    let follower = {
        let log = log.clone();
        tokio::spawn(async move { follow(&*log, checkpoint, 6, Duration::from_secs(30)).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    held.execute("COMMIT").await.unwrap();
    let seen = follower.await.unwrap();
    let positions: Vec<u64> = seen.iter().map(|e| e.position.0).collect();
    let mut expected = vec![low];
    expected.extend(high.iter().map(|p| p.0));
    assert_eq!(
        positions, expected,
        "the held event first, then the rest, nothing skipped"
    );
    assert_eq!(seen[0].stream, StreamRef::new("held", "h1"));

    // A rolled-back transaction's position is a permanent gap: passed over, not waited on forever.
    let at = *high.last().unwrap();
    let (mut rolled, gap) = hold_position(&url, "h2").await;
    let after_gap = append_ticks(&*log, "c", 3).await;
    held_rollback(&mut rolled).await;
    let seen = follow(&*log, at, 3, Duration::from_secs(10)).await;
    let positions: Vec<Position> = seen.iter().map(|e| e.position).collect();
    assert_eq!(
        positions, after_gap,
        "rolled-back position {gap} skipped, the rest delivered"
    );
    store.close().await;
}

async fn held_rollback(conn: &mut PgConnection) {
    conn.execute("ROLLBACK").await.unwrap();
}

/// The same with concurrent writers: a held low position in the middle of a stream of
/// appends from 16 writers, committed late; the follower still sees everything once, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_held_position_under_concurrent_load() {
    let dir = tempfile::tempdir().unwrap();
    let Some(cfg) = store::testing::postgres_config(dir.path()).await else {
        return;
    };
    let url = cfg.database_url.clone().unwrap();
    let store = Store::connect(&cfg).await.unwrap();
    let log = store.log.clone();
    let follower = {
        let log = log.clone();
        tokio::spawn(async move {
            follow(&*log, Position(0), 1 + 16 * 100, Duration::from_secs(30)).await
        })
    };
    let writers: Vec<_> = (0..16)
        .map(|w| {
            let log = log.clone();
            tokio::spawn(async move {
                let mut positions = Vec::new();
                for i in 0..20u64 {
                    positions.extend(append_ticks(&*log, &format!("w{w}"), 5).await);
                    tokio::time::sleep(Duration::from_millis(i % 3)).await;
                }
                positions
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let (mut held, low) = hold_position(&url, "h").await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    held.execute("COMMIT").await.unwrap();
    let mut appended: Vec<u64> = vec![low];
    for w in writers {
        appended.extend(w.await.unwrap().iter().map(|p| p.0));
    }
    appended.sort_unstable();
    let seen = follower.await.unwrap();
    let positions: Vec<u64> = seen.iter().map(|e| e.position.0).collect();
    let missing: Vec<_> = appended.iter().filter(|p| !positions.contains(p)).collect();
    assert_eq!(
        positions, appended,
        "every committed event once, in position order; missing {missing:?}, held {low}"
    );
    store.close().await;
}

const CHILD_DB: &str = "TESSERA_TEST_CHILD_DATABASE_URL";
const CHILD_PREFIX: &str = "TESSERA_TEST_CHILD_PREFIX";
/// Writer tasks per process, and events each appends.
const PROCESS_WRITERS: usize = 4;
const PER_WRITER: usize = 1_500;

/// One writer: `PER_WRITER` events on its own stream, in transactions of 1–20 events.
async fn append_stream(log: &dyn EventLog, stream: String) -> Vec<uuid::Uuid> {
    let mut ids = Vec::new();
    let mut version = 0u64;
    while ids.len() < PER_WRITER {
        let size = rand::thread_rng()
            .gen_range(1..=20usize)
            .min(PER_WRITER - ids.len());
        let events = (0..size)
            .map(|i| plain_event(version + 1 + i as u64))
            .collect();
        let out = log
            .append(AppendBatch {
                streams: vec![StreamAppend {
                    stream: StreamRef::new("order2", stream.clone()),
                    expected: ExpectedVersion::at(version),
                    events,
                }],
            })
            .await
            .unwrap();
        version += size as u64;
        ids.extend(out.events.iter().map(|e| e.event_id));
    }
    ids
}

/// `PROCESS_WRITERS` writers of one process, their streams named after `prefix`.
async fn append_from_process(log: Arc<dyn EventLog>, prefix: &str) -> Vec<uuid::Uuid> {
    let writers: Vec<_> = (0..PROCESS_WRITERS)
        .map(|w| {
            let log = log.clone();
            let stream = format!("{prefix}-{w}");
            tokio::spawn(async move { append_stream(&*log, stream).await })
        })
        .collect();
    let mut ids = Vec::new();
    for w in writers {
        ids.extend(w.await.unwrap());
    }
    ids
}

/// The second process of `two_processes_appending_leave_no_gap_to_a_follower`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "entry point of the child process of two_processes_appending_leave_no_gap_to_a_follower"]
async fn child_appender() {
    let (Ok(url), Ok(prefix)) = (std::env::var(CHILD_DB), std::env::var(CHILD_PREFIX)) else {
        panic!("run by two_processes_appending_leave_no_gap_to_a_follower only");
    };
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&store::testing::postgres_config_at(dir.path(), url))
        .await
        .unwrap();
    let ids = append_from_process(store.log.clone(), &prefix).await;
    println!("child appended: {}", ids.len());
    store.close().await;
}

/// Invariant 2 across nodes: two processes append at once (each with its own writer task,
/// so their commits interleave in no particular order of position) while a live follower
/// reads. The follower sees every event of both, once each, in increasing positions, and
/// nothing it skipped turns up later.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_appending_leave_no_gap_to_a_follower() {
    let dir = tempfile::tempdir().unwrap();
    let Some(cfg) = store::testing::postgres_config(dir.path()).await else {
        return;
    };
    let url = cfg.database_url.clone().unwrap();
    let store = Store::connect(&cfg).await.unwrap();
    let log = store.log.clone();
    let total = 2 * PROCESS_WRITERS * PER_WRITER;
    let follower = {
        let log = log.clone();
        tokio::spawn(
            async move { follow(&*log, Position(0), total, Duration::from_secs(300)).await },
        )
    };
    let child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_appender", "--ignored", "--nocapture"])
        .env(CHILD_DB, &url)
        .env(CHILD_PREFIX, "child")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mine = append_from_process(log.clone(), "parent").await;
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "the child appender failed");
    assert!(
        String::from_utf8_lossy(&output.stdout)
            .contains(&format!("child appended: {}", PROCESS_WRITERS * PER_WRITER)),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let seen = follower.await.unwrap();
    let seen_ids: HashSet<_> = seen.iter().map(|e| e.event_id).collect();
    assert_eq!(
        seen.len(),
        total,
        "the follower saw {} of {total}",
        seen.len()
    );
    assert_eq!(seen_ids.len(), total, "an event was seen twice");
    assert!(mine.iter().all(|id| seen_ids.contains(id)));
    let mut last = std::collections::HashMap::new();
    for e in &seen {
        let v = last.entry(e.stream.clone()).or_insert(0u64);
        assert_eq!(
            e.stream_version,
            *v + 1,
            "stream {:?} out of order",
            e.stream
        );
        *v = e.stream_version;
    }
    // What the follower saw is the whole log, in order: nothing it passed over turned up.
    let mut all = Vec::new();
    let mut after = Position(0);
    loop {
        let page = log.read_all(after, 1_000).await.unwrap();
        let Some(last) = page.last() else { break };
        after = last.position;
        all.extend(page.into_iter().map(|e| e.event_id));
    }
    assert_eq!(all.len(), seen.len());
    let first_difference = all.iter().zip(&seen).position(|(a, s)| *a != s.event_id);
    assert_eq!(
        first_difference, None,
        "the follower's order differs from the log's"
    );
    store.close().await;
}
