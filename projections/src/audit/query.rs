//! Reading the audit read model: Logto's log object, the filtered list (newest first)
//! with offset pages or a cursor, and capped counts.

use super::keys::TRIGGER_HOOK_PREFIX;
use super::row::COLUMNS;
use crate::error::ProjectionError;
use crate::read_model::TENANT_ID;
use crate::sql::Dialect;
use serde::Serialize;
use serde_json::{json, Map, Value};
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

/// Logto's log object.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogEntry {
    pub tenant_id: &'static str,
    pub id: String,
    pub key: String,
    pub payload: Value,
    pub created_at: i64,
}

impl LogEntry {
    /// Where this entry sits in the list order (for the next cursor).
    pub fn cursor(&self) -> Cursor {
        Cursor {
            created_at: self.created_at,
            id: self.id.clone(),
        }
    }
}

/// A position in the newest-first order: the list continues with the rows strictly
/// older than (`created_at`, `id`). Rows appended meanwhile are newer than any cursor
/// (or, if their clock lagged, land below it and are simply seen later), so a walk over a
/// range neither repeats nor skips a row that existed when it started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub created_at: i64,
    pub id: String,
}

impl Cursor {
    /// `<created_at>.<id>`: the API encodes it opaquely.
    pub fn to_text(&self) -> String {
        format!("{}.{}", self.created_at, self.id)
    }

    pub fn from_text(text: &str) -> Option<Self> {
        let (at, id) = text.split_once('.')?;
        let created_at = at.parse().ok()?;
        let valid_id = !id.is_empty()
            && id.len() <= 64
            && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        valid_id.then(|| Self {
            created_at,
            id: id.to_owned(),
        })
    }
}

/// The list filters (all optional, combined with AND).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFilter {
    pub user_id: Option<String>,
    pub application_id: Option<String>,
    pub log_key: Option<String>,
    pub event_type: Option<String>,
    /// Inclusive bounds on `createdAt` (ms).
    pub start_time: Option<i64>,
    pub end_time: Option<i64>,
}

/// Offset pages (Logto) or a cursor (ours).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Paging {
    Offset { limit: u64, offset: u64 },
    After { limit: u64, cursor: Option<Cursor> },
}

enum Bind {
    Text(String),
    Int(i64),
}

struct Where {
    sql: String,
    binds: Vec<Bind>,
}

fn conditions(filter: &LogFilter, cursor: Option<&Cursor>, dialect: Dialect) -> Where {
    // The hook delivery log has its own route, as in Logto.
    let mut parts = vec![format!("log_key NOT LIKE '{TRIGGER_HOOK_PREFIX}%'")];
    let mut binds = Vec::new();
    let param = |binds: &mut Vec<Bind>, b: Bind| {
        binds.push(b);
        dialect.param(binds.len())
    };
    for (column, value) in [
        ("user_id", &filter.user_id),
        ("application_id", &filter.application_id),
        ("log_key", &filter.log_key),
        ("event_type", &filter.event_type),
    ] {
        if let Some(v) = value {
            let p = param(&mut binds, Bind::Text(v.clone()));
            parts.push(format!("{column} = {p}"));
        }
    }
    if let Some(t) = filter.start_time {
        let p = param(&mut binds, Bind::Int(t));
        parts.push(format!("created_at >= {p}"));
    }
    if let Some(t) = filter.end_time {
        let p = param(&mut binds, Bind::Int(t));
        parts.push(format!("created_at <= {p}"));
    }
    if let Some(c) = cursor {
        let at = param(&mut binds, Bind::Int(c.created_at));
        let id = param(&mut binds, Bind::Text(c.id.clone()));
        parts.push(format!("(created_at, id) < ({at}, {id})"));
    }
    Where {
        sql: format!("WHERE {}", parts.join(" AND ")),
        binds,
    }
}

fn bind_all<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    binds: &'q [Bind],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    for b in binds {
        query = match b {
            Bind::Text(s) => query.bind(s.as_str()),
            Bind::Int(i) => query.bind(*i),
        };
    }
    query
}

/// One page of entries, newest first.
pub async fn list(
    pool: &AnyPool,
    filter: &LogFilter,
    paging: &Paging,
) -> Result<Vec<LogEntry>, ProjectionError> {
    let mut conn = pool.acquire().await?;
    let dialect = Dialect::of(&conn);
    let (limit, offset, cursor) = match paging {
        Paging::Offset { limit, offset } => (*limit, *offset, None),
        Paging::After { limit, cursor } => (*limit, 0, cursor.as_ref()),
    };
    let w = conditions(filter, cursor, dialect);
    let sql = format!(
        "SELECT {COLUMNS} FROM audit_logs {} ORDER BY created_at DESC, id DESC LIMIT {} OFFSET {}",
        w.sql,
        i64::try_from(limit).unwrap_or(i64::MAX),
        i64::try_from(offset).unwrap_or(i64::MAX),
    );
    let rows = bind_all(sqlx::query(&sql), &w.binds)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(entry).collect()
}

