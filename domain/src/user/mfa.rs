//! A user's second factors (Logto's `mfaVerifications`): an authenticator app (TOTP,
//! RFC 6238) and backup codes. Pure: the time comes from the command context, secrets and
//! codes from the caller's randomness, backup-code digests from the caller's keyed digest.
//!
//! TOTP follows Logto's defaults (otplib's): HMAC-SHA-1, 6 digits, 30-second steps, one
//! step of tolerance either side (RFC 6238 §5.2). A code is accepted at most once: the
//! factor remembers the last time step it accepted and refuses that step and any earlier
//! one, so a code seen over someone's shoulder cannot be replayed within its window.
//!
//! Backup codes are Logto's: 10 codes of 10 lowercase hex characters. They are shown once
//! and only their keyed digests enter the log; each one works once.

use crate::time::Timestamp;
use data_encoding::BASE32;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha1::Sha1;
use subtle::ConstantTimeEq;

/// Seconds per TOTP time step (RFC 6238's X; Logto's default).
pub const TOTP_STEP_SECS: i64 = 30;
/// Digits of a TOTP code.
pub const TOTP_DIGITS: usize = 6;
/// Steps accepted either side of the current one (otplib's `window: 1`, as Logto sets it).
pub const TOTP_WINDOW: i64 = 1;
/// Bytes of a secret Tessera generates: 160 bits, RFC 4226's recommendation; its base32
/// form is 32 characters, within Logto's accepted 16 to 32.
pub const TOTP_SECRET_BYTES: usize = 20;

/// How many backup codes a set holds (Logto's `backupCodeCount`).
pub const BACKUP_CODE_COUNT: usize = 10;
/// Characters per backup code.
pub const BACKUP_CODE_LEN: usize = 10;
const BACKUP_ALPHABET: &[u8; 16] = b"0123456789abcdef";

/// Logto's factor names (`MfaFactor`), as the API shows them in `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MfaFactor {
    Totp,
    BackupCode,
}

impl MfaFactor {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Totp => "Totp",
            Self::BackupCode => "BackupCode",
        }
    }
}

/// The base32 text of a fresh secret made of `bytes`.
pub fn totp_secret_from(bytes: &[u8; TOTP_SECRET_BYTES]) -> String {
    BASE32.encode(bytes)
}

/// Logto's rule for a secret a caller supplies (`validateTotpSecret`): RFC 4648 base32 in
/// upper case (padding allowed), 16 to 32 characters.
pub fn valid_totp_secret(secret: &str) -> bool {
    (16..=32).contains(&secret.len())
        && secret.len().is_multiple_of(8)
        && totp_key(secret).is_some()
}

/// The HMAC key a base32 secret stands for.
fn totp_key(secret: &str) -> Option<Vec<u8>> {
    if !secret
        .bytes()
        .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b) || b == b'=')
    {
        return None;
    }
    BASE32
        .decode(secret.as_bytes())
        .ok()
        .filter(|k| !k.is_empty())
}

/// RFC 4226 HOTP of `key` at `counter`: dynamic truncation of HMAC-SHA-1, 6 digits.
fn hotp(key: &[u8], counter: u64) -> Option<u32> {
    let mut mac = Hmac::<Sha1>::new_from_slice(key).ok()?;
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[digest.len() - 1] & 0x0f);
    let bytes: [u8; 4] = digest.get(offset..offset + 4)?.try_into().ok()?;
    Some((u32::from_be_bytes(bytes) & 0x7fff_ffff) % 1_000_000)
}

/// The time step `now` falls in.
pub fn totp_step(now: Timestamp) -> u64 {
    u64::try_from(now.as_millis().div_euclid(1000) / TOTP_STEP_SECS).unwrap_or(0)
}

/// The TOTP code of `secret` at `step` (what an authenticator app shows), if the secret
/// is valid base32.
pub fn totp_code(secret: &str, step: u64) -> Option<String> {
    let key = totp_key(secret)?;
    hotp(&key, step).map(|code| format!("{code:0width$}", width = TOTP_DIGITS))
}

