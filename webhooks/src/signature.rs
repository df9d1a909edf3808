//! Request signatures: Logto's `logto-signature-sha-256` and Standard Webhooks'
//! `webhook-signature`, both HMAC-SHA256 keyed with the hook's signing key.
//!
//! Standard Webhooks secrets are `whsec_` + base64 of the key bytes; Tessera uses the
//! signing key's UTF-8 bytes as they are, so a receiver configures
//! `whsec_` + base64(signingKey) in a Standard Webhooks library.

use aws_lc_rs::hmac;
use base64::Engine;

/// Lowercase hex HMAC-SHA256 of `body` under `key` (Logto's header).
pub fn logto_signature(key: &str, body: &[u8]) -> String {
    let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key.as_bytes()), body);
    tag.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// `v1,` + base64 HMAC-SHA256 of `"{id}.{timestamp}.{body}"` (Standard Webhooks).
pub fn standard_signature(key: &str, id: &str, timestamp: i64, body: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key.as_bytes());
    let mut ctx = hmac::Context::with_key(&key);
    ctx.update(format!("{id}.{timestamp}.").as_bytes());
    ctx.update(body);
    let tag = ctx.sign();
    format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(tag.as_ref())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4231_case_2() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        assert_eq!(
            logto_signature("Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn standard_signature_covers_id_and_timestamp() {
        let a = standard_signature("k", "id", 1, b"{}");
        assert!(a.starts_with("v1,"));
        assert_ne!(a, standard_signature("k", "id", 2, b"{}"));
        assert_ne!(a, standard_signature("k", "id2", 1, b"{}"));
    }
}
