//! One group commit on Postgres. Planning happens before the transaction: stream versions
//! come from the [`VersionCache`] (or one query for streams it cannot vouch for) and data
//! keys from the vault's cache (or one query). The commit itself is one call of
//! `tessera_append` (migration 0010) in autocommit mode: transaction id, data keys, the
//! multi-row insert with positions from the sequence, NOTIFY and COMMIT in one round trip.
//! Safety does not rest on the pre-checks: the unique indexes reject anything planned on
//! stale knowledge, and the group is then retried batch by batch with `verified` checks.

use super::read::fetch_keys;
use crate::codec::Codec;
use crate::envelope::*;
use crate::group::{self, GroupCommitter, GroupFailure, GroupResult};
use crate::versions::VersionCache;
use async_trait::async_trait;
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::Arc;

pub(super) struct PgCommitter {
    pub pool: PgPool,
    pub codec: Arc<Codec>,
    pub versions: Arc<VersionCache>,
}

/// A unique violation means another writer (here or on another node) committed first:
/// the stream moved on, or the subject's data key now exists. Re-planning resolves both.
fn classify(e: sqlx::Error) -> GroupFailure {
    if let sqlx::Error::Database(db) = &e {
        if db.code().as_deref() == Some("23505")
            && matches!(
                db.constraint(),
                Some("events_stream_version_key") | Some("data_keys_pkey")
            )
        {
            return GroupFailure::Race;
        }
    }
    GroupFailure::Retry(e.into())
}

impl PgCommitter {
    /// Versions to plan against: assumed from the cache where safe, queried otherwise.
    async fn versions(
        &self,
        group: &[&AppendBatch],
        verified: bool,
    ) -> Result<HashMap<StreamRef, u64>, sqlx::Error> {
        let (mut versions, unknown) =
            crate::versions::known_and_unknown(&self.versions, group, verified);
        if unknown.is_empty() {
            return Ok(versions);
        }
        let (types, ids): (Vec<&str>, Vec<&str>) = unknown
            .iter()
            .map(|s| (s.stream_type.as_str(), s.stream_id.as_str()))
            .unzip();
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT s.t, s.i, COALESCE((SELECT max(e.stream_version) FROM events e \
             WHERE e.stream_type = s.t AND e.stream_id = s.i), 0)::bigint \
             FROM UNNEST($1::text[], $2::text[]) AS s(t, i)",
        )
        .bind(&types)
        .bind(&ids)
        .fetch_all(&self.pool)
        .await?;
        for (t, i, v) in rows {
            let stream = StreamRef::new(t, i);
            self.versions.observe(&stream, v as u64);
            versions.insert(stream, v as u64);
        }
        Ok(versions)
    }
}

#[async_trait]
impl GroupCommitter for PgCommitter {
    async fn commit(&mut self, group: &[&AppendBatch], verified: bool) -> GroupResult {
        let mut versions = self.versions(group, verified).await?;
        let vault = &self.codec.vault;
        let unknown = vault.unknown(group::subjects_of(group));
        if !unknown.is_empty() {
            vault.absorb(fetch_keys(&self.pool, &unknown).await?)?;
        }
        let plans = group::plan(group, &mut versions, vault);
        let (rows, fresh) = group::seal_rows(&plans, vault)?;
        if rows.is_empty() && fresh.is_empty() {
            let results = group::outcomes(plans, &HashMap::new(), fresh, vault);
            return Ok((results, Position(0)));
        }

        let n = rows.len();
        let mut ids = Vec::with_capacity(n);
        let mut st = Vec::with_capacity(n);
        let mut sid = Vec::with_capacity(n);
        let mut ver = Vec::with_capacity(n);
        let mut et = Vec::with_capacity(n);
        let mut sv = Vec::with_capacity(n);
        let mut pl = Vec::with_capacity(n);
        let mut md = Vec::with_capacity(n);
        for r in &rows {
            ids.push(r.event_id);
            st.push(r.stream_type.as_str());
            sid.push(r.stream_id.as_str());
            ver.push(r.version);
            et.push(r.event_type.as_str());
            sv.push(r.schema_version);
            pl.push(r.payload.as_str());
            md.push(r.metadata.as_str());
        }
        let (subjects, wrapped): (Vec<&str>, Vec<&[u8]>) = fresh
            .iter()
            .map(|(s, (_, w))| (s.as_str(), w.as_slice()))
            .unzip();
        let inserted: Result<Vec<(uuid::Uuid, i64)>, sqlx::Error> = sqlx::query_as(
            "SELECT out_event_id, out_position FROM tessera_append(\
             $1::uuid[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::int4[], \
             $7::text[], $8::text[], $9::text[], $10::bytea[], $11)",
        )
        .bind(&ids)
        .bind(&st)
        .bind(&sid)
        .bind(&ver)
        .bind(&et)
        .bind(&sv)
        .bind(&pl)
        .bind(&md)
        .bind(&subjects)
        .bind(&wrapped)
        .bind(crate::clock::SystemClock::now_ms())
        .fetch_all(&self.pool)
        .await;
        let inserted = match inserted {
            Ok(rows) => rows,
            Err(e) => {
                // What we planned against may be stale: let the retry ask the database.
                self.versions.forget(&group::streams_of(group));
                return Err(classify(e));
            }
        };

        let mut positions = HashMap::with_capacity(n);
        let mut head = 0i64;
        for (id, pos) in inserted {
            head = head.max(pos);
            positions.insert(id, pos as u64);
        }
        for r in &rows {
            self.versions.observe(
                &StreamRef::new(&r.stream_type, &r.stream_id),
                r.version as u64,
            );
        }
        let results = group::outcomes(plans, &positions, fresh, vault);
        Ok((results, Position(head as u64)))
    }
}
