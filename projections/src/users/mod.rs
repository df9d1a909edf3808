//! The `users` read model: Logto's user object per live user.
//!
//! The api layer calls [`get`] and [`list`] (after [`UserQuery::from_pairs`]) and returns
//! [`UserRow::to_view`] as JSON.

mod projector;
mod query;
mod read;
mod row;
mod search;

pub use projector::{UsersProjector, NAME};
pub use query::{
    Joint, MatchMode, QueryError, Search, SearchMatch, UserField, UserQuery, DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
};
pub use read::{get, list};
pub use row::{MfaEntry, UserRow, UserView};
