//! Read models rendered in Logto's shapes where more than one surface answers with them
//! (a user's sessions, grants and second factors, listed by the Management and Account APIs; the sign-in
//! experience settings, read by the Management API and the public well-known route).

pub mod grants;
pub mod logto_config;
pub mod mfa;
pub mod sessions;
pub mod sign_in_experience;
