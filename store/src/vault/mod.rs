//! The personal-data vault (invariant 8): per-subject data keys wrapped under a key derived
//! from the KEK (keys by purpose, `purpose.rs`), field encryption inside event payloads, and
//! the keyed digest that names identifier streams without putting personal data into stream
//! ids.

mod crypto;
mod kek;
mod purpose;

pub(crate) use kek::load_kek;
pub use purpose::SealPurpose;
use purpose::{aad, PurposeKeys, DATA_KEY_LABEL};

use crate::envelope::NewEvent;
use crate::error::StoreError;
use aws_lc_rs::hmac;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::RwLock;
use uuid::Uuid;

/// The payload key holding the sealed personal fields.
pub(crate) const PII_KEY: &str = "$pii";
/// Generation of the subject's data key, written as `"k"`. There is one key per subject
/// today; the field lets a later rotation tell keys apart without rewriting events.
const KEY_GENERATION: u64 = 1;
/// Unwrapped keys kept in memory. Past this the cache is simply emptied: a replay over
/// millions of users must not grow memory without bound, and a miss costs one batched query.
const CACHE_LIMIT: usize = 200_000;

/// A subject's data key as this process knows it.
#[derive(Clone, Copy)]
pub(crate) enum KeyState {
    Live([u8; 32]),
    /// Erased: fields sealed under it read as absent, and no new personal data is accepted.
    Destroyed,
}

/// A data_keys row as stored: the wrapped key, or `None` once destroyed.
pub(crate) type KeyRow = (String, Option<Vec<u8>>);

/// Text prefix of a secret sealed by scheme 2 (see `purpose.rs`).
const SCHEME_2_PREFIX: &str = "v2.";
/// First byte of a data key wrapped by scheme 2.
const SCHEME_2_WRAP: u8 = 2;
/// Length of a data key wrapped by scheme 1: nonce (12) ‖ key (32) ‖ tag (16).
const SCHEME_1_WRAP_LEN: usize = 60;
/// Associated data of every secret sealed by scheme 1.
const SCHEME_1_SECRET_AAD: &[u8] = b"tessera/sealed-secret/v1";

pub(crate) struct Vault {
    /// Used directly only for the KEK check and to open what scheme 1 sealed.
    kek: [u8; 32],
    keys: PurposeKeys,
    identifier_key: hmac::Key,
    cache: RwLock<HashMap<String, KeyState>>,
}

impl Vault {
    pub(crate) fn new(kek: [u8; 32]) -> Result<Self, StoreError> {
        // Derive a separate key for stream-id digests so the KEK itself is only ever used
        // for wrapping.
        let kek_mac = hmac::Key::new(hmac::HMAC_SHA256, &kek);
        let derived = hmac::sign(&kek_mac, b"tessera/identifier-stream-id/v1");
        Ok(Self {
            kek,
            keys: PurposeKeys::derive(&kek)?,
            identifier_key: hmac::Key::new(hmac::HMAC_SHA256, derived.as_ref()),
            cache: RwLock::new(HashMap::new()),
        })
    }

