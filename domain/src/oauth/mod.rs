//! OAuth 2.0 / OpenID Connect policies that need no I/O: the authorization request, PKCE,
//! redirect-URI matching, client-secret digests, token lifetimes, pushed authorization
//! requests, device authorization requests and impersonation (subject) tokens.

pub mod authorization;
pub mod device_authorization;
pub mod lifetimes;
pub mod pkce;
pub mod pushed_request;
pub mod redirect;
pub mod secret;
pub mod subject_token;
pub mod wildcard;

#[cfg(test)]
mod proptests;
