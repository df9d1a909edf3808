//! The EventLog contract, run on SQLite and Postgres.

// Test code: a panic is how a test fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use domain::role::{Role, RoleEvent};
use domain::user::{User, UserEvent};
use domain::DomainEvent;
use std::time::Duration;
use store::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn appended_events_read_back_with_their_envelope() {
    for env in backends().await {
        let log = &env.store.log;
        let md = metadata();
        let user = user_created("alice", "alice@example.com");
        let suspended = UserEvent::UserSuspended(domain::user::UserSuspended {});
        let batch = AppendBatch {
            streams: vec![
                Repository::stage::<User>(
                    "u1",
                    ExpectedVersion::NoStream,
                    &[user.clone(), suspended.clone()],
                    &md,
                ),
                StreamAppend {
                    stream: StreamRef::new("other", "o1"),
                    expected: ExpectedVersion::Any,
                    events: vec![plain_event(7)],
                },
            ],
        };
        let out = env.store.repository().append(batch).await.unwrap();
        assert_eq!(out.events.len(), 3, "{}", env.name);
        let versions: Vec<u64> = out.events.iter().map(|e| e.stream_version).collect();
        assert_eq!(versions, vec![1, 2, 1], "{}", env.name);
        let positions: Vec<u64> = out.events.iter().map(|e| e.position.0).collect();
        assert_eq!(positions, vec![1, 2, 3], "{}", env.name);
        for e in &out.events {
            assert_eq!(
                e.event_id.get_version_num(),
                7,
                "{}: event ids are UUIDv7",
                env.name
            );
        }

        let stream = log
            .read_stream(&StreamRef::new("user", "u1"))
            .await
            .unwrap();
        assert_eq!(stream.len(), 2, "{}", env.name);
        assert_eq!(stream[0].event_id, out.events[0].event_id);
        assert_eq!(stream[0].position, Position(1));
        assert_eq!(stream[0].stream, StreamRef::new("user", "u1"));
        assert_eq!(stream[0].stream_version, 1);
        assert_eq!(stream[0].event_type, "UserCreated");
        assert_eq!(stream[0].schema_version, 2);
        assert_eq!(stream[0].metadata, md, "{}: metadata round-trips", env.name);
        assert_eq!(
            stream[0].decode::<UserEvent>().unwrap(),
            user,
            "{}",
            env.name
        );
        assert_eq!(stream[1].decode::<UserEvent>().unwrap(), suspended);
        assert_eq!(stream[1].stream_version, 2);

        let all = log.read_all(Position(0), 100).await.unwrap();
        assert_eq!(all.len(), 3);
        assert_eq!(all[2].stream, StreamRef::new("other", "o1"));
        assert_eq!(*all[2].payload, serde_json::json!({"n": 7}));
        assert_eq!(
            all[0], stream[0],
            "{}: read_all and read_stream agree",
            env.name
        );

        let loaded = env.store.repository().load::<User>("u1").await.unwrap();
        assert_eq!(loaded.version, 2);
        let User::Active(state) = loaded.aggregate else {
            panic!("{}: expected an active user", env.name)
        };
        assert!(state.is_suspended);
        assert_eq!(
            state.details.primary_email.as_deref(),
            Some("alice@example.com")
        );
        env.store.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn stage_fills_type_version_and_personal_fields() {
    let md = metadata();
    let staged = Repository::stage::<User>(
        "u9",
        ExpectedVersion::Exact(3),
        &[user_created("bob", "b@example.com")],
        &md,
    );
    assert_eq!(staged.stream, StreamRef::new("user", "u9"));
    assert_eq!(staged.expected, ExpectedVersion::Exact(3));
    let e = &staged.events[0];
    assert_eq!(e.event_type, "UserCreated");
    assert_eq!(e.schema_version, 2);
    assert_eq!(e.pii_subject.as_deref(), Some("u9"));
    assert!(e.pii_fields.contains(&"primaryEmail"));
    assert_eq!(e.metadata, md);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn conflicting_appends_are_rejected_and_write_nothing() {
    for env in backends().await {
        let log = &env.store.log;
        let a = StreamRef::new("thing", "a");
        let b = StreamRef::new("thing", "b");
        log.append(one_stream(
            a.clone(),
            ExpectedVersion::NoStream,
            vec![plain_event(1)],
        ))
        .await
        .unwrap();

        // NoStream on an existing stream.
        let err = log
            .append(one_stream(
                a.clone(),
                ExpectedVersion::NoStream,
                vec![plain_event(2)],
            ))
            .await
            .unwrap_err();
        match err {
            StoreError::Conflict { stream, actual, .. } => {
                assert_eq!(stream, a);
                assert_eq!(actual, 1);
            }
            other => panic!("{}: expected Conflict, got {other:?}", env.name),
        }
        // A stale exact version.
        assert!(matches!(
            log.append(one_stream(
                a.clone(),
                ExpectedVersion::Exact(5),
                vec![plain_event(3)]
            ))
            .await,
            Err(StoreError::Conflict { .. })
        ));
        // Multi-stream batch: b is fine, a conflicts → neither is written.
        let batch = AppendBatch {
            streams: vec![
                StreamAppend {
                    stream: b.clone(),
                    expected: ExpectedVersion::NoStream,
                    events: vec![plain_event(4)],
                },
                StreamAppend {
                    stream: a.clone(),
                    expected: ExpectedVersion::Exact(0),
                    events: vec![plain_event(5)],
                },
            ],
        };
        let err = log.append(batch).await.unwrap_err();
        assert!(
            matches!(&err, StoreError::Conflict { stream, .. } if *stream == a),
            "{}: {err:?}",
            env.name
        );
        assert!(
            log.read_stream(&b).await.unwrap().is_empty(),
            "{}: first stream of a failed batch must not be written",
            env.name
        );
        assert_eq!(log.read_stream(&a).await.unwrap().len(), 1);
        assert_eq!(log.head().await.unwrap(), Position(1), "{}", env.name);

        // The right expectations succeed; Any always does.
        log.append(one_stream(
            a.clone(),
            ExpectedVersion::at(1),
            vec![plain_event(6)],
        ))
        .await
        .unwrap();
        log.append(one_stream(
            b.clone(),
            ExpectedVersion::at(0),
            vec![plain_event(7)],
        ))
        .await
        .unwrap();
        let out = log
            .append(one_stream(
                a.clone(),
                ExpectedVersion::Any,
                vec![plain_event(8)],
            ))
            .await
            .unwrap();
        assert_eq!(out.events[0].stream_version, 3);
        assert_eq!(log.read_all(Position(0), 100).await.unwrap().len(), 4);
        env.store.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_version_1_payload_is_upcast_on_read() {
    for env in backends().await {
        // A UserCreated written by an older release: schema 1, `email`/`phone`, not sealed.
        let payload = r#"{"username":"olduser","email":"old@example.com","phone":"123456"}"#;
        let metadata = serde_json::to_string(&metadata()).unwrap();
        let id = uuid::Uuid::now_v7().to_string();
        let sql = match env.store.backend {
            Backend::Sqlite => "INSERT INTO events (event_id, stream_type, stream_id, stream_version, event_type, schema_version, payload, metadata) VALUES (?, 'user', 'legacy', 1, 'UserCreated', 1, ?, ?)",
            Backend::Postgres => "INSERT INTO events (event_id, stream_type, stream_id, stream_version, event_type, schema_version, payload, metadata) VALUES ($1::uuid, 'user', 'legacy', 1, 'UserCreated', 1, $2::jsonb, $3::jsonb)",
        };
        sqlx::query(sql)
            .bind(&id)
            .bind(payload)
            .bind(&metadata)
            .execute(&env.store.read_pool)
            .await
            .unwrap();

        let stream = env
            .store
            .log
            .read_stream(&StreamRef::new("user", "legacy"))
            .await
            .unwrap();
        assert_eq!(
            stream[0].schema_version,
            UserEvent::schema_version("UserCreated"),
            "{}",
            env.name
        );
        assert_eq!(stream[0].payload["primaryEmail"], "old@example.com");
        assert!(stream[0].payload.get("email").is_none());

        let loaded = env.store.repository().load::<User>("legacy").await.unwrap();
        assert_eq!(loaded.version, 1);
        let User::Active(state) = loaded.aggregate else {
            panic!("{}: expected an active user", env.name)
        };
        assert_eq!(
            state.details.primary_email.as_deref(),
            Some("old@example.com")
        );
        assert_eq!(state.details.primary_phone.as_deref(), Some("123456"));
        assert_eq!(state.details.username.as_deref(), Some("olduser"));
        env.store.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn read_all_pages_head_and_changes() {
    for env in backends().await {
        let log = &env.store.log;
        assert_eq!(log.head().await.unwrap(), Position(0));
        assert!(log.read_all(Position(0), 10).await.unwrap().is_empty());
        let mut changes = log.changes();
        changes.borrow_and_update();
        let s = StreamRef::new("tick", "t");
        let out = log
            .append(one_stream(
                s.clone(),
                ExpectedVersion::NoStream,
                (0..25).map(plain_event).collect(),
            ))
            .await
            .unwrap();
        tokio::time::timeout(Duration::from_secs(5), changes.changed())
            .await
            .expect("changes() must fire after an append")
            .unwrap();
        assert_eq!(*changes.borrow(), Position(25), "{}", env.name);
        assert_eq!(log.head().await.unwrap(), Position(25));
        assert_eq!(out.events.last().unwrap().position, Position(25));

        let mut at = Position(0);
        let mut sizes = Vec::new();
        let mut ns = Vec::new();
        loop {
            let page = log.read_all(at, 10).await.unwrap();
            sizes.push(page.len());
            if page.is_empty() {
                break;
            }
            for e in &page {
                assert_eq!(e.position.0, at.0 + 1, "{}: contiguous positions", env.name);
                at = e.position;
                ns.push(e.payload["n"].as_u64().unwrap());
            }
        }
        assert_eq!(sizes, vec![10, 10, 5, 0], "{}", env.name);
        assert_eq!(
            ns,
            (0..25).collect::<Vec<_>>(),
            "{}: stream order is position order",
            env.name
        );
        assert_eq!(log.read_all(Position(20), 100).await.unwrap().len(), 5);
        env.store.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_appends_to_one_stream_have_one_winner_per_version() {
    for env in backends().await {
        let s = StreamRef::new("race", "r");
        for version in 0..5u64 {
            let tasks: Vec<_> = (0..24)
                .map(|i| {
                    let log = env.store.log.clone();
                    let s = s.clone();
                    tokio::spawn(async move {
                        log.append(one_stream(
                            s,
                            ExpectedVersion::at(version),
                            vec![plain_event(i)],
                        ))
                        .await
                    })
                })
                .collect();
            let mut wins = 0;
            for t in tasks {
                match t.await.unwrap() {
                    Ok(out) => {
                        wins += 1;
                        assert_eq!(out.events[0].stream_version, version + 1);
                    }
                    Err(StoreError::Conflict { .. }) => {}
                    Err(e) => panic!("{}: unexpected error {e}", env.name),
                }
            }
            assert_eq!(
                wins,
                1,
                "{}: exactly one append wins version {}",
                env.name,
                version + 1
            );
        }
        assert_eq!(env.store.log.read_stream(&s).await.unwrap().len(), 5);
        env.store.close().await;
    }
}

/// Two stores on one Postgres database are two nodes: their writers race on the unique
/// index, and only the real loser gets the conflict.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_racing_on_postgres_have_one_winner() {
    let dir = tempfile::tempdir().unwrap();
    let Some(cfg) = store::testing::postgres_config(dir.path()).await else {
        return;
    };
    let a = Store::connect(&cfg).await.unwrap();
    let b = Store::connect(&cfg).await.unwrap();
    for round in 0..10u64 {
        let mut tasks = Vec::new();
        for i in 0..8u64 {
            for node in [&a, &b] {
                let log = node.log.clone();
                tasks.push(tokio::spawn(async move {
                    // Same stream, plus a private stream per append: a loser's private
                    // event must not be written either.
                    let batch = AppendBatch {
                        streams: vec![
                            StreamAppend {
                                stream: StreamRef::new("race", "shared"),
                                expected: ExpectedVersion::at(round),
                                events: vec![plain_event(i)],
                            },
                            StreamAppend {
                                stream: StreamRef::new(
                                    "own",
                                    format!("{round}-{i}-{}", uuid::Uuid::now_v7()),
                                ),
                                expected: ExpectedVersion::NoStream,
                                events: vec![plain_event(i)],
                            },
                        ],
                    };
                    log.append(batch).await
                }));
            }
        }
        let mut wins = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(_) => wins += 1,
                Err(StoreError::Conflict { .. }) => {}
                Err(e) => panic!("unexpected error {e}"),
            }
        }
        assert_eq!(wins, 1, "round {round}");
    }
    // Losers' rolled-back inserts left permanent gaps in the positions; following the log
    // passes over them.
    let all = follow(&*a.log, Position(0), 21, Duration::from_secs(3)).await;
    assert_eq!(
        all.len(),
        20,
        "10 winners × 2 streams; losers wrote nothing"
    );
    let shared = b
        .log
        .read_stream(&StreamRef::new("race", "shared"))
        .await
        .unwrap();
    assert_eq!(shared.len(), 10);
    a.close().await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn appends_after_close_fail_with_closed() {
    for env in backends().await {
        env.store.close().await;
        let r = env
            .store
            .log
            .append(one_stream(
                StreamRef::new("x", "y"),
                ExpectedVersion::Any,
                vec![plain_event(1)],
            ))
            .await;
        assert!(matches!(r, Err(StoreError::Closed)), "{}: {r:?}", env.name);
    }
}

/// A node's knowledge of stream versions goes stale when another node (or, on SQLite,
/// another process on the same file) appends; appends planned on it must still be judged
/// against the database.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn appends_planned_on_stale_knowledge_are_judged_by_the_database() {
    for env in backends().await {
        let a = env.store.clone();
        let b = Store::connect(&env.cfg).await.unwrap();
        stale_knowledge(&a, &b).await;
        a.close().await;
        b.close().await;
    }
}

async fn stale_knowledge(a: &Store, b: &Store) {
    let s = StreamRef::new("stale", "s");
    a.log
        .append(one_stream(
            s.clone(),
            ExpectedVersion::NoStream,
            vec![plain_event(1)],
        ))
        .await
        .unwrap();
    assert_eq!(a.log.read_stream(&s).await.unwrap().len(), 1);
    // Node b moves the stream to version 3; node a still remembers version 1.
    b.log
        .append(one_stream(
            s.clone(),
            ExpectedVersion::Exact(1),
            vec![plain_event(2)],
        ))
        .await
        .unwrap();
    b.log
        .append(one_stream(
            s.clone(),
            ExpectedVersion::Exact(2),
            vec![plain_event(3)],
        ))
        .await
        .unwrap();
    // a, with its stale version 1, must refuse Exact(1) (the unique index catches it)…
    let err = a
        .log
        .append(one_stream(
            s.clone(),
            ExpectedVersion::Exact(1),
            vec![plain_event(4)],
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { actual: 3, .. }),
        "{err:?}"
    );
    // …and accept Exact(3), which its stale knowledge would have contradicted.
    let out = a
        .log
        .append(one_stream(
            s.clone(),
            ExpectedVersion::Exact(3),
            vec![plain_event(5)],
        ))
        .await
        .unwrap();
    assert_eq!(out.events[0].stream_version, 4);
    // NoStream on a stream a never saw but b created.
    let t = StreamRef::new("stale", "t");
    b.log
        .append(one_stream(
            t.clone(),
            ExpectedVersion::NoStream,
            vec![plain_event(6)],
        ))
        .await
        .unwrap();
    let err = a
        .log
        .append(one_stream(
            t.clone(),
            ExpectedVersion::NoStream,
            vec![plain_event(7)],
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { actual: 1, .. }),
        "{err:?}"
    );
    // Any appends after the real head.
    let out = a
        .log
        .append(one_stream(
            t.clone(),
            ExpectedVersion::Any,
            vec![plain_event(8)],
        ))
        .await
        .unwrap();
    assert_eq!(out.events[0].stream_version, 2);
    let versions: Vec<u64> = b
        .log
        .read_stream(&s)
        .await
        .unwrap()
        .iter()
        .map(|e| e.stream_version)
        .collect();
    assert_eq!(versions, vec![1, 2, 3, 4]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cached_loads_read_only_new_events_and_see_every_writer() {
    for env in backends().await {
        let md = metadata();
        // A role: the cache takes only aggregates without personal data (`NoPersonalData`).
        let role = |is_default| domain::role::RoleUpdated {
            name: "Admin".into(),
            description: "Administrators".into(),
            is_default,
        };
        let created = RoleEvent::RoleCreated(domain::role::RoleCreated {
            name: "Admin".into(),
            description: "Administrators".into(),
            role_type: domain::role::RoleType::User,
            is_default: false,
        });
        let suspended = RoleEvent::RoleUpdated(role(true));
        let unsuspended = RoleEvent::RoleUpdated(role(false));
        let append = |events: Vec<RoleEvent>, expected| {
            let batch = AppendBatch {
                streams: vec![Repository::stage::<Role>("u9", expected, &events, &md)],
            };
            async { env.store.repository().append(batch).await.unwrap() }
        };
        append(vec![created, suspended], ExpectedVersion::NoStream).await;

        let stream = StreamRef::new("role", "u9");
        let after = env.store.log.read_stream_after(&stream, 1).await.unwrap();
        let versions: Vec<u64> = after.iter().map(|e| e.stream_version).collect();
        assert_eq!(
            versions,
            vec![2],
            "{}: only what follows version 1",
            env.name
        );
        assert!(env
            .store
            .log
            .read_stream_after(&stream, 2)
            .await
            .unwrap()
            .is_empty());

        let repo = env.store.repository();
        let first = repo.load_cached::<Role>("u9").await.unwrap();
        assert_eq!(first.version, 2);
        assert!(first.aggregate.state().unwrap().is_default);
        // Another writer (a plain repository, as another node would be) appends.
        append(vec![unsuspended], ExpectedVersion::Exact(2)).await;
        let second = repo.load_cached::<Role>("u9").await.unwrap();
        assert_eq!(
            second.version, 3,
            "{}: the cached state is brought up to date",
            env.name
        );
        assert!(!second.aggregate.state().unwrap().is_default);
        assert_eq!(
            second.aggregate,
            repo.load::<Role>("u9").await.unwrap().aggregate,
            "{}: same state as a full load",
            env.name
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn several_streams_read_in_one_call_come_back_in_the_order_asked() {
    for env in backends().await {
        let md = metadata();
        let created = user_created("dora", "dora@example.com");
        let suspended = UserEvent::UserSuspended(domain::user::UserSuspended {});
        let batch = AppendBatch {
            streams: vec![
                Repository::stage::<User>(
                    "u21",
                    ExpectedVersion::NoStream,
                    &[created, suspended],
                    &md,
                ),
                StreamAppend {
                    stream: StreamRef::new("other", "o21"),
                    expected: ExpectedVersion::Any,
                    events: vec![plain_event(1), plain_event(2), plain_event(3)],
                },
            ],
        };
        env.store.repository().append(batch).await.unwrap();
        let asked = [
            (StreamRef::new("other", "o21"), 1),
            (StreamRef::new("nothing", "here"), 0),
            (StreamRef::new("user", "u21"), 0),
        ];
        let got = env.store.log.read_streams(&asked).await.unwrap();
        let shape: Vec<Vec<(String, u64)>> = got
            .iter()
            .map(|events| {
                events
                    .iter()
                    .map(|e| (e.stream.stream_id.clone(), e.stream_version))
                    .collect()
            })
            .collect();
        assert_eq!(
            shape,
            vec![
                vec![("o21".to_owned(), 2), ("o21".to_owned(), 3)],
                vec![],
                vec![("u21".to_owned(), 1), ("u21".to_owned(), 2)],
            ],
            "{}",
            env.name
        );
        // Personal fields are opened as in a single-stream read.
        let one = env
            .store
            .log
            .read_stream(&StreamRef::new("user", "u21"))
            .await
            .unwrap();
        assert_eq!(got[2][0].payload, one[0].payload, "{}", env.name);
        assert!(
            got[2][0].payload.to_string().contains("dora@example.com"),
            "{}",
            env.name
        );
    }
}

/// A stream name no backend can store (U+0000: Postgres text cannot hold it) reads as an
/// empty stream, alone or among others, never as an error: such names come from requests
/// (`/oidc/auth?client_id=%00…`) and must answer "unknown", not 500.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stream_name_with_nul_reads_as_empty() {
    for env in backends().await {
        let log = env.store.log.clone();
        let real = StreamRef::new("nul-test", "real");
        log.append(one_stream(
            real.clone(),
            ExpectedVersion::NoStream,
            vec![plain_event(1)],
        ))
        .await
        .unwrap();
        let nul = StreamRef::new("nul-test", "a\0b");
        assert!(
            log.read_stream(&nul).await.unwrap().is_empty(),
            "{}",
            env.name
        );
        assert!(
            log.read_stream_after(&nul, 0).await.unwrap().is_empty(),
            "{}",
            env.name
        );
        let both = log
            .read_streams(&[(nul.clone(), 0), (real.clone(), 0), (nul, 0)])
            .await
            .unwrap();
        assert_eq!(
            both.iter().map(Vec::len).collect::<Vec<_>>(),
            vec![0, 1, 0],
            "{}",
            env.name
        );
        env.store.close().await;
    }
}
