//! Per-client-IP rate limit on the routes anyone can call: the OIDC endpoints, the hosted
//! pages, the Experience API and the Account API (whose verification route checks
//! passwords). Management routes are not limited here: their callers hold a Management
//! token. Password guessing against one identifier is the sentinel's job (lockout); this
//! limit bounds what one address can make the server do at all.
//!
//! A GCRA limiter (the `governor` crate) keyed by the connection's peer address (proxies
//! are not trusted yet, as for event metadata); IPv6 addresses are keyed by their /64,
//! the block one subscriber gets, so rotating addresses inside it gains nothing. Past the
//! limit: `429 Too Many Requests` with `Retry-After` (seconds). Idle keys are dropped once
//! a minute, so the table stays bounded by the addresses seen in the last minute.

use crate::support::error::ErrorBody;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::RETRY_AFTER;
use actix_web::middleware::Next;
use actix_web::{web, Error, HttpResponse};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

/// `TESSERA_RATE_LIMIT_PER_SECOND` and `TESSERA_RATE_LIMIT_BURST`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitSettings {
    /// Sustained requests per second per address; 0 turns the limit off.
    pub per_second: u32,
    /// Requests an address may make at once before the sustained rate applies.
    pub burst: u32,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self {
            per_second: 50,
            burst: 200,
        }
    }
}

/// The shared limiter (one per process; cheap to clone).
#[derive(Clone)]
pub struct IpRateLimit {
    limiter: Option<Arc<DefaultKeyedRateLimiter<IpAddr>>>,
}

impl IpRateLimit {
    pub fn new(settings: RateLimitSettings) -> Self {
        let limiter = NonZeroU32::new(settings.per_second).map(|rate| {
            let burst = NonZeroU32::new(settings.burst.max(1)).unwrap_or(rate);
            Arc::new(RateLimiter::keyed(
                Quota::per_second(rate).allow_burst(burst),
            ))
        });
        Self { limiter }
    }

    /// Off: every request passes (benchmarks, deployments limiting at their edge).
    pub fn off() -> Self {
        Self { limiter: None }
    }

    /// Forgets addresses idle long enough to be back at their full burst; call it from a
    /// background task (`spawn_housekeeping`).
    pub fn forget_idle(&self) {
        if let Some(limiter) = &self.limiter {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }

    /// Runs [`Self::forget_idle`] once a minute for as long as the runtime lives.
    pub fn spawn_housekeeping(&self) {
        if self.limiter.is_none() {
            return;
        }
        let this = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                this.forget_idle();
            }
        });
    }

    /// `Err(seconds to wait)` when `ip` is over its limit.
    pub fn check(&self, ip: IpAddr) -> Result<(), u64> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        limiter.check_key(&key(ip)).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }
}

/// The key for `ip`: itself for IPv4 (and IPv4-mapped IPv6), its /64 for IPv6.
fn key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut segments = v6.segments();
                segments[4..].fill(0);
                IpAddr::V6(segments.into())
            }
        },
    }
}

fn too_many(retry_after: u64) -> HttpResponse {
    HttpResponse::TooManyRequests()
        .insert_header((RETRY_AFTER, retry_after.max(1).to_string()))
        .json(ErrorBody {
            code: "request.too_many_requests".to_owned(),
            message: format!("Too many requests from this address; retry in {retry_after} s."),
            data: None,
            details: None,
        })
}

/// Middleware on the routes [`crate::guard::access::Routes`] mounts as rate limited.
pub async fn limit_by_ip(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let limit = req
        .app_data::<web::Data<crate::state::AppState>>()
        .map(|state| state.rate_limit.clone());
    if let (Some(limit), Some(peer)) = (limit, req.peer_addr()) {
        if let Err(retry_after) = limit.check(peer.ip()) {
            return Ok(req.into_response(too_many(retry_after)));
        }
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn past_the_burst_an_address_waits_and_others_do_not() {
        let limit = IpRateLimit::new(RateLimitSettings {
            per_second: 1,
            burst: 3,
        });
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        for _ in 0..3 {
            assert_eq!(limit.check(a), Ok(()));
        }
        let wait = limit.check(a).unwrap_err();
        assert!((1..=2).contains(&wait), "{wait}");
        assert_eq!(limit.check(b), Ok(()));
    }

    #[test]
    fn ipv6_addresses_of_one_slash_64_share_a_budget() {
        let limit = IpRateLimit::new(RateLimitSettings {
            per_second: 1,
            burst: 2,
        });
        assert_eq!(limit.check("2001:db8::1".parse().unwrap()), Ok(()));
        assert_eq!(limit.check("2001:db8::ffff:2".parse().unwrap()), Ok(()));
        assert!(limit.check("2001:db8::3".parse().unwrap()).is_err());
        assert_eq!(limit.check("2001:db8:0:1::1".parse().unwrap()), Ok(()));
    }

    #[test]
    fn zero_turns_it_off() {
        let limit = IpRateLimit::new(RateLimitSettings {
            per_second: 0,
            burst: 0,
        });
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..10_000 {
            assert_eq!(limit.check(a), Ok(()));
        }
    }
}
