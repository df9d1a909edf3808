//! Choosing the backend, opening pools, running migrations, loading the KEK.

use crate::codec::Codec;
use crate::error::StoreError;
use crate::log::EventLog;
use crate::postgres::{PgLane, PgLog};
use crate::repository::Repository;
use crate::snapshots::AggregateCache;
use crate::sqlite::SqliteLog;
use crate::vault::{load_kek, KeyState, SealPurpose, Vault};
use domain::identifier::Identifier;
use domain::UpcasterRegistry;
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Executor};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// Holds `tessera.db` (SQLite) and the generated `kek` file when no KEK is configured.
    pub data_dir: PathBuf,
    /// `postgres://…` selects the Postgres backend; `None` the embedded SQLite file.
    pub database_url: Option<String>,
    /// Base64 of 32 bytes (TESSERA_KEK). `None`: read or generate `<data_dir>/kek`.
    pub kek: Option<String>,
}

enum Inner {
    Sqlite(Arc<SqliteLog>),
    Postgres(Arc<PgLog>),
}

/// The backend's writing pool, for maintenance statements (`rewrap.rs`).
pub(crate) enum InnerRef<'a> {
    Sqlite(&'a sqlx::SqlitePool),
    Postgres(&'a sqlx::PgPool),
}

/// The opened store: the log, a pool for read models on the same database, and the vault.
#[derive(Clone)]
pub struct Store {
    pub log: Arc<dyn EventLog>,
    /// Read models' pool (portable SQL), on the same database as the log.
    pub read_pool: AnyPool,
    pub backend: Backend,
    inner: Arc<Inner>,
    pub(crate) codec: Arc<Codec>,
    aggregates: Arc<AggregateCache>,
}

impl Store {
    pub async fn connect(cfg: &StoreConfig) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        std::fs::create_dir_all(&cfg.data_dir).map_err(|e| {
            StoreError::Config(format!(
                "cannot create data directory {}: {e}",
                cfg.data_dir.display()
            ))
        })?;
        let postgres = cfg.database_url.is_some();
        let kek = load_kek(cfg.kek.as_deref(), &cfg.data_dir, postgres)?;
        let codec = Arc::new(Codec {
            vault: Vault::new(kek)?,
            upcasters: UpcasterRegistry::domain(),
        });
        match &cfg.database_url {
            None => {
                let dir = cfg.data_dir.canonicalize().map_err(|e| {
                    StoreError::Config(format!("data directory {}: {e}", cfg.data_dir.display()))
                })?;
                let file = dir.join("tessera.db");
                let log = Arc::new(SqliteLog::open(&file, codec.clone()).await?);
                let store = Self::finish(
                    Inner::Sqlite(log.clone()),
                    log,
                    Backend::Sqlite,
                    &format!("sqlite://{}", file.display()),
                    codec,
                )
                .await?;
                Ok(store)
            }
            Some(url) => {
                if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
                    return Err(StoreError::Config(format!(
                        "TESSERA_DATABASE_URL must be a postgres:// URL, got {url:?}"
                    )));
                }
                let log = Arc::new(PgLog::open(url, codec.clone()).await?);
                Self::finish(
                    Inner::Postgres(log.clone()),
                    log,
                    Backend::Postgres,
                    url,
                    codec,
                )
                .await
            }
        }
    }

    async fn finish(
        inner: Inner,
        log: Arc<dyn EventLog>,
        backend: Backend,
        url: &str,
        codec: Arc<Codec>,
    ) -> Result<Store, StoreError> {
        let store = Store {
            log,
            read_pool: read_pool(url, backend).await?,
            backend,
            inner: Arc::new(inner),
            codec,
            aggregates: Arc::new(AggregateCache::new(crate::snapshots::DEFAULT_CAPACITY)),
        };
        if let Err(e) = store.check_kek().await {
            store.close().await;
            return Err(e);
        }
        if let Err(e) = store.rewrap_data_keys().await {
            store.close().await;
            return Err(e);
        }
        Ok(store)
    }

    /// Seals a marker under the KEK the first time, verifies it on every later start.
    async fn check_kek(&self) -> Result<(), StoreError> {
        let value = self.codec.vault.kek_check_value()?;
        let sealed: Vec<u8> = match &*self.inner {
            Inner::Sqlite(log) => {
                let pool = log.write_pool();
                sqlx::query(
                    "INSERT INTO kek_check (id, sealed) VALUES (1, ?) ON CONFLICT (id) DO NOTHING",
                )
                .bind(value)
                .execute(pool)
                .await?;
                sqlx::query_scalar("SELECT sealed FROM kek_check WHERE id = 1")
                    .fetch_one(pool)
                    .await?
            }
            Inner::Postgres(log) => {
                let pool = log.pool();
                sqlx::query(
                    "INSERT INTO kek_check (id, sealed) VALUES (1, $1) ON CONFLICT (id) DO NOTHING",
                )
                .bind(value)
                .execute(pool)
                .await?;
                sqlx::query_scalar("SELECT sealed FROM kek_check WHERE id = 1")
                    .fetch_one(pool)
                    .await?
            }
        };
        self.codec.vault.verify_kek_check(&sealed)
    }

    pub(crate) fn inner(&self) -> InnerRef<'_> {
        match &*self.inner {
            Inner::Sqlite(log) => InnerRef::Sqlite(log.write_pool()),
            Inner::Postgres(log) => InnerRef::Postgres(log.pool()),
        }
    }

    /// Seals a secret under `purpose`'s key (derived from the KEK), bound to `owner` (see
    /// `vault/purpose.rs`); text safe for events, cookies and headers.
    pub fn seal(
        &self,
        purpose: SealPurpose,
        owner: &str,
        plain: &[u8],
    ) -> Result<String, StoreError> {
        self.codec.vault.seal_secret(purpose, owner, plain)
    }

    /// Opens what [`Store::seal`] produced for the same purpose and owner; anything else
    /// (another purpose or owner, a wrong KEK, tampering) is an error.
    pub fn open_sealed(
        &self,
        purpose: SealPurpose,
        owner: &str,
        sealed: &str,
    ) -> Result<Vec<u8>, StoreError> {
        self.codec.vault.open_secret(purpose, owner, sealed)
    }

    /// Whether `sealed` predates keys by purpose (scheme 1), so a writer may seal it anew.
    pub fn sealed_by_scheme_1(sealed: &str) -> bool {
        Vault::is_scheme_1_secret(sealed)
    }

    /// This store with the log read through a pool of its own on Postgres
    /// (`max_connections`, opened on first use, named `application_name`): for background
    /// work that reads the log at the API's write rate and must not compete with API
    /// requests for connections (`postgres/lane.rs`). On SQLite the same store (local reads).
    /// Appends, the vault and the read-model pool stay shared; close the parent store, not
    /// a lane.
    pub fn lane(&self, application_name: &str, max_connections: u32) -> Store {
        match self.inner.as_ref() {
            Inner::Postgres(log) => Store {
                log: Arc::new(PgLane::new(log.clone(), application_name, max_connections)),
                ..self.clone()
            },
            Inner::Sqlite(_) => self.clone(),
        }
    }

    /// This store reading and appending through `log` (a wrapper of this store's log,
    /// such as the projectors' shared tail); everything else shared.
    pub fn with_log(&self, log: Arc<dyn EventLog>) -> Store {
        Store {
            log,
            ..self.clone()
        }
    }

    /// Events this process has committed to the log since it opened the store, whichever
    /// path appended them (`/metrics` reports it as `tessera_events_appended_total`).
    pub fn events_appended(&self) -> u64 {
        match self.inner.as_ref() {
            Inner::Sqlite(log) => log.events_appended(),
            Inner::Postgres(log) => log.events_appended(),
        }
    }

    pub fn repository(&self) -> Repository {
        Repository::with_cache(self.log.clone(), self.aggregates.clone())
    }

    /// The stream id of an identifier's uniqueness claim: hex HMAC-SHA256 of
    /// `kind:normalised` under a key derived from the KEK, so stream ids hold no personal data.
    pub fn identifier_stream_id(&self, id: &Identifier) -> String {
        self.codec.vault.identifier_digest(&id.digest_input())
    }

    /// The keyed digest of a one-time code, bound to its verification id so that a digest
    /// from one code's stream matches no other code. Under the identifier key, with a
    /// prefix no identifier's digest input has (those start with the identifier kind), so
    /// a code digest can never equal an identifier digest.
    pub fn verification_code_digest(&self, verification_id: &str, code: &str) -> String {
        self.codec.vault.identifier_digest(&format!(
            "verification-code\u{0}{verification_id}\u{0}{code}"
        ))
    }

    /// The keyed digest of a user's backup code (the only form a backup code takes in the
    /// log), bound to the user so that a digest matches no other user's code. Under the
    /// identifier key with a prefix of its own, like [`Store::verification_code_digest`].
    /// The code is normalised first (`domain::user::mfa::normalize_backup_code`).
    pub fn backup_code_digest(&self, user_id: &str, code: &str) -> String {
        let code = domain::user::mfa::normalize_backup_code(code);
        self.codec
            .vault
            .identifier_digest(&format!("mfa-backup-code\u{0}{user_id}\u{0}{code}"))
    }

    /// Erasure primitive (crypto-shredding): forgets the subject's data key, so every
    /// personal field sealed under it reads as absent from now on, and refuses new personal
    /// data for the subject. Events are not touched. Idempotent.
    pub async fn destroy_data_key(&self, subject: &str) -> Result<(), StoreError> {
        let now = crate::clock::SystemClock::now_ms();
        match &*self.inner {
            Inner::Sqlite(log) => {
                sqlx::query(
                    "INSERT INTO data_keys (subject_id, wrapped_key, created_at, destroyed_at) \
                     VALUES (?, NULL, ?, ?) ON CONFLICT (subject_id) DO UPDATE \
                     SET wrapped_key = NULL, destroyed_at = COALESCE(data_keys.destroyed_at, excluded.destroyed_at)",
                )
                .bind(subject)
                .bind(now)
                .bind(now)
                .execute(log.write_pool())
                .await?;
            }
            Inner::Postgres(log) => log.destroy_key(subject, now).await?,
        }
        self.codec.vault.remember(subject, KeyState::Destroyed);
        Ok(())
    }

    /// Commits queued appends, stops the writer and listener tasks, closes the pools.
    pub async fn close(&self) {
        self.log.close().await;
        self.read_pool.close().await;
    }
}

