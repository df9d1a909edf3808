//! The hosted pages' languages: the phrase catalogue (`locales/<tag>.ftl`, Project Fluent
//! syntax, embedded), which language a page speaks, and the operator's custom phrases
//! laid over the catalogue ([`Phrases`]).
//!
//! A page's language: the first `ui_locales` tag the pages can speak (kept in the sealed
//! interaction), else the browser's `Accept-Language` when `languageInfo.autoDetect` is
//! on, else `languageInfo.fallbackLanguage`, else English. A tag matches a language by
//! its primary subtag too (`fr-CA` → `fr`, `zh` → `zh-CN`); an unknown tag is skipped.
//! A language the catalogue lacks but the operator gave custom phrases for is spoken with
//! English for the keys they did not set (as Logto does).

mod catalogue;
pub mod choice;

pub use catalogue::{is_key, keys, LANGUAGES};
pub use choice::choose;

use domain::custom_phrases::Translation;
use std::sync::Arc;

/// The English catalogue: every key is in it, every other language falls back to it.
pub const ENGLISH: &str = "en";

/// The phrases of one page: its language, and the operator's custom phrases for it.
#[derive(Debug, Clone)]
pub struct Phrases {
    lang: String,
    custom: Arc<Translation>,
}

impl Phrases {
    pub fn new(lang: impl Into<String>, custom: Option<Translation>) -> Self {
        Self {
            lang: lang.into(),
            custom: Arc::new(custom.unwrap_or_default()),
        }
    }

    /// English and the catalogue only (where the settings cannot be read).
    pub fn english() -> Self {
        Self::new(ENGLISH, None)
    }

    /// The BCP 47 tag of `<html lang>` and `Content-Language`.
    pub fn lang(&self) -> &str {
        &self.lang
    }

    pub fn text(&self, key: &str) -> String {
        self.format(key, &[])
    }

    /// `key` in this page's language with `args` filled in: the custom phrase, else the
    /// catalogue's, else English's, else the key itself (logged; the catalogue test keeps
    /// it from happening).
    pub fn format(&self, key: &str, args: &[(&str, String)]) -> String {
        if let Some(custom) = self.custom.get(key) {
            return fill_custom(custom, args);
        }
        catalogue::format(&self.lang, key, args)
            .or_else(|| catalogue::format(ENGLISH, key, args))
            .unwrap_or_else(|| {
                tracing::warn!(key, "phrase key missing from the catalogue");
                key.to_owned()
            })
    }

    /// Every key with its text in this language, custom phrases merged, placeholders
    /// left as `{$name}` (the public `/api/.well-known/phrases`).
    pub fn all(&self) -> serde_json::Map<String, serde_json::Value> {
        keys()
            .iter()
            .map(|k| ((*k).to_owned(), serde_json::Value::String(self.text(k))))
            .collect()
    }
}

/// A custom phrase is plain text (the operator writes no Fluent syntax): `{$name}` and
/// Logto's `{{name}}` are replaced by the value.
fn fill_custom(text: &str, args: &[(&str, String)]) -> String {
    args.iter().fold(text.to_owned(), |text, (name, value)| {
        text.replace(&format!("{{${name}}}"), value)
            .replace(&format!("{{{{{name}}}}}"), value)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_phrases_win_and_take_arguments() {
        let custom: Translation = [
            ("sign-in-title".to_owned(), "Bienvenue".to_owned()),
            (
                "sign-in-subtitle".to_owned(),
                "vers {{app}} / {$app}".to_owned(),
            ),
        ]
        .into();
        let fr = Phrases::new("fr", Some(custom));
        assert_eq!(fr.text("sign-in-title"), "Bienvenue");
        assert_eq!(
            fr.format("sign-in-subtitle", &[("app", "Acme".into())]),
            "vers Acme / Acme"
        );
        assert_eq!(fr.text("password-label"), "Mot de passe");
        // A language without a catalogue: English for what it did not set.
        let es = Phrases::new("es", None);
        assert_eq!(es.text("password-label"), "Password");
        assert_eq!(es.text("no-such-key"), "no-such-key");
    }

    #[test]
    fn arguments_are_filled_without_isolation_marks() {
        let ja = Phrases::new("ja", None);
        let text = ja.format("code-enter", &[("target", "a@example.com".into())]);
        assert!(text.contains("a@example.com に送信"), "{text}");
        assert!(!text.contains('\u{2068}'), "{text:?}");
        let all = Phrases::english().all();
        assert_eq!(
            all.get("code-enter").and_then(|v| v.as_str()),
            Some("Enter the 6-digit code sent to {$target}")
        );
    }
}
