//! Logto's wildcard redirect URIs for web applications.
//!
//! A registered URI containing `*` is a pattern. Logto's rules, which Tessera follows so
//! that apps configured for Logto keep working:
//! - `*` may appear in the hostname and the path only, never in the scheme, port, query or
//!   fragment;
//! - in the hostname, `*` matches one or more characters within a single label (so
//!   `*.example.com` matches `a.example.com` but not `a.b.example.com`), the pattern needs
//!   at least one dot, and its last two labels must be literal (`*.com` and `example.*` are
//!   refused: they would hand codes to anyone's domain);
//! - the labels right of the last wildcard must not be a public suffix (Mozilla's Public
//!   Suffix List, ICANN and private sections, through the `psl` crate): `*.github.io` or
//!   `*.co.uk` would match sites that anyone can register. This is checked when a pattern
//!   is parsed, so a pattern registered before the rule existed stops matching too;
//! - in the path, `*` matches any run of characters, `/` included;
//! - scheme, effective port, query and fragment must equal the pattern's exactly;
//! - a presented URI that itself contains `*` never matches (a pattern is not a target).
//!
//! Wildcards loosen RFC 9700's exact matching; they are an opt-in of the app's operator.

use url::Url;

/// Why a wildcard pattern is not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WildcardRefusal {
    /// It breaks one of the placement rules, or is not a URI.
    Invalid,
    /// The fixed part of the hostname is this public suffix.
    PublicSuffix(String),
}

/// A parsed, valid wildcard pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WildcardPattern {
    scheme: String,
    host_labels: Vec<String>,
    port: Option<u16>,
    path: String,
    query: Option<String>,
    fragment: Option<String>,
}

impl WildcardPattern {
    /// Parses `pattern`; `None` when it breaks a rule above or is not a URI at all.
    pub fn parse(pattern: &str) -> Option<Self> {
        Self::try_parse(pattern).ok()
    }

    /// As [`Self::parse`], saying why a pattern is refused.
    pub fn try_parse(pattern: &str) -> Result<Self, WildcardRefusal> {
        let pattern = Self::parse_shape(pattern).ok_or(WildcardRefusal::Invalid)?;
        if let Some(fixed) = fixed_domain(&pattern.host_labels) {
            if is_public_suffix(&fixed) {
                return Err(WildcardRefusal::PublicSuffix(fixed));
            }
        }
        Ok(pattern)
    }

    fn parse_shape(pattern: &str) -> Option<Self> {
        let (scheme, rest) = pattern.split_once("://")?;
        if scheme.is_empty() || scheme.contains('*') {
            return None;
        }
        let (before_fragment, fragment) = split_once_opt(rest, '#');
        let (before_query, query) = split_once_opt(before_fragment, '?');
        if query.is_some_and(|q| q.contains('*')) || fragment.is_some_and(|f| f.contains('*')) {
            return None;
        }
        let (authority, path) = match before_query.find('/') {
            Some(i) => before_query.split_at(i),
            None => (before_query, "/"),
        };
        if authority.is_empty() || authority.contains('@') || authority.starts_with('[') {
            return None;
        }
        let (host, port) = match authority.split_once(':') {
            Some((_, p)) if p.contains(':') || p.contains('*') => return None,
            Some((h, p)) => (h, Some(p.parse::<u16>().ok()?)),
            None => (authority, None),
        };
        let labels: Vec<String> = host
            .to_ascii_lowercase()
            .split('.')
            .map(str::to_owned)
            .collect();
        let literal_tail =
            labels.len() >= 2 && labels[labels.len() - 2..].iter().all(|l| !l.contains('*'));
        if labels.iter().any(String::is_empty) || (host.contains('*') && !literal_tail) {
            return None;
        }
        // The rest must be a well-formed URI once the wildcards are filled in.
        Url::parse(&pattern.replace('*', "wildcard")).ok()?;
        Some(Self {
            scheme: scheme.to_ascii_lowercase(),
            host_labels: labels,
            port: port.or_else(|| default_port(scheme)),
            path: path.to_owned(),
            query: query.filter(|q| !q.is_empty()).map(str::to_owned),
            fragment: fragment.filter(|f| !f.is_empty()).map(str::to_owned),
        })
    }

    pub fn matches(&self, presented: &str) -> bool {
        if presented.contains('*') {
            return false;
        }
        let Ok(url) = Url::parse(presented) else {
            return false;
        };
        let Some(host) = url.host_str() else {
            return false;
        };
        let host = host.to_ascii_lowercase();
        let labels: Vec<&str> = host.split('.').collect();
        url.scheme() == self.scheme
            && url.port_or_known_default() == self.port
            && labels.len() == self.host_labels.len()
            && self
                .host_labels
                .iter()
                .zip(&labels)
                .all(|(pattern, label)| glob(pattern, label, true))
            && glob(&self.path, url.path(), false)
            && url.query().filter(|q| !q.is_empty()) == self.query.as_deref()
            && url.fragment().filter(|f| !f.is_empty()) == self.fragment.as_deref()
    }
}

/// The labels right of the last label holding a wildcard, joined; `None` without one.
fn fixed_domain(labels: &[String]) -> Option<String> {
    let last = labels.iter().rposition(|l| l.contains('*'))?;
    Some(labels[last + 1..].join("."))
}

