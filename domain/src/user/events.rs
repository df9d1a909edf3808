use crate::event::DomainEvent;
use crate::password::{PasswordAlgorithm, PasswordDigest};
use crate::upcast::Upcaster;
use crate::user::mfa::MfaFactor;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Logto's user profile object (`familyName`, `givenName`, `address`, …). Kept as a JSON
/// object: the API validates its keys, the domain only stores and replaces it.
pub type Profile = Map<String, Value>;

/// A user's identifying and descriptive fields. Every one of them is personal data and
/// is encrypted in the log under the user's data key; after erasure they read as `None`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserDetailsFields {
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub primary_email: Option<String>,
    #[serde(default)]
    pub primary_phone: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub avatar: Option<String>,
    #[serde(default)]
    pub profile: Option<Profile>,
}

/// Schema version 2. Version 1 had `email`/`phone` where version 2 has
/// `primaryEmail`/`primaryPhone` (Logto's names), and no `customData`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserCreated {
    #[serde(flatten)]
    pub details: UserDetailsFields,
    #[serde(default)]
    pub custom_data: Option<Map<String, Value>>,
    #[serde(default)]
    pub password: Option<PasswordDigest>,
    /// The application the user registered through, if any.
    #[serde(default)]
    pub application_id: Option<String>,
}

/// Replaces the user's details wholesale: it carries the state after the change, so a
/// projector needs no merge logic and a replay is trivially exact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserDetailsUpdated {
    #[serde(flatten)]
    pub details: UserDetailsFields,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserCustomDataUpdated {
    #[serde(default)]
    pub custom_data: Option<Map<String, Value>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserPasswordSet {
    #[serde(default)]
    pub password: Option<PasswordDigest>,
}

/// An imported (or outdated) digest replaced by a policy digest after a successful
/// sign-in. Names the algorithm it replaced, never the old digest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserPasswordRehashed {
    pub from_algorithm: PasswordAlgorithm,
    #[serde(default)]
    pub password: Option<PasswordDigest>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSuspended {}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserUnsuspended {}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserDeleted {}

/// User roles given to the user (only those not yet held; they decide the scopes of the
/// user's resource access tokens). The assignment lives on the user's stream: a user holds
/// a handful of roles, a role may have a million users.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserRolesAssigned {
    pub role_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserRoleRemoved {
    pub role_id: String,
}

/// A TOTP secret generated for the user to add to an authenticator app (Account API),
/// held until a binding names it. The secret is personal data, sealed under the user's
/// data key; it is absent once erased.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MfaTotpSecretGenerated {
    #[serde(default)]
    pub secret: Option<String>,
}

/// An authenticator app bound as a factor. `secret` is sealed (personal data); `step` is
/// the time step of the code that confirmed the binding, when one was checked: that code
/// cannot be used again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MfaTotpBound {
    pub verification_id: String,
    #[serde(rename = "type")]
    pub factor: MfaFactor,
    #[serde(default)]
    pub secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<u64>,
}

/// A TOTP code accepted for the factor; codes of `step` and earlier are refused from now on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MfaTotpUsed {
    pub verification_id: String,
    #[serde(rename = "type")]
    pub factor: MfaFactor,
    pub step: u64,
}

/// A set of backup codes bound as a factor: only the codes' keyed digests, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MfaBackupCodesGenerated {
    pub verification_id: String,
    #[serde(rename = "type")]
    pub factor: MfaFactor,
    pub code_digests: Vec<String>,
}

/// One backup code of the set used (the `index`th); it works no more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MfaBackupCodeUsed {
    pub verification_id: String,
    #[serde(rename = "type")]
    pub factor: MfaFactor,
    pub index: usize,
}

/// Why a factor's verification failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MfaFailureReason {
    /// The code is not one of the factor's.
    Mismatch,
    /// A TOTP code of a step already accepted.
    Replayed,
    /// A backup code already used.
    AlreadyUsed,
}

