//! Token exchange (RFC 8693; issue 16, item 2) against the real binary on SQLite and
//! Postgres: each subject token type (opaque and JWT access tokens, impersonation tokens
//! from `POST /api/subject-tokens`), an actor token's `act`, the per-application switch,
//! third-party applications refused, scopes never widened, impersonation tokens single
//! use, and every exchange a grant with its events and audit entry.

use crate::common::flow::{
    app, auth_url, browser, me, query, redeem_spa, sign_in, token, tokens_for, Jar, PASSWORD,
};
use crate::common::{json, Backend, Deployment, Server};
use base64::Engine;
use serde_json::{json as j, Value};

both_backends!(
    every_subject_token_type_exchanges_within_what_it_holds,
    exchange_is_refused_unless_allowed_and_for_spent_or_foreign_tokens,
    personal_access_tokens_are_managed_by_name_and_exchanged_until_deleted,
);

const API: &str = "https://docs.example.com/api";
const EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const ACCESS: &str = "urn:ietf:params:oauth:token-type:access_token";
const IMPERSONATION: &str = "urn:logto:token-type:impersonation_token";
const PAT: &str = "urn:logto:token-type:personal_access_token";

fn claims_of(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url");
    serde_json::from_slice(&bytes).expect("claims")
}

/// `url` with its `scope` parameter replaced.
fn with_scope(url: &str, scope: &str) -> String {
    let mut url = reqwest::Url::parse(url).expect("url");
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "scope" { scope.into() } else { v };
            (k.into_owned(), v.into_owned())
        })
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs);
    url.into()
}

async fn ok(r: reqwest::Response, status: u16) -> Value {
    let got = r.status().as_u16();
    let body = json(r).await;
    assert_eq!(got, status, "{body}");
    body
}

/// The resource with `read:docs` and `write:docs`, and a User role holding `read:docs`
/// assigned to `user_id`.
async fn docs_reader(server: &Server, user_id: &str) {
    let rid = ok(
        server
            .post_json("/api/resources", &j!({"name": "Docs", "indicator": API}))
            .await,
        201,
    )
    .await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let path = format!("/api/resources/{rid}/scopes");
    let read = ok(
        server.post_json(&path, &j!({"name": "read:docs"})).await,
        201,
    )
    .await;
    ok(
        server.post_json(&path, &j!({"name": "write:docs"})).await,
        201,
    )
    .await;
    let role = ok(
        server
            .post_json(
                "/api/roles",
                &j!({"name": "reader", "description": "reads", "type": "User", "scopeIds": [read["id"]]}),
            )
            .await,
        200,
    )
    .await;
    let r = server
        .post_json(
            &format!("/api/users/{user_id}/roles"),
            &j!({"roleIds": [role["id"]]}),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap_or_default());
}

/// A confidential application; `metadata` is its `customClientMetadata`.
async fn traditional(server: &Server, third_party: bool, metadata: Value) -> (String, String) {
    let body = ok(
        server
            .post_json(
                "/api/applications",
                &j!({
                    "name": "exchanger",
                    "type": "Traditional",
                    "isThirdParty": third_party,
                    "oidcClientMetadata": {"redirectUris": [crate::common::flow::CB], "postLogoutRedirectUris": []},
                    "customClientMetadata": metadata,
                }),
            )
            .await,
        200,
    )
    .await;
    (
        body["id"].as_str().expect("id").to_owned(),
        body["secret"].as_str().expect("secret").to_owned(),
    )
}

/// `POST /oidc/token` as the confidential `client` with the exchange's parameters.
async fn exchange(server: &Server, client: (&str, &str), params: &[(&str, &str)]) -> (u16, Value) {
    let mut form = vec![("grant_type", EXCHANGE)];
    form.extend_from_slice(params);
    let r = browser()
        .post(server.url("/oidc/token"))
        .basic_auth(client.0, Some(client.1))
        .form(&form)
        .send()
        .await
        .expect("token");
    let status = r.status().as_u16();
    (status, json(r).await)
}

