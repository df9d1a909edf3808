//! Golden samples of every stored event: `tests/golden/<stream type>/<Variant>.json` holds
//! one event of each variant as the log stores it (event type, schema version, payload).
//! The test fails when the current types serialize a fixed value differently from the
//! checked-in sample (a renamed, retyped, added or dropped field), when a sample no longer
//! reads back into the same JSON, or when a variant has no sample.
//!
//! A deliberate change of an event's shape comes with a new schema version and an
//! upcaster (`domain::upcast`); then regenerate the samples and review the diff:
//!
//! ```text
//! TESSERA_UPDATE_GOLDEN=1 cargo test -p domain --test golden
//! ```

// Test code: a panic is how a test fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use domain::account_center::{AccountCenter, AccountCenterChanged, AccountCenterEvent, Permission};
use domain::app_sign_in_experience::{
    ApplicationSignInExperience, ApplicationSignInExperienceEvent, ApplicationSignInExperienceSet,
    ApplicationSignInExperienceSettings, PartialColor,
};
use domain::application::{
    Application, ApplicationCreated, ApplicationDeleted, ApplicationEvent, ApplicationRoleRemoved,
    ApplicationRolesAssigned, ApplicationSecretAdded, ApplicationSecretDeleted, ApplicationType,
    ApplicationUpdated, CustomClientMetadata, OidcClientMetadata,
};
use domain::client_credentials::{
    ClientCredentialsEvent, ClientCredentialsGranted, ClientCredentialsRevoked,
    ClientCredentialsToken,
};
use domain::connector::{
    ConnectorCreated, ConnectorDeleted, ConnectorEvent, ConnectorUpdated, Connectors,
};
use domain::custom_phrases::{
    CustomPhraseDeleted, CustomPhraseSet, CustomPhrases, CustomPhrasesEvent,
};
use domain::grant::{
    AccessTokenIssued, AccessTokenRevoked, AuthorizationCode, AuthorizationCodeRedeemed,
    DeviceCodeRedeemed, Grant, GrantEvent, GrantIssued, GrantLimitExceeded, GrantRevoked,
    RefreshTokenIssued, RefreshTokenRotated, ResourceTokenRevoked, RevocationReason,
    SubjectTokenKind, TokenExchanged,
};
use domain::hook::delivery::{
    Delivery, DeliveryAttempted, DeliveryEvent, DeliveryExhausted, DeliverySucceeded,
};
use domain::hook::{
    Hook, HookCreated, HookDeleted, HookDisabledByReceiver, HookEvent, HookSigningKeyRotated,
    HookUpdated,
};
use domain::identifier::{IdentifierClaim, IdentifierClaimed, IdentifierEvent, IdentifierReleased};
use domain::oauth::pkce::CodeChallenge;
use domain::oauth::secret::SecretDigest;
use domain::oidc_config::{OidcConfig, OidcConfigEvent, SessionTtlSet};
use domain::password::{PasswordAlgorithm, PasswordDigest};
use domain::resource::{
    Resource, ResourceCreated, ResourceDeleted, ResourceEvent, ResourceUpdated, ScopeDefined,
    ScopeDeleted,
};
use domain::role::{
    Role, RoleCreated, RoleDeleted, RoleEvent, RoleScopeRemoved, RoleScopesAdded, RoleType,
    RoleUpdated,
};
use domain::sentinel::{
    IdentifierLockedOut, Sentinel, SentinelEvent, VerificationFailed, VerificationMethod,
};
use domain::session::{
    Expired, Session, SessionEvent, SignInFailed, SignInFailure, SignOutReason, SignedIn, SignedOut,
};
use domain::sign_in_experience::{
    SignInExperience, SignInExperienceChanged, SignInExperienceEvent, SignInExperienceSettings,
};
use domain::signing_keys::{
    SigningAlgorithm, SigningKeyActivated, SigningKeyDeleted, SigningKeyEvent, SigningKeyGenerated,
    SigningKeyRetired, SigningKeys,
};
use domain::user::mfa::MfaFactor;
use domain::user::{
    MfaBackupCodeUsed, MfaBackupCodesGenerated, MfaFailureReason, MfaTotpBound,
    MfaTotpSecretGenerated, MfaTotpUsed, MfaVerificationFailed, MfaVerificationRemoved, User,
    UserCreated, UserCustomDataUpdated, UserDeleted, UserDetailsFields, UserDetailsUpdated,
    UserEvent, UserPasswordRehashed, UserPasswordSet, UserRoleRemoved, UserRolesAssigned,
    UserSuspended, UserUnsuspended,
};
use domain::user::{PasskeySignInConfig, UserLogtoConfigUpdated, UserMfaConfig};
use domain::{Aggregate, DomainEvent, Timestamp};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

