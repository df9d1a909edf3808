//! A connector's configuration, as Logto's factories take it (JSON), checked field by
//! field (errors name the field, e.g. `config.port`), and its secrets: which values are
//! secret, how they are split off before sealing and put back after opening.
//!
//! Unknown fields are refused rather than kept: a field Tessera does not know could hold a
//! credential, and the log must never hold one in plain text.

use super::template::{Template, USAGE_TYPES};
use super::{Factory, SECRET_MASK};
use crate::hook::Headers;
use serde_json::{Map, Value};

/// A refused configuration: the field (`config.…`) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub reason: String,
}

fn refuse<T>(field: &str, reason: impl Into<String>) -> Result<T, FieldError> {
    Err(FieldError {
        field: format!("config.{field}"),
        reason: reason.into(),
    })
}

/// How the SMTP connection is secured (Logto's `secure`, `requireTLS`, `ignoreTLS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// TLS from the first byte (`secure: true`, usually port 465).
    Tls,
    /// STARTTLS required (`requireTLS: true`).
    StartTls,
    /// STARTTLS when the server offers it (the default, as nodemailer).
    Opportunistic,
    /// Never TLS (`ignoreTLS: true`): only for a relay on a trusted network.
    Plain,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    /// (user, password).
    pub auth: Option<(String, String)>,
    pub from_email: String,
    pub reply_to: Option<String>,
    pub security: SmtpSecurity,
    pub templates: Vec<Template>,
}

/// The HTTP connectors (`http-email`, `http-sms`): Logto's `endpoint` and `authorization`,
/// and Tessera's additions to shape the request for an existing API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpConfig {
    pub endpoint: String,
    /// The `Authorization` header's value.
    pub authorization: Option<String>,
    pub method: String,
    pub headers: Headers,
    pub content_type: String,
    /// The body with placeholders; `None` sends Logto's JSON payload.
    pub body: Option<String>,
    pub templates: Vec<Template>,
    /// Inclusive range of statuses that mean "sent".
    pub success_status: (u16, u16),
    /// When set, the response body must contain it too.
    pub success_body_contains: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectorConfig {
    Smtp(SmtpConfig),
    Http(HttpConfig),
}

impl ConnectorConfig {
    pub fn templates(&self) -> &[Template] {
        match self {
            Self::Smtp(c) => &c.templates,
            Self::Http(c) => &c.templates,
        }
    }
}

const HTTP_METHODS: [&str; 3] = ["POST", "PUT", "PATCH"];
const CONTENT_TYPES: [&str; 3] = [
    "application/json",
    "application/x-www-form-urlencoded",
    "text/plain",
];

/// Checks `config` for `factory` (the whole configuration, secrets in plain text).
pub fn parse(factory: Factory, config: &Value) -> Result<ConnectorConfig, FieldError> {
    let Value::Object(map) = config else {
        return Err(FieldError {
            field: "config".into(),
            reason: "must be an object".into(),
        });
    };
    let fields = Fields(map);
    match factory {
        Factory::Smtp => parse_smtp(&fields).map(ConnectorConfig::Smtp),
        Factory::HttpEmail | Factory::HttpSms => {
            parse_http(&fields, factory).map(ConnectorConfig::Http)
        }
    }
}

struct Fields<'a>(&'a Map<String, Value>);

impl Fields<'_> {
    fn only(&self, known: &[&str]) -> Result<(), FieldError> {
        match self.0.keys().find(|k| !known.contains(&k.as_str())) {
            Some(k) => refuse(k, "unknown field"),
            None => Ok(()),
        }
    }

    fn string(&self, key: &str) -> Result<Option<String>, FieldError> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => refuse(key, "must be a string"),
        }
    }

    fn required(&self, key: &str) -> Result<String, FieldError> {
        match self.string(key)? {
            Some(s) if !s.trim().is_empty() => Ok(s),
            _ => refuse(key, "is required"),
        }
    }

    fn bool(&self, key: &str) -> Result<bool, FieldError> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => refuse(key, "must be a boolean"),
        }
    }
}