/// How long a pooled connection may sit idle before it is pinged on acquire.
const PING_IF_IDLE_FOR: std::time::Duration = std::time::Duration::from_secs(1);

/// Pool settings shared by every pool: a connection is health-checked on acquire only
/// after sitting idle (sqlx's default pings before *every* acquire, a second round trip
/// for each query of a busy pool). A connection in steady use is known alive; one idle
/// for a while may have been cut by a database restart and is still checked (and
/// replaced) before a caller sees it fail.
pub(crate) fn pool_options<DB: sqlx::Database>() -> sqlx::pool::PoolOptions<DB> {
    sqlx::pool::PoolOptions::new()
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= PING_IF_IDLE_FOR {
                    sqlx::Connection::ping(conn).await?;
                }
                Ok(true)
            })
        })
}

async fn read_pool(url: &str, backend: Backend) -> Result<AnyPool, StoreError> {
    let mut options: AnyPoolOptions = pool_options().max_connections(8);
    if backend == Backend::Sqlite {
        // Read models write through this pool too: wait for the writer's lock instead of
        // failing with SQLITE_BUSY, keep durable commits (the file is already in WAL), and
        // leave checkpoints to the store's background checkpointer (sqlite/checkpoint.rs).
        options = options.after_connect(|conn, _| {
            Box::pin(async move {
                conn.execute(
                    "PRAGMA busy_timeout = 30000; PRAGMA synchronous = FULL; \
                     PRAGMA wal_autocheckpoint = 0;",
                )
                .await?;
                Ok(())
            })
        });
    }
    Ok(options.connect(url).await?)
}
