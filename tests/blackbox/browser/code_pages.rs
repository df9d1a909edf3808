//! The one-time code pages in headless Chromium (issue 14, items 2 and 5): sign in with a
//! code by email (the mail caught by a local SMTP server) and by SMS (a local HTTP
//! receiver), forgot password to the notice on `/sign-in`, registration by a verified
//! email through the profile step; axe-core with no serious or critical violation on each new page, its
//! error states included.

use super::{axe_source, browser_available, callback, Driver, CHALLENGE};
use crate::common::connectors::{
    self, add_sms_connector, add_smtp_connector, offer_codes, wait_for_sms, wrong_code,
};
use crate::common::smtp::SmtpReceiver;
use crate::common::webhook_receiver::Receiver;
use crate::common::{json, Backend, Deployment, Server};
use serde_json::json as j;
use std::time::Duration;
use tokio::sync::mpsc;

both_backends!(chromium_signs_in_with_codes_and_resets_a_password);

const OLD: &str = "Vintage-Harbor-Lamp-73";
const NEWER: &str = "Copper-Meadow-Kite-58";
const WAIT: Duration = Duration::from_secs(15);

impl Driver {
    pub(super) async fn visit(&self, url: &str) {
        self.call("POST", "/url", j!({"url": url})).await;
    }

    pub(super) async fn press(&self, css: &str) {
        let id = self.element(css).await;
        self.call("POST", &format!("/element/{id}/click"), j!({}))
            .await;
    }

