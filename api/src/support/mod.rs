//! What every surface's handlers use: the one mapping from failures to HTTP answers
//! ([`error`]), request bodies read field by field ([`body`]), typed path ids
//! ([`path_id`]), Logto's pagination headers, the metadata of a request, and metrics.

pub mod body;
pub mod error;
pub mod metrics;
pub mod pagination;
pub mod path_id;
pub mod request;
pub mod time;
