//! Documentation schemas of the Management API objects, in Logto's shapes.
//!
//! The handlers serialise the read-model views of `projections` (which carry no OpenAPI
//! dependency); these types describe the same JSON for the document. They are checked
//! against the real answers by the schema-driven run in `.ci/schemathesis.sh`
//! (`response_schema_conformance`), so a drift between a view and its schema fails CI.

mod connectors;
mod hooks_logs;
mod management;
mod users;

pub use connectors::*;
pub use hooks_logs::*;
pub use management::*;
pub use users::*;
