//! The `applications`, `application_secrets` and `application_roles` read models: Logto's
//! Application object (never a secret value: the log holds digests, the read model only
//! secret names and lifetimes) and the machine-to-machine roles each app holds.

use crate::error::ProjectionError;
use crate::projector::{Projector, TableSpec};
use crate::read_model::{decode, json_column, json_text, occurred_at, Window, TENANT_ID};
use crate::roles::{role_of, RoleView};
use async_trait::async_trait;
use domain::application::{Application, ApplicationEvent, ApplicationType};
use domain::Aggregate;
use serde::Serialize;
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::{Any, AnyPool, Row, Transaction};
use store::RecordedEvent;

pub const NAME: &str = "applications";

const TABLES: &[TableSpec] = &[
    TableSpec {
        name: "applications",
        order_by: "id",
    },
    TableSpec {
        name: "application_secrets",
        order_by: "application_id, name",
    },
    TableSpec {
        name: "application_roles",
        order_by: "application_id, role_id",
    },
];

/// Logto's Application object. `secret` is only ever set on the response that creates
/// the application (the plain value exists nowhere else).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationView {
    pub tenant_id: &'static str,
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    pub description: Option<String>,
    #[serde(rename = "type")]
    pub app_type: String,
    pub oidc_client_metadata: Value,
    pub custom_client_metadata: Value,
    pub protected_app_metadata: Option<Value>,
    pub custom_data: Value,
    pub is_third_party: bool,
    pub app_level_access_control_enabled: bool,
    pub created_at: i64,
    /// Only on `GetApplication`: whether the app holds the Management API's `all` scope.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_admin: Option<bool>,
}

/// Logto's application secret, without its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretView {
    pub tenant_id: &'static str,
    pub application_id: String,
    pub name: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
}

pub fn type_name(t: ApplicationType) -> &'static str {
    match t {
        ApplicationType::Native => "Native",
        ApplicationType::Spa => "SPA",
        ApplicationType::Traditional => "Traditional",
        ApplicationType::MachineToMachine => "MachineToMachine",
    }
}

const COLUMNS: &str = "a.id, a.name, a.description, a.app_type, a.oidc_client_metadata, \
     a.custom_client_metadata, a.custom_data, a.is_third_party, a.created_at";

fn view_of(row: &AnyRow) -> Result<ApplicationView, ProjectionError> {
    let id: String = row.try_get(0)?;
    let what = |col: &str| format!("applications.{col} of {id}");
    Ok(ApplicationView {
        tenant_id: TENANT_ID,
        name: row.try_get(1)?,
        secret: None,
        description: row.try_get(2)?,
        app_type: row.try_get(3)?,
        oidc_client_metadata: json_column(row, 4, &what("oidc_client_metadata"))?,
        custom_client_metadata: json_column(row, 5, &what("custom_client_metadata"))?,
        protected_app_metadata: None,
        custom_data: json_column(row, 6, &what("custom_data"))?,
        is_third_party: row.try_get::<i64, _>(7)? != 0,
        app_level_access_control_enabled: false,
        created_at: row.try_get(8)?,
        is_admin: None,
        id,
    })
}

pub async fn get(pool: &AnyPool, id: &str) -> Result<Option<ApplicationView>, ProjectionError> {
    let sql = format!("SELECT {COLUMNS} FROM applications a WHERE a.id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(pool).await?;
    row.as_ref().map(view_of).transpose()
}

/// `ListApplications` filters (Logto's `types`, `isThirdParty`, `search`,
/// `excludeRoleId`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppFilter {
    /// Type names (`SPA`, `MachineToMachine`, …); empty means all.
    pub types: Vec<String>,
    pub is_third_party: Option<bool>,
    /// A case-insensitive `LIKE` pattern over id, name and description (`%` is the
    /// caller's, as in Logto).
    pub search: Option<String>,
    /// Leave out applications holding this role.
    pub exclude_role_id: Option<String>,
}

