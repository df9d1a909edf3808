//! The application layer's MFA verifications against a real store, on both backends, at
//! instants a test clock pins: a TOTP code is accepted once (its replay refused, also after
//! the next step's code), a backup code works once, every failure is an event on the user's
//! stream and on the factor's own sentinel counter, and a locked factor refuses even the
//! right code while another factor still works. (No HTTP route verifies a factor yet: the
//! sign-in steps that will call these come later.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use app::commands::users::{create_user, CreateUser, Origin};
use app::mfa::{self, BindTotp};
use app::sentinel::{self, Target};
use app::system::SystemRandom;
use app::{AppContext, AppError, RequestContext, SignInSettings};
use domain::sentinel::SentinelPolicy;
use domain::user::mfa::{totp_code, totp_step, MfaFactor};
use domain::user::{UserDetails, UserDetailsFields};
use domain::{TestClock, Timestamp};
use projections::{ProjectionRunner, RunnerConfig};
use std::sync::Arc;
use std::time::Duration;
use store::{Store, StoreConfig, StreamRef};

const SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
/// The start of a 30-second step.
const T0: i64 = 1_700_000_010_000;

async fn context(config: &StoreConfig, clock: &TestClock) -> AppContext {
    let store = Store::connect(config).await.expect("store");
    let runner = ProjectionRunner::new(
        store.log.clone(),
        store.read_pool.clone(),
        vec![],
        RunnerConfig::default(),
    );
    AppContext {
        directory: Arc::new(app::directory::Directory::new(store.clone())),
        store,
        projections: runner,
        clock: Arc::new(clock.clone()),
        random: Arc::new(SystemRandom::new()),
        sign_in: SignInSettings {
            sentinel: SentinelPolicy {
                max_attempts: 3,
                window_secs: 3600,
                lockout_secs: 600,
            },
            ..Default::default()
        },
        webhooks: webhooks::sender::Sender::new(false).expect("sender"),
    }
}

fn code_at(ms: i64) -> String {
    totp_code(SECRET, totp_step(Timestamp::from_millis(ms))).unwrap()
}

fn code_of(e: &AppError) -> &'static str {
    e.code()
}

async fn events(ctx: &AppContext, stream_type: &str, id: &str, event_type: &str) -> usize {
    ctx.store
        .log
        .read_stream(&StreamRef::new(stream_type, id))
        .await
        .unwrap()
        .iter()
        .filter(|e| e.event_type == event_type)
        .count()
}

async fn scenario(config: StoreConfig) {
    let clock = TestClock::at(Timestamp::from_millis(T0));
    let ctx = context(&config, &clock).await;
    let request = RequestContext::system("mfa-test");
    let details = UserDetails::new(UserDetailsFields {
        username: Some("mfa_cleo".into()),
        ..Default::default()
    })
    .unwrap();
    let user = create_user(
        &ctx,
        CreateUser {
            details,
            custom_data: Default::default(),
            password: None,
            origin: Origin::Admin,
        },
        &request,
    )
    .await
    .unwrap();
    let uid = user.id.as_str();
    let bind = BindTotp {
        secret: Some(SECRET.into()),
        code: None,
        confirmed_step: None,
        issued_only: false,
        replace: false,
    };
    mfa::bind_totp(&ctx, &request, uid, bind).await.unwrap();

    // A code works once; its replay is refused and recorded as a failure.
    mfa::verify_totp(&ctx, &request, uid, &code_at(T0))
        .await
        .unwrap();
    let replay = mfa::verify_totp(&ctx, &request, uid, &code_at(T0))
        .await
        .unwrap_err();
    assert_eq!(code_of(&replay), "session.mfa.invalid_totp_code");
    // The next step's code is good; the first code stays refused within its window.
    clock.advance(Duration::from_secs(30));
    mfa::verify_totp(&ctx, &request, uid, &code_at(T0 + 30_000))
        .await
        .unwrap();
    assert!(mfa::verify_totp(&ctx, &request, uid, &code_at(T0))
        .await
        .is_err());
    assert_eq!(events(&ctx, "user", uid, "MfaTotpUsed").await, 2);
    assert_eq!(events(&ctx, "user", uid, "MfaVerificationFailed").await, 2);
    let totp_counter = format!("uid:{uid}:totp");
    assert_eq!(
        events(&ctx, "sentinel", &totp_counter, "VerificationFailed").await,
        2
    );

    // Backup codes: each works once (case-blind); a spent or unknown one is refused.
    let (codes, _, _) = mfa::add_backup_codes(&ctx, &request, uid, None)
        .await
        .unwrap();
    mfa::use_backup_code(&ctx, &request, uid, &codes[0])
        .await
        .unwrap();
    let twice = mfa::use_backup_code(&ctx, &request, uid, &codes[0])
        .await
        .unwrap_err();
    assert_eq!(code_of(&twice), "session.mfa.invalid_backup_code");
    mfa::use_backup_code(&ctx, &request, uid, &codes[1].to_uppercase())
        .await
        .unwrap();
    assert!(mfa::use_backup_code(&ctx, &request, uid, "0000000000")
        .await
        .is_err());
    assert_eq!(events(&ctx, "user", uid, "MfaBackupCodeUsed").await, 2);
    let backup_counter = format!("uid:{uid}:backup-code");
    assert_eq!(
        events(&ctx, "sentinel", &backup_counter, "VerificationFailed").await,
        2
    );

    // The third TOTP failure locks the factor: even the right code is refused then, while
    // backup codes (a counter of their own) still work.
    clock.advance(Duration::from_secs(30));
    let locked = mfa::verify_totp(&ctx, &request, uid, "000000")
        .await
        .unwrap_err();
    assert!(matches!(locked, AppError::Locked { .. }), "{locked:?}");
    let now = T0 + 60_000;
    let right = mfa::verify_totp(&ctx, &request, uid, &code_at(now))
        .await
        .unwrap_err();
    assert!(matches!(right, AppError::Locked { .. }), "{right:?}");
    let target = Target::factor(uid, MfaFactor::Totp);
    assert!(sentinel::locked(&ctx, &target).await.unwrap().is_some());
    assert_eq!(
        events(&ctx, "sentinel", &totp_counter, "IdentifierLockedOut").await,
        1
    );
    mfa::use_backup_code(&ctx, &request, uid, &codes[2])
        .await
        .unwrap();
    // After the lock, the code of the current step works again (once).
    clock.advance(Duration::from_secs(601));
    let later = now + 601_000;
    mfa::verify_totp(&ctx, &request, uid, &code_at(later))
        .await
        .unwrap();
    ctx.store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn totp_replays_and_spent_backup_codes_are_refused_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    scenario(store::testing::sqlite_config(dir.path())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn totp_replays_and_spent_backup_codes_are_refused_postgres() {
    let dir = tempfile::tempdir().unwrap();
    if let Some(config) = store::testing::postgres_config(dir.path()).await {
        scenario(config).await;
    }
}
