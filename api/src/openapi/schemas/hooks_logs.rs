//! Hooks, logs, status and configuration.

use serde_json::Value;
use utoipa::ToSchema;

/// One projector's progress.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProjectorStatus {
    pub name: String,
    pub checkpoint: u64,
    pub lag: u64,
    pub events_applied: u64,
}

/// `GET /api/status/projections`.
#[allow(dead_code)]
#[derive(ToSchema)]
pub struct ProjectionStatus {
    /// `sqlite` or `postgres`.
    pub backend: String,
    /// The log's last position.
    pub head: u64,
    pub projectors: Vec<ProjectorStatus>,
}

/// A hook's deliveries over the last 24 hours.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HookExecutionStats {
    pub success_count: u64,
    pub request_count: u64,
}

/// Logto's Hook object.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Hook {
    pub tenant_id: String,
    pub id: String,
    pub name: String,
    /// Logto's deprecated single event (always `null`: Tessera keeps `events`).
    pub event: Option<String>,
    pub events: Vec<String>,
    /// `{url, headers?}`.
    #[schema(value_type = Object)]
    pub config: Value,
    pub signing_key: String,
    pub enabled: bool,
    pub created_at: i64,
    /// With `includeExecutionStats=true`.
    #[schema(nullable = false)]
    pub execution_stats: Option<HookExecutionStats>,
}

/// `POST /api/hooks` body (`events`, or Logto's deprecated `event`).
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateHook {
    pub name: Option<String>,
    pub events: Option<Vec<String>>,
    pub event: Option<String>,
    /// `{url, headers?}`: an `http(s)` URL the address policy allows.
    #[schema(value_type = Object)]
    pub config: Value,
    pub enabled: Option<bool>,
}

/// `PATCH /api/hooks/{id}` body.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateHook {
    pub name: Option<String>,
    pub events: Option<Vec<String>>,
    pub event: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub config: Option<Value>,
    pub enabled: Option<bool>,
}

/// `POST /api/hooks/{id}/test` body.
#[allow(dead_code)]
#[derive(ToSchema)]
pub struct TestHook {
    pub events: Vec<String>,
    #[schema(value_type = Object)]
    pub config: Value,
}

/// Logto's Log object (audit log entries and hook delivery logs).
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Log {
    pub tenant_id: String,
    pub id: String,
    /// Logto's log key (`ExchangeTokenBy.AuthorizationCode`, `TriggerHook.PostRegister`…).
    pub key: String,
    /// `result`, `userId`, `applicationId`, `ip`, `userAgent`, `eventId`… per key.
    #[schema(value_type = Object)]
    pub payload: Value,
    pub created_at: i64,
}

/// `GET`/`PATCH /api/configs/oidc/session`.
#[allow(dead_code)]
#[derive(ToSchema)]
pub struct OidcSessionConfig {
    /// Session lifetime in seconds (1 to 31,536,000; default 14 days).
    pub ttl: u64,
}
