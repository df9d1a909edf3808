use crate::time::Timestamp;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Who caused an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "camelCase")]
pub enum Actor {
    User(String),
    Application(String),
    System,
}

/// What every event carries besides its payload (invariant 6). The event id and global
/// position are assigned by the store when the event is appended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventMetadata {
    pub occurred_at: Timestamp,
    pub actor: Actor,
    pub correlation_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// The HTTP request the event was decided in; absent for events decided without one
    /// (background work, imports) and for events recorded before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestLine>,
}

/// Which route of Tessera's HTTP surface caused an event: what Logto's data webhooks
/// report as `method`, `path`, `matchedRoute` and `params`, and what tells an auditor
/// which endpoint made a change. No query string and no body: the path's parameters
/// are ids, never personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestLine {
    /// `GET`, `POST`, …
    pub method: String,
    /// The request path as received, e.g. `/api/users/u1/is-suspended`.
    pub path: String,
    /// The route pattern it matched, in the router's syntax: `/api/users/{userId}/is-suspended`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<String>,
    /// The route's path parameters by name, e.g. `userId → u1`.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub params: std::collections::BTreeMap<String, String>,
}

impl EventMetadata {
    pub fn system(occurred_at: Timestamp, correlation_id: impl Into<String>) -> Self {
        Self {
            occurred_at,
            actor: Actor::System,
            correlation_id: correlation_id.into(),
            client_ip: None,
            user_agent: None,
            request: None,
        }
    }
}

/// An event type family (one per aggregate) as the store sees it: a name, a schema
/// version and a JSON payload per event, plus which payload fields are personal data.
pub trait DomainEvent: Serialize + DeserializeOwned + Clone + Send + Sync + 'static {
    /// The stable name stored with the event, e.g. `UserCreated`.
    fn event_type(&self) -> &'static str;

    /// The current schema version of `event_type`; older stored versions are upcast on read.
    fn schema_version(event_type: &str) -> u32;

    /// Top-level payload keys holding personal data. The store encrypts them under the
    /// data key of [`DomainEvent::pii_subject`] before they reach the log (invariant 8).
    fn pii_fields(&self) -> &'static [&'static str] {
        &[]
    }

    /// Whose data key protects the personal fields: a user id. `stream_id` is the id of the
    /// stream the event is appended to.
    fn pii_subject<'a>(&'a self, stream_id: &'a str) -> Option<&'a str> {
        let _ = stream_id;
        None
    }

    /// The payload without the type tag.
    fn to_payload(&self) -> serde_json::Value;

    /// Rebuilds an event from its stored name and (already upcast) payload.
    fn from_payload(
        event_type: &str,
        payload: serde_json::Value,
    ) -> Result<Self, serde_json::Error>;
}

/// Implements [`DomainEvent`]'s payload conversion for an enum declared with
/// `#[serde(tag = "type", content = "data")]` whose variants each wrap one struct.
#[macro_export]
macro_rules! tagged_payload_codec {
    () => {
        fn to_payload(&self) -> serde_json::Value {
            match serde_json::to_value(self) {
                Ok(serde_json::Value::Object(mut map)) => {
                    map.remove("data").unwrap_or(serde_json::Value::Null)
                }
                _ => serde_json::Value::Null,
            }
        }

        fn from_payload(
            event_type: &str,
            payload: serde_json::Value,
        ) -> Result<Self, serde_json::Error> {
            serde_json::from_value(serde_json::json!({ "type": event_type, "data": payload }))
        }
    };
}
