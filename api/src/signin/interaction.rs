//! What the authorization endpoint validated, carried (sealed) through the sign-in pages.

use domain::oauth::pkce::CodeChallenge;
use domain::Timestamp;
use serde::{Deserialize, Serialize};

/// A validated authorization request waiting for the user.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Interaction {
    /// The `Session` stream this attempt lives on (failures included).
    pub session_id: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    /// The API resources (RFC 8707) the request named; the grant will hold them.
    #[serde(default)]
    pub resources: Vec<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    /// The identifier the client suggested (`login_hint`), pre-filled on the sign-in form.
    #[serde(default)]
    pub login_hint: Option<String>,
    /// The client's `ui_locales`, in its order: the pages' language (`crate::i18n`).
    #[serde(default)]
    pub ui_locales: Vec<String>,
    pub code_challenge: Option<CodeChallenge>,
    /// Third-party applications need the user's consent on a screen.
    pub needs_consent: bool,
    /// The user already signed in (the session cookie was good) and only consent is left.
    #[serde(default)]
    pub signed_in: Option<SessionCookie>,
    /// Experience API state (`/api/experience`), when a custom UI drives the sign-in.
    #[serde(default)]
    pub experience: Option<Experience>,
    /// A one-time code the hosted pages sent (sign in with a code, forgot password); the
    /// address lives here, sealed, never in a URL or a plain cookie.
    #[serde(default)]
    pub pending_code: Option<PendingCode>,
    /// `/register` with profile fields: the account waiting for the profile step.
    #[serde(default)]
    pub pending_registration: Option<PendingRegistration>,
    /// Credentials checked, a second factor still to verify or bind (`signin/mfa.rs`).
    #[serde(default)]
    pub pending_mfa: Option<PendingMfa>,
    /// The device authorization request (RFC 8628) this sign-in is for: after sign-in the
    /// user confirms on `/device/confirm` (`signin/device.rs`) instead of consenting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// Echoed by every form of this interaction (CSRF).
    pub csrf: String,
    pub expires_at: Timestamp,
}

impl Interaction {
    /// `path` among the hosted pages, for this interaction's application (`?app_id=`:
    /// `interactions.rs`).
    pub fn page(&self, path: &str) -> String {
        super::interactions::with_app(path, &self.client_id)
    }
}

/// A code the hosted pages sent, and what it is for.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingCode {
    pub usage: app::delivery::TemplateUsage,
    pub verification_id: String,
    pub kind: domain::identifier::IdentifierKind,
    pub value: String,
    /// The right code came back (forgot password: the new password may now be set).
    pub verified: bool,
    /// The user the verified code identified (forgot password).
    #[serde(default)]
    pub user_id: Option<String>,
    /// Registration: the password chosen with the address, checked and hashed.
    #[serde(default)]
    pub digest: Option<domain::password::PasswordDigest>,
}

/// A checked username and its password, hashed (the cookie is sealed), waiting for the
/// profile step (`signin/profile_step.rs`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingRegistration {
    /// `/register`: the username (with `digest`).
    #[serde(default)]
    pub username: Option<String>,
    pub digest: Option<domain::password::PasswordDigest>,
    /// `/register/code`: the email address or phone number a code verified.
    #[serde(default)]
    pub verified: Option<(domain::identifier::IdentifierKind, String)>,
}

/// A user who proved who they are and has an MFA step left on the hosted pages.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingMfa {
    pub user_id: String,
    /// The interaction registers the user (some policies ask only at sign-in).
    pub register: bool,
    /// The session stream's version when the credentials were checked.
    pub version: u64,
    pub progress: domain::mfa_policy::MfaProgress,
    /// A TOTP secret shown for binding (the cookie is sealed), until bound.
    #[serde(default)]
    pub new_totp_secret: Option<String>,
}

impl PendingMfa {
    pub fn event(&self) -> domain::mfa_policy::MfaEvent {
        if self.register {
            domain::mfa_policy::MfaEvent::Register
        } else {
            domain::mfa_policy::MfaEvent::SignIn
        }
    }
}

/// The `_session` cookie: which session stream this browser holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionCookie {
    pub session_id: String,
    pub user_id: String,
    pub auth_time: Timestamp,
}

/// What the Experience API has established so far (docs/logto/experience-api.md#binding).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Experience {
    /// `SignIn`, `Register` or `ForgotPassword`.
    pub event: String,
    pub verifications: Vec<Verification>,
    /// The user the interaction identified (signed in or just registered).
    pub identified: Option<String>,
    /// Set by `submit`: the browser may now resume at `/oidc/auth/<session id>`.
    pub submitted: bool,
    /// The password a registration sets (`POST /api/experience/profile`), hashed.
    #[serde(default)]
    pub new_password: Option<domain::password::PasswordDigest>,
    /// Answers to the profile fields (`POST /api/experience/profile` with
    /// `extraProfile`), checked; used when the account is created.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub extra_profile: serde_json::Map<String, serde_json::Value>,
    /// What the interaction did about second factors (`experience/mfa.rs`).
    #[serde(default)]
    pub mfa: domain::mfa_policy::MfaProgress,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Verification {
    /// A password checked against an existing user.
    #[serde(rename_all = "camelCase")]
    Password { id: String, user_id: String },
    /// A username and password for a new account (the password already hashed; the
    /// cookie is sealed, so the digest never travels readable).
    #[serde(rename_all = "camelCase")]
    NewPasswordIdentity {
        id: String,
        username: String,
        digest: domain::password::PasswordDigest,
    },
    /// A one-time code sent to an email address or phone number; `verified` once the
    /// right code came back (the address is personal data: the cookie is sealed).
    #[serde(rename_all = "camelCase")]
    Code {
        id: String,
        kind: domain::identifier::IdentifierKind,
        value: String,
        verified: bool,
    },
    /// A TOTP code: of the user's bound app (`secret: None`), or of a new secret to bind
    /// (`secret`, with the step of the code that confirmed it once verified).
    #[serde(rename_all = "camelCase")]
    Totp {
        id: String,
        user_id: String,
        #[serde(default)]
        secret: Option<String>,
        #[serde(default)]
        step: Option<u64>,
        verified: bool,
    },
    /// A backup code of the user's (`codes: None`), or new codes to bind.
    #[serde(rename_all = "camelCase")]
    BackupCode {
        id: String,
        user_id: String,
        #[serde(default)]
        codes: Option<Vec<String>>,
        verified: bool,
    },
}

impl Verification {
    pub fn id(&self) -> &str {
        match self {
            Self::Password { id, .. }
            | Self::NewPasswordIdentity { id, .. }
            | Self::Code { id, .. }
            | Self::Totp { id, .. }
            | Self::BackupCode { id, .. } => id,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Self::Password { .. } => "Password",
            Self::NewPasswordIdentity { .. } => "NewPasswordIdentity",
            Self::Code {
                kind: domain::identifier::IdentifierKind::Phone,
                ..
            } => "PhoneVerificationCode",
            Self::Code { .. } => "EmailVerificationCode",
            Self::Totp { .. } => "Totp",
            Self::BackupCode { .. } => "BackupCode",
        }
    }
}
