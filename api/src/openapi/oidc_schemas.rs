//! Documentation schemas of the OIDC provider and the Experience API answers.

use serde_json::Value;
use utoipa::ToSchema;

/// An OAuth 2.0 error in Logto's body: the RFC 6749 fields plus `code` and `message`.
#[allow(dead_code)]
#[derive(ToSchema)]
pub struct OidcError {
    /// `oidc.<error>`.
    pub code: String,
    pub message: String,
    /// `invalid_request`, `invalid_client`, `invalid_grant`, `unauthorized_client`,
    /// `unsupported_grant_type`, `invalid_scope`, `invalid_target` or `server_error`.
    pub error: String,
    pub error_description: String,
}

/// `POST /oidc/token` answer.
#[allow(dead_code)]
#[derive(ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// `Bearer`.
    pub token_type: String,
    /// Seconds.
    pub expires_in: u64,
    #[schema(nullable = false)]
    pub scope: Option<String>,
    /// Authorization code and refresh grants with `openid`.
    #[schema(nullable = false)]
    pub id_token: Option<String>,
    /// With `offline_access`.
    #[schema(nullable = false)]
    pub refresh_token: Option<String>,
}

/// `POST /oidc/request` answer (RFC 9126 §2.2).
#[allow(dead_code)]
#[derive(ToSchema)]
pub struct PushedAuthorizationResponse {
    /// `urn:ietf:params:oauth:request_uri:<id>`: send it to `/oidc/auth` with `client_id`.
    pub request_uri: String,
    /// Seconds the `request_uri` works (once).
    pub expires_in: u64,
}

/// `POST /oidc/device/auth` answer (RFC 8628 §3.2).
#[allow(dead_code)]
#[derive(ToSchema)]
pub struct DeviceAuthorizationResponse {
    /// `<id>.<secret>`: the device polls the token endpoint with it.
    pub device_code: String,
    /// `XXXX-XXXX` (20 consonants): the user types it at `verification_uri`.
    pub user_code: String,
    /// `<endpoint>/device`.
    pub verification_uri: String,
    /// `verification_uri` with `?user_code=…` (for a QR code).
    pub verification_uri_complete: String,
    /// Seconds the codes work.
    pub expires_in: u64,
    /// Seconds the device waits between polls.
    pub interval: u64,
}

/// The JSON Web Key Set.
#[allow(dead_code)]
#[derive(ToSchema)]
pub struct Jwks {
    #[schema(value_type = Vec<Object>)]
    pub keys: Vec<Value>,
}

/// A signing key as the Management API lists it (no key material).
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OidcPrivateKey {
    /// The JWK `kid`.
    pub id: String,
    pub created_at: i64,
    /// `EC` or `RSA`.
    pub signing_key_algorithm: String,
    /// `Next`, `Current` or `Previous`.
    pub status: String,
}

/// `POST /api/configs/oidc/private-keys/rotate` body.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RotateKeys {
    /// `EC` (ES384, default) or `RSA` (RS256).
    pub signing_key_algorithm: Option<String>,
    /// Seconds the previous key keeps verifying.
    pub rotation_grace_period: Option<u64>,
}

/// `{interactionEvent}` body of the Experience API.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InteractionEvent {
    /// `SignIn`, `Register` or `ForgotPassword`.
    pub interaction_event: String,
}

/// `{redirectTo}` answer of `POST /api/experience/submit`.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RedirectTo {
    pub redirect_to: String,
}

/// `GET /api/experience/interaction` answer.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExperienceInteraction {
    pub interaction_event: String,
    pub user_id: Option<String>,
    /// `{id, type}` of each verification made so far.
    #[schema(value_type = Vec<Object>)]
    pub verification_records: Vec<Value>,
}

/// An identifier in Experience API bodies.
#[allow(dead_code)]
#[derive(ToSchema)]
pub struct ExperienceIdentifier {
    /// `username`, `email` or `phone`.
    #[serde(rename = "type")]
    pub kind: String,
    pub value: String,
}

/// `POST /api/experience/verification/password` and `…/new-password-identity` body.
#[allow(dead_code)]
#[derive(ToSchema)]
pub struct PasswordVerification {
    pub identifier: ExperienceIdentifier,
    pub password: String,
}

/// `{verificationId}`: the answer of a verification, the body of identification.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VerificationId {
    pub verification_id: String,
}

/// `POST /api/experience/identification` body (`verificationId` optional on register).
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Identification {
    #[schema(nullable = false)]
    pub verification_id: Option<String>,
}

/// RFC 7662 introspection answer (`{"active": false}` for anything not the caller's).
#[allow(dead_code)]
#[derive(ToSchema)]
pub struct Introspection {
    pub active: bool,
    /// With an active token: `scope`, `client_id`, `sub`, `exp`, `iat`, `aud`, `token_type`…
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub claims: Value,
}

/// The two discovery document names (identical documents).
#[allow(dead_code)]
#[derive(ToSchema)]
pub enum WellKnownName {
    #[serde(rename = "openid-configuration")]
    OpenidConfiguration,
    #[serde(rename = "oauth-authorization-server")]
    OauthAuthorizationServer,
}

/// `POST /api/experience/verification/verification-code` body.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SendVerificationCode {
    /// `email` or `phone`.
    pub identifier: ExperienceIdentifier,
    /// `SignIn`, `Register` or `ForgotPassword` (picks the template).
    pub interaction_event: String,
}

/// `POST /api/experience/verification/verification-code/verify` body.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VerifyVerificationCode {
    pub identifier: ExperienceIdentifier,
    pub verification_id: String,
    pub code: String,
}

/// `POST /api/experience/profile` body: `type: "password"` with a `value`, or
/// `type: "extraProfile"` with `values` (answers to the custom profile fields).
#[allow(dead_code)]
#[derive(ToSchema)]
pub struct ExperienceProfile {
    #[serde(rename = "type")]
    pub kind: String,
    #[schema(nullable = false)]
    pub value: Option<String>,
    #[schema(value_type = Option<Object>, nullable = false)]
    pub values: Option<Value>,
}

/// `POST /api/verifications/verification-code` body.
#[allow(dead_code)]
#[derive(ToSchema)]
pub struct AccountSendVerificationCode {
    /// `email` or `phone`.
    pub identifier: ExperienceIdentifier,
}

/// `POST /api/experience/verification/totp/secret` answer.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TotpSecret {
    pub secret: String,
    pub verification_id: String,
    /// An SVG QR code of the `otpauth://` URI, as a data URL.
    pub secret_qr_code: String,
}

/// `POST /api/experience/verification/totp/verify` body: `verificationId` names a new
/// secret; without it the code is checked against the user's bound app.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TotpVerify {
    pub code: String,
    pub verification_id: Option<String>,
}

/// `POST /api/experience/verification/backup-code/generate` answer.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BackupCodes {
    pub codes: Vec<String>,
    pub verification_id: String,
}

/// `POST /api/experience/verification/backup-code/verify` body.
#[allow(dead_code)]
#[derive(ToSchema)]
pub struct BackupCodeVerify {
    pub code: String,
}

/// `POST /api/experience/profile/mfa` body.
#[allow(dead_code)]
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BindMfa {
    /// `Totp` or `BackupCode`.
    #[serde(rename = "type")]
    pub factor: String,
    pub verification_id: String,
}
