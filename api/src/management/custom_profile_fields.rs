//! Logto's custom profile fields (Management API, Logto 1.31): what registration asks a
//! new user on its last step. `GET/POST /api/custom-profile-fields`,
//! `GET/PUT/DELETE /api/custom-profile-fields/{name}`, and
//! `POST /api/custom-profile-fields/properties/sie-order` (their order on the page).
//! Event-sourced (`domain::custom_profile_fields`); a field's `id` is its name, which is
//! unique and what the routes address.

use crate::state::AppState;
use crate::support::error::ApiError;
use crate::support::request::RequestContext;
use actix_web::{web, HttpResponse};
use app::custom_profile_fields::{change, list};
use app::AppError;
use domain::custom_profile_fields::{CustomProfileField, CustomProfileFieldCommand};
use serde::Deserialize;
use serde_json::{json, Value};

pub fn configure(routes: &mut crate::guard::access::Routes) {
    let na = || web::to(crate::support::error::method_not_allowed);
    routes
        .resource(
            web::resource("/api/custom-profile-fields")
                .route(web::get().to(list_fields))
                .route(web::post().to(create))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/custom-profile-fields/properties/sie-order")
                .route(web::post().to(reorder))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/custom-profile-fields/{name}")
                .route(web::get().to(get))
                .route(web::put().to(replace))
                .route(web::delete().to(delete))
                .default_service(na()),
        );
}

fn render(field: &CustomProfileField, order: usize) -> Value {
    let mut v = serde_json::to_value(field).unwrap_or_default();
    if let Value::Object(o) = &mut v {
        o.insert("tenantId".into(), json!("default"));
        o.insert("id".into(), json!(field.name));
        o.insert("sieOrder".into(), json!(order + 1));
    }
    v
}

fn render_all(fields: &[CustomProfileField]) -> Value {
    Value::Array(
        fields
            .iter()
            .enumerate()
            .map(|(i, f)| render(f, i))
            .collect(),
    )
}

fn rendered_one(fields: &[CustomProfileField], name: &str) -> Result<Value, ApiError> {
    fields
        .iter()
        .position(|f| f.name == name)
        .map(|i| render(&fields[i], i))
        .ok_or_else(|| not_found(name))
}

fn not_found(name: &str) -> ApiError {
    AppError::NotFound {
        code: "custom_profile_fields.entity_not_exists_with_name",
        message: format!("No profile field is named `{name}`."),
    }
    .into()
}

/// A field from a JSON body; `name` from the path when given (PUT).
fn parse_field(body: &[u8], name: Option<&str>) -> Result<CustomProfileField, ApiError> {
    crate::support::body::refuse_nul(body)?;
    let mut object: serde_json::Map<String, Value> =
        serde_json::from_slice(body).map_err(ApiError::json_body)?;
    if let Some(name) = name {
        match object.get("name") {
            Some(Value::String(n)) if n != name => {
                return Err(ApiError::invalid_body("name: differs from the path"))
            }
            _ => {
                object.insert("name".into(), json!(name));
            }
        }
    }
    for key in object.keys() {
        if !["name", "type", "label", "description", "required", "config"].contains(&key.as_str()) {
            return Err(ApiError::invalid_body(format!(
                "{key}: not supported (name, type, label, description, required, config)"
            )));
        }
    }
    serde_json::from_value(Value::Object(object)).map_err(|e| ApiError::invalid_body(e.to_string()))
}

#[utoipa::path(
    get,
    path = "/api/custom-profile-fields",
    tag = "Custom profile fields",
    operation_id = "ListCustomProfileFields",
    responses((status = 200, description = "The fields in registration order", body = Vec<crate::openapi::schemas::CustomProfileField>))
)]
async fn list_fields(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let fields = list(&state).await.map_err(AppError::from)?;
    Ok(HttpResponse::Ok().json(render_all(&fields)))
}

