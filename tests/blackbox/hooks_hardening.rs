//! Webhook holes of issue 12 (item 10), both backends:
//! - custom headers may not set framing or hop-by-hop headers (`Host`, `Content-Length`,
//!   `Transfer-Encoding`, `Connection`, …): refused at create and update with a 400 naming
//!   the header, and dropped at send time for hooks stored before the rule (a stored
//!   `content-length: 5` once truncated the delivered body);
//! - the URL checks and the test delivery answer one generic message whatever failed
//!   (private address, unresolvable name, refused connection), so the Management API is no
//!   oracle for the server's name resolution or network; the detail is in the server log.

use crate::common;
use crate::common::webhook_receiver;

use common::{Backend, Deployment, Server};
use serde_json::{json, Value};
use std::time::Duration;
use webhook_receiver::Receiver;

both_backends!(framing_headers_and_network_details_stay_out);

async fn answer(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn create(server: &Server, url: &str, headers: Value) -> (u16, Value) {
    answer(
        server
            .post_json(
                "/api/hooks",
                &json!({"name": "h", "events": ["User.Created"], "config": {"url": url, "headers": headers}}),
            )
            .await,
    )
    .await
}

async fn framing_headers_and_network_details_stay_out(backend: Backend) {
    use domain::hook::{HookCreated, HookEvent};
    use domain::{EventMetadata, Timestamp};
    use store::{AppendBatch, ExpectedVersion, Repository, SealPurpose, Store};

    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let receiver = Receiver::start(&[], 200).await;

    // Without TESSERA_WEBHOOK_ALLOW_PRIVATE: a private address and a name that does not
    // resolve get the same answer, naming neither address nor resolver.
    let server = deployment.start().await;
    let private = create(&server, "http://localhost:9/x", json!({})).await;
    let unresolvable = create(&server, "http://no-such-host.invalid/x", json!({})).await;
    assert_eq!(private.0, 400, "{private:?}");
    assert_eq!(private, unresolvable);
    let details = private.1["details"].as_str().unwrap_or_default().to_owned();
    assert!(details.starts_with("config.url"), "{details}");
    for leak in ["127.0.0.1", "::1", "resolve to", "private", "localhost"] {
        assert!(!details.contains(leak), "{leak:?} in {details}");
    }
    server
        .wait_for_log("hook URL refused", Duration::from_secs(5))
        .await;
    drop(server);

    let server = deployment
        .start_with(&[("TESSERA_WEBHOOK_ALLOW_PRIVATE", "true")])
        .await;
    // Reserved headers, any case, at create and at update.
    for name in [
        "Content-Length",
        "host",
        "Transfer-Encoding",
        "connection",
        "TE",
    ] {
        let (status, body) = create(&server, &receiver.url, json!({ name: "5" })).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("guard.invalid_input"))
        );
        let details = body["details"].as_str().unwrap_or_default();
        assert!(
            details.contains("config.headers") && details.contains(name),
            "{details}"
        );
    }
    let (status, hook) = create(&server, &receiver.url, json!({"x-fine": "1"})).await;
    assert_eq!(status, 201, "{hook}");
    let id = hook["id"].as_str().expect("hook id").to_owned();
    let (status, body) = answer(
        server
            .patch_json(
                &format!("/api/hooks/{id}"),
                &json!({"config": {"url": receiver.url, "headers": {"content-length": "5"}}}),
            )
            .await,
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("guard.invalid_input"))
    );

    // The test delivery: a refused connection is one generic message.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let (status, body) = answer(
        server
            .post_json(
                &format!("/api/hooks/{id}/test"),
                &json!({"events": ["User.Created"], "config": {"url": format!("http://localhost:{closed}/x")}}),
            )
            .await,
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str(), body["message"].as_str()),
        (
            422,
            Some("hook.send_test_payload_failed"),
            Some("Failed to send the test payload.")
        ),
        "{body}"
    );
    server
        .wait_for_log("test delivery failed", Duration::from_secs(5))
        .await;
    expect_deleted(&server, &id).await;
    drop(server);

    // A hook stored before the rule, with framing headers among its custom headers.
    let store = Store::connect(&store::StoreConfig {
        data_dir: deployment.data_dir(),
        database_url: deployment.database_url.clone(),
        kek: Some(store::testing::TEST_KEK.into()),
    })
    .await
    .expect("open the store");
    let hook_id = "framinghook";
    let headers = json!({"content-length": "5", "host": "evil.example", "x-kept": "yes"});
    let seal = |purpose, plain: &[u8]| store.seal(purpose, hook_id, plain).expect("seal");
    let created = HookEvent::HookCreated(HookCreated {
        name: "old".into(),
        events: vec!["User.Created".into()],
        url: receiver.url.clone(),
        sealed_headers: Some(seal(
            SealPurpose::HookHeaders,
            headers.to_string().as_bytes(),
        )),
        enabled: true,
        sealed_signing_key: seal(SealPurpose::HookSigningKey, "s".repeat(32).as_bytes()),
    });
    let metadata = EventMetadata::system(Timestamp::from_millis(1_700_000_000_000), "test");
    store
        .repository()
        .append(AppendBatch {
            streams: vec![Repository::stage::<domain::hook::Hook>(
                hook_id,
                ExpectedVersion::NoStream,
                &[created],
                &metadata,
            )],
        })
        .await
        .expect("append the hook");
    store.close().await;

    let server = deployment
        .start_with(&[("TESSERA_WEBHOOK_ALLOW_PRIVATE", "true")])
        .await;
    let r = server
        .post_json("/api/users", &json!({"username": "framed_fred"}))
        .await;
    assert_eq!(r.status(), 200);
    let got = receiver
        .wait_for("User.Created", 1, Duration::from_secs(10))
        .await;
    let delivered = &got[0];
    // The whole body arrived (wait_for parsed it as JSON), signed, framed by the client.
    delivered.assert_signed_with(&"s".repeat(32));
    assert_eq!(delivered.json()["data"]["username"], "framed_fred");
    assert_eq!(
        delivered.header("content-length"),
        delivered.body.len().to_string()
    );
    let host = delivered.header("host");
    assert!(
        receiver.url.contains(host),
        "host {host} for {}",
        receiver.url
    );
    assert_eq!(delivered.header("x-kept"), "yes");
}

async fn expect_deleted(server: &Server, id: &str) {
    let r = server.delete(&format!("/api/hooks/{id}")).await;
    assert_eq!(r.status(), 204);
}
