//! Shared helpers: both backends, a scripted population of users with varied histories,
//! and the log's true per-(type, day) counts.
#![allow(dead_code)]

use domain::password::{PasswordAlgorithm, PasswordDigest};
use domain::user::{User, UserCommand, UserDetails, UserDetailsFields, UserEvent};
use domain::{Aggregate, CommandContext, EventMetadata, Timestamp};
use projections::event_stats::{utc_day, EventStat};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use store::{AppendBatch, ExpectedVersion, Position, Repository, Store, StoreConfig};
use tempfile::TempDir;

pub struct Backend {
    pub label: &'static str,
    pub dir: TempDir,
    pub config: StoreConfig,
}

/// SQLite always; Postgres when reachable (store::testing prints a loud SKIPPED otherwise,
/// and fails under CI).
pub async fn backends() -> Vec<Backend> {
    let mut out = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    let config = store::testing::sqlite_config(dir.path());
    out.push(Backend {
        label: "sqlite",
        dir,
        config,
    });
    let dir = tempfile::tempdir().unwrap();
    if let Some(config) = store::testing::postgres_config(dir.path()).await {
        out.push(Backend {
            label: "postgres",
            dir,
            config,
        });
    }
    out
}

pub const BASE_MS: i64 = 1_700_000_000_000;

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn digest(i: usize) -> PasswordDigest {
    // A stand-in digest: hashing real passwords would only slow the test down.
    PasswordDigest {
        algorithm: PasswordAlgorithm::Argon2id,
        digest: format!("$argon2id$v=19$m=19456,t=2,p=1$fake{i}"),
    }
}

/// The commands user `i` goes through: every user is created, and depending on `i` gets
/// details, custom data, a password, suspension (and back), or deletion.
pub fn script(i: usize) -> Vec<UserCommand> {
    let details = |name: Option<String>, profile: Option<Value>| {
        UserDetails::new(UserDetailsFields {
            username: Some(format!("user_{i}")),
            primary_email: i.is_multiple_of(2).then(|| format!("User{i}@Example.com")),
            primary_phone: i.is_multiple_of(3).then(|| format!("1555{i:07}")),
            name,
            avatar: i
                .is_multiple_of(4)
                .then(|| format!("https://img.example.com/{i}.png")),
            profile: profile.map(object),
        })
        .unwrap()
    };
    let mut commands = vec![UserCommand::Create {
        details: details(i.is_multiple_of(5).then(|| format!("Name {i}")), None),
        custom_data: object(
            json!({"i": i, "tier": if i.is_multiple_of(2) { "gold" } else { "free" }}),
        ),
        password: i.is_multiple_of(3).then(|| digest(i)),
        application_id: i
            .is_multiple_of(5)
            .then(|| "app00000000000000001".to_owned()),
    }];
    if i.is_multiple_of(2) {
        commands.push(UserCommand::UpdateDetails(details(
            Some(format!("Renamed {i}")),
            Some(json!({"givenName": format!("G{i}"), "address": {"country": "NZ"}})),
        )));
    }
    if i % 3 == 1 {
        commands.push(UserCommand::UpdateCustomData(object(
            json!({"i": i, "updated": true}),
        )));
    }
    if i % 4 == 1 {
        commands.push(UserCommand::SetPassword(digest(i + 1)));
    }
    if i % 5 == 1 {
        commands.push(UserCommand::SetSuspended(true));
        if i % 10 == 1 {
            commands.push(UserCommand::SetSuspended(false));
        }
    }
    if i % 6 == 2 {
        // Second factors: an authenticator app, backup codes (one used, then refused as
        // spent), and for some the app removed again.
        commands.push(UserCommand::BindTotp {
            verification_id: format!("t{i}"),
            secret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP".into(),
            code: None,
            confirmed_step: None,
            issued_only: false,
            replace: false,
        });
        commands.push(UserCommand::AddBackupCodes {
            verification_id: format!("b{i}"),
            digests: (0..10).map(|k| format!("d{i}-{k}")).collect(),
        });
        commands.push(UserCommand::UseBackupCode {
            digest: format!("d{i}-3"),
        });
        commands.push(UserCommand::UseBackupCode {
            digest: format!("d{i}-3"),
        });
        if i % 12 == 2 {
            commands.push(UserCommand::RemoveMfaVerification(format!("t{i}")));
        }
    }
    if i % 7 == 3 {
        commands.push(UserCommand::Delete);
    }
    commands
}

pub fn user_id(i: usize) -> String {
    format!("u{i:020}")
}

/// The events of user `i`, decided by the real aggregate.
pub fn user_events(i: usize) -> Vec<UserEvent> {
    let mut user = User::default();
    let mut events = Vec::new();
    for command in script(i) {
        let ctx = CommandContext {
            now: Timestamp::from_millis(BASE_MS),
        };
        for event in user.handle(command, &ctx).unwrap() {
            user.apply(&event);
            events.push(event);
        }
    }
    events
}

/// Appends the users in `range` through the repository in rounds (round r holds each
/// user's r-th event), so one user's events are spread over the log and over batches.
/// Event times spread over several days so `event_stats` has many keys.
pub async fn seed_users(store: &Store, range: std::ops::Range<usize>) -> usize {
    let histories: Vec<(usize, Vec<UserEvent>)> = range.map(|i| (i, user_events(i))).collect();
    let rounds = histories.iter().map(|(_, e)| e.len()).max().unwrap_or(0);
    let repo: Repository = store.repository();
    let mut appended = 0;
    for round in 0..rounds {
        for chunk in histories.chunks(100) {
            let mut batch = AppendBatch::default();
            for (i, events) in chunk {
                let Some(event) = events.get(round) else {
                    continue;
                };
                let at = BASE_MS + (*i as i64) * 3_600_000 + (round as i64) * 86_400_000;
                let metadata =
                    EventMetadata::system(Timestamp::from_millis(at), format!("seed-{i}"));
                batch.streams.push(Repository::stage::<User>(
                    &user_id(*i),
                    ExpectedVersion::at(round as u64),
                    std::slice::from_ref(event),
                    &metadata,
                ));
                appended += 1;
            }
            if !batch.streams.is_empty() {
                repo.append(batch).await.unwrap();
            }
        }
    }
    appended
}

/// The number of users in `range` that are not deleted at the end of their script.
pub fn live_users(range: std::ops::Range<usize>) -> usize {
    range.filter(|i| i % 7 != 3).count()
}

/// The log's true counts per (event type, UTC day), read with `read_all`.
pub async fn true_counts(store: &Store) -> Vec<EventStat> {
    let mut counts: BTreeMap<(String, String), i64> = BTreeMap::new();
    let mut after = Position(0);
    loop {
        let events = store.log.read_all(after, 1000).await.unwrap();
        let Some(last) = events.last() else { break };
        after = last.position;
        for e in &events {
            *counts
                .entry((
                    e.event_type.clone(),
                    utc_day(e.metadata.occurred_at.as_millis()),
                ))
                .or_default() += 1;
        }
    }
    counts
        .into_iter()
        .map(|((event_type, day), total)| EventStat {
            event_type,
            day,
            total,
        })
        .collect()
}
