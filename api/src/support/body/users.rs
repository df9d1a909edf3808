//! The user bodies, shared by the Management API (`/api/users…`) and the Account API
//! (`/api/my-account…`): Logto's `CreateUser`, the user and profile patches, the password,
//! `isSuspended` and custom-data bodies. Every problem is reported with the field it
//! concerns (`guard.invalid_input`, `details: "primaryEmail: invalid email address"`).

use super::Body;
use crate::support::error::ApiError;
use app::commands::users::update::UserPatch;
use app::commands::users::{CreateUser, PasswordInput};
use app::AppError;
use domain::identifier::Identifier;
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
const MAX_NAME: usize = 128;
const MAX_URL: usize = 2048;

fn looks_like_url(value: &str) -> bool {
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
fn profile(map: Map<String, Value>, body: &mut Body) -> Map<String, Value> {
    let mut out = Map::new();
    for (key, value) in map {
        if value.is_null() {
            continue;
        }
        if PROFILE_STRING_KEYS.contains(&key.as_str()) {
            if value.as_str().is_some_and(|v| v.contains('\0')) {
                body.issue(&format!("profile.{key}"), "must not contain NUL characters");
            } else if value.is_string() {
                out.insert(key, value);
            } else {
                body.issue(
                    &format!("profile.{key}"),
                    format_args!("expected string, received {}", super::type_name(&value)),
                );
            }
        } else if key == "address" {
            let Value::Object(address) = value else {
                body.issue(
                    "profile.address",
                    format_args!("expected object, received {}", super::type_name(&value)),
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
                    body.issue(
                        &format!("profile.address.{k}"),
                        format_args!("expected string, received {}", super::type_name(&v)),
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
    AppError::Unprocessable {
        code,
        message: format!("passwordDigest: {e}"),
    }
    .into()
}

/// Parses and validates a `POST /api/users` body. An empty body reads as `{}`.
pub fn parse_create_user(bytes: &[u8]) -> Result<CreateUser, ApiError> {
    let mut body = Body::parse(bytes)?;

    let username = body.string("username");
    let primary_email = body.string("primaryEmail");
    let primary_phone = body.string("primaryPhone");
    for (key, value, check) in [
        ("username", &username, Identifier::username as fn(&str) -> _),
        ("primaryEmail", &primary_email, Identifier::email),
        ("primaryPhone", &primary_phone, Identifier::phone),
    ] {
        if let Some(Err(e)) = value.as_deref().map(check) {
            body.issue(key, e);
        }
    }
    let name = body.string("name");
    if name.as_ref().is_some_and(|n| n.chars().count() > MAX_NAME) {
        body.issue(
            "name",
            format_args!("must be at most {MAX_NAME} characters"),
        );
    }
    let avatar = body.string("avatar");
    if let Some(url) = &avatar {
        if !url.is_empty() && (url.len() > MAX_URL || !looks_like_url(url)) {
            body.issue("avatar", "must be a URL or an empty string");
        }
    }
    let custom_data = body.object("customData").unwrap_or_default();
    let profile = body.object("profile").map(|p| profile(p, &mut body));

    let password = body.string("password");
    if let Some(p) = &password {
        if p.is_empty() || p.chars().count() > 256 {
            body.issue("password", "must be between 1 and 256 characters");
        }
    }
    let digest = body.string("passwordDigest");
    let algorithm = body.string("passwordAlgorithm");
    // A malformed `Legacy` expression is Logto's 422, answered after any 400.
    let mut unprocessable = None;
    let password = match (password, digest, algorithm) {
        (Some(_), Some(_), _) => {
            body.issue(
                "password",
                "give either password or passwordDigest, not both",
            );
            None
        }
        (Some(plain), None, None) => Some(PasswordInput::Plain(plain)),
        (Some(_), None, Some(_)) => {
            body.issue("passwordAlgorithm", "only allowed with passwordDigest");
            None
        }
        (None, Some(digest), Some(algorithm)) => match PasswordAlgorithm::from_api_name(&algorithm)
        {
            None => {
                let names: Vec<&str> = PasswordAlgorithm::ALL.iter().map(|a| a.as_str()).collect();
                body.issue(
                    "passwordAlgorithm",
                    format_args!("expected one of {}", names.join(", ")),
                );
                None
            }
            Some(algorithm) => match PasswordDigest::import(algorithm, &digest) {
                Ok(imported) => Some(PasswordInput::Digest(imported)),
                Err(ImportError::Malformed(why)) => {
                    body.issue("passwordDigest", why);
                    None
                }
                Err(ImportError::Legacy(e)) => {
                    unprocessable = Some(legacy_error(e));
                    None
                }
            },
        },
        (None, Some(_), None) => {
            body.issue("passwordAlgorithm", "required with passwordDigest");
            None
        }
        (None, None, Some(_)) => {
            body.issue("passwordDigest", "required with passwordAlgorithm");
            None
        }
        (None, None, None) => None,
    };

    body.finish()?;
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

/// The body as a JSON object without U+0000 (an empty body reads as `{}`).
fn json_object(bytes: &[u8]) -> Result<Body, ApiError> {
    super::refuse_nul(bytes)?;
    Body::parse(bytes)
}

/// `PATCH /api/users/{id}`.
pub fn parse_user_patch(bytes: &[u8]) -> Result<UserPatch, ApiError> {
    let mut body = json_object(bytes)?;
    let username = body.nullable_string("username");
    let primary_email = body.nullable_string("primaryEmail");
    let primary_phone = body.nullable_string("primaryPhone");
    for (key, value, check) in [
        ("username", &username, Identifier::username as fn(&str) -> _),
        ("primaryEmail", &primary_email, Identifier::email),
        ("primaryPhone", &primary_phone, Identifier::phone),
    ] {
        if let Some(Some(Err(e))) = value.as_ref().map(|v| v.as_deref().map(check)) {
            body.issue(key, e);
        }
    }
    let name = body.nullable_string("name");
    if let Some(Some(n)) = &name {
        if n.chars().count() > MAX_NAME {
            body.issue(
                "name",
                format_args!("must be at most {MAX_NAME} characters"),
            );
        }
    }
    let avatar = body.nullable_string("avatar");
    if let Some(Some(url)) = &avatar {
        if !url.is_empty() && (url.len() > MAX_URL || !looks_like_url(url)) {
            body.issue("avatar", "must be a URL or an empty string");
        }
    }
    let profile_patch = if body.has("profile") {
        Some(body.object("profile").map(|p| profile(p, &mut body)))
    } else {
        None
    };
    // `customData: null` clears it, like the other nullable fields.
    let custom_data = if body.has("customData") {
        Some(body.object("customData").unwrap_or_default())
    } else {
        None
    };
    for key in ["password", "passwordDigest", "passwordAlgorithm"] {
        if body.has(key) {
            body.issue(
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
    body.finish()?;
    Ok(patch)
}

/// `{ "password": "…" }` (set and verify).
pub fn parse_password(bytes: &[u8]) -> Result<String, ApiError> {
    let mut body = json_object(bytes)?;
    let password = body.string("password");
    match password {
        Some(p) if !p.is_empty() && p.chars().count() <= 256 => {
            body.finish()?;
            Ok(p)
        }
        Some(_) => {
            body.issue("password", "must be between 1 and 256 characters");
            body.finish().map(|()| String::new())
        }
        None => {
            if !body.has_issues() {
                body.issue("password", "required");
            }
            body.finish().map(|()| String::new())
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
            super::type_name(other)
        ))),
    }
}

/// `{ "<key>": <object> }`, required (`customData` of the custom-data route).
pub fn parse_required_object(bytes: &[u8], key: &str) -> Result<Map<String, Value>, ApiError> {
    let mut body = json_object(bytes)?;
    match body.object(key) {
        Some(map) => {
            body.finish()?;
            Ok(map)
        }
        None => {
            if !body.has_issues() {
                body.issue(key, "required");
            }
            body.finish().map(|()| Map::new())
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
    let mut issues = Body::default();
    let mut checked = profile(raw, &mut issues);
    for key in nulls {
        checked.insert(key, Value::Null);
    }
    issues.finish()?;
    Ok(checked)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn details_of(body: &str) -> String {
        match parse_create_user(body.as_bytes()) {
            Err(ApiError::App(AppError::InvalidInput { details, .. })) => details,
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
                Err(ApiError::App(AppError::Unprocessable { code, .. })) => code,
                other => panic!("unexpected {other:?}"),
            }
        };
        assert_eq!(code("nope"), "password.invalid_legacy_password_format");
        assert_eq!(
            code(r#"["whirlpool", ["@"], "ab"]"#),
            "password.unsupported_legacy_hash_algorithm"
        );
    }

    fn details(result: Result<impl std::fmt::Debug, ApiError>) -> String {
        match result {
            Err(ApiError::App(AppError::InvalidInput { details, .. })) => details,
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
