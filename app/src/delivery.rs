//! Sending one-time codes through the passwordless connectors (Logto's Email and SMS
//! connector kinds). The verification-code services call [`send_code`]; which connector
//! carries the message, its template and its transport are the connectors' business.
//!
//! Until an operator adds a connector of the message's kind, [`send_code`] refuses with
//! [`DeliveryError::NoConnector`], and the sign-in experience refuses settings that would
//! need one (`crate::connectors::configured_channels`).

use crate::AppContext;
use serde::{Deserialize, Serialize};

/// The kind of passwordless connector a message needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Channel {
    Email,
    Sms,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "Email",
            Self::Sms => "Sms",
        }
    }
}

impl std::fmt::Display for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a code is for: picks the connector's template (Logto's `usageType`), falling
/// back to `Generic` where the connector has none for the usage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TemplateUsage {
    SignIn,
    Register,
    ForgotPassword,
    Generic,
    UserPermissionValidation,
    BindNewIdentifier,
    MfaVerification,
    BindMfa,
}

impl TemplateUsage {
    /// Logto's name (the `type` of a send payload, a template's `usageType`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignIn => "SignIn",
            Self::Register => "Register",
            Self::ForgotPassword => "ForgotPassword",
            Self::Generic => "Generic",
            Self::UserPermissionValidation => "UserPermissionValidation",
            Self::BindNewIdentifier => "BindNewIdentifier",
            Self::MfaVerification => "MfaVerification",
            Self::BindMfa => "BindMfa",
        }
    }
}

/// One code to deliver.
#[derive(Debug, Clone)]
pub struct CodeMessage {
    pub channel: Channel,
    /// The email address or phone number (as the identifier holds it).
    pub to: String,
    pub usage: TemplateUsage,
    pub code: String,
    /// The page's language (a BCP 47 tag), for the template's locale.
    pub locale: Option<String>,
    /// The address of the client that asked for the code (in the send payload).
    pub client_ip: Option<String>,
}

/// Why a code was not delivered. None of these is Tessera failing: they are answered as
/// a clear error (502 when the connector failed) and recorded.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("no {0} connector is configured")]
    NoConnector(Channel),
    /// The connector's server could not be reached, or answered with a failure.
    #[error("the {channel} connector failed to send: {reason}")]
    Failed { channel: Channel, reason: String },
    #[error(transparent)]
    Store(#[from] store::StoreError),
}

impl From<DeliveryError> for crate::AppError {
    fn from(e: DeliveryError) -> Self {
        match e {
            DeliveryError::NoConnector(channel) => Self::NotImplemented {
                code: "connector.not_found",
                message: format!(
                    "No {channel} connector is configured, so no code can be sent. Ask the operator to add one, or use another sign-in method."
                ),
            },
            // The reason names the connector's server: logged, not told to end users.
            DeliveryError::Failed { channel, .. } => Self::BadGateway {
                code: "connector.general",
                message: format!(
                    "The {channel} connector could not send the code. Try again later, or contact support."
                ),
            },
            DeliveryError::Store(e) => e.into(),
        }
    }
}

/// Sends `message` through the configured connector of its channel: its template for
/// the usage and locale (else `Generic`, else the default locale), placeholders filled.
/// Bounded by `crate::connectors::SEND_TIMEOUT`.
pub async fn send_code(ctx: &AppContext, message: CodeMessage) -> Result<(), DeliveryError> {
    let connectors = crate::connectors::load(ctx).await?;
    let Some(connector) = connectors.of_kind(crate::connectors::kind_of(message.channel)) else {
        return Err(DeliveryError::NoConnector(message.channel));
    };
    let sent = crate::connectors::send(ctx, connector, &message).await;
    if let Err(e) = &sent {
        tracing::warn!(connector = %connector.id, error = %e, "code not delivered");
    }
    sent
}
