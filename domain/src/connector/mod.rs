//! Passwordless connectors: what delivers one-time codes by email or SMS (Logto's Email
//! and Sms connector kinds). The `Connectors` aggregate holds every configured connector
//! on one stream, because its rule spans them: at most one connector of each kind (as
//! Logto). `factory.rs` names the connector types Tessera implements, `config.rs` checks a
//! factory's configuration and splits its secrets off (the caller seals them under the
//! KEK; events hold only the sealed form), `template.rs` picks and renders a template.
//!
//! Sending is I/O, so it is the application layer's (`app::connectors`).

mod aggregate;
pub mod config;
pub mod events;
pub mod factory;
pub mod template;

pub use aggregate::{ConnectorCommand, ConnectorError, ConnectorState, Connectors};
pub use events::*;
pub use factory::{ConnectorKind, Factory};

/// The one stream of the `Connectors` aggregate.
pub const STREAM_ID: &str = "default";

/// What an answer shows in place of a secret. A PATCH that sends it back keeps the stored
/// secret, so an operator can edit a connector from its answer without retyping secrets.
pub const SECRET_MASK: &str = "******";