async fn introspect(server: &Server, client: (&str, &str), token: &str) -> Value {
    let r = browser()
        .post(server.url("/oidc/token/introspection"))
        .basic_auth(client.0, Some(client.1))
        .form(&[("token", token)])
        .send()
        .await
        .expect("introspect");
    ok(r, 200).await
}

async fn subject_token(server: &Server, user_id: &str) -> String {
    let body = ok(
        server
            .post_json(
                "/api/subject-tokens",
                &j!({"userId": user_id, "context": {"ticket": "T-42"}}),
            )
            .await,
        201,
    )
    .await;
    assert_eq!(body["expiresIn"], 600, "{body}");
    body["subjectToken"].as_str().expect("token").to_owned()
}

fn assert_refused(result: &(u16, Value), error: &str, what: &str) {
    assert_eq!(
        (result.0, result.1["error"].as_str()),
        (400, Some(error)),
        "{what}: {}",
        result.1
    );
}

async fn every_subject_token_type_exchanges_within_what_it_holds(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let tess = crate::common::flow::user(&server, "tess").await;
    let ada = crate::common::flow::user(&server, "ada").await;
    docs_reader(&server, &tess).await;
    let (spa, _) = app(&server, "SPA", false).await;
    let (id, secret) = traditional(&server, false, j!({"allowTokenExchange": true})).await;
    let exchanger = (id.as_str(), secret.as_str());
    let discovery = ok(
        server
            .get_anonymous("/oidc/.well-known/openid-configuration")
            .await,
        200,
    )
    .await;
    assert!(
        discovery["grant_types_supported"]
            .as_array()
            .is_some_and(|g| g.contains(&j!(EXCHANGE))),
        "{discovery}"
    );

    // An opaque access token of the SPA (openid profile email …): exchanged for an
    // opaque token of the exchanger, with only the OIDC scopes the subject holds.
    let signed_in = tokens_for(&server, &spa, "tess").await;
    let opaque = signed_in["access_token"].as_str().expect("at");
    for round in 0..2 {
        let answer = exchange(
            &server,
            exchanger,
            &[
                ("subject_token", opaque),
                ("subject_token_type", ACCESS),
                ("scope", "openid profile phone read:docs offline_access"),
            ],
        )
        .await;
        assert_eq!(answer.0, 200, "round {round}: {}", answer.1);
        assert_eq!(answer.1["issued_token_type"], ACCESS);
        assert_eq!(answer.1["token_type"], "Bearer");
        assert_eq!(answer.1["scope"], "openid profile", "{}", answer.1);
        assert!(answer.1.get("refresh_token").is_none() && answer.1.get("id_token").is_none());
        let issued = answer.1["access_token"].as_str().expect("token");
        let userinfo = ok(me(&server, issued).await, 200).await;
        assert_eq!(userinfo["sub"], tess.as_str());
        let seen = introspect(&server, exchanger, issued).await;
        assert_eq!(
            (
                seen["active"].as_bool(),
                seen["sub"].as_str(),
                seen["client_id"].as_str()
            ),
            (Some(true), Some(tess.as_str()), Some(exchanger.0)),
            "{seen}"
        );
    }

    // A JWT access token for the docs API (scope read:docs): exchanged for the API, never
    // for more than it holds (write:docs dropped), signed here.
    let mut jar = Jar::default();
    let back = sign_in(
        &server,
        &mut jar,
        &with_scope(
            &auth_url(&server, &spa, &[("resource", API)]),
            "openid offline_access read:docs write:docs",
        ),
        "tess",
        PASSWORD,
    )
    .await;
    assert!(query(&back).contains_key("code"), "{back}");
    let tokens = redeem_spa(&server, &spa, &back).await;
    let (status, refreshed) = token(
        &server,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &spa),
            (
                "refresh_token",
                tokens["refresh_token"].as_str().expect("rt"),
            ),
            ("resource", API),
        ],
    )
    .await;
    assert_eq!(status, 200, "{refreshed}");
    let jwt = refreshed["access_token"].as_str().expect("jwt");
    assert_eq!(claims_of(jwt)["scope"], "read:docs");
    let answer = exchange(
        &server,
        exchanger,
        &[
            ("subject_token", jwt),
            ("subject_token_type", ACCESS),
            ("resource", API),
            ("scope", "read:docs write:docs"),
        ],
    )
    .await;
    assert_eq!(answer.0, 200, "{}", answer.1);
    assert_eq!(answer.1["scope"], "read:docs");
    let claims = claims_of(answer.1["access_token"].as_str().expect("jwt"));
    assert_eq!(
        (&claims["sub"], &claims["client_id"], &claims["aud"]),
        (&j!(tess), &j!(exchanger.0), &j!(API)),
        "{claims}"
    );
    assert!(claims.get("act").is_none(), "{claims}");

    // An impersonation token, with an actor: a JWT for the API saying who acts, the
    // user's roles bounding the scopes (write:docs is not held).
    let ada_token = tokens_for(&server, &spa, "ada").await;
    let impersonation = subject_token(&server, &tess).await;
    let answer = exchange(
        &server,
        exchanger,
        &[
            ("subject_token", &impersonation),
            ("subject_token_type", IMPERSONATION),
            (
                "actor_token",
                ada_token["access_token"].as_str().expect("at"),
            ),
            ("actor_token_type", ACCESS),
            ("resource", API),
            ("scope", "read:docs write:docs"),
        ],
    )
    .await;
    assert_eq!(answer.0, 200, "{}", answer.1);
    assert_eq!(answer.1["scope"], "read:docs");
    let claims = claims_of(answer.1["access_token"].as_str().expect("jwt"));
    assert_eq!(claims["sub"], tess.as_str());
    assert_eq!(claims["act"], j!({"sub": ada}), "{claims}");
    // Used once: a second exchange of the same impersonation token is refused.
    let again = exchange(
        &server,
        exchanger,
        &[
            ("subject_token", &impersonation),
            ("subject_token_type", IMPERSONATION),
        ],
    )
    .await;
    assert_refused(&again, "invalid_grant", "a spent impersonation token");
    // The legacy form: an impersonation token presented as an access token.
    let legacy = subject_token(&server, &tess).await;
    let answer = exchange(
        &server,
        exchanger,
        &[
            ("subject_token", &legacy),
            ("subject_token_type", ACCESS),
            ("scope", "openid"),
        ],
    )
    .await;
    assert_eq!(answer.0, 200, "{}", answer.1);

    // Every exchange is a grant of its own, with its events and audit entry.
    assert_eq!(deployment.count_events("TokenExchanged").await, 5);
    assert_eq!(deployment.count_events("SubjectTokenConsumed").await, 2);
    let logs = ok(
        server
            .get("/api/logs?logKey=ExchangeTokenBy.TokenExchange")
            .await,
        200,
    )
    .await;
    assert_eq!(logs.as_array().map(Vec::len), Some(5), "{logs}");
    // The context is kept for the user and is not in the log in the clear.
    for payload in deployment.event_payloads("subject-token").await {
        assert!(!payload.contains("T-42"), "{payload}");
    }
}

