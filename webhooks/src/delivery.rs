//! The delivery core both transports share: which hooks an event goes to
//! ([`Deliverer::jobs_for`]), one attempt ([`Deliverer::attempt`]) and giving up
//! ([`Deliverer::exhausted`]). A transport decides only *when* to call them (the
//! [`RetrySchedule`](crate::schedule::RetrySchedule)) and keeps its jobs durable.
//!
//! Every outcome is an event on the delivery's own stream (`domain::hook::delivery`), so
//! a job run twice by an at-least-once transport is recognised: once the delivery has
//! succeeded or been given up, later runs are [`AttemptOutcome::Skipped`].

use crate::payload;
use crate::sender::{Outgoing, Sender};
use domain::hook::delivery::{
    delivery_id, Delivery, DeliveryAttempted, DeliveryCommand, DeliveryError as DomainDeliveryError,
};
use domain::hook::logto_events::{self, LoggedEvent};
use domain::hook::{Headers, Hook, HookCommand};
use domain::resource::{Resource, ResourceEvent};
use domain::{Aggregate, Clock, CommandContext, EventMetadata};
use projections::ProjectionRunner;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use store::{
    AppendBatch, ExpectedVersion, Loaded, Position, RecordedEvent, Repository, SealPurpose, Store,
    StoreError, StreamRef,
};
use uuid::Uuid;

/// Connections of the delivery attempts' own lane on Postgres (`Store::lane`): an attempt
/// holds one for a single read and its append is group-committed, so a few serve hundreds
/// of attempts in flight.
pub const LANE_CONNECTIONS: u32 = 8;

/// How long `jobs_for` waits for the hooks read model to reach an event.
const READ_MODEL_WAIT: Duration = Duration::from_secs(10);

/// One delivery of one logged event to one hook, as a transport carries it (a retry
/// message, a due-queue row). `attempt` is the 1-based attempt to make next.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryJob {
    pub event_id: Uuid,
    /// The event's global position (how the event is found again without an index on ids).
    pub position: u64,
    pub hook_id: String,
    pub logto_event: String,
    pub attempt: u32,
    /// The event's stream, so an attempt reads it in the same round trip as the delivery
    /// and the hook. Absent in jobs queued without it (the embedded queue's rows, jobs
    /// from earlier versions): the event is then read by its position first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<StreamRef>,
}

impl DeliveryJob {
    /// The delivery stream's id.
    pub fn delivery_id(&self) -> String {
        delivery_id(self.event_id, &self.hook_id, &self.logto_event)
    }

    /// The same job, one attempt later.
    pub fn next(&self) -> Self {
        Self {
            attempt: self.attempt + 1,
            ..self.clone()
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// The receiver answered 2xx.
    Delivered,
    /// Failed (non-2xx other than 410, or no answer): retry per the schedule.
    RetryLater,
    /// The receiver answered 410: the hook is now disabled (an event says so); no retry.
    HookGone,
    /// Nothing sent: the hook was deleted, disabled or unsubscribed meanwhile, or this
    /// delivery already finished (a duplicate job).
    Skipped,
}

#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Projection(#[from] projections::ProjectionError),
    #[error("the hooks read model did not reach position {0} in time")]
    NotCaughtUp(u64),
    #[error("event {event_id} at position {position} not found")]
    EventNotFound { event_id: Uuid, position: u64 },
    #[error("corrupt data: {0}")]
    Corrupt(String),
}

impl DeliveryError {
    /// Worth retrying the same call later (the database or read model was not ready),
    /// as opposed to a job that can never succeed.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::Store(_) | Self::Projection(_) | Self::NotCaughtUp(_)
        )
    }
}

/// What [`Deliverer::attempt`] reads before deciding.
struct AttemptInputs {
    delivery: Loaded<Delivery>,
    hook: Loaded<Hook>,
    event: Result<RecordedEvent, DeliveryError>,
    /// The event's stream as read (all its events, also later ones).
    stream: Vec<RecordedEvent>,
}

