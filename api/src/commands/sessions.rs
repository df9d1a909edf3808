//! Ending a user's sessions and revoking their grants, as events.
//!
//! Revoking a grant is enough to stop its tokens at once: refresh tokens, opaque access
//! tokens and introspection all load the grant (`Repository::load_cached` reads the
//! events it has not seen yet), so the `GrantRevoked` is seen by the next request on any
//! node. Ending a session (`SignedOut`) stops silent sign-in with its cookie.

use super::exec::{settle, transact, Tx};
use crate::error::ApiError;
use crate::request::RequestContext;
use crate::state::AppState;
use domain::grant::{Grant, GrantCommand, RevocationReason};
use domain::session::{Session, SessionCommand, SignOutReason};

/// Why every session and grant of a user ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserDisabled {
    Suspended,
    Deleted,
}

impl UserDisabled {
    fn reasons(self) -> (SignOutReason, RevocationReason) {
        match self {
            Self::Suspended => (
                SignOutReason::UserSuspended,
                RevocationReason::UserSuspended,
            ),
            Self::Deleted => (SignOutReason::UserDeleted, RevocationReason::UserDeleted),
        }
    }
}

/// How many sessions and grants [`sign_out_everywhere`] ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SignedOutEverywhere {
    pub sessions: usize,
    pub grants: usize,
}

/// Ends every session and revokes every grant of `user_id`, each with an event naming
/// `cause`. Call it after the user's `UserSuspended`/`UserDeleted` has committed.
///
/// The sessions and grants are found in the read models, after waiting (bounded) for
/// them to reach the log head, so everything issued before the call is found. A grant
/// issued concurrently (a silent sign-in racing the suspension) can be missed: the token
/// endpoint, `/oidc/me`, introspection and `/oidc/auth` refuse tokens and sessions of a
/// suspended or deleted user by themselves, so such a grant is dead anyway, as are the
/// grants of a user whose revocations never ran (a crash right after the user event).
pub async fn sign_out_everywhere(
    state: &AppState,
    user_id: &str,
    cause: UserDisabled,
    request: &RequestContext,
) -> Result<SignedOutEverywhere, ApiError> {
    settle(
        state,
        &[projections::sessions::NAME, projections::grants::NAME],
        None,
    )
    .await?;
    let pool = &state.store.read_pool;
    let sessions = projections::sessions::unended_ids_for_user(pool, user_id).await?;
    let grants = projections::grants::unrevoked_ids_for_user(pool, user_id).await?;
    let (session_reason, grant_reason) = cause.reasons();
    let revoked = end(
        state,
        request,
        &sessions,
        session_reason,
        &grants,
        grant_reason,
    )
    .await?;
    tracing::info!(
        user_id,
        ?cause,
        sessions = revoked.sessions,
        grants = revoked.grants,
        "signed out everywhere"
    );
    Ok(revoked)
}

/// Ends `sessions` and revokes `grants` in one atomic batch (retried on conflicts, e.g.
/// a refresh racing the revocation); already ended ones stay as they are.
pub async fn end(
    state: &AppState,
    request: &RequestContext,
    sessions: &[String],
    session_reason: SignOutReason,
    grants: &[String],
    grant_reason: RevocationReason,
) -> Result<SignedOutEverywhere, ApiError> {
    let ((), _) = transact(state, request, |mut tx: Tx| async move {
        for id in sessions {
            let command = SessionCommand::SignOut {
                client_id: None,
                reason: session_reason,
            };
            tx.run::<Session>(id, vec![command], |e| ApiError::internal(e))
                .await?;
        }
        for id in grants {
            // A grant the read model knows always has its `GrantIssued`; `NotFound` would
            // mean a corrupt read model.
            tx.run::<Grant>(id, vec![GrantCommand::Revoke(grant_reason)], |e| {
                ApiError::internal(format!("grant {id}: {e}"))
            })
            .await?;
        }
        Ok((tx, ()))
    })
    .await?;
    Ok(SignedOutEverywhere {
        sessions: sessions.len(),
        grants: grants.len(),
    })
}
