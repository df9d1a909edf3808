//! The profile fields registration collects (`domain::custom_profile_fields`): read them
//! (cached, so a change applies on every node at once), change them, and judge what a
//! registering user submitted: unknown keys and bad values are refused naming the field,
//! required ones must be filled before the account is created, and each value is routed
//! to the user's name, OIDC profile or custom data.

use crate::request::RequestContext;
use crate::transact::{transact, Tx};
use crate::{AppContext, AppError};
use domain::custom_profile_fields::{
    CustomProfileField, CustomProfileFieldCommand, CustomProfileFieldError, CustomProfileFields,
    Destination, STREAM_ID,
};
use domain::user::UserDetailsFields;
use serde_json::{Map, Value};
use store::{Position, StoreError};

/// The fields in registration order.
pub async fn list(ctx: &AppContext) -> Result<Vec<CustomProfileField>, StoreError> {
    Ok(ctx
        .store
        .repository()
        .load_cached::<CustomProfileFields>(STREAM_ID)
        .await?
        .aggregate
        .fields)
}

fn refused(e: CustomProfileFieldError) -> AppError {
    match e {
        CustomProfileFieldError::Invalid { .. } => AppError::invalid_body(e.to_string()),
        CustomProfileFieldError::Exists(_) => AppError::Unprocessable {
            code: "custom_profile_fields.name_exists",
            message: e.to_string(),
        },
        CustomProfileFieldError::NotFound(_) => AppError::NotFound {
            code: "custom_profile_fields.entity_not_exists_with_name",
            message: e.to_string(),
        },
        CustomProfileFieldError::TooMany => AppError::Unprocessable {
            code: "custom_profile_fields.too_many",
            message: e.to_string(),
        },
    }
}

/// Applies `command`; the fields after it and where it was committed.
pub async fn change(
    ctx: &AppContext,
    request: &RequestContext,
    command: CustomProfileFieldCommand,
) -> Result<(Vec<CustomProfileField>, Option<Position>), AppError> {
    let command = &command;
    transact(ctx, request, |mut tx: Tx| async move {
        let after = tx
            .run::<CustomProfileFields>(STREAM_ID, vec![command.clone()], refused)
            .await?;
        Ok((tx, after.fields))
    })
    .await
}

/// Refuses a submission with a key that is no field or a value its field refuses.
pub fn check_values(
    fields: &[CustomProfileField],
    values: &Map<String, Value>,
) -> Result<(), AppError> {
    for (key, value) in values {
        let field = fields
            .iter()
            .find(|f| f.name == *key)
            .ok_or_else(|| AppError::invalid_body(format!("values.{key}: not a profile field")))?;
        if value.is_null() || (value.as_str().is_some_and(|s| s.trim().is_empty())) {
            continue;
        }
        field
            .check_value(value)
            .map_err(|why| AppError::invalid_body(format!("values.{key}: {why}")))?;
    }
    Ok(())
}

/// The required fields `values` leaves empty, in order.
pub fn missing(fields: &[CustomProfileField], values: &Map<String, Value>) -> Vec<String> {
    fields
        .iter()
        .filter(|f| f.required && !CustomProfileField::is_filled(values.get(&f.name)))
        .map(|f| f.name.clone())
        .collect()
}

/// Routes checked `values` onto a new user's details and custom data.
pub fn apply(
    fields: &[CustomProfileField],
    values: &Map<String, Value>,
    details: &mut UserDetailsFields,
    custom_data: &mut Map<String, Value>,
) {
    for field in fields {
        let Some(value) = values
            .get(&field.name)
            .filter(|v| CustomProfileField::is_filled(Some(v)))
        else {
            continue;
        };
        match field.destination() {
            Destination::Name => details.name = value.as_str().map(str::to_owned),
            Destination::Profile => {
                let profile = details.profile.get_or_insert_with(Map::new);
                match (field.name.as_str(), value) {
                    // `fullname` is its parts, each a profile key of its own.
                    ("fullname", Value::Object(parts)) => {
                        for (k, v) in parts {
                            profile.insert(k.clone(), v.clone());
                        }
                    }
                    (key, v) => {
                        profile.insert(key.to_owned(), stringly(v));
                    }
                }
            }
            Destination::CustomData => {
                custom_data.insert(field.name.clone(), value.clone());
            }
        }
    }
}

/// OIDC profile claims are strings (or the address object): a number typed into a
/// built-in text key is kept as its text.
fn stringly(v: &Value) -> Value {
    match v {
        Value::Number(n) => Value::String(n.to_string()),
        Value::Bool(b) => Value::String(b.to_string()),
        other => other.clone(),
    }
}
