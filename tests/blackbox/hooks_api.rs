//! `/api/hooks` black-box tests on both backends: CRUD in Logto's shape, signing-key
//! rotation, the synchronous test delivery (2xx → 204, receiver error → 422 with data,
//! unreachable → 422), validation naming the field, the SSRF refusal of private addresses
//! without `TESSERA_WEBHOOK_ALLOW_PRIVATE`, and `recent-logs`.

use crate::common;
use crate::common::webhook_receiver;

use common::{json, Backend, Deployment, Server};
use serde_json::{json, Value};
use std::time::Duration;
use webhook_receiver::Receiver;

both_backends!(
    hook_crud_rotation_and_test_delivery,
    private_addresses_are_refused_without_the_allow_flag,
    recent_logs_show_deliveries_with_pagination,
);

const ALLOW_PRIVATE: (&str, &str) = ("TESSERA_WEBHOOK_ALLOW_PRIVATE", "true");

async fn expect(response: reqwest::Response, status: u16) -> Value {
    let got = response.status().as_u16();
    let body = response.text().await.unwrap_or_default();
    assert_eq!(got, status, "body: {body}");
    serde_json::from_str(&body).unwrap_or(Value::Null)
}

async fn create_hook(server: &Server, events: &[&str], url: &str) -> Value {
    expect(
        server
            .post_json(
                "/api/hooks",
                &json!({"name": "audit sink", "events": events, "config": {"url": url}}),
            )
            .await,
        201,
    )
    .await
}

/// The stored payloads of every `hook` event, read straight from the database.
async fn hook_payloads(deployment: &Deployment) -> Vec<String> {
    sqlx::any::install_default_drivers();
    let (url, sql) = match &deployment.database_url {
        Some(url) => (
            url.clone(),
            "SELECT payload::text FROM events WHERE stream_type = 'hook'",
        ),
        None => (
            format!(
                "sqlite://{}",
                deployment.data_dir().join("tessera.db").display()
            ),
            "SELECT payload FROM events WHERE stream_type = 'hook'",
        ),
    };
    let pool = sqlx::AnyPool::connect(&url)
        .await
        .expect("open the database");
    let rows: Vec<(String,)> = sqlx::query_as(sql)
        .fetch_all(&pool)
        .await
        .expect("read hook events");
    pool.close().await;
    rows.into_iter().map(|(p,)| p).collect()
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("{key} in {v}"))
}

