//! What the application layer's services refuse or fail with, independent of HTTP. The
//! HTTP crate turns each variant into a status and Logto's body in one place
//! (`api/src/error.rs`); the codes here are Logto's.

use domain::identifier::IdentifierKind;
use serde_json::Value;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Input failed validation; `target` is `body`, `query` or `path`, `details` names
    /// the field(s).
    #[error("the request {target} is invalid: {details}")]
    InvalidInput {
        target: &'static str,
        details: String,
    },
    /// Well-formed but unsupported (Logto's `request.invalid_input`).
    #[error("input is invalid: {details}")]
    InvalidRequest { details: String },
    #[error("the request pagination value is invalid")]
    InvalidPagination { details: String },
    #[error("the {entity} with id `{id}` does not exist")]
    NotExistsWithId { entity: &'static str, id: String },
    #[error("the {} is already in use", .0.as_str())]
    IdentifierInUse(IdentifierKind),
    /// A well-formed request that the current state refuses (Logto's other 422s).
    #[error("{message}")]
    Unprocessable { code: &'static str, message: String },
    /// A refusal that carries `data` (e.g. the hook receiver's status and body).
    #[error("{message}")]
    UnprocessableWith {
        code: &'static str,
        message: String,
        data: Value,
    },
    /// Something other than an entity by id is missing.
    #[error("{message}")]
    NotFound { code: &'static str, message: String },
    #[error("{message}")]
    Unauthorized { code: &'static str, message: String },
    #[error("{message}")]
    Forbidden { code: &'static str, message: String },
    /// A request the current settings refuse.
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    /// [`Self::BadRequest`] with `data` saying what the refusal is about.
    #[error("{message}")]
    BadRequestWith {
        code: &'static str,
        message: String,
        data: Value,
    },
    /// A feature the deployment is not set up for (Logto's 501s, e.g. no connector to
    /// send a code with).
    #[error("{message}")]
    NotImplemented { code: &'static str, message: String },
    /// A server Tessera relies on (a connector's mail or SMS gateway) failed.
    #[error("{message}")]
    BadGateway { code: &'static str, message: String },
    /// Optimistic-concurrency retries exhausted: the caller may simply retry.
    #[error("the resource was changed concurrently; retry the request")]
    Conflict,
    #[error("the service is shutting down")]
    Unavailable,
    /// Too many password checks at once (the bounded hasher refused).
    #[error("too many password checks in progress")]
    Busy,
    /// A new password the password policy refuses, with its issues.
    #[error("the password is rejected by the password policy")]
    PasswordRejected(Vec<domain::password::policy::Issue>),
    /// The identifier is locked after too many failed attempts (the sentinel).
    #[error("too many failed attempts")]
    Locked { retry_after_secs: i64 },
    /// Too many one-time codes went to the address lately (`domain::code_sends`); another
    /// may go in `retry_after_secs`.
    #[error("too many codes were sent to this address")]
    TooManyCodeSends { retry_after_secs: i64 },
    /// A failure of Tessera itself; the cause is logged, never answered.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn invalid_body(details: impl Into<String>) -> Self {
        Self::InvalidInput {
            target: "body",
            details: details.into(),
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
}

impl AppError {
    /// Logto's error code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidInput { .. } => "guard.invalid_input",
            Self::InvalidRequest { .. } => "request.invalid_input",
            Self::InvalidPagination { .. } => "guard.invalid_pagination",
            Self::NotExistsWithId { .. } => "entity.not_exists_with_id",
            Self::IdentifierInUse(IdentifierKind::Username) => "user.username_already_in_use",
            Self::IdentifierInUse(IdentifierKind::Email) => "user.email_already_in_use",
            Self::IdentifierInUse(IdentifierKind::Phone) => "user.phone_already_in_use",
            Self::IdentifierInUse(IdentifierKind::ResourceIndicator) => "resource.indicator_in_use",
            Self::IdentifierInUse(IdentifierKind::RoleName) => "role.name_in_use",
            Self::Unprocessable { code, .. }
            | Self::UnprocessableWith { code, .. }
            | Self::NotFound { code, .. }
            | Self::Unauthorized { code, .. }
            | Self::Forbidden { code, .. }
            | Self::BadRequest { code, .. }
            | Self::BadRequestWith { code, .. }
            | Self::NotImplemented { code, .. }
            | Self::BadGateway { code, .. } => code,
            Self::Conflict => "entity.concurrency_conflict",
            Self::Unavailable => "request.service_unavailable",
            Self::Busy => BUSY_CODE,
            Self::PasswordRejected(_) => "password.rejected",
            Self::Locked { .. } => LOCKED_CODE,
            Self::TooManyCodeSends { .. } => TOO_MANY_CODE_SENDS_CODE,
            Self::Internal(_) => "unexpected_error",
        }
    }

    /// The English text of Logto's phrase for the code.
    pub fn message(&self) -> String {
        match self {
            Self::InvalidInput { target, .. } => format!("The request {target} is invalid."),
            Self::InvalidRequest { details } => format!("Input is invalid. {details}"),
            Self::InvalidPagination { .. } => "The request pagination value is invalid.".into(),
            Self::NotExistsWithId { entity, id } => {
                format!("The {entity} with ID `{id}` does not exist.")
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
            | Self::UnprocessableWith { message, .. }
            | Self::NotFound { message, .. }
            | Self::Unauthorized { message, .. }
            | Self::Forbidden { message, .. }
            | Self::BadRequest { message, .. }
            | Self::BadRequestWith { message, .. }
            | Self::NotImplemented { message, .. }
            | Self::BadGateway { message, .. } => message.clone(),
            Self::Conflict => {
                "The resource was changed by a concurrent request; please retry.".into()
            }
            Self::Unavailable => "The service is shutting down; please retry.".into(),
            Self::Busy => BUSY_MESSAGE.into(),
            Self::PasswordRejected(_) => "The password is rejected by the password policy.".into(),
            Self::Locked { retry_after_secs } => locked_message(*retry_after_secs),
            Self::TooManyCodeSends { retry_after_secs } => format!(
                "Too many codes were sent to this address. Please try again in {}.",
                time_left(*retry_after_secs)
            ),
            Self::Internal(_) => "Internal server error.".into(),
        }
    }

    /// Seconds the caller is told to wait (`Retry-After`), for refusals that pass.
    pub fn retry_after_secs(&self) -> Option<i64> {
        match self {
            Self::Busy => Some(crate::hashing::RETRY_AFTER_SECS as i64),
            Self::Locked { retry_after_secs } | Self::TooManyCodeSends { retry_after_secs } => {
                Some((*retry_after_secs).max(1))
            }
            _ => None,
        }
    }

    /// Logto's `details`: the field-level problems of an invalid request.
    pub fn details(&self) -> Option<String> {
        match self {
            Self::InvalidInput { details, .. }
            | Self::InvalidPagination { details }
            | Self::InvalidRequest { details } => Some(details.clone()),
            _ => None,
        }
    }

    /// Logto's `data`: what the refusal is about, where it says.
    pub fn data(&self) -> Option<Value> {
        match self {
            Self::NotExistsWithId { entity, id } => {
                Some(serde_json::json!({ "name": entity, "id": id }))
            }
            Self::UnprocessableWith { data, .. } | Self::BadRequestWith { data, .. } => {
                Some(data.clone())
            }
            Self::PasswordRejected(issues) => Some(serde_json::json!({ "issues": issues })),
            _ => None,
        }
    }
}

/// The code of a request refused because too many password checks are running.
pub const BUSY_CODE: &str = "request.password_hashing_busy";
pub const BUSY_MESSAGE: &str = "Too many password checks are in progress; retry shortly.";
/// Logto's code for a verification of a locked identifier.
pub const LOCKED_CODE: &str = "session.verification_blocked_too_many_attempts";

/// The code of a one-time code refused because too many went to the address lately (Logto
/// has no server-side send throttle, hence no code of its own; named in its
/// `verification_code.*` family).
pub const TOO_MANY_CODE_SENDS_CODE: &str = "verification_code.too_many_requests";

/// Logto's phrase, with the time left in words ("in 59 minutes").
pub fn locked_message(retry_after_secs: i64) -> String {
    format!(
        "Too many attempts. Please try again in {}.",
        time_left(retry_after_secs)
    )
}

/// "42 seconds", "1 minute", "59 minutes" (rounded up, at least one second).
fn time_left(retry_after_secs: i64) -> String {
    let secs = retry_after_secs.max(1);
    if secs < 60 {
        format!("{secs} second{}", if secs == 1 { "" } else { "s" })
    } else {
        let minutes = (secs + 59) / 60;
        format!("{minutes} minute{}", if minutes == 1 { "" } else { "s" })
    }
}

impl From<crate::hashing::HashError> for AppError {
    fn from(err: crate::hashing::HashError) -> Self {
        match err {
            crate::hashing::HashError::Busy => Self::Busy,
            crate::hashing::HashError::Failed(e) => Self::Internal(e),
        }
    }
}

impl From<store::StoreError> for AppError {
    fn from(err: store::StoreError) -> Self {
        match err {
            store::StoreError::Conflict { .. } => Self::Conflict,
            store::StoreError::Closed => Self::Unavailable,
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<projections::ProjectionError> for AppError {
    fn from(err: projections::ProjectionError) -> Self {
        match err {
            projections::ProjectionError::Store(store) => store.into(),
            projections::ProjectionError::Search(details) => Self::InvalidRequest { details },
            projections::ProjectionError::UnknownProjection(name) => Self::InvalidRequest {
                details: format!("unknown projection {name:?}"),
            },
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<projections::users::QueryError> for AppError {
    fn from(err: projections::users::QueryError) -> Self {
        use projections::users::QueryError;
        match err {
            QueryError::InvalidPagination(details) => Self::InvalidPagination { details },
            QueryError::InvalidSearch(details) => Self::InvalidRequest { details },
        }
    }
}

impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        Self::Internal(err.to_string())
    }
}
