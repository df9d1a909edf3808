//! Logto's Account API (`/api/my-account`, `/api/verifications/password`) on both backends
//! over HTTP, with an end user's opaque access token as bearer: profile read and update,
//! scope gating, verification records for the password and username, sessions (with
//! `isCurrent`) and grants, listed and revoked.

use crate::common;

use common::flow::*;
use common::{json, Backend, Deployment, Server};
use serde_json::{json as j, Value};

both_backends!(the_account_api_with_a_user_access_token);

const ALL_SCOPES: &str = "openid offline_access profile custom_data urn:logto:scope:sessions";
const NEW_PASSWORD: &str = "another horse battery staple 2";

/// Signs `username` in (a new browser) for `spa` asking for `scope`; the token response.
async fn tokens_with(server: &Server, spa: &str, username: &str, scope: &str) -> Value {
    let mut url = reqwest::Url::parse(&server.url("/oidc/auth")).expect("url");
    url.query_pairs_mut()
        .append_pair("client_id", spa)
        .append_pair("redirect_uri", CB)
        .append_pair("response_type", "code")
        .append_pair("scope", scope)
        .append_pair("prompt", "consent")
        .append_pair("code_challenge", CHALLENGE)
        .append_pair("code_challenge_method", "S256");
    let back = sign_in(
        server,
        &mut Jar::default(),
        url.as_str(),
        username,
        PASSWORD,
    )
    .await;
    redeem_spa(server, spa, &back).await
}