const UPDATE_ENV: &str = "TESSERA_UPDATE_GOLDEN";
const T: Timestamp = Timestamp::from_millis(1_700_000_000_000);

fn later(seconds: i64) -> Timestamp {
    T.plus_seconds(seconds)
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// The variant names of an event enum, as serde knows them: the "unknown variant" error
/// lists every one, so a new variant without a sample fails the coverage check.
fn variants<E: DomainEvent>() -> BTreeSet<String> {
    let err = match serde_json::from_value::<E>(json!({"type": "\u{1}", "data": null})) {
        Err(e) => e.to_string(),
        Ok(_) => String::new(),
    };
    // "expected `A`", "expected `A` or `B`", "expected one of `A`, `B`, `C`".
    let list = err.split("expected ").nth(1).unwrap_or("");
    let list = list.strip_prefix("one of ").unwrap_or(list);
    list.split(", ")
        .flat_map(|v| v.split(" or "))
        .map(|v| {
            v.trim_matches(|c: char| c == '`' || c.is_whitespace())
                .to_owned()
        })
        .filter(|v| !v.is_empty())
        .collect()
}

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// Checks (or with [`UPDATE_ENV`] writes) the samples of one aggregate's events.
fn check<A: Aggregate>(samples: Vec<A::Event>) {
    let names: BTreeSet<String> = samples.iter().map(|e| e.event_type().to_owned()).collect();
    assert_eq!(
        names.len(),
        samples.len(),
        "{}: one sample per variant",
        A::STREAM_TYPE
    );
    assert_eq!(
        names,
        variants::<A::Event>(),
        "{}: every variant needs a sample",
        A::STREAM_TYPE
    );
    let update = std::env::var_os(UPDATE_ENV).is_some();
    for event in samples {
        let event_type = event.event_type();
        let path = dir()
            .join(A::STREAM_TYPE)
            .join(format!("{event_type}.json"));
        let current = json!({
            "eventType": event_type,
            "schemaVersion": A::Event::schema_version(event_type),
            "payload": event.to_payload(),
        });
        if update {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            let text = serde_json::to_string_pretty(&current).unwrap() + "\n";
            std::fs::write(&path, text).unwrap();
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (run with {UPDATE_ENV}=1 to create it)",
                path.display()
            )
        });
        let stored: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            current,
            stored,
            "{}: the current type serializes this event differently from the stored sample \
             (a changed event needs a new schema version and an upcaster)",
            path.display()
        );
        let read =
            A::Event::from_payload(event_type, stored["payload"].clone()).unwrap_or_else(|e| {
                panic!("{}: the stored sample no longer reads: {e}", path.display())
            });
        assert_eq!(
            read.to_payload(),
            stored["payload"],
            "{}: the stored sample does not read back into the same JSON",
            path.display()
        );
    }
}

fn digest(secret: &str) -> SecretDigest {
    SecretDigest::of(secret)
}

fn password() -> PasswordDigest {
    PasswordDigest {
        algorithm: PasswordAlgorithm::Argon2id,
        digest: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
    }
}

