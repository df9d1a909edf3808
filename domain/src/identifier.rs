//! Sign-in identifiers (username, email, phone) and their uniqueness claims.
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
}

impl IdentifierKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Username => "username",
            Self::Email => "email",
            Self::Phone => "phone",
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
    pub user_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentifierReleased {
    pub user_id: String,
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
    Claim { user_id: String },
    Release { user_id: String },
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
            IdentifierEvent::IdentifierClaimed(e) => self.holder = Some(e.user_id.clone()),
            IdentifierEvent::IdentifierReleased(_) => self.holder = None,
        }
    }

    fn handle(
        &self,
        command: IdentifierCommand,
        _ctx: &CommandContext,
    ) -> Result<Vec<IdentifierEvent>, ClaimError> {
        match command {
            IdentifierCommand::Claim { user_id } => match &self.holder {
                Some(holder) if *holder == user_id => Ok(vec![]),
                Some(_) => Err(ClaimError::AlreadyClaimed),
                None => Ok(vec![IdentifierEvent::IdentifierClaimed(
                    IdentifierClaimed { user_id },
                )]),
            },
            IdentifierCommand::Release { user_id } => match &self.holder {
                Some(holder) if *holder == user_id => {
                    Ok(vec![IdentifierEvent::IdentifierReleased(
                        IdentifierReleased { user_id },
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
        let mut claim = IdentifierClaim::default();
        let events = claim
            .handle(
                IdentifierCommand::Claim {
                    user_id: "u1".into(),
                },
                &CTX,
            )
            .unwrap();
        events.iter().for_each(|e| claim.apply(e));
        assert_eq!(claim.holder(), Some("u1"));
        assert_eq!(
            claim.handle(
                IdentifierCommand::Claim {
                    user_id: "u2".into()
                },
                &CTX
            ),
            Err(ClaimError::AlreadyClaimed)
        );
        let events = claim
            .handle(
                IdentifierCommand::Release {
                    user_id: "u1".into(),
                },
                &CTX,
            )
            .unwrap();
        events.iter().for_each(|e| claim.apply(e));
        assert!(claim
            .handle(
                IdentifierCommand::Claim {
                    user_id: "u2".into()
                },
                &CTX
            )
            .is_ok());
    }
}
