//! Ending a user's sessions and revoking their grants, as events.
//!
//! Revoking a grant is enough to stop its tokens at once: refresh tokens, opaque access
//! tokens and introspection all load the grant (`Repository::load_cached` reads the
//! events it has not seen yet), so the `GrantRevoked` is seen by the next request on any
//! node. Ending a session (`SignedOut`) stops silent sign-in with its cookie.

use crate::context::AppContext;
use crate::error::AppError;
use crate::request::RequestContext;
use crate::transact::{settle, transact, Tx};
use domain::grant::{Grant, GrantCommand, RevocationReason};
use domain::session::{Session, SessionCommand, SignOutReason};

/// Why every session and grant of a user ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserDisabled {
    Suspended,
    Deleted,
    /// The password changed: whoever knew the old one is signed out (the caller's own
    /// session and grant may be kept, see [`sign_out_others`]).
    PasswordChanged,
}

impl UserDisabled {
    fn reasons(self) -> (SignOutReason, RevocationReason) {
        match self {
            Self::Suspended => (
                SignOutReason::UserSuspended,
                RevocationReason::UserSuspended,
            ),
            Self::Deleted => (SignOutReason::UserDeleted, RevocationReason::UserDeleted),
            Self::PasswordChanged => (
                SignOutReason::PasswordChanged,
                RevocationReason::PasswordChanged,
            ),
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
    state: &AppContext,
    user_id: &str,
    cause: UserDisabled,
    request: &RequestContext,
) -> Result<SignedOutEverywhere, AppError> {
    sign_out_others(state, user_id, cause, None, None, request).await
}

/// [`sign_out_everywhere`], except session `keep_session` and grant `keep_grant` (the
/// caller's own, when a user changes their password through the Account API).
pub async fn sign_out_others(
    state: &AppContext,
    user_id: &str,
    cause: UserDisabled,
    keep_session: Option<&str>,
    keep_grant: Option<&str>,
    request: &RequestContext,
) -> Result<SignedOutEverywhere, AppError> {
    settle(
        state,
        &[projections::sessions::NAME, projections::grants::NAME],
        None,
    )
    .await?;
    let pool = &state.store.read_pool;
    let mut sessions = projections::sessions::unended_ids_for_user(pool, user_id).await?;
    let mut grants = projections::grants::unrevoked_ids_for_user(pool, user_id).await?;
    sessions.retain(|s| Some(s.as_str()) != keep_session);
    grants.retain(|g| Some(g.as_str()) != keep_grant);
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
    state: &AppContext,
    request: &RequestContext,
    sessions: &[String],
    session_reason: SignOutReason,
    grants: &[String],
    grant_reason: RevocationReason,
) -> Result<SignedOutEverywhere, AppError> {
    let ((), _) = transact(state, request, |mut tx: Tx| async move {
        for id in sessions {
            let command = SessionCommand::SignOut {
                client_id: None,
                reason: session_reason,
            };
            tx.run::<Session>(id, vec![command], AppError::internal)
                .await?;
        }
        for id in grants {
            // A grant the read model knows always has its `GrantIssued`; `NotFound` would
            // mean a corrupt read model.
            tx.run::<Grant>(id, vec![GrantCommand::Revoke(grant_reason)], |e| {
                AppError::internal(format!("grant {id}: {e}"))
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

/// Which grants of a session end with it (`revokeGrantsTarget`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantsTarget {
    /// Every grant issued in the session.
    All,
    /// Grants of first-party applications only (third-party apps keep offline access).
    FirstParty,
}

fn session_not_found() -> AppError {
    AppError::NotFound {
        code: "oidc.session_not_found",
        message: "Session not found.".into(),
    }
}

/// Ends session `session_id` of `user_id` (404 `oidc.session_not_found` unless it is the
/// user's and live) and, with `target`, revokes the session's grants in the same batch.
/// The session is judged by its aggregate, the grants are found in the read model.
pub async fn revoke_session(
    state: &AppContext,
    request: &RequestContext,
    user_id: &str,
    session_id: &str,
    target: Option<GrantsTarget>,
) -> Result<SignedOutEverywhere, AppError> {
    let loaded = state.store.repository().load::<Session>(session_id).await?;
    let live = loaded
        .aggregate
        .active(state.clock.now())
        .is_some_and(|s| s.user_id == user_id);
    if !live {
        return Err(session_not_found());
    }
    let mut grants = Vec::new();
    if let Some(target) = target {
        settle(state, &[projections::grants::NAME], None).await?;
        let pool = &state.store.read_pool;
        for (id, client_id) in projections::grants::unrevoked_in_session(pool, session_id).await? {
            let keep = match target {
                GrantsTarget::All => false,
                GrantsTarget::FirstParty => projections::applications::get(pool, &client_id)
                    .await?
                    .is_some_and(|app| app.is_third_party),
            };
            if !keep {
                grants.push(id);
            }
        }
    }
    end(
        state,
        request,
        &[session_id.to_owned()],
        SignOutReason::Revoked,
        &grants,
        RevocationReason::SessionEnded,
    )
    .await
}

/// Revokes grant `grant_id` of `user_id` (404 unless it is the user's and unrevoked):
/// its refresh token and opaque access tokens stop working at once.
pub async fn revoke_grant(
    state: &AppContext,
    request: &RequestContext,
    user_id: &str,
    grant_id: &str,
) -> Result<(), AppError> {
    let not_found = || AppError::NotExistsWithId {
        entity: "grant",
        id: grant_id.to_owned(),
    };
    let loaded = state.store.repository().load::<Grant>(grant_id).await?;
    let now = state.clock.now();
    let ours = loaded
        .aggregate
        .state()
        .is_some_and(|g| g.issued.user_id == user_id && g.is_active(now));
    if !ours {
        return Err(not_found());
    }
    end(
        state,
        request,
        &[],
        SignOutReason::Revoked,
        &[grant_id.to_owned()],
        RevocationReason::Revoked,
    )
    .await?;
    Ok(())
}
