//! The event log: one trait ([`EventLog`]), two backends (SQLite embedded default,
//! Postgres for production), the personal-data vault that encrypts PII inside events, and
//! the [`Repository`] that loads aggregates and appends their decisions.

pub mod envelope;
pub mod error;
pub mod log;

pub use envelope::*;
pub use error::StoreError;
pub use log::EventLog;
