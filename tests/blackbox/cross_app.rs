//! Cross-app isolation (Logto 1.34's per-client interactions): two applications signing
//! in at once in one browser each keep their own interaction, on the hosted pages and
//! through the Experience API (`api/src/signin/interactions.rs`).

use crate::common::flow::{
    app, auth_url, browser, csrf_of, location, outcome, query, redeem_spa, user, Jar, PASSWORD,
};
use crate::common::interaction::experience;
use crate::common::{Backend, Deployment, Server};
use reqwest::header::COOKIE;
use reqwest::Method;
use serde_json::json as j;

both_backends!(
    two_applications_sign_in_at_once_in_one_browser,
    the_experience_api_continues_the_application_it_names,
);

/// `client`'s authorization request with its own `state`, started in `jar`; returns where
/// the browser was sent.
async fn start(server: &Server, jar: &mut Jar, client: &str, state: &str) -> String {
    let url = auth_url(server, client, &[]).replace("state=st8", &format!("state={state}"));
    let r = browser()
        .get(url)
        .header(COOKIE, jar.header())
        .send()
        .await
        .expect("auth");
    assert_eq!(r.status(), 303);
    jar.take(&r);
    location(&r)
}

/// (status, HTML) of a hosted page.
async fn get(server: &Server, jar: &Jar, path: &str) -> (u16, String) {
    let r = browser()
        .get(server.url(path))
        .header(COOKIE, jar.header())
        .send()
        .await
        .expect("page");
    (r.status().as_u16(), r.text().await.expect("html"))
}

/// Posts the sign-in form at `path`; (status, Location or body).
async fn sign_in(
    server: &Server,
    jar: &mut Jar,
    path: &str,
    csrf: &str,
    who: &str,
) -> (u16, String) {
    let r = browser()
        .post(server.url(path))
        .header(COOKIE, jar.header())
        .form(&[
            ("identifier", who),
            ("password", PASSWORD),
            ("csrf_token", csrf),
        ])
        .send()
        .await
        .expect("post");
    outcome(jar, r).await
}