/// Calls the Account API: (status, body or Null).
async fn call(
    server: &Server,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    verification: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut r = browser().request(method, server.url(path));
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    if let Some(v) = verification {
        r = r.header("logto-verification-id", v);
    }
    if let Some(b) = body {
        r = r.json(&b);
    }
    let r = r.send().await.expect("account api");
    let status = r.status().as_u16();
    let text = r.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn access(t: &Value) -> String {
    t["access_token"].as_str().expect("access token").to_owned()
}

async fn the_account_api_with_a_user_access_token(backend: Backend) {
    use reqwest::Method;
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let (spa, _) = app(&server, "SPA", false).await;
    let uid = user(&server, "acct_hana").await;
    let full = access(&tokens_with(&server, &spa, "acct_hana", ALL_SCOPES).await);
    let minimal_tokens = tokens_with(&server, &spa, "acct_hana", "openid").await;
    let minimal = access(&minimal_tokens);

    let discovery = json(
        server
            .get_anonymous("/oidc/.well-known/openid-configuration")
            .await,
    )
    .await;
    // The Account API's scopes, as Logto lists them.
    for scope in ["urn:logto:scope:sessions", "identities"] {
        assert!(
            discovery["scopes_supported"]
                .as_array()
                .is_some_and(|s| s.contains(&j!(scope))),
            "{scope}: {discovery}"
        );
    }

    // Authentication: no token, a malformed one, one naming no grant.
    for token in [None, Some("garbage"), Some("nosuchgrant.secret")] {
        let (status, body) = call(&server, Method::GET, "/api/my-account", token, None, None).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (401, Some("auth.unauthorized"))
        );
    }

    // The Account API is off until an operator opens it (Logto's secure default).
    let (status, body) = call(
        &server,
        Method::GET,
        "/api/my-account",
        Some(&full),
        None,
        None,
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("account_center.not_enabled"))
    );
    let center = json(server.get("/api/account-center").await).await;
    assert_eq!(
        (
            center["enabled"].as_bool(),
            center["fields"]["password"].as_str()
        ),
        (Some(false), Some("Off")),
        "{center}"
    );
    let open = |body: Value| {
        let server = &server;
        async move { server.patch_json("/api/account-center", &body).await }
    };
    let r = open(j!({"enabled": true, "fields": {"name": "ReadOnly"}})).await;
    assert_eq!(r.status(), 200);
    let (status, body) = call(
        &server,
        Method::PATCH,
        "/api/my-account",
        Some(&full),
        None,
        Some(j!({"name": "X"})),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("account_center.field_not_editable"))
    );
    let (status, body) = call(
        &server,
        Method::GET,
        "/api/my-account/sessions",
        Some(&full),
        None,
        None,
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("account_center.field_not_enabled"))
    );
    let (_, me) = call(
        &server,
        Method::GET,
        "/api/my-account",
        Some(&full),
        None,
        None,
    )
    .await;
    assert!(
        me.get("username").is_none() && me.get("name").is_some(),
        "only readable fields are shown: {me}"
    );
    let r = open(j!({"fields": {"shoeSize": "Edit"}})).await;
    assert_eq!(r.status(), 400);
    let r = open(j!({"fields": {"name": "Sometimes"}})).await;
    assert_eq!(r.status(), 400);
    let fields = [
        "name",
        "avatar",
        "username",
        "customData",
        "profile",
        "password",
        "session",
    ];
    let all_edit: serde_json::Map<String, Value> = fields
        .iter()
        .map(|f| ((*f).to_owned(), j!("Edit")))
        .collect();
    let r = open(j!({"fields": all_edit})).await;
    assert_eq!(r.status(), 200);
    assert_eq!(json(r).await["fields"]["session"], "Edit");

    // Profile read: customData only with the custom_data scope.
    let (status, me) = call(
        &server,
        Method::GET,
        "/api/my-account",
        Some(&full),
        None,
        None,
    )
    .await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["id"], uid.as_str());
    assert_eq!(me["username"], "acct_hana");
    assert_eq!(me["customData"], j!({}));
    let (_, me) = call(
        &server,
        Method::GET,
        "/api/my-account",
        Some(&minimal),
        None,
        None,
    )
    .await;
    assert_eq!(me["id"], uid.as_str());
    assert!(me.get("customData").is_none(), "{me}");

    // Profile update: needs `profile` (and `custom_data` for customData).
    let patch = |token: String, body: Value, v: Option<String>| {
        let server = &server;
        async move {
            call(
                server,
                Method::PATCH,
                "/api/my-account",
                Some(&token),
                v.as_deref(),
                Some(body),
            )
            .await
        }
    };
    let (status, body) = patch(minimal.clone(), j!({"name": "Hana"}), None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("auth.unauthorized"))
    );
    let (status, body) = patch(
        full.clone(),
        j!({"name": "Hana", "customData": {"plan": "pro"}}),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["name"].as_str(), &body["customData"]),
        (Some("Hana"), &j!({"plan": "pro"}))
    );
    let (status, body) = patch(full.clone(), j!({"primaryEmail": "x@example.com"}), None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("guard.invalid_input"))
    );
    assert!(
        body["details"]
            .as_str()
            .unwrap_or("")
            .contains("primaryEmail"),
        "{body}"
    );
    let (status, body) = patch(full.clone(), j!({"name": 5}), None).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = patch(full.clone(), j!({"username": "acct_hana2"}), None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("verification_record.permission_denied"))
    );
    let (status, body) = call(
        &server,
        Method::PATCH,
        "/api/my-account/profile",
        Some(&full),
        None,
        Some(j!({"givenName": "Hana", "nickname": "H"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["givenName"].as_str(), body["nickname"].as_str()),
        (Some("Hana"), Some("H"))
    );
    let user_view = json(server.get(&format!("/api/users/{uid}")).await).await;
    assert_eq!(user_view["name"], "Hana");
    assert_eq!(user_view["profile"]["givenName"], "Hana");

    // Password change: a verification record from the current password.
    let (status, body) = call(
        &server,
        Method::POST,
        "/api/my-account/password",
        Some(&full),
        None,
        Some(j!({"password": NEW_PASSWORD})),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("verification_record.permission_denied"))
    );
    let (status, _) = call(
        &server,
        Method::POST,
        "/api/my-account/password",
        Some(&full),
        Some("forged"),
        Some(j!({"password": NEW_PASSWORD})),
    )
    .await;
    assert_eq!(status, 401);
    let (status, _) = call(
        &server,
        Method::POST,
        "/api/verifications/password",
        Some(&full),
        None,
        Some(j!({"password": "wrong password"})),
    )
    .await;
    assert_eq!(status, 422);
    let (status, record) = call(
        &server,
        Method::POST,
        "/api/verifications/password",
        Some(&full),
        None,
        Some(j!({"password": PASSWORD})),
    )
    .await;
    assert_eq!(status, 201, "{record}");
    let vid = record["verificationRecordId"]
        .as_str()
        .expect("record id")
        .to_owned();
    assert!(
        record["expiresAt"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z')),
        "{record}"
    );
    let (status, body) = patch(
        full.clone(),
        j!({"username": "acct_hana2"}),
        Some(vid.clone()),
    )
    .await;
    assert_eq!(
        (status, body["username"].as_str()),
        (200, Some("acct_hana2")),
        "{body}"
    );

    // Another user's record is no good for this one.
    user(&server, "acct_ivan").await;
    let ivan = access(&tokens_with(&server, &spa, "acct_ivan", ALL_SCOPES).await);
    let (status, _) = call(
        &server,
        Method::POST,
        "/api/my-account/password",
        Some(&ivan),
        Some(&vid),
        Some(j!({"password": NEW_PASSWORD})),
    )
    .await;
    assert_eq!(status, 401);

    // Sessions and grants: need urn:logto:scope:sessions.
    let (status, body) = call(
        &server,
        Method::GET,
        "/api/my-account/sessions",
        Some(&minimal),
        None,
        None,
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("auth.unauthorized"))
    );
    let (status, body) = call(
        &server,
        Method::GET,
        "/api/my-account/sessions",
        Some(&full),
        None,
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let sessions = body["sessions"].as_array().expect("sessions");
    assert_eq!(sessions.len(), 2, "{body}");
    assert_eq!(
        sessions.iter().filter(|s| s["isCurrent"] == true).count(),
        1
    );
    let other_session = sessions
        .iter()
        .find(|s| s["isCurrent"] == false)
        .and_then(|s| s["payload"]["uid"].as_str())
        .expect("the other session")
        .to_owned();
    let (status, body) = call(
        &server,
        Method::GET,
        "/api/my-account/grants",
        Some(&full),
        None,
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["grants"].as_array().map(Vec::len), Some(2), "{body}");

    let minimal_grant = minimal.split('.').next().expect("grant id").to_owned();
    let path = format!("/api/my-account/grants/{minimal_grant}");
    let (status, _) = call(&server, Method::DELETE, &path, Some(&full), None, None).await;
    assert_eq!(status, 401, "revoking needs a verification record");
    let (status, _) = call(
        &server,
        Method::DELETE,
        &path,
        Some(&full),
        Some(&vid),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = call(
        &server,
        Method::GET,
        "/api/my-account",
        Some(&minimal),
        None,
        None,
    )
    .await;
    assert_eq!(status, 401, "the revoked grant's access token is dead");
    let (status, _) = call(
        &server,
        Method::DELETE,
        &path,
        Some(&full),
        Some(&vid),
        None,
    )
    .await;
    assert_eq!(status, 404);
    let ivan_grant = ivan.split('.').next().expect("grant id").to_owned();
    let (status, _) = call(
        &server,
        Method::DELETE,
        &format!("/api/my-account/grants/{ivan_grant}"),
        Some(&full),
        Some(&vid),
        None,
    )
    .await;
    assert_eq!(status, 404, "another user's grant is not found");

    let path = format!("/api/my-account/sessions/{other_session}?revokeGrantsTarget=all");
    let (status, _) = call(
        &server,
        Method::DELETE,
        &path,
        Some(&full),
        Some(&vid),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let body = json(server.get(&format!("/api/users/{uid}/sessions")).await).await;
    assert_eq!(body["sessions"].as_array().map(Vec::len), Some(1), "{body}");
    let (status, body) = call(
        &server,
        Method::GET,
        "/api/my-account/sessions",
        Some(&full),
        None,
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["sessions"][0]["isCurrent"], true, "{body}");

    // The password change comes last: it ends the user's other sessions and grants.
    let (status, body) = call(
        &server,
        Method::POST,
        "/api/my-account/password",
        Some(&full),
        Some(&vid),
        Some(j!({"password": NEW_PASSWORD})),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let (status, _) = call(
        &server,
        Method::POST,
        "/api/verifications/password",
        Some(&full),
        None,
        Some(j!({"password": PASSWORD})),
    )
    .await;
    assert_eq!(status, 422, "the old password no longer verifies");
    let (status, _) = call(
        &server,
        Method::POST,
        "/api/verifications/password",
        Some(&full),
        None,
        Some(j!({"password": NEW_PASSWORD})),
    )
    .await;
    assert_eq!(status, 201);
}