#[utoipa::path(
    post,
    path = "/api/custom-profile-fields",
    tag = "Custom profile fields",
    operation_id = "CreateCustomProfileField",
    request_body = crate::openapi::schemas::CustomProfileField,
    responses(
        (status = 201, description = "Created, last in the order", body = crate::openapi::schemas::CustomProfileField),
        (status = 400, description = "Invalid field (`guard.invalid_input`, `details` names the field)", body = crate::support::error::ErrorBody),
        (status = 422, description = "The name is taken (`custom_profile_fields.name_exists`) or there are too many", body = crate::support::error::ErrorBody)
    )
)]
async fn create(
    state: web::Data<AppState>,
    request: RequestContext,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let field = parse_field(&body, None)?;
    let name = field.name.clone();
    let (fields, _) = change(&state, &request, CustomProfileFieldCommand::Create(field)).await?;
    Ok(HttpResponse::Created().json(rendered_one(&fields, &name)?))
}

#[utoipa::path(
    get,
    path = "/api/custom-profile-fields/{name}",
    tag = "Custom profile fields",
    operation_id = "GetCustomProfileFieldByName",
    params(("name" = String, Path, description = "The field's name")),
    responses(
        (status = 200, description = "The field", body = crate::openapi::schemas::CustomProfileField),
        (status = 404, description = "No such field", body = crate::support::error::ErrorBody)
    )
)]
async fn get(
    state: web::Data<AppState>,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let fields = list(&state).await.map_err(AppError::from)?;
    Ok(HttpResponse::Ok().json(rendered_one(&fields, &name)?))
}

#[utoipa::path(
    put,
    path = "/api/custom-profile-fields/{name}",
    tag = "Custom profile fields",
    operation_id = "UpdateCustomProfileFieldByName",
    params(("name" = String, Path, description = "The field's name")),
    request_body = crate::openapi::schemas::CustomProfileField,
    responses(
        (status = 200, description = "Replaced (same place in the order)", body = crate::openapi::schemas::CustomProfileField),
        (status = 400, description = "Invalid field", body = crate::support::error::ErrorBody),
        (status = 404, description = "No such field", body = crate::support::error::ErrorBody)
    )
)]
async fn replace(
    state: web::Data<AppState>,
    request: RequestContext,
    name: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let field = parse_field(&body, Some(&name))?;
    let (fields, _) = change(&state, &request, CustomProfileFieldCommand::Replace(field)).await?;
    Ok(HttpResponse::Ok().json(rendered_one(&fields, &name)?))
}

#[utoipa::path(
    delete,
    path = "/api/custom-profile-fields/{name}",
    tag = "Custom profile fields",
    operation_id = "DeleteCustomProfileFieldByName",
    params(("name" = String, Path, description = "The field's name")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such field", body = crate::support::error::ErrorBody)
    )
)]
async fn delete(
    state: web::Data<AppState>,
    request: RequestContext,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let command = CustomProfileFieldCommand::Delete {
        name: name.into_inner(),
    };
    change(&state, &request, command).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct OrderBody {
    order: Vec<OrderEntry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct OrderEntry {
    name: String,
    sie_order: i64,
}

#[utoipa::path(
    post,
    path = "/api/custom-profile-fields/properties/sie-order",
    tag = "Custom profile fields",
    operation_id = "UpdateCustomProfileFieldsSieOrder",
    request_body = crate::openapi::schemas::CustomProfileFieldsOrder,
    responses(
        (status = 200, description = "The fields in their new order", body = Vec<crate::openapi::schemas::CustomProfileField>),
        (status = 400, description = "Not every field, each once (`guard.invalid_input`)", body = crate::support::error::ErrorBody)
    )
)]
async fn reorder(
    state: web::Data<AppState>,
    request: RequestContext,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    crate::support::body::refuse_nul(&body)?;
    let mut body: OrderBody = serde_json::from_slice(&body).map_err(ApiError::json_body)?;
    body.order.sort_by_key(|e| e.sie_order);
    let names = body.order.into_iter().map(|e| e.name).collect();
    let (fields, _) = change(
        &state,
        &request,
        CustomProfileFieldCommand::Reorder { names },
    )
    .await?;
    Ok(HttpResponse::Ok().json(render_all(&fields)))
}
