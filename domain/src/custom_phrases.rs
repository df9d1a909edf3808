//! The `CustomPhrases` aggregate: the operator's own wording for the hosted pages, per
//! language (Logto's `/api/custom-phrases`). One stream (`custom-phrases/all`) holds every
//! language, so the list is one read and `load_cached` sees any node's change at once.
//!
//! Which keys exist is the phrase catalogue's business (it lives with the pages, in
//! `api`); the caller checks the keys before it sends a command. Here: a translation is a
//! non-empty map of keys to text, and the language tag is BCP 47-shaped.

use crate::aggregate::{Aggregate, CommandContext};
use crate::event::DomainEvent;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The stream id of the one `CustomPhrases` stream.
pub const STREAM_ID: &str = "all";

/// One language's custom phrases: key → text.
pub type Translation = BTreeMap<String, String>;

/// The longest text kept for one key (a phrase is a sentence or two).
pub const MAX_PHRASE_LEN: usize = 2_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomPhraseSet {
    pub language_tag: String,
    pub translation: Translation,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomPhraseDeleted {
    pub language_tag: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum CustomPhrasesEvent {
    CustomPhraseSet(CustomPhraseSet),
    CustomPhraseDeleted(CustomPhraseDeleted),
}

impl DomainEvent for CustomPhrasesEvent {
    fn event_type(&self) -> &'static str {
        match self {
            Self::CustomPhraseSet(_) => "CustomPhraseSet",
            Self::CustomPhraseDeleted(_) => "CustomPhraseDeleted",
        }
    }

    fn schema_version(_event_type: &str) -> u32 {
        1
    }

    crate::tagged_payload_codec!();
}

/// Every language's custom phrases, by language tag (as the operator spelt it).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CustomPhrases {
    languages: BTreeMap<String, Translation>,
}

impl CustomPhrases {
    pub fn all(&self) -> &BTreeMap<String, Translation> {
        &self.languages
    }

    /// One language's phrases; tags compare case-insensitively (`zh-cn` is `zh-CN`).
    pub fn get(&self, language_tag: &str) -> Option<(&str, &Translation)> {
        self.languages
            .iter()
            .find(|(tag, _)| tag.eq_ignore_ascii_case(language_tag))
            .map(|(tag, t)| (tag.as_str(), t))
    }
}

pub enum CustomPhrasesCommand {
    Set {
        language_tag: String,
        translation: Translation,
    },
    Delete {
        language_tag: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CustomPhrasesError {
    #[error("languageTag: expected a language tag such as en or zh-CN")]
    InvalidLanguageTag,
    #[error("translation: expected at least one phrase")]
    EmptyTranslation,
    #[error("translation.{0}: expected text of 1 to {MAX_PHRASE_LEN} characters")]
    InvalidPhrase(String),
    #[error("no custom phrases for this language")]
    NotFound,
}

/// Cacheable: its state holds the operator's wording only.
impl crate::aggregate::NoPersonalData for CustomPhrases {}

/// A BCP 47-looking tag: a 2–3 letter language, then subtags of letters and digits.
pub fn is_language_tag(value: &str) -> bool {
    let mut parts = value.split('-');
    let language = parts.next().unwrap_or_default();
    (2..=3).contains(&language.len())
        && language.bytes().all(|b| b.is_ascii_alphabetic())
        && value.len() <= 35
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

impl Aggregate for CustomPhrases {
    const STREAM_TYPE: &'static str = "custom-phrases";
    type Event = CustomPhrasesEvent;
    type Command = CustomPhrasesCommand;
    type Error = CustomPhrasesError;

    fn apply(&mut self, event: &CustomPhrasesEvent) {
        match event {
            CustomPhrasesEvent::CustomPhraseSet(e) => {
                // One entry per language whatever the spelling of its tag.
                self.languages
                    .retain(|tag, _| !tag.eq_ignore_ascii_case(&e.language_tag));
                self.languages
                    .insert(e.language_tag.clone(), e.translation.clone());
            }
            CustomPhrasesEvent::CustomPhraseDeleted(e) => self
                .languages
                .retain(|tag, _| !tag.eq_ignore_ascii_case(&e.language_tag)),
        }
    }

    fn handle(
        &self,
        command: CustomPhrasesCommand,
        _ctx: &CommandContext,
    ) -> Result<Vec<CustomPhrasesEvent>, CustomPhrasesError> {
        match command {
            CustomPhrasesCommand::Set {
                language_tag,
                translation,
            } => {
                if !is_language_tag(&language_tag) {
                    return Err(CustomPhrasesError::InvalidLanguageTag);
                }
                if translation.is_empty() {
                    return Err(CustomPhrasesError::EmptyTranslation);
                }
                if let Some((key, _)) = translation
                    .iter()
                    .find(|(_, v)| v.trim().is_empty() || v.chars().count() > MAX_PHRASE_LEN)
                {
                    return Err(CustomPhrasesError::InvalidPhrase(key.clone()));
                }
                // The same phrases again record nothing.
                if self.get(&language_tag) == Some((language_tag.as_str(), &translation)) {
                    return Ok(vec![]);
                }
                Ok(vec![CustomPhrasesEvent::CustomPhraseSet(CustomPhraseSet {
                    language_tag,
                    translation,
                })])
            }
            CustomPhrasesCommand::Delete { language_tag } => {
                let Some((tag, _)) = self.get(&language_tag) else {
                    return Err(CustomPhrasesError::NotFound);
                };
                Ok(vec![CustomPhrasesEvent::CustomPhraseDeleted(
                    CustomPhraseDeleted {
                        language_tag: tag.to_owned(),
                    },
                )])
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::given;

    fn translation(pairs: &[(&str, &str)]) -> Translation {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn set_replace_and_delete_one_language() {
        let fr = translation(&[("sign-in-title", "Connexion")]);
        let set = |tag: &str, t: &Translation| CustomPhrasesCommand::Set {
            language_tag: tag.into(),
            translation: t.clone(),
        };
        let phrases = given::<CustomPhrases>([])
            .when(set("fr", &fr))
            .then([CustomPhrasesEvent::CustomPhraseSet(CustomPhraseSet {
                language_tag: "fr".into(),
                translation: fr.clone(),
            })])
            .when(set("fr", &fr))
            .then_nothing()
            .when(set("english please", &fr))
            .then_error(CustomPhrasesError::InvalidLanguageTag)
            .when(set("fr", &Translation::new()))
            .then_error(CustomPhrasesError::EmptyTranslation)
            .when(set("fr", &translation(&[("sign-in-title", " ")])))
            .then_error(CustomPhrasesError::InvalidPhrase("sign-in-title".into()))
            .when(CustomPhrasesCommand::Delete {
                language_tag: "FR".into(),
            })
            .then([CustomPhrasesEvent::CustomPhraseDeleted(
                CustomPhraseDeleted {
                    language_tag: "fr".into(),
                },
            )]);
        assert!(phrases.get("fr").is_none());
        phrases
            .when(CustomPhrasesCommand::Delete {
                language_tag: "fr".into(),
            })
            .then_error(CustomPhrasesError::NotFound);
    }

    #[test]
    fn language_tags() {
        for ok in ["en", "zh-CN", "fr-CA", "sr-Latn-RS", "de"] {
            assert!(is_language_tag(ok), "{ok}");
        }
        for bad in ["", "e", "english", "en_US", "en-", "zh-CN-<b>", "12"] {
            assert!(!is_language_tag(bad), "{bad}");
        }
    }
}
