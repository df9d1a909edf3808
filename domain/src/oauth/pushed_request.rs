//! The `PushedRequest` aggregate: one pushed authorization request (RFC 9126), from its
//! push to its single use at the authorization endpoint.
//!
//! One stream per request, `pushed-request/<id>`; the id is the random tail of the
//! `request_uri` the client receives. The request's parameters may carry personal data
//! (`login_hint`), so they are a personal field whose subject is the stream itself: the
//! store encrypts them under a data key of their own, which the caller destroys once the
//! request is used (crypto-shredding: nothing of it stays readable). A request is good once,
//! for the client that pushed it, until `expires_at`: a second use, another client's use
//! or a late one is refused, and only the first use is an event (`PushedRequestUsed`),
//! so two nodes racing on one `request_uri` cannot both succeed (the append of the
//! second conflicts).

use crate::aggregate::{Aggregate, CommandContext};
use crate::event::DomainEvent;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

/// The prefix of every `request_uri` (RFC 9126 §2.2).
pub const REQUEST_URI_PREFIX: &str = "urn:ietf:params:oauth:request_uri:";

/// RFC 9126 §2.2 suggests a short lifetime; 60 seconds is what its examples use.
pub const DEFAULT_TTL_SECS: i64 = 60;

/// The id a `request_uri` names, if it is one of ours (`REQUEST_URI_PREFIX` and an id of
/// URL-safe characters).
pub fn request_id(request_uri: &str) -> Option<&str> {
    let id = request_uri.strip_prefix(REQUEST_URI_PREFIX)?;
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    ok.then_some(id)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizationRequestPushed {
    pub client_id: String,
    /// The authorization request's parameters, as pushed (a personal field: absent once
    /// its data key is destroyed).
    #[serde(default)]
    pub params: Vec<(String, String)>,
    pub expires_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PushedRequestUsed {}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum PushedRequestEvent {
    AuthorizationRequestPushed(AuthorizationRequestPushed),
    PushedRequestUsed(PushedRequestUsed),
}

impl DomainEvent for PushedRequestEvent {
    fn event_type(&self) -> &'static str {
        match self {
            Self::AuthorizationRequestPushed(_) => "AuthorizationRequestPushed",
            Self::PushedRequestUsed(_) => "PushedRequestUsed",
        }
    }

    fn schema_version(_event_type: &str) -> u32 {
        1
    }

    fn pii_fields(&self) -> &'static [&'static str] {
        match self {
            Self::AuthorizationRequestPushed(_) => &["params"],
            Self::PushedRequestUsed(_) => &[],
        }
    }

    /// The request is nobody's account: its own stream is the subject, so destroying that
    /// key erases exactly this request's parameters.
    fn pii_subject<'a>(&'a self, stream_id: &'a str) -> Option<&'a str> {
        match self {
            Self::AuthorizationRequestPushed(_) => Some(stream_id),
            Self::PushedRequestUsed(_) => None,
        }
    }

    crate::tagged_payload_codec!();
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PushedRequest {
    pushed: Option<AuthorizationRequestPushed>,
    used: bool,
}

pub enum PushedRequestCommand {
    Push(AuthorizationRequestPushed),
    /// The authorization endpoint takes the request for `client_id`.
    Use {
        client_id: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PushedRequestError {
    /// No such request, or another client's: the same answer, so a client cannot probe
    /// for others' requests.
    #[error("no pushed request by this request_uri for this client")]
    NotFound,
    #[error("the pushed request has expired")]
    Expired,
    #[error("the pushed request was already used")]
    AlreadyUsed,
    #[error("a request was already pushed under this id")]
    AlreadyPushed,
}

impl PushedRequest {
    /// The pushed parameters (empty before the push, or once erased).
    pub fn params(&self) -> &[(String, String)] {
        self.pushed.as_ref().map_or(&[], |p| &p.params)
    }
}

impl Aggregate for PushedRequest {
    const STREAM_TYPE: &'static str = "pushed-request";
    type Event = PushedRequestEvent;
    type Command = PushedRequestCommand;
    type Error = PushedRequestError;

    fn apply(&mut self, event: &PushedRequestEvent) {
        match event {
            PushedRequestEvent::AuthorizationRequestPushed(e) => self.pushed = Some(e.clone()),
            PushedRequestEvent::PushedRequestUsed(_) => self.used = true,
        }
    }

    fn handle(
        &self,
        command: PushedRequestCommand,
        ctx: &CommandContext,
    ) -> Result<Vec<PushedRequestEvent>, PushedRequestError> {
        match command {
            PushedRequestCommand::Push(pushed) => match self.pushed {
                None => Ok(vec![PushedRequestEvent::AuthorizationRequestPushed(pushed)]),
                Some(_) => Err(PushedRequestError::AlreadyPushed),
            },
            PushedRequestCommand::Use { client_id } => {
                let pushed = self
                    .pushed
                    .as_ref()
                    .filter(|p| p.client_id == client_id)
                    .ok_or(PushedRequestError::NotFound)?;
                if self.used {
                    return Err(PushedRequestError::AlreadyUsed);
                }
                if ctx.now >= pushed.expires_at {
                    return Err(PushedRequestError::Expired);
                }
                Ok(vec![PushedRequestEvent::PushedRequestUsed(
                    PushedRequestUsed {},
                )])
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: i64) -> CommandContext {
        CommandContext {
            now: Timestamp::from_millis(ms),
        }
    }

    fn pushed() -> PushedRequest {
        let mut r = PushedRequest::default();
        r.apply(&PushedRequestEvent::AuthorizationRequestPushed(
            AuthorizationRequestPushed {
                client_id: "app".into(),
                params: vec![("scope".into(), "openid".into())],
                expires_at: Timestamp::from_millis(60_000),
            },
        ));
        r
    }

    fn take(r: &mut PushedRequest, client: &str, now: i64) -> Result<(), PushedRequestError> {
        let events = r.handle(
            PushedRequestCommand::Use {
                client_id: client.into(),
            },
            &at(now),
        )?;
        events.iter().for_each(|e| r.apply(e));
        Ok(())
    }

    #[test]
    fn a_request_is_taken_once_by_its_client_before_it_expires() {
        let mut r = pushed();
        assert_eq!(take(&mut r, "other", 1), Err(PushedRequestError::NotFound));
        assert_eq!(take(&mut r, "app", 1), Ok(()));
        assert_eq!(take(&mut r, "app", 2), Err(PushedRequestError::AlreadyUsed));
        let mut late = pushed();
        assert_eq!(
            take(&mut late, "app", 60_000),
            Err(PushedRequestError::Expired)
        );
        let mut none = PushedRequest::default();
        assert_eq!(take(&mut none, "app", 1), Err(PushedRequestError::NotFound));
    }

    #[test]
    fn a_request_id_is_pushed_once() {
        let r = pushed();
        let again = r.handle(
            PushedRequestCommand::Push(AuthorizationRequestPushed {
                client_id: "app".into(),
                params: vec![],
                expires_at: Timestamp::from_millis(1),
            }),
            &at(0),
        );
        assert_eq!(again, Err(PushedRequestError::AlreadyPushed));
    }

    #[test]
    fn only_our_request_uris_name_a_request() {
        assert_eq!(
            request_id("urn:ietf:params:oauth:request_uri:abc_-1"),
            Some("abc_-1")
        );
        for bad in [
            "urn:ietf:params:oauth:request_uri:",
            "urn:ietf:params:oauth:request_uri:a/b",
            "https://client.example/request.jwt",
            "abc",
        ] {
            assert_eq!(request_id(bad), None, "{bad}");
        }
    }
}
