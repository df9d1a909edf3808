//! `GET`/`PATCH /api/account-center` (Logto's account-center settings, Management API)
//! (the gates the Account API applies with them are `app::account_center`). Event-sourced in the `AccountCenter`
//! aggregate; read per request with `load_cached` (the events this process has not seen),
//! so a change applies at once on every node. Default: disabled, every field `Off`
//! (see `domain::account_center`).

use crate::state::AppState;
use crate::support::error::ApiError;
use crate::support::request::RequestContext;
use actix_web::{web, HttpResponse};
use app::transact::{transact, Tx};
use domain::account_center::{AccountCenter, Permission, UpdateAccountCenter, STREAM_ID};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

pub fn configure(routes: &mut crate::guard::access::Routes) {
    routes.resource(
        web::resource("/api/account-center")
            .route(web::get().to(get))
            .route(web::patch().to(patch))
            .default_service(web::to(crate::support::error::method_not_allowed)),
    );
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
    Ok(HttpResponse::Ok().json(render(&app::account_center::current(&state).await?)))
}

fn parse(body: &[u8]) -> Result<UpdateAccountCenter, ApiError> {
    crate::support::body::refuse_nul(body)?;
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
        (status = 400, description = "Invalid body (`guard.invalid_input`, `details` names the field)", body = crate::support::error::ErrorBody)
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
    Ok(HttpResponse::Ok().json(render(&app::account_center::current(&state).await?)))
}
