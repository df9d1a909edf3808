//! Experience API profile: the password a code-verified registration sets
//! (`POST /api/experience/profile {type: "password"}`), and the new password of a
//! `ForgotPassword` interaction (`PUT /api/experience/profile/password`), set when the
//! interaction is submitted. Both are checked against the password policy in force and
//! kept hashed in the sealed cookie, never in plain text.

use super::{experience, interaction, parse, refuse, with_cookie, Answer, ExperienceError};
use crate::signin::check_new_password;
use crate::signin::interaction::Experience;
use crate::state::AppState;
use crate::support::request::RequestContext;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use domain::password::policy::UserInfo;
use domain::password::{verify_password, PasswordDigest};
use domain::user::User;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct ProfileBody {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    value: Option<String>,
    #[serde(default)]
    values: Option<serde_json::Map<String, serde_json::Value>>,
}

#[derive(Deserialize)]
pub struct PasswordBody {
    password: String,
}

/// `password` checked against the policy (with what the user's profile holds) and hashed.
async fn new_digest(
    state: &AppState,
    password: &str,
    user: &UserInfo<'_>,
) -> Result<PasswordDigest, ExperienceError> {
    check_new_password(state, password, user).await?;
    Ok(app::commands::users::hash(state, password.to_owned()).await?)
}

#[utoipa::path(
    post,
    path = "/api/experience/profile",
    params(crate::signin::interactions::AppIdQuery),
    tag = "Experience",
    operation_id = "AddUserProfile",
    request_body = crate::openapi::oidc_schemas::ExperienceProfile,
    responses(
        (status = 204, description = "Kept for the registration"),
        (status = 400, description = "Invalid body, no interaction, a type other than `password` or `extraProfile`, a value its profile field refuses (`details`: `values.<name>: why`), or a `ForgotPassword` interaction (`session.not_supported_for_forgot_password`)", body = crate::support::error::ErrorBody),
        (status = 422, description = "Password refused by the policy (`password.rejected`, the issues in `data.issues`)", body = crate::support::error::ErrorBody),
        crate::openapi::responses::HashingBusy
    )
)]
pub(super) async fn add(state: web::Data<AppState>, req: HttpRequest, raw: web::Bytes) -> Answer {
    let body: ProfileBody = parse(&raw)?;
    let mut i = interaction(&state, &req)?;
    if experience(&mut i)?.event == "ForgotPassword" {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "session.not_supported_for_forgot_password",
            "A ForgotPassword interaction sets its password with PUT /api/experience/profile/password.",
        ));
    }
    if let ("extraProfile", Some(values)) = (body.kind.as_str(), &body.values) {
        let fields = app::custom_profile_fields::list(&state)
            .await
            .map_err(app::AppError::from)?;
        app::custom_profile_fields::check_values(&fields, values)?;
        let e = experience(&mut i)?;
        for (k, v) in values {
            e.extra_profile.insert(k.clone(), v.clone());
        }
        return with_cookie(&state, &i, HttpResponse::NoContent(), None);
    }
    let (Some(password), "password") = (body.value, body.kind.as_str()) else {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "guard.invalid_input",
            "type: `password` with a `value`, or `extraProfile` with `values`",
        ));
    };
    let digest = new_digest(&state, &password, &UserInfo::default()).await?;
    experience(&mut i)?.new_password = Some(digest);
    with_cookie(&state, &i, HttpResponse::NoContent(), None)
}

#[utoipa::path(
    put,
    path = "/api/experience/profile/password",
    params(crate::signin::interactions::AppIdQuery),
    tag = "Experience",
    operation_id = "ResetUserPassword",
    request_body = crate::openapi::schemas::UserPassword,
    responses(
        (status = 204, description = "The new password is kept; `submit` sets it"),
        (status = 400, description = "Invalid body, no interaction, or not a `ForgotPassword` interaction (`session.invalid_interaction_type`)", body = crate::support::error::ErrorBody),
        (status = 404, description = "No user identified yet (`session.identifier_not_found`)", body = crate::support::error::ErrorBody),
        (status = 422, description = "Refused by the password policy (`password.rejected`) or the same as the current password (`user.same_password`)", body = crate::support::error::ErrorBody),
        crate::openapi::responses::HashingBusy
    )
)]
pub(super) async fn reset_password(
    state: web::Data<AppState>,
    req: HttpRequest,
    raw: web::Bytes,
) -> Answer {
    let body: PasswordBody = parse(&raw)?;
    let mut i = interaction(&state, &req)?;
    let e = experience(&mut i)?;
    if e.event != "ForgotPassword" {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "session.invalid_interaction_type",
            "Only a ForgotPassword interaction resets a password.",
        ));
    }
    let Some(user_id) = e.identified.clone() else {
        return Err(refuse(
            StatusCode::NOT_FOUND,
            "session.identifier_not_found",
            "Verify a code sent to the account's email or phone first.",
        ));
    };
    let user = state
        .store
        .repository()
        .load::<User>(&user_id)
        .await
        .map_err(app::AppError::from)?
        .aggregate;
    let Some(current) = user.state() else {
        return Err(refuse(
            StatusCode::NOT_FOUND,
            "session.identifier_not_found",
            "The account no longer exists.",
        ));
    };
    let details = &current.details;
    let info = UserInfo {
        username: details.username.as_deref(),
        email: details.primary_email.as_deref(),
        phone: details.primary_phone.as_deref(),
        name: details.name.as_deref(),
    };
    let digest = new_digest(&state, &body.password, &info).await?;
    if is_current_password(&state, current.password.clone(), &body.password).await? {
        return Err(refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "user.same_password",
            "The new password is the same as the current one. Choose another.",
        ));
    }
    experience(&mut i)?.new_password = Some(digest);
    with_cookie(&state, &i, HttpResponse::NoContent(), None)
}

