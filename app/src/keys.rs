//! The key ring: the server's signing keys in memory, ready to sign and verify.
//!
//! Keys live in the log (`SigningKeys` aggregate, private halves sealed under the KEK).
//! The ring opens them once at start and after every change to that stream, and keeps
//! the parsed key pair of every current key (one per algorithm: the primary signs access
//! tokens and default ID tokens, the other signs ID tokens of clients that registered its
//! `id_token_signed_response_alg`): parsing PKCS#8 per token (what `jsonwebtoken::encode` does) would
//! cost more than the signature itself. Signing uses aws-lc directly (jsonwebtoken's
//! signer objects are not `Send`, so they cannot be shared across workers); verification
//! uses jsonwebtoken with `DecodingKey`s built once per key.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine;
use domain::signing_keys::{
    KeyStatus, NewSigningKey, SigningAlgorithm, SigningKeyCommand, SigningKeys, STREAM_ID,
};
use domain::{Aggregate, CommandContext, EventMetadata, Random, StandardId, Timestamp};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use store::{AppendBatch, ExpectedVersion, Repository, SealPurpose, Store, StoreError};

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    EcdsaKeyPair, KeyPair, RsaKeyPair, RsaPublicKeyComponents, ECDSA_P384_SHA384_FIXED_SIGNING,
    RSA_PKCS1_SHA256,
};

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("key generation failed")]
    Generate,
    #[error("stored key {kid} cannot be used: {reason}")]
    Unusable { kid: String, reason: String },
    #[error("no current signing key")]
    NoCurrentKey,
    #[error("signing failed")]
    Sign,
    #[error(transparent)]
    Store(#[from] StoreError),
}

enum Pair {
    Ec(EcdsaKeyPair),
    Rsa(RsaKeyPair),
}

/// The current key, parsed once.
pub struct Signer {
    pub kid: String,
    pub alg: SigningAlgorithm,
    /// base64url of `{"alg","typ":"at+jwt","kid"}`: the same for every access token.
    at_header: String,
    pair: Pair,
}

impl Signer {
    /// An RFC 9068 access token (`typ: at+jwt`) over `claims`.
    pub fn sign_access_token(&self, claims: &impl Serialize) -> Result<String, KeyError> {
        self.sign_with(&self.at_header, claims)
    }

    /// OpenID Connect Core §3.1.3.6 `at_hash` (and §3.3.2.11 `c_hash`) of `value` for a
    /// token this signer signs: the left half of the hash its algorithm uses (SHA-256 for
    /// RS256, SHA-384 for ES384), base64url.
    pub fn half_hash(&self, value: &str) -> String {
        let algorithm = match self.alg {
            SigningAlgorithm::RS256 => &aws_lc_rs::digest::SHA256,
            SigningAlgorithm::ES384 => &aws_lc_rs::digest::SHA384,
        };
        let digest = aws_lc_rs::digest::digest(algorithm, value.as_bytes());
        let bytes = digest.as_ref();
        B64URL.encode(&bytes[..bytes.len() / 2])
    }

    /// An OpenID Connect ID token (`typ: JWT`) over `claims`.
    pub fn sign_id_token(&self, claims: &impl Serialize) -> Result<String, KeyError> {
        let header = json!({"alg": self.alg.as_str(), "typ": "JWT", "kid": self.kid});
        self.sign_with(&B64URL.encode(header.to_string()), claims)
    }

    fn sign_with(&self, header: &str, claims: &impl Serialize) -> Result<String, KeyError> {
        let payload = serde_json::to_vec(claims).map_err(|_| KeyError::Sign)?;
        let mut jwt = String::with_capacity(header.len() + payload.len() * 2 + 140);
        jwt.push_str(header);
        jwt.push('.');
        B64URL.encode_string(&payload, &mut jwt);
        let signature = match &self.pair {
            Pair::Ec(pair) => pair
                .sign(&SystemRandom::new(), jwt.as_bytes())
                .map_err(|_| KeyError::Sign)?
                .as_ref()
                .to_vec(),
            Pair::Rsa(pair) => {
                let mut out = vec![0u8; pair.public_modulus_len()];
                pair.sign(
                    &RSA_PKCS1_SHA256,
                    &SystemRandom::new(),
                    jwt.as_bytes(),
                    &mut out,
                )
                .map_err(|_| KeyError::Sign)?;
                out
            }
        };
        jwt.push('.');
        B64URL.encode_string(&signature, &mut jwt);
        Ok(jwt)
    }
}

