//! The interactive OpenID Connect flow against the real binary, on SQLite and Postgres:
//! a real relying party (the `openidconnect` crate) discovers the provider, sends the
//! browser (reqwest, driving the hosted HTML form with its CSRF token) through
//! `/oidc/auth` and `/sign-in`, redeems the code with PKCE, verifies the ID token against
//! the published JWKS, calls `/oidc/me`, refreshes with rotation; then reuse detection,
//! introspection, revocation, end session, the refusals, and the races.

#[macro_use]
mod common;

use common::flow::*;
use common::{json, Backend, Deployment, Server};
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, CsrfToken, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, RedirectUrl, Scope, TokenResponse,
};
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE, WWW_AUTHENTICATE};
use serde_json::{json as j, Value};

both_backends!(
    code_flow_with_a_real_relying_party,
    refusals_of_the_code_flow,
    introspection_revocation_and_end_session,
    parallel_redemptions_have_exactly_one_winner,
    session_and_grant_read_models_follow_the_flow,
    registration_consent_and_resource_tokens,
    experience_api_sign_in_and_registration,
    expired_access_tokens_are_refused,
    cookies_are_secure_behind_https_and_max_age_forces_sign_in,
    wildcard_redirect_uris_follow_logtos_rules,
);

async fn code_flow_with_a_real_relying_party(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let (spa, _) = app(&server, "SPA", false).await;
    let alice = user(&server, "alice").await;

    let http = browser();
    let issuer = IssuerUrl::new(server.url("/oidc")).expect("issuer");
    let metadata = CoreProviderMetadata::discover_async(issuer, &http)
        .await
        .expect("discovery");
    let client = CoreClient::from_provider_metadata(metadata, ClientId::new(spa.clone()), None)
        .set_redirect_uri(RedirectUrl::new(CB.into()).expect("redirect"));
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("profile".into()))
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("offline_access".into()))
        .add_extra_param("prompt", "consent")
        // Logto's SDK extras: accepted and ignored.
        .add_extra_param("resource", "urn:logto:resource:organizations")
        .add_extra_param("first_screen", "sign_in")
        .set_pkce_challenge(challenge)
        .url();

    let mut jar = Jar::default();
    // A wrong password: a clear error on the page, no redirect.
    {
        let b = browser();
        let r = b.get(url.as_str()).send().await.expect("auth");
        jar.take(&r);
        let page = b
            .get(server.url("/sign-in"))
            .header(COOKIE, jar.header())
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("html");
        let r = b
            .post(server.url("/sign-in"))
            .header(COOKIE, jar.header())
            .form(&[
                ("identifier", "alice"),
                ("password", "wrong"),
                ("csrf_token", &csrf_of(&page)),
            ])
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 400);
        assert!(r.headers().get(LOCATION).is_none());
        assert!(r.text().await.expect("html").contains("incorrect"));
        // A form without the CSRF token is refused.
        let r = b
            .post(server.url("/sign-in"))
            .header(COOKIE, jar.header())
            .form(&[
                ("identifier", "alice"),
                ("password", PASSWORD),
                ("csrf_token", "forged"),
            ])
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 403);
    }

    let back = sign_in(
        &server,
        &mut jar,
        url.as_str(),
        "alice@example.com",
        PASSWORD,
    )
    .await;
    assert!(back.starts_with(CB), "{back}");
    let q = query(&back);
    assert_eq!(q["state"], *csrf.secret());
    assert_eq!(q["iss"], server.url("/oidc"));
    assert!(jar.0.contains_key("_session"));

    let tokens = client
        .exchange_code(AuthorizationCode::new(q["code"].clone()))
        .expect("token endpoint")
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .expect("code exchange");
    let id_token = tokens.id_token().expect("ID token");
    let claims = id_token
        .claims(&client.id_token_verifier(), &nonce)
        .expect("ID token verifies against the JWKS");
    assert_eq!(claims.subject().as_str(), alice);
    assert_eq!(
        claims.email().map(|e| e.as_str()),
        Some("alice@example.com")
    );
    assert!(claims.auth_time().is_some());
    let refresh = tokens
        .refresh_token()
        .expect("refresh token (offline_access + consent)")
        .clone();
    let access = tokens.access_token().secret().clone();
    let scopes: Vec<String> = tokens
        .scopes()
        .expect("scope")
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert!(scopes.contains(&"offline_access".to_owned()), "{scopes:?}");

    let r = me(&server, &access).await;
    assert_eq!(r.status(), 200);
    let info = json(r).await;
    assert_eq!(info["sub"], alice.as_str());
    assert_eq!(info["username"], "alice");
    assert_eq!(info["email_verified"], true);
    assert_eq!(info["name"], "Alice A.");

    // Refresh rotates; the old token replayed revokes the grant.
    let rotated = client
        .exchange_refresh_token(&refresh)
        .expect("token endpoint")
        .request_async(&http)
        .await
        .expect("refresh");
    let next = rotated
        .refresh_token()
        .expect("rotated refresh token")
        .clone();
    assert_ne!(next.secret(), refresh.secret());
    let new_access = rotated.access_token().secret().clone();
    assert_eq!(me(&server, &new_access).await.status(), 200);
    let (status, body) = token(
        &server,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &spa),
            ("refresh_token", refresh.secret()),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
    assert_eq!(body["code"], "oidc.invalid_grant");
    let (status, _) = token(
        &server,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &spa),
            ("refresh_token", next.secret()),
        ],
    )
    .await;
    assert_eq!(
        status, 400,
        "the grant is revoked: the newest token dies too"
    );
    assert_eq!(me(&server, &new_access).await.status(), 401);
    assert_eq!(me(&server, &access).await.status(), 401);

    // The browser's session signs in again without the form (SSO), prompt=none too.
    let sso = auth_url(&server, &spa, &[]).replace("prompt=consent", "prompt=none");
    let back = sign_in(&server, &mut jar, &sso, "x", "x").await;
    assert!(query(&back).contains_key("code"), "{back}");
}

