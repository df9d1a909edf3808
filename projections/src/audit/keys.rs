//! Which Logto log key and result an event gets.
//!
//! Two layers: a table of the events Logto has keys for (sign-in, token exchanges,
//! revocations, webhook deliveries), and under it a rule that names every other event from
//! its envelope alone, so an event type added tomorrow is audited without a code change:
//! `<Entity>.<Action>`, where the entity is the stream type in PascalCase and the action
//! is the event type without the entity's name (`role`/`RoleCreated` → `Role.Created`),
//! prefixed `ManagementApi.` when an application acting through the Management API caused
//! it (`ManagementApi.Role.Created`). The full mapping is documented in the README.

use domain::Actor;
use serde_json::{json, Value};

/// Logto's `payload.result`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Error,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "Success",
            Self::Error => "Error",
        }
    }
}

/// The key, result and (for errors) Logto's `error` object of one event.
#[derive(Debug, Clone, PartialEq)]
pub struct Classification {
    pub key: String,
    pub outcome: Outcome,
    pub error: Option<Value>,
}

/// Logto keys of webhook deliveries start with this; `/api/logs` leaves them out.
pub const TRIGGER_HOOK_PREFIX: &str = "TriggerHook.";

/// The prefix of management operations done with a Management API token.
pub const MANAGEMENT_PREFIX: &str = "ManagementApi.";

pub fn classify(
    stream_type: &str,
    event_type: &str,
    actor: &Actor,
    payload: &Value,
) -> Classification {
    let text = |field: &str| payload.get(field).and_then(Value::as_str);
    let success = |key: &str| Classification {
        key: key.to_owned(),
        outcome: Outcome::Success,
        error: None,
    };
    match (stream_type, event_type) {
        ("session", "SignedIn") => success("Interaction.SignIn.Submit"),
        ("session", "SignInFailed") => {
            let reason = text("reason").unwrap_or("unknown");
            let code = match reason {
                "suspended" => "user.suspended",
                _ => "session.invalid_credentials",
            };
            Classification {
                key: "Interaction.SignIn.Submit".into(),
                outcome: Outcome::Error,
                error: Some(json!({ "code": code, "reason": reason })),
            }
        }
        ("grant", "AuthorizationCodeRedeemed") => success("ExchangeTokenBy.AuthorizationCode"),
        ("grant", "RefreshTokenRotated") => success("ExchangeTokenBy.RefreshToken"),
        ("grant", "TokenExchanged") => success("ExchangeTokenBy.TokenExchange"),
        ("client-credentials", "ClientCredentialsGranted") => {
            success("ExchangeTokenBy.ClientCredentials")
        }
        ("grant", "AccessTokenRevoked") => success("RevokeToken"),
        // A client revoking its own token (RFC 7009) is Logto's RevokeToken; every other
        // end of a grant (replay detection, logout, an administrator, the grant limit) is
        // RevokeGrants, with the reason in the payload.
        ("grant", "GrantRevoked") if text("reason") == Some("clientRevoked") => {
            success("RevokeToken")
        }
        ("grant", "GrantRevoked") => success("RevokeGrants"),
        ("hook-delivery", _) => hook_delivery(event_type, payload),
        _ => Classification {
            key: generic_key(stream_type, event_type, actor),
            outcome: generic_outcome(event_type),
            error: generic_outcome_error(event_type, payload),
        },
    }
}

/// Logto's `TriggerHook.<Event>` (e.g. `TriggerHook.PostSignIn`).
fn hook_delivery(event_type: &str, payload: &Value) -> Classification {
    let hook_event = payload
        .get("logtoEvent")
        .and_then(Value::as_str)
        .unwrap_or(event_type);
    let delivered = match event_type {
        "DeliverySucceeded" => true,
        "DeliveryAttempted" => payload
            .get("status")
            .and_then(Value::as_u64)
            .is_some_and(|s| (200..300).contains(&s)),
        _ => false,
    };
    let error = payload.get("error").filter(|e| !e.is_null());
    Classification {
        key: format!("{TRIGGER_HOOK_PREFIX}{hook_event}"),
        outcome: if delivered {
            Outcome::Success
        } else {
            Outcome::Error
        },
        error: if delivered {
            None
        } else {
            Some(json!({ "message": error.cloned().unwrap_or_else(|| event_type.into()) }))
        },
    }
}

/// Events whose name says something went wrong are errors.
fn generic_outcome(event_type: &str) -> Outcome {
    if ["Failed", "Exhausted", "Rejected"]
        .iter()
        .any(|s| event_type.ends_with(s))
    {
        Outcome::Error
    } else {
        Outcome::Success
    }
}

