//! Logto's webhook event names and which of Tessera's logged events produce them.
//!
//! Pure: it looks at an event's stream type, type and payload, plus one fact only the
//! event's history knows (whether a resource scope existed before; Tessera records a
//! scope's creation and its edits as the same `ResourceScopeDefined`).
//!
//! Not produced (nothing in Tessera logs them yet): `PostResetPassword` (no password
//! reset flow), `PostSignInAdaptiveMfaTriggered` (no MFA), `Message.RateLimited` (no messaging), the `Organization*` events (no
//! organizations) and the dev-feature `TrustedDevice.*`. They can be subscribed to, as in
//! Logto, and fire once the events behind them exist.

use serde_json::Value;

pub const POST_REGISTER: &str = "PostRegister";
pub const POST_SIGN_IN: &str = "PostSignIn";
pub const USER_CREATED: &str = "User.Created";
pub const USER_DELETED: &str = "User.Deleted";
pub const USER_DATA_UPDATED: &str = "User.Data.Updated";
pub const USER_SUSPENSION_UPDATED: &str = "User.SuspensionStatus.Updated";
pub const ROLE_CREATED: &str = "Role.Created";
pub const ROLE_DELETED: &str = "Role.Deleted";
pub const ROLE_DATA_UPDATED: &str = "Role.Data.Updated";
pub const ROLE_SCOPES_UPDATED: &str = "Role.Scopes.Updated";
pub const SCOPE_CREATED: &str = "Scope.Created";
pub const SCOPE_DELETED: &str = "Scope.Deleted";
pub const SCOPE_DATA_UPDATED: &str = "Scope.Data.Updated";
pub const GRANT_LIMIT_EXCEEDED: &str = "Grant.LimitExceeded";
pub const IDENTIFIER_LOCKOUT: &str = "Identifier.Lockout";

/// Every event name a hook may subscribe to (Logto's registrable list).
pub const ALL: &[&str] = &[
    POST_REGISTER,
    POST_SIGN_IN,
    "PostSignInAdaptiveMfaTriggered",
    "PostResetPassword",
    USER_CREATED,
    USER_DELETED,
    USER_DATA_UPDATED,
    USER_SUSPENSION_UPDATED,
    ROLE_CREATED,
    ROLE_DELETED,
    ROLE_DATA_UPDATED,
    ROLE_SCOPES_UPDATED,
    SCOPE_CREATED,
    SCOPE_DELETED,
    SCOPE_DATA_UPDATED,
    "Organization.Created",
    "Organization.Deleted",
    "Organization.Data.Updated",
    "Organization.Membership.Updated",
    "OrganizationRole.Created",
    "OrganizationRole.Deleted",
    "OrganizationRole.Data.Updated",
    "OrganizationRole.Scopes.Updated",
    "OrganizationScope.Created",
    "OrganizationScope.Deleted",
    "OrganizationScope.Data.Updated",
    IDENTIFIER_LOCKOUT,
    "Message.RateLimited",
    GRANT_LIMIT_EXCEEDED,
    "TrustedDevice.Created",
    "TrustedDevice.Deleted",
];

pub fn is_known(name: &str) -> bool {
    ALL.contains(&name)
}

/// Interaction events (`PostRegister`, `PostSignIn`) carry the interaction fields in
/// their payload; the others are data or exception events.
pub fn is_interaction(name: &str) -> bool {
    name.starts_with("Post")
}

/// Every Tessera `event_type` for which [`logto_events`] can return something (with the
/// stream type it lives on): a transport may ignore all other events. Event type names are
/// unique across aggregates.
pub const SOURCE_EVENT_TYPES: &[(&str, &str)] = &[
    ("user", "UserCreated"),
    ("user", "UserDetailsUpdated"),
    ("user", "UserCustomDataUpdated"),
    ("user", "UserPasswordSet"),
    ("user", "UserSuspended"),
    ("user", "UserUnsuspended"),
    ("user", "UserDeleted"),
    ("session", "SignedIn"),
    ("role", "RoleCreated"),
    ("role", "RoleUpdated"),
    ("role", "RoleScopesAdded"),
    ("role", "RoleScopeRemoved"),
    ("role", "RoleDeleted"),
    ("resource", "ResourceScopeDefined"),
    ("resource", "ResourceScopeDeleted"),
    ("grant", "GrantRevoked"),
    ("sentinel", "IdentifierLockedOut"),
];

/// A logged event, as much as the mapping needs of it.
#[derive(Debug, Clone, Copy)]
pub struct LoggedEvent<'a> {
    pub stream_type: &'a str,
    pub stream_id: &'a str,
    pub event_type: &'a str,
    pub payload: &'a Value,
    /// For `resource`/`ResourceScopeDefined` only: whether the scope existed before this
    /// event (then it is an edit). Ignored otherwise.
    pub scope_existed: bool,
}

/// Whether [`logto_events`] needs [`LoggedEvent::scope_existed`] for this event.
pub fn needs_scope_history(stream_type: &str, event_type: &str) -> bool {
    stream_type == "resource" && event_type == "ResourceScopeDefined"
}

