//! The `sessions` read model: signed-in browser sessions that have not ended. A session
//! is live while its row exists and `expires_at` is in the future (expiry is a matter of
//! time, recorded as `Expired` only when something notices; the query applies it).

use crate::error::ProjectionError;
use crate::projector::{Projector, TableSpec};
use crate::read_model::decode;
use async_trait::async_trait;
use domain::session::{Session, SessionEvent};
use domain::Aggregate;
use serde::Serialize;
use sqlx::{Any, AnyPool, Row, Transaction};
use store::RecordedEvent;

pub const NAME: &str = "sessions";

const TABLES: &[TableSpec] = &[TableSpec {
    name: "sessions",
    order_by: "id",
}];

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    pub id: String,
    pub user_id: String,
    pub client_id: String,
    pub auth_time: i64,
    pub expires_at: i64,
}

fn view(row: &sqlx::any::AnyRow) -> Result<SessionView, ProjectionError> {
    Ok(SessionView {
        id: row.try_get(0)?,
        user_id: row.try_get(1)?,
        client_id: row.try_get(2)?,
        auth_time: row.try_get(3)?,
        expires_at: row.try_get(4)?,
    })
}

/// Session `id` if it is live at `now` (epoch ms).
pub async fn get_active(
    pool: &AnyPool,
    id: &str,
    now: i64,
) -> Result<Option<SessionView>, ProjectionError> {
    let row = sqlx::query(
        "SELECT id, user_id, client_id, auth_time, expires_at FROM sessions \
         WHERE id = $1 AND expires_at > $2",
    )
    .bind(id)
    .bind(now)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(view).transpose()
}

/// The user's live sessions at `now` (epoch ms), newest first.
pub async fn active_for_user(
    pool: &AnyPool,
    user_id: &str,
    now: i64,
) -> Result<Vec<SessionView>, ProjectionError> {
    let rows = sqlx::query(
        "SELECT id, user_id, client_id, auth_time, expires_at FROM sessions \
         WHERE user_id = $1 AND expires_at > $2 ORDER BY auth_time DESC, id",
    )
    .bind(user_id)
    .bind(now)
    .fetch_all(pool)
    .await?;
    rows.iter().map(view).collect()
}

/// Ids of every session of the user that has not ended, expired ones included (ending
/// an expired session records nothing).
pub async fn unended_ids_for_user(
    pool: &AnyPool,
    user_id: &str,
) -> Result<Vec<String>, ProjectionError> {
    let rows = sqlx::query("SELECT id FROM sessions WHERE user_id = $1 ORDER BY id")
        .bind(user_id)
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|r| r.try_get(0).map_err(ProjectionError::from))
        .collect()
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SessionsProjector;

#[async_trait]
impl Projector for SessionsProjector {
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
            .filter(|e| e.stream.stream_type == Session::STREAM_TYPE)
        {
            let id = recorded.stream.stream_id.as_str();
            match decode::<SessionEvent>(recorded)? {
                SessionEvent::SignedIn(e) => {
                    sqlx::query(
                        "INSERT INTO sessions (id, user_id, client_id, auth_time, expires_at) \
                         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING",
                    )
                    .bind(id)
                    .bind(e.user_id)
                    .bind(e.client_id)
                    .bind(e.auth_time.as_millis())
                    .bind(e.expires_at.as_millis())
                    .execute(&mut **tx)
                    .await?;
                }
                SessionEvent::SignedOut(_) | SessionEvent::Expired(_) => {
                    sqlx::query("DELETE FROM sessions WHERE id = $1")
                        .bind(id)
                        .execute(&mut **tx)
                        .await?;
                }
                // Failures are audit records, not sessions.
                SessionEvent::SignInFailed(_) => {}
            }
        }
        Ok(())
    }
}
