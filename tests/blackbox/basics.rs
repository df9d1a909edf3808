//! Black-box tests: the real `tessera` binary, driven over HTTP and its CLI, on SQLite and
//! on Postgres (skipped loudly when Postgres is unreachable outside CI).

use crate::common;

use common::{json, Backend, Deployment};
use serde_json::{json, Value};
use std::time::Duration;

both_backends!(
    create_then_read_back_by_id_and_in_the_list,
    list_paginates_like_logto,
    duplicate_identifiers_are_422_with_logtos_codes,
    concurrent_claims_of_one_email_let_exactly_one_win,
    client_mistakes_are_4xx_with_logtos_error_body,
    data_survives_a_restart_and_sigterm_exits_zero,
    status_and_replay_commands_work_on_the_data,
    metrics_expose_the_documented_names,
    sigterm_lets_in_flight_requests_finish,
    json_logs_with_tessera_log_format_json,
    the_public_endpoint_shapes_pagination_links,
);

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn links(response: &reqwest::Response) -> Vec<String> {
    response
        .headers()
        .get_all("link")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(", <").map(str::to_owned).collect::<Vec<_>>())
        .collect()
}

/// The log head now. Start-up writes events of its own (signing key, Management API
/// resource, bootstrap application, the harness's token grant), so counts are relative.
async fn head(server: &common::Server) -> u64 {
    json(server.get("/api/status/projections").await).await["head"]
        .as_u64()
        .expect("head")
}

/// The value of an unlabelled counter or gauge in `/metrics`.
async fn metric(server: &common::Server, name: &str) -> u64 {
    let text = server.get("/metrics").await.text().await.expect("metrics");
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

fn has_link(links: &[String], rel: &str, page: u64) -> bool {
    links
        .iter()
        .any(|l| l.contains(&format!("rel=\"{rel}\"")) && l.contains(&format!("page={page}>")))
}

async fn create(server: &common::Server, body: Value) -> Value {
    let response = server.post_json("/api/users", &body).await;
    assert_eq!(response.status(), 200, "create {body}");
    json(response).await
}

async fn create_then_read_back_by_id_and_in_the_list(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let created = create(
        &server,
        json!({
            "username": "alice_1",
            "primaryEmail": "Alice@Example.com",
            "primaryPhone": "8613800000000",
            "name": "Alice",
            "avatar": "https://example.com/a.png",
            "customData": {"plan": "pro", "seats": 3},
            "profile": {"givenName": "Alice", "address": {"country": "FR"}},
            "password": "correct horse battery staple"
        }),
    )
    .await;

    let id = created["id"].as_str().expect("id").to_owned();
    assert_eq!(id.len(), 21);
    assert!(id
        .bytes()
        .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase()));
    assert_eq!(created["username"], "alice_1");
    assert_eq!(created["primaryEmail"], "Alice@Example.com");
    assert_eq!(created["primaryPhone"], "8613800000000");
    assert_eq!(created["customData"], json!({"plan": "pro", "seats": 3}));
    assert_eq!(created["profile"]["address"]["country"], "FR");
    assert_eq!(created["identities"], json!({}));
    assert_eq!(created["hasPassword"], true);
    assert_eq!(created["isSuspended"], false);
    assert_eq!(created["lastSignInAt"], Value::Null);
    assert_eq!(created["applicationId"], Value::Null);
    assert!(created["createdAt"].as_i64().unwrap() > 1_600_000_000_000);
    assert!(created.get("password").is_none() && created.get("passwordDigest").is_none());

    // Read-your-writes: straight after the POST, the GET finds the user.
    let got = server.get(&format!("/api/users/{id}")).await;
    assert_eq!(got.status(), 200);
    assert_eq!(json(got).await, created);

    let list = server.get("/api/users").await;
    assert_eq!(list.status(), 200);
    assert_eq!(header(&list, "total-number").as_deref(), Some("1"));
    assert_eq!(json(list).await, json!([created.clone()]));

    for query in [
        "search=%25alice%25",
        "search.primaryEmail=alice@example.com&mode.primaryEmail=exact",
    ] {
        let found = server.get(&format!("/api/users?{query}")).await;
        assert_eq!(found.status(), 200, "{query}");
        assert_eq!(json(found).await, json!([created.clone()]), "{query}");
    }
    let none = server.get("/api/users?search.username=bob").await;
    assert_eq!(header(&none, "total-number").as_deref(), Some("0"));
    assert_eq!(json(none).await, json!([]));
}

