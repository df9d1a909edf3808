use crate::event::DomainEvent;
use crate::time::Timestamp;

/// What a command handler may know about the world besides the aggregate's own state.
#[derive(Debug, Clone, Copy)]
pub struct CommandContext {
    pub now: Timestamp,
}

/// A consistency boundary: state rebuilt from its own stream, deciding commands into events.
///
/// `handle` must not mutate; the store applies the returned events after they are appended.
pub trait Aggregate: Default + Send + Sync + 'static {
    /// The stream type under which this aggregate's streams are stored, e.g. `user`.
    const STREAM_TYPE: &'static str;
    type Event: DomainEvent;
    type Command;
    type Error: std::error::Error + Send + Sync + 'static;

    fn apply(&mut self, event: &Self::Event);

    fn handle(
        &self,
        command: Self::Command,
        ctx: &CommandContext,
    ) -> Result<Vec<Self::Event>, Self::Error>;
}

/// An aggregate whose state holds no personal data, so it may be kept in memory between
/// requests (the store's aggregate cache, `Repository::load_cached`). Personal data must
/// be erasable by destroying the subject's data key (invariant 8); a decrypted copy in a
/// cache would outlive the erasure. Implement it only for aggregates whose state keeps
/// ids, times and settings, never a field that `DomainEvent::pii_fields` names.
///
/// A user holds personal data and cannot be cached:
///
/// ```compile_fail
/// fn cacheable<A: domain::NoPersonalData>() {}
/// cacheable::<domain::user::User>();
/// ```
///
/// A grant can:
///
/// ```
/// fn cacheable<A: domain::NoPersonalData>() {}
/// cacheable::<domain::grant::Grant>();
/// ```
pub trait NoPersonalData: Aggregate {}
