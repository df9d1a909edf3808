//! Answers for a create whose read-model row is not there yet.
//!
//! A create answers from the read model after waiting (bounded) for its projector. When
//! the projector is far behind (a large catch-up after a restart), the row can still be
//! missing; rather than answer 404 for what was just created, the answer is built from
//! the aggregate itself, loaded from the log. Only creates use this: their `createdAt`
//! is "now" by definition.

use crate::state::AppState;
use crate::support::error::ApiError;
use app::AppError;
use domain::application::Application;
use domain::resource::Resource;
use domain::role::Role;
use projections::applications::{type_name, ApplicationView};
use projections::resources::{ResourceView, ScopeView};
use projections::roles::{role_type_name, RoleView};
use projections::TENANT_ID;
use serde_json::Value;

/// `read`'s answer, or on a not-found the one `from_log` builds.
pub async fn or_from_log<T, F>(read: Result<T, ApiError>, from_log: F) -> Result<T, ApiError>
where
    F: std::future::Future<Output = Result<Option<T>, ApiError>>,
{
    match read {
        Err(ApiError::App(AppError::NotExistsWithId { entity, id })) => {
            tracing::warn!(
                entity,
                id,
                "read model behind a create; answering from the log"
            );
            from_log
                .await?
                .ok_or(AppError::NotExistsWithId { entity, id }.into())
        }
        other => other,
    }
}

fn json<T: serde::Serialize>(value: &T) -> Result<Value, ApiError> {
    serde_json::to_value(value).map_err(ApiError::internal)
}

fn now(state: &AppState) -> i64 {
    state.clock.now().as_millis()
}

pub async fn application(state: &AppState, id: &str) -> Result<Option<ApplicationView>, ApiError> {
    let app = state.store.repository().load::<Application>(id).await?;
    let Some(s) = app.aggregate.state() else {
        return Ok(None);
    };
    Ok(Some(ApplicationView {
        tenant_id: TENANT_ID,
        id: id.to_owned(),
        name: s.settings.name.clone(),
        secret: None,
        description: s.settings.description.clone(),
        app_type: type_name(s.app_type).to_owned(),
        oidc_client_metadata: json(&s.settings.oidc_client_metadata)?,
        custom_client_metadata: json(&s.settings.custom_client_metadata)?,
        protected_app_metadata: None,
        custom_data: Value::Object(s.settings.custom_data.clone()),
        is_third_party: s.is_third_party,
        app_level_access_control_enabled: false,
        created_at: now(state),
        is_admin: None,
    }))
}

pub async fn resource(state: &AppState, id: &str) -> Result<Option<ResourceView>, ApiError> {
    let resource = state.store.repository().load::<Resource>(id).await?;
    Ok(resource.aggregate.state().map(|s| ResourceView {
        tenant_id: TENANT_ID,
        id: id.to_owned(),
        name: s.name.clone(),
        indicator: s.indicator.clone(),
        is_default: s.is_default,
        access_token_ttl: i64::try_from(s.access_token_ttl).unwrap_or(i64::MAX),
        scopes: None,
    }))
}

pub async fn scope(
    state: &AppState,
    resource_id: &str,
    scope_id: &str,
) -> Result<Option<ScopeView>, ApiError> {
    let resource = state
        .store
        .repository()
        .load::<Resource>(resource_id)
        .await?;
    let scope = resource.aggregate.state().and_then(|s| s.scope(scope_id));
    Ok(scope.map(|s| ScopeView {
        tenant_id: TENANT_ID,
        id: s.id.clone(),
        resource_id: resource_id.to_owned(),
        name: s.name.clone(),
        description: s.description.clone(),
        created_at: now(state),
    }))
}

pub async fn role(state: &AppState, id: &str) -> Result<Option<RoleView>, ApiError> {
    let role = state.store.repository().load::<Role>(id).await?;
    Ok(role.aggregate.state().map(|s| RoleView {
        tenant_id: TENANT_ID,
        id: id.to_owned(),
        name: s.name.clone(),
        description: s.description.clone(),
        role_type: role_type_name(s.role_type).to_owned(),
        is_default: s.is_default,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn missing() -> Result<u8, ApiError> {
        Err(AppError::NotExistsWithId {
            entity: "role",
            id: "r1".into(),
        }
        .into())
    }

    #[tokio::test]
    async fn only_a_miss_falls_back_and_a_miss_in_the_log_stays_404() {
        assert_eq!(or_from_log(Ok(1), async { Ok(Some(2)) }).await.unwrap(), 1);
        assert_eq!(
            or_from_log(missing(), async { Ok(Some(2)) }).await.unwrap(),
            2
        );
        let still = or_from_log(missing(), async { Ok(None) }).await;
        assert!(matches!(
            still,
            Err(ApiError::App(AppError::NotExistsWithId { .. }))
        ));
        let other = or_from_log(Err(AppError::Conflict.into()), async { Ok(Some(2)) }).await;
        assert!(matches!(other, Err(ApiError::App(AppError::Conflict))));
    }
}
