//! Password hashing policy: Argon2id with OWASP's m=19456 KiB, t=2, p=1, stored as a PHC
//! string. Pure computation; the salt comes from the caller's randomness.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use serde::{Deserialize, Serialize};

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PasswordAlgorithm {
    Argon2id,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("password must be between 1 and 256 characters")]
    InvalidLength,
    #[error("password hashing failed: {0}")]
    Hashing(String),
}

fn argon2id() -> Argon2<'static> {
    // The parameters are constants known to be valid; `Params::new` cannot fail for them.
    let params = Params::new(19_456, 2, 1, None).unwrap_or_default();
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

/// Checks `password` against a stored digest. A malformed digest never verifies.
pub fn verify_password(password: &str, stored: &PasswordDigest) -> bool {
    match stored.algorithm {
        PasswordAlgorithm::Argon2id => PasswordHash::new(&stored.digest)
            .map(|parsed| {
                argon2id()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false),
    }
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
    }
}
