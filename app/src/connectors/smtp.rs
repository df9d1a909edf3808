//! The SMTP connector: one message through lettre (tokio, rustls on aws-lc-rs, no
//! native TLS). The host is resolved under the webhooks' address policy and the
//! connection goes to the address that passed (TLS still verifies the configured name),
//! so a name that re-resolves to an internal address cannot redirect it.

use super::http::UNREACHABLE;
use super::{values, SEND_TIMEOUT};
use crate::context::AppContext;
use crate::delivery::CodeMessage;
use domain::connector::config::{SmtpConfig, SmtpSecurity};
use domain::connector::template::{pick, render, Escape};
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

pub(super) async fn send(
    ctx: &AppContext,
    config: &SmtpConfig,
    message: &CodeMessage,
) -> Result<(), String> {
    let template = pick(
        &config.templates,
        message.usage.as_str(),
        message.locale.as_deref(),
    )
    .ok_or_else(|| format!("no template for {} nor Generic", message.usage.as_str()))?;
    let v = values(message);
    let html = template.content_type == "text/html";
    let content = render(
        &template.content,
        &v,
        if html { Escape::Html } else { Escape::None },
    );
    let subject = render(&template.subject, &v, Escape::None);
    let mailbox = |field: &str, value: &str| -> Result<Mailbox, String> {
        value.parse().map_err(|e| format!("{field} {value:?}: {e}"))
    };
    let mut builder = Message::builder()
        .from(mailbox("fromEmail", &config.from_email)?)
        .to(mailbox("recipient", &message.to)?)
        .subject(subject);
    if let Some(reply_to) = &config.reply_to {
        builder = builder.reply_to(mailbox("replyTo", reply_to)?);
    }
    let content_type = if html {
        ContentType::TEXT_HTML
    } else {
        ContentType::TEXT_PLAIN
    };
    let email = builder
        .header(content_type)
        .body(content)
        .map_err(|e| format!("cannot build the message: {e}"))?;

    let host = config.host.trim_start_matches('[').trim_end_matches(']');
    let address = match ctx.webhooks.policy().resolve(host).await {
        Ok(addrs) => addrs
            .first()
            .map(|a| a.ip())
            .ok_or_else(|| UNREACHABLE.to_owned())?,
        Err(refused) => {
            tracing::info!(%refused, "SMTP host refused");
            return Err(format!("{}: {UNREACHABLE}", config.host));
        }
    };
    let tls =
        || TlsParameters::new(host.to_owned()).map_err(|e| format!("TLS settings for {host}: {e}"));
    let tls = match config.security {
        SmtpSecurity::Tls => Tls::Wrapper(tls()?),
        SmtpSecurity::StartTls => Tls::Required(tls()?),
        SmtpSecurity::Opportunistic => Tls::Opportunistic(tls()?),
        SmtpSecurity::Plain => Tls::None,
    };
    let mut transport =
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(address.to_string())
            .port(config.port)
            .tls(tls)
            .timeout(Some(SEND_TIMEOUT));
    if let Some((user, pass)) = &config.auth {
        transport = transport.credentials(Credentials::new(user.clone(), pass.clone()));
    }
    transport
        .build()
        .send(email)
        .await
        .map(|_| ())
        .map_err(|e| format!("{}:{}: {}", config.host, config.port, describe(&e)))
}

/// The error with its causes (lettre's own message omits the interesting part).
fn describe(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
