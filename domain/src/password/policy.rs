//! Logto's password policy (sign-in experience `passwordPolicy`, docs/logto/sign-in.md#password-policy): what a
//! new password must satisfy on every self-service path (registration, the Experience
//! API, the Account API).
//!
//! A rejection lists every issue found, each with Logto's code (`password_rejected.*`) and
//! its interpolation values, as Logto's `password.rejected` error carries them in
//! `data.issues`. The breached-password check here works offline: a password is refused
//! when it is, as a whole, one of the common passwords of zxcvbn's frequency list (also
//! spelled l33t-style or reversed), or when zxcvbn estimates fewer than 10^3 guesses.
//! The k-anonymity range API (Have I Been Pwned) is I/O and lives in the `api` crate, as an
//! option on top of this. (zxcvbn reads the system clock for the current year when it
//! rates date-like passwords; nothing else in it is I/O.)

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use zxcvbn::matching::patterns::MatchPattern;
use zxcvbn::matching::Match;

/// Logto's `passwordPolicy`, defaults as Logto's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PasswordPolicy {
    pub min_length: usize,
    pub max_length: usize,
    /// How many of lowercase, uppercase, digits and symbols a password must mix (1–4).
    pub min_character_types: usize,
    pub reject_pwned: bool,
    pub reject_repetition_and_sequence: bool,
    pub reject_user_info: bool,
    /// Custom words no password may contain (case-insensitive).
    pub reject_words: Vec<String>,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            min_length: 8,
            max_length: 256,
            min_character_types: 1,
            reject_pwned: true,
            reject_repetition_and_sequence: true,
            reject_user_info: true,
            reject_words: vec![],
        }
    }
}

/// What the policy knows about the user a password is for (`rejects.userInfo`).
#[derive(Debug, Clone, Copy, Default)]
pub struct UserInfo<'a> {
    pub username: Option<&'a str>,
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub name: Option<&'a str>,
}

/// One reason a password is refused, as Logto reports it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Issue {
    pub code: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interpolation: Option<Value>,
}

impl Issue {
    pub fn new(code: &'static str) -> Self {
        Self {
            code,
            interpolation: None,
        }
    }

    fn with(code: &'static str, interpolation: Value) -> Self {
        Self {
            code,
            interpolation: Some(interpolation),
        }
    }
}

pub const TOO_SHORT: &str = "password_rejected.too_short";
pub const TOO_LONG: &str = "password_rejected.too_long";
pub const CHARACTER_TYPES: &str = "password_rejected.character_types";
pub const UNSUPPORTED_CHARACTERS: &str = "password_rejected.unsupported_characters";
pub const PWNED: &str = "password_rejected.pwned";
pub const REPETITION: &str = "password_rejected.restricted.repetition";
pub const SEQUENCE: &str = "password_rejected.restricted.sequence";
pub const USER_INFO: &str = "password_rejected.restricted.user_info";
pub const WORDS: &str = "password_rejected.restricted.words";

/// Runs of more than this many repeated or consecutive characters are refused
/// (`aaaa`, `1234`, `qwer`; Logto's threshold).
const RUN_THRESHOLD: usize = 3;

/// Keyboard rows and the alphabet/digits, in order: a run along any of them (either
/// direction) is a sequence.
const SEQUENCES: &[&str] = &[
    "abcdefghijklmnopqrstuvwxyz",
    "0123456789",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
];

fn is_symbol(c: char) -> bool {
    c == ' ' || c.is_ascii_punctuation()
}

impl PasswordPolicy {
    /// Every issue of `password` under this policy (empty: accepted). The breached check
    /// runs only when nothing else is wrong, as the more expensive one.
    pub fn check(&self, password: &str, user: &UserInfo<'_>) -> Vec<Issue> {
        let mut issues = Vec::new();
        let length = password.chars().count();
        if length < self.min_length {
            issues.push(Issue::with(TOO_SHORT, json!({ "min": self.min_length })));
        }
        if length > self.max_length {
            issues.push(Issue::with(TOO_LONG, json!({ "max": self.max_length })));
        }
        if password
            .chars()
            .any(|c| !(c.is_ascii_alphanumeric() || is_symbol(c)))
        {
            issues.push(Issue::new(UNSUPPORTED_CHARACTERS));
        }
        let types = [
            password.chars().any(|c| c.is_ascii_lowercase()),
            password.chars().any(|c| c.is_ascii_uppercase()),
            password.chars().any(|c| c.is_ascii_digit()),
            password.chars().any(is_symbol),
        ]
        .into_iter()
        .filter(|present| *present)
        .count();
        let wanted = self.min_character_types.clamp(1, 4);
        if types < wanted {
            issues.push(Issue::with(CHARACTER_TYPES, json!({ "min": wanted })));
        }
        let lower = password.to_lowercase();
        if self.reject_repetition_and_sequence {
            if has_repetition(&lower) {
                issues.push(Issue::new(REPETITION));
            }
            if has_sequence(&lower) {
                issues.push(Issue::new(SEQUENCE));
            }
        }
        if self.reject_user_info && contains_user_info(&lower, user) {
            issues.push(Issue::new(USER_INFO));
        }
        let words: Vec<&String> = self
            .reject_words
            .iter()
            .filter(|w| !w.is_empty() && lower.contains(&w.to_lowercase()))
            .collect();
        if !words.is_empty() {
            issues.push(Issue::with(WORDS, json!({ "words": words })));
        }
        // zxcvbn's cost grows with the length; an over-long password is refused anyway.
        if issues.is_empty() && self.reject_pwned && is_common(password) {
            issues.push(Issue::new(PWNED));
        }
        issues
    }
}

