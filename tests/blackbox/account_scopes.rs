//! `GET /api/my-account` shows what the token's scopes release, as `/oidc/me` does (issue
//! 12, item 10): a token holding only `openid` — say, of a third-party app the user
//! consented to `openid` alone — sees no email, phone, name or username, even with every
//! account-center field readable. Changes come from first-party apps only (Logto: 403 for
//! a third-party app's token). Both backends.

use crate::common;

use common::flow::*;
use common::{Backend, Deployment, Server};
use reqwest::header::COOKIE;
use serde_json::{json as j, Value};

both_backends!(my_account_fields_follow_the_token_scopes);

/// The keys each scope releases, and every key that needs some scope.
const PERSONAL: [&str; 8] = [
    "name",
    "avatar",
    "username",
    "profile",
    "primaryEmail",
    "primaryPhone",
    "customData",
    "identities",
];

fn released_by(scope: &str) -> &'static [&'static str] {
    match scope {
        "profile" => &["name", "avatar", "username", "profile"],
        "email" => &["primaryEmail"],
        "phone" => &["primaryPhone"],
        "custom_data" => &["customData"],
        "identities" => &["identities"],
        _ => &[],
    }
}

async fn my_account(server: &Server, token: &str) -> Value {
    let r = browser()
        .get(server.url("/api/my-account"))
        .bearer_auth(token)
        .send()
        .await
        .expect("my-account");
    assert_eq!(r.status(), 200);
    r.json().await.expect("json")
}

fn auth(server: &Server, client: &str, scope: &str) -> String {
    let mut url = reqwest::Url::parse(&server.url("/oidc/auth")).expect("url");
    url.query_pairs_mut()
        .append_pair("client_id", client)
        .append_pair("redirect_uri", CB)
        .append_pair("response_type", "code")
        .append_pair("scope", scope)
        .append_pair("prompt", "consent")
        .append_pair("code_challenge", CHALLENGE)
        .append_pair("code_challenge_method", "S256");
    url.into()
}

/// Signs `username` in for the first-party SPA asking for `scope`: the access token.
async fn spa_token(server: &Server, spa: &str, username: &str, scope: &str) -> String {
    let back = sign_in(
        server,
        &mut Jar::default(),
        &auth(server, spa, scope),
        username,
        PASSWORD,
    )
    .await;
    redeem_spa(server, spa, &back).await["access_token"]
        .as_str()
        .expect("access token")
        .to_owned()
}

/// Signs in for the third-party app asking for `scope` and consents: the access token.
async fn third_party_token(
    server: &Server,
    app: &str,
    secret: &str,
    username: &str,
    scope: &str,
) -> String {
    let mut jar = Jar::default();
    let next = sign_in(
        server,
        &mut jar,
        &auth(server, app, scope),
        username,
        PASSWORD,
    )
    .await;
    assert_eq!(next, format!("/consent?app_id={app}"));
    let page = browser()
        .get(server.url("/consent"))
        .header(COOKIE, jar.header())
        .send()
        .await
        .expect("consent page");
    assert_eq!(page.status(), 200);
    let csrf = csrf_of(&page.text().await.expect("html"));
    let r = browser()
        .post(server.url("/consent"))
        .header(COOKIE, jar.header())
        .form(&[("decision", "allow"), ("csrf_token", csrf.as_str())])
        .send()
        .await
        .expect("consent");
    assert_eq!(r.status(), 303);
    let code = query(&location(&r))["code"].clone();
    let r = browser()
        .post(server.url("/oidc/token"))
        .basic_auth(app, Some(secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", CB),
            ("code_verifier", VERIFIER),
        ])
        .send()
        .await
        .expect("token");
    let body: Value = r.json().await.expect("token json");
    body["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no access token: {body}"))
        .to_owned()
}

async fn my_account_fields_follow_the_token_scopes(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let (spa, _) = app(&server, "SPA", false).await;
    let uid = user(&server, "scoped_sue").await;
    let r = server
        .patch_json(
            &format!("/api/users/{uid}"),
            &j!({"primaryPhone": "15551234567", "avatar": "https://example.com/a.png"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    // Every field readable: what is hidden below is hidden by the token's scopes.
    let readable: serde_json::Map<String, Value> = [
        "name",
        "avatar",
        "username",
        "email",
        "phone",
        "profile",
        "customData",
        "social",
    ]
    .iter()
    .map(|f| ((*f).to_owned(), j!("ReadOnly")))
    .collect();
    let r = server
        .patch_json(
            "/api/account-center",
            &j!({"enabled": true, "fields": readable}),
        )
        .await;
    assert_eq!(r.status(), 200);

    for scopes in [
        vec![],
        vec!["profile"],
        vec!["email"],
        vec!["phone"],
        vec!["custom_data"],
        vec!["profile", "email", "phone", "custom_data", "identities"],
    ] {
        let scope = std::iter::once("openid")
            .chain(scopes.iter().copied())
            .collect::<Vec<_>>()
            .join(" ");
        let me = my_account(
            &server,
            &spa_token(&server, &spa, "scoped_sue", &scope).await,
        )
        .await;
        assert_eq!(me["id"], uid.as_str(), "{scope}: {me}");
        for key in PERSONAL {
            let released = scopes.iter().any(|s| released_by(s).contains(&key));
            assert_eq!(
                me.get(key).is_some(),
                released,
                "{scope}: `{key}` shown = {}; {me}",
                me.get(key).is_some()
            );
        }
    }
    let me = my_account(
        &server,
        &spa_token(&server, &spa, "scoped_sue", "openid profile email phone").await,
    )
    .await;
    assert_eq!(
        (&me["primaryEmail"], &me["primaryPhone"], &me["username"]),
        (
            &j!("scoped_sue@example.com"),
            &j!("15551234567"),
            &j!("scoped_sue")
        )
    );

    // A third-party app consented to `openid` alone sees nothing personal, and may not
    // change the account even with `profile`.
    let (third, secret) = app(&server, "Traditional", true).await;
    let secret = secret.expect("secret");
    let token = third_party_token(&server, &third, &secret, "scoped_sue", "openid").await;
    let me = my_account(&server, &token).await;
    for key in PERSONAL {
        assert!(me.get(key).is_none(), "`{key}` shown to openid alone: {me}");
    }
    let r = server
        .patch_json("/api/account-center", &j!({"fields": {"name": "Edit"}}))
        .await;
    assert_eq!(r.status(), 200);
    let token = third_party_token(&server, &third, &secret, "scoped_sue", "openid profile").await;
    let r = browser()
        .patch(server.url("/api/my-account"))
        .bearer_auth(&token)
        .json(&j!({"name": "Changed by a third party"}))
        .send()
        .await
        .expect("patch");
    assert_eq!(r.status(), 403);
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["code"], "auth.forbidden");
    let first_party = spa_token(&server, &spa, "scoped_sue", "openid profile").await;
    let r = browser()
        .patch(server.url("/api/my-account"))
        .bearer_auth(&first_party)
        .json(&j!({"name": "Sue"}))
        .send()
        .await
        .expect("patch");
    assert_eq!(r.status(), 200);
}
