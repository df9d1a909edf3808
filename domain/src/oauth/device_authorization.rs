//! The `DeviceAuthorization` aggregate: one device authorization request (RFC 8628), from
//! the device's request to the tokens it redeems once.
//!
//! One stream per request, `device-authorization/<id>`. The device gets a `device_code`
//! `<id>.<secret>` (only the secret's digest is stored, as for grants) and shows the user
//! a short `user_code`; the user's browser finds the request by that code through the
//! `device_user_codes` read model (keyed by the code's digest). Every step is an event:
//! requested, approved by a user with the scopes granted, denied, redeemed (naming the
//! grant the tokens were issued under). Polling while the user has not decided is a
//! *query* ([`DeviceAuthorization::poll`]): it appends nothing, so a thousand waiting
//! devices polling every five seconds write nothing to the log.

use crate::aggregate::{Aggregate, CommandContext};
use crate::event::DomainEvent;
use crate::ids::Random;
use crate::oauth::secret::SecretDigest;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

/// The token endpoint's `grant_type` for polling (RFC 8628 §3.4).
pub const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// How long a device code lives (Logto: 600 s).
pub const DEFAULT_TTL_SECS: u64 = 600;

/// The polling interval a device is told (RFC 8628 §3.2 suggests 5 s).
pub const INTERVAL_SECS: u64 = 5;

/// What `slow_down` adds to the interval (RFC 8628 §3.5).
pub const SLOW_DOWN_SECS: u64 = 5;

/// The letters of a user code: 20 consonants, no vowels (no words), no digits or letters
/// that read alike (RFC 8628 §6.1). Eight of them: 20^8 ≈ 2.6·10^10 codes.
pub const USER_CODE_ALPHABET: &[u8; 20] = b"BCDFGHJKLMNPQRSTVWXZ";

/// Letters in a user code (shown as two groups of four).
pub const USER_CODE_LEN: usize = 8;

/// A fresh user code, `XXXX-XXXX`, uniform over [`USER_CODE_ALPHABET`].
pub fn generate_user_code(random: &mut dyn Random) -> String {
    let mut letters = String::with_capacity(USER_CODE_LEN + 1);
    let mut buf = [0u8; 32];
    while letters.len() < USER_CODE_LEN {
        random.fill(&mut buf);
        for &b in &buf {
            // 240 = 12 * 20: bytes at or above it would favour the first letters.
            if b < 240 && letters.len() < USER_CODE_LEN {
                letters.push(USER_CODE_ALPHABET[usize::from(b % 20)] as char);
            }
        }
    }
    letters.insert(4, '-');
    letters
}

