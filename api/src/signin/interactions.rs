//! The interaction cookies, one per application: `_interaction_<client id>`, each sealed
//! under a name of its own. Two applications signing in at once in one browser (two tabs,
//! an app and its admin console) keep their own sign-ins, as Logto 1.34's per-client
//! interactions do: starting the second does not overwrite the first.
//!
//! Every hosted page's links, forms and redirects carry `?app_id=<client id>` (the
//! authorization endpoint sends the browser to `/sign-in?app_id=…`, as Logto), and an
//! Experience API call may name its application the same way. A request without
//! `app_id` gets the most recently started live interaction (Logto's `_legacy`
//! entry), so a custom UI that never heard of `app_id` works as before.

use super::cookies;
use super::interaction::Interaction;
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponseBuilder};

/// The prefix every interaction cookie's name starts with.
const PREFIX: &str = "_interaction_";

/// The cookie holding `client_id`'s interaction. Client ids are URL-safe
/// (`domain::ids::StandardId::parse`: `[A-Za-z0-9_-]`), so the name is a cookie token.
fn name(client_id: &str) -> String {
    format!("{PREFIX}{client_id}")
}

/// `path` with `?app_id=<client_id>` (or `&app_id=…` after a query) appended.
pub fn with_app(path: &str, client_id: &str) -> String {
    let separator = if path.contains('?') { '&' } else { '?' };
    let id: String = url::form_urlencoded::byte_serialize(client_id.as_bytes()).collect();
    format!("{path}{separator}app_id={id}")
}

/// What the request's `app_id` query parameter names: `Some(None)` for one that is no
/// client id, `None` when the request has none (or an empty one).
fn requested_app(req: &HttpRequest) -> Option<Option<domain::ids::StandardId>> {
    url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, v)| k == "app_id" && !v.is_empty())
        .map(|(_, v)| domain::ids::StandardId::parse(&v))
}

/// Every live interaction the request carries.
fn live(state: &AppState, req: &HttpRequest) -> Vec<Interaction> {
    let now = state.clock.now();
    cookies::names(req)
        .into_iter()
        .filter(|n| n.starts_with(PREFIX))
        .filter_map(|n| {
            let i: Interaction = cookies::open(state, req, &n)?;
            // The seal is bound to the name; the client id inside must agree with it.
            (n == name(&i.client_id) && now < i.expires_at).then_some(i)
        })
        .collect()
}

/// The interaction this request continues: the one of its `app_id`, else the most
/// recently started live one; `None` when there is none (or `app_id` names nothing).
pub fn find(state: &AppState, req: &HttpRequest) -> Option<Interaction> {
    match requested_app(req) {
        Some(None) => None,
        Some(Some(app)) => live(state, req)
            .into_iter()
            .find(|i| i.client_id == app.as_str()),
        // Interactions expire a fixed time after they start: the latest expiry is the
        // latest start.
        None => live(state, req).into_iter().max_by_key(|i| i.expires_at),
    }
}

/// The live interaction whose session stream is `session_id` (`/oidc/auth/{uid}`: the
/// path names it).
pub fn by_session(state: &AppState, req: &HttpRequest, session_id: &str) -> Option<Interaction> {
    live(state, req)
        .into_iter()
        .find(|i| i.session_id == session_id)
}

/// Keeps `i` (sealed) in its application's cookie for `max_age` seconds.
pub fn save(
    state: &AppState,
    response: &mut HttpResponseBuilder,
    i: &Interaction,
    max_age: u64,
) -> Result<(), store::StoreError> {
    cookies::set(state, response, &name(&i.client_id), i, max_age)
}

/// Ends `i`'s cookie (the sign-in it carried is over).
pub fn clear(state: &AppState, response: &mut HttpResponseBuilder, i: &Interaction) {
    cookies::clear(state, response, &name(&i.client_id));
}

/// Ends every interaction cookie the request carries (sign-out).
pub fn clear_all(state: &AppState, req: &HttpRequest, response: &mut HttpResponseBuilder) {
    for n in cookies::names(req) {
        if n.starts_with(PREFIX) {
            cookies::clear(state, response, &n);
        }
    }
}

/// The query parameter every hosted page and Experience API route accepts (its OpenAPI
/// description, written once).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // read from the query string by `find`, never deserialised
pub struct AppIdQuery {
    /// The application (client id) whose interaction this request continues; without it,
    /// the most recently started one. One the browser has no live interaction for is an
    /// expired interaction.
    app_id: Option<String>,
}
