//! The `OidcConfig` aggregate: the provider settings an operator changes at run time
//! through `PATCH /api/configs/oidc/session` (one stream, `oidc-config/session`).
//!
//! Only the session lifetime lives here today. It applies to sessions signed in after
//! the change; a session keeps the expiry it was given (`SignedIn.expires_at`).

use crate::aggregate::{Aggregate, CommandContext};
use crate::event::DomainEvent;
use serde::{Deserialize, Serialize};

/// The stream id of the one `OidcConfig` stream.
pub const SESSION_STREAM: &str = "session";

/// Logto's default session lifetime: 14 days.
pub const DEFAULT_SESSION_TTL: u64 = 14 * 24 * 3600;

/// Logto's bounds for `ttl` (seconds): 1 s to 365 days.
pub const MAX_SESSION_TTL: u64 = 31_536_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionTtlSet {
    /// Seconds.
    pub ttl: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum OidcConfigEvent {
    SessionTtlSet(SessionTtlSet),
}

impl DomainEvent for OidcConfigEvent {
    fn event_type(&self) -> &'static str {
        match self {
            Self::SessionTtlSet(_) => "SessionTtlSet",
        }
    }

    fn schema_version(_event_type: &str) -> u32 {
        1
    }

    crate::tagged_payload_codec!();
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OidcConfig {
    session_ttl: Option<u64>,
}

impl OidcConfig {
    /// Seconds a new session lives (Logto's default when never set).
    pub fn session_ttl(&self) -> u64 {
        self.session_ttl_or(DEFAULT_SESSION_TTL)
    }

    /// Seconds a new session lives; `deployment_default` (the deployment's configured
    /// lifetime) until an operator sets one through the API.
    pub fn session_ttl_or(&self, deployment_default: u64) -> u64 {
        self.session_ttl.unwrap_or(deployment_default)
    }
}

pub enum OidcConfigCommand {
    SetSessionTtl(u64),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OidcConfigError {
    #[error("ttl must be between 1 and {MAX_SESSION_TTL} seconds")]
    SessionTtlOutOfRange,
}

/// Cacheable: its state holds settings only.
impl crate::aggregate::NoPersonalData for OidcConfig {}

impl Aggregate for OidcConfig {
    const STREAM_TYPE: &'static str = "oidc-config";
    type Event = OidcConfigEvent;
    type Command = OidcConfigCommand;
    type Error = OidcConfigError;

    fn apply(&mut self, event: &OidcConfigEvent) {
        match event {
            OidcConfigEvent::SessionTtlSet(e) => self.session_ttl = Some(e.ttl),
        }
    }

    fn handle(
        &self,
        command: OidcConfigCommand,
        _ctx: &CommandContext,
    ) -> Result<Vec<OidcConfigEvent>, OidcConfigError> {
        match command {
            OidcConfigCommand::SetSessionTtl(ttl) => {
                if !(1..=MAX_SESSION_TTL).contains(&ttl) {
                    return Err(OidcConfigError::SessionTtlOutOfRange);
                }
                // Setting the current value again records nothing.
                if self.session_ttl == Some(ttl) {
                    return Ok(vec![]);
                }
                Ok(vec![OidcConfigEvent::SessionTtlSet(SessionTtlSet { ttl })])
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::given;

    fn set(ttl: u64) -> OidcConfigEvent {
        OidcConfigEvent::SessionTtlSet(SessionTtlSet { ttl })
    }

    #[test]
    fn session_ttl_defaults_to_14_days_and_is_bounded() {
        let config = given::<OidcConfig>([]);
        assert_eq!(config.session_ttl(), 1_209_600);
        let config = config
            .when(OidcConfigCommand::SetSessionTtl(0))
            .then_error(OidcConfigError::SessionTtlOutOfRange)
            .when(OidcConfigCommand::SetSessionTtl(MAX_SESSION_TTL + 1))
            .then_error(OidcConfigError::SessionTtlOutOfRange)
            .when(OidcConfigCommand::SetSessionTtl(3600))
            .then([set(3600)]);
        assert_eq!(config.session_ttl(), 3600);
        config
            .when(OidcConfigCommand::SetSessionTtl(3600))
            .then_nothing();
    }
}
