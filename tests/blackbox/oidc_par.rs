//! Pushed authorization requests (RFC 9126; issue 16, item 5): `POST /oidc/request`, then
//! `/oidc/auth` with the `request_uri`, once, for its client, in time; the parameters
//! checked at the push and erased from the log after the use; the per-client requirement.

use crate::common::flow::{
    app, browser, csrf_of, location, outcome, query, redeem_confidential, user, Jar, CB, CHALLENGE,
    PASSWORD,
};
use crate::common::{json, Backend, Deployment, Server};
use reqwest::header::COOKIE;
use serde_json::{json as j, Value};

both_backends!(
    a_pushed_request_signs_in_once_for_its_client,
    pushes_are_checked_and_clients_may_be_required_to_push,
);

const HINT: &str = "pushed.hint@example.com";

/// The authorization request's parameters (PKCE, a state, a login hint).
fn request(client: &str, state: &str) -> Vec<(&'static str, String)> {
    vec![
        ("client_id", client.to_owned()),
        ("redirect_uri", CB.to_owned()),
        ("response_type", "code".to_owned()),
        ("scope", "openid profile".to_owned()),
        ("state", state.to_owned()),
        ("login_hint", HINT.to_owned()),
        ("code_challenge", CHALLENGE.to_owned()),
        ("code_challenge_method", "S256".to_owned()),
    ]
}

/// `POST /oidc/request` with `form` and, for a confidential client, Basic authentication.
async fn push(
    server: &Server,
    form: &[(&str, String)],
    basic: Option<(&str, &str)>,
) -> (u16, Value) {
    let mut r = browser().post(server.url("/oidc/request")).form(form);
    if let Some((id, secret)) = basic {
        r = r.basic_auth(id, Some(secret));
    }
    let r = r.send().await.expect("push");
    let status = r.status().as_u16();
    (status, json(r).await)
}

/// `/oidc/auth?client_id=…&request_uri=…` (plus `extra`) in `jar`: (status, Location or body).
async fn authorize(
    server: &Server,
    jar: &mut Jar,
    client: &str,
    request_uri: &str,
    extra: &[(&str, &str)],
) -> (u16, String) {
    let mut url = reqwest::Url::parse(&server.url("/oidc/auth")).expect("url");
    url.query_pairs_mut()
        .append_pair("client_id", client)
        .append_pair("request_uri", request_uri);
    for (k, v) in extra {
        url.query_pairs_mut().append_pair(k, v);
    }
    let r = browser()
        .get(url)
        .header(COOKIE, jar.header())
        .send()
        .await
        .expect("auth");
    outcome(jar, r).await
}

async fn a_pushed_request_signs_in_once_for_its_client(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let (web, secret) = app(&server, "Traditional", false).await;
    let secret = secret.expect("a confidential client");
    let (spa, _) = app(&server, "SPA", false).await;
    user(&server, "pushy").await;

    // Discovery says where to push.
    let discovery = json(
        server
            .get_anonymous("/oidc/.well-known/openid-configuration")
            .await,
    )
    .await;
    assert_eq!(
        discovery["pushed_authorization_request_endpoint"],
        server.url("/oidc/request")
    );

    // A confidential client pushes with Basic (the body need not name it).
    let mut form = request(&web, "pushed-state");
    form.retain(|(k, _)| *k != "client_id");
    let (status, pushed) = push(&server, &form, Some((&web, &secret))).await;
    assert_eq!(status, 201, "{pushed}");
    assert_eq!(pushed["expires_in"], 60);
    let request_uri = pushed["request_uri"]
        .as_str()
        .expect("request_uri")
        .to_owned();
    assert!(
        request_uri.starts_with("urn:ietf:params:oauth:request_uri:"),
        "{request_uri}"
    );

    // Another client cannot use it (and it stays usable for its own).
    let mut jar = Jar::default();
    let (status, page) = authorize(&server, &mut jar, &spa, &request_uri, &[]).await;
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("no longer works"), "{page}");

    // Its client's browser signs in with only client_id and request_uri; the query's
    // other parameters are ignored (RFC 9126 §4): the pushed state comes back.
    let extra = [
        ("state", "forged"),
        ("redirect_uri", "http://127.0.0.1:9/elsewhere"),
    ];
    let (status, to) = authorize(&server, &mut jar, &web, &request_uri, &extra).await;
    assert_eq!(status, 303, "{to}");
    assert_eq!(to, format!("/sign-in?app_id={web}"));
    let r = browser()
        .get(server.url(&to))
        .header(COOKIE, jar.header())
        .send()
        .await
        .expect("page");
    let page = r.text().await.expect("html");
    assert!(
        page.contains(HINT),
        "the pushed login_hint pre-fills the form: {page}"
    );
    let r = browser()
        .post(server.url(&to))
        .header(COOKIE, jar.header())
        .form(&[
            ("identifier", "pushy"),
            ("password", PASSWORD),
            ("csrf_token", &csrf_of(&page)),
        ])
        .send()
        .await
        .expect("sign in");
    assert_eq!(r.status(), 303);
    let back = location(&r);
    assert!(back.starts_with(CB), "{back}");
    assert_eq!(query(&back)["state"], "pushed-state", "{back}");
    let code = query(&back)["code"].clone();
    let (status, tokens) = redeem_confidential(&server, &web, &secret, &code).await;
    assert_eq!(status, 200, "{tokens}");
    assert!(tokens["id_token"].is_string());

    // Once only.
    let mut again = Jar::default();
    let (status, page) = authorize(&server, &mut again, &web, &request_uri, &[]).await;
    assert_eq!(status, 400, "{page}");
    // Not ours, or no such request: the same page.
    for bogus in [
        "urn:ietf:params:oauth:request_uri:nosuchrequest",
        "https://evil.example/r",
    ] {
        let (status, _) = authorize(&server, &mut again, &web, bogus, &[]).await;
        assert_eq!(status, 400, "{bogus}");
    }

    // A public client pushes with its client_id alone (PKCE protects the code).
    let (status, pushed) = push(&server, &request(&spa, "spa-state"), None).await;
    assert_eq!(status, 201, "{pushed}");

    // The log holds that requests were pushed and one was used; the used one's
    // parameters are erased, and no payload shows the hint in plain text.
    assert_eq!(
        deployment.count_events("AuthorizationRequestPushed").await,
        2
    );
    assert_eq!(deployment.count_events("PushedRequestUsed").await, 1);
    for payload in deployment.event_payloads("pushed-request").await {
        assert!(!payload.contains(HINT), "{payload}");
    }

    // Late: past its lifetime the request_uri no longer works.
    server.terminate(std::time::Duration::from_secs(15));
    let server = deployment
        .start_with(&[("TESSERA_PUSHED_REQUEST_TTL", "1")])
        .await;
    let (status, pushed) = push(&server, &request(&spa, "late"), None).await;
    assert_eq!((status, pushed["expires_in"].as_u64()), (201, Some(1)));
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let uri = pushed["request_uri"].as_str().expect("request_uri");
    let (status, page) = authorize(&server, &mut Jar::default(), &spa, uri, &[]).await;
    assert_eq!(status, 400, "{page}");
}

