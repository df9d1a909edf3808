//! Tessera's application layer, below HTTP: the command services that turn a validated
//! request into aggregate commands, the one write loop they share ([`transact`]), bootstrap
//! and the well-known ids, signing-key rotation, and the [`AppContext`] they run in.
//!
//! It depends on `domain`, `store`, `projections` and `webhooks` only (no actix): the HTTP
//! crate (`api`) and the binary's CLI commands both call it. Every append in the system
//! goes through it (the store counts them for `/metrics`).

pub mod account_center;
pub mod bootstrap;
pub mod commands;
pub mod connectors;
pub mod context;
pub mod custom_phrases;
pub mod custom_profile_fields;
pub mod delivery;
pub mod device_authorizations;
pub mod directory;
pub mod error;
pub mod hashing;
pub mod keys;
pub mod mfa;
pub mod oidc_config;
pub mod personal_access_tokens;
pub mod pushed_requests;
pub mod registration;
pub mod request;
pub mod sentinel;
pub mod sign_in_experience;
pub mod subject_tokens;
pub mod system;
pub mod transact;
pub mod verification_codes;

pub use context::{AppContext, SignInSettings};
pub use error::AppError;
pub use request::RequestContext;
pub use transact::{settle, transact, Tx};
