use serde::{Deserialize, Serialize};
use std::fmt;

/// A source of randomness, injected so the domain stays deterministic under test.
pub trait Random {
    fn fill(&mut self, dest: &mut [u8]);
}

const ALPHABET: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";

/// Logto's standard id: 21 lowercase alphanumeric characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StandardId(String);

impl StandardId {
    pub const LEN: usize = 21;

    pub fn generate(random: &mut dyn Random) -> Self {
        Self(random_string(random, Self::LEN))
    }

    /// Accepts any non-empty id of sane length made of URL-safe characters; ids that come
    /// from outside (path parameters, imports) are checked here once.
    pub fn parse(value: &str) -> Option<Self> {
        let ok = !value.is_empty()
            && value.len() <= 128
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        ok.then(|| Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for StandardId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A random string over `[0-9a-z]` with no modulo bias (rejection sampling).
pub fn random_string(random: &mut dyn Random, len: usize) -> String {
    let mut out = String::with_capacity(len);
    let mut buf = [0u8; 64];
    while out.len() < len {
        random.fill(&mut buf);
        for &b in &buf {
            // 252 = 7 * 36: bytes at or above it would favour the first characters.
            if b < 252 && out.len() < len {
                out.push(ALPHABET[(b % 36) as usize] as char);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::SeqRandom;

    #[test]
    fn standard_ids_are_21_lowercase_alphanumerics_and_differ() {
        let mut rng = SeqRandom(42);
        let a = StandardId::generate(&mut rng);
        let b = StandardId::generate(&mut rng);
        assert_eq!(a.as_str().len(), 21);
        assert!(a
            .as_str()
            .bytes()
            .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase()));
        assert_ne!(a, b);
    }

    #[test]
    fn parse_rejects_empty_and_odd_characters() {
        assert!(StandardId::parse("").is_none());
        assert!(StandardId::parse("a/b").is_none());
        assert!(StandardId::parse("abc123").is_some());
    }
}
