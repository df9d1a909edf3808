//! The one place where failures become HTTP responses.
//!
//! Every error body has Logto's shape: `{ "code", "message", "data"?, "details"? }`.
//! What a request is refused for is the application layer's [`AppError`] (with Logto's
//! codes and phrases); this module adds the few refusals only HTTP has (a body that is
//! not JSON, a route or method that does not exist, a body too large) and the status and
//! headers of each answer. Client mistakes are 4xx; only failures of Tessera itself
//! (database down, corrupt log) become 5xx, and their cause is logged, never sent.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
pub use app::error::{locked_message, BUSY_CODE, LOCKED_CODE};
pub use app::AppError;
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
    /// What the application refuses or fails with: most answers.
    #[error(transparent)]
    App(#[from] AppError),
    /// The body is not JSON (Logto answers 400 with the parser's message, docs/logto/management-api.md#errors).
    #[error("malformed JSON: {0}")]
    MalformedJson(String),
    #[error("no route for {method} {path}")]
    RouteNotFound { method: String, path: String },
    #[error("method {method} not allowed on {path}")]
    MethodNotAllowed { method: String, path: String },
    #[error("the request body is too large")]
    PayloadTooLarge,
}

/// Seconds a client is told to wait when the bounded hasher is full.
pub const BUSY_RETRY_AFTER_SECS: u64 = app::hashing::RETRY_AFTER_SECS;

impl ApiError {
    pub fn invalid_body(details: impl Into<String>) -> Self {
        AppError::invalid_body(details).into()
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
        AppError::invalid_query(details).into()
    }

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        AppError::internal(cause).into()
    }

    /// Logto's error code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::App(err) => err.code(),
            Self::MalformedJson(_) => "guard.invalid_input",
            Self::RouteNotFound { .. } => "entity.not_found",
            Self::MethodNotAllowed { .. } => "request.method_not_allowed",
            Self::PayloadTooLarge => "request.payload_too_large",
        }
    }

    /// The English text of Logto's phrase for the code.
    pub fn message(&self) -> String {
        match self {
            Self::App(err) => err.message(),
            Self::MalformedJson(parser) => parser.clone(),
            Self::RouteNotFound { method, path } => format!("No route matches {method} {path}."),
            Self::MethodNotAllowed { method, path } => {
                format!("Method {method} is not allowed on {path}.")
            }
            Self::PayloadTooLarge => "The request body is too large.".into(),
        }
    }

    /// The `Retry-After` of a refusal that passes (busy hasher, lockout, code throttle).
    pub fn retry_after_secs(&self) -> Option<i64> {
        match self {
            Self::App(err) => err.retry_after_secs(),
            _ => None,
        }
    }

    pub fn body(&self) -> ErrorBody {
        let (details, data) = match self {
            Self::App(err) => (err.details(), err.data()),
            Self::MalformedJson(parser) => (Some(format!("malformed JSON: {parser}")), None),
            _ => (None, None),
        };
        ErrorBody {
            code: self.code().to_owned(),
            message: self.message(),
            data,
            details,
        }
    }
}

/// The status of each application-layer refusal.
fn app_status(err: &AppError) -> StatusCode {
    match err {
        AppError::InvalidInput { .. }
        | AppError::InvalidPagination { .. }
        | AppError::InvalidRequest { .. }
        | AppError::BadRequest { .. }
        | AppError::BadRequestWith { .. }
        | AppError::Locked { .. } => StatusCode::BAD_REQUEST,
        AppError::NotExistsWithId { .. } | AppError::NotFound { .. } => StatusCode::NOT_FOUND,
        AppError::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
        AppError::Forbidden { .. } => StatusCode::FORBIDDEN,
        AppError::IdentifierInUse(_)
        | AppError::Unprocessable { .. }
        | AppError::UnprocessableWith { .. }
        | AppError::PasswordRejected(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::TooManyCodeSends { .. } => StatusCode::TOO_MANY_REQUESTS,
        AppError::Busy | AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        AppError::BadGateway { .. } => StatusCode::BAD_GATEWAY,
        AppError::Conflict => StatusCode::CONFLICT,
        AppError::NotImplemented { .. } => StatusCode::NOT_IMPLEMENTED,
        AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::App(err) => app_status(err),
            Self::MalformedJson(_) => StatusCode::BAD_REQUEST,
            Self::RouteNotFound { .. } => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::App(AppError::Internal(cause)) = self {
            tracing::error!(error = %cause, "request failed");
        }
        let mut r = HttpResponse::build(self.status_code());
        if let Some(secs) = self.retry_after_secs() {
            r.insert_header(("Retry-After", secs.to_string()));
        }
        r.json(self.body())
    }
}

/// Default service of each resource: a known path with an unsupported method.
pub async fn method_not_allowed(req: HttpRequest) -> HttpResponse {
    ApiError::MethodNotAllowed {
        method: req.method().to_string(),
        path: req.path().to_owned(),
    }
    .error_response()
}

/// The lower layers' failures reach a handler through the application's error.
macro_rules! through_app_error {
    ($($source:ty),* $(,)?) => {$(
        impl From<$source> for ApiError {
            fn from(err: $source) -> Self {
                Self::App(AppError::from(err))
            }
        }
    )*};
}

through_app_error!(
    app::hashing::HashError,
    store::StoreError,
    projections::ProjectionError,
    projections::users::QueryError,
    sqlx::Error,
);

impl From<app::keys::KeyError> for ApiError {
    fn from(err: app::keys::KeyError) -> Self {
        match err {
            app::keys::KeyError::Store(store) => store.into(),
            other => Self::internal(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::identifier::IdentifierKind;

    #[test]
    fn identifier_conflicts_carry_logtos_codes_and_422() {
        let err = ApiError::from(AppError::IdentifierInUse(IdentifierKind::Email));
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
