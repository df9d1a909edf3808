//! What the read models share: decoding a recorded event (a failure stops the projector,
//! never skips it), JSON and time columns, list windows, the tenant id. Written for the
//! management read models (applications, resources, roles), used by most.
//!
//! Management events are rare (tens or thousands, against millions of user and grant
//! events), so these projectors write one small statement per event inside the batch
//! transaction instead of the multi-row machinery of `users`: simpler, and no measurable
//! cost on replay because every other stream type is filtered out before any SQL runs.

use crate::error::ProjectionError;
use domain::DomainEvent;
use sqlx::any::AnyRow;
use sqlx::Row;
use store::RecordedEvent;

/// Logto's tenant id for a self-hosted deployment; every management object carries it.
pub const TENANT_ID: &str = "default";

/// Decodes a recorded event of family `E`, or stops the projector (never skips).
pub(crate) fn decode<E: DomainEvent>(recorded: &RecordedEvent) -> Result<E, ProjectionError> {
    recorded.decode::<E>().map_err(|e| ProjectionError::Decode {
        position: recorded.position,
        event_type: recorded.event_type.clone(),
        reason: e.to_string(),
    })
}

/// Canonical JSON text of a serialisable value (serde_json maps are ordered).
pub(crate) fn json_text<T: serde::Serialize>(value: &T) -> Result<String, ProjectionError> {
    serde_json::to_string(value)
        .map_err(|e| ProjectionError::Corrupt(format!("unserialisable JSON: {e}")))
}

/// Parses a JSON text column back into a value.
pub(crate) fn json_column(
    row: &AnyRow,
    index: usize,
    what: &str,
) -> Result<serde_json::Value, ProjectionError> {
    let text: String = row.try_get(index)?;
    serde_json::from_str(&text).map_err(|e| ProjectionError::Corrupt(format!("{what}: {e}")))
}

pub(crate) fn occurred_at(recorded: &RecordedEvent) -> i64 {
    recorded.metadata.occurred_at.as_millis()
}

pub(crate) fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// Optional pagination: `LIMIT … OFFSET …` or nothing (Logto's unpaginated lists).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub limit: u64,
    pub offset: u64,
}

impl Window {
    pub(crate) fn sql(window: Option<Window>) -> String {
        match window {
            Some(w) => format!(" LIMIT {} OFFSET {}", w.limit, w.offset),
            None => String::new(),
        }
    }
}
