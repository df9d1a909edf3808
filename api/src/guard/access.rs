//! Who may call a route, decided where the route is mounted.
//!
//! Every route reaches the application through a [`Routes`] registrar made for one
//! [`Access`] class; the registrar wraps each resource in that class's guard, so the guard
//! runs for whatever path the router matched (percent-decoded or not) and a route module
//! cannot mount a resource around it: it never sees the `ServiceConfig`. The classes are
//! handed out in one place, `routes::configure`. Nothing here compares path strings.
//!
//! A request the router matches to no resource reaches the app's default service, which
//! refuses unknown `/api` paths without a Management token as Logto does (401, so the
//! answer does not reveal which routes exist) and never runs a handler.

use crate::guard::end_user_token;
use crate::guard::management_token::Refusal;
use crate::guard::rate_limit::limit_by_ip;
use crate::state::AppState;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::{from_fn, Next};
use actix_web::{web, Error, HttpMessage, Resource, ResponseError};

/// Who may call a group of routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone: health, discovery, documentation, and the protocol endpoints that
    /// authenticate their callers themselves (OIDC client authentication, PKCE).
    Public,
    /// The hosted pages, bound to the interaction cookie: forms posted from another site
    /// are refused (`same_site.rs`).
    HostedPage,
    /// The Experience API, bound to the interaction cookie: JSON bodies only, and writes
    /// from another site refused (`same_site.rs`).
    Experience,
    /// The end user with their own access token (the Account API).
    EndUser,
    /// A Management API token (scope `all` on Logto's Management API resource).
    Management,
}

/// Mounts resources of one access class.
pub struct Routes<'a> {
    cfg: &'a mut web::ServiceConfig,
    access: Access,
}

impl<'a> Routes<'a> {
    pub fn new(cfg: &'a mut web::ServiceConfig, access: Access) -> Self {
        Self { cfg, access }
    }

    /// The class every resource mounted here gets.
    pub fn access(&self) -> Access {
        self.access
    }

    /// Mounts `resource` behind this class's guard. Every class but Management is also
    /// rate limited per client address (`rate_limit.rs`), outside the guard, so refused
    /// requests count too.
    pub fn resource(&mut self, resource: Resource) -> &mut Self {
        let limited = from_fn(limit_by_ip);
        match self.access {
            Access::Public => self.cfg.service(resource.wrap(limited)),
            Access::HostedPage => self
                .cfg
                .service(resource.wrap(from_fn(require_hosted_page)).wrap(limited)),
            Access::Experience => self
                .cfg
                .service(resource.wrap(from_fn(require_experience)).wrap(limited)),
            Access::EndUser => self
                .cfg
                .service(resource.wrap(from_fn(require_end_user)).wrap(limited)),
            Access::Management => self.cfg.service(resource.wrap(from_fn(require_management))),
        };
        self
    }

    /// Mounts a service that is not a plain resource (the bundled Swagger UI). Public
    /// routes only: a guarded class takes resources, whose guard wraps them whole.
    pub fn public_service(&mut self, service: impl actix_web::dev::HttpServiceFactory + 'static) {
        debug_assert_eq!(self.access, Access::Public);
        if self.access == Access::Public {
            self.cfg.service(service);
        }
    }
}

fn state(req: &ServiceRequest) -> Option<web::Data<AppState>> {
    req.app_data::<web::Data<AppState>>().cloned()
}

async fn require_hosted_page(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    crate::guard::same_site::require_same_site(Access::HostedPage, req, next).await
}

async fn require_experience(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    crate::guard::same_site::require_same_site(Access::Experience, req, next).await
}

/// Guard of [`Access::Management`]: a verified Management API token, or the refusal.
async fn require_management(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let Some(state) = state(&req) else {
        return Ok(req.into_response(Refusal::Unauthorized.response()));
    };
    // The token, and whether its app still has Management access (`management_access.rs`).
    match crate::guard::management_access::authenticate(&state, req.request()).await {
        Ok(principal) => {
            req.extensions_mut().insert(principal);
            Ok(next.call(req).await?.map_into_boxed_body())
        }
        Err(refused) => Ok(req.into_response(refused)),
    }
}

/// Guard of [`Access::EndUser`]: the end user's live access token. The caller is kept
/// in the request for the handler ([`end_user_token::authenticate`] reads it back).
async fn require_end_user(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let Some(state) = state(&req) else {
        return Ok(req.into_response(Refusal::Unauthorized.response()));
    };
    match end_user_token::authenticate_bearer(&state, req.request()).await {
        Ok(caller) => {
            req.extensions_mut().insert(caller);
            Ok(next.call(req).await?.map_into_boxed_body())
        }
        Err(err) => Ok(req.into_response(err.error_response())),
    }
}
