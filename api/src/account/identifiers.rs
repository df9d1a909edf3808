//! `POST/DELETE /api/my-account/primary-email` and `primary-phone` (Logto's
//! UpdatePrimaryEmail and friends): the caller changes their own email address or phone
//! number. Setting one needs two records: `logto-verification-id` proving it is the
//! caller (their password, `/api/verifications/password`), and
//! `newIdentifierVerificationRecordId` proving they receive codes at the new address
//! (`/api/verifications/verification-code/verify`). Removing one needs the first, and
//! is refused when it would leave the account with no identifier to sign in with.
//! From first-party applications only, with the account center's `email` / `phone` field
//! editable, through the same user command as the Management API (claims, events).

use crate::account::caller::{
    as_user, open_verification, require_first_party, require_verification, Purpose,
};
use crate::guard::end_user_token::authenticate;
use crate::state::AppState;
use crate::support::error::ApiError;
use crate::support::request::RequestContext;
use actix_web::{web, HttpRequest, HttpResponse};
use app::account_center::{editable, enabled};
use app::commands::users::update::{self, UserPatch};
use app::transact::settle;
use app::AppError;
use domain::identifier::{Identifier, IdentifierKind};
use domain::user::User;
use serde::Deserialize;

pub fn configure(routes: &mut crate::guard::access::Routes) {
    let na = || web::to(crate::support::error::method_not_allowed);
    routes
        .resource(
            web::resource("/api/my-account/primary-email")
                .route(web::post().to(set_email))
                .route(web::delete().to(remove_email))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/my-account/primary-phone")
                .route(web::post().to(set_phone))
                .route(web::delete().to(remove_phone))
                .default_service(na()),
        );
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SetBody {
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    phone: Option<String>,
    new_identifier_verification_record_id: String,
}

/// Which of the two the route is about.
#[derive(Clone, Copy)]
enum Field {
    Email,
    Phone,
}

impl Field {
    fn name(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Phone => "phone",
        }
    }

    fn kind(self) -> IdentifierKind {
        match self {
            Self::Email => IdentifierKind::Email,
            Self::Phone => IdentifierKind::Phone,
        }
    }

    fn patch(self, value: Option<String>) -> UserPatch {
        let mut patch = UserPatch::default();
        match self {
            Self::Email => patch.primary_email = Some(value),
            Self::Phone => patch.primary_phone = Some(value),
        }
        patch
    }
}

#[utoipa::path(
    post,
    path = "/api/my-account/primary-email",
    tag = "Account",
    operation_id = "UpdatePrimaryEmail",
    request_body = crate::openapi::schemas::PrimaryEmail,
    security(("accountApi" = [])),
    responses(
        (status = 204, description = "The primary email is set"),
        (status = 400, description = "Invalid body, or the new-identifier record does not prove this address (`verification_record.permission_denied`)", body = crate::support::error::ErrorBody),
        crate::openapi::responses::AccountUnauthorized,
        crate::openapi::responses::AccountForbidden,
        (status = 422, description = "Another account uses the address (`user.email_already_in_use`)", body = crate::support::error::ErrorBody)
    )
)]
async fn set_email(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    set(state, req, request, body, Field::Email).await
}

#[utoipa::path(
    post,
    path = "/api/my-account/primary-phone",
    tag = "Account",
    operation_id = "UpdatePrimaryPhone",
    request_body = crate::openapi::schemas::PrimaryPhone,
    security(("accountApi" = [])),
    responses(
        (status = 204, description = "The primary phone is set"),
        (status = 400, description = "Invalid body, or the new-identifier record does not prove this number (`verification_record.permission_denied`)", body = crate::support::error::ErrorBody),
        crate::openapi::responses::AccountUnauthorized,
        crate::openapi::responses::AccountForbidden,
        (status = 422, description = "Another account uses the number (`user.phone_already_in_use`)", body = crate::support::error::ErrorBody)
    )
)]
async fn set_phone(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    set(state, req, request, body, Field::Phone).await
}