impl AppFilter {
    /// `WHERE …` (or nothing) and its binds, numbered from `$1`.
    fn sql(&self) -> (String, Vec<String>) {
        let mut cond = Vec::new();
        let mut binds: Vec<String> = Vec::new();
        let next = |value: &str, binds: &mut Vec<String>| {
            binds.push(value.to_owned());
            format!("${}", binds.len())
        };
        if !self.types.is_empty() {
            let list: Vec<String> = self.types.iter().map(|t| next(t, &mut binds)).collect();
            cond.push(format!("a.app_type IN ({})", list.join(", ")));
        }
        if let Some(third) = self.is_third_party {
            cond.push(format!("a.is_third_party = {}", i64::from(third)));
        }
        if let Some(pattern) = &self.search {
            let p = next(pattern, &mut binds);
            cond.push(format!(
                "(lower(a.id) LIKE lower({p}) ESCAPE '\\' OR lower(a.name) LIKE lower({p}) ESCAPE '\\' \
                 OR lower(coalesce(a.description, '')) LIKE lower({p}) ESCAPE '\\')"
            ));
        }
        if let Some(role) = &self.exclude_role_id {
            let p = next(role, &mut binds);
            cond.push(format!(
                "a.id NOT IN (SELECT application_id FROM application_roles WHERE role_id = {p})"
            ));
        }
        let sql = if cond.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", cond.join(" AND "))
        };
        (sql, binds)
    }
}

/// Applications newest first, filtered, optionally one page, with the total count.
pub async fn list(
    pool: &AnyPool,
    filter: &AppFilter,
    window: Option<Window>,
) -> Result<(Vec<ApplicationView>, u64), ProjectionError> {
    let (cond, binds) = filter.sql();
    let count_sql = format!("SELECT count(*) FROM applications a{cond}");
    let mut count = sqlx::query(&count_sql);
    for b in &binds {
        count = count.bind(b.as_str());
    }
    let total: i64 = count.fetch_one(pool).await?.try_get(0)?;
    let sql = format!(
        "SELECT {COLUMNS} FROM applications a{cond} ORDER BY a.created_at DESC, a.id{}",
        Window::sql(window)
    );
    let mut page = sqlx::query(&sql);
    for b in &binds {
        page = page.bind(b.as_str());
    }
    let rows = page.fetch_all(pool).await?;
    let views = rows.iter().map(view_of).collect::<Result<Vec<_>, _>>()?;
    Ok((views, u64::try_from(total).unwrap_or(0)))
}

/// The applications holding role `role_id`.
pub async fn with_role(
    pool: &AnyPool,
    role_id: &str,
) -> Result<Vec<ApplicationView>, ProjectionError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM application_roles ar JOIN applications a ON a.id = ar.application_id \
         WHERE ar.role_id = $1 ORDER BY a.created_at DESC, a.id"
    );
    let rows = sqlx::query(&sql).bind(role_id).fetch_all(pool).await?;
    rows.iter().map(view_of).collect()
}

/// The live roles an application holds.
pub async fn roles(pool: &AnyPool, application_id: &str) -> Result<Vec<RoleView>, ProjectionError> {
    let rows = sqlx::query(
        "SELECT r.id, r.name, r.description, r.role_type, r.is_default \
         FROM application_roles ar JOIN roles r ON r.id = ar.role_id \
         WHERE ar.application_id = $1 ORDER BY r.name, r.id",
    )
    .bind(application_id)
    .fetch_all(pool)
    .await?;
    Ok(rows.iter().map(role_of).collect::<Result<Vec<_>, _>>()?)
}

pub async fn secrets(
    pool: &AnyPool,
    application_id: &str,
) -> Result<Vec<SecretView>, ProjectionError> {
    let rows = sqlx::query(
        "SELECT name, created_at, expires_at FROM application_secrets \
         WHERE application_id = $1 ORDER BY created_at, name",
    )
    .bind(application_id)
    .fetch_all(pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        out.push(SecretView {
            tenant_id: TENANT_ID,
            application_id: application_id.to_owned(),
            name: row.try_get(0)?,
            created_at: row.try_get(1)?,
            expires_at: row.try_get(2)?,
        });
    }
    Ok(out)
}

