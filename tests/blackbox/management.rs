//! Management API black-box tests: applications (secrets shown once), API resources and
//! scopes, roles and their assignment to machine-to-machine apps, and Logto's error
//! shapes — on SQLite and on Postgres. Every request goes through `common::Server`.

use crate::common;

use common::{Backend, Deployment, Server};
use serde_json::{json, Value};

both_backends!(
    applications_lifecycle_and_secrets_shown_once,
    resources_scopes_and_roles_assigned_to_m2m_apps,
    client_mistakes_name_the_field_and_unknown_ids_are_404,
    racing_creates_of_one_indicator_or_role_name_let_exactly_one_win,
);

async fn expect(response: reqwest::Response, status: u16) -> Value {
    let got = response.status().as_u16();
    let body = response.text().await.unwrap_or_default();
    assert_eq!(got, status, "body: {body}");
    serde_json::from_str(&body).unwrap_or(Value::Null)
}

async fn post(server: &Server, path: &str, body: Value, status: u16) -> Value {
    expect(server.post_json(path, &body).await, status).await
}

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_owned()
}

async fn applications_lifecycle_and_secrets_shown_once(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let web = post(
        &server,
        "/api/applications",
        json!({
            "name": "Web", "type": "Traditional", "description": "the web app",
            "oidcClientMetadata": {"redirectUris": ["https://app.example/cb"], "postLogoutRedirectUris": []},
            "customClientMetadata": {"rotateRefreshToken": true},
            "customData": {"team": "a"}
        }),
        200,
    )
    .await;
    let web_id = id(&web);
    let secret = web["secret"].as_str().expect("secret shown on creation");
    assert!(secret.len() >= 32, "{secret}");
    assert_eq!(web["tenantId"], "default");
    assert_eq!(web["type"], "Traditional");
    assert_eq!(web["isThirdParty"], false);
    assert_eq!(web["appLevelAccessControlEnabled"], false);
    assert_eq!(web["protectedAppMetadata"], Value::Null);
    assert_eq!(
        web["oidcClientMetadata"]["redirectUris"],
        json!(["https://app.example/cb"])
    );
    assert!(web["createdAt"].as_i64().unwrap() > 0);

    // Never again: not in GET, not in lists, not in the secrets list.
    let got = expect(
        server.get(&format!("/api/applications/{web_id}")).await,
        200,
    )
    .await;
    assert!(got.get("secret").is_none(), "{got}");
    assert_eq!(got["customData"], json!({"team": "a"}));
    assert!(!got.to_string().contains(secret));
    let spa = post(
        &server,
        "/api/applications",
        json!({"name": "SPA", "type": "SPA"}),
        200,
    )
    .await;
    assert!(
        spa.get("secret").is_none(),
        "public clients get no secret: {spa}"
    );

    let list = server.get("/api/applications").await;
    assert!(header(&list, "total-number").is_none(), "unpaginated");
    let all = expect(list, 200).await;
    let ids: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["id"].as_str())
        .collect();
    assert!(ids.contains(&web_id.as_str()) && ids.contains(&id(&spa).as_str()));
    assert!(!all.to_string().contains(secret));
    let paged = server.get("/api/applications?page_size=1").await;
    let total: u64 = header(&paged, "total-number").unwrap().parse().unwrap();
    assert!(total >= 2);
    assert_eq!(expect(paged, 200).await.as_array().unwrap().len(), 1);
    // Logto's list filters.
    let spas = expect(server.get("/api/applications?types=SPA").await, 200).await;
    let spas = spas.as_array().unwrap();
    assert!(!spas.is_empty() && spas.iter().all(|a| a["type"] == "SPA"));
    let found = expect(
        server.get("/api/applications?search=%25the%20web%25").await,
        200,
    )
    .await;
    assert_eq!(found.as_array().unwrap().len(), 1, "{found}");
    let third = expect(server.get("/api/applications?isThirdParty=true").await, 200).await;
    assert!(third.as_array().unwrap().is_empty());
    expect(server.get("/api/applications?types=Robot").await, 400).await;

    // isAdmin: an M2M app given Management API access (the role holding `all`).
    let bot = post(
        &server,
        "/api/applications",
        json!({"name": "Ops bot", "type": "MachineToMachine"}),
        200,
    )
    .await;
    let bot_path = format!("/api/applications/{}", id(&bot));
    assert_eq!(
        expect(server.get(&bot_path).await, 200).await["isAdmin"],
        false
    );
    let patch = json!({"isAdmin": true});
    expect(server.patch_json(&bot_path, &patch).await, 200).await;
    assert_eq!(
        expect(server.get(&bot_path).await, 200).await["isAdmin"],
        true
    );
    let spa_path = format!("/api/applications/{}", id(&spa));
    expect(server.patch_json(&spa_path, &patch).await, 422).await;

    // PATCH merges top-level keys of customData; description can be cleared.
    let patched = expect(
        server
            .patch_json(
                &format!("/api/applications/{web_id}"),
                &json!({"name": "Web 2", "description": null, "customData": {"env": "prod"}}),
            )
            .await,
        200,
    )
    .await;
    assert_eq!(patched["name"], "Web 2");
    assert_eq!(patched["description"], Value::Null);
    assert_eq!(patched["customData"], json!({"team": "a", "env": "prod"}));
    assert_eq!(patched["createdAt"], web["createdAt"]);

    // Secrets: names and lifetimes only; a new one's value is shown once.
    let secrets_path = format!("/api/applications/{web_id}/secrets");
    let secrets = expect(server.get(&secrets_path).await, 200).await;
    assert_eq!(secrets.as_array().unwrap().len(), 1);
    assert_eq!(secrets[0]["name"], "default");
    assert!(secrets[0].get("value").is_none(), "{secrets}");
    let added = post(&server, &secrets_path, json!({"name": "ci"}), 201).await;
    assert_eq!(added["name"], "ci");
    let value = added["value"]
        .as_str()
        .expect("value shown once")
        .to_owned();
    let secrets = expect(server.get(&secrets_path).await, 200).await;
    assert_eq!(secrets.as_array().unwrap().len(), 2);
    assert!(!secrets.to_string().contains(&value));
    post(&server, &secrets_path, json!({"name": "ci"}), 422).await;
    post(
        &server,
        &format!("/api/applications/{}/secrets", id(&spa)),
        json!({"name": "x"}),
        422,
    )
    .await;
    expect(server.delete(&format!("{secrets_path}/ci")).await, 204).await;
    expect(server.delete(&format!("{secrets_path}/ci")).await, 404).await;

    // Delete: 204, then 404 everywhere.
    expect(
        server.delete(&format!("/api/applications/{web_id}")).await,
        204,
    )
    .await;
    let gone = expect(
        server.get(&format!("/api/applications/{web_id}")).await,
        404,
    )
    .await;
    assert_eq!(gone["code"], "entity.not_exists_with_id");
    expect(server.get(&secrets_path).await, 404).await;
}

