use crate::envelope::*;
use crate::error::StoreError;
use async_trait::async_trait;
use tokio::sync::watch;

/// The append-only event log. Both backends pass the same contract tests.
#[async_trait]
pub trait EventLog: Send + Sync + 'static {
    /// Appends atomically with optimistic concurrency per stream. A version mismatch is
    /// [`StoreError::Conflict`] and writes nothing.
    async fn append(&self, batch: AppendBatch) -> Result<AppendOutcome, StoreError>;

    /// All events of one stream in version order.
    async fn read_stream(&self, stream: &StreamRef) -> Result<Vec<RecordedEvent>, StoreError>;

    /// The events of one stream with a version above `after_version`, in version order: what
    /// an aggregate cached at that version has not seen yet.
    async fn read_stream_after(
        &self,
        stream: &StreamRef,
        after_version: u64,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let mut events = self.read_stream(stream).await?;
        events.retain(|e| e.stream_version > after_version);
        Ok(events)
    }

    /// Several streams at once: for each `(stream, after_version)` what
    /// [`EventLog::read_stream_after`] gives, in the order asked. Postgres answers in one
    /// round trip (a webhook attempt needs three streams); the default reads one by one.
    async fn read_streams(
        &self,
        streams: &[(StreamRef, u64)],
    ) -> Result<Vec<Vec<RecordedEvent>>, StoreError> {
        let mut out = Vec::with_capacity(streams.len());
        for (stream, after) in streams {
            out.push(self.read_stream_after(stream, *after).await?);
        }
        Ok(out)
    }

    /// Up to `limit` events with position > `after`, in position order, such that no event
    /// with a lower position can still commit later (invariant 2). May wait briefly for an
    /// in-flight transaction that holds a lower position.
    async fn read_all(
        &self,
        after: Position,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError>;

    /// The highest committed position (0 when the log is empty).
    async fn head(&self) -> Result<Position, StoreError>;

    /// A hint that the log may have grown: the receiver changes after commits (from this
    /// process, and on Postgres from any node through LISTEN/NOTIFY). Followers still poll
    /// as a fallback; the hint only cuts latency.
    fn changes(&self) -> watch::Receiver<Position>;

    /// Stops accepting appends, commits what is queued, and releases connections. Appends
    /// after this fail with [`StoreError::Closed`].
    async fn close(&self) {}
}
