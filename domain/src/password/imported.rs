//! Imported digests: their shape is checked when they arrive (so a typo is a 400/422 at
//! import, not a user who silently can never sign in) and each algorithm is verified here.

use super::legacy::{self, LegacyError};
use super::{PasswordAlgorithm, PasswordDigest};
use argon2::password_hash::{PasswordHash, PasswordVerifier};
use argon2::Argon2;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    /// The digest does not have the shape the algorithm produces (names the expectation).
    #[error("{0}")]
    Malformed(String),
    /// A `Legacy` expression that is not Logto's 3-tuple or names an unknown hash.
    #[error(transparent)]
    Legacy(#[from] LegacyError),
}

fn is_hex(value: &str, len: usize) -> bool {
    value.len() == len && value.bytes().all(|b| b.is_ascii_hexdigit())
}

impl PasswordDigest {
    /// Validates an imported `passwordDigest` for `algorithm` and returns it in stored form
    /// (hex digests lower-cased; everything else as given).
    pub fn import(algorithm: PasswordAlgorithm, digest: &str) -> Result<Self, ImportError> {
        let malformed = |what: &str| Err(ImportError::Malformed(what.to_owned()));
        let digest = match algorithm {
            PasswordAlgorithm::Argon2i
            | PasswordAlgorithm::Argon2id
            | PasswordAlgorithm::Argon2d => {
                let ident = algorithm.as_str().to_ascii_lowercase();
                match PasswordHash::new(digest) {
                    Ok(parsed) if parsed.algorithm.as_str() == ident && parsed.hash.is_some() => {
                        digest.to_owned()
                    }
                    _ => return malformed(&format!("expected a PHC string ${ident}$v=19$…")),
                }
            }
            PasswordAlgorithm::Bcrypt => {
                let prefix_ok = ["$2a$", "$2b$", "$2x$", "$2y$"]
                    .iter()
                    .any(|p| digest.starts_with(p));
                if !prefix_ok || digest.len() != 60 {
                    return malformed("expected a 60-character bcrypt hash ($2b$…)");
                }
                digest.to_owned()
            }
            PasswordAlgorithm::Md5 | PasswordAlgorithm::Sha1 | PasswordAlgorithm::Sha256 => {
                let len = hex_len(algorithm);
                if !is_hex(digest, len) {
                    return malformed(&format!("expected {len} hexadecimal characters"));
                }
                digest.to_ascii_lowercase()
            }
            PasswordAlgorithm::Legacy => {
                legacy::Expression::parse(digest)?;
                digest.to_owned()
            }
        };
        Ok(Self { algorithm, digest })
    }
}

fn hex_len(algorithm: PasswordAlgorithm) -> usize {
    match algorithm {
        PasswordAlgorithm::Md5 => 32,
        PasswordAlgorithm::Sha1 => 40,
        _ => 64,
    }
}

/// Constant-time equality of a computed hex digest with the stored one (case-insensitive).
pub(super) fn hex_matches(computed: &str, stored: &str) -> bool {
    let stored = stored.to_ascii_lowercase();
    computed.len() == stored.len() && bool::from(computed.as_bytes().ct_eq(stored.as_bytes()))
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(super) fn verify(password: &str, stored: &PasswordDigest) -> bool {
    let pw = password.as_bytes();
    match stored.algorithm {
        PasswordAlgorithm::Argon2i | PasswordAlgorithm::Argon2id | PasswordAlgorithm::Argon2d => {
            // The verifier takes variant, version and parameters from the PHC string; the
            // variant must still be the one the digest was imported as.
            let ident = stored.algorithm.as_str().to_ascii_lowercase();
            PasswordHash::new(&stored.digest).is_ok_and(|parsed| {
                parsed.algorithm.as_str() == ident
                    && Argon2::default().verify_password(pw, &parsed).is_ok()
            })
        }
        // bcrypt's own check compares in constant time.
        PasswordAlgorithm::Bcrypt => bcrypt::verify(pw, &stored.digest).unwrap_or(false),
        PasswordAlgorithm::Md5 => hex_matches(&hex_of(&md5::Md5::digest(pw)), &stored.digest),
        PasswordAlgorithm::Sha1 => hex_matches(&hex_of(&Sha1::digest(pw)), &stored.digest),
        PasswordAlgorithm::Sha256 => hex_matches(&hex_of(&Sha256::digest(pw)), &stored.digest),
        PasswordAlgorithm::Legacy => legacy::Expression::parse(&stored.digest)
            .is_ok_and(|expression| expression.verify(password)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Digests of "Legacy-Pass-1" computed with Python (hashlib, bcrypt, argon2-cffi), not
    // with the code under test.
    const PW: &str = "Legacy-Pass-1";
    const CASES: &[(PasswordAlgorithm, &str)] = &[
        (PasswordAlgorithm::Bcrypt, "$2b$04$yFAUM4nPi6cFut5xbq1XQ.XeoD30W8MWDrcavSxV24lZ8dvIo6Zfa"),
        (PasswordAlgorithm::Argon2i, "$argon2i$v=19$m=1024,t=2,p=1$dgHXW1NHtvh8J1OZTuOJ+g$L4K5gvTDRupGBY6bELU5EEN7V8xJznS91BpczTfZdRs"),
        (PasswordAlgorithm::Argon2id, "$argon2id$v=19$m=1024,t=2,p=1$OnpTVsI8nFcTTiNBJQWiEA$ylS/jWHVTVIv/FDfOIfaCbF8fEdEIC1Jfmfc/v6Uk5c"),
        (PasswordAlgorithm::Argon2d, "$argon2d$v=19$m=1024,t=2,p=1$p4vzCNsCQQ7IJLni2xjltg$tnKGERJJH+uqb2S73kY25Y3mzr29hhHcHyTiTTRrX9c"),
        (PasswordAlgorithm::Md5, "ff26274020980b9319bc596f81ff110a"),
        (PasswordAlgorithm::Sha1, "DB264B93AFE7B277B1C710095D9D230BDAB2EF38"),
        (PasswordAlgorithm::Sha256, "d0420c810f8088c997fcc159852f1f2ca07e544047182407fc3f639b3eacc850"),
    ];

    #[test]
    fn every_algorithm_verifies_the_right_password_only() {
        for (algorithm, digest) in CASES {
            let imported = PasswordDigest::import(*algorithm, digest).unwrap();
            assert!(verify(PW, &imported), "{algorithm:?}");
            assert!(!verify("Legacy-Pass-2", &imported), "{algorithm:?}");
            assert!(super::super::needs_rehash(&imported), "{algorithm:?}");
        }
    }

    #[test]
    fn malformed_digests_are_refused_on_import() {
        for (algorithm, digest) in [
            (PasswordAlgorithm::Md5, "abc"),
            (PasswordAlgorithm::Sha256, "zz"),
            (PasswordAlgorithm::Bcrypt, "$1$abc"),
            (PasswordAlgorithm::Argon2i, CASES[2].1),
            (PasswordAlgorithm::Argon2id, "$argon2id$nope"),
        ] {
            assert!(
                matches!(
                    PasswordDigest::import(algorithm, digest),
                    Err(ImportError::Malformed(_))
                ),
                "{algorithm:?} {digest}"
            );
        }
    }
}
