//! Logto's custom phrases (`/api/custom-phrases`): the operator's own wording for the
//! hosted pages, per language, laid over the phrase catalogue (`crate::i18n`).
//!
//! A translation is a JSON object of phrase keys (the catalogue's, listed by the public
//! `GET /api/.well-known/phrases`) to text; a nested object stands for dotted keys
//! (`{"a": {"b": "…"}}` is `a.b`), as in Logto's translation objects. Changes live in the
//! `CustomPhrases` aggregate and are read with `load_cached`, so every node's pages show
//! them on the next request.

use crate::state::AppState;
use crate::support::error::ApiError;
use crate::support::request::RequestContext;
use actix_web::{web, HttpResponse};
use domain::custom_phrases::Translation;
use serde_json::{json, Value};

pub fn configure(routes: &mut crate::guard::access::Routes) {
    routes
        .resource(
            web::resource("/api/custom-phrases")
                .route(web::get().to(list))
                .default_service(web::to(crate::support::error::method_not_allowed)),
        )
        .resource(
            web::resource("/api/custom-phrases/{languageTag}")
                .route(web::get().to(get))
                .route(web::put().to(put))
                .route(web::delete().to(delete))
                .default_service(web::to(crate::support::error::method_not_allowed)),
        );
}

/// Logto's record (one tenant here: `default`; the id is the language tag, which is
/// unique per tenant).
fn record(tag: &str, translation: &Translation) -> Value {
    json!({
        "tenantId": "default",
        "id": tag,
        "languageTag": tag,
        "translation": translation,
    })
}

#[utoipa::path(
    get,
    path = "/api/custom-phrases",
    tag = "Custom phrases",
    operation_id = "ListCustomPhrases",
    responses(
        (status = 200, description = "Every language's custom phrases", body = Vec<crate::openapi::schemas::CustomPhrase>)
    )
)]
async fn list(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let phrases = app::custom_phrases::current(&state).await?;
    let records: Vec<Value> = phrases
        .all()
        .iter()
        .map(|(tag, t)| record(tag, t))
        .collect();
    Ok(HttpResponse::Ok().json(records))
}

#[utoipa::path(
    get,
    path = "/api/custom-phrases/{languageTag}",
    tag = "Custom phrases",
    operation_id = "GetCustomPhrase",
    params(("languageTag" = String, Path, description = "A language tag such as `fr` or `zh-CN`")),
    responses(
        (status = 200, description = "The language's custom phrases", body = crate::openapi::schemas::CustomPhrase),
        (status = 404, description = "No custom phrases for this language (`entity.not_found`)", body = crate::support::error::ErrorBody)
    )
)]
async fn get(state: web::Data<AppState>, tag: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let phrases = app::custom_phrases::current(&state).await?;
    let (tag, translation) = phrases
        .get(&tag)
        .ok_or_else(app::custom_phrases::not_found)?;
    Ok(HttpResponse::Ok().json(record(tag, translation)))
}

#[utoipa::path(
    put,
    path = "/api/custom-phrases/{languageTag}",
    tag = "Custom phrases",
    operation_id = "UpsertCustomPhrase",
    params(("languageTag" = String, Path, description = "A language tag such as `fr` or `zh-CN`")),
    request_body(content = Object, description = "The translation: phrase keys (see `GET /api/.well-known/phrases`) to text; nested objects stand for dotted keys"),
    responses(
        (status = 200, description = "The language's custom phrases as stored", body = crate::openapi::schemas::CustomPhrase),
        crate::openapi::responses::InvalidInput
    )
)]
async fn put(
    state: web::Data<AppState>,
    request: RequestContext,
    tag: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let value: Value = serde_json::from_slice(&body).map_err(ApiError::json_body)?;
    let mut translation = Translation::new();
    flatten("", &value, &mut translation)?;
    let (tag, translation) =
        app::custom_phrases::set(&state, &request, &tag, translation, crate::i18n::is_key).await?;
    Ok(HttpResponse::Ok().json(record(&tag, &translation)))
}

/// A translation object as dotted keys; anything but objects and strings is refused by
/// the name of the field that holds it.
fn flatten(prefix: &str, value: &Value, out: &mut Translation) -> Result<(), ApiError> {
    let Value::Object(map) = value else {
        let field = if prefix.is_empty() {
            "translation".to_owned()
        } else {
            format!("translation.{prefix}")
        };
        return Err(ApiError::invalid_body(format!(
            "{field}: expected an object of phrase keys to text"
        )));
    };
    for (key, value) in map {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            Value::String(text) => {
                out.insert(path, text.clone());
            }
            Value::Object(_) => flatten(&path, value, out)?,
            _ => {
                return Err(ApiError::invalid_body(format!(
                    "translation.{path}: expected text"
                )))
            }
        }
    }
    Ok(())
}

#[utoipa::path(
    delete,
    path = "/api/custom-phrases/{languageTag}",
    tag = "Custom phrases",
    operation_id = "DeleteCustomPhrase",
    params(("languageTag" = String, Path, description = "A language tag such as `fr` or `zh-CN`")),
    responses(
        (status = 204, description = "Deleted: the catalogue's phrases show again"),
        (status = 404, description = "No custom phrases for this language (`entity.not_found`)", body = crate::support::error::ErrorBody)
    )
)]
async fn delete(
    state: web::Data<AppState>,
    request: RequestContext,
    tag: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    app::custom_phrases::delete(&state, &request, &tag).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_objects_are_dotted_keys_and_other_values_are_refused_by_name() {
        let mut out = Translation::new();
        flatten("", &json!({"a": {"b": "x"}, "c": "y"}), &mut out).unwrap();
        assert_eq!(out.get("a.b").map(String::as_str), Some("x"));
        assert_eq!(out.get("c").map(String::as_str), Some("y"));
        let e = flatten("", &json!({"a": {"b": 1}}), &mut Translation::new()).unwrap_err();
        assert!(e.to_string().contains("translation.a.b"), "{e}");
        let e = flatten("", &json!(["x"]), &mut Translation::new()).unwrap_err();
        assert!(e.to_string().contains("translation"), "{e}");
    }
}
