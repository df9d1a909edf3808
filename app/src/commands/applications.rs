//! Applications: create (with a first secret for confidential clients, returned once and
//! stored only as a digest), update, delete, secrets, and machine-to-machine roles.

use super::roles::machine_role;
use crate::context::AppContext;
use crate::error::AppError;
use crate::request::RequestContext;
use crate::transact::transact;
use domain::application::{
    Application, ApplicationCommand, ApplicationError, ApplicationSettings, ApplicationType,
};
use domain::oauth::secret::generate_secret;
use domain::{StandardId, Timestamp};
use serde_json::{Map, Value};
use store::Position;

/// The name Logto gives an application's first secret.
pub const DEFAULT_SECRET_NAME: &str = "default";

pub fn application_error(id: &str) -> impl Fn(ApplicationError) -> AppError + '_ {
    move |e| match e {
        ApplicationError::NotFound => AppError::NotExistsWithId {
            entity: "application",
            id: id.to_owned(),
        },
        ApplicationError::InvalidName => AppError::invalid_body(format!("name: {e}")),
        ApplicationError::InvalidRedirectUri(_) => {
            AppError::invalid_body(format!("oidcClientMetadata: {e}"))
        }
        ApplicationError::SecretNameTaken(_) => AppError::Unprocessable {
            code: "application.secret_name_exists",
            message: e.to_string(),
        },
        ApplicationError::SecretNotFound(name) => AppError::NotExistsWithId {
            entity: "application secret",
            id: name,
        },
        ApplicationError::PublicClientSecret(_) => AppError::Unprocessable {
            code: "application.public_client_secret",
            message: e.to_string(),
        },
        ApplicationError::RolesNeedMachineToMachine => AppError::Unprocessable {
            code: "application.m2m_roles_only",
            message: format!("Application {id}: {e}."),
        },
        ApplicationError::RoleNotAssigned => AppError::NotExistsWithId {
            entity: "application role",
            id: id.to_owned(),
        },
        ApplicationError::AlreadyExists => AppError::internal(format!("application {id}: {e}")),
    }
}

pub struct NewApplication {
    pub app_type: ApplicationType,
    pub is_third_party: bool,
    pub settings: ApplicationSettings,
}

/// Creates an application under `id`; returns the plain first secret (Traditional and
/// MachineToMachine apps) exactly once.
pub async fn create(
    state: &AppContext,
    request: &RequestContext,
    id: &str,
    input: NewApplication,
    secret: Option<String>,
) -> Result<(Option<String>, Option<Position>), AppError> {
    let secret = match secret {
        Some(plain) => Some(plain),
        None if !input.app_type.is_public() => Some(generate_secret(&mut state.random.rng()).0),
        None => None,
    };
    let (_, at) = transact(state, request, |mut tx| {
        let command = ApplicationCommand::Create {
            app_type: input.app_type,
            is_third_party: input.is_third_party,
            settings: input.settings.clone(),
            secret: secret.as_deref().map(|plain| {
                (
                    DEFAULT_SECRET_NAME.to_owned(),
                    domain::oauth::secret::SecretDigest::of(plain),
                )
            }),
        };
        async move {
            tx.run::<Application>(id, vec![command], application_error(id))
                .await?;
            Ok((tx, ()))
        }
    })
    .await?;
    Ok((secret, at))
}

pub fn new_id(state: &AppContext) -> String {
    StandardId::generate(&mut state.random.rng()).into_string()
}

/// A PATCH: top-level keys of the JSON objects are merged into the current ones, as
/// Logto's jsonb merge does; `description: Some(None)` clears it.
#[derive(Default)]
pub struct ApplicationChanges {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub oidc_client_metadata: Option<Map<String, Value>>,
    pub custom_client_metadata: Option<Map<String, Value>>,
    pub custom_data: Option<Map<String, Value>>,
    /// Logto's `isAdmin`: give or take the Management API access role (M2M apps only).
    pub is_admin: Option<bool>,
}

