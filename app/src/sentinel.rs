//! The sentinel at work: is an identifier locked, and recording a failed attempt so that
//! every node counts it (the `Sentinel` aggregate's stream in the shared log; see
//! `domain::sentinel`).
//!
//! A failure is appended together with the sign-in session's `SignInFailed` (when there
//! is a session) in one atomic batch, and the batch is retried on every optimistic-
//! concurrency conflict until it commits: a conflict means another attempt's events
//! committed, so the loop always progresses, and no failed attempt is ever dropped (the
//! old path gave up on a conflict on the session stream, so concurrent failures in one
//! interaction were lost).

use crate::context::AppContext;
use crate::request::RequestContext;
use crate::transact::{transact_with, Tx};
use domain::identifier::{Identifier, IdentifierKind};
use domain::sentinel::{RecordFailure, Sentinel, SentinelEvent, VerificationMethod};
use domain::session::{Session, SessionCommand, SignInFailed};
use domain::{Aggregate, Timestamp};
use store::StoreError;

/// A bound that is never reached in practice (every conflict is another attempt that
/// committed); it only stops a livelock bug from spinning forever.
const MAX_ROUNDS: usize = 10_000;

/// The identifier a verification is for, as the sentinel counts it.
#[derive(Debug, Clone)]
pub struct Target {
    stream_id: String,
    identifier_type: &'static str,
    value: String,
}

impl Target {
    /// A sign-in identifier (username, email, phone): one counter per normalised value,
    /// on a stream named by its keyed digest (no personal data in stream ids).
    pub fn identifier(state: &AppContext, id: &Identifier) -> Self {
        let identifier_type = match id.kind() {
            IdentifierKind::Email => "email",
            IdentifierKind::Phone => "phone",
            _ => "username",
        };
        Self {
            stream_id: state.store.identifier_stream_id(id),
            identifier_type,
            value: id.normalized().to_owned(),
        }
    }

    /// One second factor of a user: each factor has a counter of its own (Logto: TOTP,
    /// WebAuthn and backup-code failures are counted apart from passwords and codes).
    pub fn factor(user_id: &str, factor: domain::user::mfa::MfaFactor) -> Self {
        let suffix = match factor {
            domain::user::mfa::MfaFactor::Totp => "totp",
            domain::user::mfa::MfaFactor::BackupCode => "backup-code",
        };
        Self {
            stream_id: format!("uid:{user_id}:{suffix}"),
            identifier_type: "userId",
            value: user_id.to_owned(),
        }
    }

    /// A user already identified by id (Account API and Management API verifications).
    pub fn user(user_id: &str) -> Self {
        Self {
            stream_id: format!("uid:{user_id}"),
            identifier_type: "userId",
            value: user_id.to_owned(),
        }
    }
}

/// Seconds left on `target`'s lock at `now`, if it is locked.
fn seconds_left(sentinel: &Sentinel, now: Timestamp) -> Option<i64> {
    sentinel
        .locked_until(now)
        .map(|until| ((until.as_millis() - now.as_millis()) + 999) / 1000)
}

/// Whether `target` is locked now, and for how many more seconds.
pub async fn locked(state: &AppContext, target: &Target) -> Result<Option<i64>, StoreError> {
    let loaded = state
        .store
        .repository()
        .load_cached::<Sentinel>(&target.stream_id)
        .await?;
    Ok(seconds_left(&loaded.aggregate, state.clock.now()))
}

/// Records one failed attempt: `VerificationFailed` on `target`'s stream (plus
/// `IdentifierLockedOut` when it reaches the limit) and, with `session`, the session's
/// `SignInFailed`, in one atomic append retried until it commits. Returns the seconds left
/// on the identifier's lock when this failure found it locked or locked it.
pub async fn record_failure(
    state: &AppContext,
    request: &RequestContext,
    method: VerificationMethod,
    target: Option<&Target>,
    user_id: Option<&str>,
    session: Option<(&str, &SignInFailed)>,
) -> Result<Option<i64>, StoreError> {
    let policy = crate::sign_in_experience::sentinel_policy(state).await?;
    let (lock, _) = transact_with(
        state,
        request,
        MAX_ROUNDS,
        |mut tx: Tx<StoreError>| async move {
            let repo = tx.state().store.repository();
            let mut lock = None;
            if let Some(target) = target {
                lock = stage_failure(&mut tx, target, method, user_id, policy).await?;
            }
            if let Some((session_id, failure)) = session {
                let loaded = repo.load::<Session>(session_id).await?;
                // A session that has meanwhile signed in takes no more failures (the attempt
                // still counts towards the identifier's lock).
                if let Ok(events) = loaded
                    .aggregate
                    .handle(SessionCommand::RecordFailure(failure.clone()), &tx.ctx)
                {
                    tx.stage::<Session>(session_id, loaded.version, &events);
                }
            }
            Ok::<_, StoreError>((tx, lock))
        },
    )
    .await?;
    Ok(lock)
}

/// Stages one failed attempt on `target`'s stream in `tx` (`VerificationFailed`, plus
/// `IdentifierLockedOut` when it reaches the limit), for a writer that appends it with
/// its own events in one batch. Returns the seconds left on the lock after it.
pub async fn stage_failure<E: From<StoreError>>(
    tx: &mut Tx<E>,
    target: &Target,
    method: VerificationMethod,
    user_id: Option<&str>,
    policy: domain::sentinel::SentinelPolicy,
) -> Result<Option<i64>, StoreError> {
    let loaded = tx
        .state()
        .store
        .repository()
        .load_cached::<Sentinel>(&target.stream_id)
        .await?;
    let command = RecordFailure {
        method,
        identifier_type: target.identifier_type.to_owned(),
        value: target.value.clone(),
        user_id: user_id.map(str::to_owned),
        policy,
    };
    // The sentinel's decision cannot fail (its error type has no values).
    let Ok(events) = loaded.aggregate.handle(command, &tx.ctx);
    let mut after = loaded.aggregate.clone();
    events.iter().for_each(|e| after.apply(e));
    if events
        .iter()
        .any(|e| matches!(e, SentinelEvent::IdentifierLockedOut(_)))
    {
        tracing::warn!(
            identifier_type = target.identifier_type,
            "identifier locked out after too many failed attempts"
        );
    }
    tx.stage::<Sentinel>(&target.stream_id, loaded.version, &events);
    Ok(seconds_left(&after, tx.ctx.now))
}