fn check_email(field: &str, value: &str) -> Result<(), FieldError> {
    // An address, optionally with a display name: `Name <a@b>`.
    let address = match (value.rfind('<'), value.strip_suffix('>')) {
        (Some(i), Some(_)) => &value[i + 1..value.len() - 1],
        _ => value,
    };
    let ok = address
        .split_once('@')
        .is_some_and(|(l, d)| !l.is_empty() && !d.is_empty() && !d.contains('@'))
        && !value.chars().any(|c| c.is_control());
    if ok {
        Ok(())
    } else {
        refuse(field, "must be an email address")
    }
}

fn parse_smtp(f: &Fields) -> Result<SmtpConfig, FieldError> {
    f.only(&[
        "host",
        "port",
        "auth",
        "fromEmail",
        "replyTo",
        "secure",
        "requireTLS",
        "ignoreTLS",
        "templates",
    ])?;
    let host = f.required("host")?;
    if host.contains(|c: char| c.is_whitespace() || c.is_control() || c == '/') {
        return refuse("host", "must be a host name or an IP address");
    }
    let port = match f.0.get("port") {
        Some(Value::Number(n)) => match n.as_u64().and_then(|p| u16::try_from(p).ok()) {
            Some(p) if p > 0 => p,
            _ => return refuse("port", "must be between 1 and 65535"),
        },
        None | Some(Value::Null) => return refuse("port", "is required"),
        Some(_) => return refuse("port", "must be a number"),
    };
    let auth = match f.0.get("auth") {
        None | Some(Value::Null) => None,
        Some(Value::Object(a)) => {
            let a = Fields(a);
            a.only(&["type", "user", "pass"]).map_err(|e| FieldError {
                field: e.field.replacen("config.", "config.auth.", 1),
                ..e
            })?;
            if let Some(t) = a.string("type")? {
                if !t.eq_ignore_ascii_case("login") {
                    return refuse(
                        "auth.type",
                        "only \"login\" (user and password) is supported",
                    );
                }
            }
            let user = a.required("user").map_err(|_| FieldError {
                field: "config.auth.user".into(),
                reason: "is required".into(),
            })?;
            let pass = a.string("pass").ok().flatten().ok_or(FieldError {
                field: "config.auth.pass".into(),
                reason: "is required".into(),
            })?;
            Some((user, pass))
        }
        Some(_) => return refuse("auth", "must be an object with user and pass"),
    };
    let from_email = f.required("fromEmail")?;
    check_email("fromEmail", &from_email)?;
    let reply_to = f.string("replyTo")?;
    if let Some(r) = &reply_to {
        check_email("replyTo", r)?;
    }
    let secure = f.bool("secure")?;
    let require_tls = f.bool("requireTLS")?;
    let ignore_tls = f.bool("ignoreTLS")?;
    let security = match (secure, require_tls, ignore_tls) {
        (true, _, true) | (_, true, true) => {
            return refuse("ignoreTLS", "cannot be set with secure or requireTLS")
        }
        (true, _, _) => SmtpSecurity::Tls,
        (false, true, _) => SmtpSecurity::StartTls,
        (false, false, true) => SmtpSecurity::Plain,
        (false, false, false) => SmtpSecurity::Opportunistic,
    };
    let templates = parse_templates(f, true)?;
    if templates.is_empty() {
        return refuse("templates", "at least one template is required");
    }
    Ok(SmtpConfig {
        host,
        port,
        auth,
        from_email,
        reply_to,
        security,
        templates,
    })
}