#[derive(Debug, Default, Clone, Copy)]
pub struct ApplicationsProjector;

async fn apply(
    tx: &mut Transaction<'_, Any>,
    recorded: &RecordedEvent,
) -> Result<(), ProjectionError> {
    let id = recorded.stream.stream_id.as_str();
    let at = occurred_at(recorded);
    match decode::<ApplicationEvent>(recorded)? {
        ApplicationEvent::ApplicationCreated(e) => {
            sqlx::query(
                "INSERT INTO applications (id, name, description, app_type, oidc_client_metadata, \
                 custom_client_metadata, custom_data, is_third_party, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING",
            )
            .bind(id)
            .bind(e.name)
            .bind(e.description)
            .bind(type_name(e.app_type))
            .bind(json_text(&e.oidc_client_metadata)?)
            .bind(json_text(&e.custom_client_metadata)?)
            .bind(json_text(&e.custom_data)?)
            .bind(i64::from(e.is_third_party))
            .bind(at)
            .bind(at)
            .execute(&mut **tx)
            .await?;
        }
        ApplicationEvent::ApplicationUpdated(e) => {
            sqlx::query(
                "UPDATE applications SET name = $1, description = $2, oidc_client_metadata = $3, \
                 custom_client_metadata = $4, custom_data = $5, updated_at = $6 WHERE id = $7",
            )
            .bind(e.name)
            .bind(e.description)
            .bind(json_text(&e.oidc_client_metadata)?)
            .bind(json_text(&e.custom_client_metadata)?)
            .bind(json_text(&e.custom_data)?)
            .bind(at)
            .bind(id)
            .execute(&mut **tx)
            .await?;
        }
        ApplicationEvent::ApplicationSecretAdded(e) => {
            sqlx::query(
                "INSERT INTO application_secrets (application_id, name, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (application_id, name) DO NOTHING",
            )
            .bind(id)
            .bind(e.name)
            .bind(at)
            .bind(e.expires_at.map(|t| t.as_millis()))
            .execute(&mut **tx)
            .await?;
        }
        ApplicationEvent::ApplicationSecretDeleted(e) => {
            sqlx::query("DELETE FROM application_secrets WHERE application_id = $1 AND name = $2")
                .bind(id)
                .bind(e.name)
                .execute(&mut **tx)
                .await?;
        }
        ApplicationEvent::ApplicationRolesAssigned(e) => {
            for role_id in e.role_ids {
                sqlx::query(
                    "INSERT INTO application_roles (application_id, role_id, created_at) \
                     VALUES ($1, $2, $3) ON CONFLICT (application_id, role_id) DO NOTHING",
                )
                .bind(id)
                .bind(role_id)
                .bind(at)
                .execute(&mut **tx)
                .await?;
            }
        }
        ApplicationEvent::ApplicationRoleRemoved(e) => {
            sqlx::query("DELETE FROM application_roles WHERE application_id = $1 AND role_id = $2")
                .bind(id)
                .bind(e.role_id)
                .execute(&mut **tx)
                .await?;
        }
        ApplicationEvent::ApplicationDeleted(_) => {
            for table in ["application_secrets", "application_roles"] {
                sqlx::query(&format!("DELETE FROM {table} WHERE application_id = $1"))
                    .bind(id)
                    .execute(&mut **tx)
                    .await?;
            }
            sqlx::query("DELETE FROM applications WHERE id = $1")
                .bind(id)
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}

#[async_trait]
impl Projector for ApplicationsProjector {
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
            .filter(|e| e.stream.stream_type == Application::STREAM_TYPE)
        {
            apply(tx, recorded).await?;
        }
        Ok(())
    }
}
