//! Group commit, shared by both backends: appends are queued to writer task(s), each of
//! which takes every request waiting in the queue and commits them in one transaction.
//! The backend supplies the transaction ([`GroupCommitter`]); planning (expected-version
//! checks across the group, event ids, stream versions) is shared here.

use crate::envelope::*;
use crate::error::StoreError;
use crate::vault::{self, KeyState, Vault};
use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use uuid::Uuid;

/// Upper bound on the events of one group; keeps statements within bind-parameter limits
/// and latency bounded. A single larger batch still commits, as a group of its own.
pub(crate) const MAX_GROUP_EVENTS: usize = 1_000;

pub(crate) struct Request {
    batch: AppendBatch,
    events: usize,
    reply: oneshot::Sender<Result<AppendOutcome, StoreError>>,
}

/// Why a group transaction failed as a whole (nothing of it committed).
pub(crate) enum GroupFailure {
    /// Retry the batches one by one: another node raced us (unique violation) or a single
    /// batch broke the statement.
    Retry(StoreError),
    /// Another transaction changed what the group was planned against (a stream version or
    /// a data key committed by another writer or node): re-plan the batches one by one.
    Race,
}

impl From<StoreError> for GroupFailure {
    fn from(e: StoreError) -> Self {
        GroupFailure::Retry(e)
    }
}

impl From<sqlx::Error> for GroupFailure {
    fn from(e: sqlx::Error) -> Self {
        GroupFailure::Retry(e.into())
    }
}

pub(crate) type GroupResult =
    Result<(Vec<Result<AppendOutcome, StoreError>>, Position), GroupFailure>;

/// One backend's transaction for a group of batches. Returns each batch's outcome (a
/// batch failing its check is left out, the others commit) and the new head.
#[async_trait]
pub(crate) trait GroupCommitter: Send + 'static {
    /// `verified`: check every expectation against the database, not against versions this
    /// process already knows (set when retrying after a race).
    async fn commit(&mut self, group: &[&AppendBatch], verified: bool) -> GroupResult;
}

/// The queue side, held by the log.
pub(crate) struct Appender {
    tx: Mutex<Option<mpsc::Sender<Request>>>,
    writers: Mutex<Vec<JoinHandle<()>>>,
    /// Events committed through this appender (`tessera_events_appended_total`): counted
    /// here, where every append of the process passes, so the figure is true by
    /// construction.
    appended: AtomicU64,
}

impl Appender {
    /// Spawns one writer task per committer, all draining one queue.
    pub(crate) fn start<C: GroupCommitter>(
        committers: Vec<C>,
        head: Arc<watch::Sender<Position>>,
    ) -> Self {
        let (tx, rx) = mpsc::channel::<Request>(8_192);
        let rx = Arc::new(tokio::sync::Mutex::new(rx));
        let writers = committers
            .into_iter()
            .map(|c| tokio::spawn(run_writer(c, rx.clone(), head.clone())))
            .collect();
        Self {
            tx: Mutex::new(Some(tx)),
            writers: Mutex::new(writers),
            appended: AtomicU64::new(0),
        }
    }

    /// Events committed through this appender since it started.
    pub(crate) fn appended(&self) -> u64 {
        self.appended.load(Ordering::Relaxed)
    }

    pub(crate) async fn append(&self, batch: AppendBatch) -> Result<AppendOutcome, StoreError> {
        let events: usize = batch.streams.iter().map(|s| s.events.len()).sum();
        if events == 0 && batch.streams.is_empty() {
            return Ok(AppendOutcome { events: vec![] });
        }
        let sender = self
            .tx
            .lock()
            .map_err(|_| StoreError::Closed)?
            .clone()
            .ok_or(StoreError::Closed)?;
        let (reply, rx) = oneshot::channel();
        sender
            .send(Request {
                batch,
                events,
                reply,
            })
            .await
            .map_err(|_| StoreError::Closed)?;
        let outcome = rx.await.map_err(|_| StoreError::Closed)??;
        self.appended
            .fetch_add(outcome.events.len() as u64, Ordering::Relaxed);
        Ok(outcome)
    }

