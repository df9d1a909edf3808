//! One signed POST to a hook's URL: headers, signatures, the address policy, a 10 s
//! timeout, no redirects, and a bounded read of the response.

use crate::signature::{logto_signature, standard_signature};
use crate::ssrf::{AddressPolicy, CheckedResolver, UrlRefused};
use domain::hook::delivery::RESPONSE_EXCERPT_BYTES;
use domain::hook::Headers;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Logto's per-attempt timeout.
pub const TIMEOUT: Duration = Duration::from_secs(10);
pub const USER_AGENT: &str = "Logto (https://logto.io/)";

/// What to send.
#[derive(Debug, Clone)]
pub struct Outgoing<'a> {
    pub url: &'a str,
    pub headers: &'a Headers,
    pub signing_key: &'a str,
    /// `webhook-id`: the same on every attempt of one delivery.
    pub webhook_id: &'a str,
    pub body: &'a str,
}

/// What came back. `status` is set when the receiver answered; `error` when it did not
/// (refused address, connection failure, timeout).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: Option<u16>,
    pub body_excerpt: Option<String>,
    pub error: Option<String>,
    pub latency_ms: u64,
}

impl Response {
    pub fn is_success(&self) -> bool {
        matches!(self.status, Some(s) if (200..300).contains(&s))
    }
}

#[derive(Debug, thiserror::Error)]
#[error("cannot build the webhook HTTP client: {0}")]
pub struct ClientError(String);

/// The HTTP side of delivery, shared by the delivery core and `POST /api/hooks/:id/test`.
#[derive(Clone)]
pub struct Sender {
    client: reqwest::Client,
    policy: AddressPolicy,
}

impl Sender {
    pub fn new(allow_private: bool) -> Result<Self, ClientError> {
        // rustls on the aws-lc-rs provider the rest of Tessera already links (one crypto
        // stack); reqwest is built without a provider of its own.
        let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let roots =
            rustls::RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| ClientError(e.to_string()))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let policy = AddressPolicy { allow_private };
        let client = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .dns_resolver(CheckedResolver::shared(policy))
            .redirect(reqwest::redirect::Policy::none())
            .timeout(TIMEOUT)
            .user_agent(USER_AGENT)
            .build()
            .map_err(|e| ClientError(e.to_string()))?;
        Ok(Self { client, policy })
    }

    pub fn policy(&self) -> AddressPolicy {
        self.policy
    }

    /// Refuses a URL a hook may not use (scheme, or an address the policy forbids).
    pub async fn check_url(&self, url: &str) -> Result<(), UrlRefused> {
        self.policy.check_url(url).await
    }

    /// Sends once. Never fails: every failure is a [`Response`] with `error` set, which
    /// the caller records as an attempt.
    pub async fn send(&self, out: &Outgoing<'_>) -> Response {
        let started = Instant::now();
        let elapsed =
            |started: Instant| u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        if let Err(e) = self.policy.check_url(out.url).await {
            return Response {
                status: None,
                body_excerpt: None,
                error: Some(e.to_string()),
                latency_ms: elapsed(started),
            };
        }
        let timestamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        let body = out.body.as_bytes();
        let mut request = self.client.post(out.url);
        // Custom headers first: the signature and content headers below win over them.
        for (name, value) in out.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        request = request
            .header("content-type", "application/json")
            .header("webhook-id", out.webhook_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header(
                "webhook-signature",
                standard_signature(out.signing_key, out.webhook_id, timestamp, body),
            );
        if !out.signing_key.is_empty() {
            request = request.header(
                "logto-signature-sha-256",
                logto_signature(out.signing_key, body),
            );
        }
        let result = request.body(out.body.to_owned()).send().await;
        match result {
            Ok(response) => {
                let status = response.status().as_u16();
                let excerpt = read_excerpt(response).await;
                Response {
                    status: Some(status),
                    body_excerpt: Some(excerpt),
                    error: None,
                    latency_ms: elapsed(started),
                }
            }
            Err(e) => Response {
                status: None,
                body_excerpt: None,
                error: Some(describe(&e)),
                latency_ms: elapsed(started),
            },
        }
    }
}

/// Reads at most the excerpt's size (a receiver cannot make us buffer a huge body).
async fn read_excerpt(mut response: reqwest::Response) -> String {
    let mut bytes = Vec::new();
    while bytes.len() < RESPONSE_EXCERPT_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
            _ => break,
        }
    }
    bytes.truncate(RESPONSE_EXCERPT_BYTES);
    domain::hook::delivery::truncate(&String::from_utf8_lossy(&bytes))
}

/// The error with its causes (reqwest's own message omits the interesting part).
fn describe(e: &reqwest::Error) -> String {
    let mut text = if e.is_timeout() {
        "timed out".to_owned()
    } else {
        e.to_string()
    };
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
