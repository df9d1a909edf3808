//! Read models rendered in Logto's shapes where more than one surface answers with them
//! (the Management API and the Account API both list a user's sessions and grants).

pub mod grants;
pub mod sessions;
