//! Form parsing and client authentication for the user-facing grants, introspection and
//! revocation: `client_secret_basic`, `client_secret_post`, and `none` for public clients
//! (SPA, Native), which prove possession through PKCE instead.

use super::error::{OAuthCode, OAuthError};
use crate::state::AppState;
use actix_web::http::header::{AUTHORIZATION, CONTENT_TYPE};
use actix_web::HttpRequest;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use domain::application::{Application, ApplicationState};
use std::collections::HashMap;
use std::sync::Arc;

/// Form parameters; each at most once (RFC 6749 §3.2) except `resource`.
#[derive(Debug, Default)]
pub struct Form {
    pub params: HashMap<String, String>,
    pub resources: Vec<String>,
}

impl Form {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }
}

/// The name/value pairs of an OAuth request body: `application/x-www-form-urlencoded` as
/// RFC 6749 requires, or a JSON object, which Logto also accepts and converts (reference
/// §1.2): string values as they are, numbers and booleans as text, arrays as repeated
/// parameters.
pub fn body_pairs(req: &HttpRequest, body: &[u8]) -> Result<Vec<(String, String)>, OAuthError> {
    let content_type = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim_start().to_ascii_lowercase())
        .unwrap_or_default();
    if content_type.starts_with("application/x-www-form-urlencoded") {
        return serde_urlencoded::from_bytes(body)
            .map_err(|_| OAuthError::invalid_request("the body is not a valid form"));
    }
    if content_type.starts_with("application/json") {
        let object: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(body)
            .map_err(|_| OAuthError::invalid_request("the body is not a JSON object"))?;
        let mut pairs = Vec::with_capacity(object.len());
        for (name, value) in object {
            let values = match value {
                serde_json::Value::Array(items) => items,
                other => vec![other],
            };
            for value in values {
                let text = match value {
                    serde_json::Value::String(s) => s,
                    serde_json::Value::Number(n) => n.to_string(),
                    serde_json::Value::Bool(b) => b.to_string(),
                    serde_json::Value::Null => continue,
                    _ => {
                        return Err(OAuthError::invalid_request(format!(
                            "parameter {name} must be a string"
                        )))
                    }
                };
                pairs.push((name.clone(), text));
            }
        }
        return Ok(pairs);
    }
    Err(OAuthError::invalid_request(
        "the body must be application/x-www-form-urlencoded (or JSON)",
    ))
}

pub fn parse(req: &HttpRequest, body: &[u8]) -> Result<Form, OAuthError> {
    let pairs = body_pairs(req, body)?;
    let mut out = Form::default();
    for (name, value) in pairs {
        if name == "resource" {
            // Logto splits a comma-separated value into several indicators.
            out.resources.extend(
                value
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned),
            );
            continue;
        }
        if out.params.insert(name.clone(), value).is_some() {
            return Err(OAuthError::invalid_request(format!(
                "parameter {name} appears more than once"
            )));
        }
    }
    Ok(out)
}

/// An authenticated client.
pub struct Client {
    pub id: String,
    pub app: Arc<Application>,
}

impl Client {
    pub fn state(&self) -> Result<&ApplicationState, OAuthError> {
        self.app
            .state()
            .ok_or_else(|| OAuthError::invalid_client(false))
    }
}

pub async fn authenticate(
    state: &AppState,
    req: &HttpRequest,
    form: &Form,
) -> Result<Client, OAuthError> {
    let header = req
        .headers()
        .get(AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or_default());
    let (id, secret, basic) = match header {
        Some(value) => {
            let (scheme, encoded) = value.trim().split_once(' ').unwrap_or((value, ""));
            if !scheme.eq_ignore_ascii_case("basic") {
                return Err(OAuthError::invalid_client(true));
            }
            if form.get("client_secret").is_some() {
                return Err(OAuthError::invalid_request(
                    "client authenticated with more than one method",
                ));
            }
            let decoded = B64
                .decode(encoded.trim())
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| OAuthError::invalid_client(true))?;
            let (id, secret) = decoded
                .split_once(':')
                .and_then(|(i, s)| {
                    Some((super::token::form_decode(i)?, super::token::form_decode(s)?))
                })
                .ok_or_else(|| OAuthError::invalid_client(true))?;
            if form.get("client_id").is_some_and(|body_id| body_id != id) {
                return Err(OAuthError::invalid_request(
                    "client_id in the body differs from the authenticated client",
                ));
            }
            (id, Some(secret), true)
        }
        None => {
            let id = form
                .get("client_id")
                .ok_or_else(|| OAuthError::invalid_client(false))?;
            (
                id.to_owned(),
                form.get("client_secret").map(str::to_owned),
                false,
            )
        }
    };
    let app = state
        .oidc
        .directory
        .application(&id)
        .await
        .map_err(OAuthError::server)?;
    let Some(app_state) = app.state() else {
        return Err(OAuthError::invalid_client(basic));
    };
    let ok = match &secret {
        Some(secret) => app_state.accepts_secret(secret, state.clock.now()),
        // `none`: only public clients, which have no secret to present.
        None => app_state.app_type.is_public(),
    };
    if !ok {
        return Err(OAuthError::invalid_client(basic));
    }
    Ok(Client { id, app })
}

pub fn invalid_grant(description: impl Into<String>) -> OAuthError {
    OAuthError::new(OAuthCode::InvalidGrant, description)
}
