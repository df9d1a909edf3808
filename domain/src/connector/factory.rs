//! The connector factories Tessera implements (Logto's factory ids, so a Logto client's
//! `connectorId` works unchanged).

use serde::{Deserialize, Serialize};

/// Logto's connector types for passwordless delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ConnectorKind {
    Email,
    Sms,
}

impl ConnectorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "Email",
            Self::Sms => "Sms",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Factory {
    /// Email over SMTP (Logto's `simple-mail-transfer-protocol`).
    Smtp,
    /// Email through an HTTP API the operator runs (Logto's `http-email`).
    HttpEmail,
    /// SMS through an HTTP API the operator runs (Logto's `http-sms`).
    HttpSms,
}

impl Factory {
    pub const ALL: [Factory; 3] = [Self::Smtp, Self::HttpEmail, Self::HttpSms];

    /// Logto's factory id (a connector's `connectorId`).
    pub fn id(self) -> &'static str {
        match self {
            Self::Smtp => "simple-mail-transfer-protocol",
            Self::HttpEmail => "http-email",
            Self::HttpSms => "http-sms",
        }
    }

    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.id() == id)
    }

    pub fn kind(self) -> ConnectorKind {
        match self {
            Self::Smtp | Self::HttpEmail => ConnectorKind::Email,
            Self::HttpSms => ConnectorKind::Sms,
        }
    }

    /// Logto's `target` of the factory.
    pub fn target(self) -> &'static str {
        match self {
            Self::Smtp => "smtp",
            Self::HttpEmail => "http-email",
            Self::HttpSms => "http-sms",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Smtp => "SMTP",
            Self::HttpEmail => "HTTP email",
            Self::HttpSms => "HTTP SMS",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Self::Smtp => "Sends codes by email through an SMTP server (plain, STARTTLS or TLS).",
            Self::HttpEmail => "Sends codes by email through an HTTP API you run.",
            Self::HttpSms => "Sends codes by SMS through an HTTP API you run.",
        }
    }
}
