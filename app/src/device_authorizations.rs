//! Device authorization requests (RFC 8628, `domain::oauth::device_authorization`): a
//! device asks, the user finds the request by its user code on `/device` and decides, the
//! device polls the token endpoint until tokens are issued (`api/src/oidc/token/
//! device_code.rs` redeems, in one batch with the grant's events).
//!
//! Polling appends nothing. What RFC 8628 §3.5 needs between polls (when the device last
//! polled, its current interval for `slow_down`) lives in [`PollTracker`], in this
//! process's memory. With several nodes each keeps its own: a device whose polls are
//! spread over nodes by a load balancer is slowed down by each node separately, so it can
//! poll up to N times as often as it was told before any node says `slow_down`. That is
//! the price of a poll that writes nothing (a shared table would turn every poll into a
//! write); the request itself, the decision and the redemption are events, which every
//! node sees.

use crate::request::RequestContext;
use crate::transact::{transact, Tx};
use crate::{AppContext, AppError};
use domain::ids::StandardId;
use domain::oauth::device_authorization::{
    generate_user_code, normalize_user_code, DeviceAuthorization, DeviceAuthorizationCommand,
    DeviceAuthorizationRequested, DeviceRefusal, INTERVAL_SECS, SLOW_DOWN_SECS,
};
use domain::oauth::secret::{generate_secret, SecretDigest};
use domain::Timestamp;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// Fresh user codes tried before giving up on one not already waiting (a clash needs two
/// of 2.6·10^10 codes live at once).
const USER_CODE_ATTEMPTS: usize = 5;

/// What the device is told (RFC 8628 §3.2); `verification_uri` is the caller's.
#[derive(Debug, Clone)]
pub struct Started {
    pub device_code: String,
    pub user_code: String,
    pub expires_in: u64,
    pub interval: u64,
}

/// Records a request by `client_id` for `scopes` and `resources` (already validated by
/// the caller), good for the configured lifetime.
pub async fn request(
    ctx: &AppContext,
    request: &RequestContext,
    client_id: &str,
    scopes: Vec<String>,
    resources: Vec<String>,
) -> Result<Started, AppError> {
    let now = ctx.clock.now();
    let ttl = ctx.sign_in.lifetimes.device_code;
    let mut user_code = generate_user_code(&mut ctx.random.rng());
    for _ in 1..USER_CODE_ATTEMPTS {
        if find_waiting_id(ctx, &user_code, now).await?.is_none() {
            break;
        }
        user_code = generate_user_code(&mut ctx.random.rng());
    }
    let id = StandardId::generate(&mut ctx.random.rng()).into_string();
    let (secret, digest) = generate_secret(&mut ctx.random.rng());
    let requested = DeviceAuthorizationRequested {
        client_id: client_id.to_owned(),
        scopes,
        resources,
        device_code: digest,
        user_code: SecretDigest::of(&user_code),
        expires_at: now.plus_seconds(i64::try_from(ttl).unwrap_or(i64::MAX / 2000)),
    };
    let id_ref = id.as_str();
    transact(ctx, request, |mut tx: Tx| {
        let command = DeviceAuthorizationCommand::Request(requested.clone());
        async move {
            tx.run::<DeviceAuthorization>(id_ref, vec![command], |_| AppError::Conflict)
                .await?;
            Ok((tx, ()))
        }
    })
    .await?;
    Ok(Started {
        device_code: format!("{id}.{secret}"),
        user_code,
        expires_in: ttl,
        interval: INTERVAL_SECS,
    })
}

/// The request waiting for the user under the code they typed (any case, with or without
/// the dash): its id and state. `None` for a code that is malformed, unknown, expired or
/// already decided.
pub async fn find_waiting(
    ctx: &AppContext,
    typed: &str,
) -> Result<Option<(String, DeviceAuthorization)>, AppError> {
    let Some(code) = normalize_user_code(typed) else {
        return Ok(None);
    };
    let now = ctx.clock.now();
    let mut id = find_waiting_id(ctx, &code, now).await?;
    if id.is_none() {
        // The device may have asked a moment ago: let the read model catch up once.
        let bound = Duration::from_millis(500);
        if ctx
            .await_projection_head(projections::device_codes::NAME, bound)
            .await?
        {
            id = find_waiting_id(ctx, &code, now).await?;
        }
    }
    let Some(id) = id else { return Ok(None) };
    Ok(load_waiting(ctx, &id).await?.map(|d| (id, d)))
}

