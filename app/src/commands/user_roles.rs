//! User roles: assigning `User` roles to users, from either side (`/api/users/{id}/roles`
//! and `/api/roles/{id}/users`). The assignment is an event on the user's stream; the role
//! is only checked (loaded, not staged): a role deleted concurrently simply drops out of
//! every read through the join with the live roles.

use super::roles::role_error;
use crate::context::AppContext;
use crate::error::AppError;
use crate::request::RequestContext;
use crate::transact::{transact, Tx};
use domain::role::{Role, RoleError, RoleType};
use domain::user::{User, UserCommand, UserError};
use store::Position;

pub fn user_error(user_id: &str, role_id: &str) -> impl Fn(UserError) -> AppError {
    let (user_id, role_id) = (user_id.to_owned(), role_id.to_owned());
    move |e| match e {
        UserError::NotFound => AppError::NotExistsWithId {
            entity: "user",
            id: user_id.clone(),
        },
        UserError::RoleNotAssigned => AppError::NotExistsWithId {
            entity: "user role",
            id: role_id.clone(),
        },
        other => AppError::internal(format!("user {user_id}: {other}")),
    }
}

/// Checks that `role_id` is a live `User` role (404 / 422): machine-to-machine roles
/// decide client-credentials scopes and never reach a user.
pub async fn user_role(tx: &Tx, role_id: &str) -> Result<(), AppError> {
    let role: Role = tx.peek(role_id).await?;
    match role.state() {
        None => Err(role_error(role_id)(RoleError::NotFound)),
        Some(s) if s.role_type != RoleType::User => Err(AppError::Unprocessable {
            code: "role.type_mismatch",
            message: format!(
                "Role {role_id} is a MachineToMachine role; only User roles can be assigned to users."
            ),
        }),
        Some(_) => Ok(()),
    }
}

/// Gives user `user_id` the roles `role_ids` (all checked first, all-or-nothing); with
/// `replace`, roles not listed are removed in the same append. Returns the ids that were
/// not held before.
pub async fn assign(
    state: &AppContext,
    request: &RequestContext,
    user_id: &str,
    role_ids: Vec<String>,
    replace: bool,
) -> Result<(Vec<String>, Option<Position>), AppError> {
    let (added, at) = transact(state, request, |mut tx| {
        let role_ids = role_ids.clone();
        async move {
            let current: User = tx.peek(user_id).await?;
            let held = current
                .state()
                .ok_or_else(|| user_error(user_id, "")(UserError::NotFound))?
                .role_ids
                .clone();
            for role_id in &role_ids {
                user_role(&tx, role_id).await?;
            }
            let added: Vec<String> = role_ids
                .iter()
                .filter(|r| !held.contains(r))
                .cloned()
                .collect();
            let mut commands: Vec<UserCommand> = Vec::new();
            if replace {
                commands.extend(
                    held.iter()
                        .filter(|r| !role_ids.contains(r))
                        .map(|r| UserCommand::RemoveRole(r.clone())),
                );
            }
            commands.push(UserCommand::AssignRoles(role_ids));
            tx.run::<User>(user_id, commands, user_error(user_id, ""))
                .await?;
            Ok((tx, added))
        }
    })
    .await?;
    Ok((added, at))
}

/// Takes role `role_id` from user `user_id` (404 when the user does not hold it).
pub async fn remove(
    state: &AppContext,
    request: &RequestContext,
    user_id: &str,
    role_id: &str,
) -> Result<Option<Position>, AppError> {
    let (_, at) = transact(state, request, |mut tx| async move {
        let command = UserCommand::RemoveRole(role_id.to_owned());
        tx.run::<User>(user_id, vec![command], user_error(user_id, role_id))
            .await?;
        Ok((tx, ()))
    })
    .await?;
    Ok(at)
}

/// Gives `User` role `role_id` to each of `user_ids` (all-or-nothing, one append).
pub async fn assign_to_users(
    state: &AppContext,
    request: &RequestContext,
    role_id: &str,
    user_ids: Vec<String>,
) -> Result<Option<Position>, AppError> {
    let (_, at) = transact(state, request, |mut tx| {
        let user_ids = user_ids.clone();
        async move {
            user_role(&tx, role_id).await?;
            for user_id in &user_ids {
                let command = UserCommand::AssignRoles(vec![role_id.to_owned()]);
                tx.run::<User>(user_id, vec![command], user_error(user_id, role_id))
                    .await?;
            }
            Ok((tx, ()))
        }
    })
    .await?;
    Ok(at)
}

/// The default roles a new user receives with its `UserCreated`, from the roles read
/// model (management writes settle that projector before answering, so a default role
/// created through the API is seen by every later user creation on this node).
pub async fn default_role_ids(state: &AppContext) -> Result<Vec<String>, AppError> {
    Ok(projections::user_roles::default_role_ids(&state.store.read_pool).await?)
}
