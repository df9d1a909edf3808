//! Client-credentials grants (RFC 6749 §4.4): every access token issued to a machine
//! client is an event. Each token gets its own stream (keyed by the token's `jti`), so
//! thousands of issuances per second never contend on one stream's version and all go
//! through the store's group commit.

use crate::aggregate::{Aggregate, CommandContext};
use crate::event::DomainEvent;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientCredentialsGranted {
    pub application_id: String,
    /// The resource indicator (the token's audience).
    pub resource: String,
    pub scopes: Vec<String>,
    pub expires_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum ClientCredentialsEvent {
    ClientCredentialsGranted(ClientCredentialsGranted),
}

impl DomainEvent for ClientCredentialsEvent {
    fn event_type(&self) -> &'static str {
        match self {
            Self::ClientCredentialsGranted(_) => "ClientCredentialsGranted",
        }
    }

    fn schema_version(_event_type: &str) -> u32 {
        1
    }

    crate::tagged_payload_codec!();
}

/// One issued token; the stream id is its `jti`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClientCredentialsToken {
    pub granted: Option<ClientCredentialsGranted>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientCredentialsError {
    #[error("a token with this id was already issued")]
    AlreadyIssued,
}

impl Aggregate for ClientCredentialsToken {
    const STREAM_TYPE: &'static str = "client-credentials";
    type Event = ClientCredentialsEvent;
    type Command = ClientCredentialsGranted;
    type Error = ClientCredentialsError;

    fn apply(&mut self, event: &ClientCredentialsEvent) {
        let ClientCredentialsEvent::ClientCredentialsGranted(e) = event;
        self.granted = Some(e.clone());
    }

    fn handle(
        &self,
        command: ClientCredentialsGranted,
        _ctx: &CommandContext,
    ) -> Result<Vec<ClientCredentialsEvent>, ClientCredentialsError> {
        if self.granted.is_some() {
            return Err(ClientCredentialsError::AlreadyIssued);
        }
        Ok(vec![ClientCredentialsEvent::ClientCredentialsGranted(
            command,
        )])
    }
}
