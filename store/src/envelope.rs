use domain::EventMetadata;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use uuid::Uuid;

/// A position in the global log. Positions start at 1; `Position(0)` means "before
/// everything" and is where a new follower starts.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Position(pub u64);

/// Identifies one aggregate's stream.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct StreamRef {
    pub stream_type: String,
    pub stream_id: String,
}

impl StreamRef {
    pub fn new(stream_type: impl Into<String>, stream_id: impl Into<String>) -> Self {
        Self {
            stream_type: stream_type.into(),
            stream_id: stream_id.into(),
        }
    }
}

/// What the appender expects a stream's current version to be. Versions count events in
/// the stream: a stream with no events is at version 0, its first event has version 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpectedVersion {
    /// The stream must have no events.
    NoStream,
    /// The stream's last event must have exactly this version.
    Exact(u64),
    /// No check (used only for streams with a single logical writer).
    Any,
}

impl ExpectedVersion {
    /// The expectation matching a stream observed at `version` (0 = empty).
    pub fn at(version: u64) -> Self {
        if version == 0 {
            Self::NoStream
        } else {
            Self::Exact(version)
        }
    }
}

/// An event about to be appended. `payload` is plain JSON; the store encrypts the keys named
/// in `pii_fields` under `pii_subject`'s data key before writing.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub event_type: String,
    pub schema_version: u32,
    pub payload: serde_json::Value,
    pub pii_subject: Option<String>,
    pub pii_fields: &'static [&'static str],
    pub metadata: EventMetadata,
}

/// Events for one stream, with the version the stream must be at.
#[derive(Debug, Clone)]
pub struct StreamAppend {
    pub stream: StreamRef,
    pub expected: ExpectedVersion,
    pub events: Vec<NewEvent>,
}

/// One atomic append: every stream's check passes and all events commit, or nothing does.
#[derive(Debug, Clone, Default)]
pub struct AppendBatch {
    pub streams: Vec<StreamAppend>,
}

/// What an append committed: each stream's new version and the positions taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendOutcome {
    pub events: Vec<AppendedEvent>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendedEvent {
    pub event_id: Uuid,
    pub stream: StreamRef,
    pub stream_version: u64,
    pub position: Position,
}

/// An event as read back: the envelope, with the payload upcast to the current schema
/// version and personal fields decrypted (or absent, if the subject was erased).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedEvent {
    pub event_id: Uuid,
    pub position: Position,
    pub stream: StreamRef,
    pub stream_version: u64,
    pub event_type: String,
    pub schema_version: u32,
    /// Shared: every follower of the log (projectors, the relay, caches) gets its own copy
    /// of each event from the shared tail, and a deep copy of the payload per reader was a
    /// tenth of a busy server's CPU.
    pub payload: Arc<serde_json::Value>,
    pub metadata: EventMetadata,
}

impl RecordedEvent {
    /// Decodes the payload as `E` if this event belongs to `E`'s family.
    pub fn decode<E: domain::DomainEvent>(&self) -> Result<E, serde_json::Error> {
        E::from_payload(&self.event_type, (*self.payload).clone())
    }
}
