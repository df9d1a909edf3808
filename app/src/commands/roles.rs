//! Roles: a name unique case-insensitively (an `IdentifierClaim` on the normalised name,
//! moved in the same batch on a rename), a type, and resource scopes. Scope ids are checked
//! against the `scopes` read model (scopes live in their resources' streams).

use crate::context::AppContext;
use crate::error::AppError;
use crate::request::RequestContext;
use crate::transact::{settle, transact};
use domain::application::{Application, ApplicationCommand, ApplicationError, ApplicationType};
use domain::identifier::{Identifier, IdentifierClaim, IdentifierCommand, IdentifierKind};
use domain::role::{Role, RoleCommand, RoleError, RoleType};
use domain::StandardId;
use store::Position;

pub fn role_error(id: &str) -> impl Fn(RoleError) -> AppError + '_ {
    move |e| match e {
        RoleError::NotFound => AppError::NotExistsWithId {
            entity: "role",
            id: id.to_owned(),
        },
        RoleError::InvalidDescription => AppError::invalid_body(format!("description: {e}")),
        RoleError::DefaultMachineRole => AppError::invalid_body(format!("isDefault: {e}")),
        RoleError::ScopeNotInRole => AppError::NotExistsWithId {
            entity: "scope",
            id: id.to_owned(),
        },
        RoleError::AlreadyExists => AppError::internal(format!("role {id}: {e}")),
    }
}

pub fn role_name(name: &str) -> Result<Identifier, AppError> {
    Identifier::role_name(name).map_err(|e| AppError::invalid_body(format!("name: {e}")))
}

/// 404 naming the first of `ids` that is not a live scope.
pub async fn check_scopes(state: &AppContext, ids: &[String]) -> Result<(), AppError> {
    if ids.is_empty() {
        return Ok(());
    }
    // Scopes created a moment ago may not be projected yet.
    settle(state, &[projections::resources::NAME], None).await?;
    let found = projections::resources::existing_scope_ids(&state.store.read_pool, ids).await?;
    match ids.iter().find(|id| !found.contains(id)) {
        Some(missing) => Err(AppError::NotExistsWithId {
            entity: "scope",
            id: missing.clone(),
        }),
        None => Ok(()),
    }
}

pub struct NewRole {
    pub name: String,
    pub description: String,
    pub role_type: RoleType,
    pub is_default: bool,
    pub scope_ids: Vec<String>,
}

/// Creates role `id` (the caller picks it: the bootstrap uses a well-known one).
pub async fn create(
    state: &AppContext,
    request: &RequestContext,
    id: &str,
    input: NewRole,
) -> Result<Option<Position>, AppError> {
    let claim = state.store.identifier_stream_id(&role_name(&input.name)?);
    check_scopes(state, &input.scope_ids).await?;
    let (_, at) = transact(state, request, |mut tx| {
        let commands = vec![
            RoleCommand::Create {
                name: input.name.trim().to_owned(),
                description: input.description.clone(),
                role_type: input.role_type,
                is_default: input.is_default,
            },
            RoleCommand::AddScopes(input.scope_ids.clone()),
        ];
        let claim = &claim;
        async move {
            let holder = id.to_owned();
            tx.run::<IdentifierClaim>(claim, vec![IdentifierCommand::Claim { holder }], |_| {
                AppError::IdentifierInUse(IdentifierKind::RoleName)
            })
            .await?;
            tx.run::<Role>(id, commands, role_error(id)).await?;
            Ok((tx, ()))
        }
    })
    .await?;
    Ok(at)
}

pub fn new_id(state: &AppContext) -> String {
    StandardId::generate(&mut state.random.rng()).into_string()
}

/// Updates a role; a new name moves the name claim (claim new, release old) atomically.
pub async fn update(
    state: &AppContext,
    request: &RequestContext,
    id: &str,
    name: Option<String>,
    description: Option<String>,
    is_default: Option<bool>,
) -> Result<Option<Position>, AppError> {
    let new_claim = match &name {
        Some(n) => Some((role_name(n)?, n.trim().to_owned())),
        None => None,
    };
    let (_, at) = transact(state, request, |mut tx| {
        let (new_claim, description) = (new_claim.clone(), description.clone());
        async move {
            let current: Role = tx.peek(id).await?;
            let old = current
                .state()
                .ok_or_else(|| role_error(id)(RoleError::NotFound))?
                .name
                .clone();
            let mut name = None;
            if let Some((identifier, trimmed)) = new_claim {
                let old_identifier = role_name(&old)?;
                if identifier != old_identifier {
                    let claim = tx.state().store.identifier_stream_id(&identifier);
                    let holder = id.to_owned();
                    tx.run::<IdentifierClaim>(
                        &claim,
                        vec![IdentifierCommand::Claim { holder }],
                        |_| AppError::IdentifierInUse(IdentifierKind::RoleName),
                    )
                    .await?;
                    let claim = tx.state().store.identifier_stream_id(&old_identifier);
                    let holder = id.to_owned();
                    tx.run::<IdentifierClaim>(
                        &claim,
                        vec![IdentifierCommand::Release { holder }],
                        AppError::internal,
                    )
                    .await?;
                }
                name = Some(trimmed);
            }
            let command = RoleCommand::Update {
                name,
                description,
                is_default,
            };
            tx.run::<Role>(id, vec![command], role_error(id)).await?;
            Ok((tx, ()))
        }
    })
    .await?;
    Ok(at)
}

