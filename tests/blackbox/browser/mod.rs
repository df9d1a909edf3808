//! A real browser signs in through the hosted page: headless Chromium (Debian's
//! `chromium`), driven by `chromedriver` over the W3C WebDriver protocol, opens
//! `/oidc/auth`, types into the sign-in form, submits it, and lands on the client's
//! redirect URI — a listener in this test — with a code, `state` and `iss`.
//!
//! WebDriver is spoken directly with reqwest (six JSON endpoints): it needs no new crate,
//! so nothing extra builds. Without `chromium`/`chromedriver` the test prints
//! `*** SKIPPED ***`, or fails when `CI` is set (`.ci/run` installs them).

mod code_pages;
mod device_flow;
mod languages;
mod mfa_pages;
mod two_apps;

use crate::common;

use common::{json, Backend, Deployment};
use serde_json::{json as j, Value};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const PASSWORD: &str = "correct horse battery staple";
/// RFC 7636 Appendix B.
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
/// W3C WebDriver's element reference key.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Kills chromedriver (and so its browser) when the test ends, however it ends.
struct Driver {
    child: Child,
    url: String,
    http: reqwest::Client,
    session: Option<String>,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    async fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let mut driver = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::new(),
            session: None,
        };
        for _ in 0..100 {
            if let Ok(r) = driver
                .http
                .get(format!("{}/status", driver.url))
                .send()
                .await
            {
                if r.status().is_success() {
                    break;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let caps = j!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": ["--headless", "--no-sandbox", "--disable-gpu",
                         "--disable-background-networking", "--disable-dev-shm-usage"],
            },
        }}});
        let created = driver.call("POST", "/session", caps).await;
        driver.session = Some(
            created["sessionId"]
                .as_str()
                .unwrap_or_else(|| panic!("no WebDriver session: {created}"))
                .to_owned(),
        );
        driver
    }

    /// One WebDriver command; returns its `value`.
    async fn call(&self, method: &str, path: &str, body: Value) -> Value {
        let url = match &self.session {
            Some(id) if path != "/session" => format!("{}/session/{id}{path}", self.url),
            _ => format!("{}{path}", self.url),
        };
        let request = match method {
            "POST" => self.http.post(&url).json(&body),
            "DELETE" => self.http.delete(&url),
            _ => self.http.get(&url),
        };
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
        let value = json(response).await;
        value["value"].clone()
    }

    async fn element(&self, css: &str) -> String {
        let found = self
            .call(
                "POST",
                "/element",
                j!({"using": "css selector", "value": css}),
            )
            .await;
        found[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}: {found}"))
            .to_owned()
    }

    async fn type_into(&self, css: &str, text: &str) {
        let id = self.element(css).await;
        self.call("POST", &format!("/element/{id}/value"), j!({"text": text}))
            .await;
    }
}

both_backends!(
    chromium_signs_in_through_the_hosted_page,
    every_page_passes_axe_without_serious_violations,
);

/// The screenshots' folder (`target/tmp/screenshots`), kept with the test run's files.
fn save_screenshot(png: &Value, name: &str) {
    use base64::Engine;
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot directory");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(png.as_str().expect("base64 PNG"))
        .expect("PNG");
    assert!(bytes.starts_with(b"\x89PNG"), "a PNG screenshot");
    std::fs::write(dir.join(name), bytes).expect("write the screenshot");
}

/// Where `.ci/run` puts axe-core (from npm); `TESSERA_AXE_JS` names another copy.
fn axe_source() -> Option<String> {
    let path = std::env::var("TESSERA_AXE_JS").unwrap_or_else(|_| {
        format!(
            "{}/.cache/tessera/axe-core-4.14.1/axe.min.js",
            std::env::var("HOME").unwrap_or_default()
        )
    });
    std::fs::read_to_string(path).ok()
}

/// Whether the browser tests can run here: without Chromium (or axe-core, when `needs_axe`)
/// they are skipped loudly, or fail under `CI`.
fn browser_available(needs_axe: bool) -> bool {
    let missing = !std::path::Path::new(CHROMIUM).exists()
        || !std::path::Path::new(CHROMEDRIVER).exists()
        || (needs_axe && axe_source().is_none());
    if missing {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium, chromedriver and axe-core are required in CI"
        );
        println!("*** SKIPPED *** (no {CHROMIUM}, {CHROMEDRIVER} or axe-core)");
    }
    !missing
}

