//! `GET`/`PATCH /api/sign-in-exp` (Logto's GetSignInExp / UpdateSignInExp): the sign-in
//! experience settings (docs/logto/sign-in.md#sign-in-experience-settings). Event-sourced
//! in the `SignInExperience` aggregate; every sign-in and registration path reads them
//! per request (`app::sign_in_experience`), so a change applies on every node at once.
//!
//! A PATCH replaces each top-level setting it names and keeps the others. A malformed
//! setting is 400 naming the field; a Logto setting Tessera does not implement yet
//! (social sign-in, custom UI assets, …) is 400 saying so, never stored and ignored.
//! `mfa` is Logto's, with the factors Tessera has (docs/mfa.md#policies).

use crate::state::AppState;
use crate::support::body::{json_object, Body};
use crate::support::error::ApiError;
use crate::support::request::RequestContext;
use crate::views::sign_in_experience::render;
use actix_web::{web, HttpResponse};
use app::transact::{transact, Tx};
use app::AppError;
use domain::mfa_policy::MfaSettingsError;
use domain::sign_in_experience::{
    ChangeSignInExperience, SignInExperience, SignInExperienceChanges, SignInExperienceError,
    STREAM_ID,
};

pub fn configure(routes: &mut crate::guard::access::Routes) {
    routes.resource(
        web::resource("/api/sign-in-exp")
            .route(web::get().to(get))
            .route(web::patch().to(patch))
            .default_service(web::to(crate::support::error::method_not_allowed)),
    );
}

/// The settings Tessera reads and stores.
const SUPPORTED: &[&str] = &[
    "color",
    "branding",
    "languageInfo",
    "termsOfUseUrl",
    "privacyPolicyUrl",
    "agreeToTermsPolicy",
    "signIn",
    "signUp",
    "signInMode",
    "customCss",
    "passwordPolicy",
    "sentinelPolicy",
    "supportEmail",
    "supportWebsiteUrl",
    "unknownSessionRedirectUrl",
    "mfa",
];

/// Read-only in Logto's answer (a PATCH may send them back unchanged).
const IDENTITY: &[&str] = &["tenantId", "id"];

fn parse(mut body: Body) -> Result<SignInExperienceChanges, ApiError> {
    let keys: Vec<String> = body.keys().cloned().collect();
    for key in &keys {
        if !SUPPORTED.contains(&key.as_str()) && !IDENTITY.contains(&key.as_str()) {
            body.issue(key, "not supported by this server");
        }
    }
    let changes = SignInExperienceChanges {
        color: body.typed("color"),
        branding: body.typed("branding"),
        language_info: body.typed("languageInfo"),
        terms_of_use_url: body.nullable_string("termsOfUseUrl"),
        privacy_policy_url: body.nullable_string("privacyPolicyUrl"),
        agree_to_terms_policy: body.value("agreeToTermsPolicy"),
        sign_in: body.typed("signIn"),
        sign_up: body.typed("signUp"),
        sign_in_mode: body.value("signInMode"),
        custom_css: body.nullable_string("customCss"),
        password_policy: body.typed("passwordPolicy"),
        sentinel_policy: body.typed("sentinelPolicy"),
        support_email: body.nullable_string("supportEmail"),
        support_website_url: body.nullable_string("supportWebsiteUrl"),
        unknown_session_redirect_url: body.nullable_string("unknownSessionRedirectUrl"),
        mfa: body.typed("mfa"),
    };
    // `null` for a setting that is an object or a choice is not a value it can take.
    for key in [
        "color",
        "branding",
        "languageInfo",
        "agreeToTermsPolicy",
        "signIn",
        "signUp",
        "signInMode",
        "passwordPolicy",
        "sentinelPolicy",
        "mfa",
    ] {
        if body.get(key).is_some_and(serde_json::Value::is_null) {
            body.issue(key, "must not be null");
        }
    }
    body.finish()?;
    Ok(changes)
}

