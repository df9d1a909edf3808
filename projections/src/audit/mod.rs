//! `audit`: the audit log read model behind `/api/logs`. Every event of the log becomes
//! one row keyed by its event id, with Logto's log key (`keys`), the actor, the subject
//! stream, the user/application/session it concerns, the request's IP and user agent,
//! the result, and an allow-listed `params` (`row`). Events added by any aggregate are
//! audited without code changes; the personal columns are blanked on erasure
//! (`projector`). Queries, cursors and capped counts live in `query`.

pub mod keys;
mod projector;
pub mod query;
pub mod row;

use crate::projector::TableSpec;

pub use projector::AuditProjector;
pub use query::{count, get, list, Cursor, LogEntry, LogFilter, Paging};

pub const NAME: &str = "audit";

const TABLES: &[TableSpec] = &[
    TableSpec {
        name: "audit_logs",
        order_by: "id",
    },
    TableSpec {
        name: "audit_stream_context",
        order_by: "stream_type, stream_id",
    },
    TableSpec {
        name: "audit_erased_users",
        order_by: "user_id",
    },
];
