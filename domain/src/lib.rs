//! Tessera's domain: aggregates, commands, events and policies.
//!
//! Pure by rule: no I/O, no SQL, no HTTP, no async runtime. Time and randomness come in
//! as parameters ([`Timestamp`], [`Random`]) so every decision is deterministic under test.

pub mod account_center;
pub mod aggregate;
pub mod app_sign_in_experience;
pub mod application;
pub mod client_credentials;
pub mod clock;
pub mod code_sends;
pub mod connector;
pub mod custom_phrases;
pub mod custom_profile_fields;
pub mod event;
pub mod grant;
pub mod hook;
pub mod identifier;
pub mod ids;
pub mod mfa_policy;
pub mod oauth;
pub mod oidc_config;
pub mod password;
pub mod personal_access_tokens;
pub mod resource;
pub mod role;
pub mod sentinel;
pub mod session;
pub mod sign_in_experience;
pub mod signing_keys;
pub mod testing;
pub mod time;
pub mod upcast;
pub mod user;
pub mod verification_code;

pub use aggregate::{Aggregate, CommandContext, NoPersonalData};
pub use clock::{Clock, TestClock};
pub use event::{Actor, DomainEvent, EventMetadata, RequestLine};
pub use ids::{Random, StandardId};
pub use time::Timestamp;
pub use upcast::{Upcaster, UpcasterRegistry};