    /// Hex HMAC-SHA256 of `input` under the identifier key.
    pub(crate) fn identifier_digest(&self, input: &str) -> String {
        let tag = hmac::sign(&self.identifier_key, input.as_bytes());
        tag.as_ref().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// A value sealed under the KEK, stored once per database to detect a wrong KEK.
    pub(crate) fn kek_check_value(&self) -> Result<Vec<u8>, StoreError> {
        crypto::seal(&self.kek, b"tessera/kek-check", b"tessera")
    }

    pub(crate) fn verify_kek_check(&self, sealed: &[u8]) -> Result<(), StoreError> {
        match crypto::open(&self.kek, b"tessera/kek-check", sealed) {
            Ok(plain) if plain == b"tessera" => Ok(()),
            _ => Err(StoreError::Config(
                "the key-encryption key does not match the one this database was created with \
                 (check TESSERA_KEK or <data_dir>/kek)"
                    .into(),
            )),
        }
    }

    /// Seals a server secret (invariant 7) under `purpose`'s key, bound to `owner`:
    /// `v2.` + base64(nonce ‖ ciphertext ‖ tag).
    pub(crate) fn seal_secret(
        &self,
        purpose: SealPurpose,
        owner: &str,
        plain: &[u8],
    ) -> Result<String, StoreError> {
        let sealed = crypto::seal(
            self.keys.secret(purpose),
            &aad(purpose.label(), owner),
            plain,
        )?;
        Ok(format!("{SCHEME_2_PREFIX}{}", B64.encode(sealed)))
    }

    /// Opens what [`Vault::seal_secret`] sealed for the same purpose and owner (or, where
    /// the purpose allows it, what scheme 1 sealed).
    pub(crate) fn open_secret(
        &self,
        purpose: SealPurpose,
        owner: &str,
        sealed: &str,
    ) -> Result<Vec<u8>, StoreError> {
        let not_base64 = |e| StoreError::Crypto(format!("sealed secret is not base64: {e}"));
        match sealed.strip_prefix(SCHEME_2_PREFIX) {
            Some(b64) => crypto::open(
                self.keys.secret(purpose),
                &aad(purpose.label(), owner),
                &B64.decode(b64).map_err(not_base64)?,
            ),
            None if purpose.reads_scheme_1() => crypto::open(
                &self.kek,
                SCHEME_1_SECRET_AAD,
                &B64.decode(sealed).map_err(not_base64)?,
            ),
            None => Err(StoreError::Crypto(format!(
                "not sealed as a {purpose:?} by this version"
            ))),
        }
    }

    /// Whether `sealed` (a [`Vault::seal_secret`] output) was sealed by scheme 1.
    pub(crate) fn is_scheme_1_secret(sealed: &str) -> bool {
        !sealed.starts_with(SCHEME_2_PREFIX)
    }

    /// Wraps a data key under the data-key key, bound to its subject.
    fn wrap(&self, subject: &str, key: &[u8; 32]) -> Result<Vec<u8>, StoreError> {
        let sealed = crypto::seal(&self.keys.data_key, &aad(DATA_KEY_LABEL, subject), key)?;
        let mut wrapped = Vec::with_capacity(1 + sealed.len());
        wrapped.push(SCHEME_2_WRAP);
        wrapped.extend_from_slice(&sealed);
        Ok(wrapped)
    }

    /// Unwraps a data key wrapped by either scheme (scheme 1: the KEK itself, bound to
    /// `tessera/data-key/v1:<subject>`).
    fn unwrap(&self, subject: &str, wrapped: &[u8]) -> Result<[u8; 32], StoreError> {
        let plain = match wrapped.split_first() {
            Some((&SCHEME_2_WRAP, sealed)) if wrapped.len() == SCHEME_1_WRAP_LEN + 1 => {
                crypto::open(&self.keys.data_key, &aad(DATA_KEY_LABEL, subject), sealed)?
            }
            _ if wrapped.len() == SCHEME_1_WRAP_LEN => crypto::open(
                &self.kek,
                format!("tessera/data-key/v1:{subject}").as_bytes(),
                wrapped,
            )?,
            _ => {
                return Err(StoreError::Crypto(format!(
                    "data key of {subject} is wrapped in an unknown format"
                )))
            }
        };
        plain
            .as_slice()
            .try_into()
            .map_err(|_| StoreError::Crypto(format!("data key of {subject} has the wrong length")))
    }

    /// Whether a stored wrapped data key still has scheme 1's form.
    pub(crate) fn is_scheme_1_wrap(wrapped: &[u8]) -> bool {
        wrapped.len() == SCHEME_1_WRAP_LEN
    }

    /// A scheme-1 wrapped key, unwrapped and wrapped again under scheme 2.
    pub(crate) fn rewrap(&self, subject: &str, wrapped: &[u8]) -> Result<Vec<u8>, StoreError> {
        let key = self.unwrap(subject, wrapped)?;
        self.wrap(subject, &key)
    }

    /// The first scheme's wrapping of the key `wrapped` holds (tests make old data with it).
    #[cfg(feature = "test-support")]
    pub(crate) fn scheme_1_wrap_of(
        &self,
        subject: &str,
        wrapped: &[u8],
    ) -> Result<Vec<u8>, StoreError> {
        let key = self.unwrap(subject, wrapped)?;
        crypto::seal(
            &self.kek,
            format!("tessera/data-key/v1:{subject}").as_bytes(),
            &key,
        )
    }

    /// What `Store::seal` produced before keys by purpose (tests make old data with it).
    #[cfg(feature = "test-support")]
    pub(crate) fn scheme_1_seal(&self, plain: &[u8]) -> Result<String, StoreError> {
        Ok(B64.encode(crypto::seal(&self.kek, SCHEME_1_SECRET_AAD, plain)?))
    }

    /// A fresh random data key and its wrapped form for `data_keys`.
    pub(crate) fn new_key(&self, subject: &str) -> Result<([u8; 32], Vec<u8>), StoreError> {
        let key = crypto::random_key()?;
        let wrapped = self.wrap(subject, &key)?;
        Ok((key, wrapped))
    }

    pub(crate) fn cached(&self, subject: &str) -> Option<KeyState> {
        self.cache.read().ok().and_then(|c| c.get(subject).copied())
    }

    pub(crate) fn remember(&self, subject: &str, state: KeyState) {
        if let Ok(mut cache) = self.cache.write() {
            if cache.len() >= CACHE_LIMIT {
                cache.clear();
            }
            cache.insert(subject.to_owned(), state);
        }
    }

    /// Drops a subject from the cache (another node changed its key).
    pub(crate) fn forget(&self, subject: &str) {
        if let Ok(mut cache) = self.cache.write() {
            cache.remove(subject);
        }
    }

    /// Of `subjects`, those not in the cache (deduplicated), to fetch in one query.
    pub(crate) fn unknown<'a>(&self, subjects: impl IntoIterator<Item = &'a str>) -> Vec<String> {
        let Ok(cache) = self.cache.read() else {
            return Vec::new();
        };
        let mut out: Vec<String> = subjects
            .into_iter()
            .filter(|s| !cache.contains_key(*s))
            .map(str::to_owned)
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Unwraps fetched `data_keys` rows into the cache.
    pub(crate) fn absorb(&self, rows: Vec<KeyRow>) -> Result<(), StoreError> {
        for (subject, wrapped) in rows {
            let state = match wrapped {
                None => KeyState::Destroyed,
                Some(w) => KeyState::Live(self.unwrap(&subject, &w)?),
            };
            self.remember(&subject, state);
        }
        Ok(())
    }

    /// The subject whose key `event` needs: only when it names a subject and its payload
    /// actually holds one of its personal fields.
    pub(crate) fn subject_needing_key(event: &NewEvent) -> Option<&str> {
        let subject = event.pii_subject.as_deref()?;
        let obj = event.payload.as_object()?;
        event
            .pii_fields
            .iter()
            .any(|f| obj.contains_key(*f))
            .then_some(subject)
    }

    /// The payload to store: personal fields moved into one AES-256-GCM ciphertext under
    /// the subject's key, bound to the event id (a ciphertext cannot be moved to another
    /// event). `fresh` holds keys created in the current, uncommitted transaction.
    pub(crate) fn seal_payload(
        &self,
        event: &NewEvent,
        event_id: Uuid,
        fresh: &HashMap<String, [u8; 32]>,
    ) -> Result<Value, StoreError> {
        let Some(subject) = Self::subject_needing_key(event) else {
            return Ok(event.payload.clone());
        };
        let key = match fresh.get(subject).copied() {
            Some(k) => k,
            None => match self.cached(subject) {
                Some(KeyState::Live(k)) => k,
                Some(KeyState::Destroyed) => return Err(destroyed(subject)),
                None => {
                    return Err(StoreError::Crypto(format!(
                        "no data key resolved for subject {subject}"
                    )))
                }
            },
        };
        let mut payload = event.payload.as_object().cloned().unwrap_or_default();
        let mut personal = Map::new();
        for field in event.pii_fields {
            if let Some(v) = payload.remove(*field) {
                personal.insert((*field).to_owned(), v);
            }
        }
        let plain = serde_json::to_vec(&Value::Object(personal))
            .map_err(|e| StoreError::Crypto(e.to_string()))?;
        let sealed = crypto::seal(&key, event_id.as_bytes(), &plain)?;
        payload.insert(
            PII_KEY.to_owned(),
            serde_json::json!({"s": subject, "k": KEY_GENERATION, "c": B64.encode(sealed)}),
        );
        Ok(Value::Object(payload))
    }

    /// The subject a stored payload's sealed fields belong to, if any.
    pub(crate) fn sealed_subject(payload: &Value) -> Option<&str> {
        payload.get(PII_KEY)?.get("s")?.as_str()
    }

    /// Merges the sealed fields back into the payload; if the subject's key is destroyed
    /// (or unknown) they are left out. Keys must have been fetched into the cache first.
    pub(crate) fn open_payload(
        &self,
        payload: Value,
        event_id: Uuid,
        position: u64,
    ) -> Result<Value, StoreError> {
        let Value::Object(mut obj) = payload else {
            return Ok(payload);
        };
        let Some(sealed) = obj.remove(PII_KEY) else {
            return Ok(Value::Object(obj));
        };
        let corrupt = |reason: String| StoreError::Corrupt { position, reason };
        let subject = sealed
            .get("s")
            .and_then(Value::as_str)
            .ok_or_else(|| corrupt("sealed fields without a subject".into()))?;
        let Some(KeyState::Live(key)) = self.cached(subject) else {
            return Ok(Value::Object(obj));
        };
        let cipher = sealed
            .get("c")
            .and_then(Value::as_str)
            .ok_or_else(|| corrupt("sealed fields without ciphertext".into()))?;
        let bytes = B64
            .decode(cipher)
            .map_err(|e| corrupt(format!("sealed fields: {e}")))?;
        let plain = crypto::open(&key, event_id.as_bytes(), &bytes)
            .map_err(|_| corrupt("sealed fields do not decrypt under the subject's key".into()))?;
        let fields: Map<String, Value> =
            serde_json::from_slice(&plain).map_err(|e| corrupt(format!("sealed fields: {e}")))?;
        obj.extend(fields);
        Ok(Value::Object(obj))
    }
}

pub(crate) fn destroyed(subject: &str) -> StoreError {
    StoreError::Crypto(format!(
        "the data key of subject {subject} was destroyed; personal data for it cannot be stored"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vault1() -> Vault {
        Vault::new([1; 32]).unwrap()
    }

    fn vault2() -> Vault {
        Vault::new([2; 32]).unwrap()
    }

    fn event(payload: Value) -> NewEvent {
        NewEvent {
            event_type: "E".into(),
            schema_version: 1,
            payload,
            pii_subject: Some("u1".into()),
            pii_fields: &["email", "name"],
            metadata: domain::EventMetadata::system(domain::Timestamp::from_millis(0), "c"),
        }
    }

    #[test]
    fn sealed_fields_round_trip_and_are_bound_to_the_event() {
        let vault = vault1();
        let (key, wrapped) = vault.new_key("u1").unwrap();
        vault.absorb(vec![("u1".into(), Some(wrapped))]).unwrap();
        assert!(matches!(vault.cached("u1"), Some(KeyState::Live(k)) if k == key));
        let e = event(serde_json::json!({"email": "a@b.io", "keep": 1}));
        let id = Uuid::now_v7();
        let sealed = vault.seal_payload(&e, id, &HashMap::new()).unwrap();
        assert!(sealed.get("email").is_none());
        assert_eq!(sealed["keep"], 1);
        assert_eq!(sealed[PII_KEY]["s"], "u1");
        let opened = vault.open_payload(sealed.clone(), id, 1).unwrap();
        assert_eq!(opened, serde_json::json!({"email": "a@b.io", "keep": 1}));
        // Moved to another event id, the ciphertext does not open.
        assert!(matches!(
            vault.open_payload(sealed.clone(), Uuid::now_v7(), 1),
            Err(StoreError::Corrupt { .. })
        ));
        // Erased: the fields are simply absent.
        vault.remember("u1", KeyState::Destroyed);
        assert_eq!(
            vault.open_payload(sealed, id, 1).unwrap(),
            serde_json::json!({"keep": 1})
        );
    }

    #[test]
    fn a_key_wrapped_for_one_subject_does_not_unwrap_for_another_or_under_another_kek() {
        let vault = vault1();
        let (_, wrapped) = vault.new_key("u1").unwrap();
        assert!(vault
            .absorb(vec![("u2".into(), Some(wrapped.clone()))])
            .is_err());
        assert!(vault2().absorb(vec![("u1".into(), Some(wrapped))]).is_err());
        assert!(vault2()
            .verify_kek_check(&vault.kek_check_value().unwrap())
            .is_err());
        assert!(vault
            .verify_kek_check(&vault.kek_check_value().unwrap())
            .is_ok());
    }

    #[test]
    fn events_without_personal_fields_need_no_key() {
        assert_eq!(
            Vault::subject_needing_key(&event(serde_json::json!({"x": 1}))),
            None
        );
        assert_eq!(
            Vault::subject_needing_key(&event(serde_json::json!({"name": null}))),
            Some("u1")
        );
    }
}

/// Keys by purpose (`purpose.rs`): no ciphertext of one kind opens as another, and what the
/// first scheme sealed still opens where it rests in our own storage.
#[cfg(test)]
mod purpose_tests {
    use super::*;

    const KEK: [u8; 32] = [7; 32];

    fn vault() -> Vault {
        Vault::new(KEK).unwrap()
    }

    /// What `Store::seal` produced before keys by purpose (the first scheme's code path:
    /// `Vault::seal_secret` then base64).
    fn scheme_1_secret(plain: &[u8]) -> String {
        B64.encode(crypto::seal(&KEK, SCHEME_1_SECRET_AAD, plain).unwrap())
    }

    /// What `Vault::new_key` stored in `data_keys` before keys by purpose.
    fn scheme_1_wrap(subject: &str, key: &[u8; 32]) -> Vec<u8> {
        crypto::seal(
            &KEK,
            format!("tessera/data-key/v1:{subject}").as_bytes(),
            key,
        )
        .unwrap()
    }

    #[test]
    fn a_secret_opens_only_for_its_purpose_and_owner() {
        let v = vault();
        for sealed_as in SealPurpose::ALL {
            let sealed = v.seal_secret(sealed_as, "owner-1", b"secret").unwrap();
            assert!(sealed.starts_with("v2."));
            assert_eq!(
                v.open_secret(sealed_as, "owner-1", &sealed).unwrap(),
                b"secret"
            );
            assert!(
                v.open_secret(sealed_as, "owner-2", &sealed).is_err(),
                "{sealed_as:?} opened for another owner"
            );
            for opened_as in SealPurpose::ALL.into_iter().filter(|p| *p != sealed_as) {
                assert!(
                    v.open_secret(opened_as, "owner-1", &sealed).is_err(),
                    "{sealed_as:?} opened as {opened_as:?}"
                );
            }
            // Under another KEK nothing opens.
            assert!(Vault::new([2; 32])
                .unwrap()
                .open_secret(sealed_as, "owner-1", &sealed)
                .is_err());
        }
    }

    #[test]
    fn secrets_and_wrapped_data_keys_do_not_pass_for_each_other() {
        let v = vault();
        // A cookie (or any secret) fed to the data-key path.
        for purpose in SealPurpose::ALL {
            let sealed = v.seal_secret(purpose, "u1", &[9; 32]).unwrap();
            let bytes = B64.decode(&sealed[3..]).unwrap();
            let mut as_wrap = vec![SCHEME_2_WRAP];
            as_wrap.extend_from_slice(&bytes);
            for candidate in [bytes, as_wrap] {
                assert!(
                    v.absorb(vec![("u1".into(), Some(candidate))]).is_err(),
                    "a {purpose:?} ciphertext unwrapped as a data key"
                );
            }
        }
        // A wrapped data key fed to every secret path.
        let (_, wrapped) = v.new_key("u1").unwrap();
        assert_eq!(wrapped.len(), SCHEME_1_WRAP_LEN + 1);
        for candidate in [&wrapped[..], &wrapped[1..]] {
            let as_secret = format!("v2.{}", B64.encode(candidate));
            for purpose in SealPurpose::ALL {
                assert!(v.open_secret(purpose, "u1", &as_secret).is_err());
            }
        }
    }

    #[test]
    fn scheme_1_secrets_open_where_they_rest_in_events_and_nowhere_a_client_sends_them() {
        let v = vault();
        let old = scheme_1_secret(b"pkcs8 or hook key");
        assert!(Vault::is_scheme_1_secret(&old));
        for purpose in SealPurpose::ALL {
            let opened = v.open_secret(purpose, "any", &old);
            if purpose.reads_scheme_1() {
                assert_eq!(opened.unwrap(), b"pkcs8 or hook key", "{purpose:?}");
            } else {
                assert!(opened.is_err(), "{purpose:?} accepted a scheme-1 value");
            }
        }
    }

    #[test]
    fn scheme_1_data_keys_unwrap_and_rewrap_to_scheme_2() {
        let v = vault();
        let key = [5u8; 32];
        let old = scheme_1_wrap("u1", &key);
        assert!(Vault::is_scheme_1_wrap(&old));
        v.absorb(vec![("u1".into(), Some(old.clone()))]).unwrap();
        assert!(matches!(v.cached("u1"), Some(KeyState::Live(k)) if k == key));
        // Bound to its subject under scheme 1 too.
        assert!(v.absorb(vec![("u2".into(), Some(old.clone()))]).is_err());
        let new = v.rewrap("u1", &old).unwrap();
        assert!(!Vault::is_scheme_1_wrap(&new));
        let fresh = vault();
        fresh
            .absorb(vec![("u1".into(), Some(new.clone()))])
            .unwrap();
        assert!(matches!(fresh.cached("u1"), Some(KeyState::Live(k)) if k == key));
        // A scheme-1 wrap is not a secret either.
        assert!(v
            .open_secret(SealPurpose::HookHeaders, "u1", &B64.encode(&old))
            .is_err());
    }
}
