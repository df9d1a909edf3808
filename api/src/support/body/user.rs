//! Validation of Logto's `CreateUser` body. Every problem is reported with the field it
//! concerns (`guard.invalid_input`, `details: "primaryEmail: invalid email address"`).

use crate::support::error::ApiError;
use app::commands::users::{CreateUser, PasswordInput};
use domain::password::{ImportError, LegacyError, PasswordAlgorithm, PasswordDigest};
use domain::user::{UserDetails, UserDetailsFields};
use serde_json::{Map, Value};

const PROFILE_STRING_KEYS: &[&str] = &[
    "familyName",
    "givenName",
    "middleName",
    "nickname",
    "preferredUsername",
    "profile",
    "website",
    "gender",
    "birthdate",
    "zoneinfo",
    "locale",
];
const ADDRESS_KEYS: &[&str] = &[
    "formatted",
    "streetAddress",
    "locality",
    "region",
    "postalCode",
    "country",
];
pub(crate) const MAX_NAME: usize = 128;
pub(crate) const MAX_URL: usize = 2048;

pub(crate) struct Issues(pub(crate) Vec<String>);

impl Issues {
    pub(crate) fn add(&mut self, field: &str, problem: impl std::fmt::Display) {
        self.0.push(format!("{field}: {problem}"));
    }
}

pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A field that must be a string when present; `null` reads as absent. NUL characters are
/// refused: Postgres cannot store them in text columns.
pub(crate) fn string_field(
    body: &Map<String, Value>,
    key: &str,
    issues: &mut Issues,
) -> Option<String> {
    match body.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.contains('\0') => {
            issues.add(key, "must not contain NUL characters");
            None
        }
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => {
            issues.add(
                key,
                format_args!("expected string, received {}", type_name(other)),
            );
            None
        }
    }
}

pub(crate) fn object_field(
    body: &Map<String, Value>,
    key: &str,
    issues: &mut Issues,
) -> Option<Map<String, Value>> {
    match body.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::Object(map)) => Some(map.clone()),
        Some(other) => {
            issues.add(
                key,
                format_args!("expected object, received {}", type_name(other)),
            );
            None
        }
    }
}

pub(crate) fn looks_like_url(value: &str) -> bool {
    value.split_once("://").is_some_and(|(scheme, rest)| {
        !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
            && !rest.is_empty()
            && !rest.chars().any(char::is_whitespace)
    })
}

/// Keeps Logto's profile keys (unknown keys are dropped, as Logto's guard strips them) and
/// checks their types.
pub(crate) fn profile(map: Map<String, Value>, issues: &mut Issues) -> Map<String, Value> {
    let mut out = Map::new();
    for (key, value) in map {
        if value.is_null() {
            continue;
        }
        if PROFILE_STRING_KEYS.contains(&key.as_str()) {
            if value.as_str().is_some_and(|v| v.contains('\0')) {
                issues.add(&format!("profile.{key}"), "must not contain NUL characters");
            } else if value.is_string() {
                out.insert(key, value);
            } else {
                issues.add(
                    &format!("profile.{key}"),
                    format_args!("expected string, received {}", type_name(&value)),
                );
            }
        } else if key == "address" {
            let Value::Object(address) = value else {
                issues.add(
                    "profile.address",
                    format_args!("expected object, received {}", type_name(&value)),
                );
                continue;
            };
            let mut kept = Map::new();
            for (k, v) in address {
                if !ADDRESS_KEYS.contains(&k.as_str()) || v.is_null() {
                    continue;
                }
                if v.is_string() {
                    kept.insert(k, v);
                } else {
                    issues.add(
                        &format!("profile.address.{k}"),
                        format_args!("expected string, received {}", type_name(&v)),
                    );
                }
            }
            out.insert(key, Value::Object(kept));
        }
    }
    out
}

/// Logto's 422 for a `Legacy` expression it cannot use.
fn legacy_error(e: LegacyError) -> ApiError {
    let code = match e {
        LegacyError::InvalidFormat(_) => "password.invalid_legacy_password_format",
        LegacyError::UnsupportedAlgorithm(_) => "password.unsupported_legacy_hash_algorithm",
    };
    ApiError::Unprocessable {
        code,
        message: format!("passwordDigest: {e}"),
    }
}