    /// Stops accepting appends, lets the writers commit what is queued, and waits for them.
    pub(crate) async fn close(&self) {
        if let Ok(mut tx) = self.tx.lock() {
            tx.take();
        }
        let writers = match self.writers.lock() {
            Ok(mut w) => std::mem::take(&mut *w),
            Err(_) => return,
        };
        for w in writers {
            let _ = w.await;
        }
    }
}

async fn run_writer<C: GroupCommitter>(
    mut committer: C,
    rx: Arc<tokio::sync::Mutex<mpsc::Receiver<Request>>>,
    head: Arc<watch::Sender<Position>>,
) {
    loop {
        let group = {
            let mut rx = rx.lock().await;
            let Some(first) = rx.recv().await else { break };
            let mut total = first.events;
            let mut group = vec![first];
            while total < MAX_GROUP_EVENTS {
                match rx.try_recv() {
                    Ok(r) => {
                        total += r.events;
                        group.push(r);
                    }
                    Err(_) => break,
                }
            }
            group
        };
        commit_group(&mut committer, group, &head).await;
    }
}

pub(crate) fn publish(head: &watch::Sender<Position>, at: Position) {
    head.send_if_modified(|h| {
        if at > *h {
            *h = at;
            true
        } else {
            false
        }
    });
}

async fn commit_group<C: GroupCommitter>(
    committer: &mut C,
    group: Vec<Request>,
    head: &watch::Sender<Position>,
) {
    let batches: Vec<&AppendBatch> = group.iter().map(|r| &r.batch).collect();
    let first_try = committer.commit(&batches, false).await;
    let failure = match first_try {
        Ok((results, at)) => {
            publish(head, at);
            for (req, res) in group.into_iter().zip(results) {
                let _ = req.reply.send(res);
            }
            return;
        }
        Err(f) => f,
    };
    if let GroupFailure::Retry(e) = &failure {
        if group.len() > 1 {
            tracing::debug!(error = %e, batches = group.len(), "group commit failed; retrying batches one by one");
        }
    }
    // One by one, so only the batch that really conflicts (or breaks) gets the error.
    for req in group {
        let mut outcome = Err(StoreError::Database(sqlx::Error::Protocol(
            "append kept racing with other writers; gave up after 5 attempts".into(),
        )));
        for _attempt in 0..5 {
            match committer.commit(&[&req.batch], true).await {
                Ok((mut results, at)) => {
                    publish(head, at);
                    outcome = results.pop().unwrap_or(Err(StoreError::Closed));
                    break;
                }
                Err(GroupFailure::Race) => continue,
                Err(GroupFailure::Retry(e)) => {
                    outcome = Err(e);
                    break;
                }
            }
        }
        let _ = req.reply.send(outcome);
    }
}

/// An event accepted for insertion, before sealing.
pub(crate) struct Planned<'a> {
    pub event_id: Uuid,
    pub stream: &'a StreamRef,
    pub version: u64,
    pub event: &'a NewEvent,
}