fn details() -> UserDetailsFields {
    UserDetailsFields {
        username: Some("alice".into()),
        primary_email: Some("alice@example.com".into()),
        primary_phone: Some("+15550100".into()),
        name: Some("Alice".into()),
        avatar: Some("https://img.example/a.png".into()),
        profile: Some(object(json!({"givenName": "Alice"}))),
    }
}

#[test]
fn user_events() {
    check::<User>(vec![
        UserEvent::UserCreated(UserCreated {
            details: details(),
            custom_data: Some(object(json!({"plan": "pro"}))),
            password: Some(password()),
            application_id: Some("app1".into()),
        }),
        UserEvent::UserDetailsUpdated(UserDetailsUpdated { details: details() }),
        UserEvent::UserCustomDataUpdated(UserCustomDataUpdated {
            custom_data: Some(object(json!({"plan": "free"}))),
        }),
        UserEvent::UserPasswordSet(UserPasswordSet {
            password: Some(password()),
        }),
        UserEvent::UserPasswordRehashed(UserPasswordRehashed {
            from_algorithm: PasswordAlgorithm::Md5,
            password: Some(password()),
        }),
        UserEvent::UserSuspended(UserSuspended {}),
        UserEvent::UserUnsuspended(UserUnsuspended {}),
        UserEvent::UserDeleted(UserDeleted {}),
        UserEvent::UserRolesAssigned(UserRolesAssigned {
            role_ids: strings(&["r1", "r2"]),
        }),
        UserEvent::UserRoleRemoved(UserRoleRemoved {
            role_id: "r1".into(),
        }),
        UserEvent::MfaTotpSecretGenerated(MfaTotpSecretGenerated {
            secret: Some("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP".into()),
        }),
        UserEvent::MfaTotpBound(MfaTotpBound {
            verification_id: "mfa1".into(),
            factor: MfaFactor::Totp,
            secret: Some("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP".into()),
            step: Some(56_666_666),
        }),
        UserEvent::MfaTotpUsed(MfaTotpUsed {
            verification_id: "mfa1".into(),
            factor: MfaFactor::Totp,
            step: 56_666_667,
        }),
        UserEvent::MfaBackupCodesGenerated(MfaBackupCodesGenerated {
            verification_id: "mfa2".into(),
            factor: MfaFactor::BackupCode,
            code_digests: strings(&["d0", "d1"]),
        }),
        UserEvent::MfaBackupCodeUsed(MfaBackupCodeUsed {
            verification_id: "mfa2".into(),
            factor: MfaFactor::BackupCode,
            index: 1,
        }),
        UserEvent::MfaVerificationFailed(MfaVerificationFailed {
            verification_id: "mfa1".into(),
            factor: MfaFactor::Totp,
            reason: MfaFailureReason::Replayed,
        }),
        UserEvent::MfaVerificationRemoved(MfaVerificationRemoved {
            verification_id: "mfa2".into(),
            factor: MfaFactor::BackupCode,
        }),
        UserEvent::UserLogtoConfigUpdated(UserLogtoConfigUpdated {
            mfa: UserMfaConfig {
                enabled: None,
                skipped: true,
                skip_mfa_on_sign_in: false,
            },
            passkey_sign_in: PasskeySignInConfig::default(),
        }),
    ]);
}

#[test]
fn role_events() {
    check::<Role>(vec![
        RoleEvent::RoleCreated(RoleCreated {
            name: "Admin".into(),
            description: "Administrators".into(),
            role_type: RoleType::User,
            is_default: true,
        }),
        RoleEvent::RoleUpdated(RoleUpdated {
            name: "Admins".into(),
            description: "All administrators".into(),
            is_default: false,
        }),
        RoleEvent::RoleScopesAdded(RoleScopesAdded {
            scope_ids: strings(&["s1", "s2"]),
        }),
        RoleEvent::RoleScopeRemoved(RoleScopeRemoved {
            scope_id: "s1".into(),
        }),
        RoleEvent::RoleDeleted(RoleDeleted {}),
    ]);
}