/// The Logto events `event` produces, in the order Logto would fire them.
pub fn logto_events(event: &LoggedEvent<'_>) -> Vec<&'static str> {
    let payload = event.payload;
    match (event.stream_type, event.event_type) {
        ("user", "UserCreated") => {
            // A user created with an application registered through the sign-in
            // experience; administrators create users without one.
            let registered = payload
                .get("applicationId")
                .is_some_and(|v| v.as_str().is_some());
            if registered {
                vec![POST_REGISTER, USER_CREATED]
            } else {
                vec![USER_CREATED]
            }
        }
        ("user", "UserDetailsUpdated" | "UserCustomDataUpdated" | "UserPasswordSet") => {
            vec![USER_DATA_UPDATED]
        }
        ("user", "UserSuspended" | "UserUnsuspended") => vec![USER_SUSPENSION_UPDATED],
        ("user", "UserDeleted") => vec![USER_DELETED],
        ("session", "SignedIn") => vec![POST_SIGN_IN],
        ("role", "RoleCreated") => vec![ROLE_CREATED],
        ("role", "RoleUpdated") => vec![ROLE_DATA_UPDATED],
        ("role", "RoleScopesAdded" | "RoleScopeRemoved") => vec![ROLE_SCOPES_UPDATED],
        ("role", "RoleDeleted") => vec![ROLE_DELETED],
        ("resource", "ResourceScopeDefined") if event.scope_existed => vec![SCOPE_DATA_UPDATED],
        ("resource", "ResourceScopeDefined") => vec![SCOPE_CREATED],
        ("resource", "ResourceScopeDeleted") => vec![SCOPE_DELETED],
        ("grant", "GrantRevoked") => {
            // One limit decision revokes several grants, each on its own stream with the
            // same `limit`; Logto fires once per decision, so only the first revoked
            // grant's event maps.
            let first = payload
                .pointer("/limit/revokedGrantIds/0")
                .and_then(Value::as_str);
            if first == Some(event.stream_id) {
                vec![GRANT_LIMIT_EXCEEDED]
            } else {
                vec![]
            }
        }
        ("sentinel", "IdentifierLockedOut") => vec![IDENTIFIER_LOCKOUT],
        _ => vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(stream_type: &str, event_type: &str, payload: Value) -> Vec<&'static str> {
        logto_events(&LoggedEvent {
            stream_type,
            stream_id: "g1",
            event_type,
            payload: &payload,
            scope_existed: false,
        })
    }

    #[test]
    fn registration_through_an_app_is_also_post_register() {
        assert_eq!(map("user", "UserCreated", json!({})), vec![USER_CREATED]);
        assert_eq!(
            map("user", "UserCreated", json!({"applicationId": "app"})),
            vec![POST_REGISTER, USER_CREATED]
        );
    }

    #[test]
    fn a_grant_limit_fires_once_per_decision() {
        let limit = |ids: &[&str]| json!({"reason": "grantLimitExceeded", "limit": {"revokedGrantIds": ids}});
        assert_eq!(
            map("grant", "GrantRevoked", limit(&["g1", "g2"])),
            vec![GRANT_LIMIT_EXCEEDED]
        );
        assert!(map("grant", "GrantRevoked", limit(&["g0", "g1"])).is_empty());
        assert!(map("grant", "GrantRevoked", json!({"reason": "revoked"})).is_empty());
    }

    #[test]
    fn source_event_types_are_exactly_the_mapped_ones() {
        // A payload under which every source type maps (GrantRevoked needs its limit).
        let payload = json!({"limit": {"revokedGrantIds": ["g1"]}});
        for (stream_type, event_type) in SOURCE_EVENT_TYPES {
            assert!(
                !map(stream_type, event_type, payload.clone()).is_empty(),
                "{event_type} is listed but maps to nothing"
            );
        }
        for (stream_type, event_type) in [
            ("grant", "GrantIssued"),
            ("grant", "RefreshTokenRotated"),
            ("session", "SignInFailed"),
            ("session", "SignedOut"),
            ("user", "UserRolesAssigned"),
            ("application", "ApplicationCreated"),
            ("resource", "ResourceCreated"),
            ("hook", "HookCreated"),
            ("hook-delivery", "DeliveryAttempted"),
            ("client-credentials", "ClientCredentialsGranted"),
            ("sentinel", "VerificationFailed"),
        ] {
            assert!(SOURCE_EVENT_TYPES.iter().all(|(_, t)| *t != event_type));
            assert!(map(stream_type, event_type, payload.clone()).is_empty());
        }
    }

    #[test]
    fn every_produced_name_is_registrable() {
        for name in [
            POST_REGISTER,
            POST_SIGN_IN,
            USER_SUSPENSION_UPDATED,
            SCOPE_DATA_UPDATED,
            GRANT_LIMIT_EXCEEDED,
            IDENTIFIER_LOCKOUT,
        ] {
            assert!(is_known(name));
        }
        assert!(map("hook", "HookCreated", json!({})).is_empty());
    }
}
