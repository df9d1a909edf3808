//! One relay per deployment, and the relay's checkpoint.
//!
//! *Postgres* (several nodes share the database): the relay holds a session-level advisory
//! lock on a connection taken out of the pool for good (`detach`: a pooled connection
//! that went back to the pool would carry the lock with it to some other query). Every
//! checkpoint write goes through that same connection, so a relay that lost its
//! connection — and with it the lock, which the server drops with the session — cannot move
//! the checkpoint any more: its next write fails and it stops relaying. A standby node
//! takes the lock as soon as the session is gone. The relay writes its checkpoint for every
//! few batches it has published and pings the connection whenever it has been idle for
//! half a second, and stops publishing as soon as either fails: a dead lease is noticed
//! within that time, not only at the next commit.
//!
//! *SQLite* (the embedded single-node default): the database is a local file that only
//! processes on this machine can open, and the log's single-writer design already limits
//! a deployment to one host. Two `tessera serve` processes on the same data directory are
//! still possible, so the relay takes an exclusive OS lock on `<data dir>/webhook-relay.lock`
//! (released by the OS when the process dies, however it dies).
//!
//! In both cases the checkpoint move is a compare-and-set, so even a relay that somehow ran
//! twice could never move the checkpoint backwards or past events it did not publish.

use domain::Timestamp;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Connection, Row};
use std::fs::{File, OpenOptions};
use std::path::Path;
use store::{Backend, Position, Store};

/// What holding the relay role looks like on each backend.
pub enum RelayLease {
    Postgres(AnyConnection),
    Sqlite { _lock: File, pool: AnyPool },
}

#[derive(Debug, thiserror::Error)]
pub enum LeaseError {
    #[error("relay checkpoint database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("relay lock file {path}: {source}")]
    LockFile {
        path: String,
        source: std::io::Error,
    },
}

/// A stable 64-bit key for the advisory lock (FNV-1a; `DefaultHasher` is not stable
/// across Rust releases, and nodes running different builds must agree).
pub fn advisory_key(exchange: &str) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in format!("tessera-webhook-relay:{exchange}").bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    i64::from_ne_bytes(hash.to_ne_bytes())
}

fn to_db(position: Position) -> i64 {
    i64::try_from(position.0).unwrap_or(i64::MAX)
}

const ENSURE: &str = "INSERT INTO webhook_relay_checkpoints (exchange, position, updated_at) \
                      VALUES ($1, 0, $2) ON CONFLICT (exchange) DO NOTHING";
const LOAD: &str = "SELECT position FROM webhook_relay_checkpoints WHERE exchange = $1";
const ADVANCE: &str = "UPDATE webhook_relay_checkpoints SET position = $1, updated_at = $2 \
                       WHERE exchange = $3 AND position = $4";

impl RelayLease {
    /// Takes the relay role for `exchange` if no one holds it (`None` otherwise).
    pub async fn try_acquire(
        store: &Store,
        lock_dir: &Path,
        exchange: &str,
    ) -> Result<Option<Self>, LeaseError> {
        match store.backend {
            Backend::Postgres => {
                let mut conn: PoolConnection<Any> = store.read_pool.acquire().await?;
                let held: bool = sqlx::query("SELECT pg_try_advisory_lock($1)")
                    .bind(advisory_key(exchange))
                    .fetch_one(&mut *conn)
                    .await?
                    .try_get(0)?;
                if !held {
                    return Ok(None);
                }
                Ok(Some(Self::Postgres(conn.detach())))
            }
            Backend::Sqlite => {
                let path = lock_dir.join("webhook-relay.lock");
                let lock_error = |source| LeaseError::LockFile {
                    path: path.display().to_string(),
                    source,
                };
                let file = OpenOptions::new()
                    .create(true)
                    .truncate(false)
                    .write(true)
                    .open(&path)
                    .map_err(lock_error)?;
                match file.try_lock() {
                    Ok(()) => Ok(Some(Self::Sqlite {
                        _lock: file,
                        pool: store.read_pool.clone(),
                    })),
                    Err(std::fs::TryLockError::WouldBlock) => Ok(None),
                    Err(std::fs::TryLockError::Error(e)) => Err(lock_error(e)),
                }
            }
        }
    }

    /// The committed checkpoint, creating the row at 0 on first use (`now` dates the row).
    pub async fn load(&mut self, exchange: &str, now: Timestamp) -> Result<Position, LeaseError> {
        let row = match self {
            Self::Postgres(conn) => {
                sqlx::query(ENSURE)
                    .bind(exchange)
                    .bind(now.as_millis())
                    .execute(&mut *conn)
                    .await?;
                sqlx::query(LOAD)
                    .bind(exchange)
                    .fetch_one(&mut *conn)
                    .await?
            }
            Self::Sqlite { pool, .. } => {
                sqlx::query(ENSURE)
                    .bind(exchange)
                    .bind(now.as_millis())
                    .execute(&*pool)
                    .await?;
                sqlx::query(LOAD).bind(exchange).fetch_one(&*pool).await?
            }
        };
        let position: i64 = row.try_get(0)?;
        Ok(Position(u64::try_from(position).unwrap_or(0)))
    }

    /// Fails when the lease's connection is gone (Postgres); nothing to check on SQLite,
    /// where the lock is a file lock of this process.
    pub async fn check(&mut self) -> Result<(), LeaseError> {
        if let Self::Postgres(conn) = self {
            conn.ping().await?;
        }
        Ok(())
    }

    /// Moves the checkpoint from `from` to `to` (dated `now`); false if it was not at `from`.
    pub async fn advance(
        &mut self,
        exchange: &str,
        from: Position,
        to: Position,
        now: Timestamp,
    ) -> Result<bool, LeaseError> {
        let query = sqlx::query(ADVANCE)
            .bind(to_db(to))
            .bind(now.as_millis())
            .bind(exchange)
            .bind(to_db(from));
        let done = match self {
            Self::Postgres(conn) => query.execute(&mut *conn).await?,
            Self::Sqlite { pool, .. } => query.execute(&*pool).await?,
        };
        Ok(done.rows_affected() == 1)
    }

    /// Gives the role up: closing the session releases the advisory lock; dropping the
    /// file releases the file lock.
    pub async fn release(self) {
        if let Self::Postgres(conn) = self {
            let _ = conn.close().await;
        }
    }
}

/// The relay's committed checkpoint for `exchange`, read through any pool (for status).
pub async fn committed(pool: &AnyPool, exchange: &str) -> Result<Option<Position>, sqlx::Error> {
    let row = sqlx::query(LOAD)
        .bind(exchange)
        .fetch_optional(pool)
        .await?;
    match row {
        Some(row) => {
            let position: i64 = row.try_get(0)?;
            Ok(Some(Position(u64::try_from(position).unwrap_or(0))))
        }
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::advisory_key;

    #[test]
    fn the_advisory_key_is_stable_and_per_exchange() {
        assert_eq!(
            advisory_key("tessera.events"),
            advisory_key("tessera.events")
        );
        assert_ne!(advisory_key("tessera.events"), advisory_key("other.events"));
    }
}
