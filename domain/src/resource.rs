//! The `Resource` aggregate: an API resource (RFC 8707 indicator) and its scopes. JWT
//! access tokens are minted for a resource; their scopes come from its scope list.
//! Indicator uniqueness is an `IdentifierClaim` on the indicator, like a user's email.

use crate::aggregate::{Aggregate, CommandContext};
use crate::event::DomainEvent;
use serde::{Deserialize, Serialize};

/// Logto's default access-token lifetime for a resource, in seconds.
pub const DEFAULT_ACCESS_TOKEN_TTL: u64 = 3600;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceCreated {
    pub name: String,
    pub indicator: String,
    pub access_token_ttl: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceUpdated {
    pub name: String,
    pub access_token_ttl: u64,
    pub is_default: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScopeDefined {
    pub scope_id: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScopeDeleted {
    pub scope_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceDeleted {}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum ResourceEvent {
    ResourceCreated(ResourceCreated),
    ResourceUpdated(ResourceUpdated),
    /// A scope created, or an existing one renamed or re-described (same id).
    ResourceScopeDefined(ScopeDefined),
    ResourceScopeDeleted(ScopeDeleted),
    ResourceDeleted(ResourceDeleted),
}

impl DomainEvent for ResourceEvent {
    fn event_type(&self) -> &'static str {
        match self {
            Self::ResourceCreated(_) => "ResourceCreated",
            Self::ResourceUpdated(_) => "ResourceUpdated",
            Self::ResourceScopeDefined(_) => "ResourceScopeDefined",
            Self::ResourceScopeDeleted(_) => "ResourceScopeDeleted",
            Self::ResourceDeleted(_) => "ResourceDeleted",
        }
    }

    fn schema_version(_event_type: &str) -> u32 {
        1
    }

    crate::tagged_payload_codec!();
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceState {
    pub name: String,
    pub indicator: String,
    pub access_token_ttl: u64,
    pub is_default: bool,
    pub scopes: Vec<Scope>,
}

impl ResourceState {
    pub fn scope(&self, id: &str) -> Option<&Scope> {
        self.scopes.iter().find(|s| s.id == id)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Resource {
    #[default]
    New,
    Active(Box<ResourceState>),
    Deleted,
}

pub enum ResourceCommand {
    /// `indicator` must already be validated (`Identifier::resource_indicator`).
    Create {
        name: String,
        indicator: String,
        access_token_ttl: Option<u64>,
    },
    Update {
        name: Option<String>,
        access_token_ttl: Option<u64>,
        is_default: Option<bool>,
    },
    DefineScope {
        scope_id: String,
        name: String,
        description: Option<String>,
    },
    DeleteScope {
        scope_id: String,
    },
    Delete,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResourceError {
    #[error("resource not found")]
    NotFound,
    #[error("resource already exists")]
    AlreadyExists,
    #[error("name must be 1 to 128 characters")]
    InvalidName,
    #[error("accessTokenTtl must be between 1 and 86400 seconds")]
    InvalidTtl,
    #[error("scope names must be 1 to 256 characters without whitespace")]
    InvalidScopeName,
    #[error("a scope named {0:?} already exists on this resource")]
    ScopeNameTaken(String),
    #[error("scope not found")]
    ScopeNotFound,
}

fn check_name(name: &str) -> Result<(), ResourceError> {
    let len = name.trim().chars().count();
    if len == 0 || len > 128 {
        return Err(ResourceError::InvalidName);
    }
    Ok(())
}

fn check_ttl(ttl: u64) -> Result<u64, ResourceError> {
    if !(1..=86_400).contains(&ttl) {
        return Err(ResourceError::InvalidTtl);
    }
    Ok(ttl)
}

impl Resource {
    pub fn state(&self) -> Option<&ResourceState> {
        match self {
            Self::Active(s) => Some(s),
            _ => None,
        }
    }

    fn live(&self) -> Result<&ResourceState, ResourceError> {
        self.state().ok_or(ResourceError::NotFound)
    }
}

/// Cacheable: its state holds the resource's name, indicator and scopes.
impl crate::aggregate::NoPersonalData for Resource {}

impl Aggregate for Resource {
    const STREAM_TYPE: &'static str = "resource";
    type Event = ResourceEvent;
    type Command = ResourceCommand;
    type Error = ResourceError;

    fn apply(&mut self, event: &ResourceEvent) {
        match (event, &mut *self) {
            (ResourceEvent::ResourceCreated(e), _) => {
                *self = Self::Active(Box::new(ResourceState {
                    name: e.name.clone(),
                    indicator: e.indicator.clone(),
                    access_token_ttl: e.access_token_ttl,
                    is_default: false,
                    scopes: vec![],
                }))
            }
            (ResourceEvent::ResourceUpdated(e), Self::Active(s)) => {
                s.name = e.name.clone();
                s.access_token_ttl = e.access_token_ttl;
                s.is_default = e.is_default;
            }
            (ResourceEvent::ResourceScopeDefined(e), Self::Active(s)) => {
                let scope = Scope {
                    id: e.scope_id.clone(),
                    name: e.name.clone(),
                    description: e.description.clone(),
                };
                match s.scopes.iter_mut().find(|x| x.id == e.scope_id) {
                    Some(existing) => *existing = scope,
                    None => s.scopes.push(scope),
                }
            }
            (ResourceEvent::ResourceScopeDeleted(e), Self::Active(s)) => {
                s.scopes.retain(|x| x.id != e.scope_id)
            }
            (ResourceEvent::ResourceDeleted(_), _) => *self = Self::Deleted,
            _ => {}
        }
    }

    fn handle(
        &self,
        command: ResourceCommand,
        _ctx: &CommandContext,
    ) -> Result<Vec<ResourceEvent>, ResourceError> {
        let event = match command {
            ResourceCommand::Create {
                name,
                indicator,
                access_token_ttl,
            } => {
                if !matches!(self, Self::New) {
                    return Err(ResourceError::AlreadyExists);
                }
                check_name(&name)?;
                ResourceEvent::ResourceCreated(ResourceCreated {
                    name,
                    indicator,
                    access_token_ttl: check_ttl(
                        access_token_ttl.unwrap_or(DEFAULT_ACCESS_TOKEN_TTL),
                    )?,
                })
            }
            ResourceCommand::Update {
                name,
                access_token_ttl,
                is_default,
            } => {
                let s = self.live()?;
                let next = ResourceUpdated {
                    name: name.unwrap_or_else(|| s.name.clone()),
                    access_token_ttl: check_ttl(access_token_ttl.unwrap_or(s.access_token_ttl))?,
                    is_default: is_default.unwrap_or(s.is_default),
                };
                check_name(&next.name)?;
                let unchanged = next.name == s.name
                    && next.access_token_ttl == s.access_token_ttl
                    && next.is_default == s.is_default;
                if unchanged {
                    return Ok(vec![]);
                }
                ResourceEvent::ResourceUpdated(next)
            }
            ResourceCommand::DefineScope {
                scope_id,
                name,
                description,
            } => {
                let s = self.live()?;
                let valid = !name.is_empty()
                    && name.chars().count() <= 256
                    && !name.chars().any(char::is_whitespace);
                if !valid {
                    return Err(ResourceError::InvalidScopeName);
                }
                if s.scopes.iter().any(|x| x.name == name && x.id != scope_id) {
                    return Err(ResourceError::ScopeNameTaken(name));
                }
                ResourceEvent::ResourceScopeDefined(ScopeDefined {
                    scope_id,
                    name,
                    description,
                })
            }
            ResourceCommand::DeleteScope { scope_id } => {
                self.live()?
                    .scope(&scope_id)
                    .ok_or(ResourceError::ScopeNotFound)?;
                ResourceEvent::ResourceScopeDeleted(ScopeDeleted { scope_id })
            }
            ResourceCommand::Delete => {
                self.live()?;
                ResourceEvent::ResourceDeleted(ResourceDeleted {})
            }
        };
        Ok(vec![event])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{given, Scenario};

    fn created() -> Scenario<Resource> {
        given::<Resource>([])
            .when(ResourceCommand::Create {
                name: "Orders".into(),
                indicator: "https://api.example.com".into(),
                access_token_ttl: None,
            })
            .then([ResourceEvent::ResourceCreated(ResourceCreated {
                name: "Orders".into(),
                indicator: "https://api.example.com".into(),
                access_token_ttl: DEFAULT_ACCESS_TOKEN_TTL,
            })])
    }

    fn define(id: &str, name: &str) -> ResourceCommand {
        ResourceCommand::DefineScope {
            scope_id: id.into(),
            name: name.into(),
            description: None,
        }
    }

    fn defined(id: &str, name: &str) -> ResourceEvent {
        ResourceEvent::ResourceScopeDefined(ScopeDefined {
            scope_id: id.into(),
            name: name.into(),
            description: None,
        })
    }

    #[test]
    fn a_resource_defaults_to_a_one_hour_ttl_and_refuses_bad_ttls() {
        let r = created();
        assert_eq!(r.state().unwrap().access_token_ttl, 3600);
        r.when(ResourceCommand::Update {
            name: None,
            access_token_ttl: Some(0),
            is_default: None,
        })
        .then_error(ResourceError::InvalidTtl);
    }

    #[test]
    fn scope_names_are_unique_per_resource_and_renaming_keeps_the_id() {
        let r = created()
            .when(define("s1", "read:orders"))
            .then([defined("s1", "read:orders")])
            .when(define("s2", "read:orders"))
            .then_error(ResourceError::ScopeNameTaken("read:orders".into()))
            .when(define("s2", "has space"))
            .then_error(ResourceError::InvalidScopeName)
            .when(define("s1", "orders:read"))
            .then([defined("s1", "orders:read")]);
        let state = r.state().unwrap();
        assert_eq!(state.scopes.len(), 1);
        assert_eq!(state.scope("s1").unwrap().name, "orders:read");
        let delete = || ResourceCommand::DeleteScope {
            scope_id: "s1".into(),
        };
        r.when(delete())
            .then([ResourceEvent::ResourceScopeDeleted(ScopeDeleted {
                scope_id: "s1".into(),
            })])
            .when(delete())
            .then_error(ResourceError::ScopeNotFound);
    }

    #[test]
    fn a_deleted_resource_is_gone() {
        created()
            .when(ResourceCommand::Delete)
            .then([ResourceEvent::ResourceDeleted(ResourceDeleted {})])
            .when(define("s1", "x"))
            .then_error(ResourceError::NotFound);
    }
}
