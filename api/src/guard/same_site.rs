//! The guard of cookie-bound routes (the hosted pages and the Experience API): the
//! interaction cookie is `SameSite=Lax`, which still lets a top-level cross-site POST
//! carry it, and the Experience API took `text/plain` bodies (a CORS "simple" request
//! that a foreign page may send with the cookie). So a request that may change state is
//! refused when the browser says it comes from another site (`Sec-Fetch-Site:
//! cross-site`/`same-site`, or an `Origin` that is not this endpoint's), and the
//! Experience API takes JSON bodies only (a foreign page cannot send
//! `application/json` without a CORS preflight, which this server never grants).
//!
//! Reads (`GET`, `HEAD`) pass: the sign-in page is reached by a cross-site redirect from
//! the client, and a foreign page cannot read an answer without CORS.

use crate::guard::access::Access;
use crate::state::AppState;
use crate::support::error::ApiError;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderMap, CONTENT_LENGTH, CONTENT_TYPE, ORIGIN};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, Error, ResponseError};
use app::AppError;

/// Why a cookie-bound request was refused, if it was.
pub(crate) fn refusal(
    access: Access,
    method: &Method,
    headers: &HeaderMap,
    endpoint: &str,
) -> Option<ApiError> {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return None;
    }
    let fetch_site = headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .map(str::to_ascii_lowercase);
    // The browser's own verdict when it gives one; `Origin` otherwise (older browsers).
    // Not both: a same-origin form post may carry `Origin: null` (a page whose referrer
    // policy is `no-referrer` serialises its origin that way).
    let foreign = match fetch_site.as_deref() {
        Some(site) => !matches!(site, "same-origin" | "none"),
        None => headers
            .get(ORIGIN)
            .is_some_and(|origin| origin.to_str().map_or(true, |o| !same_origin(o, endpoint))),
    };
    if foreign {
        return Some(
            AppError::Forbidden {
                code: "auth.forbidden",
                message: "Cross-site request refused: this route only answers pages of this site."
                    .to_owned(),
            }
            .into(),
        );
    }
    if access == Access::Experience && has_body(headers) && !is_json(headers) {
        return Some(
            AppError::BadRequest {
                code: "guard.invalid_input",
                message: "The body must be JSON (content-type: application/json).".to_owned(),
            }
            .into(),
        );
    }
    None
}

fn has_body(headers: &HeaderMap) -> bool {
    match headers.get(CONTENT_LENGTH) {
        Some(length) => length.to_str().map_or(true, |l| l.trim() != "0"),
        // No length: chunked or unknown, so judge it by its type.
        None => headers.contains_key(CONTENT_TYPE) || headers.contains_key("transfer-encoding"),
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|essence| {
            let essence = essence.trim().to_ascii_lowercase();
            essence == "application/json"
                || (essence.starts_with("application/") && essence.ends_with("+json"))
        })
        .unwrap_or(false)
}

/// `origin` (`scheme://host[:port]`, or `null`) against the endpoint's origin.
fn same_origin(origin: &str, endpoint: &str) -> bool {
    let (Ok(origin), Ok(endpoint)) = (url::Url::parse(origin), url::Url::parse(endpoint)) else {
        return false;
    };
    origin.origin() == endpoint.origin()
}

/// Guard of [`Access::HostedPage`] and [`Access::Experience`] routes.
pub(crate) async fn require_same_site(
    access: Access,
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let endpoint = req
        .app_data::<web::Data<AppState>>()
        .map(|state| state.endpoint.clone())
        .unwrap_or_default();
    match refusal(access, req.method(), req.headers(), &endpoint) {
        Some(err) => Ok(req.into_response(err.error_response())),
        None => Ok(next.call(req).await?.map_into_boxed_body()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        map
    }

    const ENDPOINT: &str = "https://id.example.com";

    #[test]
    fn reads_pass_from_anywhere() {
        let h = headers(&[
            ("sec-fetch-site", "cross-site"),
            ("origin", "https://evil.test"),
        ]);
        assert!(refusal(Access::Experience, &Method::GET, &h, ENDPOINT).is_none());
    }

    #[test]
    fn a_cross_site_or_foreign_origin_write_is_refused() {
        for pairs in [
            &[("sec-fetch-site", "cross-site")][..],
            &[("sec-fetch-site", "same-site")][..],
            &[("origin", "https://evil.test")][..],
            &[("origin", "null")][..],
            &[("origin", "https://id.example.com:8443")][..],
        ] {
            let h = headers(pairs);
            for access in [Access::HostedPage, Access::Experience] {
                assert!(
                    refusal(access, &Method::POST, &h, ENDPOINT).is_some(),
                    "{pairs:?}"
                );
            }
        }
    }

    #[test]
    fn the_browsers_same_origin_verdict_wins_over_a_null_origin() {
        let h = headers(&[("sec-fetch-site", "same-origin"), ("origin", "null")]);
        assert!(refusal(Access::HostedPage, &Method::POST, &h, ENDPOINT).is_none());
        let h = headers(&[
            ("sec-fetch-site", "cross-site"),
            ("origin", "https://id.example.com"),
        ]);
        assert!(refusal(Access::HostedPage, &Method::POST, &h, ENDPOINT).is_some());
    }

    #[test]
    fn same_origin_writes_pass() {
        let h = headers(&[
            ("sec-fetch-site", "same-origin"),
            ("origin", "https://id.example.com"),
            ("content-type", "application/json"),
            ("content-length", "2"),
        ]);
        assert!(refusal(Access::Experience, &Method::PUT, &h, ENDPOINT).is_none());
        assert!(refusal(Access::Experience, &Method::POST, &headers(&[]), ENDPOINT).is_none());
    }

    #[test]
    fn the_experience_api_takes_json_bodies_only() {
        for content_type in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ] {
            let mut h = headers(&[("content-length", "10")]);
            h.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
            assert!(refusal(Access::Experience, &Method::POST, &h, ENDPOINT).is_some());
            // The hosted pages post forms.
            assert!(refusal(Access::HostedPage, &Method::POST, &h, ENDPOINT).is_none());
        }
        let h = headers(&[
            ("content-length", "10"),
            ("content-type", "application/json; charset=utf-8"),
        ]);
        assert!(refusal(Access::Experience, &Method::POST, &h, ENDPOINT).is_none());
        let h = headers(&[("content-length", "10")]);
        assert!(refusal(Access::Experience, &Method::POST, &h, ENDPOINT).is_some());
    }
}