struct Verifier {
    alg: Algorithm,
    key: DecodingKey,
    expires_at: Option<Timestamp>,
}

/// Public information about a key (`GET /api/configs/oidc/private-keys`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyInfo {
    pub id: String,
    pub created_at: i64,
    pub signing_key_algorithm: &'static str,
    pub status: KeyStatus,
}

/// One consistent snapshot of the keys.
pub struct KeySet {
    /// The stream version this snapshot was built from.
    pub version: u64,
    /// The primary key's signer.
    pub signer: Arc<Signer>,
    /// The current key of every algorithm (the primary's included).
    signers: HashMap<SigningAlgorithm, Arc<Signer>>,
    verifiers: HashMap<String, Verifier>,
    jwks: Vec<(Map<String, Value>, Option<Timestamp>)>,
    pub info: Vec<(KeyInfo, Option<Timestamp>)>,
}

impl KeySet {
    /// The signer for `alg` (a client's `id_token_signed_response_alg`); the primary
    /// when none is asked for (or, defensively, when no current key has it).
    pub fn signer_for(&self, alg: Option<SigningAlgorithm>) -> &Signer {
        alg.and_then(|a| self.signers.get(&a))
            .unwrap_or(&self.signer)
    }

    /// The algorithms of the current keys, the primary's first (discovery's
    /// `id_token_signing_alg_values_supported`).
    pub fn algorithms(&self) -> Vec<&'static str> {
        let mut out = vec![self.signer.alg.as_str()];
        for alg in domain::signing_keys::ALGORITHMS {
            if alg != self.signer.alg && self.signers.contains_key(&alg) {
                out.push(alg.as_str());
            }
        }
        out
    }

    /// The JWKS document at `now`: every key not yet past its publication window.
    pub fn jwks(&self, now: Timestamp) -> Value {
        let keys: Vec<&Map<String, Value>> = self
            .jwks
            .iter()
            .filter(|(_, exp)| exp.is_none_or(|at| at > now))
            .map(|(k, _)| k)
            .collect();
        json!({ "keys": keys })
    }

    pub fn key_info(&self, now: Timestamp) -> Vec<KeyInfo> {
        self.info
            .iter()
            .filter(|(_, exp)| exp.is_none_or(|at| at > now))
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// [`Self::verify`] for an RFC 9068 access token only: its header says `typ: at+jwt`,
    /// so an ID token (`typ: JWT`, signed by the same keys) is not one.
    pub fn verify_access_token<T: DeserializeOwned>(
        &self,
        token: &str,
        now: Timestamp,
        configure: impl FnOnce(&mut Validation),
    ) -> Option<T> {
        let header = jsonwebtoken::decode_header(token).ok()?;
        if !header.typ.is_some_and(|t| t.eq_ignore_ascii_case("at+jwt")) {
            return None;
        }
        self.verify(token, now, configure)
    }

    /// Verifies a JWT's signature against the published key its `kid` names, and the
    /// claims `validation` asks for. `None` for anything wrong with the token.
    pub fn verify<T: DeserializeOwned>(
        &self,
        token: &str,
        now: Timestamp,
        configure: impl FnOnce(&mut Validation),
    ) -> Option<T> {
        let header = jsonwebtoken::decode_header(token).ok()?;
        let verifier = self.verifiers.get(header.kid.as_deref()?)?;
        if verifier.expires_at.is_some_and(|at| at <= now) || header.alg != verifier.alg {
            return None;
        }
        let mut validation = Validation::new(verifier.alg);
        validation.leeway = 0;
        configure(&mut validation);
        jsonwebtoken::decode::<T>(token, &verifier.key, &validation)
            .ok()
            .map(|data| data.claims)
    }
}

