//! Invariants 7 and 8: personal data is encrypted at rest under per-subject keys wrapped by
//! the KEK, and destroying a subject's key erases it without touching the log.

// Test code: a panic is how a test fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use domain::identifier::Identifier;
use domain::user::{User, UserEvent, UserSuspended};
use store::*;

const EMAIL: &str = "alice.secret@example.com";
const USERNAME: &str = "alice_private";

async fn raw_payloads(store: &Store) -> Vec<String> {
    let sql = match store.backend {
        Backend::Sqlite => "SELECT payload FROM events ORDER BY position",
        Backend::Postgres => "SELECT payload::text FROM events ORDER BY position",
    };
    sqlx::query_scalar(sql)
        .fetch_all(&store.read_pool)
        .await
        .unwrap()
}

async fn create_alice(store: &Store, id: &str) {
    let staged = Repository::stage::<User>(
        id,
        ExpectedVersion::NoStream,
        &[user_created(USERNAME, EMAIL)],
        &metadata(),
    );
    store
        .repository()
        .append(AppendBatch {
            streams: vec![staged],
        })
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn personal_fields_are_encrypted_at_rest_and_decrypted_on_read() {
    for env in backends().await {
        create_alice(&env.store, "u1").await;
        let raw = raw_payloads(&env.store).await;
        assert_eq!(raw.len(), 1);
        assert!(
            !raw[0].contains(EMAIL),
            "{}: email stored in plain text: {}",
            env.name,
            raw[0]
        );
        assert!(
            !raw[0].contains(USERNAME),
            "{}: username stored in plain text",
            env.name
        );
        let stored: serde_json::Value = serde_json::from_str(&raw[0]).unwrap();
        assert_eq!(stored["$pii"]["s"], "u1");
        assert!(stored["$pii"]["c"].as_str().unwrap().len() > 40);
        assert_eq!(
            stored["applicationId"], "app-1",
            "{}: non-personal fields stay readable",
            env.name
        );
        assert!(stored.get("primaryEmail").is_none());

        // The data key is stored wrapped, never as the raw key.
        let key_sql = match env.store.backend {
            Backend::Sqlite => "SELECT length(wrapped_key) FROM data_keys WHERE subject_id = 'u1'",
            Backend::Postgres => {
                "SELECT length(wrapped_key)::bigint FROM data_keys WHERE subject_id = 'u1'"
            }
        };
        let len: i64 = sqlx::query_scalar(key_sql)
            .fetch_one(&env.store.read_pool)
            .await
            .unwrap();
        assert_eq!(
            len,
            1 + 12 + 32 + 16,
            "{}: scheme byte ‖ nonce ‖ wrapped key ‖ tag",
            env.name
        );

        let events = env
            .store
            .log
            .read_stream(&StreamRef::new("user", "u1"))
            .await
            .unwrap();
        assert_eq!(events[0].payload["primaryEmail"], EMAIL);
        assert!(events[0].payload.get("$pii").is_none());
        let loaded = env.store.repository().load::<User>("u1").await.unwrap();
        let User::Active(state) = loaded.aggregate else {
            panic!()
        };
        assert_eq!(state.details.primary_email.as_deref(), Some(EMAIL));
        assert_eq!(state.details.username.as_deref(), Some(USERNAME));

        // A fresh process (empty key cache) decrypts too.
        env.store.close().await;
        let reopened = Store::connect(&env.cfg).await.unwrap();
        let loaded = reopened.repository().load::<User>("u1").await.unwrap();
        let User::Active(state) = loaded.aggregate else {
            panic!()
        };
        assert_eq!(
            state.details.primary_email.as_deref(),
            Some(EMAIL),
            "{}",
            env.name
        );
        reopened.close().await;
    }
}

async fn wrapped_len(store: &Store, subject: &str) -> i64 {
    let sql = match store.backend {
        Backend::Sqlite => "SELECT length(wrapped_key) FROM data_keys WHERE subject_id = ?",
        Backend::Postgres => {
            "SELECT length(wrapped_key)::bigint FROM data_keys WHERE subject_id = $1"
        }
    };
    sqlx::query_scalar(sql)
        .bind(subject)
        .fetch_one(&store.read_pool)
        .await
        .unwrap()
}

/// Keys by purpose: a data key wrapped by the first scheme (directly under the KEK, as
/// older versions stored it) still opens, and is re-wrapped under the derived data-key key
/// when the store opens.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn data_keys_of_the_first_scheme_open_and_are_rewrapped_at_start() {
    for env in backends().await {
        create_alice(&env.store, "u1").await;
        create_alice(&env.store, "u2").await;
        store::testing::downgrade_data_key(&env.store, "u1")
            .await
            .unwrap();
        assert_eq!(wrapped_len(&env.store, "u1").await, 60, "{}", env.name);
        env.store.close().await;

        let reopened = Store::connect(&env.cfg).await.unwrap();
        assert_eq!(
            wrapped_len(&reopened, "u1").await,
            61,
            "{}: re-wrapped at start",
            env.name
        );
        for id in ["u1", "u2"] {
            let loaded = reopened.repository().load::<User>(id).await.unwrap();
            let User::Active(state) = loaded.aggregate else {
                panic!("{}: {id} is not active", env.name)
            };
            assert_eq!(
                state.details.primary_email.as_deref(),
                Some(EMAIL),
                "{}: {id}",
                env.name
            );
        }
        reopened.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_destroyed_key_erases_the_fields_but_keeps_the_log() {
    for env in backends().await {
        create_alice(&env.store, "u1").await;
        create_alice(&env.store, "u2").await;
        let before = raw_payloads(&env.store).await;
        env.store.destroy_data_key("u1").await.unwrap();
        assert_eq!(
            raw_payloads(&env.store).await,
            before,
            "{}: events are never rewritten",
            env.name
        );

        let events = env
            .store
            .log
            .read_stream(&StreamRef::new("user", "u1"))
            .await
            .unwrap();
        assert_eq!(
            events.len(),
            1,
            "{}: the audit trail keeps its shape",
            env.name
        );
        assert!(events[0].payload.get("primaryEmail").is_none());
        assert!(events[0].payload.get("username").is_none());
        assert_eq!(events[0].payload["applicationId"], "app-1");
        let loaded = env.store.repository().load::<User>("u1").await.unwrap();
        let User::Active(state) = loaded.aggregate else {
            panic!("{}", env.name)
        };
        assert_eq!(state.details.primary_email, None);
        assert_eq!(state.details.username, None);
        // Other subjects are untouched.
        let other = env.store.repository().load::<User>("u2").await.unwrap();
        let User::Active(state) = other.aggregate else {
            panic!()
        };
        assert_eq!(state.details.primary_email.as_deref(), Some(EMAIL));

        // Events without personal data still append; new personal data is refused.
        let suspend = Repository::stage::<User>(
            "u1",
            ExpectedVersion::Exact(1),
            &[UserEvent::UserSuspended(UserSuspended {})],
            &metadata(),
        );
        env.store
            .repository()
            .append(AppendBatch {
                streams: vec![suspend],
            })
            .await
            .unwrap();
        let update = Repository::stage::<User>(
            "u1",
            ExpectedVersion::Exact(2),
            &[user_created("again", "again@example.com")],
            &metadata(),
        );
        let err = env
            .store
            .repository()
            .append(AppendBatch {
                streams: vec![update],
            })
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Crypto(_)),
            "{}: {err:?}",
            env.name
        );

        // After a restart (no cache) the fields are still gone, and the key row holds nothing.
        env.store.close().await;
        let reopened = Store::connect(&env.cfg).await.unwrap();
        let events = reopened.log.read_all(Position(0), 10).await.unwrap();
        let u1 = events.iter().find(|e| e.stream.stream_id == "u1").unwrap();
        assert!(u1.payload.get("primaryEmail").is_none(), "{}", env.name);
        let key: Option<Vec<u8>> = match reopened.backend {
            Backend::Sqlite => sqlx::query_scalar::<_, Option<Vec<u8>>>(
                "SELECT wrapped_key FROM data_keys WHERE subject_id = 'u1'",
            )
            .fetch_one(&reopened.read_pool)
            .await
            .unwrap(),
            Backend::Postgres => sqlx::query_scalar::<_, Option<Vec<u8>>>(
                "SELECT wrapped_key FROM data_keys WHERE subject_id = 'u1'",
            )
            .fetch_one(&reopened.read_pool)
            .await
            .unwrap(),
        };
        assert!(key.is_none(), "{}: the wrapped key is gone", env.name);
        reopened.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_generated_kek_file_is_private_and_reused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = store::testing::sqlite_config(dir.path());
    cfg.kek = None;
    let store = Store::connect(&cfg).await.unwrap();
    let path = dir.path().join("kek");
    let meta = std::fs::metadata(&path).expect("kek file generated");
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.trim().len(), 44, "base64 of 32 bytes");
    create_alice(&store, "u1").await;
    store.close().await;
    // The second start reads the same key: the data is still readable.
    let store = Store::connect(&cfg).await.unwrap();
    let loaded = store.repository().load::<User>("u1").await.unwrap();
    let User::Active(state) = loaded.aggregate else {
        panic!()
    };
    assert_eq!(state.details.primary_email.as_deref(), Some(EMAIL));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_wrong_kek_is_refused_with_a_clear_error() {
    for env in backends().await {
        create_alice(&env.store, "u1").await;
        env.store.close().await;
        let mut wrong = env.cfg.clone();
        wrong.kek = Some("d3Jvbmctd3Jvbmctd3Jvbmctd3Jvbmctd3Jvbmctd3I=".into());
        match Store::connect(&wrong).await {
            Err(StoreError::Config(msg)) => assert!(
                msg.contains("key-encryption key does not match"),
                "{}: {msg}",
                env.name
            ),
            Err(e) => panic!("{}: expected a Config error, got {e}", env.name),
            Ok(_) => panic!("{}: a wrong KEK must be refused", env.name),
        }
        let mut malformed = env.cfg.clone();
        malformed.kek = Some("too-short".into());
        assert!(matches!(
            Store::connect(&malformed).await,
            Err(StoreError::Config(_))
        ));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn identifier_stream_ids_are_keyed_digests() {
    let envs = backends().await;
    let env = &envs[0];
    let email = Identifier::email("Alice@Example.com").unwrap();
    let id = env.store.identifier_stream_id(&email);
    assert_eq!(id.len(), 64);
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
    assert!(!id.contains("alice"));
    assert_eq!(
        id,
        env.store
            .identifier_stream_id(&Identifier::email("alice@example.com").unwrap()),
        "normalised"
    );
    assert_ne!(
        id,
        env.store
            .identifier_stream_id(&Identifier::username("alice").unwrap())
    );
    // Another KEK gives other ids: the digest is keyed, not a plain hash.
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = store::testing::sqlite_config(dir.path());
    cfg.kek = Some("b3RoZXItb3RoZXItb3RoZXItb3RoZXItb3RoZXItb3Q=".into());
    let other = Store::connect(&cfg).await.unwrap();
    assert_ne!(id, other.identifier_stream_id(&email));
    other.close().await;
    for env in envs {
        env.store.close().await;
    }
}
