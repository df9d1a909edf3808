//! Impersonation tokens in Logto's Management API shape (`CreateSubjectToken`):
//! `POST /api/subject-tokens {userId, context?}` → `201 {subjectToken, expiresIn}`. The
//! token is exchanged once, by an application allowed to exchange tokens, at the token
//! endpoint (docs/protocols/token-exchange.md); `app::subject_tokens` records it.

use crate::management::sessions::existing_user;
use crate::state::AppState;
use crate::support::error::ApiError;
use crate::support::request::RequestContext;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Map, Value};

pub fn configure(routes: &mut crate::guard::access::Routes) {
    let na = || web::to(crate::support::error::method_not_allowed);
    routes.resource(
        web::resource("/api/subject-tokens")
            .route(web::post().to(create))
            .default_service(na()),
    );
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateBody {
    user_id: String,
    #[serde(default)]
    context: Map<String, Value>,
}

#[utoipa::path(
    post,
    path = "/api/subject-tokens",
    tag = "Subject tokens",
    operation_id = "CreateSubjectToken",
    request_body = crate::openapi::schemas::CreateSubjectToken,
    responses(
        (status = 201, description = "The impersonation token (shown once), good for one token exchange within `expiresIn` seconds", body = crate::openapi::schemas::SubjectToken),
        crate::openapi::responses::InvalidInput,
        crate::openapi::responses::UserNotFound
    )
)]
pub(crate) async fn create(
    state: web::Data<AppState>,
    request: RequestContext,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let bytes = crate::support::body::read_bounded(payload).await?;
    crate::support::body::refuse_nul(&bytes)?;
    let body: CreateBody = serde_json::from_slice(&bytes).map_err(ApiError::json_body)?;
    existing_user(&state, &body.user_id).await?;
    let created =
        app::subject_tokens::create(&state, &request, &body.user_id, body.context).await?;
    Ok(HttpResponse::Created().json(json!({
        "subjectToken": created.subject_token,
        "expiresIn": created.expires_in,
    })))
}
