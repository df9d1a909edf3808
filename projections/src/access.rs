//! What a subject may be granted: the scopes an application holds for a resource through
//! its machine-to-machine roles (the client-credentials grant reads this), and those a
//! user holds through user roles.

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

/// The names of the scopes of resource `resource_indicator` that user `user_id` holds
/// through its `User` roles (live roles, live scopes), sorted and distinct. Empty when the
/// user, the resource or any link between them does not exist; machine-to-machine roles
/// never count.
pub async fn user_scopes(
    pool: &AnyPool,
    user_id: &str,
    resource_indicator: &str,
) -> Result<Vec<String>, ProjectionError> {
    let rows = sqlx::query(
        "SELECT DISTINCT s.name FROM user_roles ur \
         JOIN roles r ON r.id = ur.role_id AND r.role_type = 'User' \
         JOIN role_scopes rs ON rs.role_id = r.id \
         JOIN scopes s ON s.id = rs.scope_id \
         JOIN resources res ON res.id = s.resource_id \
         WHERE ur.user_id = $1 AND res.indicator = $2 \
         ORDER BY s.name",
    )
    .bind(user_id)
    .bind(resource_indicator)
    .fetch_all(pool)
    .await?;
    names(&rows)
}

/// The names of the live `User` roles user `user_id` holds, sorted (the `roles` claim).
pub async fn user_role_names(
    pool: &AnyPool,
    user_id: &str,
) -> Result<Vec<String>, ProjectionError> {
    let rows = sqlx::query(
        "SELECT DISTINCT r.name FROM user_roles ur \
         JOIN roles r ON r.id = ur.role_id AND r.role_type = 'User' \
         WHERE ur.user_id = $1 ORDER BY r.name",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await?;
    names(&rows)
}

fn names(rows: &[sqlx::any::AnyRow]) -> Result<Vec<String>, ProjectionError> {
    rows.iter()
        .map(|row| row.try_get::<String, _>(0).map_err(ProjectionError::from))
        .collect()
}