fn generic_outcome_error(event_type: &str, payload: &Value) -> Option<Value> {
    match generic_outcome(event_type) {
        Outcome::Success => None,
        Outcome::Error => Some(json!({
            "reason": payload.get("reason").cloned().unwrap_or_else(|| event_type.into())
        })),
    }
}

/// `<Entity>.<Action>`, prefixed for Management API callers.
pub fn generic_key(stream_type: &str, event_type: &str, actor: &Actor) -> String {
    let entity = pascal_case(stream_type);
    let action = strip_entity(&entity, event_type);
    let prefix = match actor {
        Actor::Application(_) => MANAGEMENT_PREFIX,
        Actor::User(_) | Actor::System => "",
    };
    format!("{prefix}{entity}.{action}")
}

/// `client-credentials` → `ClientCredentials`.
fn pascal_case(stream_type: &str) -> String {
    stream_type
        .split(['-', '_', '.'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
                None => String::new(),
            }
        })
        .collect()
}

/// `RoleCreated` → `Created` for entity `Role`; `SigningKeyGenerated` → `Generated` for
/// `SigningKeys`; an event type that does not start with the entity's name is kept whole.
fn strip_entity<'a>(entity: &str, event_type: &'a str) -> &'a str {
    let singular = entity.strip_suffix('s').unwrap_or(entity);
    for name in [entity, singular] {
        if let Some(rest) = event_type.strip_prefix(name) {
            if rest.starts_with(|c: char| c.is_ascii_uppercase()) {
                return rest;
            }
        }
    }
    event_type
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app() -> Actor {
        Actor::Application("m2m".into())
    }

    #[test]
    fn logto_keys_for_the_events_logto_knows() {
        let none = json!({});
        let key = |s, e, p: &Value| classify(s, e, &Actor::System, p).key;
        assert_eq!(
            key("session", "SignedIn", &none),
            "Interaction.SignIn.Submit"
        );
        assert_eq!(
            key("grant", "RefreshTokenRotated", &none),
            "ExchangeTokenBy.RefreshToken"
        );
        assert_eq!(
            key("client-credentials", "ClientCredentialsGranted", &none),
            "ExchangeTokenBy.ClientCredentials"
        );
        assert_eq!(
            key("grant", "GrantRevoked", &json!({"reason": "clientRevoked"})),
            "RevokeToken"
        );
        assert_eq!(
            key(
                "grant",
                "GrantRevoked",
                &json!({"reason": "grantLimitExceeded"})
            ),
            "RevokeGrants"
        );
        let failed = classify(
            "session",
            "SignInFailed",
            &Actor::System,
            &json!({"reason": "wrongPassword"}),
        );
        assert_eq!(failed.outcome, Outcome::Error);
        assert_eq!(failed.error.unwrap()["reason"], "wrongPassword");
    }

    #[test]
    fn unknown_events_get_keys_from_their_envelope() {
        assert_eq!(
            generic_key("role", "RoleCreated", &app()),
            "ManagementApi.Role.Created"
        );
        assert_eq!(
            generic_key("user", "UserRolesAssigned", &Actor::System),
            "User.RolesAssigned"
        );
        assert_eq!(
            generic_key("signing-keys", "SigningKeyGenerated", &Actor::System),
            "SigningKeys.Generated"
        );
        assert_eq!(
            generic_key(
                "future-thing",
                "SomethingHappened",
                &Actor::User("u".into())
            ),
            "FutureThing.SomethingHappened"
        );
        // A prefix that is not a whole word is not stripped.
        assert_eq!(
            generic_key("user", "Username", &Actor::System),
            "User.Username"
        );
        let c = classify("hook", "HookCallFailed", &Actor::System, &json!({}));
        assert_eq!(c.outcome, Outcome::Error);
    }

    #[test]
    fn hook_deliveries_are_trigger_hook_keys() {
        let c = classify(
            "hook-delivery",
            "DeliveryAttempted",
            &Actor::System,
            &json!({"logtoEvent": "PostSignIn", "status": 500}),
        );
        assert_eq!(c.key, "TriggerHook.PostSignIn");
        assert_eq!(c.outcome, Outcome::Error);
        let ok = classify(
            "hook-delivery",
            "DeliveryAttempted",
            &Actor::System,
            &json!({"logtoEvent": "PostSignIn", "status": 204}),
        );
        assert_eq!(ok.outcome, Outcome::Success);
    }
}
