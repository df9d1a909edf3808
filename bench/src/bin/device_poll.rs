//! Load driver for a running `tessera serve`: device-code polling (RFC 8628) with many
//! devices waiting for their users, none of whom ever approves.
//!
//! ```text
//! device_poll --url http://127.0.0.1:3001 --client-id ID [--devices 1000] [--interval 5] \
//!     [--seconds 30] [--server-pid PID] [--database-url postgres://…]
//! ```
//!
//! Each device first asks `POST /oidc/device/auth`, then polls the token endpoint every
//! `--interval` seconds (0: back to back, so most answers are `slow_down`). After a 2 s
//! warm-up the driver counts answers and latencies for `--seconds`, and reports what the
//! server did meanwhile: the events it appended (`tessera_events_appended_total` from
//! `/metrics`; a poll must append none), its CPU time (`/proc/<pid>/stat`, with
//! `--server-pid`), and on Postgres the rows the database inserted, updated or deleted
//! (`pg_stat_database`, with `--database-url`). Loopback only.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tessera_bench::{form_body, loopback_only, percentile, WARMUP};
use tokio::sync::Mutex;

struct Args {
    url: String,
    client_id: String,
    devices: usize,
    interval: u64,
    seconds: u64,
    server_pid: Option<u32>,
    database_url: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        url: "http://127.0.0.1:3001".into(),
        client_id: String::new(),
        devices: 1000,
        interval: 5,
        seconds: 30,
        server_pid: None,
        database_url: None,
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
            "--devices" => args.devices = number(&value)?.clamp(1, 20_000) as usize,
            "--interval" => args.interval = number(&value)?.min(60),
            "--seconds" => args.seconds = number(&value)?.clamp(1, 600),
            "--server-pid" => args.server_pid = Some(number(&value)? as u32),
            "--database-url" => args.database_url = Some(value),
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    if args.client_id.is_empty() {
        return Err("--client-id (a device-flow application) is required".into());
    }
    Ok(args)
}

/// The server's user + system CPU time, in clock ticks (`/proc/<pid>/stat` fields 14, 15).
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces; the fields after it are plain.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

/// `tessera_events_appended_total` as `/metrics` reports it.
async fn events_appended(client: &reqwest::Client, url: &str) -> Result<f64, String> {
    let text = client
        .get(format!("{url}/metrics"))
        .send()
        .await
        .map_err(|e| e.to_string())?
        .text()
        .await
        .map_err(|e| e.to_string())?;
    text.lines()
        .find_map(|l| l.strip_prefix("tessera_events_appended_total "))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| "no tessera_events_appended_total in /metrics".into())
}

