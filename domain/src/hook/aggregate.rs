//! The `Hook` aggregate: a receiver's URL, the Logto events it subscribes to, custom
//! headers, whether it is enabled, and its signing key. Headers and key are secrets: the
//! caller seals them under the KEK, the aggregate validates the plain headers it is given
//! and keeps only the sealed form.

use super::events::*;
use super::logto_events;
use crate::aggregate::{Aggregate, CommandContext};

/// What an administrator sets on a hook (checked by [`HookSettings::check`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookSettings {
    pub name: String,
    pub events: Vec<String>,
    pub url: String,
    pub headers: Headers,
    pub enabled: bool,
}

/// Custom headers as given (validated here) and sealed by the caller (stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedHeaders {
    pub plain: Headers,
    /// `None` when `plain` is empty.
    pub sealed: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookState {
    pub name: String,
    pub events: Vec<String>,
    pub url: String,
    pub enabled: bool,
    pub sealed_headers: Option<String>,
    pub sealed_signing_key: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Hook {
    #[default]
    New,
    Active(Box<HookState>),
    Deleted,
}

pub enum HookCommand {
    /// The key is generated and sealed by the caller (randomness and the KEK are outside
    /// the domain).
    Create {
        /// `settings.headers` must be what `sealed_headers` seals.
        settings: HookSettings,
        sealed_headers: Option<String>,
        sealed_signing_key: String,
    },
    Update {
        name: Option<String>,
        events: Option<Vec<String>>,
        url: Option<String>,
        headers: Option<SealedHeaders>,
        enabled: Option<bool>,
    },
    RotateSigningKey {
        sealed_signing_key: String,
    },
    /// A delivery got `410 Gone`. Idempotent: a disabled or deleted hook stays as it is.
    DisableByReceiver {
        delivery_id: String,
        status: u16,
    },
    Delete,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HookError {
    #[error("hook not found")]
    NotFound,
    #[error("hook already exists")]
    AlreadyExists,
    #[error("name must be at most 256 characters")]
    NameTooLong,
    #[error("at least one event is required")]
    NoEvents,
    #[error("unknown event {0:?}")]
    UnknownEvent(String),
    #[error("{0}")]
    InvalidUrl(String),
    #[error("invalid header {0:?}")]
    InvalidHeader(String),
    #[error("header {0:?} frames the request or is hop-by-hop; it cannot be a custom header")]
    ReservedHeader(String),
}

impl HookError {
    /// The request field a validation error is about.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::NameTooLong => Some("name"),
            Self::NoEvents | Self::UnknownEvent(_) => Some("events"),
            Self::InvalidUrl(_) => Some("config.url"),
            Self::InvalidHeader(_) | Self::ReservedHeader(_) => Some("config.headers"),
            Self::NotFound | Self::AlreadyExists => None,
        }
    }
}

/// Syntax only: an absolute http(s) URL with a host and no credentials. Whether the host
/// resolves to an address a hook may reach is decided where DNS is (the delivery core).
pub fn check_url(url: &str) -> Result<(), HookError> {
    let parsed = url::Url::parse(url).map_err(|e| HookError::InvalidUrl(e.to_string()))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(HookError::InvalidUrl("must be an http or https URL".into()));
    }
    if parsed.host().is_none() {
        return Err(HookError::InvalidUrl("must name a host".into()));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(HookError::InvalidUrl("must not carry credentials".into()));
    }
    Ok(())
}

/// Headers the HTTP client owns: framing (a `content-length: 5` truncated the delivered
/// body), routing (`host`), the body's coding, and the hop-by-hop headers of RFC 9110
/// §7.6.1. A custom header may not set them; the sender also drops them, for hooks stored
/// before this rule.
const RESERVED_HEADERS: [&str; 13] = [
    "host",
    "content-length",
    "transfer-encoding",
    "content-encoding",
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "upgrade",
    "expect",
];

/// Whether `name` (any case) is a header a hook's custom headers may not set.
pub fn is_reserved_header(name: &str) -> bool {
    RESERVED_HEADERS
        .iter()
        .any(|reserved| reserved.eq_ignore_ascii_case(name))
}

/// RFC 9110 token characters for names; values must be visible ASCII or spaces/tabs; no
/// framing or hop-by-hop header ([`is_reserved_header`]).
fn check_headers(headers: &Headers) -> Result<(), HookError> {
    for (name, value) in headers {
        if is_reserved_header(name) {
            return Err(HookError::ReservedHeader(name.clone()));
        }
        let name_ok = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
        let value_ok = value
            .bytes()
            .all(|b| b == b'\t' || (b' '..=b'~').contains(&b));
        if !name_ok || !value_ok {
            return Err(HookError::InvalidHeader(name.clone()));
        }
    }
    Ok(())
}

/// The first header of `headers` a custom header map may not hold (same rules as a
/// hook's headers), if any.
pub fn invalid_header(headers: &Headers) -> Option<String> {
    match check_headers(headers) {
        Err(HookError::ReservedHeader(name) | HookError::InvalidHeader(name)) => Some(name),
        _ => None,
    }
}

