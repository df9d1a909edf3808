//! `GET /api/users?page_size=20&search=<term>` latency on a store holding N users.
//!
//! ```text
//! cargo build --release --bin tessera -p tessera-bench --bin users_list
//! target/release/users_list --backend sqlite|postgres [--users 1000000] \
//!     [--requests 300] [--tessera target/release/tessera]
//! ```
//!
//! 1. Seeds the log: one `UserCreated` per user, appended in large batches through the
//!    store (the real write path below the API: sealed personal data, data keys, group
//!    commit), not rows written into the read model.
//! 2. Starts `tessera serve` on that store (SQLite in a temporary directory; Postgres in a
//!    fresh database on `TESSERA_TEST_DATABASE_URL`), which projects the log from zero, and
//!    waits until every projector has caught up.
//! 3. Obtains a Management API token by client credentials and sends `--requests` list
//!    requests one after another, each with a different search term, then the same number
//!    without a search; prints p50/p95/max per kind.

use domain::user::{User, UserCreated, UserDetailsFields, UserEvent};
use domain::{EventMetadata, Timestamp};
use serde_json::{json, Map, Value};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use store::{AppendBatch, ExpectedVersion, Repository, Store, StoreConfig};
use tessera_bench::{encode, form_body, percentile, MANAGEMENT_API};

const BATCH_USERS: usize = 5_000;
const BASE_MS: i64 = 1_700_000_000_000;
const ADMIN_ID: &str = "bench-admin";
const ADMIN_SECRET: &str = "bench-admin-secret-0123456789abcdefghijkl";
/// Surnames for `name`: a search for one matches about 1 user in 50.
const SURNAMES: &[&str] = &[
    "Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans", "Thomas", "Roberts", "Walker",
    "Wright", "Robinson", "Thompson", "White", "Hughes", "Edwards", "Green", "Hall", "Wood",
    "Harris", "Lewis", "Martin", "Jackson", "Clarke", "Clark", "Turner", "Hill", "Scott", "Cooper",
    "Morris", "Ward", "Moore", "King", "Watson", "Baker", "Harrison", "Morgan", "Patel", "Young",
    "Allen", "Mitchell", "James", "Anderson", "Phillips", "Lee", "Bell", "Parker", "Davis",
    "Miller", "Garcia", "Lopez",
];

