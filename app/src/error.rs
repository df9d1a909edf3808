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

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self::Internal(cause.to_string())
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
