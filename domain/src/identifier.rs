//! Unique identifiers (a user's username, email and phone; a resource's indicator; a
//! role's name) and their uniqueness claims.
//!
//! Uniqueness across users is enforced inside the log, not by a read model: each
//! normalised identifier has its own `identifier` stream, and a user's creation appends
//! `IdentifierClaimed` to it with an expected version in the same atomic append. Two
//! racing sign-ups for one email therefore cannot both commit. The stream id is a keyed
//! digest of the identifier (computed outside the domain), so no personal data sits in
//! stream ids.

use crate::aggregate::{Aggregate, CommandContext};
use crate::event::DomainEvent;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum IdentifierKind {
    Username,
    Email,
    Phone,
    ResourceIndicator,
    RoleName,
}

impl IdentifierKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Username => "username",
            Self::Email => "email",
            Self::Phone => "phone",
            Self::ResourceIndicator => "resource-indicator",
            Self::RoleName => "role-name",
        }
    }
}

/// A validated, normalised identifier. Comparison is case-insensitive for all kinds (an
/// `Alice` and an `alice` would be indistinguishable to a person reading them).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Identifier {
    kind: IdentifierKind,
    normalized: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentifierError {
    #[error("username must start with a letter or underscore and contain only letters, digits and underscores (at most 128 characters)")]
    InvalidUsername,
    #[error("invalid email address")]
    InvalidEmail,
    #[error("phone number must contain 4 to 20 digits")]
    InvalidPhone,
    #[error(
        "resource indicator must be an absolute URI without a fragment (at most 256 characters)"
    )]
    InvalidIndicator,
    #[error("role name must be 1 to 128 characters")]
    InvalidRoleName,
}

impl Identifier {
    /// Logto's username rule: `^[A-Z_a-z]\w*$`.
    pub fn username(value: &str) -> Result<Self, IdentifierError> {
        let mut chars = value.chars();
        let first_ok = chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
        let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !(first_ok && rest_ok) || value.len() > 128 {
            return Err(IdentifierError::InvalidUsername);
        }
        Ok(Self {
            kind: IdentifierKind::Username,
            normalized: value.to_ascii_lowercase(),
        })
    }

