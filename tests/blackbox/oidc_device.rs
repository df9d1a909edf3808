//! The device authorization grant (RFC 8628; issue 16, item 1): `POST /oidc/device/auth`,
//! the `/device` pages with the sign-in form, and polling the token endpoint, on both
//! backends. Polls while the user decides append nothing; tokens are issued once.

use crate::common::flow::{app, browser, csrf_of, location, me, token, user, Jar, PASSWORD};
use crate::common::{json, Backend, Deployment, Server};
use reqwest::header::COOKIE;
use serde_json::{json as j, Value};

both_backends!(
    a_device_signs_in_through_the_pages_and_gets_tokens_once,
    denial_expiry_foreign_clients_and_other_apps_are_refused,
);

const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// A Native app created for the device flow (Logto's "input-limited app").
async fn device_app(server: &Server) -> String {
    let body = json(
        server
            .post_json(
                "/api/applications",
                &j!({
                    "name": "Living-room TV",
                    "type": "Native",
                    "oidcClientMetadata": {"redirectUris": [], "postLogoutRedirectUris": []},
                    "customClientMetadata": {"isDeviceFlow": true},
                }),
            )
            .await,
    )
    .await;
    body["id"].as_str().expect("app id").to_owned()
}

/// `POST /oidc/device/auth` as a public client.
async fn start(server: &Server, client: &str, scope: &str) -> (u16, Value) {
    let r = browser()
        .post(server.url("/oidc/device/auth"))
        .form(&[("client_id", client), ("scope", scope)])
        .send()
        .await
        .expect("device auth");
    let status = r.status().as_u16();
    (status, json(r).await)
}

/// One poll by `client`: (status, body).
async fn poll(server: &Server, client: &str, device_code: &str) -> (u16, Value) {
    token(
        server,
        &[
            ("grant_type", GRANT_TYPE),
            ("client_id", client),
            ("device_code", device_code),
        ],
    )
    .await
}

fn error(answer: &(u16, Value)) -> (u16, Option<&str>) {
    (answer.0, answer.1["error"].as_str())
}

/// Types `code` on `/device` in `jar`: (status, Location or page).
async fn enter(server: &Server, jar: &mut Jar, code: &str) -> (u16, String) {
    let r = browser()
        .post(server.url("/device"))
        .header(COOKIE, jar.header())
        .form(&[("user_code", code)])
        .send()
        .await
        .expect("enter code");
    jar.take(&r);
    let status = r.status().as_u16();
    if status == 303 {
        return (status, location(&r));
    }
    (status, r.text().await.expect("html"))
}

/// Signs `username` in on the page `to` (the sign-in form): where it sends the browser.
async fn sign_in_form(server: &Server, jar: &mut Jar, to: &str, username: &str) -> String {
    let b = browser();
    let r = b
        .get(server.url(to))
        .header(COOKIE, jar.header())
        .send()
        .await
        .expect("page");
    assert_eq!(r.status(), 200);
    let page = r.text().await.expect("html");
    let r = b
        .post(server.url(to))
        .header(COOKIE, jar.header())
        .form(&[
            ("identifier", username),
            ("password", PASSWORD),
            ("csrf_token", &csrf_of(&page)),
        ])
        .send()
        .await
        .expect("sign in");
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    jar.take(&r);
    location(&r)
}

/// `GET` then `POST` the confirmation at `to` with `decision`: (status, page).
async fn decide(server: &Server, jar: &Jar, to: &str, decision: &str) -> (u16, String) {
    let b = browser();
    let r = b
        .get(server.url(to))
        .header(COOKIE, jar.header())
        .send()
        .await
        .expect("confirm page");
    assert_eq!(r.status(), 200);
    let page = r.text().await.expect("html");
    let r = b
        .post(server.url(to))
        .header(COOKIE, jar.header())
        .form(&[("decision", decision), ("csrf_token", &csrf_of(&page))])
        .send()
        .await
        .expect("decide");
    (r.status().as_u16(), r.text().await.expect("html"))
}

