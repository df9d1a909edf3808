//! The per-address throttle of one-time code sends (issue 14; mail bombing and SMS
//! pumping) against the real binary on both backends: through the Experience API the
//! (N+1)th send to one address within the hour is refused (429
//! `verification_code.too_many_requests`, `Retry-After`) with nothing appended or
//! delivered while another address is unaffected, concurrent sends cannot slip past the
//! limit, and two sends must be the interval apart; through the hosted pages (the
//! defaults: 5 per hour, 60 s apart) "Resend code" right away is refused with the code
//! entry page saying when (the code already sent still signs in), and the same address
//! on another path is refused too.

use crate::common;

use common::connectors::{self, add_sms_connector, add_smtp_connector, offer_codes};
use common::flow::{app, browser, csrf_of, location, Jar, CB};
use common::interaction::{experience, interaction, interaction_with};
use common::smtp::SmtpReceiver;
use common::webhook_receiver::Receiver;
use common::{Backend, Deployment, Server};
use reqwest::header::COOKIE;
use reqwest::Method;
use serde_json::{json as j, Value};
use std::time::Duration;

both_backends!(
    the_experience_api_refuses_the_sends_past_the_limit_per_address,
    two_sends_to_one_address_are_the_interval_apart,
    the_hosted_pages_say_when_a_new_code_can_be_sent,
);

const WAIT: Duration = Duration::from_secs(15);
const SEND: &str = "/api/experience/verification/verification-code";
const THROTTLED: &str = "verification_code.too_many_requests";

/// A `ForgotPassword` interaction (codes are offered for it whatever the settings).
async fn forgot_password(server: &Server, client: &str) -> Jar {
    let mut jar = interaction(server, client).await;
    let event = Some(j!({"interactionEvent": "ForgotPassword"}));
    let (status, body, _) =
        experience(server, &mut jar, Method::PUT, "/api/experience", event).await;
    assert_eq!(status, 204, "{body}");
    jar
}

/// Asks for a code to `kind` `value`: (status, body, Retry-After).
async fn send(
    server: &Server,
    jar: &mut Jar,
    kind: &str,
    value: &str,
) -> (u16, Value, Option<String>) {
    let body =
        j!({"identifier": {"type": kind, "value": value}, "interactionEvent": "ForgotPassword"});
    experience(server, jar, Method::POST, SEND, Some(body)).await
}

/// Mails received so far for `to`.
fn mails_to(smtp: &SmtpReceiver, to: &str) -> usize {
    smtp.messages()
        .iter()
        .filter(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(to)))
        .count()
}

/// SMS received so far for `to`.
fn sms_to(sms: &Receiver, to: &str) -> usize {
    sms.requests()
        .iter()
        .filter(|r| serde_json::from_str::<Value>(&r.body).is_ok_and(|v| v["to"] == to))
        .count()
}

fn retry_after(header: Option<String>) -> i64 {
    header
        .expect("a Retry-After header")
        .parse()
        .expect("Retry-After in seconds")
}

