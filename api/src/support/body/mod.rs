//! The one request-body toolkit: a JSON object body read (bounded) and then field by
//! field, so every problem names its field (`400 guard.invalid_input`, `details: "name:
//! expected string, received number"`) and all of them are answered at once. The user
//! bodies, shared by the Management and Account APIs, are in [`users`].

pub mod users;

use crate::support::error::ApiError;
use futures::StreamExt;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

const MAX_BODY: usize = 1 << 20;

/// The `{roleIds: [...]}` body of the role-assignment routes (applications and users).
pub async fn role_ids(payload: actix_web::web::Payload) -> Result<Vec<String>, ApiError> {
    let mut body = json_object(payload).await?;
    let ids = body.required_ids("roleIds");
    body.finish()?;
    Ok(ids)
}

/// Reads the body, at most `MAX_BODY` bytes (413 beyond).
pub async fn read_bounded(mut payload: actix_web::web::Payload) -> Result<Vec<u8>, ApiError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::invalid_body(format!("body: {e}")))?;
        if bytes.len() + chunk.len() > MAX_BODY {
            return Err(ApiError::PayloadTooLarge);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// Reads the body (bounded) as a JSON object without U+0000 anywhere; empty is `{}`.
pub async fn json_object(payload: actix_web::web::Payload) -> Result<Body, ApiError> {
    let bytes = read_bounded(payload).await?;
    refuse_nul(&bytes)?;
    Body::parse(&bytes)
}

/// True when the JSON text holds the escape `\u0000` in a string or key. Postgres cannot
/// store U+0000 in `jsonb` or `text`, so such a body would fail at the append (a 500 for
/// a client's input); every JSON body is checked with this before it is parsed. Escapes
/// are walked in order, so an escaped backslash followed by `u0000` is not a match.
pub fn has_escaped_nul(json: &[u8]) -> bool {
    let mut i = 0;
    while i < json.len() {
        if json[i] == b'\\' {
            if json.get(i + 1) == Some(&b'u') && json.get(i + 2..i + 6) == Some(b"0000") {
                return true;
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    false
}

/// [`has_escaped_nul`] as the 400 every JSON body route answers.
pub fn refuse_nul(json: &[u8]) -> Result<(), ApiError> {
    if has_escaped_nul(json) {
        return Err(ApiError::invalid_body(
            "body: strings and keys must not contain the character U+0000",
        ));
    }
    Ok(())
}

pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A JSON object body and the problems found while reading it (the default: an empty
/// object, nothing wrong yet).
#[derive(Default)]
pub struct Body {
    map: Map<String, Value>,
    issues: Vec<String>,
}

impl Body {
    /// `bytes` as a JSON object (an empty body reads as `{}`); not JSON is Logto's parser
    /// 400, other JSON names what it is.
    pub fn parse(bytes: &[u8]) -> Result<Self, ApiError> {
        let value: Value = if bytes.iter().all(u8::is_ascii_whitespace) {
            Value::Object(Map::new())
        } else {
            serde_json::from_slice(bytes).map_err(|e| ApiError::MalformedJson(e.to_string()))?
        };
        match value {
            Value::Object(map) => Ok(Body {
                map,
                issues: Vec::new(),
            }),
            other => Err(ApiError::invalid_body(format!(
                "body: expected object, received {}",
                type_name(&other)
            ))),
        }
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.map.get(key)
    }

    /// The body's fields, in order.
    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.map.keys()
    }

    /// Any JSON value decoded into `T`; `null` and absence read as `None` (serde's
    /// message names what is wrong).
    pub fn value<T: DeserializeOwned>(&mut self, key: &str) -> Option<T> {
        match self.map.get(key).cloned() {
            None | Some(Value::Null) => None,
            Some(value) => match serde_json::from_value(value) {
                Ok(v) => Some(v),
                Err(e) => {
                    self.issue(key, e);
                    None
                }
            },
        }
    }

    pub fn issue(&mut self, field: &str, problem: impl std::fmt::Display) {
        self.issues.push(format!("{field}: {problem}"));
    }

    fn wrong_type(&mut self, field: &str, expected: &str, got: &Value) {
        self.issue(
            field,
            format_args!("expected {expected}, received {}", type_name(got)),
        );
    }

    pub fn has_issues(&self) -> bool {
        !self.issues.is_empty()
    }

    pub fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// A string; `null` and absence read as `None`. U+0000 is refused (Postgres cannot
    /// store it; `json_object` refuses it in the whole body before this).
    pub fn string(&mut self, key: &str) -> Option<String> {
        match self.map.get(key).cloned() {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.contains('\0') => {
                self.issue(key, "must not contain NUL characters");
                None
            }
            Some(Value::String(s)) => Some(s),
            Some(other) => {
                self.wrong_type(key, "string", &other);
                None
            }
        }
    }

    /// A nullable string of a PATCH: absent → `None`, `null` → `Some(None)`.
    pub fn nullable_string(&mut self, key: &str) -> Option<Option<String>> {
        self.map.get(key)?;
        Some(self.string(key))
    }

    /// A string that must be present.
    pub fn required_string(&mut self, key: &str) -> Option<String> {
        if matches!(self.map.get(key), None | Some(Value::Null)) {
            self.issue(key, "required");
            return None;
        }
        self.string(key)
    }

    pub fn bool(&mut self, key: &str) -> Option<bool> {
        match self.map.get(key).cloned() {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(b),
            Some(other) => {
                self.wrong_type(key, "boolean", &other);
                None
            }
        }
    }

    /// A non-negative integer.
    pub fn u64(&mut self, key: &str) -> Option<u64> {
        match self.map.get(key).cloned() {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => match n.as_u64() {
                Some(v) => Some(v),
                None => {
                    self.issue(key, "expected a non-negative integer");
                    None
                }
            },
            Some(other) => {
                self.wrong_type(key, "number", &other);
                None
            }
        }
    }

    pub fn object(&mut self, key: &str) -> Option<Map<String, Value>> {
        match self.map.get(key).cloned() {
            None | Some(Value::Null) => None,
            Some(Value::Object(map)) => Some(map),
            Some(other) => {
                self.wrong_type(key, "object", &other);
                None
            }
        }
    }

    /// An object decoded into `T` (serde's message names the inner field).
    pub fn typed<T: DeserializeOwned>(&mut self, key: &str) -> Option<T> {
        let map = self.object(key)?;
        match serde_json::from_value(Value::Object(map)) {
            Ok(v) => Some(v),
            Err(e) => {
                self.issue(key, e);
                None
            }
        }
    }

    /// An array of non-empty strings (ids), deduplicated in order.
    pub fn ids(&mut self, key: &str) -> Option<Vec<String>> {
        match self.map.get(key).cloned() {
            None | Some(Value::Null) => None,
            Some(Value::Array(items)) => {
                let mut out: Vec<String> = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    match item.as_str() {
                        Some(s) if domain::StandardId::parse(s).is_some() => {
                            if !out.iter().any(|x| x == s) {
                                out.push(s.to_owned());
                            }
                        }
                        _ => self.issue(&format!("{key}[{i}]"), "expected an id string"),
                    }
                }
                Some(out)
            }
            Some(other) => {
                self.wrong_type(key, "array", &other);
                None
            }
        }
    }

    /// An array of strings (e.g. webhook event names), in order.
    pub fn strings(&mut self, key: &str) -> Option<Vec<String>> {
        match self.map.get(key).cloned() {
            None | Some(Value::Null) => None,
            Some(Value::Array(items)) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    match item {
                        Value::String(s) => out.push(s.clone()),
                        other => self.wrong_type(&format!("{key}[{i}]"), "string", other),
                    }
                }
                Some(out)
            }
            Some(other) => {
                self.wrong_type(key, "array", &other);
                None
            }
        }
    }

    pub fn required_ids(&mut self, key: &str) -> Vec<String> {
        match self.ids(key) {
            Some(ids) => ids,
            None => {
                if !self.has(key) {
                    self.issue(key, "required");
                }
                Vec::new()
            }
        }
    }

    /// `Ok` when nothing was wrong, else one 400 listing every problem.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.issues.is_empty() {
            Ok(())
        } else {
            Err(ApiError::invalid_body(self.issues.join("; ")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::has_escaped_nul;

    #[test]
    fn finds_the_nul_escape_in_strings_and_keys_only() {
        assert!(has_escaped_nul(br#"{"a": "x\u0000y"}"#));
        assert!(has_escaped_nul(br#"{"k\u0000": 1}"#));
        assert!(
            !has_escaped_nul(br#"{"a": "x\\u0000y"}"#),
            "an escaped backslash"
        );
        assert!(
            has_escaped_nul(br#"{"a": "x\\\u0000y"}"#),
            "backslash, then the escape"
        );
        assert!(!has_escaped_nul(br#"{"a": "\u0001", "b": "u0000"}"#));
        assert!(!has_escaped_nul(br#"{"a": "trailing\"#));
    }
}
