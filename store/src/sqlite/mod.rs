//! The embedded backend: one SQLite file in WAL mode, `synchronous=FULL` (a commit is on
//! disk when `append` returns). One writer task orders all commits, so positions (the
//! rowid) are assigned in commit order and followers cannot skip (invariant 2).

mod checkpoint;
mod read;
mod writer;

use crate::codec::Codec;
use crate::envelope::*;
use crate::error::StoreError;
use crate::group::Appender;
use crate::log::EventLog;
use crate::versions::VersionCache;
use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::SqlitePool;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub(crate) fn options(file: &Path) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(file)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        // Read models write to the same file through the AnyPool; wait for the lock
        // instead of failing.
        .busy_timeout(Duration::from_secs(30))
        // Overwrite erased data keys on disk rather than leaving them in free pages.
        .pragma("secure_delete", "ON")
        // Checkpoints run in the background (checkpoint.rs), not inside commits.
        .pragma("wal_autocheckpoint", "0")
}

pub(crate) struct SqliteLog {
    appender: Appender,
    /// The writer's pool (one connection): migrations, appends and key erasure.
    write: SqlitePool,
    read: SqlitePool,
    codec: Arc<Codec>,
    head: watch::Receiver<Position>,
    versions: Arc<VersionCache>,
    file: PathBuf,
    checkpointer: Mutex<Option<JoinHandle<()>>>,
}

impl SqliteLog {
    /// Events this process committed to the log (see `group.rs`).
    pub(crate) fn events_appended(&self) -> u64 {
        self.appender.appended()
    }

    pub(crate) async fn open(file: &Path, codec: Arc<Codec>) -> Result<Self, StoreError> {
        let write = crate::connect::pool_options::<sqlx::Sqlite>()
            .max_connections(1)
            .connect_with(options(file))
            .await?;
        sqlx::migrate!("../migrations/sqlite").run(&write).await?;
        let read = crate::connect::pool_options::<sqlx::Sqlite>()
            .max_connections(4)
            .connect_with(options(file).read_only(true))
            .await?;
        let head = read::head(&read).await?;
        let (head_tx, head_rx) = watch::channel(head);
        let versions = Arc::new(VersionCache::default());
        let committer = writer::SqliteCommitter {
            pool: write.clone(),
            codec: codec.clone(),
            versions: versions.clone(),
        };
        let appender = Appender::start(vec![committer], Arc::new(head_tx));
        let checkpointer = checkpoint::spawn(options(file));
        Ok(Self {
            appender,
            write,
            read,
            codec,
            head: head_rx,
            versions,
            file: file.to_path_buf(),
            checkpointer: Mutex::new(Some(checkpointer)),
        })
    }

    pub(crate) fn write_pool(&self) -> &SqlitePool {
        &self.write
    }
}

#[async_trait]
impl EventLog for SqliteLog {
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
        let events = read::read_stream(&self.read, &self.codec, stream, after_version).await?;
        // A loaded aggregate is usually appended to next: remember where its stream is.
        let version = events.last().map_or(after_version, |e| e.stream_version);
        if version > 0 {
            self.versions.observe(stream, version);
        }
        Ok(events)
    }

    async fn read_all(
        &self,
        after: Position,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        read::read_all(&self.read, &self.codec, after, limit).await
    }

    async fn head(&self) -> Result<Position, StoreError> {
        read::head(&self.read).await
    }

    fn changes(&self) -> watch::Receiver<Position> {
        self.head.clone()
    }

    async fn close(&self) {
        self.appender.close().await;
        let checkpointer = self.checkpointer.lock().ok().and_then(|mut c| c.take());
        if let Some(c) = checkpointer {
            c.abort();
            let _ = c.await;
        }
        self.write.close().await;
        self.read.close().await;
        // Short busy timeout: a reader still mid-transaction must not hold up shutdown.
        checkpoint::truncate(&options(&self.file).busy_timeout(Duration::from_secs(2))).await;
    }
}
