//! Webhooks in the domain: the `Hook` aggregate (a receiver URL subscribed to Logto event
//! names, with its signing key), the `Delivery` aggregate (the attempts to deliver one
//! event to one hook, on its own stream so deliveries never contend with each other or
//! with edits of the hook), and the mapping from Tessera's events to Logto's event names.

mod aggregate;
pub mod delivery;
pub mod events;
pub mod logto_events;

pub use aggregate::{
    check_url, invalid_header, is_reserved_header, Hook, HookCommand, HookError, HookSettings,
    HookState, SealedHeaders,
};
pub use events::*;

/// Logto's signing keys are 32 random characters.
pub const SIGNING_KEY_LEN: usize = 32;
