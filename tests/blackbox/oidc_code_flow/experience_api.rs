//! Logto's Experience API: sign-in and registration on the interaction cookie.

use crate::common::flow::*;
use crate::common::{json, Backend, Deployment, Server};
use reqwest::header::{COOKIE, LOCATION};
use serde_json::{json as j, Value};

both_backends!(experience_api_sign_in_and_registration,);

/// One Experience API call with the jar's cookies (the shared helper, without its
/// `Retry-After`).
async fn experience(
    server: &Server,
    jar: &mut Jar,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let (status, body, _) =
        crate::common::interaction::experience(server, jar, method, path, body).await;
    (status, body)
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
