//! The `Sentinel` aggregate: failed verification attempts per identifier and the lockout
//! they lead to (Logto's sentinel, `sentinelPolicy`).
//!
//! One stream per identifier (`sentinel/<keyed digest of the identifier>`, or
//! `sentinel/uid:<user id>` where the caller is already identified by id), so every node
//! counts the same attempts: the count is the stream, read from the shared log, not a
//! per-process counter. Each failed attempt is a `VerificationFailed`; the attempt that
//! reaches `max_attempts` within the rolling window also appends `IdentifierLockedOut`
//! (which fires Logto's `Identifier.Lockout` webhook). While locked, verifications of the
//! identifier are refused whatever the password; failures are still recorded, and do not
//! extend the lock. After a lock, counting starts again from the lock: the failures that
//! caused it do not lock again on the next attempt.
//!
//! The identifier's value is personal data: `IdentifierLockedOut` carries it (the webhook
//! reports it) sealed under the user's data key, or, for an identifier naming nobody,
//! under a data key of the sentinel stream itself. The aggregate's state keeps no
//! personal data, so it may be cached.

use crate::aggregate::{Aggregate, CommandContext};
use crate::event::DomainEvent;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// The most failures the state remembers; `max_attempts` above it is clamped.
pub const MAX_TRACKED_FAILURES: u32 = 1000;

/// Logto's `sentinelPolicy` (docs/logto/sign-in.md#sentinel), with the durations in seconds so tests and
/// operators can shorten them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SentinelPolicy {
    /// Failed attempts within the window that lock the identifier (Logto: 100).
    pub max_attempts: u32,
    /// The rolling window the attempts are counted in (Logto: 1 hour).
    pub window_secs: i64,
    /// How long the identifier stays locked (Logto: 60 minutes).
    pub lockout_secs: i64,
}

impl Default for SentinelPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 100,
            window_secs: 3600,
            lockout_secs: 3600,
        }
    }
}

/// What was verified. Password and verification-code failures share one counter, as in
/// Logto (a wrong code counts towards the identifier's lock like a wrong password); each
/// second factor has a counter of its own (a stream per user and factor, see
/// `app::sentinel::Target::factor`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum VerificationMethod {
    Password,
    VerificationCode,
    Totp,
    BackupCode,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerificationFailed {
    pub method: VerificationMethod,
    pub at: Timestamp,
    /// The user the identifier names, when it names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentifierLockedOut {
    /// Logto's identifier type: `username`, `email`, `phone` or `userId`.
    #[serde(rename = "type")]
    pub identifier_type: String,
    /// Personal data: sealed (see the module comment). Absent once erased.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    pub at: Timestamp,
    pub until: Timestamp,
    /// Failures counted in the window when it locked.
    pub failed_attempts: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum SentinelEvent {
    VerificationFailed(VerificationFailed),
    IdentifierLockedOut(IdentifierLockedOut),
}

impl DomainEvent for SentinelEvent {
    fn event_type(&self) -> &'static str {
        match self {
            Self::VerificationFailed(_) => "VerificationFailed",
            Self::IdentifierLockedOut(_) => "IdentifierLockedOut",
        }
    }

    fn schema_version(_event_type: &str) -> u32 {
        1
    }

    fn pii_fields(&self) -> &'static [&'static str] {
        match self {
            Self::IdentifierLockedOut(_) => &["value"],
            Self::VerificationFailed(_) => &[],
        }
    }

    fn pii_subject<'a>(&'a self, stream_id: &'a str) -> Option<&'a str> {
        match self {
            Self::IdentifierLockedOut(e) => Some(e.user_id.as_deref().unwrap_or(stream_id)),
            Self::VerificationFailed(_) => None,
        }
    }

    crate::tagged_payload_codec!();
}

/// Recent failures of one identifier and its lock, if any.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sentinel {
    /// Times of the failures since the last lock began, oldest first (bounded).
    failures: VecDeque<Timestamp>,
    locked_until: Option<Timestamp>,
}

/// A failed verification to record.
#[derive(Debug, Clone)]
pub struct RecordFailure {
    pub method: VerificationMethod,
    pub identifier_type: String,
    pub value: String,
    pub user_id: Option<String>,
    pub policy: SentinelPolicy,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SentinelError {}

impl Sentinel {
    /// Until when the identifier is locked, if it is at `now`.
    pub fn locked_until(&self, now: Timestamp) -> Option<Timestamp> {
        self.locked_until.filter(|until| now < *until)
    }

    /// Failures counted towards a lock at `now` under `policy`.
    pub fn failures_in_window(&self, now: Timestamp, policy: &SentinelPolicy) -> u32 {
        let since = now.plus_seconds(-policy.window_secs);
        self.failures.iter().filter(|t| **t > since).count() as u32
    }
}

/// Cacheable: its state holds failure times and the lock's end; the locked identifier stays in the sealed event.
impl crate::aggregate::NoPersonalData for Sentinel {}

impl Aggregate for Sentinel {
    const STREAM_TYPE: &'static str = "sentinel";
    type Event = SentinelEvent;
    type Command = RecordFailure;
    type Error = SentinelError;

