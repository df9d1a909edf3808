//! The Management API's user routes over HTTP against the real binary, on SQLite and
//! Postgres: get, list with Logto's search parameters, patch (nullable fields clear),
//! password set and verify, has-password, custom data, profile, suspension and deletion —
//! with Logto's statuses and error codes, and the field named in every 400.

use crate::common;
use crate::common::users_flow;

use common::{Backend, Deployment, Server};
use serde_json::{json as j, Value};
use users_flow::{redeem, refresh, sign_in, spa};

both_backends!(
    patch_clears_nullable_fields_and_moves_identifier_claims,
    password_custom_data_profile_and_suspension_routes,
    delete_frees_identifiers_and_unknown_ids_are_404,
    search_parameters_follow_logto,
    suspension_and_deletion_sign_the_user_out_everywhere,
);

async fn expect(response: reqwest::Response, status: u16) -> Value {
    let got = response.status().as_u16();
    let body = response.text().await.unwrap_or_default();
    assert_eq!(got, status, "body: {body}");
    serde_json::from_str(&body).unwrap_or(Value::Null)
}

async fn create(server: &Server, body: Value) -> Value {
    expect(server.post_json("/api/users", &body).await, 200).await
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_owned()
}

/// A 400 whose details name `field`.
async fn bad_field(response: reqwest::Response, field: &str) {
    let body = expect(response, 400).await;
    assert_eq!(body["code"], "guard.invalid_input", "{body}");
    let details = body["details"].as_str().unwrap_or_default();
    assert!(details.starts_with(&format!("{field}:")), "{field}: {body}");
}

async fn patch_clears_nullable_fields_and_moves_identifier_claims(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let alice = create(
        &server,
        j!({"username": "alice", "primaryEmail": "alice@example.com", "name": "Alice",
            "avatar": "https://img.example/a.png", "customData": {"a": 1},
            "profile": {"givenName": "Al"}}),
    )
    .await;
    let alice_id = id(&alice);
    let bob = create(&server, j!({"username": "bob"})).await;
    let bob_id = id(&bob);

    // Null clears, absent keeps, customData is replaced whole.
    let path = format!("/api/users/{alice_id}");
    let patched = expect(
        server
            .patch_json(
                &path,
                &j!({"name": null, "avatar": null, "username": "alice2", "customData": {"b": 2}}),
            )
            .await,
        200,
    )
    .await;
    assert_eq!(patched["name"], Value::Null);
    assert_eq!(patched["avatar"], Value::Null);
    assert_eq!(patched["username"], "alice2");
    assert_eq!(patched["primaryEmail"], "alice@example.com");
    assert_eq!(patched["customData"], j!({"b": 2}));
    assert_eq!(patched["profile"], j!({"givenName": "Al"}));
    assert!(patched["updatedAt"].as_i64() >= alice["updatedAt"].as_i64());
    let got = expect(server.get(&path).await, 200).await;
    assert_eq!(got, patched);

    // The old username is free again, the new one is taken.
    let r = server
        .patch_json(&format!("/api/users/{bob_id}"), &j!({"username": "alice2"}))
        .await;
    assert_eq!(expect(r, 422).await["code"], "user.username_already_in_use");
    let r = server
        .patch_json(&format!("/api/users/{bob_id}"), &j!({"username": "alice"}))
        .await;
    assert_eq!(expect(r, 200).await["username"], "alice");
    let r = server
        .patch_json(
            &format!("/api/users/{bob_id}"),
            &j!({"primaryEmail": "ALICE@example.com"}),
        )
        .await;
    assert_eq!(expect(r, 422).await["code"], "user.email_already_in_use");
    // Clearing the email frees it.
    expect(
        server.patch_json(&path, &j!({"primaryEmail": null})).await,
        200,
    )
    .await;
    let r = server
        .patch_json(
            &format!("/api/users/{bob_id}"),
            &j!({"primaryEmail": "alice@example.com"}),
        )
        .await;
    assert_eq!(expect(r, 200).await["primaryEmail"], "alice@example.com");

    // Client mistakes name the field.
    bad_field(
        server
            .patch_json(&path, &j!({"primaryEmail": "nope"}))
            .await,
        "primaryEmail",
    )
    .await;
    bad_field(
        server.patch_json(&path, &j!({"username": 5})).await,
        "username",
    )
    .await;
    bad_field(
        server.patch_json(&path, &j!({"customData": []})).await,
        "customData",
    )
    .await;
    bad_field(
        server
            .patch_json(&path, &j!({"profile": {"nickname": 1}}))
            .await,
        "profile.nickname",
    )
    .await;
    bad_field(
        server.patch_json(&path, &j!({"password": "x"})).await,
        "password",
    )
    .await;
    let r = server
        .patch_json("/api/users/doesnotexist00000000a", &j!({"name": "x"}))
        .await;
    assert_eq!(expect(r, 404).await["code"], "entity.not_exists_with_id");
}