async fn resources_scopes_and_roles_assigned_to_m2m_apps(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let indicator = "https://orders.example.com/api";
    let resource = post(
        &server,
        "/api/resources",
        json!({"name": "Orders", "indicator": indicator}),
        201,
    )
    .await;
    let rid = id(&resource);
    assert_eq!(resource["accessTokenTtl"], 3600);
    assert_eq!(resource["isDefault"], false);
    let dup = post(
        &server,
        "/api/resources",
        json!({"name": "Again", "indicator": indicator}),
        422,
    )
    .await;
    assert_eq!(dup["code"], "resource.indicator_in_use");
    let patched = expect(
        server
            .patch_json(
                &format!("/api/resources/{rid}"),
                &json!({"name": "Orders API", "accessTokenTtl": 600}),
            )
            .await,
        200,
    )
    .await;
    assert_eq!(
        (patched["name"].clone(), patched["accessTokenTtl"].clone()),
        (json!("Orders API"), json!(600))
    );
    let listed = expect(server.get("/api/resources?includeScopes=true").await, 200).await;
    assert!(listed
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["id"] == rid.as_str()));
    // The Management API itself is listed, with its one scope `all`, and stays.
    let management = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["indicator"] == "https://default.logto.app/api")
        .cloned()
        .expect("the Management API resource is listed");
    assert_eq!(management["scopes"][0]["name"], "all", "{management}");
    let refused = expect(
        server
            .delete(&format!("/api/resources/{}", id(&management)))
            .await,
        422,
    )
    .await;
    assert_eq!(refused["code"], "resource.cannot_delete_management_api");

    // Scopes.
    let scopes_path = format!("/api/resources/{rid}/scopes");
    let read = post(
        &server,
        &scopes_path,
        json!({"name": "read:orders", "description": "Read"}),
        201,
    )
    .await;
    let write = post(&server, &scopes_path, json!({"name": "write:orders"}), 201).await;
    let extra = post(&server, &scopes_path, json!({"name": "extra"}), 201).await;
    assert_eq!(read["resourceId"], rid.as_str());
    post(&server, &scopes_path, json!({"name": "read:orders"}), 422).await;
    let renamed = expect(
        server
            .patch_json(
                &format!("{scopes_path}/{}", id(&extra)),
                &json!({"description": "more"}),
            )
            .await,
        200,
    )
    .await;
    assert_eq!(
        (renamed["name"].clone(), renamed["description"].clone()),
        (json!("extra"), json!("more"))
    );
    expect(
        server
            .delete(&format!("{scopes_path}/{}", id(&extra)))
            .await,
        204,
    )
    .await;
    let scopes = expect(server.get(&scopes_path).await, 200).await;
    let names: Vec<&str> = scopes
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(names, vec!["read:orders", "write:orders"]);

    // Roles: unique names, scopes on creation and later.
    let role = post(
        &server,
        "/api/roles",
        json!({"name": "Order bot", "description": "bots", "type": "MachineToMachine", "scopeIds": [id(&read)]}),
        200,
    )
    .await;
    let role_id = id(&role);
    assert_eq!(role["type"], "MachineToMachine");
    let dup = post(
        &server,
        "/api/roles",
        json!({"name": "order BOT", "description": "x"}),
        422,
    )
    .await;
    assert_eq!(dup["code"], "role.name_in_use");
    post(
        &server,
        "/api/roles",
        json!({"name": "ghost", "description": "x", "scopeIds": ["nosuchscope"]}),
        404,
    )
    .await;
    let user_role = post(
        &server,
        "/api/roles",
        json!({"name": "Viewer", "description": "people"}),
        200,
    )
    .await;
    assert_eq!(user_role["type"], "User");
    post(
        &server,
        &format!("/api/roles/{role_id}/scopes"),
        json!({"scopeIds": [id(&write)]}),
        201,
    )
    .await;
    let role_scopes = expect(
        server.get(&format!("/api/roles/{role_id}/scopes")).await,
        200,
    )
    .await;
    assert_eq!(role_scopes.as_array().unwrap().len(), 2, "{role_scopes}");
    assert_eq!(role_scopes[0]["resource"]["indicator"], indicator);
    let found = server.get("/api/roles?search=%25bot%25").await;
    assert_eq!(header(&found, "total-number").as_deref(), Some("1"));
    let found = expect(found, 200).await;
    assert_eq!(found[0]["id"], role_id.as_str());
    // A rename frees the old name.
    expect(
        server
            .patch_json(
                &format!("/api/roles/{role_id}"),
                &json!({"name": "Order robot"}),
            )
            .await,
        200,
    )
    .await;
    post(
        &server,
        "/api/roles",
        json!({"name": "Order bot", "description": "reuses the freed name"}),
        200,
    )
    .await;

    // Assignment: machine roles to machine apps only.
    let m2m = post(
        &server,
        "/api/applications",
        json!({"name": "Bot", "type": "MachineToMachine"}),
        200,
    )
    .await;
    let spa = post(
        &server,
        "/api/applications",
        json!({"name": "Front", "type": "SPA"}),
        200,
    )
    .await;
    let m2m_id = id(&m2m);
    post(
        &server,
        &format!("/api/roles/{role_id}/applications"),
        json!({"applicationIds": [m2m_id]}),
        201,
    )
    .await;
    post(
        &server,
        &format!("/api/roles/{role_id}/applications"),
        json!({"applicationIds": [id(&spa)]}),
        422,
    )
    .await;
    post(
        &server,
        &format!("/api/applications/{m2m_id}/roles"),
        json!({"roleIds": [id(&user_role)]}),
        422,
    )
    .await;
    let apps = expect(
        server
            .get(&format!("/api/roles/{role_id}/applications"))
            .await,
        200,
    )
    .await;
    assert_eq!(apps[0]["id"], m2m_id.as_str());
    let listed = expect(server.get("/api/roles?search=order%25").await, 200).await;
    let bot_role = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == role_id.as_str())
        .cloned()
        .expect("role listed");
    assert_eq!(bot_role["applicationsCount"], 1, "{bot_role}");
    assert_eq!(bot_role["featuredApplications"][0]["id"], m2m_id.as_str());
    let assignable = expect(
        server
            .get(&format!(
                "/api/roles?type=MachineToMachine&excludeApplicationId={m2m_id}"
            ))
            .await,
        200,
    )
    .await;
    assert!(assignable
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["id"] != role_id.as_str() && r["type"] == "MachineToMachine"));
    let second = post(
        &server,
        "/api/roles",
        json!({"name": "Reporter", "description": "r", "type": "MachineToMachine"}),
        200,
    )
    .await;
    let assigned = post(
        &server,
        &format!("/api/applications/{m2m_id}/roles"),
        json!({"roleIds": [role_id, id(&second)]}),
        201,
    )
    .await;
    assert_eq!(assigned["addedRoleIds"], json!([id(&second)]));
    let app_roles = expect(
        server
            .get(&format!("/api/applications/{m2m_id}/roles"))
            .await,
        200,
    )
    .await;
    assert_eq!(app_roles.as_array().unwrap().len(), 2);
    expect(
        server
            .put_json(
                &format!("/api/applications/{m2m_id}/roles"),
                &json!({"roleIds": [id(&second)]}),
            )
            .await,
        200,
    )
    .await;
    let app_roles = expect(
        server
            .get(&format!("/api/applications/{m2m_id}/roles"))
            .await,
        200,
    )
    .await;
    assert_eq!(app_roles.as_array().unwrap().len(), 1);
    assert_eq!(app_roles[0]["id"], id(&second).as_str());
    expect(
        server
            .delete(&format!("/api/applications/{m2m_id}/roles/{}", id(&second)))
            .await,
        204,
    )
    .await;
    expect(
        server
            .delete(&format!("/api/applications/{m2m_id}/roles/{}", id(&second)))
            .await,
        404,
    )
    .await;

    // Removing a scope from a role, deleting a role and a resource.
    expect(
        server
            .delete(&format!("/api/roles/{role_id}/scopes/{}", id(&write)))
            .await,
        204,
    )
    .await;
    let role_scopes = expect(
        server.get(&format!("/api/roles/{role_id}/scopes")).await,
        200,
    )
    .await;
    assert_eq!(role_scopes.as_array().unwrap().len(), 1);
    expect(server.delete(&format!("/api/roles/{role_id}")).await, 204).await;
    expect(server.get(&format!("/api/roles/{role_id}")).await, 404).await;
    expect(server.delete(&format!("/api/resources/{rid}")).await, 204).await;
    expect(server.get(&format!("/api/resources/{rid}")).await, 404).await;
    // The indicator is free again.
    post(
        &server,
        "/api/resources",
        json!({"name": "Orders v2", "indicator": indicator}),
        201,
    )
    .await;
}

