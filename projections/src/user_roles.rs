//! The `user_roles` read model: which roles each live user holds. Assignments are events
//! on the user's stream (`UserRolesAssigned`, `UserRoleRemoved`); a deleted user's rows
//! go with it. Role names, types and scopes come from the `roles` read model by join, so a
//! deleted role drops out of every answer without this projector seeing role events.

use crate::error::ProjectionError;
use crate::projector::{Projector, TableSpec};
use crate::read_model::{decode, occurred_at, Window};
use crate::roles::{role_of, RoleView, COLUMNS};
use async_trait::async_trait;
use domain::user::{User, UserEvent};
use domain::Aggregate;
use sqlx::{Any, AnyPool, Row, Transaction};
use store::RecordedEvent;

pub const NAME: &str = "user_roles";

const TABLES: &[TableSpec] = &[TableSpec {
    name: "user_roles",
    order_by: "user_id, role_id",
}];

/// The live roles user `user_id` holds (`ListUserRoles`), oldest assignment first.
pub async fn roles_of(pool: &AnyPool, user_id: &str) -> Result<Vec<RoleView>, ProjectionError> {
    let columns = COLUMNS
        .split(", ")
        .map(|c| format!("r.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT {columns} FROM user_roles ur JOIN roles r ON r.id = ur.role_id \
         WHERE ur.user_id = $1 ORDER BY ur.created_at, r.id"
    );
    let rows = sqlx::query(&sql).bind(user_id).fetch_all(pool).await?;
    Ok(rows.iter().map(role_of).collect::<Result<_, _>>()?)
}

/// Ids of the users holding role `role_id`, oldest assignment first, one page (or all) at
/// a time, with the total count. Only users the `users` read model still has count.
pub async fn users_with(
    pool: &AnyPool,
    role_id: &str,
    window: Option<Window>,
) -> Result<(Vec<String>, u64), ProjectionError> {
    let from = "FROM user_roles ur JOIN users u ON u.id = ur.user_id WHERE ur.role_id = $1";
    let total: i64 = sqlx::query(&format!("SELECT count(*) {from}"))
        .bind(role_id)
        .fetch_one(pool)
        .await?
        .try_get(0)?;
    let sql = format!(
        "SELECT ur.user_id {from} ORDER BY ur.created_at, ur.user_id{}",
        Window::sql(window)
    );
    let rows = sqlx::query(&sql).bind(role_id).fetch_all(pool).await?;
    let ids = rows
        .iter()
        .map(|r| r.try_get::<String, _>(0))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((ids, u64::try_from(total).unwrap_or(0)))
}

/// Ids of the live `User` roles flagged `isDefault`: every new user gets them.
pub async fn default_role_ids(pool: &AnyPool) -> Result<Vec<String>, ProjectionError> {
    let rows = sqlx::query(
        "SELECT id FROM roles WHERE role_type = 'User' AND is_default <> 0 ORDER BY created_at, id",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .iter()
        .map(|r| r.try_get::<String, _>(0))
        .collect::<Result<Vec<_>, _>>()?)
}

/// A user shown with a role in `ListRoles` (Logto's `featuredUsers`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FeaturedUser {
    pub id: String,
    pub avatar: Option<String>,
    pub name: Option<String>,
}

/// How many users hold role `role_id`, and the first `featured` of them.
pub async fn role_members(
    pool: &AnyPool,
    role_id: &str,
    featured: usize,
) -> Result<(u64, Vec<FeaturedUser>), ProjectionError> {
    let from = "FROM user_roles ur JOIN users u ON u.id = ur.user_id WHERE ur.role_id = $1";
    let total: i64 = sqlx::query(&format!("SELECT count(*) {from}"))
        .bind(role_id)
        .fetch_one(pool)
        .await?
        .try_get(0)?;
    let sql = format!(
        "SELECT u.id, u.avatar, u.name {from} ORDER BY ur.created_at, u.id LIMIT {featured}"
    );
    let rows = sqlx::query(&sql).bind(role_id).fetch_all(pool).await?;
    let mut users = Vec::with_capacity(rows.len());
    for row in &rows {
        users.push(FeaturedUser {
            id: row.try_get(0)?,
            avatar: row.try_get(1)?,
            name: row.try_get(2)?,
        });
    }
    Ok((u64::try_from(total).unwrap_or(0), users))
}

#[derive(Debug, Default, Clone, Copy)]
pub struct UserRolesProjector;

async fn apply(
    tx: &mut Transaction<'_, Any>,
    recorded: &RecordedEvent,
) -> Result<(), ProjectionError> {
    let user_id = recorded.stream.stream_id.as_str();
    match decode::<UserEvent>(recorded)? {
        UserEvent::UserRolesAssigned(e) => {
            for role_id in e.role_ids {
                sqlx::query(
                    "INSERT INTO user_roles (user_id, role_id, created_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (user_id, role_id) DO NOTHING",
                )
                .bind(user_id)
                .bind(role_id)
                .bind(occurred_at(recorded))
                .execute(&mut **tx)
                .await?;
            }
        }
        UserEvent::UserRoleRemoved(e) => {
            sqlx::query("DELETE FROM user_roles WHERE user_id = $1 AND role_id = $2")
                .bind(user_id)
                .bind(e.role_id)
                .execute(&mut **tx)
                .await?;
        }
        UserEvent::UserDeleted(_) => {
            sqlx::query("DELETE FROM user_roles WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut **tx)
                .await?;
        }
        _ => {}
    }
    Ok(())
}

/// Whether an event of this type can change the read model: every other user event (the
/// bulk of the log on replay) is skipped before it is decoded.
fn relevant(event_type: &str) -> bool {
    matches!(
        event_type,
        "UserRolesAssigned" | "UserRoleRemoved" | "UserDeleted"
    )
}

#[async_trait]
impl Projector for UserRolesProjector {
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
            .filter(|e| e.stream.stream_type == User::STREAM_TYPE && relevant(&e.event_type))
        {
            apply(tx, recorded).await?;
        }
        Ok(())
    }
}
