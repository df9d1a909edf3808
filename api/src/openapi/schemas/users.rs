//! Users, their role assignments, sessions and grants, and the Account API.

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

/// `{roleIds}` body.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoleIds {
    pub role_ids: Vec<String>,
}

/// `{userIds}` body.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserIds {
    pub user_ids: Vec<String>,
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

/// Logto's sign-in experience settings (the parts Tessera implements, and the "off"
/// values of the rest).
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SignInExperience {
    pub tenant_id: String,
    pub id: String,
    /// `{primaryColor, isDarkModeEnabled, darkPrimaryColor}` (hex colours).
    #[schema(value_type = Object)]
    pub color: Value,
    /// `{logoUrl?, darkLogoUrl?, favicon?, darkFavicon?}`.
    #[schema(value_type = Object)]
    pub branding: Value,
    /// `{autoDetect, fallbackLanguage}`.
    #[schema(value_type = Object)]
    pub language_info: Value,
    pub terms_of_use_url: Option<String>,
    pub privacy_policy_url: Option<String>,
    /// `Automatic`, `ManualRegistrationOnly` or `Manual`.
    pub agree_to_terms_policy: String,
    /// `{methods: [{identifier, password, verificationCode, isPasswordPrimary}]}`.
    #[schema(value_type = Object)]
    pub sign_in: Value,
    /// `{identifiers, password, verify}`.
    #[schema(value_type = Object)]
    pub sign_up: Value,
    /// `SignIn`, `Register` or `SignInAndRegister`.
    pub sign_in_mode: String,
    pub custom_css: Option<String>,
    /// `{length?: {min?, max?}, characterTypes?: {min?}, rejects?: {pwned?,
    /// repetitionAndSequence?, userInfo?, words?}}`.
    #[schema(value_type = Object)]
    pub password_policy: Value,
    /// `{maxAttempts?, lockoutDuration?}` (minutes).
    #[schema(value_type = Object)]
    pub sentinel_policy: Value,
    pub support_email: Option<String>,
    pub support_website_url: Option<String>,
    pub unknown_session_redirect_url: Option<String>,
    pub hide_logto_branding: bool,
    #[schema(value_type = Object)]
    pub social_sign_in: Value,
    pub social_sign_in_connector_targets: Vec<String>,
    #[schema(value_type = Object)]
    pub custom_content: Value,
    #[schema(value_type = Option<Object>)]
    pub custom_ui_assets: Option<Value>,
    #[schema(value_type = Object)]
    pub mfa: Value,
    pub single_sign_on_enabled: bool,
}

/// A change of the sign-in experience: each setting sent replaces that setting.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateSignInExperience {
    #[schema(value_type = Option<Object>)]
    pub color: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub branding: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub language_info: Option<Value>,
    pub terms_of_use_url: Option<String>,
    pub privacy_policy_url: Option<String>,
    pub agree_to_terms_policy: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub sign_in: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub sign_up: Option<Value>,
    pub sign_in_mode: Option<String>,
    pub custom_css: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub password_policy: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub sentinel_policy: Option<Value>,
    pub support_email: Option<String>,
    pub support_website_url: Option<String>,
    pub unknown_session_redirect_url: Option<String>,
    /// `{factors, policy, organizationRequiredMfaPolicy?}` (docs/mfa.md#policies): factors
    /// `Totp` and `BackupCode`; policy one of Logto's.
    #[schema(value_type = Option<Object>)]
    pub mfa: Option<Value>,
}

/// One application's own look on the hosted pages.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationSignInExperience {
    pub tenant_id: String,
    pub application_id: String,
    /// `{primaryColor?, isDarkModeEnabled?, darkPrimaryColor?}`.
    #[schema(value_type = Object)]
    pub color: Value,
    /// `{logoUrl?, darkLogoUrl?, favicon?, darkFavicon?}`.
    #[schema(value_type = Object)]
    pub branding: Value,
    pub custom_css: Option<String>,
    pub display_name: Option<String>,
    pub terms_of_use_url: Option<String>,
    pub privacy_policy_url: Option<String>,
}

/// Replaces an application's own look (both links required, each may be null).
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReplaceApplicationSignInExperience {
    #[schema(value_type = Option<Object>)]
    pub color: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub branding: Option<Value>,
    pub custom_css: Option<String>,
    pub display_name: Option<String>,
    pub terms_of_use_url: Option<String>,
    pub privacy_policy_url: Option<String>,
}

/// `POST /api/my-account/primary-email` body.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PrimaryEmail {
    pub email: String,
    /// From `POST /api/verifications/verification-code/verify` for this address.
    pub new_identifier_verification_record_id: String,
}

/// `POST /api/my-account/primary-phone` body.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PrimaryPhone {
    pub phone: String,
    /// From `POST /api/verifications/verification-code/verify` for this number.
    pub new_identifier_verification_record_id: String,
}

/// A custom profile field (Logto 1.31): what registration asks on its last step.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomProfileField {
    /// A built-in profile key (`name`, `givenName`, `familyName`, `birthdate`, `gender`,
    /// `address`, `fullname`, …: the value lands on the user's name or OIDC profile) or
    /// any other identifier-like key (the value lands in custom data).
    pub name: String,
    /// `Text`, `Number`, `Date`, `Checkbox`, `Select`, `Url`, `Regex`, `Address`, `Fullname`.
    #[serde(rename = "type")]
    pub field_type: String,
    pub label: String,
    pub description: Option<String>,
    pub required: bool,
    /// `placeholder`, `minLength`, `maxLength`, `minValue`, `maxValue`, `format` (the
    /// pattern of a `Regex` field), `options` (`[{label, value}]` of a `Select` field),
    /// `parts` (`[{key, enabled}]` of `Address` and `Fullname`).
    #[schema(value_type = Object)]
    pub config: Value,
    /// In answers: 1-based place on the page.
    pub sie_order: Option<i64>,
}