/// Logto's answers for settings the rules refuse.
fn refusal(err: SignInExperienceError) -> ApiError {
    match err {
        SignInExperienceError::Invalid { .. } => ApiError::invalid_body(err.to_string()),
        SignInExperienceError::ConnectorNeeded(_) => AppError::BadRequest {
            code: "sign_in_experiences.enabled_connector_not_found",
            message: format!("{err}; verification codes cannot be sent yet."),
        }
        .into(),
        SignInExperienceError::SignUpIdentifierNotInSignIn(_) => AppError::BadRequest {
            code: "sign_in_experiences.miss_sign_up_identifier_in_sign_in",
            message: err.to_string(),
        }
        .into(),
        SignInExperienceError::Mfa(e) => mfa_refusal(e),
    }
}

/// Logto's codes for an `mfa` setting its rules refuse.
fn mfa_refusal(err: MfaSettingsError) -> ApiError {
    let message = err.to_string();
    match err {
        MfaSettingsError::Duplicated => AppError::BadRequest {
            code: "sign_in_experiences.duplicated_mfa_factors",
            message,
        },
        MfaSettingsError::BackupCodeAlone => AppError::BadRequest {
            code: "sign_in_experiences.backup_code_cannot_be_enabled_alone",
            message,
        },
        MfaSettingsError::Unsupported(_) => AppError::BadRequest {
            code: "session.mfa.mfa_factor_not_enabled",
            message,
        },
        MfaSettingsError::NeedsAdaptive(_) => AppError::Unprocessable {
            code: "sign_in_experiences.non_adaptive_mfa_requires_skippable_policy",
            message,
        },
    }
    .into()
}

#[utoipa::path(
    get,
    path = "/api/sign-in-exp",
    tag = "Sign-in experience",
    operation_id = "GetSignInExp",
    responses(
        (status = 200, description = "The settings in force", body = crate::openapi::schemas::SignInExperience)
    )
)]
async fn get(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let settings = app::sign_in_experience::current(&state).await?;
    Ok(HttpResponse::Ok().json(render(&settings)))
}

#[utoipa::path(
    patch,
    path = "/api/sign-in-exp",
    tag = "Sign-in experience",
    operation_id = "UpdateSignInExp",
    request_body = crate::openapi::schemas::UpdateSignInExperience,
    responses(
        (status = 200, description = "The settings after the change", body = crate::openapi::schemas::SignInExperience),
        (status = 400, description = "A malformed or unsupported setting (`guard.invalid_input`, `details` names the field), or one that needs a connector of a kind none is configured of (`sign_in_experiences.enabled_connector_not_found`); an `mfa` Logto refuses (`sign_in_experiences.duplicated_mfa_factors`, `sign_in_experiences.backup_code_cannot_be_enabled_alone`) or a factor Tessera lacks (`session.mfa.mfa_factor_not_enabled`)", body = crate::support::error::ErrorBody),
        (status = 422, description = "`mfa.policy` is one of adaptive MFA's non-skippable prompts, and adaptive MFA is off (`sign_in_experiences.non_adaptive_mfa_requires_skippable_policy`)", body = crate::support::error::ErrorBody)
    )
)]
async fn patch(
    state: web::Data<AppState>,
    request: RequestContext,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let changes = parse(json_object(payload).await?)?;
    let defaults = app::sign_in_experience::defaults(&state);
    let (changes, defaults) = (&changes, &defaults);
    transact(&state, &request, |mut tx: Tx<ApiError>| async move {
        // The connectors as of this attempt: settings that need a code are refused while
        // no connector of the identifier's kind is configured.
        let connectors = tx
            .peek::<domain::connector::Connectors>(domain::connector::STREAM_ID)
            .await?;
        let command = ChangeSignInExperience {
            defaults: defaults.clone(),
            changes: changes.clone(),
            channels: app::connectors::channels_of(&connectors),
        };
        tx.run::<SignInExperience>(STREAM_ID, vec![command], refusal)
            .await?;
        Ok((tx, ()))
    })
    .await?;
    let settings = app::sign_in_experience::current(&state).await?;
    Ok(HttpResponse::Ok().json(render(&settings)))
}
