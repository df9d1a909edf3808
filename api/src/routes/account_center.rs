//! `GET`/`PATCH /api/account-center` (Logto's account-center settings, Management API)
//! and the gates the Account API applies with them. Event-sourced in the `AccountCenter`
//! aggregate; read per request with `load_cached` (the events this process has not seen),
//! so a change applies at once on every node. Default: disabled, every field `Off`
//! (see `domain::account_center`).

use crate::error::ApiError;
use crate::request::RequestContext;
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use app::transact::{transact, Tx};
use domain::account_center::{AccountCenter, Permission, UpdateAccountCenter, STREAM_ID};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

pub fn configure(routes: &mut crate::access::Routes) {
    routes.resource(
        web::resource("/api/account-center")
            .route(web::get().to(get))
            .route(web::patch().to(patch))
            .default_service(web::to(super::method_not_allowed)),
    );
}

pub async fn current(state: &AppState) -> Result<AccountCenter, ApiError> {
    Ok(state
        .store
        .repository()
        .load_cached::<AccountCenter>(STREAM_ID)
        .await?
        .aggregate)
}

/// The settings, or 400 `account_center.not_enabled` while the Account API is off.
pub async fn enabled(state: &AppState) -> Result<AccountCenter, ApiError> {
    let center = current(state).await?;
    if !center.enabled {
        return Err(ApiError::BadRequest {
            code: "account_center.not_enabled",
            message: "The account center is not enabled.".into(),
        });
    }
    Ok(center)
}

/// 400 `account_center.field_not_enabled` unless `field` is readable.
pub fn readable(center: &AccountCenter, field: &'static str) -> Result<(), ApiError> {
    match center.field(field) {
        Permission::Off => Err(ApiError::BadRequest {
            code: "account_center.field_not_enabled",
            message: format!("The field `{field}` is not enabled."),
        }),
        _ => Ok(()),
    }
}

/// 400 `account_center.field_not_enabled`/`field_not_editable` unless `field` is `Edit`.
pub fn editable(center: &AccountCenter, field: &'static str) -> Result<(), ApiError> {
    readable(center, field)?;
    match center.field(field) {
        Permission::Edit => Ok(()),
        _ => Err(ApiError::BadRequest {
            code: "account_center.field_not_editable",
            message: format!("The field `{field}` is not editable."),
        }),
    }
}

fn render(center: &AccountCenter) -> Value {
    json!({
        "tenantId": "default",
        "id": STREAM_ID,
        "enabled": center.enabled,
        "fields": center.fields(),
        "webauthnRelatedOrigins": [],
        "deleteAccountUrl": null,
        "customCss": null,
        "profileFields": [],
    })
}

#[utoipa::path(
    get,
    path = "/api/account-center",
    tag = "Account center",
    operation_id = "GetAccountCenterSettings",
    responses(
        (status = 200, description = "The settings", body = crate::openapi::schemas::AccountCenter)
    )
)]
async fn get(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(render(&current(&state).await?)))
}

fn parse(body: &[u8]) -> Result<UpdateAccountCenter, ApiError> {
    crate::routes::input::refuse_nul(body)?;
    let object: Map<String, Value> = serde_json::from_slice(body).map_err(ApiError::json_body)?;
    let mut update = UpdateAccountCenter {
        enabled: None,
        fields: BTreeMap::new(),
    };
    for (key, value) in &object {
        match key.as_str() {
            "enabled" => {
                update.enabled = Some(
                    value
                        .as_bool()
                        .ok_or_else(|| ApiError::invalid_body("enabled: expected a boolean"))?,
                )
            }
            "fields" => {
                let fields = value
                    .as_object()
                    .ok_or_else(|| ApiError::invalid_body("fields: expected an object"))?;
                for (field, permission) in fields {
                    let p = permission
                        .as_str()
                        .and_then(Permission::parse)
                        .ok_or_else(|| {
                            ApiError::invalid_body(format!(
                                "fields.{field}: expected Off, ReadOnly or Edit"
                            ))
                        })?;
                    update.fields.insert(field.clone(), p);
                }
            }
            other => {
                return Err(ApiError::invalid_body(format!(
                    "{other}: not supported (enabled, fields)"
                )))
            }
        }
    }
    Ok(update)
}

#[utoipa::path(
    patch,
    path = "/api/account-center",
    tag = "Account center",
    operation_id = "UpdateAccountCenterSettings",
    request_body = crate::openapi::schemas::UpdateAccountCenter,
    responses(
        (status = 200, description = "The settings", body = crate::openapi::schemas::AccountCenter),
        (status = 400, description = "Invalid body (`guard.invalid_input`, `details` names the field)", body = crate::error::ErrorBody)
    )
)]
async fn patch(
    state: web::Data<AppState>,
    request: RequestContext,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let update = parse(&body)?;
    let update = &update;
    transact(&state, &request, |mut tx: Tx<ApiError>| async move {
        let command = UpdateAccountCenter {
            enabled: update.enabled,
            fields: update.fields.clone(),
        };
        tx.run::<AccountCenter>(STREAM_ID, vec![command], |e| {
            ApiError::invalid_body(e.to_string())
        })
        .await?;
        Ok((tx, ()))
    })
    .await?;
    Ok(HttpResponse::Ok().json(render(&current(&state).await?)))
}