/// `POST /api/custom-profile-fields/properties/sie-order` body: every field once.
#[allow(dead_code)]
#[derive(ToSchema)]
pub struct CustomProfileFieldsOrder {
    #[schema(value_type = Vec<Object>)]
    /// `[{name, sieOrder}]`.
    pub order: Value,
}

/// One second factor of a user (Logto's `mfaVerifications` entry, without its secret).
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MfaVerification {
    pub id: String,
    /// ISO-8601.
    pub created_at: String,
    /// ISO-8601; absent until the factor is used.
    pub last_used_at: Option<String>,
    /// `Totp` or `BackupCode`.
    #[serde(rename = "type")]
    pub factor: String,
    /// Backup codes: how many are unused.
    pub remain_codes: Option<u32>,
}

/// `POST /api/users/{userId}/mfa-verifications`: `{type: "Totp", secret?}` or
/// `{type: "BackupCode", codes?}`; without `secret` or `codes` the server generates them.
#[allow(dead_code)]
#[derive(ToSchema)]
pub struct CreateMfaVerification {
    /// `Totp` or `BackupCode`.
    #[serde(rename = "type")]
    pub factor: String,
    /// Base32 (RFC 4648, upper case), 16 to 32 characters.
    pub secret: Option<String>,
    /// Ten codes of ten hexadecimal characters.
    pub codes: Option<Vec<String>>,
}

/// The factor just bound: its secret and QR code (`Totp`) or its codes (`BackupCode`).
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatedMfaVerification {
    #[serde(rename = "type")]
    pub factor: String,
    pub secret: Option<String>,
    /// A data URL of the `otpauth://` URI as a QR code.
    pub secret_qr_code: Option<String>,
    pub codes: Option<Vec<String>>,
}

/// `POST /api/my-account/mfa-verifications`: `{type: "Totp", secret, code?}` (the secret
/// from `…/totp-secret/generate`) or `{type: "BackupCode", codes}` (from
/// `…/backup-codes/generate`).
#[allow(dead_code)]
#[derive(ToSchema)]
pub struct AddMfaVerification {
    /// `Totp` or `BackupCode` (`WebAuthn` is not enabled).
    #[serde(rename = "type")]
    pub factor: String,
    pub secret: Option<String>,
    /// Six digits the secret produces now.
    pub code: Option<String>,
    pub codes: Option<Vec<String>>,
}

/// `PUT /api/my-account/mfa-verifications/totp`.
#[allow(dead_code)]
#[derive(ToSchema)]
pub struct ReplaceTotp {
    /// The secret from `…/totp-secret/generate`.
    pub secret: String,
    /// Six digits the secret produces now.
    pub code: String,
}

/// `{secret}`: base32, to add to an authenticator app.
#[allow(dead_code)]
#[derive(ToSchema)]
pub struct TotpSecret {
    pub secret: String,
}

/// `{codes}`: ten backup codes.
#[allow(dead_code)]
#[derive(ToSchema)]
pub struct BackupCodes {
    pub codes: Vec<String>,
}

/// One backup code's use.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BackupCodeUse {
    /// Always `null`: codes are shown once, at generation.
    pub code: Option<String>,
    /// ISO-8601; `null` while unused.
    pub used_at: Option<String>,
}

/// `{codes: [{code, usedAt}]}`.
#[allow(dead_code)]
#[derive(ToSchema)]
pub struct BackupCodeUsage {
    pub codes: Vec<BackupCodeUse>,
}

/// `POST /api/subject-tokens`.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateSubjectToken {
    /// The user to impersonate.
    pub user_id: String,
    /// Any JSON object, kept with the token (erased with the user).
    #[schema(value_type = Option<Object>)]
    pub context: Option<Value>,
}

/// An impersonation token, shown once.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubjectToken {
    /// `sub_<id>.<secret>`: exchange it with `subject_token_type`
    /// `urn:logto:token-type:impersonation_token`.
    pub subject_token: String,
    /// Seconds (600).
    pub expires_in: i64,
}

/// A personal access token: `value` only when just created.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PersonalAccessToken {
    /// Always `default`.
    pub tenant_id: String,
    pub user_id: String,
    pub name: String,
    /// `pat_<userId>.<secret>`: exchange it with `subject_token_type`
    /// `urn:logto:token-type:personal_access_token`. Only in the creation's answer.
    pub value: Option<String>,
    /// Epoch milliseconds.
    pub created_at: i64,
    /// Epoch milliseconds; `null`: never expires.
    pub expires_at: Option<i64>,
}

/// `POST /api/users/{userId}/personal-access-tokens`.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatePersonalAccessToken {
    /// Unique among the user's tokens; 1 to 256 characters.
    pub name: String,
    /// Epoch milliseconds; absent: never expires.
    pub expires_at: Option<i64>,
}

/// A rename: `name` the new name; `currentName` in the body-based form.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RenamePersonalAccessToken {
    pub name: String,
    pub current_name: Option<String>,
}

/// `POST /api/users/{userId}/personal-access-tokens/delete`.
#[allow(dead_code)]
#[derive(ToSchema)]
pub struct DeletePersonalAccessToken {
    pub name: String,
}

/// A user's Logto config (`GET`/`PATCH …/logto-configs`); a PATCH sends any part.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserLogtoConfig {
    /// `{enabled?, skipped, skipMfaOnSignIn}` (booleans; `enabled` absent until set).
    #[schema(value_type = Object)]
    pub mfa: Value,
    /// `{skipped}`.
    #[schema(value_type = Object)]
    pub passkey_sign_in: Value,
}