impl Driver {
    /// Runs axe-core on the page the browser shows; the violations of impact `serious` or
    /// `critical`, as `(rule, impact, what failed)`.
    async fn serious_violations(&self, axe: &str) -> Vec<(String, String, String)> {
        self.call("POST", "/execute/sync", j!({"script": axe, "args": []}))
            .await;
        let found = self
            .call(
                "POST",
                "/execute/async",
                j!({"script": "const done = arguments[arguments.length - 1]; \
                    axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations.map(v => \
                    [v.id, v.impact, v.nodes.map(n => n.failureSummary + ' @ ' + n.html).join(' | ')])));",
                    "args": []}),
            )
            .await;
        found
            .as_array()
            .unwrap_or_else(|| panic!("axe did not run: {found}"))
            .iter()
            .map(|v| {
                let s = |i: usize| v[i].as_str().unwrap_or_default().to_owned();
                (s(0), s(1), s(2))
            })
            .filter(|(_, impact, _)| impact == "serious" || impact == "critical")
            .collect()
    }
}

async fn every_page_passes_axe_without_serious_violations(backend: Backend) {
    if backend == Backend::Postgres || !browser_available(true) {
        return;
    }
    let Some(axe) = axe_source() else {
        return;
    };
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let app = json(
        server
            .post_json(
                "/api/applications",
                &j!({"name": "Axe app", "type": "SPA",
                     "oidcClientMetadata": {"redirectUris": ["http://127.0.0.1:9/cb"], "postLogoutRedirectUris": []}}),
            )
            .await,
    )
    .await;
    let client_id = app["id"].as_str().expect("app id").to_owned();
    let mut auth = reqwest::Url::parse(&server.url("/oidc/auth")).expect("url");
    auth.query_pairs_mut()
        .append_pair("client_id", &client_id)
        .append_pair("redirect_uri", "http://127.0.0.1:9/cb")
        .append_pair("response_type", "code")
        .append_pair("scope", "openid")
        .append_pair("code_challenge", CHALLENGE)
        .append_pair("code_challenge_method", "S256");
    let driver = Driver::start().await;
    let mut checked = Vec::new();
    for (name, url) in [
        ("sign-in", auth.to_string()),
        ("register", server.url("/register")),
        ("sign-in again", server.url("/sign-in")),
        ("home", server.url("/")),
        (
            "error page",
            server.url("/oidc/auth?client_id=nobody&redirect_uri=x"),
        ),
    ] {
        driver.call("POST", "/url", j!({"url": url})).await;
        let violations = driver.serious_violations(&axe).await;
        assert!(violations.is_empty(), "{name}: {violations:#?}");
        checked.push(name);
    }
    // A page with an error message, in dark mode, is checked too.
    server
        .patch_json(
            "/api/sign-in-exp",
            &j!({"color": {"primaryColor": "#6139F6", "isDarkModeEnabled": true, "darkPrimaryColor": "#8C75FF"}}),
        )
        .await;
    driver
        .call("POST", "/url", j!({"url": server.url("/sign-in")}))
        .await;
    driver.type_into("#identifier", "nobody").await;
    driver.type_into("#password", "wrong password").await;
    let submit = driver.element("#submit").await;
    driver
        .call("POST", &format!("/element/{submit}/click"), j!({}))
        .await;
    let violations = driver.serious_violations(&axe).await;
    assert!(
        violations.is_empty(),
        "sign-in with an error: {violations:#?}"
    );
    assert_eq!(checked.len(), 5);
    let _ = driver.call("DELETE", "", j!({})).await;
}

