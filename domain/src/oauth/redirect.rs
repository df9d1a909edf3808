//! Redirect URIs: validated when registered, matched exactly when presented (RFC 9700
//! §4.1.3). Two relaxations: RFC 8252 §7.3 (a native app's loopback IP redirect may use
//! any port, since the port is chosen by the OS at run time), and Logto's wildcard
//! patterns for web apps (`wildcard.rs`), which an operator opts into by registering one.

use super::wildcard::{WildcardPattern, WildcardRefusal};
use url::{Host, Url};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RedirectUriError {
    #[error("redirect URI is not an absolute URI: {0}")]
    NotAbsolute(String),
    #[error("redirect URI must not contain a fragment: {0}")]
    HasFragment(String),
    #[error("web application redirect URIs must use http or https: {0}")]
    NotHttp(String),
    #[error("invalid wildcard redirect URI (a `*` may stand only in the hostname, not in its last two labels, or in the path): {0}")]
    InvalidWildcard(String),
    #[error("native application redirect URIs cannot contain wildcards: {0}")]
    WildcardNotAllowed(String),
    #[error("wildcard redirect URI {uri} leaves only the public suffix {suffix} fixed: anyone can register a site under it")]
    PublicSuffixWildcard { uri: String, suffix: String },
    #[error("redirect URIs may not use the {scheme}: scheme: {uri}")]
    ForbiddenScheme { uri: String, scheme: String },
}

/// Schemes that run code or read local data in the browser or the OS instead of
/// reaching an application: never a redirect target, whatever the application type.
const FORBIDDEN_SCHEMES: &[&str] = &["javascript", "data", "file", "vbscript", "blob"];

/// Which matching and registration rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedirectRules {
    /// SPA and traditional web apps: http(s) only, exact match.
    Web,
    /// Native apps: custom schemes allowed; loopback IP redirects match on any port.
    Native,
}

/// Checks a URI being registered for an application.
pub fn validate(uri: &str, rules: RedirectRules) -> Result<(), RedirectUriError> {
    // Before anything else: `javascript:*` must be named for what it is.
    if let Some(scheme) = forbidden_scheme(uri) {
        return Err(RedirectUriError::ForbiddenScheme {
            uri: uri.to_owned(),
            scheme,
        });
    }
    if uri.contains('*') {
        if rules == RedirectRules::Native {
            return Err(RedirectUriError::WildcardNotAllowed(uri.to_owned()));
        }
        match WildcardPattern::try_parse(uri) {
            Ok(_) => {}
            Err(WildcardRefusal::Invalid) => {
                return Err(RedirectUriError::InvalidWildcard(uri.to_owned()))
            }
            Err(WildcardRefusal::PublicSuffix(suffix)) => {
                return Err(RedirectUriError::PublicSuffixWildcard {
                    uri: uri.to_owned(),
                    suffix,
                })
            }
        }
    }
    let parsed = Url::parse(uri).map_err(|_| RedirectUriError::NotAbsolute(uri.to_owned()))?;
    if parsed.fragment().is_some() {
        return Err(RedirectUriError::HasFragment(uri.to_owned()));
    }
    if rules == RedirectRules::Web && !matches!(parsed.scheme(), "http" | "https") {
        return Err(RedirectUriError::NotHttp(uri.to_owned()));
    }
    Ok(())
}

/// The scheme of `uri` when it is one of [`FORBIDDEN_SCHEMES`]. Read the way a browser
/// would (leading whitespace and control characters skipped, tabs and newlines inside
/// the scheme ignored, any case), so `" JaVa\tScript:"` is caught too.
fn forbidden_scheme(uri: &str) -> Option<String> {
    let scheme: String = uri
        .trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .take_while(|c| *c != ':')
        .collect::<String>()
        .to_ascii_lowercase();
    let has_colon = uri.contains(':');
    FORBIDDEN_SCHEMES
        .iter()
        .find(|s| has_colon && **s == scheme)
        .map(|s| (*s).to_owned())
}

/// Whether `presented` is one of `registered` (a redirect URI at the authorization endpoint).
pub fn matches(registered: &[String], presented: &str, rules: RedirectRules) -> bool {
    if matches_post_logout(registered, presented, rules) {
        return true;
    }
    if presented.contains('*') {
        return false;
    }
    rules == RedirectRules::Native
        && registered
            .iter()
            .any(|r| loopback_equal_ignoring_port(r, presented))
}

/// Whether `presented` is one of `registered`, without the loopback-port relaxation
/// (RP-initiated logout has none, as in Logto).
pub fn matches_post_logout(registered: &[String], presented: &str, rules: RedirectRules) -> bool {
    // A value holding `*` is a pattern, never a target, even when registered verbatim.
    if presented.contains('*') {
        return false;
    }
    registered.iter().any(|r| r == presented)
        || (rules == RedirectRules::Web
            && registered
                .iter()
                .filter(|r| r.contains('*'))
                .filter_map(|r| WildcardPattern::parse(r))
                .any(|p| p.matches(presented)))
}

