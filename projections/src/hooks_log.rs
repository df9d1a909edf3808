//! The `hook_logs` read model: one row per delivery attempt in the shape of Logto's
//! `TriggerHook.<Event>` log (`GET /api/hooks/:id/recent-logs`), plus one row when a
//! delivery is given up.
//!
//! A row keeps the body the receiver got, which holds the user's personal data in clear.
//! At the user's erasure (`crate::erasure`) the bodies of that user's rows are blanked and
//! the user is remembered (`hook_logs_erased_subjects`), so rows written later about them
//! (the `User.Deleted` delivery, retries) are stored blank too.

use crate::erasure::{erased_user, remembered};
use crate::error::ProjectionError;
use crate::projector::{Projector, TableSpec};
use crate::read_model::{decode, json_column, json_text, occurred_at, Window, TENANT_ID};
use async_trait::async_trait;
use domain::hook::delivery::{Delivery, DeliveryEvent};
use domain::Aggregate;
use serde::Serialize;
use serde_json::{json, Value};
use sqlx::{Any, AnyPool, Row, Transaction};
use std::collections::HashSet;
use store::RecordedEvent;

pub const NAME: &str = "hook_logs";

const TABLES: &[TableSpec] = &[
    TableSpec {
        name: "hook_logs",
        order_by: "id",
    },
    TableSpec {
        name: "hook_logs_erased_subjects",
        order_by: "subject",
    },
];

/// Logto's log object.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HookLogView {
    pub tenant_id: &'static str,
    pub id: String,
    pub key: String,
    pub payload: Value,
    pub created_at: i64,
}

/// `recent-logs` filters: a time window (ms) and optionally one log key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFilter {
    pub hook_id: String,
    pub start_ms: i64,
    pub end_ms: i64,
    pub log_key: Option<String>,
}

/// Logs newest first, one page, with the total count.
pub async fn recent(
    pool: &AnyPool,
    filter: &LogFilter,
    window: Window,
) -> Result<(Vec<HookLogView>, u64), ProjectionError> {
    let mut cond = "hook_id = $1 AND created_at >= $2 AND created_at <= $3".to_owned();
    if filter.log_key.is_some() {
        cond.push_str(" AND log_key = $4");
    }
    let count_sql = format!("SELECT count(*) FROM hook_logs WHERE {cond}");
    let mut count = sqlx::query(&count_sql)
        .bind(filter.hook_id.as_str())
        .bind(filter.start_ms)
        .bind(filter.end_ms);
    if let Some(k) = &filter.log_key {
        count = count.bind(k.as_str());
    }
    let total: i64 = count.fetch_one(pool).await?.try_get(0)?;
    let sql = format!(
        "SELECT id, log_key, payload, created_at FROM hook_logs WHERE {cond} \
         ORDER BY created_at DESC, id DESC{}",
        Window::sql(Some(window))
    );
    let mut page = sqlx::query(&sql)
        .bind(filter.hook_id.as_str())
        .bind(filter.start_ms)
        .bind(filter.end_ms);
    if let Some(k) = &filter.log_key {
        page = page.bind(k.as_str());
    }
    let mut logs = Vec::new();
    for row in page.fetch_all(pool).await? {
        logs.push(HookLogView {
            tenant_id: TENANT_ID,
            id: row.try_get(0)?,
            key: row.try_get(1)?,
            payload: json_column(&row, 2, "hook_logs.payload")?,
            created_at: row.try_get(3)?,
        });
    }
    Ok((logs, u64::try_from(total).unwrap_or(0)))
}

/// `<event id>.<hook id>.<Logto event>`: ids hold no dots, event names do.
fn logto_event_of(delivery_id: &str) -> &str {
    delivery_id.splitn(3, '.').nth(2).unwrap_or_default()
}

#[derive(Debug, Default, Clone, Copy)]
pub struct HookLogsProjector;