/// Whether `plain` is the password the user already has (`current`): a reset must change
/// it (Logto's `user.same_password`; the Experience API and the hosted page both refuse).
pub(crate) async fn is_current_password(
    state: &AppState,
    current: Option<PasswordDigest>,
    plain: &str,
) -> Result<bool, app::AppError> {
    let Some(old) = current else {
        return Ok(false);
    };
    let plain = plain.to_owned();
    Ok(state
        .sign_in
        .hasher
        .run(move || verify_password(&plain, &old))
        .await?)
}

/// `submit` of a `ForgotPassword` interaction: sets the new password
/// (`UserPasswordSet`), then starts the interaction over as `SignIn` with nothing
/// verified, so the user signs in with the new password.
pub(super) async fn finish_reset(
    state: &AppState,
    request: &RequestContext,
    e: &mut Experience,
    user_id: &str,
) -> Result<(), ExperienceError> {
    let Some(digest) = e.new_password.clone() else {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "session.password_not_set",
            "Set the new password with PUT /api/experience/profile/password first.",
        ));
    };
    let request = request.0.acting_as(domain::Actor::User(user_id.to_owned()));
    app::commands::users::update::set_password_digest(state, &request, user_id, digest).await?;
    *e = Experience {
        event: "SignIn".into(),
        verifications: vec![],
        identified: None,
        submitted: false,
        new_password: None,
        extra_profile: Default::default(),
        mfa: Default::default(),
    };
    Ok(())
}

/// What a registration adds from the profile fields: refused (422 `user.missing_profile`,
/// the names in `data.missingProfile`) while a required field is empty; else the values
/// routed onto the new user's details and custom data.
pub(crate) async fn apply_extra_profile(
    state: &AppState,
    values: &serde_json::Map<String, serde_json::Value>,
    details: &mut domain::user::UserDetailsFields,
    custom_data: &mut serde_json::Map<String, serde_json::Value>,
) -> Result<(), ExperienceError> {
    let fields = app::custom_profile_fields::list(state)
        .await
        .map_err(app::AppError::from)?;
    let missing = app::custom_profile_fields::missing(&fields, values);
    if !missing.is_empty() {
        return Err(refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "user.missing_profile",
            "Fill in the required profile fields (POST /api/experience/profile with extraProfile).",
        )
        .with_data(serde_json::json!({ "missingProfile": missing })));
    }
    app::custom_profile_fields::apply(&fields, values, details, custom_data);
    Ok(())
}

/// Creates the account a registration ends in, with what the profile fields add (once
/// every required one is filled), through the users command service under the
/// registration `Permit`: the one place the Experience API creates a user, and only
/// while registration is open.
pub(crate) async fn create_account(
    state: &AppState,
    request: &RequestContext,
    client_id: &str,
    mut fields: domain::user::UserDetailsFields,
    password: Option<PasswordDigest>,
    extra: &serde_json::Map<String, serde_json::Value>,
) -> Result<String, ExperienceError> {
    use app::commands::users::{create_user, CreateUser, Origin, PasswordInput};
    let permit = app::registration::permit(state).await?;
    let mut custom_data = serde_json::Map::new();
    apply_extra_profile(state, extra, &mut fields, &mut custom_data).await?;
    let details = domain::user::UserDetails::new(fields).map_err(|err| {
        refuse(
            StatusCode::BAD_REQUEST,
            "guard.invalid_input",
            err.to_string(),
        )
    })?;
    let input = CreateUser {
        details,
        custom_data,
        password: password.map(PasswordInput::Digest),
        origin: Origin::SelfService {
            application_id: client_id.to_owned(),
            permit,
        },
    };
    Ok(create_user(state, input, request).await?.id)
}