async fn client_mistakes_name_the_field_and_unknown_ids_are_404(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    for (path, body, field) in [
        (
            "/api/applications",
            json!({"name": 5, "type": "SPA"}),
            "name",
        ),
        ("/api/applications", json!({"name": "x"}), "type"),
        (
            "/api/applications",
            json!({"name": "x", "type": "Robot"}),
            "type",
        ),
        (
            "/api/applications",
            json!({"name": "x", "type": "SPA", "oidcClientMetadata": {"redirectUris": ["myapp://cb"]}}),
            "oidcClientMetadata",
        ),
        (
            "/api/resources",
            json!({"name": "x", "indicator": "not a uri"}),
            "indicator",
        ),
        (
            "/api/resources",
            json!({"name": "x", "indicator": "https://a.example", "accessTokenTtl": 0}),
            "accessTokenTtl",
        ),
        ("/api/roles", json!({"description": "no name"}), "name"),
        ("/api/roles", json!({"name": "r", "type": "Admin"}), "type"),
        (
            "/api/roles",
            json!({"name": "r", "scopeIds": "all"}),
            "scopeIds",
        ),
    ] {
        let body = post(&server, path, body.clone(), 400).await;
        assert_eq!(body["code"], "guard.invalid_input", "{path} {body}");
        let details = body["details"].as_str().unwrap_or_default();
        assert!(
            details.contains(field),
            "{path}: {details} should name {field}"
        );
    }
    let malformed = server.post_raw("/api/applications", "{not json").await;
    assert_eq!(malformed.status(), 400);
    // U+0000 anywhere (here a key deep in customClientMetadata, as schemathesis once sent)
    // is the client's mistake, not a 500 from a database that cannot store it.
    let nul = json!({"name": "x", "type": "SPA", "customClientMetadata": {"k\u{0}": {"a": 1}}});
    let body = post(&server, "/api/applications", nul, 400).await;
    assert_eq!(body["code"], "guard.invalid_input", "{body}");
    assert!(
        body["details"]
            .as_str()
            .unwrap_or_default()
            .contains("U+0000"),
        "{body}"
    );

    for path in [
        "/api/applications/nosuchapp",
        "/api/applications/nosuchapp/secrets",
        "/api/applications/nosuchapp/roles",
        "/api/resources/nosuchresource",
        "/api/resources/nosuchresource/scopes",
        "/api/roles/nosuchrole",
        "/api/roles/nosuchrole/scopes",
        "/api/roles/nosuchrole/applications",
    ] {
        let body = expect(server.get(path).await, 404).await;
        assert_eq!(body["code"], "entity.not_exists_with_id", "{path}");
    }
    expect(server.delete("/api/roles/nosuchrole").await, 404).await;
    expect(
        server
            .patch_json("/api/applications/nosuchapp", &json!({"name": "x"}))
            .await,
        404,
    )
    .await;
    let bad_page = expect(server.get("/api/roles?page=0").await, 400).await;
    assert_eq!(bad_page["code"], "guard.invalid_pagination");
    expect(server.get("/api/applications?page_size=101").await, 400).await;
}

