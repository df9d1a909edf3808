//! The `VerificationCode` aggregate: one one-time code sent to an email address or a
//! phone number, and what became of it (Logto's `CodeVerification` record).
//!
//! One stream per code, `verification-code/<verification id>`. The stream holds no
//! personal data and never the code: the address is kept as its keyed digest (the same
//! digest that names the identifier's uniqueness claim), the code as a keyed digest bound
//! to the verification id; the address itself travels only in sealed places (the
//! interaction cookie, the Account API's sealed verification record). Digests are
//! computed by the caller (they need the KEK); this module only compares them.
//!
//! Every send, delivery failure, failed verification and success is an event. A code is
//! good for [`CodePolicy::ttl_secs`] and [`CodePolicy::max_attempts`] wrong guesses
//! (Logto's defaults: 10 minutes, 10 attempts); after that it is spent, whatever is
//! guessed. A failed verification is still `Ok`: its event must be appended (it counts),
//! and [`VerificationCode::outcome`] tells the caller what to answer.

use crate::aggregate::{Aggregate, CommandContext};
use crate::event::DomainEvent;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

/// How codes are made and how long they last (Logto's defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CodePolicy {
    /// Digits in a code.
    pub length: u8,
    pub ttl_secs: i64,
    /// Wrong guesses a code takes before it is spent.
    pub max_attempts: u32,
}

impl Default for CodePolicy {
    fn default() -> Self {
        Self {
            length: 6,
            ttl_secs: 600,
            max_attempts: 10,
        }
    }
}