impl HookSettings {
    pub fn check(&self) -> Result<(), HookError> {
        if self.name.chars().count() > 256 {
            return Err(HookError::NameTooLong);
        }
        if self.events.is_empty() {
            return Err(HookError::NoEvents);
        }
        if let Some(unknown) = self.events.iter().find(|e| !logto_events::is_known(e)) {
            return Err(HookError::UnknownEvent(unknown.clone()));
        }
        check_url(&self.url)?;
        check_headers(&self.headers)
    }

    /// Events deduplicated, first occurrence kept.
    fn normalised(mut self) -> Self {
        let mut seen = Vec::with_capacity(self.events.len());
        self.events.retain(|e| {
            let new = !seen.contains(e);
            if new {
                seen.push(e.clone());
            }
            new
        });
        self
    }
}

impl Hook {
    pub fn state(&self) -> Option<&HookState> {
        match self {
            Self::Active(s) => Some(s),
            _ => None,
        }
    }

    fn live(&self) -> Result<&HookState, HookError> {
        self.state().ok_or(HookError::NotFound)
    }
}

impl Aggregate for Hook {
    const STREAM_TYPE: &'static str = "hook";
    type Event = HookEvent;
    type Command = HookCommand;
    type Error = HookError;

    fn apply(&mut self, event: &HookEvent) {
        match (event, &mut *self) {
            (HookEvent::HookCreated(e), _) => {
                *self = Self::Active(Box::new(HookState {
                    name: e.name.clone(),
                    events: e.events.clone(),
                    url: e.url.clone(),
                    enabled: e.enabled,
                    sealed_headers: e.sealed_headers.clone(),
                    sealed_signing_key: e.sealed_signing_key.clone(),
                }))
            }
            (HookEvent::HookUpdated(e), Self::Active(s)) => {
                s.name = e.name.clone();
                s.events = e.events.clone();
                s.url = e.url.clone();
                s.enabled = e.enabled;
                s.sealed_headers = e.sealed_headers.clone();
            }
            (HookEvent::HookSigningKeyRotated(e), Self::Active(s)) => {
                s.sealed_signing_key = e.sealed_signing_key.clone()
            }
            (HookEvent::HookDisabledByReceiver(_), Self::Active(s)) => s.enabled = false,
            (HookEvent::HookDeleted(_), _) => *self = Self::Deleted,
            _ => {}
        }
    }

