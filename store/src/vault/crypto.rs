//! AES-256-GCM sealing with a random 96-bit nonce: output is `nonce ‖ ciphertext ‖ tag`.

use crate::error::StoreError;
use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};

fn key(raw: &[u8; 32]) -> Result<LessSafeKey, StoreError> {
    UnboundKey::new(&AES_256_GCM, raw)
        .map(LessSafeKey::new)
        .map_err(|_| StoreError::Crypto("invalid AES-256 key".into()))
}

pub(crate) fn random_key() -> Result<[u8; 32], StoreError> {
    let mut k = [0u8; 32];
    aws_lc_rs::rand::fill(&mut k)
        .map_err(|_| StoreError::Crypto("randomness unavailable".into()))?;
    Ok(k)
}

pub(crate) fn seal(raw: &[u8; 32], aad: &[u8], plain: &[u8]) -> Result<Vec<u8>, StoreError> {
    let mut nonce = [0u8; NONCE_LEN];
    aws_lc_rs::rand::fill(&mut nonce)
        .map_err(|_| StoreError::Crypto("randomness unavailable".into()))?;
    let mut buf = plain.to_vec();
    key(raw)?
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad),
            &mut buf,
        )
        .map_err(|_| StoreError::Crypto("encryption failed".into()))?;
    let mut out = Vec::with_capacity(NONCE_LEN + buf.len());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&buf);
    Ok(out)
}

pub(crate) fn open(raw: &[u8; 32], aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, StoreError> {
    if sealed.len() < NONCE_LEN {
        return Err(StoreError::Crypto("ciphertext too short".into()));
    }
    let (nonce, ct) = sealed.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce)
        .map_err(|_| StoreError::Crypto("bad nonce".into()))?;
    let mut buf = ct.to_vec();
    let plain = key(raw)?
        .open_in_place(nonce, Aad::from(aad), &mut buf)
        .map_err(|_| StoreError::Crypto("decryption failed (wrong key or tampered data)".into()))?;
    Ok(plain.to_vec())
}
