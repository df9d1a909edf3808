//! Request bodies and client authentication for the token endpoint, introspection and
//! revocation: `client_secret_basic`, `client_secret_post`, and `none` for public clients
//! (SPA, Native), which prove possession through PKCE instead.

use super::error::OAuthError;
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
/// RFC 6749 requires, or a JSON object, which Logto also accepts and converts (see
/// docs/logto/oidc.md#token-endpoint): string values as they are, numbers and booleans as text, arrays as repeated
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
    parse_pairs(body_pairs(req, body)?)
}

/// The form of `pairs`: `resource` may repeat and is split at commas (Logto); every
/// other parameter at most once.
pub fn parse_pairs(pairs: Vec<(String, String)>) -> Result<Form, OAuthError> {
    let mut out = Form::default();
    for (name, value) in pairs {
        if name == "resource" {
            out.resources.extend(resource_indicators(&value));
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

/// The indicators of one `resource` value: Logto splits a comma-separated value into
/// several, trimmed, empty pieces dropped.
pub fn resource_indicators(value: &str) -> impl Iterator<Item = String> + '_ {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// An authenticated client: the one result of client authentication, which the grant
/// handlers, introspection and revocation act on.
pub struct ClientAuthentication {
    pub id: String,
    pub app: Arc<Application>,
}

impl ClientAuthentication {
    pub fn state(&self) -> Result<&ApplicationState, OAuthError> {
        self.app
            .state()
            .ok_or_else(|| OAuthError::invalid_client(false))
    }
}

/// Who a request says its client is: the `Authorization: Basic` header, or `client_id`
/// (with `client_secret`, or without for `none`) in the body. Not yet checked.
pub struct Credentials {
    pub id: String,
    pub secret: Option<String>,
    /// Presented with HTTP Basic: a refusal then carries `WWW-Authenticate`.
    pub basic: bool,
}

impl Credentials {
    /// The credentials of `req` and its body's `client_id` and `client_secret`. A header
    /// in any other scheme, or one that does not decode, is `invalid_client`; a secret in
    /// both places (RFC 6749 §2.3: one method per request), or a body `client_id` naming
    /// another client than the header, is `invalid_request`.
    pub fn presented(
        req: &HttpRequest,
        client_id: Option<&str>,
        client_secret: Option<&str>,
    ) -> Result<Self, OAuthError> {
        let header = req
            .headers()
            .get(AUTHORIZATION)
            .map(|v| v.to_str().unwrap_or_default());
        let Some(value) = header else {
            let id = client_id.ok_or_else(|| OAuthError::invalid_client(false))?;
            return Ok(Self {
                id: id.to_owned(),
                secret: client_secret.map(str::to_owned),
                basic: false,
            });
        };
        if !is_basic(value) {
            return Err(OAuthError::invalid_client(true));
        }
        if client_secret.is_some() {
            return Err(OAuthError::invalid_request(
                "client authenticated with more than one method",
            ));
        }
        let (id, secret) = decode_basic(value).ok_or_else(|| OAuthError::invalid_client(true))?;
        if client_id.is_some_and(|body_id| body_id != id) {
            return Err(OAuthError::invalid_request(
                "client_id in the body differs from the authenticated client",
            ));
        }
        Ok(Self {
            id,
            secret: Some(secret),
            basic: true,
        })
    }

    /// Checks the credentials against the directory: a live secret of the client, or no
    /// secret at all (`none`) from a public client, which has none to present.
    pub async fn verify(self, state: &AppState) -> Result<ClientAuthentication, OAuthError> {
        let app = state
            .oidc
            .directory
            .application(&self.id)
            .await
            .map_err(OAuthError::server)?;
        let Some(app_state) = app.state() else {
            return Err(OAuthError::invalid_client(self.basic));
        };
        let ok = match &self.secret {
            Some(secret) => app_state.accepts_secret(secret, state.clock.now()),
            None => app_state.app_type.is_public(),
        };
        if !ok {
            return Err(OAuthError::invalid_client(self.basic));
        }
        Ok(ClientAuthentication { id: self.id, app })
    }
}

/// Whether an `Authorization` value uses the Basic scheme (any case).
pub fn is_basic(value: &str) -> bool {
    let scheme = value
        .trim()
        .split_once(' ')
        .map_or(value.trim(), |(s, _)| s);
    scheme.eq_ignore_ascii_case("basic")
}

/// The client id and secret of a `Basic` `Authorization` value: base64 of
/// `<id>:<secret>`, each form-urlencoded first (RFC 6749 §2.3.1). `None` for anything
/// else, including ids or secrets that do not decode to UTF-8.
pub fn decode_basic(value: &str) -> Option<(String, String)> {
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = B64
        .decode(encoded.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())?;
    let (id, secret) = decoded.split_once(':')?;
    Some((form_decode(id)?, form_decode(secret)?))
}

/// RFC 6749 §2.3.1: Basic credentials are form-urlencoded before base64 (`+` is a
/// space, `%XX` a byte); `None` for a broken escape or a result that is not UTF-8.
pub fn form_decode(part: &str) -> Option<String> {
    let bytes = part.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return None;
                }
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// The client of an introspection or revocation request (`client_secret_basic`,
/// `client_secret_post` or `none`).
pub async fn authenticate(
    state: &AppState,
    req: &HttpRequest,
    form: &Form,
) -> Result<ClientAuthentication, OAuthError> {
    Credentials::presented(req, form.get("client_id"), form.get("client_secret"))?
        .verify(state)
        .await
}

/// `invalid_grant`; `reason` is logged, never sent (see [`OAuthError::invalid_grant`]).
pub fn invalid_grant(reason: impl std::fmt::Display) -> OAuthError {
    OAuthError::invalid_grant(reason)
}

#[cfg(test)]
mod tests {
    use super::form_decode;

    #[test]
    fn basic_credentials_are_form_decoded() {
        assert_eq!(form_decode("a%3Ab+c").as_deref(), Some("a:b c"));
        assert_eq!(form_decode("%zz"), None);
        assert_eq!(form_decode("%4"), None);
        // `from_str_radix` alone would take a sign: `%+5` is not an escape.
        assert_eq!(form_decode("%+5"), None);
    }
}

#[cfg(test)]
mod proptests {
    //! The token endpoint's decoding, as an attacker reaches it: any form body and any
    //! `Authorization` value.
    use super::*;
    use proptest::prelude::*;

    /// RFC 6749 Appendix B: what a client does to an id or secret before base64.
    fn form_encode(s: &str) -> String {
        let mut out = String::new();
        for b in s.bytes() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                    out.push(b as char)
                }
                b' ' => out.push('+'),
                b => out.push_str(&format!("%{b:02X}")),
            }
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn basic_credentials_round_trip(id in any::<String>(), secret in any::<String>(), scheme in prop::sample::select(vec!["Basic", "basic", "BASIC", "bAsIc"]), pad in " {1,3}") {
            let encoded = B64.encode(format!("{}:{}", form_encode(&id), form_encode(&secret)));
            let header = format!("{scheme}{pad}{encoded}");
            prop_assert!(is_basic(&header));
            prop_assert_eq!(decode_basic(&header), Some((id, secret)));
        }

        #[test]
        fn any_authorization_value_decodes_or_is_refused_without_panicking(value in any::<String>()) {
            let _ = is_basic(&value);
            if decode_basic(&value).is_some() {
                prop_assert!(is_basic(&value));
            }
        }

        #[test]
        fn form_decoding_inverts_form_encoding(s in any::<String>()) {
            prop_assert_eq!(form_decode(&form_encode(&s)), Some(s));
        }

        #[test]
        fn form_decoding_never_panics(s in any::<String>()) {
            let _ = form_decode(&s);
        }

        /// `%` must be followed by exactly two hex digits (`%+5` is no escape, though
        /// `u8::from_str_radix` alone would read it as 5).
        #[test]
        fn only_two_hex_digits_make_an_escape(a in "[0-9a-fA-F+ -]", b in "[0-9a-fA-F+ -]") {
            let hex = |c: &str| c.chars().all(|c| c.is_ascii_hexdigit());
            let decoded = form_decode(&format!("%{a}{b}"));
            prop_assert_eq!(decoded.is_some(), hex(&a) && hex(&b) && u8::from_str_radix(&format!("{a}{b}"), 16).is_ok_and(|x| x < 0x80));
        }

        /// Every parameter but `resource` at most once; `resource` values split at commas,
        /// trimmed, empty pieces dropped, order kept.
        #[test]
        fn form_parameters_are_single_and_resources_split(
            pairs in prop::collection::vec(
                (prop::sample::select(vec!["grant_type", "code", "scope", "resource", "client_id"]), "[ -~]{0,12}"),
                0..8,
            )
        ) {
            let pairs: Vec<(String, String)> =
                pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            // Through a real form body, as the endpoint receives it.
            let body = serde_urlencoded::to_string(&pairs).unwrap();
            let decoded: Vec<(String, String)> = serde_urlencoded::from_str(&body).unwrap();
            prop_assert_eq!(&decoded, &pairs);
            let repeated = pairs.iter().enumerate().any(|(i, (k, _))| {
                k != "resource" && pairs[..i].iter().any(|(other, _)| other == k)
            });
            match parse_pairs(decoded) {
                Err(e) => {
                    prop_assert!(repeated);
                    prop_assert_eq!(e.code, super::super::error::OAuthCode::InvalidRequest);
                }
                Ok(form) => {
                    prop_assert!(!repeated);
                    let expected: Vec<String> = pairs
                        .iter()
                        .filter(|(k, _)| k == "resource")
                        .flat_map(|(_, v)| v.split(',').map(str::trim).filter(|r| !r.is_empty()).map(str::to_owned).collect::<Vec<_>>())
                        .collect();
                    prop_assert_eq!(&form.resources, &expected);
                    for (k, v) in pairs.iter().filter(|(k, _)| k != "resource") {
                        prop_assert_eq!(form.get(k), Some(v.as_str()));
                    }
                }
            }
        }
    }
}
