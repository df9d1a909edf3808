//! The `Role` aggregate: a named set of resource scopes. User roles decide the scopes in a
//! user's access tokens, machine-to-machine roles those of an M2M app's client-credentials
//! tokens. Assignments live on the subject's stream (a role may have a million users; a
//! user has a handful of roles), so loading a role never reads its members.

use crate::aggregate::{Aggregate, CommandContext};
use crate::event::DomainEvent;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RoleType {
    User,
    MachineToMachine,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleCreated {
    pub name: String,
    pub description: String,
    #[serde(rename = "type")]
    pub role_type: RoleType,
    pub is_default: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleUpdated {
    pub name: String,
    pub description: String,
    pub is_default: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleScopesAdded {
    pub scope_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleScopeRemoved {
    pub scope_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleDeleted {}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum RoleEvent {
    RoleCreated(RoleCreated),
    RoleUpdated(RoleUpdated),
    RoleScopesAdded(RoleScopesAdded),
    RoleScopeRemoved(RoleScopeRemoved),
    RoleDeleted(RoleDeleted),
}

impl DomainEvent for RoleEvent {
    fn event_type(&self) -> &'static str {
        match self {
            Self::RoleCreated(_) => "RoleCreated",
            Self::RoleUpdated(_) => "RoleUpdated",
            Self::RoleScopesAdded(_) => "RoleScopesAdded",
            Self::RoleScopeRemoved(_) => "RoleScopeRemoved",
            Self::RoleDeleted(_) => "RoleDeleted",
        }
    }

    fn schema_version(_event_type: &str) -> u32 {
        1
    }

    crate::tagged_payload_codec!();
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleState {
    pub name: String,
    pub description: String,
    pub role_type: RoleType,
    pub is_default: bool,
    pub scope_ids: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Role {
    #[default]
    New,
    Active(Box<RoleState>),
    Deleted,
}

pub enum RoleCommand {
    /// `name` must already hold its `IdentifierClaim` (`Identifier::role_name`).
    Create {
        name: String,
        description: String,
        role_type: RoleType,
        is_default: bool,
    },
    Update {
        name: Option<String>,
        description: Option<String>,
        is_default: Option<bool>,
    },
    /// Scope ids must exist (checked by the caller against the resources).
    AddScopes(Vec<String>),
    RemoveScope(String),
    Delete,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoleError {
    #[error("role not found")]
    NotFound,
    #[error("role already exists")]
    AlreadyExists,
    #[error("description must be at most 128 characters")]
    InvalidDescription,
    #[error("only user roles can be default roles")]
    DefaultMachineRole,
    #[error("the role does not hold that scope")]
    ScopeNotInRole,
}

impl Role {
    pub fn state(&self) -> Option<&RoleState> {
        match self {
            Self::Active(s) => Some(s),
            _ => None,
        }
    }

    fn live(&self) -> Result<&RoleState, RoleError> {
        self.state().ok_or(RoleError::NotFound)
    }
}

fn check(description: &str, role_type: RoleType, is_default: bool) -> Result<(), RoleError> {
    if description.chars().count() > 128 {
        return Err(RoleError::InvalidDescription);
    }
    if is_default && role_type == RoleType::MachineToMachine {
        return Err(RoleError::DefaultMachineRole);
    }
    Ok(())
}

/// Cacheable: its state holds the role's name, description and scope ids.
impl crate::aggregate::NoPersonalData for Role {}

impl Aggregate for Role {
    const STREAM_TYPE: &'static str = "role";
    type Event = RoleEvent;
    type Command = RoleCommand;
    type Error = RoleError;

    fn apply(&mut self, event: &RoleEvent) {
        match (event, &mut *self) {
            (RoleEvent::RoleCreated(e), _) => {
                *self = Self::Active(Box::new(RoleState {
                    name: e.name.clone(),
                    description: e.description.clone(),
                    role_type: e.role_type,
                    is_default: e.is_default,
                    scope_ids: vec![],
                }))
            }
            (RoleEvent::RoleUpdated(e), Self::Active(s)) => {
                s.name = e.name.clone();
                s.description = e.description.clone();
                s.is_default = e.is_default;
            }
            (RoleEvent::RoleScopesAdded(e), Self::Active(s)) => {
                for id in &e.scope_ids {
                    if !s.scope_ids.contains(id) {
                        s.scope_ids.push(id.clone());
                    }
                }
            }
            (RoleEvent::RoleScopeRemoved(e), Self::Active(s)) => {
                s.scope_ids.retain(|x| *x != e.scope_id)
            }
            (RoleEvent::RoleDeleted(_), _) => *self = Self::Deleted,
            _ => {}
        }
    }

    fn handle(
        &self,
        command: RoleCommand,
        _ctx: &CommandContext,
    ) -> Result<Vec<RoleEvent>, RoleError> {
        let event = match command {
            RoleCommand::Create {
                name,
                description,
                role_type,
                is_default,
            } => {
                if !matches!(self, Self::New) {
                    return Err(RoleError::AlreadyExists);
                }
                check(&description, role_type, is_default)?;
                RoleEvent::RoleCreated(RoleCreated {
                    name,
                    description,
                    role_type,
                    is_default,
                })
            }
            RoleCommand::Update {
                name,
                description,
                is_default,
            } => {
                let s = self.live()?;
                let next = RoleUpdated {
                    name: name.unwrap_or_else(|| s.name.clone()),
                    description: description.unwrap_or_else(|| s.description.clone()),
                    is_default: is_default.unwrap_or(s.is_default),
                };
                check(&next.description, s.role_type, next.is_default)?;
                if next.name == s.name
                    && next.description == s.description
                    && next.is_default == s.is_default
                {
                    return Ok(vec![]);
                }
                RoleEvent::RoleUpdated(next)
            }
            RoleCommand::AddScopes(ids) => {
                let s = self.live()?;
                let mut new: Vec<String> = ids
                    .into_iter()
                    .filter(|id| !s.scope_ids.contains(id))
                    .collect();
                new.dedup();
                if new.is_empty() {
                    return Ok(vec![]);
                }
                RoleEvent::RoleScopesAdded(RoleScopesAdded { scope_ids: new })
            }
            RoleCommand::RemoveScope(scope_id) => {
                if !self.live()?.scope_ids.contains(&scope_id) {
                    return Err(RoleError::ScopeNotInRole);
                }
                RoleEvent::RoleScopeRemoved(RoleScopeRemoved { scope_id })
            }
            RoleCommand::Delete => {
                self.live()?;
                RoleEvent::RoleDeleted(RoleDeleted {})
            }
        };
        Ok(vec![event])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::given;

    fn create(role_type: RoleType, is_default: bool) -> RoleCommand {
        RoleCommand::Create {
            name: "Admin".into(),
            description: "Administrators".into(),
            role_type,
            is_default,
        }
    }

    fn created(role_type: RoleType) -> RoleEvent {
        RoleEvent::RoleCreated(RoleCreated {
            name: "Admin".into(),
            description: "Administrators".into(),
            role_type,
            is_default: false,
        })
    }

    #[test]
    fn scopes_are_added_once_and_removed_only_if_held() {
        let role = given::<Role>([])
            .when(create(RoleType::User, false))
            .then([created(RoleType::User)])
            .when(RoleCommand::AddScopes(vec!["a".into(), "b".into()]))
            .then([RoleEvent::RoleScopesAdded(RoleScopesAdded {
                scope_ids: vec!["a".into(), "b".into()],
            })])
            .when(RoleCommand::AddScopes(vec!["a".into()]))
            .then_nothing();
        assert_eq!(role.state().unwrap().scope_ids, vec!["a", "b"]);
        role.when(RoleCommand::RemoveScope("a".into()))
            .then([RoleEvent::RoleScopeRemoved(RoleScopeRemoved {
                scope_id: "a".into(),
            })])
            .when(RoleCommand::RemoveScope("a".into()))
            .then_error(RoleError::ScopeNotInRole);
    }

    #[test]
    fn machine_roles_cannot_be_default() {
        given::<Role>([])
            .when(create(RoleType::MachineToMachine, true))
            .then_error(RoleError::DefaultMachineRole);
    }

    #[test]
    fn a_deleted_role_accepts_nothing() {
        given::<Role>([created(RoleType::MachineToMachine)])
            .when(RoleCommand::Delete)
            .then([RoleEvent::RoleDeleted(RoleDeleted {})])
            .when(RoleCommand::AddScopes(vec!["x".into()]))
            .then_error(RoleError::NotFound);
    }
}
