//! Loading aggregates from their streams and appending their decisions.

use crate::envelope::*;
use crate::error::StoreError;
use crate::log::EventLog;
use domain::{Aggregate, DomainEvent, EventMetadata};
use std::sync::Arc;

/// An aggregate rebuilt from its stream, with the version to expect when appending.
#[derive(Debug, Clone)]
pub struct Loaded<A> {
    pub aggregate: A,
    pub version: u64,
}

#[derive(Clone)]
pub struct Repository {
    log: Arc<dyn EventLog>,
}

impl Repository {
    pub fn new(log: Arc<dyn EventLog>) -> Self {
        Self { log }
    }

    /// Reads the stream `(A::STREAM_TYPE, id)` and applies every event (already decrypted
    /// and upcast by the log). An empty stream gives `A::default()` at version 0.
    pub async fn load<A: Aggregate>(&self, id: &str) -> Result<Loaded<A>, StoreError> {
        let events = self
            .log
            .read_stream(&StreamRef::new(A::STREAM_TYPE, id))
            .await?;
        let mut aggregate = A::default();
        let mut version = 0;
        for recorded in &events {
            let event: A::Event = recorded.decode().map_err(|e| StoreError::Corrupt {
                position: recorded.position.0,
                reason: format!("{} does not decode: {e}", recorded.event_type),
            })?;
            aggregate.apply(&event);
            version = recorded.stream_version;
        }
        Ok(Loaded { aggregate, version })
    }

    /// Turns an aggregate's new events into a [`StreamAppend`] for an [`AppendBatch`]
    /// (several streams may go into one atomic batch, e.g. a user and its identifier claims).
    pub fn stage<A: Aggregate>(
        id: &str,
        expected: ExpectedVersion,
        events: &[A::Event],
        metadata: &EventMetadata,
    ) -> StreamAppend {
        StreamAppend {
            stream: StreamRef::new(A::STREAM_TYPE, id),
            expected,
            events: events
                .iter()
                .map(|e| {
                    let event_type = e.event_type();
                    NewEvent {
                        event_type: event_type.to_owned(),
                        schema_version: <A::Event as DomainEvent>::schema_version(event_type),
                        payload: e.to_payload(),
                        pii_subject: e.pii_subject(id).map(str::to_owned),
                        pii_fields: e.pii_fields(),
                        metadata: metadata.clone(),
                    }
                })
                .collect(),
        }
    }

    pub async fn append(&self, batch: AppendBatch) -> Result<AppendOutcome, StoreError> {
        self.log.append(batch).await
    }

    pub fn log(&self) -> &Arc<dyn EventLog> {
        &self.log
    }
}
