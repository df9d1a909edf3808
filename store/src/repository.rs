//! Loading aggregates from their streams and appending their decisions.

use crate::envelope::*;
use crate::error::StoreError;
use crate::log::EventLog;
use crate::snapshots::AggregateCache;
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
    cache: Option<Arc<AggregateCache>>,
}

impl Repository {
    pub fn new(log: Arc<dyn EventLog>) -> Self {
        Self { log, cache: None }
    }

    /// A repository whose [`Repository::load_cached`] keeps aggregates in `cache`.
    pub fn with_cache(log: Arc<dyn EventLog>, cache: Arc<AggregateCache>) -> Self {
        Self {
            log,
            cache: Some(cache),
        }
    }

    /// Reads the stream `(A::STREAM_TYPE, id)` and applies every event (already decrypted
    /// and upcast by the log). An empty stream gives `A::default()` at version 0.
    pub async fn load<A: Aggregate>(&self, id: &str) -> Result<Loaded<A>, StoreError> {
        let stream = StreamRef::new(A::STREAM_TYPE, id);
        Self::fold(&self.log.read_stream(&stream).await?)
    }

    /// An aggregate rebuilt from events already read (all of its stream, in version
    /// order), e.g. by [`EventLog::read_streams`](crate::EventLog::read_streams).
    pub fn fold<A: Aggregate>(events: &[RecordedEvent]) -> Result<Loaded<A>, StoreError> {
        let mut loaded = Loaded {
            aggregate: A::default(),
            version: 0,
        };
        apply_all(&mut loaded, events)?;
        Ok(loaded)
    }

    /// Like [`Repository::load`], but starts from this process's cached state of the
    /// aggregate and reads only the events after it (see `snapshots.rs`). For aggregates
    /// with long streams and no personal data, e.g. grants: only aggregates marked
    /// [`NoPersonalData`](domain::NoPersonalData) may be cached (invariant 8).
    pub async fn load_cached<A: domain::NoPersonalData + Clone>(
        &self,
        id: &str,
    ) -> Result<Loaded<A>, StoreError> {
        let Some(cache) = &self.cache else {
            return self.load(id).await;
        };
        let stream = StreamRef::new(A::STREAM_TYPE, id);
        let (version, aggregate) = cache.get::<A>(&stream).unwrap_or((0, A::default()));
        let events = self.log.read_stream_after(&stream, version).await?;
        let mut loaded = Loaded { aggregate, version };
        apply_all(&mut loaded, &events)?;
        if loaded.version > 0 {
            cache.put(stream, loaded.version, loaded.aggregate.clone());
        }
        Ok(loaded)
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

fn apply_all<A: Aggregate>(
    loaded: &mut Loaded<A>,
    events: &[RecordedEvent],
) -> Result<(), StoreError> {
    for recorded in events {
        let event: A::Event = recorded.decode().map_err(|e| StoreError::Corrupt {
            position: recorded.position.0,
            reason: format!("{} does not decode: {e}", recorded.event_type),
        })?;
        loaded.aggregate.apply(&event);
        loaded.version = recorded.stream_version;
    }
    Ok(())
}
