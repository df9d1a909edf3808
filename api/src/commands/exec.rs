//! The event-sourced write loop shared by the management command services: load the
//! aggregates a command touches, let them decide, append every stream's events in ONE
//! atomic batch with expected versions, and on an optimistic-concurrency conflict start
//! over from fresh state (bounded), as `users::create_user` does by hand.

use crate::error::ApiError;
use crate::request::RequestContext;
use crate::state::AppState;
use domain::{Aggregate, CommandContext, EventMetadata};
use std::future::Future;
use store::{AppendBatch, ExpectedVersion, Position, Repository, StoreError};

/// How often a command is retried after a conflict.
const MAX_ATTEMPTS: usize = 5;

/// One attempt's view of the world and the streams it will append to.
pub struct Tx {
    state: AppState,
    pub ctx: CommandContext,
    metadata: EventMetadata,
    batch: AppendBatch,
}

impl Tx {
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Loads stream `id` of `A`, applies `commands` in order (each sees the previous
    /// one's events), stages the events with the loaded version as expectation, and
    /// returns the aggregate as it will be once the batch commits.
    pub async fn run<A: Aggregate>(
        &mut self,
        id: &str,
        commands: Vec<A::Command>,
        on_error: impl Fn(A::Error) -> ApiError,
    ) -> Result<A, ApiError> {
        let loaded = self.state.store.repository().load::<A>(id).await?;
        let mut aggregate = loaded.aggregate;
        let mut events = Vec::new();
        for command in commands {
            for event in aggregate.handle(command, &self.ctx).map_err(&on_error)? {
                aggregate.apply(&event);
                events.push(event);
            }
        }
        if !events.is_empty() {
            self.batch.streams.push(Repository::stage::<A>(
                id,
                ExpectedVersion::at(loaded.version),
                &events,
                &self.metadata,
            ));
        }
        Ok(aggregate)
    }

    /// Loads an aggregate only to validate against it (not staged: its version is not
    /// checked at commit).
    pub async fn peek<A: Aggregate>(&self, id: &str) -> Result<A, ApiError> {
        Ok(self.state.store.repository().load::<A>(id).await?.aggregate)
    }
}

/// Runs `attempt` until its batch commits (or nothing needs appending), retrying on
/// conflicts. Returns the attempt's output and the position of the last event appended.
pub async fn transact<T, F, Fut>(
    state: &AppState,
    request: &RequestContext,
    mut attempt: F,
) -> Result<(T, Option<Position>), ApiError>
where
    F: FnMut(Tx) -> Fut,
    Fut: Future<Output = Result<(Tx, T), ApiError>>,
{
    for n in 1..=MAX_ATTEMPTS {
        let now = state.clock.now();
        let tx = Tx {
            state: state.clone(),
            ctx: CommandContext { now },
            metadata: request.metadata(now),
            batch: AppendBatch::default(),
        };
        let (tx, output) = attempt(tx).await?;
        if tx.batch.streams.is_empty() {
            return Ok((output, None));
        }
        match state.store.repository().append(tx.batch).await {
            Ok(outcome) => {
                // Management access and the token endpoint read the directory cache: a
                // deleted app or a removed role must not keep working on this node until
                // the follower catches up.
                for e in &outcome.events {
                    state
                        .oidc
                        .directory
                        .forget(&e.stream.stream_type, &e.stream.stream_id);
                }
                state
                    .metrics
                    .events_appended
                    .inc_by(outcome.events.len() as u64);
                let last = outcome.events.iter().map(|e| e.position).max();
                return Ok((output, last));
            }
            Err(StoreError::Conflict { stream, .. }) if n < MAX_ATTEMPTS => {
                tracing::debug!(?stream, attempt = n, "append conflict, retrying");
            }
            Err(err) => return Err(err.into()),
        }
    }
    Err(ApiError::Conflict)
}

/// Waits (bounded) until the projectors in `names` have applied `position`, so the
/// response and the caller's next read show the write.
pub async fn settle(
    state: &AppState,
    names: &[&str],
    position: Option<Position>,
) -> Result<(), ApiError> {
    let target = match position {
        Some(p) => p,
        None => state.store.log.head().await?,
    };
    for name in names {
        state
            .await_projection(name, target, std::time::Duration::from_secs(3))
            .await?;
    }
    Ok(())
}
