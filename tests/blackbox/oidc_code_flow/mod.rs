//! The interactive OpenID Connect flow against the real binary, on SQLite and Postgres:
//! a real relying party (the `openidconnect` crate) discovers the provider, sends the
//! browser (reqwest, driving the hosted HTML form with its CSRF token) through
//! `/oidc/auth` and `/sign-in`, redeems the code with PKCE, verifies the ID token against
//! the published JWKS, calls `/oidc/me`, refreshes with rotation; then reuse detection,
//! introspection, revocation, end session, the refusals, and the races.

mod experience_api;
mod hosted_pages;
mod races;
mod read_models;
mod refusals;
mod relying_party;
mod token_lifecycle;
