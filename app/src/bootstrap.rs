//! What must exist after the first start so a script can use the server with no clicking:
//! the Management API resource (Logto's indicator and its one scope `all`), and a
//! machine-to-machine application holding that scope through a role.
//!
//! Every step is idempotent across restarts and across nodes starting together: fixed
//! stream ids, appends with expected versions, and a conflict simply means "look again".

use crate::context::AppContext;
use domain::application::{
    Application, ApplicationCommand, ApplicationSettings, ApplicationType, CustomClientMetadata,
    OidcClientMetadata,
};
use domain::identifier::{Identifier, IdentifierClaim, IdentifierCommand};
use domain::oauth::secret::{SecretDigest, SECRET_LEN};
use domain::resource::{Resource, ResourceCommand};
use domain::role::{Role, RoleCommand, RoleType};
use domain::{Aggregate, CommandContext, EventMetadata};
use serde_json::{json, Map};
use std::path::{Path, PathBuf};
use store::{AppendBatch, ExpectedVersion, Repository, StoreError, StreamAppend};

/// Logto's Management API resource indicator for the (only) tenant `default`: the
/// audience of Management API tokens.
pub const MANAGEMENT_API_INDICATOR: &str = "https://default.logto.app/api";
/// The one Management API scope.
pub const MANAGEMENT_API_SCOPE: &str = "all";
/// The Management API resource's fixed id (Logto's).
pub const MANAGEMENT_API_ID: &str = "management-api";
/// The fixed id of its scope `all`.
pub const MANAGEMENT_API_ALL_SCOPE_ID: &str = "management-api-all";
/// The machine-to-machine role that holds `all`.
pub const MANAGEMENT_ROLE_ID: &str = "management-api-access";
const MANAGEMENT_ROLE_NAME: &str = "Management API access";
/// The id of the generated bootstrap application (when none is configured).
pub const GENERATED_M2M_ID: &str = "tessera-bootstrap";
/// Where the generated application's credentials are written, in the data directory.
pub const CREDENTIALS_FILE: &str = "bootstrap-m2m.json";

const ATTEMPTS: usize = 5;

#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Invalid(String),
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The bootstrap M2M application's configuration.
#[derive(Debug, Clone)]
pub struct BootstrapM2m {
    /// `TESSERA_BOOTSTRAP_M2M_ID` and `TESSERA_BOOTSTRAP_M2M_SECRET`, both or neither.
    pub credentials: Option<(String, String)>,
    pub data_dir: PathBuf,
    /// The token endpoint written into the generated credentials file.
    pub token_endpoint: String,
}

fn metadata(state: &AppContext) -> (EventMetadata, CommandContext) {
    let now = state.clock.now();
    (
        EventMetadata::system(now, "bootstrap"),
        CommandContext { now },
    )
}

/// Loads `id`, runs `commands` in order and stages the resulting events (if any).
async fn stage<A: Aggregate>(
    state: &AppContext,
    id: &str,
    commands: impl FnOnce(&A) -> Vec<A::Command>,
    ctx: &CommandContext,
    metadata: &EventMetadata,
) -> Result<(A, Option<StreamAppend>), BootstrapError> {
    let loaded = state.store.repository().load::<A>(id).await?;
    let mut aggregate = loaded.aggregate;
    let mut events = Vec::new();
    for command in commands(&aggregate) {
        let decided = aggregate
            .handle(command, ctx)
            .map_err(|e| BootstrapError::Invalid(format!("{} {id}: {e}", A::STREAM_TYPE)))?;
        decided.iter().for_each(|e| aggregate.apply(e));
        events.extend(decided);
    }
    let staged = (!events.is_empty()).then(|| {
        Repository::stage::<A>(id, ExpectedVersion::at(loaded.version), &events, metadata)
    });
    Ok((aggregate, staged))
}

