//! Keys by purpose: every kind of value sealed under the KEK has a key of its own, derived
//! from the KEK with HKDF-SHA256 (a distinct `info` label per purpose), and its associated
//! data names the purpose and the value's owner. A ciphertext made for one purpose or
//! owner therefore opens for no other: a cookie is not a verification record, a wrapped
//! data key is not a hook secret, a session cookie is not an interaction cookie, a record
//! sealed for one user is not one for another.
//!
//! Format (scheme 2): sealed secrets are `v2.` + base64(nonce ‖ ciphertext ‖ tag) — `.` is
//! outside the base64 alphabet, so nothing sealed by the first scheme starts with it;
//! wrapped data keys are the byte `0x02` + nonce ‖ ciphertext ‖ tag (61 bytes, where the
//! first scheme's are exactly 60).
//!
//! The first scheme sealed everything directly under the KEK with one associated data per
//! family (`tessera/sealed-secret/v1` for every secret, `tessera/data-key/v1:<subject>` for
//! data keys). What it left behind stays readable where it rests in our own storage
//! ([`SealPurpose::reads_scheme_1`]): signing keys and hook secrets in events (immutable,
//! invariant 5; a rotation or an edit seals the new value under scheme 2) and data keys
//! (re-wrapped under scheme 2 when the store opens, `Store::rewrap_data_keys`). Values a
//! client presents — cookies, verification records — are accepted only under scheme 2: an
//! old cookie means signing in again, an old record verifying again.

use crate::error::StoreError;
use aws_lc_rs::hkdf::{Salt, HKDF_SHA256};

/// What a secret sealed with `Store::seal` is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealPurpose {
    /// A sign-in cookie's value; the owner is the cookie's name.
    Cookie,
    /// An Account API verification record; the owner is the user it was issued to.
    VerificationRecord,
    /// An OIDC signing key's PKCS#8 private key; the owner is its `kid`.
    SigningKey,
    /// A webhook's signing key; the owner is the hook id.
    HookSigningKey,
    /// A webhook's custom headers (often the receiver's credentials); the owner is the hook id.
    HookHeaders,
    /// A passwordless connector's secrets (SMTP password, HTTP authorization and headers);
    /// the owner is the connector id.
    ConnectorSecrets,
}

impl SealPurpose {
    pub const ALL: [SealPurpose; 6] = [
        Self::Cookie,
        Self::VerificationRecord,
        Self::SigningKey,
        Self::HookSigningKey,
        Self::HookHeaders,
        Self::ConnectorSecrets,
    ];

    /// The HKDF `info` and associated-data prefix; never change one (sealed data would no
    /// longer open).
    pub(crate) fn label(self) -> &'static str {
        match self {
            Self::Cookie => "tessera/v2/cookie",
            Self::VerificationRecord => "tessera/v2/verification-record",
            Self::SigningKey => "tessera/v2/oidc-signing-key",
            Self::HookSigningKey => "tessera/v2/hook-signing-key",
            Self::HookHeaders => "tessera/v2/hook-headers",
            Self::ConnectorSecrets => "tessera/v2/connector-secrets",
        }
    }

    /// Whether values sealed by the first scheme (directly under the KEK) are still opened.
    /// Only for purposes whose ciphertexts come from our own events, never from a request:
    /// under the first scheme every secret shared one key and one associated data, so
    /// accepting it where a client supplies the value would let one kind pass for another.
    pub fn reads_scheme_1(self) -> bool {
        match self {
            Self::SigningKey | Self::HookSigningKey | Self::HookHeaders => true,
            // Connector secrets were never sealed by the first scheme.
            Self::Cookie | Self::VerificationRecord | Self::ConnectorSecrets => false,
        }
    }

    fn index(self) -> usize {
        match self {
            Self::Cookie => 0,
            Self::VerificationRecord => 1,
            Self::SigningKey => 2,
            Self::HookSigningKey => 3,
            Self::HookHeaders => 4,
            Self::ConnectorSecrets => 5,
        }
    }
}

/// Label of the key that wraps per-subject data keys (not a [`SealPurpose`]: only the
/// vault wraps data keys, nothing outside the store can ask for it).
pub(crate) const DATA_KEY_LABEL: &str = "tessera/v2/data-key";
/// HKDF salt: fixed, so every node derives the same keys from the same KEK.
const SALT: &[u8] = b"tessera/kek-purpose-keys";

/// Associated data of a scheme-2 ciphertext: the purpose's label and the owner.
pub(crate) fn aad(label: &str, owner: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(label.len() + 1 + owner.len());
    out.extend_from_slice(label.as_bytes());
    out.push(0);
    out.extend_from_slice(owner.as_bytes());
    out
}

/// The keys derived from one KEK.
pub(crate) struct PurposeKeys {
    secrets: [[u8; 32]; SealPurpose::ALL.len()],
    pub(crate) data_key: [u8; 32],
}

impl PurposeKeys {
    pub(crate) fn derive(kek: &[u8; 32]) -> Result<Self, StoreError> {
        let prk = Salt::new(HKDF_SHA256, SALT).extract(kek);
        let expand = |label: &str| -> Result<[u8; 32], StoreError> {
            let mut out = [0u8; 32];
            prk.expand(&[label.as_bytes()], HKDF_SHA256)
                .and_then(|okm| okm.fill(&mut out))
                .map_err(|_| StoreError::Crypto(format!("cannot derive the {label} key")))?;
            Ok(out)
        };
        let mut secrets = [[0u8; 32]; SealPurpose::ALL.len()];
        for purpose in SealPurpose::ALL {
            secrets[purpose.index()] = expand(purpose.label())?;
        }
        Ok(Self {
            secrets,
            data_key: expand(DATA_KEY_LABEL)?,
        })
    }

    pub(crate) fn secret(&self, purpose: SealPurpose) -> &[u8; 32] {
        &self.secrets[purpose.index()]
    }
}
