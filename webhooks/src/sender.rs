//! One signed POST to a hook's URL: headers, signatures, the address policy, a 10 s
//! timeout, no redirects, and a bounded read of the response.

use crate::signature::{logto_signature, standard_signature};
use crate::ssrf::{AddressPolicy, CheckedResolver, UrlRefused};
use bytes::Bytes;
use domain::hook::delivery::RESPONSE_EXCERPT_BYTES;
use domain::hook::Headers;
use http_body_util::{BodyExt, Full};
use hyper::header::HeaderValue;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use std::sync::Arc;
use std::time::{Duration, Instant};

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

type Connector = hyper_rustls::HttpsConnector<HttpConnector<CheckedResolver>>;

/// The HTTP side of delivery, shared by the delivery core and `POST /api/hooks/:id/test`.
/// Redirects are never followed (hyper's client does not follow them).
#[derive(Clone)]
pub struct Sender {
    client: Client<Connector, Full<Bytes>>,
    policy: AddressPolicy,
    /// The `webhook-timestamp` of Standard Webhooks signatures.
    clock: Arc<dyn domain::Clock>,
}

impl Sender {
    pub fn new(allow_private: bool) -> Result<Self, ClientError> {
        // rustls on the aws-lc-rs provider the rest of Tessera already links.
        let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let roots =
            rustls::RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| ClientError(e.to_string()))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let policy = AddressPolicy { allow_private };
        let mut http = HttpConnector::new_with_resolver(CheckedResolver { policy });
        http.enforce_http(false);
        http.set_connect_timeout(Some(TIMEOUT));
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new()).build(https);
        Ok(Self {
            client,
            policy,
            clock: Arc::new(store::clock::SystemClock),
        })
    }

    /// The same sender signing with `clock`'s time (tests pin it).
    pub fn with_clock(self, clock: Arc<dyn domain::Clock>) -> Self {
        Self { clock, ..self }
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
        let result = match self.policy.check_url(out.url).await {
            Err(e) => Err(e.to_string()),
            Ok(()) => match tokio::time::timeout(TIMEOUT, self.exchange(out)).await {
                Ok(result) => result,
                Err(_) => Err(format!("timed out after {} s", TIMEOUT.as_secs())),
            },
        };
        let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        match result {
            Ok((status, excerpt)) => Response {
                status: Some(status),
                body_excerpt: Some(excerpt),
                error: None,
                latency_ms,
            },
            Err(error) => Response {
                status: None,
                body_excerpt: None,
                error: Some(error),
                latency_ms,
            },
        }
    }

    async fn exchange(&self, out: &Outgoing<'_>) -> Result<(u16, String), String> {
        let timestamp = self.clock.now().as_millis().div_euclid(1000);
        let body = out.body.as_bytes();
        let mut request = hyper::Request::post(out.url);
        // Custom headers first: the fixed headers below replace any with the same name.
        // Framing and hop-by-hop headers are the client's (hooks saved before they were
        // refused may still hold some).
        for (name, value) in out.headers {
            if domain::hook::is_reserved_header(name) {
                continue;
            }
            request = request.header(name.as_str(), value.as_str());
        }
        let mut request = request
            .body(Full::new(Bytes::copy_from_slice(body)))
            .map_err(|e| format!("invalid request: {e}"))?;
        let headers = request.headers_mut();
        let mut set = |name: &'static str, value: String| -> Result<(), String> {
            let value = HeaderValue::from_str(&value).map_err(|e| format!("{name}: {e}"))?;
            headers.insert(name, value);
            Ok(())
        };
        set("user-agent", USER_AGENT.to_owned())?;
        set("content-type", "application/json".to_owned())?;
        set("webhook-id", out.webhook_id.to_owned())?;
        set("webhook-timestamp", timestamp.to_string())?;
        set(
            "webhook-signature",
            standard_signature(out.signing_key, out.webhook_id, timestamp, body),
        )?;
        if !out.signing_key.is_empty() {
            set(
                "logto-signature-sha-256",
                logto_signature(out.signing_key, body),
            )?;
        }
        let response = self
            .client
            .request(request)
            .await
            .map_err(|e| describe(&e))?;
        let status = response.status().as_u16();
        Ok((status, read_excerpt(response.into_body()).await))
    }

    /// One GET of `url` under the same address policy, TLS roots and timeout, reading at
    /// most `limit` bytes of the body: the password policy's optional breached-password
    /// range query (k-anonymity) uses it. (status, body as text).
    pub async fn get(&self, url: &str, limit: usize) -> Result<(u16, String), String> {
        let request = Plain {
            method: "GET",
            url,
            headers: &Headers::new(),
            content_type: None,
            body: "",
        };
        self.request(&request, limit).await
    }

    /// One request of `request` under the same address policy, TLS roots, timeout and no
    /// redirects, reading at most `limit` bytes of the answer: the HTTP connectors send
    /// codes with it. (status, body as text); `Err` when there was no answer.
    pub async fn request(
        &self,
        request: &Plain<'_>,
        limit: usize,
    ) -> Result<(u16, String), String> {
        self.policy
            .check_url(request.url)
            .await
            .map_err(|e| e.to_string())?;
        let method = hyper::Method::from_bytes(request.method.as_bytes())
            .map_err(|e| format!("invalid method: {e}"))?;
        let mut builder = hyper::Request::builder().method(method).uri(request.url);
        for (name, value) in request.headers {
            if domain::hook::is_reserved_header(name) {
                continue;
            }
            builder = builder.header(name.as_str(), value.as_str());
        }
        let mut outgoing = builder
            .body(Full::new(Bytes::copy_from_slice(request.body.as_bytes())))
            .map_err(|e| format!("invalid request: {e}"))?;
        let headers = outgoing.headers_mut();
        headers.insert("user-agent", HeaderValue::from_static("Tessera"));
        if let Some(content_type) = request.content_type {
            let value =
                HeaderValue::from_str(content_type).map_err(|e| format!("content-type: {e}"))?;
            headers.insert("content-type", value);
        }
        let exchange = async {
            let response = self
                .client
                .request(outgoing)
                .await
                .map_err(|e| describe(&e))?;
            let status = response.status().as_u16();
            let mut body = response.into_body();
            let mut bytes = Vec::new();
            while bytes.len() < limit {
                match body.frame().await {
                    Some(Ok(frame)) => {
                        if let Some(data) = frame.data_ref() {
                            bytes.extend_from_slice(data);
                        }
                    }
                    Some(Err(e)) => return Err(describe(&e)),
                    None => break,
                }
            }
            bytes.truncate(limit);
            Ok((status, String::from_utf8_lossy(&bytes).into_owned()))
        };
        tokio::time::timeout(TIMEOUT, exchange)
            .await
            .map_err(|_| format!("timed out after {} s", TIMEOUT.as_secs()))?
    }
}

/// A request other than a hook delivery (no signature headers).
#[derive(Debug, Clone)]
pub struct Plain<'a> {
    pub method: &'a str,
    pub url: &'a str,
    /// Framing and hop-by-hop headers are dropped (the client sets them).
    pub headers: &'a Headers,
    pub content_type: Option<&'a str>,
    pub body: &'a str,
}

/// Reads at most the excerpt's size (a receiver cannot make us buffer a huge body).
async fn read_excerpt(mut body: hyper::body::Incoming) -> String {
    let mut bytes = Vec::new();
    while bytes.len() < RESPONSE_EXCERPT_BYTES {
        match body.frame().await {
            Some(Ok(frame)) => {
                if let Some(data) = frame.data_ref() {
                    bytes.extend_from_slice(data);
                }
            }
            _ => break,
        }
    }
    bytes.truncate(RESPONSE_EXCERPT_BYTES);
    domain::hook::delivery::truncate(&String::from_utf8_lossy(&bytes))
}

/// The error with its causes (the client's own message omits the interesting part).
fn describe(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
