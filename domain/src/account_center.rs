//! The `AccountCenter` aggregate: which parts of their account end users may see and
//! change through the Account API (Logto's account-center settings, `GET/PATCH
//! /api/account-center`). One stream, `account-center/default`.
//!
//! Secure by default, as Logto: the Account API is disabled and every field is `Off`
//! until an operator opens what their users may manage. A leaked end-user token then
//! cannot change a password or revoke sessions on a deployment that never meant to offer
//! self-service.

use crate::aggregate::{Aggregate, CommandContext};
use crate::event::DomainEvent;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const STREAM_ID: &str = "default";

/// Logto's account-center fields.
pub const FIELDS: &[&str] = &[
    "name",
    "avatar",
    "profile",
    "email",
    "phone",
    "password",
    "username",
    "social",
    "customData",
    "mfa",
    "passkey",
    "session",
    "trustedDevice",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Permission {
    #[default]
    Off,
    ReadOnly,
    Edit,
}

impl Permission {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "Off" => Some(Self::Off),
            "ReadOnly" => Some(Self::ReadOnly),
            "Edit" => Some(Self::Edit),
            _ => None,
        }
    }
}

/// The settings after a change (the event carries the whole state: it is small, and a
/// reader needs no earlier event to know what was allowed when).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountCenterChanged {
    pub enabled: bool,
    pub fields: BTreeMap<String, Permission>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum AccountCenterEvent {
    AccountCenterChanged(AccountCenterChanged),
}

impl DomainEvent for AccountCenterEvent {
    fn event_type(&self) -> &'static str {
        match self {
            Self::AccountCenterChanged(_) => "AccountCenterChanged",
        }
    }

    fn schema_version(_event_type: &str) -> u32 {
        1
    }

    crate::tagged_payload_codec!();
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AccountCenter {
    pub enabled: bool,
    fields: BTreeMap<String, Permission>,
}

impl AccountCenter {
    /// The permission of `field` (`Off` unless set).
    pub fn field(&self, field: &str) -> Permission {
        self.fields.get(field).copied().unwrap_or_default()
    }

    /// Every Logto field with its permission.
    pub fn fields(&self) -> BTreeMap<String, Permission> {
        FIELDS
            .iter()
            .map(|f| ((*f).to_owned(), self.field(f)))
            .collect()
    }
}

pub struct UpdateAccountCenter {
    pub enabled: Option<bool>,
    /// Fields to change; the others keep their permission.
    pub fields: BTreeMap<String, Permission>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountCenterError {
    #[error("fields.{0}: unknown field")]
    UnknownField(String),
}

/// Cacheable: its state holds settings only.
impl crate::aggregate::NoPersonalData for AccountCenter {}

impl Aggregate for AccountCenter {
    const STREAM_TYPE: &'static str = "account-center";
    type Event = AccountCenterEvent;
    type Command = UpdateAccountCenter;
    type Error = AccountCenterError;

    fn apply(&mut self, event: &AccountCenterEvent) {
        match event {
            AccountCenterEvent::AccountCenterChanged(e) => {
                self.enabled = e.enabled;
                self.fields = e.fields.clone();
            }
        }
    }

    fn handle(
        &self,
        command: UpdateAccountCenter,
        _ctx: &CommandContext,
    ) -> Result<Vec<AccountCenterEvent>, AccountCenterError> {
        if let Some(unknown) = command
            .fields
            .keys()
            .find(|f| !FIELDS.contains(&f.as_str()))
        {
            return Err(AccountCenterError::UnknownField(unknown.clone()));
        }
        let mut fields = self.fields.clone();
        fields.extend(command.fields);
        let enabled = command.enabled.unwrap_or(self.enabled);
        if enabled == self.enabled && fields == self.fields {
            return Ok(vec![]);
        }
        Ok(vec![AccountCenterEvent::AccountCenterChanged(
            AccountCenterChanged { enabled, fields },
        )])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::given;

    #[test]
    fn everything_is_off_until_opened_and_unknown_fields_are_refused() {
        let center = given::<AccountCenter>([]);
        assert!(!center.enabled);
        assert!(center.fields().values().all(|p| *p == Permission::Off));
        let open_name = UpdateAccountCenter {
            enabled: Some(true),
            fields: [("name".to_owned(), Permission::Edit)].into(),
        };
        let mut after = center.fields.clone();
        after.insert("name".to_owned(), Permission::Edit);
        let center = center
            .when(open_name)
            .then([AccountCenterEvent::AccountCenterChanged(
                AccountCenterChanged {
                    enabled: true,
                    fields: after,
                },
            )]);
        assert!(center.enabled);
        assert_eq!(center.field("name"), Permission::Edit);
        assert_eq!(center.field("password"), Permission::Off);
        let unknown = UpdateAccountCenter {
            enabled: None,
            fields: [("shoeSize".to_owned(), Permission::Edit)].into(),
        };
        let same = UpdateAccountCenter {
            enabled: Some(true),
            fields: BTreeMap::new(),
        };
        center
            .when(unknown)
            .then_error(AccountCenterError::UnknownField("shoeSize".into()))
            .when(same)
            .then_nothing();
    }
}
