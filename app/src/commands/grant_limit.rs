//! The concurrent-grant limit: an application's `customClientMetadata.maxAllowedGrants`.
//! When a redeemed grant pushes the user over it, the user's oldest live grants for that
//! application are revoked, each with `GrantRevoked { reason: GrantLimitExceeded,
//! limit }` carrying what Logto's `Grant.LimitExceeded` webhook reports.
//!
//! The decision reads the `grants` read model (no waiting: this runs on the token
//! endpoint). The grant just redeemed is counted whether or not the projector has seen
//! it yet, so a lagging read model never lets it slip past the limit, and it is never
//! itself a candidate. The race we accept: two sign-ins redeemed at the same moment may
//! each not see the other in the read model, so the user can briefly hold one grant more
//! than the limit; the next redemption counts both and revokes the excess. A grant
//! revoked but not yet projected can be picked again: revoking it again records nothing,
//! so that decision revokes fewer than it meant to (again, corrected next time).

use crate::context::AppContext;
use crate::error::AppError;
use crate::request::RequestContext;
use crate::transact::{transact, Tx};
use domain::grant::{Grant, GrantCommand, GrantLimitExceeded};

/// Revokes the oldest live grants of `user_id` for `client_id` beyond `max`, counting
/// `new_grant_id` (just redeemed) as live. Returns the revoked grant ids.
pub async fn enforce(
    state: &AppContext,
    request: &RequestContext,
    user_id: &str,
    client_id: &str,
    new_grant_id: &str,
    max: u32,
) -> Result<Vec<String>, AppError> {
    let now = state.clock.now().as_millis();
    let older: Vec<String> = projections::grants::active_for_user_and_client(
        &state.store.read_pool,
        user_id,
        client_id,
        now,
    )
    .await?
    .into_iter()
    .map(|g| g.id)
    .filter(|id| id != new_grant_id)
    .collect();
    let live = older.len() as u64 + 1;
    let excess = usize::try_from(live.saturating_sub(u64::from(max))).unwrap_or(usize::MAX);
    let revoked: Vec<String> = older.into_iter().take(excess).collect();
    if revoked.is_empty() {
        return Ok(revoked);
    }
    let limit = GrantLimitExceeded {
        user_id: user_id.to_owned(),
        application_id: client_id.to_owned(),
        max_allowed_grants: max,
        pre_revocation_active_grant_count: live,
        revoked_grant_ids: revoked.clone(),
    };
    let (ids, limit) = (&revoked, &limit);
    transact(state, request, |mut tx: Tx| async move {
        for id in ids {
            tx.run::<Grant>(
                id,
                vec![GrantCommand::RevokeOverLimit(limit.clone())],
                |e| AppError::internal(format!("grant {id}: {e}")),
            )
            .await?;
        }
        Ok((tx, ()))
    })
    .await?;
    tracing::info!(
        user_id,
        client_id,
        max,
        live,
        revoked = ?revoked,
        "concurrent grant limit: oldest grants revoked"
    );
    Ok(revoked)
}
