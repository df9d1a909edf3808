//! One-time codes end to end over HTTP (issue 14, items 2, 3 and 7), on both backends,
//! with the codes caught where they are delivered: a local SMTP server behind the SMTP
//! connector and a local HTTP receiver behind the HTTP SMS connector. Through the
//! Experience API: registration that verifies the email, sign-in with a code by SMS,
//! forgot password by email; the code rules (wrong, spent, expired, another address) and
//! the lockout they count towards; through the Account API: a new primary email proved
//! by a code.

use crate::common;

use common::connectors::{
    self, add_sms_connector, add_smtp_connector, offer_codes, wait_for_sms, wrong_code,
};
use common::flow::{app, browser, tokens_for, user, Jar, PASSWORD};
use common::interaction::{experience, interaction, interaction_with};
use common::smtp::SmtpReceiver;
use common::webhook_receiver::Receiver;
use common::{json, Backend, Deployment, Server};
use reqwest::Method;
use serde_json::{json as j, Value};
use std::time::Duration;

both_backends!(
    register_sign_in_and_reset_a_password_with_codes,
    codes_are_spent_by_wrong_guesses_expire_and_count_towards_the_lockout,
    a_new_primary_email_is_proved_by_a_code_through_the_account_api,
);

const STRONG: &str = "Vintage-Harbor-Lamp-73";
const NEWER: &str = "Copper-Meadow-Kite-58";
const WAIT: Duration = Duration::from_secs(15);
const SEND: &str = "/api/experience/verification/verification-code";
const VERIFY: &str = "/api/experience/verification/verification-code/verify";

async fn call(
    server: &Server,
    jar: &mut Jar,
    method: Method,
    path: &str,
    body: Value,
) -> (u16, Value) {
    let (status, body, _) = experience(server, jar, method, path, Some(body)).await;
    (status, body)
}