/// A new key pair: the PKCS#8 private key and the public JWK.
pub fn generate(
    alg: SigningAlgorithm,
    kid: &str,
) -> Result<(Vec<u8>, Map<String, Value>), KeyError> {
    match alg {
        SigningAlgorithm::ES384 => {
            let pkcs8 = EcdsaKeyPair::generate_pkcs8(
                &ECDSA_P384_SHA384_FIXED_SIGNING,
                &SystemRandom::new(),
            )
            .map_err(|_| KeyError::Generate)?;
            let jwk = ec_jwk(pkcs8.as_ref(), kid)?;
            Ok((pkcs8.as_ref().to_vec(), jwk))
        }
        SigningAlgorithm::RS256 => {
            let pair = RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
                .map_err(|_| KeyError::Generate)?;
            let der = AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(&pair)
                .map_err(|_| KeyError::Generate)?;
            let mut jwk = rsa_jwk(&pair);
            jwk.insert("kid".into(), kid.into());
            Ok((der.as_ref().to_vec(), jwk))
        }
    }
}

fn ec_jwk(pkcs8: &[u8], kid: &str) -> Result<Map<String, Value>, KeyError> {
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P384_SHA384_FIXED_SIGNING, pkcs8)
        .map_err(|_| KeyError::Generate)?;
    // Uncompressed point: 0x04 ‖ x (48 bytes) ‖ y (48 bytes).
    let point = pair.public_key().as_ref();
    if point.len() != 97 || point[0] != 4 {
        return Err(KeyError::Generate);
    }
    let (x, y) = point[1..].split_at(48);
    let mut jwk = Map::new();
    jwk.insert("kty".into(), "EC".into());
    jwk.insert("crv".into(), "P-384".into());
    jwk.insert("x".into(), B64URL.encode(x).into());
    jwk.insert("y".into(), B64URL.encode(y).into());
    jwk.insert("alg".into(), "ES384".into());
    jwk.insert("use".into(), "sig".into());
    jwk.insert("kid".into(), kid.into());
    Ok(jwk)
}

fn rsa_jwk(pair: &RsaKeyPair) -> Map<String, Value> {
    let components = RsaPublicKeyComponents::<Vec<u8>>::from(pair.public_key());
    let mut jwk = Map::new();
    jwk.insert("kty".into(), "RSA".into());
    jwk.insert("n".into(), B64URL.encode(&components.n).into());
    jwk.insert("e".into(), B64URL.encode(&components.e).into());
    jwk.insert("alg".into(), "RS256".into());
    jwk.insert("use".into(), "sig".into());
    jwk
}

fn jwt_alg(alg: SigningAlgorithm) -> Algorithm {
    match alg {
        SigningAlgorithm::ES384 => Algorithm::ES384,
        SigningAlgorithm::RS256 => Algorithm::RS256,
    }
}

fn decoding_key(jwk: &Map<String, Value>) -> Option<DecodingKey> {
    let field = |name: &str| jwk.get(name).and_then(Value::as_str);
    match field("kty")? {
        "EC" => DecodingKey::from_ec_components(field("x")?, field("y")?).ok(),
        "RSA" => DecodingKey::from_rsa_components(field("n")?, field("e")?).ok(),
        _ => None,
    }
}

/// Opens one current key's private half.
fn open_signer(store: &Store, key: &domain::signing_keys::SigningKey) -> Result<Signer, KeyError> {
    let unusable = |reason: &str| KeyError::Unusable {
        kid: key.kid.clone(),
        reason: reason.to_owned(),
    };
    let pkcs8 = store.open_sealed(SealPurpose::SigningKey, &key.kid, &key.sealed_private_key)?;
    let pair = match key.alg {
        SigningAlgorithm::ES384 => Pair::Ec(
            EcdsaKeyPair::from_pkcs8(&ECDSA_P384_SHA384_FIXED_SIGNING, &pkcs8)
                .map_err(|_| unusable("not a P-384 PKCS#8 key"))?,
        ),
        SigningAlgorithm::RS256 => Pair::Rsa(
            RsaKeyPair::from_pkcs8(&pkcs8).map_err(|_| unusable("not an RSA PKCS#8 key"))?,
        ),
    };
    let header = json!({"alg": key.alg.as_str(), "typ": "at+jwt", "kid": key.kid});
    Ok(Signer {
        kid: key.kid.clone(),
        alg: key.alg,
        at_header: B64URL.encode(header.to_string()),
        pair,
    })
}

