//! Black-box test helper: runs the real `tessera` binary on a free port with a temporary
//! data directory (and, for Postgres, a fresh database), and talks to it over HTTP.
//!
//! The server is started with `TESSERA_BIND=127.0.0.1:0`; the port comes from the line it
//! prints (`Tessera listening on http://…`), so there is no race for a "free" port. Its
//! logs go to `server.log` in the data directory and are shown when startup fails. A
//! [`Server`] is killed when dropped.
//!
//! Management API access: every command gets `TESSERA_BOOTSTRAP_M2M_ID`/`_SECRET`
//! ([`ADMIN_ID`], [`ADMIN_SECRET`]), so the server ensures that M2M application at start.
//! [`Deployment::start`] then obtains a token by client credentials and `Server::client`
//! sends it on every request (`Server::anonymous` sends none). A server started with those
//! variables emptied generates its own application; the helper then reads the credentials
//! from `<data dir>/bootstrap-m2m.json`.

pub mod connectors;
pub mod flow;
pub mod interaction;
pub mod smtp;
pub mod users_flow;
pub mod webhook_receiver;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use tempfile::TempDir;

pub const BIN: &str = env!("CARGO_BIN_EXE_tessera");
/// The bootstrap M2M application every test deployment is configured with.
pub const ADMIN_ID: &str = "test-admin";
pub const ADMIN_SECRET: &str = "test-admin-secret-0123456789abcdefghijklmnop";
/// Logto's Management API resource indicator.
pub const MANAGEMENT_API: &str = "https://default.logto.app/api";

/// The local RabbitMQ, shared by every module that talks to it (one process runs them all).
/// Read side: ordinary tests. Write side: tests that cut the broker's connections
/// (`rabbitmqctl close_all_connections`), so a disruption never lands in another test.
pub static BROKER: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs an async scenario once per backend: `both_backends!(name);` expands to
/// `mod name { #[tokio::test] async fn sqlite() … async fn postgres() … }` calling
/// `name(Backend)`.
macro_rules! both_backends {
    ($($scenario:ident),* $(,)?) => {$(
        mod $scenario {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$scenario(crate::common::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$scenario(crate::common::Backend::Postgres).await
            }
        }
    )*};
}

/// Where one deployment keeps its data: a temporary directory, plus a fresh Postgres
/// database for the Postgres backend. Servers and CLI commands started from the same
/// `Deployment` share the data.
pub struct Deployment {
    pub dir: TempDir,
    pub database_url: Option<String>,
}

impl Deployment {
    /// Events of `event_type` in the deployment's log (read straight from its database).
    pub async fn count_events(&self, event_type: &str) -> i64 {
        sqlx::any::install_default_drivers();
        let url = match &self.database_url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}?mode=ro",
                self.data_dir().join("tessera.db").display()
            ),
        };
        let pool = sqlx::AnyPool::connect(&url).await.expect("open the log");
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events WHERE event_type = $1")
            .bind(event_type)
            .fetch_one(&pool)
            .await
            .expect("count events");
        pool.close().await;
        n
    }

    /// The stored payloads (as text) of the events on streams of `stream_type`.
    pub async fn event_payloads(&self, stream_type: &str) -> Vec<String> {
        sqlx::any::install_default_drivers();
        let url = match &self.database_url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}?mode=ro",
                self.data_dir().join("tessera.db").display()
            ),
        };
        let pool = sqlx::AnyPool::connect(&url).await.expect("open the log");
        let rows: Vec<String> =
            sqlx::query_scalar("SELECT CAST(payload AS TEXT) FROM events WHERE stream_type = $1")
                .bind(stream_type)
                .fetch_all(&pool)
                .await
                .expect("read payloads");
        pool.close().await;
        rows
    }

    /// `None` when the backend is Postgres and no server is reachable outside CI (the
    /// store's test support prints a loud SKIPPED line; under `CI` it panics instead).
    pub async fn new(backend: Backend) -> Option<Self> {
        let database_url = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(store::testing::fresh_postgres_url().await?),
        };
        let dir = tempfile::Builder::new()
            .prefix("tessera-test-")
            .tempdir()
            .expect("create a temporary data directory");
        Some(Self { dir, database_url })
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// A `tessera` command wired to this deployment's data (and nothing from the caller's
    /// environment that could redirect it).
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(BIN);
        for key in [
            "TESSERA_CONFIG",
            "TESSERA_BIND",
            "TESSERA_ENDPOINT",
            "TESSERA_DATABASE_URL",
            "TESSERA_AMQP_URL",
            "TESSERA_AMQP_CA_FILE",
            "TESSERA_LOG",
            "TESSERA_LOG_FORMAT",
        ] {
            cmd.env_remove(key);
        }
        cmd.current_dir(self.dir.path())
            .env("TESSERA_DATA_DIR", self.data_dir())
            .env("TESSERA_KEK", store::testing::TEST_KEK)
            .env("TESSERA_BOOTSTRAP_M2M_ID", ADMIN_ID)
            .env("TESSERA_BOOTSTRAP_M2M_SECRET", ADMIN_SECRET)
            .env("RUST_LOG", "info");
        if let Some(url) = &self.database_url {
            cmd.env("TESSERA_DATABASE_URL", url);
        }
        cmd
    }

    /// Runs a CLI command to completion: (success, stdout, stderr).
    pub fn run(&self, args: &[&str]) -> (bool, String, String) {
        let out = self
            .command()
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run tessera");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Starts `tessera serve` and waits until `/api/status` answers.
    pub async fn start(&self) -> Server {
        self.start_with(&[]).await
    }

    /// [`Deployment::start`] with extra environment variables.
    pub async fn start_with(&self, env: &[(&str, &str)]) -> Server {
        let log_path = self.dir.path().join("server.log");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .expect("open server.log");
        let mut child = self
            .command()
            .arg("serve")
            .env("TESSERA_BIND", "127.0.0.1:0")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("spawn tessera serve");

        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            // Report the listening line, then keep draining so the child never blocks.
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("Tessera listening on ") {
                    let _ = tx.send(url.trim().to_owned());
                }
            }
        });
        let mut server = Server {
            child,
            url: String::new(),
            log_path,
            client: reqwest::Client::new(),
            anonymous: reqwest::Client::new(),
            token: String::new(),
        };
        match rx.recv_timeout(Duration::from_secs(90)) {
            Ok(url) => server.url = url,
            Err(_) => panic!(
                "tessera serve printed no URL within 90 s; its log:\n{}",
                server.log()
            ),
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            match server.client.get(server.url("/api/status")).send().await {
                Ok(r) if r.status() == 204 => break,
                _ if Instant::now() > deadline => {
                    panic!("/api/status never answered 204; log:\n{}", server.log())
                }
                _ => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
        let (id, secret) = self.admin_credentials();
        server.token = server.management_token(&id, &secret).await;
        let mut headers = reqwest::header::HeaderMap::new();
        let value = format!("Bearer {}", server.token);
        headers.insert(
            reqwest::header::AUTHORIZATION,
            value.parse().expect("a token is a valid header value"),
        );
        server.client = reqwest::Client::builder()
            .default_headers(headers)
            .build()
            .expect("build the authorized client");
        server
    }

    /// The configured bootstrap credentials, or the generated ones from the data directory.
    pub fn admin_credentials(&self) -> (String, String) {
        let file = self.data_dir().join("bootstrap-m2m.json");
        match std::fs::read_to_string(&file) {
            Ok(text) => {
                let v: serde_json::Value = serde_json::from_str(&text).expect("credentials JSON");
                (
                    v["clientId"].as_str().expect("clientId").to_owned(),
                    v["clientSecret"].as_str().expect("clientSecret").to_owned(),
                )
            }
            Err(_) => (ADMIN_ID.to_owned(), ADMIN_SECRET.to_owned()),
        }
    }
}

