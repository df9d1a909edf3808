//! Turning stored rows back into [`RecordedEvent`]s: decrypt personal fields, then upcast
//! to the current schema version (decryption first: sealed fields carry the names of the
//! version they were written in).

use crate::envelope::*;
use crate::error::StoreError;
use crate::vault::Vault;
use domain::UpcasterRegistry;
use std::sync::Arc;
use uuid::Uuid;

/// A row as read from either backend.
pub(crate) struct StoredRow {
    pub position: i64,
    pub event_id: Uuid,
    pub stream_type: String,
    pub stream_id: String,
    pub stream_version: i64,
    pub event_type: String,
    pub schema_version: i32,
    pub payload: serde_json::Value,
    pub metadata: serde_json::Value,
}

pub(crate) struct Codec {
    pub vault: Vault,
    pub upcasters: UpcasterRegistry,
}

impl Codec {
    /// Subjects whose keys the rows need and the cache lacks (one query fetches them all).
    pub(crate) fn missing_keys(&self, rows: &[StoredRow]) -> Vec<String> {
        self.vault.unknown(
            rows.iter()
                .filter_map(|r| Vault::sealed_subject(&r.payload)),
        )
    }

    pub(crate) fn decode(&self, rows: Vec<StoredRow>) -> Result<Vec<RecordedEvent>, StoreError> {
        rows.into_iter().map(|r| self.decode_one(r)).collect()
    }

    fn decode_one(&self, r: StoredRow) -> Result<RecordedEvent, StoreError> {
        let position = r.position as u64;
        let payload = self.vault.open_payload(r.payload, r.event_id, position)?;
        let (schema_version, payload) =
            self.upcasters
                .upcast(&r.event_type, r.schema_version as u32, payload);
        let metadata = serde_json::from_value(r.metadata).map_err(|e| StoreError::Corrupt {
            position,
            reason: format!("metadata: {e}"),
        })?;
        Ok(RecordedEvent {
            event_id: r.event_id,
            position: Position(position),
            stream: StreamRef::new(r.stream_type, r.stream_id),
            stream_version: r.stream_version as u64,
            event_type: r.event_type,
            schema_version,
            payload: Arc::new(payload),
            metadata,
        })
    }
}