/// Builds a snapshot from the aggregate, opening the current private keys.
fn build(store: &Store, keys: &SigningKeys, version: u64) -> Result<KeySet, KeyError> {
    let primary = keys.current().ok_or(KeyError::NoCurrentKey)?;
    let signer = Arc::new(open_signer(store, primary)?);
    let mut signers = HashMap::new();
    signers.insert(primary.alg, signer.clone());
    for alg in domain::signing_keys::ALGORITHMS {
        if alg == primary.alg {
            continue;
        }
        if let Some(key) = keys.current_for(alg) {
            signers.insert(alg, Arc::new(open_signer(store, key)?));
        }
    }
    let mut verifiers = HashMap::new();
    let mut jwks = Vec::new();
    let mut info = Vec::new();
    for key in keys.all().iter().rev() {
        if key.status == KeyStatus::Next {
            continue;
        }
        let Some(decoding) = decoding_key(&key.public_jwk) else {
            tracing::warn!(kid = %key.kid, "stored public key is unusable; not published");
            continue;
        };
        verifiers.insert(
            key.kid.clone(),
            Verifier {
                alg: jwt_alg(key.alg),
                key: decoding,
                expires_at: key.expires_at,
            },
        );
        jwks.push((key.public_jwk.clone(), key.expires_at));
        info.push((
            KeyInfo {
                id: key.kid.clone(),
                created_at: key.created_at.as_millis(),
                signing_key_algorithm: key.alg.family(),
                status: key.status,
            },
            key.expires_at,
        ));
    }
    // Primary key first in the JWKS, then the other current keys: clients that take the
    // first key get the one that signs access tokens.
    let rank = |kid: &str, exp: &Option<Timestamp>| (kid != signer.kid, exp.is_some());
    jwks.sort_by_key(|(k, exp)| rank(k.get("kid").and_then(Value::as_str).unwrap_or(""), exp));
    info.sort_by_key(|(k, exp)| rank(&k.id, exp));
    Ok(KeySet {
        version,
        signer,
        signers,
        verifiers,
        jwks,
        info,
    })
}

/// Generates a key (on the blocking pool: RSA generation takes a while) and seals it.
async fn new_key(
    store: &Store,
    alg: SigningAlgorithm,
    random: &mut dyn Random,
) -> Result<NewSigningKey, KeyError> {
    let kid = StandardId::generate(random).into_string();
    let kid2 = kid.clone();
    let (pkcs8, public_jwk) = tokio::task::spawn_blocking(move || generate(alg, &kid2))
        .await
        .map_err(|_| KeyError::Generate)??;
    let sealed_private_key = store.seal(SealPurpose::SigningKey, &kid, &pkcs8)?;
    Ok(NewSigningKey {
        kid,
        alg,
        public_jwk,
        sealed_private_key,
    })
}

/// What to do to the key stream.
pub enum KeyChange {
    /// Create a current key for every algorithm that has none.
    Ensure,
    /// Replace the current key; the old one stays published for `grace_secs` (at least
    /// the longest token lifetime).
    Rotate {
        alg: SigningAlgorithm,
        grace_secs: u64,
    },
}

