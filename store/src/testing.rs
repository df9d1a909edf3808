//! Helpers for tests and benchmarks: fresh Postgres databases and temporary configs.

// Test-support code (tests and benchmarks): a setup that fails panics.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::connect::StoreConfig;
use sqlx::{Connection, Executor, PgConnection};
use std::path::Path;

/// A fixed KEK for tests (base64 of 32 bytes), never for production.
pub const TEST_KEK: &str = "dGVzc2VyYS10ZXN0LWtlay0wMTIzNDU2Nzg5YWJjZGU=";

const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Creates a fresh database `tessera_test_<uuid>` on the server at
/// `TESSERA_TEST_DATABASE_URL` and returns its URL. If the server is unreachable: panics
/// when `CI` is set, otherwise prints a loud SKIPPED line and returns `None`.
pub async fn fresh_postgres_url() -> Option<String> {
    let base = std::env::var("TESSERA_TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_URL.into());
    let mut conn = match PgConnection::connect(&base).await {
        Ok(c) => c,
        Err(e) => {
            if std::env::var_os("CI").is_some() {
                panic!("Postgres unreachable at {base} (CI is set, so this is a failure): {e}");
            }
            eprintln!("\n*** SKIPPED: Postgres unreachable at {base}: {e} ***\n");
            return None;
        }
    };
    drop_stale_databases(&mut conn).await;
    let name = format!("tessera_test_{}", uuid::Uuid::now_v7().simple());
    if let Err(e) = conn
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await
    {
        panic!("cannot create test database {name} at {base}: {e}");
    }
    let _ = conn.close().await;
    Some(with_database(&base, &name))
}

/// Test databases older than this are dropped by later runs (their name holds a UUIDv7,
/// i.e. their creation time); no test runs this long.
const STALE_AFTER_MS: u64 = 60 * 60 * 1000;
/// Drops per process: DROP DATABASE forces a checkpoint, so keep the delay to one test small.
const DROPS_PER_PROCESS: usize = 10;

/// Keeps the shared server from filling its disk with old per-run databases. A database
/// still in use cannot be dropped without FORCE, which is not used: errors are ignored.
async fn drop_stale_databases(conn: &mut PgConnection) {
    static DONE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if DONE.swap(true, std::sync::atomic::Ordering::SeqCst) {
        return;
    }
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT datname FROM pg_database WHERE datname LIKE 'tessera\\_test\\_%' ORDER BY datname",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap_or_default();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    let stale = names
        .into_iter()
        .filter(|n| created_ms(n).is_some_and(|at| now.saturating_sub(at) > STALE_AFTER_MS));
    for name in stale.take(DROPS_PER_PROCESS) {
        let _ = conn
            .execute(format!("DROP DATABASE IF EXISTS {name}").as_str())
            .await;
    }
}

/// Creation time of `tessera_test_<uuid v7>`: the UUID's first 48 bits.
fn created_ms(name: &str) -> Option<u64> {
    let hex = name.strip_prefix("tessera_test_")?;
    let id = uuid::Uuid::parse_str(hex).ok()?;
    (id.get_version_num() == 7).then(|| {
        let b = id.as_bytes();
        b[..6]
            .iter()
            .fold(0u64, |acc, x| (acc << 8) | u64::from(*x))
    })
}

/// Replaces the database name (the URL path) of a postgres URL, keeping any query string.
fn with_database(url: &str, db: &str) -> String {
    let (main, query) = match url.split_once('?') {
        Some((m, q)) => (m, Some(q)),
        None => (url, None),
    };
    let authority_start = main.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match main[authority_start..].find('/') {
        Some(i) => &main[..authority_start + i],
        None => main,
    };
    match query {
        Some(q) => format!("{base}/{db}?{q}"),
        None => format!("{base}/{db}"),
    }
}

pub fn sqlite_config(dir: &Path) -> StoreConfig {
    StoreConfig {
        data_dir: dir.to_path_buf(),
        database_url: None,
        kek: Some(TEST_KEK.into()),
    }
}

/// A config on the existing Postgres database `url` (a second process of a test joining
/// the first one's database).
pub fn postgres_config_at(dir: &Path, url: String) -> StoreConfig {
    StoreConfig {
        data_dir: dir.to_path_buf(),
        database_url: Some(url),
        kek: Some(TEST_KEK.into()),
    }
}

/// A config on a fresh Postgres database, or `None` when skipped (see [`fresh_postgres_url`]).
pub async fn postgres_config(dir: &Path) -> Option<StoreConfig> {
    Some(StoreConfig {
        data_dir: dir.to_path_buf(),
        database_url: Some(fresh_postgres_url().await?),
        kek: Some(TEST_KEK.into()),
    })
}

/// The first scheme's sealing of a secret (before keys by purpose): what older versions
/// put into events, for tests that check such data still opens.
pub fn scheme_1_seal(store: &crate::Store, plain: &[u8]) -> Result<String, crate::StoreError> {
    store.codec.vault.scheme_1_seal(plain)
}

/// Rewrites `subject`'s data key in `data_keys` as the first scheme wrapped it (directly
/// under the KEK), as a database written by an older version holds it.
pub async fn downgrade_data_key(
    store: &crate::Store,
    subject: &str,
) -> Result<(), crate::StoreError> {
    use crate::connect::InnerRef;
    let (wrapped,): (Vec<u8>,) = match store.inner() {
        InnerRef::Sqlite(pool) => {
            sqlx::query_as("SELECT wrapped_key FROM data_keys WHERE subject_id = ?")
                .bind(subject)
                .fetch_one(pool)
                .await?
        }
        InnerRef::Postgres(pool) => {
            sqlx::query_as("SELECT wrapped_key FROM data_keys WHERE subject_id = $1")
                .bind(subject)
                .fetch_one(pool)
                .await?
        }
    };
    let old = store.codec.vault.scheme_1_wrap_of(subject, &wrapped)?;
    match store.inner() {
        InnerRef::Sqlite(pool) => {
            sqlx::query("UPDATE data_keys SET wrapped_key = ? WHERE subject_id = ?")
                .bind(old)
                .bind(subject)
                .execute(pool)
                .await?;
        }
        InnerRef::Postgres(pool) => {
            sqlx::query("UPDATE data_keys SET wrapped_key = $1 WHERE subject_id = $2")
                .bind(old)
                .bind(subject)
                .execute(pool)
                .await?;
        }
    }
    Ok(())
}

/// Decides `command` on stream `id` of `A` at `now` (from its current version) and appends
/// what it decided as the system: the usual setup step of a test that needs a few events in
/// a real log. Panics on a refusal or a failed append (tests only).
pub async fn decide_and_append<A: domain::Aggregate>(
    store: &crate::Store,
    id: &str,
    command: A::Command,
    now: domain::Timestamp,
) -> crate::AppendOutcome {
    let repo = store.repository();
    let loaded = repo.load::<A>(id).await.expect("load");
    let events = loaded
        .aggregate
        .handle(command, &domain::CommandContext { now })
        .unwrap_or_else(|e| panic!("{} {id}: command refused: {e}", A::STREAM_TYPE));
    let metadata = domain::EventMetadata::system(now, "test");
    let batch = crate::AppendBatch {
        streams: vec![crate::Repository::stage::<A>(
            id,
            crate::ExpectedVersion::at(loaded.version),
            &events,
            &metadata,
        )],
    };
    repo.append(batch).await.expect("append")
}

#[cfg(test)]
mod tests {
    #[test]
    fn creation_time_is_read_from_the_name() {
        let id = uuid::Uuid::now_v7();
        let at = super::created_ms(&format!("tessera_test_{}", id.simple())).unwrap();
        let (secs, _) = id.get_timestamp().unwrap().to_unix();
        assert_eq!(at / 1000, secs);
        assert_eq!(super::created_ms("tessera_test_nothex"), None);
        assert_eq!(super::created_ms("other"), None);
    }

    #[test]
    fn database_name_is_replaced() {
        assert_eq!(
            super::with_database("postgres://u@h:5432/postgres", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(super::with_database("postgres://h", "x"), "postgres://h/x");
        assert_eq!(
            super::with_database("postgres://h/db?sslmode=disable", "x"),
            "postgres://h/x?sslmode=disable"
        );
    }
}