async fn chromium_signs_in_through_the_hosted_page(backend: Backend) {
    // The page is the same on both backends (the OIDC tests cover both); one browser run
    // suffices.
    if backend == Backend::Postgres || !browser_available(false) {
        return;
    }
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;

    let (callback, mut rx) = callback().await;

    let app = json(
        server
            .post_json(
                "/api/applications",
                &j!({"name": "Browser app", "type": "SPA",
                     "oidcClientMetadata": {"redirectUris": [callback], "postLogoutRedirectUris": []}}),
            )
            .await,
    )
    .await;
    let client_id = app["id"].as_str().expect("app id").to_owned();
    // The page wears the sign-in experience's brand colour.
    let r = server
        .patch_json(
            "/api/sign-in-exp",
            &j!({"color": {"primaryColor": "#0A7B5F", "isDarkModeEnabled": false, "darkPrimaryColor": "#3FD6A8"}}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let created = server
        .post_json(
            "/api/users",
            &j!({"username": "grace", "primaryEmail": "grace@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(created.status(), 200);

    let mut auth = reqwest::Url::parse(&server.url("/oidc/auth")).expect("url");
    auth.query_pairs_mut()
        .append_pair("client_id", &client_id)
        .append_pair("redirect_uri", &callback)
        .append_pair("response_type", "code")
        .append_pair("scope", "openid profile email offline_access")
        .append_pair("prompt", "consent")
        .append_pair("state", "browser-state")
        .append_pair("code_challenge", CHALLENGE)
        .append_pair("code_challenge_method", "S256");

    let driver = Driver::start().await;
    driver
        .call("POST", "/url", j!({"url": auth.as_str()}))
        .await;
    let title = driver.call("GET", "/title", j!({})).await;
    assert_eq!(title, "Sign in", "the hosted sign-in page");
    let submit = driver.element("#submit").await;
    let colour = driver
        .call(
            "GET",
            &format!("/element/{submit}/css/background-color"),
            j!({}),
        )
        .await;
    assert_eq!(
        colour, "rgba(10, 123, 95, 1)",
        "the button in the brand colour"
    );
    // The page as a browser draws it, kept with the test run's files.
    let png = driver.call("GET", "/screenshot", j!({})).await;
    save_screenshot(&png, "sign-in.png");
    driver.type_into("#identifier", "grace@example.com").await;
    driver.type_into("#password", PASSWORD).await;
    let submit = driver.element("#submit").await;
    driver
        .call("POST", &format!("/element/{submit}/click"), j!({}))
        .await;

    let target = tokio::time::timeout(Duration::from_secs(30), rx.recv())
        .await
        .expect("the browser reaches the redirect URI")
        .expect("callback request");
    let landed = reqwest::Url::parse(&format!("http://127.0.0.1{target}")).expect("callback URL");
    assert_eq!(landed.path(), "/cb");
    let q: std::collections::HashMap<String, String> = landed.query_pairs().into_owned().collect();
    assert_eq!(q["state"], "browser-state");
    assert_eq!(q["iss"], server.url("/oidc"));
    let _ = driver.call("DELETE", "", j!({})).await;

    // The code the browser carried is good at the token endpoint.
    let r = reqwest::Client::new()
        .post(server.url("/oidc/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", client_id.as_str()),
            ("code", q["code"].as_str()),
            ("redirect_uri", callback.as_str()),
            ("code_verifier", VERIFIER),
        ])
        .send()
        .await
        .expect("token");
    let tokens = json(r).await;
    assert!(tokens["id_token"].is_string(), "{tokens}");
}

/// The client's redirect URI: a listener that reports each request target it gets.
pub(super) async fn callback() -> (String, tokio::sync::mpsc::UnboundedReceiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("listener");
    let url = format!("http://{}/cb", listener.local_addr().expect("address"));
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buf = vec![0u8; 8192];
            let n = socket.read(&mut buf).await.unwrap_or(0);
            let head = String::from_utf8_lossy(&buf[..n]).to_string();
            let target = head
                .split_whitespace()
                .nth(1)
                .unwrap_or_default()
                .to_owned();
            let _ = socket
                .write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-length: 9\r\nconnection: close\r\n\r\nsigned in",
                )
                .await;
            // Favicon requests and the like are not the redirect.
            if target.starts_with("/cb") {
                let _ = tx.send(target);
            }
        }
    });
    (url, rx)
}
