//! The `CustomProfileFields` aggregate: what registration asks a new user about on its
//! last step ("Tell us about yourself", Logto 1.31's custom profile fields), in order.
//! One stream, `custom-profile-fields/default`.
//!
//! A field is either built in (its `name` is one of Logto's profile keys: `name`,
//! `givenName`, `birthdate`, `gender`, `address`, `fullname`, …; the value lands on the
//! user's name or OIDC profile) or custom (any other identifier-like name; the value lands
//! in the user's custom data). [`CustomProfileField::check_value`] is the one place a
//! submitted value is judged, so the Experience API and the hosted page agree.

use crate::aggregate::{Aggregate, CommandContext};
use crate::event::DomainEvent;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The stream every field lives on.
pub const STREAM_ID: &str = "default";
/// More would make a registration form nobody finishes.
pub const MAX_FIELDS: usize = 50;

/// Logto's field types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FieldType {
    Text,
    Number,
    Date,
    Checkbox,
    Select,
    Url,
    Regex,
    Address,
    Fullname,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SelectOption {
    pub label: String,
    pub value: String,
}

/// One part of a composite field (`Address`: `streetAddress`, `locality`, …; `Fullname`:
/// `givenName`, `middleName`, `familyName`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldPart {
    pub key: String,
    pub enabled: bool,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FieldConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placeholder: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_length: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_value: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_value: Option<f64>,
    /// `Regex`: the pattern a value must match; `Date`: a display format (not enforced:
    /// dates are ISO 8601, `YYYY-MM-DD`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<SelectOption>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<FieldPart>,
}

// `f64` has no `Eq`; the configured bounds are plain numbers, never NaN (checked).
impl Eq for FieldConfig {}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomProfileField {
    pub name: String,
    #[serde(rename = "type")]
    pub field_type: FieldType,
    pub label: String,
    #[serde(default)]
    pub description: Option<String>,
    pub required: bool,
    #[serde(default)]
    pub config: FieldConfig,
}

/// Where a field's value goes on the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Destination {
    /// The user's `name`.
    Name,
    /// A key of the user's OIDC profile (`profile.<key>`).
    Profile,
    /// A key of the user's custom data.
    CustomData,
}

/// Logto's built-in profile keys that land on the OIDC profile.
const PROFILE_KEYS: &[&str] = &[
    "givenName",
    "familyName",
    "middleName",
    "nickname",
    "preferredUsername",
    "profile",
    "website",
    "gender",
    "birthdate",
    "zoneinfo",
    "locale",
    "address",
];
/// The parts an `address` field may have (OIDC's address claim).
pub const ADDRESS_PARTS: &[&str] = &[
    "formatted",
    "streetAddress",
    "locality",
    "region",
    "postalCode",
    "country",
];
/// The parts a `fullname` field may have.
pub const FULLNAME_PARTS: &[&str] = &["givenName", "middleName", "familyName"];

impl CustomProfileField {
    /// Where this field's value goes (`fullname` spreads over profile keys).
    pub fn destination(&self) -> Destination {
        match self.name.as_str() {
            "name" => Destination::Name,
            "fullname" => Destination::Profile,
            n if PROFILE_KEYS.contains(&n) => Destination::Profile,
            _ => Destination::CustomData,
        }
    }

    /// The rules a stored field meets; the first broken, naming its field.
    fn check(&self) -> Result<(), CustomProfileFieldError> {
        let invalid = |field: &str, reason: &str| {
            Err(CustomProfileFieldError::Invalid {
                field: field.to_owned(),
                reason: reason.to_owned(),
            })
        };
        let name_ok = self.name.len() <= 64
            && self
                .name
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && self
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !name_ok {
            return invalid("name", "letters, digits and underscores, starting with a letter or underscore (at most 64)");
        }
        if [
            "username",
            "primaryEmail",
            "primaryPhone",
            "password",
            "avatar",
            "customData",
            "identities",
        ]
        .contains(&self.name.as_str())
        {
            return invalid("name", "this key is not collected by a profile field");
        }
        if self.label.trim().is_empty() || self.label.chars().count() > 128 {
            return invalid("label", "between 1 and 128 characters");
        }
        let c = &self.config;
        if c.min_value.is_some_and(|v| !v.is_finite())
            || c.max_value.is_some_and(|v| !v.is_finite())
        {
            return invalid("config.minValue", "a finite number");
        }
        if matches!((c.min_length, c.max_length), (Some(a), Some(b)) if a > b) {
            return invalid("config.minLength", "at most config.maxLength");
        }
        if matches!((c.min_value, c.max_value), (Some(a), Some(b)) if a > b) {
            return invalid("config.minValue", "at most config.maxValue");
        }
        let composite = match self.name.as_str() {
            "address" => Some((FieldType::Address, ADDRESS_PARTS)),
            "fullname" => Some((FieldType::Fullname, FULLNAME_PARTS)),
            _ => None,
        };
        match (self.field_type, composite) {
            (FieldType::Address | FieldType::Fullname, Some((expected, parts))) => {
                if self.field_type != expected {
                    return invalid("type", "does not fit this built-in key");
                }
                if c.parts.is_empty() || c.parts.iter().any(|p| !parts.contains(&p.key.as_str())) {
                    return invalid("config.parts", "the parts of this composite field");
                }
            }
            (FieldType::Address | FieldType::Fullname, None) => {
                return invalid(
                    "type",
                    "Address and Fullname are the `address` and `fullname` keys only",
                );
            }
            (_, Some(_)) => {
                return invalid(
                    "type",
                    "`address` is an Address field, `fullname` a Fullname field",
                )
            }
            _ => {}
        }
        match self.field_type {
            FieldType::Select if c.options.is_empty() => {
                invalid("config.options", "a Select field needs options")
            }
            FieldType::Regex => match c.format.as_deref().map(regex_lite::Regex::new) {
                Some(Ok(_)) => Ok(()),
                _ => invalid("config.format", "a Regex field needs a valid pattern"),
            },
            _ => Ok(()),
        }
    }