pub struct Server {
    child: Child,
    /// `http://127.0.0.1:<port>`
    pub url: String,
    log_path: PathBuf,
    /// Sends the Management API token on every request.
    pub client: reqwest::Client,
    /// Sends no credentials.
    pub anonymous: reqwest::Client,
    /// The Management API access token `client` sends.
    pub token: String,
}

impl Server {
    /// The server process's id (to read its `/proc` entries).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// Waits until the server's log contains `needle`; fails the test after `within`.
    pub async fn wait_for_log(&self, needle: &str, within: Duration) {
        let deadline = Instant::now() + within;
        while !self.log().contains(needle) {
            assert!(
                Instant::now() < deadline,
                "{needle:?} never appeared in the log:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// `POST /oidc/token` with a form body and optional Basic credentials.
    pub async fn token_request(
        &self,
        basic: Option<(&str, &str)>,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut request = self.anonymous.post(self.url("/oidc/token")).form(form);
        if let Some((id, secret)) = basic {
            request = request.basic_auth(id, Some(secret));
        }
        request
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST /oidc/token: {e}"))
    }

    /// A Management API token for `id` by client credentials (scope `all`).
    pub async fn management_token(&self, id: &str, secret: &str) -> String {
        let form = [
            ("grant_type", "client_credentials"),
            ("resource", MANAGEMENT_API),
            ("scope", "all"),
        ];
        let response = self.token_request(Some((id, secret)), &form).await;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        assert_eq!(
            status,
            200,
            "management token: {text}\nlog:\n{}",
            self.log()
        );
        let body: serde_json::Value = serde_json::from_str(&text).expect("token JSON");
        body["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    /// `GET` without credentials.
    pub async fn get_anonymous(&self, path: &str) -> reqwest::Response {
        self.anonymous
            .get(self.url(path))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {path}: {e}"))
    }

    pub async fn patch_json(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.client
            .patch(self.url(path))
            .json(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("PATCH {path}: {e}"))
    }

    pub async fn put_json(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.client
            .put(self.url(path))
            .json(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("PUT {path}: {e}"))
    }

    pub async fn delete(&self, path: &str) -> reqwest::Response {
        self.client
            .delete(self.url(path))
            .send()
            .await
            .unwrap_or_else(|e| panic!("DELETE {path}: {e}"))
    }

    pub async fn post_raw(&self, path: &str, body: &'static str) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {path}: {e}"))
    }

    /// Sends SIGTERM and waits (at most `bound`) for the process to exit. Returns the exit
    /// status and how long it took.
    pub fn terminate(mut self, bound: Duration) -> (ExitStatus, Duration) {
        let started = Instant::now();
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -TERM failed");
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for tessera") {
                return (status, started.elapsed());
            }
            if started.elapsed() > bound {
                let _ = self.child.kill();
                panic!(
                    "tessera did not exit within {bound:?} of SIGTERM; log:\n{}",
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Reads a JSON body, failing with the status and text when it is not JSON.
pub async fn json(response: reqwest::Response) -> serde_json::Value {
    let status = response.status();
    let text = response.text().await.expect("read body");
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{status}: body is not JSON ({e}): {text}"))
}