async fn refusals_of_the_code_flow(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let (spa, _) = app(&server, "SPA", false).await;
    let (other, _) = app(&server, "Native", false).await;
    let (web, secret) = app(&server, "Traditional", false).await;
    let secret = secret.expect("traditional apps get a secret");
    user(&server, "bob").await;
    let b = browser();

    // Unregistered redirect URI: an error page, never a redirect.
    let bad = auth_url(&server, &spa, &[]).replace("127.0.0.1%3A9%2Fcb", "evil.example%2Fcb");
    let r = b.get(&bad).send().await.expect("auth");
    assert_eq!(r.status(), 400);
    assert!(r.headers().get(LOCATION).is_none());
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap_or("")
        .starts_with("text/html"));
    // Unknown client: the same.
    let r = b
        .get(auth_url(&server, "nobody", &[]))
        .send()
        .await
        .expect("auth");
    assert_eq!(r.status(), 400);
    assert!(r.headers().get(LOCATION).is_none());

    // PKCE plain, and no PKCE for a public client: error redirects with state and iss.
    for url in [
        auth_url(&server, &spa, &[])
            .replace("code_challenge_method=S256", "code_challenge_method=plain"),
        auth_url(&server, &spa, &[]).replace(
            &format!("&code_challenge={CHALLENGE}&code_challenge_method=S256"),
            "",
        ),
    ] {
        let r = b.get(&url).send().await.expect("auth");
        assert_eq!(r.status(), 303);
        let q = query(&location(&r));
        assert_eq!(q["error"], "invalid_request", "{q:?}");
        assert_eq!(q["state"], "st8");
        assert_eq!(q["iss"], server.url("/oidc"));
    }
    let r = b
        .get(auth_url(&server, &spa, &[("request_uri", "urn:x")]))
        .send()
        .await
        .expect("auth");
    assert_eq!(query(&location(&r))["error"], "request_uri_not_supported");
    // prompt=none without a session.
    let r = b
        .get(auth_url(&server, &spa, &[("prompt", "none")]))
        .send()
        .await
        .expect("auth");
    let url = auth_url(&server, &spa, &[]).replace("prompt=consent", "prompt=none");
    let r2 = b.get(&url).send().await.expect("auth");
    assert_eq!(r.status(), 303); // duplicated prompt → invalid_request
    assert_eq!(query(&location(&r))["error"], "invalid_request");
    assert_eq!(query(&location(&r2))["error"], "login_required");

    let mut jar = Jar::default();
    let code_of = |back: String| query(&back)["code"].clone();
    let code = code_of(
        sign_in(
            &server,
            &mut jar,
            &auth_url(&server, &spa, &[]),
            "bob",
            PASSWORD,
        )
        .await,
    );
    let form = |client: &str, code: &str, redirect: &str, verifier: &str| {
        vec![
            ("grant_type".to_owned(), "authorization_code".to_owned()),
            ("client_id".to_owned(), client.to_owned()),
            ("code".to_owned(), code.to_owned()),
            ("redirect_uri".to_owned(), redirect.to_owned()),
            ("code_verifier".to_owned(), verifier.to_owned()),
        ]
    };
    let token_url = server.url("/oidc/token");
    let post = |f: Vec<(String, String)>| {
        let url = token_url.clone();
        async move {
            let r = browser().post(url).form(&f).send().await.expect("token");
            (r.status().as_u16(), json(r).await)
        }
    };
    let wrong_verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXa";
    for f in [
        form(&spa, &code, CB, wrong_verifier),
        form(&other, &code, CB, VERIFIER),
        form(&spa, &code, "http://127.0.0.1:9/other", VERIFIER),
        form(&spa, "garbage", CB, VERIFIER),
    ] {
        let (status, body) = post(f).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_grant")),
            "{body}"
        );
    }
    // None of those burnt the code; the right request redeems it once.
    let (status, first) = post(form(&spa, &code, CB, VERIFIER)).await;
    assert_eq!(status, 200, "{first}");
    let (status, body) = post(form(&spa, &code, CB, VERIFIER)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let access = first["access_token"].as_str().expect("access token");
    assert_eq!(
        me(&server, access).await.status(),
        401,
        "a replayed code revokes its tokens"
    );

    // Unsupported grant and the user-facing grants for a machine client.
    let r = b
        .post(server.url("/oidc/token"))
        .basic_auth(&web, Some(&secret))
        .form(&[("grant_type", "password")])
        .send()
        .await
        .expect("token");
    assert_eq!(json(r).await["error"], "unsupported_grant_type");
    // A confidential client without its secret.
    let (status, body) = token(
        &server,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &web),
            ("code", "x.y"),
            ("redirect_uri", CB),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );

    // Garbage and missing tokens at /oidc/me.
    for t in ["garbage", "a.b", "eyJhbGciOiJub25lIn0.e30."] {
        let r = me(&server, t).await;
        assert_eq!(r.status(), 401);
        assert!(r.headers()[WWW_AUTHENTICATE]
            .to_str()
            .unwrap_or("")
            .contains("invalid_token"));
    }
    let r = b.get(server.url("/oidc/me")).send().await.expect("me");
    assert_eq!(r.status(), 401);
}

