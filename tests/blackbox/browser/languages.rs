//! The hosted pages in a real browser, in three languages and in dark mode: screenshots
//! under `target/tmp/screenshots/` (`sign-in-en.png`, `sign-in-fr.png`, `sign-in-ja.png`,
//! `sign-in-dark.png`, `consent-fr.png`, `logout-fr.png`), and axe-core with no serious or
//! critical violation on each of them, the consent page and both end-session pages
//! included.

use super::{axe_source, browser_available, save_screenshot, Driver, CHALLENGE, PASSWORD};
use crate::common::{json, Backend, Deployment, Server};
use serde_json::json as j;

both_backends!(the_pages_in_three_languages_and_dark_mode_pass_axe);

/// `/oidc/auth` of `client` asking for `ui_locales`.
fn auth(server: &Server, client: &str, ui_locales: &str) -> String {
    let mut url = reqwest::Url::parse(&server.url("/oidc/auth")).expect("url");
    url.query_pairs_mut()
        .append_pair("client_id", client)
        .append_pair("redirect_uri", "http://127.0.0.1:9/cb")
        .append_pair("response_type", "code")
        .append_pair("scope", "openid profile email")
        .append_pair("prompt", "consent")
        .append_pair("ui_locales", ui_locales)
        .append_pair("code_challenge", CHALLENGE)
        .append_pair("code_challenge_method", "S256");
    url.into()
}

impl Driver {
    async fn open(&self, url: &str) {
        self.call("POST", "/url", j!({"url": url})).await;
    }

    async fn title(&self) -> String {
        let title = self.call("GET", "/title", j!({})).await;
        title.as_str().unwrap_or_default().to_owned()
    }

    /// The title once it is `expected`, or the last one seen after 10 s: a click on a
    /// submit button returns before the browser has loaded the next page.
    async fn title_becoming(&self, expected: &str) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let title = self.title().await;
            if title == expected || std::time::Instant::now() >= deadline {
                return title;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }

    async fn click(&self, css: &str) {
        let id = self.element(css).await;
        self.call("POST", &format!("/element/{id}/click"), j!({}))
            .await;
    }

    /// Axe on the page shown, and its screenshot when `png` names one.
    async fn check(&self, axe: &str, name: &str, png: Option<&str>) {
        let violations = self.serious_violations(axe).await;
        assert!(violations.is_empty(), "{name}: {violations:#?}");
        if let Some(png) = png {
            let shot = self.call("GET", "/screenshot", j!({})).await;
            save_screenshot(&shot, png);
        }
    }
}

async fn the_pages_in_three_languages_and_dark_mode_pass_axe(backend: Backend) {
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
    // A third-party application, so that the consent page shows.
    let app = json(
        server
            .post_json(
                "/api/applications",
                &j!({"name": "Acme Reader", "type": "Traditional", "isThirdParty": true,
                     "oidcClientMetadata": {"redirectUris": ["http://127.0.0.1:9/cb"], "postLogoutRedirectUris": []}}),
            )
            .await,
    )
    .await;
    let client = app["id"].as_str().expect("app id").to_owned();
    let created = server
        .post_json(
            "/api/users",
            &j!({"username": "grace", "password": PASSWORD}),
        )
        .await;
    assert_eq!(created.status(), 200);

    let driver = Driver::start().await;
    for (lang, title) in [("en", "Sign in"), ("fr", "Connexion"), ("ja", "サインイン")] {
        driver.open(&auth(&server, &client, lang)).await;
        assert_eq!(driver.title().await, title, "{lang}");
        let png = format!("sign-in-{lang}.png");
        driver.check(&axe, &png, Some(&png)).await;
    }

    // Dark mode as the browser asks for it (`prefers-color-scheme: dark`).
    let r = server
        .patch_json(
            "/api/sign-in-exp",
            &j!({"color": {"primaryColor": "#6139F6", "isDarkModeEnabled": true, "darkPrimaryColor": "#8C75FF"}}),
        )
        .await;
    assert_eq!(r.status(), 200);
    driver
        .call(
            "POST",
            "/goog/cdp/execute",
            j!({"cmd": "Emulation.setEmulatedMedia",
                "params": {"features": [{"name": "prefers-color-scheme", "value": "dark"}]}}),
        )
        .await;
    driver.open(&auth(&server, &client, "en")).await;
    let body = driver.element("body").await;
    let background = driver
        .call(
            "GET",
            &format!("/element/{body}/css/background-color"),
            j!({}),
        )
        .await;
    assert_eq!(background, "rgba(27, 27, 31, 1)", "the dark page colours");
    driver
        .check(&axe, "sign-in in dark mode", Some("sign-in-dark.png"))
        .await;

    // Signed in (in French), the consent page, then both end-session pages.
    driver.open(&auth(&server, &client, "fr")).await;
    driver.type_into("#identifier", "grace").await;
    driver.type_into("#password", PASSWORD).await;
    driver.click("#submit").await;
    assert_eq!(
        driver.title_becoming("Autoriser l'accès ?").await,
        "Autoriser l'accès ?",
        "the consent page"
    );
    // The scopes asked for, in French, with what each gives.
    let source = driver.call("GET", "/source", j!({})).await;
    let source = source.as_str().unwrap_or_default();
    for scope in [
        "<li>Votre identité<br><small>Savoir avec quel compte",
        "<li>Votre profil<br>",
        "<li>Votre adresse e-mail<br>",
    ] {
        assert!(source.contains(scope), "{scope}: {source}");
    }
    driver.check(&axe, "consent", Some("consent-fr.png")).await;
    driver
        .open(&server.url("/oidc/session/end?ui_locales=fr"))
        .await;
    assert_eq!(driver.title().await, "Se déconnecter ?", "the confirmation");
    driver
        .check(&axe, "end session", Some("logout-fr.png"))
        .await;
    driver.click("#logout").await;
    assert_eq!(
        driver.title_becoming("Vous êtes déconnecté").await,
        "Vous êtes déconnecté"
    );
    driver.check(&axe, "signed out", None).await;
    let _ = driver.call("DELETE", "", j!({})).await;
}
