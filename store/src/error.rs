use crate::envelope::StreamRef;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The stream was not at the expected version: another writer got there first.
    #[error("concurrency conflict on {stream:?}: expected {expected}, found {actual}")]
    Conflict {
        stream: StreamRef,
        expected: String,
        actual: u64,
    },
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("stored event at position {position} is unreadable: {reason}")]
    Corrupt { position: u64, reason: String },
    #[error("cryptography error: {0}")]
    Crypto(String),
    #[error("configuration error: {0}")]
    Config(String),
    #[error("the event log is shutting down")]
    Closed,
}
