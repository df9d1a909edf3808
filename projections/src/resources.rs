//! The `resources` and `scopes` read models: API resources (RFC 8707 indicators) and
//! their scopes, in Logto's shapes. The token endpoint looks resources up by indicator.

use crate::error::ProjectionError;
use crate::projector::{Projector, TableSpec};
use crate::read_model::{decode, occurred_at, to_i64, Window, TENANT_ID};
use async_trait::async_trait;
use domain::resource::{Resource, ResourceEvent};
use domain::Aggregate;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{Any, AnyPool, Row, Transaction};
use store::RecordedEvent;

pub const NAME: &str = "resources";

const TABLES: &[TableSpec] = &[
    TableSpec {
        name: "resources",
        order_by: "id",
    },
    TableSpec {
        name: "scopes",
        order_by: "id",
    },
];

/// Logto's Resource object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceView {
    pub tenant_id: &'static str,
    pub id: String,
    pub name: String,
    pub indicator: String,
    pub is_default: bool,
    /// Seconds.
    pub access_token_ttl: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<ScopeView>>,
}

/// Logto's Scope object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScopeView {
    pub tenant_id: &'static str,
    pub id: String,
    pub resource_id: String,
    pub name: String,
    pub description: Option<String>,
    pub created_at: i64,
}

const RESOURCE_COLUMNS: &str = "id, name, indicator, is_default, access_token_ttl";
const SCOPE_COLUMNS: &str = "id, resource_id, name, description, created_at";

fn resource_of(row: &AnyRow) -> Result<ResourceView, sqlx::Error> {
    Ok(ResourceView {
        tenant_id: TENANT_ID,
        id: row.try_get(0)?,
        name: row.try_get(1)?,
        indicator: row.try_get(2)?,
        is_default: row.try_get::<i64, _>(3)? != 0,
        access_token_ttl: row.try_get(4)?,
        scopes: None,
    })
}

pub(crate) fn scope_of(row: &AnyRow) -> Result<ScopeView, sqlx::Error> {
    Ok(ScopeView {
        tenant_id: TENANT_ID,
        id: row.try_get(0)?,
        resource_id: row.try_get(1)?,
        name: row.try_get(2)?,
        description: row.try_get(3)?,
        created_at: row.try_get(4)?,
    })
}

