//! Passwordless connectors for black-box tests: configure an SMTP connector that sends to
//! a local [`SmtpReceiver`] and an HTTP SMS connector that posts to a local webhook
//! [`Receiver`], then catch the codes they deliver. The server must be started with
//! [`ALLOW_PRIVATE`] (both receivers listen on 127.0.0.1, which the address policy
//! refuses otherwise).
//!
//! ```ignore
//! let smtp = SmtpReceiver::start().await;
//! let sms = Receiver::start(&[], 200).await;
//! let server = deployment.start_with(&[connectors::ALLOW_PRIVATE]).await;
//! connectors::add_smtp_connector(&server, &smtp).await;
//! connectors::add_sms_connector(&server, &sms).await;
//! // … ask for a code …
//! let code = smtp.wait_for("a@example.com", Duration::from_secs(10)).await.code(6);
//! let code = connectors::wait_for_sms(&sms, "+15550001111", Duration::from_secs(10)).await.code;
//! ```

use super::smtp::SmtpReceiver;
use super::webhook_receiver::{Received, Receiver};
use super::{Deployment, Server};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// Lets connectors (and hooks) reach 127.0.0.1.
pub const ALLOW_PRIVATE: (&str, &str) = ("TESSERA_WEBHOOK_ALLOW_PRIVATE", "true");
/// No wait between two codes to one address (the default is 60 s): for tests that send
/// several codes to one address in a row. The throttle itself is tested in
/// `code_send_throttle.rs`.
pub const RESEND_AT_ONCE: (&str, &str) = ("TESSERA_VERIFICATION_CODE_RESEND_INTERVAL_SECS", "0");
/// The SMTP connector's credentials: the receiver records them per message.
pub const SMTP_USER: &str = "mailer";
pub const SMTP_PASSWORD: &str = "smtp-password-never-shown";
/// The HTTP SMS connector's `authorization` (a secret).
pub const SMS_AUTHORIZATION: &str = "Bearer sms-token-never-shown";

/// An SMTP connector configuration for `smtp`: plain SMTP with `AUTH PLAIN`, a template
/// per usage (`SignIn`, `Register`, `ForgotPassword`) and `Generic`, each naming its usage
/// (`[SignIn] Your code is 123456`).
pub fn smtp_config(smtp: &SmtpReceiver) -> Value {
    let template = |usage: &str| {
        json!({
            "usageType": usage,
            "contentType": "text/plain",
            "subject": format!("[{usage}] Tessera code"),
            "content": format!("[{usage}] Your code is {{{{code}}}} (to {{{{to}}}}, from {{{{ip}}}})"),
        })
    };
    let templates: Vec<Value> = ["Generic", "SignIn", "Register", "ForgotPassword"]
        .into_iter()
        .map(template)
        .collect();
    json!({
        "host": smtp.host,
        "port": smtp.port,
        "auth": {"user": SMTP_USER, "pass": SMTP_PASSWORD},
        "fromEmail": "Tessera <noreply@tessera.test>",
        "templates": templates,
    })
}

/// An HTTP SMS connector configuration posting Logto's JSON payload to `receiver`, with
/// a `Generic` template rendered into `payload.message`.
pub fn sms_config(receiver: &Receiver) -> Value {
    json!({
        "endpoint": receiver.url,
        "authorization": SMS_AUTHORIZATION,
        "templates": [{"usageType": "Generic", "content": "Your {{type}} code is {{code}}"}],
    })
}

async fn add(server: &Server, factory: &str, config: Value) -> Value {
    let response = server
        .post_json(
            "/api/connectors",
            &json!({"connectorId": factory, "config": config}),
        )
        .await;
    let status = response.status().as_u16();
    let body = response.text().await.unwrap_or_default();
    assert_eq!(status, 200, "POST /api/connectors ({factory}): {body}");
    serde_json::from_str(&body).expect("connector JSON")
}