fn oidc_metadata() -> OidcClientMetadata {
    OidcClientMetadata {
        redirect_uris: strings(&["https://app.example/cb"]),
        post_logout_redirect_uris: strings(&["https://app.example/"]),
        id_token_signed_response_alg: Some(SigningAlgorithm::RS256),
    }
}

fn custom_metadata() -> CustomClientMetadata {
    serde_json::from_value(json!({
        "idTokenTtl": 600,
        "alwaysIssueRefreshToken": true,
        "rotateRefreshToken": false,
        "maxAllowedGrants": 2,
        "corsAllowedOrigins": ["https://app.example"],
        "somethingElse": 1
    }))
    .unwrap()
}

#[test]
fn application_events() {
    check::<Application>(vec![
        ApplicationEvent::ApplicationCreated(ApplicationCreated {
            name: "My app".into(),
            description: Some("An app".into()),
            app_type: ApplicationType::Traditional,
            oidc_client_metadata: oidc_metadata(),
            custom_client_metadata: custom_metadata(),
            custom_data: object(json!({"team": "a"})),
            is_third_party: false,
        }),
        ApplicationEvent::ApplicationUpdated(ApplicationUpdated {
            name: "My app".into(),
            description: None,
            oidc_client_metadata: oidc_metadata(),
            custom_client_metadata: custom_metadata(),
            custom_data: Map::new(),
        }),
        ApplicationEvent::ApplicationSecretAdded(ApplicationSecretAdded {
            name: "default".into(),
            digest: digest("s3cret"),
            expires_at: Some(later(3600)),
        }),
        ApplicationEvent::ApplicationSecretDeleted(ApplicationSecretDeleted {
            name: "default".into(),
        }),
        ApplicationEvent::ApplicationRolesAssigned(ApplicationRolesAssigned {
            role_ids: strings(&["r1"]),
        }),
        ApplicationEvent::ApplicationRoleRemoved(ApplicationRoleRemoved {
            role_id: "r1".into(),
        }),
        ApplicationEvent::ApplicationDeleted(ApplicationDeleted {}),
    ]);
}

#[test]
fn resource_events() {
    check::<Resource>(vec![
        ResourceEvent::ResourceCreated(ResourceCreated {
            name: "Orders".into(),
            indicator: "https://api.example.com".into(),
            access_token_ttl: 3600,
        }),
        ResourceEvent::ResourceUpdated(ResourceUpdated {
            name: "Orders API".into(),
            access_token_ttl: 600,
            is_default: true,
        }),
        ResourceEvent::ResourceScopeDefined(ScopeDefined {
            scope_id: "s1".into(),
            name: "read:orders".into(),
            description: Some("Read orders".into()),
        }),
        ResourceEvent::ResourceScopeDeleted(ScopeDeleted {
            scope_id: "s1".into(),
        }),
        ResourceEvent::ResourceDeleted(ResourceDeleted {}),
    ]);
}

#[test]
fn identifier_events() {
    check::<IdentifierClaim>(vec![
        IdentifierEvent::IdentifierClaimed(IdentifierClaimed {
            holder: "u1".into(),
        }),
        IdentifierEvent::IdentifierReleased(IdentifierReleased {
            holder: "u1".into(),
        }),
    ]);
}

#[test]
fn account_center_events() {
    check::<AccountCenter>(vec![AccountCenterEvent::AccountCenterChanged(
        AccountCenterChanged {
            enabled: true,
            fields: BTreeMap::from([
                ("name".to_owned(), Permission::Edit),
                ("email".to_owned(), Permission::ReadOnly),
                ("phone".to_owned(), Permission::Off),
            ]),
        },
    )]);
}

