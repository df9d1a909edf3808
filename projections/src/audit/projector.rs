//! The `audit` projector: every event of the log becomes one row of `audit_logs`.
//!
//! Per batch: load the context of the streams whose earlier events named their user,
//! application or session (`audit_stream_context`) and which users of the batch were
//! erased before it (`audit_erased_users`); build the rows in memory; then one multi-row
//! insert per chunk, the context changes, and the erasures.
//!
//! Erasure (invariant 8): a user's deletion blanks `ip` and `user_agent` on every row of
//! that user, earlier ones by an update and later ones as they are written. The log keeps
//! request metadata in clear and a sign-in's sealed fields read as absent after erasure,
//! so the rule is applied at the deletion event whether the projector runs live or in a
//! replay: the result is the same either way.

use super::row::{build, payload_context, self_identifying, AuditRow, StreamContext, COLUMNS};
use super::{NAME, TABLES};
use crate::erasure::{erased_user, remembered};
use crate::error::ProjectionError;
use crate::projector::{Projector, TableSpec};
use crate::sql::Dialect;
use async_trait::async_trait;
use domain::Actor;
use sqlx::{Any, Row, Transaction};
use std::collections::{BTreeSet, HashMap, HashSet};
use store::RecordedEvent;

/// Rows per insert statement: the rows travel as one JSON parameter.
const ROWS_PER_STATEMENT: usize = 1_000;

#[derive(Debug, Default, Clone, Copy)]
pub struct AuditProjector;

type StreamKey = (String, String);

/// Whether a context says more than the event's actor: a client-credentials token names
/// only the application that is also its actor, so remembering it for its stream (one
/// row per token, thousands a second) would buy nothing.
fn adds_to_actor(own: &StreamContext, actor: &Actor) -> bool {
    let actor_app = match actor {
        Actor::Application(id) => Some(id),
        Actor::User(_) | Actor::System => None,
    };
    own.user_id.is_some()
        || own.session_id.is_some()
        || (own.application_id.is_some() && own.application_id.as_ref() != actor_app)
}

fn json_array<T: serde::Serialize>(items: &[T]) -> Result<String, ProjectionError> {
    serde_json::to_string(items)
        .map_err(|e| ProjectionError::Corrupt(format!("cannot serialise a batch: {e}")))
}