async fn start(server: &Server, client: &str, event: &str) -> Jar {
    let mut jar = interaction(server, client).await;
    let (status, body) = call(
        server,
        &mut jar,
        Method::PUT,
        "/api/experience",
        j!({"interactionEvent": event}),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    jar
}

fn identifier(kind: &str, value: &str) -> Value {
    j!({"type": kind, "value": value})
}

/// Asks for a code; its verification id.
async fn send(server: &Server, jar: &mut Jar, kind: &str, value: &str, event: &str) -> String {
    let body = j!({"identifier": identifier(kind, value), "interactionEvent": event});
    let (status, body) = call(server, jar, Method::POST, SEND, body).await;
    assert_eq!(status, 200, "{body}");
    body["verificationId"]
        .as_str()
        .expect("verificationId")
        .to_owned()
}

async fn verify(
    server: &Server,
    jar: &mut Jar,
    kind: &str,
    value: &str,
    id: &str,
    code: &str,
) -> (u16, Value) {
    let body = j!({"identifier": identifier(kind, value), "verificationId": id, "code": code});
    call(server, jar, Method::POST, VERIFY, body).await
}

/// `submit`, then the browser follows `redirectTo` to the client's callback.
async fn submit_and_land(server: &Server, jar: &mut Jar) {
    let (status, body) = call(server, jar, Method::POST, "/api/experience/submit", j!({})).await;
    assert_eq!(status, 200, "{body}");
    let mut next = body["redirectTo"].as_str().expect("redirectTo").to_owned();
    for _ in 0..5 {
        let r = browser()
            .get(&next)
            .header(reqwest::header::COOKIE, jar.header())
            .send()
            .await
            .expect("follow");
        jar.take(&r);
        assert_eq!(r.status(), 303, "{next}");
        next = common::flow::location(&r);
        if next.starts_with(common::flow::CB) {
            assert!(next.contains("code="), "{next}");
            return;
        }
        if !next.starts_with("http") {
            next = server.url(&next);
        }
    }
    panic!("never reached the client: {next}");
}

async fn register_sign_in_and_reset_a_password_with_codes(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let smtp = SmtpReceiver::start().await;
    let sms = Receiver::start(&[], 200).await;
    let server = deployment
        .start_with(&[connectors::ALLOW_PRIVATE, connectors::RESEND_AT_ONCE])
        .await;
    add_smtp_connector(&server, &smtp).await;
    add_sms_connector(&server, &sms).await;
    offer_codes(&server).await;
    let (spa, _) = app(&server, "SPA", false).await;

    // Registration that verifies the email: a wrong code first, then the right one.
    let email = "new.reader@example.com";
    let mut jar = start(&server, &spa, "Register").await;
    let id = send(&server, &mut jar, "email", email, "Register").await;
    let mail = smtp.wait_for(email, WAIT).await;
    assert!(mail.subject().contains("[Register]"), "{}", mail.subject());
    let code = mail.code(6).expect("a 6-digit code in the mail");
    let (status, body) = verify(&server, &mut jar, "email", email, &id, &wrong_code(&code)).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("verification_code.code_mismatch")),
        "{body}"
    );
    let (status, body) = verify(&server, &mut jar, "email", "other@example.com", &id, &code).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("verification_code.email_mismatch")),
        "{body}"
    );
    let (status, body) = verify(&server, &mut jar, "email", email, &id, &code).await;
    assert_eq!(status, 200, "{body}");
    // The sign-up settings ask for a password: the account waits for one.
    let identify = j!({"verificationId": id});
    let (status, body) = call(
        &server,
        &mut jar,
        Method::POST,
        "/api/experience/identification",
        identify.clone(),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("user.missing_profile")),
        "{body}"
    );
    assert_eq!(body["data"]["missingProfile"], j!(["password"]));
    let (status, body) = call(
        &server,
        &mut jar,
        Method::POST,
        "/api/experience/profile",
        j!({"type": "password", "value": "short"}),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("password.rejected")),
        "{body}"
    );
    let (status, _) = call(
        &server,
        &mut jar,
        Method::POST,
        "/api/experience/profile",
        j!({"type": "password", "value": STRONG}),
    )
    .await;
    assert_eq!(status, 204);
    let (status, body) = call(
        &server,
        &mut jar,
        Method::POST,
        "/api/experience/identification",
        identify,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    submit_and_land(&server, &mut jar).await;
    let users = json(
        server
            .get(&format!("/api/users?search=%25{}%25", "new.reader"))
            .await,
    )
    .await;
    assert_eq!(users[0]["primaryEmail"], email, "{users}");

    // Sign-in with a code by SMS for a user the operator created with a phone number.
    let r = server
        .post_json(
            "/api/users",
            &j!({"primaryPhone": "+15550001111", "name": "Texter"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let texter = json(r).await["id"].as_str().expect("id").to_owned();
    // The message carries the pages' language (`ui_locales`) and the client's address.
    let mut jar = interaction_with(&server, &spa, &[("ui_locales", "fr-CA de")]).await;
    let (status, _) = call(
        &server,
        &mut jar,
        Method::PUT,
        "/api/experience",
        j!({"interactionEvent": "SignIn"}),
    )
    .await;
    assert_eq!(status, 204);
    let id = send(&server, &mut jar, "phone", "+15550001111", "SignIn").await;
    let text = wait_for_sms(&sms, "15550001111", WAIT).await;
    assert_eq!(text.usage, "SignIn");
    let payload = text.request.json();
    assert_eq!(payload["payload"]["locale"], "fr", "{payload}");
    assert_eq!(payload["payload"]["ip"], "127.0.0.1", "{payload}");
    let (status, body) = verify(&server, &mut jar, "phone", "+15550001111", &id, &text.code).await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = call(
        &server,
        &mut jar,
        Method::POST,
        "/api/experience/identification",
        j!({"verificationId": id}),
    )
    .await;
    assert_eq!(status, 204);
    let (_, body) = call(
        &server,
        &mut jar,
        Method::GET,
        "/api/experience/interaction",
        Value::Null,
    )
    .await;
    assert_eq!(body["userId"], texter.as_str());
    submit_and_land(&server, &mut jar).await;

    // A code for an address nobody holds signs nobody in.
    let mut jar = start(&server, &spa, "SignIn").await;
    let id = send(&server, &mut jar, "email", "nobody@example.com", "SignIn").await;
    let code = smtp
        .wait_for("nobody@example.com", WAIT)
        .await
        .code(6)
        .expect("code");
    let (status, _) = verify(&server, &mut jar, "email", "nobody@example.com", &id, &code).await;
    assert_eq!(status, 200);
    let (status, body) = call(
        &server,
        &mut jar,
        Method::POST,
        "/api/experience/identification",
        j!({"verificationId": id}),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("user.user_not_exist")),
        "{body}"
    );

    // Forgot password by email: the policy and the old password are refused, then the
    // new one works and the old one no longer does.
    let mut jar = start(&server, &spa, "ForgotPassword").await;
    let id = send(&server, &mut jar, "email", email, "ForgotPassword").await;
    let mail = smtp.wait_for(email, WAIT).await;
    assert!(
        mail.subject().contains("[ForgotPassword]"),
        "{}",
        mail.subject()
    );
    let code = mail.code(6).expect("code");
    let (status, _) = verify(&server, &mut jar, "email", email, &id, &code).await;
    assert_eq!(status, 200);
    let (status, _) = call(
        &server,
        &mut jar,
        Method::POST,
        "/api/experience/identification",
        j!({"verificationId": id}),
    )
    .await;
    assert_eq!(status, 204);
    let reset = "/api/experience/profile/password";
    let (status, body) = call(
        &server,
        &mut jar,
        Method::PUT,
        reset,
        j!({"password": STRONG}),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("user.same_password")),
        "{body}"
    );
    let (status, body) = call(
        &server,
        &mut jar,
        Method::PUT,
        reset,
        j!({"password": "12345678"}),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("password.rejected")),
        "{body}"
    );
    let (status, _) = call(
        &server,
        &mut jar,
        Method::PUT,
        reset,
        j!({"password": NEWER}),
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = call(
        &server,
        &mut jar,
        Method::POST,
        "/api/experience/submit",
        j!({}),
    )
    .await;
    assert_eq!(status, 204);
    let password = |p: &str| j!({"identifier": identifier("email", email), "password": p});
    let path = "/api/experience/verification/password";
    let (status, _) = call(&server, &mut jar, Method::POST, path, password(STRONG)).await;
    assert_eq!(status, 422, "the old password still works");
    let (status, _) = call(&server, &mut jar, Method::POST, path, password(NEWER)).await;
    assert_eq!(status, 200, "the new password does not work");

    // Every step is an event; none holds a code or an address.
    assert!(deployment.count_events("VerificationCodeSent").await >= 4);
    assert_eq!(deployment.count_events("VerificationCodeVerified").await, 4);
    assert_eq!(deployment.count_events("VerificationCodeFailed").await, 2);
    let payloads = deployment
        .event_payloads("verification-code")
        .await
        .join("\n");
    assert!(
        !payloads.contains(&code)
            && !payloads.contains("example.com")
            && !payloads.contains("5550001111")
    );
}

async fn codes_are_spent_by_wrong_guesses_expire_and_count_towards_the_lockout(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let smtp = SmtpReceiver::start().await;
    let server = deployment
        .start_with(&[
            connectors::ALLOW_PRIVATE,
            connectors::RESEND_AT_ONCE,
            ("TESSERA_VERIFICATION_CODE_MAX_ATTEMPTS", "3"),
            ("TESSERA_VERIFICATION_CODE_TTL_SECS", "2"),
            ("TESSERA_SENTINEL_MAX_ATTEMPTS", "5"),
        ])
        .await;
    let sms = Receiver::start(&[], 200).await;
    add_smtp_connector(&server, &smtp).await;
    add_sms_connector(&server, &sms).await;
    offer_codes(&server).await;
    let (spa, _) = app(&server, "SPA", false).await;
    // The helper's user holds `guarded@example.com`.
    user(&server, "guarded").await;
    let email = "guarded@example.com";

    // Three wrong guesses spend the code: the right one is refused after them.
    let mut jar = start(&server, &spa, "SignIn").await;
    let id = send(&server, &mut jar, "email", email, "SignIn").await;
    let code = smtp.wait_for(email, WAIT).await.code(6).expect("code");
    for _ in 0..3 {
        let (status, body) =
            verify(&server, &mut jar, "email", email, &id, &wrong_code(&code)).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("verification_code.code_mismatch")),
            "{body}"
        );
    }
    let (status, body) = verify(&server, &mut jar, "email", email, &id, &code).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("verification_code.exceed_max_try")),
        "{body}"
    );

    // A code left alone expires.
    let id = send(&server, &mut jar, "email", email, "SignIn").await;
    let code = smtp.wait_for(email, WAIT).await.code(6).expect("code");
    tokio::time::sleep(Duration::from_millis(2300)).await;
    let (status, body) = verify(&server, &mut jar, "email", email, &id, &code).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("verification_code.expired")),
        "{body}"
    );

    // Wrong guesses count towards the address's lockout (3 so far; 2 more lock it), after
    // which even a fresh code with the right digits is refused, and no code is sent.
    let id = send(&server, &mut jar, "email", email, "SignIn").await;
    let code = smtp.wait_for(email, WAIT).await.code(6).expect("code");
    let (status, _) = verify(&server, &mut jar, "email", email, &id, &wrong_code(&code)).await;
    assert_eq!(status, 400);
    let (status, body) = verify(&server, &mut jar, "email", email, &id, &wrong_code(&code)).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("session.verification_blocked_too_many_attempts")),
        "{body}"
    );
    let (status, body) = verify(&server, &mut jar, "email", email, &id, &code).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("session.verification_blocked_too_many_attempts")),
        "{body}"
    );
    let body = j!({"identifier": identifier("email", email), "interactionEvent": "SignIn"});
    let (status, body) = call(&server, &mut jar, Method::POST, SEND, body).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("session.verification_blocked_too_many_attempts")),
        "{body}"
    );
    assert_eq!(deployment.count_events("IdentifierLockedOut").await, 1);
}

