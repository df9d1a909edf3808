//! Management API tokens already verified, remembered until they expire.
//!
//! Every `/api` request carries the same few bearer tokens (an M2M app reuses its token for
//! its whole lifetime), and verifying an ES384 signature costs more CPU than the rest of a
//! typical request: at 1,000 requests/s P-384 arithmetic was ~15 % of the server's CPU
//! (bench/RESULTS.md, webhooks end to end). A JWT cannot be revoked before it expires, so
//! a token that verified once stays valid until its `exp` — except when the key that
//! signed it leaves the key ring, which is why each entry remembers the key set it was
//! verified against and is ignored once that set has been replaced (a new, rotated or
//! deleted key makes a new [`KeySet`](crate::oidc::keys::KeySet) version).
//!
//! Entries are keyed by the token's SHA-256, so the cache holds no bearer credential.

use aws_lc_rs::digest::{digest, SHA256};
use domain::Timestamp;
use std::collections::HashMap;
use std::sync::Mutex;

/// Upper bound on remembered tokens; past it, expired entries go, and if that is not
/// enough the cache starts over (cheap: the next request of each client re-verifies).
const CAPACITY: usize = 10_000;

/// What a verified token grants, as [`crate::guard::management_token`] decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedToken {
    pub client_id: String,
    pub has_management_scope: bool,
}

struct Entry {
    key_set_version: u64,
    expires_at: Timestamp,
    token: VerifiedToken,
}

#[derive(Default)]
pub struct VerifiedTokens {
    entries: Mutex<HashMap<[u8; 32], Entry>>,
}

fn key_of(token: &str) -> [u8; 32] {
    let mut key = [0u8; 32];
    key.copy_from_slice(digest(&SHA256, token.as_bytes()).as_ref());
    key
}

impl VerifiedTokens {
    /// The remembered verdict for `token`, if it was verified against key set
    /// `key_set_version` and has not expired at `now`.
    pub fn get(&self, token: &str, key_set_version: u64, now: Timestamp) -> Option<VerifiedToken> {
        let entries = self.entries.lock().ok()?;
        let entry = entries.get(&key_of(token))?;
        (entry.key_set_version == key_set_version && entry.expires_at > now)
            .then(|| entry.token.clone())
    }

    /// Remembers a token that verified against key set `key_set_version`.
    pub fn put(
        &self,
        token: &str,
        key_set_version: u64,
        expires_at: Timestamp,
        verified: VerifiedToken,
        now: Timestamp,
    ) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.len() >= CAPACITY {
            entries.retain(|_, e| e.expires_at > now && e.key_set_version == key_set_version);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(
            key_of(token),
            Entry {
                key_set_version,
                expires_at,
                token: verified,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(client: &str) -> VerifiedToken {
        VerifiedToken {
            client_id: client.into(),
            has_management_scope: true,
        }
    }

    #[test]
    fn a_verdict_holds_until_expiry_and_only_for_its_key_set() {
        let cache = VerifiedTokens::default();
        let now = Timestamp::from_millis(1_000);
        cache.put("t1", 7, Timestamp::from_millis(5_000), token("a"), now);
        assert_eq!(cache.get("t1", 7, now), Some(token("a")));
        assert_eq!(cache.get("t2", 7, now), None, "another token");
        assert_eq!(cache.get("t1", 8, now), None, "the key set changed");
        assert_eq!(
            cache.get("t1", 7, Timestamp::from_millis(5_000)),
            None,
            "expired"
        );
    }

    #[test]
    fn a_full_cache_drops_expired_entries_first() {
        let cache = VerifiedTokens::default();
        let now = Timestamp::from_millis(1_000);
        for i in 0..CAPACITY - 1 {
            cache.put(
                &format!("old{i}"),
                1,
                Timestamp::from_millis(1_500),
                token("x"),
                now,
            );
        }
        cache.put("live", 1, Timestamp::from_millis(9_000), token("l"), now);
        let later = Timestamp::from_millis(2_000);
        cache.put("new", 1, Timestamp::from_millis(9_000), token("n"), later);
        assert_eq!(cache.get("live", 1, later), Some(token("l")));
        assert_eq!(cache.get("new", 1, later), Some(token("n")));
        assert_eq!(cache.entries.lock().map(|e| e.len()).unwrap_or(0), 2);
    }
}
