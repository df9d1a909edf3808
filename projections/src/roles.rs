//! The `roles` and `role_scopes` read models: Logto's Role object and the scopes each
//! role grants. Assignments of roles to applications live in `applications`.

use crate::error::ProjectionError;
use crate::projector::{Projector, TableSpec};
use crate::read_model::{decode, occurred_at, Window, TENANT_ID};
use crate::resources::{scope_of, ScopeView};
use async_trait::async_trait;
use domain::role::{Role, RoleEvent, RoleType};
use domain::Aggregate;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{Any, AnyPool, Row, Transaction};
use store::RecordedEvent;

pub const NAME: &str = "roles";

const TABLES: &[TableSpec] = &[
    TableSpec {
        name: "roles",
        order_by: "id",
    },
    TableSpec {
        name: "role_scopes",
        order_by: "role_id, scope_id",
    },
];

/// Logto's Role object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleView {
    pub tenant_id: &'static str,
    pub id: String,
    pub name: String,
    pub description: String,
    #[serde(rename = "type")]
    pub role_type: String,
    pub is_default: bool,
}

/// A role's scope with the resource it belongs to (`ListRoleScopes`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleScopeView {
    #[serde(flatten)]
    pub scope: ScopeView,
    pub resource: crate::resources::ResourceView,
}

pub fn role_type_name(t: RoleType) -> &'static str {
    match t {
        RoleType::User => "User",
        RoleType::MachineToMachine => "MachineToMachine",
    }
}

pub(crate) const COLUMNS: &str = "id, name, description, role_type, is_default";

pub(crate) fn role_of(row: &AnyRow) -> Result<RoleView, sqlx::Error> {
    Ok(RoleView {
        tenant_id: TENANT_ID,
        id: row.try_get(0)?,
        name: row.try_get(1)?,
        description: row.try_get(2)?,
        role_type: row.try_get(3)?,
        is_default: row.try_get::<i64, _>(4)? != 0,
    })
}

pub async fn get(pool: &AnyPool, id: &str) -> Result<Option<RoleView>, ProjectionError> {
    let sql = format!("SELECT {COLUMNS} FROM roles WHERE id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(pool).await?;
    Ok(row.as_ref().map(role_of).transpose()?)
}

/// `ListRoles` filters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleFilter {
    /// A case-insensitive `LIKE` pattern on the name (`%` wildcards are the caller's).
    pub search: Option<String>,
    /// `User` or `MachineToMachine`.
    pub role_type: Option<String>,
    /// Leave out roles this application holds (the roles still assignable to it).
    pub exclude_application_id: Option<String>,
    /// Leave out roles this user holds (Logto's `excludeUserId`).
    pub exclude_user_id: Option<String>,
}

/// An application shown with a role in `ListRoles`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeaturedApplication {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub app_type: String,
}

/// A `ListRoles` entry: the role with its assignment counts (users from `user_roles`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleListItem {
    #[serde(flatten)]
    pub role: RoleView,
    pub users_count: u64,
    pub featured_users: Vec<crate::user_roles::FeaturedUser>,
    pub applications_count: u64,
    pub featured_applications: Vec<FeaturedApplication>,
}

/// How many applications Logto features per role in a list.
const FEATURED: usize = 3;

/// Roles newest first, filtered, one page at a time, with the total count.
pub async fn list(
    pool: &AnyPool,
    filter: &RoleFilter,
    window: Option<Window>,
) -> Result<(Vec<RoleListItem>, u64), ProjectionError> {
    let (search, role_type) = (filter.search.as_deref(), filter.role_type.as_deref());
    let mut cond = Vec::new();
    let mut binds: Vec<String> = Vec::new();
    if let Some(app) = &filter.exclude_application_id {
        binds.push(app.clone());
        cond.push(format!(
            "id NOT IN (SELECT role_id FROM application_roles WHERE application_id = ${})",
            binds.len()
        ));
    }
    if let Some(user) = &filter.exclude_user_id {
        binds.push(user.clone());
        cond.push(format!(
            "id NOT IN (SELECT role_id FROM user_roles WHERE user_id = ${})",
            binds.len()
        ));
    }
    if let Some(s) = search {
        binds.push(s.to_owned());
        cond.push(format!(
            "lower(name) LIKE lower(${}) ESCAPE '\\'",
            binds.len()
        ));
    }
    if let Some(t) = role_type {
        binds.push(t.to_owned());
        cond.push(format!("role_type = ${}", binds.len()));
    }
    let filter = if cond.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", cond.join(" AND "))
    };
    let count_sql = format!("SELECT count(*) FROM roles{filter}");
    let mut count = sqlx::query(&count_sql);
    for b in &binds {
        count = count.bind(b.as_str());
    }
    let total: i64 = count.fetch_one(pool).await?.try_get(0)?;
    let sql = format!(
        "SELECT {COLUMNS} FROM roles{filter} ORDER BY created_at DESC, id{}",
        Window::sql(window)
    );
    let mut page = sqlx::query(&sql);
    for b in &binds {
        page = page.bind(b.as_str());
    }
    let rows = page.fetch_all(pool).await?;
    let mut items = Vec::with_capacity(rows.len());
    for row in &rows {
        let role = role_of(row)?;
        let apps = sqlx::query(
            "SELECT a.id, a.name, a.app_type FROM application_roles ar \
             JOIN applications a ON a.id = ar.application_id \
             WHERE ar.role_id = $1 ORDER BY ar.created_at, a.id",
        )
        .bind(role.id.as_str())
        .fetch_all(pool)
        .await?;
        let mut featured = Vec::with_capacity(FEATURED);
        for app in apps.iter().take(FEATURED) {
            featured.push(FeaturedApplication {
                id: app.try_get(0)?,
                name: app.try_get(1)?,
                app_type: app.try_get(2)?,
            });
        }
        let (users_count, featured_users) =
            crate::user_roles::role_members(pool, &role.id, FEATURED).await?;
        items.push(RoleListItem {
            role,
            users_count,
            featured_users,
            applications_count: apps.len() as u64,
            featured_applications: featured,
        });
    }
    Ok((items, u64::try_from(total).unwrap_or(0)))
}

