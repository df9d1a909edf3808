//! What travels through the broker.
//!
//! An event message is the envelope *without its payload*: the event id, position,
//! stream, version, type, schema version and metadata. Payloads can hold personal data,
//! which the log keeps sealed under per-user keys so that erasure (destroying the key)
//! makes it unreadable everywhere (invariant 8). Copies in clear on the broker's disk
//! would outlive an erasure, so consumers read the payload from the log by stream and
//! version, through the vault, when they need it.

use domain::EventMetadata;
use serde::{Deserialize, Serialize};
use store::{Position, RecordedEvent, StreamRef};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventNotice {
    pub event_id: Uuid,
    pub position: Position,
    pub stream: StreamRef,
    pub stream_version: u64,
    pub event_type: String,
    pub schema_version: u32,
    pub metadata: EventMetadata,
}

impl EventNotice {
    pub fn of(event: &RecordedEvent) -> Self {
        Self {
            event_id: event.event_id,
            position: event.position,
            stream: event.stream.clone(),
            stream_version: event.stream_version,
            event_type: event.event_type.clone(),
            schema_version: event.schema_version,
            metadata: event.metadata.clone(),
        }
    }
}
