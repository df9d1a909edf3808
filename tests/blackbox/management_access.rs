//! A Management API token stops working as soon as its application loses Management
//! access (issue 12, item 9): `isAdmin` taken away, the `all` scope removed from its
//! machine-to-machine role, the application deleted. The same token works again once the
//! access is back (its signature and scope never changed, the app's access did), so the
//! check is the app's current state, not a revocation list. On Postgres a second node
//! stops honouring the token too, through its cache follower.

use crate::common;

use common::{json, Backend, Deployment, Server, MANAGEMENT_API};
use serde_json::{json as j, Value};
use std::time::{Duration, Instant};

both_backends!(management_tokens_end_with_their_apps_access);

/// `GET /api/applications` with `token`: the status.
async fn status_with(server: &Server, token: &str) -> u16 {
    server
        .anonymous
        .get(server.url("/api/applications"))
        .bearer_auth(token)
        .send()
        .await
        .expect("request")
        .status()
        .as_u16()
}

/// Creates an M2M application; (id, secret).
async fn m2m_app(server: &Server, name: &str) -> (String, String) {
    let body = json(
        server
            .post_json(
                "/api/applications",
                &j!({"name": name, "type": "MachineToMachine"}),
            )
            .await,
    )
    .await;
    (
        body["id"].as_str().expect("id").to_owned(),
        body["secret"].as_str().expect("secret").to_owned(),
    )
}

async fn expect_ok(response: reqwest::Response) -> Value {
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    assert!(status.is_success(), "{status}: {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

async fn management_tokens_end_with_their_apps_access(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;

    // isAdmin: given, taken away, given back.
    let (a, a_secret) = m2m_app(&server, "admin by flag").await;
    expect_ok(
        server
            .patch_json(&format!("/api/applications/{a}"), &j!({"isAdmin": true}))
            .await,
    )
    .await;
    let token_a = server.management_token(&a, &a_secret).await;
    assert_eq!(status_with(&server, &token_a).await, 200);
    assert_eq!(
        status_with(&server, &token_a).await,
        200,
        "verified once, remembered"
    );
    expect_ok(
        server
            .patch_json(&format!("/api/applications/{a}"), &j!({"isAdmin": false}))
            .await,
    )
    .await;
    assert_eq!(
        status_with(&server, &token_a).await,
        401,
        "isAdmin removed: the remembered token must not keep working"
    );
    expect_ok(
        server
            .patch_json(&format!("/api/applications/{a}"), &j!({"isAdmin": true}))
            .await,
    )
    .await;
    assert_eq!(status_with(&server, &token_a).await, 200);

    // An M2M role of its own holding `all`: the scope removed from the role.
    let resources = json(server.get("/api/resources").await).await;
    let management = resources
        .as_array()
        .and_then(|all| all.iter().find(|r| r["indicator"] == MANAGEMENT_API))
        .expect("the Management API resource")
        .clone();
    let scopes = json(
        server
            .get(&format!(
                "/api/resources/{}/scopes",
                management["id"].as_str().expect("resource id")
            ))
            .await,
    )
    .await;
    let all = scopes
        .as_array()
        .and_then(|s| s.iter().find(|s| s["name"] == "all"))
        .and_then(|s| s["id"].as_str())
        .expect("the all scope")
        .to_owned();
    let role = expect_ok(
        server
            .post_json(
                "/api/roles",
                &j!({"name": "robots", "description": "m2m", "type": "MachineToMachine", "scopeIds": [all]}),
            )
            .await,
    )
    .await;
    let role = role["id"].as_str().expect("role id").to_owned();
    let (b, b_secret) = m2m_app(&server, "admin by role").await;
    expect_ok(
        server
            .post_json(
                &format!("/api/applications/{b}/roles"),
                &j!({"roleIds": [role]}),
            )
            .await,
    )
    .await;
    let token_b = server.management_token(&b, &b_secret).await;
    assert_eq!(status_with(&server, &token_b).await, 200);
    let r = server
        .delete(&format!("/api/roles/{role}/scopes/{all}"))
        .await;
    assert!(r.status().is_success(), "{}", r.status());
    assert_eq!(
        status_with(&server, &token_b).await,
        401,
        "`all` removed from the app's role"
    );

    // Deleted.
    let r = server.delete(&format!("/api/applications/{a}")).await;
    assert_eq!(r.status(), 204);
    assert_eq!(status_with(&server, &token_a).await, 401, "app deleted");
    // Nor does an unknown /api path tell a dead app's token apart (401, not 404).
    let unknown = server
        .anonymous
        .get(server.url("/api/no-such-route"))
        .bearer_auth(&token_a)
        .send()
        .await
        .expect("request");
    assert_eq!(unknown.status(), 401, "unknown path, app deleted");
    // The server's own token is unaffected.
    assert_eq!(status_with(&server, &server.token).await, 200);

    if backend == Backend::Postgres {
        // Another node: the token works there, then stops once the app is deleted here.
        // One public endpoint for both nodes, as behind a load balancer (the issuer).
        let other = deployment
            .start_with(&[("TESSERA_ENDPOINT", server.url.as_str())])
            .await;
        let (c, c_secret) = m2m_app(&server, "admin elsewhere").await;
        expect_ok(
            server
                .patch_json(&format!("/api/applications/{c}"), &j!({"isAdmin": true}))
                .await,
        )
        .await;
        let token_c = server.management_token(&c, &c_secret).await;
        assert_eq!(status_with(&other, &token_c).await, 200);
        let r = server.delete(&format!("/api/applications/{c}")).await;
        assert_eq!(r.status(), 204);
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let status = status_with(&other, &token_c).await;
            if status == 401 {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the other node still honours a deleted app's token ({status})"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
