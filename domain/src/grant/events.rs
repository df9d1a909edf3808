use crate::event::DomainEvent;
use crate::oauth::pkce::CodeChallenge;
use crate::oauth::secret::SecretDigest;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizationCode {
    pub digest: SecretDigest,
    #[serde(default)]
    pub challenge: Option<CodeChallenge>,
    pub redirect_uri: String,
    pub expires_at: Timestamp,
}

/// An access token issued under the grant: opaque (stored as a digest, accepted by the
/// userinfo endpoint) or a JWT for an API resource (stateless; recorded for the audit).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum AccessTokenIssued {
    #[serde(rename_all = "camelCase")]
    Opaque {
        digest: SecretDigest,
        scopes: Vec<String>,
        issued_at: Timestamp,
        expires_at: Timestamp,
    },
    #[serde(rename_all = "camelCase")]
    Jwt {
        jti: String,
        audience: String,
        scopes: Vec<String>,
        issued_at: Timestamp,
        expires_at: Timestamp,
    },
}

impl AccessTokenIssued {
    pub fn issued_at(&self) -> Timestamp {
        match self {
            Self::Opaque { issued_at, .. } | Self::Jwt { issued_at, .. } => *issued_at,
        }
    }

    pub fn scopes(&self) -> &[String] {
        match self {
            Self::Opaque { scopes, .. } | Self::Jwt { scopes, .. } => scopes,
        }
    }

    /// The resource indicator a JWT is for; `None` for an opaque token.
    pub fn audience(&self) -> Option<&str> {
        match self {
            Self::Opaque { .. } => None,
            Self::Jwt { audience, .. } => Some(audience),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefreshTokenIssued {
    pub generation: u32,
    pub digest: SecretDigest,
    pub expires_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GrantIssued {
    pub user_id: String,
    pub client_id: String,
    #[serde(default)]
    pub session_id: Option<String>,
    /// The scopes the user consented to (OIDC scopes and API resource scopes alike).
    pub scopes: Vec<String>,
    /// The API resources (RFC 8707 indicators) the authorization request named: the only
    /// audiences a token of this grant may have. Events written before resource binding
    /// have none, so their grants get no resource tokens (the safe reading).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<String>,
    pub auth_time: Timestamp,
    #[serde(default)]
    pub nonce: Option<String>,
    /// The authorization code the client redeems for the first tokens. A grant issued
    /// without one (token exchange, the device flow) gets its tokens in the event that
    /// follows it in the same batch. Every grant written before those had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<AuthorizationCode>,
    /// No token of this grant outlives this instant (Logto: 180 days).
    pub expires_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizationCodeRedeemed {
    pub access_token: AccessTokenIssued,
    #[serde(default)]
    pub refresh_token: Option<RefreshTokenIssued>,
}

/// The first tokens of a grant the device flow issued (RFC 8628): follows its
/// `GrantIssued` (which has no code) in the same batch, as `AuthorizationCodeRedeemed`
/// follows a code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceCodeRedeemed {
    /// The `device-authorization` stream the user approved.
    pub device_authorization_id: String,
    pub access_token: AccessTokenIssued,
    #[serde(default)]
    pub refresh_token: Option<RefreshTokenIssued>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefreshTokenRotated {
    pub access_token: AccessTokenIssued,
    /// The next generation; `None` when the client disabled rotation and keeps its token.
    #[serde(default)]
    pub refresh_token: Option<RefreshTokenIssued>,
}

/// What a token exchange (RFC 8693) presented as its subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SubjectTokenKind {
    /// An access token this server issued (opaque, or an RFC 9068 JWT).
    AccessToken,
    /// A single-use impersonation token from `POST /api/subject-tokens`.
    ImpersonationToken,
    /// One of the user's personal access tokens.
    PersonalAccessToken,
}

/// The only token of a grant issued by a token exchange (RFC 8693): the grant has no code
/// and no refresh token, and lives as long as this token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenExchanged {
    pub access_token: AccessTokenIssued,
    pub subject_token_type: SubjectTokenKind,
    /// Which token was exchanged: the impersonation token's id, the personal access
    /// token's name, or the grant of the access token.
    pub subject_token_id: String,
    /// RFC 8693 §4.1 `act`: the user acting for the subject (from the `actor_token`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RevocationReason {
    /// The authorization code was presented a second time.
    CodeReplayed,
    /// A rotated-out refresh token was presented.
    RefreshTokenReplayed,
    /// The client revoked its refresh token (RFC 7009).
    ClientRevoked,
    /// The user signed out, or an administrator ended the session.
    SessionEnded,
    /// An administrator or the user revoked the grant.
    Revoked,
    /// The user is suspended or deleted (kept for events written before the two
    /// variants below existed).
    UserDisabled,
    /// Newer grants pushed the user over the application's `maxAllowedGrants`; the
    /// event's `limit` says by how much.
    GrantLimitExceeded,
    /// An administrator suspended the user: every session and grant ends.
    UserSuspended,
    /// The user was deleted: every session and grant ends.
    UserDeleted,
    /// The user's password changed: grants issued before end.
    PasswordChanged,
}

/// Why a concurrent-grant limit revoked grants: everything Logto's `Grant.LimitExceeded`
/// webhook reports, so a consumer of this one event needs nothing else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GrantLimitExceeded {
    pub user_id: String,
    pub application_id: String,
    pub max_allowed_grants: u32,
    /// Live grants of the user for the application, counting the one being issued.
    pub pre_revocation_active_grant_count: u64,
    /// Every grant revoked by the same decision (this one included).
    pub revoked_grant_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessTokenRevoked {
    pub digest: SecretDigest,
}

/// A resource access token (JWT) of this grant revoked by its client (RFC 7009): it is
/// refused by introspection until it expires (resource servers that verify the JWT
/// themselves cannot see this; that is what short lifetimes are for).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceTokenRevoked {
    pub jti: String,
    pub expires_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GrantRevoked {
    pub reason: RevocationReason,
    /// Set when `reason` is `GrantLimitExceeded`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<GrantLimitExceeded>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum GrantEvent {
    GrantIssued(GrantIssued),
    AuthorizationCodeRedeemed(AuthorizationCodeRedeemed),
    RefreshTokenRotated(RefreshTokenRotated),
    AccessTokenRevoked(AccessTokenRevoked),
    ResourceTokenRevoked(ResourceTokenRevoked),
    GrantRevoked(GrantRevoked),
    TokenExchanged(TokenExchanged),
    DeviceCodeRedeemed(DeviceCodeRedeemed),
}

impl DomainEvent for GrantEvent {
    fn event_type(&self) -> &'static str {
        match self {
            Self::GrantIssued(_) => "GrantIssued",
            Self::AuthorizationCodeRedeemed(_) => "AuthorizationCodeRedeemed",
            Self::RefreshTokenRotated(_) => "RefreshTokenRotated",
            Self::AccessTokenRevoked(_) => "AccessTokenRevoked",
            Self::ResourceTokenRevoked(_) => "ResourceTokenRevoked",
            Self::GrantRevoked(_) => "GrantRevoked",
            Self::TokenExchanged(_) => "TokenExchanged",
            Self::DeviceCodeRedeemed(_) => "DeviceCodeRedeemed",
        }
    }

    fn schema_version(_event_type: &str) -> u32 {
        1
    }

    crate::tagged_payload_codec!();
}
