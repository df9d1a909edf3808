//! The `Delivery` aggregate: every attempt to deliver one logged event to one hook.
//!
//! One stream per (event, hook, Logto event), `hook-delivery/<event id>.<hook id>.<name>`
//! (one logged event may map to two Logto events, e.g. `PostRegister` and
//! `User.Created`): attempts for
//! different events or hooks never contend, and the hook's own stream stays small. The
//! stream also deduplicates at-least-once transports: a job whose delivery already
//! succeeded or was given up is skipped.

use crate::aggregate::{Aggregate, CommandContext};
use crate::event::DomainEvent;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// How much of a receiver's response body an attempt keeps.
pub const RESPONSE_EXCERPT_BYTES: usize = 1024;

/// The stream id of the delivery of `event_id` to `hook_id` as Logto event `logto_event`.
pub fn delivery_id(event_id: Uuid, hook_id: &str, logto_event: &str) -> String {
    format!("{event_id}.{hook_id}.{logto_event}")
}

/// One HTTP attempt. `request_body` and `response_excerpt` may hold personal data (a
/// `User.*` payload carries the user); they are sealed under `subject`'s data key when
/// the delivered event is about a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryAttempted {
    pub hook_id: String,
    pub event_id: Uuid,
    /// The Logto event name delivered, e.g. `User.Created`.
    pub logto_event: String,
    /// 1-based.
    pub attempt: u32,
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub request_body: Option<String>,
    /// The receiver's status, when it answered.
    #[serde(default)]
    pub status: Option<u16>,
    pub latency_ms: u64,
    #[serde(default)]
    pub response_excerpt: Option<String>,
    /// Why the attempt failed without a response (refused address, timeout, connection).
    #[serde(default)]
    pub error: Option<String>,
}

impl DeliveryAttempted {
    pub fn succeeded(&self) -> bool {
        matches!(self.status, Some(s) if (200..300).contains(&s))
    }
}

/// Recorded after a 2xx attempt by versions before 2026-11-22 and still applied when read.
/// No longer emitted: the attempt's 2xx status says the same, and a second event per
/// delivery cost a quarter of the log, relay and audit traffic at webhook rates (and gave
/// the audit log two `TriggerHook` rows for one call).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliverySucceeded {
    pub hook_id: String,
    pub attempt: u32,
}

/// The retry schedule ran out without a 2xx.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryExhausted {
    pub hook_id: String,
    pub attempts: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum DeliveryEvent {
    DeliveryAttempted(DeliveryAttempted),
    DeliverySucceeded(DeliverySucceeded),
    DeliveryExhausted(DeliveryExhausted),
}