async fn pushes_are_checked_and_clients_may_be_required_to_push(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let (web, secret) = app(&server, "Traditional", false).await;
    let secret = secret.expect("a confidential client");
    let basic = Some((web.as_str(), secret.as_str()));

    // Refused at the push, as the authorization endpoint would refuse them, in JSON.
    let without = |name: &str| {
        let mut f = request(&web, "s");
        f.retain(|(k, _)| *k != name);
        f
    };
    let with = |name: &'static str, value: &str| {
        let mut f = request(&web, "s");
        f.retain(|(k, _)| *k != name);
        f.push((name, value.to_owned()));
        f
    };
    for (form, status, error) in [
        (without("redirect_uri"), 400, "invalid_request"),
        (
            with("redirect_uri", "https://evil.example/cb"),
            400,
            "invalid_request",
        ),
        (
            with("response_type", "token"),
            400,
            "unsupported_response_type",
        ),
        (with("scope", "profile"), 400, "invalid_scope"),
        (without("code_challenge"), 400, "invalid_request"),
        (
            with("resource", "https://no.such.api"),
            400,
            "invalid_target",
        ),
        (
            with("request_uri", "urn:ietf:params:oauth:request_uri:x"),
            400,
            "invalid_request",
        ),
        (with("request", "eyJ.x.y"), 400, "request_not_supported"),
    ] {
        let (got, body) = push(&server, &form, basic).await;
        assert_eq!(
            (got, body["error"].as_str()),
            (status, Some(error)),
            "{form:?}: {body}"
        );
        assert_eq!(body["code"], format!("oidc.{error}"), "{body}");
    }
    // Client authentication as at the token endpoint.
    let (status, body) = push(&server, &request(&web, "s"), Some((&web, "wrong"))).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    let (status, _) = push(&server, &request(&web, "s"), None).await;
    assert_eq!(status, 401, "a confidential client must authenticate");
    let (status, _) = push(&server, &request("nosuchclient", "s"), None).await;
    assert_eq!(status, 401);
    // Nothing refused was recorded.
    assert_eq!(
        deployment.count_events("AuthorizationRequestPushed").await,
        0
    );

    // A client that must push: a plain authorization request goes back to it refused,
    // a pushed one works.
    let r = server
        .patch_json(
            &format!("/api/applications/{web}"),
            &j!({"customClientMetadata": {"requirePushedAuthorizationRequests": true}}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let mut url = reqwest::Url::parse(&server.url("/oidc/auth")).expect("url");
    for (k, v) in request(&web, "plain") {
        url.query_pairs_mut().append_pair(k, &v);
    }
    let r = browser().get(url).send().await.expect("auth");
    assert_eq!(r.status(), 303);
    let back = location(&r);
    assert!(back.starts_with(CB), "{back}");
    assert_eq!(query(&back)["error"], "invalid_request", "{back}");
    assert_eq!(query(&back)["state"], "plain", "{back}");
    let (status, pushed) = push(&server, &request(&web, "pushed"), basic).await;
    assert_eq!(status, 201, "{pushed}");
    let uri = pushed["request_uri"].as_str().expect("request_uri");
    let (status, to) = authorize(&server, &mut Jar::default(), &web, uri, &[]).await;
    assert_eq!((status, to), (303, format!("/sign-in?app_id={web}")));
}
