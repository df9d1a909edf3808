use super::events::*;
use crate::aggregate::{Aggregate, CommandContext};
use crate::oauth::redirect::{self, RedirectRules, RedirectUriError};
use crate::oauth::secret::SecretDigest;
use crate::time::Timestamp;
use serde_json::{Map, Value};

/// Settings whose redirect URIs were validated for the application's type.
#[derive(Debug, Clone, PartialEq)]
pub struct ApplicationSettings {
    pub name: String,
    pub description: Option<String>,
    pub oidc_client_metadata: OidcClientMetadata,
    pub custom_client_metadata: CustomClientMetadata,
    pub custom_data: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StoredSecret {
    pub name: String,
    pub digest: SecretDigest,
    pub expires_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ApplicationState {
    pub app_type: ApplicationType,
    pub is_third_party: bool,
    pub settings: ApplicationSettings,
    pub secrets: Vec<StoredSecret>,
    pub role_ids: Vec<String>,
}

impl ApplicationState {
    pub fn redirect_rules(&self) -> RedirectRules {
        rules_for(self.app_type)
    }

    /// Whether the authorization endpoint requires PKCE of this client: always for
    /// public clients, and for confidential ones unless `requirePkce` is `false`.
    pub fn requires_pkce(&self) -> bool {
        self.app_type.is_public()
            || self.settings.custom_client_metadata.require_pkce != Some(false)
    }

    /// Whether the authorization endpoint takes this client's requests only as pushed
    /// authorization requests (`customClientMetadata.requirePushedAuthorizationRequests`).
    pub fn requires_pushed_requests(&self) -> bool {
        self.settings
            .custom_client_metadata
            .require_pushed_authorization_requests
            == Some(true)
    }

    /// Whether the client may exchange tokens (RFC 8693): only when it says so
    /// (`customClientMetadata.allowTokenExchange`), and never a third-party application,
    /// which must not act as the user of another application's token.
    pub fn allows_token_exchange(&self) -> bool {
        !self.is_third_party
            && self.settings.custom_client_metadata.allow_token_exchange == Some(true)
    }

    /// Whether the client may use the device authorization grant (RFC 8628): a Native
    /// app created as Logto's "input-limited app" (`customClientMetadata.isDeviceFlow`).
    pub fn allows_device_flow(&self) -> bool {
        self.app_type == ApplicationType::Native
            && self
                .settings
                .custom_client_metadata
                .extra
                .get("isDeviceFlow")
                == Some(&serde_json::Value::Bool(true))
    }

    /// Whether refresh tokens rotate: always for public clients (RFC 9700 §4.14.2: a
    /// public client's refresh token must be sender-constrained or rotated), and for
    /// confidential ones unless `rotateRefreshToken` is `false`.
    pub fn rotates_refresh_tokens(&self) -> bool {
        self.app_type.is_public()
            || self.settings.custom_client_metadata.rotate_refresh_token != Some(false)
    }

    /// Whether `presented` is a live secret of this application.
    pub fn accepts_secret(&self, presented: &str, now: Timestamp) -> bool {
        // Check every secret (no early exit) so timing does not reveal which one matched.
        self.secrets.iter().fold(false, |ok, s| {
            let live = s.expires_at.is_none_or(|at| at > now);
            s.digest.matches(presented) && live || ok
        })
    }
}

fn rules_for(app_type: ApplicationType) -> RedirectRules {
    match app_type {
        ApplicationType::Native => RedirectRules::Native,
        _ => RedirectRules::Web,
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub enum Application {
    #[default]
    New,
    Active(Box<ApplicationState>),
    Deleted,
}

pub enum ApplicationCommand {
    Create {
        app_type: ApplicationType,
        is_third_party: bool,
        settings: ApplicationSettings,
        /// The first secret's digest (confidential clients only).
        secret: Option<(String, SecretDigest)>,
    },
    Update(ApplicationSettings),
    AddSecret {
        name: String,
        digest: SecretDigest,
        expires_at: Option<Timestamp>,
    },
    DeleteSecret {
        name: String,
    },
    /// Role ids must name existing machine-to-machine roles (checked by the caller).
    AssignRoles(Vec<String>),
    RemoveRole(String),
    Delete,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApplicationError {
    #[error("application not found")]
    NotFound,
    #[error("application already exists")]
    AlreadyExists,
    #[error("application name must be 1 to 256 characters")]
    InvalidName,
    #[error(transparent)]
    InvalidRedirectUri(#[from] RedirectUriError),
    #[error("a secret named {0:?} already exists")]
    SecretNameTaken(String),
    #[error("no secret named {0:?}")]
    SecretNotFound(String),
    #[error("{0:?} applications are public clients and hold no secrets")]
    PublicClientSecret(ApplicationType),
    #[error("only machine-to-machine applications take roles")]
    RolesNeedMachineToMachine,
    #[error("the application does not hold that role")]
    RoleNotAssigned,
}

fn validate(
    settings: &ApplicationSettings,
    app_type: ApplicationType,
) -> Result<(), ApplicationError> {
    if settings.name.trim().is_empty() || settings.name.chars().count() > 256 {
        return Err(ApplicationError::InvalidName);
    }
    let rules = rules_for(app_type);
    let meta = &settings.oidc_client_metadata;
    for uri in meta
        .redirect_uris
        .iter()
        .chain(&meta.post_logout_redirect_uris)
    {
        redirect::validate(uri, rules)?;
    }
    Ok(())
}

impl Application {
    pub fn state(&self) -> Option<&ApplicationState> {
        match self {
            Self::Active(state) => Some(state),
            _ => None,
        }
    }

    fn live(&self) -> Result<&ApplicationState, ApplicationError> {
        self.state().ok_or(ApplicationError::NotFound)
    }
}

/// Cacheable: its state holds client settings and secret digests.
impl crate::aggregate::NoPersonalData for Application {}

impl Aggregate for Application {
    const STREAM_TYPE: &'static str = "application";
    type Event = ApplicationEvent;
    type Command = ApplicationCommand;
    type Error = ApplicationError;

    fn apply(&mut self, event: &ApplicationEvent) {
        match (event, &mut *self) {
            (ApplicationEvent::ApplicationCreated(e), _) => {
                *self = Self::Active(Box::new(ApplicationState {
                    app_type: e.app_type,
                    is_third_party: e.is_third_party,
                    settings: ApplicationSettings {
                        name: e.name.clone(),
                        description: e.description.clone(),
                        oidc_client_metadata: e.oidc_client_metadata.clone(),
                        custom_client_metadata: e.custom_client_metadata.clone(),
                        custom_data: e.custom_data.clone(),
                    },
                    secrets: vec![],
                    role_ids: vec![],
                }))
            }
            (ApplicationEvent::ApplicationUpdated(e), Self::Active(s)) => {
                s.settings = ApplicationSettings {
                    name: e.name.clone(),
                    description: e.description.clone(),
                    oidc_client_metadata: e.oidc_client_metadata.clone(),
                    custom_client_metadata: e.custom_client_metadata.clone(),
                    custom_data: e.custom_data.clone(),
                }
            }
            (ApplicationEvent::ApplicationSecretAdded(e), Self::Active(s)) => {
                s.secrets.push(StoredSecret {
                    name: e.name.clone(),
                    digest: e.digest.clone(),
                    expires_at: e.expires_at,
                })
            }
            (ApplicationEvent::ApplicationSecretDeleted(e), Self::Active(s)) => {
                s.secrets.retain(|x| x.name != e.name)
            }
            (ApplicationEvent::ApplicationRolesAssigned(e), Self::Active(s)) => {
                for id in &e.role_ids {
                    if !s.role_ids.contains(id) {
                        s.role_ids.push(id.clone());
                    }
                }
            }
            (ApplicationEvent::ApplicationRoleRemoved(e), Self::Active(s)) => {
                s.role_ids.retain(|x| *x != e.role_id)
            }
            (ApplicationEvent::ApplicationDeleted(_), _) => *self = Self::Deleted,
            _ => {}
        }
    }

    fn handle(
        &self,
        command: ApplicationCommand,
        _ctx: &CommandContext,
    ) -> Result<Vec<ApplicationEvent>, ApplicationError> {
        match command {
            ApplicationCommand::Create {
                app_type,
                is_third_party,
                settings,
                secret,
            } => {
                if !matches!(self, Self::New) {
                    return Err(ApplicationError::AlreadyExists);
                }
                validate(&settings, app_type)?;
                if app_type.is_public() && secret.is_some() {
                    return Err(ApplicationError::PublicClientSecret(app_type));
                }
                let mut events = vec![ApplicationEvent::ApplicationCreated(ApplicationCreated {
                    name: settings.name,
                    description: settings.description,
                    app_type,
                    oidc_client_metadata: settings.oidc_client_metadata,
                    custom_client_metadata: settings.custom_client_metadata,
                    custom_data: settings.custom_data,
                    is_third_party,
                })];
                if let Some((name, digest)) = secret {
                    events.push(ApplicationEvent::ApplicationSecretAdded(
                        ApplicationSecretAdded {
                            name,
                            digest,
                            expires_at: None,
                        },
                    ));
                }
                Ok(events)
            }
            ApplicationCommand::Update(settings) => {
                let state = self.live()?;
                validate(&settings, state.app_type)?;
                if state.settings == settings {
                    return Ok(vec![]);
                }
                Ok(vec![ApplicationEvent::ApplicationUpdated(
                    ApplicationUpdated {
                        name: settings.name,
                        description: settings.description,
                        oidc_client_metadata: settings.oidc_client_metadata,
                        custom_client_metadata: settings.custom_client_metadata,
                        custom_data: settings.custom_data,
                    },
                )])
            }
            ApplicationCommand::AddSecret {
                name,
                digest,
                expires_at,
            } => {
                let state = self.live()?;
                if state.app_type.is_public() {
                    return Err(ApplicationError::PublicClientSecret(state.app_type));
                }
                if state.secrets.iter().any(|s| s.name == name) {
                    return Err(ApplicationError::SecretNameTaken(name));
                }
                Ok(vec![ApplicationEvent::ApplicationSecretAdded(
                    ApplicationSecretAdded {
                        name,
                        digest,
                        expires_at,
                    },
                )])
            }
            ApplicationCommand::DeleteSecret { name } => {
                let state = self.live()?;
                if !state.secrets.iter().any(|s| s.name == name) {
                    return Err(ApplicationError::SecretNotFound(name));
                }
                Ok(vec![ApplicationEvent::ApplicationSecretDeleted(
                    ApplicationSecretDeleted { name },
                )])
            }
            ApplicationCommand::AssignRoles(ids) => {
                let state = self.live()?;
                if state.app_type != ApplicationType::MachineToMachine {
                    return Err(ApplicationError::RolesNeedMachineToMachine);
                }
                let mut new: Vec<String> = ids
                    .into_iter()
                    .filter(|id| !state.role_ids.contains(id))
                    .collect();
                new.sort();
                new.dedup();
                if new.is_empty() {
                    return Ok(vec![]);
                }
                Ok(vec![ApplicationEvent::ApplicationRolesAssigned(
                    ApplicationRolesAssigned { role_ids: new },
                )])
            }
            ApplicationCommand::RemoveRole(role_id) => {
                if !self.live()?.role_ids.contains(&role_id) {
                    return Err(ApplicationError::RoleNotAssigned);
                }
                Ok(vec![ApplicationEvent::ApplicationRoleRemoved(
                    ApplicationRoleRemoved { role_id },
                )])
            }
            ApplicationCommand::Delete => {
                self.live()?;
                Ok(vec![ApplicationEvent::ApplicationDeleted(
                    ApplicationDeleted {},
                )])
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::secret::SecretDigest;
    use crate::testing::{given, Scenario, CTX};

    fn settings(redirects: &[&str]) -> ApplicationSettings {
        ApplicationSettings {
            name: "My app".into(),
            description: None,
            oidc_client_metadata: OidcClientMetadata {
                redirect_uris: redirects.iter().map(|s| s.to_string()).collect(),
                post_logout_redirect_uris: vec![],
                id_token_signed_response_alg: None,
            },
            custom_client_metadata: CustomClientMetadata::default(),
            custom_data: Map::new(),
        }
    }

    fn create(
        app_type: ApplicationType,
        redirects: &[&str],
        secret: Option<&str>,
    ) -> ApplicationCommand {
        ApplicationCommand::Create {
            app_type,
            is_third_party: false,
            settings: settings(redirects),
            secret: secret.map(|s| ("default".into(), SecretDigest::of(s))),
        }
    }

    fn created(app_type: ApplicationType, redirects: &[&str]) -> ApplicationEvent {
        let s = settings(redirects);
        ApplicationEvent::ApplicationCreated(ApplicationCreated {
            name: s.name,
            description: s.description,
            app_type,
            oidc_client_metadata: s.oidc_client_metadata,
            custom_client_metadata: s.custom_client_metadata,
            custom_data: s.custom_data,
            is_third_party: false,
        })
    }

    fn secret_added(name: &str, secret: &str, expires_at: Option<Timestamp>) -> ApplicationEvent {
        ApplicationEvent::ApplicationSecretAdded(ApplicationSecretAdded {
            name: name.into(),
            digest: SecretDigest::of(secret),
            expires_at,
        })
    }

    fn traditional_with_secret(secret: &str) -> Scenario<Application> {
        let redirects = ["https://app.example/cb"];
        given::<Application>([])
            .when(create(
                ApplicationType::Traditional,
                &redirects,
                Some(secret),
            ))
            .then([
                created(ApplicationType::Traditional, &redirects),
                secret_added("default", secret, None),
            ])
    }

    fn live(app: &Scenario<Application>) -> &ApplicationState {
        app.state().unwrap()
    }

    #[test]
    fn a_confidential_client_accepts_its_secret_until_it_is_deleted() {
        let app = traditional_with_secret("s3cret");
        assert!(live(&app).accepts_secret("s3cret", CTX.now));
        assert!(!live(&app).accepts_secret("other", CTX.now));
        let app = app
            .when(ApplicationCommand::DeleteSecret {
                name: "default".into(),
            })
            .then([ApplicationEvent::ApplicationSecretDeleted(
                ApplicationSecretDeleted {
                    name: "default".into(),
                },
            )]);
        assert!(!live(&app).accepts_secret("s3cret", CTX.now));
    }

    #[test]
    fn expired_secrets_are_refused() {
        let expired = Some(Timestamp::from_millis(500));
        let app = traditional_with_secret("first")
            .when(ApplicationCommand::AddSecret {
                name: "short".into(),
                digest: SecretDigest::of("second"),
                expires_at: expired,
            })
            .then([secret_added("short", "second", expired)]);
        assert!(!live(&app).accepts_secret("second", CTX.now));
        assert!(live(&app).accepts_secret("first", CTX.now));
    }

    #[test]
    fn public_clients_hold_no_secrets_and_web_apps_need_http_redirects() {
        let app = given::<Application>([])
            .when(create(
                ApplicationType::Spa,
                &["https://spa.example/cb"],
                Some("x"),
            ))
            .then_error(ApplicationError::PublicClientSecret(ApplicationType::Spa))
            .when(create(ApplicationType::Spa, &["myapp://cb"], None))
            .then_error_matching(|e| matches!(e, ApplicationError::InvalidRedirectUri(_)))
            .when(create(ApplicationType::Native, &["myapp://cb"], None))
            .then([created(ApplicationType::Native, &["myapp://cb"])]);
        assert_eq!(live(&app).redirect_rules(), RedirectRules::Native);
    }

    #[test]
    fn secret_names_are_unique_and_deleting_an_unknown_one_fails() {
        traditional_with_secret("a")
            .when(ApplicationCommand::AddSecret {
                name: "default".into(),
                digest: SecretDigest::of("b"),
                expires_at: None,
            })
            .then_error(ApplicationError::SecretNameTaken("default".into()))
            .when(ApplicationCommand::DeleteSecret {
                name: "nope".into(),
            })
            .then_error(ApplicationError::SecretNotFound("nope".into()))
            .when(ApplicationCommand::Delete)
            .then([ApplicationEvent::ApplicationDeleted(ApplicationDeleted {})])
            .when(ApplicationCommand::Delete)
            .then_error(ApplicationError::NotFound);
    }

    #[test]
    fn only_machine_to_machine_apps_take_roles_and_each_role_once() {
        traditional_with_secret("a")
            .when(ApplicationCommand::AssignRoles(vec!["r1".into()]))
            .then_error(ApplicationError::RolesNeedMachineToMachine);
        let m2m = given::<Application>([])
            .when(create(ApplicationType::MachineToMachine, &[], Some("s")))
            .then([
                created(ApplicationType::MachineToMachine, &[]),
                secret_added("default", "s", None),
            ])
            .when(ApplicationCommand::AssignRoles(vec![
                "r1".into(),
                "r1".into(),
            ]))
            .then([ApplicationEvent::ApplicationRolesAssigned(
                ApplicationRolesAssigned {
                    role_ids: vec!["r1".into()],
                },
            )])
            .when(ApplicationCommand::AssignRoles(vec!["r1".into()]))
            .then_nothing();
        assert_eq!(live(&m2m).role_ids, vec!["r1"]);
        m2m.when(ApplicationCommand::RemoveRole("r1".into()))
            .then([ApplicationEvent::ApplicationRoleRemoved(
                ApplicationRoleRemoved {
                    role_id: "r1".into(),
                },
            )])
            .when(ApplicationCommand::RemoveRole("r1".into()))
            .then_error(ApplicationError::RoleNotAssigned);
    }

    #[test]
    fn custom_client_metadata_round_trips_unknown_keys() {
        let json = serde_json::json!({"rotateRefreshToken": false, "maxAllowedGrants": 2, "somethingElse": 1, "idTokenTtl": 600});
        let meta: CustomClientMetadata = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(meta.rotate_refresh_token, Some(false));
        assert_eq!(meta.max_allowed_grants, Some(2));
        assert_eq!(meta.lifetimes.id_token_ttl, Some(600));
        assert_eq!(serde_json::to_value(&meta).unwrap(), json);
    }
}