impl DomainEvent for DeliveryEvent {
    fn event_type(&self) -> &'static str {
        match self {
            Self::DeliveryAttempted(_) => "DeliveryAttempted",
            Self::DeliverySucceeded(_) => "DeliverySucceeded",
            Self::DeliveryExhausted(_) => "DeliveryExhausted",
        }
    }

    fn schema_version(_event_type: &str) -> u32 {
        1
    }

    fn pii_fields(&self) -> &'static [&'static str] {
        match self {
            Self::DeliveryAttempted(_) => &["requestBody", "responseExcerpt"],
            _ => &[],
        }
    }

    fn pii_subject<'a>(&'a self, _stream_id: &'a str) -> Option<&'a str> {
        match self {
            Self::DeliveryAttempted(e) => e.subject.as_deref(),
            _ => None,
        }
    }

    crate::tagged_payload_codec!();
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DeliveryStatus {
    #[default]
    Pending,
    Succeeded,
    Exhausted,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delivery {
    pub attempts: u32,
    pub status: DeliveryStatus,
}

pub enum DeliveryCommand {
    /// Records an attempt; a 2xx also records success.
    Record(DeliveryAttempted),
    GiveUp {
        hook_id: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    #[error("the delivery already finished")]
    Finished,
}

impl Delivery {
    pub fn finished(&self) -> bool {
        self.status != DeliveryStatus::Pending
    }
}

impl Aggregate for Delivery {
    const STREAM_TYPE: &'static str = "hook-delivery";
    type Event = DeliveryEvent;
    type Command = DeliveryCommand;
    type Error = DeliveryError;

    fn apply(&mut self, event: &DeliveryEvent) {
        match event {
            DeliveryEvent::DeliveryAttempted(e) => {
                self.attempts = self.attempts.max(e.attempt);
                if e.succeeded() {
                    self.status = DeliveryStatus::Succeeded;
                }
            }
            DeliveryEvent::DeliverySucceeded(_) => self.status = DeliveryStatus::Succeeded,
            DeliveryEvent::DeliveryExhausted(_) => self.status = DeliveryStatus::Exhausted,
        }
    }

    fn handle(
        &self,
        command: DeliveryCommand,
        _ctx: &CommandContext,
    ) -> Result<Vec<DeliveryEvent>, DeliveryError> {
        if self.finished() {
            return Err(DeliveryError::Finished);
        }
        Ok(match command {
            DeliveryCommand::Record(mut attempt) => {
                attempt.response_excerpt = attempt.response_excerpt.map(|body| truncate(&body));
                // A 2xx attempt is the success: no separate event (see `DeliverySucceeded`).
                vec![DeliveryEvent::DeliveryAttempted(attempt)]
            }
            DeliveryCommand::GiveUp { hook_id } => {
                vec![DeliveryEvent::DeliveryExhausted(DeliveryExhausted {
                    hook_id,
                    attempts: self.attempts,
                })]
            }
        })
    }
}

/// At most [`RESPONSE_EXCERPT_BYTES`], cut at a character boundary.
pub fn truncate(body: &str) -> String {
    if body.len() <= RESPONSE_EXCERPT_BYTES {
        return body.to_owned();
    }
    let mut end = RESPONSE_EXCERPT_BYTES;
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    body[..end].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::given;

    fn attempt(n: u32, status: Option<u16>, body: &str) -> DeliveryAttempted {
        DeliveryAttempted {
            hook_id: "h".into(),
            event_id: Uuid::nil(),
            logto_event: "User.Created".into(),
            attempt: n,
            subject: None,
            request_body: Some("{}".into()),
            status,
            latency_ms: 3,
            response_excerpt: Some(body.into()),
            error: None,
        }
    }

    #[test]
    fn success_finishes_the_delivery_and_excerpts_are_truncated() {
        let long = "é".repeat(RESPONSE_EXCERPT_BYTES);
        let d = given::<Delivery>([])
            .when(DeliveryCommand::Record(attempt(1, Some(500), &long)))
            .then_with(|events| {
                let [DeliveryEvent::DeliveryAttempted(first)] = events else {
                    panic!("one attempt: {events:?}")
                };
                let excerpt = first.response_excerpt.as_deref().unwrap_or_default();
                assert!(excerpt.len() <= RESPONSE_EXCERPT_BYTES);
                assert!(!excerpt.is_empty() && long.starts_with(excerpt));
                let mut rest = first.clone();
                rest.response_excerpt = Some(long.clone());
                assert_eq!(
                    rest,
                    attempt(1, Some(500), &long),
                    "only the excerpt is cut"
                );
            })
            // The 2xx attempt is the success: one event, no separate success event.
            .when(DeliveryCommand::Record(attempt(2, Some(204), "")))
            .then([DeliveryEvent::DeliveryAttempted(attempt(2, Some(204), ""))]);
        assert_eq!(d.status, DeliveryStatus::Succeeded);
        d.when(DeliveryCommand::GiveUp {
            hook_id: "h".into(),
        })
        .then_error(DeliveryError::Finished);
        // A log written before this change holds a separate success event: still finishes.
        let old = given::<Delivery>([
            DeliveryEvent::DeliveryAttempted(attempt(1, Some(500), "")),
            DeliveryEvent::DeliverySucceeded(DeliverySucceeded {
                hook_id: "h".into(),
                attempt: 1,
            }),
        ]);
        assert_eq!(old.status, DeliveryStatus::Succeeded);
    }
}
