//! Shared by the store's integration tests: every test runs on both backends.
#![allow(dead_code)]

use domain::user::{UserCreated, UserDetailsFields, UserEvent};
use domain::{Actor, EventMetadata, RequestLine, Timestamp};
use std::time::Duration;
use store::testing::{postgres_config, sqlite_config};
use store::*;
use tempfile::TempDir;

pub struct Env {
    pub name: &'static str,
    pub store: Store,
    pub cfg: StoreConfig,
    pub dir: TempDir,
}

/// SQLite always; Postgres on a fresh database when reachable (see store::testing).
pub async fn backends() -> Vec<Env> {
    let mut out = Vec::new();
    let dir = TempDir::new().unwrap();
    let cfg = sqlite_config(dir.path());
    let store = Store::connect(&cfg).await.unwrap();
    out.push(Env {
        name: "sqlite",
        store,
        cfg,
        dir,
    });
    let dir = TempDir::new().unwrap();
    if let Some(cfg) = postgres_config(dir.path()).await {
        let store = Store::connect(&cfg).await.unwrap();
        out.push(Env {
            name: "postgres",
            store,
            cfg,
            dir,
        });
    }
    out
}

pub fn metadata() -> EventMetadata {
    EventMetadata {
        occurred_at: Timestamp::from_millis(1_700_000_000_123),
        actor: Actor::User("admin-1".into()),
        correlation_id: "corr-42".into(),
        client_ip: Some("203.0.113.9".into()),
        user_agent: Some("tests/1.0".into()),
        request: Some(RequestLine {
            method: "PATCH".into(),
            path: "/api/users/u1".into(),
            route: Some("/api/users/{userId}".into()),
            params: [("userId".to_owned(), "u1".to_owned())].into(),
        }),
    }
}

pub fn user_created(username: &str, email: &str) -> UserEvent {
    UserEvent::UserCreated(UserCreated {
        details: UserDetailsFields {
            username: Some(username.into()),
            primary_email: Some(email.into()),
            ..Default::default()
        },
        custom_data: None,
        password: None,
        application_id: Some("app-1".into()),
    })
}

/// A plain event (no personal data) for volume tests.
pub fn plain_event(n: u64) -> NewEvent {
    NewEvent {
        event_type: "Tick".into(),
        schema_version: 1,
        payload: serde_json::json!({ "n": n }),
        pii_subject: None,
        pii_fields: &[],
        metadata: metadata(),
    }
}

pub fn one_stream(
    stream: StreamRef,
    expected: ExpectedVersion,
    events: Vec<NewEvent>,
) -> AppendBatch {
    AppendBatch {
        streams: vec![StreamAppend {
            stream,
            expected,
            events,
        }],
    }
}

/// Follows the log like a projector: read_all from `from`, wait on changes() (or poll)
/// when caught up, until `count` events arrived or `limit` elapsed. Asserts positions
/// strictly increase.
pub async fn follow(
    log: &dyn EventLog,
    from: Position,
    count: usize,
    limit: Duration,
) -> Vec<RecordedEvent> {
    let mut changes = log.changes();
    let mut at = from;
    let mut seen: Vec<RecordedEvent> = Vec::new();
    let deadline = tokio::time::Instant::now() + limit;
    while seen.len() < count && tokio::time::Instant::now() < deadline {
        let page = log.read_all(at, 500).await.unwrap();
        if page.is_empty() {
            let _ = tokio::time::timeout(Duration::from_millis(100), changes.changed()).await;
            continue;
        }
        for e in page {
            assert!(
                e.position > at,
                "position {:?} not after {:?}",
                e.position,
                at
            );
            at = e.position;
            seen.push(e);
        }
    }
    seen
}
