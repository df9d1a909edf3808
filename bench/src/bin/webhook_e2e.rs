//! End-to-end webhook latency through RabbitMQ: from an appended event to the receiver's
//! 2xx, against a running `tessera serve` started with `TESSERA_AMQP_URL`.
//!
//! ```text
//! webhook_e2e --url http://127.0.0.1:3001 --client-id ID --client-secret SECRET \
//!     [--rate 1000] [--seconds 60] [--amqp amqp://guest:guest@127.0.0.1:5672/%2f] \
//!     [--prefix tessera] [--drain-seconds 30] [--source api|log]
//! ```
//!
//! `--source api` (default) creates each user with `POST /api/users`, so the run also
//! carries the API's cost of 1,000 requests/s. `--source log` appends the same events
//! (`IdentifierClaimed` + `UserCreated`, decided by the domain aggregates) straight to the
//! server's event log from this process, as another Tessera node's writer would
//! (`TESSERA_DATABASE_URL` and `TESSERA_KEK` from the environment): the measurement the
//! issue names, "from appended event to the receiver's 2xx", without the HTTP front.
//!
//! Starts a local receiver (HTTP/1.1, keep-alive), creates a hook subscribed to
//! `User.Created` pointing at it, then creates users through the Management API at
//! `--rate` per second for `--seconds` (each creation appends `UserCreated`). Latency per
//! delivery = receive time − the user's `createdAt` (the event's occurred-at, same clock).
//! Every 10 s and at the end of the window it samples the RabbitMQ queue depths (backlog);
//! then it waits up to `--drain-seconds` for the rest and reports what never arrived.

use lapin::options::QueueDeclareOptions;
use lapin::types::FieldTable;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tessera_bench::{form_body, loopback_only, percentile, MANAGEMENT_API};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