/// Why a TOTP code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TotpRefusal {
    /// Not a code of this secret within the window (or not six digits).
    Mismatch,
    /// A code of a step already accepted (or an earlier one): a replay.
    Replayed,
}

/// The step whose code `code` is, within the window around `now`, refusing steps at or
/// before `last_step`. Every step of the window is computed and compared in constant
/// time, so the answer's timing does not say which step matched.
pub fn check_totp(
    secret: &str,
    code: &str,
    now: Timestamp,
    last_step: Option<u64>,
) -> Result<u64, TotpRefusal> {
    let code = code.trim();
    if code.len() != TOTP_DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(TotpRefusal::Mismatch);
    }
    let key = totp_key(secret).ok_or(TotpRefusal::Mismatch)?;
    let current = totp_step(now);
    let mut matched = None;
    for delta in -TOTP_WINDOW..=TOTP_WINDOW {
        let Some(step) = current.checked_add_signed(delta) else {
            continue;
        };
        let Some(expected) = hotp(&key, step) else {
            continue;
        };
        let expected = format!("{expected:0width$}", width = TOTP_DIGITS);
        if bool::from(expected.as_bytes().ct_eq(code.as_bytes())) {
            // The latest matching step wins (codes of adjacent steps practically never collide).
            matched = Some(step);
        }
    }
    match (matched, last_step) {
        (None, _) => Err(TotpRefusal::Mismatch),
        (Some(step), Some(last)) if step <= last => Err(TotpRefusal::Replayed),
        (Some(step), _) => Ok(step),
    }
}

/// A fresh set of backup codes from `random` (one byte per character; each byte's low
/// nibble picks a hex digit, so every character is uniform).
pub fn generate_backup_codes(mut random: impl FnMut() -> u8) -> Vec<String> {
    (0..BACKUP_CODE_COUNT)
        .map(|_| {
            (0..BACKUP_CODE_LEN)
                .map(|_| char::from(BACKUP_ALPHABET[usize::from(random() & 0x0f)]))
                .collect()
        })
        .collect()
}

