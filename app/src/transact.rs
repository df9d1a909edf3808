//! The event-sourced write loop every service shares: load the aggregates a command
//! touches, let them decide, append every stream's events in ONE atomic batch with
//! expected versions, and on an optimistic-concurrency conflict start over from fresh
//! state (bounded).
//!
//! Generic over the caller's error type: anything a `StoreError` converts into. When the
//! retries are exhausted the last conflict is returned through that conversion (the HTTP
//! layer answers it 409, `entity.concurrency_conflict`). After a commit the directory
//! cache forgets every stream the batch touched, so a deleted app or a removed role stops
//! working on this node at once, not when the follower catches up.

use crate::context::AppContext;
use crate::error::AppError;
use crate::request::RequestContext;
use domain::{Aggregate, CommandContext, EventMetadata};
use std::future::Future;
use std::marker::PhantomData;
use store::{AppendBatch, AppendOutcome, ExpectedVersion, Position, Repository, StoreError};

/// How often a command is retried after a conflict.
pub const MAX_ATTEMPTS: usize = 5;

/// One attempt's view of the world and the streams it will append to; `E` is the
/// caller's error type (what its aggregate errors become).
pub struct Tx<E = AppError> {
    state: AppContext,
    pub ctx: CommandContext,
    metadata: EventMetadata,
    batch: AppendBatch,
    error: PhantomData<fn() -> E>,
}

impl<E: From<StoreError>> Tx<E> {
    pub fn state(&self) -> &AppContext {
        &self.state
    }

    /// The metadata the staged events carry.
    pub fn metadata(&self) -> &EventMetadata {
        &self.metadata
    }

    /// Loads stream `id` of `A`, applies `commands` in order (each sees the previous
    /// one's events), stages the events with the loaded version as expectation, and
    /// returns the aggregate as it will be once the batch commits.
    pub async fn run<A: Aggregate>(
        &mut self,
        id: &str,
        commands: Vec<A::Command>,
        on_error: impl Fn(A::Error) -> E,
    ) -> Result<A, E> {
        let loaded = self.state.store.repository().load::<A>(id).await?;
        let mut aggregate = loaded.aggregate;
        let mut events = Vec::new();
        for command in commands {
            for event in aggregate.handle(command, &self.ctx).map_err(&on_error)? {
                aggregate.apply(&event);
                events.push(event);
            }
        }
        self.stage::<A>(id, loaded.version, &events);
        Ok(aggregate)
    }

    /// Stages events already decided against stream `id` of `A` as loaded at `version`
    /// (nothing when `events` is empty).
    pub fn stage<A: Aggregate>(&mut self, id: &str, version: u64, events: &[A::Event]) {
        if !events.is_empty() {
            self.batch.streams.push(Repository::stage::<A>(
                id,
                ExpectedVersion::at(version),
                events,
                &self.metadata,
            ));
        }
    }

    /// Loads an aggregate only to validate against it (not staged: its version is not
    /// checked at commit).
    pub async fn peek<A: Aggregate>(&self, id: &str) -> Result<A, E> {
        Ok(self.state.store.repository().load::<A>(id).await?.aggregate)
    }
}

/// Runs `attempt` until its batch commits (or nothing needs appending), retrying on
/// conflicts. Returns the attempt's output and the position of the last event appended.
pub async fn transact<T, E, F, Fut>(
    state: &AppContext,
    request: &RequestContext,
    attempt: F,
) -> Result<(T, Option<Position>), E>
where
    E: From<StoreError>,
    F: FnMut(Tx<E>) -> Fut,
    Fut: Future<Output = Result<(Tx<E>, T), E>>,
{
    transact_with(state, request, MAX_ATTEMPTS, attempt).await
}

/// [`transact`] with its own bound on attempts (a failed sign-in attempt, for one, must
/// be recorded however contended its streams are).
pub async fn transact_with<T, E, F, Fut>(
    state: &AppContext,
    request: &RequestContext,
    max_attempts: usize,
    mut attempt: F,
) -> Result<(T, Option<Position>), E>
where
    E: From<StoreError>,
    F: FnMut(Tx<E>) -> Fut,
    Fut: Future<Output = Result<(Tx<E>, T), E>>,
{
    let mut n = 0;
    loop {
        n += 1;
        let now = state.clock.now();
        let tx = Tx {
            state: state.clone(),
            ctx: CommandContext { now },
            metadata: request.metadata(now),
            batch: AppendBatch::default(),
            error: PhantomData,
        };
        let (tx, output) = attempt(tx).await?;
        if tx.batch.streams.is_empty() {
            return Ok((output, None));
        }
        match append(state, tx.batch).await {
            Ok(outcome) => {
                let last = outcome.events.iter().map(|e| e.position).max();
                return Ok((output, last));
            }
            Err(StoreError::Conflict { stream, .. }) if n < max_attempts => {
                tracing::debug!(?stream, attempt = n, "append conflict, retrying");
                tokio::task::yield_now().await;
            }
            Err(err) => return Err(err.into()),
        }
    }
}

/// Appends `batch` as it is (no retry) and evicts what it touched from the directory
/// cache: for the few writers that stage by hand and decide themselves what a conflict
/// means.
pub async fn append(state: &AppContext, batch: AppendBatch) -> Result<AppendOutcome, StoreError> {
    let outcome = state.store.repository().append(batch).await?;
    // Management access and the token endpoint read the directory cache: a deleted app
    // or a removed role must not keep working on this node until the follower catches up.
    for e in &outcome.events {
        state
            .directory
            .forget(&e.stream.stream_type, &e.stream.stream_id);
    }
    Ok(outcome)
}

/// Waits (bounded) until the projectors in `names` have applied `position`, so the
/// response and the caller's next read show the write.
pub async fn settle(
    state: &AppContext,
    names: &[&str],
    position: Option<Position>,
) -> Result<(), AppError> {
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