/// A wrong code presented for a factor (the sentinel counts it too, per factor).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MfaVerificationFailed {
    pub verification_id: String,
    #[serde(rename = "type")]
    pub factor: MfaFactor,
    pub reason: MfaFailureReason,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MfaVerificationRemoved {
    pub verification_id: String,
    #[serde(rename = "type")]
    pub factor: MfaFactor,
}

/// The user's Logto config (`logtoConfig`: the MFA choices `GET/PATCH …/logto-configs`
/// expose), whole as it is after the change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserLogtoConfigUpdated {
    pub mfa: UserMfaConfig,
    pub passkey_sign_in: PasskeySignInConfig,
}

/// `logtoConfig.mfa`: `enabled` unset until someone sets it (Logto's legacy users);
/// `skipped`: the user declined to bind a factor when prompted; `skipMfaOnSignIn`: the
/// user opted out of verifying at sign-in (ignored under `Mandatory`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserMfaConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(default)]
    pub skipped: bool,
    #[serde(default)]
    pub skip_mfa_on_sign_in: bool,
}

/// `logtoConfig.passkeySignIn` (kept for passkeys, which come later).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PasskeySignInConfig {
    #[serde(default)]
    pub skipped: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum UserEvent {
    UserCreated(UserCreated),
    UserDetailsUpdated(UserDetailsUpdated),
    UserCustomDataUpdated(UserCustomDataUpdated),
    UserPasswordSet(UserPasswordSet),
    UserPasswordRehashed(UserPasswordRehashed),
    UserSuspended(UserSuspended),
    UserUnsuspended(UserUnsuspended),
    UserDeleted(UserDeleted),
    UserRolesAssigned(UserRolesAssigned),
    UserRoleRemoved(UserRoleRemoved),
    MfaTotpSecretGenerated(MfaTotpSecretGenerated),
    MfaTotpBound(MfaTotpBound),
    MfaTotpUsed(MfaTotpUsed),
    MfaBackupCodesGenerated(MfaBackupCodesGenerated),
    MfaBackupCodeUsed(MfaBackupCodeUsed),
    MfaVerificationFailed(MfaVerificationFailed),
    MfaVerificationRemoved(MfaVerificationRemoved),
    UserLogtoConfigUpdated(UserLogtoConfigUpdated),
}

const DETAIL_FIELDS: &[&str] = &[
    "username",
    "primaryEmail",
    "primaryPhone",
    "name",
    "avatar",
    "profile",
];
const CREATED_PII: &[&str] = &[
    "username",
    "primaryEmail",
    "primaryPhone",
    "name",
    "avatar",
    "profile",
    "customData",
    "password",
];

