//! The `SubjectToken` aggregate: one impersonation token (Logto RFC 0005), from its
//! creation by an operator (`POST /api/subject-tokens`) to its single use in a token
//! exchange (RFC 8693) by an application allowed to exchange tokens.
//!
//! One stream per token, `subject-token/<id>`. The token handed out is
//! `sub_<id>.<secret>`; only the secret's SHA-256 digest is stored, so the stream is found
//! by id and a leaked log yields no usable token. The operator's `context` may carry
//! anything about the user (a ticket, a reason), so it is a personal field of the user the
//! token is for: erasing the user erases it. A token is good once, until `expires_at`;
//! only the first use is an event (`SubjectTokenConsumed`), so two exchanges racing on one
//! token cannot both succeed (the second append conflicts).

use super::secret::SecretDigest;
use crate::aggregate::{Aggregate, CommandContext};
use crate::event::DomainEvent;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The prefix of every impersonation token (Logto's `sub_` ids).
pub const TOKEN_PREFIX: &str = "sub_";

/// Logto's lifetime of an impersonation token: 600 seconds.
pub const TTL_SECS: i64 = 600;

/// `(id, secret)` of a presented token, if it has the shape of one of ours.
pub fn split(token: &str) -> Option<(&str, &str)> {
    let (id, secret) = token.strip_prefix(TOKEN_PREFIX)?.split_once('.')?;
    let id_ok = !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric());
    (id_ok && !secret.is_empty()).then_some((id, secret))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubjectTokenIssued {
    pub user_id: String,
    pub digest: SecretDigest,
    /// The operator's context (a personal field of `user_id`: absent once erased).
    #[serde(default)]
    pub context: Map<String, Value>,
    pub expires_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubjectTokenConsumed {
    /// The application that exchanged it.
    pub client_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum SubjectTokenEvent {
    SubjectTokenIssued(SubjectTokenIssued),
    SubjectTokenConsumed(SubjectTokenConsumed),
}

impl DomainEvent for SubjectTokenEvent {
    fn event_type(&self) -> &'static str {
        match self {
            Self::SubjectTokenIssued(_) => "SubjectTokenIssued",
            Self::SubjectTokenConsumed(_) => "SubjectTokenConsumed",
        }
    }

    fn schema_version(_event_type: &str) -> u32 {
        1
    }

    fn pii_fields(&self) -> &'static [&'static str] {
        match self {
            Self::SubjectTokenIssued(_) => &["context"],
            Self::SubjectTokenConsumed(_) => &[],
        }
    }

    /// The context is about the user the token is for.
    fn pii_subject<'a>(&'a self, _stream_id: &'a str) -> Option<&'a str> {
        match self {
            Self::SubjectTokenIssued(e) => Some(&e.user_id),
            Self::SubjectTokenConsumed(_) => None,
        }
    }

    crate::tagged_payload_codec!();
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct SubjectToken {
    issued: Option<SubjectTokenIssued>,
    consumed: bool,
}

pub enum SubjectTokenCommand {
    Issue(SubjectTokenIssued),
    /// A token exchange by `client_id` presents the token's `secret`.
    Consume {
        client_id: String,
        secret: String,
    },
}

/// Logto's refusals of a subject token, in its order of checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SubjectTokenError {
    /// No such token, or a wrong secret: one answer, so ids cannot be probed.
    #[error("subject token not found")]
    NotFound,
    #[error("subject token is expired")]
    Expired,
    #[error("subject token is already consumed")]
    Consumed,
    #[error("a subject token was already issued under this id")]
    AlreadyIssued,
}

impl SubjectToken {
    /// The user the token is for, once issued.
    pub fn user_id(&self) -> Option<&str> {
        self.issued.as_ref().map(|i| i.user_id.as_str())
    }
}

impl Aggregate for SubjectToken {
    const STREAM_TYPE: &'static str = "subject-token";
    type Event = SubjectTokenEvent;
    type Command = SubjectTokenCommand;
    type Error = SubjectTokenError;

    fn apply(&mut self, event: &SubjectTokenEvent) {
        match event {
            SubjectTokenEvent::SubjectTokenIssued(e) => self.issued = Some(e.clone()),
            SubjectTokenEvent::SubjectTokenConsumed(_) => self.consumed = true,
        }
    }

    fn handle(
        &self,
        command: SubjectTokenCommand,
        ctx: &CommandContext,
    ) -> Result<Vec<SubjectTokenEvent>, SubjectTokenError> {
        match command {
            SubjectTokenCommand::Issue(issued) => match self.issued {
                Some(_) => Err(SubjectTokenError::AlreadyIssued),
                None => Ok(vec![SubjectTokenEvent::SubjectTokenIssued(issued)]),
            },
            SubjectTokenCommand::Consume { client_id, secret } => {
                let issued = self.issued.as_ref().ok_or(SubjectTokenError::NotFound)?;
                if !issued.digest.matches(&secret) {
                    return Err(SubjectTokenError::NotFound);
                }
                if ctx.now >= issued.expires_at {
                    return Err(SubjectTokenError::Expired);
                }
                if self.consumed {
                    return Err(SubjectTokenError::Consumed);
                }
                Ok(vec![SubjectTokenEvent::SubjectTokenConsumed(
                    SubjectTokenConsumed { client_id },
                )])
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::given;

    fn issued() -> SubjectTokenIssued {
        SubjectTokenIssued {
            user_id: "u1".into(),
            digest: SecretDigest::of("s3cret"),
            context: Map::new(),
            expires_at: Timestamp::from_millis(600_000),
        }
    }

    fn consume(secret: &str) -> SubjectTokenCommand {
        SubjectTokenCommand::Consume {
            client_id: "app".into(),
            secret: secret.into(),
        }
    }

    fn at(ms: i64) -> CommandContext {
        CommandContext {
            now: Timestamp::from_millis(ms),
        }
    }

    #[test]
    fn a_token_is_consumed_once_before_it_expires() {
        let mut token = given::<SubjectToken>([SubjectTokenEvent::SubjectTokenIssued(issued())]);
        assert_eq!(
            token.decide_at(consume("guess"), at(1)),
            Err(SubjectTokenError::NotFound)
        );
        assert_eq!(token.decide_at(consume("s3cret"), at(1)).unwrap().len(), 1);
        assert_eq!(
            token.decide_at(consume("s3cret"), at(2)),
            Err(SubjectTokenError::Consumed)
        );
    }

    #[test]
    fn an_expired_token_is_refused_as_expired_before_consumed() {
        let mut token = given::<SubjectToken>([
            SubjectTokenEvent::SubjectTokenIssued(issued()),
            SubjectTokenEvent::SubjectTokenConsumed(SubjectTokenConsumed {
                client_id: "app".into(),
            }),
        ]);
        assert_eq!(
            token.decide_at(consume("s3cret"), at(600_000)),
            Err(SubjectTokenError::Expired)
        );
        let mut never = given::<SubjectToken>([]);
        assert_eq!(
            never.decide_at(consume("s3cret"), at(1)),
            Err(SubjectTokenError::NotFound)
        );
    }

    #[test]
    fn only_well_formed_tokens_split() {
        assert_eq!(split("sub_abc123.xyz"), Some(("abc123", "xyz")));
        for bad in ["abc.xyz", "sub_.xyz", "sub_abc.", "sub_a-b.xyz", "sub_abc"] {
            assert_eq!(split(bad), None, "{bad}");
        }
    }
}
