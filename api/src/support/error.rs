//! The one place where failures become HTTP responses.
//!
//! Every error body has Logto's shape: `{ "code", "message", "data"?, "details"? }`.
//! Client mistakes map to 4xx with the code Logto uses; only failures of Tessera itself
//! (database down, corrupt log) become 5xx, and their cause is logged, never sent.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use app::AppError;
use domain::identifier::IdentifierKind;
use serde::Serialize;
use serde_json::Value;

/// Logto's error body.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Body, query or path failed validation; `details` names the field(s).
    #[error("the request {target} is invalid: {details}")]
    InvalidInput {
        target: &'static str,
        details: String,
    },
    /// A query that is well-formed but asks for something unsupported (Logto's
    /// `request.invalid_input`, e.g. an unknown search field).
    #[error("input is invalid: {details}")]
    InvalidRequest { details: String },
    /// The body is not JSON (Logto answers 400 with the parser's message, docs/logto/management-api.md#errors).
    #[error("malformed JSON: {0}")]
    MalformedJson(String),
    #[error("the request pagination value is invalid")]
    InvalidPagination { details: String },
    #[error("the {entity} with id `{id}` does not exist")]
    NotExistsWithId { entity: &'static str, id: String },
    #[error("no route for {method} {path}")]
    RouteNotFound { method: String, path: String },
    #[error("method {method} not allowed on {path}")]
    MethodNotAllowed { method: String, path: String },
    #[error("the {} is already in use", .0.as_str())]
    IdentifierInUse(IdentifierKind),
    /// A well-formed request that the current state refuses (Logto's other 422s).
    #[error("{message}")]
    Unprocessable { code: &'static str, message: String },
    /// Something other than an entity by id is missing (e.g. `oidc.session_not_found`).
    #[error("{message}")]
    NotFound { code: &'static str, message: String },
    /// The caller is not authenticated for this route (e.g. the Account API's bearer).
    #[error("{message}")]
    Unauthorized { code: &'static str, message: String },
    /// Authenticated, but not allowed (e.g. a token without the needed scope).
    #[error("{message}")]
    Forbidden { code: &'static str, message: String },
    /// A request the current settings refuse (e.g. `account_center.field_not_editable`).
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    /// A 422 that carries `data` (e.g. `hook.endpoint_responded_with_error` with the
    /// receiver's status and body).
    #[error("{message}")]
    UnprocessableWith {
        code: &'static str,
        message: String,
        data: Value,
    },
    /// Optimistic-concurrency retries exhausted: the caller may simply retry.
    #[error("the resource was changed concurrently; retry the request")]
    Conflict,
    #[error("the request body is too large")]
    PayloadTooLarge,
    #[error("the service is shutting down")]
    Unavailable,
    /// Too many password checks at once: the bounded hasher refused the request (503
    /// with `Retry-After`).
    #[error("too many password checks in progress")]
    Busy,
    /// A new password the password policy refuses: Logto's 422 `password.rejected` with
    /// the issues in `data.issues`.
    #[error("the password is rejected by the password policy")]
    PasswordRejected(Vec<domain::password::policy::Issue>),
    /// The identifier is locked after too many failed attempts (the sentinel).
    #[error("too many failed attempts")]
    Locked { retry_after_secs: i64 },
    /// A failure of Tessera itself. The cause is logged when the response is built.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn invalid_body(details: impl Into<String>) -> Self {
        Self::InvalidInput {
            target: "body",
            details: details.into(),
        }
    }

    /// A body that serde could not decode: not JSON at all is [`Self::MalformedJson`]
    /// (Logto's parser 400), JSON of the wrong shape names the problem in `details`.
    pub fn json_body(err: serde_json::Error) -> Self {
        if err.is_syntax() || err.is_eof() {
            Self::MalformedJson(err.to_string())
        } else {
            Self::invalid_body(err.to_string())
        }
    }

    pub fn invalid_query(details: impl Into<String>) -> Self {
        Self::InvalidInput {
            target: "query",
            details: details.into(),
        }
    }

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self::Internal(cause.to_string())
    }

    /// Logto's error code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidInput { .. } | Self::MalformedJson(_) => "guard.invalid_input",
            Self::InvalidRequest { .. } => "request.invalid_input",
            Self::InvalidPagination { .. } => "guard.invalid_pagination",
            Self::NotExistsWithId { .. } => "entity.not_exists_with_id",
            Self::RouteNotFound { .. } => "entity.not_found",
            Self::MethodNotAllowed { .. } => "request.method_not_allowed",
            Self::IdentifierInUse(IdentifierKind::Username) => "user.username_already_in_use",
            Self::IdentifierInUse(IdentifierKind::Email) => "user.email_already_in_use",
            Self::IdentifierInUse(IdentifierKind::Phone) => "user.phone_already_in_use",
            Self::IdentifierInUse(IdentifierKind::ResourceIndicator) => "resource.indicator_in_use",
            Self::IdentifierInUse(IdentifierKind::RoleName) => "role.name_in_use",
            Self::Unprocessable { code, .. }
            | Self::NotFound { code, .. }
            | Self::Unauthorized { code, .. }
            | Self::Forbidden { code, .. }
            | Self::BadRequest { code, .. } => code,
            Self::UnprocessableWith { code, .. } => code,
            Self::Conflict => "entity.concurrency_conflict",
            Self::PayloadTooLarge => "request.payload_too_large",
            Self::Unavailable => "request.service_unavailable",
            Self::Busy => BUSY_CODE,
            Self::PasswordRejected(_) => "password.rejected",
            Self::Locked { .. } => LOCKED_CODE,
            Self::Internal(_) => "unexpected_error",
        }
    }

    /// The English text of Logto's phrase for the code.
    pub fn message(&self) -> String {
        match self {
            Self::InvalidInput { target, .. } => format!("The request {target} is invalid."),
            Self::MalformedJson(parser) => parser.clone(),
            Self::InvalidRequest { details } => format!("Input is invalid. {details}"),
            Self::InvalidPagination { .. } => "The request pagination value is invalid.".into(),
            Self::NotExistsWithId { entity, id } => {
                format!("The {entity} with ID `{id}` does not exist.")
            }
            Self::RouteNotFound { method, path } => {
                format!("No route matches {method} {path}.")
            }
            Self::MethodNotAllowed { method, path } => {
                format!("Method {method} is not allowed on {path}.")
            }
            Self::IdentifierInUse(IdentifierKind::Username) => {
                "This username is already in use.".into()
            }
            Self::IdentifierInUse(IdentifierKind::Email) => {
                "This email is associated with an existing account.".into()
            }
            Self::IdentifierInUse(IdentifierKind::Phone) => {
                "This phone number is associated with an existing account.".into()
            }
            Self::IdentifierInUse(IdentifierKind::ResourceIndicator) => {
                "This API resource indicator is already in use.".into()
            }
            Self::IdentifierInUse(IdentifierKind::RoleName) => {
                "This role name is already in use.".into()
            }
            Self::Unprocessable { message, .. }
            | Self::NotFound { message, .. }
            | Self::Unauthorized { message, .. }
            | Self::Forbidden { message, .. }
            | Self::BadRequest { message, .. } => message.clone(),
            Self::Conflict => {
                "The resource was changed by a concurrent request; please retry.".into()
            }
            Self::PayloadTooLarge => "The request body is too large.".into(),
            Self::Unavailable => "The service is shutting down; please retry.".into(),
            Self::Busy => BUSY_MESSAGE.into(),
            Self::PasswordRejected(_) => "The password is rejected by the password policy.".into(),
            Self::Locked { retry_after_secs } => locked_message(*retry_after_secs),
            Self::Internal(_) => "Internal server error.".into(),
            Self::UnprocessableWith { message, .. } => message.clone(),
        }
    }

    pub fn body(&self) -> ErrorBody {
        let details = match self {
            Self::InvalidInput { details, .. }
            | Self::InvalidPagination { details }
            | Self::InvalidRequest { details } => Some(details.clone()),
            Self::MalformedJson(parser) => Some(format!("malformed JSON: {parser}")),
            _ => None,
        };
        let data = match self {
            Self::NotExistsWithId { entity, id } => {
                Some(serde_json::json!({ "name": entity, "id": id }))
            }
            Self::UnprocessableWith { data, .. } => Some(data.clone()),
            Self::PasswordRejected(issues) => Some(serde_json::json!({ "issues": issues })),
            _ => None,
        };
        ErrorBody {
            code: self.code().to_owned(),
            message: self.message(),
            data,
            details,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::InvalidInput { .. }
            | Self::MalformedJson(_)
            | Self::InvalidPagination { .. }
            | Self::InvalidRequest { .. } => StatusCode::BAD_REQUEST,
            Self::NotExistsWithId { .. } | Self::RouteNotFound { .. } | Self::NotFound { .. } => {
                StatusCode::NOT_FOUND
            }
            Self::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            Self::Forbidden { .. } => StatusCode::FORBIDDEN,
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::IdentifierInUse(_)
            | Self::Unprocessable { .. }
            | Self::UnprocessableWith { .. }
            | Self::PasswordRejected(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Locked { .. } => StatusCode::BAD_REQUEST,
            Self::Busy => StatusCode::SERVICE_UNAVAILABLE,
            Self::Conflict => StatusCode::CONFLICT,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Internal(cause) = self {
            tracing::error!(error = %cause, "request failed");
        }
        let mut r = HttpResponse::build(self.status_code());
        match self {
            Self::Busy => {
                r.insert_header(("Retry-After", BUSY_RETRY_AFTER_SECS.to_string()));
            }
            Self::Locked { retry_after_secs } => {
                r.insert_header(("Retry-After", retry_after_secs.max(&1).to_string()));
            }
            _ => {}
        }
        r.json(self.body())
    }
}

/// The code of a request refused because too many password checks are running.
pub const BUSY_CODE: &str = "request.password_hashing_busy";
pub const BUSY_MESSAGE: &str = "Too many password checks are in progress; retry shortly.";
pub const BUSY_RETRY_AFTER_SECS: u64 = app::hashing::RETRY_AFTER_SECS;
/// Logto's code for a verification of a locked identifier.
pub const LOCKED_CODE: &str = "session.verification_blocked_too_many_attempts";

/// Logto's phrase, with the time left in words ("in 59 minutes").
pub fn locked_message(retry_after_secs: i64) -> String {
    let secs = retry_after_secs.max(1);
    let left = if secs < 60 {
        format!("{secs} second{}", if secs == 1 { "" } else { "s" })
    } else {
        let minutes = (secs + 59) / 60;
        format!("{minutes} minute{}", if minutes == 1 { "" } else { "s" })
    };
    format!("Too many attempts. Please try again in {left}.")
}

/// The application layer's errors, each answered as Logto does (the variants mean the
/// same on both sides; this is where they become HTTP).
impl From<AppError> for ApiError {
    fn from(err: AppError) -> Self {
        match err {
            AppError::InvalidInput { target, details } => Self::InvalidInput { target, details },
            AppError::InvalidRequest { details } => Self::InvalidRequest { details },
            AppError::InvalidPagination { details } => Self::InvalidPagination { details },
            AppError::NotExistsWithId { entity, id } => Self::NotExistsWithId { entity, id },
            AppError::IdentifierInUse(kind) => Self::IdentifierInUse(kind),
            AppError::Unprocessable { code, message } => Self::Unprocessable { code, message },
            AppError::UnprocessableWith {
                code,
                message,
                data,
            } => Self::UnprocessableWith {
                code,
                message,
                data,
            },
            AppError::NotFound { code, message } => Self::NotFound { code, message },
            AppError::Unauthorized { code, message } => Self::Unauthorized { code, message },
            AppError::Forbidden { code, message } => Self::Forbidden { code, message },
            AppError::BadRequest { code, message } => Self::BadRequest { code, message },
            AppError::Conflict => Self::Conflict,
            AppError::Unavailable => Self::Unavailable,
            AppError::Busy => Self::Busy,
            AppError::PasswordRejected(issues) => Self::PasswordRejected(issues),
            AppError::Locked { retry_after_secs } => Self::Locked { retry_after_secs },
            AppError::Internal(cause) => Self::Internal(cause),
        }
    }
}

impl From<app::keys::KeyError> for ApiError {
    fn from(err: app::keys::KeyError) -> Self {
        match err {
            app::keys::KeyError::Store(store) => store.into(),
            other => Self::internal(other),
        }
    }
}

impl From<app::hashing::HashError> for ApiError {
    fn from(err: app::hashing::HashError) -> Self {
        AppError::from(err).into()
    }
}

impl From<store::StoreError> for ApiError {
    fn from(err: store::StoreError) -> Self {
        AppError::from(err).into()
    }
}

impl From<projections::ProjectionError> for ApiError {
    fn from(err: projections::ProjectionError) -> Self {
        AppError::from(err).into()
    }
}

impl From<projections::users::QueryError> for ApiError {
    fn from(err: projections::users::QueryError) -> Self {
        AppError::from(err).into()
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(err: sqlx::Error) -> Self {
        AppError::from(err).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifier_conflicts_carry_logtos_codes_and_422() {
        let err = ApiError::IdentifierInUse(IdentifierKind::Email);
        assert_eq!(err.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(err.body().code, "user.email_already_in_use");
    }

    #[test]
    fn internal_errors_do_not_leak_their_cause() {
        let err = ApiError::internal("password=hunter2 in a broken query");
        let body = serde_json::to_string(&err.body()).unwrap();
        assert!(!body.contains("hunter2"));
        assert_eq!(err.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
