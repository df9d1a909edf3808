use store::{Position, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum ProjectionError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("event log error: {0}")]
    Store(#[from] StoreError),
    /// An event of a family the projector handles did not decode. The projector stops at
    /// it (and retries) rather than skipping it: skipping would silently lose data.
    #[error("event at position {} ({event_type}) does not decode: {reason}", position.0)]
    Decode {
        position: Position,
        event_type: String,
        reason: String,
    },
    /// A read-model row holds something the code cannot read back (e.g. broken JSON text).
    #[error("read model row is corrupt: {0}")]
    Corrupt(String),
    /// A user search the database refused: its pattern is invalid, or it ran past the
    /// statement timeout (`users::list`). The caller's mistake, not the server's.
    #[error("{0}")]
    Search(String),
    #[error("unknown projection {0:?}")]
    UnknownProjection(String),
    /// Raised by test wrappers to simulate a crash inside a batch.
    #[error("injected failure: {0}")]
    Injected(String),
}