async fn introspection_revocation_and_end_session(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let (web, secret) = app(&server, "Traditional", false).await;
    let secret = secret.expect("secret");
    user(&server, "carol").await;
    let b = browser();
    let mut jar = Jar::default();
    let back = sign_in(
        &server,
        &mut jar,
        &auth_url(&server, &web, &[]),
        "carol",
        PASSWORD,
    )
    .await;
    let code = query(&back)["code"].clone();
    let r = b
        .post(server.url("/oidc/token"))
        .basic_auth(&web, Some(&secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CB),
            ("code_verifier", VERIFIER),
        ])
        .send()
        .await
        .expect("token");
    let tokens = json(r).await;
    let access = tokens["access_token"].as_str().expect("access").to_owned();
    let refresh = tokens["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_owned();

    let introspect = |t: String| {
        let b = b.clone();
        let url = server.url("/oidc/token/introspection");
        let (web, secret) = (web.clone(), secret.clone());
        async move {
            json(
                b.post(url)
                    .basic_auth(&web, Some(&secret))
                    .form(&[("token", t)])
                    .send()
                    .await
                    .expect("introspect"),
            )
            .await
        }
    };
    let a = introspect(access.clone()).await;
    assert_eq!(a["active"], true, "{a}");
    assert_eq!(a["client_id"], web.as_str());
    assert!(a["scope"].as_str().unwrap_or("").contains("openid"));
    assert_eq!(introspect(refresh.clone()).await["active"], true);
    assert_eq!(introspect("garbage".into()).await, j!({"active": false}));
    // Without client authentication: refused.
    let r = b
        .post(server.url("/oidc/token/introspection"))
        .form(&[("token", &access)])
        .send()
        .await
        .expect("introspect");
    assert_eq!(r.status(), 401);

    let revoke = |t: String| {
        let b = b.clone();
        let url = server.url("/oidc/token/revocation");
        let (web, secret) = (web.clone(), secret.clone());
        async move {
            b.post(url)
                .basic_auth(&web, Some(&secret))
                .form(&[("token", t)])
                .send()
                .await
                .expect("revoke")
                .status()
        }
    };
    assert_eq!(revoke(access.clone()).await, 200);
    assert_eq!(introspect(access.clone()).await["active"], false);
    assert_eq!(me(&server, &access).await.status(), 401);
    assert_eq!(
        introspect(refresh.clone()).await["active"],
        true,
        "revoking an access token keeps the grant"
    );
    assert_eq!(revoke(refresh.clone()).await, 200);
    assert_eq!(introspect(refresh.clone()).await["active"], false);
    assert_eq!(revoke("unknown.token".into()).await, 200);

    // End session: an unregistered target is an error page; the registered one redirects,
    // and afterwards prompt=none finds no session.
    let end = |uri: &str| {
        let mut url = reqwest::Url::parse(&server.url("/oidc/session/end")).expect("url");
        url.query_pairs_mut()
            .append_pair("client_id", &web)
            .append_pair("post_logout_redirect_uri", uri)
            .append_pair("state", "bye");
        url.to_string()
    };
    let r = b
        .get(end("https://evil.example/"))
        .header(COOKIE, jar.header())
        .send()
        .await
        .expect("end");
    assert_eq!(r.status(), 400);
    assert!(r.headers().get(LOCATION).is_none());
    // Without an ID token hint the user confirms on a page first.
    let mut after = jar.clone();
    let r = end_session_confirmed(&server, &mut after, &end(LOGOUT_CB)).await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with(LOGOUT_CB));
    assert_eq!(query(&location(&r))["state"], "bye");
    let cleared = r
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .any(|v| v.to_str().unwrap_or("").starts_with("_session=;"));
    assert!(cleared, "the session cookie is cleared");
    let url = auth_url(&server, &web, &[]).replace("prompt=consent", "prompt=none");
    // Even with the old cookie replayed, the session stream says it ended.
    let r = b
        .get(&url)
        .header(COOKIE, jar.header())
        .send()
        .await
        .expect("auth");
    assert_eq!(query(&location(&r))["error"], "login_required");
}