async fn hook_crud_rotation_and_test_delivery(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start_with(&[ALLOW_PRIVATE]).await;
    let ok = Receiver::start(&[], 200).await;

    let hook = create_hook(&server, &["User.Created", "User.Created"], &ok.url).await;
    let id = str_of(&hook, "id").to_owned();
    let key = str_of(&hook, "signingKey").to_owned();
    assert_eq!(key.len(), 32, "{hook}");
    assert_eq!(hook["events"], json!(["User.Created"]), "deduplicated");
    assert_eq!(hook["event"], Value::Null);
    assert_eq!(hook["enabled"], true);
    assert_eq!(hook["config"]["url"], ok.url.as_str());
    assert!(hook["createdAt"].as_i64().is_some());

    let listed = json(server.get("/api/hooks").await).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    assert_eq!(listed[0]["signingKey"], key.as_str());
    let got = json(
        server
            .get(&format!("/api/hooks/{id}?includeExecutionStats=true"))
            .await,
    )
    .await;
    assert_eq!(
        got["executionStats"],
        json!({"successCount": 0, "requestCount": 0})
    );

    let patched = expect(
        server
            .patch_json(
                &format!("/api/hooks/{id}"),
                &json!({"name": "renamed", "events": ["User.Created", "Role.Created"],
                        "config": {"url": ok.url, "headers": {"x-tenant": "secret-t1"}}}),
            )
            .await,
        200,
    )
    .await;
    assert_eq!(patched["name"], "renamed");
    assert_eq!(patched["events"], json!(["User.Created", "Role.Created"]));
    assert_eq!(
        patched["config"]["headers"],
        json!({"x-tenant": "secret-t1"})
    );
    assert_eq!(patched["signingKey"], key.as_str(), "a PATCH keeps the key");

    // Invariant 7: the key and the header values never rest in plain text in the log.
    let stored = hook_payloads(&deployment).await;
    assert!(!stored.is_empty());
    for payload in &stored {
        assert!(!payload.contains(&key), "signing key in the log: {payload}");
        assert!(
            !payload.contains("secret-t1"),
            "header value in the log: {payload}"
        );
    }

    let rotated = expect(
        server
            .patch_json(&format!("/api/hooks/{id}/signing-key"), &json!({}))
            .await,
        200,
    )
    .await;
    let new_key = str_of(&rotated, "signingKey").to_owned();
    assert_eq!(new_key.len(), 32);
    assert_ne!(new_key, key);

    // Test delivery: signed with the current key, sent to the config in the body.
    expect(
        server
            .post_json(
                &format!("/api/hooks/{id}/test"),
                &json!({"events": ["PostSignIn", "User.Created"],
                        "config": {"url": ok.url, "headers": {"x-test": "1"}}}),
            )
            .await,
        204,
    )
    .await;
    let sample = ok.wait_for("PostSignIn", 1, Duration::from_secs(5)).await;
    sample[0].assert_signed_with(&new_key);
    assert_eq!(sample[0].header("x-test"), "1");
    assert_eq!(sample[0].json()["hookId"], id.as_str());
    ok.wait_for("User.Created", 1, Duration::from_secs(5)).await;

    let failing = Receiver::start(&[], 500).await;
    let err = expect(
        server
            .post_json(
                &format!("/api/hooks/{id}/test"),
                &json!({"events": ["User.Created"], "config": {"url": failing.url}}),
            )
            .await,
        422,
    )
    .await;
    assert_eq!(err["code"], "hook.endpoint_responded_with_error", "{err}");
    assert_eq!(err["data"]["responseStatus"], 500);
    assert_eq!(err["data"]["responseBody"], "receiver says 500");

    // A port nobody listens on: the request itself fails.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let err = expect(
        server
            .post_json(
                &format!("/api/hooks/{id}/test"),
                &json!({"events": ["User.Created"], "config": {"url": format!("http://127.0.0.1:{closed}/x")}}),
            )
            .await,
        422,
    )
    .await;
    assert_eq!(err["code"], "hook.send_test_payload_failed", "{err}");

    // Client mistakes name the field.
    let bad = expect(
        server
            .post_json(
                "/api/hooks",
                &json!({"events": ["User.Created"], "config": {}}),
            )
            .await,
        400,
    )
    .await;
    assert!(str_of(&bad, "details").contains("config.url"), "{bad}");
    let bad = expect(
        server
            .post_json(
                "/api/hooks",
                &json!({"events": ["User.Nope"], "config": {"url": ok.url}}),
            )
            .await,
        400,
    )
    .await;
    assert!(str_of(&bad, "details").contains("events"), "{bad}");
    let bad = expect(
        server
            .post_json(
                "/api/hooks",
                &json!({"events": ["User.Created"], "config": {"url": "ftp://example.com/"}}),
            )
            .await,
        400,
    )
    .await;
    assert!(str_of(&bad, "details").contains("config.url"), "{bad}");

    expect(server.delete(&format!("/api/hooks/{id}")).await, 204).await;
    let gone = expect(server.get(&format!("/api/hooks/{id}")).await, 404).await;
    assert_eq!(gone["code"], "entity.not_exists_with_id");
    expect(server.delete(&format!("/api/hooks/{id}")).await, 404).await;
}