/// Whether `domain` is itself a public suffix (nobody's registrable domain): `co.uk`,
/// `github.io`. Names under an unknown top-level domain count as registrable below it.
pub fn is_public_suffix(domain: &str) -> bool {
    psl::suffix_str(domain).is_some_and(|suffix| suffix.eq_ignore_ascii_case(domain))
}

fn split_once_opt(s: &str, sep: char) -> (&str, Option<&str>) {
    match s.split_once(sep) {
        Some((a, b)) => (a, Some(b)),
        None => (s, None),
    }
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme.to_ascii_lowercase().as_str() {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    }
}

/// Glob match where `*` stands for any run of characters (at least one when `nonempty`).
/// Greedy with one backtrack point: linear in practice, O(pattern × text) at worst, so a
/// hostile presented URI cannot make matching explode.
fn glob(pattern: &str, text: &str, nonempty: bool) -> bool {
    #[derive(Clone, Copy, PartialEq)]
    enum Token {
        Lit(char),
        One,
        Any,
    }
    let tokens: Vec<Token> = pattern
        .chars()
        .flat_map(|c| match (c, nonempty) {
            ('*', true) => vec![Token::One, Token::Any],
            ('*', false) => vec![Token::Any],
            (c, _) => vec![Token::Lit(c)],
        })
        .collect();
    let text: Vec<char> = text.chars().collect();
    let (mut p, mut t) = (0, 0);
    let mut backtrack: Option<(usize, usize)> = None;
    while t < text.len() {
        match tokens.get(p) {
            Some(Token::Any) => {
                backtrack = Some((p, t));
                p += 1;
            }
            Some(Token::One) => {
                p += 1;
                t += 1;
            }
            Some(Token::Lit(c)) if *c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match backtrack {
                Some((star, mark)) => {
                    p = star + 1;
                    t = mark + 1;
                    backtrack = Some((star, mark + 1));
                }
                None => return false,
            },
        }
    }
    tokens[p..].iter().all(|t| *t == Token::Any)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, presented: &str) -> bool {
        WildcardPattern::parse(pattern).is_some_and(|p| p.matches(presented))
    }

    #[test]
    fn a_hostname_wildcard_covers_exactly_one_label() {
        assert!(m(
            "https://*.example.com/callback",
            "https://tenant.example.com/callback"
        ));
        assert!(!m(
            "https://*.example.com/callback",
            "https://a.b.example.com/callback"
        ));
        assert!(!m(
            "https://*.example.com/callback",
            "https://example.com/callback"
        ));
        assert!(!m(
            "https://*.example.com/callback",
            "https://tenant.example.net/callback"
        ));
        assert!(m(
            "https://pr-*.example.com/cb",
            "https://PR-12.example.com/cb"
        ));
    }

    #[test]
    fn broad_or_misplaced_wildcards_are_not_patterns() {
        for bad in [
            "https://*.com/callback",
            "https://example.*/callback",
            "https://*/callback",
            "http*://app.example.com/cb",
            "https://app.example.com:*/cb",
            "https://app.example.com/cb?state=*",
            "https://app.example.com/cb#*",
            "https://user@*.example.com/cb",
            "not-a-url*",
        ] {
            assert!(
                WildcardPattern::parse(bad).is_none(),
                "{bad} must be refused"
            );
        }
    }

    #[test]
    fn path_wildcards_cross_segments_and_ports_query_fragment_must_equal() {
        assert!(m(
            "https://app.example.com/cb/*",
            "https://app.example.com/cb/foo/bar"
        ));
        assert!(!m(
            "https://app.example.com/cb/*",
            "https://app.example.com/other"
        ));
        assert!(!m(
            "https://*.example.com/cb",
            "https://a.example.com:8443/cb"
        ));
        assert!(m(
            "https://*.example.com/cb",
            "https://a.example.com:443/cb"
        ));
        assert!(m(
            "https://*.example.com/cb?x=1",
            "https://a.example.com/cb?x=1"
        ));
        assert!(!m(
            "https://*.example.com/cb?x=1",
            "https://a.example.com/cb?x=2"
        ));
        assert!(!m("https://*.example.com/cb", "http://a.example.com/cb"));
    }

    #[test]
    fn a_wildcard_whose_fixed_part_is_a_public_suffix_is_refused() {
        for bad in [
            "https://*.github.io/cb",
            "https://*.co.uk/cb",
            "https://pr-*.herokuapp.com/cb",
            "https://a.*.github.io/cb",
            "https://*.s3.amazonaws.com/cb",
        ] {
            assert!(
                WildcardPattern::parse(bad).is_none(),
                "{bad} must be refused"
            );
        }
        for good in [
            "https://*.example.co.uk/cb",
            "https://*.myorg.github.io/cb",
            "https://*.example.com/cb",
            "http://*.app.internal/cb",
        ] {
            assert!(WildcardPattern::parse(good).is_some(), "{good} is fine");
        }
        assert!(is_public_suffix("co.uk") && is_public_suffix("github.io"));
        assert!(!is_public_suffix("example.co.uk"));
    }

    #[test]
    fn a_presented_pattern_never_matches() {
        assert!(!m("https://*.example.com/cb", "https://*.example.com/cb"));
    }

    #[test]
    fn glob_backtracks_without_blowing_up() {
        assert!(glob("a*b*c", "axxbyyc", false));
        assert!(!glob("a*b*c", "axxbyy", false));
        assert!(!glob("*", "", true));
        assert!(glob("*", "", false));
        let hostile = "a".repeat(2_000);
        assert!(!glob("*a*a*a*a*a*b", &hostile, false));
    }
}
