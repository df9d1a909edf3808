//! The `Application` aggregate: an OAuth client registered with Tessera (Logto's
//! Native, SPA, Traditional and MachineToMachine types), its redirect URIs and its
//! secrets. Secrets are stored as digests only and shown once at creation.

mod aggregate;
mod events;

pub use aggregate::{
    Application, ApplicationCommand, ApplicationError, ApplicationSettings, ApplicationState,
};
pub use events::*;
