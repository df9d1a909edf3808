//! Load driver for a running `tessera serve`: the `refresh_token` grant with rotation.
//!
//! ```text
//! refresh --url http://127.0.0.1:3001 --client-id ID --client-secret SECRET \
//!     [--mode plain|resource|both] [--users 32] [--seconds 20] [--max-requests 400000]
//! ```
//!
//! `--client-id`/`--client-secret` are an M2M application with Management API access (the
//! bootstrap one). Setup, through the Management API: an API resource with one scope, a
//! `User` role holding it, a Traditional application with a redirect URI, and `--users`
//! users holding the role. Each phase (`plain`, `resource`) then signs every user in once
//! through the hosted form (`/oidc/auth` with `scope=openid offline_access <scope>` and
//! `prompt=consent` → `/sign-in` with the CSRF token → the code → `authorization_code`
//! with PKCE), so every phase starts from fresh grants; then one loop per user refreshes
//! its own grant back to back, always with the token the previous refresh returned
//! (rotation). `plain` sends only the refresh token (opaque access token); `resource`
//! adds `resource=<indicator>` and the scope (RFC 9068 JWT access token).
//!
//! Loopback only, bounded in count and time: after a 2 s warm-up, latencies are recorded
//! per request until `--seconds` or `--max-requests`. Failures are counted by kind and the
//! first few are printed; a loop whose grant is refused (`invalid_grant`: e.g. revoked
//! after a rotated-out token was presented) stops and is reported as dead.

use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::redirect::Policy;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tessera_bench::{form_body, loopback_only, percentile, MANAGEMENT_API, WARMUP};

const CB: &str = "http://127.0.0.1:9/cb";
const PASSWORD: &str = "bench refresh password 0123";
/// RFC 7636 Appendix B.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const SCOPE: &str = "read:bench";
/// Throughput is also reported per bucket of this many seconds (grants grow as they are
/// refreshed, so a trend would show here).
const BUCKET_SECS: u64 = 5;
/// How many failure details are printed to stderr per phase.
const SHOWN_ERRORS: u64 = 5;

struct Args {
    url: String,
    client_id: String,
    client_secret: String,
    mode: String,
    users: usize,
    seconds: u64,
    max_requests: u64,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        url: "http://127.0.0.1:3001".into(),
        client_id: String::new(),
        client_secret: String::new(),
        mode: "both".into(),
        users: 32,
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
            "--url" => args.url = value.trim_end_matches('/').to_owned(),
            "--client-id" => args.client_id = value,
            "--client-secret" => args.client_secret = value,
            "--mode" => args.mode = value,
            "--users" | "--connections" => args.users = number(&value)?.clamp(1, 256) as usize,
            "--seconds" => args.seconds = number(&value)?.clamp(1, 300),
            "--max-requests" => args.max_requests = number(&value)?.min(5_000_000),
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    if !matches!(args.mode.as_str(), "plain" | "resource" | "both") {
        return Err("--mode is plain, resource or both".into());
    }
    if args.client_id.is_empty() || args.client_secret.is_empty() {
        return Err("--client-id and --client-secret (Management API access) are required".into());
    }
    Ok(args)
}

/// What setup created and each loop needs.
struct Setup {
    app_id: String,
    app_secret: String,
    indicator: String,
    usernames: Vec<String>,
}

/// A Management API client: bearer token, JSON in and out, failures as errors.
struct Management {
    client: reqwest::Client,
    url: String,
    token: String,
}

impl Management {
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &Value,
        expect: u16,
    ) -> Result<Value, String> {
        let response = self
            .client
            .request(method.clone(), format!("{}{path}", self.url))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .map_err(|e| format!("{method} {path}: {e}"))?;
        let status = response.status().as_u16();
        let text = response.text().await.map_err(|e| e.to_string())?;
        if status != expect {
            return Err(format!(
                "{method} {path}: {status} (expected {expect}): {text}"
            ));
        }
        Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn post(&self, path: &str, body: Value, expect: u16) -> Result<Value, String> {
        self.call(reqwest::Method::POST, path, &body, expect).await
    }
}

fn id_of(v: &Value) -> Result<String, String> {
    v["id"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("no id in {v}"))
}

fn browser() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .map_err(|e| e.to_string())
}

