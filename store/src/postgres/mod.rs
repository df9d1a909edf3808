//! The production backend. Positions come from a sequence at insert time and transactions
//! commit in another order; `read_all` (read.rs) therefore delivers only what can no longer
//! be preceded by a later commit (invariant 2). Appends are group-committed by a few
//! writer tasks (writer.rs); LISTEN/NOTIFY spreads commits to every node (listen.rs).

mod lane;
mod listen;
mod read;
mod writer;

pub(crate) use lane::PgLane;

use crate::codec::Codec;
use crate::envelope::*;
use crate::error::StoreError;
use crate::group::Appender;
use crate::log::EventLog;
use async_trait::async_trait;
use sqlx::postgres::PgConnectOptions;
use sqlx::PgPool;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Writer tasks (each with its own connection) draining the append queue. One is best on
/// the 2-core reference machine: with two, commits contend for the same CPUs and WAL flush,
/// groups halve and throughput drops (24k → 17k events/s at 32 producers, bench/RESULTS.md).
/// The code supports more for bigger machines.
const WRITERS: usize = 1;

pub(crate) struct PgLog {
    appender: Appender,
    pool: PgPool,
    write: PgPool,
    codec: Arc<Codec>,
    head: watch::Receiver<Position>,
    versions: Arc<crate::versions::VersionCache>,
    listener: Mutex<Option<JoinHandle<()>>>,
}

impl PgLog {
    /// Events this process committed to the log (see `group.rs`).
    pub(crate) fn events_appended(&self) -> u64 {
        self.appender.appended()
    }

    pub(crate) async fn open(url: &str, codec: Arc<Codec>) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url)?;
        let pool = crate::connect::pool_options::<sqlx::Postgres>()
            .max_connections(8)
            .connect_with(options.clone())
            .await?;
        // Concurrent nodes starting at once: sqlx serialises migrations with an advisory lock.
        sqlx::migrate!("../migrations/postgres").run(&pool).await?;
        let write = crate::connect::pool_options::<sqlx::Postgres>()
            .max_connections(WRITERS as u32)
            .connect_with(options)
            .await?;
        let head = Arc::new(watch::channel(read::head(&pool).await?).0);
        let versions = Arc::new(crate::versions::VersionCache::default());
        let head_rx = head.subscribe();
        let committers = (0..WRITERS)
            .map(|_| writer::PgCommitter {
                pool: write.clone(),
                codec: codec.clone(),
                versions: versions.clone(),
            })
            .collect();
        let appender = Appender::start(committers, head.clone());
        let listener = listen::spawn(pool.clone(), head, codec.clone());
        Ok(Self {
            appender,
            pool,
            write,
            codec,
            head: head_rx,
            versions,
            listener: Mutex::new(Some(listener)),
        })
    }

    pub(crate) fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Reads through `pool` (this log's own, or a lane's).
    fn reads<'a>(&'a self, pool: &'a PgPool) -> Reads<'a> {
        Reads {
            pool,
            codec: &self.codec,
            versions: &self.versions,
        }
    }

    /// Erases the subject's key and tells other nodes to drop it from their caches.
    pub(crate) async fn destroy_key(&self, subject: &str, now: i64) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO data_keys (subject_id, wrapped_key, created_at, destroyed_at) \
             VALUES ($1, NULL, $2, $2) ON CONFLICT (subject_id) DO UPDATE \
             SET wrapped_key = NULL, destroyed_at = COALESCE(data_keys.destroyed_at, excluded.destroyed_at)",
        )
        .bind(subject)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query("SELECT pg_notify('tessera_keys', $1)")
            .bind(subject)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Stream reads through one pool, remembering stream versions for the writer: a loaded
/// aggregate is usually appended to next, and the version cache spares the writer a query.
struct Reads<'a> {
    pool: &'a PgPool,
    codec: &'a Codec,
    versions: &'a crate::versions::VersionCache,
}

impl Reads<'_> {
    async fn read_stream_after(
        &self,
        stream: &StreamRef,
        after_version: u64,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let events = read::read_stream(self.pool, self.codec, stream, after_version).await?;
        self.observe(stream, after_version, &events);
        Ok(events)
    }

    async fn read_streams(
        &self,
        streams: &[(StreamRef, u64)],
    ) -> Result<Vec<Vec<RecordedEvent>>, StoreError> {
        let all = read::read_streams(self.pool, self.codec, streams).await?;
        for ((stream, after), events) in streams.iter().zip(&all) {
            self.observe(stream, *after, events);
        }
        Ok(all)
    }

    fn observe(&self, stream: &StreamRef, after_version: u64, events: &[RecordedEvent]) {
        let version = events.last().map_or(after_version, |e| e.stream_version);
        if version > 0 {
            self.versions.observe(stream, version);
        }
    }
}

#[async_trait]
impl EventLog for PgLog {
    async fn append(&self, batch: AppendBatch) -> Result<AppendOutcome, StoreError> {
        self.appender.append(batch).await
    }

    async fn read_stream(&self, stream: &StreamRef) -> Result<Vec<RecordedEvent>, StoreError> {
        self.read_stream_after(stream, 0).await
    }

    async fn read_stream_after(
        &self,
        stream: &StreamRef,
        after_version: u64,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        self.reads(&self.pool)
            .read_stream_after(stream, after_version)
            .await
    }

    async fn read_streams(
        &self,
        streams: &[(StreamRef, u64)],
    ) -> Result<Vec<Vec<RecordedEvent>>, StoreError> {
        self.reads(&self.pool).read_streams(streams).await
    }

    async fn read_all(
        &self,
        after: Position,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        read::read_all(&self.pool, &self.codec, after, limit).await
    }

    async fn head(&self) -> Result<Position, StoreError> {
        read::head(&self.pool).await
    }

    fn changes(&self) -> watch::Receiver<Position> {
        self.head.clone()
    }

    async fn close(&self) {
        self.appender.close().await;
        let listener = self.listener.lock().ok().and_then(|mut l| l.take());
        if let Some(l) = listener {
            l.abort();
            let _ = l.await;
        }
        self.write.close().await;
        self.pool.close().await;
    }
}