    /// Waits (up to 10 s) until the page shows `needle`: a click's navigation may still be
    /// under way when the click returns.
    pub(super) async fn see(&self, needle: &str) {
        let mut text = String::new();
        for _ in 0..100 {
            let found = self
                .call(
                    "POST",
                    "/element",
                    j!({"using": "css selector", "value": "body"}),
                )
                .await;
            if let Some(body) = found[super::ELEMENT].as_str() {
                let got = self
                    .call("GET", &format!("/element/{body}/text"), j!({}))
                    .await;
                text = got.as_str().unwrap_or_default().to_owned();
                if text.contains(needle) {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the page never showed {needle:?}: {text}");
    }

    async fn axe_clean(&self, axe: &str, name: &str) {
        let violations = self.serious_violations(axe).await;
        assert!(violations.is_empty(), "{name}: {violations:#?}");
    }

    /// Forgets this browser's cookies: the next `/oidc/auth` shows the sign-in page.
    async fn forget(&self) {
        self.call("DELETE", "/cookie", j!({})).await;
    }
}

pub(super) fn auth(server: &Server, client: &str, callback: &str) -> String {
    let mut url = reqwest::Url::parse(&server.url("/oidc/auth")).expect("url");
    url.query_pairs_mut()
        .append_pair("client_id", client)
        .append_pair("redirect_uri", callback)
        .append_pair("response_type", "code")
        .append_pair("scope", "openid")
        .append_pair("code_challenge", CHALLENGE)
        .append_pair("code_challenge_method", "S256");
    url.into()
}

pub(super) async fn landed(rx: &mut mpsc::UnboundedReceiver<String>) -> String {
    tokio::time::timeout(Duration::from_secs(30), rx.recv())
        .await
        .expect("the browser reaches the redirect URI")
        .expect("callback request")
}

async fn chromium_signs_in_with_codes_and_resets_a_password(backend: Backend) {
    // The pages are the same on both backends (the HTTP test covers both).
    if backend == Backend::Postgres || !browser_available(true) {
        return;
    }
    let Some(axe) = axe_source() else {
        return;
    };
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let smtp = SmtpReceiver::start().await;
    let sms = Receiver::start(&[], 200).await;
    let server = deployment
        .start_with(&[connectors::ALLOW_PRIVATE, connectors::RESEND_AT_ONCE])
        .await;
    add_smtp_connector(&server, &smtp).await;
    add_sms_connector(&server, &sms).await;
    offer_codes(&server).await;
    let (cb, mut rx) = callback().await;
    let app = json(
        server
            .post_json(
                "/api/applications",
                &j!({"name": "Code app", "type": "SPA",
                     "oidcClientMetadata": {"redirectUris": [cb], "postLogoutRedirectUris": []}}),
            )
            .await,
    )
    .await;
    let client = app["id"].as_str().expect("app id").to_owned();
    let email = "ada@example.com";
    for user in [
        j!({"primaryEmail": email, "password": OLD}),
        j!({"primaryPhone": "+15550003333", "name": "Texter"}),
    ] {
        assert_eq!(server.post_json("/api/users", &user).await.status(), 200);
    }
    let driver = Driver::start().await;

    // By email: the link on the sign-in page, the address, a wrong code, the right one.
    driver.visit(&auth(&server, &client, &cb)).await;
    driver.see("Forgot password?").await;
    driver.axe_clean(&axe, "sign-in with its links").await;
    driver.press("a[href^='/sign-in/code?']").await;
    driver.see("Send code").await;
    driver.axe_clean(&axe, "code address").await;
    driver.type_into("#identifier", email).await;
    driver.press("#submit").await;
    let code = smtp.wait_for(email, WAIT).await.code(6).expect("a code");
    driver.see(&format!("sent to {email}")).await;
    driver.axe_clean(&axe, "code entry").await;
    driver.type_into("#code", &wrong_code(&code)).await;
    driver.press("#submit").await;
    driver.see("This code is not correct").await;
    driver.axe_clean(&axe, "code entry with an error").await;
    driver.type_into("#code", &code).await;
    driver.press("#submit").await;
    let target = landed(&mut rx).await;
    assert!(target.contains("code="), "{target}");

    // By SMS, with a resend first: the second code is the one that counts.
    driver.forget().await;
    driver.visit(&auth(&server, &client, &cb)).await;
    driver.press("a[href^='/sign-in/code?']").await;
    driver.see("Send code").await;
    driver.type_into("#identifier", "+15550003333").await;
    driver.press("#submit").await;
    wait_for_sms(&sms, "15550003333", WAIT).await;
    driver.see("Resend code").await;
    driver.press("#resend").await;
    let text = connectors::wait_for_sms_after(&sms, "15550003333", 1, WAIT).await;
    driver.see("Resend code").await;
    assert_eq!(text.usage, "SignIn");
    driver.type_into("#code", &text.code).await;
    driver.press("#submit").await;
    let target = landed(&mut rx).await;
    assert!(target.contains("code="), "{target}");

    // Forgot password: address, code, new password, the notice, then the new password.
    driver.forget().await;
    driver.visit(&auth(&server, &client, &cb)).await;
    driver.press("a[href^='/forgot-password?']").await;
    driver.see("we will send you a code").await;
    driver.axe_clean(&axe, "forgot password").await;
    driver.type_into("#identifier", email).await;
    driver.press("#submit").await;
    let code = smtp.wait_for(email, WAIT).await.code(6).expect("a code");
    driver.type_into("#code", &code).await;
    driver.press("#submit").await;
    driver.see("Confirm the new password").await;
    driver.axe_clean(&axe, "new password").await;
    driver.type_into("#password", OLD).await;
    driver.type_into("#confirm", OLD).await;
    driver.press("#submit").await;
    driver.see("the same as the current one").await;
    driver.axe_clean(&axe, "new password with an error").await;
    driver.type_into("#password", NEWER).await;
    driver.type_into("#confirm", NEWER).await;
    driver.press("#submit").await;
    driver.see("Your password has been changed").await;
    driver.axe_clean(&axe, "sign-in with the notice").await;
    driver.type_into("#identifier", email).await;
    driver.type_into("#password", NEWER).await;
    driver.press("#submit").await;
    let target = landed(&mut rx).await;
    assert!(target.contains("code="), "{target}");

    // Registration by a verified email, then the profile step: one input per field, a
    // required one left empty first, then the account.
    for field in [
        j!({"name": "team", "type": "Select", "label": "Team", "required": true,
            "config": {"options": [{"label": "Red", "value": "red"}, {"label": "Green", "value": "green"}]}}),
        j!({"name": "fullname", "type": "Fullname", "label": "Full name", "required": false,
            "config": {"parts": [{"key": "givenName", "enabled": true}, {"key": "familyName", "enabled": true}]}}),
        j!({"name": "birthdate", "type": "Date", "label": "Birthday", "required": false}),
        j!({"name": "newsletter", "type": "Checkbox", "label": "Send me news", "required": false}),
        j!({"name": "nickname", "type": "Text", "label": "Nickname", "required": true}),
    ] {
        let r = server.post_json("/api/custom-profile-fields", &field).await;
        assert_eq!(r.status(), 201, "{}", json(r).await);
    }
    driver.forget().await;
    driver.visit(&auth(&server, &client, &cb)).await;
    driver.press("a[href^='/register?']").await;
    driver.see("Create your account with your email").await;
    driver.press("a[href^='/register/code?']").await;
    driver.see("Send code").await;
    driver.axe_clean(&axe, "register with a code").await;
    let profiled = "profiled@example.com";
    driver.type_into("#identifier", profiled).await;
    driver.type_into("#password", NEWER).await;
    driver.press("#submit").await;
    let code = smtp.wait_for(profiled, WAIT).await.code(6).expect("a code");
    driver.see(&format!("sent to {profiled}")).await;
    driver.type_into("#code", &code).await;
    driver.press("#submit").await;
    driver.see("Tell us about yourself").await;
    // The full name's parts by their phrases, not their keys.
    driver.see("Given name").await;
    driver.see("Family name").await;
    driver.axe_clean(&axe, "profile step").await;
    // The browser would refuse an empty required input: fill the select only, and drop
    // the `required` attributes to see the server's own refusal.
    driver
        .call(
            "POST",
            "/execute/sync",
            j!({"script": "document.querySelectorAll('[required]').forEach(e => e.removeAttribute('required'));", "args": []}),
        )
        .await;
    driver.press("#submit").await;
    driver.see("Fill in every field marked required").await;
    driver.axe_clean(&axe, "profile step with an error").await;
    let team = driver.element("#f-team").await;
    driver
        .call(
            "POST",
            &format!("/element/{team}/value"),
            j!({"text": "Green"}),
        )
        .await;
    driver.type_into("#f-nickname", "Prof").await;
    driver.type_into("#f-fullname-givenName", "Pro").await;
    driver.press("#f-newsletter").await;
    driver.press("#submit").await;
    let target = landed(&mut rx).await;
    assert!(target.contains("code="), "{target}");
    let users = json(server.get("/api/users?search=%25profiled%25").await).await;
    assert_eq!(users[0]["primaryEmail"], profiled, "{users}");
    let text = users.to_string();
    assert!(text.contains("green") && text.contains("Prof"), "{users}");
    let _ = driver.call("DELETE", "", j!({})).await;
}
