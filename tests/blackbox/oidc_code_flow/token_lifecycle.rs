//! Introspection, revocation, end session, and expired access tokens.

use crate::common::flow::*;
use crate::common::{json, Backend, Deployment};
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE, WWW_AUTHENTICATE};
use serde_json::json as j;

both_backends!(
    introspection_revocation_and_end_session,
    expired_access_tokens_are_refused,
);

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
    let (_, tokens) = redeem_confidential(&server, &web, &secret, &code).await;
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