/// The delivery core. Cheap to clone.
#[derive(Clone)]
pub struct Deliverer {
    store: Store,
    runner: ProjectionRunner,
    sender: Sender,
    clock: Arc<dyn Clock>,
}

impl Deliverer {
    /// `runner` must run the hooks projector (`projections::hooks::NAME`). `clock` dates
    /// the recorded attempts and is the transports' "now" for retry times and leases
    /// (`store::clock::SystemClock` in production, `domain::TestClock` in tests).
    pub fn new(
        store: Store,
        runner: ProjectionRunner,
        sender: Sender,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            store,
            runner,
            sender,
            clock,
        }
    }

    /// The clock the delivery core and its transports read.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    pub fn sender(&self) -> &Sender {
        &self.sender
    }

    /// The Logto events `event` maps to (empty for most events).
    pub async fn logto_events_of(
        &self,
        event: &RecordedEvent,
    ) -> Result<Vec<&'static str>, DeliveryError> {
        let mut scope_existed = false;
        if logto_events::needs_scope_history(&event.stream.stream_type, &event.event_type) {
            if let Ok(ResourceEvent::ResourceScopeDefined(defined)) = event.decode() {
                let before = self
                    .store
                    .log
                    .read_stream(&StreamRef::new(
                        Resource::STREAM_TYPE,
                        &event.stream.stream_id,
                    ))
                    .await?;
                let mut resource = Resource::default();
                for e in before.iter().filter(|e| e.position < event.position) {
                    if let Ok(decoded) = e.decode::<ResourceEvent>() {
                        resource.apply(&decoded);
                    }
                }
                scope_existed = resource
                    .state()
                    .is_some_and(|s| s.scope(&defined.scope_id).is_some());
            }
        }
        Ok(logto_events::logto_events(&LoggedEvent {
            stream_type: &event.stream.stream_type,
            stream_id: &event.stream.stream_id,
            event_type: &event.event_type,
            payload: &event.payload,
            scope_existed,
        }))
    }

    /// The deliveries `event` causes: one job per enabled hook subscribed to a Logto
    /// event it maps to. Hooks are read as of the event: the hooks read model is awaited
    /// up to the event's position (a hook created before the event is never missed) and
    /// hooks created after it are left out. A hook edited or disabled after the event is
    /// judged as it is now (and again at every attempt).
    pub async fn jobs_for(&self, event: &RecordedEvent) -> Result<Vec<DeliveryJob>, DeliveryError> {
        self.jobs_for_batch(std::slice::from_ref(event)).await
    }

    /// [`Deliverer::jobs_for`] for a batch of events in log order, reading the hooks once
    /// (a catch-up over a long log then costs one query per batch, not one per event).
    pub async fn jobs_for_batch(
        &self,
        events: &[RecordedEvent],
    ) -> Result<Vec<DeliveryJob>, DeliveryError> {
        let mut mapped = Vec::new();
        for event in events {
            let names = self.logto_events_of(event).await?;
            if !names.is_empty() {
                mapped.push((event, names));
            }
        }
        let Some(last) = mapped.iter().map(|(e, _)| e.position).max() else {
            return Ok(vec![]);
        };
        let reached = self
            .runner
            .wait_for_stream_type(
                projections::hooks::NAME,
                last,
                Hook::STREAM_TYPE,
                READ_MODEL_WAIT,
            )
            .await?;
        if !reached {
            return Err(DeliveryError::NotCaughtUp(last.0));
        }
        // Enabled now and created before the event (`subscribers` at the batch's end,
        // filtered per event below).
        let hooks = projections::hooks::subscribers(&self.store.read_pool, last.0).await?;
        let mut jobs = Vec::new();
        for (event, names) in mapped {
            for name in names {
                let subscribed = hooks.iter().filter(|h| {
                    h.created_position < event.position.0 && h.events.iter().any(|e| e == name)
                });
                for hook in subscribed {
                    jobs.push(DeliveryJob {
                        event_id: event.event_id,
                        position: event.position.0,
                        hook_id: hook.id.clone(),
                        logto_event: name.to_owned(),
                        attempt: 1,
                        stream: Some(event.stream.clone()),
                    });
                }
            }
        }
        Ok(jobs)
    }

    async fn load_event(&self, job: &DeliveryJob) -> Result<RecordedEvent, DeliveryError> {
        let not_found = || DeliveryError::EventNotFound {
            event_id: job.event_id,
            position: job.position,
        };
        let after = Position(job.position.checked_sub(1).ok_or_else(not_found)?);
        let mut events = self.store.log.read_all(after, 1).await?;
        match events.pop() {
            Some(e) if e.event_id == job.event_id && e.position.0 == job.position => Ok(e),
            _ => Err(not_found()),
        }
    }

    /// `webhook-id`: the event id, so receivers can deduplicate retries. When one event
    /// maps to several Logto events (a registration is `PostRegister` and `User.Created`)
    /// the later ones get `<event id>.<name>` so each message keeps a unique id.
    async fn webhook_id(&self, event: &RecordedEvent, name: &str) -> Result<String, DeliveryError> {
        let names = self.logto_events_of(event).await?;
        Ok(if names.first().is_none_or(|first| *first == name) {
            event.event_id.to_string()
        } else {
            format!("{}.{name}", event.event_id)
        })
    }

    /// What an attempt needs from the log, read together: the delivery, the hook and
    /// the event's own stream (which holds the event and, for most payloads, the entity
    /// the payload shows). One round trip on Postgres when the job names the stream.
    async fn attempt_inputs(&self, job: &DeliveryJob) -> Result<AttemptInputs, DeliveryError> {
        let delivery_stream = StreamRef::new(Delivery::STREAM_TYPE, job.delivery_id());
        let hook_stream = StreamRef::new(Hook::STREAM_TYPE, &job.hook_id);
        let not_found = || DeliveryError::EventNotFound {
            event_id: job.event_id,
            position: job.position,
        };
        // Without the stream in the job: find the event by position first to learn it.
        let event_stream = match &job.stream {
            Some(stream) => Ok(stream.clone()),
            None => self.load_event(job).await.map(|e| e.stream),
        };
        let mut asked = vec![(delivery_stream, 0), (hook_stream, 0)];
        if let Ok(stream) = &event_stream {
            asked.push((stream.clone(), 0));
        }
        let mut read = self.store.log.read_streams(&asked).await?.into_iter();
        let (delivery, hook, stream) = (
            read.next().unwrap_or_default(),
            read.next().unwrap_or_default(),
            read.next().unwrap_or_default(),
        );
        let event = event_stream.and_then(|_| {
            stream
                .iter()
                .find(|e| e.position.0 == job.position && e.event_id == job.event_id)
                .cloned()
                .ok_or_else(not_found)
        });
        Ok(AttemptInputs {
            delivery: Repository::fold(&delivery)?,
            hook: Repository::fold(&hook)?,
            event,
            stream,
        })
    }

    /// Makes attempt `job.attempt` and records it. Errors are the store's or corrupt
    /// data; every failure of the receiver is an outcome.
    pub async fn attempt(&self, job: &DeliveryJob) -> Result<AttemptOutcome, DeliveryError> {
        let repo = self.store.repository();
        let delivery_id = job.delivery_id();
        let AttemptInputs {
            delivery,
            hook,
            event,
            stream,
        } = self.attempt_inputs(job).await?;
        // Judged in this order: a finished delivery, then the hook's state, then the event.
        if delivery.aggregate.finished() {
            return Ok(AttemptOutcome::Skipped);
        }
        let Some(state) = hook.aggregate.state() else {
            return Ok(AttemptOutcome::Skipped);
        };
        if !state.enabled || !state.events.contains(&job.logto_event) {
            return Ok(AttemptOutcome::Skipped);
        }
        let event = event?;
        let streams = payload::Streams::with_known(self.store.log.as_ref(), &event.stream, &stream);
        let (body, subject) =
            payload::build(&streams, &event, &job.hook_id, &job.logto_event).await?;
        let body = body.to_string();
        let key = self.store.open_sealed(
            SealPurpose::HookSigningKey,
            &job.hook_id,
            &state.sealed_signing_key,
        )?;
        let key = String::from_utf8(key).map_err(|e| DeliveryError::Corrupt(e.to_string()))?;
        let headers: Headers = match &state.sealed_headers {
            None => Headers::new(),
            Some(sealed) => serde_json::from_slice(&self.store.open_sealed(
                SealPurpose::HookHeaders,
                &job.hook_id,
                sealed,
            )?)
            .map_err(|e| DeliveryError::Corrupt(format!("hook headers: {e}")))?,
        };
        let webhook_id = self.webhook_id(&event, &job.logto_event).await?;
        let response = self
            .sender
            .send(&Outgoing {
                url: &state.url,
                headers: &headers,
                signing_key: &key,
                webhook_id: &webhook_id,
                body: &body,
            })
            .await;
        let gone = response.status == Some(410);
        let outcome = if response.is_success() {
            AttemptOutcome::Delivered
        } else if gone {
            AttemptOutcome::HookGone
        } else {
            AttemptOutcome::RetryLater
        };
        let attempt = DeliveryAttempted {
            hook_id: job.hook_id.clone(),
            event_id: job.event_id,
            logto_event: job.logto_event.clone(),
            attempt: job.attempt,
            subject,
            request_body: Some(body),
            status: response.status,
            latency_ms: response.latency_ms,
            response_excerpt: response.body_excerpt,
            error: response.error,
        };
        let ctx = CommandContext {
            now: self.clock.now(),
        };
        let metadata = EventMetadata::system(ctx.now, event.metadata.correlation_id.clone());
        let events = match delivery
            .aggregate
            .handle(DeliveryCommand::Record(attempt), &ctx)
        {
            Ok(events) => events,
            Err(DomainDeliveryError::Finished) => return Ok(AttemptOutcome::Skipped),
        };
        let mut batch = AppendBatch::default();
        batch.streams.push(Repository::stage::<Delivery>(
            &delivery_id,
            ExpectedVersion::at(delivery.version),
            &events,
            &metadata,
        ));
        if gone {
            let disable = HookCommand::DisableByReceiver {
                delivery_id: delivery_id.clone(),
                status: 410,
            };
            if let Ok(hook_events) = hook.aggregate.handle(disable, &ctx) {
                if !hook_events.is_empty() {
                    batch.streams.push(Repository::stage::<Hook>(
                        &job.hook_id,
                        ExpectedVersion::at(hook.version),
                        &hook_events,
                        &metadata,
                    ));
                }
            }
        }
        match repo.append(batch).await {
            Ok(_) => Ok(outcome),
            // Another runner recorded this delivery meanwhile (a duplicate job), or the
            // hook changed while we sent: the receiver got the request either way; the
            // other writer's record stands and a fresh run decides what is left to do.
            Err(StoreError::Conflict { .. }) => {
                let now_finished = repo
                    .load::<Delivery>(&delivery_id)
                    .await?
                    .aggregate
                    .finished();
                Ok(if now_finished {
                    AttemptOutcome::Skipped
                } else {
                    AttemptOutcome::RetryLater
                })
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Records that the schedule ran out for `job`'s delivery (idempotent).
    pub async fn exhausted(&self, job: &DeliveryJob) -> Result<(), DeliveryError> {
        let repo = self.store.repository();
        let delivery_id = job.delivery_id();
        for _ in 0..3 {
            let delivery = repo.load::<Delivery>(&delivery_id).await?;
            let ctx = CommandContext {
                now: self.clock.now(),
            };
            let Ok(events) = delivery.aggregate.handle(
                DeliveryCommand::GiveUp {
                    hook_id: job.hook_id.clone(),
                },
                &ctx,
            ) else {
                return Ok(());
            };
            let metadata = EventMetadata::system(ctx.now, delivery_id.clone());
            let batch = AppendBatch {
                streams: vec![Repository::stage::<Delivery>(
                    &delivery_id,
                    ExpectedVersion::at(delivery.version),
                    &events,
                    &metadata,
                )],
            };
            match repo.append(batch).await {
                Ok(_) => return Ok(()),
                Err(StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }
}
