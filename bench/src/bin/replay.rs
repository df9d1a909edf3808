//! Replay throughput: seeds N users × 5 events (create + 4 updates) and times a rebuild
//! of the `users` read model from position 0.
//!
//! ```text
//! cargo run --release -p tessera-bench --bin replay -- [--backend sqlite|postgres] [--users 200000]
//! ```
//! SQLite uses a temporary directory; Postgres a fresh database on
//! `TESSERA_TEST_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`).
//!
//! Events are seeded in rounds over blocks of users (round r appends every user's r-th
//! event), so one user's events lie far apart in the log and most replay batches must load
//! rows written by earlier batches: the expensive case, not the flattering one.

use domain::password::{PasswordAlgorithm, PasswordDigest};
use domain::user::{
    User, UserCreated, UserCustomDataUpdated, UserDetailsFields, UserDetailsUpdated, UserEvent,
    UserPasswordSet,
};
use domain::{EventMetadata, Timestamp};
use projections::{users, ProjectionRunner, ReplayTarget};
use serde_json::{json, Map, Value};
use std::time::Instant;
use store::{AppendBatch, ExpectedVersion, Repository, Store, StoreConfig};

const EVENTS_PER_USER: usize = 5;
const BLOCK_USERS: usize = 20_000;
const BATCH_EVENTS: usize = 5_000;
const BASE_MS: i64 = 1_700_000_000_000;

struct Args {
    backend: String,
    users: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        backend: "sqlite".into(),
        users: 200_000,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--backend" => args.backend = it.next().ok_or("--backend needs a value")?,
            "--users" => {
                args.users = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .ok_or("--users needs a number")?
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn details(i: usize, round: usize) -> UserDetailsFields {
    UserDetailsFields {
        username: Some(format!("user_{i}")),
        primary_email: Some(format!("user{i}@example.com")),
        primary_phone: i.is_multiple_of(2).then(|| format!("1555{i:07}")),
        name: Some(format!("User {i} v{round}")),
        avatar: None,
        profile: Some(object(
            json!({"givenName": format!("G{i}"), "locale": "en"}),
        )),
    }
}

/// User `i`'s `round`-th event.
fn event(i: usize, round: usize) -> UserEvent {
    match round {
        0 => UserEvent::UserCreated(UserCreated {
            details: details(i, 0),
            custom_data: Some(object(json!({"plan": "free", "i": i}))),
            password: None,
            application_id: None,
        }),
        1 | 4 => UserEvent::UserDetailsUpdated(UserDetailsUpdated {
            details: details(i, round),
        }),
        2 => UserEvent::UserCustomDataUpdated(UserCustomDataUpdated {
            custom_data: Some(object(json!({"plan": "pro", "i": i, "seats": 5}))),
        }),
        _ => UserEvent::UserPasswordSet(UserPasswordSet {
            password: Some(PasswordDigest {
                algorithm: PasswordAlgorithm::Argon2id,
                digest: format!("$argon2id$v=19$m=19456,t=2,p=1$bench{i}"),
            }),
        }),
    }
}

async fn seed(store: &Store, users: usize) -> Result<u64, Box<dyn std::error::Error>> {
    let repo = store.repository();
    let started = Instant::now();
    let mut appended = 0u64;
    for block in (0..users).step_by(BLOCK_USERS) {
        let block_end = (block + BLOCK_USERS).min(users);
        for round in 0..EVENTS_PER_USER {
            let ids: Vec<usize> = (block..block_end).collect();
            for chunk in ids.chunks(BATCH_EVENTS) {
                let mut batch = AppendBatch::default();
                for &i in chunk {
                    let at = BASE_MS + (i as i64) * 1_000 + (round as i64) * 60_000;
                    let metadata = EventMetadata::system(Timestamp::from_millis(at), "bench");
                    batch.streams.push(Repository::stage::<User>(
                        &format!("u{i:020}"),
                        ExpectedVersion::at(round as u64),
                        &[event(i, round)],
                        &metadata,
                    ));
                }
                appended += repo.append(batch).await?.events.len() as u64;
            }
        }
        eprintln!(
            "seeded {appended} events ({:.0}/s)",
            appended as f64 / started.elapsed().as_secs_f64()
        );
    }
    Ok(appended)
}

async fn config(backend: &str, dir: &std::path::Path) -> Result<StoreConfig, String> {
    match backend {
        "sqlite" => Ok(store::testing::sqlite_config(dir)),
        "postgres" => store::testing::postgres_config(dir)
            .await
            .ok_or_else(|| "Postgres unreachable".to_owned()),
        other => Err(format!("unknown backend {other}")),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = parse_args()?;
    let dir = tempfile::tempdir()?;
    let store = Store::connect(&config(&args.backend, dir.path()).await?).await?;
    let seeded = seed(&store, args.users).await?;
    let runner = ProjectionRunner::standard(store.log.clone(), store.read_pool.clone());
    let mut next_report = 0u64;
    let summaries = runner
        .replay(ReplayTarget::One(users::NAME.into()), |p| {
            if p.events >= next_report {
                eprintln!("replayed {} / {}", p.position, p.head);
                next_report += p.head / 10;
            }
        })
        .await?;
    let (_, live) = users::list(&store.read_pool, &users::UserQuery::default()).await?;
    for s in summaries {
        println!(
            "backend={} seeded={seeded} users={live} projection={} events={} seconds={:.2} events_per_sec={:.0}",
            args.backend, s.projection, s.events, s.seconds, s.events_per_sec
        );
    }

    // Diagnostics: where the replay's time goes.
    // The log's read rate (decrypt + upcast + decode) bounds what any replay can reach.
    let started = Instant::now();
    let (mut after, mut read) = (store::Position(0), 0u64);
    let mut batches = Vec::new();
    loop {
        let events = store.log.read_all(after, 5_000).await?;
        let Some(last) = events.last() else { break };
        after = last.position;
        read += events.len() as u64;
        batches.push(events);
    }
    let read_secs = started.elapsed().as_secs_f64();
    println!(
        "backend={} log read_all only: events={read} seconds={read_secs:.2} events_per_sec={:.0}",
        args.backend,
        read as f64 / read_secs
    );
    // The projector's own rate, events already in memory, into an empty table.
    sqlx::query("DELETE FROM users")
        .execute(&store.read_pool)
        .await?;
    let started = Instant::now();
    for batch in &batches {
        let mut tx = store.read_pool.begin().await?;
        projections::Projector::apply_batch(&projections::UsersProjector, &mut tx, batch).await?;
        tx.commit().await?;
    }
    let apply_secs = started.elapsed().as_secs_f64();
    println!(
        "backend={} users apply only: events={read} seconds={apply_secs:.2} events_per_sec={:.0}",
        args.backend,
        read as f64 / apply_secs
    );
    drop(batches);
    store.close().await;
    Ok(())
}
