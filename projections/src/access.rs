//! What a subject may be granted: the scopes an application holds for a resource through
//! its machine-to-machine roles (the client-credentials grant reads this).

use crate::error::ProjectionError;
use sqlx::{AnyPool, Row};

/// The names of the scopes of resource `resource_indicator` that application
/// `application_id` holds through its `MachineToMachine` roles, sorted and distinct.
/// Empty when the app, the resource or any link between them does not exist; user roles
/// never count, even if assigned by some earlier bug.
pub async fn m2m_scopes(
    pool: &AnyPool,
    application_id: &str,
    resource_indicator: &str,
) -> Result<Vec<String>, ProjectionError> {
    let rows = sqlx::query(
        "SELECT DISTINCT s.name FROM application_roles ar \
         JOIN roles r ON r.id = ar.role_id AND r.role_type = 'MachineToMachine' \
         JOIN role_scopes rs ON rs.role_id = r.id \
         JOIN scopes s ON s.id = rs.scope_id \
         JOIN resources res ON res.id = s.resource_id \
         WHERE ar.application_id = $1 AND res.indicator = $2 \
         ORDER BY s.name",
    )
    .bind(application_id)
    .bind(resource_indicator)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| row.try_get::<String, _>(0).map_err(ProjectionError::from))
        .collect()
}