/// Adds the SMTP connector of [`smtp_config`]; returns the answer (secrets masked).
pub async fn add_smtp_connector(server: &Server, smtp: &SmtpReceiver) -> Value {
    add(server, "simple-mail-transfer-protocol", smtp_config(smtp)).await
}

/// Adds the HTTP SMS connector of [`sms_config`]; returns the answer.
pub async fn add_sms_connector(server: &Server, receiver: &Receiver) -> Value {
    add(server, "http-sms", sms_config(receiver)).await
}

/// One SMS as the HTTP receiver got it (Logto's payload `{to, type, payload}`).
#[derive(Debug, Clone)]
pub struct Sms {
    pub to: String,
    /// The usage type (`SignIn`, `Register`, `Generic`, …).
    pub usage: String,
    pub code: String,
    pub request: Received,
}

/// The first SMS to `to` after the first `skip` ones, waiting up to `within` (panics
/// after). Pass how many you already consumed for this number as `skip`.
pub async fn wait_for_sms_after(
    receiver: &Receiver,
    to: &str,
    skip: usize,
    within: Duration,
) -> Sms {
    let deadline = Instant::now() + within;
    loop {
        let found: Vec<Received> = receiver
            .requests()
            .into_iter()
            .filter(|r| serde_json::from_str::<Value>(&r.body).is_ok_and(|v| v["to"] == to))
            .collect();
        if let Some(request) = found.into_iter().nth(skip) {
            let body = request.json();
            return Sms {
                to: to.to_owned(),
                usage: body["type"].as_str().unwrap_or_default().to_owned(),
                code: body["payload"]["code"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                request,
            };
        }
        if Instant::now() > deadline {
            panic!(
                "no SMS to {to} within {within:?}; got {:?}",
                receiver
                    .requests()
                    .iter()
                    .map(|r| &r.body)
                    .collect::<Vec<_>>()
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The first SMS to `to`.
pub async fn wait_for_sms(receiver: &Receiver, to: &str, within: Duration) -> Sms {
    wait_for_sms_after(receiver, to, 0, within).await
}

/// Every payload and metadata in the deployment's event log, as text (to check that no
/// secret is stored in plain text).
pub async fn log_text(deployment: &Deployment) -> String {
    sqlx::any::install_default_drivers();
    let url = match &deployment.database_url {
        Some(url) => url.clone(),
        None => format!(
            "sqlite://{}?mode=ro",
            deployment.data_dir().join("tessera.db").display()
        ),
    };
    let pool = sqlx::AnyPool::connect(&url).await.expect("open the log");
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT event_type || ' ' || CAST(payload AS TEXT) || ' ' || CAST(metadata AS TEXT) FROM events",
    )
    .fetch_all(&pool)
    .await
    .expect("read the log");
    pool.close().await;
    rows.join("\n")
}

/// Sign-in settings that offer codes: email (with a password too) and phone sign in with
/// a code; registration by a verified email with a password. Needs an email and an SMS
/// connector first.
pub async fn offer_codes(server: &Server) {
    let settings = json!({
        "signIn": {"methods": [
            {"identifier": "username", "password": true, "verificationCode": false, "isPasswordPrimary": true},
            {"identifier": "email", "password": true, "verificationCode": true, "isPasswordPrimary": true},
            {"identifier": "phone", "password": false, "verificationCode": true, "isPasswordPrimary": false}
        ]},
        "signUp": {"identifiers": ["email"], "password": true, "verify": true}
    });
    let r = server.patch_json("/api/sign-in-exp", &settings).await;
    let status = r.status();
    assert_eq!(status, 200, "{}", r.text().await.unwrap_or_default());
}

/// A code that is not `code` (same length, every digit changed).
pub fn wrong_code(code: &str) -> String {
    code.chars()
        .map(|c| match c {
            '9' => '0',
            c => char::from(c as u8 + 1),
        })
        .collect()
}