async fn two_applications_sign_in_at_once_in_one_browser(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let (first, _) = app(&server, "SPA", false).await;
    let (second, _) = app(&server, "SPA", false).await;
    user(&server, "iso_ann").await;

    // One browser starts a sign-in for each application; the second does not replace
    // the first: each has its own cookie, and its pages name their application.
    let mut jar = Jar::default();
    let to_first = start(&server, &mut jar, &first, "for-first").await;
    assert_eq!(to_first, format!("/sign-in?app_id={first}"));
    let to_second = start(&server, &mut jar, &second, "for-second").await;
    assert_eq!(to_second, format!("/sign-in?app_id={second}"));
    for client in [&first, &second] {
        assert!(
            jar.0.contains_key(&format!("_interaction_{client}")),
            "{:?}",
            jar.0.keys()
        );
    }
    let (status, first_page) = get(&server, &jar, &to_first).await;
    assert_eq!(status, 200);
    let (status, second_page) = get(&server, &jar, &to_second).await;
    assert_eq!(status, 200);
    // Every form and link of a page stays with its application.
    for (page, client) in [(&first_page, &first), (&second_page, &second)] {
        assert!(
            page.contains(&format!("action=\"/sign-in?app_id={client}\"")),
            "{page}"
        );
    }
    let (first_csrf, second_csrf) = (csrf_of(&first_page), csrf_of(&second_page));
    assert_ne!(first_csrf, second_csrf);

    // One application's form token does not pass on the other's interaction.
    let (status, _) = sign_in(&server, &mut jar, &to_first, &second_csrf, "iso_ann").await;
    assert_eq!(status, 403);

    // The first application's sign-in completes for the first application, with its
    // state, though the second started later…
    let (status, back) = sign_in(&server, &mut jar, &to_first, &first_csrf, "iso_ann").await;
    assert_eq!(status, 303, "{back}");
    assert_eq!(query(&back)["state"], "for-first", "{back}");
    assert!(
        !jar.0.contains_key(&format!("_interaction_{first}")),
        "done: cleared"
    );
    let tokens = redeem_spa(&server, &first, &back).await;
    assert!(tokens["id_token"].is_string(), "{tokens}");

    // …and the second's is still there, and completes for the second.
    let (status, back) = sign_in(&server, &mut jar, &to_second, &second_csrf, "iso_ann").await;
    assert_eq!(status, 303, "{back}");
    assert_eq!(query(&back)["state"], "for-second", "{back}");
    let tokens = redeem_spa(&server, &second, &back).await;
    assert!(tokens["id_token"].is_string(), "{tokens}");

    // Without `app_id`, a page continues the most recently started interaction.
    let mut jar = Jar::default();
    start(&server, &mut jar, &first, "a").await;
    start(&server, &mut jar, &second, "b").await;
    let (status, page) = get(&server, &jar, "/sign-in").await;
    assert_eq!(status, 200);
    assert!(page.contains(&format!("app_id={second}")), "{page}");

    // An `app_id` the browser has no interaction for, or that is no client id, is the
    // expired page, never another application's interaction.
    let (other, _) = app(&server, "SPA", false).await;
    for bad in [other.as_str(), "no%20such", "%3Cscript%3E"] {
        let (status, page) = get(&server, &jar, &format!("/sign-in?app_id={bad}")).await;
        assert_eq!(status, 400, "{bad}: {page}");
    }
    // A cookie moved to another application's name does not open: the seal is bound to
    // the name.
    let mut moved = Jar::default();
    let value = jar.0[&format!("_interaction_{first}")].clone();
    moved.0.insert(format!("_interaction_{second}"), value);
    let (status, _) = get(&server, &moved, &format!("/sign-in?app_id={second}")).await;
    assert_eq!(status, 400);
}

async fn the_experience_api_continues_the_application_it_names(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let (first, _) = app(&server, "SPA", false).await;
    let (second, _) = app(&server, "SPA", false).await;
    user(&server, "iso_bob").await;
    let mut jar = Jar::default();
    start(&server, &mut jar, &first, "for-first").await;
    start(&server, &mut jar, &second, "for-second").await;

    let on_first = |path: &str| format!("{path}?app_id={first}");
    let (status, body, _) = experience(
        &server,
        &mut jar,
        Method::PUT,
        &on_first("/api/experience"),
        Some(j!({"interactionEvent": "SignIn"})),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    // The latest interaction (the second application's) was not touched.
    let (status, body, _) = experience(
        &server,
        &mut jar,
        Method::GET,
        "/api/experience/interaction",
        None,
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["code"], "session.interaction_not_found");

    let (status, body, _) = experience(
        &server,
        &mut jar,
        Method::POST,
        &on_first("/api/experience/verification/password"),
        Some(j!({"identifier": {"type": "username", "value": "iso_bob"}, "password": PASSWORD})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let verification = body["verificationId"].as_str().expect("id").to_owned();
    let (status, body, _) = experience(
        &server,
        &mut jar,
        Method::POST,
        &on_first("/api/experience/identification"),
        Some(j!({"verificationId": verification})),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let (status, body, _) = experience(
        &server,
        &mut jar,
        Method::POST,
        &on_first("/api/experience/submit"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let redirect = body["redirectTo"].as_str().expect("redirectTo");
    let r = browser()
        .get(redirect)
        .header(COOKIE, jar.header())
        .send()
        .await
        .expect("resume");
    assert_eq!(r.status(), 303);
    let back = location(&r);
    assert_eq!(query(&back)["state"], "for-first", "{back}");
    jar.take(&r);

    // The second application's hosted sign-in is still waiting, untouched.
    let (status, page) = get(&server, &jar, &format!("/sign-in?app_id={second}")).await;
    assert_eq!(status, 200, "{page}");
}
