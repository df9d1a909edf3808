//! The hosted pages: registration, consent, resource tokens, cookies behind HTTPS and `max_age`.

use crate::common;
use crate::common::flow::*;
use crate::common::{json, Backend, Deployment, Server};
use reqwest::header::{COOKIE, SET_COOKIE};

both_backends!(
    registration_consent_and_resource_tokens,
    cookies_are_secure_behind_https_and_max_age_forces_sign_in,
);

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
    assert_eq!(location(&r), format!("/register?app_id={third}"));
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
    assert_eq!(location(&r), format!("/consent?app_id={third}"));
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
    assert_eq!(location(&r), format!("/consent?app_id={third}"));
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
    assert_eq!(location(&r), format!("/sign-in?app_id={third}"));

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
        assert_eq!(location(&r), format!("/sign-in?app_id={spa}"));
        let cookie = r.headers()[SET_COOKIE].to_str().expect("cookie").to_owned();
        assert!(
            cookie.starts_with(&format!("_interaction_{spa}=")),
            "{cookie}"
        );
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
    assert_eq!(location(&r), format!("/sign-in?app_id={spa}"));
}
