//! The `hooks` read model: Logto's Hook object (signing key still sealed), the hooks a
//! delivery goes to (`subscribers`), and each hook's recent execution stats from
//! `hook_logs` (see `hooks_log.rs`).

use crate::error::ProjectionError;
use crate::projector::{Projector, TableSpec};
use crate::read_model::{decode, json_column, json_text, occurred_at, to_i64, Window};
use async_trait::async_trait;
use domain::hook::{Hook, HookEvent};
use domain::Aggregate;
use sqlx::any::AnyRow;
use sqlx::{Any, AnyPool, Row, Transaction};
use store::RecordedEvent;

pub const NAME: &str = "hooks";

const TABLES: &[TableSpec] = &[TableSpec {
    name: "hooks",
    order_by: "id",
}];

/// A hook row. The API turns it into Logto's JSON after opening the signing key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookRow {
    pub id: String,
    pub name: String,
    pub events: Vec<String>,
    pub url: String,
    /// The custom headers, sealed under the KEK (opened by the API and the delivery core).
    pub sealed_headers: Option<String>,
    pub enabled: bool,
    pub sealed_signing_key: String,
    pub created_at: i64,
    /// The log position of `HookCreated`: events at or below it are not for this hook.
    pub created_position: u64,
}

/// `executionStats`: attempts and successes over the last 24 hours.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionStats {
    pub success_count: u64,
    pub request_count: u64,
}

const COLUMNS: &str =
    "id, name, events, url, headers, enabled, sealed_signing_key, created_at, created_position";

fn hook_of(row: &AnyRow) -> Result<HookRow, ProjectionError> {
    let events = json_column(row, 2, "hooks.events")?;
    Ok(HookRow {
        id: row.try_get(0)?,
        name: row.try_get(1)?,
        events: serde_json::from_value(events)
            .map_err(|e| ProjectionError::Corrupt(format!("hooks.events: {e}")))?,
        url: row.try_get(3)?,
        sealed_headers: Some(row.try_get::<String, _>(4)?).filter(|h| !h.is_empty()),
        enabled: row.try_get::<i64, _>(5)? != 0,
        sealed_signing_key: row.try_get(6)?,
        created_at: row.try_get(7)?,
        created_position: u64::try_from(row.try_get::<i64, _>(8)?).unwrap_or(0),
    })
}

pub async fn get(pool: &AnyPool, id: &str) -> Result<Option<HookRow>, ProjectionError> {
    let sql = format!("SELECT {COLUMNS} FROM hooks WHERE id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(pool).await?;
    row.as_ref().map(hook_of).transpose()
}

/// Hooks newest first, optionally one page, with the total count.
pub async fn list(
    pool: &AnyPool,
    window: Option<Window>,
) -> Result<(Vec<HookRow>, u64), ProjectionError> {
    let total: i64 = sqlx::query("SELECT count(*) FROM hooks")
        .fetch_one(pool)
        .await?
        .try_get(0)?;
    let sql = format!(
        "SELECT {COLUMNS} FROM hooks ORDER BY created_at DESC, id{}",
        Window::sql(window)
    );
    let rows = sqlx::query(&sql).fetch_all(pool).await?;
    let hooks = rows.iter().map(hook_of).collect::<Result<Vec<_>, _>>()?;
    Ok((hooks, u64::try_from(total).unwrap_or(0)))
}

/// Enabled hooks created before log position `position` (the read model must have
/// reached it): the candidates for delivering the event at that position.
pub async fn subscribers(pool: &AnyPool, position: u64) -> Result<Vec<HookRow>, ProjectionError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM hooks WHERE enabled = 1 AND created_position < $1 ORDER BY id"
    );
    let rows = sqlx::query(&sql)
        .bind(to_i64(position))
        .fetch_all(pool)
        .await?;
    rows.iter().map(hook_of).collect()
}

/// Attempts and successes of hook `id` since `since_ms`.
pub async fn execution_stats(
    pool: &AnyPool,
    id: &str,
    since_ms: i64,
) -> Result<ExecutionStats, ProjectionError> {
    let row = sqlx::query(
        "SELECT count(*), coalesce(sum(CASE WHEN result = 'Success' THEN 1 ELSE 0 END), 0) \
         FROM hook_logs WHERE hook_id = $1 AND created_at >= $2",
    )
    .bind(id)
    .bind(since_ms)
    .fetch_one(pool)
    .await?;
    let requests: i64 = row.try_get(0)?;
    let successes: i64 = row.try_get(1)?;
    Ok(ExecutionStats {
        success_count: u64::try_from(successes).unwrap_or(0),
        request_count: u64::try_from(requests).unwrap_or(0),
    })
}

#[derive(Debug, Default, Clone, Copy)]
pub struct HooksProjector;

async fn apply(
    tx: &mut Transaction<'_, Any>,
    recorded: &RecordedEvent,
) -> Result<(), ProjectionError> {
    let id = recorded.stream.stream_id.as_str();
    match decode::<HookEvent>(recorded)? {
        HookEvent::HookCreated(e) => {
            sqlx::query(
                "INSERT INTO hooks (id, name, events, url, headers, enabled, sealed_signing_key, \
                 created_at, created_position) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                 ON CONFLICT (id) DO NOTHING",
            )
            .bind(id)
            .bind(e.name)
            .bind(json_text(&e.events)?)
            .bind(e.url)
            .bind(e.sealed_headers.unwrap_or_default())
            .bind(i64::from(e.enabled))
            .bind(e.sealed_signing_key)
            .bind(occurred_at(recorded))
            .bind(to_i64(recorded.position.0))
            .execute(&mut **tx)
            .await?;
        }
        HookEvent::HookUpdated(e) => {
            sqlx::query(
                "UPDATE hooks SET name = $1, events = $2, url = $3, headers = $4, enabled = $5 \
                 WHERE id = $6",
            )
            .bind(e.name)
            .bind(json_text(&e.events)?)
            .bind(e.url)
            .bind(e.sealed_headers.unwrap_or_default())
            .bind(i64::from(e.enabled))
            .bind(id)
            .execute(&mut **tx)
            .await?;
        }
        HookEvent::HookSigningKeyRotated(e) => {
            sqlx::query("UPDATE hooks SET sealed_signing_key = $1 WHERE id = $2")
                .bind(e.sealed_signing_key)
                .bind(id)
                .execute(&mut **tx)
                .await?;
        }
        HookEvent::HookDisabledByReceiver(_) => {
            sqlx::query("UPDATE hooks SET enabled = 0 WHERE id = $1")
                .bind(id)
                .execute(&mut **tx)
                .await?;
        }
        HookEvent::HookDeleted(_) => {
            sqlx::query("DELETE FROM hooks WHERE id = $1")
                .bind(id)
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}

#[async_trait]
impl Projector for HooksProjector {
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
        for recorded in events
            .iter()
            .filter(|e| e.stream.stream_type == Hook::STREAM_TYPE)
        {
            apply(tx, recorded).await?;
        }
        Ok(())
    }
}
