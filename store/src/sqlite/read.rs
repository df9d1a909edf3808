use crate::codec::{Codec, StoredRow};
use crate::envelope::*;
use crate::error::StoreError;
use crate::vault::KeyRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};

const COLUMNS: &str = "position, event_id, stream_type, stream_id, stream_version, event_type, \
                       schema_version, payload, metadata";

fn parse(row: &SqliteRow) -> Result<StoredRow, StoreError> {
    let position: i64 = row.try_get(0)?;
    let corrupt = |reason: String| StoreError::Corrupt {
        position: position as u64,
        reason,
    };
    let event_id: String = row.try_get(1)?;
    let payload: String = row.try_get(7)?;
    let metadata: String = row.try_get(8)?;
    Ok(StoredRow {
        position,
        event_id: event_id
            .parse()
            .map_err(|e| corrupt(format!("event_id: {e}")))?,
        stream_type: row.try_get(2)?,
        stream_id: row.try_get(3)?,
        stream_version: row.try_get(4)?,
        event_type: row.try_get(5)?,
        schema_version: row.try_get(6)?,
        payload: serde_json::from_str(&payload).map_err(|e| corrupt(format!("payload: {e}")))?,
        metadata: serde_json::from_str(&metadata).map_err(|e| corrupt(format!("metadata: {e}")))?,
    })
}

/// Fetches the keys the rows need into the cache (one query per page), then decodes.
async fn decode(
    pool: &SqlitePool,
    codec: &Codec,
    rows: Vec<SqliteRow>,
) -> Result<Vec<RecordedEvent>, StoreError> {
    let rows = rows.iter().map(parse).collect::<Result<Vec<_>, _>>()?;
    let missing = codec.missing_keys(&rows);
    for chunk in missing.chunks(500) {
        let keys = fetch_keys(pool, chunk).await?;
        codec.vault.absorb(keys)?;
    }
    codec.decode(rows)
}

pub(super) async fn fetch_keys<'c, E>(
    executor: E,
    subjects: &[String],
) -> Result<Vec<KeyRow>, StoreError>
where
    E: sqlx::Executor<'c, Database = Sqlite>,
{
    if subjects.is_empty() {
        return Ok(vec![]);
    }
    let mut q = QueryBuilder::<Sqlite>::new(
        "SELECT subject_id, wrapped_key FROM data_keys WHERE subject_id IN (",
    );
    let mut sep = q.separated(", ");
    for s in subjects {
        sep.push_bind(s.as_str());
    }
    q.push(")");
    let rows = q.build().fetch_all(executor).await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

pub(super) async fn read_stream(
    pool: &SqlitePool,
    codec: &Codec,
    stream: &StreamRef,
    after_version: u64,
) -> Result<Vec<RecordedEvent>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM events WHERE stream_type = ? AND stream_id = ? \
         AND stream_version > ? ORDER BY stream_version"
    ))
    .bind(&stream.stream_type)
    .bind(&stream.stream_id)
    .bind(i64::try_from(after_version).unwrap_or(i64::MAX))
    .fetch_all(pool)
    .await?;
    decode(pool, codec, rows).await
}

pub(super) async fn read_all(
    pool: &SqlitePool,
    codec: &Codec,
    after: Position,
    limit: usize,
) -> Result<Vec<RecordedEvent>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?"
    ))
    .bind(after.0 as i64)
    .bind(limit.min(i64::MAX as usize) as i64)
    .fetch_all(pool)
    .await?;
    decode(pool, codec, rows).await
}

pub(super) async fn head(pool: &SqlitePool) -> Result<Position, StoreError> {
    let (h,): (i64,) = sqlx::query_as("SELECT COALESCE(MAX(position), 0) FROM events")
        .fetch_one(pool)
        .await?;
    Ok(Position(h as u64))
}
