//! The `Session` aggregate: one browser sign-in at the hosted pages, from its first
//! attempt to its end.
//!
//! A session's id is chosen when the authorization request starts an interaction, before
//! anyone has signed in. Failed attempts (`SignInFailed`) are appended to that same
//! stream: a failure often has no user to attach to (an unknown identifier), appending it
//! to the user's stream would contend with every other write to that user, and keeping a
//! whole attempt — failures, then success — on one stream makes it one readable audit
//! record. Lockout policies that count failures per user read `user_id`, which a failure
//! carries when the identifier named a real user.
//!
//! Once `SignedIn`, the session ends by `SignedOut` (the user or RP-initiated logout) or
//! `Expired` (its lifetime passed and someone noticed). Ended sessions stay ended.

use crate::aggregate::{Aggregate, CommandContext};
use crate::event::DomainEvent;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignedIn {
    pub user_id: String,
    pub auth_time: Timestamp,
    /// Personal data: sealed under the user's data key.
    #[serde(default)]
    pub ip: Option<String>,
    /// Personal data: sealed under the user's data key.
    #[serde(default)]
    pub user_agent: Option<String>,
    /// The application the user signed in for.
    pub client_id: String,
    pub expires_at: Timestamp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SignInFailure {
    /// No user holds the identifier.
    UnknownIdentifier,
    WrongPassword,
    /// The user has no password (e.g. created by an administrator without one).
    NoPassword,
    Suspended,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignInFailed {
    pub reason: SignInFailure,
    /// The user the identifier named, when it named one.
    #[serde(default)]
    pub user_id: Option<String>,
    pub client_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignedOut {
    /// The application that asked for the logout, if any.
    #[serde(default)]
    pub client_id: Option<String>,
    /// Why the session ended; absent (events written before it existed) means the user
    /// logged out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<SignOutReason>,
}

/// Why a session ended other than by the user's own logout at the OIDC end-session
/// endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SignOutReason {
    /// The user logged out (RP-initiated logout).
    Logout,
    /// Revoked through the Management API or the Account API.
    Revoked,
    UserSuspended,
    UserDeleted,
    /// The user's password changed: sessions that knew the old one end.
    PasswordChanged,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Expired {}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum SessionEvent {
    SignedIn(SignedIn),
    SignInFailed(SignInFailed),
    SignedOut(SignedOut),
    Expired(Expired),
}

impl DomainEvent for SessionEvent {
    fn event_type(&self) -> &'static str {
        match self {
            Self::SignedIn(_) => "SignedIn",
            Self::SignInFailed(_) => "SignInFailed",
            Self::SignedOut(_) => "SignedOut",
            Self::Expired(_) => "Expired",
        }
    }

    fn schema_version(_event_type: &str) -> u32 {
        1
    }

    fn pii_fields(&self) -> &'static [&'static str] {
        match self {
            Self::SignedIn(_) => &["ip", "userAgent"],
            _ => &[],
        }
    }

    fn pii_subject<'a>(&'a self, _stream_id: &'a str) -> Option<&'a str> {
        match self {
            Self::SignedIn(e) => Some(&e.user_id),
            _ => None,
        }
    }

    crate::tagged_payload_codec!();
}

/// A live (or once live) session.
#[derive(Debug, Clone, PartialEq)]
pub struct ActiveSession {
    pub signed_in: SignedIn,
    pub ended: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub enum Session {
    /// No event, or only failed attempts.
    #[default]
    New,
    Pending {
        failures: u32,
    },
    SignedIn(Box<ActiveSession>),
}

pub enum SessionCommand {
    SignIn(SignedIn),
    RecordFailure(SignInFailed),
    SignOut {
        client_id: Option<String>,
        reason: SignOutReason,
    },
    /// Records the expiry once its time has come (a sweeper or a request noticed it).
    Expire,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    #[error("this sign-in has already completed")]
    AlreadySignedIn,
    #[error("the session has not expired yet")]
    NotExpired,
}

impl Session {
    /// The signed-in session, if it is live at `now`.
    pub fn active(&self, now: Timestamp) -> Option<&SignedIn> {
        match self {
            Self::SignedIn(s) if !s.ended && now < s.signed_in.expires_at => Some(&s.signed_in),
            _ => None,
        }
    }

    pub fn failures(&self) -> u32 {
        match self {
            Self::Pending { failures } => *failures,
            _ => 0,
        }
    }
}

impl Aggregate for Session {
    const STREAM_TYPE: &'static str = "session";
    type Event = SessionEvent;
    type Command = SessionCommand;
    type Error = SessionError;

    fn apply(&mut self, event: &SessionEvent) {
        match event {
            SessionEvent::SignInFailed(_) => {
                if let Self::New | Self::Pending { .. } = self {
                    *self = Self::Pending {
                        failures: self.failures() + 1,
                    };
                }
            }
            SessionEvent::SignedIn(e) => {
                *self = Self::SignedIn(Box::new(ActiveSession {
                    signed_in: e.clone(),
                    ended: false,
                }))
            }
            SessionEvent::SignedOut(_) | SessionEvent::Expired(_) => {
                if let Self::SignedIn(s) = self {
                    s.ended = true;
                }
            }
        }
    }

    fn handle(
        &self,
        command: SessionCommand,
        ctx: &CommandContext,
    ) -> Result<Vec<SessionEvent>, SessionError> {
        match command {
            SessionCommand::SignIn(e) => match self {
                Self::SignedIn(_) => Err(SessionError::AlreadySignedIn),
                _ => Ok(vec![SessionEvent::SignedIn(e)]),
            },
            SessionCommand::RecordFailure(e) => match self {
                Self::SignedIn(_) => Err(SessionError::AlreadySignedIn),
                _ => Ok(vec![SessionEvent::SignInFailed(e)]),
            },
            // Signing out twice, or out of nothing, changes nothing (idempotent logout).
            SessionCommand::SignOut { client_id, reason } => match self {
                Self::SignedIn(s) if !s.ended => Ok(vec![SessionEvent::SignedOut(SignedOut {
                    client_id,
                    reason: Some(reason),
                })]),
                _ => Ok(vec![]),
            },
            SessionCommand::Expire => match self {
                Self::SignedIn(s) if !s.ended => {
                    if ctx.now < s.signed_in.expires_at {
                        return Err(SessionError::NotExpired);
                    }
                    Ok(vec![SessionEvent::Expired(Expired {})])
                }
                _ => Ok(vec![]),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::given;

    fn signed_in() -> SignedIn {
        SignedIn {
            user_id: "u1".into(),
            auth_time: Timestamp::from_millis(10),
            ip: Some("192.0.2.1".into()),
            user_agent: Some("test".into()),
            client_id: "app".into(),
            expires_at: Timestamp::from_millis(1_000),
        }
    }

    fn sign_in() -> SessionCommand {
        SessionCommand::SignIn(signed_in())
    }

    fn failed() -> SignInFailed {
        SignInFailed {
            reason: SignInFailure::WrongPassword,
            user_id: Some("u1".into()),
            client_id: "app".into(),
        }
    }

    fn failure() -> SessionCommand {
        SessionCommand::RecordFailure(failed())
    }

    fn sign_out(client_id: Option<&str>, reason: SignOutReason) -> SessionCommand {
        SessionCommand::SignOut {
            client_id: client_id.map(Into::into),
            reason,
        }
    }

    #[test]
    fn failures_then_success_live_on_one_stream() {
        let s = given::<Session>([])
            .at_ms(1)
            .when(failure())
            .then([SessionEvent::SignInFailed(failed())])
            .at_ms(2)
            .when(failure())
            .then([SessionEvent::SignInFailed(failed())]);
        assert_eq!(s.failures(), 2);
        let s = s
            .at_ms(3)
            .when(sign_in())
            .then([SessionEvent::SignedIn(signed_in())]);
        assert_eq!(
            s.active(Timestamp::from_millis(500))
                .map(|e| e.user_id.as_str()),
            Some("u1")
        );
        s.at_ms(4)
            .when(sign_in())
            .then_error(SessionError::AlreadySignedIn)
            .when(failure())
            .then_error(SessionError::AlreadySignedIn);
    }

    #[test]
    fn a_session_ends_by_logout_or_expiry_and_stays_ended() {
        let s = given::<Session>([])
            .at_ms(0)
            .when(sign_out(None, SignOutReason::Logout))
            .then_nothing()
            .at_ms(1)
            .when(sign_in())
            .then([SessionEvent::SignedIn(signed_in())])
            .at_ms(999)
            .when(SessionCommand::Expire)
            .then_error(SessionError::NotExpired);
        assert!(s.active(Timestamp::from_millis(1_000)).is_none());
        let logged_out = s
            .clone()
            .at_ms(5)
            .when(sign_out(Some("app"), SignOutReason::Revoked))
            .then([SessionEvent::SignedOut(SignedOut {
                client_id: Some("app".into()),
                reason: Some(SignOutReason::Revoked),
            })]);
        assert!(logged_out.active(Timestamp::from_millis(6)).is_none());
        logged_out
            .at_ms(7)
            .when(sign_out(None, SignOutReason::Logout))
            .then_nothing();
        s.at_ms(1_000)
            .when(SessionCommand::Expire)
            .then([SessionEvent::Expired(Expired {})])
            .at_ms(1_001)
            .when(SessionCommand::Expire)
            .then_nothing();
    }

    #[test]
    fn sign_in_details_are_personal_data_of_the_user() {
        let mut events = Vec::new();
        given::<Session>([])
            .at_ms(1)
            .when(sign_in())
            .then_with(|e| events.extend_from_slice(e));
        assert_eq!(events, vec![SessionEvent::SignedIn(signed_in())]);
        assert_eq!(events[0].pii_fields(), &["ip", "userAgent"]);
        assert_eq!(events[0].pii_subject("sess"), Some("u1"));
        let payload = events[0].to_payload();
        assert_eq!(payload["userAgent"], "test");
        assert_eq!(
            SessionEvent::from_payload("SignedIn", payload).unwrap(),
            events[0]
        );
    }
}
