//! The `Grant` aggregate: what a user allowed one client, and every token issued under it.
//!
//! A grant starts with an authorization code (`GrantIssued`). Redeeming the code issues the
//! first access token and refresh token (`AuthorizationCodeRedeemed`); each refresh rotates
//! the refresh token (`RefreshTokenRotated`). Tokens are handed out as
//! `<grant id>.<secret>` (codes, opaque access tokens) and `<grant id>.<generation>.<secret>`
//! (refresh tokens) and only their SHA-256 digests are stored, so the grant is found by id
//! and checked without any lookup table, and a leaked event log yields no usable token.
//!
//! Replays are attacks (RFC 9700 §2.2.2, §4.14): a code redeemed twice, or a refresh
//! token used after it was rotated, revokes the whole grant. Only an *authentic* old token
//! triggers that, so guessing grant ids cannot revoke other people's grants.

mod aggregate;
mod events;

pub use aggregate::{
    ends_in_revocation, Grant, GrantCommand, GrantState, IssuedSecret, LiveAccessToken, Refusal,
};
pub use events::*;

#[cfg(test)]
mod tests;