struct Args {
    url: String,
    client_id: String,
    client_secret: String,
    rate: u64,
    seconds: u64,
    amqp: String,
    prefix: String,
    drain_seconds: u64,
    /// Append through the API, or straight to the log.
    source_log: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        url: "http://127.0.0.1:3001".into(),
        client_id: String::new(),
        client_secret: String::new(),
        rate: 1_000,
        seconds: 60,
        amqp: "amqp://guest:guest@127.0.0.1:5672/%2f".into(),
        prefix: "tessera".into(),
        drain_seconds: 30,
        source_log: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        let number = |v: &str| {
            v.parse::<u64>()
                .map_err(|_| format!("{flag} needs a number"))
        };
        match flag.as_str() {
            "--url" => args.url = value,
            "--client-id" => args.client_id = value,
            "--client-secret" => args.client_secret = value,
            "--rate" => args.rate = number(&value)?.clamp(1, 10_000),
            "--seconds" => args.seconds = number(&value)?.clamp(1, 600),
            "--amqp" => args.amqp = value,
            "--prefix" => args.prefix = value,
            "--drain-seconds" => args.drain_seconds = number(&value)?.clamp(1, 600),
            "--source" => {
                args.source_log = match value.as_str() {
                    "api" => false,
                    "log" => true,
                    _ => return Err("--source is api or log".into()),
                }
            }
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    if args.client_id.is_empty() || args.client_secret.is_empty() {
        return Err("--client-id and --client-secret are required".into());
    }
    Ok(args)
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// What the receiver saw: (user id, latency ms) per delivery.
#[derive(Default)]
struct Seen {
    deliveries: Vec<(String, i64)>,
}

async fn serve(mut stream: TcpStream, seen: Arc<Mutex<Seen>>) {
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk = [0u8; 16384];
    loop {
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i;
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        while buf.len() < head_end + 4 + length {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let received = now_ms();
        let body: Value = serde_json::from_slice(&buf[head_end + 4..head_end + 4 + length])
            .unwrap_or(Value::Null);
        buf.drain(..head_end + 4 + length);
        if let (Some(id), Some(created)) = (
            body["data"]["id"].as_str(),
            body["data"]["createdAt"].as_i64(),
        ) {
            if let Ok(mut seen) = seen.lock() {
                seen.deliveries.push((id.to_owned(), received - created));
            }
        }
        let reply = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n";
        if stream.write_all(reply).await.is_err() {
            return;
        }
    }
}

/// Queue depths, or a note when the broker does not answer within 5 s (a hung sample
/// must not stop the driver: a stalled sampler once froze user creation mid-run).
async fn queue_depths(amqp: &str, prefix: &str) -> String {
    tokio::time::timeout(Duration::from_secs(5), sample_depths(amqp, prefix))
        .await
        .unwrap_or_else(|_| "broker did not answer within 5 s".into())
}

async fn sample_depths(amqp: &str, prefix: &str) -> String {
    let Ok(connection) = lapin::Connection::connect(amqp, Default::default()).await else {
        return "broker unreachable".into();
    };
    let Ok(channel) = connection.create_channel().await else {
        return "no channel".into();
    };
    let mut out = Vec::new();
    for queue in [format!("{prefix}.delivery"), format!("{prefix}.jobs")] {
        let passive = QueueDeclareOptions {
            passive: true,
            ..QueueDeclareOptions::default()
        };
        match channel
            .queue_declare(queue.as_str().into(), passive, FieldTable::default())
            .await
        {
            Ok(q) => out.push(format!("{queue}={}", q.message_count())),
            Err(e) => out.push(format!("{queue}=? ({e})")),
        }
    }
    let _ = connection.close(200, "bench".into()).await;
    out.join(" ")
}

/// The server's event log, opened as another node would (same database, same KEK).
async fn open_log() -> Result<store::Store, String> {
    let database_url = std::env::var("TESSERA_DATABASE_URL")
        .map_err(|_| "--source log needs TESSERA_DATABASE_URL (the server's database)")?;
    let kek = std::env::var("TESSERA_KEK").map_err(|_| "--source log needs TESSERA_KEK")?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    store::Store::connect(&store::StoreConfig {
        data_dir: dir.path().to_path_buf(),
        database_url: Some(database_url),
        kek: Some(kek),
    })
    .await
    .map_err(|e| e.to_string())
}

/// What `POST /api/users {"username"}` appends: the username's claim and the user, in one
/// atomic batch, each decided by its aggregate.
async fn append_user(store: &store::Store, user_id: &str, username: &str) -> Result<(), String> {
    use domain::identifier::{IdentifierClaim, IdentifierCommand};
    use domain::user::{User, UserCommand, UserDetails, UserDetailsFields};
    use domain::{Aggregate, CommandContext, EventMetadata, Timestamp};
    use store::{AppendBatch, ExpectedVersion, Repository};
    let ctx = CommandContext {
        now: Timestamp::from_millis(now_ms()),
    };
    let metadata = EventMetadata::system(ctx.now, user_id);
    let details = UserDetails::new(UserDetailsFields {
        username: Some(username.to_owned()),
        ..UserDetailsFields::default()
    })
    .map_err(|e| e.to_string())?;
    let mut batch = AppendBatch::default();
    for identifier in details.identifiers() {
        let claim = IdentifierClaim::default()
            .handle(
                IdentifierCommand::Claim {
                    holder: user_id.to_owned(),
                },
                &ctx,
            )
            .map_err(|e| format!("{e:?}"))?;
        batch.streams.push(Repository::stage::<IdentifierClaim>(
            &store.identifier_stream_id(&identifier),
            ExpectedVersion::NoStream,
            &claim,
            &metadata,
        ));
    }
    let events = User::default()
        .handle(
            UserCommand::Create {
                details,
                custom_data: Default::default(),
                password: None,
                application_id: None,
            },
            &ctx,
        )
        .map_err(|e| e.to_string())?;
    batch.streams.push(Repository::stage::<User>(
        user_id,
        ExpectedVersion::NoStream,
        &events,
        &metadata,
    ));
    store
        .repository()
        .append(batch)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let args = parse_args()?;
    loopback_only(&args.url)?;
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()
        .map_err(|e| e.to_string())?;

    let token: Value = http
        .post(format!("{}/oidc/token", args.url))
        .basic_auth(&args.client_id, Some(&args.client_secret))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_body(&[
            ("grant_type", "client_credentials"),
            ("resource", MANAGEMENT_API),
            ("scope", "all"),
        ]))
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let bearer = format!(
        "Bearer {}",
        token["access_token"].as_str().ok_or("no access token")?
    );

    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let receiver = format!(
        "http://{}/hook",
        listener.local_addr().map_err(|e| e.to_string())?
    );
    let seen = Arc::new(Mutex::new(Seen::default()));
    {
        let seen = seen.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, seen.clone()));
            }
        });
    }
    let hook = http
        .post(format!("{}/api/hooks", args.url))
        .header("authorization", &bearer)
        .json(&json!({"name": "bench", "events": ["User.Created"], "config": {"url": receiver}}))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if hook.status() != 201 {
        return Err(format!("create hook: {}", hook.status()));
    }

    let log_store = if args.source_log {
        Some(open_log().await?)
    } else {
        None
    };
    println!(
        "webhook_e2e: {} users/s for {} s through {} -> {receiver}",
        args.rate,
        args.seconds,
        if args.source_log {
            "the log"
        } else {
            "the API"
        }
    );
    let created = Arc::new(Mutex::new(HashSet::new()));
    let failures = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let run = format!("{:x}", now_ms());
    let start = Instant::now();
    let mut ticker = tokio::time::interval(Duration::from_micros(1_000_000 / args.rate));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let total = args.rate * args.seconds;
    let mut next_sample = Duration::from_secs(10);
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..total {
        ticker.tick().await;
        if start.elapsed() >= next_sample {
            // Sampled on the side: the creation loop keeps its rate while the broker answers.
            let (amqp, prefix, at) = (args.amqp.clone(), args.prefix.clone(), next_sample);
            tokio::spawn(async move {
                let depths = queue_depths(&amqp, &prefix).await;
                println!("  t={:>3}s backlog: {depths}", at.as_secs());
            });
            next_sample += Duration::from_secs(10);
        }
        let (http, url, bearer) = (http.clone(), args.url.clone(), bearer.clone());
        let (created, failures) = (created.clone(), failures.clone());
        let username = format!("bench_{run}_{i}");
        if let Some(store) = &log_store {
            let store = store.clone();
            let user_id = format!("b{run}x{i}");
            tasks.spawn(async move {
                match append_user(&store, &user_id, &username).await {
                    Ok(()) => {
                        if let Ok(mut c) = created.lock() {
                            c.insert(user_id);
                        }
                    }
                    Err(e) => {
                        eprintln!("append: {e}");
                        failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                }
            });
            while let Some(done) = tasks.try_join_next() {
                let _ = done;
            }
            continue;
        }
        tasks.spawn(async move {
            let response = http
                .post(format!("{url}/api/users"))
                .header("authorization", bearer)
                .json(&json!({ "username": username }))
                .send()
                .await;
            let id = match response {
                Ok(r) if r.status().is_success() => r
                    .json::<Value>()
                    .await
                    .ok()
                    .and_then(|v| v["id"].as_str().map(str::to_owned))
                    .ok_or_else(|| "a 2xx without an id".to_owned()),
                Ok(r) => {
                    let status = r.status();
                    Err(format!("{status}: {}", r.text().await.unwrap_or_default()))
                }
                Err(e) => Err(format!("request: {e}")),
            };
            match id {
                Ok(id) => {
                    if let Ok(mut c) = created.lock() {
                        c.insert(id);
                    }
                }
                Err(why) => {
                    // The first few reasons are printed: a failed request is a finding.
                    let n = failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if n < 10 {
                        eprintln!("POST /api/users failed: {why}");
                    }
                }
            }
        });
        while let Some(done) = tasks.try_join_next() {
            let _ = done;
        }
    }
    while tasks.join_next().await.is_some() {}
    let window = start.elapsed();
    let at_end = queue_depths(&args.amqp, &args.prefix).await;
    let delivered_in_window = seen.lock().map(|s| s.deliveries.len()).unwrap_or(0);

    let expected = created.lock().map(|c| c.len()).unwrap_or(0);
    let drain_deadline = Instant::now() + Duration::from_secs(args.drain_seconds);
    loop {
        let got: HashSet<String> = seen
            .lock()
            .map(|s| s.deliveries.iter().map(|(id, _)| id.clone()).collect())
            .unwrap_or_default();
        let created = created.lock().map(|c| c.clone()).unwrap_or_default();
        if created.is_subset(&got) || Instant::now() > drain_deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let drained = start.elapsed();
    let (mut latencies, ids): (Vec<u64>, HashSet<String>) = {
        let seen = seen.lock().map_err(|_| "receiver state poisoned")?;
        let created = created.lock().map_err(|_| "created set poisoned")?;
        let mut latencies = Vec::new();
        let mut ids = HashSet::new();
        for (id, ms) in &seen.deliveries {
            if created.contains(id) && ids.insert(id.clone()) {
                // percentile() takes microseconds.
                latencies.push((*ms).max(0) as u64 * 1000);
            }
        }
        (latencies, ids)
    };
    latencies.sort_unstable();
    let duplicates = seen
        .lock()
        .map(|s| s.deliveries.len())
        .unwrap_or(0)
        .saturating_sub(ids.len());
    println!(
        "created {expected} users in {:.1} s ({:.0}/s), {} failed requests",
        window.as_secs_f64(),
        expected as f64 / window.as_secs_f64(),
        failures.load(std::sync::atomic::Ordering::Relaxed)
    );
    println!(
        "delivered {} of {expected} ({} during the window, {:.0}/s), {duplicates} duplicates, {} missing after {:.1} s",
        ids.len(),
        delivered_in_window,
        delivered_in_window as f64 / window.as_secs_f64(),
        expected.saturating_sub(ids.len()),
        drained.as_secs_f64()
    );
    println!("backlog at the end of the window: {at_end}");
    if !latencies.is_empty() {
        println!(
            "latency append -> receiver (ms): p50 {:.0}  p90 {:.0}  p99 {:.0}  max {}",
            percentile(&latencies, 0.50),
            percentile(&latencies, 0.90),
            percentile(&latencies, 0.99),
            latencies.last().copied().unwrap_or(0) / 1000
        );
    }
    Ok(())
}