async fn a_device_signs_in_through_the_pages_and_gets_tokens_once(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let tv = device_app(&server).await;
    let user_id = user(&server, "couch").await;

    let discovery = json(
        server
            .get_anonymous("/oidc/.well-known/openid-configuration")
            .await,
    )
    .await;
    assert_eq!(
        discovery["device_authorization_endpoint"],
        server.url("/oidc/device/auth")
    );
    assert!(discovery["grant_types_supported"]
        .as_array()
        .expect("grant types")
        .contains(&j!(GRANT_TYPE)));

    let (status, started) = start(&server, &tv, "openid offline_access profile").await;
    assert_eq!(status, 200, "{started}");
    let user_code = started["user_code"].as_str().expect("user_code").to_owned();
    let device_code = started["device_code"]
        .as_str()
        .expect("device_code")
        .to_owned();
    assert_eq!(user_code.len(), 9, "{user_code}");
    assert!(user_code
        .chars()
        .all(|c| c == '-' || "BCDFGHJKLMNPQRSTVWXZ".contains(c)));
    assert_eq!(started["verification_uri"], server.url("/device"));
    assert_eq!(
        started["verification_uri_complete"],
        format!("{}?user_code={user_code}", server.url("/device"))
    );
    assert_eq!(
        (started["expires_in"].as_u64(), started["interval"].as_u64()),
        (Some(600), Some(5))
    );

    // Waiting: pending, then slow_down for polling sooner than the interval; none of it
    // is an event.
    assert_eq!(
        error(&poll(&server, &tv, &device_code).await),
        (400, Some("authorization_pending"))
    );
    let fast = poll(&server, &tv, &device_code).await;
    assert_eq!(error(&fast), (400, Some("slow_down")), "{}", fast.1);
    assert_eq!(
        deployment
            .event_payloads("device-authorization")
            .await
            .len(),
        1,
        "polls append nothing"
    );

    // The page prefills the code from verification_uri_complete.
    let r = browser()
        .get(started["verification_uri_complete"].as_str().expect("uri"))
        .send()
        .await
        .expect("device page");
    assert_eq!(r.status(), 200);
    let page = r.text().await.expect("html");
    assert!(page.contains(&format!("value=\"{user_code}\"")), "{page}");

    // A wrong code says so; the right one, typed loosely, starts the sign-in.
    let mut jar = Jar::default();
    let (status, page) = enter(&server, &mut jar, "BBBB-BBBB").await;
    assert_eq!(status, 400);
    assert!(page.contains("not valid or has expired"), "{page}");
    let typed = user_code.replace('-', " ").to_lowercase();
    let (status, to) = enter(&server, &mut jar, &typed).await;
    assert_eq!(
        (status, to.as_str()),
        (303, format!("/sign-in?app_id={tv}").as_str())
    );
    let to = sign_in_form(&server, &mut jar, &to, "couch").await;
    assert_eq!(to, format!("/device/confirm?app_id={tv}"));

    // The confirmation names the app and what it asks for; a forged form is refused.
    let r = browser()
        .get(server.url(&to))
        .header(COOKIE, jar.header())
        .send()
        .await
        .expect("confirm");
    let page = r.text().await.expect("html");
    assert!(page.contains("Living-room TV"), "{page}");
    assert!(
        page.contains("Stay signed in") && page.contains("Your profile"),
        "{page}"
    );
    let r = browser()
        .post(server.url(&to))
        .header(COOKIE, jar.header())
        .form(&[("decision", "approve"), ("csrf_token", "forged")])
        .send()
        .await
        .expect("forged");
    assert_eq!(r.status(), 403);
    let (status, page) = decide(&server, &jar, &to, "approve").await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Device connected"), "{page}");

    // The next poll gets the tokens (the approval is not slowed down), once.
    let (status, tokens) = poll(&server, &tv, &device_code).await;
    assert_eq!(status, 200, "{tokens}");
    for field in ["access_token", "refresh_token", "id_token"] {
        assert!(tokens[field].is_string(), "{field}: {tokens}");
    }
    let r = me(&server, tokens["access_token"].as_str().expect("at")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(json(r).await["sub"], user_id);
    assert_eq!(
        error(&poll(&server, &tv, &device_code).await),
        (400, Some("invalid_grant"))
    );
    let (status, refreshed) = token(
        &server,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &tv),
            (
                "refresh_token",
                tokens["refresh_token"].as_str().expect("rt"),
            ),
        ],
    )
    .await;
    assert_eq!(status, 200, "{refreshed}");

    // Every step is an event; the grant is the user's like any other.
    for (event, count) in [
        ("DeviceAuthorizationRequested", 1),
        ("DeviceAuthorizationApproved", 1),
        ("DeviceAuthorizationRedeemed", 1),
        ("DeviceCodeRedeemed", 1),
        ("GrantIssued", 1),
    ] {
        assert_eq!(deployment.count_events(event).await, count, "{event}");
    }
    let mut listed = String::new();
    for _ in 0..20 {
        listed = json(server.get(&format!("/api/users/{user_id}/grants")).await)
            .await
            .to_string();
        if listed.contains(&tv) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(listed.contains(&tv), "{listed}");

    // Signed in already: the next device goes straight to the confirmation.
    let (_, second) = start(&server, &tv, "openid").await;
    let code = second["user_code"].as_str().expect("user_code");
    let (status, to) = enter(&server, &mut jar, code).await;
    assert_eq!((status, to), (303, format!("/device/confirm?app_id={tv}")));
}