/// Logto's rule for codes a caller supplies (`validateBackupCodes`): exactly ten, each ten
/// hex characters (either case).
pub fn valid_backup_codes(codes: &[String]) -> bool {
    codes.len() == BACKUP_CODE_COUNT
        && codes
            .iter()
            .all(|c| c.len() == BACKUP_CODE_LEN && c.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// A backup code as it is digested: trimmed and lower-cased (Logto compares case-blind).
pub fn normalize_backup_code(code: &str) -> String {
    code.trim().to_ascii_lowercase()
}

/// One bound factor in the aggregate's state.
#[derive(Debug, Clone, PartialEq)]
pub struct MfaVerification {
    pub id: String,
    pub kind: MfaKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum MfaKind {
    /// The shared secret (personal data: sealed in the log) and the last step accepted.
    Totp {
        secret: Option<String>,
        last_step: Option<u64>,
    },
    /// The codes' digests, and which of them have been used.
    BackupCode {
        digests: Vec<String>,
        used: Vec<bool>,
    },
}

impl MfaVerification {
    pub fn factor(&self) -> MfaFactor {
        match self.kind {
            MfaKind::Totp { .. } => MfaFactor::Totp,
            MfaKind::BackupCode { .. } => MfaFactor::BackupCode,
        }
    }

    /// Backup codes not yet used (0 for other factors).
    pub fn remaining_codes(&self) -> usize {
        match &self.kind {
            MfaKind::BackupCode { used, .. } => used.iter().filter(|u| !**u).count(),
            MfaKind::Totp { .. } => 0,
        }
    }
}

/// The index of the unused code among `digests` equal to `presented`, or whether it
/// matched a used one. Compares every digest (constant time each).
pub fn find_backup_code(digests: &[String], used: &[bool], presented: &str) -> BackupCodeMatch {
    let mut found = BackupCodeMatch::None;
    for (i, digest) in digests.iter().enumerate() {
        if bool::from(digest.as_bytes().ct_eq(presented.as_bytes())) {
            found = if used.get(i).copied().unwrap_or(true) {
                BackupCodeMatch::Used
            } else {
                BackupCodeMatch::Unused(i)
            };
        }
    }
    found
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackupCodeMatch {
    None,
    Used,
    Unused(usize),
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B's SHA-1 secret, "12345678901234567890", in base32.
    const RFC_SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    #[test]
    fn codes_match_rfc_6238_test_vectors() {
        // Appendix B (SHA-1), truncated to six digits: T = 59, 1111111109, 1234567890.
        for (time, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_234_567_890, "005924"),
        ] {
            let step = totp_step(Timestamp::from_millis(time * 1000));
            assert_eq!(
                totp_code(RFC_SECRET, step).as_deref(),
                Some(code),
                "T={time}"
            );
        }
    }

    #[test]
    fn a_code_is_accepted_within_one_step_and_never_twice() {
        let now = Timestamp::from_millis(1_111_111_109_000);
        let step = totp_step(now);
        let code = totp_code(RFC_SECRET, step).unwrap();
        assert_eq!(check_totp(RFC_SECRET, &code, now, None), Ok(step));
        assert_eq!(
            check_totp(RFC_SECRET, &code, now, Some(step)),
            Err(TotpRefusal::Replayed)
        );
        // The previous step's code is still accepted once (clock drift), the one before not.
        let previous = totp_code(RFC_SECRET, step - 1).unwrap();
        assert_eq!(check_totp(RFC_SECRET, &previous, now, None), Ok(step - 1));
        let older = totp_code(RFC_SECRET, step - 2).unwrap();
        assert_eq!(
            check_totp(RFC_SECRET, &older, now, None),
            Err(TotpRefusal::Mismatch)
        );
        // An older step's code after a newer one was accepted is a replay too.
        assert_eq!(
            check_totp(RFC_SECRET, &previous, now, Some(step)),
            Err(TotpRefusal::Replayed)
        );
        for bad in ["", "12345", "1234567", "abcdef"] {
            assert_eq!(
                check_totp(RFC_SECRET, bad, now, None),
                Err(TotpRefusal::Mismatch)
            );
        }
    }

    #[test]
    fn secrets_follow_logtos_rule() {
        assert!(valid_totp_secret(RFC_SECRET));
        assert!(valid_totp_secret(&totp_secret_from(
            &[7; TOTP_SECRET_BYTES]
        )));
        assert!(valid_totp_secret("JBSWY3DPEHPK3PXP"));
        for bad in [
            "",
            "JBSWY3DPEHPK3PX",
            "jbswy3dpehpk3pxp",
            "JBSWY3DPEHPK3PX1",
            &"A".repeat(40),
        ] {
            assert!(!valid_totp_secret(bad), "{bad}");
        }
    }

    #[test]
    fn backup_codes_are_ten_hex_codes_of_ten() {
        let mut n = 0u8;
        let codes = generate_backup_codes(|| {
            n = n.wrapping_add(37);
            n
        });
        assert!(valid_backup_codes(&codes), "{codes:?}");
        assert!(!valid_backup_codes(&codes[1..]));
        let mut bad = codes.clone();
        bad[0] = "xyz".into();
        assert!(!valid_backup_codes(&bad));
    }

    #[test]
    fn a_used_backup_code_is_told_apart() {
        let digests = vec!["a".to_owned(), "b".to_owned()];
        assert_eq!(
            find_backup_code(&digests, &[false, true], "a"),
            BackupCodeMatch::Unused(0)
        );
        assert_eq!(
            find_backup_code(&digests, &[false, true], "b"),
            BackupCodeMatch::Used
        );
        assert_eq!(
            find_backup_code(&digests, &[false, true], "c"),
            BackupCodeMatch::None
        );
    }
}