async fn password_custom_data_profile_and_suspension_routes(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let user = create(
        &server,
        j!({"username": "carol", "customData": {"keep": true}}),
    )
    .await;
    let uid = id(&user);
    let at = |suffix: &str| format!("/api/users/{uid}{suffix}");

    // Password: none yet, set, verify, wrong.
    assert_eq!(
        expect(server.get(&at("/has-password")).await, 200).await,
        j!({"hasPassword": false})
    );
    let r = server
        .post_json(&at("/password/verify"), &j!({"password": "anything"}))
        .await;
    assert_eq!(expect(r, 422).await["code"], "session.invalid_credentials");
    let r = server
        .patch_json(&at("/password"), &j!({"password": "s3cret-pass"}))
        .await;
    assert_eq!(expect(r, 200).await["hasPassword"], true);
    assert_eq!(
        expect(server.get(&at("/has-password")).await, 200).await,
        j!({"hasPassword": true})
    );
    let r = server
        .post_json(&at("/password/verify"), &j!({"password": "s3cret-pass"}))
        .await;
    assert_eq!(r.status(), 204);
    let r = server
        .post_json(&at("/password/verify"), &j!({"password": "wrong"}))
        .await;
    assert_eq!(expect(r, 422).await["code"], "session.invalid_credentials");
    bad_field(
        server.patch_json(&at("/password"), &j!({})).await,
        "password",
    )
    .await;
    bad_field(
        server
            .post_json(&at("/password/verify"), &j!({"password": 1}))
            .await,
        "password",
    )
    .await;
    let hashed = expect(server.get(&at("?includePasswordHash=true")).await, 200).await;
    assert_eq!(hashed["passwordAlgorithm"], "Argon2id");
    assert!(hashed["passwordDigest"]
        .as_str()
        .unwrap_or_default()
        .starts_with("$argon2id$"));
    let plain = expect(server.get(&at("")).await, 200).await;
    assert!(plain.get("passwordDigest").is_none(), "{plain}");

    // Custom data merges shallowly; PATCH /users/{id} replaced it whole.
    assert_eq!(
        expect(server.get(&at("/custom-data")).await, 200).await,
        j!({"keep": true})
    );
    let r = server
        .patch_json(&at("/custom-data"), &j!({"customData": {"add": [1, 2]}}))
        .await;
    assert_eq!(expect(r, 200).await, j!({"keep": true, "add": [1, 2]}));
    assert_eq!(
        expect(server.get(&at("")).await, 200).await["customData"],
        j!({"keep": true, "add": [1, 2]})
    );
    bad_field(
        server.patch_json(&at("/custom-data"), &j!({})).await,
        "customData",
    )
    .await;

    // Profile merges too; null removes a key.
    let r = server
        .patch_json(
            &at("/profile"),
            &j!({"profile": {"givenName": "C", "locale": "fr"}}),
        )
        .await;
    assert_eq!(expect(r, 200).await, j!({"givenName": "C", "locale": "fr"}));
    let r = server
        .patch_json(
            &at("/profile"),
            &j!({"profile": {"locale": null, "nickname": "cc"}}),
        )
        .await;
    assert_eq!(
        expect(r, 200).await,
        j!({"givenName": "C", "nickname": "cc"})
    );
    bad_field(
        server
            .patch_json(&at("/profile"), &j!({"profile": {"website": 3}}))
            .await,
        "profile.website",
    )
    .await;

    // Suspension.
    let r = server
        .patch_json(&at("/is-suspended"), &j!({"isSuspended": true}))
        .await;
    assert_eq!(expect(r, 200).await["isSuspended"], true);
    let listed = expect(server.get("/api/users?search.username=carol").await, 200).await;
    assert_eq!(listed[0]["isSuspended"], true);
    let r = server
        .patch_json(&at("/is-suspended"), &j!({"isSuspended": false}))
        .await;
    assert_eq!(expect(r, 200).await["isSuspended"], false);
    bad_field(
        server
            .patch_json(&at("/is-suspended"), &j!({"isSuspended": "yes"}))
            .await,
        "isSuspended",
    )
    .await;

    // Every route answers 404 for a user that does not exist.
    let ghost = "/api/users/ghost0000000000000000a";
    for response in [
        server.get(&format!("{ghost}/has-password")).await,
        server.get(&format!("{ghost}/custom-data")).await,
        server
            .patch_json(&format!("{ghost}/custom-data"), &j!({"customData": {}}))
            .await,
        server
            .patch_json(&format!("{ghost}/profile"), &j!({"profile": {}}))
            .await,
        server
            .patch_json(&format!("{ghost}/password"), &j!({"password": "x1234567"}))
            .await,
        server
            .post_json(&format!("{ghost}/password/verify"), &j!({"password": "x"}))
            .await,
        server
            .patch_json(&format!("{ghost}/is-suspended"), &j!({"isSuspended": true}))
            .await,
        server.delete(ghost).await,
    ] {
        assert_eq!(
            expect(response, 404).await["code"],
            "entity.not_exists_with_id"
        );
    }
}

