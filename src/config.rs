//! Configuration: built-in defaults ← optional TOML file ← `TESSERA_*` environment.
//!
//! The file is `--config PATH` (or `TESSERA_CONFIG`); without either, `./tessera.toml` is
//! read if it exists. Keys in the file are the variable names without the prefix, in lower
//! case (`bind`, `endpoint`, `data_dir`, …). `tessera.example.toml` lists them all.

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub const DEFAULT_BIND: &str = "127.0.0.1:3001";
pub const DEFAULT_CONFIG_FILE: &str = "tessera.toml";

/// Environment keys read (with the `TESSERA_` prefix).
const ENV_KEYS: &[&str] = &[
    "bind",
    "endpoint",
    "data_dir",
    "database_url",
    "amqp_url",
    "amqp_ca_file",
    "amqp_prefix",
    "amqp_workers",
    "amqp_prefetch",
    "kek",
    "log_format",
    "log",
    "bootstrap_m2m_id",
    "bootstrap_m2m_secret",
    "registration",
    "access_token_ttl",
    "id_token_ttl",
    "refresh_token_ttl",
    "session_ttl",
    "pushed_request_ttl",
    "device_code_ttl",
    "webhook_allow_private",
    "webhook_retry_schedule",
    "rate_limit_per_second",
    "rate_limit_burst",
    "metrics_token",
    "sentinel_max_attempts",
    "sentinel_window_secs",
    "sentinel_lockout_secs",
    "verification_code_ttl_secs",
    "verification_code_max_attempts",
    "verification_code_sends_per_hour",
    "verification_code_resend_interval_secs",
    "password_min_length",
    "password_max_length",
    "password_character_types",
    "password_reject_pwned",
    "password_reject_sequences",
    "password_reject_user_info",
    "password_reject_words",
    "password_hash_concurrency",
    "password_hash_queue",
    "password_pwned_api",
    "user_search_timeout_ms",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Listen address (`TESSERA_BIND`).
    pub bind: String,
    /// Public base URL (`TESSERA_ENDPOINT`); defaults to `http://<bound address>`.
    pub endpoint: Option<String>,
    /// Where the embedded SQLite database and the generated KEK live (`TESSERA_DATA_DIR`).
    pub data_dir: PathBuf,
    /// `postgres://…` to use Postgres instead of the embedded SQLite (`TESSERA_DATABASE_URL`).
    pub database_url: Option<String>,
    /// RabbitMQ for webhook delivery (`TESSERA_AMQP_URL`); unset: embedded delivery.
    pub amqp_url: Option<String>,
    /// PEM certificates to trust for an `amqps://` broker besides the Mozilla roots
    /// (`TESSERA_AMQP_CA_FILE`): a private CA.
    pub amqp_ca_file: Option<PathBuf>,
    /// Prefix of the RabbitMQ exchange and queue names (`TESSERA_AMQP_PREFIX`).
    #[serde(default = "default_amqp_prefix")]
    pub amqp_prefix: String,
    /// Consumers per RabbitMQ queue (`TESSERA_AMQP_WORKERS`).
    #[serde(default = "default_amqp_workers")]
    pub amqp_workers: usize,
    /// Delivery jobs in flight per job consumer (`TESSERA_AMQP_PREFETCH`): the broker's
    /// prefetch. Attempts mostly wait (on the database, on receivers), so throughput is
    /// about `workers × prefetch / attempt latency`.
    #[serde(default = "default_amqp_prefetch")]
    pub amqp_prefetch: u16,
    /// Key-encryption key, base64 of 32 bytes (`TESSERA_KEK`).
    pub kek: Option<String>,
    /// `text` or `json` (`TESSERA_LOG_FORMAT`).
    pub log_format: LogFormat,
    /// Log filter in `tracing` env-filter syntax (`TESSERA_LOG`, else `RUST_LOG`, else `info`).
    pub log: Option<String>,
    /// Client id of the M2M application with Management API access ensured at start
    /// (`TESSERA_BOOTSTRAP_M2M_ID`; with `TESSERA_BOOTSTRAP_M2M_SECRET`).
    #[serde(default)]
    pub bootstrap_m2m_id: Option<String>,
    /// Its secret (`TESSERA_BOOTSTRAP_M2M_SECRET`).
    #[serde(default)]
    pub bootstrap_m2m_secret: Option<String>,
    /// Whether the hosted `/register` page creates accounts (`TESSERA_REGISTRATION`).
    #[serde(default = "default_true")]
    pub registration: bool,
    /// Token and session lifetimes in seconds (`TESSERA_ACCESS_TOKEN_TTL`,
    /// `TESSERA_ID_TOKEN_TTL`, `TESSERA_REFRESH_TOKEN_TTL`, `TESSERA_SESSION_TTL`); unset:
    /// Logto's defaults (3600, 3600, 14 days, 14 days).
    #[serde(default)]
    pub access_token_ttl: Option<u64>,
    #[serde(default)]
    pub id_token_ttl: Option<u64>,
    #[serde(default)]
    pub refresh_token_ttl: Option<u64>,
    #[serde(default)]
    pub session_ttl: Option<u64>,
    /// How long a pushed authorization request's `request_uri` works, in seconds
    /// (`TESSERA_PUSHED_REQUEST_TTL`; default 60, RFC 9126 §2.2).
    #[serde(default)]
    pub pushed_request_ttl: Option<u64>,
    /// How long a device code works, in seconds (`TESSERA_DEVICE_CODE_TTL`; default 600,
    /// Logto's, RFC 8628 §3.2 `expires_in`).
    #[serde(default)]
    pub device_code_ttl: Option<u64>,
    /// Let hooks call loopback, private and link-local addresses
    /// (`TESSERA_WEBHOOK_ALLOW_PRIVATE`); off: such URLs are refused (SSRF).
    #[serde(default)]
    pub webhook_allow_private: bool,
    /// Delays between webhook delivery attempts (`TESSERA_WEBHOOK_RETRY_SCHEDULE`, e.g.
    /// `5s,30s,2m`); unset: 5s,30s,2m,10m,30m,2h,6h,12h,24h.
    #[serde(default)]
    pub webhook_retry_schedule: Option<String>,
    /// Requests per second one client address may make to the routes anyone can call
    /// (`TESSERA_RATE_LIMIT_PER_SECOND`, default 50; 0 turns the limit off) and at once
    /// before that rate applies (`TESSERA_RATE_LIMIT_BURST`, default 200).
    #[serde(default = "default_rate_limit_per_second")]
    pub rate_limit_per_second: u32,
    #[serde(default = "default_rate_limit_burst")]
    pub rate_limit_burst: u32,
    /// When set, `GET /metrics` needs `Authorization: Bearer <this>`
    /// (`TESSERA_METRICS_TOKEN`); unset, it is public as before.
    #[serde(default)]
    pub metrics_token: Option<String>,
    /// Lockout (Logto's `sentinelPolicy`): failed attempts per identifier within the
    /// window that lock it, the window and the lock's length in seconds
    /// (`TESSERA_SENTINEL_MAX_ATTEMPTS`, `…_WINDOW_SECS`, `…_LOCKOUT_SECS`); unset:
    /// Logto's 100 attempts in 1 hour, locked for 60 minutes.
    #[serde(default)]
    pub sentinel_max_attempts: Option<u32>,
    #[serde(default)]
    pub sentinel_window_secs: Option<i64>,
    #[serde(default)]
    pub sentinel_lockout_secs: Option<i64>,
    /// One-time codes by email and SMS: how long a code lasts and how many wrong guesses
    /// it takes (`TESSERA_VERIFICATION_CODE_TTL_SECS`, `…_MAX_ATTEMPTS`); unset: Logto's
    /// 10 minutes and 10 attempts.
    #[serde(default)]
    pub verification_code_ttl_secs: Option<i64>,
    #[serde(default)]
    pub verification_code_max_attempts: Option<u32>,
    /// How often codes may go to one address, on every path that sends one: at most this
    /// many per rolling hour (`TESSERA_VERIFICATION_CODE_SENDS_PER_HOUR`, default 5) and
    /// this many seconds apart (`TESSERA_VERIFICATION_CODE_RESEND_INTERVAL_SECS`, default
    /// 60, Logto's resend countdown); `0` turns either limit off.
    #[serde(default)]
    pub verification_code_sends_per_hour: Option<u32>,
    #[serde(default)]
    pub verification_code_resend_interval_secs: Option<i64>,
    /// Password policy (Logto's `passwordPolicy`) for self-service paths:
    /// `TESSERA_PASSWORD_MIN_LENGTH` (8), `…_MAX_LENGTH` (256), `…_CHARACTER_TYPES` (1),
    /// `…_REJECT_PWNED` (true: common passwords, checked offline), `…_REJECT_SEQUENCES`
    /// (true), `…_REJECT_USER_INFO` (true), `…_REJECT_WORDS` (comma-separated, none).
    #[serde(default)]
    pub password_min_length: Option<usize>,
    #[serde(default)]
    pub password_max_length: Option<usize>,
    #[serde(default)]
    pub password_character_types: Option<usize>,
    #[serde(default)]
    pub password_reject_pwned: Option<bool>,
    #[serde(default)]
    pub password_reject_sequences: Option<bool>,
    #[serde(default)]
    pub password_reject_user_info: Option<bool>,
    #[serde(default)]
    pub password_reject_words: Option<String>,
    /// Argon2 computations at once (`TESSERA_PASSWORD_HASH_CONCURRENCY`, default: the
    /// number of cores) and how many more may wait (`TESSERA_PASSWORD_HASH_QUEUE`, default
    /// eight per core); beyond, requests are answered 503 with `Retry-After`.
    #[serde(default)]
    pub password_hash_concurrency: Option<usize>,
    #[serde(default)]
    pub password_hash_queue: Option<usize>,
    /// A breached-password range API asked after the offline check
    /// (`TESSERA_PASSWORD_PWNED_API`, e.g. `https://api.pwnedpasswords.com`; unset: off).
    /// Only the first five hex digits of the password's SHA-1 are sent.
    #[serde(default)]
    pub password_pwned_api: Option<String>,
    /// Statement timeout of the regular-expression searches of `GET /api/users`
    /// (`similar_to`, `posix`; Postgres) in milliseconds (`TESSERA_USER_SEARCH_TIMEOUT_MS`).
    #[serde(default = "default_user_search_timeout_ms")]
    pub user_search_timeout_ms: u64,
}

