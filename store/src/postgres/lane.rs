//! A lane: the same Postgres log read through a small pool of its own.
//!
//! Background work that reads the log at the rate the API writes it (webhook delivery
//! attempts) must neither wait behind API requests for one of the shared pool's
//! connections nor make API requests wait behind it: with one shared pool, 200 delivery
//! attempts in flight starved the relay and user creation alike (bench/RESULTS.md,
//! webhooks end to end). (The relay and the fan-out now read the projectors' in-memory
//! tail instead, `ProjectionRunner::log`.) Appends still go through the log's one
//! group-commit writer, and change notifications come from the log's listener, so a lane
//! adds connections only.

use super::{read, PgLog};
use crate::envelope::*;
use crate::error::StoreError;
use crate::log::EventLog;
use async_trait::async_trait;
use sqlx::postgres::PgConnectOptions;
use sqlx::PgPool;
use std::sync::Arc;
use tokio::sync::watch;

pub(crate) struct PgLane {
    log: Arc<PgLog>,
    pool: PgPool,
}

impl PgLane {
    /// Connections are opened on first use and named `application_name` (visible in
    /// `pg_stat_activity`).
    pub(crate) fn new(log: Arc<PgLog>, application_name: &str, max_connections: u32) -> Self {
        let options: PgConnectOptions = log
            .pool()
            .connect_options()
            .as_ref()
            .clone()
            .application_name(application_name);
        let pool = crate::connect::pool_options::<sqlx::Postgres>()
            .max_connections(max_connections.max(1))
            .connect_lazy_with(options);
        Self { log, pool }
    }
}

#[async_trait]
impl EventLog for PgLane {
    async fn append(&self, batch: AppendBatch) -> Result<AppendOutcome, StoreError> {
        self.log.append(batch).await
    }

    async fn read_stream(&self, stream: &StreamRef) -> Result<Vec<RecordedEvent>, StoreError> {
        self.read_stream_after(stream, 0).await
    }

    async fn read_stream_after(
        &self,
        stream: &StreamRef,
        after_version: u64,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        self.log
            .reads(&self.pool)
            .read_stream_after(stream, after_version)
            .await
    }

    async fn read_streams(
        &self,
        streams: &[(StreamRef, u64)],
    ) -> Result<Vec<Vec<RecordedEvent>>, StoreError> {
        self.log.reads(&self.pool).read_streams(streams).await
    }

    async fn read_all(
        &self,
        after: Position,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        read::read_all(&self.pool, &self.log.codec, after, limit).await
    }

    async fn head(&self) -> Result<Position, StoreError> {
        read::head(&self.pool).await
    }

    fn changes(&self) -> watch::Receiver<Position> {
        self.log.changes()
    }

    /// Closes the lane's connections only; the log itself is closed by its store.
    async fn close(&self) {
        self.pool.close().await;
    }
}
