//! The `Connectors` aggregate: every configured passwordless connector, on one stream so
//! that "at most one connector of each kind" holds under concurrent creations.

use super::config::{self, FieldError};
use super::events::*;
use super::{ConnectorKind, Factory};
use crate::aggregate::{Aggregate, CommandContext};
use crate::time::Timestamp;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectorState {
    pub id: String,
    pub factory: Factory,
    /// With secrets masked.
    pub config: Value,
    pub sealed_secrets: Option<String>,
    pub metadata: Value,
    pub created_at: Timestamp,
}

/// The connectors in creation order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Connectors {
    pub connectors: Vec<ConnectorState>,
    /// Deleted ids: never reused, so a sealed secret bound to one cannot come back.
    deleted: Vec<String>,
}

pub enum ConnectorCommand {
    /// `config` is the whole configuration in plain text (checked here); `sealed_secrets`
    /// must seal what `config::split` takes out of it (the KEK is outside the domain).
    Create {
        id: String,
        factory_id: String,
        config: Value,
        sealed_secrets: Option<String>,
        metadata: Option<Value>,
    },
    /// `config`: the new whole configuration in plain text and its sealed secrets.
    Update {
        id: String,
        config: Option<(Value, Option<String>)>,
        metadata: Option<Value>,
    },
    Delete {
        id: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectorError {
    #[error("connector {0} not found")]
    NotFound(String),
    #[error("connector {0} already exists")]
    AlreadyExists(String),
    #[error("unknown connector factory {0:?}")]
    UnknownFactory(String),
    /// Logto allows one Email and one Sms connector.
    #[error("a {} connector ({existing}) is already configured; delete it first", .kind.as_str())]
    KindTaken {
        kind: ConnectorKind,
        existing: String,
    },
    #[error("{field}: {reason}")]
    InvalidConfig { field: String, reason: String },
}

impl From<FieldError> for ConnectorError {
    fn from(e: FieldError) -> Self {
        Self::InvalidConfig {
            field: e.field,
            reason: e.reason,
        }
    }
}

/// Metadata is shown back as given; bounded, and an object (Logto's overrides: name,
/// logo, …).
fn check_metadata(metadata: &Value) -> Result<(), ConnectorError> {
    let invalid = |reason: &str| ConnectorError::InvalidConfig {
        field: "metadata".into(),
        reason: reason.into(),
    };
    if !metadata.is_object() {
        return Err(invalid("must be an object"));
    }
    if metadata.to_string().len() > 8 * 1024 {
        return Err(invalid("must be at most 8 KiB"));
    }
    Ok(())
}

impl Connectors {
    pub fn get(&self, id: &str) -> Option<&ConnectorState> {
        self.connectors.iter().find(|c| c.id == id)
    }

    /// The connector that delivers `kind`, if one is configured.
    pub fn of_kind(&self, kind: ConnectorKind) -> Option<&ConnectorState> {
        self.connectors.iter().find(|c| c.factory.kind() == kind)
    }

    fn live(&self, id: &str) -> Result<&ConnectorState, ConnectorError> {
        self.get(id)
            .ok_or_else(|| ConnectorError::NotFound(id.to_owned()))
    }
}

/// Cacheable: secrets are sealed, and a connector holds no personal data.
impl crate::aggregate::NoPersonalData for Connectors {}

impl Aggregate for Connectors {
    const STREAM_TYPE: &'static str = "connectors";
    type Event = ConnectorEvent;
    type Command = ConnectorCommand;
    type Error = ConnectorError;

    fn apply(&mut self, event: &ConnectorEvent) {
        match event {
            ConnectorEvent::ConnectorCreated(e) => {
                // An unknown factory cannot be created (handle refuses it).
                if let Some(factory) = Factory::from_id(&e.factory_id) {
                    self.connectors.push(ConnectorState {
                        id: e.id.clone(),
                        factory,
                        config: e.config.clone(),
                        sealed_secrets: e.sealed_secrets.clone(),
                        metadata: e.metadata.clone(),
                        created_at: e.created_at,
                    });
                }
            }
            ConnectorEvent::ConnectorUpdated(e) => {
                if let Some(c) = self.connectors.iter_mut().find(|c| c.id == e.id) {
                    c.config = e.config.clone();
                    c.sealed_secrets = e.sealed_secrets.clone();
                    c.metadata = e.metadata.clone();
                }
            }
            ConnectorEvent::ConnectorDeleted(e) => {
                self.connectors.retain(|c| c.id != e.id);
                self.deleted.push(e.id.clone());
            }
        }
    }

    fn handle(
        &self,
        command: ConnectorCommand,
        ctx: &CommandContext,
    ) -> Result<Vec<ConnectorEvent>, ConnectorError> {
        let event = match command {
            ConnectorCommand::Create {
                id,
                factory_id,
                config,
                sealed_secrets,
                metadata,
            } => {
                if self.get(&id).is_some() || self.deleted.contains(&id) {
                    return Err(ConnectorError::AlreadyExists(id));
                }
                let factory = Factory::from_id(&factory_id)
                    .ok_or(ConnectorError::UnknownFactory(factory_id))?;
                config::parse(factory, &config)?;
                let metadata = metadata.unwrap_or_else(|| Value::Object(Default::default()));
                check_metadata(&metadata)?;
                if let Some(existing) = self.of_kind(factory.kind()) {
                    return Err(ConnectorError::KindTaken {
                        kind: factory.kind(),
                        existing: existing.id.clone(),
                    });
                }
                let (public, secrets) = config::split(factory, &config);
                ConnectorEvent::ConnectorCreated(ConnectorCreated {
                    id,
                    factory_id: factory.id().to_owned(),
                    config: public,
                    sealed_secrets: if secrets.is_empty() {
                        None
                    } else {
                        sealed_secrets
                    },
                    metadata,
                    created_at: ctx.now,
                })
            }
            ConnectorCommand::Update {
                id,
                config,
                metadata,
            } => {
                let current = self.live(&id)?;
                let (public, sealed_secrets) = match config {
                    Some((config, sealed)) => {
                        config::parse(current.factory, &config)?;
                        let (public, secrets) = config::split(current.factory, &config);
                        (public, if secrets.is_empty() { None } else { sealed })
                    }
                    None => (current.config.clone(), current.sealed_secrets.clone()),
                };
                let metadata = metadata.unwrap_or_else(|| current.metadata.clone());
                check_metadata(&metadata)?;
                // Sealing is randomised: a resealed secret is a change even if equal.
                if public == current.config
                    && sealed_secrets == current.sealed_secrets
                    && metadata == current.metadata
                {
                    return Ok(vec![]);
                }
                ConnectorEvent::ConnectorUpdated(ConnectorUpdated {
                    id,
                    config: public,
                    sealed_secrets,
                    metadata,
                })
            }
            ConnectorCommand::Delete { id } => {
                self.live(&id)?;
                ConnectorEvent::ConnectorDeleted(ConnectorDeleted { id })
            }
        };
        Ok(vec![event])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connector::SECRET_MASK;
    use crate::testing::given;
    use serde_json::json;

    fn sms(endpoint: &str) -> Value {
        json!({"endpoint": endpoint, "authorization": "Bearer secret"})
    }

    fn create(id: &str, factory: &str, config: Value) -> ConnectorCommand {
        ConnectorCommand::Create {
            id: id.into(),
            factory_id: factory.into(),
            config,
            sealed_secrets: Some("SEALED".into()),
            metadata: None,
        }
    }

    #[test]
    fn one_connector_per_kind_and_secrets_only_sealed() {
        let c = given::<Connectors>([])
            .when(create("a", "nope", sms("https://x")))
            .then_error(ConnectorError::UnknownFactory("nope".into()))
            .when(create("a", "http-sms", json!({"endpoint": 3})))
            .then_error_matching(|e| {
                matches!(e, ConnectorError::InvalidConfig { field, .. } if field == "config.endpoint")
            })
            .when(create("a", "http-sms", sms("https://sms.example")))
            .then_with(|events| {
                let ConnectorEvent::ConnectorCreated(e) = &events[0] else {
                    panic!("not a creation: {events:?}");
                };
                assert_eq!(e.config["authorization"], SECRET_MASK);
                assert_eq!(e.sealed_secrets.as_deref(), Some("SEALED"));
                assert!(!serde_json::to_string(e).unwrap().contains("Bearer secret"));
            })
            .when(create("b", "http-sms", sms("https://other.example")))
            .then_error(ConnectorError::KindTaken {
                kind: ConnectorKind::Sms,
                existing: "a".into(),
            });
        assert_eq!(
            c.of_kind(ConnectorKind::Sms).map(|c| c.id.as_str()),
            Some("a")
        );
        assert!(c.of_kind(ConnectorKind::Email).is_none());
    }

    #[test]
    fn update_and_delete() {
        let created = ConnectorEvent::ConnectorCreated(ConnectorCreated {
            id: "a".into(),
            factory_id: "http-sms".into(),
            config: json!({"endpoint": "https://x"}),
            sealed_secrets: None,
            metadata: json!({}),
            created_at: Timestamp(0),
        });
        given::<Connectors>([created])
            .when(ConnectorCommand::Update {
                id: "a".into(),
                config: Some((json!({"endpoint": "https://x"}), None)),
                metadata: None,
            })
            .then_nothing()
            .when(ConnectorCommand::Update {
                id: "a".into(),
                config: None,
                metadata: Some(json!([])),
            })
            .then_error_matching(
                |e| matches!(e, ConnectorError::InvalidConfig { field, .. } if field == "metadata"),
            )
            .when(ConnectorCommand::Delete { id: "a".into() })
            .then([ConnectorEvent::ConnectorDeleted(ConnectorDeleted {
                id: "a".into(),
            })])
            .when(ConnectorCommand::Delete { id: "a".into() })
            .then_error(ConnectorError::NotFound("a".into()))
            .when(create("a", "http-sms", sms("https://x")))
            .then_error(ConnectorError::AlreadyExists("a".into()));
    }
}
