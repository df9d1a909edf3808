//! Embedded webhook delivery (no `TESSERA_AMQP_URL`) on both backends, against the real
//! binary and a real HTTP receiver in this process: subscribed events arrive with both
//! signatures (checked by an independent HMAC implementation), unsubscribed ones do not;
//! retries follow the schedule with a stable `webhook-id`; exhaustion is recorded; a 410
//! disables the hook; a delivery pending retry survives a restart.

use crate::common;
use crate::common::webhook_receiver;

use common::flow;
use common::{json, Backend, Deployment, Server};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use webhook_receiver::Receiver;

both_backends!(
    subscribed_events_arrive_signed_and_others_do_not,
    failures_are_retried_on_schedule_with_one_webhook_id,
    exhaustion_is_recorded_and_410_disables_the_hook,
    a_delivery_pending_retry_survives_a_restart,
    a_grant_limit_decision_is_one_grant_limit_exceeded,
    scope_and_role_scope_changes_are_told_apart,
    a_deleted_users_bodies_leave_the_hook_logs,
);

const ALLOW_PRIVATE: (&str, &str) = ("TESSERA_WEBHOOK_ALLOW_PRIVATE", "true");
const WAIT: Duration = Duration::from_secs(30);

async fn expect(response: reqwest::Response, status: u16) -> Value {
    let got = response.status().as_u16();
    let body = response.text().await.unwrap_or_default();
    assert_eq!(got, status, "body: {body}");
    serde_json::from_str(&body).unwrap_or(Value::Null)
}

/// Creates a hook; returns (id, signing key).
async fn hook(server: &Server, events: &[&str], url: &str) -> (String, String) {
    let body = expect(
        server
            .post_json(
                "/api/hooks",
                &json!({"name": "h", "events": events,
                        "config": {"url": url, "headers": {"x-tenant": "t1"}}}),
            )
            .await,
        201,
    )
    .await;
    (
        body["id"].as_str().expect("id").to_owned(),
        body["signingKey"].as_str().expect("key").to_owned(),
    )
}

