//! Headless Chromium through the MFA pages (docs/mfa.md#hosted-pages): under `Mandatory`
//! a user binds an authenticator app at sign-in (the QR code shows as an image, the secret
//! as text; the code is computed by the test's own HMAC-SHA-1), sees the backup codes
//! once, and reaches the client; the next sign-in asks for the app's code. Under a prompt
//! policy the onboarding question is answered both ways: set up, and "Not now". Each MFA
//! page passes axe without serious violations.

use super::{axe_source, browser_available, callback, Driver, PASSWORD};
use crate::common;
use crate::mfa::totp_now;
use common::{json, Backend, Deployment, Server};
use serde_json::json as j;
use std::time::Duration;

both_backends!(chromium_binds_totp_and_answers_the_onboarding,);

fn auth_url(server: &Server, client_id: &str, callback: &str) -> String {
    let mut auth = reqwest::Url::parse(&server.url("/oidc/auth")).expect("url");
    auth.query_pairs_mut()
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", callback)
        .append_pair("response_type", "code")
        .append_pair("scope", "openid")
        .append_pair("code_challenge", super::CHALLENGE)
        .append_pair("code_challenge_method", "S256");
    auth.into()
}

impl Driver {
    async fn text(&self, css: &str) -> String {
        let id = self.element(css).await;
        let v = self
            .call("GET", &format!("/element/{id}/text"), j!({}))
            .await;
        v.as_str().unwrap_or_default().to_owned()
    }

    async fn path(&self) -> String {
        let url = self.call("GET", "/url", j!({})).await;
        let url = reqwest::Url::parse(url.as_str().unwrap_or_default()).expect("page URL");
        url.path().to_owned()
    }

    /// Signs `username` in on the sign-in form at `auth`.
    async fn password_step(&self, auth: &str, username: &str) {
        self.call("POST", "/url", j!({ "url": auth })).await;
        self.type_into("#identifier", username).await;
        self.type_into("#password", PASSWORD).await;
        self.press("#submit").await;
    }

    async fn no_serious_violations(&self, axe: Option<&str>, page: &str) {
        if let Some(axe) = axe {
            let found = self.serious_violations(axe).await;
            assert!(found.is_empty(), "{page}: {found:#?}");
        }
    }
}

/// Waits for the client's redirect URI to be reached.
async fn landed(rx: &mut tokio::sync::mpsc::UnboundedReceiver<String>) -> String {
    tokio::time::timeout(Duration::from_secs(30), rx.recv())
        .await
        .expect("the browser reaches the redirect URI")
        .expect("callback request")
}

async fn chromium_binds_totp_and_answers_the_onboarding(backend: Backend) {
    if backend == Backend::Postgres || !browser_available(false) {
        return;
    }
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let axe = axe_source();
    let (callback, mut rx) = callback().await;
    let app = json(
        server
            .post_json(
                "/api/applications",
                &j!({"name": "MFA app", "type": "SPA",
                     "oidcClientMetadata": {"redirectUris": [callback], "postLogoutRedirectUris": []}}),
            )
            .await,
    )
    .await;
    let client_id = app["id"].as_str().expect("app id").to_owned();
    for name in ["mona", "nils", "otto"] {
        let r = server
            .post_json("/api/users", &j!({"username": name, "password": PASSWORD}))
            .await;
        assert_eq!(r.status(), 200);
    }
    let auth = auth_url(&server, &client_id, &callback);
    let mfa = |policy: &str| j!({"mfa": {"factors": ["Totp", "BackupCode"], "policy": policy}});
    let r = server
        .patch_json("/api/sign-in-exp", &mfa("Mandatory"))
        .await;
    assert_eq!(r.status(), 200);

    // Mandatory: bind the app at sign-in.
    let driver = Driver::start().await;
    driver.password_step(&auth, "mona").await;
    assert_eq!(driver.path().await, "/sign-in/mfa");
    let qr = driver.element("img[src^='data:image/svg+xml']").await;
    let shown = driver
        .call(
            "GET",
            &format!("/element/{qr}/property/naturalWidth"),
            j!({}),
        )
        .await;
    assert!(
        shown.as_u64().unwrap_or(0) > 0,
        "the QR code is drawn: {shown}"
    );
    driver.no_serious_violations(axe.as_deref(), "bind").await;
    let secret = driver.text("#secret").await;
    driver.type_into("#code", &totp_now(&secret)).await;
    driver.press("#submit").await;
    // The backup codes, once, with their download link.
    let codes = driver.text("#codes").await;
    assert_eq!(codes.lines().count(), 10, "{codes}");
    driver.element("#download[href^='data:text/plain']").await;
    driver
        .no_serious_violations(axe.as_deref(), "backup codes")
        .await;
    driver.press("#continue").await;
    let target = landed(&mut rx).await;
    assert!(target.contains("code="), "{target}");
    let _ = driver.call("DELETE", "", j!({})).await;

    // The next sign-in (a fresh browser) asks for the app's code, then lets mona in. The
    // code of the binding's step is spent, so the test waits for the next step.
    tokio::time::sleep(Duration::from_secs(31 - crate::mfa::now_unix() % 30)).await;
    let driver = Driver::start().await;
    driver.password_step(&auth, "mona").await;
    assert_eq!(driver.path().await, "/sign-in/mfa");
    driver.element("#use-other").await;
    driver.no_serious_violations(axe.as_deref(), "verify").await;
    driver.type_into("#code", &totp_now(&secret)).await;
    driver.press("#submit").await;
    let target = landed(&mut rx).await;
    assert!(target.contains("code="), "{target}");
    let _ = driver.call("DELETE", "", j!({})).await;

    // A prompt policy: the onboarding question, accepted by nils, declined by otto.
    let r = server
        .patch_json("/api/sign-in-exp", &mfa("PromptAtSignInAndSignUp"))
        .await;
    assert_eq!(r.status(), 200);
    let driver = Driver::start().await;
    driver.password_step(&auth, "nils").await;
    driver.element("#set-up").await;
    driver
        .no_serious_violations(axe.as_deref(), "onboarding")
        .await;
    driver.press("#set-up").await;
    let secret = driver.text("#secret").await;
    driver.element("#skip").await;
    driver.type_into("#code", &totp_now(&secret)).await;
    driver.press("#submit").await;
    driver.press("#continue").await;
    let target = landed(&mut rx).await;
    assert!(target.contains("code="), "{target}");
    let _ = driver.call("DELETE", "", j!({})).await;

    let driver = Driver::start().await;
    driver.password_step(&auth, "otto").await;
    driver.press("#skip").await;
    let target = landed(&mut rx).await;
    assert!(target.contains("code="), "{target}");
    let _ = driver.call("DELETE", "", j!({})).await;
    // Declined once: not asked again.
    let driver = Driver::start().await;
    driver.password_step(&auth, "otto").await;
    let target = landed(&mut rx).await;
    assert!(target.contains("code="), "{target}");
    let _ = driver.call("DELETE", "", j!({})).await;
    assert_eq!(deployment.count_events("MfaTotpBound").await, 2);
}
