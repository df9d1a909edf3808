//! Documentation schemas of the Management API objects, in Logto's shapes.
//!
//! The handlers serialise the read-model views of `projections` (which carry no OpenAPI
//! dependency); these types describe the same JSON for the document. They are checked
//! against the real answers by the schema-driven run in `.ci/schemathesis.sh`
//! (`response_schema_conformance`), so a drift between a view and its schema fails CI.

use serde_json::Value;
use utoipa::ToSchema;

/// Logto's User object.
#[allow(dead_code)]
#[derive(ToSchema)]
#[schema(as = User)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// 21-character id.
    pub id: String,
    pub username: Option<String>,
    pub primary_email: Option<String>,
    pub primary_phone: Option<String>,
    pub name: Option<String>,
    pub avatar: Option<String>,
    #[schema(value_type = Object)]
    pub custom_data: Value,
    #[schema(value_type = Object)]
    pub identities: Value,
    /// Epoch milliseconds.
    pub last_sign_in_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    #[schema(value_type = Object)]
    pub profile: Value,
    pub application_id: Option<String>,
    pub is_suspended: bool,
    pub has_password: bool,
}

/// `POST /api/users` body. At least one field may be sent; every one is optional.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateUser {
    #[schema(nullable = false)]
    pub primary_phone: Option<String>,
    #[schema(nullable = false)]
    pub primary_email: Option<String>,
    #[schema(nullable = false)]
    pub username: Option<String>,
    #[schema(nullable = false)]
    pub password: Option<String>,
    /// A digest imported from another system (with `passwordAlgorithm`).
    #[schema(nullable = false)]
    pub password_digest: Option<String>,
    /// `Argon2i`, `Argon2id`, `Bcrypt`, `MD5`, `SHA1`, `SHA256` or `Legacy`.
    #[schema(nullable = false)]
    pub password_algorithm: Option<String>,
    #[schema(nullable = false)]
    pub name: Option<String>,
    #[schema(nullable = false)]
    pub avatar: Option<String>,
    #[schema(value_type = Option<Object>, nullable = false)]
    pub custom_data: Option<Value>,
    #[schema(value_type = Option<Object>, nullable = false)]
    pub profile: Option<Value>,
}

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

/// `{roleIds}` body.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoleIds {
    pub role_ids: Vec<String>,
}

/// `{applicationIds}` body.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationIds {
    pub application_ids: Vec<String>,
}

/// `{userIds}` body.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserIds {
    pub user_ids: Vec<String>,
}

/// One projector's progress.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProjectorStatus {
    pub name: String,
    pub checkpoint: u64,
    pub lag: u64,
    pub events_applied: u64,
}

/// `GET /api/status/projections`.
#[allow(dead_code)]
#[derive(ToSchema)]
pub struct ProjectionStatus {
    /// `sqlite` or `postgres`.
    pub backend: String,
    /// The log's last position.
    pub head: u64,
    pub projectors: Vec<ProjectorStatus>,
}

/// `POST …/roles` answer: the requested ids and those newly assigned.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoleAssignment {
    pub role_ids: Vec<String>,
    pub added_role_ids: Vec<String>,
}

/// `PATCH /api/users/{userId}` body: the fields to change (`null` clears).
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateUser {
    pub username: Option<String>,
    pub primary_email: Option<String>,
    pub primary_phone: Option<String>,
    pub name: Option<String>,
    pub avatar: Option<String>,
    #[schema(value_type = Option<Object>, nullable = false)]
    pub custom_data: Option<Value>,
    #[schema(value_type = Option<Object>, nullable = false)]
    pub profile: Option<Value>,
}

/// `{password}`: set (`PATCH …/password`) or verify (`POST …/password/verify`).
#[allow(dead_code)]
#[derive(ToSchema)]
pub struct UserPassword {
    /// 1 to 256 characters.
    pub password: String,
}

/// `GET /api/users/{userId}/has-password` answer.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HasPassword {
    pub has_password: bool,
}

/// `PATCH /api/users/{userId}/custom-data` body: merged into the custom data.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomDataPatch {
    #[schema(value_type = Object)]
    pub custom_data: Value,
}

/// `PATCH /api/users/{userId}/profile` body: Logto's profile keys (`null` removes one).
#[allow(dead_code)]
#[derive(ToSchema)]
pub struct ProfilePatch {
    #[schema(value_type = Object)]
    pub profile: Value,
}

/// `PATCH /api/users/{userId}/is-suspended` body.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IsSuspended {
    pub is_suspended: bool,
}

/// A user's session (Logto 1.38, an oidc-provider session): `payload` holds `exp`, `iat`,
/// `jti`, `uid`, `kind`, `loginTs`, `accountId` and `authorizations` keyed by client id.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserSession {
    #[schema(value_type = Object)]
    pub payload: Value,
    #[schema(value_type = Option<Object>)]
    pub last_submission: Option<Value>,
    pub client_id: String,
    pub account_id: String,
    pub expires_at: i64,
}