/// Checks each batch's expectations against `versions` (the streams' current versions,
/// updated as batches are accepted so later batches in the group see earlier ones).
/// Batches that would write personal data for an erased subject are refused too.
pub(crate) fn plan<'a>(
    group: &[&'a AppendBatch],
    versions: &mut HashMap<StreamRef, u64>,
    vault: &Vault,
) -> Vec<Result<Vec<Planned<'a>>, StoreError>> {
    group
        .iter()
        .map(|batch| {
            let mut local: HashMap<&StreamRef, u64> = HashMap::new();
            let mut planned = Vec::new();
            for s in &batch.streams {
                let current = local
                    .get(&s.stream)
                    .copied()
                    .unwrap_or_else(|| versions.get(&s.stream).copied().unwrap_or(0));
                let ok = match s.expected {
                    ExpectedVersion::NoStream => current == 0,
                    ExpectedVersion::Exact(v) => current == v,
                    ExpectedVersion::Any => true,
                };
                if !ok {
                    return Err(StoreError::Conflict {
                        stream: s.stream.clone(),
                        expected: format!("{:?}", s.expected),
                        actual: current,
                    });
                }
                for (i, event) in s.events.iter().enumerate() {
                    if let Some(subject) = Vault::subject_needing_key(event) {
                        if matches!(vault.cached(subject), Some(KeyState::Destroyed)) {
                            return Err(vault::destroyed(subject));
                        }
                    }
                    planned.push(Planned {
                        event_id: Uuid::now_v7(),
                        stream: &s.stream,
                        version: current + 1 + i as u64,
                        event,
                    });
                }
                local.insert(&s.stream, current + s.events.len() as u64);
            }
            for (stream, v) in local {
                versions.insert(stream.clone(), v);
            }
            Ok(planned)
        })
        .collect()
}

/// Distinct streams named by a group.
pub(crate) fn streams_of<'a>(group: &[&'a AppendBatch]) -> Vec<&'a StreamRef> {
    let mut out: Vec<&StreamRef> = group
        .iter()
        .flat_map(|b| b.streams.iter().map(|s| &s.stream))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Subjects whose data key the group's events need.
pub(crate) fn subjects_of<'a>(group: &[&'a AppendBatch]) -> Vec<&'a str> {
    group
        .iter()
        .flat_map(|b| b.streams.iter())
        .flat_map(|s| s.events.iter())
        .filter_map(Vault::subject_needing_key)
        .collect()
}

/// A row ready to insert.
pub(crate) struct Row {
    pub event_id: Uuid,
    pub stream_type: String,
    pub stream_id: String,
    pub version: i64,
    pub event_type: String,
    pub schema_version: i32,
    pub payload: String,
    pub metadata: String,
}

/// Keys created in this transaction: subject → (key, wrapped) to insert into data_keys.
pub(crate) type FreshKeys = HashMap<String, ([u8; 32], Vec<u8>)>;