async fn a_new_primary_email_is_proved_by_a_code_through_the_account_api(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let smtp = SmtpReceiver::start().await;
    let server = deployment
        .start_with(&[connectors::ALLOW_PRIVATE, connectors::RESEND_AT_ONCE])
        .await;
    add_smtp_connector(&server, &smtp).await;
    let r = server
        .patch_json(
            "/api/account-center",
            &j!({"enabled": true, "fields": {"email": "Edit"}}),
        )
        .await;
    assert_eq!(r.status(), 200, "{}", json(r).await);
    let (spa, _) = app(&server, "SPA", false).await;
    user(&server, "mover").await;
    let tokens = tokens_for(&server, &spa, "mover").await;
    let token = tokens["access_token"]
        .as_str()
        .expect("access token")
        .to_owned();
    let account = |method: Method, path: &str, record: Option<&str>, body: Option<Value>| {
        let mut r = browser()
            .request(method, server.url(path))
            .bearer_auth(&token);
        if let Some(v) = record {
            r = r.header("logto-verification-id", v);
        }
        if let Some(b) = body {
            r = r.json(&b);
        }
        async move {
            let r = r.send().await.expect("account api");
            let status = r.status().as_u16();
            let text = r.text().await.expect("body");
            (
                status,
                serde_json::from_str::<Value>(&text).unwrap_or(Value::Null),
            )
        }
    };
    let (status, body) = account(
        Method::POST,
        "/api/verifications/password",
        None,
        Some(j!({"password": PASSWORD})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let identity = body["verificationRecordId"]
        .as_str()
        .expect("record")
        .to_owned();

    let email = "moved@example.com";
    let (status, body) = account(
        Method::POST,
        "/api/verifications/verification-code",
        None,
        Some(j!({"identifier": identifier("email", email)})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let sent = body["verificationRecordId"]
        .as_str()
        .expect("record")
        .to_owned();
    let code = smtp.wait_for(email, WAIT).await.code(6).expect("code");
    let verify_body = |address: &str, code: &str| {
        Some(j!({"identifier": identifier("email", address), "verificationId": sent, "code": code}))
    };
    // The record names the address it was sent to, and no other.
    let (status, body) = account(
        Method::POST,
        "/api/verifications/verification-code/verify",
        None,
        verify_body("else@example.com", &code),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("verification_record.not_found")),
        "{body}"
    );
    let (status, body) = account(
        Method::POST,
        "/api/verifications/verification-code/verify",
        None,
        verify_body(email, &code),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let proof = body["verificationRecordId"]
        .as_str()
        .expect("record")
        .to_owned();

    let set = |address: &str, proof: &str| {
        Some(j!({"email": address, "newIdentifierVerificationRecordId": proof}))
    };
    // The proof of one address does not set another; nor without the password record.
    let (status, body) = account(
        Method::POST,
        "/api/my-account/primary-email",
        Some(&identity),
        set("else@example.com", &proof),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("verification_record.permission_denied")),
        "{body}"
    );
    let (status, _) = account(
        Method::POST,
        "/api/my-account/primary-email",
        None,
        set(email, &proof),
    )
    .await;
    assert_eq!(status, 401);
    let (status, body) = account(
        Method::POST,
        "/api/my-account/primary-email",
        Some(&identity),
        set(email, &proof),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let users = json(server.get("/api/users?search=%25mover%25").await).await;
    assert_eq!(users[0]["primaryEmail"], email, "{users}");

    // Removing it is fine while the username remains.
    let (status, _) = account(
        Method::DELETE,
        "/api/my-account/primary-email",
        Some(&identity),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let users = json(server.get("/api/users?search=%25mover%25").await).await;
    assert_eq!(users[0]["primaryEmail"], Value::Null, "{users}");
}
