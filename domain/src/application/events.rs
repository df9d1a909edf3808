use crate::event::DomainEvent;
use crate::oauth::lifetimes::ClientLifetimes;
use crate::oauth::secret::SecretDigest;
use crate::signing_keys::SigningAlgorithm;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Logto's application types that Tessera serves (`Protected` and `SAML` are not OAuth
/// clients of this server).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ApplicationType {
    Native,
    #[serde(rename = "SPA")]
    Spa,
    Traditional,
    MachineToMachine,
}

impl ApplicationType {
    /// Public clients cannot keep a secret: they authenticate with `none` and must use PKCE.
    pub fn is_public(self) -> bool {
        matches!(self, Self::Native | Self::Spa)
    }

    /// Whether the client signs users in through the authorization endpoint.
    pub fn uses_authorization_code(self) -> bool {
        !matches!(self, Self::MachineToMachine)
    }

    pub fn uses_client_credentials(self) -> bool {
        matches!(self, Self::MachineToMachine)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OidcClientMetadata {
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    #[serde(default)]
    pub post_logout_redirect_uris: Vec<String>,
    /// OpenID Connect Dynamic Client Registration's `id_token_signed_response_alg`
    /// (`RS256` or `ES384`): the algorithm of this client's ID tokens. Absent: the
    /// server's primary key signs them.
    #[serde(
        default,
        alias = "id_token_signed_response_alg",
        skip_serializing_if = "Option::is_none"
    )]
    pub id_token_signed_response_alg: Option<SigningAlgorithm>,
}

/// The subset of Logto's `customClientMetadata` that changes server behaviour; other keys
/// are kept verbatim in `extra` so a client's metadata round-trips.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomClientMetadata {
    #[serde(flatten)]
    pub lifetimes: ClientLifetimes,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub always_issue_refresh_token: Option<bool>,
    /// Refresh-token rotation; Logto's default is on. `false` is honoured for
    /// confidential clients only: public clients always rotate (RFC 9700 §4.14.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotate_refresh_token: Option<bool>,
    /// PKCE at the authorization endpoint; required by default for every client (RFC 9700
    /// §2.1.1). `false` lets a confidential client (Traditional) sign in without it;
    /// public clients (SPA, Native) always need it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_pkce: Option<bool>,
    /// RFC 9126 §6 `require_pushed_authorization_requests`: the authorization endpoint
    /// takes this client's requests only through `POST /oidc/request` (a `request_uri`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_pushed_authorization_requests: Option<bool>,
    /// RFC 8693 token exchange at the token endpoint (Logto 1.36's `allowTokenExchange`):
    /// off unless set; never for third-party applications.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_token_exchange: Option<bool>,
    /// The most grants one user may hold for this app at once; the oldest are revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_allowed_grants: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cors_allowed_origins: Vec<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationCreated {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(rename = "type")]
    pub app_type: ApplicationType,
    #[serde(default)]
    pub oidc_client_metadata: OidcClientMetadata,
    #[serde(default)]
    pub custom_client_metadata: CustomClientMetadata,
    #[serde(default)]
    pub custom_data: Map<String, Value>,
    #[serde(default)]
    pub is_third_party: bool,
}

/// The editable settings after a change (state-carrying, like `UserDetailsUpdated`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationUpdated {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub oidc_client_metadata: OidcClientMetadata,
    #[serde(default)]
    pub custom_client_metadata: CustomClientMetadata,
    #[serde(default)]
    pub custom_data: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationSecretAdded {
    pub name: String,
    pub digest: SecretDigest,
    #[serde(default)]
    pub expires_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationSecretDeleted {
    pub name: String,
}

/// Machine-to-machine roles given to the application (its client-credentials scopes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationRolesAssigned {
    pub role_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationRoleRemoved {
    pub role_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationDeleted {}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum ApplicationEvent {
    ApplicationCreated(ApplicationCreated),
    ApplicationUpdated(ApplicationUpdated),
    ApplicationSecretAdded(ApplicationSecretAdded),
    ApplicationSecretDeleted(ApplicationSecretDeleted),
    ApplicationRolesAssigned(ApplicationRolesAssigned),
    ApplicationRoleRemoved(ApplicationRoleRemoved),
    ApplicationDeleted(ApplicationDeleted),
}

impl DomainEvent for ApplicationEvent {
    fn event_type(&self) -> &'static str {
        match self {
            Self::ApplicationCreated(_) => "ApplicationCreated",
            Self::ApplicationUpdated(_) => "ApplicationUpdated",
            Self::ApplicationSecretAdded(_) => "ApplicationSecretAdded",
            Self::ApplicationSecretDeleted(_) => "ApplicationSecretDeleted",
            Self::ApplicationRolesAssigned(_) => "ApplicationRolesAssigned",
            Self::ApplicationRoleRemoved(_) => "ApplicationRoleRemoved",
            Self::ApplicationDeleted(_) => "ApplicationDeleted",
        }
    }

    fn schema_version(_event_type: &str) -> u32 {
        1
    }

    crate::tagged_payload_codec!();
}
