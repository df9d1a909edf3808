//! The `CodeSends` aggregate: how often one-time codes went to one email address or
//! phone number, and the throttle that keeps a caller from using Tessera to flood an
//! address with mail or SMS (mail bombing, SMS pumping).
//!
//! One stream per address, `code-sends/<keyed digest of the address>` (the digest that
//! names the address's sentinel and uniqueness claim; no personal data in the stream).
//! Every code sent appends `VerificationCodeSendCounted` to it in the same atomic batch
//! as the code's own `VerificationCodeSent`, with the stream's version as expectation: of
//! two concurrent sends to one address only one commits per version, the other decides
//! again on the fresh state, so the limit holds across requests and nodes. A refused
//! send appends nothing (and no code is made or delivered).
//!
//! The policy ([`SendPolicy`]): at most `max_per_window` sends within a rolling window,
//! and at least `min_interval_secs` between two sends (Logto's UI counts down 60 seconds
//! before "resend"). A refusal says how long until a send would be allowed.

use crate::aggregate::{Aggregate, CommandContext};
use crate::event::DomainEvent;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// The most sends the state remembers; a `max_per_window` above it is clamped.
pub const MAX_TRACKED_SENDS: u32 = 1000;

/// How often codes may go to one address. `0` turns a limit off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendPolicy {
    /// Sends allowed within `window_secs` (default 5).
    pub max_per_window: u32,
    /// The rolling window (default one hour).
    pub window_secs: i64,
    /// The shortest time between two sends (default 60 seconds).
    pub min_interval_secs: i64,
}