fn parse_http(f: &Fields, factory: Factory) -> Result<HttpConfig, FieldError> {
    f.only(&[
        "endpoint",
        "authorization",
        "method",
        "headers",
        "contentType",
        "body",
        "templates",
        "successStatus",
        "successBodyContains",
    ])?;
    let endpoint = f.required("endpoint")?;
    if let Err(e) = crate::hook::check_url(&endpoint) {
        return refuse("endpoint", e.to_string());
    }
    let authorization = f.string("authorization")?.filter(|a| !a.is_empty());
    if authorization
        .as_deref()
        .is_some_and(|a| a.chars().any(|c| c.is_control()))
    {
        return refuse("authorization", "must not hold control characters");
    }
    let method = f
        .string("method")?
        .map(|m| m.to_ascii_uppercase())
        .unwrap_or_else(|| "POST".into());
    if !HTTP_METHODS.contains(&method.as_str()) {
        return refuse("method", "must be POST, PUT or PATCH");
    }
    let headers = match f.0.get("headers") {
        None | Some(Value::Null) => Headers::new(),
        Some(Value::Object(h)) => {
            let mut headers = Headers::new();
            for (name, value) in h {
                let Value::String(value) = value else {
                    return refuse(&format!("headers.{name}"), "must be a string");
                };
                headers.insert(name.clone(), value.clone());
            }
            if let Some(bad) = crate::hook::invalid_header(&headers) {
                return refuse(
                    "headers",
                    format!("{bad:?} is not a header this connector may set"),
                );
            }
            headers
        }
        Some(_) => return refuse("headers", "must be an object of strings"),
    };
    let content_type = f
        .string("contentType")?
        .unwrap_or_else(|| CONTENT_TYPES[0].into());
    if !CONTENT_TYPES.contains(&content_type.as_str()) {
        return refuse(
            "contentType",
            format!("must be one of {}", CONTENT_TYPES.join(", ")),
        );
    }
    let body = f.string("body")?;
    if body.is_none() && content_type != CONTENT_TYPES[0] {
        return refuse("body", "is required unless contentType is application/json");
    }
    let success_status = match f.0.get("successStatus") {
        None | Some(Value::Null) => (200, 299),
        Some(Value::Array(range)) => {
            let bound = |v: Option<&Value>| {
                v.and_then(Value::as_u64)
                    .and_then(|n| u16::try_from(n).ok())
                    .filter(|n| (100..=599).contains(n))
            };
            match (range.len(), bound(range.first()), bound(range.get(1))) {
                (2, Some(lo), Some(hi)) if lo <= hi => (lo, hi),
                _ => return refuse("successStatus", "must be [lowest, highest], HTTP statuses"),
            }
        }
        Some(_) => return refuse("successStatus", "must be [lowest, highest]"),
    };
    let success_body_contains = f.string("successBodyContains")?.filter(|s| !s.is_empty());
    let templates = parse_templates(f, factory == Factory::HttpEmail)?;
    Ok(HttpConfig {
        endpoint,
        authorization,
        method,
        headers,
        content_type,
        body,
        templates,
        success_status,
        success_body_contains,
    })
}

