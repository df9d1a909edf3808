//! The `PersonalAccessTokens` aggregate: a user's personal access tokens (Logto 1.33),
//! named, each optionally expiring, exchanged at the token endpoint (RFC 8693,
//! `urn:logto:token-type:personal_access_token`) for access tokens of the user.
//!
//! One stream per user, `personal-access-tokens/<user id>`, so names are unique per user
//! by the aggregate's own decision. A token is handed out once, as
//! `pat_<user id>.<secret>`; only the secret's SHA-256 digest is stored, so the stream is
//! found from the token without a lookup table and a leaked log yields no usable token.
//! A name is an operator's label, not personal data.

use crate::aggregate::{Aggregate, CommandContext};
use crate::event::DomainEvent;
use crate::oauth::secret::SecretDigest;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

/// The prefix of every personal access token.
pub const TOKEN_PREFIX: &str = "pat_";

/// The longest name (Logto's column is 256 characters).
pub const MAX_NAME_LEN: usize = 256;

/// `(user id, secret)` of a presented token, if it has the shape of one of ours.
pub fn split(token: &str) -> Option<(&str, &str)> {
    let (user_id, secret) = token.strip_prefix(TOKEN_PREFIX)?.split_once('.')?;
    let id_ok = !user_id.is_empty()
        && user_id.len() <= 64
        && user_id.bytes().all(|b| b.is_ascii_alphanumeric());
    (id_ok && !secret.is_empty()).then_some((user_id, secret))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PersonalAccessTokenCreated {
    pub name: String,
    pub digest: SecretDigest,
    pub created_at: Timestamp,
    /// `None`: the token never expires (Logto's default).
    #[serde(default)]
    pub expires_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PersonalAccessTokenRenamed {
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PersonalAccessTokenDeleted {
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum PersonalAccessTokenEvent {
    PersonalAccessTokenCreated(PersonalAccessTokenCreated),
    PersonalAccessTokenRenamed(PersonalAccessTokenRenamed),
    PersonalAccessTokenDeleted(PersonalAccessTokenDeleted),
}

impl DomainEvent for PersonalAccessTokenEvent {
    fn event_type(&self) -> &'static str {
        match self {
            Self::PersonalAccessTokenCreated(_) => "PersonalAccessTokenCreated",
            Self::PersonalAccessTokenRenamed(_) => "PersonalAccessTokenRenamed",
            Self::PersonalAccessTokenDeleted(_) => "PersonalAccessTokenDeleted",
        }
    }

    fn schema_version(_event_type: &str) -> u32 {
        1
    }

    crate::tagged_payload_codec!();
}

/// One token as the user's stream keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredToken {
    pub name: String,
    pub digest: SecretDigest,
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
}

impl StoredToken {
    pub fn is_live(&self, now: Timestamp) -> bool {
        self.expires_at.is_none_or(|at| now < at)
    }
}

/// A user's tokens, in creation order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PersonalAccessTokens {
    tokens: Vec<StoredToken>,
}

pub enum PersonalAccessTokenCommand {
    Create(PersonalAccessTokenCreated),
    Rename { from: String, to: String },
    Delete { name: String },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PersonalAccessTokenError {
    #[error("the user has a personal access token named {0:?} already")]
    NameInUse(String),
    #[error("the user has no personal access token named {0:?}")]
    NotFound(String),
    #[error("a token name is 1 to {MAX_NAME_LEN} characters")]
    InvalidName,
    #[error("the expiry is in the past")]
    ExpiresInThePast,
}

impl PersonalAccessTokens {
    pub fn tokens(&self) -> &[StoredToken] {
        &self.tokens
    }

    fn named(&self, name: &str) -> Option<&StoredToken> {
        self.tokens.iter().find(|t| t.name == name)
    }

    /// The live token whose secret is `secret` (every digest compared, no early exit).
    pub fn live(&self, secret: &str, now: Timestamp) -> Option<&StoredToken> {
        self.tokens
            .iter()
            .filter(|t| t.digest.matches(secret))
            .fold(None, |found, t| found.or(Some(t)))
            .filter(|t| t.is_live(now))
    }
}

fn check_name(name: &str) -> Result<(), PersonalAccessTokenError> {
    let len = name.chars().count();
    if len == 0 || len > MAX_NAME_LEN || name.trim().is_empty() {
        return Err(PersonalAccessTokenError::InvalidName);
    }
    Ok(())
}

impl Aggregate for PersonalAccessTokens {
    const STREAM_TYPE: &'static str = "personal-access-tokens";
    type Event = PersonalAccessTokenEvent;
    type Command = PersonalAccessTokenCommand;
    type Error = PersonalAccessTokenError;

    fn apply(&mut self, event: &PersonalAccessTokenEvent) {
        match event {
            PersonalAccessTokenEvent::PersonalAccessTokenCreated(e) => {
                self.tokens.push(StoredToken {
                    name: e.name.clone(),
                    digest: e.digest.clone(),
                    created_at: e.created_at,
                    expires_at: e.expires_at,
                })
            }
            PersonalAccessTokenEvent::PersonalAccessTokenRenamed(e) => {
                if let Some(t) = self.tokens.iter_mut().find(|t| t.name == e.from) {
                    t.name.clone_from(&e.to);
                }
            }
            PersonalAccessTokenEvent::PersonalAccessTokenDeleted(e) => {
                self.tokens.retain(|t| t.name != e.name)
            }
        }
    }

    fn handle(
        &self,
        command: PersonalAccessTokenCommand,
        ctx: &CommandContext,
    ) -> Result<Vec<PersonalAccessTokenEvent>, PersonalAccessTokenError> {
        use PersonalAccessTokenError as E;
        match command {
            PersonalAccessTokenCommand::Create(created) => {
                check_name(&created.name)?;
                if self.named(&created.name).is_some() {
                    return Err(E::NameInUse(created.name));
                }
                if created.expires_at.is_some_and(|at| at <= ctx.now) {
                    return Err(E::ExpiresInThePast);
                }
                Ok(vec![PersonalAccessTokenEvent::PersonalAccessTokenCreated(
                    created,
                )])
            }
            PersonalAccessTokenCommand::Rename { from, to } => {
                if self.named(&from).is_none() {
                    return Err(E::NotFound(from));
                }
                check_name(&to)?;
                if from == to {
                    return Ok(vec![]);
                }
                if self.named(&to).is_some() {
                    return Err(E::NameInUse(to));
                }
                Ok(vec![PersonalAccessTokenEvent::PersonalAccessTokenRenamed(
                    PersonalAccessTokenRenamed { from, to },
                )])
            }
            PersonalAccessTokenCommand::Delete { name } => {
                if self.named(&name).is_none() {
                    return Err(E::NotFound(name));
                }
                Ok(vec![PersonalAccessTokenEvent::PersonalAccessTokenDeleted(
                    PersonalAccessTokenDeleted { name },
                )])
            }
        }
    }
}

/// Cacheable: names, digests and times; nothing personal.
impl crate::aggregate::NoPersonalData for PersonalAccessTokens {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::given;

    fn created(name: &str, secret: &str, expires_at: Option<i64>) -> PersonalAccessTokenCreated {
        PersonalAccessTokenCreated {
            name: name.into(),
            digest: SecretDigest::of(secret),
            created_at: Timestamp::from_millis(0),
            expires_at: expires_at.map(Timestamp::from_millis),
        }
    }

    fn at(ms: i64) -> CommandContext {
        CommandContext {
            now: Timestamp::from_millis(ms),
        }
    }

    #[test]
    fn names_are_unique_per_user_through_creation_and_renaming() {
        let mut pats = given::<PersonalAccessTokens>([]);
        let create = |n: &str, s: &str| PersonalAccessTokenCommand::Create(created(n, s, None));
        pats.decide_at(create("ci", "s1"), at(1)).unwrap();
        pats.decide_at(create("laptop", "s2"), at(1)).unwrap();
        assert_eq!(
            pats.decide_at(create("ci", "s3"), at(1)),
            Err(PersonalAccessTokenError::NameInUse("ci".into()))
        );
        let rename = |f: &str, t: &str| PersonalAccessTokenCommand::Rename {
            from: f.into(),
            to: t.into(),
        };
        assert_eq!(
            pats.decide_at(rename("ci", "laptop"), at(2)),
            Err(PersonalAccessTokenError::NameInUse("laptop".into()))
        );
        assert_eq!(
            pats.decide_at(rename("nope", "x"), at(2)),
            Err(PersonalAccessTokenError::NotFound("nope".into()))
        );
        pats.decide_at(rename("ci", "build"), at(2)).unwrap();
        assert_eq!(
            pats.live("s1", Timestamp::from_millis(3)).unwrap().name,
            "build"
        );
        assert_eq!(
            pats.decide_at(create("", "s4"), at(1)),
            Err(PersonalAccessTokenError::InvalidName)
        );
    }

    #[test]
    fn a_token_is_live_until_it_expires_or_is_deleted() {
        let mut pats =
            given::<PersonalAccessTokens>([PersonalAccessTokenEvent::PersonalAccessTokenCreated(
                created("a", "s1", Some(10)),
            )]);
        assert!(pats.live("s1", Timestamp::from_millis(9)).is_some());
        assert!(pats.live("s1", Timestamp::from_millis(10)).is_none());
        assert!(pats.live("s2", Timestamp::from_millis(1)).is_none());
        pats.decide_at(
            PersonalAccessTokenCommand::Delete { name: "a".into() },
            at(1),
        )
        .unwrap();
        assert!(pats.live("s1", Timestamp::from_millis(1)).is_none());
        assert_eq!(
            pats.decide_at(
                PersonalAccessTokenCommand::Create(created("b", "s", Some(1))),
                at(1)
            ),
            Err(PersonalAccessTokenError::ExpiresInThePast)
        );
    }

    #[test]
    fn only_well_formed_tokens_split() {
        assert_eq!(split("pat_u1.sec"), Some(("u1", "sec")));
        for bad in ["u1.sec", "pat_.sec", "pat_u1.", "pat_u-1.sec", "pat_u1"] {
            assert_eq!(split(bad), None, "{bad}");
        }
    }
}