/// Uniqueness lives in the log (an identifier claim appended with the create), so of
/// several simultaneous creates exactly one commits and the others get Logto's 422.
async fn racing_creates_of_one_indicator_or_role_name_let_exactly_one_win(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = &deployment.start().await;
    let resource = |i: u32| {
        let body = json!({"name": format!("racer {i}"), "indicator": "https://race.example"});
        async move {
            server
                .post_json("/api/resources", &body)
                .await
                .status()
                .as_u16()
        }
    };
    let (a, b, c, d, e, f) = tokio::join!(
        resource(0),
        resource(1),
        resource(2),
        resource(3),
        resource(4),
        resource(5)
    );
    let mut statuses = vec![a, b, c, d, e, f];
    statuses.sort_unstable();
    assert_eq!(statuses, vec![201, 422, 422, 422, 422, 422]);
    let listed = expect(server.get("/api/resources").await, 200).await;
    let racers = listed
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["indicator"] == "https://race.example")
        .count();
    assert_eq!(racers, 1);

    let role = |i: u32| {
        let body = json!({"name": if i.is_multiple_of(2) { "Racer" } else { "RACER" }, "description": "x"});
        async move {
            server
                .post_json("/api/roles", &body)
                .await
                .status()
                .as_u16()
        }
    };
    let (a, b, c, d, e, f) = tokio::join!(role(0), role(1), role(2), role(3), role(4), role(5));
    let mut statuses = vec![a, b, c, d, e, f];
    statuses.sort_unstable();
    assert_eq!(statuses, vec![200, 422, 422, 422, 422, 422]);
    let found = server.get("/api/roles?search=racer").await;
    assert_eq!(header(&found, "total-number").as_deref(), Some("1"));
}
