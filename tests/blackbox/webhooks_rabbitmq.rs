//! Webhook delivery through RabbitMQ (issue 5), against the real `tessera` binary, the real
//! broker at 127.0.0.1:5672 (guest/guest) and a real HTTP receiver in this process.
//!
//! Each test uses its own exchange/queue prefix (`TESSERA_AMQP_PREFIX`) and deletes its
//! queues at the end. Tests that disrupt the broker (closing every connection) take the
//! write side of a process-wide lock; the others take the read side, so a disruption never
//! lands in the middle of another test.

use crate::common;

use base64::Engine;
use common::{json, Backend, Deployment, Server, BROKER};
use hmac::{Hmac, Mac};
use lapin::options::{QueueDeclareOptions, QueueDeleteOptions};
use lapin::types::FieldTable;
use serde_json::{json, Value};
use sha2::Sha256;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

const AMQP_URL: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";

// ---------------------------------------------------------------------------------------
// The receiver: a minimal HTTP/1.1 server that records every request and answers as told.

#[derive(Debug, Clone)]
struct Received {
    path: String,
    headers: HashMap<String, String>,
    body: String,
    at: Instant,
}

#[derive(Default)]
struct ReceiverState {
    requests: Vec<Received>,
    /// Per path: statuses to answer, in order; 200 once used up.
    plans: HashMap<String, VecDeque<u16>>,
    /// Per path: a status answered forever (overrides the default 200).
    always: HashMap<String, u16>,
    /// While set, requests are recorded but never answered until released.
    holding: bool,
}

#[derive(Clone)]
struct Receiver {
    url: String,
    state: Arc<Mutex<ReceiverState>>,
    arrived: Arc<Notify>,
    release: Arc<Notify>,
}

