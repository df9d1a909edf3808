//! Who and what a request is, for the metadata every event carries (invariant 6). The
//! HTTP layer fills it from the request (`api::support::request::RequestContext`); the CLI and
//! background work use [`RequestContext::system`].

use domain::{Actor, EventMetadata, RequestLine, Timestamp};

/// The request's part of an event's metadata.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub correlation_id: String,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    /// The authenticated caller (an M2M application on the Management API), else the system.
    pub actor: Actor,
    pub request: Option<RequestLine>,
}

impl RequestContext {
    /// No request: the system acting, under `correlation_id` (e.g. `"bootstrap"`).
    pub fn system(correlation_id: &str) -> Self {
        Self {
            correlation_id: correlation_id.to_owned(),
            client_ip: None,
            user_agent: None,
            actor: Actor::System,
            request: None,
        }
    }

    /// The same request with `actor` deciding (the authenticated client at the token
    /// endpoint, for one).
    pub fn acting_as(&self, actor: Actor) -> Self {
        Self {
            actor,
            ..self.clone()
        }
    }

    /// Metadata for events decided in this request.
    pub fn metadata(&self, occurred_at: Timestamp) -> EventMetadata {
        EventMetadata {
            occurred_at,
            actor: self.actor.clone(),
            correlation_id: self.correlation_id.clone(),
            client_ip: self.client_ip.clone(),
            user_agent: self.user_agent.clone(),
            request: self.request.clone(),
        }
    }
}