async fn delete_frees_identifiers_and_unknown_ids_are_404(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let dave = create(
        &server,
        j!({"username": "dave", "primaryEmail": "dave@example.com", "password": "pw-of-dave"}),
    )
    .await;
    let path = format!("/api/users/{}", id(&dave));
    let r = server.delete(&path).await;
    assert_eq!(r.status(), 204);
    assert_eq!(r.text().await.unwrap_or_default(), "");
    assert_eq!(
        expect(server.get(&path).await, 404).await["code"],
        "entity.not_exists_with_id"
    );
    assert_eq!(
        expect(server.delete(&path).await, 404).await["code"],
        "entity.not_exists_with_id"
    );
    let listed = expect(server.get("/api/users?search.username=dave").await, 200).await;
    assert_eq!(listed, j!([]));
    // The identifiers are free for a new user.
    let again = create(
        &server,
        j!({"username": "dave", "primaryEmail": "dave@example.com"}),
    )
    .await;
    assert_ne!(id(&again), id(&dave));
}

/// A list and its Total-Number header.
async fn list(server: &Server, q: &str) -> (Value, Option<u64>) {
    let r = server.get(&format!("/api/users?{q}")).await;
    let total = r
        .headers()
        .get("total-number")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    (expect(r, 200).await, total)
}

