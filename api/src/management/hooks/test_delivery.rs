//! `POST /api/hooks/{id}/test`: one signed delivery of a sample payload to the hook's
//! endpoint, answered with the receiver's status.

use super::{config, events};
use crate::state::AppState;
use crate::support::body::json_object;
use crate::support::error::ApiError;
use crate::support::path_id::{Hook, Id};
use actix_web::{web, HttpResponse};
use app::commands::hooks::{self as cmd};
use app::AppError;
use serde_json::json;
use webhooks::sender::Outgoing;

/// Sends a sample payload per event to the given config, synchronously, signed with the
/// hook's key. Nothing is recorded (Logto logs no test deliveries either).
#[utoipa::path(
    post,
    path = "/api/hooks/{id}/test",
    tag = "Hooks",
    operation_id = "CreateHookTest",
    params(
        ("id" = String, Path, description = "Hook id")
    ),
    request_body = crate::openapi::schemas::TestHook,
    responses(
        (status = 204, description = "The endpoint answered 2xx"),
        crate::openapi::responses::InvalidInput,
        crate::openapi::responses::HookNotFound,
        (status = 422, description = "The endpoint failed or answered an error (`hook.endpoint_responded_with_error`, `hook.send_test_payload_failed`)", body = crate::support::error::ErrorBody)
    )
)]
pub(super) async fn test(
    state: web::Data<AppState>,
    id: Id<Hook>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let mut body = json_object(payload).await?;
    let events = events(&mut body);
    if events.is_none() && !body.has("events") {
        body.issue("events", "required");
    }
    let (url, headers) = config(&mut body, true);
    body.finish()?;
    let (Some(events), Some(url)) = (events, url) else {
        return Err(ApiError::invalid_body("config.url: required"));
    };
    if let Some(unknown) = events
        .iter()
        .find(|e| !domain::hook::logto_events::is_known(e))
    {
        return Err(ApiError::invalid_body(format!(
            "events: unknown event {unknown:?}"
        )));
    }
    domain::hook::check_url(&url).map_err(cmd::hook_error(&id))?;
    cmd::check_url(&state, &url).await?;
    let hook = state
        .store
        .repository()
        .load::<domain::hook::Hook>(&id)
        .await?
        .aggregate;
    let Some(hook) = hook.state() else {
        return Err(AppError::NotExistsWithId {
            entity: "hook",
            id: id.to_string(),
        }
        .into());
    };
    let key = cmd::open_signing_key(&state, &id, &hook.sealed_signing_key)?;
    let headers = headers.unwrap_or_default();
    let now = state.clock.now().as_millis();
    for event in &events {
        let sample = webhooks::payload::sample(&id, event, now).to_string();
        let webhook_id = format!("test-{}", cmd::new_id(&state));
        let response = state
            .webhooks
            .send(&Outgoing {
                url: &url,
                headers: &headers,
                signing_key: &key,
                webhook_id: &webhook_id,
                body: &sample,
            })
            .await;
        match response.status {
            Some(_) if response.is_success() => {}
            Some(status) => {
                return Err(AppError::UnprocessableWith {
                    code: "hook.endpoint_responded_with_error",
                    message: "The endpoint responded with an error.".into(),
                    data: json!({
                        "responseStatus": status,
                        "responseBody": response.body_excerpt.unwrap_or_default(),
                    }),
                }
                .into())
            }
            None => {
                // One message whatever failed (refused address, DNS, connection, timeout):
                // the reason would tell the caller about the server's network.
                tracing::info!(hook = %id, error = %response.error.unwrap_or_default(), "test delivery failed");
                return Err(AppError::UnprocessableWith {
                    code: "hook.send_test_payload_failed",
                    message: "Failed to send the test payload.".into(),
                    data: json!({}),
                }
                .into());
            }
        }
    }
    Ok(HttpResponse::NoContent().finish())
}