/// Rows inserted, updated and deleted in the current database (Postgres statistics).
async fn rows_written(database_url: &str) -> Result<i64, String> {
    let pool = sqlx::postgres::PgPool::connect(database_url)
        .await
        .map_err(|e| e.to_string())?;
    let (n,): (i64,) = sqlx::query_as(
        "SELECT (tup_inserted + tup_updated + tup_deleted)::BIGINT FROM pg_stat_database \
         WHERE datname = current_database()",
    )
    .fetch_one(&pool)
    .await
    .map_err(|e| e.to_string())?;
    pool.close().await;
    Ok(n)
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let args = parse_args()?;
    loopback_only(&args.url)?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .map_err(|e| e.to_string())?;

    // The devices ask (sequentially: the limit is per address, and this is setup).
    let mut codes = Vec::with_capacity(args.devices);
    for _ in 0..args.devices {
        let body: serde_json::Value = client
            .post(format!("{}/oidc/device/auth", args.url))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form_body(&[
                ("client_id", &args.client_id),
                ("scope", "openid"),
            ]))
            .send()
            .await
            .map_err(|e| e.to_string())?
            .json()
            .await
            .map_err(|e| e.to_string())?;
        let code = body["device_code"]
            .as_str()
            .ok_or(format!("no device_code: {body}"))?;
        codes.push(code.to_owned());
    }

    let answers: Arc<Mutex<HashMap<String, u64>>> = Arc::default();
    let start = Instant::now();
    let measure_from = start + WARMUP;
    let end = measure_from + Duration::from_secs(args.seconds);
    let interval = Duration::from_secs(args.interval);
    let token_url = format!("{}/oidc/token", args.url);
    let mut tasks = Vec::new();
    for (i, code) in codes.into_iter().enumerate() {
        let (client, url, answers) = (client.clone(), token_url.clone(), answers.clone());
        let form = form_body(&[
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("client_id", &args.client_id),
            ("device_code", &code),
        ]);
        // Spread the devices' first polls over one interval.
        let offset = interval.mul_f64(i as f64 / args.devices as f64);
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep(offset).await;
            let mut latencies: Vec<u64> = Vec::new();
            let mut seen: HashMap<String, u64> = HashMap::new();
            loop {
                let now = Instant::now();
                if now >= end {
                    break;
                }
                let answer = match client
                    .post(&url)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(form.clone())
                    .send()
                    .await
                {
                    Ok(r) => r
                        .json::<serde_json::Value>()
                        .await
                        .ok()
                        .and_then(|b| b["error"].as_str().map(str::to_owned))
                        .unwrap_or_else(|| "other".into()),
                    Err(_) => "transport".into(),
                };
                let done = Instant::now();
                if now >= measure_from {
                    latencies.push(done.duration_since(now).as_micros() as u64);
                    *seen.entry(answer).or_default() += 1;
                }
                if let Some(rest) = interval.checked_sub(done.duration_since(now)) {
                    tokio::time::sleep(rest).await;
                }
            }
            let mut all = answers.lock().await;
            for (k, v) in seen {
                *all.entry(k).or_default() += v;
            }
            latencies
        }));
    }

    // What the server did over the measured window only.
    tokio::time::sleep_until(measure_from.into()).await;
    let events_before = events_appended(&client, &args.url).await?;
    let cpu_before = args.server_pid.and_then(cpu_ticks);
    let rows_before = match &args.database_url {
        Some(u) => Some(rows_written(u).await?),
        None => None,
    };
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.map_err(|e| e.to_string())?);
    }
    let elapsed = Instant::now()
        .duration_since(measure_from)
        .as_secs_f64()
        .max(0.001);
    let cpu_after = args.server_pid.and_then(cpu_ticks);
    let events_after = events_appended(&client, &args.url).await?;
    // Postgres flushes its statistics within a second or so of a transaction's end.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rows_after = match &args.database_url {
        Some(u) => Some(rows_written(u).await?),
        None => None,
    };
    all.sort_unstable();
    let polls = all.len() as f64;
    let answers = answers.lock().await;
    let cpu = match (cpu_before, cpu_after) {
        // Linux reports CPU in clock ticks of 1/100 s (USER_HZ).
        (Some(b), Some(a)) => format!(
            " server_cpu_s={:.2} server_cpu_pct={:.0} server_cpu_us_per_poll={:.0}",
            (a - b) as f64 / 100.0,
            (a - b) as f64 / elapsed,
            (a - b) as f64 * 10_000.0 / polls.max(1.0)
        ),
        _ => String::new(),
    };
    let rows = match (rows_before, rows_after) {
        (Some(b), Some(a)) => format!(" db_rows_written={}", a - b),
        _ => String::new(),
    };
    println!(
        "devices={} interval_s={} polls={} seconds={:.2} polls/s={:.0} p50_ms={:.2} p99_ms={:.2} \
         answers={:?} events_appended={}{cpu}{rows}",
        args.devices,
        args.interval,
        all.len(),
        elapsed,
        polls / elapsed,
        percentile(&all, 0.50),
        percentile(&all, 0.99),
        *answers,
        events_after - events_before,
    );
    Ok(())
}