/// Deletes a role and frees its name.
pub async fn delete(
    state: &AppContext,
    request: &RequestContext,
    id: &str,
) -> Result<Option<Position>, AppError> {
    let (_, at) = transact(state, request, |mut tx| async move {
        let current: Role = tx.peek(id).await?;
        tx.run::<Role>(id, vec![RoleCommand::Delete], role_error(id))
            .await?;
        if let Some(s) = current.state() {
            let claim = tx.state().store.identifier_stream_id(&role_name(&s.name)?);
            let holder = id.to_owned();
            tx.run::<IdentifierClaim>(
                &claim,
                vec![IdentifierCommand::Release { holder }],
                AppError::internal,
            )
            .await?;
        }
        Ok((tx, ()))
    })
    .await?;
    Ok(at)
}

pub async fn add_scopes(
    state: &AppContext,
    request: &RequestContext,
    id: &str,
    scope_ids: Vec<String>,
) -> Result<Option<Position>, AppError> {
    check_scopes(state, &scope_ids).await?;
    let (_, at) = transact(state, request, |mut tx| {
        let command = RoleCommand::AddScopes(scope_ids.clone());
        async move {
            tx.run::<Role>(id, vec![command], role_error(id)).await?;
            Ok((tx, ()))
        }
    })
    .await?;
    Ok(at)
}

pub async fn remove_scope(
    state: &AppContext,
    request: &RequestContext,
    id: &str,
    scope_id: &str,
) -> Result<Option<Position>, AppError> {
    let (_, at) = transact(state, request, |mut tx| async move {
        let command = RoleCommand::RemoveScope(scope_id.to_owned());
        tx.run::<Role>(id, vec![command], |e| match e {
            RoleError::ScopeNotInRole => role_error(scope_id)(e),
            other => role_error(id)(other),
        })
        .await?;
        Ok((tx, ()))
    })
    .await?;
    Ok(at)
}

pub fn application_error(id: &str) -> impl Fn(ApplicationError) -> AppError + '_ {
    move |e| super::applications::application_error(id)(e)
}

/// Checks that `role_id` is a live machine-to-machine role (404 / 422).
pub async fn machine_role(tx: &crate::transact::Tx, role_id: &str) -> Result<(), AppError> {
    let role: Role = tx.peek(role_id).await?;
    match role.state() {
        None => Err(role_error(role_id)(RoleError::NotFound)),
        Some(s) if s.role_type != RoleType::MachineToMachine => Err(AppError::Unprocessable {
            code: "role.type_mismatch",
            message: format!(
                "Role {role_id} is a User role; only MachineToMachine roles can be assigned to applications."
            ),
        }),
        Some(_) => Ok(()),
    }
}

/// Gives machine-to-machine role `role_id` to each of `app_ids` (all-or-nothing).
pub async fn assign_to_applications(
    state: &AppContext,
    request: &RequestContext,
    role_id: &str,
    app_ids: Vec<String>,
) -> Result<Option<Position>, AppError> {
    let (_, at) = transact(state, request, |mut tx| {
        let app_ids = app_ids.clone();
        async move {
            machine_role(&tx, role_id).await?;
            for app_id in &app_ids {
                let app: Application = tx.peek(app_id).await?;
                let app_type = app.state().map(|s| s.app_type);
                if app_type.is_some_and(|t| t != ApplicationType::MachineToMachine) {
                    return Err(application_error(app_id)(
                        ApplicationError::RolesNeedMachineToMachine,
                    ));
                }
                let command = ApplicationCommand::AssignRoles(vec![role_id.to_owned()]);
                tx.run::<Application>(app_id, vec![command], application_error(app_id))
                    .await?;
            }
            Ok((tx, ()))
        }
    })
    .await?;
    Ok(at)
}
