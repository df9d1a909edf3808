//! The webhook read models (`hooks`, `hook_logs`): built live and rebuilt by a replay they
//! are identical (invariant 1), and their queries answer as of the log — subscribers of an
//! event are the enabled hooks created before it.

// Test code: a panic is how a test fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use domain::hook::delivery::{delivery_id, Delivery, DeliveryAttempted, DeliveryCommand};
use domain::hook::{Headers, Hook, HookCommand, HookSettings};
use domain::{Aggregate, CommandContext, EventMetadata, Timestamp};
use projections::dump::dump;
use projections::hooks::{self, HooksProjector};
use projections::hooks_log::{self, HookLogsProjector, LogFilter};
use projections::{CancellationToken, ProjectionRunner, ReplayTarget, Window};
use std::time::Duration;
use store::{AppendBatch, ExpectedVersion, Repository, Store};
use uuid::Uuid;

const CTX: CommandContext = CommandContext {
    now: Timestamp::from_millis(1_700_000_000_000),
};

/// Runs `commands` on stream `id` of `A` and appends the events; returns the last position.
async fn run<A: Aggregate>(store: &Store, id: &str, commands: Vec<A::Command>) -> u64 {
    let repo = store.repository();
    let loaded = repo.load::<A>(id).await.unwrap();
    let mut aggregate = loaded.aggregate;
    let mut events = Vec::new();
    for c in commands {
        for e in aggregate
            .handle(c, &CTX)
            .map_err(|e| e.to_string())
            .unwrap()
        {
            aggregate.apply(&e);
            events.push(e);
        }
    }
    let metadata = EventMetadata::system(CTX.now, "test");
    let batch = AppendBatch {
        streams: vec![Repository::stage::<A>(
            id,
            ExpectedVersion::at(loaded.version),
            &events,
            &metadata,
        )],
    };
    let outcome = repo.append(batch).await.unwrap();
    outcome.events.iter().map(|e| e.position.0).max().unwrap()
}

fn settings(events: &[&str]) -> HookSettings {
    HookSettings {
        name: "h".into(),
        events: events.iter().map(|e| e.to_string()).collect(),
        url: "https://receiver.example/hook".into(),
        headers: Headers::from([("x-a".to_owned(), "1".to_owned())]),
        enabled: true,
    }
}

fn create(events: &[&str]) -> HookCommand {
    HookCommand::Create {
        settings: settings(events),
        sealed_headers: Some("sealed-headers".into()),
        sealed_signing_key: "sealed-key".into(),
    }
}