/// The live scopes a role grants (scopes deleted from their resource drop out), with
/// their resources, ordered by resource then scope name.
pub async fn scopes(pool: &AnyPool, role_id: &str) -> Result<Vec<RoleScopeView>, ProjectionError> {
    let rows = sqlx::query(
        "SELECT s.id, s.resource_id, s.name, s.description, s.created_at, \
                r.id, r.name, r.indicator, r.is_default, r.access_token_ttl \
         FROM role_scopes rs JOIN scopes s ON s.id = rs.scope_id \
         JOIN resources r ON r.id = s.resource_id \
         WHERE rs.role_id = $1 ORDER BY r.indicator, s.name",
    )
    .bind(role_id)
    .fetch_all(pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        out.push(RoleScopeView {
            scope: scope_of(row)?,
            resource: crate::resources::ResourceView {
                tenant_id: TENANT_ID,
                id: row.try_get(5)?,
                name: row.try_get(6)?,
                indicator: row.try_get(7)?,
                is_default: row.try_get::<i64, _>(8)? != 0,
                access_token_ttl: row.try_get(9)?,
                scopes: None,
            },
        });
    }
    Ok(out)
}

#[derive(Debug, Default, Clone, Copy)]
pub struct RolesProjector;

async fn apply(
    tx: &mut Transaction<'_, Any>,
    recorded: &RecordedEvent,
) -> Result<(), ProjectionError> {
    let id = recorded.stream.stream_id.as_str();
    let at = occurred_at(recorded);
    match decode::<RoleEvent>(recorded)? {
        RoleEvent::RoleCreated(e) => {
            sqlx::query(
                "INSERT INTO roles (id, name, description, role_type, is_default, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
            )
            .bind(id)
            .bind(e.name)
            .bind(e.description)
            .bind(role_type_name(e.role_type))
            .bind(i64::from(e.is_default))
            .bind(at)
            .execute(&mut **tx)
            .await?;
        }
        RoleEvent::RoleUpdated(e) => {
            sqlx::query(
                "UPDATE roles SET name = $1, description = $2, is_default = $3 WHERE id = $4",
            )
            .bind(e.name)
            .bind(e.description)
            .bind(i64::from(e.is_default))
            .bind(id)
            .execute(&mut **tx)
            .await?;
        }
        RoleEvent::RoleScopesAdded(e) => {
            for scope_id in e.scope_ids {
                sqlx::query(
                    "INSERT INTO role_scopes (role_id, scope_id, created_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (role_id, scope_id) DO NOTHING",
                )
                .bind(id)
                .bind(scope_id)
                .bind(at)
                .execute(&mut **tx)
                .await?;
            }
        }
        RoleEvent::RoleScopeRemoved(e) => {
            sqlx::query("DELETE FROM role_scopes WHERE role_id = $1 AND scope_id = $2")
                .bind(id)
                .bind(e.scope_id)
                .execute(&mut **tx)
                .await?;
        }
        RoleEvent::RoleDeleted(_) => {
            sqlx::query("DELETE FROM role_scopes WHERE role_id = $1")
                .bind(id)
                .execute(&mut **tx)
                .await?;
            sqlx::query("DELETE FROM roles WHERE id = $1")
                .bind(id)
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}

#[async_trait]
impl Projector for RolesProjector {
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
            .filter(|e| e.stream.stream_type == Role::STREAM_TYPE)
        {
            apply(tx, recorded).await?;
        }
        Ok(())
    }
}
