//! One audit row per event, built from the envelope alone (stream, event type, metadata,
//! payload), so events of any aggregate, including ones added later, are audited.
//!
//! What is copied out of the payload is an allow-list: ids (`…Id`, `…Ids`) and a few
//! descriptive fields (`reason`, `scopes`, …). Payloads also hold digests, sealed keys
//! and personal data (names, emails, password digests, decrypted on read); none of that
//! may reach a table that is listed over HTTP.

use super::keys::{classify, Outcome};
use crate::error::ProjectionError;
use domain::Actor;
use serde::Serialize;
use serde_json::{Map, Value};
use store::RecordedEvent;

/// Column order of `audit_logs`, shared by the insert and the reads.
pub const COLUMNS: &str = "id, position, created_at, log_key, result, event_type, stream_type, \
     stream_id, actor_type, actor_id, user_id, application_id, session_id, ip, user_agent, \
     correlation_id, error, params";

/// Columns holding integers (cast back from JSON text on insert).
pub const INTEGER_COLUMNS: &[&str] = &["position", "created_at"];

/// Payload fields (besides `…Id`/`…Ids`) safe to show in `params`.
const SAFE_FIELDS: &[&str] = &[
    "reason",
    "scopes",
    "resource",
    "type",
    "events",
    "enabled",
    "isDefault",
    "generation",
    "attempt",
    "attempts",
    "status",
    "latencyMs",
    "logtoEvent",
    "algorithm",
    "expiresAt",
    "maxAllowedGrants",
    "preRevocationActiveGrantCount",
];

/// Nested objects whose allow-listed fields are kept too (e.g. the grant limit decision
/// on `GrantRevoked`). Only named ones: `customData` or `profile` may hold anything.
const SAFE_OBJECTS: &[&str] = &["limit"];

/// The user, application and session a stream's events belong to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StreamContext {
    pub user_id: Option<String>,
    pub application_id: Option<String>,
    pub session_id: Option<String>,
}

impl StreamContext {
    /// Fills what `self` lacks from `other`; true if anything changed.
    pub fn merge(&mut self, other: &StreamContext) -> bool {
        let mut changed = false;
        for (mine, theirs) in [
            (&mut self.user_id, &other.user_id),
            (&mut self.application_id, &other.application_id),
            (&mut self.session_id, &other.session_id),
        ] {
            if mine.is_none() && theirs.is_some() {
                mine.clone_from(theirs);
                changed = true;
            }
        }
        changed
    }
}

/// Streams that name their own entity: their id is the user (application), so a context
/// learnt from their payload (e.g. the application a user registered through) would
/// misattribute later events.
pub fn self_identifying(stream_type: &str) -> bool {
    matches!(stream_type, "user" | "application")
}

/// A row of `audit_logs`, serialised as a JSON array in [`COLUMNS`] order for the batch
/// insert.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditRow {
    pub id: String,
    pub position: i64,
    pub created_at: i64,
    pub log_key: String,
    pub result: &'static str,
    pub event_type: String,
    pub stream_type: String,
    pub stream_id: String,
    pub actor_type: &'static str,
    pub actor_id: Option<String>,
    pub user_id: Option<String>,
    pub application_id: Option<String>,
    pub session_id: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub correlation_id: String,
    pub error: Option<String>,
    pub params: String,
}

impl AuditRow {
    pub fn as_array(&self) -> Value {
        Value::Array(vec![
            self.id.clone().into(),
            self.position.into(),
            self.created_at.into(),
            self.log_key.clone().into(),
            self.result.into(),
            self.event_type.clone().into(),
            self.stream_type.clone().into(),
            self.stream_id.clone().into(),
            self.actor_type.into(),
            self.actor_id.clone().into(),
            self.user_id.clone().into(),
            self.application_id.clone().into(),
            self.session_id.clone().into(),
            self.ip.clone().into(),
            self.user_agent.clone().into(),
            self.correlation_id.clone().into(),
            self.error.clone().into(),
            self.params.clone().into(),
        ])
    }

    /// Drops the personal data (the user was erased).
    pub fn blank_personal_data(&mut self) {
        self.ip = None;
        self.user_agent = None;
    }
}

