//! Requests whose path is not in normal form are answered 400 before routing.
//!
//! The router matches the percent-decoded path, so `/%61pi/users` is routed as
//! `/api/users`. Access is decided by the route the router matched (`access.rs`), so such
//! a spelling no longer bypasses anything; refusing it as well keeps every layer (logs,
//! metrics, proxies in front, the audit trail) looking at one spelling of one path, and
//! leaves an attacker no room for parser differentials. Refused:
//!
//! - a percent-encoded unreserved character (`%61` for `a`, `%2E` for `.`), which has a
//!   plain spelling (RFC 3986 §2.3, §6.2.2.2);
//! - an encoded `/` or `\` (`%2F`, `%5C`), a raw `\`, an encoded NUL or control byte;
//! - a malformed escape (`%`, `%4`, `%zz`);
//! - dot segments (`/./`, `/../`, RFC 3986 §5.2.4) and empty segments (`//`), except
//!   the single trailing slash (`/api/docs/`).

use crate::support::error::ApiError;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, ResponseError};
use app::AppError;

/// Why `path` (as received, before decoding) is not in normal form.
pub fn check(path: &str) -> Result<(), &'static str> {
    if !path.starts_with('/') {
        return Err("the path must start with '/'");
    }
    if path.contains('\\') {
        return Err("the path contains '\\'");
    }
    let bytes = path.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or("the path has a malformed percent-escape")?;
            if hex.is_ascii_alphanumeric() || matches!(hex, b'-' | b'.' | b'_' | b'~') {
                return Err("the path percent-encodes a character that has a plain spelling");
            }
            if matches!(hex, b'/' | b'\\') {
                return Err("the path has an encoded '/' or '\\'");
            }
            if hex < 0x20 || hex == 0x7f {
                return Err("the path has an encoded control character");
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    let segments: Vec<&str> = path[1..].split('/').collect();
    let last = segments.len() - 1;
    for (index, segment) in segments.iter().enumerate() {
        // The segment's name, without matrix parameters (`/a;x=1/`).
        let name = segment.split(';').next().unwrap_or_default();
        if name == "." || name == ".." {
            return Err("the path has a '.' or '..' segment");
        }
        if segment.is_empty() && index != last {
            return Err("the path has an empty segment");
        }
    }
    Ok(())
}

/// Middleware: 400 `guard.invalid_input` for a path not in normal form.
pub async fn require_normal_path(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    match check(req.uri().path()) {
        Ok(()) => Ok(next.call(req).await?.map_into_boxed_body()),
        Err(why) => {
            let err = AppError::BadRequest {
                code: "guard.invalid_input",
                message: format!("Request path not in normal form: {why}."),
            };
            Ok(req.into_response(ApiError::from(err).error_response()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::check;
    use proptest::prelude::*;

    #[test]
    fn plain_paths_pass() {
        for path in [
            "/",
            "/api/users",
            "/api/users/abc-DEF_1~x",
            "/api/docs/",
            "/api/users/name%20with%20space",
            "/api/users/%25",
            "/api/users/%C3%A9t%C3%A9",
            "/oidc/.well-known/openid-configuration",
            "/api/users;x=1",
        ] {
            assert_eq!(check(path), Ok(()), "{path}");
        }
    }

    #[test]
    fn every_other_spelling_is_refused() {
        for path in [
            "/%61pi/users",
            "/ap%69/applications",
            "/api%2Fusers",
            "/api%2fusers",
            "/api/%5cusers",
            "/api\\users",
            "//api/users",
            "/api//users",
            "/./api/users",
            "/api/../api/users",
            "/api/./users",
            "/api/..;x/users",
            "/api/users/..",
            "/api/%2E%2E/users",
            "/api/users/%00",
            "/api/users/%",
            "/api/users/%4",
            "/api/users/%zz",
            "api/users",
        ] {
            assert!(check(path).is_err(), "{path}");
        }
    }

    proptest! {
        /// A path that passes has no second spelling: decoding it changes only bytes
        /// that must stay encoded, never one that the router would read differently.
        #[test]
        fn a_normal_path_decodes_to_no_unreserved_escape_or_dot_segment(path in "(/[a-zA-Z0-9._~%;=-]{0,6}){1,5}/?") {
            if check(&path).is_ok() {
                let lower = path.to_ascii_lowercase();
                for unreserved in ["%61", "%2e", "%2f", "%5c", "%7e", "%5f", "%2d", "%30"] {
                    prop_assert!(!lower.contains(unreserved));
                }
                prop_assert!(!path.contains("//"));
                for segment in path.split('/') {
                    let name = segment.split(';').next().unwrap_or_default();
                    prop_assert!(name != "." && name != "..");
                }
            }
        }

        /// Never panics, whatever the bytes.
        #[test]
        fn any_input_is_judged_without_panicking(path in "\\PC{0,40}") {
            let _ = check(&path);
        }
    }
}