/// Polls `recent-logs` until `done` accepts them.
async fn logs_until(server: &Server, hook_id: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let deadline = Instant::now() + WAIT;
    loop {
        let logs = json(
            server
                .get(&format!("/api/hooks/{hook_id}/recent-logs"))
                .await,
        )
        .await;
        let logs = logs.as_array().cloned().unwrap_or_default();
        if done(&logs) {
            return logs;
        }
        assert!(
            Instant::now() < deadline,
            "recent-logs never matched: {logs:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn subscribed_events_arrive_signed_and_others_do_not(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start_with(&[ALLOW_PRIVATE]).await;
    let receiver = Receiver::start(&[], 204).await;
    let (hook_id, key) = hook(
        &server,
        &[
            "User.Created",
            "User.Data.Updated",
            "User.SuspensionStatus.Updated",
            "PostSignIn",
        ],
        &receiver.url,
    )
    .await;

    let user_id = flow::user(&server, "alice").await;
    // Not subscribed: must never arrive.
    expect(
        server
            .post_json("/api/roles", &json!({"name": "ops", "description": "d"}))
            .await,
        200,
    )
    .await;
    expect(
        server
            .patch_json(
                &format!("/api/users/{user_id}"),
                &json!({"name": "Alice B."}),
            )
            .await,
        200,
    )
    .await;
    let (spa, _) = flow::app(&server, "SPA", false).await;
    let mut jar = flow::Jar::default();
    let back = flow::sign_in(
        &server,
        &mut jar,
        &flow::auth_url(&server, &spa, &[]),
        "alice",
        flow::PASSWORD,
    )
    .await;
    assert!(back.contains("code="), "{back}");
    expect(
        server
            .patch_json(
                &format!("/api/users/{user_id}/is-suspended"),
                &json!({"isSuspended": true}),
            )
            .await,
        200,
    )
    .await;
    // The log's head once the last subscribed event is in.
    let suspended_at = json(server.get("/api/status/projections").await).await["head"]
        .as_u64()
        .expect("head");

    let created = receiver.wait_for("User.Created", 1, WAIT).await;
    let updated = receiver.wait_for("User.Data.Updated", 1, WAIT).await;
    let signed_in = receiver.wait_for("PostSignIn", 1, WAIT).await;
    let suspended = receiver
        .wait_for("User.SuspensionStatus.Updated", 1, WAIT)
        .await;
    for r in [&created[0], &updated[0], &signed_in[0], &suspended[0]] {
        r.assert_signed_with(&key);
        assert_eq!(
            r.header("x-tenant"),
            "t1",
            "the hook's (sealed) custom header"
        );
        assert_eq!(r.json()["hookId"], hook_id.as_str());
        assert!(r.json()["createdAt"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z')));
    }
    // `data` is the user as of each event, not as it is now.
    let c = created[0].json();
    assert_eq!(c["data"]["id"], user_id.as_str());
    assert_eq!(c["data"]["name"], "Alice A.");
    assert_eq!(c["data"]["isSuspended"], false);
    assert_eq!(updated[0].json()["data"]["name"], "Alice B.");
    // Logto's API-hook context: the Management API request that made the change.
    let u = updated[0].json();
    assert_eq!(u["path"], format!("/users/{user_id}"));
    assert_eq!(u["method"], "PATCH");
    assert_eq!(u["matchedRoute"], "/users/:userId");
    assert_eq!(u["params"], json!({ "userId": user_id }));
    assert!(u["ip"].as_str().is_some_and(|ip| !ip.is_empty()), "{u}");
    assert_eq!(
        suspended[0].json()["matchedRoute"],
        "/users/:userId/is-suspended"
    );
    assert_eq!(suspended[0].json()["data"]["isSuspended"], true);
    let s = signed_in[0].json();
    assert_eq!(s["interactionEvent"], "SignIn");
    assert_eq!(s["userId"], user_id.as_str());
    assert_eq!(s["user"]["username"], "alice");
    assert_eq!(s["application"]["id"], spa.as_str());
    // Every delivery has its own webhook-id (the event id).
    let ids: std::collections::HashSet<String> = receiver
        .requests()
        .iter()
        .map(|r| r.header("webhook-id").to_owned())
        .collect();
    assert_eq!(ids.len(), receiver.requests().len());

    // The role was created before the suspension, whose delivery already arrived; give a
    // stray delivery a moment anyway, then check nothing else came.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let events: Vec<String> = receiver.requests().iter().map(|r| r.event()).collect();
    assert!(!events.iter().any(|e| e.starts_with("Role.")), "{events:?}");
    assert_eq!(events.len(), 4, "{events:?}");
    let logs = logs_until(&server, &hook_id, |l| l.len() == 4).await;
    assert!(
        logs.iter().all(|l| l["payload"]["result"] == "Success"),
        "{logs:?}"
    );

    // /metrics tells how far delivery has come: the dispatcher's checkpoint has passed the
    // suspension, and the queue empties once every job is done.
    let deadline = Instant::now() + WAIT;
    loop {
        let text = server.get("/metrics").await.text().await.expect("metrics");
        let value = |name: &str| -> Option<u64> {
            text.lines()
                .find_map(|l| l.strip_prefix(name)?.trim().parse().ok())
        };
        let checkpoint =
            value("tessera_webhook_checkpoint_position{follower=\"embedded:embedded\"}");
        let head = value("tessera_log_head_position");
        let queued = value("tessera_webhook_embedded_jobs_queued");
        let lag = value("tessera_webhook_lag_events{follower=\"embedded:embedded\"}");
        let (Some(checkpoint), Some(head), Some(queued), Some(lag)) =
            (checkpoint, head, queued, lag)
        else {
            panic!("webhook figures missing from /metrics:\n{text}");
        };
        assert_eq!(lag, head.saturating_sub(checkpoint), "{text}");
        if queued == 0 && checkpoint >= suspended_at {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "delivery did not settle:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn failures_are_retried_on_schedule_with_one_webhook_id(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment
        .start_with(&[ALLOW_PRIVATE, ("TESSERA_WEBHOOK_RETRY_SCHEDULE", "1s,1s")])
        .await;
    let receiver = Receiver::start(&[500, 500], 200).await;
    let (hook_id, key) = hook(&server, &["User.Created"], &receiver.url).await;
    flow::user(&server, "bob").await;
    let got = receiver.wait_for("User.Created", 3, WAIT).await;
    assert_eq!(got.len(), 3);
    let id = got[0].header("webhook-id").to_owned();
    for r in &got {
        assert_eq!(r.header("webhook-id"), id, "one webhook-id across retries");
        assert_eq!(r.body, got[0].body, "the same payload on every attempt");
        r.assert_signed_with(&key);
    }
    let ts: Vec<i64> = got
        .iter()
        .map(|r| r.header("webhook-timestamp").parse().expect("ts"))
        .collect();
    assert!(
        ts[1] > ts[0] && ts[2] > ts[1],
        "attempts wait for the schedule: {ts:?}"
    );
    let logs = logs_until(&server, &hook_id, |l| l.len() == 3).await;
    let mut attempts: Vec<(i64, String)> = logs
        .iter()
        .map(|l| {
            (
                l["payload"]["attempt"].as_i64().unwrap_or(0),
                l["payload"]["result"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect();
    attempts.sort();
    assert_eq!(
        attempts,
        vec![
            (1, "Error".to_owned()),
            (2, "Error".to_owned()),
            (3, "Success".to_owned())
        ]
    );
    // Delivered: no fourth request.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(receiver.of("User.Created").len(), 3);
}

async fn exhaustion_is_recorded_and_410_disables_the_hook(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment
        .start_with(&[ALLOW_PRIVATE, ("TESSERA_WEBHOOK_RETRY_SCHEDULE", "1s,1s")])
        .await;
    let broken = Receiver::start(&[], 500).await;
    let gone = Receiver::start(&[], 410).await;
    let (broken_id, _) = hook(&server, &["Role.Created"], &broken.url).await;
    let (gone_id, _) = hook(&server, &["Role.Created"], &gone.url).await;
    expect(
        server
            .post_json("/api/roles", &json!({"name": "first", "description": "d"}))
            .await,
        200,
    )
    .await;
    broken.wait_for("Role.Created", 3, WAIT).await;
    let logs = logs_until(&server, &broken_id, |l| {
        l.iter().any(|x| x["payload"]["exhausted"] == true)
    })
    .await;
    assert_eq!(logs.len(), 4, "three attempts and the exhaustion: {logs:?}");

    gone.wait_for("Role.Created", 1, WAIT).await;
    let deadline = Instant::now() + WAIT;
    loop {
        let h = json(server.get(&format!("/api/hooks/{gone_id}")).await).await;
        if h["enabled"] == false {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the 410 never disabled the hook: {h}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // A disabled hook gets nothing more, the broken one gets the next event.
    expect(
        server
            .post_json("/api/roles", &json!({"name": "second", "description": "d"}))
            .await,
        200,
    )
    .await;
    broken.wait_for("Role.Created", 4, WAIT).await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(
        gone.requests().len(),
        1,
        "no retry after 410, nothing once disabled"
    );
    assert!(broken.of("Role.Created").len() >= 4);
}

async fn a_delivery_pending_retry_survives_a_restart(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let env = [ALLOW_PRIVATE, ("TESSERA_WEBHOOK_RETRY_SCHEDULE", "4s")];
    let server = deployment.start_with(&env).await;
    let receiver = Receiver::start(&[503], 200).await;
    let (_, key) = hook(&server, &["User.Created"], &receiver.url).await;
    let user_id = flow::user(&server, "carol").await;
    let first = receiver.wait_for("User.Created", 1, WAIT).await;
    // The retry is due in 4 s; stop the server before that.
    let (status, _) = server.terminate(Duration::from_secs(20));
    assert!(status.success(), "graceful exit");
    assert_eq!(receiver.of("User.Created").len(), 1);

    let _server = deployment.start_with(&env).await;
    let got = receiver.wait_for("User.Created", 2, WAIT).await;
    assert_eq!(got[1].header("webhook-id"), first[0].header("webhook-id"));
    assert_eq!(got[1].json()["data"]["id"], user_id.as_str());
    got[1].assert_signed_with(&key);
}

async fn a_grant_limit_decision_is_one_grant_limit_exceeded(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start_with(&[ALLOW_PRIVATE]).await;
    let receiver = Receiver::start(&[], 200).await;
    let (_, key) = hook(&server, &["Grant.LimitExceeded"], &receiver.url).await;
    let (spa, _) = flow::app(&server, "SPA", false).await;
    expect(
        server
            .patch_json(
                &format!("/api/applications/{spa}"),
                &json!({"customClientMetadata": {"maxAllowedGrants": 1}}),
            )
            .await,
        200,
    )
    .await;
    let uid = flow::user(&server, "dora").await;
    let first = flow::tokens_for(&server, &spa, "dora").await;
    // The second sign-in must see the first grant before it decides.
    let deadline = Instant::now() + WAIT;
    loop {
        let grants = json(server.get(&format!("/api/users/{uid}/grants")).await).await;
        if grants["grants"].as_array().map(Vec::len) == Some(1) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "first grant never listed: {grants}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    flow::tokens_for(&server, &spa, "dora").await;
    let got = receiver.wait_for("Grant.LimitExceeded", 1, WAIT).await;
    got[0].assert_signed_with(&key);
    let data = &got[0].json()["data"];
    let first_grant = first["access_token"]
        .as_str()
        .and_then(|a| a.split('.').next())
        .expect("grant id");
    assert_eq!(data["userId"], uid.as_str());
    assert_eq!(data["applicationId"], spa.as_str());
    assert_eq!(data["maxAllowedGrants"], 1);
    assert_eq!(data["revokedGrantIds"], json!([first_grant]));
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(receiver.requests().len(), 1, "one decision, one event");
}

async fn scope_and_role_scope_changes_are_told_apart(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start_with(&[ALLOW_PRIVATE]).await;
    let receiver = Receiver::start(&[], 200).await;
    hook(
        &server,
        &[
            "Scope.Created",
            "Scope.Data.Updated",
            "Scope.Deleted",
            "Role.Scopes.Updated",
        ],
        &receiver.url,
    )
    .await;
    let resource = expect(
        server
            .post_json(
                "/api/resources",
                &json!({"name": "Orders", "indicator": "https://orders.example"}),
            )
            .await,
        201,
    )
    .await;
    let rid = resource["id"].as_str().expect("resource id").to_owned();
    let scope = expect(
        server
            .post_json(
                &format!("/api/resources/{rid}/scopes"),
                &json!({"name": "read:orders", "description": "read"}),
            )
            .await,
        201,
    )
    .await;
    let sid = scope["id"].as_str().expect("scope id").to_owned();
    expect(
        server
            .patch_json(
                &format!("/api/resources/{rid}/scopes/{sid}"),
                &json!({"description": "read them all"}),
            )
            .await,
        200,
    )
    .await;
    let role = expect(
        server
            .post_json(
                "/api/roles",
                &json!({"name": "reader", "description": "d", "scopeIds": [sid]}),
            )
            .await,
        200,
    )
    .await;
    expect(
        server
            .delete(&format!("/api/resources/{rid}/scopes/{sid}"))
            .await,
        204,
    )
    .await;
    let created = receiver.wait_for("Scope.Created", 1, WAIT).await;
    let updated = receiver.wait_for("Scope.Data.Updated", 1, WAIT).await;
    let deleted = receiver.wait_for("Scope.Deleted", 1, WAIT).await;
    receiver.wait_for("Role.Scopes.Updated", 1, WAIT).await;
    assert_eq!(created[0].json()["data"]["description"], "read");
    assert_eq!(updated[0].json()["data"]["description"], "read them all");
    assert_eq!(deleted[0].json()["data"]["id"], sid.as_str());
    assert_eq!(created[0].json()["data"]["resourceId"], rid.as_str());
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let events: Vec<String> = receiver.requests().iter().map(|r| r.event()).collect();
    assert_eq!(
        events.len(),
        4,
        "one delivery per change, no Role.Created: {events:?} ({role})"
    );
}

/// The hook logs keep each body the receiver got (the user's personal data in clear) until
/// the user is deleted; then every body about them is blank, including the `User.Deleted`
/// delivery written after the deletion. Another user's rows keep theirs.
async fn a_deleted_users_bodies_leave_the_hook_logs(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start_with(&[ALLOW_PRIVATE]).await;
    let receiver = Receiver::start(&[], 204).await;
    let (hook_id, _) = hook(&server, &["User.Created", "User.Deleted"], &receiver.url).await;
    let gone = flow::user(&server, "gone").await;
    flow::user(&server, "stays").await;
    receiver.wait_for("User.Created", 2, WAIT).await;
    let logs = logs_until(&server, &hook_id, |l| l.len() == 2).await;
    assert!(
        logs.iter()
            .all(|l| l["payload"]["hookRequest"]["body"]["data"]["username"].is_string()),
        "bodies are kept while the users exist: {logs:?}"
    );

    expect(server.delete(&format!("/api/users/{gone}")).await, 204).await;
    receiver.wait_for("User.Deleted", 1, WAIT).await;
    let logs = logs_until(&server, &hook_id, |l| l.len() == 3).await;
    assert!(
        logs.iter()
            .any(|l| l["payload"]["hookRequest"]["body"]["data"]["username"] == "stays"),
        "another user's row keeps its body: {logs:?}"
    );
    let blank: Vec<&Value> = logs
        .iter()
        .filter(|l| l["payload"]["hookRequest"]["body"].is_null())
        .collect();
    assert_eq!(
        blank.len(),
        2,
        "the deleted user's two rows are blank: {logs:?}"
    );
    assert!(blank.iter().any(|l| l["key"] == "TriggerHook.User.Deleted"));
    assert!(blank.iter().any(|l| l["key"] == "TriggerHook.User.Created"));
    let text = serde_json::to_string(&logs).expect("logs");
    assert!(
        !text.contains("\"gone\"") && !text.contains("gone@example.com"),
        "{text}"
    );
}
