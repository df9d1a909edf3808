//! A webhook receiver for black-box tests: a minimal HTTP/1.1 server on a free local port
//! that records every request and answers with scripted statuses, plus an independent
//! check of both signatures (RustCrypto `hmac` + `sha2`, not the server's aws-lc code).

use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

#[derive(Debug, Clone)]
pub struct Received {
    /// The request line's method (`POST`, `PUT`, …).
    pub method: String,
    pub headers: HashMap<String, String>,
    pub body: String,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("webhook body is JSON")
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("no {name} header in {:?}", self.headers))
    }

    pub fn event(&self) -> String {
        self.json()["event"].as_str().unwrap_or_default().to_owned()
    }

    /// Checks `logto-signature-sha-256` and the Standard Webhooks headers against
    /// `signing_key` (the Standard Webhooks secret is the key's UTF-8 bytes).
    pub fn assert_signed_with(&self, signing_key: &str) {
        let mut mac = Hmac::<Sha256>::new_from_slice(signing_key.as_bytes()).expect("hmac key");
        mac.update(self.body.as_bytes());
        let hex: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            self.header("logto-signature-sha-256"),
            hex,
            "Logto signature"
        );
        let id = self.header("webhook-id");
        let ts = self.header("webhook-timestamp");
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_secs() as i64;
        let ts_value: i64 = ts.parse().expect("webhook-timestamp is unix seconds");
        assert!(
            (now - ts_value).abs() < 600,
            "timestamp {ts} far from now {now}"
        );
        let mut mac = Hmac::<Sha256>::new_from_slice(signing_key.as_bytes()).expect("hmac key");
        mac.update(format!("{id}.{ts}.{}", self.body).as_bytes());
        let expected = format!(
            "v1,{}",
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
        );
        assert_eq!(
            self.header("webhook-signature"),
            expected,
            "Standard Webhooks signature"
        );
        assert_eq!(self.header("content-type"), "application/json");
        assert_eq!(self.header("user-agent"), "Logto (https://logto.io/)");
    }
}

#[derive(Default)]
struct State {
    requests: Vec<Received>,
    /// Statuses to answer, in order; `default_status` once used up.
    plan: VecDeque<u16>,
    default_status: u16,
}

#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    state: Arc<Mutex<State>>,
    arrived: Arc<Notify>,
}

impl Receiver {
    /// Answers `plan` in order, then `default_status` forever.
    pub async fn start(plan: &[u16], default_status: u16) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind receiver");
        let addr = listener.local_addr().expect("receiver address");
        let receiver = Self {
            url: format!("http://{addr}/hook"),
            state: Arc::new(Mutex::new(State {
                requests: Vec::new(),
                plan: plan.iter().copied().collect(),
                default_status,
            })),
            arrived: Arc::new(Notify::new()),
        };
        let r = receiver.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let r = r.clone();
                tokio::spawn(async move { r.serve(stream).await });
            }
        });
        receiver
    }

    async fn serve(&self, mut stream: TcpStream) {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        let header_end = loop {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
        };
        let head = String::from_utf8_lossy(&buf[..header_end]).into_owned();
        let method = head.split(' ').next().unwrap_or_default().to_owned();
        let mut headers = HashMap::new();
        for line in head.lines().skip(1) {
            if let Some((k, v)) = line.split_once(':') {
                headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
            }
        }
        let length: usize = headers
            .get("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        while buf.len() < header_end + length {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let body = String::from_utf8_lossy(&buf[header_end..header_end + length]).into_owned();
        let status = {
            let mut s = self.state.lock().expect("receiver state");
            s.requests.push(Received {
                method,
                headers,
                body,
            });
            let default = s.default_status;
            s.plan.pop_front().unwrap_or(default)
        };
        let reply = format!("receiver says {status}");
        let response = format!(
            "HTTP/1.1 {status} X\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{reply}",
            reply.len()
        );
        let _ = stream.write_all(response.as_bytes()).await;
        let _ = stream.shutdown().await;
        self.arrived.notify_waiters();
    }

    pub fn requests(&self) -> Vec<Received> {
        self.state.lock().expect("receiver state").requests.clone()
    }

    /// Requests whose payload `event` is `event`.
    pub fn of(&self, event: &str) -> Vec<Received> {
        self.requests()
            .into_iter()
            .filter(|r| r.event() == event)
            .collect()
    }

    /// Waits until `count` requests for `event` arrived (panics after `within`).
    pub async fn wait_for(&self, event: &str, count: usize, within: Duration) -> Vec<Received> {
        let deadline = Instant::now() + within;
        loop {
            let notified = self.arrived.notified();
            let got = self.of(event);
            if got.len() >= count {
                return got;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                panic!(
                    "{count} × {event} not received within {within:?}; got {:?}",
                    self.requests()
                        .iter()
                        .map(Received::event)
                        .collect::<Vec<_>>()
                );
            }
            let _ = tokio::time::timeout(left.min(Duration::from_millis(200)), notified).await;
        }
    }
}
