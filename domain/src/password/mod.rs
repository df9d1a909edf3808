//! Password hashing policy and imported digests.
//!
//! New passwords are Argon2id with OWASP's m=19456 KiB, t=2, p=1, stored as a PHC string
//! (Logto uses Argon2i; Argon2id is our documented difference). Digests imported from other
//! systems (`passwordDigest` + `passwordAlgorithm`: Argon2i/id/d, Bcrypt, MD5, SHA1, SHA256
//! and Logto's `Legacy` expressions) are checked for shape on import, verified here, and
//! replaced by a policy digest on the next successful sign-in ([`needs_rehash`]).
//! Pure computation; salts come from the caller's randomness. Every comparison of a
//! computed digest with a stored one is constant-time.

mod imported;
mod legacy;
pub mod policy;

use argon2::password_hash::{PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use serde::{Deserialize, Serialize};

pub use imported::ImportError;
pub use legacy::LegacyError;

/// A stored password digest and the algorithm that produced it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PasswordDigest {
    pub algorithm: PasswordAlgorithm,
    pub digest: String,
}

impl std::fmt::Debug for PasswordDigest {
    // Digests are secrets; keep them out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordDigest")
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

/// Logto's `passwordAlgorithm` names (`UsersPasswordEncryptionMethod`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PasswordAlgorithm {
    Argon2i,
    Argon2id,
    Argon2d,
    Bcrypt,
    #[serde(rename = "MD5")]
    Md5,
    #[serde(rename = "SHA1")]
    Sha1,
    #[serde(rename = "SHA256")]
    Sha256,
    Legacy,
}

impl PasswordAlgorithm {
    pub const ALL: [Self; 8] = [
        Self::Argon2i,
        Self::Argon2id,
        Self::Argon2d,
        Self::Bcrypt,
        Self::Md5,
        Self::Sha1,
        Self::Sha256,
        Self::Legacy,
    ];

    /// The name Logto's API uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Argon2i => "Argon2i",
            Self::Argon2id => "Argon2id",
            Self::Argon2d => "Argon2d",
            Self::Bcrypt => "Bcrypt",
            Self::Md5 => "MD5",
            Self::Sha1 => "SHA1",
            Self::Sha256 => "SHA256",
            Self::Legacy => "Legacy",
        }
    }

    pub fn from_api_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("password must be between 1 and 256 characters")]
    InvalidLength,
    #[error("password hashing failed: {0}")]
    Hashing(String),
}

const POLICY_M_KIB: u32 = 19_456;
const POLICY_T: u32 = 2;
const POLICY_P: u32 = 1;

fn argon2id() -> Argon2<'static> {
    // The parameters are constants known to be valid; `Params::new` cannot fail for them.
    let params = Params::new(POLICY_M_KIB, POLICY_T, POLICY_P, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes `password` with Argon2id and a 16-byte salt from the caller.
pub fn hash_password(password: &str, salt: [u8; 16]) -> Result<PasswordDigest, PasswordError> {
    if password.is_empty() || password.chars().count() > 256 {
        return Err(PasswordError::InvalidLength);
    }
    let salt = SaltString::encode_b64(&salt).map_err(|e| PasswordError::Hashing(e.to_string()))?;
    let hash = argon2id()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| PasswordError::Hashing(e.to_string()))?;
    Ok(PasswordDigest {
        algorithm: PasswordAlgorithm::Argon2id,
        digest: hash.to_string(),
    })
}

/// Checks `password` against a stored digest of any supported algorithm. A malformed
/// digest never verifies.
pub fn verify_password(password: &str, stored: &PasswordDigest) -> bool {
    imported::verify(password, stored)
}

/// A policy digest of a fixed password, verified in place of a digest that does not exist
/// or beside one that is cheaper than the policy's, so every check costs one policy
/// Argon2id computation at least. Computed once (a fixed salt is fine: it protects nothing).
pub fn decoy() -> Option<&'static PasswordDigest> {
    static DECOY: std::sync::OnceLock<Option<PasswordDigest>> = std::sync::OnceLock::new();
    DECOY
        .get_or_init(|| hash_password("tessera-decoy-password", [7; 16]).ok())
        .as_ref()
}

