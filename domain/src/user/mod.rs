//! The `User` aggregate: created, details and custom data updated, password set,
//! suspended, unsuspended, deleted; roles; second factors (`mfa`).

mod aggregate;
mod events;
pub mod mfa;

pub use aggregate::{
    identifiers_of, LogtoConfigChanges, User, UserCommand, UserDetails, UserError, UserState,
};
pub use events::*;
