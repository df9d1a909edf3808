//! Command services: turn a validated request into aggregate commands, append the
//! decided events, and report the outcome.

pub mod applications;
pub mod grant_limit;
pub mod hooks;
pub mod resources;
pub mod roles;
pub mod sessions;
pub mod user_roles;
pub mod users;