#[utoipa::path(
    delete,
    path = "/api/my-account/primary-email",
    tag = "Account",
    operation_id = "DeletePrimaryEmail",
    security(("accountApi" = [])),
    responses(
        (status = 204, description = "The primary email is removed"),
        (status = 400, description = "It is the account's last identifier (`user.last_identifier`)", body = crate::support::error::ErrorBody),
        crate::openapi::responses::AccountUnauthorized,
        crate::openapi::responses::AccountForbidden
    )
)]
async fn remove_email(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
) -> Result<HttpResponse, ApiError> {
    remove(state, req, request, Field::Email).await
}

#[utoipa::path(
    delete,
    path = "/api/my-account/primary-phone",
    tag = "Account",
    operation_id = "DeletePrimaryPhone",
    security(("accountApi" = [])),
    responses(
        (status = 204, description = "The primary phone is removed"),
        (status = 400, description = "It is the account's last identifier (`user.last_identifier`)", body = crate::support::error::ErrorBody),
        crate::openapi::responses::AccountUnauthorized,
        crate::openapi::responses::AccountForbidden
    )
)]
async fn remove_phone(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
) -> Result<HttpResponse, ApiError> {
    remove(state, req, request, Field::Phone).await
}

/// The gates both directions share: the caller, a first-party app, the field editable,
/// the caller's password record. Returns the caller's id.
async fn gate(state: &AppState, req: &HttpRequest, field: Field) -> Result<String, ApiError> {
    let caller = authenticate(state, req).await?;
    require_first_party(state, &caller).await?;
    let center = enabled(state).await?;
    editable(&center, field.name())?;
    require_verification(state, req, &caller)?;
    Ok(caller.user_id)
}

async fn set(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    body: web::Bytes,
    field: Field,
) -> Result<HttpResponse, ApiError> {
    let user_id = gate(&state, &req, field).await?;
    crate::support::body::refuse_nul(&body)?;
    let body: SetBody = serde_json::from_slice(&body).map_err(ApiError::json_body)?;
    let value = match field {
        Field::Email => body.email.as_deref().map(Identifier::email),
        Field::Phone => body.phone.as_deref().map(Identifier::phone),
    };
    let identifier = match value {
        Some(Ok(identifier)) => identifier,
        Some(Err(e)) => return Err(ApiError::invalid_body(format!("{}: {e}", field.name()))),
        None => {
            return Err(ApiError::invalid_body(format!(
                "{}: required",
                field.name()
            )))
        }
    };
    let proved = open_verification(
        &state,
        &user_id,
        &body.new_identifier_verification_record_id,
    );
    let matches = matches!(
        &proved,
        Some(Purpose::IdentifierVerified { kind, value })
            if *kind == field.kind() && value == identifier.normalized()
    );
    if !matches {
        return Err(AppError::BadRequest {
            code: "verification_record.permission_denied",
            message: format!(
                "newIdentifierVerificationRecordId does not prove this {}: verify a code sent to it first.",
                field.name()
            ),
        }
        .into());
    }
    let patch = field.patch(Some(identifier.normalized().to_owned()));
    apply(&state, request, &user_id, patch).await
}

async fn remove(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    field: Field,
) -> Result<HttpResponse, ApiError> {
    let user_id = gate(&state, &req, field).await?;
    let user = state
        .store
        .repository()
        .load::<User>(&user_id)
        .await
        .map_err(AppError::from)?;
    let Some(current) = user.aggregate.state() else {
        return Err(AppError::Unauthorized {
            code: "auth.unauthorized",
            message: "The account no longer exists.".into(),
        }
        .into());
    };
    let d = &current.details;
    let others = match field {
        Field::Email => d.username.is_some() || d.primary_phone.is_some(),
        Field::Phone => d.username.is_some() || d.primary_email.is_some(),
    };
    if !others {
        return Err(AppError::BadRequest {
            code: "user.last_identifier",
            message: format!(
                "The {} is the account's only identifier; add another before removing it.",
                field.name()
            ),
        }
        .into());
    }
    apply(&state, request, &user_id, field.patch(None)).await
}

async fn apply(
    state: &AppState,
    request: RequestContext,
    user_id: &str,
    patch: UserPatch,
) -> Result<HttpResponse, ApiError> {
    let request = as_user(request, user_id);
    let at = update::update_user(state, &request, user_id, patch).await?;
    settle(state, &[projections::users::NAME], at).await?;
    Ok(HttpResponse::NoContent().finish())
}
