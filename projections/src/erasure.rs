//! When a user's personal data leaves the read models: one rule for every projector that
//! keeps a copy (the audit log's IP/UA, the webhook logs' bodies), so they agree on the
//! event and a replay reaches the same state at the same point.

use store::RecordedEvent;

/// A user's deletion (or a future explicit erasure event) erases their personal data:
/// the erased user's id.
pub(crate) fn erased_user(event: &RecordedEvent) -> Option<&str> {
    let erases = event.event_type == "UserDeleted" || event.event_type.ends_with("Erased");
    (event.stream.stream_type == "user" && erases).then_some(event.stream.stream_id.as_str())
}
