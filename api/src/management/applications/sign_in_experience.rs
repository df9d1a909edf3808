//! `GET`/`PUT /api/applications/{id}/sign-in-experience` (Logto's
//! Get/ReplaceApplicationSignInExperience): the application's own colours, branding,
//! custom CSS, display name and terms links, worn by the hosted pages of its sign-ins
//! instead of the sign-in experience's (docs/logto/sign-in.md#sign-in-experience-settings).
//! Event-sourced per application (`ApplicationSignInExperience`).

use super::read;
use crate::state::AppState;
use crate::support::body::json_object;
use crate::support::error::ApiError;
use crate::support::path_id::{Application, Id};
use crate::support::request::RequestContext;
use actix_web::{web, HttpResponse};
use app::transact::{transact, Tx};
use app::AppError;
use domain::app_sign_in_experience::{
    ApplicationSignInExperience, ApplicationSignInExperienceSettings,
    SetApplicationSignInExperience,
};
use domain::sign_in_experience::SignInExperienceError;
use serde_json::{json, Value};

const FIELDS: &[&str] = &[
    "color",
    "branding",
    "customCss",
    "displayName",
    "termsOfUseUrl",
    "privacyPolicyUrl",
];

fn render(id: &str, settings: &ApplicationSignInExperienceSettings) -> Value {
    json!({
        "tenantId": projections::TENANT_ID,
        "applicationId": id,
        "color": settings.color,
        "branding": settings.branding,
        "customCss": settings.custom_css,
        "displayName": settings.display_name,
        "termsOfUseUrl": settings.terms_of_use_url,
        "privacyPolicyUrl": settings.privacy_policy_url,
    })
}

#[utoipa::path(
    get,
    path = "/api/applications/{applicationId}/sign-in-experience",
    tag = "Applications",
    operation_id = "GetApplicationSignInExperience",
    params(
        ("applicationId" = String, Path, description = "Application id")
    ),
    responses(
        (status = 200, description = "The application's own look", body = crate::openapi::schemas::ApplicationSignInExperience),
        (status = 404, description = "No such application, or it has no look of its own", body = crate::support::error::ErrorBody)
    )
)]
pub(super) async fn get(
    state: web::Data<AppState>,
    id: Id<Application>,
) -> Result<HttpResponse, ApiError> {
    read(&state, &id, None).await?;
    match app::sign_in_experience::for_application(&state, &id).await? {
        Some(settings) => Ok(HttpResponse::Ok().json(render(&id, &settings))),
        None => Err(AppError::NotFound {
            code: "entity.not_found",
            message: "The application has no sign-in experience of its own.".into(),
        }
        .into()),
    }
}

#[utoipa::path(
    put,
    path = "/api/applications/{applicationId}/sign-in-experience",
    tag = "Applications",
    operation_id = "ReplaceApplicationSignInExperience",
    params(
        ("applicationId" = String, Path, description = "Application id")
    ),
    request_body = crate::openapi::schemas::ReplaceApplicationSignInExperience,
    responses(
        (status = 200, description = "Replaced", body = crate::openapi::schemas::ApplicationSignInExperience),
        (status = 201, description = "Set for the first time", body = crate::openapi::schemas::ApplicationSignInExperience),
        crate::openapi::responses::InvalidInput,
        crate::openapi::responses::ApplicationNotFound
    )
)]
pub(super) async fn put(
    state: web::Data<AppState>,
    request: RequestContext,
    id: Id<Application>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let mut body = json_object(payload).await?;
    let keys: Vec<String> = body.keys().cloned().collect();
    for key in keys.iter().filter(|k| !FIELDS.contains(&k.as_str())) {
        body.issue(key, "not a field of an application's sign-in experience");
    }
    // Logto requires both links (each may be null).
    for key in ["termsOfUseUrl", "privacyPolicyUrl"] {
        if !body.has(key) {
            body.issue(key, "required (null for none)");
        }
    }
    let settings = ApplicationSignInExperienceSettings {
        color: body.typed("color").unwrap_or_default(),
        branding: body.typed("branding").unwrap_or_default(),
        custom_css: body.string("customCss"),
        display_name: body.string("displayName"),
        terms_of_use_url: body.string("termsOfUseUrl"),
        privacy_policy_url: body.string("privacyPolicyUrl"),
    };
    body.finish()?;
    read(&state, &id, None).await?;
    let existed = app::sign_in_experience::for_application(&state, &id)
        .await?
        .is_some();
    let settings = &settings;
    let stream = id.as_str();
    transact(&state, &request, |mut tx: Tx<ApiError>| async move {
        let command = SetApplicationSignInExperience {
            settings: settings.clone(),
        };
        tx.run::<ApplicationSignInExperience>(stream, vec![command], |e| match e {
            SignInExperienceError::Invalid { .. } => ApiError::invalid_body(e.to_string()),
            other => ApiError::internal(other),
        })
        .await?;
        Ok((tx, ()))
    })
    .await?;
    let answer = render(&id, settings);
    Ok(if existed {
        HttpResponse::Ok().json(answer)
    } else {
        HttpResponse::Created().json(answer)
    })
}
