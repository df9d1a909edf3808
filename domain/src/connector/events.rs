//! The `Connectors` aggregate's events. A configuration is stored with its secrets
//! replaced by the mask (`config::split`) and the secrets sealed under the KEK by the
//! caller (invariant 7): the log never holds a connector's credentials in plain text.

use crate::event::DomainEvent;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectorCreated {
    pub id: String,
    /// Logto's factory id (`connectorId`).
    pub factory_id: String,
    /// The configuration with each secret masked.
    pub config: Value,
    /// The sealed secrets (`config::Secrets` as JSON); `None` without secrets.
    #[serde(default)]
    pub sealed_secrets: Option<String>,
    /// Logto's per-connector metadata overrides (an object).
    pub metadata: Value,
    pub created_at: Timestamp,
}

/// The connector's configuration after an update (the whole of it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectorUpdated {
    pub id: String,
    pub config: Value,
    #[serde(default)]
    pub sealed_secrets: Option<String>,
    pub metadata: Value,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectorDeleted {
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum ConnectorEvent {
    ConnectorCreated(ConnectorCreated),
    ConnectorUpdated(ConnectorUpdated),
    ConnectorDeleted(ConnectorDeleted),
}

impl DomainEvent for ConnectorEvent {
    fn event_type(&self) -> &'static str {
        match self {
            Self::ConnectorCreated(_) => "ConnectorCreated",
            Self::ConnectorUpdated(_) => "ConnectorUpdated",
            Self::ConnectorDeleted(_) => "ConnectorDeleted",
        }
    }

    fn schema_version(_event_type: &str) -> u32 {
        1
    }

    crate::tagged_payload_codec!();
}