    fn handle(
        &self,
        command: HookCommand,
        _ctx: &CommandContext,
    ) -> Result<Vec<HookEvent>, HookError> {
        let event = match command {
            HookCommand::Create {
                settings,
                sealed_headers,
                sealed_signing_key,
            } => {
                if !matches!(self, Self::New) {
                    return Err(HookError::AlreadyExists);
                }
                settings.check()?;
                let s = settings.normalised();
                HookEvent::HookCreated(HookCreated {
                    name: s.name,
                    events: s.events,
                    url: s.url,
                    sealed_headers: if s.headers.is_empty() {
                        None
                    } else {
                        sealed_headers
                    },
                    enabled: s.enabled,
                    sealed_signing_key,
                })
            }
            HookCommand::Update {
                name,
                events,
                url,
                headers,
                enabled,
            } => {
                let current = self.live()?;
                let (plain, sealed_headers) = match headers {
                    // Sealing is randomised: new headers are a change even if equal.
                    Some(h) => {
                        let sealed = if h.plain.is_empty() { None } else { h.sealed };
                        (h.plain, sealed)
                    }
                    None => (Headers::new(), current.sealed_headers.clone()),
                };
                let headers_changed = sealed_headers != current.sealed_headers;
                let next = HookSettings {
                    name: name.unwrap_or_else(|| current.name.clone()),
                    events: events.unwrap_or_else(|| current.events.clone()),
                    url: url.unwrap_or_else(|| current.url.clone()),
                    headers: plain,
                    enabled: enabled.unwrap_or(current.enabled),
                };
                next.check()?;
                let next = next.normalised();
                let unchanged = next.name == current.name
                    && next.events == current.events
                    && next.url == current.url
                    && next.enabled == current.enabled
                    && !headers_changed;
                if unchanged {
                    return Ok(vec![]);
                }
                HookEvent::HookUpdated(HookUpdated {
                    name: next.name,
                    events: next.events,
                    url: next.url,
                    sealed_headers,
                    enabled: next.enabled,
                })
            }
            HookCommand::RotateSigningKey { sealed_signing_key } => {
                self.live()?;
                HookEvent::HookSigningKeyRotated(HookSigningKeyRotated { sealed_signing_key })
            }
            HookCommand::DisableByReceiver {
                delivery_id,
                status,
            } => match self.state() {
                Some(s) if s.enabled => HookEvent::HookDisabledByReceiver(HookDisabledByReceiver {
                    delivery_id,
                    status,
                }),
                _ => return Ok(vec![]),
            },
            HookCommand::Delete => {
                self.live()?;
                HookEvent::HookDeleted(HookDeleted {})
            }
        };
        Ok(vec![event])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::given;

    fn settings(events: &[&str], url: &str) -> HookSettings {
        HookSettings {
            name: "h".into(),
            events: events.iter().map(|e| e.to_string()).collect(),
            url: url.into(),
            headers: Headers::new(),
            enabled: true,
        }
    }

    fn create(s: HookSettings) -> HookCommand {
        HookCommand::Create {
            settings: s,
            sealed_headers: None,
            sealed_signing_key: "sealed".into(),
        }
    }

    fn created(events: &[&str], url: &str, sealed_headers: Option<&str>, key: &str) -> HookEvent {
        HookEvent::HookCreated(HookCreated {
            name: "h".into(),
            events: events.iter().map(|e| e.to_string()).collect(),
            url: url.into(),
            sealed_headers: sealed_headers.map(Into::into),
            enabled: true,
            sealed_signing_key: key.into(),
        })
    }

    #[test]
    fn creation_checks_events_and_url() {
        let h = given::<Hook>([])
            .when(create(settings(&[], "https://a.example")))
            .then_error(HookError::NoEvents)
            .when(create(settings(&["User.Nope"], "https://a.example")))
            .then_error(HookError::UnknownEvent("User.Nope".into()))
            .when(create(settings(&["User.Created"], "ftp://a.example")))
            .then_error_matching(|e| matches!(e, HookError::InvalidUrl(_)));
        assert_eq!(
            HookError::InvalidUrl(String::new()).field(),
            Some("config.url")
        );
        let h = h
            .when(create(settings(
                &["User.Created", "User.Created"],
                "https://a.example/x",
            )))
            .then([created(
                &["User.Created"],
                "https://a.example/x",
                None,
                "sealed",
            )]);
        assert_eq!(h.state().unwrap().events, vec!["User.Created"]);
    }

    #[test]
    fn a_410_disables_once_and_an_unchanged_update_is_silent() {
        let disable = || HookCommand::DisableByReceiver {
            delivery_id: "d".into(),
            status: 410,
        };
        let same = HookCommand::Update {
            name: None,
            events: None,
            url: None,
            headers: None,
            enabled: Some(false),
        };
        given::<Hook>([created(&["PostSignIn"], "http://a.example", None, "sealed")])
            .when(disable())
            .then([HookEvent::HookDisabledByReceiver(HookDisabledByReceiver {
                delivery_id: "d".into(),
                status: 410,
            })])
            .when(disable())
            .then_nothing()
            .when(same)
            .then_nothing()
            .when(HookCommand::Delete)
            .then([HookEvent::HookDeleted(HookDeleted {})])
            .when(HookCommand::Delete)
            .then_error(HookError::NotFound);
    }

    #[test]
    fn headers_are_checked_in_plain_and_kept_only_sealed() {
        let mut s = settings(&["User.Created"], "https://a.example");
        s.headers.insert("bad header".into(), "x".into());
        let bad = HookCommand::Create {
            settings: s.clone(),
            sealed_headers: Some("S".into()),
            sealed_signing_key: "k".into(),
        };
        s.headers = Headers::from([("authorization".to_owned(), "Bearer t".to_owned())]);
        let good = HookCommand::Create {
            settings: s,
            sealed_headers: Some("S".into()),
            sealed_signing_key: "k".into(),
        };
        let h = given::<Hook>([])
            .when(bad)
            .then_error(HookError::InvalidHeader("bad header".into()))
            .when(good)
            .then([created(
                &["User.Created"],
                "https://a.example",
                Some("S"),
                "k",
            )]);
        assert_eq!(h.state().unwrap().sealed_headers.as_deref(), Some("S"));
        let clear = HookCommand::Update {
            name: None,
            events: None,
            url: None,
            headers: Some(SealedHeaders {
                plain: Headers::new(),
                sealed: Some("ignored".into()),
            }),
            enabled: None,
        };
        let h = h.when(clear).then([HookEvent::HookUpdated(HookUpdated {
            name: "h".into(),
            events: vec!["User.Created".into()],
            url: "https://a.example".into(),
            sealed_headers: None,
            enabled: true,
        })]);
        assert_eq!(h.state().unwrap().sealed_headers, None);
    }

    #[test]
    fn framing_and_hop_by_hop_headers_are_refused_in_any_case() {
        for name in [
            "Host",
            "content-length",
            "Transfer-Encoding",
            "CONNECTION",
            "te",
        ] {
            let mut s = settings(&["User.Created"], "https://a.example");
            s.headers.insert(name.into(), "5".into());
            let create = HookCommand::Create {
                settings: s,
                sealed_headers: Some("S".into()),
                sealed_signing_key: "k".into(),
            };
            given::<Hook>([])
                .when(create)
                .then_error(HookError::ReservedHeader(name.into()));
        }
        assert!(is_reserved_header("Keep-Alive"));
        assert!(!is_reserved_header("authorization"));
        assert!(!is_reserved_header("x-content-length"));
        assert_eq!(
            HookError::ReservedHeader("host".into()).field(),
            Some("config.headers")
        );
    }
}
