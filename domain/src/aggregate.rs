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
