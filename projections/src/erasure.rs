//! When a user's personal data leaves the read models: one rule for every projector that
//! keeps a copy (the audit log's IP/UA, the webhook logs' bodies), so they agree on the
//! event and a replay reaches the same state at the same point.

use crate::error::ProjectionError;
use crate::sql::Dialect;
use sqlx::{Any, Row, Transaction};
use std::collections::HashSet;
use store::RecordedEvent;

/// Ids per lookup statement: they travel as one JSON parameter.
const IDS_PER_STATEMENT: usize = 1_000;

/// A user's deletion (or a future explicit erasure event) erases their personal data:
/// the erased user's id.
pub(crate) fn erased_user(event: &RecordedEvent) -> Option<&str> {
    let erases = event.event_type == "UserDeleted" || event.event_type.ends_with("Erased");
    (event.stream.stream_type == "user" && erases).then_some(event.stream.stream_id.as_str())
}

/// Of `ids`, those a projector already remembers as erased: the rows of `table` (its own
/// memory of erased users, one `column` of ids) that match, looked up in one statement
/// per thousand ids.
pub(crate) async fn remembered(
    tx: &mut Transaction<'_, Any>,
    table: &str,
    column: &str,
    ids: &[&str],
) -> Result<HashSet<String>, ProjectionError> {
    let mut out = HashSet::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let sql = format!(
        "SELECT {column} FROM {table} WHERE {}",
        Dialect::of(tx).in_json_strings(column)
    );
    for chunk in ids.chunks(IDS_PER_STATEMENT) {
        let ids = serde_json::to_string(chunk)
            .map_err(|e| ProjectionError::Corrupt(format!("cannot serialise ids: {e}")))?;
        // Unprepared: see `Dialect::in_json_strings`.
        let rows = sqlx::query(&sql)
            .persistent(false)
            .bind(ids)
            .fetch_all(&mut **tx)
            .await?;
        for row in rows {
            out.insert(row.try_get(0)?);
        }
    }
    Ok(out)
}
