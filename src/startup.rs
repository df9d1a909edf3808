//! The composition root: wires configuration, the store, the projection runner and the
//! HTTP app, and runs one CLI command.

use crate::cli::{Cli, Command, KeysCommand, ReplayArgs};
use crate::config::{Config, ConfigError};
use ::app::system::{SystemClock, SystemRandom};
use ::app::AppContext;
use actix_web::HttpServer;
use api::state::backend_name;
use api::support::metrics::Metrics;
use api::AppState;
use indicatif::{ProgressBar, ProgressStyle};
use projections::{ProjectionError, ProjectionRunner, ReplayProgress, ReplayTarget};
use std::io::Write;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;
use store::{Store, StoreError};
use tokio_util::sync::CancellationToken;

/// How long a graceful shutdown waits for in-flight requests.
const SHUTDOWN_TIMEOUT_SECS: u64 = 10;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("event store: {0}")]
    Store(#[from] StoreError),
    #[error("projections: {0}")]
    Projection(#[from] ProjectionError),
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    #[error("signing keys: {0}")]
    Keys(#[from] ::app::keys::KeyError),
    #[error("bootstrap: {0}")]
    Bootstrap(#[from] ::app::bootstrap::BootstrapError),
    #[error("webhooks: {0}")]
    Webhooks(#[from] webhooks::sender::ClientError),
}

pub fn run(cli: Cli) -> Result<(), AppError> {
    let config = Config::load(cli.config.as_deref())?;
    crate::logging::init(&config);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        match cli.command {
            Command::Serve => serve(config).await,
            Command::Migrate => migrate(config).await,
            Command::Status => status(config).await,
            Command::Replay(args) => replay(config, args).await,
            Command::Keys(KeysCommand::Rotate { alg }) => rotate_keys(config, &alg).await,
        }
    })
}

fn describe(config: &Config, store: &Store) -> String {
    match config.database_url {
        Some(_) => backend_name(store.backend).to_owned(),
        None => format!(
            "{} ({})",
            backend_name(store.backend),
            config.data_dir.join("tessera.db").display()
        ),
    }
}

async fn serve(config: Config) -> Result<(), AppError> {
    // First of all, so a signal during startup is a graceful stop once serving begins.
    let mut signals = ShutdownSignals::install();
    // Bind first: a taken port fails fast, before the database is touched.
    let listener = TcpListener::bind(&config.bind).map_err(|source| AppError::Bind {
        addr: config.bind.clone(),
        source,
    })?;
    let addr = listener.local_addr()?;
    let retry_schedule = config.retry_schedule()?;
    let broker = config.broker()?;

    let store = Store::connect(&config.store_config()).await?;
    tracing::info!(backend = %describe(&config, &store), "event store open, migrations applied");
    let runner = ProjectionRunner::standard(store.log.clone(), store.read_pool.clone());
    let stop_projectors = CancellationToken::new();
    let projectors = match runner.start(stop_projectors.clone()).await {
        Ok(handle) => handle,
        Err(e) => {
            store.close().await;
            return Err(e.into());
        }
    };

    let endpoint = config.endpoint_for(addr);
    let state = match app_state(&config, &store, &runner, &endpoint).await {
        Ok(state) => state,
        Err(e) => {
            stop_projectors.cancel();
            projectors.join().await;
            store.close().await;
            return Err(e);
        }
    };
    // Delivery attempts read the log through connections of their own (a lane): hundreds
    // of attempts in flight must not queue API requests behind them, nor the reverse.
    let deliverer = webhooks::delivery::Deliverer::new(
        store.lane("tessera-webhook-jobs", webhooks::delivery::LANE_CONNECTIONS),
        runner.clone(),
        state.webhooks.clone(),
        Arc::new(SystemClock),
    );
    let server = HttpServer::new(move || api::build_app(state.clone()))
        .disable_signals()
        .shutdown_timeout(SHUTDOWN_TIMEOUT_SECS)
        .listen(listener);
    let server = match server {
        Ok(server) => server.run(),
        Err(e) => {
            stop_projectors.cancel();
            projectors.join().await;
            store.close().await;
            return Err(e.into());
        }
    };
    // Embedded webhook delivery unless RabbitMQ carries it (TESSERA_AMQP_URL). The relay
    // (or the embedded dispatcher) follows the log like the projectors do, so it reads
    // through their shared tail: recent events come from memory, not from the database
    // once more.
    let tail_reader = store.with_log(runner.log());
    let stop_delivery = CancellationToken::new();
    let (delivery, amqp) = match broker {
        None => (
            Some(webhooks::embedded::EmbeddedDelivery::start(
                tail_reader.clone(),
                deliverer,
                retry_schedule,
                stop_delivery.clone(),
            )),
            None,
        ),
        Some(broker) => (
            None,
            Some(start_amqp(
                &config,
                broker,
                &tail_reader,
                deliverer,
                retry_schedule,
            )),
        ),
    };
    let handle = server.handle();
    let mut server = Box::pin(server);

    println!("Tessera listening on http://{addr}");
    let _ = std::io::stdout().flush();
    tracing::info!(%addr, %endpoint, issuer = %format!("{endpoint}/oidc"), "serving");

    let served = tokio::select! {
        result = &mut server => result,
        signal = signals.recv() => {
            tracing::info!(signal, "shutting down: no new connections, finishing in-flight requests");
            let ((), result) = tokio::join!(handle.stop(true), &mut server);
            result
        }
    };
    stop_delivery.cancel();
    if let Some(delivery) = delivery {
        delivery.join().await;
    }
    if let Some(amqp) = amqp {
        amqp.shutdown().await;
    }
    tracing::info!("HTTP server stopped; stopping projectors at a committed checkpoint");
    stop_projectors.cancel();
    projectors.join().await;
    store.close().await;
    tracing::info!("shutdown complete");
    served.map_err(AppError::from)
}

/// The RabbitMQ transport: the relay and the workers, each connecting (and reconnecting)
/// on its own, so a broker that is down at start delays webhooks, not the server.
fn start_amqp(
    config: &Config,
    broker: webhooks::amqp::Broker,
    store: &Store,
    deliverer: webhooks::delivery::Deliverer,
    schedule: webhooks::schedule::RetrySchedule,
) -> webhooks::amqp::AmqpTransport {
    let tls = broker.is_tls();
    let mut settings = webhooks::amqp::AmqpSettings::new(broker, config.data_dir.clone());
    settings.prefix = config.amqp_prefix.clone();
    settings.workers = config.amqp_workers.max(1);
    settings.prefetch = config.amqp_prefetch.max(1);
    settings.schedule = schedule;
    tracing::info!(prefix = %settings.prefix, workers = settings.workers, tls, "webhooks delivered through RabbitMQ");
    webhooks::amqp::AmqpTransport::start(store.clone(), deliverer, settings)
}

/// The shared request state: signing keys loaded (the first one created on a fresh
/// deployment), then the Management API resource and the bootstrap M2M application.
async fn app_state(
    config: &Config,
    store: &Store,
    runner: &ProjectionRunner,
    endpoint: &str,
) -> Result<AppState, AppError> {
    let clock = SystemClock;
    let random = SystemRandom::new();
    let oidc = api::oidc::Oidc::start(store, runner.log(), endpoint, &clock, &random).await?;
    let context = AppContext {
        store: store.clone(),
        projections: runner.clone(),
        clock: Arc::new(clock),
        random: Arc::new(random),
        directory: oidc.directory.clone(),
        sign_in: ::app::SignInSettings {
            registration: config.registration,
            lifetimes: config.lifetimes(),
            sentinel: config.sentinel_policy(),
            code_policy: config.code_policy(),
            send_policy: config.send_policy(),
            password_policy: config.password_policy(),
            hasher: Arc::new(config.hasher()),
            pwned_api: config.password_pwned_api.clone(),
        },
        webhooks: webhooks::sender::Sender::new(config.webhook_allow_private)?,
    };
    let bootstrap = ::app::bootstrap::BootstrapM2m {
        credentials: config.bootstrap_m2m()?,
        data_dir: config.data_dir.clone(),
        token_endpoint: format!("{}/token", oidc.issuer),
    };
    let state = AppState {
        app: context,
        endpoint: endpoint.to_owned(),
        metrics: Arc::new(Metrics::new()),
        oidc,
        rate_limit: api::guard::rate_limit::IpRateLimit::new(
            api::guard::rate_limit::RateLimitSettings {
                per_second: config.rate_limit_per_second,
                burst: config.rate_limit_burst,
            },
        ),
        metrics_token: config.metrics_token.clone(),
        bootstrap_credentials: bootstrap
            .credentials
            .is_none()
            .then(|| bootstrap.data_dir.join(::app::bootstrap::CREDENTIALS_FILE)),
        user_search_timeout: std::time::Duration::from_millis(config.user_search_timeout_ms),
    };
    state.rate_limit.spawn_housekeeping();
    ::app::bootstrap::run(&state, &bootstrap).await?;
    Ok(state)
}

/// `tessera keys rotate`: appends the rotation; running servers follow the log.
async fn rotate_keys(config: Config, alg: &str) -> Result<(), AppError> {
    use ::app::system::{Clock, RandomSource};
    use domain::signing_keys::{SigningAlgorithm, MAX_TOKEN_TTL_SECS};
    let store = Store::connect(&config.store_config()).await?;
    let alg = SigningAlgorithm::parse(alg).unwrap_or(SigningAlgorithm::ES384);
    let random = SystemRandom::new();
    let metadata = domain::EventMetadata::system(SystemClock.now(), "cli:keys-rotate");
    let change = ::app::keys::KeyChange::Rotate {
        alg,
        grace_secs: MAX_TOKEN_TTL_SECS,
    };
    let result = ::app::keys::change_keys(
        &store,
        change,
        &metadata,
        &mut (&random as &dyn RandomSource).rng(),
    )
    .await;
    let keys = store
        .repository()
        .load::<domain::signing_keys::SigningKeys>(domain::signing_keys::STREAM_ID)
        .await;
    store.close().await;
    result?;
    if let Some(current) = keys?.aggregate.current() {
        println!(
            "current signing key: {} ({})",
            current.kid,
            current.alg.as_str()
        );
    }
    Ok(())
}

/// SIGTERM/SIGINT listeners. Installed before the URL is printed, so a signal sent right
/// after startup always means a graceful shutdown, never the default (abrupt) exit.
struct ShutdownSignals {
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    int: Option<tokio::signal::unix::Signal>,
}

impl ShutdownSignals {
    fn install() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let listen = |kind: SignalKind, name: &str| match signal(kind) {
                Ok(s) => Some(s),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen for {name}");
                    None
                }
            };
            Self {
                term: listen(SignalKind::terminate(), "SIGTERM"),
                int: listen(SignalKind::interrupt(), "SIGINT"),
            }
        }
        #[cfg(not(unix))]
        {
            Self {}
        }
    }

    /// Resolves on the first SIGTERM or SIGINT with the signal's name.
    async fn recv(&mut self) -> &'static str {
        #[cfg(unix)]
        {
            async fn next(s: &mut Option<tokio::signal::unix::Signal>) -> Option<()> {
                match s {
                    Some(s) => s.recv().await,
                    None => std::future::pending().await,
                }
            }
            tokio::select! {
                Some(()) = next(&mut self.term) => "SIGTERM",
                Some(()) = next(&mut self.int) => "SIGINT",
                else => "signal listeners closed",
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            "SIGINT"
        }
    }
}