fn attempt(hook: &str, n: u32, status: Option<u16>) -> DeliveryCommand {
    DeliveryCommand::Record(DeliveryAttempted {
        hook_id: hook.into(),
        event_id: Uuid::nil(),
        logto_event: "User.Created".into(),
        attempt: n,
        subject: Some("user-1".into()),
        request_body: Some(r#"{"event":"User.Created"}"#.into()),
        status,
        latency_ms: 5,
        response_excerpt: status.map(|s| format!("answer {s}")),
        error: status.is_none().then(|| "connection refused".to_owned()),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hook_read_models_replay_identically_and_answer_as_of_the_log() {
    for backend in common::backends().await {
        let label = backend.label;
        let store = Store::connect(&backend.config).await.unwrap();
        let runner = ProjectionRunner::standard(store.log.clone(), store.read_pool.clone());
        let shutdown = CancellationToken::new();
        let handle = runner.start(shutdown.clone()).await.unwrap();

        let early = run::<Hook>(&store, "early", vec![create(&["User.Created"])]).await;
        let event_between = early + 1;
        run::<Hook>(
            &store,
            "early",
            vec![
                HookCommand::Update {
                    name: Some("renamed".into()),
                    events: None,
                    url: None,
                    headers: None,
                    enabled: None,
                },
                HookCommand::RotateSigningKey {
                    sealed_signing_key: "sealed-key-2".into(),
                },
            ],
        )
        .await;
        run::<Hook>(&store, "late", vec![create(&["User.Created"])]).await;
        run::<Hook>(
            &store,
            "gone",
            vec![create(&["PostSignIn"]), HookCommand::Delete],
        )
        .await;
        run::<Hook>(
            &store,
            "disabled",
            vec![
                create(&["User.Created"]),
                HookCommand::DisableByReceiver {
                    delivery_id: "d".into(),
                    status: 410,
                },
            ],
        )
        .await;
        let ok = delivery_id(Uuid::nil(), "early", "User.Created");
        run::<Delivery>(&store, &ok, vec![attempt("early", 1, Some(500))]).await;
        run::<Delivery>(&store, &ok, vec![attempt("early", 2, Some(204))]).await;
        let lost = delivery_id(Uuid::nil(), "late", "User.Created");
        run::<Delivery>(
            &store,
            &lost,
            vec![
                attempt("late", 1, None),
                DeliveryCommand::GiveUp {
                    hook_id: "late".into(),
                },
            ],
        )
        .await;
        assert!(
            runner
                .wait_caught_up(Duration::from_secs(30))
                .await
                .unwrap(),
            "{label}"
        );

        // Subscribers as of an event between the two creations: only the early hook.
        let pool = &store.read_pool;
        let ids = |hs: Vec<hooks::HookRow>| hs.into_iter().map(|h| h.id).collect::<Vec<_>>();
        assert_eq!(
            ids(hooks::subscribers(pool, event_between).await.unwrap()),
            ["early"],
            "{label}"
        );
        let head = store.log.head().await.unwrap().0;
        assert_eq!(
            ids(hooks::subscribers(pool, head + 1).await.unwrap()),
            ["early", "late"],
            "{label}: deleted and disabled hooks get nothing"
        );
        let early_row = hooks::get(pool, "early").await.unwrap().unwrap();
        assert_eq!(
            (
                early_row.name.as_str(),
                early_row.sealed_signing_key.as_str(),
                early_row.sealed_headers.as_deref()
            ),
            ("renamed", "sealed-key-2", Some("sealed-headers"))
        );
        assert!(!hooks::get(pool, "disabled").await.unwrap().unwrap().enabled);
        assert!(hooks::get(pool, "gone").await.unwrap().is_none());

        let stats = hooks::execution_stats(pool, "early", 0).await.unwrap();
        assert_eq!(
            (stats.success_count, stats.request_count),
            (1, 2),
            "{label}"
        );
        let filter = LogFilter {
            hook_id: "late".into(),
            start_ms: 0,
            end_ms: i64::MAX,
            log_key: Some("TriggerHook.User.Created".into()),
        };
        let (logs, total) = hooks_log::recent(
            pool,
            &filter,
            Window {
                limit: 10,
                offset: 0,
            },
        )
        .await
        .unwrap();
        assert_eq!(total, 2, "{label}: the attempt and the exhaustion");
        assert!(
            logs.iter().any(|l| l.payload["exhausted"] == true),
            "{label}: {logs:?}"
        );
        assert!(
            logs.iter()
                .any(|l| l.payload["error"] == "connection refused"),
            "{label}"
        );

        shutdown.cancel();
        handle.join().await;
        let hooks_live = dump(pool, &HooksProjector).await.unwrap();
        let logs_live = dump(pool, &HookLogsProjector).await.unwrap();
        assert_eq!(hooks_live[0].rows.len(), 3, "{label}");
        assert_eq!(logs_live[0].rows.len(), 4, "{label}");
        runner
            .replay(ReplayTarget::One(hooks::NAME.into()), |_| {})
            .await
            .unwrap();
        runner
            .replay(ReplayTarget::One(hooks_log::NAME.into()), |_| {})
            .await
            .unwrap();
        assert_eq!(
            dump(pool, &HooksProjector).await.unwrap(),
            hooks_live,
            "{label}"
        );
        assert_eq!(
            dump(pool, &HookLogsProjector).await.unwrap(),
            logs_live,
            "{label}"
        );
        store.close().await;
    }
}
