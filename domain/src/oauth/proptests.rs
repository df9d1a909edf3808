//! Property tests for the redirect-URI parsers an attacker reaches: whatever a client
//! presents at `/oidc/auth` or `/oidc/session/end`, and whatever an operator registers.

use super::redirect::{self, RedirectRules, RedirectUriError};
use super::wildcard::WildcardPattern;
use proptest::prelude::*;
use url::Url;

fn label() -> impl Strategy<Value = String> {
    "[a-z0-9]([a-z0-9-]{0,14}[a-z0-9])?"
}

/// Arbitrary text biased towards URI syntax, so the parsers' corners get visited.
fn uri_like() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-zA-Z]{1,8}:(//)?[a-zA-Z0-9.*:@/?#%\\[\\]-]{0,40}",
        (label(), label(), "[a-z0-9/*._-]{0,20}")
            .prop_map(|(a, b, p)| format!("https://{a}.{b}.example.com/{p}")),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parsing_and_matching_never_panic(pattern in uri_like(), presented in uri_like()) {
        let _ = redirect::validate(&pattern, RedirectRules::Web);
        let _ = redirect::validate(&pattern, RedirectRules::Native);
        if let Some(p) = WildcardPattern::parse(&pattern) {
            let _ = p.matches(&presented);
        }
        let registered = vec![pattern];
        let _ = redirect::matches(&registered, &presented, RedirectRules::Web);
        let _ = redirect::matches(&registered, &presented, RedirectRules::Native);
    }

    #[test]
    fn without_wildcards_a_web_app_matches_exactly(registered in prop::collection::vec(uri_like(), 0..4), presented in uri_like()) {
        let registered: Vec<String> = registered.into_iter().filter(|r| !r.contains('*')).collect();
        let exact = registered.contains(&presented) && !presented.contains('*');
        prop_assert_eq!(redirect::matches(&registered, &presented, RedirectRules::Web), exact);
    }

    #[test]
    fn a_presented_value_with_a_star_never_matches(pattern in uri_like(), presented in uri_like()) {
        let presented = format!("{presented}*");
        let registered = vec![pattern, presented.clone()];
        prop_assert!(!redirect::matches(&registered, &presented, RedirectRules::Web));
        prop_assert!(!redirect::matches_post_logout(&registered, &presented, RedirectRules::Web));
    }

    /// Whatever `https://*.example.com/cb` accepts is an https URL on exactly one label
    /// under example.com, port 443, path /cb: never another site.
    #[test]
    fn a_host_wildcard_never_leaves_its_domain(presented in uri_like(), l in label()) {
        let pattern = WildcardPattern::parse("https://*.example.com/cb").unwrap();
        if pattern.matches(&presented) {
            let url = Url::parse(&presented).unwrap();
            let host = url.host_str().unwrap().to_ascii_lowercase();
            prop_assert_eq!(url.scheme(), "https");
            prop_assert_eq!(url.port_or_known_default(), Some(443));
            prop_assert_eq!(url.path(), "/cb");
            let first = host.strip_suffix(".example.com").unwrap();
            prop_assert!(!first.is_empty() && !first.contains('.'));
        }
        let one = format!("https://{l}.example.com/cb");
        prop_assert!(pattern.matches(&one));
        let two = format!("https://{l}.x.example.com/cb");
        prop_assert!(!pattern.matches(&two));
        let suffixed = format!("https://{l}.example.com.evil.org/cb");
        prop_assert!(!pattern.matches(&suffixed));
        let userinfo = format!("https://{l}.example.com@evil.org/cb");
        prop_assert!(!pattern.matches(&userinfo));
    }

    /// A path wildcard keeps scheme, host and port fixed.
    #[test]
    fn a_path_wildcard_keeps_the_origin(presented in uri_like()) {
        let pattern = WildcardPattern::parse("https://app.example.com/cb/*").unwrap();
        if pattern.matches(&presented) {
            let url = Url::parse(&presented).unwrap();
            prop_assert_eq!(url.origin().ascii_serialization(), "https://app.example.com");
            prop_assert!(url.path().starts_with("/cb/"));
        }
    }

    #[test]
    fn script_schemes_are_refused_in_any_spelling(
        scheme in prop::sample::select(vec!["javascript", "data", "file", "vbscript", "blob"]),
        upper in prop::collection::vec(any::<bool>(), 10),
        rest in "[a-zA-Z0-9/(),.:]{0,30}",
        lead in "[ \t\n]{0,2}",
    ) {
        let cased: String = scheme
            .chars()
            .zip(upper.iter().cycle())
            .map(|(c, up)| if *up { c.to_ascii_uppercase() } else { c })
            .collect();
        let uri = format!("{lead}{cased}:{rest}");
        for rules in [RedirectRules::Web, RedirectRules::Native] {
            let refused = matches!(
                redirect::validate(&uri, rules),
                Err(RedirectUriError::ForbiddenScheme { .. })
            );
            prop_assert!(refused, "{uri:?}");
        }
    }

    /// Hostile inputs stay cheap: matching is not exponential in the number of stars.
    #[test]
    fn matching_hostile_input_terminates(stars in 1usize..12, len in 0usize..3000) {
        let path = "*a".repeat(stars);
        let pattern = WildcardPattern::parse(&format!("https://app.example.com/{path}b")).unwrap();
        let presented = format!("https://app.example.com/{}", "a".repeat(len));
        prop_assert!(!pattern.matches(&presented));
    }
}