#[test]
fn sign_in_experience_events() {
    use domain::password::policy::PasswordPolicy;
    use domain::sentinel::SentinelPolicy;
    let mut settings = SignInExperienceSettings::with_policies(
        &PasswordPolicy::default(),
        &SentinelPolicy::default(),
        true,
    );
    settings.branding.logo_url = Some("https://example.com/logo.svg".into());
    settings.terms_of_use_url = Some("https://example.com/terms".into());
    check::<SignInExperience>(vec![SignInExperienceEvent::SignInExperienceChanged(
        Box::new(SignInExperienceChanged { settings }),
    )]);
}

#[test]
fn application_sign_in_experience_events() {
    check::<ApplicationSignInExperience>(vec![
        ApplicationSignInExperienceEvent::ApplicationSignInExperienceSet(Box::new(
            ApplicationSignInExperienceSet {
                settings: ApplicationSignInExperienceSettings {
                    color: PartialColor {
                        primary_color: Some("#112233".into()),
                        is_dark_mode_enabled: Some(true),
                        dark_primary_color: None,
                    },
                    display_name: Some("Acme".into()),
                    terms_of_use_url: Some("https://acme.example/terms".into()),
                    ..Default::default()
                },
            },
        )),
    ]);
}

#[test]
fn custom_profile_field_events() {
    use domain::custom_profile_fields::*;
    check::<CustomProfileFields>(vec![
        CustomProfileFieldEvent::CustomProfileFieldSet(Box::new(CustomProfileFieldSet {
            field: CustomProfileField {
                name: "team".into(),
                field_type: FieldType::Select,
                label: "Team".into(),
                description: Some("Where you work".into()),
                required: true,
                config: FieldConfig {
                    options: vec![SelectOption {
                        label: "Red".into(),
                        value: "red".into(),
                    }],
                    ..Default::default()
                },
            },
        })),
        CustomProfileFieldEvent::CustomProfileFieldDeleted(CustomProfileFieldDeleted {
            name: "team".into(),
        }),
        CustomProfileFieldEvent::CustomProfileFieldsReordered(CustomProfileFieldsReordered {
            names: vec!["givenName".into(), "team".into()],
        }),
    ]);
}

#[test]
fn verification_code_events() {
    use domain::verification_code::*;
    check::<VerificationCode>(vec![
        VerificationCodeEvent::VerificationCodeSent(VerificationCodeSent {
            identifier_type: "email".into(),
            target: "5f2c0a".into(),
            usage: "SignIn".into(),
            code_digest: "9b1e44".into(),
            expires_at: later(600),
            max_attempts: 10,
        }),
        VerificationCodeEvent::VerificationCodeDeliveryFailed(VerificationCodeDeliveryFailed {
            reason: "no Email connector is configured".into(),
        }),
        VerificationCodeEvent::VerificationCodeFailed(VerificationCodeFailed {
            reason: CodeFailure::Mismatch,
            attempts: 1,
        }),
        VerificationCodeEvent::VerificationCodeVerified(VerificationCodeVerified {}),
    ]);
}

#[test]
fn pushed_request_events() {
    use domain::oauth::pushed_request::*;
    check::<PushedRequest>(vec![
        PushedRequestEvent::AuthorizationRequestPushed(AuthorizationRequestPushed {
            client_id: "web-app".into(),
            params: vec![
                ("response_type".into(), "code".into()),
                ("scope".into(), "openid".into()),
            ],
            expires_at: later(60),
        }),
        PushedRequestEvent::PushedRequestUsed(PushedRequestUsed {}),
    ]);
}

#[test]
fn subject_token_events() {
    use domain::oauth::subject_token::*;
    let mut context = serde_json::Map::new();
    context.insert("ticket".into(), serde_json::json!("T-42"));
    check::<SubjectToken>(vec![
        SubjectTokenEvent::SubjectTokenIssued(SubjectTokenIssued {
            user_id: "u1".into(),
            digest: digest("st"),
            context,
            expires_at: later(600),
        }),
        SubjectTokenEvent::SubjectTokenConsumed(SubjectTokenConsumed {
            client_id: "web-app".into(),
        }),
    ]);
}

