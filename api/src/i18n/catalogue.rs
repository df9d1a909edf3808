//! The phrase catalogue: one Fluent resource per language, embedded at build time and
//! parsed once. English (`locales/en.ftl`) names every key; the tests below hold every
//! other language to the same keys and to the same placeholders.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use std::sync::OnceLock;
use unic_langid::LanguageIdentifier;

/// The languages the pages speak, English first (the fallback of last resort).
pub const LANGUAGES: [&str; 6] = ["en", "zh-CN", "fr", "de", "ja", "th"];

const SOURCES: [(&str, &str); 6] = [
    ("en", include_str!("locales/en.ftl")),
    ("zh-CN", include_str!("locales/zh-CN.ftl")),
    ("fr", include_str!("locales/fr.ftl")),
    ("de", include_str!("locales/de.ftl")),
    ("ja", include_str!("locales/ja.ftl")),
    ("th", include_str!("locales/th.ftl")),
];

type Bundle = FluentBundle<FluentResource>;

struct Catalogue {
    bundles: Vec<(&'static str, Bundle)>,
    keys: Vec<&'static str>,
}

fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(|| Catalogue {
        bundles: SOURCES
            .iter()
            .map(|(tag, src)| (*tag, bundle(tag, src)))
            .collect(),
        keys: SOURCES[0].1.lines().filter_map(message_id).collect(),
    })
}

/// The id a line of a `.ftl` file defines (`key = text`), if it defines one.
fn message_id(line: &str) -> Option<&str> {
    let (id, _) = line.split_once(" =")?;
    (id.starts_with(|c: char| c.is_ascii_lowercase())
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
    .then_some(id)
}

/// A language's bundle; a resource that does not parse keeps the messages that did (the
/// tests refuse such a file, so this only guards a running server).
fn bundle(tag: &str, source: &str) -> Bundle {
    let resource =
        FluentResource::try_new(source.to_owned()).unwrap_or_else(|(partial, errors)| {
            tracing::error!(tag, ?errors, "phrase catalogue does not parse");
            partial
        });
    let lang: LanguageIdentifier = tag.parse().unwrap_or_default();
    let mut bundle = Bundle::new_concurrent(vec![lang]);
    // The pages are HTML escaped by the template engine; Unicode isolation marks around
    // values would only show as stray characters in attributes and the JSON API.
    bundle.set_use_isolating(false);
    if let Err(errors) = bundle.add_resource(resource) {
        tracing::error!(tag, ?errors, "phrase catalogue has duplicate keys");
    }
    bundle
}

/// Every key, in the catalogue's order.
pub fn keys() -> &'static [&'static str] {
    &catalogue().keys
}

pub fn is_key(key: &str) -> bool {
    keys().contains(&key)
}

/// `key` in `lang` (a catalogue language, matched exactly), `None` when either is unknown.
pub(super) fn format(lang: &str, key: &str, args: &[(&str, String)]) -> Option<String> {
    let (_, bundle) = catalogue().bundles.iter().find(|(tag, _)| *tag == lang)?;
    let pattern = bundle.get_message(key)?.value()?;
    let mut fluent_args = FluentArgs::new();
    for (name, value) in args {
        // Numbers as numbers, so plural rules can apply to them.
        match value.parse::<f64>() {
            Ok(n) => fluent_args.set(*name, FluentValue::from(n)),
            Err(_) => fluent_args.set(*name, FluentValue::from(value.as_str())),
        }
    }
    // A missing argument shows as `{$name}`, which is what the phrases API wants.
    let mut errors = Vec::new();
    Some(
        bundle
            .format_pattern(pattern, Some(&fluent_args), &mut errors)
            .into_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// The `{ $name }` placeholders of one message's source line.
    fn placeholders(line: &str) -> BTreeSet<String> {
        line.split("{ $")
            .skip(1)
            .filter_map(|rest| rest.split_once(" }").map(|(name, _)| name.to_owned()))
            .collect()
    }

    #[test]
    fn every_language_parses_and_has_every_english_key_with_its_placeholders() {
        let english: Vec<(&str, &str)> = SOURCES[0]
            .1
            .lines()
            .filter_map(|l| message_id(l).map(|id| (id, l)))
            .collect();
        assert!(english.len() > 100, "{}", english.len());
        for (tag, source) in SOURCES {
            if let Err((_, errors)) = FluentResource::try_new(source.to_owned()) {
                panic!("{tag}.ftl does not parse: {errors:?}");
            }
            let lines: Vec<(&str, &str)> = source
                .lines()
                .filter_map(|l| message_id(l).map(|id| (id, l)))
                .collect();
            for (key, english_line) in &english {
                let Some((_, line)) = lines.iter().find(|(id, _)| id == key) else {
                    panic!("{tag}.ftl lacks {key}");
                };
                assert_eq!(
                    placeholders(line),
                    placeholders(english_line),
                    "{tag}.ftl {key}"
                );
                let text = format(tag, key, &[]).unwrap_or_default();
                assert!(!text.trim().is_empty(), "{tag}.ftl {key} is empty");
            }
            let extra: Vec<_> = lines
                .iter()
                .filter(|(id, _)| !english.iter().any(|(k, _)| k == id))
                .collect();
            assert!(
                extra.is_empty(),
                "{tag}.ftl has keys English lacks: {extra:?}"
            );
        }
    }

    #[test]
    fn a_missing_key_is_noticed() {
        // The check above would fail on a language without a key: shown on a made-up one.
        assert!(format("fr", "no-such-key", &[]).is_none());
        assert!(format("xx", "sign-in-title", &[]).is_none());
        assert_eq!(
            format("fr", "sign-in-title", &[]).as_deref(),
            Some("Connexion")
        );
    }
}