/// Appends the staged streams; `Ok(false)` on a conflict (someone else got there: retry).
async fn commit(
    state: &AppContext,
    staged: Vec<Option<StreamAppend>>,
) -> Result<bool, BootstrapError> {
    let streams: Vec<StreamAppend> = staged.into_iter().flatten().collect();
    if streams.is_empty() {
        return Ok(true);
    }
    match crate::transact::append(state, AppendBatch { streams }).await {
        Ok(_) => Ok(true),
        Err(StoreError::Conflict { .. }) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

fn claim(holder: &str) -> impl FnOnce(&IdentifierClaim) -> Vec<IdentifierCommand> + '_ {
    move |_| {
        vec![IdentifierCommand::Claim {
            holder: holder.to_owned(),
        }]
    }
}

/// The Management API resource: indicator `https://default.logto.app/api`, scope `all`.
pub async fn ensure_management_api(state: &AppContext) -> Result<(), BootstrapError> {
    let indicator = Identifier::resource_indicator(MANAGEMENT_API_INDICATOR)
        .map_err(|e| BootstrapError::Invalid(e.to_string()))?;
    let claim_stream = state.store.identifier_stream_id(&indicator);
    for _ in 0..ATTEMPTS {
        let (metadata, ctx) = metadata(state);
        let (_, claimed) = stage::<IdentifierClaim>(
            state,
            &claim_stream,
            claim(MANAGEMENT_API_ID),
            &ctx,
            &metadata,
        )
        .await?;
        let (_, resource) = stage::<Resource>(
            state,
            MANAGEMENT_API_ID,
            |r| {
                let mut commands = Vec::new();
                if matches!(r, Resource::New) {
                    commands.push(ResourceCommand::Create {
                        name: "Logto Management API".into(),
                        indicator: MANAGEMENT_API_INDICATOR.into(),
                        access_token_ttl: None,
                    });
                }
                let has_scope = r
                    .state()
                    .is_some_and(|s| s.scope(MANAGEMENT_API_ALL_SCOPE_ID).is_some());
                if !has_scope && !matches!(r, Resource::Deleted) {
                    commands.push(ResourceCommand::DefineScope {
                        scope_id: MANAGEMENT_API_ALL_SCOPE_ID.into(),
                        name: MANAGEMENT_API_SCOPE.into(),
                        description: Some(
                            "Default scope for Management API, allows all permissions.".into(),
                        ),
                    });
                }
                commands
            },
            &ctx,
            &metadata,
        )
        .await?;
        if commit(state, vec![claimed, resource]).await? {
            return Ok(());
        }
    }
    Err(StoreError::Closed.into())
}

/// The machine-to-machine role holding the Management API's `all` scope.
async fn ensure_management_role(state: &AppContext) -> Result<(), BootstrapError> {
    let name = Identifier::role_name(MANAGEMENT_ROLE_NAME)
        .map_err(|e| BootstrapError::Invalid(e.to_string()))?;
    let claim_stream = state.store.identifier_stream_id(&name);
    for _ in 0..ATTEMPTS {
        let (metadata, ctx) = metadata(state);
        let (_, claimed) = stage::<IdentifierClaim>(
            state,
            &claim_stream,
            claim(MANAGEMENT_ROLE_ID),
            &ctx,
            &metadata,
        )
        .await?;
        let (_, role) = stage::<Role>(
            state,
            MANAGEMENT_ROLE_ID,
            |r| {
                let mut commands = Vec::new();
                if matches!(r, Role::New) {
                    commands.push(RoleCommand::Create {
                        name: MANAGEMENT_ROLE_NAME.into(),
                        description: "Access to the Management API (scope all)".into(),
                        role_type: RoleType::MachineToMachine,
                        is_default: false,
                    });
                }
                if !matches!(r, Role::Deleted) {
                    commands.push(RoleCommand::AddScopes(vec![
                        MANAGEMENT_API_ALL_SCOPE_ID.into()
                    ]));
                }
                commands
            },
            &ctx,
            &metadata,
        )
        .await?;
        if commit(state, vec![claimed, role]).await? {
            return Ok(());
        }
    }
    Err(StoreError::Closed.into())
}

fn valid_client_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Creates (or completes) the application `id` with `secret` and the management role.
async fn ensure_app(state: &AppContext, id: &str, secret: &str) -> Result<(), BootstrapError> {
    for _ in 0..ATTEMPTS {
        let (metadata, ctx) = metadata(state);
        let (_, app) = stage::<Application>(
            state,
            id,
            |a| {
                let mut commands = Vec::new();
                match a.state() {
                    None if matches!(a, Application::New) => {
                        commands.push(ApplicationCommand::Create {
                            app_type: ApplicationType::MachineToMachine,
                            is_third_party: false,
                            settings: ApplicationSettings {
                                name: "Tessera bootstrap (Management API)".into(),
                                description: Some(
                                    "Created on first start for scripted access".into(),
                                ),
                                oidc_client_metadata: OidcClientMetadata::default(),
                                custom_client_metadata: CustomClientMetadata::default(),
                                custom_data: Map::new(),
                            },
                            secret: Some(("bootstrap".into(), SecretDigest::of(secret))),
                        });
                    }
                    // A configured secret that changed since: add it (old ones stay valid
                    // until deleted through the Management API).
                    Some(s) if !s.accepts_secret(secret, ctx.now) => {
                        commands.push(ApplicationCommand::AddSecret {
                            name: format!("bootstrap-{}", ctx.now.as_millis()),
                            digest: SecretDigest::of(secret),
                            expires_at: None,
                        });
                    }
                    _ => {}
                }
                if !matches!(a, Application::Deleted) {
                    commands.push(ApplicationCommand::AssignRoles(vec![
                        MANAGEMENT_ROLE_ID.into()
                    ]));
                }
                commands
            },
            &ctx,
            &metadata,
        )
        .await?;
        if commit(state, vec![app]).await? {
            return Ok(());
        }
    }
    Err(StoreError::Closed.into())
}

/// Reads the generated credentials back, or writes new ones (mode 0600, never over an
/// existing file).
fn generated_credentials(
    state: &AppContext,
    config: &BootstrapM2m,
    path: &Path,
) -> Result<String, BootstrapError> {
    let io = |source| BootstrapError::Io {
        path: path.to_owned(),
        source,
    };
    if let Ok(text) = std::fs::read_to_string(path) {
        let secret = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v["clientSecret"].as_str().map(str::to_owned));
        return secret.ok_or_else(|| {
            BootstrapError::Invalid(format!("{} is not a credentials file", path.display()))
        });
    }
    let secret = domain::ids::random_string(&mut state.random.rng(), SECRET_LEN);
    let body = json!({
        "clientId": GENERATED_M2M_ID,
        "clientSecret": secret,
        "resource": MANAGEMENT_API_INDICATOR,
        "scope": MANAGEMENT_API_SCOPE,
        "tokenEndpoint": config.token_endpoint,
    });
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(io)?;
    file.write_all(format!("{body:#}\n").as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(io)?;
    Ok(secret)
}

/// The bootstrap M2M application: the configured one, or on a fresh deployment a
/// generated one whose credentials go to `<data dir>/bootstrap-m2m.json`.
pub async fn ensure_bootstrap_m2m(
    state: &AppContext,
    config: &BootstrapM2m,
) -> Result<(), BootstrapError> {
    ensure_management_role(state).await?;
    match &config.credentials {
        Some((id, secret)) => {
            if !valid_client_id(id) {
                return Err(BootstrapError::Invalid(
                    "TESSERA_BOOTSTRAP_M2M_ID must be 1-128 characters of [A-Za-z0-9_-]".into(),
                ));
            }
            if secret.is_empty() {
                return Err(BootstrapError::Invalid(
                    "TESSERA_BOOTSTRAP_M2M_SECRET must not be empty".into(),
                ));
            }
            ensure_app(state, id, secret).await
        }
        None => {
            let existing = state
                .store
                .repository()
                .load::<Application>(GENERATED_M2M_ID)
                .await?;
            let path = config.data_dir.join(CREDENTIALS_FILE);
            if existing.version > 0 {
                return Ok(());
            }
            let secret = generated_credentials(state, config, &path)?;
            ensure_app(state, GENERATED_M2M_ID, &secret).await?;
            tracing::warn!(
                path = %path.display(),
                client_id = GENERATED_M2M_ID,
                "created a machine-to-machine application with Management API access; its credentials are in this file (mode 0600). Set TESSERA_BOOTSTRAP_M2M_ID and TESSERA_BOOTSTRAP_M2M_SECRET to choose them instead."
            );
            Ok(())
        }
    }
}

/// Everything a fresh deployment needs, in order.
pub async fn run(state: &AppContext, config: &BootstrapM2m) -> Result<(), BootstrapError> {
    ensure_management_api(state).await?;
    ensure_bootstrap_m2m(state, config).await
}
