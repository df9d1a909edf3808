//! The `Hook` aggregate's events.

use crate::event::DomainEvent;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Custom request headers sent with every delivery, in name order.
pub type Headers = BTreeMap<String, String>;

/// The signing key and the custom headers (which often carry a receiver's credentials)
/// arrive sealed under the KEK (invariant 7): the log never holds them in plain text; the
/// delivery core opens them just before sending.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HookCreated {
    pub name: String,
    /// Logto event names (see `logto_events::ALL`).
    pub events: Vec<String>,
    pub url: String,
    /// The sealed JSON object of custom headers; `None` without headers.
    #[serde(default)]
    pub sealed_headers: Option<String>,
    pub enabled: bool,
    pub sealed_signing_key: String,
}

/// The hook's settings after an update (the whole state, so projectors need no merge).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HookUpdated {
    pub name: String,
    pub events: Vec<String>,
    pub url: String,
    #[serde(default)]
    pub sealed_headers: Option<String>,
    pub enabled: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HookSigningKeyRotated {
    pub sealed_signing_key: String,
}

/// The receiver answered `410 Gone` to a delivery: it asked not to be called again, so
/// the hook is disabled until an administrator enables it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HookDisabledByReceiver {
    /// The delivery stream whose attempt got the 410.
    pub delivery_id: String,
    pub status: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HookDeleted {}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum HookEvent {
    HookCreated(HookCreated),
    HookUpdated(HookUpdated),
    HookSigningKeyRotated(HookSigningKeyRotated),
    HookDisabledByReceiver(HookDisabledByReceiver),
    HookDeleted(HookDeleted),
}

impl DomainEvent for HookEvent {
    fn event_type(&self) -> &'static str {
        match self {
            Self::HookCreated(_) => "HookCreated",
            Self::HookUpdated(_) => "HookUpdated",
            Self::HookSigningKeyRotated(_) => "HookSigningKeyRotated",
            Self::HookDisabledByReceiver(_) => "HookDisabledByReceiver",
            Self::HookDeleted(_) => "HookDeleted",
        }
    }

    fn schema_version(_event_type: &str) -> u32 {
        1
    }

    crate::tagged_payload_codec!();
}
