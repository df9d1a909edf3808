//! Reading and writing the sign-in cookies: `HttpOnly`, `SameSite=Lax` (the redirect back
//! from another site must carry them; cross-site POSTs must not), `Secure` when the public
//! endpoint is HTTPS. Values are sealed under the cookie key derived from the KEK and bound to
//! the cookie's name (`store::SealPurpose::Cookie`): one cookie cannot pass for another, nor
//! for any other sealed value.

use crate::state::AppState;
use actix_web::http::header::{HeaderValue, COOKIE, SET_COOKIE};
use actix_web::{HttpRequest, HttpResponseBuilder};
use serde::de::DeserializeOwned;
use serde::Serialize;
use store::SealPurpose;

pub const SESSION: &str = "_session";

/// Every cookie of the request, as (name, value).
fn pairs(req: &HttpRequest) -> impl Iterator<Item = (&str, &str)> {
    req.headers()
        .get_all(COOKIE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
}

/// The raw value of cookie `name`, if the request carries it.
fn raw(req: &HttpRequest, name: &str) -> Option<String> {
    pairs(req)
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// The names of the request's cookies (`signin/interactions.rs`: one per application).
pub fn names(req: &HttpRequest) -> Vec<String> {
    pairs(req).map(|(k, _)| k.to_owned()).collect()
}

/// Cookie `name` opened and decoded; `None` when absent, tampered with or unreadable.
pub fn open<T: DeserializeOwned>(state: &AppState, req: &HttpRequest, name: &str) -> Option<T> {
    let sealed = raw(req, name)?;
    let plain = state
        .store
        .open_sealed(SealPurpose::Cookie, name, &sealed)
        .ok()?;
    serde_json::from_slice(&plain).ok()
}

/// Sets cookie `name` to `value`, sealed, for `max_age` seconds.
pub fn set<T: Serialize>(
    state: &AppState,
    response: &mut HttpResponseBuilder,
    name: &str,
    value: &T,
    max_age: u64,
) -> Result<(), store::StoreError> {
    let json = serde_json::to_vec(value)
        .map_err(|e| store::StoreError::Crypto(format!("cookie value: {e}")))?;
    let sealed = state.store.seal(SealPurpose::Cookie, name, &json)?;
    append(state, response, name, &sealed, max_age);
    Ok(())
}

/// Expires cookie `name`.
pub fn clear(state: &AppState, response: &mut HttpResponseBuilder, name: &str) {
    append(state, response, name, "", 0);
}

fn append(
    state: &AppState,
    response: &mut HttpResponseBuilder,
    name: &str,
    value: &str,
    max_age: u64,
) {
    let secure = if state.endpoint.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let cookie =
        format!("{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}");
    // Sealed values are base64 (cookie-safe); a failure here would be our bug, not the client's.
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.append_header((SET_COOKIE, v));
    }
}
