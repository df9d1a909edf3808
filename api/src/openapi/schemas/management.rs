//! Applications, resources, scopes and roles.

use serde_json::Value;
use utoipa::ToSchema;

/// Logto's application types.
#[allow(dead_code)]
#[derive(ToSchema)]
pub enum ApplicationType {
    Native,
    #[schema(rename = "SPA")]
    Spa,
    Traditional,
    MachineToMachine,
}

/// Logto's Application object.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Application {
    pub tenant_id: String,
    pub id: String,
    pub name: String,
    /// Present only in the create answer of a confidential client: shown once.
    #[schema(nullable = false)]
    pub secret: Option<String>,
    pub description: Option<String>,
    #[serde(rename = "type")]
    pub app_type: ApplicationType,
    /// `redirectUris`, `postLogoutRedirectUris`.
    #[schema(value_type = Object)]
    pub oidc_client_metadata: Value,
    /// `maxAllowedGrants`, `idTokenTtl`, `refreshTokenTtl`, `refreshTokenTtlInDays`,
    /// `rotateRefreshToken`, `alwaysIssueRefreshToken`, `corsAllowedOrigins`.
    #[schema(value_type = Object)]
    pub custom_client_metadata: Value,
    #[schema(value_type = Option<Object>)]
    pub protected_app_metadata: Option<Value>,
    #[schema(value_type = Object)]
    pub custom_data: Value,
    pub is_third_party: bool,
    pub app_level_access_control_enabled: bool,
    pub created_at: i64,
    /// Only in `GET /api/applications/{id}`: whether the app holds the Management API.
    #[schema(nullable = false)]
    pub is_admin: Option<bool>,
}

/// `POST /api/applications` body.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateApplication {
    pub name: String,
    #[serde(rename = "type")]
    pub app_type: ApplicationType,
    pub description: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub oidc_client_metadata: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub custom_client_metadata: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub custom_data: Option<Value>,
    pub is_third_party: Option<bool>,
}

/// `PATCH /api/applications/{id}` body: the fields to change.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateApplication {
    pub name: Option<String>,
    pub description: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub oidc_client_metadata: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub custom_client_metadata: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub custom_data: Option<Value>,
    /// Grants or withdraws the Management API (`all`) through a role.
    pub is_admin: Option<bool>,
}

/// An application secret without its value.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationSecret {
    pub tenant_id: String,
    pub application_id: String,
    pub name: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
}

/// A new secret, whose value is shown this once.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatedApplicationSecret {
    pub tenant_id: String,
    pub application_id: String,
    pub name: String,
    pub value: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
}

/// `POST /api/applications/{id}/secrets` body.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateApplicationSecret {
    /// 1 to 256 characters, unique per application.
    pub name: String,
    /// Epoch milliseconds in the future; absent: never expires.
    pub expires_at: Option<u64>,
}

/// Logto's Resource (API) object.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Resource {
    pub tenant_id: String,
    pub id: String,
    pub name: String,
    pub indicator: String,
    pub is_default: bool,
    /// Seconds.
    pub access_token_ttl: i64,
    /// Only with `includeScopes=true` in the list.
    #[schema(nullable = false)]
    pub scopes: Option<Vec<Scope>>,
}

/// `POST /api/resources` body.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateResource {
    pub name: String,
    /// An absolute URI, unique.
    pub indicator: String,
    /// Seconds.
    pub access_token_ttl: Option<u64>,
}

/// `PATCH /api/resources/{id}` body.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateResource {
    pub name: Option<String>,
    pub access_token_ttl: Option<u64>,
}

/// `PATCH /api/resources/{id}/is-default` body.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SetDefaultResource {
    pub is_default: bool,
}

/// Logto's Scope object.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Scope {
    pub tenant_id: String,
    pub id: String,
    pub resource_id: String,
    pub name: String,
    pub description: Option<String>,
    pub created_at: i64,
}

/// `POST /api/resources/{id}/scopes` body.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateScope {
    pub name: String,
    pub description: Option<String>,
}

/// `PATCH /api/resources/{id}/scopes/{scopeId}` body.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateScope {
    pub name: Option<String>,
    pub description: Option<String>,
}

/// Role types.
#[allow(dead_code)]
#[derive(ToSchema)]
pub enum RoleType {
    User,
    MachineToMachine,
}

/// Logto's Role object.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Role {
    pub tenant_id: String,
    pub id: String,
    pub name: String,
    pub description: String,
    #[serde(rename = "type")]
    pub role_type: RoleType,
    pub is_default: bool,
}

/// A user featured with a role in `GET /api/roles`.
#[allow(dead_code)]
#[derive(ToSchema)]
pub struct FeaturedUser {
    pub id: String,
    pub avatar: Option<String>,
    pub name: Option<String>,
}

/// An application featured with a role in `GET /api/roles`.
#[allow(dead_code)]
#[derive(ToSchema)]
pub struct FeaturedApplication {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub app_type: ApplicationType,
}

/// A `GET /api/roles` entry.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoleListItem {
    pub tenant_id: String,
    pub id: String,
    pub name: String,
    pub description: String,
    #[serde(rename = "type")]
    pub role_type: RoleType,
    pub is_default: bool,
    pub users_count: u64,
    pub featured_users: Vec<FeaturedUser>,
    pub applications_count: u64,
    pub featured_applications: Vec<FeaturedApplication>,
}

/// `POST /api/roles` body.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateRole {
    pub name: String,
    pub description: Option<String>,
    /// Default `User`.
    #[serde(rename = "type")]
    pub role_type: Option<RoleType>,
    pub is_default: Option<bool>,
    pub scope_ids: Option<Vec<String>>,
}

/// `PATCH /api/roles/{id}` body.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateRole {
    pub name: Option<String>,
    pub description: Option<String>,
    pub is_default: Option<bool>,
}

/// A role's scope with its resource (`GET /api/roles/{id}/scopes`).
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoleScope {
    pub tenant_id: String,
    pub id: String,
    pub resource_id: String,
    pub name: String,
    pub description: Option<String>,
    pub created_at: i64,
    pub resource: Resource,
}

/// `{scopeIds}` body.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScopeIds {
    pub scope_ids: Vec<String>,
}

/// `{applicationIds}` body.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationIds {
    pub application_ids: Vec<String>,
}

/// Logto's custom phrase record (`/api/custom-phrases`).
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomPhrase {
    /// Always `default` (one tenant).
    pub tenant_id: String,
    /// The language tag (unique per tenant).
    pub id: String,
    pub language_tag: String,
    /// Phrase keys to text.
    pub translation: std::collections::BTreeMap<String, String>,
}
