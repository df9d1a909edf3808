//! Rebuilding read models from position 0.
//!
//! Strategy: one transaction empties the projector's tables and sets its checkpoint to 0;
//! then the log is replayed in batches, each committed with its checkpoint like live
//! processing. We do not rebuild in one giant transaction: on SQLite it would hold the
//! single write lock (and stall every append) for the whole replay. The price is that
//! readers see a partly rebuilt model while it runs; in exchange a crash mid-replay leaves
//! a consistent model at its checkpoint, and the runner resumes it on the next start.
//! A runner in another process that competes for the same projector is detected by the
//! checkpoint compare-and-set, so the two never apply a batch twice.

use crate::checkpoint;
use crate::error::ProjectionError;
use crate::runner::{commit_batch, prefetch, take_prefetched, Commit, ProjectionRunner, Slot};
use domain::Clock;
use serde::Serialize;
use std::sync::Arc;
use std::time::Instant;
use store::Position;

/// Which read models to rebuild.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplayTarget {
    All,
    One(String),
}

/// Reported after every committed batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayProgress {
    pub projection: &'static str,
    /// Position rebuilt up to.
    pub position: u64,
    /// The head the replay runs to (captured when the projector's replay started).
    pub head: u64,
    /// Events replayed so far into this projector.
    pub events: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplaySummary {
    pub projection: &'static str,
    pub events: u64,
    pub seconds: f64,
    pub events_per_sec: f64,
}

impl ProjectionRunner {
    /// Rebuilds the target read models from zero up to the current head, one projector
    /// after another, calling `progress` after every committed batch.
    pub async fn replay(
        &self,
        target: ReplayTarget,
        mut progress: impl FnMut(&ReplayProgress) + Send,
    ) -> Result<Vec<ReplaySummary>, ProjectionError> {
        let slots: Vec<Arc<Slot>> = match &target {
            ReplayTarget::All => self.inner.slots.clone(),
            ReplayTarget::One(name) => vec![self.slot(name)?.clone()],
        };
        let mut summaries = Vec::with_capacity(slots.len());
        for slot in slots {
            summaries.push(self.replay_one(&slot, &mut progress).await?);
        }
        Ok(summaries)
    }

    /// Empties a projector's tables and sets its checkpoint to 0, in one transaction.
    pub async fn reset(&self, name: &str) -> Result<(), ProjectionError> {
        let slot = self.slot(name)?;
        let mut tx = self.inner.pool.begin().await?;
        // Checkpoint first: on SQLite this takes the write lock before anything is read.
        checkpoint::set(
            &mut tx,
            slot.projector.name(),
            Position(0),
            self.inner.clock.now(),
        )
        .await?;
        slot.projector.reset(&mut tx).await?;
        tx.commit().await?;
        slot.set_checkpoint(Position(0));
        Ok(())
    }

    async fn replay_one(
        &self,
        slot: &Slot,
        progress: &mut (impl FnMut(&ReplayProgress) + Send),
    ) -> Result<ReplaySummary, ProjectionError> {
        let inner = &self.inner;
        let name = slot.projector.name();
        let started = Instant::now();
        self.reset(name).await?;
        let head = inner.log.head().await?;
        inner.observe_head(head);
        let batch_size = inner.config.replay_batch_size;
        let mut from = Position(0);
        let mut events_done = 0u64;
        let mut next = None;
        tracing::info!(projection = name, head = head.0, "replay started");
        while from < head {
            let events = match next.take() {
                Some(handle) => take_prefetched(handle).await?,
                None => inner.log.read_all(from, batch_size).await?,
            };
            // Stop at the captured head; later events are the live runner's business.
            let cut = events.partition_point(|e| e.position <= head);
            let events = &events[..cut];
            let Some(last) = events.last() else {
                break;
            };
            let to = last.position;
            if to < head {
                next = Some(prefetch(&inner.log, to, batch_size));
            }
            let committed = commit_batch(inner, slot, from, events).await;
            match committed {
                Ok(Commit::Done(p)) => {
                    from = p;
                    events_done += events.len() as u64;
                    progress(&ReplayProgress {
                        projection: name,
                        position: from.0,
                        head: head.0,
                        events: events_done,
                    });
                }
                Ok(Commit::Moved) => {
                    // Another runner is advancing this projector too: continue from where
                    // it got to rather than redo its batches.
                    if let Some(handle) = next.take() {
                        handle.abort();
                    }
                    from = checkpoint::load(&inner.pool, name).await?;
                    slot.set_checkpoint(from);
                }
                Err(e) => {
                    if let Some(handle) = next.take() {
                        handle.abort();
                    }
                    return Err(e);
                }
            }
        }
        let seconds = started.elapsed().as_secs_f64();
        let summary = ReplaySummary {
            projection: name,
            events: events_done,
            seconds,
            events_per_sec: if seconds > 0.0 {
                events_done as f64 / seconds
            } else {
                0.0
            },
        };
        tracing::info!(
            projection = name,
            events = summary.events,
            seconds = summary.seconds,
            events_per_sec = summary.events_per_sec as u64,
            "replay finished"
        );
        Ok(summary)
    }
}