fn parse_templates(f: &Fields, email: bool) -> Result<Vec<Template>, FieldError> {
    let list = match f.0.get("templates") {
        None | Some(Value::Null) => return Ok(vec![]),
        Some(Value::Array(list)) => list,
        Some(_) => return refuse("templates", "must be an array"),
    };
    let mut templates = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        let at = |key: &str| format!("templates[{i}].{key}");
        let Value::Object(t) = item else {
            return refuse(&format!("templates[{i}]"), "must be an object");
        };
        let t = Fields(t);
        if let Err(e) = t.only(&["usageType", "contentType", "subject", "content", "locale"]) {
            return refuse(&at(e.field.trim_start_matches("config.")), e.reason);
        }
        let get = |key: &str| {
            t.string(key)
                .or_else(|_| refuse(&at(key), "must be a string"))
        };
        let usage_type = get("usageType")?.unwrap_or_default();
        if !USAGE_TYPES.contains(&usage_type.as_str()) {
            return refuse(
                &at("usageType"),
                format!("must be one of {}", USAGE_TYPES.join(", ")),
            );
        }
        let content = match get("content")? {
            Some(c) if !c.is_empty() => c,
            _ => return refuse(&at("content"), "is required"),
        };
        let content_type = get("contentType")?;
        if let Some(ct) = &content_type {
            if !matches!(ct.as_str(), "text/plain" | "text/html") {
                return refuse(&at("contentType"), "must be text/plain or text/html");
            }
        }
        let subject = get("subject")?;
        if email && subject.as_deref().is_none_or(str::is_empty) {
            return refuse(&at("subject"), "is required for email");
        }
        let locale = get("locale")?.filter(|l| !l.is_empty());
        let duplicate = templates
            .iter()
            .any(|o: &Template| o.usage_type == usage_type && o.locale == locale);
        if duplicate {
            return refuse(
                &at("usageType"),
                "another template has this usage and locale",
            );
        }
        templates.push(Template {
            usage_type,
            content_type: content_type.unwrap_or_else(|| "text/plain".into()),
            subject: subject.unwrap_or_default(),
            content,
            locale,
        });
    }
    Ok(templates)
}

/// A secret's place in the configuration (object keys from the root).
pub type SecretPath = Vec<String>;
/// The secrets split off a configuration: what is sealed.
pub type Secrets = Vec<(SecretPath, Value)>;

/// Where `factory`'s secrets are in `config`: the SMTP password; the HTTP connectors'
/// `authorization` and every custom header value (they usually carry credentials).
fn secret_paths(factory: Factory, config: &Value) -> Vec<SecretPath> {
    let path = |parts: &[&str]| parts.iter().map(|p| (*p).to_owned()).collect();
    match factory {
        Factory::Smtp => vec![path(&["auth", "pass"])],
        Factory::HttpEmail | Factory::HttpSms => {
            let mut paths = vec![path(&["authorization"])];
            if let Some(Value::Object(h)) = config.get("headers") {
                paths.extend(h.keys().map(|k| vec!["headers".to_owned(), k.clone()]));
            }
            paths
        }
    }
}

fn slot<'v>(config: &'v mut Value, path: &[String]) -> Option<&'v mut Value> {
    path.iter().try_fold(config, |v, key| v.get_mut(key))
}

fn get<'v>(config: &'v Value, path: &[String]) -> Option<&'v Value> {
    path.iter().try_fold(config, |v, key| v.get(key))
}

/// `config` with every secret replaced by [`SECRET_MASK`] (what events and answers hold),
/// and the secrets taken out (what the caller seals). Absent or empty secrets stay as
/// they are.
pub fn split(factory: Factory, config: &Value) -> (Value, Secrets) {
    let mut public = config.clone();
    let mut secrets = Secrets::new();
    for path in secret_paths(factory, config) {
        if let Some(v) = slot(&mut public, &path) {
            if matches!(v, Value::String(s) if !s.is_empty()) {
                secrets.push((path, std::mem::replace(v, SECRET_MASK.into())));
            }
        }
    }
    (public, secrets)
}

/// The whole configuration from its public form and its opened secrets.
pub fn join(public: &Value, secrets: &Secrets) -> Value {
    let mut config = public.clone();
    for (path, value) in secrets {
        if let Some(v) = slot(&mut config, path) {
            *v = value.clone();
        }
    }
    config
}

