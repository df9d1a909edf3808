//! Logto's `Legacy` password digests: a JSON 3-tuple `["<algorithm>", [args…], "<expected>"]`
//! in which every `"@"` argument stands for the candidate password.
//!
//! * plain hashes (`md5`, `sha1`, `sha224`, `sha256`, `sha384`, `sha512`): the resolved
//!   arguments are concatenated and hashed; the lowercase hex is compared with `expected`;
//! * `pbkdf2` (alias `pbkdf2Sync`): the arguments other than `"@"` are `[salt, iterations,
//!   keylen, digest]`, the salt UTF-8 or `hex:<hex>`; the password is the PBKDF2 input.

use super::imported::hex_matches;
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha224, Sha256, Sha384, Sha512};

/// Bounds on PBKDF2 parameters: an imported expression must not make one sign-in cost
/// minutes of CPU or gigabytes of output.
const MAX_ITERATIONS: u32 = 10_000_000;
const MAX_KEY_LEN: usize = 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LegacyError {
    #[error("invalid legacy password format: {0}")]
    InvalidFormat(String),
    #[error("unsupported legacy hash algorithm: {0}")]
    UnsupportedAlgorithm(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hash {
    Md5,
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    fn from_name(name: &str) -> Option<Self> {
        Some(match name.to_ascii_lowercase().as_str() {
            "md5" => Self::Md5,
            "sha1" => Self::Sha1,
            "sha224" => Self::Sha224,
            "sha256" => Self::Sha256,
            "sha384" => Self::Sha384,
            "sha512" => Self::Sha512,
            _ => return None,
        })
    }

    fn digest(self, input: &[u8]) -> Vec<u8> {
        match self {
            Self::Md5 => Md5::digest(input).to_vec(),
            Self::Sha1 => Sha1::digest(input).to_vec(),
            Self::Sha224 => Sha224::digest(input).to_vec(),
            Self::Sha256 => Sha256::digest(input).to_vec(),
            Self::Sha384 => Sha384::digest(input).to_vec(),
            Self::Sha512 => Sha512::digest(input).to_vec(),
        }
    }

    fn pbkdf2(self, password: &[u8], salt: &[u8], rounds: u32, out: &mut [u8]) {
        use pbkdf2::pbkdf2_hmac;
        match self {
            Self::Md5 => pbkdf2_hmac::<Md5>(password, salt, rounds, out),
            Self::Sha1 => pbkdf2_hmac::<Sha1>(password, salt, rounds, out),
            Self::Sha224 => pbkdf2_hmac::<Sha224>(password, salt, rounds, out),
            Self::Sha256 => pbkdf2_hmac::<Sha256>(password, salt, rounds, out),
            Self::Sha384 => pbkdf2_hmac::<Sha384>(password, salt, rounds, out),
            Self::Sha512 => pbkdf2_hmac::<Sha512>(password, salt, rounds, out),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    /// Hash of the concatenated arguments.
    Concat { hash: Hash, args: Vec<String> },
    Pbkdf2 {
        salt: Vec<u8>,
        iterations: u32,
        key_len: usize,
        hash: Hash,
    },
}

/// A parsed legacy expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Expression {
    kind: Kind,
    expected: String,
}

fn invalid(why: impl Into<String>) -> LegacyError {
    LegacyError::InvalidFormat(why.into())
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| {
            hex.get(i..i + 2)
                .and_then(|b| u8::from_str_radix(b, 16).ok())
        })
        .collect()
}

impl Expression {
    pub(super) fn parse(text: &str) -> Result<Self, LegacyError> {
        let (algorithm, args, expected): (String, Vec<String>, String) = serde_json::from_str(text)
            .map_err(|_| {
                invalid(r#"expected a JSON array ["<algorithm>", ["<arg>", …], "<digest>"]"#)
            })?;
        if !args.iter().any(|a| a == "@") {
            return Err(invalid(r#"the arguments must contain "@" (the password)"#));
        }
        if expected.is_empty() {
            return Err(invalid("the expected digest is empty"));
        }
        let kind = if algorithm == "pbkdf2" || algorithm == "pbkdf2Sync" {
            Self::pbkdf2(&args)?
        } else {
            let hash = Hash::from_name(&algorithm)
                .ok_or_else(|| LegacyError::UnsupportedAlgorithm(algorithm.clone()))?;
            Kind::Concat { hash, args }
        };
        Ok(Self { kind, expected })
    }

    fn pbkdf2(args: &[String]) -> Result<Kind, LegacyError> {
        let rest: Vec<&str> = args
            .iter()
            .filter(|a| *a != "@")
            .map(String::as_str)
            .collect();
        let [salt, iterations, key_len, digest] = rest.as_slice() else {
            return Err(invalid(
                r#"pbkdf2 takes ["<salt>", "<iterations>", "<keylen>", "<digest>", "@"]"#,
            ));
        };
        let salt = match salt.strip_prefix("hex:") {
            Some(hex) => decode_hex(hex).ok_or_else(|| invalid("the hex: salt is not hex"))?,
            None => salt.as_bytes().to_vec(),
        };
        let iterations = iterations
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_ITERATIONS).contains(n))
            .ok_or_else(|| invalid(format!("iterations must be 1..={MAX_ITERATIONS}")))?;
        let key_len = key_len
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_KEY_LEN).contains(n))
            .ok_or_else(|| invalid(format!("keylen must be 1..={MAX_KEY_LEN}")))?;
        let hash = Hash::from_name(digest)
            .ok_or_else(|| LegacyError::UnsupportedAlgorithm(format!("pbkdf2 with {digest}")))?;
        Ok(Kind::Pbkdf2 {
            salt,
            iterations,
            key_len,
            hash,
        })
    }

    pub(super) fn verify(&self, password: &str) -> bool {
        let computed = match &self.kind {
            Kind::Concat { hash, args } => {
                let input: String = args
                    .iter()
                    .map(|a| if a == "@" { password } else { a.as_str() })
                    .collect();
                hash.digest(input.as_bytes())
            }
            Kind::Pbkdf2 {
                salt,
                iterations,
                key_len,
                hash,
            } => {
                let mut out = vec![0u8; *key_len];
                hash.pbkdf2(password.as_bytes(), salt, *iterations, &mut out);
                out
            }
        };
        let hex: String = computed.iter().map(|b| format!("{b:02x}")).collect();
        hex_matches(&hex, &self.expected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected digests of "Legacy-Pass-1" computed with Python's hashlib.
    #[test]
    fn concatenations_and_pbkdf2_verify() {
        let cases = [
            r#"["sha256", ["pepper", "@", "tail"], "abadb1af8e11f7371bef0ffb1c782c1e6de0e7b67e8cd68775b660cbed464760"]"#,
            r#"["md5", ["@"], "ff26274020980b9319bc596f81ff110a"]"#,
            r#"["sha512", ["s", "@"], "b08d7a123c0454d90d0c55527b2c4ffd9671e1705527733a59fa397541e2483effb1de402f094af81bafa8381da0e059aabd28d384dce0ec0a12fe19ce20c2ff"]"#,
            r#"["pbkdf2", ["hex:80ff00414243", "1000", "32", "sha256", "@"], "d7452f8caf374da5c9c780a3f54c0a53831ab6961a40c401278a955b3ae4e90e"]"#,
            r#"["pbkdf2", ["saltysalt", "500", "20", "sha1", "@"], "c712aad4fbc8b5ddd21d9fbc81ea2a665d2732a7"]"#,
        ];
        for case in cases {
            let e = Expression::parse(case).unwrap();
            assert!(e.verify("Legacy-Pass-1"), "{case}");
            assert!(!e.verify("Legacy-Pass-2"), "{case}");
        }
    }

    #[test]
    fn malformed_and_unknown_expressions_are_told_apart() {
        for bad in [
            "not json",
            r#"["sha256", "not_an_array", "ab"]"#,
            r#"["sha256", ["salt"], "ab"]"#,
            r#"["pbkdf2", ["hex:zz", "1000", "32", "sha256", "@"], "ab"]"#,
            r#"["pbkdf2", ["s", "0", "32", "sha256", "@"], "ab"]"#,
            r#"["pbkdf2", ["s", "1000", "sha256", "@"], "ab"]"#,
        ] {
            assert!(
                matches!(Expression::parse(bad), Err(LegacyError::InvalidFormat(_))),
                "{bad}"
            );
        }
        assert_eq!(
            Expression::parse(r#"["whirlpool", ["@"], "ab"]"#),
            Err(LegacyError::UnsupportedAlgorithm("whirlpool".into()))
        );
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        fn hex(bytes: &[u8]) -> String {
            bytes.iter().map(|b| format!("{b:02x}")).collect()
        }

        proptest! {
            /// Whatever an importer sends, parsing answers (never panics) and a parsed
            /// expression can be verified.
            #[test]
            fn parsing_any_text_never_panics(text in ".{0,200}") {
                if let Ok(e) = Expression::parse(&text) {
                    let _ = e.verify("x");
                }
            }

            /// JSON-shaped input with arbitrary members: only well-formed tuples that
            /// contain "@" parse.
            #[test]
            fn tuples_parse_only_with_the_password_placeholder(
                algorithm in "(md5|sha1|sha256|sha512|pbkdf2|[a-z0-9]{1,8})",
                args in proptest::collection::vec("(@|[ -~]{0,12})", 0..6),
                expected in "[0-9a-f]{0,64}",
            ) {
                let text = serde_json::to_string(&(algorithm, &args, &expected)).unwrap();
                match Expression::parse(&text) {
                    Ok(_) => {
                        prop_assert!(args.iter().any(|a| a == "@"));
                        prop_assert!(!expected.is_empty());
                    }
                    Err(LegacyError::InvalidFormat(_)) | Err(LegacyError::UnsupportedAlgorithm(_)) => {}
                }
                if !args.iter().any(|a| a == "@") {
                    prop_assert!(matches!(Expression::parse(&text), Err(LegacyError::InvalidFormat(_))));
                }
            }

            /// A concatenation verifies exactly the password it was made from, whatever
            /// the salt's characters and wherever "@" stands; the expected digest's case
            /// does not matter.
            #[test]
            fn concatenations_verify_only_their_password(
                before in "\\PC{0,16}",
                after in "\\PC{0,16}",
                password in "\\PC{1,32}",
                upper in any::<bool>(),
            ) {
                prop_assume!(before != "@" && after != "@");
                let digest = hex(&Sha256::digest(format!("{before}{password}{after}").as_bytes()));
                let digest = if upper { digest.to_ascii_uppercase() } else { digest };
                let text = serde_json::to_string(&("sha256", [&before, "@", &after], digest)).unwrap();
                let e = Expression::parse(&text).unwrap();
                prop_assert!(e.verify(&password));
                let other = format!("{password}x");
                prop_assert!(!e.verify(&other));
            }

            /// PBKDF2 with a raw (`hex:`) salt verifies the password it was made from.
            #[test]
            fn pbkdf2_hex_salts_round_trip(
                salt in proptest::collection::vec(any::<u8>(), 0..24),
                password in "[ -~]{1,24}",
                key_len in 1usize..64,
            ) {
                let mut out = vec![0u8; key_len];
                pbkdf2::pbkdf2_hmac::<Sha256>(password.as_bytes(), &salt, 3, &mut out);
                let args = [format!("hex:{}", hex(&salt)), "3".into(), key_len.to_string(), "sha256".into(), "@".into()];
                let text = serde_json::to_string(&("pbkdf2", args, hex(&out))).unwrap();
                let e = Expression::parse(&text).unwrap();
                prop_assert!(e.verify(&password));
                // A short key matches another password by chance (one byte: 1 in 256);
                // from 8 bytes on, a match would be a bug.
                if key_len >= 8 {
                    let other = format!("{password}!");
                    prop_assert!(!e.verify(&other));
                }
            }
        }
    }
}
