//! Bodies of the user routes other than `CreateUser`: each problem names its field, as in
//! `user_input.rs` (whose field readers these share).

use crate::support::error::ApiError;
use crate::support::body::user::{
    looks_like_url, object_field, profile, string_field, type_name, Issues, MAX_NAME, MAX_URL,
};
use app::commands::users::update::UserPatch;
use domain::identifier::Identifier;
use serde_json::{Map, Value};

/// The body as a JSON object (an empty body reads as `{}`).
pub fn json_object(bytes: &[u8]) -> Result<Map<String, Value>, ApiError> {
    crate::support::body::refuse_nul(bytes)?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(ApiError::invalid_body(format!(
            "body: expected object, received {}",
            type_name(&other)
        ))),
        Err(e) => Err(ApiError::json_body(e)),
    }
}

fn finish<T>(issues: Issues, value: T) -> Result<T, ApiError> {
    if issues.0.is_empty() {
        Ok(value)
    } else {
        Err(ApiError::invalid_body(issues.0.join("; ")))
    }
}

/// A nullable string field of a PATCH: absent → `None`, `null` → `Some(None)`.
fn nullable_string(
    body: &Map<String, Value>,
    key: &str,
    issues: &mut Issues,
) -> Option<Option<String>> {
    body.get(key)?;
    Some(string_field(body, key, issues))
}

/// `PATCH /api/users/{id}`.
pub fn parse_user_patch(bytes: &[u8]) -> Result<UserPatch, ApiError> {
    let body = json_object(bytes)?;
    let mut issues = Issues(Vec::new());
    let username = nullable_string(&body, "username", &mut issues);
    let primary_email = nullable_string(&body, "primaryEmail", &mut issues);
    let primary_phone = nullable_string(&body, "primaryPhone", &mut issues);
    for (key, value, check) in [
        ("username", &username, Identifier::username as fn(&str) -> _),
        ("primaryEmail", &primary_email, Identifier::email),
        ("primaryPhone", &primary_phone, Identifier::phone),
    ] {
        if let Some(Some(Err(e))) = value.as_ref().map(|v| v.as_deref().map(check)) {
            issues.add(key, e);
        }
    }
    let name = nullable_string(&body, "name", &mut issues);
    if let Some(Some(n)) = &name {
        if n.chars().count() > MAX_NAME {
            issues.add(
                "name",
                format_args!("must be at most {MAX_NAME} characters"),
            );
        }
    }
    let avatar = nullable_string(&body, "avatar", &mut issues);
    if let Some(Some(url)) = &avatar {
        if !url.is_empty() && (url.len() > MAX_URL || !looks_like_url(url)) {
            issues.add("avatar", "must be a URL or an empty string");
        }
    }
    let profile_patch = body
        .get("profile")
        .map(|_| object_field(&body, "profile", &mut issues).map(|p| profile(p, &mut issues)));
    // `customData: null` clears it, like the other nullable fields.
    let custom_data = body
        .get("customData")
        .map(|_| object_field(&body, "customData", &mut issues).unwrap_or_default());
    for key in ["password", "passwordDigest", "passwordAlgorithm"] {
        if body.contains_key(key) {
            issues.add(
                key,
                "not accepted here; use PATCH /api/users/{userId}/password",
            );
        }
    }
    let patch = UserPatch {
        username,
        primary_email,
        primary_phone,
        name,
        avatar,
        profile: profile_patch,
        custom_data,
    };
    finish(issues, patch)
}

/// `{ "password": "…" }` (set and verify).
pub fn parse_password(bytes: &[u8]) -> Result<String, ApiError> {
    let body = json_object(bytes)?;
    let mut issues = Issues(Vec::new());
    let password = string_field(&body, "password", &mut issues);
    match password {
        Some(p) if !p.is_empty() && p.chars().count() <= 256 => finish(issues, p),
        Some(_) => {
            issues.add("password", "must be between 1 and 256 characters");
            finish(issues, String::new())
        }
        None => {
            if issues.0.is_empty() {
                issues.add("password", "required");
            }
            finish(issues, String::new())
        }
    }
}

/// `{ "isSuspended": true|false }`.
pub fn parse_is_suspended(bytes: &[u8]) -> Result<bool, ApiError> {
    let body = json_object(bytes)?;
    match body.get("isSuspended") {
        Some(Value::Bool(b)) => Ok(*b),
        None | Some(Value::Null) => Err(ApiError::invalid_body("isSuspended: required")),
        Some(other) => Err(ApiError::invalid_body(format!(
            "isSuspended: expected boolean, received {}",
            type_name(other)
        ))),
    }
}

/// `{ "<key>": <object> }`, required (`customData` of the custom-data route).
pub fn parse_required_object(bytes: &[u8], key: &str) -> Result<Map<String, Value>, ApiError> {
    let body = json_object(bytes)?;
    let mut issues = Issues(Vec::new());
    match object_field(&body, key, &mut issues) {
        Some(map) => finish(issues, map),
        None => {
            if issues.0.is_empty() {
                issues.add(key, "required");
            }
            finish(issues, Map::new())
        }
    }
}

/// `{ "profile": { … } }` of `PATCH /api/users/{id}/profile`: Logto's profile keys, each
/// checked; `null` values remove their key.
pub fn parse_profile_patch(bytes: &[u8]) -> Result<Map<String, Value>, ApiError> {
    let raw = parse_required_object(bytes, "profile")?;
    let nulls: Vec<String> = raw
        .iter()
        .filter(|(_, v)| v.is_null())
        .map(|(k, _)| k.clone())
        .collect();
    let mut issues = Issues(Vec::new());
    let mut checked = profile(raw, &mut issues);
    for key in nulls {
        checked.insert(key, Value::Null);
    }
    finish(issues, checked)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn details(result: Result<impl std::fmt::Debug, ApiError>) -> String {
        match result {
            Err(ApiError::InvalidInput { details, .. }) => details,
            other => panic!("expected a 400, got {other:?}"),
        }
    }

    #[test]
    fn a_patch_tells_absent_from_null() {
        let patch = parse_user_patch(br#"{"username":null,"name":"N"}"#).unwrap();
        assert_eq!(patch.username, Some(None));
        assert_eq!(patch.name, Some(Some("N".into())));
        assert_eq!(patch.primary_email, None);
        assert!(details(parse_user_patch(br#"{"primaryEmail":"x"}"#)).starts_with("primaryEmail:"));
        assert!(details(parse_user_patch(br#"{"password":"x"}"#)).starts_with("password:"));
        assert!(details(parse_user_patch(br#"{"customData":1}"#)).starts_with("customData:"));
    }

    #[test]
    fn small_bodies_name_their_field() {
        assert!(details(parse_password(b"{}")).starts_with("password: required"));
        assert!(details(parse_password(br#"{"password":""}"#)).starts_with("password:"));
        assert!(
            details(parse_is_suspended(br#"{"isSuspended":"yes"}"#)).starts_with("isSuspended:")
        );
        assert!(details(parse_required_object(b"{}", "customData")).starts_with("customData:"));
        assert!(
            details(parse_profile_patch(br#"{"profile":{"givenName":1}}"#))
                .starts_with("profile.givenName:")
        );
        let p = parse_profile_patch(br#"{"profile":{"nickname":null,"locale":"fr"}}"#).unwrap();
        assert!(p["nickname"].is_null() && p["locale"] == "fr");
    }
}
