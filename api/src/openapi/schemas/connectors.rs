//! Passwordless connectors (`/api/connectors`, `/api/connector-factories`).

use serde_json::Value;
use utoipa::ToSchema;

/// A connector factory: a connector type Tessera implements (Logto's factory metadata).
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConnectorFactory {
    /// `simple-mail-transfer-protocol`, `http-email` or `http-sms`.
    pub id: String,
    /// `Email` or `Sms`.
    #[serde(rename = "type")]
    pub kind: String,
    pub target: String,
    pub platform: Option<String>,
    #[schema(value_type = Object)]
    pub name: Value,
    pub logo: String,
    pub logo_dark: Option<String>,
    #[schema(value_type = Object)]
    pub description: Value,
    pub readme: String,
    pub is_standard: bool,
    pub is_demo: bool,
}

/// Logto's connector: its factory's metadata and its own fields. Secrets in `config`
/// (the SMTP `auth.pass`, the HTTP `authorization` and header values) read `******`.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Connector {
    pub tenant_id: String,
    pub id: String,
    /// The factory id.
    pub connector_id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub target: String,
    pub platform: Option<String>,
    #[schema(value_type = Object)]
    pub name: Value,
    pub logo: String,
    pub logo_dark: Option<String>,
    #[schema(value_type = Object)]
    pub description: Value,
    pub readme: String,
    pub is_standard: bool,
    pub is_demo: bool,
    #[schema(value_type = Object)]
    pub config: Value,
    #[schema(value_type = Object)]
    pub metadata: Value,
    pub sync_profile: bool,
    pub created_at: i64,
}

/// `POST /api/connectors`.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateConnector {
    /// The factory id.
    pub connector_id: String,
    /// The factory's configuration (docs/connectors.md).
    #[schema(value_type = Object)]
    pub config: Value,
    #[schema(value_type = Object)]
    pub metadata: Option<Value>,
}

/// `PATCH /api/connectors/{id}`: `config` replaces the whole configuration; a secret
/// sent back as `******` keeps the stored one.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateConnector {
    #[schema(value_type = Object)]
    pub config: Option<Value>,
    #[schema(value_type = Object)]
    pub metadata: Option<Value>,
    /// Accepted and ignored (passwordless connectors have no profile).
    pub sync_profile: Option<bool>,
}

/// `POST /api/connectors/{id}/test`: `email` for an Email connector, `phone` for an Sms
/// one; `config` when `{id}` is a factory id (a configuration not saved yet).
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TestConnector {
    pub email: Option<String>,
    pub phone: Option<String>,
    #[schema(value_type = Object)]
    pub config: Option<Value>,
    /// The template locale to test.
    pub locale: Option<String>,
}
