//! `GET /api/logs` on a large audit read model.
//!
//! Two steps, so the (long) seed and the measurement can run at different times:
//!
//! ```text
//! # 1. seed N audit rows into a store (SQLite data dir, or a Postgres database)
//! logs_list seed --data-dir /tmp/logs-sqlite [--database-url postgres://…] --events 10000000
//! # 2. start `tessera serve` on that store, then measure against it
//! logs_list measure --url http://127.0.0.1:3001 --client-id ID --client-secret SECRET \
//!     [--requests 400] [--connections 4]
//! ```
//!
//! The seed does not go through the event log: it builds synthetic events (sign-ins and
//! their failures, code exchanges, refreshes, client-credentials tokens, revocations,
//! management operations over 200k users and 50 applications, spread over 30 days) and
//! hands them to the audit projector's own `apply_batch`, so the rows, the stream
//! contexts and the indexes are exactly what the projector writes, without the hours of
//! appending 10M events and running every other projector. The log stays empty, so a
//! server started on the store has nothing to catch up.
//!
//! The measurement sends, per scenario, `--requests` requests over `--connections`
//! connections, each a different random window or user, and prints p50/p95.

use domain::{Actor, EventMetadata, Timestamp};
use projections::audit::AuditProjector;
use projections::Projector;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;
use store::{Position, RecordedEvent, Store, StoreConfig, StreamRef};
use tessera_bench::{form_body, loopback_only, percentile, MANAGEMENT_API};
use uuid::Uuid;

const USERS: u64 = 200_000;
const APPS: u64 = 50;
const SPAN_MS: i64 = 30 * 86_400_000;
const BATCH: usize = 10_000;

fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn number(args: &[String], name: &str, default: u64) -> Result<u64, String> {
    match flag(args, name) {
        None => Ok(default),
        Some(v) => v.parse().map_err(|_| format!("{name} needs a number")),
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match args.first().map(String::as_str) {
        Some("seed") => seed(&args).await,
        Some("measure") => measure(&args).await,
        _ => Err("usage: logs_list seed … | logs_list measure … (see the file's header)".into()),
    };
    if let Err(e) = outcome {
        eprintln!("logs_list: {e}");
        std::process::exit(2);
    }
}

/// A small deterministic generator (xorshift), so a seed is reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn user(n: u64) -> String {
    format!("user{n:017}")
}

fn app(n: u64) -> String {
    format!("app{n:018}")
}

/// Builds the synthetic history, event by event.
struct Generator {
    rng: Rng,
    position: u64,
    start_ms: i64,
    total: u64,
    /// Recent grants and their stream versions, to refresh and revoke.
    grants: Vec<(String, u64)>,
}

impl Generator {
    fn event(
        &mut self,
        stream: (&str, &str),
        version: u64,
        event_type: &str,
        payload: Value,
        actor: Actor,
    ) -> RecordedEvent {
        self.position += 1;
        let at = self.start_ms + (self.position as i64) * SPAN_MS / (self.total as i64).max(1);
        let ip = format!(
            "10.{}.{}.{}",
            self.rng.below(256),
            self.rng.below(256),
            self.rng.below(256)
        );
        RecordedEvent {
            event_id: Uuid::now_v7(),
            position: Position(self.position),
            stream: StreamRef::new(stream.0, stream.1),
            stream_version: version,
            event_type: event_type.into(),
            schema_version: 1,
            payload: std::sync::Arc::new(payload),
            metadata: EventMetadata {
                occurred_at: Timestamp::from_millis(at),
                actor,
                correlation_id: Uuid::now_v7().to_string(),
                client_ip: Some(ip),
                user_agent: Some("Mozilla/5.0 (X11; Linux x86_64) bench".into()),
                request: None,
            },
        }
    }

