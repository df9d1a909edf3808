//! Postgres backend (step 2: in progress).

use crate::codec::Codec;
use crate::envelope::*;
use crate::error::StoreError;
use crate::log::EventLog;
use async_trait::async_trait;
use sqlx::PgPool;
use std::sync::Arc;
use tokio::sync::watch;

pub(crate) struct PgLog {
    pool: PgPool,
    head: watch::Receiver<Position>,
}

impl PgLog {
    pub(crate) async fn open(_url: &str, _codec: Arc<Codec>) -> Result<Self, StoreError> {
        Err(StoreError::Config(
            "the Postgres backend is not implemented yet".into(),
        ))
    }

    pub(crate) fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub(crate) async fn destroy_key(&self, _subject: &str, _now: i64) -> Result<(), StoreError> {
        Err(StoreError::Config(
            "the Postgres backend is not implemented yet".into(),
        ))
    }
}

#[async_trait]
impl EventLog for PgLog {
    async fn append(&self, _batch: AppendBatch) -> Result<AppendOutcome, StoreError> {
        Err(StoreError::Closed)
    }
    async fn read_stream(&self, _stream: &StreamRef) -> Result<Vec<RecordedEvent>, StoreError> {
        Err(StoreError::Closed)
    }
    async fn read_all(
        &self,
        _after: Position,
        _limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        Err(StoreError::Closed)
    }
    async fn head(&self) -> Result<Position, StoreError> {
        Err(StoreError::Closed)
    }
    fn changes(&self) -> watch::Receiver<Position> {
        self.head.clone()
    }
}
