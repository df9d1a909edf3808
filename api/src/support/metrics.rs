//! Prometheus metrics (`GET /metrics`, text exposition format).
//!
//! | name | type | labels |
//! |---|---|---|
//! | `tessera_http_requests_total` | counter | `method`, `route`, `status` |
//! | `tessera_http_request_duration_seconds` | histogram | `method`, `route` |
//! | `tessera_events_appended_total` | counter | — |
//! | `tessera_log_head_position` | gauge | — |
//! | `tessera_projector_checkpoint_position` | gauge | `projector` |
//! | `tessera_projector_lag_events` | gauge | `projector` |
//! | `tessera_projector_events_applied_total` | counter | `projector` |
//! | `tessera_webhook_checkpoint_position` | gauge | `follower` |
//! | `tessera_webhook_lag_events` | gauge | `follower` |
//! | `tessera_webhook_embedded_jobs_queued` | gauge | — |
//! | `tessera_webhook_embedded_jobs_due` | gauge | — |

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpLabels {
    pub method: String,
    pub route: String,
    pub status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub method: String,
    pub route: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ProjectorLabels {
    pub projector: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FollowerLabels {
    pub follower: String,
}

fn latency_histogram() -> Histogram {
    // 0.5 ms … ~4 s
    Histogram::new(exponential_buckets(0.0005, 2.0, 14))
}

/// One projector's figures as read from the projection runner at scrape time.
#[derive(Debug, Clone)]
pub struct ProjectorSample {
    pub name: String,
    pub checkpoint: u64,
    pub lag: u64,
    pub events_applied: u64,
}

pub struct Metrics {
    registry: Registry,
    pub http_requests: Family<HttpLabels, Counter>,
    pub http_duration: Family<RouteLabels, Histogram, fn() -> Histogram>,
    /// `tessera_events_appended_total`, advanced at scrape time to the store's own count
    /// ([`store::Store::events_appended`]): every append is counted where it happens.
    appended: Counter,
    /// The store's count at the last scrape.
    appended_seen: AtomicU64,
    pub log_head: Gauge,
    pub projector_checkpoint: Family<ProjectorLabels, Gauge>,
    pub projector_lag: Family<ProjectorLabels, Gauge>,
    pub projector_events_applied: Family<ProjectorLabels, Counter>,
    pub webhook_checkpoint: Family<FollowerLabels, Gauge>,
    pub webhook_lag: Family<FollowerLabels, Gauge>,
    pub webhook_jobs_queued: Gauge,
    pub webhook_jobs_due: Gauge,
    /// The runner's cumulative `events_applied` at the last scrape, per projector, so the
    /// counter above can be advanced by the difference.
    applied_seen: Mutex<Vec<(String, u64)>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("tessera");
        let http_requests = Family::<HttpLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route pattern and status",
            http_requests.clone(),
        );
        let http_duration =
            Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(
                latency_histogram as fn() -> Histogram,
            );
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency in seconds, by route pattern",
            http_duration.clone(),
        );
        let appended = Counter::default();
        registry.register(
            "events_appended",
            "Events appended to the log by this process",
            appended.clone(),
        );
        let log_head = Gauge::default();
        registry.register(
            "log_head_position",
            "Highest committed position of the event log",
            log_head.clone(),
        );
        let projector_checkpoint = Family::<ProjectorLabels, Gauge>::default();
        registry.register(
            "projector_checkpoint_position",
            "Last committed checkpoint of each projector",
            projector_checkpoint.clone(),
        );
        let projector_lag = Family::<ProjectorLabels, Gauge>::default();
        registry.register(
            "projector_lag_events",
            "Log head minus the projector's checkpoint",
            projector_lag.clone(),
        );
        let projector_events_applied = Family::<ProjectorLabels, Counter>::default();
        registry.register(
            "projector_events_applied",
            "Events applied by each projector since this process started",
            projector_events_applied.clone(),
        );
        let webhook_checkpoint = Family::<FollowerLabels, Gauge>::default();
        registry.register(
            "webhook_checkpoint_position",
            "Committed checkpoint of webhook delivery's log followers (the RabbitMQ relay, the embedded dispatcher)",
            webhook_checkpoint.clone(),
        );
        let webhook_lag = Family::<FollowerLabels, Gauge>::default();
        registry.register(
            "webhook_lag_events",
            "Log head minus the webhook follower's checkpoint: events not yet handed to delivery",
            webhook_lag.clone(),
        );
        let webhook_jobs_queued = Gauge::default();
        registry.register(
            "webhook_embedded_jobs_queued",
            "Delivery jobs in the embedded transport's queue (due or waiting for a retry)",
            webhook_jobs_queued.clone(),
        );
        let webhook_jobs_due = Gauge::default();
        registry.register(
            "webhook_embedded_jobs_due",
            "Delivery jobs in the embedded transport's queue that are due now",
            webhook_jobs_due.clone(),
        );
        Self {
            registry,
            http_requests,
            http_duration,
            appended,
            appended_seen: AtomicU64::new(0),
            log_head,
            projector_checkpoint,
            projector_lag,
            projector_events_applied,
            webhook_checkpoint,
            webhook_lag,
            webhook_jobs_queued,
            webhook_jobs_due,
            applied_seen: Mutex::new(Vec::new()),
        }
    }

    /// Counts one answered request. Every label is bounded: `method` is a standard
    /// method or `other` (a client chooses the method: 8 KB made-up methods once grew the
    /// label set, and every scrape, without limit), `route` is a registered pattern or
    /// `unmatched`, and `status` is a status this server answers.
    pub fn observe_request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let method = method_label(method);
        self.http_requests
            .get_or_create(&HttpLabels {
                method: method.to_owned(),
                route: route.to_owned(),
                status,
            })
            .inc();
        self.http_duration
            .get_or_create(&RouteLabels {
                method: method.to_owned(),
                route: route.to_owned(),
            })
            .observe(seconds);
    }

    /// Advances `tessera_events_appended_total` to `total`, the store's count of events
    /// this process appended.
    pub fn record_appended(&self, total: u64) {
        let seen = self.appended_seen.fetch_max(total, Ordering::Relaxed);
        if total > seen {
            self.appended.inc_by(total - seen);
        }
    }

    /// Records the log head and each projector's figures (called when `/metrics` is scraped).
    pub fn record_projections(&self, head: u64, projectors: &[ProjectorSample]) {
        self.log_head.set(gauge(head));
        let mut seen = match self.applied_seen.lock() {
            Ok(seen) => seen,
            Err(poisoned) => poisoned.into_inner(),
        };
        for p in projectors {
            let labels = ProjectorLabels {
                projector: p.name.clone(),
            };
            self.projector_checkpoint
                .get_or_create(&labels)
                .set(gauge(p.checkpoint));
            self.projector_lag.get_or_create(&labels).set(gauge(p.lag));
            let previous = match seen.iter_mut().find(|(name, _)| *name == p.name) {
                Some((_, value)) => std::mem::replace(value, p.events_applied),
                None => {
                    seen.push((p.name.clone(), p.events_applied));
                    0
                }
            };
            let counter = self.projector_events_applied.get_or_create(&labels);
            if p.events_applied > previous {
                counter.inc_by(p.events_applied - previous);
            }
        }
    }

    /// Records webhook delivery's progress against the log head (called at scrape time).
    pub fn record_webhooks(&self, head: u64, progress: &webhooks::progress::WebhookProgress) {
        for f in &progress.followers {
            let labels = FollowerLabels {
                follower: f.follower.clone(),
            };
            self.webhook_checkpoint
                .get_or_create(&labels)
                .set(gauge(f.position));
            self.webhook_lag
                .get_or_create(&labels)
                .set(gauge(head.saturating_sub(f.position)));
        }
        self.webhook_jobs_queued
            .set(gauge(progress.embedded_jobs_queued));
        self.webhook_jobs_due.set(gauge(progress.embedded_jobs_due));
    }

    /// The registry in Prometheus' text format.
    pub fn encode(&self) -> Result<String, std::fmt::Error> {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)?;
        Ok(out)
    }
}

