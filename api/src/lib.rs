//! Tessera's HTTP layer (actix-web), organised by the surface a caller reaches:
//!
//! - [`server::build_app`] builds the application from a [`state::AppState`], and
//!   [`routes::configure`] hands each surface the access class it is mounted with;
//! - the surfaces: [`management`] (Logto's Management API), [`account`] (the Account
//!   API), [`signin`] (the hosted pages and the Experience API), [`oidc`] (the provider
//!   under `/oidc`), [`ops`] (status and metrics), [`openapi`] (the served document);
//! - [`guard`] decides who may reach a route; [`support`] holds what every surface uses
//!   (the one error mapping, body parsing, typed path ids, pagination, request metadata,
//!   metrics); [`views`] the read-model renderings more than one surface answers with.
//!
//! The event-sourced write services are in the `app` crate below HTTP.

pub mod account;
pub mod guard;
pub mod i18n;
pub mod management;
pub mod oidc;
pub mod openapi;
pub mod ops;
pub mod routes;
pub mod server;
pub mod signin;
pub mod state;
pub mod support;
pub mod views;

pub use crate::server::{build_app, configure};
pub use state::AppState;
pub use support::error::{ApiError, ErrorBody};