impl DomainEvent for UserEvent {
    fn event_type(&self) -> &'static str {
        match self {
            Self::UserCreated(_) => "UserCreated",
            Self::UserDetailsUpdated(_) => "UserDetailsUpdated",
            Self::UserCustomDataUpdated(_) => "UserCustomDataUpdated",
            Self::UserPasswordSet(_) => "UserPasswordSet",
            Self::UserPasswordRehashed(_) => "UserPasswordRehashed",
            Self::UserSuspended(_) => "UserSuspended",
            Self::UserUnsuspended(_) => "UserUnsuspended",
            Self::UserDeleted(_) => "UserDeleted",
            Self::UserRolesAssigned(_) => "UserRolesAssigned",
            Self::UserRoleRemoved(_) => "UserRoleRemoved",
            Self::MfaTotpSecretGenerated(_) => "MfaTotpSecretGenerated",
            Self::MfaTotpBound(_) => "MfaTotpBound",
            Self::MfaTotpUsed(_) => "MfaTotpUsed",
            Self::MfaBackupCodesGenerated(_) => "MfaBackupCodesGenerated",
            Self::MfaBackupCodeUsed(_) => "MfaBackupCodeUsed",
            Self::MfaVerificationFailed(_) => "MfaVerificationFailed",
            Self::MfaVerificationRemoved(_) => "MfaVerificationRemoved",
            Self::UserLogtoConfigUpdated(_) => "UserLogtoConfigUpdated",
        }
    }

    fn schema_version(event_type: &str) -> u32 {
        match event_type {
            "UserCreated" => 2,
            _ => 1,
        }
    }

    fn pii_fields(&self) -> &'static [&'static str] {
        match self {
            Self::UserCreated(_) => CREATED_PII,
            Self::UserDetailsUpdated(_) => DETAIL_FIELDS,
            Self::UserCustomDataUpdated(_) => &["customData"],
            Self::UserPasswordSet(_) | Self::UserPasswordRehashed(_) => &["password"],
            // The TOTP secret is sealed under the user's data key: erasing the user erases it.
            Self::MfaTotpSecretGenerated(_) | Self::MfaTotpBound(_) => &["secret"],
            Self::MfaTotpUsed(_)
            | Self::MfaBackupCodesGenerated(_)
            | Self::MfaBackupCodeUsed(_)
            | Self::MfaVerificationFailed(_)
            | Self::MfaVerificationRemoved(_)
            | Self::UserLogtoConfigUpdated(_)
            | Self::UserSuspended(_)
            | Self::UserUnsuspended(_)
            | Self::UserDeleted(_)
            | Self::UserRolesAssigned(_)
            | Self::UserRoleRemoved(_) => &[],
        }
    }

    fn pii_subject<'a>(&'a self, stream_id: &'a str) -> Option<&'a str> {
        Some(stream_id)
    }

    crate::tagged_payload_codec!();
}

/// `UserCreated` v1 → v2: `email` → `primaryEmail`, `phone` → `primaryPhone`, and an empty
/// `customData`.
fn user_created_v1_to_v2(mut payload: Value) -> Value {
    if let Value::Object(map) = &mut payload {
        if let Some(email) = map.remove("email") {
            map.insert("primaryEmail".into(), email);
        }
        if let Some(phone) = map.remove("phone") {
            map.insert("primaryPhone".into(), phone);
        }
        map.entry("customData")
            .or_insert_with(|| Value::Object(Map::new()));
    }
    payload
}

pub fn upcasters() -> Vec<Upcaster> {
    vec![Upcaster {
        event_type: "UserCreated",
        from_version: 1,
        upcast: user_created_v1_to_v2,
    }]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::upcast::UpcasterRegistry;
    use serde_json::json;

    #[test]
    fn a_version_1_user_created_payload_reads_as_the_current_type() {
        let v1 = json!({"username": "alice", "email": "a@example.com", "phone": "123456"});
        let (version, payload) = UpcasterRegistry::domain().upcast("UserCreated", 1, v1);
        assert_eq!(version, UserEvent::schema_version("UserCreated"));
        let event = UserEvent::from_payload("UserCreated", payload).unwrap();
        let UserEvent::UserCreated(created) = event else {
            panic!("expected UserCreated, got {event:?}");
        };
        assert_eq!(
            created.details.primary_email.as_deref(),
            Some("a@example.com")
        );
        assert_eq!(created.details.primary_phone.as_deref(), Some("123456"));
        assert_eq!(created.custom_data, Some(Map::new()));
    }

    #[test]
    fn payloads_round_trip_without_the_type_tag() {
        let event = UserEvent::UserSuspended(UserSuspended {});
        let payload = event.to_payload();
        assert_eq!(payload, json!({}));
        assert_eq!(
            UserEvent::from_payload("UserSuspended", payload).unwrap(),
            event
        );
    }

    #[test]
    fn erased_personal_fields_read_as_none() {
        // After crypto-shredding the store hands the payload back without its PII keys.
        let event = UserEvent::from_payload("UserCreated", json!({"applicationId": null})).unwrap();
        let UserEvent::UserCreated(created) = event else {
            panic!("expected UserCreated");
        };
        assert_eq!(created.details, UserDetailsFields::default());
        assert!(created.password.is_none());
    }
}