    /// The next scenario's events (1 to 3).
    fn next(&mut self, out: &mut Vec<RecordedEvent>) {
        let u = user(self.rng.below(USERS));
        let a = app(self.rng.below(APPS));
        let as_user = Actor::User(u.clone());
        let as_app = Actor::Application(a.clone());
        match self.rng.below(20) {
            0..=3 => {
                let session = Uuid::now_v7().simple().to_string();
                let grant = Uuid::now_v7().simple().to_string();
                let payload = json!({"userId": u, "clientId": a, "authTime": 0, "expiresAt": 0});
                out.push(self.event(
                    ("session", &session),
                    1,
                    "SignedIn",
                    payload,
                    as_user.clone(),
                ));
                let issued =
                    json!({"userId": u, "clientId": a, "sessionId": session, "scopes": ["openid"]});
                out.push(self.event(("grant", &grant), 1, "GrantIssued", issued, as_user));
                out.push(self.event(
                    ("grant", &grant),
                    2,
                    "AuthorizationCodeRedeemed",
                    json!({}),
                    as_app,
                ));
                if self.grants.len() < 20_000 {
                    self.grants.push((grant, 2));
                } else {
                    let i = self.rng.below(self.grants.len() as u64) as usize;
                    self.grants[i] = (grant, 2);
                }
            }
            4 => {
                let session = Uuid::now_v7().simple().to_string();
                let payload = json!({"reason": "wrongPassword", "userId": u, "clientId": a});
                out.push(self.event(
                    ("session", &session),
                    1,
                    "SignInFailed",
                    payload,
                    Actor::System,
                ));
            }
            5..=9 if !self.grants.is_empty() => {
                let i = self.rng.below(self.grants.len() as u64) as usize;
                self.grants[i].1 += 1;
                let (grant, version) = self.grants[i].clone();
                out.push(self.event(
                    ("grant", &grant),
                    version,
                    "RefreshTokenRotated",
                    json!({}),
                    as_app,
                ));
            }
            10 if !self.grants.is_empty() => {
                let i = self.rng.below(self.grants.len() as u64) as usize;
                let (grant, version) = self.grants.swap_remove(i);
                let payload = json!({"reason": "clientRevoked"});
                out.push(self.event(
                    ("grant", &grant),
                    version + 1,
                    "GrantRevoked",
                    payload,
                    as_app,
                ));
            }
            11 => {
                let payload = json!({"roleIds": ["role00000000000000001"]});
                out.push(self.event(("user", &u), 2, "UserRolesAssigned", payload, as_app));
            }
            _ => {
                let token = Uuid::now_v7().simple().to_string();
                let payload = json!({"applicationId": a, "resource": MANAGEMENT_API, "scopes": ["all"], "expiresAt": 0});
                out.push(self.event(
                    ("client-credentials", &token),
                    1,
                    "ClientCredentialsGranted",
                    payload,
                    as_app,
                ));
            }
        }
    }
}