#[test]
fn personal_access_token_events() {
    use domain::personal_access_tokens::*;
    check::<PersonalAccessTokens>(vec![
        PersonalAccessTokenEvent::PersonalAccessTokenCreated(PersonalAccessTokenCreated {
            name: "ci".into(),
            digest: digest("pat"),
            created_at: T,
            expires_at: Some(later(86_400)),
        }),
        PersonalAccessTokenEvent::PersonalAccessTokenRenamed(PersonalAccessTokenRenamed {
            from: "ci".into(),
            to: "build".into(),
        }),
        PersonalAccessTokenEvent::PersonalAccessTokenDeleted(PersonalAccessTokenDeleted {
            name: "build".into(),
        }),
    ]);
}

#[test]
fn device_authorization_events() {
    use domain::oauth::device_authorization::*;
    check::<DeviceAuthorization>(vec![
        DeviceAuthorizationEvent::DeviceAuthorizationRequested(DeviceAuthorizationRequested {
            client_id: "tv-app".into(),
            scopes: strings(&["openid", "offline_access"]),
            resources: strings(&["https://api.example.com"]),
            device_code: digest("device"),
            user_code: digest("BCDF-GHJK"),
            expires_at: later(600),
        }),
        DeviceAuthorizationEvent::DeviceAuthorizationApproved(DeviceAuthorizationApproved {
            user_id: "u1".into(),
            session_id: "sess1".into(),
            auth_time: T,
            scopes: strings(&["openid", "offline_access"]),
        }),
        DeviceAuthorizationEvent::DeviceAuthorizationDenied(DeviceAuthorizationDenied {
            user_id: "u1".into(),
        }),
        DeviceAuthorizationEvent::DeviceAuthorizationRedeemed(DeviceAuthorizationRedeemed {
            grant_id: "g1".into(),
        }),
    ]);
}

#[test]
fn code_sends_events() {
    use domain::code_sends::*;
    check::<CodeSends>(vec![CodeSendsEvent::VerificationCodeSendCounted(
        VerificationCodeSendCounted {
            verification_id: "0f3a9c".into(),
            at: T,
        },
    )]);
}

#[test]
fn oidc_config_events() {
    check::<OidcConfig>(vec![OidcConfigEvent::SessionTtlSet(SessionTtlSet {
        ttl: 1_209_600,
    })]);
}

#[test]
fn custom_phrases_events() {
    check::<CustomPhrases>(vec![
        CustomPhrasesEvent::CustomPhraseSet(CustomPhraseSet {
            language_tag: "fr".into(),
            translation: [("sign-in-title".to_owned(), "Connexion".to_owned())].into(),
        }),
        CustomPhrasesEvent::CustomPhraseDeleted(CustomPhraseDeleted {
            language_tag: "fr".into(),
        }),
    ]);
}

#[test]
fn client_credentials_events() {
    check::<ClientCredentialsToken>(vec![
        ClientCredentialsEvent::ClientCredentialsGranted(ClientCredentialsGranted {
            application_id: "m2m".into(),
            resource: "https://api.example.com".into(),
            scopes: strings(&["read", "write"]),
            expires_at: later(3600),
        }),
        ClientCredentialsEvent::ClientCredentialsRevoked(ClientCredentialsRevoked {
            application_id: "m2m".into(),
        }),
    ]);
}

fn refresh_token() -> Option<RefreshTokenIssued> {
    Some(RefreshTokenIssued {
        generation: 2,
        digest: digest("rt"),
        expires_at: later(14 * 86_400),
    })
}

