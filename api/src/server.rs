//! The actix-web application: routes, the JSON 404, request ids, metrics and access logs.

use crate::state::AppState;
use crate::support::request::{RequestId, REQUEST_ID_HEADER};
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header::HeaderValue;
use actix_web::middleware::{from_fn, DefaultHeaders, Next};
use actix_web::{web, App, Error, HttpMessage};
use std::time::Instant;
use tracing::Instrument;

/// Mounts every route on `cfg` (the binary and tests go through [`build_app`]).
pub fn configure(cfg: &mut web::ServiceConfig) {
    crate::routes::configure(cfg);
}

/// The whole application for one actix worker.
pub fn build_app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = Error,
        InitError = (),
    >,
> {
    let headers = security_headers(&state.endpoint);
    App::new()
        .app_data(web::Data::new(state))
        .configure(configure)
        .default_service(web::to(crate::routes::not_found))
        // Before routing; inside `observe`, so refused requests are counted and carry a
        // request id too. Who may call a route is decided where it is mounted (`access`).
        .wrap(from_fn(crate::guard::normal_path::require_normal_path))
        .wrap(headers)
        .wrap(from_fn(observe))
}

/// Headers on every response (routes may set stricter ones of their own): no MIME
/// sniffing, no referrer to other origins (URLs here carry codes, interaction and client
/// details; `same-origin` rather than `no-referrer`, under which browsers send `Origin:
/// null` on this site's own form posts), and HSTS when
/// the endpoint is HTTPS (a plain-HTTP endpoint is a development setup, and a browser
/// ignores HSTS over HTTP anyway).
fn security_headers(endpoint: &str) -> DefaultHeaders {
    let headers = DefaultHeaders::new()
        .add(("x-content-type-options", "nosniff"))
        .add(("referrer-policy", "same-origin"));
    if endpoint.starts_with("https://") {
        headers.add(("strict-transport-security", "max-age=31536000"))
    } else {
        headers
    }
}

/// Assigns the request id, records metrics by route pattern and status, and logs the
/// request at debug level.
async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let request_id = RequestId::from_request(req.request());
    req.extensions_mut().insert(request_id.clone());
    let method = req.method().to_string();
    let path = req.path().to_owned();
    let state = req.app_data::<web::Data<AppState>>().cloned();

    // Everything logged while handling the request carries its id.
    let span = tracing::info_span!("request", request_id = %request_id.0, %method, %path);
    let result = next.call(req).instrument(span).await;

    let (status, route) = match &result {
        Ok(res) => (
            res.status().as_u16(),
            res.request()
                .match_pattern()
                .unwrap_or_else(|| "unmatched".to_owned()),
        ),
        Err(err) => (
            err.as_response_error().status_code().as_u16(),
            "unmatched".to_owned(),
        ),
    };
    let seconds = started.elapsed().as_secs_f64();
    if let Some(state) = &state {
        state
            .metrics
            .observe_request(&method, &route, status, seconds);
    }
    tracing::debug!(
        request_id = %request_id.0,
        %method,
        %path,
        %route,
        status,
        latency_ms = seconds * 1000.0,
        "request"
    );
    let mut res = result?;
    if let Ok(value) = HeaderValue::from_str(&request_id.0) {
        res.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    Ok(res)
}