async fn private_addresses_are_refused_without_the_allow_flag(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let receiver = Receiver::start(&[], 200).await;
    for url in [
        receiver.url.as_str(),
        "http://localhost:9/x",
        "http://169.254.169.254/latest/meta-data",
        "http://[::ffff:127.0.0.1]:9/",
        "http://10.0.0.1/",
    ] {
        let body = expect(
            server
                .post_json(
                    "/api/hooks",
                    &json!({"events": ["User.Created"], "config": {"url": url}}),
                )
                .await,
            400,
        )
        .await;
        assert_eq!(body["code"], "guard.invalid_input", "{url}: {body}");
        assert!(
            str_of(&body, "details").contains("config.url"),
            "{url}: {body}"
        );
    }
    let listed = json(server.get("/api/hooks").await).await;
    assert_eq!(listed, json!([]));
    assert!(receiver.requests().is_empty());
}

async fn recent_logs_show_deliveries_with_pagination(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment
        .start_with(&[ALLOW_PRIVATE, ("TESSERA_WEBHOOK_RETRY_SCHEDULE", "10m")])
        .await;
    let receiver = Receiver::start(&[500], 200).await;
    let hook = create_hook(&server, &["Role.Created"], &receiver.url).await;
    let id = str_of(&hook, "id").to_owned();
    for name in ["r1", "r2"] {
        expect(
            server
                .post_json("/api/roles", &json!({"name": name, "description": "d"}))
                .await,
            200,
        )
        .await;
    }
    receiver
        .wait_for("Role.Created", 2, Duration::from_secs(20))
        .await;
    // The attempts are recorded, then projected: poll briefly for both.
    let mut logs = Value::Null;
    for _ in 0..100 {
        let r = server
            .get(&format!("/api/hooks/{id}/recent-logs?page=1&page_size=1"))
            .await;
        assert_eq!(r.status(), 200);
        let total = r.headers()["total-number"]
            .to_str()
            .unwrap_or("0")
            .to_owned();
        logs = json(r).await;
        if total == "2" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        logs.as_array().map(Vec::len),
        Some(1),
        "page_size=1: {logs}"
    );
    let all = json(server.get(&format!("/api/hooks/{id}/recent-logs")).await).await;
    let all = all.as_array().cloned().unwrap_or_default();
    assert_eq!(all.len(), 2, "{all:?}");
    let results: Vec<&str> = all
        .iter()
        .map(|l| l["payload"]["result"].as_str().unwrap_or_default())
        .collect();
    assert!(
        results.contains(&"Success") && results.contains(&"Error"),
        "{results:?}"
    );
    for log in &all {
        assert_eq!(log["key"], "TriggerHook.Role.Created");
        assert_eq!(log["payload"]["hookId"], id.as_str());
        assert_eq!(
            log["payload"]["hookRequest"]["body"]["event"],
            "Role.Created"
        );
        assert!(
            log["payload"]["response"]["statusCode"].is_number(),
            "{log}"
        );
    }
    let failed = all
        .iter()
        .find(|l| l["payload"]["result"] == "Error")
        .expect("the 500");
    assert_eq!(failed["payload"]["response"]["statusCode"], 500);
    assert_eq!(failed["payload"]["response"]["body"], "receiver says 500");
    // The retry is ten minutes away.
    assert_eq!(receiver.of("Role.Created").len(), 2);
    // Filtered by key, and outside the window.
    let none = json(
        server
            .get(&format!(
                "/api/hooks/{id}/recent-logs?logKey=TriggerHook.User.Created"
            ))
            .await,
    )
    .await;
    assert_eq!(none, json!([]));
    let old = json(
        server
            .get(&format!(
                "/api/hooks/{id}/recent-logs?start_time=0&end_time=1"
            ))
            .await,
    )
    .await;
    assert_eq!(old, json!([]));
    let stats = json(
        server
            .get(&format!("/api/hooks/{id}?includeExecutionStats=true"))
            .await,
    )
    .await;
    assert_eq!(
        stats["executionStats"],
        json!({"successCount": 1, "requestCount": 2})
    );
}