fn has_repetition(lower: &str) -> bool {
    let chars: Vec<char> = lower.chars().collect();
    chars
        .windows(RUN_THRESHOLD + 1)
        .any(|w| w.iter().all(|c| *c == w[0]))
}

fn has_sequence(lower: &str) -> bool {
    let chars: Vec<char> = lower.chars().collect();
    chars.windows(RUN_THRESHOLD + 1).any(|w| {
        let run: String = w.iter().collect();
        let reversed: String = w.iter().rev().collect();
        SEQUENCES
            .iter()
            .any(|s| s.contains(&run) || s.contains(&reversed))
    })
}

/// Whether the password contains the username, the email's local part (or the whole
/// address), the phone number, or a word of the name of at least 3 characters.
fn contains_user_info(lower: &str, user: &UserInfo<'_>) -> bool {
    let mut parts: Vec<String> = Vec::new();
    if let Some(u) = user.username {
        parts.push(u.to_lowercase());
    }
    if let Some(e) = user.email {
        let e = e.to_lowercase();
        if let Some((local, _)) = e.split_once('@') {
            parts.push(local.to_owned());
        }
        parts.push(e);
    }
    if let Some(p) = user.phone {
        parts.push(p.chars().filter(char::is_ascii_digit).collect());
    }
    if let Some(n) = user.name {
        let n = n.to_lowercase();
        parts.extend(n.split_whitespace().map(str::to_owned));
        parts.push(n.split_whitespace().collect());
    }
    parts
        .iter()
        .any(|p| p.chars().count() >= 3 && lower.contains(p.as_str()))
}

/// A common (breached) password, judged offline: the whole password is one entry of
/// zxcvbn's common-password list (l33t or reversed spellings included), or guessable in
/// under 10^3 tries.
pub fn is_common(password: &str) -> bool {
    let estimate = zxcvbn::zxcvbn(password, &[]);
    if estimate.guesses() < 1_000 {
        return true;
    }
    let length = password.chars().count();
    matches!(estimate.sequence(), [Match { i: 0, j, pattern: MatchPattern::Dictionary(d), .. }]
        if *j + 1 == length
            // zxcvbn does not export the dictionary type's name; its default is the
            // common-password list.
            && d.dictionary_name == Default::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(policy: &PasswordPolicy, password: &str, user: &UserInfo<'_>) -> Vec<&'static str> {
        policy
            .check(password, user)
            .into_iter()
            .map(|i| i.code)
            .collect()
    }

    #[test]
    fn lengths_and_character_types() {
        let p = PasswordPolicy {
            min_character_types: 3,
            ..Default::default()
        };
        let none = UserInfo::default();
        assert_eq!(codes(&p, "aB3", &none), vec![TOO_SHORT]);
        assert_eq!(codes(&p, "lowercaseonly", &none), vec![CHARACTER_TYPES]);
        assert_eq!(codes(&p, "Mixed-Types-27", &none), Vec::<&str>::new());
        assert_eq!(codes(&p, &"aB3-".repeat(70), &none), vec![TOO_LONG]);
        assert_eq!(
            codes(&p, "pässwörd-Tr4ck", &none),
            vec![UNSUPPORTED_CHARACTERS]
        );
        let issue = &p.check("a", &none)[0];
        assert_eq!(issue.interpolation, Some(json!({"min": 8})));
    }

    #[test]
    fn repetition_sequence_user_info_and_words() {
        let p = PasswordPolicy {
            reject_words: vec!["Tessera".into()],
            ..Default::default()
        };
        let alice = UserInfo {
            username: Some("alice_w"),
            email: Some("wonder.land@example.com"),
            phone: Some("+1 555 0100 777"),
            name: Some("Alice Liddell"),
        };
        assert_eq!(codes(&p, "zz-aaaa-Trk9", &alice), vec![REPETITION]);
        assert_eq!(codes(&p, "zz-1234-Trk9", &alice), vec![SEQUENCE]);
        assert_eq!(codes(&p, "zz-QWER-Trk9", &alice), vec![SEQUENCE]);
        assert_eq!(codes(&p, "zz-dcba-Trk9", &alice), vec![SEQUENCE]);
        assert_eq!(codes(&p, "my-Liddell-Trk9", &alice), vec![USER_INFO]);
        assert_eq!(codes(&p, "x-wonder.land-9", &alice), vec![USER_INFO]);
        assert_eq!(codes(&p, "Alice_W-Trk9z", &alice), vec![USER_INFO]);
        assert_eq!(codes(&p, "call-15550100777", &alice), vec![USER_INFO]);
        assert_eq!(codes(&p, "my-tEsSeRa-Trk9", &alice), vec![WORDS]);
        assert_eq!(
            codes(&p, "Vintage-Harbor-Lamp-73", &alice),
            Vec::<&str>::new()
        );
        let lenient = PasswordPolicy {
            reject_repetition_and_sequence: false,
            reject_user_info: false,
            ..Default::default()
        };
        assert!(codes(&lenient, "zz-aaaa-Liddell-9", &alice).is_empty());
    }

    #[test]
    fn common_passwords_are_refused_offline() {
        let p = PasswordPolicy::default();
        let none = UserInfo::default();
        for common in [
            "password",
            "Password1",
            "iloveyou",
            "p@ssw0rd",
            "sunshine",
            "football",
        ] {
            assert_eq!(codes(&p, common, &none), vec![PWNED], "{common}");
        }
        assert!(codes(&p, "Vintage-Harbor-Lamp-73", &none).is_empty());
        let off = PasswordPolicy {
            reject_pwned: false,
            ..Default::default()
        };
        assert!(codes(&off, "sunshine", &none).is_empty());
    }
}
