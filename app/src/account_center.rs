//! The account center settings (Logto's `/api/account-center`) as the Account API applies
//! them: whether it is on at all, and which fields an end user may read or edit.
//! Event-sourced in the `AccountCenter` aggregate and read per request with
//! `load_cached` (the events this process has not seen), so a change applies at once on
//! every node.

use crate::{AppContext, AppError};
use domain::account_center::{AccountCenter, Permission, STREAM_ID};

pub async fn current(ctx: &AppContext) -> Result<AccountCenter, AppError> {
    Ok(ctx
        .store
        .repository()
        .load_cached::<AccountCenter>(STREAM_ID)
        .await?
        .aggregate)
}

/// The settings, or 400 `account_center.not_enabled` while the Account API is off.
pub async fn enabled(ctx: &AppContext) -> Result<AccountCenter, AppError> {
    let center = current(ctx).await?;
    if !center.enabled {
        return Err(AppError::BadRequest {
            code: "account_center.not_enabled",
            message: "The account center is not enabled.".into(),
        });
    }
    Ok(center)
}

/// 400 `account_center.field_not_enabled` unless `field` is readable.
pub fn readable(center: &AccountCenter, field: &'static str) -> Result<(), AppError> {
    match center.field(field) {
        Permission::Off => Err(AppError::BadRequest {
            code: "account_center.field_not_enabled",
            message: format!("The field `{field}` is not enabled."),
        }),
        _ => Ok(()),
    }
}

/// 400 `account_center.field_not_enabled`/`field_not_editable` unless `field` is `Edit`.
pub fn editable(center: &AccountCenter, field: &'static str) -> Result<(), AppError> {
    readable(center, field)?;
    match center.field(field) {
        Permission::Edit => Ok(()),
        _ => Err(AppError::BadRequest {
            code: "account_center.field_not_editable",
            message: format!("The field `{field}` is not editable."),
        }),
    }
}
