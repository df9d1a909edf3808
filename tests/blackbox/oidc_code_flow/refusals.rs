//! What the authorization and token endpoints refuse, and Logto's wildcard redirect URIs.

use crate::common::flow::*;
use crate::common::{json, Backend, Deployment};
use reqwest::header::{LOCATION, WWW_AUTHENTICATE};
use serde_json::{json as j, Value};

both_backends!(
    refusals_of_the_code_flow,
    wildcard_redirect_uris_follow_logtos_rules,
);

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
        assert_eq!(location(&r), format!("/sign-in?app_id={client}"));
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
