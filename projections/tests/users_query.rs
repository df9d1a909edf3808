//! `users::get` / `users::list` with Logto's pagination and search semantics, on both
//! backends (the SQL is portable; case-sensitive `like` uses GLOB on SQLite).

// Test code: a panic is how a test fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use projections::users::{self, UserQuery};
use projections::{CancellationToken, ProjectionRunner};
use std::time::Duration;
use store::Store;

async fn ids(pool: &sqlx::AnyPool, pairs: &[(&str, &str)]) -> (Vec<String>, u64) {
    let query = UserQuery::from_pairs(pairs.iter().copied()).unwrap();
    let (rows, total) = users::list(pool, &query).await.unwrap();
    (rows.into_iter().map(|r| r.id).collect(), total)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_and_search_follow_logtos_semantics() {
    for backend in common::backends().await {
        let label = backend.label;
        let store = Store::connect(&backend.config).await.unwrap();
        common::seed_users(&store, 0..60).await;
        let runner = ProjectionRunner::standard(store.log.clone(), store.read_pool.clone());
        let shutdown = CancellationToken::new();
        let handle = runner.start(shutdown.clone()).await.unwrap();
        assert!(runner
            .wait_caught_up(Duration::from_secs(30))
            .await
            .unwrap());
        shutdown.cancel();
        handle.join().await;
        let pool = &store.read_pool;
        let id = common::user_id;
        let live = common::live_users(0..60) as u64;

        // Newest first: user i was created at BASE + i hours (59 was deleted).
        let (page1, total) = ids(pool, &[]).await;
        assert_eq!(total, live, "{label}");
        assert_eq!(page1.len(), 20, "{label}");
        assert_eq!(page1[..2], [id(58), id(57)], "{label}");
        let (page3, _) = ids(pool, &[("page", "3"), ("page_size", "25")]).await;
        assert_eq!(page3.len() as u64, live - 50, "{label}");
        let (beyond, total) = ids(pool, &[("page", "9")]).await;
        assert!(beyond.is_empty() && total == live, "{label}");

        // `search` across the default fields, like mode, case-insensitive by default.
        let (found, total) = ids(pool, &[("search", "user12@example.COM")]).await;
        assert_eq!((found, total), (vec![id(12)], 1), "{label}");
        let (found, _) = ids(pool, &[("search", "%renamed 1_")]).await;
        let expected: Vec<String> = [18, 16, 14, 12].into_iter().map(id).collect();
        assert_eq!(found, expected, "{label}");
        // The id is searchable too.
        let (found, _) = ids(pool, &[("search", &id(7))]).await;
        assert_eq!(found, vec![id(7)], "{label}");

        // Case-sensitive like: the stored email is `User12@Example.com`.
        let cs = [
            ("search.primaryEmail", "user12@%"),
            ("isCaseSensitive", "true"),
        ];
        assert_eq!(ids(pool, &cs).await.1, 0, "{label}");
        let cs = [
            ("search.primaryEmail", "User12@%"),
            ("isCaseSensitive", "true"),
        ];
        assert_eq!(ids(pool, &cs).await.0, vec![id(12)], "{label}");
        // An escaped wildcard is literal: `\_1` needs an underscore before the 1
        // (user_1, user_11…user_19 less the deleted 10 and 17), where `_1` would not.
        let esc = [("search.username", "%\\_1%")];
        assert_eq!(ids(pool, &esc).await.1, 9, "{label}");
        assert!(
            ids(pool, &[("search.username", "%_1%")]).await.1 > 9,
            "{label}"
        );

        // Exact mode with several values, and joint=and across fields.
        let exact = [
            ("search.username", "USER_2"),
            ("search.username", "user_4"),
            ("mode.username", "exact"),
        ];
        assert_eq!(ids(pool, &exact).await.0, vec![id(4), id(2)], "{label}");
        let exact_cs = [
            ("search.username", "USER_2"),
            ("search.username", "user_4"),
            ("mode", "exact"),
            ("isCaseSensitive", "true"),
        ];
        assert_eq!(ids(pool, &exact_cs).await.0, vec![id(4)], "{label}");
        let and = [
            ("search.username", "user_1%"),
            ("search.primaryPhone", "%"),
            ("joint", "and"),
        ];
        let expected: Vec<String> = [18, 15, 12].into_iter().map(id).collect();
        assert_eq!(ids(pool, &and).await.0, expected, "{label}");
        let or = [
            ("search.username", "user_1"),
            ("search.name", "Name 5"),
            ("joint", "or"),
        ];
        assert_eq!(ids(pool, &or).await.0, vec![id(5), id(1)], "{label}");

        // get: present, deleted, unknown.
        assert!(users::get(pool, &id(5)).await.unwrap().is_some(), "{label}");
        assert!(
            users::get(pool, &id(3)).await.unwrap().is_none(),
            "{label}: user 3 was deleted"
        );
        assert!(users::get(pool, "nope").await.unwrap().is_none(), "{label}");
        let view = users::get(pool, &id(0))
            .await
            .unwrap()
            .unwrap()
            .to_view()
            .unwrap();
        assert_eq!(view.profile["address"]["country"], "NZ", "{label}");
        assert_eq!(view.custom_data["tier"], "gold", "{label}");
        assert!(view.has_password && !view.is_suspended, "{label}");
        store.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_and_json_survive_the_batch_encoding_exactly() {
    use domain::user::{User, UserCreated, UserDetailsFields, UserEvent};
    use domain::{EventMetadata, Timestamp};
    use store::{AppendBatch, ExpectedVersion, Repository};

    let name = "O'Brien \"Ω\" \\ 😀 %_ 'quoted'";
    let custom =
        serde_json::json!({"nested": {"q": "\"x\"", "list": [1, 2.5, null, true]}, "ü": "✓"});
    for backend in common::backends().await {
        let label = backend.label;
        let store = Store::connect(&backend.config).await.unwrap();
        let event = UserEvent::UserCreated(UserCreated {
            details: UserDetailsFields {
                name: Some(name.into()),
                ..Default::default()
            },
            custom_data: custom.as_object().cloned(),
            password: None,
            application_id: Some("app".into()),
        });
        let metadata = EventMetadata::system(Timestamp::from_millis(common::BASE_MS), "c");
        let batch = AppendBatch {
            streams: vec![Repository::stage::<User>(
                "odd",
                ExpectedVersion::NoStream,
                &[event],
                &metadata,
            )],
        };
        store.repository().append(batch).await.unwrap();
        let runner = ProjectionRunner::standard(store.log.clone(), store.read_pool.clone());
        let shutdown = CancellationToken::new();
        let handle = runner.start(shutdown.clone()).await.unwrap();
        assert!(runner
            .wait_caught_up(Duration::from_secs(30))
            .await
            .unwrap());
        shutdown.cancel();
        handle.join().await;
        let view = users::get(&store.read_pool, "odd")
            .await
            .unwrap()
            .unwrap()
            .to_view()
            .unwrap();
        assert_eq!(view.name.as_deref(), Some(name), "{label}");
        assert_eq!(view.custom_data, custom, "{label}");
        assert_eq!(view.username, None, "{label}");
        assert_eq!(view.application_id.as_deref(), Some("app"), "{label}");
        assert_eq!(view.created_at, common::BASE_MS, "{label}");
        let q = UserQuery::from_pairs([("search.name", "%Ω%")]).unwrap();
        assert_eq!(
            users::list(&store.read_pool, &q).await.unwrap().1,
            1,
            "{label}"
        );
        store.close().await;
    }
}