fn default_rate_limit_per_second() -> u32 {
    api::guard::rate_limit::RateLimitSettings::default().per_second
}

fn default_rate_limit_burst() -> u32 {
    api::guard::rate_limit::RateLimitSettings::default().burst
}

fn default_user_search_timeout_ms() -> u64 {
    2_000
}

fn default_true() -> bool {
    true
}

fn default_amqp_prefix() -> String {
    "tessera".to_owned()
}

fn default_amqp_workers() -> usize {
    2
}

fn default_amqp_prefetch() -> u16 {
    100
}

impl std::fmt::Debug for Config {
    // The KEK and database URL may carry secrets: keep them out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("bind", &self.bind)
            .field("endpoint", &self.endpoint)
            .field("data_dir", &self.data_dir)
            .field("database_url", &self.database_url.as_ref().map(|_| "<set>"))
            .field("amqp_url", &self.amqp_url.as_ref().map(|_| "<set>"))
            .field("amqp_ca_file", &self.amqp_ca_file)
            .field("kek", &self.kek.as_ref().map(|_| "<set>"))
            .field("log_format", &self.log_format)
            .field("log", &self.log)
            .field("bootstrap_m2m_id", &self.bootstrap_m2m_id)
            .field(
                "bootstrap_m2m_secret",
                &self.bootstrap_m2m_secret.as_ref().map(|_| "<set>"),
            )
            .field("rate_limit_per_second", &self.rate_limit_per_second)
            .field("rate_limit_burst", &self.rate_limit_burst)
            .field(
                "metrics_token",
                &self.metrics_token.as_ref().map(|_| "<set>"),
            )
            .finish()
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            bind: DEFAULT_BIND.to_owned(),
            endpoint: None,
            data_dir: PathBuf::from("data"),
            database_url: None,
            amqp_url: None,
            amqp_ca_file: None,
            amqp_prefix: default_amqp_prefix(),
            amqp_workers: default_amqp_workers(),
            amqp_prefetch: default_amqp_prefetch(),
            kek: None,
            log_format: LogFormat::Text,
            log: None,
            bootstrap_m2m_id: None,
            bootstrap_m2m_secret: None,
            registration: true,
            access_token_ttl: None,
            id_token_ttl: None,
            refresh_token_ttl: None,
            session_ttl: None,
            pushed_request_ttl: None,
            device_code_ttl: None,
            webhook_allow_private: false,
            webhook_retry_schedule: None,
            rate_limit_per_second: default_rate_limit_per_second(),
            rate_limit_burst: default_rate_limit_burst(),
            metrics_token: None,
            sentinel_max_attempts: None,
            sentinel_window_secs: None,
            sentinel_lockout_secs: None,
            verification_code_ttl_secs: None,
            verification_code_max_attempts: None,
            verification_code_sends_per_hour: None,
            verification_code_resend_interval_secs: None,
            password_min_length: None,
            password_max_length: None,
            password_character_types: None,
            password_reject_pwned: None,
            password_reject_sequences: None,
            password_reject_user_info: None,
            password_reject_words: None,
            password_hash_concurrency: None,
            password_hash_queue: None,
            password_pwned_api: None,
            user_search_timeout_ms: default_user_search_timeout_ms(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration file {0} does not exist")]
    MissingFile(PathBuf),
    #[error("invalid configuration: {0}")]
    Invalid(#[from] Box<figment::Error>),
    #[error("invalid configuration: {0}")]
    Incomplete(&'static str),
    #[error("invalid TESSERA_WEBHOOK_RETRY_SCHEDULE: {0}")]
    RetrySchedule(#[from] webhooks::schedule::ScheduleError),
    #[error(transparent)]
    Broker(#[from] webhooks::amqp::BrokerConfigError),
}

impl Config {
    /// Loads the configuration. `file` is the explicit `--config`/`TESSERA_CONFIG` path,
    /// which must exist; without it `./tessera.toml` is used when present.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        Self::figment(file)?
            .extract::<Config>()
            .map(Config::normalised)
            .map_err(|e| ConfigError::Invalid(Box::new(e)))
    }

    fn figment(file: Option<&Path>) -> Result<Figment, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(path) if !path.exists() => return Err(ConfigError::MissingFile(path.to_owned())),
            Some(path) => figment = figment.merge(Toml::file_exact(path)),
            None => {
                let default = Path::new(DEFAULT_CONFIG_FILE);
                if default.exists() {
                    figment = figment.merge(Toml::file_exact(default));
                }
            }
        }
        Ok(figment.merge(Env::prefixed("TESSERA_").only(ENV_KEYS)))
    }

    /// Empty strings (e.g. `TESSERA_DATABASE_URL=` in a compose file) mean "not set".
    fn normalised(mut self) -> Self {
        for field in [
            &mut self.endpoint,
            &mut self.database_url,
            &mut self.amqp_url,
            &mut self.kek,
            &mut self.log,
            &mut self.bootstrap_m2m_id,
            &mut self.bootstrap_m2m_secret,
            &mut self.webhook_retry_schedule,
            &mut self.password_pwned_api,
            &mut self.metrics_token,
        ] {
            if field.as_deref().is_some_and(|v| v.trim().is_empty()) {
                *field = None;
            }
        }
        if self
            .amqp_ca_file
            .as_ref()
            .is_some_and(|p| p.as_os_str().is_empty())
        {
            self.amqp_ca_file = None;
        }
        self
    }

    /// Server-wide lifetimes: Logto's defaults with the configured overrides.
    pub fn lifetimes(&self) -> domain::oauth::lifetimes::Lifetimes {
        let d = domain::oauth::lifetimes::Lifetimes::default();
        domain::oauth::lifetimes::Lifetimes {
            access_token: self.access_token_ttl.unwrap_or(d.access_token),
            id_token: self.id_token_ttl.unwrap_or(d.id_token),
            refresh_token: self.refresh_token_ttl.unwrap_or(d.refresh_token),
            session: self.session_ttl.unwrap_or(d.session),
            pushed_request: self.pushed_request_ttl.unwrap_or(d.pushed_request),
            device_code: self.device_code_ttl.unwrap_or(d.device_code),
            ..d
        }
    }

    /// The lockout policy: Logto's defaults with the configured overrides.
    pub fn sentinel_policy(&self) -> domain::sentinel::SentinelPolicy {
        let d = domain::sentinel::SentinelPolicy::default();
        domain::sentinel::SentinelPolicy {
            max_attempts: self.sentinel_max_attempts.unwrap_or(d.max_attempts),
            window_secs: self.sentinel_window_secs.unwrap_or(d.window_secs),
            lockout_secs: self.sentinel_lockout_secs.unwrap_or(d.lockout_secs),
        }
    }

    /// The one-time code policy: Logto's defaults with the configured overrides.
    pub fn code_policy(&self) -> domain::verification_code::CodePolicy {
        let d = domain::verification_code::CodePolicy::default();
        domain::verification_code::CodePolicy {
            ttl_secs: self.verification_code_ttl_secs.unwrap_or(d.ttl_secs),
            max_attempts: self
                .verification_code_max_attempts
                .unwrap_or(d.max_attempts),
            ..d
        }
    }

    /// The per-address send throttle of one-time codes, with the configured overrides.
    pub fn send_policy(&self) -> domain::code_sends::SendPolicy {
        let d = domain::code_sends::SendPolicy::default();
        domain::code_sends::SendPolicy {
            max_per_window: self
                .verification_code_sends_per_hour
                .unwrap_or(d.max_per_window),
            min_interval_secs: self
                .verification_code_resend_interval_secs
                .unwrap_or(d.min_interval_secs)
                .max(0),
            ..d
        }
    }

    /// The password policy: Logto's defaults with the configured overrides.
    pub fn password_policy(&self) -> domain::password::policy::PasswordPolicy {
        let d = domain::password::policy::PasswordPolicy::default();
        let words = self.password_reject_words.as_deref().unwrap_or_default();
        domain::password::policy::PasswordPolicy {
            min_length: self.password_min_length.unwrap_or(d.min_length),
            max_length: self.password_max_length.unwrap_or(d.max_length),
            min_character_types: self
                .password_character_types
                .unwrap_or(d.min_character_types),
            reject_pwned: self.password_reject_pwned.unwrap_or(d.reject_pwned),
            reject_repetition_and_sequence: self
                .password_reject_sequences
                .unwrap_or(d.reject_repetition_and_sequence),
            reject_user_info: self.password_reject_user_info.unwrap_or(d.reject_user_info),
            reject_words: words
                .split(',')
                .map(str::trim)
                .filter(|w| !w.is_empty())
                .map(str::to_owned)
                .collect(),
        }
    }

    /// The bound on concurrent password hashing.
    pub fn hasher(&self) -> ::app::hashing::Hasher {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let concurrency = self.password_hash_concurrency.unwrap_or(cores).max(1);
        let queue = self.password_hash_queue.unwrap_or(concurrency * 8);
        ::app::hashing::Hasher::new(concurrency, queue)
    }

    /// The log filter: `TESSERA_LOG`/`log`, else `RUST_LOG`, else `info`.
    pub fn log_filter(&self) -> String {
        self.log
            .clone()
            .or_else(|| std::env::var("RUST_LOG").ok().filter(|v| !v.is_empty()))
            .unwrap_or_else(|| "info".to_owned())
    }

    /// The public base URL given the address the server actually bound.
    pub fn endpoint_for(&self, bound: std::net::SocketAddr) -> String {
        match &self.endpoint {
            Some(endpoint) => endpoint.trim_end_matches('/').to_owned(),
            None => format!("http://{bound}"),
        }
    }

    /// The bootstrap M2M credentials: both variables, or neither (then one is generated).
    pub fn bootstrap_m2m(&self) -> Result<Option<(String, String)>, ConfigError> {
        match (&self.bootstrap_m2m_id, &self.bootstrap_m2m_secret) {
            (Some(id), Some(secret)) => Ok(Some((id.clone(), secret.clone()))),
            (None, None) => Ok(None),
            _ => Err(ConfigError::Incomplete(
                "set both TESSERA_BOOTSTRAP_M2M_ID and TESSERA_BOOTSTRAP_M2M_SECRET, or neither",
            )),
        }
    }

    /// The webhook retry schedule: the configured one, else the default.
    pub fn retry_schedule(&self) -> Result<webhooks::schedule::RetrySchedule, ConfigError> {
        match &self.webhook_retry_schedule {
            Some(text) => Ok(webhooks::schedule::RetrySchedule::parse(text)?),
            None => Ok(webhooks::schedule::RetrySchedule::default()),
        }
    }

    /// The RabbitMQ broker when `TESSERA_AMQP_URL` is set, validated (scheme, URL syntax,
    /// CA file) so a mistake stops the server at startup.
    pub fn broker(&self) -> Result<Option<webhooks::amqp::Broker>, ConfigError> {
        match &self.amqp_url {
            Some(url) => Ok(Some(webhooks::amqp::Broker::new(
                url.trim(),
                self.amqp_ca_file.as_deref(),
            )?)),
            None if self.amqp_ca_file.is_some() => Err(ConfigError::Incomplete(
                "TESSERA_AMQP_CA_FILE is set without TESSERA_AMQP_URL",
            )),
            None => Ok(None),
        }
    }

    pub fn store_config(&self) -> store::StoreConfig {
        store::StoreConfig {
            data_dir: self.data_dir.clone(),
            database_url: self.database_url.clone(),
            kek: self.kek.clone(),
        }
    }
}

#[cfg(test)]
// figment's `Jail` closures return its (large) error type; that is its API, not ours.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;
    use figment::Jail;

    #[test]
    fn defaults_apply_without_file_or_environment() {
        Jail::expect_with(|_jail| {
            let config = Config::load(None).map_err(|e| e.to_string())?;
            assert_eq!(config, Config::default());
            assert_eq!(config.bind, "127.0.0.1:3001");
            assert_eq!(
                config.endpoint_for("127.0.0.1:3001".parse().map_err(|_| "addr")?),
                "http://127.0.0.1:3001"
            );
            Ok(())
        });
    }

    #[test]
    fn environment_overrides_the_file_which_overrides_defaults() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "tessera.toml",
                r#"
                    bind = "0.0.0.0:4000"
                    data_dir = "/var/lib/tessera"
                    log_format = "json"
                "#,
            )?;
            jail.set_env("TESSERA_BIND", "127.0.0.1:5000");
            jail.set_env("TESSERA_DATABASE_URL", "postgres://db/tessera");
            jail.set_env("TESSERA_ENDPOINT", "https://id.example.com/");
            jail.set_env("TESSERA_AMQP_URL", "");
            jail.set_env("TESSERA_TEST_DATABASE_URL", "ignored");
            let config = Config::load(None).map_err(|e| e.to_string())?;
            assert_eq!(config.bind, "127.0.0.1:5000");
            assert_eq!(config.data_dir, PathBuf::from("/var/lib/tessera"));
            assert_eq!(config.log_format, LogFormat::Json);
            assert_eq!(
                config.database_url.as_deref(),
                Some("postgres://db/tessera")
            );
            assert_eq!(config.amqp_url, None);
            assert_eq!(
                config.endpoint_for("127.0.0.1:1".parse().map_err(|_| "addr")?),
                "https://id.example.com"
            );
            Ok(())
        });
    }

    #[test]
    fn the_example_file_names_every_key_and_loads() {
        let example = include_str!("../tessera.example.toml");
        for key in ENV_KEYS {
            assert!(
                example.contains(&format!("{key} =")),
                "{key} is not in the example"
            );
        }
        // Uncommented, every example value is one the server takes.
        let uncommented: String = example
            .lines()
            .map(|l| {
                let setting = l.strip_prefix("# ").filter(|rest| {
                    rest.split_once(" = ").is_some_and(|(key, _)| {
                        key.bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                    })
                });
                setting.unwrap_or(l)
            })
            .map(|l| l.split("  #").next().unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n");
        Jail::expect_with(|jail| {
            jail.create_file("example.toml", &uncommented)?;
            let config =
                Config::load(Some(Path::new("example.toml"))).map_err(|e| e.to_string())?;
            assert_eq!(config.lifetimes().pushed_request, 60);
            Ok(())
        });
    }

    #[test]
    fn registration_and_lifetimes_come_from_the_environment() {
        Jail::expect_with(|jail| {
            let config = Config::load(None).map_err(|e| e.to_string())?;
            assert!(config.registration);
            assert_eq!(config.lifetimes(), Default::default());
            jail.set_env("TESSERA_REGISTRATION", "false");
            jail.set_env("TESSERA_ACCESS_TOKEN_TTL", "60");
            jail.set_env("TESSERA_SESSION_TTL", "600");
            let config = Config::load(None).map_err(|e| e.to_string())?;
            assert!(!config.registration);
            let lifetimes = config.lifetimes();
            assert_eq!((lifetimes.access_token, lifetimes.session), (60, 600));
            assert_eq!(lifetimes.id_token, 3600);
            assert_eq!(config.sentinel_policy(), Default::default());
            assert_eq!(config.password_policy(), Default::default());
            jail.set_env("TESSERA_SENTINEL_MAX_ATTEMPTS", "3");
            jail.set_env("TESSERA_SENTINEL_LOCKOUT_SECS", "5");
            jail.set_env("TESSERA_PASSWORD_MIN_LENGTH", "12");
            jail.set_env("TESSERA_PASSWORD_REJECT_WORDS", "acme, tessera,");
            let config = Config::load(None).map_err(|e| e.to_string())?;
            let sentinel = config.sentinel_policy();
            assert_eq!((sentinel.max_attempts, sentinel.lockout_secs), (3, 5));
            assert_eq!(sentinel.window_secs, 3600);
            let policy = config.password_policy();
            assert_eq!(policy.min_length, 12);
            assert_eq!(policy.reject_words, vec!["acme", "tessera"]);
            Ok(())
        });
    }

    #[test]
    fn an_explicit_missing_file_and_bad_values_are_errors() {
        Jail::expect_with(|jail| {
            assert!(matches!(
                Config::load(Some(Path::new("nope.toml"))),
                Err(ConfigError::MissingFile(_))
            ));
            jail.set_env("TESSERA_LOG_FORMAT", "xml");
            assert!(Config::load(None).is_err());
            Ok(())
        });
    }
}