async fn management_token(
    client: &reqwest::Client,
    url: &str,
    id: &str,
    secret: &str,
) -> Result<String, String> {
    let response = client
        .post(format!("{url}/oidc/token"))
        .basic_auth(id, Some(secret))
        .form(&[
            ("grant_type", "client_credentials"),
            ("resource", MANAGEMENT_API),
            ("scope", "all"),
        ])
        .send()
        .await
        .map_err(|e| format!("management token: {e}"))?;
    let status = response.status();
    let body: Value = response.json().await.map_err(|e| e.to_string())?;
    body["access_token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("management token: {status} {body}"))
}

/// Creates the resource, scope, role, application and users (names unique to this run,
/// so the driver can run again against the same server).
async fn setup(args: &Args, client: &reqwest::Client) -> Result<Setup, String> {
    let token = management_token(client, &args.url, &args.client_id, &args.client_secret).await?;
    let api = Management {
        client: client.clone(),
        url: args.url.clone(),
        token,
    };
    let run = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_millis();
    let indicator = format!("https://bench-refresh-{run}.example/api");
    let resource = api
        .post(
            "/api/resources",
            json!({"name": format!("bench refresh {run}"), "indicator": indicator}),
            201,
        )
        .await?;
    let scope = api
        .post(
            &format!("/api/resources/{}/scopes", id_of(&resource)?),
            json!({"name": SCOPE}),
            201,
        )
        .await?;
    let role = api
        .post(
            "/api/roles",
            json!({"name": format!("bench-refresh-{run}"), "description": "refresh benchmark",
                   "type": "User", "scopeIds": [id_of(&scope)?]}),
            200,
        )
        .await?;
    let app = api
        .post(
            "/api/applications",
            json!({"name": format!("bench refresh {run}"), "type": "Traditional",
                   "oidcClientMetadata": {"redirectUris": [CB], "postLogoutRedirectUris": []}}),
            200,
        )
        .await?;
    let app_secret = app["secret"]
        .as_str()
        .ok_or_else(|| format!("no secret in {app}"))?
        .to_owned();
    let mut usernames = Vec::new();
    let mut user_ids = Vec::new();
    for i in 0..args.users {
        let username = format!("bench{run}u{i}");
        let user = api
            .post(
                "/api/users",
                json!({"username": username, "password": PASSWORD}),
                200,
            )
            .await?;
        user_ids.push(id_of(&user)?);
        usernames.push(username);
    }
    api.post(
        &format!("/api/roles/{}/users", id_of(&role)?),
        json!({"userIds": user_ids}),
        201,
    )
    .await?;
    Ok(Setup {
        app_id: id_of(&app)?,
        app_secret,
        indicator,
        usernames,
    })
}

/// The cookies the provider sets, by name.
#[derive(Default)]
struct Jar(HashMap<String, String>);

impl Jar {
    fn take(&mut self, response: &reqwest::Response) {
        for v in response.headers().get_all(SET_COOKIE) {
            let Ok(v) = v.to_str() else { continue };
            let (pair, _) = v.split_once(';').unwrap_or((v, ""));
            if let Some((name, value)) = pair.split_once('=') {
                if value.is_empty() {
                    self.0.remove(name);
                } else {
                    self.0.insert(name.to_owned(), value.to_owned());
                }
            }
        }
    }

    fn header(&self) -> String {
        self.0
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

fn location(response: &reqwest::Response) -> Result<String, String> {
    response
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .ok_or_else(|| format!("no Location on {}", response.status()))
}

fn csrf_of(page: &str) -> Result<String, String> {
    let marker = "name=\"csrf_token\" value=\"";
    let start = page.find(marker).ok_or("no CSRF field on the page")? + marker.len();
    let end = page[start..].find('"').ok_or("unterminated CSRF field")? + start;
    Ok(page[start..end].to_owned())
}

/// Signs `username` in through the hosted form and redeems the code; returns the refresh
/// token.
async fn sign_in(url: &str, setup: &Setup, username: &str) -> Result<String, String> {
    let b = browser()?;
    let mut jar = Jar::default();
    let mut auth = reqwest::Url::parse(&format!("{url}/oidc/auth")).map_err(|e| e.to_string())?;
    auth.query_pairs_mut()
        .append_pair("client_id", &setup.app_id)
        .append_pair("redirect_uri", CB)
        .append_pair("response_type", "code")
        .append_pair("scope", &format!("openid offline_access {SCOPE}"))
        .append_pair("prompt", "consent")
        .append_pair("state", "bench")
        .append_pair("code_challenge", CHALLENGE)
        .append_pair("code_challenge_method", "S256");
    let r = b.get(auth).send().await.map_err(|e| e.to_string())?;
    if r.status() != 303 {
        return Err(format!("/oidc/auth: {}", r.status()));
    }
    jar.take(&r);
    let next = location(&r)?;
    if next != "/sign-in" {
        return Err(format!("/oidc/auth sent the browser to {next}"));
    }
    let r = b
        .get(format!("{url}/sign-in"))
        .header(COOKIE, jar.header())
        .send()
        .await
        .map_err(|e| e.to_string())?;
    jar.take(&r);
    let page = r.text().await.map_err(|e| e.to_string())?;
    let csrf = csrf_of(&page)?;
    let r = b
        .post(format!("{url}/sign-in"))
        .header(COOKIE, jar.header())
        .form(&[
            ("identifier", username),
            ("password", PASSWORD),
            ("csrf_token", &csrf),
        ])
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if r.status() != 303 {
        let status = r.status();
        return Err(format!(
            "POST /sign-in: {status}: {}",
            r.text().await.unwrap_or_default()
        ));
    }
    let back = reqwest::Url::parse(&location(&r)?).map_err(|e| e.to_string())?;
    let code = back
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .ok_or_else(|| format!("no code in {back}"))?;
    let r = b
        .post(format!("{url}/oidc/token"))
        .basic_auth(&setup.app_id, Some(&setup.app_secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CB),
            ("code_verifier", VERIFIER),
        ])
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let body: Value = r.json().await.map_err(|e| e.to_string())?;
    body["refresh_token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("no refresh_token in the code exchange: {body}"))
}

/// What one loop saw.
#[derive(Default)]
struct LoopResult {
    latencies: Vec<u64>,
    /// Successful measured requests per second since the end of the warm-up.
    per_second: Vec<u64>,
    errors: BTreeMap<String, u64>,
    /// Refreshes of this grant that succeeded, warm-up included.
    refreshes: u64,
    dead: bool,
}

/// One refresh; `Ok(next refresh token)` or `Err((kind, detail, grant is dead))`.
async fn refresh_once(
    client: &reqwest::Client,
    url: &str,
    setup: &Setup,
    resource: bool,
    token: &str,
) -> Result<String, (String, String, bool)> {
    let mut form = vec![("grant_type", "refresh_token"), ("refresh_token", token)];
    if resource {
        form.push(("resource", setup.indicator.as_str()));
        form.push(("scope", SCOPE));
    }
    let response = client
        .post(url)
        .basic_auth(&setup.app_id, Some(&setup.app_secret))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_body(&form))
        .send()
        .await
        .map_err(|e| ("transport".to_owned(), e.to_string(), false))?;
    let status = response.status().as_u16();
    let bytes = response
        .bytes()
        .await
        .map_err(|e| ("transport (body)".to_owned(), e.to_string(), false))?;
    let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    if status != 200 {
        let error = body["error"].as_str().unwrap_or("-").to_owned();
        let detail = String::from_utf8_lossy(&bytes).into_owned();
        return Err((
            format!("{status} {error}"),
            detail,
            error == "invalid_grant",
        ));
    }
    let access = body["access_token"].as_str().unwrap_or("");
    // A resource token is a JWT (three parts) whose scope is the one the user holds.
    let well_formed = !access.is_empty()
        && (!resource || (access.split('.').count() == 3 && body["scope"] == SCOPE));
    match body["refresh_token"].as_str() {
        Some(next) if well_formed => Ok(next.to_owned()),
        Some(next) => Err((
            "200 unexpected body".to_owned(),
            String::from_utf8_lossy(&bytes).into_owned(),
            next.is_empty(),
        )),
        None => Err((
            "200 without refresh_token".to_owned(),
            String::from_utf8_lossy(&bytes).into_owned(),
            true,
        )),
    }
}

async fn phase(args: &Args, setup: &Arc<Setup>, resource: bool) -> Result<(), String> {
    let name = if resource { "resource" } else { "plain" };
    let signing_in = Instant::now();
    let mut tokens = Vec::new();
    for username in &setup.usernames {
        tokens.push(sign_in(&args.url, setup, username).await?);
    }
    eprintln!(
        "{name}: {} users signed in ({:.1} s)",
        tokens.len(),
        signing_in.elapsed().as_secs_f64()
    );

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.users)
        .build()
        .map_err(|e| e.to_string())?;
    let url = format!("{}/oidc/token", args.url);
    let sent = Arc::new(AtomicU64::new(0));
    let shown = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let measure_from = start + WARMUP;
    let end = measure_from + Duration::from_secs(args.seconds);
    let mut tasks = Vec::new();
    for mut token in tokens {
        let (client, url, setup) = (client.clone(), url.clone(), setup.clone());
        let (sent, shown, max) = (sent.clone(), shown.clone(), args.max_requests);
        tasks.push(tokio::spawn(async move {
            let mut out = LoopResult {
                latencies: Vec::with_capacity(50_000),
                ..LoopResult::default()
            };
            loop {
                let now = Instant::now();
                if now >= end || sent.load(Ordering::Relaxed) >= max {
                    break;
                }
                let result = refresh_once(&client, &url, &setup, resource, &token).await;
                let done = Instant::now();
                let measured = now >= measure_from;
                if measured {
                    sent.fetch_add(1, Ordering::Relaxed);
                }
                match result {
                    Ok(next) => {
                        token = next;
                        out.refreshes += 1;
                        if measured {
                            out.latencies
                                .push(done.duration_since(now).as_micros() as u64);
                            let second = done.duration_since(measure_from).as_secs() as usize;
                            if out.per_second.len() <= second {
                                out.per_second.resize(second + 1, 0);
                            }
                            out.per_second[second] += 1;
                        }
                    }
                    Err((kind, detail, dead)) => {
                        // Warm-up failures count too: nothing is dropped.
                        *out.errors.entry(kind.clone()).or_default() += 1;
                        if shown.fetch_add(1, Ordering::Relaxed) < SHOWN_ERRORS {
                            eprintln!("{name}: {kind}: {detail}");
                        }
                        if dead {
                            out.dead = true;
                            break;
                        }
                    }
                }
            }
            out
        }));
    }
    let mut all = Vec::new();
    let mut per_second: Vec<u64> = Vec::new();
    let mut errors: BTreeMap<String, u64> = BTreeMap::new();
    let (mut dead, mut refreshes) = (0, Vec::new());
    for t in tasks {
        let r = t.await.map_err(|e| e.to_string())?;
        all.extend(r.latencies);
        if per_second.len() < r.per_second.len() {
            per_second.resize(r.per_second.len(), 0);
        }
        for (i, n) in r.per_second.into_iter().enumerate() {
            per_second[i] += n;
        }
        for (k, n) in r.errors {
            *errors.entry(k).or_default() += n;
        }
        dead += usize::from(r.dead);
        refreshes.push(r.refreshes);
    }
    let elapsed = Instant::now()
        .duration_since(measure_from)
        .as_secs_f64()
        .max(0.001);
    all.sort_unstable();
    refreshes.sort_unstable();
    // Whole seconds of the measured window only (requests started before the end may
    // complete just after it).
    per_second.truncate(args.seconds as usize);
    let buckets: Vec<String> = per_second
        .chunks(BUCKET_SECS as usize)
        .map(|c| format!("{:.0}", c.iter().sum::<u64>() as f64 / c.len() as f64))
        .collect();
    let error_count: u64 = errors.values().sum();
    println!(
        "mode={name} connections={} requests={} errors={} seconds={:.2} req/s={:.0} p50_ms={:.2} p99_ms={:.2}",
        args.users,
        all.len(),
        error_count,
        elapsed,
        all.len() as f64 / elapsed,
        percentile(&all, 0.50),
        percentile(&all, 0.99),
    );
    println!(
        "mode={name} req/s per {BUCKET_SECS} s=[{}] refreshes per grant min/median/max={}/{}/{} dead_loops={dead} errors_by_kind={errors:?}",
        buckets.join(", "),
        refreshes.first().copied().unwrap_or(0),
        refreshes.get(refreshes.len() / 2).copied().unwrap_or(0),
        refreshes.last().copied().unwrap_or(0),
    );
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let args = parse_args()?;
    loopback_only(&args.url)?;
    let client = browser()?;
    let started = Instant::now();
    let setup = Arc::new(setup(&args, &client).await?);
    eprintln!(
        "setup: resource {}, app {}, {} users ({:.1} s)",
        setup.indicator,
        setup.app_id,
        setup.usernames.len(),
        started.elapsed().as_secs_f64()
    );
    if args.mode != "resource" {
        phase(&args, &setup, false).await?;
    }
    if args.mode != "plain" {
        phase(&args, &setup, true).await?;
    }
    Ok(())
}