impl Default for SendPolicy {
    fn default() -> Self {
        Self {
            max_per_window: 5,
            window_secs: 3600,
            min_interval_secs: 60,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerificationCodeSendCounted {
    /// The code's stream (`verification-code/<id>`).
    pub verification_id: String,
    pub at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum CodeSendsEvent {
    VerificationCodeSendCounted(VerificationCodeSendCounted),
}

impl DomainEvent for CodeSendsEvent {
    fn event_type(&self) -> &'static str {
        match self {
            Self::VerificationCodeSendCounted(_) => "VerificationCodeSendCounted",
        }
    }

    fn schema_version(_event_type: &str) -> u32 {
        1
    }

    crate::tagged_payload_codec!();
}

/// Recent sends to one address, oldest first (bounded).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CodeSends {
    sends: VecDeque<Timestamp>,
}

/// Count one send of the code `verification_id` under `policy`.
#[derive(Debug, Clone)]
pub struct CountSend {
    pub verification_id: String,
    pub policy: SendPolicy,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeSendsError {
    /// Too many codes went to the address lately; another may go in this many seconds.
    #[error("too many codes were sent to this address; retry in {retry_after_secs} s")]
    Throttled { retry_after_secs: i64 },
}

/// No personal data: send times only.
impl crate::aggregate::NoPersonalData for CodeSends {}

impl CodeSends {
    /// Milliseconds until `policy` allows another send at `now` (0: allowed now).
    pub fn wait_ms(&self, now: Timestamp, policy: &SendPolicy) -> i64 {
        let now_ms = now.as_millis();
        let mut wait = 0;
        if policy.min_interval_secs > 0 {
            if let Some(last) = self.sends.back() {
                let next = last.as_millis() + policy.min_interval_secs * 1000;
                wait = wait.max(next - now_ms);
            }
        }
        if policy.max_per_window > 0 && policy.window_secs > 0 {
            let max = policy.max_per_window.min(MAX_TRACKED_SENDS) as usize;
            let since = now_ms - policy.window_secs * 1000;
            let recent: Vec<i64> = self
                .sends
                .iter()
                .map(|t| t.as_millis())
                .filter(|t| *t > since)
                .collect();
            // Allowed once enough of the window's sends have left it for one more to fit.
            if recent.len() >= max {
                let leaves = recent[recent.len() - max] + policy.window_secs * 1000;
                wait = wait.max(leaves - now_ms);
            }
        }
        wait.max(0)
    }
}

impl Aggregate for CodeSends {
    const STREAM_TYPE: &'static str = "code-sends";
    type Event = CodeSendsEvent;
    type Command = CountSend;
    type Error = CodeSendsError;

    fn apply(&mut self, event: &CodeSendsEvent) {
        match event {
            CodeSendsEvent::VerificationCodeSendCounted(e) => {
                self.sends.push_back(e.at);
                while self.sends.len() > MAX_TRACKED_SENDS as usize {
                    self.sends.pop_front();
                }
            }
        }
    }

    fn handle(
        &self,
        command: CountSend,
        ctx: &CommandContext,
    ) -> Result<Vec<CodeSendsEvent>, CodeSendsError> {
        let wait = self.wait_ms(ctx.now, &command.policy);
        if wait > 0 {
            return Err(CodeSendsError::Throttled {
                retry_after_secs: (wait + 999) / 1000,
            });
        }
        Ok(vec![CodeSendsEvent::VerificationCodeSendCounted(
            VerificationCodeSendCounted {
                verification_id: command.verification_id,
                at: ctx.now,
            },
        )])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{given, Scenario};

    fn policy(max_per_window: u32, window_secs: i64, min_interval_secs: i64) -> SendPolicy {
        SendPolicy {
            max_per_window,
            window_secs,
            min_interval_secs,
        }
    }

    fn at(secs: i64) -> Timestamp {
        Timestamp::from_millis(secs * 1000)
    }

    fn counted(id: &str, secs: i64) -> CodeSendsEvent {
        CodeSendsEvent::VerificationCodeSendCounted(VerificationCodeSendCounted {
            verification_id: id.into(),
            at: at(secs),
        })
    }

    fn send(s: Scenario<CodeSends>, id: &str, secs: i64, p: SendPolicy) -> Scenario<CodeSends> {
        s.at(at(secs))
            .when(CountSend {
                verification_id: id.into(),
                policy: p,
            })
            .then([counted(id, secs)])
    }

    fn refused(
        s: Scenario<CodeSends>,
        secs: i64,
        p: SendPolicy,
        retry: i64,
    ) -> Scenario<CodeSends> {
        s.at(at(secs))
            .when(CountSend {
                verification_id: "refused".into(),
                policy: p,
            })
            .then_error(CodeSendsError::Throttled {
                retry_after_secs: retry,
            })
    }

    #[test]
    fn the_window_allows_n_sends_then_refuses_until_the_oldest_leaves_it() {
        let p = policy(3, 100, 0);
        let s = given::<CodeSends>([]);
        let s = send(s, "a", 0, p);
        let s = send(s, "b", 10, p);
        let s = send(s, "c", 20, p);
        let s = refused(s, 30, p, 70);
        // A second before the oldest send leaves the window; then one more fits.
        let s = refused(s, 99, p, 1);
        let s = send(s, "d", 101, p);
        refused(s, 102, p, 8);
    }

    #[test]
    fn two_sends_are_at_least_the_interval_apart() {
        let p = policy(0, 3600, 60);
        let s = given::<CodeSends>([]);
        let s = send(s, "a", 0, p);
        let s = refused(s, 1, p, 59);
        let s = refused(s, 59, p, 1);
        let s = send(s, "b", 60, p);
        // Sub-second waits round up: never "retry in 0 seconds".
        let s = s.at(Timestamp::from_millis(119_500));
        let _ = s
            .when(CountSend {
                verification_id: "c".into(),
                policy: p,
            })
            .then_error(CodeSendsError::Throttled {
                retry_after_secs: 1,
            });
    }

    #[test]
    fn the_longer_of_both_waits_is_told_and_zero_turns_limits_off() {
        let s = given::<CodeSends>([counted("a", 0), counted("b", 70)]);
        refused(s.clone(), 80, policy(2, 3600, 60), 3520);
        refused(s.clone(), 80, policy(5, 3600, 60), 50);
        send(s, "c", 80, policy(0, 3600, 0));
    }
}