    /// A pragmatic address check: one `@`, a non-empty local part, a dotted domain, no spaces.
    pub fn email(value: &str) -> Result<Self, IdentifierError> {
        let valid = value.len() <= 254
            && !value.chars().any(char::is_whitespace)
            && value.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            });
        if !valid {
            return Err(IdentifierError::InvalidEmail);
        }
        Ok(Self {
            kind: IdentifierKind::Email,
            normalized: value.to_lowercase(),
        })
    }

    /// Logto stores phone numbers as digits only (E.164 without the `+`).
    pub fn phone(value: &str) -> Result<Self, IdentifierError> {
        let digits = value.strip_prefix('+').unwrap_or(value);
        if !(4..=20).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IdentifierError::InvalidPhone);
        }
        Ok(Self {
            kind: IdentifierKind::Phone,
            normalized: digits.to_owned(),
        })
    }

    /// An API resource's indicator (RFC 8707 §2: an absolute URI, no fragment). Compared
    /// exactly: indicators are audiences, and audiences are case-sensitive.
    pub fn resource_indicator(value: &str) -> Result<Self, IdentifierError> {
        let ok = value.len() <= 256 && url::Url::parse(value).is_ok_and(|u| u.fragment().is_none());
        if !ok {
            return Err(IdentifierError::InvalidIndicator);
        }
        Ok(Self {
            kind: IdentifierKind::ResourceIndicator,
            normalized: value.to_owned(),
        })
    }

    /// A role's name, unique case-insensitively like Logto's.
    pub fn role_name(value: &str) -> Result<Self, IdentifierError> {
        let trimmed = value.trim();
        if trimmed.is_empty() || trimmed.chars().count() > 128 {
            return Err(IdentifierError::InvalidRoleName);
        }
        Ok(Self {
            kind: IdentifierKind::RoleName,
            normalized: trimmed.to_lowercase(),
        })
    }

    pub fn kind(&self) -> IdentifierKind {
        self.kind
    }

    pub fn normalized(&self) -> &str {
        &self.normalized
    }

    /// The bytes a keyed digest is taken over to name this identifier's claim stream.
    pub fn digest_input(&self) -> String {
        format!("{}:{}", self.kind.as_str(), self.normalized)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentifierClaimed {
    /// The id of the user, resource or role that holds the identifier.
    pub holder: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentifierReleased {
    pub holder: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum IdentifierEvent {
    IdentifierClaimed(IdentifierClaimed),
    IdentifierReleased(IdentifierReleased),
}

impl DomainEvent for IdentifierEvent {
    fn event_type(&self) -> &'static str {
        match self {
            Self::IdentifierClaimed(_) => "IdentifierClaimed",
            Self::IdentifierReleased(_) => "IdentifierReleased",
        }
    }

    fn schema_version(_event_type: &str) -> u32 {
        1
    }

    crate::tagged_payload_codec!();
}

/// The claim on one identifier: free, or held by one user.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct IdentifierClaim {
    holder: Option<String>,
}

pub enum IdentifierCommand {
    Claim { holder: String },
    Release { holder: String },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClaimError {
    #[error("identifier already in use")]
    AlreadyClaimed,
}

impl IdentifierClaim {
    pub fn holder(&self) -> Option<&str> {
        self.holder.as_deref()
    }
}

impl Aggregate for IdentifierClaim {
    const STREAM_TYPE: &'static str = "identifier";
    type Event = IdentifierEvent;
    type Command = IdentifierCommand;
    type Error = ClaimError;

    fn apply(&mut self, event: &IdentifierEvent) {
        match event {
            IdentifierEvent::IdentifierClaimed(e) => self.holder = Some(e.holder.clone()),
            IdentifierEvent::IdentifierReleased(_) => self.holder = None,
        }
    }

    fn handle(
        &self,
        command: IdentifierCommand,
        _ctx: &CommandContext,
    ) -> Result<Vec<IdentifierEvent>, ClaimError> {
        match command {
            IdentifierCommand::Claim { holder } => match &self.holder {
                Some(current) if *current == holder => Ok(vec![]),
                Some(_) => Err(ClaimError::AlreadyClaimed),
                None => Ok(vec![IdentifierEvent::IdentifierClaimed(
                    IdentifierClaimed { holder },
                )]),
            },
            IdentifierCommand::Release { holder } => match &self.holder {
                Some(current) if *current == holder => {
                    Ok(vec![IdentifierEvent::IdentifierReleased(
                        IdentifierReleased { holder },
                    )])
                }
                // Releasing what one does not hold is a no-op, so retries stay idempotent.
                _ => Ok(vec![]),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::given;
    use crate::time::Timestamp;

    const CTX: CommandContext = CommandContext {
        now: Timestamp::from_millis(0),
    };

    #[test]
    fn identifiers_validate_and_normalise() {
        assert_eq!(
            Identifier::username("Alice_1").unwrap().normalized(),
            "alice_1"
        );
        assert!(Identifier::username("1abc").is_err());
        assert!(Identifier::username("a-b").is_err());
        assert_eq!(
            Identifier::email("A@Example.COM").unwrap().normalized(),
            "a@example.com"
        );
        assert!(Identifier::email("no-at.example.com").is_err());
        assert!(Identifier::email("a@b").is_err());
        assert_eq!(
            Identifier::phone("+8613800000000").unwrap().normalized(),
            "8613800000000"
        );
        assert!(Identifier::phone("12ab").is_err());
    }

    #[test]
    fn a_claim_held_by_another_user_is_refused_and_released_claims_are_free() {
        let claim = |holder: &str| IdentifierCommand::Claim {
            holder: holder.into(),
        };
        let release = |holder: &str| IdentifierCommand::Release {
            holder: holder.into(),
        };
        let held = given::<IdentifierClaim>([])
            .at(CTX.now)
            .when(claim("u1"))
            .then([IdentifierEvent::IdentifierClaimed(IdentifierClaimed {
                holder: "u1".into(),
            })]);
        assert_eq!(held.holder(), Some("u1"));
        held.when(claim("u1"))
            .then_nothing()
            .when(claim("u2"))
            .then_error(ClaimError::AlreadyClaimed)
            .when(release("u2"))
            .then_nothing()
            .when(release("u1"))
            .then([IdentifierEvent::IdentifierReleased(IdentifierReleased {
                holder: "u1".into(),
            })])
            .when(claim("u2"))
            .then([IdentifierEvent::IdentifierClaimed(IdentifierClaimed {
                holder: "u2".into(),
            })]);
    }
}