async fn list_paginates_like_logto(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    for i in 0..5 {
        create(&server, json!({ "username": format!("user_{i}") })).await;
    }
    let first = server.get("/api/users?page_size=2").await;
    assert_eq!(first.status(), 200);
    assert_eq!(header(&first, "total-number").as_deref(), Some("5"));
    let l = links(&first);
    assert!(
        has_link(&l, "first", 1) && has_link(&l, "next", 2) && has_link(&l, "last", 3),
        "{l:?}"
    );
    assert!(!l.iter().any(|x| x.contains("rel=\"prev\"")), "{l:?}");
    assert!(
        l[0].contains(&server.url) && l[0].contains("page_size=2"),
        "{l:?}"
    );
    let page1 = json(first).await;
    assert_eq!(page1.as_array().unwrap().len(), 2);
    // Newest first.
    assert_eq!(page1[0]["username"], "user_4");

    let last = server.get("/api/users?page_size=2&page=3").await;
    let l = links(&last);
    assert!(has_link(&l, "prev", 2) && has_link(&l, "last", 3), "{l:?}");
    assert!(!l.iter().any(|x| x.contains("rel=\"next\"")), "{l:?}");
    let page3 = json(last).await;
    assert_eq!(page3.as_array().unwrap().len(), 1);
    assert_eq!(page3[0]["username"], "user_0");

    let beyond = json(server.get("/api/users?page=9").await).await;
    assert_eq!(beyond, json!([]));

    for bad in [
        "page=0",
        "page=abc",
        "page_size=0",
        "page_size=101",
        "page=-2",
    ] {
        let response = server.get(&format!("/api/users?{bad}")).await;
        assert_eq!(response.status(), 400, "{bad}");
        assert_eq!(
            json(response).await["code"],
            "guard.invalid_pagination",
            "{bad}"
        );
    }
    let bad_search = server.get("/api/users?search.password=x").await;
    assert_eq!(bad_search.status(), 400);
    assert_eq!(json(bad_search).await["code"], "request.invalid_input");
}

async fn duplicate_identifiers_are_422_with_logtos_codes(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    create(
        &server,
        json!({"username": "bob", "primaryEmail": "bob@example.com", "primaryPhone": "15550001"}),
    )
    .await;
    for (body, code) in [
        (json!({"username": "BOB"}), "user.username_already_in_use"),
        (
            json!({"primaryEmail": "Bob@Example.COM"}),
            "user.email_already_in_use",
        ),
        (
            json!({"primaryPhone": "+15550001"}),
            "user.phone_already_in_use",
        ),
        (
            json!({"username": "bob2", "primaryEmail": "bob@example.com"}),
            "user.email_already_in_use",
        ),
    ] {
        let response = server.post_json("/api/users", &body).await;
        assert_eq!(response.status(), 422, "{body}");
        let error = json(response).await;
        assert_eq!(error["code"], code, "{body}");
        assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    // The failed attempts claimed nothing: a fresh identifier still goes through, and only
    // one user exists besides it.
    create(&server, json!({"username": "bob2"})).await;
    let list = server.get("/api/users").await;
    assert_eq!(header(&list, "total-number").as_deref(), Some("2"));
}

async fn concurrent_claims_of_one_email_let_exactly_one_win(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let client = server.client.clone();
        let url = server.url("/api/users");
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .json(
                    &json!({"username": format!("racer_{i}"), "primaryEmail": "race@example.com"}),
                )
                .send()
                .await
                .map(|r| r.status().as_u16())
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap().unwrap());
    }
    statuses.sort_unstable();
    assert_eq!(statuses, vec![200, 422, 422, 422, 422, 422, 422, 422]);
    let found = server
        .get("/api/users?search.primaryEmail=race@example.com&mode.primaryEmail=exact")
        .await;
    assert_eq!(header(&found, "total-number").as_deref(), Some("1"));
}