async fn insert(
    tx: &mut Transaction<'_, Any>,
    recorded: &RecordedEvent,
    hook_id: &str,
    subject: Option<&str>,
    key: String,
    payload: Value,
) -> Result<(), ProjectionError> {
    let result = payload["result"].as_str().unwrap_or("Error").to_owned();
    sqlx::query(
        "INSERT INTO hook_logs (id, hook_id, log_key, result, payload, created_at, subject) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING",
    )
    .bind(recorded.event_id.to_string())
    .bind(hook_id)
    .bind(key)
    .bind(result)
    .bind(json_text(&payload)?)
    .bind(occurred_at(recorded))
    .bind(subject)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Blanks the bodies of `subject`'s rows and remembers the subject (rare: one erasure).
async fn erase(tx: &mut Transaction<'_, Any>, subject: &str) -> Result<(), ProjectionError> {
    let rows = sqlx::query("SELECT id, payload FROM hook_logs WHERE subject = $1")
        .bind(subject)
        .fetch_all(&mut **tx)
        .await?;
    for row in rows {
        let id: String = row.try_get(0)?;
        let mut payload = json_column(&row, 1, "hook_logs.payload")?;
        payload["hookRequest"]["body"] = Value::Null;
        sqlx::query("UPDATE hook_logs SET payload = $1 WHERE id = $2")
            .bind(json_text(&payload)?)
            .bind(id)
            .execute(&mut **tx)
            .await?;
    }
    sqlx::query(
        "INSERT INTO hook_logs_erased_subjects (subject) VALUES ($1) \
         ON CONFLICT (subject) DO NOTHING",
    )
    .bind(subject)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn apply(
    tx: &mut Transaction<'_, Any>,
    recorded: &RecordedEvent,
    event: DeliveryEvent,
    erased: &HashSet<String>,
) -> Result<(), ProjectionError> {
    match event {
        DeliveryEvent::DeliveryAttempted(e) => {
            let key = format!("TriggerHook.{}", e.logto_event);
            let result = if e.succeeded() { "Success" } else { "Error" };
            // The body as the receiver got it; absent once the user's data was erased
            // (here, or in the log once the user's data key is destroyed).
            let body = e
                .request_body
                .as_deref()
                .filter(|_| !e.subject.as_ref().is_some_and(|s| erased.contains(s)))
                .map(|b| serde_json::from_str(b).unwrap_or_else(|_| json!(b)))
                .unwrap_or(Value::Null);
            let mut payload = json!({
                "key": key,
                "result": result,
                "hookId": e.hook_id,
                "eventId": e.event_id,
                "attempt": e.attempt,
                "latencyMs": e.latency_ms,
                "hookRequest": { "body": body },
            });
            if let Some(status) = e.status {
                payload["response"] = json!({ "statusCode": status, "body": e.response_excerpt });
            }
            if let Some(error) = &e.error {
                payload["error"] = json!(error);
            } else if !e.succeeded() {
                payload["error"] =
                    json!(format!("the endpoint answered {}", e.status.unwrap_or(0)));
            }
            insert(tx, recorded, &e.hook_id, e.subject.as_deref(), key, payload).await
        }
        DeliveryEvent::DeliveryExhausted(e) => {
            let name = logto_event_of(&recorded.stream.stream_id);
            let key = format!("TriggerHook.{name}");
            let payload = json!({
                "key": key,
                "result": "Error",
                "hookId": e.hook_id,
                "attempt": e.attempts,
                "exhausted": true,
                "error": format!("gave up after {} attempts", e.attempts),
            });
            insert(tx, recorded, &e.hook_id, None, key, payload).await
        }
        DeliveryEvent::DeliverySucceeded(_) => Ok(()),
    }
}

#[async_trait]
impl Projector for HookLogsProjector {
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
        // Decoded once: the subjects are looked up before the rows are written.
        let deliveries = events
            .iter()
            .map(|recorded| {
                (recorded.stream.stream_type == Delivery::STREAM_TYPE)
                    .then(|| decode::<DeliveryEvent>(recorded))
                    .transpose()
            })
            .collect::<Result<Vec<_>, _>>()?;
        let subjects: Vec<&str> = deliveries
            .iter()
            .flatten()
            .filter_map(|d| match d {
                DeliveryEvent::DeliveryAttempted(e) => e.subject.as_deref(),
                _ => None,
            })
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let mut erased = remembered(tx, "hook_logs_erased_subjects", "subject", &subjects).await?;
        for (recorded, delivery) in events.iter().zip(deliveries) {
            if let Some(user) = erased_user(recorded) {
                erase(tx, user).await?;
                erased.insert(user.to_owned());
            }
            if let Some(delivery) = delivery {
                apply(tx, recorded, delivery, &erased).await?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_event_name_is_what_follows_the_two_ids() {
        assert_eq!(
            super::logto_event_of("0190-ab.hook1.User.Data.Updated"),
            "User.Data.Updated"
        );
    }
}
