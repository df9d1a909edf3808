//! Append throughput: W concurrent writers, each appending single-event batches to its own
//! streams (every append waits for its durable commit), N events in total per run.
//!
//! ```text
//! cargo run --release -p tessera-bench --bin append -- [--backend sqlite|postgres|both] [--writers 1,8,32] [--events N]
//! ```
//! SQLite uses a temporary directory; Postgres a fresh database on
//! `TESSERA_TEST_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`).
//! Without `--events`, a run appends 5,000 events with 1 writer and 50,000 otherwise.

use domain::{Actor, EventMetadata, Timestamp};
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::{AppendBatch, ExpectedVersion, NewEvent, Store, StreamAppend, StreamRef};

/// Streams per writer: appends rotate over them, like requests touching different users.
const STREAMS_PER_WRITER: usize = 16;

struct Args {
    backends: Vec<String>,
    writers: Vec<usize>,
    events: Option<usize>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        backends: vec!["sqlite".into(), "postgres".into()],
        writers: vec![1, 8, 32],
        events: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let value = it.next().ok_or(format!("{arg} needs a value"))?;
        match arg.as_str() {
            "--backend" if value == "both" => {}
            "--backend" => args.backends = vec![value],
            "--writers" => {
                args.writers = value
                    .split(',')
                    .map(|w| {
                        w.trim()
                            .parse()
                            .map_err(|_| format!("bad writer count {w}"))
                    })
                    .collect::<Result<_, _>>()?
            }
            "--events" => args.events = Some(value.parse().map_err(|_| "--events needs a number")?),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

fn event(n: usize) -> NewEvent {
    NewEvent {
        event_type: "BenchEvent".into(),
        schema_version: 1,
        payload: serde_json::json!({ "n": n, "note": "a small payload of typical size" }),
        pii_subject: None,
        pii_fields: &[],
        metadata: EventMetadata {
            occurred_at: Timestamp::from_millis(1_700_000_000_000 + n as i64),
            actor: Actor::System,
            correlation_id: format!("bench-{n}"),
            client_ip: Some("203.0.113.1".into()),
            user_agent: Some("tessera-bench".into()),
            request: None,
        },
    }
}

struct Run {
    events: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

async fn run(store: &Store, writers: usize, total: usize) -> Result<Run, String> {
    let per_writer = total / writers;
    let started = Instant::now();
    let tasks: Vec<_> = (0..writers)
        .map(|w| {
            let log = Arc::clone(&store.log);
            tokio::spawn(async move {
                let mut versions = [0u64; STREAMS_PER_WRITER];
                let mut latencies = Vec::with_capacity(per_writer);
                for i in 0..per_writer {
                    let s = i % STREAMS_PER_WRITER;
                    let batch = AppendBatch {
                        streams: vec![StreamAppend {
                            stream: StreamRef::new("bench", format!("w{w}-s{s}")),
                            expected: ExpectedVersion::at(versions[s]),
                            events: vec![event(w * per_writer + i)],
                        }],
                    };
                    let t = Instant::now();
                    let out = log.append(batch).await.map_err(|e| e.to_string())?;
                    latencies.push(t.elapsed());
                    versions[s] = out.events[0].stream_version;
                }
                Ok::<_, String>(latencies)
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(total);
    for t in tasks {
        latencies.extend(t.await.map_err(|e| e.to_string())??);
    }
    Ok(Run {
        events: per_writer * writers,
        elapsed: started.elapsed(),
        latencies,
    })
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn open(backend: &str, dir: &std::path::Path) -> Result<Option<Store>, String> {
    let cfg = match backend {
        "sqlite" => store::testing::sqlite_config(dir),
        "postgres" => match store::testing::postgres_config(dir).await {
            Some(cfg) => cfg,
            None => return Ok(None),
        },
        other => return Err(format!("unknown backend {other}")),
    };
    Store::connect(&cfg)
        .await
        .map(Some)
        .map_err(|e| e.to_string())
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let args = parse_args()?;
    println!("| backend | writers | events | seconds | events/s | p50 ms | p99 ms |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for backend in &args.backends {
        for &writers in &args.writers {
            let total = args
                .events
                .unwrap_or(if writers == 1 { 5_000 } else { 50_000 });
            let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
            let Some(store) = open(backend, dir.path()).await? else {
                continue;
            };
            let mut r = run(&store, writers, total).await?;
            store.close().await;
            r.latencies.sort_unstable();
            let secs = r.elapsed.as_secs_f64();
            println!(
                "| {backend} | {writers} | {} | {secs:.2} | {:.0} | {:.2} | {:.2} |",
                r.events,
                r.events as f64 / secs,
                percentile(&r.latencies, 0.50).as_secs_f64() * 1e3,
                percentile(&r.latencies, 0.99).as_secs_f64() * 1e3,
            );
        }
    }
    Ok(())
}