/// Parses and validates a `POST /api/users` body. An empty body reads as `{}`.
pub fn parse_create_user(bytes: &[u8]) -> Result<CreateUser, ApiError> {
    let value: Value = if bytes.iter().all(u8::is_ascii_whitespace) {
        Value::Object(Map::new())
    } else {
        serde_json::from_slice(bytes).map_err(|e| ApiError::MalformedJson(e.to_string()))?
    };
    let Value::Object(body) = value else {
        return Err(ApiError::invalid_body(format!(
            "body: expected object, received {}",
            type_name(&value)
        )));
    };
    let mut issues = Issues(Vec::new());

    let username = string_field(&body, "username", &mut issues);
    let primary_email = string_field(&body, "primaryEmail", &mut issues);
    let primary_phone = string_field(&body, "primaryPhone", &mut issues);
    for (key, value, check) in [
        (
            "username",
            &username,
            domain::identifier::Identifier::username as fn(&str) -> _,
        ),
        (
            "primaryEmail",
            &primary_email,
            domain::identifier::Identifier::email,
        ),
        (
            "primaryPhone",
            &primary_phone,
            domain::identifier::Identifier::phone,
        ),
    ] {
        if let Some(Err(e)) = value.as_deref().map(check) {
            issues.add(key, e);
        }
    }
    let name = string_field(&body, "name", &mut issues);
    if name.as_ref().is_some_and(|n| n.chars().count() > MAX_NAME) {
        issues.add(
            "name",
            format_args!("must be at most {MAX_NAME} characters"),
        );
    }
    let avatar = string_field(&body, "avatar", &mut issues);
    if let Some(url) = &avatar {
        if !url.is_empty() && (url.len() > MAX_URL || !looks_like_url(url)) {
            issues.add("avatar", "must be a URL or an empty string");
        }
    }
    let custom_data = object_field(&body, "customData", &mut issues).unwrap_or_default();
    let profile = object_field(&body, "profile", &mut issues).map(|p| profile(p, &mut issues));

    let password = string_field(&body, "password", &mut issues);
    if let Some(p) = &password {
        if p.is_empty() || p.chars().count() > 256 {
            issues.add("password", "must be between 1 and 256 characters");
        }
    }
    let digest = string_field(&body, "passwordDigest", &mut issues);
    let algorithm = string_field(&body, "passwordAlgorithm", &mut issues);
    // A malformed `Legacy` expression is Logto's 422, answered after any 400.
    let mut unprocessable = None;
    let password = match (password, digest, algorithm) {
        (Some(_), Some(_), _) => {
            issues.add(
                "password",
                "give either password or passwordDigest, not both",
            );
            None
        }
        (Some(plain), None, None) => Some(PasswordInput::Plain(plain)),
        (Some(_), None, Some(_)) => {
            issues.add("passwordAlgorithm", "only allowed with passwordDigest");
            None
        }
        (None, Some(digest), Some(algorithm)) => match PasswordAlgorithm::from_api_name(&algorithm)
        {
            None => {
                let names: Vec<&str> = PasswordAlgorithm::ALL.iter().map(|a| a.as_str()).collect();
                issues.add(
                    "passwordAlgorithm",
                    format_args!("expected one of {}", names.join(", ")),
                );
                None
            }
            Some(algorithm) => match PasswordDigest::import(algorithm, &digest) {
                Ok(imported) => Some(PasswordInput::Digest(imported)),
                Err(ImportError::Malformed(why)) => {
                    issues.add("passwordDigest", why);
                    None
                }
                Err(ImportError::Legacy(e)) => {
                    unprocessable = Some(legacy_error(e));
                    None
                }
            },
        },
        (None, Some(_), None) => {
            issues.add("passwordAlgorithm", "required with passwordDigest");
            None
        }
        (None, None, Some(_)) => {
            issues.add("passwordDigest", "required with passwordAlgorithm");
            None
        }
        (None, None, None) => None,
    };

    if !issues.0.is_empty() {
        return Err(ApiError::invalid_body(issues.0.join("; ")));
    }
    if let Some(e) = unprocessable {
        return Err(e);
    }
    let details = UserDetails::new(UserDetailsFields {
        username,
        primary_email,
        primary_phone,
        name,
        avatar,
        profile,
    })
    // Already checked field by field above; this only restates the domain's rule.
    .map_err(|e| ApiError::invalid_body(e.to_string()))?;
    Ok(CreateUser {
        details,
        custom_data,
        password,
        origin: app::commands::users::Origin::Admin,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn details_of(body: &str) -> String {
        match parse_create_user(body.as_bytes()) {
            Err(ApiError::InvalidInput { details, .. }) => details,
            Err(ApiError::MalformedJson(parser)) => format!("malformed JSON: {parser}"),
            Err(other) => panic!("unexpected error {other:?}"),
            Ok(_) => panic!("{body} should be rejected"),
        }
    }

    #[test]
    fn a_full_body_parses() {
        let input = parse_create_user(
            br#"{"username":"alice","primaryEmail":"a@example.com","primaryPhone":"12345678",
                "name":"Alice","avatar":"https://x.example/a.png","customData":{"k":1},
                "profile":{"givenName":"A","unknown":1,"address":{"country":"FR"}},"password":"pw"}"#,
        )
        .unwrap();
        let f = input.details.fields();
        assert_eq!(f.username.as_deref(), Some("alice"));
        let profile = f.profile.as_ref().unwrap();
        assert!(profile.contains_key("givenName") && !profile.contains_key("unknown"));
        assert!(matches!(input.password, Some(PasswordInput::Plain(_))));
        assert_eq!(input.custom_data["k"], 1);
    }

    #[test]
    fn empty_body_is_an_empty_user() {
        let input = parse_create_user(b"").unwrap();
        assert_eq!(input.details.fields(), &UserDetailsFields::default());
    }

    #[test]
    fn problems_name_their_field() {
        assert!(details_of(r#"{"primaryEmail":"nope"}"#).starts_with("primaryEmail:"));
        assert!(details_of(r#"{"username":"1abc"}"#).starts_with("username:"));
        assert!(details_of(r#"{"username":5}"#).contains("username: expected string"));
        assert!(details_of(r#"{"primaryPhone":"abc"}"#).starts_with("primaryPhone:"));
        assert!(details_of(r#"{"customData":[]}"#).starts_with("customData:"));
        assert!(details_of(r#"{"profile":{"givenName":1}}"#).starts_with("profile.givenName:"));
        assert!(details_of(r#"{"password":""}"#).starts_with("password:"));
        assert!(details_of(r#"{"avatar":"not a url"}"#).starts_with("avatar:"));
        assert!(details_of("[1]").starts_with("body:"));
        assert!(details_of(r#"{"name":"a\u0000b"}"#).starts_with("name: must not contain NUL"));
        assert!(details_of("{").starts_with("malformed JSON"));
        assert!(
            details_of(r#"{"passwordDigest":"x","passwordAlgorithm":"Rot13"}"#)
                .starts_with("passwordAlgorithm: expected one of")
        );
        assert!(
            details_of(r#"{"passwordDigest":"abc","passwordAlgorithm":"MD5"}"#)
                .starts_with("passwordDigest:")
        );
    }

    #[test]
    fn legacy_expressions_that_cannot_be_used_are_logtos_422s() {
        let code = |digest: &str| {
            let body = serde_json::json!({"passwordDigest": digest, "passwordAlgorithm": "Legacy"});
            match parse_create_user(body.to_string().as_bytes()) {
                Err(ApiError::Unprocessable { code, .. }) => code,
                other => panic!("unexpected {other:?}"),
            }
        };
        assert_eq!(code("nope"), "password.invalid_legacy_password_format");
        assert_eq!(
            code(r#"["whirlpool", ["@"], "ab"]"#),
            "password.unsupported_legacy_hash_algorithm"
        );
    }
}