/// Creates keys for accepted events whose subject has none yet (after the backend fetched
/// existing ones into the cache), then seals every accepted event into a row.
pub(crate) fn seal_rows(
    plans: &[Result<Vec<Planned<'_>>, StoreError>],
    vault: &Vault,
) -> Result<(Vec<Row>, FreshKeys), StoreError> {
    let mut fresh: FreshKeys = HashMap::new();
    let mut rows = Vec::new();
    for p in plans.iter().flatten().flatten() {
        if let Some(subject) = Vault::subject_needing_key(p.event) {
            if vault.cached(subject).is_none() && !fresh.contains_key(subject) {
                fresh.insert(subject.to_owned(), vault.new_key(subject)?);
            }
        }
    }
    let fresh_keys: HashMap<String, [u8; 32]> =
        fresh.iter().map(|(s, (k, _))| (s.clone(), *k)).collect();
    for p in plans.iter().flatten().flatten() {
        let payload = vault.seal_payload(p.event, p.event_id, &fresh_keys)?;
        rows.push(Row {
            event_id: p.event_id,
            stream_type: p.stream.stream_type.clone(),
            stream_id: p.stream.stream_id.clone(),
            version: p.version as i64,
            event_type: p.event.event_type.clone(),
            schema_version: p.event.schema_version as i32,
            payload: payload.to_string(),
            metadata: serde_json::to_string(&p.event.metadata)
                .map_err(|e| StoreError::Crypto(e.to_string()))?,
        });
    }
    Ok((rows, fresh))
}

/// After commit: cache the keys created and build each batch's outcome from positions
/// (`positions[i]` belongs to the i-th accepted event in plan order).
pub(crate) fn outcomes(
    plans: Vec<Result<Vec<Planned<'_>>, StoreError>>,
    positions: &HashMap<Uuid, u64>,
    fresh: FreshKeys,
    vault: &Vault,
) -> Vec<Result<AppendOutcome, StoreError>> {
    for (subject, (key, _)) in fresh {
        vault.remember(&subject, KeyState::Live(key));
    }
    plans
        .into_iter()
        .map(|p| {
            p.map(|events| AppendOutcome {
                events: events
                    .into_iter()
                    .map(|e| AppendedEvent {
                        event_id: e.event_id,
                        stream: e.stream.clone(),
                        stream_version: e.version,
                        position: Position(positions.get(&e.event_id).copied().unwrap_or(0)),
                    })
                    .collect(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev() -> NewEvent {
        NewEvent {
            event_type: "E".into(),
            schema_version: 1,
            payload: serde_json::json!({}),
            pii_subject: None,
            pii_fields: &[],
            metadata: domain::EventMetadata::system(domain::Timestamp::from_millis(0), "c"),
        }
    }

    fn batch(streams: &[(&str, ExpectedVersion, usize)]) -> AppendBatch {
        AppendBatch {
            streams: streams
                .iter()
                .map(|(id, expected, n)| StreamAppend {
                    stream: StreamRef::new("t", *id),
                    expected: *expected,
                    events: (0..*n).map(|_| ev()).collect(),
                })
                .collect(),
        }
    }

    #[test]
    fn later_batches_in_a_group_see_earlier_ones_and_failed_batches_leave_no_trace() {
        let vault = Vault::new([7; 32]).unwrap();
        let b1 = batch(&[("a", ExpectedVersion::NoStream, 2)]);
        // Expects a at 2: only true because b1 precedes it in the group.
        let b2 = batch(&[("a", ExpectedVersion::Exact(2), 1)]);
        // b's check passes but a's fails: the whole batch is refused, b stays untouched.
        let b3 = batch(&[
            ("b", ExpectedVersion::NoStream, 1),
            ("a", ExpectedVersion::Exact(1), 1),
        ]);
        let b4 = batch(&[("b", ExpectedVersion::NoStream, 1)]);
        let mut versions = HashMap::new();
        let plans = plan(&[&b1, &b2, &b3, &b4], &mut versions, &vault);
        let v = |i: usize| -> Vec<u64> {
            plans[i]
                .as_ref()
                .unwrap()
                .iter()
                .map(|p| p.version)
                .collect()
        };
        assert_eq!(v(0), vec![1, 2]);
        assert_eq!(v(1), vec![3]);
        assert!(matches!(
            &plans[2],
            Err(StoreError::Conflict { actual: 3, .. })
        ));
        assert_eq!(v(3), vec![1]);
        assert_eq!(versions[&StreamRef::new("t", "a")], 3);
        assert_eq!(versions[&StreamRef::new("t", "b")], 1);
    }

    #[test]
    fn personal_data_for_an_erased_subject_is_refused() {
        let vault = Vault::new([7; 32]).unwrap();
        vault.remember("u1", KeyState::Destroyed);
        let mut with_pii = ev();
        with_pii.payload = serde_json::json!({"email": "x@example.com"});
        with_pii.pii_subject = Some("u1".into());
        with_pii.pii_fields = &["email"];
        let mut without = with_pii.clone();
        without.payload = serde_json::json!({"other": 1});
        let b1 = AppendBatch {
            streams: vec![StreamAppend {
                stream: StreamRef::new("user", "u1"),
                expected: ExpectedVersion::Any,
                events: vec![with_pii],
            }],
        };
        let mut b2 = b1.clone();
        b2.streams[0].events = vec![without];
        let plans = plan(&[&b1, &b2], &mut HashMap::new(), &vault);
        assert!(matches!(&plans[0], Err(StoreError::Crypto(_))));
        assert!(plans[1].is_ok());
    }
}