async fn search_parameters_follow_logto(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    for (username, email, name) in [
        ("erin", "erin@corp.example", "Erin Smith"),
        ("frank", "frank@home.example", "Frank Smith"),
        ("grace", "grace@corp.example", "Grace Jones"),
    ] {
        create(
            &server,
            j!({"username": username, "primaryEmail": email, "name": name}),
        )
        .await;
    }
    let names = |v: &Value| {
        let mut n: Vec<String> = v
            .as_array()
            .expect("array")
            .iter()
            .map(|u| u["username"].as_str().unwrap_or_default().to_owned())
            .collect();
        n.sort();
        n
    };
    let (body, total) = list(&server, "search=%25smith%25").await;
    assert_eq!(names(&body), ["erin", "frank"]);
    assert_eq!(total, Some(2));
    let (body, _) = list(
        &server,
        "search.primaryEmail=%25corp%25&search.name=%25Smith%25&joint=and",
    )
    .await;
    assert_eq!(names(&body), ["erin"]);
    let (body, _) = list(
        &server,
        "search.primaryEmail=%25corp%25&search.name=%25Smith%25&jointMode=or",
    )
    .await;
    assert_eq!(names(&body), ["erin", "frank", "grace"]);
    let (body, _) = list(
        &server,
        "search.username=erin&search.username=grace&mode.username=exact",
    )
    .await;
    assert_eq!(names(&body), ["erin", "grace"]);
    let (body, _) = list(&server, "search=%25SMITH%25&isCaseSensitive=true").await;
    assert_eq!(names(&body), Vec::<String>::new());
    let (body, total) = list(&server, "page_size=1&page=2").await;
    assert_eq!(body.as_array().map(Vec::len), Some(1));
    assert_eq!(total, Some(3));

    // excludeRoleId: users holding the role drop out.
    let role = expect(
        server
            .post_json(
                "/api/roles",
                &j!({"name": "staff", "description": "staff", "type": "User"}),
            )
            .await,
        200,
    )
    .await;
    let erin = list(&server, "search.username=erin&mode.username=exact")
        .await
        .0;
    let r = server
        .post_json(
            &format!("/api/users/{}/roles", id(&erin[0])),
            &j!({"roleIds": [id(&role)]}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let r = server
        .get(&format!("/api/users?excludeRoleId={}", id(&role)))
        .await;
    assert_eq!(names(&expect(r, 200).await), ["frank", "grace"]);

    // Regular-expression modes run on Postgres; SQLite says it cannot.
    let r = server
        .get("/api/users?search.username=%5E(erin%7Cgrace)%24&mode.username=posix")
        .await;
    let r2 = server
        .get("/api/users?search.name=%25Smith&mode.name=similar_to&isCaseSensitive=true")
        .await;
    if backend == Backend::Postgres {
        assert_eq!(names(&expect(r, 200).await), ["erin", "grace"]);
        assert_eq!(names(&expect(r2, 200).await), ["erin", "frank"]);
    } else {
        assert_eq!(expect(r, 400).await["code"], "request.invalid_input");
        assert_eq!(r2.status(), 400);
    }

    // Invalid search input is a 400.
    for q in [
        "search.password=x",
        "search=a&search=b",
        "mode=regex&search=a",
        "joint=xor",
        "isCaseSensitive=maybe",
        "page_size=0",
        "excludeRoleId=a&excludeOrganizationId=b",
    ] {
        let r = server.get(&format!("/api/users?{q}")).await;
        assert_eq!(r.status(), 400, "{q}");
    }
}

async fn suspension_and_deletion_sign_the_user_out_everywhere(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let client = spa(&server).await;
    let user = create(
        &server,
        j!({"username": "heidi", "password": "heidi-pass-1"}),
    )
    .await;
    let path = format!("/api/users/{}", id(&user));

    // Two sign-ins (two grants), both with refresh tokens that work.
    let mut refresh_tokens = Vec::new();
    for _ in 0..2 {
        let (status, back) = sign_in(&server, &client, "heidi", "heidi-pass-1").await;
        assert_eq!(status, 303);
        let tokens = redeem(&server, &client, &back).await;
        let token = tokens["refresh_token"].as_str().expect("refresh token");
        refresh_tokens.push(token.to_owned());
    }

    // Suspension ends both at once, and the form refuses the user.
    let r = server
        .patch_json(&format!("{path}/is-suspended"), &j!({"isSuspended": true}))
        .await;
    assert_eq!(expect(r, 200).await["isSuspended"], true);
    for token in &refresh_tokens {
        assert_eq!(
            refresh(&server, &client, token).await,
            400,
            "refresh after suspension"
        );
    }
    let (status, _) = sign_in(&server, &client, "heidi", "heidi-pass-1").await;
    assert_eq!(status, 400, "a suspended user signs in");

    // Unsuspended, the user signs in again; deletion ends that grant too.
    let r = server
        .patch_json(&format!("{path}/is-suspended"), &j!({"isSuspended": false}))
        .await;
    assert_eq!(r.status(), 200);
    let (status, back) = sign_in(&server, &client, "heidi", "heidi-pass-1").await;
    assert_eq!(status, 303);
    let tokens = redeem(&server, &client, &back).await;
    let token = tokens["refresh_token"]
        .as_str()
        .expect("refresh token")
        .to_owned();
    assert_eq!(server.delete(&path).await.status(), 204);
    assert_eq!(
        refresh(&server, &client, &token).await,
        400,
        "refresh after deletion"
    );
    let (status, _) = sign_in(&server, &client, "heidi", "heidi-pass-1").await;
    assert_eq!(status, 400, "a deleted user signs in");
}