/// `r.value ->> 0, …` in [`COLUMNS`] order, integers cast back from JSON.
fn json_columns() -> String {
    COLUMNS
        .split(',')
        .map(str::trim)
        .enumerate()
        .map(|(i, col)| {
            if super::row::INTEGER_COLUMNS.contains(&col) {
                format!("CAST(r.value ->> {i} AS BIGINT)")
            } else {
                format!("r.value ->> {i}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

async fn load_contexts(
    tx: &mut Transaction<'_, Any>,
    streams: &[StreamKey],
) -> Result<HashMap<StreamKey, StreamContext>, ProjectionError> {
    let mut out = HashMap::new();
    if streams.is_empty() {
        return Ok(out);
    }
    let sql = format!(
        "SELECT c.stream_type, c.stream_id, c.user_id, c.application_id, c.session_id \
         FROM {} JOIN audit_stream_context c \
         ON c.stream_type = (r.value ->> 0) AND c.stream_id = (r.value ->> 1)",
        Dialect::of(tx).json_rows()
    );
    for chunk in streams.chunks(ROWS_PER_STATEMENT) {
        let rows = sqlx::query(&sql)
            .bind(json_array(chunk)?)
            .fetch_all(&mut **tx)
            .await?;
        for row in rows {
            out.insert(
                (row.try_get(0)?, row.try_get(1)?),
                StreamContext {
                    user_id: row.try_get(2)?,
                    application_id: row.try_get(3)?,
                    session_id: row.try_get(4)?,
                },
            );
        }
    }
    Ok(out)
}

async fn save_contexts(
    tx: &mut Transaction<'_, Any>,
    contexts: &[(&StreamKey, &StreamContext)],
) -> Result<(), ProjectionError> {
    let rows: Vec<_> = contexts
        .iter()
        .map(|((t, i), c)| (t, i, &c.user_id, &c.application_id, &c.session_id))
        .collect();
    // `WHERE true`: SQLite needs it to parse `INSERT … SELECT … ON CONFLICT`.
    let sql = format!(
        "INSERT INTO audit_stream_context \
         (stream_type, stream_id, user_id, application_id, session_id) \
         SELECT r.value ->> 0, r.value ->> 1, r.value ->> 2, r.value ->> 3, r.value ->> 4 \
         FROM {} WHERE true ON CONFLICT (stream_type, stream_id) DO UPDATE SET \
         user_id = excluded.user_id, application_id = excluded.application_id, \
         session_id = excluded.session_id",
        Dialect::of(tx).json_rows()
    );
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        sqlx::query(&sql)
            .bind(json_array(chunk)?)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Blanks the personal data of the rows already written for `users` and remembers them.
async fn erase(tx: &mut Transaction<'_, Any>, users: &[&str]) -> Result<(), ProjectionError> {
    let dialect = Dialect::of(tx);
    let blank = format!(
        "UPDATE audit_logs SET ip = NULL, user_agent = NULL WHERE {} \
         AND (ip IS NOT NULL OR user_agent IS NOT NULL)",
        dialect.in_json_strings("user_id")
    );
    let remember = format!(
        "INSERT INTO audit_erased_users (user_id) {} WHERE true \
         ON CONFLICT (user_id) DO NOTHING",
        dialect.json_strings()
    );
    for chunk in users.chunks(ROWS_PER_STATEMENT) {
        let ids = json_array(chunk)?;
        // Unprepared: see `Dialect::in_json_strings`.
        sqlx::query(&blank)
            .persistent(false)
            .bind(&ids)
            .execute(&mut **tx)
            .await?;
        sqlx::query(&remember).bind(&ids).execute(&mut **tx).await?;
    }
    Ok(())
}

async fn insert(tx: &mut Transaction<'_, Any>, rows: &[AuditRow]) -> Result<(), ProjectionError> {
    let sql = format!(
        "INSERT INTO audit_logs ({COLUMNS}) SELECT {} FROM {}",
        json_columns(),
        Dialect::of(tx).json_rows()
    );
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let arrays: Vec<_> = chunk.iter().map(AuditRow::as_array).collect();
        sqlx::query(&sql)
            .bind(json_array(&arrays)?)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

#[async_trait]
impl Projector for AuditProjector {
    fn name(&self) -> &'static str {
        NAME
    }

    fn tables(&self) -> &'static [TableSpec] {
        TABLES
    }

    async fn apply_batch(
        &self,
        tx: &mut Transaction<'_, Any>,
        events: &[RecordedEvent],
    ) -> Result<(), ProjectionError> {
        // Streams continuing from an earlier batch may have a stored context.
        let continuing: BTreeSet<StreamKey> = events
            .iter()
            .filter(|e| e.stream_version > 1 && !self_identifying(&e.stream.stream_type))
            .map(|e| (e.stream.stream_type.clone(), e.stream.stream_id.clone()))
            .collect();
        let continuing: Vec<StreamKey> = continuing.into_iter().collect();
        let mut contexts = load_contexts(tx, &continuing).await?;
        let mut changed: HashSet<StreamKey> = HashSet::new();

        let mut rows = Vec::with_capacity(events.len());
        let mut erased_now: Vec<&str> = Vec::new();
        let none = StreamContext::default();
        for event in events {
            let key = (
                event.stream.stream_type.clone(),
                event.stream.stream_id.clone(),
            );
            let tracked = !self_identifying(&event.stream.stream_type);
            let context = if tracked {
                contexts.get(&key).unwrap_or(&none)
            } else {
                &none
            };
            rows.push(build(event, context)?);
            if tracked {
                let own = payload_context(&event.payload);
                if adds_to_actor(&own, &event.metadata.actor)
                    && contexts.entry(key.clone()).or_default().merge(&own)
                {
                    changed.insert(key);
                }
            }
            if let Some(user) = erased_user(event) {
                erased_now.push(user);
            }
        }

        let users: BTreeSet<&str> = rows.iter().filter_map(|r| r.user_id.as_deref()).collect();
        let users: Vec<&str> = users.into_iter().collect();
        let mut erased = remembered(tx, "audit_erased_users", "user_id", &users).await?;
        erased.extend(erased_now.iter().map(|u| (*u).to_owned()));
        for row in &mut rows {
            if row.user_id.as_ref().is_some_and(|u| erased.contains(u)) {
                row.blank_personal_data();
            }
        }

        if !erased_now.is_empty() {
            erase(tx, &erased_now).await?;
        }
        insert(tx, &rows).await?;
        let mut changed: Vec<(&StreamKey, &StreamContext)> = changed
            .iter()
            .filter_map(|k| contexts.get(k).map(|c| (k, c)))
            .collect();
        changed.sort_by(|a, b| a.0.cmp(b.0));
        if !changed.is_empty() {
            save_contexts(tx, &changed).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_context_is_kept_only_when_it_says_more_than_the_actor() {
        let app = |id: &str| StreamContext {
            application_id: Some(id.into()),
            ..Default::default()
        };
        let m2m = Actor::Application("m2m".into());
        assert!(!adds_to_actor(&app("m2m"), &m2m));
        assert!(adds_to_actor(&app("web"), &m2m));
        assert!(adds_to_actor(&app("web"), &Actor::System));
        let with_user = StreamContext {
            user_id: Some("u".into()),
            ..app("m2m")
        };
        assert!(adds_to_actor(&with_user, &m2m));
        assert!(!adds_to_actor(&StreamContext::default(), &Actor::System));
    }
}