impl Receiver {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind receiver");
        let url = format!(
            "http://{}",
            listener.local_addr().expect("receiver address")
        );
        let receiver = Self {
            url,
            state: Arc::default(),
            arrived: Arc::new(Notify::new()),
            release: Arc::new(Notify::new()),
        };
        let accept = receiver.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let r = accept.clone();
                tokio::spawn(async move { r.serve(stream).await });
            }
        });
        receiver
    }

    fn endpoint(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    fn plan(&self, path: &str, statuses: &[u16]) {
        let mut state = self.state.lock().expect("receiver state");
        state
            .plans
            .insert(path.to_owned(), statuses.iter().copied().collect());
    }

    fn always(&self, path: &str, status: u16) {
        let mut state = self.state.lock().expect("receiver state");
        state.always.insert(path.to_owned(), status);
    }

    fn hold(&self, on: bool) {
        self.state.lock().expect("receiver state").holding = on;
        if !on {
            self.release.notify_waiters();
        }
    }

    fn requests(&self, path: &str) -> Vec<Received> {
        let state = self.state.lock().expect("receiver state");
        state
            .requests
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }

    /// Waits until `done` holds for the requests to `path` (panics after `limit`).
    async fn wait_for(
        &self,
        path: &str,
        limit: Duration,
        what: &str,
        done: impl Fn(&[Received]) -> bool,
    ) -> Vec<Received> {
        let deadline = Instant::now() + limit;
        loop {
            let notified = self.arrived.notified();
            let requests = self.requests(path);
            if done(&requests) {
                return requests;
            }
            if Instant::now() > deadline {
                panic!(
                    "receiver: {what} did not happen within {limit:?}; {} requests to {path}",
                    requests.len()
                );
            }
            let _ = tokio::time::timeout(Duration::from_millis(200), notified).await;
        }
    }

    async fn serve(&self, mut stream: TcpStream) {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 8192];
        let head_end = loop {
            if let Some(i) = find(&buf, b"\r\n\r\n") {
                break i;
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        let mut lines = head.split("\r\n");
        let path = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .unwrap_or("")
            .to_owned();
        let headers: HashMap<String, String> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let length: usize = headers
            .get("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let mut body = buf[head_end + 4..].to_vec();
        while body.len() < length {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => body.extend_from_slice(&chunk[..n]),
            }
        }
        let (status, holding) = {
            let mut state = self.state.lock().expect("receiver state");
            state.requests.push(Received {
                path: path.clone(),
                headers,
                body: String::from_utf8_lossy(&body).into_owned(),
                at: Instant::now(),
            });
            let planned = state.plans.get_mut(&path).and_then(VecDeque::pop_front);
            let status = planned
                .or_else(|| state.always.get(&path).copied())
                .unwrap_or(200);
            (status, state.holding)
        };
        self.arrived.notify_waiters();
        if holding {
            // Never answer: the connection is dropped once released.
            self.release.notified().await;
            return;
        }
        let reply =
            format!("HTTP/1.1 {status} X\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
        let _ = stream.write_all(reply.as_bytes()).await;
        let _ = stream.shutdown().await;
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

// ---------------------------------------------------------------------------------------
// Independent signature checks (hmac + sha2 crates, not the server's aws-lc code).

fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().to_vec()
}

fn assert_signed(request: &Received, signing_key: &str) {
    let body = request.body.as_bytes();
    let logto: String = hmac_sha256(signing_key.as_bytes(), &[body])
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        request.headers.get("logto-signature-sha-256"),
        Some(&logto),
        "Logto signature"
    );
    let id = &request.headers["webhook-id"];
    let timestamp = &request.headers["webhook-timestamp"];
    let signed = format!("{id}.{timestamp}.");
    let expected = format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(hmac_sha256(
            signing_key.as_bytes(),
            &[signed.as_bytes(), body]
        ))
    );
    let presented = &request.headers["webhook-signature"];
    assert!(
        presented.split(' ').any(|s| s == expected),
        "Standard Webhooks signature {presented} != {expected}"
    );
}

// ---------------------------------------------------------------------------------------
// Deployment helpers.

fn prefix() -> String {
    format!("t{}", uuid::Uuid::now_v7().simple())
}

async fn start(deployment: &Deployment, prefix: &str, extra: &[(&str, &str)]) -> Server {
    let mut env = vec![
        ("TESSERA_AMQP_URL", AMQP_URL),
        ("TESSERA_AMQP_PREFIX", prefix),
        ("TESSERA_WEBHOOK_ALLOW_PRIVATE", "true"),
    ];
    env.extend_from_slice(extra);
    deployment.start_with(&env).await
}

/// Creates a hook; returns (id, signing key).
async fn create_hook(server: &Server, url: &str, events: &[&str]) -> (String, String) {
    let response = server
        .post_json(
            "/api/hooks",
            &json!({"name": "relay test", "events": events, "config": {"url": url}}),
        )
        .await;
    assert_eq!(
        response.status(),
        201,
        "create hook; log:\n{}",
        server.log()
    );
    let hook = json(response).await;
    (
        hook["id"].as_str().expect("hook id").to_owned(),
        hook["signingKey"].as_str().expect("signing key").to_owned(),
    )
}

async fn create_user(server: &Server, username: &str) -> String {
    let response = server
        .post_json("/api/users", &json!({"username": username}))
        .await;
    assert_eq!(response.status(), 200, "create user {username}");
    json(response).await["id"]
        .as_str()
        .expect("user id")
        .to_owned()
}

fn body(request: &Received) -> Value {
    serde_json::from_str(&request.body).expect("webhook body is JSON")
}

/// The user ids the receiver got `User.Created` for, each with the webhook ids seen.
fn created_users(requests: &[Received]) -> HashMap<String, HashSet<String>> {
    let mut out: HashMap<String, HashSet<String>> = HashMap::new();
    for r in requests {
        let b = body(r);
        if b["event"] == "User.Created" {
            let user = b["data"]["id"].as_str().unwrap_or_default().to_owned();
            out.entry(user)
                .or_default()
                .insert(r.headers["webhook-id"].clone());
        }
    }
    out
}

/// Every user arrived, and every copy of one user's event carried the same webhook-id.
fn assert_all_delivered_once_by_id(requests: &[Received], users: &[String]) {
    let seen = created_users(requests);
    for user in users {
        let ids = seen
            .get(user)
            .unwrap_or_else(|| panic!("User.Created for {user} never arrived"));
        assert_eq!(
            ids.len(),
            1,
            "duplicates must share the webhook-id: {ids:?}"
        );
    }
}

async fn broker() -> lapin::Connection {
    lapin::Connection::connect(AMQP_URL, lapin::ConnectionProperties::default())
        .await
        .expect("connect to RabbitMQ at 127.0.0.1:5672")
}

/// Messages waiting in a queue (passive declare: fails if the queue does not exist).
async fn queue_depth(queue: &str) -> u32 {
    let connection = broker().await;
    let channel = connection.create_channel().await.expect("channel");
    let declared = channel
        .queue_declare(
            queue.into(),
            QueueDeclareOptions {
                passive: true,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .unwrap_or_else(|e| panic!("queue {queue} does not exist: {e}"));
    let _ = connection.close(200, "done".into()).await;
    declared.message_count()
}

/// Deletes the queues and exchanges a test's prefix created.
async fn cleanup(prefix: &str, delays_ms: &[u64]) {
    let connection = broker().await;
    let channel = connection.create_channel().await.expect("channel");
    let mut queues = vec![
        format!("{prefix}.delivery"),
        format!("{prefix}.jobs"),
        format!("{prefix}.dead"),
    ];
    queues.extend(delays_ms.iter().map(|ms| format!("{prefix}.retry.{ms}ms")));
    for queue in queues {
        let _ = channel
            .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
            .await;
    }
    for exchange in [format!("{prefix}.events"), format!("{prefix}.jobs")] {
        let _ = channel
            .exchange_delete(exchange.as_str().into(), Default::default())
            .await;
    }
    let _ = connection.close(200, "done".into()).await;
}

/// The default schedule's delays in ms (the retry queues a default server declares).
const DEFAULT_DELAYS_MS: &[u64] = &[
    5_000, 30_000, 120_000, 600_000, 1_800_000, 7_200_000, 21_600_000, 43_200_000, 86_400_000,
];

const WAIT: Duration = Duration::from_secs(30);

// ---------------------------------------------------------------------------------------
// Scenarios.

/// Every subscribed event arrives through RabbitMQ, signed both ways; unsubscribed hooks
/// get nothing.
async fn every_subscribed_event_is_delivered_and_signed(backend: Backend) {
    let _shared = BROKER.read().await;
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let receiver = Receiver::start().await;
    let prefix = prefix();
    let server = start(&deployment, &prefix, &[]).await;
    let (_, key) = create_hook(&server, &receiver.endpoint("/created"), &["User.Created"]).await;
    create_hook(&server, &receiver.endpoint("/deleted"), &["User.Deleted"]).await;

    let mut users = Vec::new();
    for i in 0..5 {
        users.push(create_user(&server, &format!("relay_user_{i}")).await);
    }
    let requests = receiver
        .wait_for("/created", WAIT, "five User.Created", |r| {
            created_users(r).len() >= users.len()
        })
        .await;
    assert_all_delivered_once_by_id(&requests, &users);
    for request in &requests {
        assert_signed(request, &key);
        let id = &request.headers["webhook-id"];
        assert!(
            uuid::Uuid::parse_str(id).is_ok(),
            "webhook-id is the event id: {id}"
        );
    }
    assert!(
        server.log().contains("webhook relay publishing"),
        "the RabbitMQ transport ran; log:\n{}",
        server.log()
    );
    assert!(receiver.requests("/deleted").is_empty(), "no User.Deleted");
    // /metrics reports the relay's checkpoint and lag (read from the database).
    let metrics = server.get("/metrics").await.text().await.expect("metrics");
    for name in [
        "tessera_webhook_checkpoint_position{follower=\"relay:",
        "tessera_webhook_lag_events{follower=\"relay:",
    ] {
        assert!(
            metrics
                .lines()
                .any(|l| l.starts_with(name) && l.contains(&prefix)),
            "{name}…{prefix} missing from /metrics:\n{metrics}"
        );
    }
    let (status, _) = server.terminate(Duration::from_secs(20));
    assert!(status.success());

    // `tessera status` shows the relay's checkpoint (it confirmed at least the users).
    let out = deployment
        .command()
        .env("TESSERA_AMQP_PREFIX", &prefix)
        .arg("status")
        .output()
        .expect("run tessera status");
    let text = String::from_utf8_lossy(&out.stdout);
    let checkpoint: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("webhook relay"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("status shows the relay: {text}"));
    assert!(checkpoint >= 5, "relay checkpoint {checkpoint}");
    cleanup(&prefix, DEFAULT_DELAYS_MS).await;
}

/// A worker killed (SIGKILL of the process) while the receiver holds its request never
/// acked the job: RabbitMQ redelivers it to the next process, with the same webhook-id.
async fn a_killed_worker_leaves_its_delivery_to_be_redelivered(backend: Backend) {
    let _shared = BROKER.read().await;
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let receiver = Receiver::start().await;
    let prefix = prefix();
    let server = start(&deployment, &prefix, &[]).await;
    let (_, key) = create_hook(&server, &receiver.endpoint("/held"), &["User.Created"]).await;
    receiver.hold(true);
    let user = create_user(&server, "held_user").await;
    let first = receiver
        .wait_for("/held", WAIT, "the first attempt", |r| !r.is_empty())
        .await;
    drop(server); // SIGKILL while the request is in flight
    receiver.hold(false);

    let server = start(&deployment, &prefix, &[]).await;
    let requests = receiver
        .wait_for("/held", WAIT, "the redelivery", |r| r.len() >= 2)
        .await;
    assert_eq!(
        requests[1].headers["webhook-id"], first[0].headers["webhook-id"],
        "the redelivered request carries the same webhook-id"
    );
    assert_all_delivered_once_by_id(&requests, std::slice::from_ref(&user));
    assert_signed(&requests[1], &key);
    drop(server);
    cleanup(&prefix, DEFAULT_DELAYS_MS).await;
}

/// The relay exits after the broker confirmed a batch and before its checkpoint commits
/// (fault injection); the next process republishes from the checkpoint: nothing is lost,
/// and duplicates carry the same id.
async fn a_relay_stopped_before_its_checkpoint_loses_nothing(backend: Backend) {
    let _shared = BROKER.read().await;
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let receiver = Receiver::start().await;
    let prefix = prefix();
    let server = start(&deployment, &prefix, &[]).await;
    create_hook(&server, &receiver.endpoint("/relay"), &["User.Created"]).await;
    let before = create_user(&server, "before_crash").await;
    receiver
        .wait_for("/relay", WAIT, "the first user", |r| !r.is_empty())
        .await;
    let (status, _) = server.terminate(Duration::from_secs(20));
    assert!(status.success());

    let server = start(
        &deployment,
        &prefix,
        &[("TESSERA_TEST_RELAY_CRASH_AFTER_CONFIRM", "UserCreated")],
    )
    .await;
    // The append commits before the relay reaches it, but the process may exit before the
    // answer is written: the user is found by listing afterwards.
    let _ = server
        .client
        .post(server.url("/api/users"))
        .json(&json!({"username": "at_crash"}))
        .send()
        .await;
    // The relay hits the injected fault between its confirm and its checkpoint.
    server.wait_for_log("before the checkpoint", WAIT).await;
    drop(server);

    let server = start(&deployment, &prefix, &[]).await;
    let after = create_user(&server, "after_crash").await;
    let listed = json(server.get("/api/users").await).await;
    let users: Vec<String> = listed
        .as_array()
        .expect("user list")
        .iter()
        .filter_map(|u| u["id"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(users.len(), 3, "three users exist: {listed}");
    assert!(users.contains(&before) && users.contains(&after));
    let requests = receiver
        .wait_for("/relay", WAIT, "all three users", |r| {
            created_users(r).len() >= 3
        })
        .await;
    assert_all_delivered_once_by_id(&requests, &users);
    drop(server);
    cleanup(&prefix, DEFAULT_DELAYS_MS).await;
}

/// The broker closes every connection in the middle of a stream of events: the relay and
/// the workers reconnect by themselves and every event still arrives.
async fn broker_connections_closed_midstream_lose_nothing(backend: Backend) {
    let _exclusive = BROKER.write().await;
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let receiver = Receiver::start().await;
    let prefix = prefix();
    let server = start(&deployment, &prefix, &[]).await;
    create_hook(&server, &receiver.endpoint("/stream"), &["User.Created"]).await;
    let mut users = Vec::new();
    for i in 0..10 {
        users.push(create_user(&server, &format!("stream_a_{i}")).await);
    }
    let out = std::process::Command::new("rabbitmqctl")
        .args(["close_all_connections", "tessera test: broker side close"])
        .output()
        .expect("run rabbitmqctl");
    assert!(
        out.status.success(),
        "rabbitmqctl close_all_connections: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    for i in 0..10 {
        users.push(create_user(&server, &format!("stream_b_{i}")).await);
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while created_users(&receiver.requests("/stream")).len() < 20 {
        assert!(
            Instant::now() < deadline,
            "only {} of 20 users arrived; log:\n{}",
            created_users(&receiver.requests("/stream")).len(),
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let requests = receiver.requests("/stream");
    assert_all_delivered_once_by_id(&requests, &users);
    assert!(
        server.log().contains("reconnecting")
            || server.log().contains("resuming from its checkpoint"),
        "the transport noticed the closed connections; log:\n{}",
        server.log()
    );
    drop(server);
    cleanup(&prefix, DEFAULT_DELAYS_MS).await;
}

/// 500, 500, 200: the third attempt succeeds after the schedule's delays, which the broker
/// holds in per-step TTL queues. A receiver that always fails ends in the dead-letter
/// queue and the log records the exhaustion.
async fn retries_wait_in_the_broker_then_exhaust_to_the_dead_letter_queue(backend: Backend) {
    let _shared = BROKER.read().await;
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let receiver = Receiver::start().await;
    receiver.plan("/flaky", &[500, 500]);
    receiver.always("/down", 500);
    let prefix = prefix();
    let server = start(
        &deployment,
        &prefix,
        &[("TESSERA_WEBHOOK_RETRY_SCHEDULE", "1s,2s")],
    )
    .await;
    create_hook(&server, &receiver.endpoint("/flaky"), &["User.Created"]).await;
    create_hook(&server, &receiver.endpoint("/down"), &["User.Created"]).await;
    create_user(&server, "retried").await;

    let flaky = receiver
        .wait_for("/flaky", WAIT, "three attempts", |r| r.len() >= 3)
        .await;
    let ids: HashSet<_> = flaky
        .iter()
        .map(|r| r.headers["webhook-id"].clone())
        .collect();
    assert_eq!(ids.len(), 1, "every attempt carries the same webhook-id");
    assert!(
        flaky[1].at - flaky[0].at >= Duration::from_millis(1000),
        "second attempt after the 1 s delay"
    );
    assert!(
        flaky[2].at - flaky[1].at >= Duration::from_millis(2000),
        "third attempt after the 2 s delay"
    );
    // The delays are broker-side: per-step queues with a TTL exist (passive declare).
    queue_depth(&format!("{prefix}.retry.1000ms")).await;
    queue_depth(&format!("{prefix}.retry.2000ms")).await;

    receiver
        .wait_for("/down", WAIT, "three failed attempts", |r| r.len() >= 3)
        .await;
    let dead = format!("{prefix}.dead");
    let deadline = Instant::now() + WAIT;
    while queue_depth(&dead).await < 1 || deployment.count_events("DeliveryExhausted").await < 1 {
        assert!(
            Instant::now() < deadline,
            "exhausted job never reached {dead} with its event; log:\n{}",
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(queue_depth(&dead).await, 1, "one exhausted job");
    assert_eq!(
        receiver.requests("/down").len(),
        3,
        "no attempt after exhaustion"
    );
    assert_eq!(
        receiver.requests("/flaky").len(),
        3,
        "no attempt after success"
    );
    drop(server);
    cleanup(&prefix, &[1_000, 2_000]).await;
}

/// Two nodes on one Postgres database: one relays, the other stands by (advisory lock);
/// when the relaying node dies, the standby takes over and nothing is lost.
async fn one_relay_per_deployment_and_the_standby_takes_over(backend: Backend) {
    let _shared = BROKER.read().await;
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let receiver = Receiver::start().await;
    let prefix = prefix();
    // The second node: same database, its own directory (and so its own log file).
    let other = Deployment {
        dir: tempfile::Builder::new()
            .prefix("tessera-test-")
            .tempdir()
            .expect("a second data directory"),
        database_url: deployment.database_url.clone(),
    };
    let first = start(&deployment, &prefix, &[]).await;
    let second = start(&other, &prefix, &[]).await;
    create_hook(&first, &receiver.endpoint("/nodes"), &["User.Created"]).await;
    let mut users = vec![create_user(&first, "node_one").await];
    receiver
        .wait_for("/nodes", WAIT, "the first user", |r| !r.is_empty())
        .await;
    let relaying = |s: &Server| s.log().contains("webhook relay publishing");
    assert!(
        relaying(&first),
        "the first node relays; log:\n{}",
        first.log()
    );
    assert!(
        !relaying(&second) && second.log().contains("standing by"),
        "the second node stands by; log:\n{}",
        second.log()
    );

    drop(first); // SIGKILL: its session ends, and with it the advisory lock
    users.push(create_user(&second, "node_two").await);
    let requests = receiver
        .wait_for("/nodes", WAIT, "both users", |r| {
            created_users(r).len() >= 2
        })
        .await;
    assert_all_delivered_once_by_id(&requests, &users);
    assert!(
        relaying(&second),
        "the standby took over; log:\n{}",
        second.log()
    );
    drop(second);
    cleanup(&prefix, DEFAULT_DELAYS_MS).await;
}

both_backends!(
    every_subscribed_event_is_delivered_and_signed,
    a_relay_stopped_before_its_checkpoint_loses_nothing,
);

mod sqlite_only {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_killed_worker_leaves_its_delivery_to_be_redelivered() {
        super::a_killed_worker_leaves_its_delivery_to_be_redelivered(Backend::Sqlite).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn retries_wait_in_the_broker_then_exhaust_to_the_dead_letter_queue() {
        super::retries_wait_in_the_broker_then_exhaust_to_the_dead_letter_queue(Backend::Sqlite)
            .await
    }
}

mod postgres_only {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn one_relay_per_deployment_and_the_standby_takes_over() {
        super::one_relay_per_deployment_and_the_standby_takes_over(Backend::Postgres).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn broker_connections_closed_midstream_lose_nothing() {
        super::broker_connections_closed_midstream_lose_nothing(Backend::Postgres).await
    }
}