fn merged<T: serde::Serialize + serde::de::DeserializeOwned>(
    current: &T,
    patch: &Option<Map<String, Value>>,
    field: &str,
) -> Result<T, AppError> {
    let Some(patch) = patch else {
        return serde_json::to_value(current)
            .and_then(serde_json::from_value)
            .map_err(AppError::internal);
    };
    let mut base = match serde_json::to_value(current).map_err(AppError::internal)? {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    base.extend(patch.clone());
    serde_json::from_value(Value::Object(base))
        .map_err(|e| AppError::invalid_body(format!("{field}: {e}")))
}

pub async fn update(
    state: &AppContext,
    request: &RequestContext,
    id: &str,
    changes: ApplicationChanges,
) -> Result<Option<Position>, AppError> {
    let (_, at) = transact(state, request, |mut tx| {
        let changes = &changes;
        async move {
            let current: Application = tx.peek(id).await?;
            let s = &current
                .state()
                .ok_or_else(|| application_error(id)(ApplicationError::NotFound))?
                .settings;
            let mut custom_data = s.custom_data.clone();
            if let Some(patch) = &changes.custom_data {
                custom_data.extend(patch.clone());
            }
            let settings = ApplicationSettings {
                name: changes.name.clone().unwrap_or_else(|| s.name.clone()),
                description: match &changes.description {
                    Some(d) => d.clone(),
                    None => s.description.clone(),
                },
                oidc_client_metadata: merged(
                    &s.oidc_client_metadata,
                    &changes.oidc_client_metadata,
                    "oidcClientMetadata",
                )?,
                custom_client_metadata: merged(
                    &s.custom_client_metadata,
                    &changes.custom_client_metadata,
                    "customClientMetadata",
                )?,
                custom_data,
            };
            let mut commands = vec![ApplicationCommand::Update(settings)];
            let role = crate::bootstrap::MANAGEMENT_ROLE_ID.to_owned();
            let holds = current.state().is_some_and(|s| s.role_ids.contains(&role));
            match changes.is_admin {
                Some(true) if !holds => commands.push(ApplicationCommand::AssignRoles(vec![role])),
                Some(false) if holds => commands.push(ApplicationCommand::RemoveRole(role)),
                _ => {}
            }
            tx.run::<Application>(id, commands, application_error(id))
                .await?;
            Ok((tx, ()))
        }
    })
    .await?;
    Ok(at)
}

/// Runs one command on application `id`.
pub async fn run(
    state: &AppContext,
    request: &RequestContext,
    id: &str,
    command: impl Fn() -> ApplicationCommand,
) -> Result<Option<Position>, AppError> {
    let (_, at) = transact(state, request, |mut tx| {
        let command = command();
        async move {
            tx.run::<Application>(id, vec![command], application_error(id))
                .await?;
            Ok((tx, ()))
        }
    })
    .await?;
    Ok(at)
}

/// Adds a named secret; returns its plain value (shown once).
pub async fn add_secret(
    state: &AppContext,
    request: &RequestContext,
    id: &str,
    name: &str,
    expires_at: Option<Timestamp>,
) -> Result<(String, Option<Position>), AppError> {
    let (plain, digest) = generate_secret(&mut state.random.rng());
    let at = run(state, request, id, || ApplicationCommand::AddSecret {
        name: name.to_owned(),
        digest: digest.clone(),
        expires_at,
    })
    .await?;
    Ok((plain, at))
}

/// Assigns machine-to-machine roles; returns the ids that were not yet assigned.
pub async fn assign_roles(
    state: &AppContext,
    request: &RequestContext,
    id: &str,
    role_ids: Vec<String>,
    replace: bool,
) -> Result<(Vec<String>, Option<Position>), AppError> {
    let (added, at) = transact(state, request, |mut tx| {
        let role_ids = role_ids.clone();
        async move {
            let current: Application = tx.peek(id).await?;
            let state = current
                .state()
                .ok_or_else(|| application_error(id)(ApplicationError::NotFound))?;
            if state.app_type != ApplicationType::MachineToMachine {
                return Err(application_error(id)(
                    ApplicationError::RolesNeedMachineToMachine,
                ));
            }
            for role_id in &role_ids {
                machine_role(&tx, role_id).await?;
            }
            let added: Vec<String> = role_ids
                .iter()
                .filter(|r| !state.role_ids.contains(r))
                .cloned()
                .collect();
            let mut commands: Vec<ApplicationCommand> = Vec::new();
            if replace {
                commands.extend(
                    state
                        .role_ids
                        .iter()
                        .filter(|r| !role_ids.contains(r))
                        .map(|r| ApplicationCommand::RemoveRole(r.clone())),
                );
            }
            commands.push(ApplicationCommand::AssignRoles(role_ids));
            tx.run::<Application>(id, commands, application_error(id))
                .await?;
            Ok((tx, added))
        }
    })
    .await?;
    Ok((added, at))
}