/// Request `id`, if it still waits for the user.
pub async fn load_waiting(
    ctx: &AppContext,
    id: &str,
) -> Result<Option<DeviceAuthorization>, AppError> {
    let loaded = ctx
        .store
        .repository()
        .load_cached::<DeviceAuthorization>(id)
        .await?;
    let now = ctx.clock.now();
    Ok(loaded
        .aggregate
        .waiting(now)
        .is_some()
        .then_some(loaded.aggregate))
}

async fn find_waiting_id(
    ctx: &AppContext,
    user_code: &str,
    now: Timestamp,
) -> Result<Option<String>, AppError> {
    let digest = SecretDigest::of(user_code);
    Ok(
        projections::device_codes::waiting(&ctx.store.read_pool, digest.as_str(), now.as_millis())
            .await?,
    )
}

/// Why the user's decision was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum DecideError {
    #[error(transparent)]
    Refused(#[from] DeviceRefusal),
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<store::StoreError> for DecideError {
    fn from(e: store::StoreError) -> Self {
        Self::App(e.into())
    }
}

/// The signed-in user's decision on request `id`: approved (in session `session_id`,
/// signed in at `auth_time`) or denied.
pub async fn decide(
    ctx: &AppContext,
    request: &RequestContext,
    id: &str,
    approve: bool,
    user_id: &str,
    session_id: &str,
    auth_time: Timestamp,
) -> Result<(), DecideError> {
    transact(ctx, request, |mut tx: Tx<DecideError>| {
        let command = if approve {
            DeviceAuthorizationCommand::Approve {
                user_id: user_id.to_owned(),
                session_id: session_id.to_owned(),
                auth_time,
            }
        } else {
            DeviceAuthorizationCommand::Deny {
                user_id: user_id.to_owned(),
            }
        };
        async move {
            tx.run::<DeviceAuthorization>(id, vec![command], DecideError::Refused)
                .await?;
            Ok((tx, ()))
        }
    })
    .await?;
    Ok(())
}

/// When each device last polled and the interval it must keep (RFC 8628 §3.5), in this
/// process's memory (see the module's note on several nodes).
#[derive(Debug, Default)]
pub struct PollTracker {
    polls: Mutex<HashMap<String, Poll>>,
}

#[derive(Debug, Clone, Copy)]
struct Poll {
    at: Timestamp,
    interval_secs: u64,
    /// Forgotten after this (the device code's expiry).
    until: Timestamp,
}

/// Past this many tracked devices, expired entries are swept on the next poll.
const SWEEP_ABOVE: usize = 4096;

impl PollTracker {
    /// Records a poll of device authorization `id` (which expires at `until`) at `now`:
    /// `Err(interval)` with the new, longer interval when it came sooner than the
    /// device's interval (`slow_down`), `Ok(())` otherwise.
    pub fn poll(&self, id: &str, now: Timestamp, until: Timestamp) -> Result<(), u64> {
        let Ok(mut polls) = self.polls.lock() else {
            // A poisoned map only loses pacing, never a decision.
            return Ok(());
        };
        if polls.len() > SWEEP_ABOVE {
            polls.retain(|_, p| p.until > now);
        }
        let entry = polls.entry(id.to_owned()).or_insert(Poll {
            at: Timestamp::from_millis(i64::MIN / 2),
            interval_secs: INTERVAL_SECS,
            until,
        });
        let since_ms = now.as_millis().saturating_sub(entry.at.as_millis());
        let interval_ms =
            i64::try_from(entry.interval_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
        entry.at = now;
        if since_ms < interval_ms {
            entry.interval_secs += SLOW_DOWN_SECS;
            return Err(entry.interval_secs);
        }
        Ok(())
    }

    /// Forgets `id` (its tokens were issued, or it ended).
    pub fn forget(&self, id: &str) {
        if let Ok(mut polls) = self.polls.lock() {
            polls.remove(id);
        }
    }

    /// Devices tracked now.
    pub fn len(&self) -> usize {
        self.polls.lock().map_or(0, |p| p.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polling_faster_than_the_interval_slows_the_device_down_by_five_seconds() {
        let t = PollTracker::default();
        let at = |s: i64| Timestamp::from_millis(s * 1000);
        let until = at(600);
        assert_eq!(t.poll("d", at(0), until), Ok(()));
        assert_eq!(t.poll("d", at(5), until), Ok(()));
        assert_eq!(t.poll("d", at(8), until), Err(10));
        assert_eq!(t.poll("d", at(15), until), Err(15), "7 s < 10 s");
        assert_eq!(t.poll("d", at(30), until), Ok(()));
        assert_eq!(t.poll("other", at(30), until), Ok(()), "per device");
        t.forget("d");
        assert_eq!(t.len(), 1);
    }
}
