//! Token and session lifetimes, defaulting to Logto's (docs/logto/oidc.md#lifetimes).

use serde::{Deserialize, Serialize};

const DAY: u64 = 24 * 60 * 60;

/// Server-wide lifetimes in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Lifetimes {
    pub authorization_code: u64,
    pub access_token: u64,
    pub id_token: u64,
    pub refresh_token: u64,
    /// Upper bound on a whole refresh-token chain.
    pub grant: u64,
    pub session: u64,
    pub interaction: u64,
    /// A pushed authorization request's `request_uri` (RFC 9126 §2.2: short).
    pub pushed_request: u64,
    /// A device code (RFC 8628 §3.2 `expires_in`; Logto: 600 s).
    #[serde(default = "default_device_code")]
    pub device_code: u64,
}

fn default_device_code() -> u64 {
    crate::oauth::device_authorization::DEFAULT_TTL_SECS
}

impl Default for Lifetimes {
    fn default() -> Self {
        Self {
            authorization_code: 60,
            access_token: 3600,
            id_token: 3600,
            refresh_token: 14 * DAY,
            grant: 180 * DAY,
            session: 14 * DAY,
            interaction: 3600,
            pushed_request: 60,
            device_code: default_device_code(),
        }
    }
}

/// An application's overrides (`customClientMetadata`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientLifetimes {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token_ttl: Option<u64>,
    /// 1–180 days; takes precedence over the legacy seconds field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token_ttl_in_days: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token_ttl: Option<u64>,
}

impl Lifetimes {
    pub fn id_token_for(&self, client: &ClientLifetimes) -> u64 {
        client.id_token_ttl.unwrap_or(self.id_token)
    }

    pub fn refresh_token_for(&self, client: &ClientLifetimes) -> u64 {
        client
            .refresh_token_ttl_in_days
            .map(|d| d.clamp(1, 180) * DAY)
            .or(client.refresh_token_ttl)
            .unwrap_or(self.refresh_token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_logtos() {
        let l = Lifetimes::default();
        assert_eq!(l.authorization_code, 60);
        assert_eq!(l.refresh_token, 1_209_600);
        assert_eq!(l.grant, 15_552_000);
        assert_eq!(l.session, 1_209_600);
    }

    #[test]
    fn client_overrides_win_and_days_take_precedence_and_clamp() {
        let l = Lifetimes::default();
        let c = ClientLifetimes {
            id_token_ttl: Some(600),
            refresh_token_ttl_in_days: Some(365),
            refresh_token_ttl: Some(10),
        };
        assert_eq!(l.id_token_for(&c), 600);
        assert_eq!(l.refresh_token_for(&c), 180 * DAY);
        let legacy = ClientLifetimes {
            refresh_token_ttl: Some(10),
            ..Default::default()
        };
        assert_eq!(l.refresh_token_for(&legacy), 10);
        assert_eq!(l.refresh_token_for(&ClientLifetimes::default()), 14 * DAY);
    }
}