    fn apply(&mut self, event: &SentinelEvent) {
        match event {
            SentinelEvent::VerificationFailed(e) => {
                self.failures.push_back(e.at);
                while self.failures.len() > MAX_TRACKED_FAILURES as usize {
                    self.failures.pop_front();
                }
            }
            SentinelEvent::IdentifierLockedOut(e) => {
                self.locked_until = Some(e.until);
                self.failures.clear();
            }
        }
    }

    fn handle(
        &self,
        command: RecordFailure,
        ctx: &CommandContext,
    ) -> Result<Vec<SentinelEvent>, SentinelError> {
        let now = ctx.now;
        let failed = VerificationFailed {
            method: command.method,
            at: now,
            user_id: command.user_id.clone(),
        };
        let mut events = vec![SentinelEvent::VerificationFailed(failed)];
        if self.locked_until(now).is_some() {
            return Ok(events);
        }
        let policy = command.policy;
        let max = policy.max_attempts.clamp(1, MAX_TRACKED_FAILURES);
        let count = self.failures_in_window(now, &policy) + 1;
        if count >= max {
            events.push(SentinelEvent::IdentifierLockedOut(IdentifierLockedOut {
                identifier_type: command.identifier_type,
                value: Some(command.value),
                user_id: command.user_id,
                at: now,
                until: now.plus_seconds(policy.lockout_secs),
                failed_attempts: count,
            }));
        }
        Ok(events)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{given, Scenario};

    fn policy() -> SentinelPolicy {
        SentinelPolicy {
            max_attempts: 3,
            window_secs: 60,
            lockout_secs: 30,
        }
    }

    fn failure() -> RecordFailure {
        RecordFailure {
            method: VerificationMethod::Password,
            identifier_type: "username".into(),
            value: "alice".into(),
            user_id: Some("u1".into()),
            policy: policy(),
        }
    }

    fn at(secs: i64) -> Timestamp {
        Timestamp::from_millis(secs * 1000)
    }

    /// The event every failure at `secs` records.
    fn failed(secs: i64) -> SentinelEvent {
        SentinelEvent::VerificationFailed(VerificationFailed {
            method: VerificationMethod::Password,
            at: at(secs),
            user_id: Some("u1".into()),
        })
    }

    /// One failure at `secs`, asserted to record exactly `expected`.
    fn fail(s: Scenario<Sentinel>, secs: i64, expected: Vec<SentinelEvent>) -> Scenario<Sentinel> {
        s.at(at(secs)).when(failure()).then(expected)
    }

    #[test]
    fn the_nth_failure_in_the_window_locks_and_the_lock_expires() {
        let s = given::<Sentinel>([]);
        let s = fail(s, 0, vec![failed(0)]);
        let s = fail(s, 1, vec![failed(1)]);
        let locked = SentinelEvent::IdentifierLockedOut(IdentifierLockedOut {
            identifier_type: "username".into(),
            value: Some("alice".into()),
            user_id: Some("u1".into()),
            at: at(2),
            until: at(32),
            failed_attempts: 3,
        });
        let s = fail(s, 2, vec![failed(2), locked]);
        assert_eq!(s.locked_until(at(31)), Some(at(32)));
        // Failures while locked are recorded but neither extend nor repeat the lock.
        let s = fail(s, 10, vec![failed(10)]);
        assert_eq!(s.locked_until(at(32)), None);
        // Counting starts again after the lock.
        fail(s, 40, vec![failed(40)]);
    }

    #[test]
    fn failures_outside_the_rolling_window_do_not_count() {
        let s = given::<Sentinel>([failed(0), failed(30)]);
        // The first failure left the window: two in it, no lock yet.
        let s = fail(s, 61, vec![failed(61)]);
        let locked = SentinelEvent::IdentifierLockedOut(IdentifierLockedOut {
            identifier_type: "username".into(),
            value: Some("alice".into()),
            user_id: Some("u1".into()),
            at: at(62),
            until: at(92),
            failed_attempts: 3,
        });
        fail(s, 62, vec![failed(62), locked]);
    }

    #[test]
    fn the_value_is_sealed_under_the_user_or_the_stream() {
        let mut locked = IdentifierLockedOut {
            identifier_type: "email".into(),
            value: Some("a@example.com".into()),
            user_id: None,
            at: at(0),
            until: at(1),
            failed_attempts: 1,
        };
        let event = SentinelEvent::IdentifierLockedOut(locked.clone());
        assert_eq!(event.pii_subject("s1"), Some("s1"));
        assert_eq!(event.pii_fields(), &["value"]);
        locked.user_id = Some("u1".into());
        let event = SentinelEvent::IdentifierLockedOut(locked);
        assert_eq!(event.pii_subject("s1"), Some("u1"));
        let payload = event.to_payload();
        assert_eq!(payload["type"], "email");
        assert_eq!(
            SentinelEvent::from_payload("IdentifierLockedOut", payload).unwrap(),
            event
        );
    }
}