async fn migrate(config: Config) -> Result<(), AppError> {
    let store = Store::connect(&config.store_config()).await?;
    println!("Migrations applied: {}", describe(&config, &store));
    store.close().await;
    Ok(())
}

async fn status(config: Config) -> Result<(), AppError> {
    let store = Store::connect(&config.store_config()).await?;
    let runner = ProjectionRunner::standard(store.log.clone(), store.read_pool.clone());
    let result = runner.status().await;
    let backend = describe(&config, &store);
    // The webhook relay's checkpoint, if a relay ever ran with this prefix.
    let exchange = webhooks::amqp::topology::Names::new(&config.amqp_prefix).events_exchange();
    let relay = webhooks::amqp::lease::committed(&store.read_pool, &exchange).await;
    store.close().await;
    let statuses = result?;
    let head = match statuses.first() {
        Some(s) => s.head,
        None => 0,
    };
    println!("backend:  {backend}");
    println!("log head: {head}");
    println!();
    println!("{:<16} {:>12} {:>12}", "projection", "checkpoint", "lag");
    for s in statuses {
        println!("{:<16} {:>12} {:>12}", s.name, s.checkpoint, s.lag);
    }
    if let Ok(Some(checkpoint)) = relay {
        let lag = head.saturating_sub(checkpoint.0);
        println!("{:<16} {:>12} {:>12}", "webhook relay", checkpoint.0, lag);
    }
    Ok(())
}

