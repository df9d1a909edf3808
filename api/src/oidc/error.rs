//! OAuth 2.0 errors (RFC 6749 §5.2) in Logto's body: the standard `error` and
//! `error_description` plus `code: "oidc.<error>"` and `message`, which Logto's SDK
//! requester expects in every non-2xx body (docs/logto/oidc.md#errors).

use actix_web::http::header::{CACHE_CONTROL, PRAGMA, WWW_AUTHENTICATE};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OAuthCode {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnauthorizedClient,
    UnsupportedGrantType,
    InvalidScope,
    InvalidTarget,
    ServerError,
    /// The authorization endpoint's own codes (RFC 6749 §4.1.2.1, OpenID Connect Core
    /// §3.1.2.6), which the pushed authorization request endpoint answers with too
    /// (RFC 9126 §2.3).
    UnsupportedResponseType,
    RequestNotSupported,
    RegistrationNotSupported,
    /// The device flow's polling answers (RFC 8628 §3.5).
    AuthorizationPending,
    SlowDown,
    AccessDenied,
    ExpiredToken,
}

impl OAuthCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidScope => "invalid_scope",
            Self::InvalidTarget => "invalid_target",
            Self::ServerError => "server_error",
            Self::UnsupportedResponseType => "unsupported_response_type",
            Self::RequestNotSupported => "request_not_supported",
            Self::RegistrationNotSupported => "registration_not_supported",
            Self::AuthorizationPending => "authorization_pending",
            Self::SlowDown => "slow_down",
            Self::AccessDenied => "access_denied",
            Self::ExpiredToken => "expired_token",
        }
    }

    /// The code of an authorization error (`domain::oauth::authorization`); one this
    /// enum does not name is `invalid_request`.
    pub fn of_authorization(error: &str) -> Self {
        [
            Self::InvalidRequest,
            Self::UnauthorizedClient,
            Self::InvalidScope,
            Self::InvalidTarget,
            Self::UnsupportedResponseType,
            Self::RequestNotSupported,
            Self::RegistrationNotSupported,
        ]
        .into_iter()
        .find(|c| c.as_str() == error)
        .unwrap_or(Self::InvalidRequest)
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{}: {description}", code.as_str())]
pub struct OAuthError {
    pub code: OAuthCode,
    pub description: String,
    /// The client authenticated (or tried to) with HTTP Basic: a 401 then carries
    /// `WWW-Authenticate: Basic` (RFC 6749 §5.2).
    pub basic_challenge: bool,
}

#[derive(Serialize)]
struct Body<'a> {
    code: String,
    message: &'a str,
    error: &'static str,
    error_description: &'a str,
}

/// RFC 6749 §5.2: `error_description` is limited to printable ASCII without `"` and `\`
/// (`%x20-21 / %x23-5B / %x5D-7E`). Descriptions quote client input (a parameter name, a
/// prompt value), so they are made safe here, in the one place every error body (and the
/// authorization endpoint's error redirects) is built, rather than at each call site.
pub fn safe_description(description: &str) -> String {
    description
        .chars()
        .filter_map(|c| match c {
            '"' => Some('\''),
            '\\' => Some('/'),
            ' '..='~' => Some(c),
            c if c.is_control() => None,
            _ => Some('?'),
        })
        .collect()
}

impl OAuthError {
    pub fn new(code: OAuthCode, description: impl Into<String>) -> Self {
        Self {
            code,
            description: safe_description(&description.into()),
            basic_challenge: false,
        }
    }

    /// `invalid_grant` without the reason (RFC 6749 §5.2 allows a bare error): telling a
    /// client that a stolen code was "issued to another client" or "failed PKCE" helps
    /// only the thief. The reason goes to the log, with the request's correlation id.
    pub fn invalid_grant(reason: impl std::fmt::Display) -> Self {
        tracing::info!(%reason, "token request refused: invalid_grant");
        Self::new(OAuthCode::InvalidGrant, "grant request is invalid")
    }

    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(OAuthCode::InvalidRequest, description)
    }

    pub fn invalid_client(basic: bool) -> Self {
        Self {
            basic_challenge: basic,
            ..Self::new(OAuthCode::InvalidClient, "client authentication failed")
        }
    }

    /// A failure of Tessera itself: logged here, never described to the client.
    pub fn server(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "token request failed");
        Self::new(OAuthCode::ServerError, "internal server error")
    }
}

impl ResponseError for OAuthError {
    fn status_code(&self) -> StatusCode {
        match self.code {
            OAuthCode::InvalidClient => StatusCode::UNAUTHORIZED,
            OAuthCode::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        response
            .insert_header((CACHE_CONTROL, "no-store"))
            .insert_header((PRAGMA, "no-cache"));
        if self.code == OAuthCode::InvalidClient && self.basic_challenge {
            response.insert_header((WWW_AUTHENTICATE, "Basic realm=\"tessera\""));
        }
        response.json(Body {
            code: format!("oidc.{}", self.code.as_str()),
            message: &self.description,
            error: self.code.as_str(),
            error_description: &self.description,
        })
    }
}