/// A code as typed (any case, with or without the dash or spaces) in its canonical
/// `XXXX-XXXX` form; `None` if it cannot be a user code.
pub fn normalize_user_code(typed: &str) -> Option<String> {
    let mut letters = String::with_capacity(USER_CODE_LEN + 1);
    for c in typed.chars() {
        if c == '-' || c.is_whitespace() {
            continue;
        }
        let upper = c.to_ascii_uppercase();
        if !upper.is_ascii() || !USER_CODE_ALPHABET.contains(&(upper as u8)) {
            return None;
        }
        letters.push(upper);
        if letters.len() > USER_CODE_LEN {
            return None;
        }
    }
    if letters.len() != USER_CODE_LEN {
        return None;
    }
    letters.insert(4, '-');
    Some(letters)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceAuthorizationRequested {
    pub client_id: String,
    /// The scopes the device asked for, deduplicated in order.
    pub scopes: Vec<String>,
    /// The API resources (RFC 8707) it named; the grant will hold them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<String>,
    /// Digest of the `device_code`'s secret.
    pub device_code: SecretDigest,
    /// Digest of the canonical user code (the read model's key).
    pub user_code: SecretDigest,
    pub expires_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceAuthorizationApproved {
    pub user_id: String,
    /// The browser session the user approved in.
    pub session_id: String,
    pub auth_time: Timestamp,
    /// What the user granted (the requested scopes).
    pub scopes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceAuthorizationDenied {
    pub user_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceAuthorizationRedeemed {
    /// The grant the device's tokens were issued under.
    pub grant_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum DeviceAuthorizationEvent {
    DeviceAuthorizationRequested(DeviceAuthorizationRequested),
    DeviceAuthorizationApproved(DeviceAuthorizationApproved),
    DeviceAuthorizationDenied(DeviceAuthorizationDenied),
    DeviceAuthorizationRedeemed(DeviceAuthorizationRedeemed),
}

impl DomainEvent for DeviceAuthorizationEvent {
    fn event_type(&self) -> &'static str {
        match self {
            Self::DeviceAuthorizationRequested(_) => "DeviceAuthorizationRequested",
            Self::DeviceAuthorizationApproved(_) => "DeviceAuthorizationApproved",
            Self::DeviceAuthorizationDenied(_) => "DeviceAuthorizationDenied",
            Self::DeviceAuthorizationRedeemed(_) => "DeviceAuthorizationRedeemed",
        }
    }

    fn schema_version(_event_type: &str) -> u32 {
        1
    }

    crate::tagged_payload_codec!();
}

/// Where a request stands.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Decision {
    #[default]
    Pending,
    Approved(DeviceAuthorizationApproved),
    Denied,
    Redeemed,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct DeviceAuthorization {
    requested: Option<DeviceAuthorizationRequested>,
    decision: Decision,
}

pub enum DeviceAuthorizationCommand {
    Request(DeviceAuthorizationRequested),
    Approve {
        user_id: String,
        session_id: String,
        auth_time: Timestamp,
    },
    Deny {
        user_id: String,
    },
    /// The device's poll found the request approved: its tokens are issued under
    /// `grant_id` (in the same batch as the grant's events).
    Redeem {
        client_id: String,
        secret: String,
        grant_id: String,
    },
}

/// Why a request or a poll is refused; each has its RFC 8628 §3.5 answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeviceRefusal {
    /// Unknown, another client's, or the wrong secret: `invalid_grant`, the same answer
    /// for each, so a client cannot probe for others' codes.
    #[error("no device authorization by this code for this client")]
    NotFound,
    /// `authorization_pending`.
    #[error("the user has not decided yet")]
    Pending,
    /// `access_denied`.
    #[error("the user denied the request")]
    Denied,
    /// `expired_token`.
    #[error("the device code has expired")]
    Expired,
    /// Tokens were already issued for this code: `invalid_grant`.
    #[error("the device code was already redeemed")]
    AlreadyRedeemed,
    /// The user tried to decide a request that is no longer waiting.
    #[error("the request was already decided")]
    AlreadyDecided,
    #[error("a request already exists under this id")]
    AlreadyRequested,
}

impl DeviceAuthorization {
    pub fn requested(&self) -> Option<&DeviceAuthorizationRequested> {
        self.requested.as_ref()
    }

    pub fn decision(&self) -> &Decision {
        &self.decision
    }

    /// The request, if it is waiting for the user now (what the `/device` page shows).
    pub fn waiting(&self, now: Timestamp) -> Option<&DeviceAuthorizationRequested> {
        self.requested
            .as_ref()
            .filter(|r| now < r.expires_at && self.decision == Decision::Pending)
    }

    /// What a poll by `client_id` with `secret` finds, appending nothing: the approval
    /// (then the caller redeems), or the refusal the device is told.
    pub fn poll(
        &self,
        client_id: &str,
        secret: &str,
        now: Timestamp,
    ) -> Result<&DeviceAuthorizationApproved, DeviceRefusal> {
        let requested = self
            .requested
            .as_ref()
            .filter(|r| r.device_code.matches(secret) && r.client_id == client_id)
            .ok_or(DeviceRefusal::NotFound)?;
        match &self.decision {
            Decision::Redeemed => Err(DeviceRefusal::AlreadyRedeemed),
            Decision::Denied => Err(DeviceRefusal::Denied),
            _ if now >= requested.expires_at => Err(DeviceRefusal::Expired),
            Decision::Pending => Err(DeviceRefusal::Pending),
            Decision::Approved(approved) => Ok(approved),
        }
    }
}

/// Cacheable: client and user ids, scopes, digests and times.
impl crate::aggregate::NoPersonalData for DeviceAuthorization {}

impl Aggregate for DeviceAuthorization {
    const STREAM_TYPE: &'static str = "device-authorization";
    type Event = DeviceAuthorizationEvent;
    type Command = DeviceAuthorizationCommand;
    type Error = DeviceRefusal;

    fn apply(&mut self, event: &DeviceAuthorizationEvent) {
        match event {
            DeviceAuthorizationEvent::DeviceAuthorizationRequested(e) => {
                self.requested = Some(e.clone())
            }
            DeviceAuthorizationEvent::DeviceAuthorizationApproved(e) => {
                self.decision = Decision::Approved(e.clone())
            }
            DeviceAuthorizationEvent::DeviceAuthorizationDenied(_) => {
                self.decision = Decision::Denied
            }
            DeviceAuthorizationEvent::DeviceAuthorizationRedeemed(_) => {
                self.decision = Decision::Redeemed
            }
        }
    }

    fn handle(
        &self,
        command: DeviceAuthorizationCommand,
        ctx: &CommandContext,
    ) -> Result<Vec<DeviceAuthorizationEvent>, DeviceRefusal> {
        use DeviceAuthorizationEvent as E;
        match command {
            DeviceAuthorizationCommand::Request(requested) => match self.requested {
                None => Ok(vec![E::DeviceAuthorizationRequested(requested)]),
                Some(_) => Err(DeviceRefusal::AlreadyRequested),
            },
            DeviceAuthorizationCommand::Approve {
                user_id,
                session_id,
                auth_time,
            } => {
                let requested = self.decidable(ctx.now)?;
                Ok(vec![E::DeviceAuthorizationApproved(
                    DeviceAuthorizationApproved {
                        user_id,
                        session_id,
                        auth_time,
                        scopes: requested.scopes.clone(),
                    },
                )])
            }
            DeviceAuthorizationCommand::Deny { user_id } => {
                self.decidable(ctx.now)?;
                Ok(vec![E::DeviceAuthorizationDenied(
                    DeviceAuthorizationDenied { user_id },
                )])
            }
            DeviceAuthorizationCommand::Redeem {
                client_id,
                secret,
                grant_id,
            } => {
                self.poll(&client_id, &secret, ctx.now)?;
                Ok(vec![E::DeviceAuthorizationRedeemed(
                    DeviceAuthorizationRedeemed { grant_id },
                )])
            }
        }
    }
}

impl DeviceAuthorization {
    /// The request, if the user may still approve or deny it.
    fn decidable(&self, now: Timestamp) -> Result<&DeviceAuthorizationRequested, DeviceRefusal> {
        let requested = self.requested.as_ref().ok_or(DeviceRefusal::NotFound)?;
        if self.decision != Decision::Pending {
            return Err(DeviceRefusal::AlreadyDecided);
        }
        if now >= requested.expires_at {
            return Err(DeviceRefusal::Expired);
        }
        Ok(requested)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::SeqRandom;

    fn at(ms: i64) -> CommandContext {
        CommandContext {
            now: Timestamp::from_millis(ms),
        }
    }

    fn requested() -> DeviceAuthorization {
        let mut d = DeviceAuthorization::default();
        d.apply(&DeviceAuthorizationEvent::DeviceAuthorizationRequested(
            DeviceAuthorizationRequested {
                client_id: "tv".into(),
                scopes: vec!["openid".into()],
                resources: vec![],
                device_code: SecretDigest::of("s3cret"),
                user_code: SecretDigest::of("BCDF-GHJK"),
                expires_at: Timestamp::from_millis(600_000),
            },
        ));
        d
    }

    fn run(d: &mut DeviceAuthorization, c: DeviceAuthorizationCommand, now: i64) -> bool {
        match d.handle(c, &at(now)) {
            Ok(events) => {
                events.iter().for_each(|e| d.apply(e));
                true
            }
            Err(_) => false,
        }
    }

    fn approve() -> DeviceAuthorizationCommand {
        DeviceAuthorizationCommand::Approve {
            user_id: "u1".into(),
            session_id: "s1".into(),
            auth_time: Timestamp::from_millis(1),
        }
    }

    fn redeem(client: &str, secret: &str) -> DeviceAuthorizationCommand {
        DeviceAuthorizationCommand::Redeem {
            client_id: client.into(),
            secret: secret.into(),
            grant_id: "g1".into(),
        }
    }

    #[test]
    fn polls_answer_pending_then_the_approval_then_redeemed() {
        let mut d = requested();
        let now = Timestamp::from_millis(10);
        assert_eq!(d.poll("tv", "s3cret", now), Err(DeviceRefusal::Pending));
        assert_eq!(d.poll("tv", "wrong", now), Err(DeviceRefusal::NotFound));
        assert_eq!(d.poll("other", "s3cret", now), Err(DeviceRefusal::NotFound));
        assert!(
            !run(&mut d, redeem("tv", "s3cret"), 10),
            "not before approval"
        );
        assert!(run(&mut d, approve(), 20));
        assert!(!run(&mut d, approve(), 21), "decided once");
        assert_eq!(
            d.poll("tv", "s3cret", now).map(|a| a.user_id.as_str()),
            Ok("u1")
        );
        assert!(!run(&mut d, redeem("other", "s3cret"), 30));
        assert!(run(&mut d, redeem("tv", "s3cret"), 30));
        assert_eq!(
            d.poll("tv", "s3cret", now),
            Err(DeviceRefusal::AlreadyRedeemed)
        );
        assert!(!run(&mut d, redeem("tv", "s3cret"), 31), "redeemed once");
    }

    #[test]
    fn a_denied_or_expired_request_yields_no_tokens() {
        let mut d = requested();
        let deny = || DeviceAuthorizationCommand::Deny {
            user_id: "u1".into(),
        };
        assert!(run(&mut d, deny(), 10));
        assert_eq!(
            d.poll("tv", "s3cret", Timestamp::from_millis(11)),
            Err(DeviceRefusal::Denied)
        );
        let mut late = requested();
        assert!(!run(&mut late, approve(), 600_000), "too late to approve");
        assert_eq!(
            late.poll("tv", "s3cret", Timestamp::from_millis(600_000)),
            Err(DeviceRefusal::Expired)
        );
        let mut approved_late = requested();
        assert!(run(&mut approved_late, approve(), 10));
        assert!(!run(&mut approved_late, redeem("tv", "s3cret"), 600_001));
    }

    #[test]
    fn user_codes_are_eight_unambiguous_letters_and_read_back_however_typed() {
        let code = generate_user_code(&mut SeqRandom(7));
        assert_eq!(code.len(), 9);
        assert_eq!(&code[4..5], "-");
        assert!(code
            .bytes()
            .filter(|b| *b != b'-')
            .all(|b| USER_CODE_ALPHABET.contains(&b)));
        assert_eq!(normalize_user_code(&code).as_deref(), Some(code.as_str()));
        assert_eq!(
            normalize_user_code(" bcdf ghjk ").as_deref(),
            Some("BCDF-GHJK")
        );
        for bad in [
            "BCDF-GHJ",
            "BCDF-GHJKL",
            "ABCD-EFGH",
            "BCDF-GHJ1",
            "",
            "BCDF-GHJÉ",
        ] {
            assert_eq!(normalize_user_code(bad), None, "{bad}");
        }
    }
}
