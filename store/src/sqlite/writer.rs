use super::read::fetch_keys;
use crate::codec::Codec;
use crate::envelope::*;
use crate::error::StoreError;
use crate::group::{self, GroupCommitter, GroupFailure, GroupResult, Row};
use crate::versions::VersionCache;
use async_trait::async_trait;
use sqlx::{Connection, QueryBuilder, Row as _, Sqlite, SqlitePool};
use std::collections::HashMap;
use std::sync::Arc;

/// Rows per INSERT statement: 9 bound columns each, well under SQLite's 32766 parameters.
const ROWS_PER_INSERT: usize = 500;

pub(super) struct SqliteCommitter {
    pub pool: SqlitePool,
    pub codec: Arc<Codec>,
    pub versions: Arc<VersionCache>,
}

/// A unique violation on a stream version or data key: another process wrote the same
/// file (the cache was stale). Re-plan against the database. SQLite reports no constraint
/// name, only the columns in the message.
fn classify(e: sqlx::Error) -> GroupFailure {
    if let sqlx::Error::Database(db) = &e {
        let m = db.message();
        if m.contains("UNIQUE constraint failed: events.stream_type")
            || m.contains("UNIQUE constraint failed: data_keys.subject_id")
        {
            return GroupFailure::Race;
        }
    }
    GroupFailure::Retry(e.into())
}

#[async_trait]
impl GroupCommitter for SqliteCommitter {
    async fn commit(&mut self, group: &[&AppendBatch], verified: bool) -> GroupResult {
        match self.commit_inner(group, verified).await {
            Ok(r) => Ok(r),
            Err(e) => {
                // What we planned against may be stale: let the retry ask the database.
                self.versions.forget(&group::streams_of(group));
                Err(match e {
                    GroupFailure::Retry(StoreError::Database(e)) => classify(e),
                    other => other,
                })
            }
        }
    }
}

impl SqliteCommitter {
    async fn commit_inner(&mut self, group: &[&AppendBatch], verified: bool) -> GroupResult {
        let mut conn = self.pool.acquire().await?;
        // IMMEDIATE takes the write lock up front: a deferred transaction that reads first
        // could fail to upgrade while a read model holds the lock.
        let mut tx = (*conn).begin_with("BEGIN IMMEDIATE").await?;

        // This process is the file's only writer, so the cache is almost always exact and
        // the version query is skipped; the unique index covers the exception.
        let (mut versions, unknown) =
            crate::versions::known_and_unknown(&self.versions, group, verified);
        versions.extend(current_versions(&mut tx, &unknown).await?);
        let vault = &self.codec.vault;
        for chunk in vault.unknown(group::subjects_of(group)).chunks(500) {
            let keys = fetch_keys(&mut *tx, chunk).await?;
            vault.absorb(keys)?;
        }
        let plans = group::plan(group, &mut versions, vault);
        let (rows, fresh) = group::seal_rows(&plans, vault)?;

        if !fresh.is_empty() {
            let now = crate::clock::SystemClock::now_ms();
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO data_keys (subject_id, wrapped_key, created_at) ",
            );
            q.push_values(fresh.iter(), |mut b, (subject, (_, wrapped))| {
                b.push_bind(subject.as_str())
                    .push_bind(wrapped.as_slice())
                    .push_bind(now);
            });
            q.build().execute(&mut *tx).await?;
        }

        let (last,): (i64,) = sqlx::query_as("SELECT COALESCE(MAX(position), 0) FROM events")
            .fetch_one(&mut *tx)
            .await?;
        let mut positions = HashMap::with_capacity(rows.len());
        let mut next = last;
        for chunk in rows.chunks(ROWS_PER_INSERT) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO events (position, event_id, stream_type, stream_id, stream_version, \
                 event_type, schema_version, payload, metadata) ",
            );
            q.push_values(chunk, |mut b, r: &Row| {
                next += 1;
                positions.insert(r.event_id, next as u64);
                b.push_bind(next)
                    .push_bind(r.event_id.to_string())
                    .push_bind(r.stream_type.as_str())
                    .push_bind(r.stream_id.as_str())
                    .push_bind(r.version)
                    .push_bind(r.event_type.as_str())
                    .push_bind(r.schema_version)
                    .push_bind(r.payload.as_str())
                    .push_bind(r.metadata.as_str());
            });
            q.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        for r in &rows {
            self.versions.observe(
                &StreamRef::new(&r.stream_type, &r.stream_id),
                r.version as u64,
            );
        }
        let results = group::outcomes(plans, &positions, fresh, vault);
        Ok((results, Position(next as u64)))
    }
}

/// The current version of each stream, in one query per 400 streams.
async fn current_versions(
    conn: &mut sqlx::SqliteConnection,
    streams: &[&StreamRef],
) -> Result<HashMap<StreamRef, u64>, sqlx::Error> {
    let mut versions = HashMap::new();
    for chunk in streams.chunks(400) {
        let mut q = QueryBuilder::<Sqlite>::new("WITH s(t, i) AS (VALUES ");
        let mut sep = q.separated(", ");
        for s in chunk {
            sep.push("(")
                .push_bind_unseparated(s.stream_type.as_str())
                .push_unseparated(", ")
                .push_bind_unseparated(s.stream_id.as_str())
                .push_unseparated(")");
        }
        q.push(
            ") SELECT t, i, COALESCE((SELECT MAX(e.stream_version) FROM events e \
             WHERE e.stream_type = s.t AND e.stream_id = s.i), 0) FROM s",
        );
        for row in q.build().fetch_all(&mut *conn).await? {
            let (t, i, v): (String, String, i64) =
                (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
            versions.insert(StreamRef::new(t, i), v as u64);
        }
    }
    Ok(versions)
}
