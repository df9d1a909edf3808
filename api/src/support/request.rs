//! Who and what a request is, for the metadata every event carries (invariant 6).

use actix_web::dev::Payload;
use actix_web::http::header::{HeaderName, USER_AGENT};
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use domain::{Actor, RequestLine};
use std::future::{ready, Ready};

pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The correlation id of a request: the caller's `X-Request-Id` when it is sane (printable
/// ASCII, at most 128 characters), else a new UUIDv7. Set once by the middleware in
/// [`crate::server`] and echoed in the response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

impl RequestId {
    pub fn from_request(req: &HttpRequest) -> Self {
        req.headers()
            .get(&REQUEST_ID_HEADER)
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
            .map(|v| Self(v.to_owned()))
            .unwrap_or_else(|| Self(uuid::Uuid::now_v7().to_string()))
    }
}

/// The request's part of an event's metadata, taken from the HTTP request: an extractor
/// around the application layer's plain [`app::RequestContext`] (which it dereferences
/// to, so a handler passes `&request` to a service).
#[derive(Debug, Clone)]
pub struct RequestContext(pub app::RequestContext);

impl std::ops::Deref for RequestContext {
    type Target = app::RequestContext;

    fn deref(&self) -> &app::RequestContext {
        &self.0
    }
}

impl std::ops::DerefMut for RequestContext {
    fn deref_mut(&mut self) -> &mut app::RequestContext {
        &mut self.0
    }
}

/// The request line of `req` as events keep it (paths are bounded like the user agent).
fn request_line(req: &HttpRequest) -> RequestLine {
    RequestLine {
        method: req.method().as_str().to_owned(),
        path: req.path().chars().take(512).collect(),
        route: req.match_pattern(),
        params: req
            .match_info()
            .iter()
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect(),
    }
}

impl FromRequest for RequestContext {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let correlation_id = req
            .extensions()
            .get::<RequestId>()
            .cloned()
            .unwrap_or_else(|| RequestId::from_request(req))
            .0;
        // The connection's peer, not a forwarded header: proxies are not trusted yet.
        let client_ip = req.peer_addr().map(|addr| addr.ip().to_string());
        let user_agent = req
            .headers()
            .get(USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.chars().take(512).collect());
        let actor = req
            .extensions()
            .get::<crate::guard::management_token::Principal>()
            .map_or(Actor::System, |p| Actor::Application(p.client_id.clone()));
        ready(Ok(Self(app::RequestContext {
            correlation_id,
            client_ip,
            user_agent,
            actor,
            request: Some(request_line(req)),
        })))
    }
}

/// The token of an `Authorization: Bearer <token>` header (the scheme in any case, RFC
/// 6750 §2.1), if there is one.
pub fn bearer_token(req: &actix_web::HttpRequest) -> Option<&str> {
    let value = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;
    use domain::Timestamp;

    #[test]
    fn a_sane_caller_request_id_is_kept_and_anything_else_replaced() {
        let req = TestRequest::default()
            .insert_header(("x-request-id", "abc-123"))
            .to_http_request();
        assert_eq!(RequestId::from_request(&req).0, "abc-123");

        let long = "x".repeat(200);
        for bad in ["", "has space", long.as_str()] {
            let req = TestRequest::default()
                .insert_header(("x-request-id", bad))
                .to_http_request();
            let id = RequestId::from_request(&req).0;
            assert!(uuid::Uuid::parse_str(&id).is_ok(), "{bad:?} gave {id}");
        }
    }

    #[test]
    fn metadata_carries_the_request_context() {
        let req = TestRequest::default()
            .insert_header(("user-agent", "curl/8"))
            .peer_addr("192.0.2.7:5555".parse().unwrap())
            .to_http_request();
        let ctx = futures::executor::block_on(RequestContext::extract(&req)).unwrap();
        let meta = ctx.metadata(Timestamp::from_millis(5));
        assert_eq!(meta.client_ip.as_deref(), Some("192.0.2.7"));
        assert_eq!(meta.user_agent.as_deref(), Some("curl/8"));
        assert_eq!(meta.actor, Actor::System);
        assert_eq!(meta.occurred_at, Timestamp::from_millis(5));
        assert!(!meta.correlation_id.is_empty());
    }
}
