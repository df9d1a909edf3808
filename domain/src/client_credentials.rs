//! Client-credentials grants (RFC 6749 §4.4): every access token issued to a machine
//! client is an event. Each token gets its own stream (keyed by the token's `jti`), so
//! thousands of issuances per second never contend on one stream's version and all go
//! through the store's group commit. A token revoked by its client (RFC 7009) gets a
//! second event on the same stream; introspection reads the stream and answers
//! `active: false` from then on.

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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientCredentialsRevoked {
    pub application_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum ClientCredentialsEvent {
    ClientCredentialsGranted(ClientCredentialsGranted),
    ClientCredentialsRevoked(ClientCredentialsRevoked),
}

impl DomainEvent for ClientCredentialsEvent {
    fn event_type(&self) -> &'static str {
        match self {
            Self::ClientCredentialsGranted(_) => "ClientCredentialsGranted",
            Self::ClientCredentialsRevoked(_) => "ClientCredentialsRevoked",
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
    pub revoked: bool,
}

impl ClientCredentialsToken {
    /// Whether the token (its signature already verified) is live at `now`.
    pub fn is_active(&self, now: Timestamp) -> bool {
        !self.revoked && self.granted.as_ref().is_some_and(|g| now < g.expires_at)
    }
}

pub enum ClientCredentialsCommand {
    Grant(ClientCredentialsGranted),
    /// RFC 7009 by the application the token was issued to; a no-op for anyone else
    /// and for a token already revoked or expired.
    Revoke {
        application_id: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientCredentialsError {
    #[error("a token with this id was already issued")]
    AlreadyIssued,
}

impl Aggregate for ClientCredentialsToken {
    const STREAM_TYPE: &'static str = "client-credentials";
    type Event = ClientCredentialsEvent;
    type Command = ClientCredentialsCommand;
    type Error = ClientCredentialsError;

    fn apply(&mut self, event: &ClientCredentialsEvent) {
        match event {
            ClientCredentialsEvent::ClientCredentialsGranted(e) => self.granted = Some(e.clone()),
            ClientCredentialsEvent::ClientCredentialsRevoked(_) => self.revoked = true,
        }
    }

    fn handle(
        &self,
        command: ClientCredentialsCommand,
        ctx: &CommandContext,
    ) -> Result<Vec<ClientCredentialsEvent>, ClientCredentialsError> {
        match command {
            ClientCredentialsCommand::Grant(granted) => {
                if self.granted.is_some() {
                    return Err(ClientCredentialsError::AlreadyIssued);
                }
                Ok(vec![ClientCredentialsEvent::ClientCredentialsGranted(
                    granted,
                )])
            }
            ClientCredentialsCommand::Revoke { application_id } => {
                let mine = self
                    .granted
                    .as_ref()
                    .is_some_and(|g| g.application_id == application_id);
                if !mine || !self.is_active(ctx.now) {
                    return Ok(vec![]);
                }
                Ok(vec![ClientCredentialsEvent::ClientCredentialsRevoked(
                    ClientCredentialsRevoked { application_id },
                )])
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::given;

    #[test]
    fn only_the_issuing_application_revokes_a_live_token() {
        let now = Timestamp::from_millis(1_000);
        let granted = ClientCredentialsGranted {
            application_id: "m2m".into(),
            resource: "https://api".into(),
            scopes: vec![],
            expires_at: Timestamp::from_millis(10_000),
        };
        let revoke = |id: &str| ClientCredentialsCommand::Revoke {
            application_id: id.into(),
        };
        let token = given::<ClientCredentialsToken>([])
            .at(now)
            .when(ClientCredentialsCommand::Grant(granted.clone()))
            .then([ClientCredentialsEvent::ClientCredentialsGranted(
                granted.clone(),
            )]);
        assert!(token.is_active(now));
        let token = token
            .when(ClientCredentialsCommand::Grant(granted))
            .then_error(ClientCredentialsError::AlreadyIssued)
            .when(revoke("other"))
            .then_nothing()
            .when(revoke("m2m"))
            .then([ClientCredentialsEvent::ClientCredentialsRevoked(
                ClientCredentialsRevoked {
                    application_id: "m2m".into(),
                },
            )]);
        assert!(!token.is_active(now));
        token.when(revoke("m2m")).then_nothing();
    }
}