fn text(payload: &Value, field: &str) -> Option<String> {
    payload
        .get(field)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// What the event's own payload says about whom it concerns.
pub fn payload_context(payload: &Value) -> StreamContext {
    StreamContext {
        user_id: text(payload, "userId"),
        application_id: text(payload, "applicationId").or_else(|| text(payload, "clientId")),
        session_id: text(payload, "sessionId"),
    }
}

fn scalar_or_list(value: &Value) -> bool {
    match value {
        Value::String(_) | Value::Number(_) | Value::Bool(_) => true,
        Value::Array(items) => items
            .iter()
            .all(|v| matches!(v, Value::String(_) | Value::Number(_) | Value::Bool(_))),
        _ => false,
    }
}

/// The allow-listed part of the payload.
pub fn params(payload: &Value) -> Map<String, Value> {
    let mut out = Map::new();
    if let Value::Object(map) = payload {
        for (k, v) in map {
            let allowed =
                SAFE_FIELDS.contains(&k.as_str()) || k.ends_with("Id") || k.ends_with("Ids");
            if allowed && scalar_or_list(v) {
                out.insert(k.clone(), v.clone());
            } else if SAFE_OBJECTS.contains(&k.as_str()) && v.is_object() {
                out.insert(k.clone(), Value::Object(params(v)));
            }
        }
    }
    out
}

fn json_text(value: &impl Serialize) -> Result<String, ProjectionError> {
    serde_json::to_string(value)
        .map_err(|e| ProjectionError::Corrupt(format!("unserialisable audit JSON: {e}")))
}

/// Builds the row of `event`; `context` is what earlier events of its stream established.
pub fn build(event: &RecordedEvent, context: &StreamContext) -> Result<AuditRow, ProjectionError> {
    let meta = &event.metadata;
    let stream = &event.stream;
    let payload = &event.payload;
    let class = classify(&stream.stream_type, &event.event_type, &meta.actor, payload);
    let own = payload_context(payload);
    let this_stream = |kind: &str| (stream.stream_type == kind).then(|| stream.stream_id.clone());
    let (actor_type, actor_id) = match &meta.actor {
        Actor::User(id) => ("user", Some(id.clone())),
        Actor::Application(id) => ("application", Some(id.clone())),
        Actor::System => ("system", None),
    };
    let actor_of = |kind: &str| (actor_type == kind).then(|| actor_id.clone()).flatten();
    let user_id = own
        .user_id
        .or_else(|| this_stream("user"))
        .or_else(|| context.user_id.clone())
        .or_else(|| actor_of("user"));
    let application_id = own
        .application_id
        .or_else(|| this_stream("application"))
        .or_else(|| context.application_id.clone())
        .or_else(|| actor_of("application"));
    let session_id = own
        .session_id
        .or_else(|| this_stream("session"))
        .or_else(|| context.session_id.clone());
    // A sign-in carries its IP and user agent sealed in the payload (absent once the user
    // is erased); every event carries the request's in its metadata.
    let ip = text(payload, "ip").or_else(|| meta.client_ip.clone());
    let user_agent = text(payload, "userAgent").or_else(|| meta.user_agent.clone());
    let error = match (&class.outcome, &class.error) {
        (Outcome::Error, Some(e)) => Some(json_text(e)?),
        _ => None,
    };
    Ok(AuditRow {
        id: event.event_id.to_string(),
        position: i64::try_from(event.position.0).unwrap_or(i64::MAX),
        created_at: meta.occurred_at.as_millis(),
        log_key: class.key,
        result: class.outcome.as_str(),
        event_type: event.event_type.clone(),
        stream_type: stream.stream_type.clone(),
        stream_id: stream.stream_id.clone(),
        actor_type,
        actor_id,
        user_id,
        application_id,
        session_id,
        ip,
        user_agent,
        correlation_id: meta.correlation_id.clone(),
        error,
        params: json_text(&params(payload))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn params_keep_ids_and_reasons_only() {
        let p = params(&json!({
            "userId": "u1",
            "roleIds": ["r1", "r2"],
            "reason": "grantLimitExceeded",
            "primaryEmail": "a@example.com",
            "password": {"algorithm": "argon2id", "digest": "x"},
            "code": {"digest": "abc"},
            "name": "Alice",
            "customData": {"employeeId": "e-1"},
            "limit": {"maxAllowedGrants": 2, "revokedGrantIds": ["g1"], "note": "x"},
        }));
        assert_eq!(
            Value::Object(p),
            json!({
                "userId": "u1",
                "roleIds": ["r1", "r2"],
                "reason": "grantLimitExceeded",
                "limit": {"maxAllowedGrants": 2, "revokedGrantIds": ["g1"]},
            })
        );
    }

    #[test]
    fn context_merge_fills_gaps_only() {
        let mut c = StreamContext {
            user_id: Some("u".into()),
            ..Default::default()
        };
        assert!(c.merge(&StreamContext {
            user_id: Some("other".into()),
            application_id: Some("a".into()),
            session_id: None,
        }));
        assert_eq!(c.user_id.as_deref(), Some("u"));
        assert_eq!(c.application_id.as_deref(), Some("a"));
        assert!(!c.merge(&StreamContext::default()));
    }
}
