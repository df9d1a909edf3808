//! WAL checkpoints off the commit path. SQLite's default runs a checkpoint inside whichever
//! commit pushes the WAL past 1,000 pages, and that commit then also copies pages and
//! fsyncs the database file: measured here, it tripled the writer's mean commit time. All
//! connections this store opens set `wal_autocheckpoint=0`; this task checkpoints instead
//! (PASSIVE: never blocks the writer or readers). Durability is unaffected: every commit is
//! fsynced to the WAL (`synchronous=FULL`).

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, Executor, SqliteConnection};
use std::time::Duration;
use tokio::task::JoinHandle;

const EVERY: Duration = Duration::from_millis(500);

pub(super) fn spawn(options: SqliteConnectOptions) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut conn: Option<SqliteConnection> = None;
        loop {
            tokio::time::sleep(EVERY).await;
            if conn.is_none() {
                match options.connect().await {
                    Ok(c) => conn = Some(c),
                    Err(e) => {
                        tracing::warn!(error = %e, "WAL checkpointer cannot connect");
                        continue;
                    }
                }
            }
            if let Some(c) = conn.as_mut() {
                if let Err(e) = c.execute("PRAGMA wal_checkpoint(PASSIVE)").await {
                    tracing::warn!(error = %e, "WAL checkpoint failed; reconnecting");
                    if let Some(c) = conn.take() {
                        let _ = c.close().await;
                    }
                }
            }
        }
    })
}

/// On shutdown: copy everything back and truncate the WAL, so the file is self-contained.
pub(super) async fn truncate(options: &SqliteConnectOptions) {
    match options.connect().await {
        Ok(mut c) => {
            if let Err(e) = c.execute("PRAGMA wal_checkpoint(TRUNCATE)").await {
                tracing::warn!(error = %e, "final WAL checkpoint failed");
            }
            let _ = c.close().await;
        }
        Err(e) => tracing::warn!(error = %e, "final WAL checkpoint: cannot connect"),
    }
}