async fn parallel_redemptions_have_exactly_one_winner(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let (spa, _) = app(&server, "SPA", false).await;
    user(&server, "dave").await;
    let mut jar = Jar::default();
    let back = sign_in(
        &server,
        &mut jar,
        &auth_url(&server, &spa, &[]),
        "dave",
        PASSWORD,
    )
    .await;
    let code = query(&back)["code"].clone();
    let form = vec![
        ("grant_type", "authorization_code".to_owned()),
        ("client_id", spa.clone()),
        ("code", code),
        ("redirect_uri", CB.to_owned()),
        ("code_verifier", VERIFIER.to_owned()),
    ];
    assert_eq!(race(&server, &form).await, 1, "one code, one winner");

    let tokens = tokens_for(&server, &spa, "dave").await;
    let refresh = tokens["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_owned();
    let form = vec![
        ("grant_type", "refresh_token".to_owned()),
        ("client_id", spa.clone()),
        ("refresh_token", refresh),
    ];
    assert_eq!(
        race(&server, &form).await,
        1,
        "one refresh token, one winner"
    );
}

/// Sends `form` 50 times at once; returns how many got 200 (the rest must be invalid_grant).
async fn race(server: &Server, form: &[(&str, String)]) -> usize {
    let b = browser();
    let url = server.url("/oidc/token");
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let (b, url, form) = (b.clone(), url.clone(), form.to_vec());
            let form: Vec<(String, String)> =
                form.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            tokio::spawn(async move {
                let r = b.post(url).form(&form).send().await.expect("token");
                (r.status().as_u16(), r.text().await.unwrap_or_default())
            })
        })
        .collect();
    let mut wins = 0;
    for t in tasks {
        let (status, body) = t.await.expect("task");
        match status {
            200 => wins += 1,
            400 => assert!(body.contains("invalid_grant"), "{body}"),
            other => panic!("{other}: {body}"),
        }
    }
    wins
}

