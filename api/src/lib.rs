//! Tessera's HTTP layer (actix-web): `/api/status`, `/metrics`, and `/api/users…` in the
//! shape of Logto's Management API.
//!
//! - [`app::build_app`] builds the application from an [`state::AppState`];
//! - [`routes`] holds the handlers; the event-sourced write services are in the `app`
//!   crate below HTTP;
//! - [`error::ApiError`] is the one mapping from failures to HTTP responses.

pub mod access;
pub mod app;
pub mod auth;
pub mod error;
pub mod management_access;
pub mod metrics;
pub mod normal_path;
pub mod oidc;
pub mod openapi;
pub mod pagination;
pub mod rate_limit;
pub mod request;
pub mod routes;
pub mod same_site;
pub mod signin;
pub mod state;
pub mod verified_tokens;

pub use crate::server::{build_app, configure};
pub use error::{ApiError, ErrorBody};
pub use state::AppState;
