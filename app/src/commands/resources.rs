//! API resources and their scopes. The indicator's uniqueness is an `IdentifierClaim`
//! appended in the same batch as the resource (as a user's email is), so two racing
//! creations of one indicator cannot both commit.

use crate::bootstrap::MANAGEMENT_API_ID;
use crate::context::AppContext;
use crate::error::AppError;
use crate::request::RequestContext;
use crate::transact::{transact, Tx};
use domain::identifier::{Identifier, IdentifierClaim, IdentifierCommand, IdentifierKind};
use domain::resource::{Resource, ResourceCommand, ResourceError};
use domain::StandardId;
use store::Position;

pub fn resource_error(id: &str) -> impl Fn(ResourceError) -> AppError + '_ {
    move |e| match e {
        ResourceError::NotFound => AppError::NotExistsWithId {
            entity: "resource",
            id: id.to_owned(),
        },
        ResourceError::ScopeNotFound => AppError::NotExistsWithId {
            entity: "scope",
            id: id.to_owned(),
        },
        ResourceError::InvalidName | ResourceError::InvalidScopeName => {
            AppError::invalid_body(format!("name: {e}"))
        }
        ResourceError::InvalidTtl => AppError::invalid_body(format!("accessTokenTtl: {e}")),
        ResourceError::ScopeNameTaken(_) => AppError::Unprocessable {
            code: "scope.name_exists",
            message: e.to_string(),
        },
        ResourceError::AlreadyExists => AppError::internal(format!("resource {id}: {e}")),
    }
}

pub struct NewResource {
    pub name: String,
    pub indicator: String,
    pub access_token_ttl: Option<u64>,
}

/// Claims the indicator and creates the resource (with `scopes`) under `id`.
pub(crate) async fn create_in(
    mut tx: Tx,
    id: &str,
    input: &NewResource,
    scopes: Vec<ResourceCommand>,
) -> Result<Tx, AppError> {
    let indicator = Identifier::resource_indicator(&input.indicator)
        .map_err(|e| AppError::invalid_body(format!("indicator: {e}")))?;
    let claim = tx.state().store.identifier_stream_id(&indicator);
    tx.run::<IdentifierClaim>(
        &claim,
        vec![IdentifierCommand::Claim {
            holder: id.to_owned(),
        }],
        |_| AppError::IdentifierInUse(IdentifierKind::ResourceIndicator),
    )
    .await?;
    let mut commands = vec![ResourceCommand::Create {
        name: input.name.clone(),
        indicator: input.indicator.clone(),
        access_token_ttl: input.access_token_ttl,
    }];
    commands.extend(scopes);
    tx.run::<Resource>(id, commands, resource_error(id)).await?;
    Ok(tx)
}

pub async fn create(
    state: &AppContext,
    request: &RequestContext,
    input: NewResource,
) -> Result<(String, Option<Position>), AppError> {
    let id = StandardId::generate(&mut state.random.rng()).into_string();
    let (_, at) = transact(state, request, |tx| {
        let (id, input) = (&id, &input);
        async move { Ok((create_in(tx, id, input, vec![]).await?, ())) }
    })
    .await?;
    Ok((id, at))
}

pub struct ResourceChanges {
    pub name: Option<String>,
    pub access_token_ttl: Option<u64>,
    pub is_default: Option<bool>,
}

pub async fn update(
    state: &AppContext,
    request: &RequestContext,
    id: &str,
    changes: ResourceChanges,
) -> Result<Option<Position>, AppError> {
    let (_, at) = transact(state, request, |mut tx| {
        let command = ResourceCommand::Update {
            name: changes.name.clone(),
            access_token_ttl: changes.access_token_ttl,
            is_default: changes.is_default,
        };
        async move {
            tx.run::<Resource>(id, vec![command], resource_error(id))
                .await?;
            Ok((tx, ()))
        }
    })
    .await?;
    Ok(at)
}

/// Deletes the resource and frees its indicator. The Management API resource stays.
pub async fn delete(
    state: &AppContext,
    request: &RequestContext,
    id: &str,
) -> Result<Option<Position>, AppError> {
    if id == MANAGEMENT_API_ID {
        return Err(AppError::Unprocessable {
            code: "resource.cannot_delete_management_api",
            message: "The Management API resource cannot be deleted.".into(),
        });
    }
    let (_, at) = transact(state, request, |mut tx| async move {
        let current: Resource = tx.peek(id).await?;
        let indicator = current
            .state()
            .map(|s| s.indicator.clone())
            .ok_or_else(|| resource_error(id)(ResourceError::NotFound))?;
        tx.run::<Resource>(id, vec![ResourceCommand::Delete], resource_error(id))
            .await?;
        // Indicators in the log were validated when claimed; an unparsable one has no claim.
        if let Ok(identifier) = Identifier::resource_indicator(&indicator) {
            let claim = tx.state().store.identifier_stream_id(&identifier);
            tx.run::<IdentifierClaim>(
                &claim,
                vec![IdentifierCommand::Release {
                    holder: id.to_owned(),
                }],
                AppError::internal,
            )
            .await?;
        }
        Ok((tx, ()))
    })
    .await?;
    Ok(at)
}

/// Creates (`create`: `scope_id` is new) or redefines a scope. `description: None` keeps
/// the current one on a redefinition; `Some(None)` clears it.
pub async fn define_scope(
    state: &AppContext,
    request: &RequestContext,
    resource_id: &str,
    scope_id: &str,
    create: bool,
    name: Option<String>,
    description: Option<Option<String>>,
) -> Result<Option<Position>, AppError> {
    let (_, at) = transact(state, request, |mut tx| {
        let (name, description) = (name.clone(), description.clone());
        async move {
            let current: Resource = tx.peek(resource_id).await?;
            let existing = current
                .state()
                .ok_or_else(|| resource_error(resource_id)(ResourceError::NotFound))?
                .scope(scope_id)
                .cloned();
            let (name, description) = match (existing, name) {
                (Some(s), name) => (name.unwrap_or(s.name), description.unwrap_or(s.description)),
                (None, _) if !create => {
                    return Err(resource_error(scope_id)(ResourceError::ScopeNotFound))
                }
                (None, Some(name)) => (name, description.flatten()),
                (None, None) => return Err(AppError::invalid_body("name: required")),
            };
            let command = ResourceCommand::DefineScope {
                scope_id: scope_id.to_owned(),
                name,
                description,
            };
            tx.run::<Resource>(resource_id, vec![command], resource_error(resource_id))
                .await?;
            Ok((tx, ()))
        }
    })
    .await?;
    Ok(at)
}

pub async fn delete_scope(
    state: &AppContext,
    request: &RequestContext,
    resource_id: &str,
    scope_id: &str,
) -> Result<Option<Position>, AppError> {
    let (_, at) = transact(state, request, |mut tx| async move {
        let command = ResourceCommand::DeleteScope {
            scope_id: scope_id.to_owned(),
        };
        tx.run::<Resource>(resource_id, vec![command], |e| match e {
            ResourceError::ScopeNotFound => resource_error(scope_id)(e),
            other => resource_error(resource_id)(other),
        })
        .await?;
        Ok((tx, ()))
    })
    .await?;
    Ok(at)
}
