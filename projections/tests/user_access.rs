//! `access::user_scopes`, `access::user_role_names` and the `user_roles` read model, fed
//! by real aggregates' events, on both backends: only live `User` roles and live scopes
//! count, a deleted user's rows go, and a replay rebuilds the table row for row.

// Test code: a panic is how a test fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use domain::resource::{Resource, ResourceCommand};
use domain::role::{Role, RoleCommand, RoleType};
use domain::user::{User, UserCommand, UserDetails, UserDetailsFields};
use domain::{Aggregate, CommandContext, EventMetadata, Timestamp};
use projections::dump::dump;
use projections::user_roles::{self, UserRolesProjector};
use projections::{access, CancellationToken, ProjectionRunner, ReplayTarget};
use std::time::Duration;
use store::{AppendBatch, ExpectedVersion, Repository, Store};

const CTX: CommandContext = CommandContext {
    now: Timestamp::from_millis(1_700_000_000_000),
};
const ORDERS: &str = "https://orders.example.com";

/// Decides `commands` on the stream `id` (from its current state) and appends them.
async fn run<A: Aggregate>(store: &Store, id: &str, commands: Vec<A::Command>)
where
    A::Error: std::fmt::Debug,
{
    let repo = store.repository();
    let loaded = repo.load::<A>(id).await.unwrap();
    let mut aggregate = loaded.aggregate;
    let mut events = Vec::new();
    for command in commands {
        for e in aggregate.handle(command, &CTX).unwrap() {
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
    repo.append(batch).await.unwrap();
}

fn role(name: &str, role_type: RoleType, scopes: &[&str]) -> Vec<RoleCommand> {
    vec![
        RoleCommand::Create {
            name: name.into(),
            description: String::new(),
            role_type,
            is_default: false,
        },
        RoleCommand::AddScopes(scopes.iter().map(|s| s.to_string()).collect()),
    ]
}

fn user(name: &str, roles: &[&str]) -> Vec<UserCommand> {
    vec![
        UserCommand::Create {
            details: UserDetails::new(UserDetailsFields {
                username: Some(name.into()),
                ..Default::default()
            })
            .unwrap(),
            custom_data: Default::default(),
            password: None,
            application_id: None,
        },
        UserCommand::AssignRoles(roles.iter().map(|r| r.to_string()).collect()),
    ]
}

async fn catch_up(runner: &ProjectionRunner) {
    let shutdown = CancellationToken::new();
    let handle = runner.start(shutdown.clone()).await.unwrap();
    assert!(runner
        .wait_caught_up(Duration::from_secs(30))
        .await
        .unwrap());
    shutdown.cancel();
    handle.join().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_scopes_follow_user_roles_per_resource() {
    for backend in common::backends().await {
        let label = backend.label;
        let store = Store::connect(&backend.config).await.unwrap();
        let mut orders = vec![ResourceCommand::Create {
            name: "Orders".into(),
            indicator: ORDERS.into(),
            access_token_ttl: None,
        }];
        for (id, name) in [("s-read", "read"), ("s-write", "write"), ("s-x", "extra")] {
            orders.push(ResourceCommand::DefineScope {
                scope_id: id.into(),
                name: name.into(),
                description: None,
            });
        }
        run::<Resource>(&store, "res-orders", orders).await;
        run::<Role>(
            &store,
            "r-read",
            role("reader", RoleType::User, &["s-read"]),
        )
        .await;
        run::<Role>(
            &store,
            "r-both",
            role("editor", RoleType::User, &["s-read", "s-write", "s-x"]),
        )
        .await;
        run::<Role>(
            &store,
            "r-m2m",
            role("machine", RoleType::MachineToMachine, &["s-write"]),
        )
        .await;
        run::<Role>(&store, "r-gone", role("gone", RoleType::User, &["s-write"])).await;
        // The aggregate leaves the type check to the caller; a machine role on a user
        // (some earlier bug) must still grant nothing.
        run::<User>(&store, "u-ann", user("ann", &["r-read", "r-m2m", "r-gone"])).await;
        run::<User>(&store, "u-ben", user("ben", &["r-both"])).await;
        run::<User>(&store, "u-cat", user("cat", &["r-both"])).await;
        run::<Role>(&store, "r-gone", vec![RoleCommand::Delete]).await;
        run::<Resource>(
            &store,
            "res-orders",
            vec![ResourceCommand::DeleteScope {
                scope_id: "s-x".into(),
            }],
        )
        .await;
        run::<User>(&store, "u-cat", vec![UserCommand::Delete]).await;

        let runner = ProjectionRunner::standard(store.log.clone(), store.read_pool.clone());
        catch_up(&runner).await;
        let pool = &store.read_pool;
        let scopes = |user: &'static str, indicator: &'static str| {
            let pool = pool.clone();
            async move { access::user_scopes(&pool, user, indicator).await.unwrap() }
        };
        assert_eq!(scopes("u-ann", ORDERS).await, vec!["read"], "{label}");
        assert_eq!(
            scopes("u-ben", ORDERS).await,
            vec!["read", "write"],
            "{label}"
        );
        assert!(scopes("u-cat", ORDERS).await.is_empty(), "{label}");
        assert!(scopes("u-ann", "https://nope.example").await.is_empty());
        assert!(scopes("nobody", ORDERS).await.is_empty());
        let names = access::user_role_names(pool, "u-ann").await.unwrap();
        assert_eq!(names, vec!["reader"], "{label}");
        let (members, total) = user_roles::users_with(pool, "r-both", None).await.unwrap();
        assert_eq!((members, total), (vec!["u-ben".to_owned()], 1), "{label}");

        // Removing a role takes its scopes away.
        run::<User>(
            &store,
            "u-ben",
            vec![UserCommand::RemoveRole("r-both".into())],
        )
        .await;
        catch_up(&runner).await;
        assert!(scopes("u-ben", ORDERS).await.is_empty(), "{label}");

        // Invariant 1: a replay from zero rebuilds the table row for row.
        let live = dump(pool, &UserRolesProjector).await.unwrap();
        assert!(live.iter().all(|t| !t.rows.is_empty()), "{label}");
        runner.replay(ReplayTarget::All, |_| {}).await.unwrap();
        assert_eq!(
            dump(pool, &UserRolesProjector).await.unwrap(),
            live,
            "{label}"
        );
    }
}