/// Waits until every projector has applied the whole log.
async fn settle(server: &Server) {
    for _ in 0..200 {
        let report = json(server.get_anonymous("/api/status/projections").await).await;
        let behind = report["projectors"]
            .as_array()
            .expect("projectors")
            .iter()
            .any(|p| p["lag"] != 0);
        if !behind {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("projectors did not catch up");
}

async fn session_and_grant_read_models_follow_the_flow(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let (spa, _) = app(&server, "SPA", false).await;
    let erin = user(&server, "erin").await;
    let mut jar = Jar::default();
    let redeem = |back: String| {
        let spa = spa.clone();
        let server = &server;
        async move {
            let code = query(&back)["code"].clone();
            let (status, body) = token(
                server,
                &[
                    ("grant_type", "authorization_code"),
                    ("client_id", &spa),
                    ("code", &code),
                    ("redirect_uri", CB),
                    ("code_verifier", VERIFIER),
                ],
            )
            .await;
            assert_eq!(status, 200, "{body}");
            body
        }
    };
    let first = redeem(
        sign_in(
            &server,
            &mut jar,
            &auth_url(&server, &spa, &[]),
            "erin",
            PASSWORD,
        )
        .await,
    )
    .await;
    // The same browser session: a second grant without the form.
    redeem(sign_in(&server, &mut jar, &auth_url(&server, &spa, &[]), "x", "x").await).await;
    // An issued but never redeemed code does not count.
    sign_in(&server, &mut jar, &auth_url(&server, &spa, &[]), "x", "x").await;

    let store = store::Store::connect(&store::StoreConfig {
        data_dir: deployment.data_dir(),
        database_url: deployment.database_url.clone(),
        kek: Some(store::testing::TEST_KEK.into()),
    })
    .await
    .expect("open the store");
    let pool = store.read_pool.clone();
    let now = 0;
    settle(&server).await;
    assert_eq!(
        projections::grants::active_count(&pool, &erin, &spa)
            .await
            .expect("count"),
        2
    );
    let grants = projections::grants::active_for_user(&pool, &erin, now)
        .await
        .expect("grants");
    assert_eq!(grants.len(), 2);
    assert!(grants
        .iter()
        .all(|g| g.client_id == spa && g.scopes.contains(&"openid".to_owned())));
    let sessions = projections::sessions::active_for_user(&pool, &erin, now)
        .await
        .expect("sessions");
    assert_eq!(sessions.len(), 1);

    // Revoking one grant's refresh token ends that grant; signing out ends the session.
    let r = browser()
        .post(server.url("/oidc/token/revocation"))
        .form(&[
            ("client_id", spa.as_str()),
            ("token", first["refresh_token"].as_str().expect("refresh")),
        ])
        .send()
        .await
        .expect("revoke");
    assert_eq!(r.status(), 200);
    let r = end_session_confirmed(
        &server,
        &mut jar.clone(),
        &server.url(&format!("/oidc/session/end?client_id={spa}")),
    )
    .await;
    assert_eq!(r.status(), 200);
    settle(&server).await;
    assert_eq!(
        projections::grants::active_count(&pool, &erin, &spa)
            .await
            .expect("count"),
        1
    );
    assert_eq!(
        projections::grants::active_for_user(&pool, &erin, now)
            .await
            .expect("grants")
            .len(),
        1
    );
    assert!(projections::sessions::active_for_user(&pool, &erin, now)
        .await
        .expect("sessions")
        .is_empty());

    // Invariant 1: rebuilt from the log, both read models are identical.
    let projectors: [&dyn projections::Projector; 2] = [
        &projections::grants::GrantsProjector,
        &projections::sessions::SessionsProjector,
    ];
    let mut before = Vec::new();
    for p in projectors {
        before.push(projections::dump::dump(&pool, p).await.expect("dump"));
    }
    assert!(!before[0][0].rows.is_empty());
    server.terminate(std::time::Duration::from_secs(15));
    for name in ["grants", "sessions"] {
        let (ok, out, err) = deployment.run(&["replay", "--projection", name]);
        assert!(ok, "replay {name}: {out}{err}");
    }
    for (p, expected) in projectors.into_iter().zip(before) {
        assert_eq!(
            projections::dump::dump(&pool, p).await.expect("dump"),
            expected
        );
    }
    store.close().await;
}

/// GETs a hosted page with the jar's cookies; returns its CSRF token.
async fn page_csrf(server: &Server, jar: &Jar, path: &str) -> (u16, String) {
    let r = browser()
        .get(server.url(path))
        .header(COOKIE, jar.header())
        .send()
        .await
        .expect("page");
    let status = r.status().as_u16();
    let html = r.text().await.expect("html");
    (status, if status == 200 { csrf_of(&html) } else { html })
}

async fn post_page(
    server: &Server,
    jar: &mut Jar,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    let r = browser()
        .post(server.url(path))
        .header(COOKIE, jar.header())
        .form(form)
        .send()
        .await
        .expect("post");
    jar.take(&r);
    r
}

async fn registration_consent_and_resource_tokens(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let (third, secret) = app(&server, "Traditional", true).await;
    let secret = secret.expect("secret");
    let b = browser();

    // Registration (first_screen=register), then consent for the third-party app.
    let mut jar = Jar::default();
    let r = b
        .get(auth_url(
            &server,
            &third,
            &[
                ("first_screen", "register"),
                ("resource", common::MANAGEMENT_API),
            ],
        ))
        .send()
        .await
        .expect("auth");
    assert_eq!(location(&r), "/register");
    jar.take(&r);
    let (status, csrf) = page_csrf(&server, &jar, "/register").await;
    assert_eq!(status, 200);
    let r = post_page(
        &server,
        &mut jar,
        "/register",
        &[
            ("username", "frank"),
            ("password", "short"),
            ("csrf_token", &csrf),
        ],
    )
    .await;
    assert_eq!(r.status(), 422, "the password policy refuses it");
    let html = r.text().await.expect("html");
    assert!(html.contains("at least 8") && html.contains("password_rejected.too_short"));
    let r = post_page(
        &server,
        &mut jar,
        "/register",
        &[
            ("username", "frank"),
            ("password", PASSWORD),
            ("csrf_token", &csrf),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/consent");
    let users = json(server.get("/api/users?search=frank").await).await;
    assert_eq!(users[0]["username"], "frank", "{users}");
    // The app the user signed up through is recorded (Logto's applicationId; PostRegister).
    assert_eq!(users[0]["applicationId"], third.as_str(), "{users}");
    let (status, csrf) = page_csrf(&server, &jar, "/consent").await;
    assert_eq!(status, 200);
    let r = post_page(
        &server,
        &mut jar,
        "/consent",
        &[("decision", "allow"), ("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(r.status(), 303);
    let q = query(&location(&r));
    let r = b
        .post(server.url("/oidc/token"))
        .basic_auth(&third, Some(&secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &q["code"]),
            ("redirect_uri", CB),
            ("code_verifier", VERIFIER),
        ])
        .send()
        .await
        .expect("token");
    let tokens = json(r).await;
    let refresh = tokens["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_owned();

    // The signed-in browser is asked for consent again (third party); deny.
    let r = b
        .get(auth_url(&server, &third, &[]))
        .header(COOKIE, jar.header())
        .send()
        .await
        .expect("auth");
    assert_eq!(location(&r), "/consent");
    jar.take(&r);
    let (_, csrf) = page_csrf(&server, &jar, "/consent").await;
    let r = post_page(
        &server,
        &mut jar,
        "/consent",
        &[("decision", "deny"), ("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(query(&location(&r))["error"], "access_denied");
    // prompt=login shows the form despite the session.
    let url = auth_url(&server, &third, &[]).replace("prompt=consent", "prompt=login");
    let r = b
        .get(&url)
        .header(COOKIE, jar.header())
        .send()
        .await
        .expect("auth");
    assert_eq!(location(&r), "/sign-in");

    // Refresh with a resource: an RFC 9068 JWT for that audience, no scope the user lacks.
    let refresh_with = |resource: &'static str, token: String| {
        let (b, url, id, secret) = (
            b.clone(),
            server.url("/oidc/token"),
            third.clone(),
            secret.clone(),
        );
        async move {
            let r = b
                .post(url)
                .basic_auth(&id, Some(&secret))
                .form(&[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", token.as_str()),
                    ("resource", resource),
                ])
                .send()
                .await
                .expect("refresh");
            (r.status().as_u16(), json(r).await)
        }
    };
    let (status, body) = refresh_with("https://unknown.example/api", refresh.clone()).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_target"))
    );
    let (status, body) = refresh_with(common::MANAGEMENT_API, refresh.clone()).await;
    assert_eq!(status, 200, "{body}");
    let jwt = body["access_token"].as_str().expect("jwt");
    let header = jsonwebtoken::decode_header(jwt).expect("a JWT");
    assert_eq!(header.typ.as_deref(), Some("at+jwt"));
    let r = b
        .post(server.url("/oidc/token/introspection"))
        .basic_auth(&third, Some(&secret))
        .form(&[("token", jwt)])
        .send()
        .await
        .expect("introspect");
    let claims = json(r).await;
    assert_eq!(claims["active"], true, "{claims}");
    assert_eq!(claims["aud"], common::MANAGEMENT_API);
    assert_eq!(
        claims["scope"], "",
        "users hold no roles yet, so no Management API scope"
    );
    assert_eq!(
        me(&server, jwt).await.status(),
        401,
        "userinfo takes opaque tokens only"
    );
}

/// One Experience API call with the jar's cookies; updates the jar.
async fn experience(
    server: &Server,
    jar: &mut Jar,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = browser()
        .request(method, server.url(path))
        .header(COOKIE, jar.header());
    if let Some(body) = body {
        request = request.json(&body);
    }
    let r = request.send().await.expect("experience");
    jar.take(&r);
    let status = r.status().as_u16();
    let text = r.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn experience_api_sign_in_and_registration(backend: Backend) {
    use reqwest::Method;
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let (spa, _) = app(&server, "SPA", false).await;
    let henry = user(&server, "henry").await;
    let b = browser();

    // No interaction cookie: refused.
    let (status, body) = experience(
        &server,
        &mut Jar::default(),
        Method::PUT,
        "/api/experience",
        Some(j!({"interactionEvent": "SignIn"})),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("session.not_found"))
    );

    // Sign-in (docs/logto/experience-api.md#sign-in).
    let mut jar = Jar::default();
    let r = b
        .get(auth_url(&server, &spa, &[]))
        .send()
        .await
        .expect("auth");
    jar.take(&r);
    let (status, body) = experience(
        &server,
        &mut jar,
        Method::PUT,
        "/api/experience",
        Some(j!({"interactionEvent": 7})),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("guard.invalid_input"))
    );
    let (status, _) = experience(
        &server,
        &mut jar,
        Method::PUT,
        "/api/experience",
        Some(j!({"interactionEvent": "SignIn"})),
    )
    .await;
    assert_eq!(status, 204);
    let wrong = j!({"identifier": {"type": "username", "value": "henry"}, "password": "nope"});
    let (status, body) = experience(
        &server,
        &mut jar,
        Method::POST,
        "/api/experience/verification/password",
        Some(wrong),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("session.invalid_credentials"))
    );
    let right =
        j!({"identifier": {"type": "email", "value": "henry@example.com"}, "password": PASSWORD});
    let (status, body) = experience(
        &server,
        &mut jar,
        Method::POST,
        "/api/experience/verification/password",
        Some(right),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let verification = body["verificationId"]
        .as_str()
        .expect("verificationId")
        .to_owned();
    let (status, _) = experience(
        &server,
        &mut jar,
        Method::POST,
        "/api/experience/identification",
        Some(j!({"verificationId": verification})),
    )
    .await;
    assert_eq!(status, 204);
    let (status, body) = experience(
        &server,
        &mut jar,
        Method::GET,
        "/api/experience/interaction",
        None,
    )
    .await;
    assert_eq!(
        (status, body["userId"].as_str()),
        (200, Some(henry.as_str()))
    );
    let (status, body) = experience(
        &server,
        &mut jar,
        Method::POST,
        "/api/experience/submit",
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let redirect_to = body["redirectTo"].as_str().expect("redirectTo").to_owned();
    assert!(
        redirect_to.starts_with(&server.url("/oidc/auth/")),
        "{redirect_to}"
    );
    let stale = jar.clone();
    let r = b
        .get(&redirect_to)
        .header(COOKIE, jar.header())
        .send()
        .await
        .expect("resume");
    assert_eq!(r.status(), 303);
    jar.take(&r);
    let tokens = redeem_spa(&server, &spa, &location(&r)).await;
    assert!(tokens["id_token"].is_string());
    // The same interaction cannot be resumed twice.
    let r = b
        .get(&redirect_to)
        .header(COOKIE, stale.header())
        .send()
        .await
        .expect("resume");
    assert_eq!(r.status(), 400);
    assert!(r.headers().get(LOCATION).is_none());

    // Registration (docs/logto/experience-api.md#registration).
    let mut jar = Jar::default();
    let r = b
        .get(auth_url(&server, &spa, &[]))
        .send()
        .await
        .expect("auth");
    jar.take(&r);
    experience(
        &server,
        &mut jar,
        Method::PUT,
        "/api/experience",
        Some(j!({"interactionEvent": "Register"})),
    )
    .await;
    let taken = j!({"identifier": {"type": "username", "value": "henry"}, "password": PASSWORD});
    let (status, body) = experience(
        &server,
        &mut jar,
        Method::POST,
        "/api/experience/verification/new-password-identity",
        Some(taken),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("user.username_already_in_use"))
    );
    let fresh = j!({"identifier": {"type": "username", "value": "ivy"}, "password": PASSWORD});
    let (status, body) = experience(
        &server,
        &mut jar,
        Method::POST,
        "/api/experience/verification/new-password-identity",
        Some(fresh),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let verification = body["verificationId"]
        .as_str()
        .expect("verificationId")
        .to_owned();
    let (status, body) = experience(
        &server,
        &mut jar,
        Method::POST,
        "/api/experience/identification",
        Some(j!({"verificationId": verification})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (_, body) = experience(
        &server,
        &mut jar,
        Method::POST,
        "/api/experience/submit",
        None,
    )
    .await;
    let redirect_to = body["redirectTo"].as_str().expect("redirectTo").to_owned();
    let r = b
        .get(&redirect_to)
        .header(COOKIE, jar.header())
        .send()
        .await
        .expect("resume");
    assert_eq!(r.status(), 303);
    let tokens = redeem_spa(&server, &spa, &location(&r)).await;
    let info = json(me(&server, tokens["access_token"].as_str().expect("access")).await).await;
    assert_eq!(info["username"], "ivy");
}

async fn expired_access_tokens_are_refused(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment
        .start_with(&[("TESSERA_ACCESS_TOKEN_TTL", "1")])
        .await;
    let (spa, _) = app(&server, "SPA", false).await;
    user(&server, "judy").await;
    let tokens = tokens_for(&server, &spa, "judy").await;
    assert_eq!(tokens["expires_in"], 1);
    let access = tokens["access_token"].as_str().expect("access").to_owned();
    assert_eq!(me(&server, &access).await.status(), 200);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let r = me(&server, &access).await;
    assert_eq!(r.status(), 401);
    assert!(r.headers()[WWW_AUTHENTICATE]
        .to_str()
        .unwrap_or("")
        .contains("invalid_token"));
    let r = browser()
        .post(server.url("/oidc/token/introspection"))
        .form(&[("client_id", spa.as_str()), ("token", access.as_str())])
        .send()
        .await
        .expect("introspect");
    assert_eq!(json(r).await, j!({"active": false}));
    // The refresh token still works and gives a fresh access token.
    let (status, body) = token(
        &server,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &spa),
            (
                "refresh_token",
                tokens["refresh_token"].as_str().expect("refresh"),
            ),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        me(&server, body["access_token"].as_str().expect("access"))
            .await
            .status(),
        200
    );
    // An SPA's rotated refresh token keeps the old one's end (no sliding renewal).
    let exp_of = |t: String| {
        let (url, spa) = (server.url("/oidc/token/introspection"), spa.clone());
        async move {
            let r = browser()
                .post(url)
                .form(&[("client_id", spa.as_str()), ("token", t.as_str())])
                .send()
                .await
                .expect("introspect");
            json(r).await["exp"].clone()
        }
    };
    let rotated = body["refresh_token"].as_str().expect("rotated").to_owned();
    let exp = exp_of(rotated.clone()).await;
    assert!(exp.as_i64().is_some(), "{exp}");
    let (_, again) = token(
        &server,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &spa),
            ("refresh_token", &rotated),
        ],
    )
    .await;
    let next = again["refresh_token"]
        .as_str()
        .expect("rotated again")
        .to_owned();
    assert_eq!(exp_of(next).await, exp);
}

async fn cookies_are_secure_behind_https_and_max_age_forces_sign_in(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    {
        let server = deployment
            .start_with(&[("TESSERA_ENDPOINT", "https://id.example.test")])
            .await;
        let (spa, _) = app(&server, "SPA", false).await;
        let r = browser()
            .get(auth_url(&server, &spa, &[]))
            .send()
            .await
            .expect("auth");
        assert_eq!(location(&r), "/sign-in");
        let cookie = r.headers()[SET_COOKIE].to_str().expect("cookie").to_owned();
        assert!(cookie.starts_with("_interaction="), "{cookie}");
        for attribute in ["; HttpOnly", "; SameSite=Lax", "; Secure", "; Path=/"] {
            assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
        }
        server.terminate(std::time::Duration::from_secs(15));
    }
    let server = deployment.start().await;
    let (spa, _) = app(&server, "SPA", false).await;
    user(&server, "kim").await;
    let mut jar = Jar::default();
    sign_in(
        &server,
        &mut jar,
        &auth_url(&server, &spa, &[]),
        "kim",
        PASSWORD,
    )
    .await;
    assert!(!jar.header().contains("Secure"));
    // A live session answers at once, unless max_age says it is too old.
    let r = browser()
        .get(auth_url(&server, &spa, &[("max_age", "3600")]))
        .header(COOKIE, jar.header())
        .send()
        .await
        .expect("auth");
    assert!(location(&r).starts_with(CB));
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let r = browser()
        .get(auth_url(&server, &spa, &[("max_age", "0")]))
        .header(COOKIE, jar.header())
        .send()
        .await
        .expect("auth");
    assert_eq!(location(&r), "/sign-in");
}

/// Logto's wildcard redirect URIs for web apps: `*` within one hostname label or in the
/// path; broad patterns refused at registration; a non-matching URI gets the error page.
async fn wildcard_redirect_uris_follow_logtos_rules(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let create = |uris: Value| {
        j!({
            "name": "wildcard app",
            "type": "Traditional",
            "oidcClientMetadata": { "redirectUris": uris, "postLogoutRedirectUris": [] },
        })
    };
    let broad = server
        .post_json("/api/applications", &create(j!(["https://*.com/cb"])))
        .await;
    assert_eq!(
        broad.status(),
        400,
        "a wildcard in the last two labels is refused"
    );
    let r = server
        .post_json(
            "/api/applications",
            &create(j!([
                "https://*.apps.example.com/cb",
                "https://app.example.com/cb/*"
            ])),
        )
        .await;
    assert_eq!(r.status(), 200);
    let client = json(r).await["id"].as_str().expect("id").to_owned();

    let b = browser();
    let auth = |redirect: &str| {
        auth_url(&server, &client, &[]).replace(
            &format!("redirect_uri={}", "http%3A%2F%2F127.0.0.1%3A9%2Fcb"),
            &format!(
                "redirect_uri={}",
                reqwest::Url::parse_with_params("x:/", &[("v", redirect)])
                    .expect("encode")
                    .query()
                    .unwrap_or_default()
                    .trim_start_matches("v=")
            ),
        )
    };
    for ok in [
        "https://tenant.apps.example.com/cb",
        "https://app.example.com/cb/deep/path",
    ] {
        let r = b.get(auth(ok)).send().await.expect("auth");
        assert_eq!(r.status(), 303, "{ok} matches a registered pattern");
        assert_eq!(location(&r), "/sign-in");
    }
    for refused in [
        "https://a.b.apps.example.com/cb",
        "https://tenant.apps.example.com/other",
        "https://*.apps.example.com/cb",
        "http://tenant.apps.example.com/cb",
    ] {
        let r = b.get(auth(refused)).send().await.expect("auth");
        assert_eq!(r.status(), 400, "{refused} must not match");
        assert!(r.headers().get(LOCATION).is_none());
    }
}
