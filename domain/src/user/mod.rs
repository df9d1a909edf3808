//! The `User` aggregate: created, details and custom data updated, password set,
//! suspended, unsuspended, deleted.

mod aggregate;
mod events;

pub use aggregate::{identifiers_of, User, UserCommand, UserDetails, UserError, UserState};
pub use events::*;