fn is_loopback_ip(url: &Url) -> bool {
    url.scheme() == "http"
        && match url.host() {
            Some(Host::Ipv4(ip)) => ip.is_loopback(),
            Some(Host::Ipv6(ip)) => ip.is_loopback(),
            _ => false,
        }
}

fn loopback_equal_ignoring_port(registered: &str, presented: &str) -> bool {
    let (Ok(mut r), Ok(mut p)) = (Url::parse(registered), Url::parse(presented)) else {
        return false;
    };
    if !is_loopback_ip(&r) || !is_loopback_ip(&p) {
        return false;
    }
    // Both are http with an IP host, so setting the port cannot fail.
    let ports_cleared = r.set_port(None).is_ok() && p.set_port(None).is_ok();
    ports_cleared && r == p
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reg(uris: &[&str]) -> Vec<String> {
        uris.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn only_exact_matches_count_for_web_apps() {
        let r = reg(&["https://app.example.com/callback"]);
        assert!(matches(
            &r,
            "https://app.example.com/callback",
            RedirectRules::Web
        ));
        assert!(!matches(
            &r,
            "https://app.example.com/callback/",
            RedirectRules::Web
        ));
        assert!(!matches(
            &r,
            "https://app.example.com/callback?x=1",
            RedirectRules::Web
        ));
        assert!(!matches(
            &r,
            "https://APP.example.com/callback",
            RedirectRules::Web
        ));
        assert!(!matches(
            &r,
            "https://evil.example.com/callback",
            RedirectRules::Web
        ));
    }

    #[test]
    fn native_loopback_redirects_match_on_any_port_but_nothing_else_loosens() {
        let r = reg(&["http://127.0.0.1/cb", "com.example.app://callback"]);
        assert!(matches(
            &r,
            "http://127.0.0.1:51234/cb",
            RedirectRules::Native
        ));
        assert!(!matches(
            &r,
            "http://127.0.0.1:51234/other",
            RedirectRules::Native
        ));
        assert!(!matches(
            &r,
            "http://localhost:51234/cb",
            RedirectRules::Native
        ));
        assert!(matches(
            &r,
            "com.example.app://callback",
            RedirectRules::Native
        ));
        assert!(!matches(
            &r,
            "http://127.0.0.1:51234/cb",
            RedirectRules::Web
        ));
    }

    #[test]
    fn web_apps_match_registered_wildcards_and_native_apps_may_not_register_them() {
        let r = reg(&[
            "https://*.example.com/callback",
            "https://exact.example.org/cb",
        ]);
        assert!(matches(
            &r,
            "https://tenant.example.com/callback",
            RedirectRules::Web
        ));
        assert!(!matches(
            &r,
            "https://tenant.example.com/callback",
            RedirectRules::Native
        ));
        assert!(!matches(
            &r,
            "https://*.example.com/callback",
            RedirectRules::Web
        ));
        assert!(matches_post_logout(
            &r,
            "https://a.example.com/callback",
            RedirectRules::Web
        ));
        assert!(validate("https://*.example.com/cb", RedirectRules::Web).is_ok());
        assert_eq!(
            validate("https://*.com/cb", RedirectRules::Web),
            Err(RedirectUriError::InvalidWildcard("https://*.com/cb".into()))
        );
        assert!(matches!(
            validate("myapp://*/cb", RedirectRules::Native),
            Err(RedirectUriError::WildcardNotAllowed(_))
        ));
    }

    #[test]
    fn script_data_and_file_schemes_are_refused_for_every_application_type() {
        for uri in [
            "javascript:alert(1)",
            "JavaScript://example.com/%0aalert(1)",
            " java\tscript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "file:///etc/passwd",
            "vbscript:msgbox(1)",
            "blob:https://example.com/uuid",
        ] {
            for rules in [RedirectRules::Web, RedirectRules::Native] {
                assert!(
                    matches!(
                        validate(uri, rules),
                        Err(RedirectUriError::ForbiddenScheme { .. })
                    ),
                    "{uri:?} must be refused for {rules:?}"
                );
            }
        }
        assert!(validate("com.example.javascript://cb", RedirectRules::Native).is_ok());
    }

    #[test]
    fn public_suffix_wildcards_are_refused_with_a_clear_reason() {
        let e = validate("https://*.github.io/cb", RedirectRules::Web).unwrap_err();
        assert_eq!(
            e,
            RedirectUriError::PublicSuffixWildcard {
                uri: "https://*.github.io/cb".into(),
                suffix: "github.io".into()
            }
        );
        assert!(e.to_string().contains("public suffix github.io"));
        assert!(validate("https://*.co.uk/cb", RedirectRules::Web).is_err());
        assert!(validate("https://*.example.co.uk/cb", RedirectRules::Web).is_ok());
    }

    #[test]
    fn registration_refuses_relative_fragment_and_non_http_web_uris() {
        assert!(validate("/callback", RedirectRules::Web).is_err());
        assert!(validate("https://a.example/cb#frag", RedirectRules::Web).is_err());
        assert!(validate("com.example.app://cb", RedirectRules::Web).is_err());
        assert!(validate("com.example.app://cb", RedirectRules::Native).is_ok());
        assert!(validate("http://localhost:3000/cb", RedirectRules::Web).is_ok());
    }
}