async fn replay(config: Config, args: ReplayArgs) -> Result<(), AppError> {
    let store = Store::connect(&config.store_config()).await?;
    let runner = ProjectionRunner::standard(store.log.clone(), store.read_pool.clone());
    let names: Vec<String> = match (&args.projection, args.all) {
        (Some(name), _) => vec![name.clone()],
        (None, _) => runner.names().into_iter().map(str::to_owned).collect(),
    };
    let result = replay_each(&store, &runner, &names).await;
    store.close().await;
    result
}

async fn replay_each(
    store: &Store,
    runner: &ProjectionRunner,
    names: &[String],
) -> Result<(), AppError> {
    let head = store.log.head().await?.0;
    for name in names {
        let bar = ProgressBar::new(head);
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix:>12} [{bar:40}] {pos}/{len} events ({per_sec}, eta {eta})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_prefix(name.clone());
        bar.enable_steady_tick(Duration::from_millis(200));
        let progress = {
            let bar = bar.clone();
            move |p: &ReplayProgress| {
                bar.set_length(p.head.max(p.position));
                bar.set_position(p.position);
            }
        };
        let summaries = runner
            .replay(ReplayTarget::One(name.clone()), progress)
            .await;
        bar.finish_and_clear();
        for s in summaries? {
            println!(
                "replayed {}: {} events in {:.2} s ({:.0} events/s)",
                s.projection, s.events, s.seconds, s.events_per_sec
            );
        }
    }
    Ok(())
}
