//! Management API authentication (Logto's Management API access, see README): a Bearer
//! JWT issued by this server for Logto's Management API resource, with scope `all`.
//!
//! Which routes need it is decided where they are mounted (`access.rs`); this module only
//! verifies the token.

use crate::guard::verified_tokens::VerifiedToken;
use crate::state::AppState;
use crate::support::error::ErrorBody;
use actix_web::http::header::WWW_AUTHENTICATE;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use domain::Timestamp;
use serde::Deserialize;

pub use app::bootstrap::{MANAGEMENT_API_INDICATOR, MANAGEMENT_API_SCOPE};

/// Who made an authenticated Management API request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The M2M application's client id (the token's `sub`).
    pub client_id: String,
}

#[derive(Deserialize)]
struct Claims {
    sub: String,
    #[serde(default)]
    scope: String,
    /// Seconds since the epoch (required by the validation below).
    exp: i64,
}

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// No token, or one that does not verify (signature, issuer, audience, expiry, sub).
    Unauthorized,
    /// A valid token without the `all` scope.
    Forbidden,
}

impl Refusal {
    pub(crate) fn response(self) -> HttpResponse {
        let (status, code, message) = match self {
            Self::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "auth.unauthorized",
                "Unauthorized. Please check credentials and its scope.",
            ),
            Self::Forbidden => (
                StatusCode::FORBIDDEN,
                "auth.forbidden",
                "Forbidden. Please check your user roles and permissions.",
            ),
        };
        let mut response = HttpResponse::build(status);
        if self == Self::Unauthorized {
            response.insert_header((WWW_AUTHENTICATE, "Bearer realm=\"tessera\""));
        }
        response.json(ErrorBody {
            code: code.to_owned(),
            message: message.to_owned(),
            data: None,
            details: None,
        })
    }
}

/// Whether the request's token verifies: the principal, or why it is refused. Only
/// `management_access::authenticate` calls it, which also checks that the token's app
/// still has Management access; never by path.
pub(crate) fn authenticate(state: &AppState, req: &HttpRequest) -> Result<Principal, Refusal> {
    let token = crate::support::request::bearer_token(req).ok_or(Refusal::Unauthorized)?;
    let oidc = &state.oidc;
    let now = state.clock.now();
    let keys = oidc.keys.current();
    let verified = match oidc.verified_tokens.get(token, keys.version, now) {
        Some(verified) => verified,
        None => {
            let claims: Claims = keys
                .verify(token, now, |v| {
                    v.set_issuer(&[&oidc.issuer]);
                    v.set_audience(&[MANAGEMENT_API_INDICATOR]);
                    v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
                })
                .ok_or(Refusal::Unauthorized)?;
            if claims.sub.is_empty() {
                return Err(Refusal::Unauthorized);
            }
            let verified = VerifiedToken {
                has_management_scope: claims.scope.split(' ').any(|s| s == MANAGEMENT_API_SCOPE),
                client_id: claims.sub,
            };
            let expires_at = Timestamp::from_millis(claims.exp.saturating_mul(1000));
            oidc.verified_tokens
                .put(token, keys.version, expires_at, verified.clone(), now);
            verified
        }
    };
    if !verified.has_management_scope {
        return Err(Refusal::Forbidden);
    }
    Ok(Principal {
        client_id: verified.client_id,
    })
}
