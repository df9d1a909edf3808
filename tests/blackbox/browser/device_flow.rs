//! The device flow in a real browser (issue 16, item 1): a client polls the token endpoint
//! from a task of its own while headless Chromium opens `verification_uri_complete`,
//! submits the prefilled code, signs in on the hosted form, and approves; the client's
//! polling then ends with tokens. The device pages pass axe on the way.

use super::{axe_source, browser_available, Driver};
use crate::common::{json, Backend, Deployment};
use serde_json::{json as j, Value};
use std::time::Duration;

// The pages are the same on both backends (`oidc_device.rs` covers both over HTTP).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_approves_a_polling_device_sqlite() {
    chromium_approves_a_polling_device(Backend::Sqlite).await
}

async fn chromium_approves_a_polling_device(backend: Backend) {
    if !browser_available(true) {
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
                &j!({"name": "Kitchen Radio", "type": "Native",
                     "oidcClientMetadata": {"redirectUris": [], "postLogoutRedirectUris": []},
                     "customClientMetadata": {"isDeviceFlow": true}}),
            )
            .await,
    )
    .await;
    let client_id = app["id"].as_str().expect("app id").to_owned();
    let password = "Maple-Quarry-Violet-41";
    let user = j!({"username": "listener", "password": password});
    assert_eq!(server.post_json("/api/users", &user).await.status(), 200);

    let started = json(
        reqwest::Client::new()
            .post(server.url("/oidc/device/auth"))
            .form(&[
                ("client_id", client_id.as_str()),
                ("scope", "openid profile"),
            ])
            .send()
            .await
            .expect("device auth"),
    )
    .await;
    let device_code = started["device_code"]
        .as_str()
        .expect("device_code")
        .to_owned();
    let interval = started["interval"].as_u64().expect("interval");

    // The device: polls at once, then at its interval (longer when told to slow down),
    // until an answer other than pending. The browser starts after its first answer.
    let token_url = server.url("/oidc/token");
    let (first_tx, first_rx) = tokio::sync::oneshot::channel::<()>();
    let polling = tokio::spawn({
        let client_id = client_id.clone();
        async move {
            let http = reqwest::Client::new();
            let mut wait = interval;
            let mut pending = 0;
            let mut first = Some(first_tx);
            loop {
                let r = http
                    .post(&token_url)
                    .form(&[
                        ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                        ("client_id", client_id.as_str()),
                        ("device_code", device_code.as_str()),
                    ])
                    .send()
                    .await
                    .expect("poll");
                let body: Value = r.json().await.expect("json");
                match body["error"].as_str() {
                    Some("authorization_pending") => pending += 1,
                    Some("slow_down") => wait += 5,
                    _ => return (body, pending),
                }
                if let Some(tx) = first.take() {
                    let _ = tx.send(());
                }
                tokio::time::sleep(Duration::from_secs(wait)).await;
            }
        }
    });

    first_rx.await.expect("the device polled");
    let driver = Driver::start().await;
    driver
        .visit(started["verification_uri_complete"].as_str().expect("uri"))
        .await;
    driver.see("Enter the code shown on your device").await;
    let violations = driver.serious_violations(&axe).await;
    assert!(violations.is_empty(), "/device: {violations:#?}");
    driver.press("#submit").await;
    driver.see("Kitchen Radio").await;
    driver.type_into("#identifier", "listener").await;
    driver.type_into("#password", password).await;
    driver.press("#submit").await;
    driver.see("Connect this device?").await;
    let violations = driver.serious_violations(&axe).await;
    assert!(violations.is_empty(), "/device/confirm: {violations:#?}");
    driver.press("#approve").await;
    driver.see("Device connected").await;
    let _ = driver.call("DELETE", "", j!({})).await;

    let (tokens, pending) = tokio::time::timeout(Duration::from_secs(60), polling)
        .await
        .expect("the device gets an answer")
        .expect("the polling task");
    assert!(tokens["access_token"].is_string(), "{tokens}");
    assert!(tokens["id_token"].is_string(), "{tokens}");
    assert!(pending >= 1, "the device polled while the user signed in");
}