/// The resource with this id.
pub async fn get(pool: &AnyPool, id: &str) -> Result<Option<ResourceView>, ProjectionError> {
    let sql = format!("SELECT {RESOURCE_COLUMNS} FROM resources WHERE id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(pool).await?;
    Ok(row.as_ref().map(resource_of).transpose()?)
}

/// The resource whose indicator is exactly `indicator` (indicators are audiences:
/// compared case-sensitively).
pub async fn by_indicator(
    pool: &AnyPool,
    indicator: &str,
) -> Result<Option<ResourceView>, ProjectionError> {
    let sql = format!("SELECT {RESOURCE_COLUMNS} FROM resources WHERE indicator = $1");
    let row = sqlx::query(&sql)
        .bind(indicator)
        .fetch_optional(pool)
        .await?;
    Ok(row.as_ref().map(resource_of).transpose()?)
}

/// Resources in creation order (then id), optionally one page, with the total count.
pub async fn list(
    pool: &AnyPool,
    window: Option<Window>,
) -> Result<(Vec<ResourceView>, u64), ProjectionError> {
    let total: i64 = sqlx::query("SELECT count(*) FROM resources")
        .fetch_one(pool)
        .await?
        .try_get(0)?;
    let sql = format!(
        "SELECT {RESOURCE_COLUMNS} FROM resources ORDER BY created_at, id{}",
        Window::sql(window)
    );
    let rows = sqlx::query(&sql).fetch_all(pool).await?;
    let views = rows
        .iter()
        .map(resource_of)
        .collect::<Result<Vec<_>, _>>()?;
    Ok((views, u64::try_from(total).unwrap_or(0)))
}

/// One scope of one resource.
pub async fn scope(
    pool: &AnyPool,
    resource_id: &str,
    scope_id: &str,
) -> Result<Option<ScopeView>, ProjectionError> {
    let sql = format!("SELECT {SCOPE_COLUMNS} FROM scopes WHERE id = $1 AND resource_id = $2");
    let row = sqlx::query(&sql)
        .bind(scope_id)
        .bind(resource_id)
        .fetch_optional(pool)
        .await?;
    Ok(row.as_ref().map(scope_of).transpose()?)
}

/// The scopes of a resource in creation order, optionally one page, with the total.
pub async fn scopes(
    pool: &AnyPool,
    resource_id: &str,
    window: Option<Window>,
) -> Result<(Vec<ScopeView>, u64), ProjectionError> {
    let total: i64 = sqlx::query("SELECT count(*) FROM scopes WHERE resource_id = $1")
        .bind(resource_id)
        .fetch_one(pool)
        .await?
        .try_get(0)?;
    let sql = format!(
        "SELECT {SCOPE_COLUMNS} FROM scopes WHERE resource_id = $1 ORDER BY created_at, id{}",
        Window::sql(window)
    );
    let rows = sqlx::query(&sql).bind(resource_id).fetch_all(pool).await?;
    let views = rows.iter().map(scope_of).collect::<Result<Vec<_>, _>>()?;
    Ok((views, u64::try_from(total).unwrap_or(0)))
}

/// Which of `ids` name existing scopes (for validating a role's scope list).
pub async fn existing_scope_ids(
    pool: &AnyPool,
    ids: &[String],
) -> Result<Vec<String>, ProjectionError> {
    let mut found = Vec::with_capacity(ids.len());
    for id in ids {
        let hit = sqlx::query("SELECT id FROM scopes WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(pool)
            .await?;
        if hit.is_some() {
            found.push(id.clone());
        }
    }
    Ok(found)
}

#[derive(Debug, Default, Clone, Copy)]
pub struct ResourcesProjector;

async fn apply(
    tx: &mut Transaction<'_, Any>,
    recorded: &RecordedEvent,
) -> Result<(), ProjectionError> {
    let id = recorded.stream.stream_id.as_str();
    let at = occurred_at(recorded);
    match decode::<ResourceEvent>(recorded)? {
        ResourceEvent::ResourceCreated(e) => {
            sqlx::query(
                "INSERT INTO resources (id, name, indicator, is_default, access_token_ttl, created_at) \
                 VALUES ($1, $2, $3, 0, $4, $5) ON CONFLICT (id) DO NOTHING",
            )
            .bind(id)
            .bind(e.name)
            .bind(e.indicator)
            .bind(to_i64(e.access_token_ttl))
            .bind(at)
            .execute(&mut **tx)
            .await?;
        }
        ResourceEvent::ResourceUpdated(e) => {
            sqlx::query(
                "UPDATE resources SET name = $1, access_token_ttl = $2, is_default = $3 WHERE id = $4",
            )
            .bind(e.name)
            .bind(to_i64(e.access_token_ttl))
            .bind(i64::from(e.is_default))
            .bind(id)
            .execute(&mut **tx)
            .await?;
        }
        ResourceEvent::ResourceScopeDefined(e) => {
            // A redefinition (rename) keeps the scope's id and creation time.
            sqlx::query(
                "INSERT INTO scopes (id, resource_id, name, description, created_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO UPDATE \
                 SET name = excluded.name, description = excluded.description",
            )
            .bind(e.scope_id)
            .bind(id)
            .bind(e.name)
            .bind(e.description)
            .bind(at)
            .execute(&mut **tx)
            .await?;
        }
        ResourceEvent::ResourceScopeDeleted(e) => {
            sqlx::query("DELETE FROM scopes WHERE id = $1 AND resource_id = $2")
                .bind(e.scope_id)
                .bind(id)
                .execute(&mut **tx)
                .await?;
        }
        ResourceEvent::ResourceDeleted(_) => {
            sqlx::query("DELETE FROM scopes WHERE resource_id = $1")
                .bind(id)
                .execute(&mut **tx)
                .await?;
            sqlx::query("DELETE FROM resources WHERE id = $1")
                .bind(id)
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}

#[async_trait]
impl Projector for ResourcesProjector {
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
            .filter(|e| e.stream.stream_type == Resource::STREAM_TYPE)
        {
            apply(tx, recorded).await?;
        }
        Ok(())
    }
}