/// A position or count as a gauge value (saturating: gauges are `i64`).
fn gauge(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// The label of an HTTP method: one of the standard methods (RFC 9110 §9, PATCH), else
/// `other`.
pub fn method_label(method: &str) -> &'static str {
    const STANDARD: [&str; 9] = [
        "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
    ];
    STANDARD
        .into_iter()
        .find(|m| *m == method)
        .unwrap_or("other")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposition_names_every_metric() {
        let metrics = Metrics::new();
        metrics.observe_request("GET", "/api/status", 204, 0.001);
        metrics.record_appended(3);
        metrics.record_projections(
            10,
            &[ProjectorSample {
                name: "users".into(),
                checkpoint: 7,
                lag: 3,
                events_applied: 7,
            }],
        );
        metrics.record_webhooks(
            10,
            &webhooks::progress::WebhookProgress {
                followers: vec![webhooks::progress::FollowerCheckpoint {
                    follower: "relay:tessera".into(),
                    position: 4,
                }],
                embedded_jobs_queued: 5,
                embedded_jobs_due: 2,
            },
        );
        let text = metrics.encode().unwrap();
        for name in [
            "tessera_webhook_checkpoint_position{follower=\"relay:tessera\"} 4",
            "tessera_webhook_lag_events{follower=\"relay:tessera\"} 6",
            "tessera_webhook_embedded_jobs_queued 5",
            "tessera_webhook_embedded_jobs_due 2",
            "tessera_http_requests_total",
            "tessera_http_request_duration_seconds_bucket",
            "tessera_events_appended_total 3",
            "tessera_log_head_position 10",
            "tessera_projector_lag_events{projector=\"users\"} 3",
            "tessera_projector_events_applied_total{projector=\"users\"} 7",
        ] {
            assert!(text.contains(name), "{name} missing from:\n{text}");
        }
    }
}