async fn client_mistakes_are_4xx_with_logtos_error_body(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    for (body, field) in [
        (json!({"primaryEmail": "not-an-email"}), "primaryEmail"),
        (json!({"username": "9lives"}), "username"),
        (json!({"username": 42}), "username"),
        (json!({"primaryPhone": "call me"}), "primaryPhone"),
        (json!({"customData": "nope"}), "customData"),
        (json!({"profile": {"givenName": 1}}), "profile.givenName"),
        (json!({"password": ""}), "password"),
    ] {
        let response = server.post_json("/api/users", &body).await;
        assert_eq!(response.status(), 400, "{body}");
        let error = json(response).await;
        assert_eq!(error["code"], "guard.invalid_input", "{body}");
        let details = error["details"].as_str().unwrap_or_default();
        assert!(
            details.contains(field),
            "{body}: details {details:?} should name {field}"
        );
    }

    let malformed = server.post_raw("/api/users", "{\"username\": ").await;
    assert_eq!(malformed.status(), 400);
    let error = json(malformed).await;
    assert_eq!(error["code"], "guard.invalid_input");
    assert!(error["message"].is_string());

    let not_array = server.post_raw("/api/users", "[1,2]").await;
    assert_eq!(not_array.status(), 400);

    let missing = server.get("/api/users/doesnotexist0000000000").await;
    assert_eq!(missing.status(), 404);
    let error = json(missing).await;
    assert_eq!(error["code"], "entity.not_exists_with_id");
    assert!(error["message"]
        .as_str()
        .unwrap()
        .contains("doesnotexist0000000000"));

    let odd_id = server.get("/api/users/a%20b").await;
    assert_eq!(odd_id.status(), 404);

    let unknown = server.get("/api/nothing-here").await;
    assert_eq!(unknown.status(), 404);
    let error = json(unknown).await;
    assert_eq!(error["code"], "entity.not_found");

    let wrong_method = server
        .client
        .delete(server.url("/api/users"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_method.status(), 405);
    assert!(json(wrong_method).await["code"].is_string());

    // Nothing above was a server fault.
    let status = server.get("/api/status").await;
    assert_eq!(status.status(), 204);
}

async fn data_survives_a_restart_and_sigterm_exits_zero(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let created = create(
        &server,
        json!({"username": "carol", "primaryEmail": "carol@example.com", "password": "pw"}),
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();

    let (status, took) = server.terminate(Duration::from_secs(20));
    assert!(status.success(), "exit status {status:?}");
    assert!(took < Duration::from_secs(12), "SIGTERM took {took:?}");

    let server = deployment.start().await;
    let got = server.get(&format!("/api/users/{id}")).await;
    assert_eq!(got.status(), 200);
    assert_eq!(json(got).await, created);
    // The uniqueness claims are in the log too, so they survive the restart.
    let dup = server
        .post_json("/api/users", &json!({"username": "Carol"}))
        .await;
    assert_eq!(dup.status(), 422);
    let (status, _) = server.terminate(Duration::from_secs(20));
    assert!(status.success());
}

async fn status_and_replay_commands_work_on_the_data(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let base = head(&server).await;
    let mut ids = Vec::new();
    for i in 0..3 {
        let user = create(
            &server,
            json!({"username": format!("dave_{i}"), "name": "Dave"}),
        )
        .await;
        ids.push(user["id"].as_str().unwrap().to_owned());
    }
    let before = json(server.get("/api/users").await).await;
    let (status, _) = server.terminate(Duration::from_secs(20));
    assert!(status.success());

    let (ok, out, err) = deployment.run(&["status"]);
    assert!(ok, "status failed: {err}");
    let expected_backend = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    assert!(
        out.contains(&format!("backend:  {expected_backend}")),
        "{out}"
    );
    // 3 users, each with one username claim: 6 events.
    let total = base + 6;
    assert!(out.contains(&format!("log head: {total}")), "{out}");
    let users_line = out
        .lines()
        .find(|l| l.starts_with("users "))
        .unwrap_or_else(|| panic!("no users line in:\n{out}"));
    let cols: Vec<&str> = users_line.split_whitespace().collect();
    assert_eq!(cols, vec!["users", &total.to_string(), "0"], "{out}");

    let (ok, out, err) = deployment.run(&["replay", "--all"]);
    assert!(ok, "replay failed: {err}");
    assert!(
        out.contains(&format!("replayed users: {total} events")),
        "{out}"
    );
    assert!(out.contains("events/s"), "{out}");

    let (ok, out, err) = deployment.run(&["replay", "--projection", "users"]);
    assert!(ok, "replay failed: {err}");
    assert!(
        out.contains(&format!("replayed users: {total} events")),
        "{out}"
    );

    let (ok, _, err) = deployment.run(&["replay", "--projection", "nope"]);
    assert!(!ok);
    assert!(err.contains("nope"), "{err}");

    let (ok, out, err) = deployment.run(&["migrate"]);
    assert!(ok, "migrate failed: {err}");
    assert!(out.contains("Migrations applied"), "{out}");

    // The rebuilt read model serves the same users.
    let server = deployment.start().await;
    let after = json(server.get("/api/users").await).await;
    assert_eq!(after, before);
}

async fn metrics_expose_the_documented_names(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let base_head = head(&server).await;
    let base_appended = metric(&server, "tessera_events_appended_total").await;
    let user = create(&server, json!({"username": "erin"})).await;
    assert_eq!(
        server
            .get(&format!("/api/users/{}", user["id"].as_str().unwrap()))
            .await
            .status(),
        200
    );
    let response = server.get("/metrics").await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    for name in [
        "tessera_http_requests_total{",
        "route=\"/api/users/{userId}\"",
        "tessera_http_request_duration_seconds_bucket{",
        &format!("tessera_events_appended_total {}", base_appended + 2),
        &format!("tessera_log_head_position {}", base_head + 2),
        "tessera_projector_lag_events{projector=\"users\"}",
        "tessera_projector_checkpoint_position{projector=\"users\"}",
        "tessera_projector_events_applied_total{projector=\"users\"}",
    ] {
        assert!(text.contains(name), "{name} missing from /metrics:\n{text}");
    }

    let projections = server.get("/api/status/projections").await;
    assert_eq!(projections.status(), 200);
    let report = json(projections).await;
    assert_eq!(report["head"], base_head + 2);
    let users = report["projectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "users")
        .cloned()
        .expect("users projector listed");
    assert!(users["lag"].as_u64().is_some() && users["checkpoint"].as_u64().is_some());
}

async fn sigterm_lets_in_flight_requests_finish(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    // Password hashing keeps these requests busy for a while (Argon2id on the blocking pool).
    let mut tasks = Vec::new();
    for i in 0..12 {
        let client = server.client.clone();
        let url = server.url("/api/users");
        tasks.push(tokio::spawn(async move {
            let response = client
                .post(url)
                .json(
                    &json!({"username": format!("inflight_{i}"), "password": "hunter2-but-longer"}),
                )
                .send()
                .await?;
            let status = response.status().as_u16();
            let body: Value = response.json().await?;
            Ok::<_, reqwest::Error>((status, body))
        }));
    }
    tokio::time::sleep(Duration::from_millis(150)).await;
    let terminate = tokio::task::spawn_blocking(move || server.terminate(Duration::from_secs(20)));
    let mut ids = Vec::new();
    for task in tasks {
        let (status, body) = task
            .await
            .unwrap()
            .expect("an accepted request must be answered, not cut off");
        assert_eq!(status, 200, "{body}");
        ids.push(body["id"].as_str().unwrap().to_owned());
    }
    let (status, _) = terminate.await.unwrap();
    assert!(status.success(), "exit status {status:?}");

    // Everything that was answered 200 is in the log.
    let server = deployment.start().await;
    for id in ids {
        assert_eq!(server.get(&format!("/api/users/{id}")).await.status(), 200);
    }
}

async fn json_logs_with_tessera_log_format_json(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment
        .start_with(&[("TESSERA_LOG_FORMAT", "json")])
        .await;
    let log = server.log();
    let lines: Vec<&str> = log.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(!lines.is_empty());
    for line in &lines {
        let entry: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(
            entry["level"].is_string() && entry["timestamp"].is_string(),
            "{line}"
        );
    }
    assert!(
        lines.iter().any(|l| l.contains("event store open")),
        "{log}"
    );
}

async fn the_public_endpoint_shapes_pagination_links(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment
        .start_with(&[("TESSERA_ENDPOINT", "https://id.example.com/")])
        .await;
    create(&server, json!({"username": "frank"})).await;
    let list = server.get("/api/users?search=fr%25").await;
    let l = links(&list);
    assert_eq!(l.len(), 2, "{l:?}");
    assert!(
        l[0].starts_with("<https://id.example.com/api/users?search=fr%25&page=1>"),
        "{l:?}"
    );
}