/// A new configuration where a secret given as [`SECRET_MASK`] keeps the value it has in
/// `stored` (the whole stored configuration). A mask with no stored value stays a mask,
/// which [`parse`] then checks like any other value.
pub fn restore_masked(factory: Factory, new: &Value, stored: &Value) -> Value {
    let mut config = new.clone();
    for path in secret_paths(factory, new) {
        let Some(v) = slot(&mut config, &path) else {
            continue;
        };
        if v.as_str() == Some(SECRET_MASK) {
            if let Some(old) = get(stored, &path) {
                *v = old.clone();
            }
        }
    }
    config
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn smtp() -> Value {
        json!({
            "host": "smtp.example.com", "port": 587,
            "auth": {"user": "u", "pass": "hunter2"},
            "fromEmail": "Tessera <noreply@example.com>",
            "templates": [{"usageType": "Generic", "subject": "Code", "content": "{{code}}"}]
        })
    }

    #[test]
    fn smtp_config_is_checked_field_by_field() {
        let ok = parse(Factory::Smtp, &smtp()).unwrap();
        let ConnectorConfig::Smtp(c) = ok else {
            panic!("not smtp")
        };
        assert_eq!(c.auth, Some(("u".into(), "hunter2".into())));
        assert_eq!(c.security, SmtpSecurity::Opportunistic);
        for (change, field) in [
            (json!({"port": 70000}), "config.port"),
            (json!({"port": "25"}), "config.port"),
            (json!({"host": ""}), "config.host"),
            (json!({"fromEmail": "nope"}), "config.fromEmail"),
            (json!({"templates": []}), "config.templates"),
            (
                json!({"templates": [{"usageType": "Nope", "subject": "s", "content": "c"}]}),
                "config.templates[0].usageType",
            ),
            (
                json!({"templates": [{"usageType": "Generic", "content": "c"}]}),
                "config.templates[0].subject",
            ),
            (json!({"auth": {"user": "u"}}), "config.auth.pass"),
            (
                json!({"secure": true, "ignoreTLS": true}),
                "config.ignoreTLS",
            ),
            (json!({"password": "x"}), "config.password"),
        ] {
            let mut config = smtp();
            for (k, v) in change.as_object().unwrap() {
                config[k] = v.clone();
            }
            let err = parse(Factory::Smtp, &config).unwrap_err();
            assert_eq!(err.field, field, "{change}: {err:?}");
        }
    }

    #[test]
    fn http_config_defaults_and_refusals() {
        let c = parse(
            Factory::HttpSms,
            &json!({"endpoint": "https://sms.example/send"}),
        )
        .unwrap();
        let ConnectorConfig::Http(c) = c else {
            panic!("not http")
        };
        assert_eq!((c.method.as_str(), c.success_status), ("POST", (200, 299)));
        for (config, field) in [
            (json!({}), "config.endpoint"),
            (json!({"endpoint": "ftp://x"}), "config.endpoint"),
            (
                json!({"endpoint": "https://x", "method": "DELETE"}),
                "config.method",
            ),
            (
                json!({"endpoint": "https://x", "headers": {"Host": "y"}}),
                "config.headers",
            ),
            (
                json!({"endpoint": "https://x", "successStatus": [300, 200]}),
                "config.successStatus",
            ),
            (
                json!({"endpoint": "https://x", "contentType": "text/plain"}),
                "config.body",
            ),
        ] {
            assert_eq!(
                parse(Factory::HttpSms, &config).unwrap_err().field,
                field,
                "{config}"
            );
        }
    }

    #[test]
    fn secrets_are_split_masked_joined_and_restored() {
        let (public, secrets) = split(Factory::Smtp, &smtp());
        assert_eq!(public["auth"]["pass"], SECRET_MASK);
        assert!(!public.to_string().contains("hunter2"));
        assert_eq!(join(&public, &secrets), smtp());
        let mut edited = public.clone();
        edited["host"] = "other.example".into();
        let restored = restore_masked(Factory::Smtp, &edited, &smtp());
        assert_eq!(restored["auth"]["pass"], "hunter2");
        assert_eq!(restored["host"], "other.example");

        let http = json!({"endpoint": "https://x", "authorization": "Bearer t", "headers": {"x-key": "k"}});
        let (public, secrets) = split(Factory::HttpSms, &http);
        assert_eq!(public["authorization"], SECRET_MASK);
        assert_eq!(public["headers"]["x-key"], SECRET_MASK);
        assert_eq!(secrets.len(), 2);
        assert_eq!(join(&public, &secrets), http);
    }
}
