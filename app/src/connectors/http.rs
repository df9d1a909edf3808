//! The HTTP connectors (`http-email`, `http-sms`): one request to the operator's API
//! through the webhooks' sender, so the address policy, TLS roots, no-redirect rule and
//! timeout are the hooks' (`webhooks::sender`).

use super::values;
use crate::context::AppContext;
use crate::delivery::CodeMessage;
use domain::connector::config::HttpConfig;
use domain::connector::template::{pick, render, Escape};
use serde_json::{json, Map, Value};

/// How much of an answer is read (for the success check and the failure's reason).
const ANSWER_LIMIT: usize = 4096;
/// How much of an answer a failure quotes.
const QUOTED: usize = 200;

/// What is said when the address policy refuses the endpoint or it does not resolve: no
/// address named (the detail goes to the log), as for hook URLs.
pub(super) const UNREACHABLE: &str =
    "the host is not allowed or cannot be resolved from this server";

pub(super) async fn send(
    ctx: &AppContext,
    config: &HttpConfig,
    message: &CodeMessage,
) -> Result<(), String> {
    if let Err(refused) = ctx.webhooks.check_url(&config.endpoint).await {
        tracing::info!(%refused, "connector endpoint refused at send");
        return Err(format!("{}: {UNREACHABLE}", config.endpoint));
    }
    let mut v = values(message);
    // A template, where the connector has them, is rendered into {{message}}/{{subject}}.
    let (text, subject) = match pick(
        &config.templates,
        message.usage.as_str(),
        message.locale.as_deref(),
    ) {
        Some(t) => (
            render(&t.content, &v, Escape::None),
            render(&t.subject, &v, Escape::None),
        ),
        None if config.templates.is_empty() => (String::new(), String::new()),
        None => {
            return Err(format!(
                "no template for {} nor Generic",
                message.usage.as_str()
            ))
        }
    };
    v.message = &text;
    v.subject = &subject;
    let body = match &config.body {
        Some(template) => {
            let escape = match config.content_type.as_str() {
                "application/json" => Escape::JsonString,
                "application/x-www-form-urlencoded" => Escape::Form,
                _ => Escape::None,
            };
            render(template, &v, escape)
        }
        None => logto_payload(message, &text, &subject).to_string(),
    };
    let mut headers = config.headers.clone();
    if let Some(authorization) = &config.authorization {
        headers.insert("authorization".into(), authorization.clone());
    }
    let request = webhooks::sender::Plain {
        method: &config.method,
        url: &config.endpoint,
        headers: &headers,
        content_type: Some(&config.content_type),
        body: &body,
    };
    let (status, answer) = ctx.webhooks.request(&request, ANSWER_LIMIT).await?;
    let (lowest, highest) = config.success_status;
    let body_ok = config
        .success_body_contains
        .as_deref()
        .is_none_or(|needle| answer.contains(needle));
    if (lowest..=highest).contains(&status) && body_ok {
        return Ok(());
    }
    let quoted: String = answer.chars().take(QUOTED).collect();
    Err(if body_ok {
        format!("the endpoint answered {status}: {quoted}")
    } else {
        format!("the endpoint's answer ({status}) lacks the expected text: {quoted}")
    })
}

/// Logto's HTTP connector payload: `{to, type, payload: {code, locale, ip, …}}`.
fn logto_payload(message: &CodeMessage, text: &str, subject: &str) -> Value {
    let mut payload = Map::new();
    payload.insert("code".into(), message.code.clone().into());
    if let Some(locale) = &message.locale {
        payload.insert("locale".into(), locale.clone().into());
    }
    if let Some(ip) = &message.client_ip {
        payload.insert("ip".into(), ip.clone().into());
    }
    if !text.is_empty() {
        payload.insert("message".into(), text.into());
    }
    if !subject.is_empty() {
        payload.insert("subject".into(), subject.into());
    }
    json!({"to": message.to, "type": message.usage.as_str(), "payload": payload})
}
