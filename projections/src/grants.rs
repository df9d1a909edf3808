//! The `grants` and `grant_counts` read models: grants from `GrantIssued` until
//! `GrantRevoked`, and per (user, application) the number of redeemed, unrevoked grants
//! (what a concurrent-grant limit reads). A grant counts once its code was redeemed: an
//! unredeemed code holds no token and dies after 60 s. A grant's 180-day end is applied by
//! [`active_for_user`]; the count does not see it (no event marks it), which only matters
//! for grants nobody used for half a year.

use crate::error::ProjectionError;
use crate::projector::{Projector, TableSpec};
use crate::read_model::{decode, json_text, occurred_at};
use async_trait::async_trait;
use domain::grant::{Grant, GrantEvent};
use domain::Aggregate;
use serde::Serialize;
use sqlx::{Any, AnyPool, Row, Transaction};
use store::RecordedEvent;

pub const NAME: &str = "grants";

const TABLES: &[TableSpec] = &[
    TableSpec {
        name: "grants",
        order_by: "id",
    },
    TableSpec {
        name: "grant_counts",
        order_by: "user_id, client_id",
    },
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GrantView {
    pub id: String,
    pub user_id: String,
    pub client_id: String,
    pub session_id: Option<String>,
    pub scopes: Vec<String>,
    pub issued_at: i64,
    pub expires_at: i64,
    pub last_used_at: i64,
}

const GRANT_COLUMNS: &str =
    "id, user_id, client_id, session_id, scopes, issued_at, expires_at, last_used_at";

fn view(row: &sqlx::any::AnyRow) -> Result<GrantView, ProjectionError> {
    let scopes: String = row.try_get(4)?;
    Ok(GrantView {
        id: row.try_get(0)?,
        user_id: row.try_get(1)?,
        client_id: row.try_get(2)?,
        session_id: row.try_get(3)?,
        scopes: serde_json::from_str(&scopes)
            .map_err(|e| ProjectionError::Corrupt(format!("grants.scopes: {e}")))?,
        issued_at: row.try_get(5)?,
        expires_at: row.try_get(6)?,
        last_used_at: row.try_get(7)?,
    })
}

/// The user's redeemed, live grants at `now` (epoch ms), newest first.
pub async fn active_for_user(
    pool: &AnyPool,
    user_id: &str,
    now: i64,
) -> Result<Vec<GrantView>, ProjectionError> {
    let rows = sqlx::query(&format!(
        "SELECT {GRANT_COLUMNS} FROM grants WHERE user_id = $1 AND redeemed = 1 \
         AND expires_at > $2 ORDER BY issued_at DESC, id"
    ))
    .bind(user_id)
    .bind(now)
    .fetch_all(pool)
    .await?;
    rows.iter().map(view).collect()
}

/// The user's redeemed, live grants for `client_id`, oldest first (the order in which a
/// concurrent-grant limit revokes them).
pub async fn active_for_user_and_client(
    pool: &AnyPool,
    user_id: &str,
    client_id: &str,
    now: i64,
) -> Result<Vec<GrantView>, ProjectionError> {
    let rows = sqlx::query(&format!(
        "SELECT {GRANT_COLUMNS} FROM grants WHERE user_id = $1 AND client_id = $2 \
         AND redeemed = 1 AND expires_at > $3 ORDER BY issued_at, id"
    ))
    .bind(user_id)
    .bind(client_id)
    .bind(now)
    .fetch_all(pool)
    .await?;
    rows.iter().map(view).collect()
}

/// Grant `id` if it is redeemed and live at `now`.
pub async fn get_active(
    pool: &AnyPool,
    id: &str,
    now: i64,
) -> Result<Option<GrantView>, ProjectionError> {
    let row = sqlx::query(&format!(
        "SELECT {GRANT_COLUMNS} FROM grants WHERE id = $1 AND redeemed = 1 AND expires_at > $2"
    ))
    .bind(id)
    .bind(now)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(view).transpose()
}

/// `(id, client_id)` of every unrevoked grant issued in session `session_id`.
pub async fn unrevoked_in_session(
    pool: &AnyPool,
    session_id: &str,
) -> Result<Vec<(String, String)>, ProjectionError> {
    let rows = sqlx::query("SELECT id, client_id FROM grants WHERE session_id = $1 ORDER BY id")
        .bind(session_id)
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

/// Redeemed, unrevoked grants of `user_id` for `client_id`.
pub async fn active_count(
    pool: &AnyPool,
    user_id: &str,
    client_id: &str,
) -> Result<u64, ProjectionError> {
    let row = sqlx::query("SELECT active FROM grant_counts WHERE user_id = $1 AND client_id = $2")
        .bind(user_id)
        .bind(client_id)
        .fetch_optional(pool)
        .await?;
    let n: i64 = match row {
        Some(r) => r.try_get(0)?,
        None => 0,
    };
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Ids of every unrevoked grant of the user, redeemed or not, expired or not.
pub async fn unrevoked_ids_for_user(
    pool: &AnyPool,
    user_id: &str,
) -> Result<Vec<String>, ProjectionError> {
    let rows = sqlx::query("SELECT id FROM grants WHERE user_id = $1 ORDER BY id")
        .bind(user_id)
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|r| r.try_get(0).map_err(ProjectionError::from))
        .collect()
}

#[derive(Debug, Default, Clone, Copy)]
pub struct GrantsProjector;

/// `(user_id, client_id, redeemed)` of a grant row.
async fn owner(
    tx: &mut Transaction<'_, Any>,
    id: &str,
) -> Result<Option<(String, String, bool)>, ProjectionError> {
    let row = sqlx::query("SELECT user_id, client_id, redeemed FROM grants WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(match row {
        Some(r) => Some((r.try_get(0)?, r.try_get(1)?, r.try_get::<i64, _>(2)? != 0)),
        None => None,
    })
}

async fn count(
    tx: &mut Transaction<'_, Any>,
    user_id: &str,
    client_id: &str,
    delta: i64,
) -> Result<(), ProjectionError> {
    sqlx::query(
        "INSERT INTO grant_counts (user_id, client_id, active) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id, client_id) DO UPDATE SET active = grant_counts.active + $3",
    )
    .bind(user_id)
    .bind(client_id)
    .bind(delta)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn apply(
    tx: &mut Transaction<'_, Any>,
    recorded: &RecordedEvent,
) -> Result<(), ProjectionError> {
    let id = recorded.stream.stream_id.as_str();
    let at = occurred_at(recorded);
    match decode::<GrantEvent>(recorded)? {
        GrantEvent::GrantIssued(e) => {
            sqlx::query(
                "INSERT INTO grants (id, user_id, client_id, session_id, scopes, issued_at, \
                 expires_at, redeemed, last_used_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $6) \
                 ON CONFLICT (id) DO NOTHING",
            )
            .bind(id)
            .bind(e.user_id)
            .bind(e.client_id)
            .bind(e.session_id)
            .bind(json_text(&e.scopes)?)
            .bind(at)
            .bind(e.expires_at.as_millis())
            .execute(&mut **tx)
            .await?;
        }
        // A device-flow grant's first tokens count as a redeemed code does.
        GrantEvent::AuthorizationCodeRedeemed(_) | GrantEvent::DeviceCodeRedeemed(_) => {
            if let Some((user_id, client_id, false)) = owner(tx, id).await? {
                sqlx::query("UPDATE grants SET redeemed = 1, last_used_at = $1 WHERE id = $2")
                    .bind(at)
                    .bind(id)
                    .execute(&mut **tx)
                    .await?;
                count(tx, &user_id, &client_id, 1).await?;
            }
        }
        GrantEvent::RefreshTokenRotated(_) => {
            sqlx::query("UPDATE grants SET last_used_at = $1 WHERE id = $2")
                .bind(at)
                .bind(id)
                .execute(&mut **tx)
                .await?;
        }
        GrantEvent::GrantRevoked(_) => {
            if let Some((user_id, client_id, redeemed)) = owner(tx, id).await? {
                sqlx::query("DELETE FROM grants WHERE id = $1")
                    .bind(id)
                    .execute(&mut **tx)
                    .await?;
                if redeemed {
                    count(tx, &user_id, &client_id, -1).await?;
                }
            }
        }
        // A token exchange's grant holds one access token and no refresh token: it is
        // listed until it expires, but never counts toward the app's grant limit.
        GrantEvent::AccessTokenRevoked(_)
        | GrantEvent::ResourceTokenRevoked(_)
        | GrantEvent::TokenExchanged(_) => {}
    }
    Ok(())
}

#[async_trait]
impl Projector for GrantsProjector {
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
            .filter(|e| e.stream.stream_type == Grant::STREAM_TYPE)
        {
            apply(tx, recorded).await?;
        }
        Ok(())
    }
}
