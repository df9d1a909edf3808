//! Load driver for a running `tessera serve`: client-credentials tokens for an API
//! resource (each a signed JWT and a durably appended grant event), or discovery.
//!
//! ```text
//! client_credentials --url http://127.0.0.1:3001 --client-id ID --client-secret SECRET \
//!     [--mode token|discovery] [--connections 32] [--seconds 20] [--max-requests 400000]
//! ```
//!
//! Loopback only (the server must be on this machine), bounded in count and time. Each of
//! the N connections sends requests back to back; after a 2 s warm-up, latencies are
//! recorded per request; the run ends at `--seconds` or `--max-requests`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tessera_bench::{form_body, loopback_only, percentile, MANAGEMENT_API as RESOURCE, WARMUP};

struct Args {
    url: String,
    client_id: String,
    client_secret: String,
    mode: String,
    connections: usize,
    seconds: u64,
    max_requests: u64,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        url: "http://127.0.0.1:3001".into(),
        client_id: String::new(),
        client_secret: String::new(),
        mode: "token".into(),
        connections: 32,
        seconds: 20,
        max_requests: 400_000,
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
            "--mode" => args.mode = value,
            "--connections" => args.connections = number(&value)?.clamp(1, 256) as usize,
            "--seconds" => args.seconds = number(&value)?.clamp(1, 300),
            "--max-requests" => args.max_requests = number(&value)?.min(5_000_000),
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    if !matches!(args.mode.as_str(), "token" | "discovery") {
        return Err("--mode is token or discovery".into());
    }
    if args.mode == "token" && (args.client_id.is_empty() || args.client_secret.is_empty()) {
        return Err("--client-id and --client-secret are required for --mode token".into());
    }
    Ok(args)
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let args = parse_args()?;
    loopback_only(&args.url)?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.connections)
        .build()
        .map_err(|e| e.to_string())?;
    let url = match args.mode.as_str() {
        "token" => format!("{}/oidc/token", args.url),
        _ => format!("{}/oidc/.well-known/openid-configuration", args.url),
    };
    let form = form_body(&[
        ("grant_type", "client_credentials"),
        ("resource", RESOURCE),
        ("scope", "all"),
    ]);
    let sent = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let measure_from = start + WARMUP;
    let end = measure_from + Duration::from_secs(args.seconds);
    let mut tasks = Vec::new();
    for _ in 0..args.connections {
        let (client, url, form) = (client.clone(), url.clone(), form.clone());
        let (sent, errors) = (sent.clone(), errors.clone());
        let (mode, id, secret) = (
            args.mode.clone(),
            args.client_id.clone(),
            args.client_secret.clone(),
        );
        let max = args.max_requests;
        tasks.push(tokio::spawn(async move {
            let mut latencies: Vec<u64> = Vec::with_capacity(100_000);
            loop {
                let now = Instant::now();
                if now >= end || sent.load(Ordering::Relaxed) >= max {
                    break;
                }
                let request = if mode == "token" {
                    client
                        .post(&url)
                        .basic_auth(&id, Some(&secret))
                        .header("content-type", "application/x-www-form-urlencoded")
                        .body(form.clone())
                } else {
                    client.get(&url)
                };
                let ok = match request.send().await {
                    Ok(r) => {
                        let status = r.status();
                        r.bytes().await.is_ok() && status.is_success()
                    }
                    Err(_) => false,
                };
                let done = Instant::now();
                if now >= measure_from {
                    sent.fetch_add(1, Ordering::Relaxed);
                    if ok {
                        latencies.push(done.duration_since(now).as_micros() as u64);
                    } else {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.map_err(|e| e.to_string())?);
    }
    let elapsed = Instant::now()
        .duration_since(measure_from)
        .as_secs_f64()
        .max(0.001);
    all.sort_unstable();
    println!(
        "mode={} connections={} requests={} errors={} seconds={:.2} req/s={:.0} p50_ms={:.2} p99_ms={:.2}",
        args.mode,
        args.connections,
        all.len(),
        errors.load(Ordering::Relaxed),
        elapsed,
        all.len() as f64 / elapsed,
        percentile(&all, 0.50),
        percentile(&all, 0.99),
    );
    Ok(())
}