#[test]
fn grant_events() {
    // RFC 7636 Appendix B.
    let challenge =
        CodeChallenge::parse("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", Some("S256")).unwrap();
    check::<Grant>(vec![
        GrantEvent::GrantIssued(GrantIssued {
            user_id: "u1".into(),
            client_id: "app1".into(),
            session_id: Some("sess1".into()),
            scopes: strings(&["openid", "offline_access"]),
            resources: strings(&["https://api.example.com"]),
            auth_time: T,
            nonce: Some("n-0S6_WzA2Mj".into()),
            code: Some(AuthorizationCode {
                digest: digest("code"),
                challenge: Some(challenge),
                redirect_uri: "https://app.example/cb".into(),
                expires_at: later(60),
            }),
            expires_at: later(180 * 86_400),
        }),
        GrantEvent::AuthorizationCodeRedeemed(AuthorizationCodeRedeemed {
            access_token: AccessTokenIssued::Opaque {
                digest: digest("at"),
                scopes: strings(&["openid"]),
                issued_at: T,
                expires_at: later(3600),
            },
            refresh_token: refresh_token(),
        }),
        GrantEvent::RefreshTokenRotated(RefreshTokenRotated {
            access_token: AccessTokenIssued::Jwt {
                jti: "j1".into(),
                audience: "https://api.example.com".into(),
                scopes: strings(&["read"]),
                issued_at: T,
                expires_at: later(3600),
            },
            refresh_token: refresh_token(),
        }),
        GrantEvent::AccessTokenRevoked(AccessTokenRevoked {
            digest: digest("at"),
        }),
        GrantEvent::ResourceTokenRevoked(ResourceTokenRevoked {
            jti: "j1".into(),
            expires_at: later(3600),
        }),
        GrantEvent::DeviceCodeRedeemed(DeviceCodeRedeemed {
            device_authorization_id: "d1".into(),
            access_token: AccessTokenIssued::Opaque {
                digest: digest("at"),
                scopes: strings(&["openid"]),
                issued_at: T,
                expires_at: later(3600),
            },
            refresh_token: refresh_token(),
        }),
        GrantEvent::GrantRevoked(GrantRevoked {
            reason: RevocationReason::GrantLimitExceeded,
            limit: Some(GrantLimitExceeded {
                user_id: "u1".into(),
                application_id: "app1".into(),
                max_allowed_grants: 2,
                pre_revocation_active_grant_count: 3,
                revoked_grant_ids: strings(&["g0"]),
            }),
        }),
        GrantEvent::TokenExchanged(TokenExchanged {
            access_token: AccessTokenIssued::Jwt {
                jti: "j2".into(),
                audience: "https://api.example.com".into(),
                scopes: strings(&["read"]),
                issued_at: T,
                expires_at: later(3600),
            },
            subject_token_type: SubjectTokenKind::ImpersonationToken,
            subject_token_id: "st1".into(),
            actor: Some("u2".into()),
        }),
    ]);
}

#[test]
fn session_events() {
    check::<Session>(vec![
        SessionEvent::SignedIn(SignedIn {
            user_id: "u1".into(),
            auth_time: T,
            ip: Some("192.0.2.1".into()),
            user_agent: Some("Mozilla/5.0".into()),
            client_id: "app1".into(),
            expires_at: later(14 * 86_400),
        }),
        SessionEvent::SignInFailed(SignInFailed {
            reason: SignInFailure::WrongPassword,
            user_id: Some("u1".into()),
            client_id: "app1".into(),
        }),
        SessionEvent::SignedOut(SignedOut {
            client_id: Some("app1".into()),
            reason: Some(SignOutReason::Revoked),
        }),
        SessionEvent::Expired(Expired {}),
    ]);
}

#[test]
fn sentinel_events() {
    check::<Sentinel>(vec![
        SentinelEvent::VerificationFailed(VerificationFailed {
            method: VerificationMethod::Password,
            at: T,
            user_id: Some("u1".into()),
        }),
        SentinelEvent::IdentifierLockedOut(IdentifierLockedOut {
            identifier_type: "email".into(),
            value: Some("alice@example.com".into()),
            user_id: Some("u1".into()),
            at: T,
            until: later(3600),
            failed_attempts: 100,
        }),
    ]);
}

