//! The event log: one trait ([`EventLog`]), two backends (SQLite embedded default,
//! Postgres for production), the personal-data vault that encrypts PII inside events, and
//! the [`Repository`] that loads aggregates and appends their decisions.

pub mod clock;
mod codec;
pub mod connect;
pub mod envelope;
pub mod error;
mod group;
pub mod log;
mod postgres;
pub mod repository;
mod rewrap;
pub mod snapshots;
mod sqlite;
#[cfg(feature = "test-support")]
pub mod testing;
mod vault;
mod versions;

pub use connect::{Backend, Store, StoreConfig};
pub use envelope::*;
pub use error::StoreError;
pub use log::EventLog;
pub use repository::{Loaded, Repository};
pub use vault::SealPurpose;