async fn the_experience_api_refuses_the_sends_past_the_limit_per_address(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let smtp = SmtpReceiver::start().await;
    let sms = Receiver::start(&[], 200).await;
    let server = deployment
        .start_with(&[
            connectors::ALLOW_PRIVATE,
            ("TESSERA_VERIFICATION_CODE_SENDS_PER_HOUR", "3"),
            ("TESSERA_VERIFICATION_CODE_RESEND_INTERVAL_SECS", "0"),
        ])
        .await;
    add_smtp_connector(&server, &smtp).await;
    add_sms_connector(&server, &sms).await;
    let (spa, _) = app(&server, "SPA", false).await;
    let mut jar = forgot_password(&server, &spa).await;

    // Three codes go to the address, each delivered.
    let target = "pumped@example.com";
    for n in 1..=3 {
        let (status, body, _) = send(&server, &mut jar, "email", target).await;
        assert_eq!(status, 200, "send {n}: {body}");
        smtp.wait_for(target, WAIT).await;
    }
    // The fourth within the hour is refused, saying when another may go; the address is
    // the same however it is written.
    let (status, body, retry) = send(&server, &mut jar, "email", "Pumped@Example.com").await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["code"], THROTTLED, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("minutes"),
        "{body}"
    );
    let wait = retry_after(retry);
    assert!((3500..=3600).contains(&wait), "Retry-After: {wait}");
    // Nothing was appended for it, and nothing was delivered.
    assert_eq!(deployment.count_events("VerificationCodeSent").await, 3);
    assert_eq!(
        deployment.count_events("VerificationCodeSendCounted").await,
        3
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(mails_to(&smtp, target), 3);

    // Another address, and a phone number, are unaffected.
    let other = "bystander@example.com";
    let (status, body, _) = send(&server, &mut jar, "email", other).await;
    assert_eq!(status, 200, "{body}");
    smtp.wait_for(other, WAIT).await;
    let phone = "+15550003333";
    for n in 1..=3 {
        let (status, body, _) = send(&server, &mut jar, "phone", phone).await;
        assert_eq!(status, 200, "SMS {n}: {body}");
    }
    // The same number written without `+` (as the SMS connector is given it).
    let delivered_to = "15550003333";
    let (status, body, _) = send(&server, &mut jar, "phone", delivered_to).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (429, Some(THROTTLED)),
        "{body}"
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        sms_to(&sms, delivered_to),
        3,
        "{:?}",
        sms.requests().iter().map(|r| &r.body).collect::<Vec<_>>()
    );

    // Concurrent sends to a fresh address, on separate interactions: the limit holds.
    let rushed = "rushed@example.com";
    let mut jars = Vec::new();
    for _ in 0..8 {
        jars.push(forgot_password(&server, &spa).await);
    }
    let url = server.url(SEND);
    let body = j!({"identifier": {"type": "email", "value": rushed}, "interactionEvent": "ForgotPassword"});
    let sends: Vec<_> = jars
        .into_iter()
        .map(|jar| {
            let (url, body) = (url.clone(), body.clone());
            tokio::spawn(async move {
                let r = browser()
                    .post(url)
                    .header(COOKIE, jar.header())
                    .json(&body)
                    .send()
                    .await
                    .expect("send");
                let status = r.status().as_u16();
                (status, r.json::<Value>().await.unwrap_or(Value::Null))
            })
        })
        .collect();
    let mut answers = Vec::new();
    for send in sends {
        answers.push(send.await.expect("a send"));
    }
    assert_eq!(
        answers.iter().filter(|(s, _)| *s == 200).count(),
        3,
        "{answers:?}"
    );
    assert!(
        answers
            .iter()
            .all(|(s, b)| *s == 200 || (*s == 429 && b["code"] == THROTTLED)),
        "{answers:?}"
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(mails_to(&smtp, rushed), 3);
}

async fn two_sends_to_one_address_are_the_interval_apart(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let smtp = SmtpReceiver::start().await;
    let server = deployment
        .start_with(&[
            connectors::ALLOW_PRIVATE,
            ("TESSERA_VERIFICATION_CODE_RESEND_INTERVAL_SECS", "3"),
        ])
        .await;
    add_smtp_connector(&server, &smtp).await;
    let (spa, _) = app(&server, "SPA", false).await;
    let mut jar = forgot_password(&server, &spa).await;
    let target = "impatient@example.com";

    let (status, body, _) = send(&server, &mut jar, "email", target).await;
    assert_eq!(status, 200, "{body}");
    let (status, body, retry) = send(&server, &mut jar, "email", target).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (429, Some(THROTTLED)),
        "{body}"
    );
    assert!(
        body["message"].as_str().unwrap().contains("seconds"),
        "{body}"
    );
    let wait = retry_after(retry);
    assert!((1..=3).contains(&wait), "Retry-After: {wait}");
    // Another address need not wait.
    let (status, body, _) = send(&server, &mut jar, "email", "calm@example.com").await;
    assert_eq!(status, 200, "{body}");
    // Once the interval has passed, a code goes again.
    tokio::time::sleep(Duration::from_millis(3100)).await;
    let (status, body, _) = send(&server, &mut jar, "email", target).await;
    assert_eq!(status, 200, "{body}");
    smtp.wait_for(target, WAIT).await;
    smtp.wait_for(target, WAIT).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(mails_to(&smtp, target), 2);
}