/// Checks `password` against `stored` (`None`: the identifier names nobody, or the user has
/// no password) at the cost of a policy Argon2id check whatever `stored` is, so an attacker
/// cannot tell unknown users, users without a password, or users with an imported fast
/// digest (MD5, SHA, bcrypt at a low cost, Argon2 with small parameters, legacy
/// expressions) from the others by timing: anything that is not a policy digest is
/// verified and then the decoy too. The decoy's answer is never used.
pub fn verify_timing_flat(password: &str, stored: Option<&PasswordDigest>) -> bool {
    verify_timing_flat_with(password, stored, verify_password)
}

/// [`verify_timing_flat`] over any verifier, so a test can see which digests are checked
/// (a timing assertion would be noise on a shared machine).
fn verify_timing_flat_with(
    password: &str,
    stored: Option<&PasswordDigest>,
    mut verify: impl FnMut(&str, &PasswordDigest) -> bool,
) -> bool {
    let (verified, with_decoy) = match stored {
        None => (false, true),
        Some(digest) => (verify(password, digest), needs_rehash(digest)),
    };
    if with_decoy {
        if let Some(decoy) = decoy() {
            std::hint::black_box(verify(password, decoy));
        }
    }
    verified
}

/// Whether a digest that just verified should be replaced by a policy digest: anything
/// that is not Argon2id with exactly the policy's parameters (an imported Argon2id with
/// weaker parameters included).
pub fn needs_rehash(stored: &PasswordDigest) -> bool {
    if stored.algorithm != PasswordAlgorithm::Argon2id {
        return true;
    }
    let Ok(parsed) = PasswordHash::new(&stored.digest) else {
        return true;
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return true;
    };
    parsed.version != Some(Version::V0x13.into())
        || params.m_cost() != POLICY_M_KIB
        || params.t_cost() != POLICY_T
        || params.p_cost() != POLICY_P
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_only_the_right_password() {
        let digest = hash_password("correct horse", [7; 16]).unwrap();
        assert!(digest.digest.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password("correct horse", &digest));
        assert!(!verify_password("wrong horse", &digest));
        assert!(!needs_rehash(&digest));
    }

    #[test]
    fn fast_digests_cost_as_much_as_the_decoy() {
        let md5 =
            PasswordDigest::import(PasswordAlgorithm::Md5, "ff26274020980b9319bc596f81ff110a")
                .unwrap();
        let policy = hash_password("Legacy-Pass-1", [1; 16]).unwrap();
        let decoy = decoy().unwrap();
        // The decoy is a policy digest: checking it costs what checking a policy digest does.
        assert!(!needs_rehash(decoy));
        // Which digests one check verifies, and its answer.
        let checked = |password: &str, stored: Option<&PasswordDigest>| {
            let mut seen = Vec::new();
            let verified = verify_timing_flat_with(password, stored, |p, digest| {
                seen.push(digest.clone());
                verify_password(p, digest)
            });
            (verified, seen)
        };
        // Every path verifies exactly one policy digest, whatever else it checks.
        assert_eq!(
            checked("Legacy-Pass-1", Some(&md5)),
            (true, vec![md5.clone(), decoy.clone()])
        );
        assert_eq!(
            checked("wrong", Some(&md5)),
            (false, vec![md5.clone(), decoy.clone()])
        );
        assert_eq!(checked("Legacy-Pass-1", None), (false, vec![decoy.clone()]));
        assert_eq!(
            checked("Legacy-Pass-1", Some(&policy)),
            (true, vec![policy.clone()])
        );
        assert_eq!(
            checked("wrong", Some(&policy)),
            (false, vec![policy.clone()])
        );
        // The decoy's answer is never the answer, even for the decoy's own password.
        assert!(!verify_timing_flat("tessera-decoy-password", None));
    }

    #[test]
    fn empty_passwords_are_refused_and_garbage_digests_never_verify() {
        assert_eq!(
            hash_password("", [0; 16]),
            Err(PasswordError::InvalidLength)
        );
        let garbage = PasswordDigest {
            algorithm: PasswordAlgorithm::Argon2id,
            digest: "not-a-phc-string".into(),
        };
        assert!(!verify_password("x", &garbage));
        assert!(needs_rehash(&garbage));
    }

    #[test]
    fn algorithm_names_round_trip_through_serde_and_the_api_name() {
        for algorithm in PasswordAlgorithm::ALL {
            let json = serde_json::to_value(algorithm).unwrap();
            assert_eq!(json, algorithm.as_str());
            assert_eq!(
                PasswordAlgorithm::from_api_name(algorithm.as_str()),
                Some(algorithm)
            );
        }
        assert_eq!(PasswordAlgorithm::from_api_name("sha256"), None);
    }
}
