//! Who may reach a route, decided before a handler runs: the access class a route is
//! mounted with ([`access`]), the path's normal form, same-site checks on cookie-bound
//! routes, the per-IP rate limit, and the Management API's bearer token.

pub mod access;
pub mod end_user_token;
pub mod management_access;
pub mod management_token;
pub mod normal_path;
pub mod rate_limit;
pub mod same_site;
pub mod verified_tokens;