    /// Whether `value` is acceptable for this field; `Err` says why, for the user.
    pub fn check_value(&self, value: &Value) -> Result<(), String> {
        let c = &self.config;
        let text = |v: &Value| {
            v.as_str()
                .map(str::to_owned)
                .ok_or("expected text".to_owned())
        };
        let length = |s: &str| {
            let n = s.chars().count();
            if c.min_length.is_some_and(|m| n < m) || c.max_length.is_some_and(|m| n > m) || n > 512
            {
                Err(format!(
                    "expected {} to {} characters",
                    c.min_length.unwrap_or(0),
                    c.max_length.unwrap_or(512).min(512)
                ))
            } else {
                Ok(())
            }
        };
        match self.field_type {
            FieldType::Text => length(&text(value)?),
            FieldType::Url => {
                let s = text(value)?;
                length(&s)?;
                match url::Url::parse(&s) {
                    Ok(u) if matches!(u.scheme(), "http" | "https") => Ok(()),
                    _ => Err("expected an http or https URL".into()),
                }
            }
            FieldType::Regex => {
                let s = text(value)?;
                length(&s)?;
                let pattern = c.format.as_deref().unwrap_or_default();
                match regex_lite::Regex::new(&format!("^(?:{pattern})$")) {
                    Ok(re) if re.is_match(&s) => Ok(()),
                    _ => Err("does not have the expected format".into()),
                }
            }
            FieldType::Number => {
                let n = match value {
                    Value::Number(n) => n.as_f64(),
                    Value::String(s) => s.trim().parse::<f64>().ok(),
                    _ => None,
                }
                .filter(|n| n.is_finite())
                .ok_or("expected a number")?;
                if c.min_value.is_some_and(|m| n < m) || c.max_value.is_some_and(|m| n > m) {
                    return Err("the number is out of range".into());
                }
                Ok(())
            }
            FieldType::Date => {
                let s = text(value)?;
                if is_iso_date(&s) {
                    Ok(())
                } else {
                    Err("expected a date as YYYY-MM-DD".into())
                }
            }
            FieldType::Checkbox => match value {
                Value::Bool(_) => Ok(()),
                _ => Err("expected true or false".into()),
            },
            FieldType::Select => {
                let s = text(value)?;
                if c.options.iter().any(|o| o.value == s) {
                    Ok(())
                } else {
                    Err("not one of the options".into())
                }
            }
            FieldType::Address | FieldType::Fullname => {
                let Value::Object(parts) = value else {
                    return Err("expected an object of its parts".into());
                };
                for (key, part) in parts {
                    let enabled = c.parts.iter().any(|p| p.enabled && p.key == *key);
                    if !enabled {
                        return Err(format!("{key}: not a part of this field"));
                    }
                    let s = part
                        .as_str()
                        .ok_or_else(|| format!("{key}: expected text"))?;
                    if s.chars().count() > 256 {
                        return Err(format!("{key}: at most 256 characters"));
                    }
                }
                Ok(())
            }
        }
    }

    /// Whether `value` counts as filled in (for required fields).
    pub fn is_filled(value: Option<&Value>) -> bool {
        match value {
            None | Some(Value::Null) => false,
            Some(Value::String(s)) => !s.trim().is_empty(),
            Some(Value::Object(o)) => o
                .values()
                .any(|v| v.as_str().is_some_and(|s| !s.trim().is_empty())),
            Some(_) => true,
        }
    }
}

fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|t| t.parse::<u32>().ok());
    match (num(0..4), num(5..7), num(8..10)) {
        (Some(_), Some(m), Some(d)) => (1..=12).contains(&m) && (1..=31).contains(&d),
        _ => false,
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomProfileFieldSet {
    pub field: CustomProfileField,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomProfileFieldDeleted {
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomProfileFieldsReordered {
    pub names: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum CustomProfileFieldEvent {
    /// Created, or replaced (same name, same place in the order).
    CustomProfileFieldSet(Box<CustomProfileFieldSet>),
    CustomProfileFieldDeleted(CustomProfileFieldDeleted),
    CustomProfileFieldsReordered(CustomProfileFieldsReordered),
}

impl DomainEvent for CustomProfileFieldEvent {
    fn event_type(&self) -> &'static str {
        match self {
            Self::CustomProfileFieldSet(_) => "CustomProfileFieldSet",
            Self::CustomProfileFieldDeleted(_) => "CustomProfileFieldDeleted",
            Self::CustomProfileFieldsReordered(_) => "CustomProfileFieldsReordered",
        }
    }

    fn schema_version(_event_type: &str) -> u32 {
        1
    }

    crate::tagged_payload_codec!();
}

/// The fields in registration order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CustomProfileFields {
    pub fields: Vec<CustomProfileField>,
}

#[derive(Debug, Clone)]
pub enum CustomProfileFieldCommand {
    Create(CustomProfileField),
    Replace(CustomProfileField),
    Delete { name: String },
    Reorder { names: Vec<String> },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CustomProfileFieldError {
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },
    #[error("a profile field named `{0}` already exists")]
    Exists(String),
    #[error("no profile field is named `{0}`")]
    NotFound(String),
    #[error("at most {MAX_FIELDS} profile fields")]
    TooMany,
}

impl crate::aggregate::NoPersonalData for CustomProfileFields {}

impl CustomProfileFields {
    pub fn get(&self, name: &str) -> Option<&CustomProfileField> {
        self.fields.iter().find(|f| f.name == name)
    }
}

impl Aggregate for CustomProfileFields {
    const STREAM_TYPE: &'static str = "custom-profile-fields";
    type Event = CustomProfileFieldEvent;
    type Command = CustomProfileFieldCommand;
    type Error = CustomProfileFieldError;

    fn apply(&mut self, event: &CustomProfileFieldEvent) {
        match event {
            CustomProfileFieldEvent::CustomProfileFieldSet(e) => {
                match self.fields.iter_mut().find(|f| f.name == e.field.name) {
                    Some(existing) => *existing = e.field.clone(),
                    None => self.fields.push(e.field.clone()),
                }
            }
            CustomProfileFieldEvent::CustomProfileFieldDeleted(e) => {
                self.fields.retain(|f| f.name != e.name);
            }
            CustomProfileFieldEvent::CustomProfileFieldsReordered(e) => {
                self.fields.sort_by_key(|f| {
                    e.names
                        .iter()
                        .position(|n| *n == f.name)
                        .unwrap_or(usize::MAX)
                });
            }
        }
    }

    fn handle(
        &self,
        command: CustomProfileFieldCommand,
        _ctx: &CommandContext,
    ) -> Result<Vec<CustomProfileFieldEvent>, CustomProfileFieldError> {
        let set = |field: CustomProfileField| {
            CustomProfileFieldEvent::CustomProfileFieldSet(Box::new(CustomProfileFieldSet {
                field,
            }))
        };
        match command {
            CustomProfileFieldCommand::Create(field) => {
                field.check()?;
                if self.get(&field.name).is_some() {
                    return Err(CustomProfileFieldError::Exists(field.name));
                }
                if self.fields.len() >= MAX_FIELDS {
                    return Err(CustomProfileFieldError::TooMany);
                }
                Ok(vec![set(field)])
            }
            CustomProfileFieldCommand::Replace(field) => {
                field.check()?;
                match self.get(&field.name) {
                    None => Err(CustomProfileFieldError::NotFound(field.name)),
                    Some(current) if *current == field => Ok(vec![]),
                    Some(_) => Ok(vec![set(field)]),
                }
            }
            CustomProfileFieldCommand::Delete { name } => match self.get(&name) {
                None => Err(CustomProfileFieldError::NotFound(name)),
                Some(_) => Ok(vec![CustomProfileFieldEvent::CustomProfileFieldDeleted(
                    CustomProfileFieldDeleted { name },
                )]),
            },
            CustomProfileFieldCommand::Reorder { names } => {
                let mut given = names.clone();
                given.sort();
                given.dedup();
                let mut have: Vec<_> = self.fields.iter().map(|f| f.name.clone()).collect();
                have.sort();
                if given.len() != names.len() || given != have {
                    return Err(CustomProfileFieldError::Invalid {
                        field: "names".into(),
                        reason: "every field's name, each once".into(),
                    });
                }
                Ok(vec![CustomProfileFieldEvent::CustomProfileFieldsReordered(
                    CustomProfileFieldsReordered { names },
                )])
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field(name: &str, field_type: FieldType, config: FieldConfig) -> CustomProfileField {
        CustomProfileField {
            name: name.into(),
            field_type,
            label: name.into(),
            description: None,
            required: true,
            config,
        }
    }

    #[test]
    fn values_are_judged_by_their_field() {
        let text = field(
            "nickname",
            FieldType::Text,
            FieldConfig {
                max_length: Some(5),
                ..Default::default()
            },
        );
        assert!(text.check_value(&json!("abc")).is_ok());
        assert!(text.check_value(&json!("abcdef")).is_err());
        assert!(text.check_value(&json!(3)).is_err());
        let date = field("birthdate", FieldType::Date, FieldConfig::default());
        assert!(date.check_value(&json!("1990-02-28")).is_ok());
        assert!(date.check_value(&json!("1990-13-01")).is_err());
        let regex = field(
            "employeeId",
            FieldType::Regex,
            FieldConfig {
                format: Some("E[0-9]{4}".into()),
                ..Default::default()
            },
        );
        assert!(regex.check_value(&json!("E1234")).is_ok());
        assert!(regex.check_value(&json!("xE1234")).is_err());
        let select = field(
            "team",
            FieldType::Select,
            FieldConfig {
                options: vec![SelectOption {
                    label: "Red".into(),
                    value: "red".into(),
                }],
                ..Default::default()
            },
        );
        assert!(select.check_value(&json!("red")).is_ok());
        assert!(select.check_value(&json!("blue")).is_err());
        let number = field(
            "age",
            FieldType::Number,
            FieldConfig {
                min_value: Some(13.0),
                ..Default::default()
            },
        );
        assert!(number.check_value(&json!(30)).is_ok());
        assert!(number.check_value(&json!("12")).is_err());
        let parts = vec![
            FieldPart {
                key: "givenName".into(),
                enabled: true,
            },
            FieldPart {
                key: "familyName".into(),
                enabled: false,
            },
        ];
        let full = field(
            "fullname",
            FieldType::Fullname,
            FieldConfig {
                parts,
                ..Default::default()
            },
        );
        assert!(full.check_value(&json!({"givenName": "Ada"})).is_ok());
        assert!(full
            .check_value(&json!({"familyName": "Lovelace"}))
            .is_err());
    }

    #[test]
    fn fields_are_created_once_checked_and_reordered_whole() {
        let ctx = CommandContext {
            now: crate::Timestamp::from_millis(0),
        };
        let mut fields = CustomProfileFields::default();
        for name in ["givenName", "team_size"] {
            let events = fields
                .handle(
                    CustomProfileFieldCommand::Create(field(
                        name,
                        FieldType::Text,
                        FieldConfig::default(),
                    )),
                    &ctx,
                )
                .unwrap();
            events.iter().for_each(|e| fields.apply(e));
        }
        assert_eq!(fields.fields[1].destination(), Destination::CustomData);
        assert_eq!(fields.fields[0].destination(), Destination::Profile);
        let again = fields.handle(
            CustomProfileFieldCommand::Create(field(
                "givenName",
                FieldType::Text,
                FieldConfig::default(),
            )),
            &ctx,
        );
        assert_eq!(
            again,
            Err(CustomProfileFieldError::Exists("givenName".into()))
        );
        let bad = fields.handle(
            CustomProfileFieldCommand::Create(field(
                "1bad",
                FieldType::Text,
                FieldConfig::default(),
            )),
            &ctx,
        );
        assert!(
            matches!(bad, Err(CustomProfileFieldError::Invalid { field, .. }) if field == "name")
        );
        let address = fields.handle(
            CustomProfileFieldCommand::Create(field(
                "address",
                FieldType::Text,
                FieldConfig::default(),
            )),
            &ctx,
        );
        assert!(
            matches!(address, Err(CustomProfileFieldError::Invalid { field, .. }) if field == "type")
        );
        let partial = fields.handle(
            CustomProfileFieldCommand::Reorder {
                names: vec!["team_size".into()],
            },
            &ctx,
        );
        assert!(partial.is_err());
        let events = fields
            .handle(
                CustomProfileFieldCommand::Reorder {
                    names: vec!["team_size".into(), "givenName".into()],
                },
                &ctx,
            )
            .unwrap();
        events.iter().for_each(|e| fields.apply(e));
        assert_eq!(fields.fields[0].name, "team_size");
    }
}
