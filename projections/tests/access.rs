//! `access::m2m_scopes` and `resources::by_indicator` over the management read models,
//! fed by real aggregates' events, on both backends.

// Test code: a panic is how a test fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use domain::application::{
    Application, ApplicationCommand, ApplicationSettings, ApplicationType, CustomClientMetadata,
    OidcClientMetadata,
};
use domain::resource::{Resource, ResourceCommand};
use domain::role::{Role, RoleCommand, RoleType};
use domain::{Aggregate, CommandContext, EventMetadata, Timestamp};
use projections::applications::ApplicationsProjector;
use projections::dump::dump;
use projections::resources::ResourcesProjector;
use projections::roles::RolesProjector;
use projections::{
    access, resources, CancellationToken, ProjectionRunner, Projector, ReplayTarget,
};
use std::time::Duration;
use store::{AppendBatch, ExpectedVersion, Repository, Store};

const CTX: CommandContext = CommandContext {
    now: Timestamp::from_millis(1_700_000_000_000),
};

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

fn resource(indicator: &str, scopes: &[(&str, &str)]) -> Vec<ResourceCommand> {
    let mut out = vec![ResourceCommand::Create {
        name: indicator.into(),
        indicator: indicator.into(),
        access_token_ttl: Some(600),
    }];
    for (id, name) in scopes {
        out.push(ResourceCommand::DefineScope {
            scope_id: (*id).into(),
            name: (*name).into(),
            description: None,
        });
    }
    out
}

fn role(role_type: RoleType, scopes: &[&str]) -> Vec<RoleCommand> {
    vec![
        RoleCommand::Create {
            name: format!("{role_type:?}{scopes:?}"),
            description: String::new(),
            role_type,
            is_default: false,
        },
        RoleCommand::AddScopes(scopes.iter().map(|s| s.to_string()).collect()),
    ]
}

fn app(app_type: ApplicationType) -> ApplicationCommand {
    ApplicationCommand::Create {
        app_type,
        is_third_party: false,
        settings: ApplicationSettings {
            name: "app".into(),
            description: None,
            oidc_client_metadata: OidcClientMetadata::default(),
            custom_client_metadata: CustomClientMetadata::default(),
            custom_data: Default::default(),
        },
        secret: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn m2m_scopes_follow_machine_roles_per_resource() {
    for backend in common::backends().await {
        let label = backend.label;
        let store = Store::connect(&backend.config).await.unwrap();
        let orders = "https://orders.example.com";
        run::<Resource>(
            &store,
            "res-orders",
            resource(
                orders,
                &[
                    ("s-read", "read"),
                    ("s-write", "write"),
                    ("s-admin", "admin"),
                ],
            ),
        )
        .await;
        run::<Resource>(
            &store,
            "res-other",
            resource("https://other.example.com", &[("s-other", "other")]),
        )
        .await;
        run::<Role>(
            &store,
            "role-a",
            role(RoleType::MachineToMachine, &["s-read", "s-other"]),
        )
        .await;
        run::<Role>(
            &store,
            "role-b",
            role(RoleType::MachineToMachine, &["s-read", "s-write"]),
        )
        .await;
        run::<Role>(&store, "role-u", role(RoleType::User, &["s-admin"])).await;
        run::<Role>(
            &store,
            "role-gone",
            role(RoleType::MachineToMachine, &["s-admin"]),
        )
        .await;
        run::<Application>(
            &store,
            "app-m2m",
            vec![
                app(ApplicationType::MachineToMachine),
                ApplicationCommand::AddSecret {
                    name: "default".into(),
                    digest: domain::oauth::secret::SecretDigest::of("s3cret"),
                    expires_at: None,
                },
                ApplicationCommand::AssignRoles(vec![
                    "role-a".into(),
                    "role-b".into(),
                    "role-gone".into(),
                ]),
            ],
        )
        .await;
        run::<Application>(&store, "app-spa", vec![app(ApplicationType::Spa)]).await;
        // A deleted role grants nothing; a deleted scope drops out.
        run::<Role>(&store, "role-gone", vec![RoleCommand::Delete]).await;
        run::<Resource>(
            &store,
            "res-orders",
            vec![
                ResourceCommand::DefineScope {
                    scope_id: "s-extra".into(),
                    name: "extra".into(),
                    description: None,
                },
                ResourceCommand::DeleteScope {
                    scope_id: "s-extra".into(),
                },
            ],
        )
        .await;

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

        let scopes = access::m2m_scopes(pool, "app-m2m", orders).await.unwrap();
        assert_eq!(scopes, vec!["read", "write"], "{label}");
        let other = access::m2m_scopes(pool, "app-m2m", "https://other.example.com")
            .await
            .unwrap();
        assert_eq!(other, vec!["other"], "{label}");
        assert!(access::m2m_scopes(pool, "app-spa", orders)
            .await
            .unwrap()
            .is_empty());
        assert!(access::m2m_scopes(pool, "nope", orders)
            .await
            .unwrap()
            .is_empty());
        assert!(access::m2m_scopes(pool, "app-m2m", "https://nope.example")
            .await
            .unwrap()
            .is_empty());

        // Removing a role takes its scopes away.
        run::<Application>(
            &store,
            "app-m2m",
            vec![ApplicationCommand::RemoveRole("role-b".into())],
        )
        .await;
        let shutdown = CancellationToken::new();
        let handle = runner.start(shutdown.clone()).await.unwrap();
        assert!(runner
            .wait_caught_up(Duration::from_secs(30))
            .await
            .unwrap());
        shutdown.cancel();
        handle.join().await;
        let scopes = access::m2m_scopes(pool, "app-m2m", orders).await.unwrap();
        assert_eq!(scopes, vec!["read"], "{label}");

        let found = resources::by_indicator(pool, orders)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (found.id.as_str(), found.access_token_ttl, found.is_default),
            ("res-orders", 600, false),
            "{label}"
        );
        // Invariant 1 for these read models: a replay from zero rebuilds them row for row.
        let projectors: [&dyn Projector; 3] =
            [&ApplicationsProjector, &ResourcesProjector, &RolesProjector];
        let mut live = Vec::new();
        for p in projectors {
            live.push(dump(pool, p).await.unwrap());
        }
        assert!(
            live.iter()
                .all(|tables| tables.iter().all(|t| !t.rows.is_empty())),
            "{label}"
        );
        runner.replay(ReplayTarget::All, |_| {}).await.unwrap();
        for (p, before) in projectors.iter().zip(&live) {
            assert_eq!(
                &dump(pool, *p).await.unwrap(),
                before,
                "{label}: {}",
                p.name()
            );
        }

        // Indicators are audiences: exact, case-sensitive.
        assert!(resources::by_indicator(pool, "https://ORDERS.example.com")
            .await
            .unwrap()
            .is_none());
        store.close().await;
    }
}
