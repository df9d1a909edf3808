//! Black-box test helper: runs the real `tessera` binary on a free port with a temporary
//! data directory (and, for Postgres, a fresh database), and talks to it over HTTP.
//!
//! The server is started with `TESSERA_BIND=127.0.0.1:0`; the port comes from the line it
//! prints (`Tessera listening on http://…`), so there is no race for a "free" port. Its
//! logs go to `server.log` in the data directory and are shown when startup fails. A
//! [`Server`] is killed when dropped.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use tempfile::TempDir;

pub const BIN: &str = env!("CARGO_BIN_EXE_tessera");

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
    pub backend: Backend,
    pub dir: TempDir,
    pub database_url: Option<String>,
}

impl Deployment {
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
        Some(Self {
            backend,
            dir,
            database_url,
        })
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
            "TESSERA_LOG",
            "TESSERA_LOG_FORMAT",
        ] {
            cmd.env_remove(key);
        }
        cmd.current_dir(self.dir.path())
            .env("TESSERA_DATA_DIR", self.data_dir())
            .env("TESSERA_KEK", store::testing::TEST_KEK)
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
        server
    }
}

pub struct Server {
    child: Child,
    /// `http://127.0.0.1:<port>`
    pub url: String,
    log_path: PathBuf,
    pub client: reqwest::Client,
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
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