async fn denial_expiry_foreign_clients_and_other_apps_are_refused(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let tv = device_app(&server).await;
    let other_tv = device_app(&server).await;
    let (native, _) = app(&server, "Native", false).await;
    let (m2m, m2m_secret) = app(&server, "MachineToMachine", false).await;
    let m2m_secret = m2m_secret.expect("secret");
    user(&server, "sofa").await;

    // Only device-flow apps may ask.
    assert_eq!(
        error(&start(&server, &native, "openid").await),
        (400, Some("unauthorized_client"))
    );
    let r = browser()
        .post(server.url("/oidc/device/auth"))
        .basic_auth(&m2m, Some(&m2m_secret))
        .form(&[("scope", "openid")])
        .send()
        .await
        .expect("m2m");
    assert_eq!(r.status(), 400);
    assert_eq!(json(r).await["error"], "unauthorized_client");
    assert_eq!(
        error(&start(&server, "nosuchclient", "openid").await),
        (401, Some("invalid_client"))
    );
    let r = browser()
        .post(server.url("/oidc/device/auth"))
        .form(&[
            ("client_id", tv.as_str()),
            ("resource", "https://no.such.api"),
        ])
        .send()
        .await
        .expect("resource");
    assert_eq!(json(r).await["error"], "invalid_target");

    // Another client's code, a wrong secret, a client that is no device app.
    let (_, started) = start(&server, &tv, "openid").await;
    let device_code = started["device_code"].as_str().expect("device_code");
    assert_eq!(
        error(&poll(&server, &other_tv, device_code).await),
        (400, Some("invalid_grant"))
    );
    let (id, _) = device_code.split_once('.').expect("id.secret");
    let forged = format!("{id}.wrongsecret");
    assert_eq!(
        error(&poll(&server, &tv, &forged).await),
        (400, Some("invalid_grant"))
    );
    assert_eq!(
        error(&poll(&server, &native, device_code).await),
        (400, Some("unauthorized_client"))
    );
    assert_eq!(
        error(&poll(&server, &tv, "garbage").await),
        (400, Some("invalid_grant"))
    );

    // Denied: the device is told so, and no grant exists.
    let mut jar = Jar::default();
    let code = started["user_code"].as_str().expect("user_code");
    let (_, to) = enter(&server, &mut jar, code).await;
    let to = sign_in_form(&server, &mut jar, &to, "sofa").await;
    let (status, page) = decide(&server, &jar, &to, "deny").await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Request denied"), "{page}");
    assert_eq!(
        error(&poll(&server, &tv, device_code).await),
        (400, Some("access_denied"))
    );
    assert_eq!(
        deployment.count_events("DeviceAuthorizationDenied").await,
        1
    );
    assert_eq!(deployment.count_events("GrantIssued").await, 0);
    // A decided code no longer opens the pages.
    let (status, _) = enter(&server, &mut Jar::default(), code).await;
    assert_eq!(status, 400);

    // Guessing: past ten failed lookups from one address (the decided code above was
    // the first), even a right code waits.
    let (_, fresh) = start(&server, &tv, "openid").await;
    for _ in 1..10 {
        let (status, _) = enter(&server, &mut Jar::default(), "BBBB-BBBB").await;
        assert_eq!(status, 400);
    }
    let right = fresh["user_code"].as_str().expect("user_code");
    let (status, page) = enter(&server, &mut Jar::default(), right).await;
    assert_eq!(status, 429, "{page}");
    assert!(page.contains("Too many wrong codes"), "{page}");

    // Expiry (a short configured lifetime): expired_token, and the page no longer knows
    // the code.
    server.terminate(std::time::Duration::from_secs(15));
    let server = deployment
        .start_with(&[("TESSERA_DEVICE_CODE_TTL", "1")])
        .await;
    let (status, late) = start(&server, &tv, "openid").await;
    assert_eq!((status, late["expires_in"].as_u64()), (200, Some(1)));
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let code = late["device_code"].as_str().expect("device_code");
    assert_eq!(
        error(&poll(&server, &tv, code).await),
        (400, Some("expired_token"))
    );
    let (status, _) = enter(
        &server,
        &mut Jar::default(),
        late["user_code"].as_str().expect("uc"),
    )
    .await;
    assert_eq!(status, 400);
}