async fn exchange_is_refused_unless_allowed_and_for_spent_or_foreign_tokens(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let tess = crate::common::flow::user(&server, "tess").await;
    let (spa, _) = app(&server, "SPA", false).await;
    let (id, secret) = traditional(&server, false, j!({"allowTokenExchange": true})).await;
    let exchanger = (id.as_str(), secret.as_str());
    let signed_in = tokens_for(&server, &spa, "tess").await;
    let opaque = signed_in["access_token"].as_str().expect("at");
    let subject = [("subject_token", opaque), ("subject_token_type", ACCESS)];

    // Off unless set, and never for a third-party application.
    let (plain, plain_secret) = traditional(&server, false, j!({})).await;
    let (third, third_secret) = traditional(&server, true, j!({"allowTokenExchange": true})).await;
    for (client, what) in [
        ((plain.as_str(), plain_secret.as_str()), "not allowed"),
        ((third.as_str(), third_secret.as_str()), "third party"),
    ] {
        let refused = exchange(&server, client, &subject).await;
        assert_refused(&refused, "unauthorized_client", what);
    }
    // A wrong secret is the client's failure first.
    let refused = exchange(&server, (exchanger.0, "wrong"), &subject).await;
    assert_eq!(refused.0, 401, "{}", refused.1);

    // Tokens that stand for nobody: an ID token, a refresh token, a guess, an unknown
    // type, a foreign impersonation token shape.
    let cases = [
        (
            signed_in["id_token"].as_str().expect("id token"),
            ACCESS,
            "an ID token",
        ),
        (
            signed_in["refresh_token"].as_str().expect("rt"),
            ACCESS,
            "a refresh token",
        ),
        ("nope.nope", ACCESS, "a guess"),
        (
            "sub_abc.def",
            IMPERSONATION,
            "an unknown impersonation token",
        ),
        (
            opaque,
            "urn:ietf:params:oauth:token-type:id_token",
            "an unsupported type",
        ),
    ];
    for (token, kind, what) in cases {
        let refused = exchange(
            &server,
            exchanger,
            &[("subject_token", token), ("subject_token_type", kind)],
        )
        .await;
        assert_refused(&refused, "invalid_grant", what);
    }
    // Parameters: both subject parameters are required; an actor token needs its type.
    let missing = exchange(&server, exchanger, &[("subject_token", opaque)]).await;
    assert_refused(&missing, "invalid_request", "no subject_token_type");
    let mut with_actor = subject.to_vec();
    with_actor.push(("actor_token", opaque));
    let untyped = exchange(&server, exchanger, &with_actor).await;
    assert_refused(&untyped, "invalid_request", "actor without type");

    // A suspended user's tokens exchange for nothing (and the impersonation token made
    // before the suspension neither).
    let impersonation = subject_token(&server, &tess).await;
    let r = server
        .patch_json(
            &format!("/api/users/{tess}/is-suspended"),
            &j!({"isSuspended": true}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let refused = exchange(
        &server,
        exchanger,
        &[
            ("subject_token", &impersonation),
            ("subject_token_type", IMPERSONATION),
        ],
    )
    .await;
    assert_refused(&refused, "invalid_grant", "a suspended user");

    // An impersonation token is for an existing user only.
    let r = server
        .post_json("/api/subject-tokens", &j!({"userId": "nobody1234ab"}))
        .await;
    assert_eq!(r.status(), 404);
    let r = server.post_json("/api/subject-tokens", &j!({})).await;
    assert_eq!(r.status(), 400);
    assert_eq!(deployment.count_events("TokenExchanged").await, 0);
}

async fn personal_access_tokens_are_managed_by_name_and_exchanged_until_deleted(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let tess = crate::common::flow::user(&server, "tess").await;
    docs_reader(&server, &tess).await;
    let (id, secret) = traditional(&server, false, j!({"allowTokenExchange": true})).await;
    let exchanger = (id.as_str(), secret.as_str());
    let pats = format!("/api/users/{tess}/personal-access-tokens");

    // Created with a value shown once; names unique per user; listed without values.
    let ci = ok(server.post_json(&pats, &j!({"name": "ci"})).await, 201).await;
    assert_eq!(
        (&ci["userId"], &ci["name"], &ci["expiresAt"]),
        (&j!(tess), &j!("ci"), &Value::Null),
        "{ci}"
    );
    let ci_value = ci["value"].as_str().expect("value").to_owned();
    assert!(ci_value.starts_with("pat_"), "{ci}");
    let later = now_ms() + 3_600_000;
    let laptop = ok(
        server
            .post_json(&pats, &j!({"name": "laptop", "expiresAt": later}))
            .await,
        201,
    )
    .await;
    assert_eq!(laptop["expiresAt"], later);
    let taken = server.post_json(&pats, &j!({"name": "ci"})).await;
    let taken = ok(taken, 422).await;
    assert_eq!(taken["code"], "user.personal_access_token_name_exists");
    let past = server
        .post_json(&pats, &j!({"name": "old", "expiresAt": 1_000}))
        .await;
    assert_eq!(past.status(), 400);
    let listed = ok(server.get(&pats).await, 200).await;
    let names: Vec<&str> = listed
        .as_array()
        .expect("array")
        .iter()
        .map(|t| t["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["ci", "laptop"]);
    assert!(
        listed
            .as_array()
            .expect("array")
            .iter()
            .all(|t| t.get("value").is_none()),
        "{listed}"
    );

    // Exchanged for the user's tokens, as often as wanted, bounded by the user's roles.
    for _ in 0..2 {
        let answer = exchange(
            &server,
            exchanger,
            &[
                ("subject_token", &ci_value),
                ("subject_token_type", PAT),
                ("resource", API),
                ("scope", "read:docs write:docs"),
            ],
        )
        .await;
        assert_eq!(answer.0, 200, "{}", answer.1);
        assert_eq!(answer.1["scope"], "read:docs");
        assert_eq!(
            claims_of(answer.1["access_token"].as_str().expect("jwt"))["sub"],
            tess.as_str()
        );
    }
    // A guessed secret for the user, or a PAT presented under another type, is refused.
    let guess = format!("pat_{tess}.guess");
    for (token, kind) in [(guess.as_str(), PAT), (ci_value.as_str(), ACCESS)] {
        let refused = exchange(
            &server,
            exchanger,
            &[("subject_token", token), ("subject_token_type", kind)],
        )
        .await;
        assert_refused(&refused, "invalid_grant", token);
    }

    // Renamed by path and by body; the token keeps working under its new name.
    let renamed = ok(
        server
            .patch_json(&format!("{pats}/ci"), &j!({"name": "build"}))
            .await,
        200,
    )
    .await;
    assert_eq!(renamed["name"], "build");
    let clash = server
        .patch_json(&pats, &j!({"currentName": "build", "name": "laptop"}))
        .await;
    assert_eq!(clash.status(), 422);
    ok(
        server
            .patch_json(&pats, &j!({"currentName": "build", "name": "build 2"}))
            .await,
        200,
    )
    .await;
    let missing = server
        .patch_json(&format!("{pats}/nope"), &j!({"name": "x"}))
        .await;
    assert_eq!(missing.status(), 404);

    // Deleted (by path, with a space in the name; and by body): exchanged for nothing.
    let r = server.delete(&format!("{pats}/build%202")).await;
    assert_eq!(r.status(), 204);
    let refused = exchange(
        &server,
        exchanger,
        &[("subject_token", &ci_value), ("subject_token_type", PAT)],
    )
    .await;
    assert_refused(&refused, "invalid_grant", "a deleted token");
    let r = server
        .post_json(&format!("{pats}/delete"), &j!({"name": "laptop"}))
        .await;
    assert_eq!(r.status(), 204);
    let r = server
        .post_json(&format!("{pats}/delete"), &j!({"name": "laptop"}))
        .await;
    assert_eq!(r.status(), 404);
    assert_eq!(ok(server.get(&pats).await, 200).await, j!([]));
    let r = server
        .get("/api/users/nobody1234ab/personal-access-tokens")
        .await;
    assert_eq!(r.status(), 404);
    assert_eq!(
        deployment.count_events("PersonalAccessTokenCreated").await,
        2
    );
    assert_eq!(
        deployment.count_events("PersonalAccessTokenRenamed").await,
        2
    );
    assert_eq!(
        deployment.count_events("PersonalAccessTokenDeleted").await,
        2
    );
}

/// Now, in epoch milliseconds.
fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
