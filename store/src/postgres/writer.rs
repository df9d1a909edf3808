//! One group commit on Postgres: BEGIN and force the transaction id (one round trip),
//! check every stream's version in one query, fetch/create data keys, insert all events
//! in one `INSERT … SELECT FROM UNNEST` taking positions from the sequence, NOTIFY, COMMIT.

use super::read::fetch_keys;
use crate::codec::Codec;
use crate::envelope::*;
use crate::group::{self, GroupCommitter, GroupFailure, GroupResult};
use async_trait::async_trait;
use sqlx::{Connection, PgPool};
use std::collections::HashMap;
use std::sync::Arc;

pub(super) struct PgCommitter {
    pub pool: PgPool,
    pub codec: Arc<Codec>,
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

#[async_trait]
impl GroupCommitter for PgCommitter {
    async fn commit(&mut self, group: &[&AppendBatch]) -> GroupResult {
        let mut conn = self.pool.acquire().await?;
        // The transaction id is taken before any position (ARCHITECTURE.md: a transaction
        // holding a position is then always in the in-progress list of later snapshots).
        let mut tx = (*conn)
            .begin_with("BEGIN; SELECT pg_current_xact_id();")
            .await?;

        let streams = group::streams_of(group);
        let (types, ids): (Vec<&str>, Vec<&str>) = streams
            .iter()
            .map(|s| (s.stream_type.as_str(), s.stream_id.as_str()))
            .unzip();
        let current: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT s.t, s.i, COALESCE((SELECT max(e.stream_version) FROM events e \
             WHERE e.stream_type = s.t AND e.stream_id = s.i), 0)::bigint \
             FROM UNNEST($1::text[], $2::text[]) AS s(t, i)",
        )
        .bind(&types)
        .bind(&ids)
        .fetch_all(&mut *tx)
        .await?;
        let mut versions: HashMap<StreamRef, u64> = current
            .into_iter()
            .map(|(t, i, v)| (StreamRef::new(t, i), v as u64))
            .collect();

        let vault = &self.codec.vault;
        let unknown = vault.unknown(group::subjects_of(group));
        if !unknown.is_empty() {
            vault.absorb(fetch_keys(&mut *tx, &unknown).await?)?;
        }
        let plans = group::plan(group, &mut versions, vault);
        let (rows, fresh) = group::seal_rows(&plans, vault)?;

        if !fresh.is_empty() {
            let now = crate::sqlite::now_ms();
            let (subjects, wrapped): (Vec<&str>, Vec<&[u8]>) = fresh
                .iter()
                .map(|(s, (_, w))| (s.as_str(), w.as_slice()))
                .unzip();
            sqlx::query(
                "INSERT INTO data_keys (subject_id, wrapped_key, created_at) \
                 SELECT s, w, $3 FROM UNNEST($1::text[], $2::bytea[]) AS k(s, w)",
            )
            .bind(&subjects)
            .bind(&wrapped)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(classify)?;
        }

        let mut positions = HashMap::with_capacity(rows.len());
        let mut head = 0i64;
        if !rows.is_empty() {
            let mut ids = Vec::with_capacity(rows.len());
            let mut st = Vec::with_capacity(rows.len());
            let mut sid = Vec::with_capacity(rows.len());
            let mut ver = Vec::with_capacity(rows.len());
            let mut et = Vec::with_capacity(rows.len());
            let mut sv = Vec::with_capacity(rows.len());
            let mut pl = Vec::with_capacity(rows.len());
            let mut md = Vec::with_capacity(rows.len());
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
            // ORDER BY ord: nextval is evaluated after the sort, so positions follow the
            // rows' order (and thus stream versions within a stream).
            let inserted: Vec<(uuid::Uuid, i64)> = sqlx::query_as(
                "WITH ins AS ( \
                   INSERT INTO events (position, event_id, stream_type, stream_id, stream_version, \
                                       event_type, schema_version, payload, metadata) \
                   SELECT nextval('events_position_seq'), r.id, r.st, r.sid, r.v, r.et, r.sv, \
                          r.p::jsonb, r.m::jsonb \
                   FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::bigint[], $5::text[], \
                               $6::int4[], $7::text[], $8::text[]) \
                        WITH ORDINALITY AS r(id, st, sid, v, et, sv, p, m, ord) \
                   ORDER BY r.ord \
                   RETURNING event_id, position), \
                 n AS (SELECT pg_notify('tessera_events', max(position)::text) FROM ins) \
                 SELECT ins.event_id, ins.position FROM ins, n",
            )
            .bind(&ids)
            .bind(&st)
            .bind(&sid)
            .bind(&ver)
            .bind(&et)
            .bind(&sv)
            .bind(&pl)
            .bind(&md)
            .fetch_all(&mut *tx)
            .await
            .map_err(classify)?;
            for (id, pos) in inserted {
                head = head.max(pos);
                positions.insert(id, pos as u64);
            }
        }
        tx.commit().await.map_err(classify)?;
        let results = group::outcomes(plans, &positions, fresh, vault);
        Ok((results, Position(head as u64)))
    }
}