/// `GET /api/users/{userId}/sessions` answer.
#[allow(dead_code)]
#[derive(ToSchema)]
pub struct UserSessions {
    pub sessions: Vec<UserSession>,
}

/// A user's grant with its application (`payload`: `exp`, `iat`, `jti`, `kind`,
/// `clientId`, `accountId`, `openid.scope`).
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserGrant {
    pub id: String,
    #[schema(value_type = Object)]
    pub payload: Value,
    pub expires_at: i64,
    /// `{id, name}`.
    #[schema(value_type = Object)]
    pub application: Value,
}

/// `GET /api/users/{userId}/grants` answer.
#[allow(dead_code)]
#[derive(ToSchema)]
pub struct UserGrants {
    pub grants: Vec<UserGrant>,
}

/// A hook's deliveries over the last 24 hours.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HookExecutionStats {
    pub success_count: u64,
    pub request_count: u64,
}

/// Logto's Hook object.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Hook {
    pub tenant_id: String,
    pub id: String,
    pub name: String,
    /// Logto's deprecated single event (always `null`: Tessera keeps `events`).
    pub event: Option<String>,
    pub events: Vec<String>,
    /// `{url, headers?}`.
    #[schema(value_type = Object)]
    pub config: Value,
    pub signing_key: String,
    pub enabled: bool,
    pub created_at: i64,
    /// With `includeExecutionStats=true`.
    #[schema(nullable = false)]
    pub execution_stats: Option<HookExecutionStats>,
}

/// `POST /api/hooks` body (`events`, or Logto's deprecated `event`).
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateHook {
    pub name: Option<String>,
    pub events: Option<Vec<String>>,
    pub event: Option<String>,
    /// `{url, headers?}`: an `http(s)` URL the address policy allows.
    #[schema(value_type = Object)]
    pub config: Value,
    pub enabled: Option<bool>,
}

/// `PATCH /api/hooks/{id}` body.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateHook {
    pub name: Option<String>,
    pub events: Option<Vec<String>>,
    pub event: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub config: Option<Value>,
    pub enabled: Option<bool>,
}

/// `POST /api/hooks/{id}/test` body.
#[allow(dead_code)]
#[derive(ToSchema)]
pub struct TestHook {
    pub events: Vec<String>,
    #[schema(value_type = Object)]
    pub config: Value,
}

/// Logto's Log object (audit log entries and hook delivery logs).
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Log {
    pub tenant_id: String,
    pub id: String,
    /// Logto's log key (`ExchangeTokenBy.AuthorizationCode`, `TriggerHook.PostRegister`…).
    pub key: String,
    /// `result`, `userId`, `applicationId`, `ip`, `userAgent`, `eventId`… per key.
    #[schema(value_type = Object)]
    pub payload: Value,
    pub created_at: i64,
}

/// `GET /api/my-account`: the caller's user object; `customData` only with the
/// `custom_data` scope.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccountProfile {
    pub id: String,
    pub username: Option<String>,
    pub primary_email: Option<String>,
    pub primary_phone: Option<String>,
    pub name: Option<String>,
    pub avatar: Option<String>,
    #[schema(value_type = Option<Object>, nullable = false)]
    pub custom_data: Option<Value>,
    #[schema(value_type = Object)]
    pub identities: Value,
    pub last_sign_in_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    #[schema(value_type = Object)]
    pub profile: Value,
    pub application_id: Option<String>,
    pub is_suspended: bool,
    pub has_password: bool,
}

/// `PATCH /api/my-account` body (`username` needs a verification record).
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccountPatch {
    pub name: Option<String>,
    pub avatar: Option<String>,
    pub username: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub custom_data: Option<Value>,
}

/// `POST /api/verifications/password` answer: send the id as `logto-verification-id`.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VerificationRecord {
    pub verification_record_id: String,
    /// ISO 8601 (UTC).
    pub expires_at: String,
}

/// `GET`/`PATCH /api/configs/oidc/session`.
#[allow(dead_code)]
#[derive(ToSchema)]
pub struct OidcSessionConfig {
    /// Session lifetime in seconds (1 to 31,536,000; default 14 days).
    pub ttl: u64,
}

/// Logto's account-center settings.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccountCenter {
    pub tenant_id: String,
    pub id: String,
    pub enabled: bool,
    /// Field name → `Off`, `ReadOnly` or `Edit`.
    #[schema(value_type = Object)]
    pub fields: Value,
    pub webauthn_related_origins: Vec<String>,
    pub delete_account_url: Option<String>,
    pub custom_css: Option<String>,
    #[schema(value_type = Vec<Object>)]
    pub profile_fields: Vec<Value>,
}

/// `PATCH /api/account-center` body.
#[allow(dead_code)]
#[derive(ToSchema)]
pub struct UpdateAccountCenter {
    pub enabled: Option<bool>,
    /// Field name → `Off`, `ReadOnly` or `Edit`.
    #[schema(value_type = Option<Object>)]
    pub fields: Option<Value>,
}