/// How many entries match; with `cap`, counting stops after `cap + 1` (Logto's
/// `enableCap`: the answer is then `cap + 1`, meaning "more than `cap`").
pub async fn count(
    pool: &AnyPool,
    filter: &LogFilter,
    cap: Option<u64>,
) -> Result<u64, ProjectionError> {
    let mut conn = pool.acquire().await?;
    let w = conditions(filter, None, Dialect::of(&conn));
    let sql = match cap {
        Some(cap) => format!(
            "SELECT count(*) FROM (SELECT 1 FROM audit_logs {} LIMIT {}) capped",
            w.sql,
            cap.saturating_add(1)
        ),
        None => format!("SELECT count(*) FROM audit_logs {}", w.sql),
    };
    let total: i64 = bind_all(sqlx::query(&sql), &w.binds)
        .fetch_one(&mut *conn)
        .await?
        .try_get(0)?;
    Ok(u64::try_from(total).unwrap_or(0))
}

/// One entry by id (the event id), hook deliveries included.
pub async fn get(pool: &AnyPool, id: &str) -> Result<Option<LogEntry>, ProjectionError> {
    let mut conn = pool.acquire().await?;
    let sql = format!(
        "SELECT {COLUMNS} FROM audit_logs WHERE id = {}",
        Dialect::of(&conn).param(1)
    );
    let row = sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(entry).transpose()
}

fn parse_json(text: &str, what: &str) -> Result<Value, ProjectionError> {
    serde_json::from_str(text).map_err(|e| ProjectionError::Corrupt(format!("audit {what}: {e}")))
}

/// Logto's payload (`key`, `result`, `error`, `ip`, `userAgent`, `userId`,
/// `applicationId`, `sessionId`, `params`) plus what Tessera adds: the event it records
/// (`eventId`, `eventType`, `position`), the `actor`, the `subject` stream and the
/// request's `correlationId`. Absent values are left out, as Logto does.
fn entry(row: &AnyRow) -> Result<LogEntry, ProjectionError> {
    let text = |i: usize| -> Result<Option<String>, ProjectionError> { Ok(row.try_get(i)?) };
    let id: String = row.try_get(0)?;
    let position: i64 = row.try_get(1)?;
    let created_at: i64 = row.try_get(2)?;
    let key: String = row.try_get(3)?;
    let mut payload = Map::new();
    payload.insert("key".into(), key.clone().into());
    payload.insert("result".into(), Value::String(row.try_get(4)?));
    if let Some(error) = text(16)? {
        payload.insert("error".into(), parse_json(&error, "error")?);
    }
    for (name, index) in [
        ("ip", 13),
        ("userAgent", 14),
        ("userId", 10),
        ("applicationId", 11),
        ("sessionId", 12),
    ] {
        if let Some(v) = text(index)? {
            payload.insert(name.into(), v.into());
        }
    }
    let params: String = row.try_get(17)?;
    let params = parse_json(&params, "params")?;
    if let Some(reason) = params.get("reason") {
        payload.insert("reason".into(), reason.clone());
    }
    payload.insert("params".into(), params);
    payload.insert("eventId".into(), id.clone().into());
    payload.insert("eventType".into(), Value::String(row.try_get(5)?));
    payload.insert("position".into(), position.into());
    let actor_type: String = row.try_get(8)?;
    payload.insert(
        "actor".into(),
        json!({ "type": actor_type, "id": text(9)? }),
    );
    payload.insert(
        "subject".into(),
        json!({ "type": text(6)?, "id": text(7)? }),
    );
    payload.insert("correlationId".into(), Value::String(row.try_get(15)?));
    Ok(LogEntry {
        tenant_id: TENANT_ID,
        id,
        key,
        payload: Value::Object(payload),
        created_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_garbage() {
        let c = Cursor {
            created_at: 1_700_000_000_123,
            id: "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b".into(),
        };
        assert_eq!(Cursor::from_text(&c.to_text()), Some(c));
        assert_eq!(Cursor::from_text("x.y"), None);
        assert_eq!(Cursor::from_text("12"), None);
        assert_eq!(Cursor::from_text("12.a'b"), None);
    }

    #[test]
    fn filters_number_their_parameters_in_order() {
        let f = LogFilter {
            user_id: Some("u".into()),
            start_time: Some(1),
            ..Default::default()
        };
        let c = Cursor {
            created_at: 5,
            id: "i".into(),
        };
        let w = conditions(&f, Some(&c), Dialect::Postgres);
        assert_eq!(
            w.sql,
            "WHERE log_key NOT LIKE 'TriggerHook.%' AND user_id = $1 AND created_at >= $2 \
             AND (created_at, id) < ($3, $4)"
        );
        assert_eq!(w.binds.len(), 4);
    }
}