/// Applies `change` to the key stream, retrying on a concurrent change (another node).
pub async fn change_keys(
    store: &Store,
    change: KeyChange,
    metadata: &EventMetadata,
    random: &mut dyn Random,
) -> Result<u64, KeyError> {
    let repo = store.repository();
    for _ in 0..5 {
        let loaded = repo.load::<SigningKeys>(STREAM_ID).await?;
        let command = match &change {
            // One algorithm per round: the first key (ES384, Logto's default) becomes the
            // primary, the RS256 key joins it (OpenID Connect Discovery requires RS256).
            KeyChange::Ensure => match loaded.aggregate.missing_algorithms().first() {
                None => return Ok(0),
                Some(alg) => SigningKeyCommand::Ensure(new_key(store, *alg, random).await?),
            },
            KeyChange::Rotate { alg, grace_secs } => SigningKeyCommand::Rotate {
                key: new_key(store, *alg, random).await?,
                grace_secs: *grace_secs,
            },
        };
        let ctx = CommandContext {
            now: metadata.occurred_at,
        };
        let events = match loaded.aggregate.handle(command, &ctx) {
            Ok(events) => events,
            // A random 21-character kid collided: try again with a new one.
            Err(_) => continue,
        };
        let batch = AppendBatch {
            streams: vec![Repository::stage::<SigningKeys>(
                STREAM_ID,
                ExpectedVersion::at(loaded.version),
                &events,
                metadata,
            )],
        };
        match repo.append(batch).await {
            // Ensure goes round again for the next missing algorithm.
            Ok(_) if matches!(change, KeyChange::Ensure) => continue,
            Ok(_) => return Ok(events.len() as u64),
            Err(StoreError::Conflict { .. }) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(KeyError::Store(StoreError::Conflict {
        stream: store::StreamRef::new("signing-keys", STREAM_ID),
        expected: "a stable key stream".into(),
        actual: 0,
    }))
}

/// The keys in memory, swapped whole when the stream changes.
pub struct KeyRing {
    store: Store,
    set: RwLock<Arc<KeySet>>,
}

impl KeyRing {
    /// Loads the keys, creating the first one on a fresh deployment.
    pub async fn load(
        store: &Store,
        metadata: &EventMetadata,
        random: &mut dyn Random,
    ) -> Result<Self, KeyError> {
        change_keys(store, KeyChange::Ensure, metadata, random).await?;
        let set = Self::read(store).await?;
        Ok(Self {
            store: store.clone(),
            set: RwLock::new(Arc::new(set)),
        })
    }

    async fn read(store: &Store) -> Result<KeySet, KeyError> {
        let loaded = store.repository().load::<SigningKeys>(STREAM_ID).await?;
        build(store, &loaded.aggregate, loaded.version)
    }

    /// Re-reads the stream (after a rotation here or on another node).
    pub async fn reload(&self) -> Result<(), KeyError> {
        let set = Self::read(&self.store).await?;
        if let Ok(mut guard) = self.set.write() {
            if set.version >= guard.version {
                *guard = Arc::new(set);
            }
        }
        Ok(())
    }

    pub fn current(&self) -> Arc<KeySet> {
        match self.set.read() {
            Ok(guard) => guard.clone(),
            // A panic while swapping cannot leave a torn Arc; keep serving the last set.
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize, serde::Deserialize)]
    struct Claims {
        sub: String,
        exp: i64,
    }

    fn set_with(alg: SigningAlgorithm) -> KeySet {
        let (pkcs8, jwk) = generate(alg, "k1").unwrap();
        let pair = match alg {
            SigningAlgorithm::ES384 => Pair::Ec(
                EcdsaKeyPair::from_pkcs8(&ECDSA_P384_SHA384_FIXED_SIGNING, &pkcs8).unwrap(),
            ),
            SigningAlgorithm::RS256 => Pair::Rsa(RsaKeyPair::from_pkcs8(&pkcs8).unwrap()),
        };
        let header = json!({"alg": alg.as_str(), "typ": "at+jwt", "kid": "k1"});
        let mut verifiers = HashMap::new();
        verifiers.insert(
            "k1".to_owned(),
            Verifier {
                alg: jwt_alg(alg),
                key: decoding_key(&jwk).unwrap(),
                expires_at: None,
            },
        );
        let signer = Arc::new(Signer {
            kid: "k1".into(),
            alg,
            at_header: B64URL.encode(header.to_string()),
            pair,
        });
        KeySet {
            version: 1,
            signers: HashMap::from([(alg, signer.clone())]),
            signer,
            verifiers,
            jwks: vec![(jwk, None)],
            info: vec![],
        }
    }

    #[test]
    fn tokens_signed_by_the_ring_verify_against_its_public_jwk_for_both_algorithms() {
        for alg in [SigningAlgorithm::ES384, SigningAlgorithm::RS256] {
            let set = set_with(alg);
            let claims = Claims {
                sub: "app".into(),
                exp: 4_000_000_000,
            };
            let jwt = set.signer.sign_access_token(&claims).unwrap();
            let header = jsonwebtoken::decode_header(&jwt).unwrap();
            assert_eq!(header.typ.as_deref(), Some("at+jwt"));
            assert_eq!(header.kid.as_deref(), Some("k1"));
            let now = Timestamp::from_millis(0);
            let back: Claims = set.verify(&jwt, now, |v| v.validate_aud = false).unwrap();
            assert_eq!(back.sub, "app");
            let mut tampered = jwt.clone();
            tampered.insert(jwt.find('.').unwrap() + 2, 'A');
            assert!(set
                .verify::<Claims>(&tampered, now, |v| v.validate_aud = false)
                .is_none());
        }
    }
}