struct Args {
    backend: String,
    users: usize,
    requests: usize,
    tessera: String,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        backend: "sqlite".into(),
        users: 1_000_000,
        requests: 300,
        tessera: "target/release/tessera".into(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        let number = || {
            value
                .parse::<usize>()
                .map_err(|_| format!("{flag}: not a number"))
        };
        match flag.as_str() {
            "--backend" => args.backend = value.clone(),
            "--users" => args.users = number()?,
            "--requests" => args.requests = number()?,
            "--tessera" => args.tessera = value.clone(),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

fn created(i: usize) -> UserEvent {
    let surname = SURNAMES[i % SURNAMES.len()];
    let mut profile = Map::new();
    profile.insert("locale".into(), json!("en"));
    UserEvent::UserCreated(UserCreated {
        details: UserDetailsFields {
            username: Some(format!("user{i}")),
            primary_email: Some(format!("user{i}@example.com")),
            primary_phone: i.is_multiple_of(2).then(|| format!("1555{i:07}")),
            name: Some(format!("Person{i} {surname}")),
            avatar: None,
            profile: Some(profile),
        },
        custom_data: Some(Map::new()),
        password: None,
        application_id: None,
    })
}

/// Stream ids in Logto's id alphabet (21 lowercase alphanumerics).
fn user_id(i: usize) -> String {
    format!("bench{i:016}")
}

async fn seed(store: &Store, users: usize) -> Result<(), Box<dyn std::error::Error>> {
    let repo = store.repository();
    let started = Instant::now();
    let mut appended = 0usize;
    for start in (0..users).step_by(BATCH_USERS) {
        let mut batch = AppendBatch::default();
        for i in start..(start + BATCH_USERS).min(users) {
            let at = Timestamp::from_millis(BASE_MS + i as i64 * 1_000);
            batch.streams.push(Repository::stage::<User>(
                &user_id(i),
                ExpectedVersion::at(0),
                &[created(i)],
                &EventMetadata::system(at, "bench"),
            ));
        }
        appended += repo.append(batch).await?.events.len();
        if appended % 100_000 < BATCH_USERS {
            eprintln!(
                "seeded {appended} users ({:.0}/s)",
                appended as f64 / started.elapsed().as_secs_f64()
            );
        }
    }
    Ok(())
}

/// A running `tessera serve`; killed when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(args: &Args, config: &StoreConfig) -> Result<Server, Box<dyn std::error::Error>> {
    let mut cmd = Command::new(&args.tessera);
    cmd.arg("serve")
        .env("TESSERA_BIND", "127.0.0.1:0")
        .env("TESSERA_DATA_DIR", &config.data_dir)
        .env("TESSERA_KEK", store::testing::TEST_KEK)
        .env("TESSERA_BOOTSTRAP_M2M_ID", ADMIN_ID)
        .env("TESSERA_BOOTSTRAP_M2M_SECRET", ADMIN_SECRET)
        .env("RUST_LOG", "warn")
        .env_remove("TESSERA_DATABASE_URL")
        .env_remove("TESSERA_AMQP_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if let Some(url) = &config.database_url {
        cmd.env("TESSERA_DATABASE_URL", url);
    }
    let mut child = cmd.spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let url = loop {
        let Some(line) = lines.next() else {
            return Err("tessera exited before listening".into());
        };
        let line = line?;
        if let Some(at) = line.find("http://") {
            break line[at..].trim().to_owned();
        }
    };
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    Ok(Server { child, url })
}

async fn token(http: &reqwest::Client, url: &str) -> Result<String, Box<dyn std::error::Error>> {
    let body = form_body(&[
        ("grant_type", "client_credentials"),
        ("resource", MANAGEMENT_API),
        ("scope", "all"),
    ]);
    let r = http
        .post(format!("{url}/oidc/token"))
        .basic_auth(ADMIN_ID, Some(ADMIN_SECRET))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await?;
    let v: Value = r.json().await?;
    Ok(v["access_token"]
        .as_str()
        .ok_or(format!("no token: {v}"))?
        .to_owned())
}

/// Waits until every projector's lag is zero (`/api/status/projections`).
async fn caught_up(
    http: &reqwest::Client,
    url: &str,
    bearer: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    loop {
        let v: Value = http
            .get(format!("{url}/api/status/projections"))
            .bearer_auth(bearer)
            .send()
            .await?
            .json()
            .await?;
        let lags: Vec<i64> = v["projectors"]
            .as_array()
            .map(|a| a.iter().filter_map(|p| p["lag"].as_i64()).collect())
            .unwrap_or_default();
        if !lags.is_empty() && lags.iter().all(|l| *l == 0) {
            eprintln!(
                "projections caught up in {:.0} s",
                started.elapsed().as_secs_f64()
            );
            return Ok(());
        }
        eprintln!("projection lag {:?}", lags.iter().max());
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
}

/// Sends `queries` one after another; latencies in µs, sorted, and the last Total-Number.
async fn measure(
    http: &reqwest::Client,
    url: &str,
    bearer: &str,
    queries: &[String],
) -> Result<(Vec<u64>, String), Box<dyn std::error::Error>> {
    let mut latencies = Vec::with_capacity(queries.len());
    let mut total = String::new();
    for q in queries {
        let started = Instant::now();
        let r = http
            .get(format!("{url}/api/users?{q}"))
            .bearer_auth(bearer)
            .send()
            .await?;
        let status = r.status();
        total = r
            .headers()
            .get("total-number")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = r.bytes().await?;
        latencies.push(started.elapsed().as_micros() as u64);
        if !status.is_success() {
            return Err(format!("{q}: {status} {}", String::from_utf8_lossy(&body)).into());
        }
    }
    latencies.sort_unstable();
    Ok((latencies, total))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = parse_args()?;
    let dir = tempfile::tempdir()?;
    let config = match args.backend.as_str() {
        "sqlite" => store::testing::sqlite_config(dir.path()),
        "postgres" => store::testing::postgres_config(dir.path())
            .await
            .ok_or("Postgres unreachable")?,
        other => return Err(format!("unknown backend {other}").into()),
    };
    let store = Store::connect(&config).await?;
    let started = Instant::now();
    seed(&store, args.users).await?;
    let seed_secs = started.elapsed().as_secs_f64();
    store.close().await;

    let server = serve(&args, &config)?;
    let http = reqwest::Client::new();
    let bearer = token(&http, &server.url).await?;
    let started = Instant::now();
    caught_up(&http, &server.url, &bearer).await?;
    let project_secs = started.elapsed().as_secs_f64();
    if let Some(url) = &config.database_url {
        // Autovacuum analyzes a table within a minute or so of a bulk load and folds the GIN
        // pending lists into the trigram indexes; without it the planner has no statistics
        // for the fresh rows. Forced here so the figure does not depend on its timing.
        let started = Instant::now();
        let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(url).await?;
        sqlx::query("VACUUM (ANALYZE) users")
            .execute(&mut conn)
            .await?;
        eprintln!(
            "VACUUM (ANALYZE) users in {:.0} s",
            started.elapsed().as_secs_f64()
        );
    }
    // Tokens live an hour; take a fresh one for the measurement.
    let bearer = token(&http, &server.url).await?;

    let n = args.requests;
    let step = (args.users / n.max(1)).max(1);
    let kinds: Vec<(&str, Vec<String>)> = vec![
        // A term that names one user (the typical admin lookup): `%user123457%`.
        (
            "search one user",
            (0..n)
                .map(|k| {
                    format!(
                        "page_size=20&search={}",
                        encode(&format!("%user{}%", k * step + 7))
                    )
                })
                .collect(),
        ),
        // A term that matches ~2% of all users (a surname), first page of many.
        (
            "search 2% of users",
            (0..n)
                .map(|k| {
                    let s = SURNAMES[k % SURNAMES.len()].to_lowercase();
                    format!("page_size=20&search={}", encode(&format!("%{s}%")))
                })
                .collect(),
        ),
        (
            "no search",
            (0..n)
                .map(|k| format!("page_size=20&page={}", k % 50 + 1))
                .collect(),
        ),
    ];
    println!(
        "backend={} users={} seed_seconds={seed_secs:.0} projection_catch_up_seconds={project_secs:.0}",
        args.backend, args.users
    );
    for (kind, queries) in kinds {
        // One unmeasured pass over a few queries warms connections and caches.
        measure(
            &http,
            &server.url,
            &bearer,
            &queries[..queries.len().min(10)],
        )
        .await?;
        let (lat, total) = measure(&http, &server.url, &bearer, &queries).await?;
        println!(
            "backend={} kind=\"{kind}\" requests={} p50_ms={:.1} p95_ms={:.1} max_ms={:.1} last_total={total}",
            args.backend,
            lat.len(),
            percentile(&lat, 0.50),
            percentile(&lat, 0.95),
            percentile(&lat, 1.0),
        );
    }
    drop(server);
    Ok(())
}