impl CodePolicy {
    /// `length` decimal digits from `random` (uniform: each byte is rejected above the
    /// largest multiple of 10 it can hold, so no digit is likelier than another).
    pub fn code_from(&self, mut random: impl FnMut() -> u8) -> String {
        let mut code = String::with_capacity(usize::from(self.length));
        while code.len() < usize::from(self.length) {
            let byte = random();
            if byte < 250 {
                code.push(char::from(b'0' + byte % 10));
            }
        }
        code
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerificationCodeSent {
    /// `email` or `phone`.
    pub identifier_type: String,
    /// The keyed digest of the address (no personal data).
    pub target: String,
    /// What the code is for (Logto's template usage: `SignIn`, `Register`, …).
    pub usage: String,
    pub code_digest: String,
    pub expires_at: Timestamp,
    pub max_attempts: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerificationCodeDeliveryFailed {
    /// What the connector said (no address, no code).
    pub reason: String,
}

/// Why a guess was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CodeFailure {
    /// The wrong code.
    Mismatch,
    /// The code was sent to another address than the one presented.
    IdentifierMismatch,
    Expired,
    /// The code took its last wrong guess earlier, or was never delivered.
    Spent,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerificationCodeFailed {
    pub reason: CodeFailure,
    /// Wrong guesses so far, this one included.
    pub attempts: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerificationCodeVerified {}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum VerificationCodeEvent {
    VerificationCodeSent(VerificationCodeSent),
    VerificationCodeDeliveryFailed(VerificationCodeDeliveryFailed),
    VerificationCodeFailed(VerificationCodeFailed),
    VerificationCodeVerified(VerificationCodeVerified),
}

impl DomainEvent for VerificationCodeEvent {
    fn event_type(&self) -> &'static str {
        match self {
            Self::VerificationCodeSent(_) => "VerificationCodeSent",
            Self::VerificationCodeDeliveryFailed(_) => "VerificationCodeDeliveryFailed",
            Self::VerificationCodeFailed(_) => "VerificationCodeFailed",
            Self::VerificationCodeVerified(_) => "VerificationCodeVerified",
        }
    }

    fn schema_version(_event_type: &str) -> u32 {
        1
    }

    crate::tagged_payload_codec!();
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
enum Status {
    #[default]
    Unsent,
    Pending,
    Verified,
    /// Exhausted, or never delivered.
    Spent,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VerificationCode {
    status: Status,
    sent: Option<VerificationCodeSent>,
    attempts: u32,
}

pub enum VerificationCodeCommand {
    Send(VerificationCodeSent),
    RecordDeliveryFailure {
        reason: String,
    },
    /// A guess: the presented address's digest and the guessed code's digest.
    Verify {
        target: String,
        code_digest: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerificationCodeError {
    #[error("no code was sent under this verification id")]
    NotFound,
    #[error("a code was already sent under this verification id")]
    AlreadySent,
}

impl crate::aggregate::NoPersonalData for VerificationCode {}

impl VerificationCode {
    /// Whether the code has been verified.
    pub fn is_verified(&self) -> bool {
        self.status == Status::Verified
    }

    /// What the events of one `Verify` mean for the caller: `Ok` when the code is (now)
    /// verified, else why not.
    pub fn outcome(events: &[VerificationCodeEvent]) -> Result<(), CodeFailure> {
        match events.iter().find_map(|e| match e {
            VerificationCodeEvent::VerificationCodeFailed(f) => Some(f.reason),
            _ => None,
        }) {
            Some(reason) => Err(reason),
            None => Ok(()),
        }
    }

    fn verify(
        &self,
        sent: &VerificationCodeSent,
        target: &str,
        code_digest: &str,
        now: Timestamp,
    ) -> Vec<VerificationCodeEvent> {
        let fail = |reason, attempts| {
            vec![VerificationCodeEvent::VerificationCodeFailed(
                VerificationCodeFailed { reason, attempts },
            )]
        };
        let same = |a: &str, b: &str| bool::from(a.as_bytes().ct_eq(b.as_bytes()));
        match self.status {
            Status::Spent => return fail(CodeFailure::Spent, self.attempts),
            // A verified code verifies again for the same address and code (a retried
            // request), and nothing else.
            Status::Verified
                if same(&sent.target, target) && same(&sent.code_digest, code_digest) =>
            {
                return vec![]
            }
            Status::Verified => return fail(CodeFailure::Spent, self.attempts),
            Status::Unsent | Status::Pending => {}
        }
        if now >= sent.expires_at {
            return fail(CodeFailure::Expired, self.attempts);
        }
        let attempts = self.attempts + 1;
        if !same(&sent.target, target) {
            return fail(CodeFailure::IdentifierMismatch, attempts);
        }
        if !same(&sent.code_digest, code_digest) {
            return fail(CodeFailure::Mismatch, attempts);
        }
        vec![VerificationCodeEvent::VerificationCodeVerified(
            VerificationCodeVerified {},
        )]
    }
}

impl Aggregate for VerificationCode {
    const STREAM_TYPE: &'static str = "verification-code";
    type Event = VerificationCodeEvent;
    type Command = VerificationCodeCommand;
    type Error = VerificationCodeError;

    fn apply(&mut self, event: &VerificationCodeEvent) {
        match event {
            VerificationCodeEvent::VerificationCodeSent(e) => {
                self.sent = Some(e.clone());
                self.status = Status::Pending;
            }
            VerificationCodeEvent::VerificationCodeDeliveryFailed(_) => {
                self.status = Status::Spent;
            }
            VerificationCodeEvent::VerificationCodeFailed(e) => {
                self.attempts = e.attempts;
                let max = self.sent.as_ref().map_or(0, |s| s.max_attempts);
                if e.reason == CodeFailure::Expired || self.attempts >= max {
                    self.status = Status::Spent;
                }
            }
            VerificationCodeEvent::VerificationCodeVerified(_) => {
                self.status = Status::Verified;
            }
        }
    }

    fn handle(
        &self,
        command: VerificationCodeCommand,
        ctx: &CommandContext,
    ) -> Result<Vec<VerificationCodeEvent>, VerificationCodeError> {
        match command {
            VerificationCodeCommand::Send(sent) => match self.status {
                Status::Unsent => Ok(vec![VerificationCodeEvent::VerificationCodeSent(sent)]),
                _ => Err(VerificationCodeError::AlreadySent),
            },
            VerificationCodeCommand::RecordDeliveryFailure { reason } => match self.status {
                Status::Unsent => Err(VerificationCodeError::NotFound),
                _ => Ok(vec![VerificationCodeEvent::VerificationCodeDeliveryFailed(
                    VerificationCodeDeliveryFailed { reason },
                )]),
            },
            VerificationCodeCommand::Verify {
                target,
                code_digest,
            } => match &self.sent {
                None => Err(VerificationCodeError::NotFound),
                Some(sent) => Ok(self.verify(sent, &target, &code_digest, ctx.now)),
            },
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

    fn sent(max_attempts: u32) -> VerificationCode {
        let mut code = VerificationCode::default();
        code.apply(&VerificationCodeEvent::VerificationCodeSent(
            VerificationCodeSent {
                identifier_type: "email".into(),
                target: "t1".into(),
                usage: "SignIn".into(),
                code_digest: "d-123456".into(),
                expires_at: Timestamp::from_millis(600_000),
                max_attempts,
            },
        ));
        code
    }

    fn guess(
        code: &mut VerificationCode,
        target: &str,
        digest: &str,
        now: i64,
    ) -> Result<(), CodeFailure> {
        let events = code
            .handle(
                VerificationCodeCommand::Verify {
                    target: target.into(),
                    code_digest: digest.into(),
                },
                &at(now),
            )
            .unwrap();
        events.iter().for_each(|e| code.apply(e));
        VerificationCode::outcome(&events)
    }

    #[test]
    fn the_right_code_for_the_right_address_verifies_once_and_again_idempotently() {
        let mut code = sent(10);
        assert_eq!(guess(&mut code, "t1", "d-123456", 1), Ok(()));
        assert!(code.is_verified());
        assert_eq!(guess(&mut code, "t1", "d-123456", 2), Ok(()));
        assert_eq!(
            guess(&mut code, "t1", "d-000000", 3),
            Err(CodeFailure::Spent)
        );
    }

    #[test]
    fn wrong_guesses_spend_the_code_at_the_limit_even_for_the_right_code() {
        let mut code = sent(3);
        assert_eq!(guess(&mut code, "t1", "x", 1), Err(CodeFailure::Mismatch));
        assert_eq!(
            guess(&mut code, "t2", "d-123456", 1),
            Err(CodeFailure::IdentifierMismatch)
        );
        assert_eq!(guess(&mut code, "t1", "y", 1), Err(CodeFailure::Mismatch));
        assert_eq!(
            guess(&mut code, "t1", "d-123456", 1),
            Err(CodeFailure::Spent)
        );
        assert!(!code.is_verified());
    }

    #[test]
    fn an_expired_or_undelivered_code_never_verifies() {
        let mut code = sent(10);
        assert_eq!(
            guess(&mut code, "t1", "d-123456", 600_000),
            Err(CodeFailure::Expired)
        );
        assert_eq!(
            guess(&mut code, "t1", "d-123456", 1),
            Err(CodeFailure::Spent)
        );
        let mut code = sent(10);
        let events = code
            .handle(
                VerificationCodeCommand::RecordDeliveryFailure {
                    reason: "down".into(),
                },
                &at(1),
            )
            .unwrap();
        events.iter().for_each(|e| code.apply(e));
        assert_eq!(
            guess(&mut code, "t1", "d-123456", 2),
            Err(CodeFailure::Spent)
        );
    }

    #[test]
    fn a_stream_takes_one_code_and_a_guess_needs_one() {
        let code = VerificationCode::default();
        let verify = VerificationCodeCommand::Verify {
            target: "t1".into(),
            code_digest: "d".into(),
        };
        assert_eq!(
            code.handle(verify, &at(1)),
            Err(VerificationCodeError::NotFound)
        );
        let again = sent(10).handle(
            VerificationCodeCommand::Send(VerificationCodeSent {
                identifier_type: "email".into(),
                target: "t1".into(),
                usage: "SignIn".into(),
                code_digest: "d2".into(),
                expires_at: Timestamp::from_millis(1),
                max_attempts: 1,
            }),
            &at(1),
        );
        assert_eq!(again, Err(VerificationCodeError::AlreadySent));
    }

    #[test]
    fn codes_have_the_policy_length_and_only_digits() {
        let policy = CodePolicy::default();
        let mut bytes = [255u8, 250, 9, 19, 0, 123, 77, 45, 6].into_iter().cycle();
        let code = policy.code_from(|| bytes.next().unwrap_or(0));
        // 255 and 250 are rejected (above 249), the rest map to their last digit.
        assert_eq!(code, "990375");
    }
}
