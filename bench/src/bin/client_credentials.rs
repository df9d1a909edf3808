//! Load driver for a running `tessera serve`: client-credentials tokens for an API
//! resource (each a signed JWT and a durably appended grant event), token exchanges
//! (RFC 8693: a personal access token traded for a signed JWT of its user, each a grant
//! of two events), or discovery.
//!
//! ```text
//! client_credentials --url http://127.0.0.1:3001 --client-id ID --client-secret SECRET \
//!     [--mode token|exchange|discovery] [--connections 32] [--seconds 20] [--max-requests 400000]
//! ```
//!
//! `exchange` first sets itself up through the Management API with the given M2M client
//! (a user, a personal access token, an application allowed to exchange), then exchanges
//! the token for a JWT for the Management API resource, over and over (a personal access
//! token is not consumed).
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
    if !matches!(args.mode.as_str(), "token" | "exchange" | "discovery") {
        return Err("--mode is token, exchange or discovery".into());
    }
    if args.mode != "discovery" && (args.client_id.is_empty() || args.client_secret.is_empty()) {
        return Err("--client-id and --client-secret are required but for --mode discovery".into());
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
        "discovery" => format!("{}/oidc/.well-known/openid-configuration", args.url),
        _ => format!("{}/oidc/token", args.url),
    };
    let cc_form = form_body(&[
        ("grant_type", "client_credentials"),
        ("resource", RESOURCE),
        ("scope", "all"),
    ]);
    let (form, client_id, client_secret) = if args.mode == "exchange" {
        let management = Management::connect(&client, &args, &cc_form).await?;
        let (id, secret, pat) = management.exchange_setup().await?;
        let form = form_body(&[
            (
                "grant_type",
                "urn:ietf:params:oauth:grant-type:token-exchange",
            ),
            ("subject_token", &pat),
            (
                "subject_token_type",
                "urn:logto:token-type:personal_access_token",
            ),
            ("resource", RESOURCE),
            ("scope", "all"),
        ]);
        (form, id, secret)
    } else {
        (cc_form, args.client_id.clone(), args.client_secret.clone())
    };
    let sent = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let measure_from = start + WARMUP;
    let end = measure_from + Duration::from_secs(args.seconds);
    let mut tasks = Vec::new();
    for _ in 0..args.connections {
        let (client, url, form) = (client.clone(), url.clone(), form.clone());
        let (sent, errors) = (sent.clone(), errors.clone());
        let (mode, id, secret) = (args.mode.clone(), client_id.clone(), client_secret.clone());
        let max = args.max_requests;
        tasks.push(tokio::spawn(async move {
            let mut latencies: Vec<u64> = Vec::with_capacity(100_000);
            loop {
                let now = Instant::now();
                if now >= end || sent.load(Ordering::Relaxed) >= max {
                    break;
                }
                let request = if mode != "discovery" {
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

/// The Management API as the benchmark's M2M client, for the exchange's setup.
struct Management<'a> {
    client: &'a reqwest::Client,
    url: &'a str,
    token: String,
}

impl<'a> Management<'a> {
    async fn connect(
        client: &'a reqwest::Client,
        args: &'a Args,
        cc_form: &str,
    ) -> Result<Self, String> {
        let answer: serde_json::Value = client
            .post(format!("{}/oidc/token", args.url))
            .basic_auth(&args.client_id, Some(&args.client_secret))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(cc_form.to_owned())
            .send()
            .await
            .map_err(|e| e.to_string())?
            .json()
            .await
            .map_err(|e| e.to_string())?;
        let token = answer["access_token"]
            .as_str()
            .ok_or(format!("no Management token: {answer}"))?
            .to_owned();
        Ok(Self {
            client,
            url: &args.url,
            token,
        })
    }

    async fn post(&self, path: &str, body: serde_json::Value) -> Result<serde_json::Value, String> {
        let r = self
            .client
            .post(format!("{}{path}", self.url))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = r.status();
        let body: serde_json::Value = r.json().await.map_err(|e| e.to_string())?;
        if !status.is_success() {
            return Err(format!("POST {path}: {status} {body}"));
        }
        Ok(body)
    }

    /// A user with a personal access token, and an application allowed to exchange:
    /// `(client id, client secret, personal access token)`.
    async fn exchange_setup(&self) -> Result<(String, String, String), String> {
        let tag = std::process::id();
        let user = self
            .post(
                "/api/users",
                serde_json::json!({"username": format!("bench{tag}")}),
            )
            .await?;
        let user_id = user["id"].as_str().ok_or("no user id")?;
        let pat = self
            .post(
                &format!("/api/users/{user_id}/personal-access-tokens"),
                serde_json::json!({"name": "bench"}),
            )
            .await?;
        let app = self
            .post(
                "/api/applications",
                serde_json::json!({
                    "name": "bench exchanger",
                    "type": "Traditional",
                    "oidcClientMetadata": {"redirectUris": ["https://bench.example/cb"], "postLogoutRedirectUris": []},
                    "customClientMetadata": {"allowTokenExchange": true},
                }),
            )
            .await?;
        let text = |v: &serde_json::Value, k: &str| {
            v[k].as_str()
                .map(str::to_owned)
                .ok_or(format!("no {k}: {v}"))
        };
        Ok((
            text(&app, "id")?,
            text(&app, "secret")?,
            text(&pat, "value")?,
        ))
    }
}