#[test]
fn hook_events() {
    check::<Hook>(vec![
        HookEvent::HookCreated(HookCreated {
            name: "h".into(),
            events: strings(&["User.Created"]),
            url: "https://receiver.example/hook".into(),
            sealed_headers: Some("sealed-headers".into()),
            enabled: true,
            sealed_signing_key: "sealed-key".into(),
        }),
        HookEvent::HookUpdated(HookUpdated {
            name: "h2".into(),
            events: strings(&["User.Created", "PostSignIn"]),
            url: "https://receiver.example/hook2".into(),
            sealed_headers: None,
            enabled: false,
        }),
        HookEvent::HookSigningKeyRotated(HookSigningKeyRotated {
            sealed_signing_key: "sealed-key-2".into(),
        }),
        HookEvent::HookDisabledByReceiver(HookDisabledByReceiver {
            delivery_id: "d1".into(),
            status: 410,
        }),
        HookEvent::HookDeleted(HookDeleted {}),
    ]);
}

#[test]
fn connector_events() {
    check::<Connectors>(vec![
        ConnectorEvent::ConnectorCreated(ConnectorCreated {
            id: "c1".into(),
            factory_id: "simple-mail-transfer-protocol".into(),
            config: json!({"host": "smtp.example.com", "port": 587, "auth": {"user": "u", "pass": "******"}}),
            sealed_secrets: Some("sealed-secrets".into()),
            metadata: json!({}),
            created_at: T,
        }),
        ConnectorEvent::ConnectorUpdated(ConnectorUpdated {
            id: "c1".into(),
            config: json!({"host": "smtp2.example.com", "port": 465}),
            sealed_secrets: None,
            metadata: json!({"name": {"en": "Mail"}}),
        }),
        ConnectorEvent::ConnectorDeleted(ConnectorDeleted { id: "c1".into() }),
    ]);
}

#[test]
fn delivery_events() {
    check::<Delivery>(vec![
        DeliveryEvent::DeliveryAttempted(DeliveryAttempted {
            hook_id: "h1".into(),
            event_id: uuid_of("0190f5a0-0000-7000-8000-000000000001"),
            logto_event: "User.Created".into(),
            attempt: 1,
            subject: Some("u1".into()),
            request_body: Some("sealed-body".into()),
            status: Some(500),
            latency_ms: 12,
            response_excerpt: Some("oops".into()),
            error: None,
        }),
        DeliveryEvent::DeliverySucceeded(DeliverySucceeded {
            hook_id: "h1".into(),
            attempt: 2,
        }),
        DeliveryEvent::DeliveryExhausted(DeliveryExhausted {
            hook_id: "h1".into(),
            attempts: 10,
        }),
    ]);
}

fn uuid_of(text: &str) -> uuid::Uuid {
    uuid::Uuid::parse_str(text).unwrap()
}

#[test]
fn signing_key_events() {
    check::<SigningKeys>(vec![
        SigningKeyEvent::SigningKeyGenerated(SigningKeyGenerated {
            kid: "k1".into(),
            alg: SigningAlgorithm::ES384,
            public_jwk: object(json!({"kty": "EC", "crv": "P-384", "kid": "k1"})),
            sealed_private_key: "sealed-pkcs8".into(),
            created_at: T,
        }),
        SigningKeyEvent::SigningKeyActivated(SigningKeyActivated {
            kid: "k1".into(),
            primary: true,
        }),
        SigningKeyEvent::SigningKeyRetired(SigningKeyRetired {
            kid: "k1".into(),
            retired_at: T,
            expires_at: later(86_400),
        }),
        SigningKeyEvent::SigningKeyDeleted(SigningKeyDeleted { kid: "k1".into() }),
    ]);
}

#[test]
fn the_variant_list_is_read_from_serde() {
    let names = variants::<OidcConfigEvent>();
    assert_eq!(names, BTreeSet::from(["SessionTtlSet".to_owned()]));
    assert_eq!(variants::<UserEvent>().len(), 18);
}