async fn seed(args: &[String]) -> Result<(), String> {
    let data_dir = flag(args, "--data-dir").ok_or("--data-dir is required")?;
    let total = number(args, "--events", 10_000_000)?;
    let config = StoreConfig {
        data_dir: data_dir.into(),
        database_url: flag(args, "--database-url"),
        kek: None,
    };
    let store = Store::connect(&config).await.map_err(|e| e.to_string())?;
    let projector = AuditProjector;
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_millis() as i64;
    let mut generator = Generator {
        rng: Rng(0x9E37_79B9_7F4A_7C15),
        position: 0,
        start_ms: now_ms - SPAN_MS,
        total,
        grants: Vec::new(),
    };
    let started = Instant::now();
    let mut events = Vec::with_capacity(BATCH + 3);
    let mut done = 0u64;
    let mut next_report = 0u64;
    while done < total {
        events.clear();
        while events.len() < BATCH && done + (events.len() as u64) < total {
            generator.next(&mut events);
        }
        let mut tx = store.read_pool.begin().await.map_err(|e| e.to_string())?;
        projector
            .apply_batch(&mut tx, &events)
            .await
            .map_err(|e| e.to_string())?;
        tx.commit().await.map_err(|e| e.to_string())?;
        done += events.len() as u64;
        if done >= next_report {
            let secs = started.elapsed().as_secs_f64();
            println!("{done} rows, {:.0} rows/s", done as f64 / secs);
            next_report += 500_000;
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "seeded {done} audit rows in {secs:.0} s ({:.0} rows/s); time range {} .. {} ms",
        done as f64 / secs,
        generator.start_ms,
        generator.start_ms + SPAN_MS
    );
    store.close().await;
    Ok(())
}

async fn management_token(
    http: &reqwest::Client,
    url: &str,
    id: &str,
    secret: &str,
) -> Result<String, String> {
    let body = form_body(&[
        ("grant_type", "client_credentials"),
        ("resource", MANAGEMENT_API),
        ("scope", "all"),
    ]);
    let r = http
        .post(format!("{url}/oidc/token"))
        .basic_auth(id, Some(secret))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let v: Value = r.json().await.map_err(|e| e.to_string())?;
    v["access_token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("no token: {v}"))
}

/// The seeded time range: `SPAN_MS` up to the newest entry.
async fn range(http: &reqwest::Client, url: &str, token: &str) -> Result<(i64, i64), String> {
    let v: Value = http
        .get(format!("{url}/api/logs?page_size=1&enableCap=true"))
        .bearer_auth(token)
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let newest = v[0]["createdAt"]
        .as_i64()
        .ok_or_else(|| format!("empty log: {v}"))?;
    Ok((newest - SPAN_MS, newest))
}

/// Builds one request's query string from the driver's random source.
type QueryMaker = Box<dyn Fn(&mut Rng) -> String + Send + Sync>;

async fn measure(args: &[String]) -> Result<(), String> {
    let url = flag(args, "--url").unwrap_or_else(|| "http://127.0.0.1:3001".into());
    loopback_only(&url)?;
    let id = flag(args, "--client-id").ok_or("--client-id is required")?;
    let secret = flag(args, "--client-secret").ok_or("--client-secret is required")?;
    let requests = number(args, "--requests", 400)?.clamp(10, 100_000);
    let connections = number(args, "--connections", 4)?.clamp(1, 64);
    let http = reqwest::Client::new();
    let token = management_token(&http, &url, &id, &secret).await?;
    let (oldest, newest) = range(&http, &url, &token).await?;
    let hour = 3_600_000;
    let scenarios: Vec<(&str, QueryMaker)> = vec![
        (
            "1-hour window, exact Total-Number",
            Box::new(move |r: &mut Rng| {
                let start = oldest + r.below((newest - oldest - hour) as u64) as i64;
                format!("start_time={start}&end_time={}", start + hour)
            }),
        ),
        (
            "1-day window, enableCap=true",
            Box::new(move |r: &mut Rng| {
                let start = oldest + r.below((newest - oldest - 24 * hour) as u64) as i64;
                format!(
                    "start_time={start}&end_time={}&enableCap=true",
                    start + 24 * hour
                )
            }),
        ),
        (
            "1-day window, exact Total-Number",
            Box::new(move |r: &mut Rng| {
                let start = oldest + r.below((newest - oldest - 24 * hour) as u64) as i64;
                format!("start_time={start}&end_time={}", start + 24 * hour)
            }),
        ),
        (
            "1-day window, cursor (no count)",
            Box::new(move |r: &mut Rng| {
                let start = oldest + r.below((newest - oldest - 24 * hour) as u64) as i64;
                format!("start_time={start}&end_time={}&cursor=", start + 24 * hour)
            }),
        ),
        (
            "userId, exact Total-Number",
            Box::new(|r: &mut Rng| format!("userId={}", user(r.below(USERS)))),
        ),
        (
            "userId + 7-day window",
            Box::new(move |r: &mut Rng| {
                let start = oldest + r.below((newest - oldest - 168 * hour) as u64) as i64;
                format!(
                    "userId={}&start_time={start}&end_time={}",
                    user(r.below(USERS)),
                    start + 168 * hour
                )
            }),
        ),
    ];
    println!("| query | requests | conns | p50 ms | p95 ms | max ms | rows/page |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (label, make) in scenarios {
        let make = Arc::new(make);
        let counter = Arc::new(AtomicU64::new(0));
        let rows = Arc::new(AtomicU64::new(0));
        let mut tasks = Vec::new();
        for c in 0..connections {
            let (http, url, token) = (http.clone(), url.clone(), token.clone());
            let (make, counter, rows) = (make.clone(), counter.clone(), rows.clone());
            tasks.push(tokio::spawn(async move {
                let mut rng = Rng(0xA5A5_5A5A_1234_5678 ^ (c + 1).wrapping_mul(0x9E37_79B9));
                let mut latencies = Vec::new();
                while counter.fetch_add(1, Ordering::Relaxed) < requests {
                    let query = make(&mut rng);
                    let t = Instant::now();
                    let r = http
                        .get(format!("{url}/api/logs?{query}"))
                        .bearer_auth(&token)
                        .send()
                        .await
                        .map_err(|e| e.to_string())?;
                    let status = r.status();
                    let body: Value = r.json().await.map_err(|e| e.to_string())?;
                    latencies.push(t.elapsed().as_micros() as u64);
                    if !status.is_success() {
                        return Err(format!("{query}: {status} {body}"));
                    }
                    rows.fetch_add(
                        body.as_array().map_or(0, Vec::len) as u64,
                        Ordering::Relaxed,
                    );
                }
                Ok::<_, String>(latencies)
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.map_err(|e| e.to_string())??);
        }
        all.sort_unstable();
        println!(
            "| {label} | {} | {connections} | {:.1} | {:.1} | {:.1} | {:.1} |",
            all.len(),
            percentile(&all, 0.50),
            percentile(&all, 0.95),
            percentile(&all, 1.0),
            rows.load(Ordering::Relaxed) as f64 / all.len().max(1) as f64
        );
    }
    Ok(())
}