/// A page with the browser's cookies (kept): (status, Location or "", Retry-After, body).
async fn call(
    server: &Server,
    jar: &mut Jar,
    path: &str,
    form: Option<&[(&str, &str)]>,
) -> (u16, String, Option<String>, String) {
    let request = match form {
        Some(form) => browser().post(server.url(path)).form(form),
        None => browser().get(server.url(path)),
    };
    let r = request
        .header(COOKIE, jar.header())
        .send()
        .await
        .expect("page");
    jar.take(&r);
    let status = r.status().as_u16();
    let to = if r.headers().contains_key("location") {
        location(&r)
    } else {
        String::new()
    };
    let retry = r
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (status, to, retry, r.text().await.unwrap_or_default())
}

async fn the_hosted_pages_say_when_a_new_code_can_be_sent(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let smtp = SmtpReceiver::start().await;
    let sms = Receiver::start(&[], 200).await;
    // The defaults: 5 per hour, 60 seconds apart.
    let server = deployment.start_with(&[connectors::ALLOW_PRIVATE]).await;
    add_smtp_connector(&server, &smtp).await;
    add_sms_connector(&server, &sms).await;
    offer_codes(&server).await;
    let (spa, _) = app(&server, "SPA", false).await;
    let email = "waiting@example.com";
    let r = server
        .post_json(
            "/api/users",
            &j!({"primaryEmail": email, "password": "Vintage-Harbor-Lamp-73"}),
        )
        .await;
    assert_eq!(r.status(), 200);

    // Sign in with a code: the code goes out.
    let mut jar = interaction(&server, &spa).await;
    let (status, _, _, html) = call(&server, &mut jar, "/sign-in/code", None).await;
    assert_eq!(status, 200, "{html}");
    let csrf = csrf_of(&html);
    let form = [("identifier", email), ("csrf_token", csrf.as_str())];
    let (status, to, _, html) = call(&server, &mut jar, "/sign-in/code", Some(&form)).await;
    assert_eq!(
        (status, to),
        (303, format!("/sign-in/code/verify?app_id={spa}")),
        "{html}"
    );
    let code = smtp.wait_for(email, WAIT).await.code(6).expect("a code");

    // "Resend code" at once: refused, on the code entry page, saying when.
    let resend = [("resend", "1"), ("csrf_token", csrf.as_str())];
    let (status, _, retry, html) = call(&server, &mut jar, "/sign-in/code", Some(&resend)).await;
    assert_eq!(status, 429, "{html}");
    let wait = retry_after(retry);
    assert!((55..=60).contains(&wait), "Retry-After: {wait}");
    assert!(html.contains("You can ask for a new code in"), "{html}");
    assert!(html.contains("role=\"alert\""), "{html}");
    assert!(
        html.contains(&format!("Enter the 6-digit code sent to {email}")),
        "{html}"
    );
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(mails_to(&smtp, email), 1);
    assert_eq!(deployment.count_events("VerificationCodeSent").await, 1);

    // Another path to the same address, in French: refused too, saying when.
    let mut other = interaction_with(&server, &spa, &[("ui_locales", "fr")]).await;
    let (status, _, _, html) = call(&server, &mut other, "/forgot-password", None).await;
    assert_eq!(status, 200, "{html}");
    let csrf_fr = csrf_of(&html);
    let form_fr = [("identifier", email), ("csrf_token", csrf_fr.as_str())];
    let (status, _, retry, html) =
        call(&server, &mut other, "/forgot-password", Some(&form_fr)).await;
    assert_eq!(status, 429, "{html}");
    assert!(retry_after(retry) <= 60);
    assert!(
        html.contains("Trop de codes ont été envoyés à cette adresse. Réessayez dans"),
        "{html}"
    );
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(mails_to(&smtp, email), 1);

    // The code already sent still signs in.
    let entry = [("code", code.as_str()), ("csrf_token", csrf.as_str())];
    let (status, to, _, html) = call(&server, &mut jar, "/sign-in/code/verify", Some(&entry)).await;
    assert_eq!(status, 303, "{html}");
    let mut next = to;
    for _ in 0..5 {
        if next.starts_with(CB) {
            break;
        }
        let path = next.trim_start_matches(&server.url("")).to_owned();
        let (status, to, _, html) = call(&server, &mut jar, &path, None).await;
        assert_eq!(status, 303, "{path}: {html}");
        next = to;
    }
    assert!(next.starts_with(CB) && next.contains("code="), "{next}");
}
