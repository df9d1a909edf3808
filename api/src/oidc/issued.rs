//! What the user-facing grants hand out: opaque access tokens, refresh tokens, ID tokens,
//! and the token response (`Cache-Control: no-store`, RFC 6749 §5.1).

use super::claims::{self, Target};
use super::client_auth::invalid_grant;
use super::error::OAuthError;
use crate::signin::finish::secs;
use crate::state::AppState;
use actix_web::http::header::{CACHE_CONTROL, PRAGMA};
use actix_web::HttpResponse;
use domain::application::ApplicationState;
use domain::grant::{AccessTokenIssued, GrantState};
use domain::oauth::secret::{generate_secret, SecretDigest};
use domain::Timestamp;
use serde::Serialize;
use serde_json::{json, Value};

/// A token for the client and the record of it for the grant's event.
pub struct Minted {
    pub token: String,
    pub digest: SecretDigest,
}

/// `<grant id>.<secret>`: an opaque access token (or code).
pub fn opaque(state: &AppState, grant_id: &str) -> Minted {
    let (secret, digest) = generate_secret(&mut state.random.rng());
    Minted {
        token: format!("{grant_id}.{secret}"),
        digest,
    }
}

/// `<grant id>.<generation>.<secret>`: a refresh token.
pub fn refresh(state: &AppState, grant_id: &str, generation: u32) -> Minted {
    let (secret, digest) = generate_secret(&mut state.random.rng());
    Minted {
        token: format!("{grant_id}.{generation}.{secret}"),
        digest,
    }
}

pub fn opaque_record(
    digest: SecretDigest,
    scopes: &[String],
    now: Timestamp,
    ttl: u64,
) -> AccessTokenIssued {
    AccessTokenIssued::Opaque {
        digest,
        scopes: scopes.to_vec(),
        issued_at: now,
        expires_at: now.plus_seconds(secs(ttl)),
    }
}

/// Whether the user may still use tokens and sessions: it exists and is not suspended.
///
/// Suspension and deletion revoke every grant and end every session with events
/// (`commands::sessions::sign_out_everywhere`); this check is the second line, for a
/// grant issued while that ran, or revocations lost to a crash right after the user
/// event. It reads the users read model (one indexed row; it lags the log by
/// milliseconds) and falls back to the aggregate when the row is missing, so a user
/// created a moment ago is not refused.
pub async fn user_may_hold_tokens(state: &AppState, user_id: &str) -> Result<bool, OAuthError> {
    let row = projections::users::get(&state.store.read_pool, user_id)
        .await
        .map_err(OAuthError::server)?;
    if let Some(row) = row {
        return Ok(!row.is_suspended);
    }
    let loaded = state
        .store
        .repository()
        .load::<domain::user::User>(user_id)
        .await
        .map_err(OAuthError::server)?;
    Ok(loaded.aggregate.state().is_some_and(|u| !u.is_suspended))
}

/// A presented token split into grant id, optional generation and secret.
pub struct Presented<'a> {
    pub grant_id: &'a str,
    pub generation: Option<u32>,
    pub secret: &'a str,
}

pub fn split(token: &str) -> Option<Presented<'_>> {
    let mut parts = token.split('.');
    let (a, b, c, rest) = (parts.next()?, parts.next()?, parts.next(), parts.next());
    if rest.is_some() || a.is_empty() || b.is_empty() {
        return None;
    }
    match c {
        None => Some(Presented {
            grant_id: a,
            generation: None,
            secret: b,
        }),
        Some(secret) => Some(Presented {
            grant_id: a,
            generation: Some(b.parse().ok()?),
            secret,
        }),
    }
}

/// An ID token for the grant's user with the claims of `scopes` (the grant's, or fewer
/// on a down-scoped refresh), or `None` without `openid`. Signed with the key of the
/// client's `id_token_signed_response_alg`, or the primary key. `access_token`, the
/// token issued beside it, is bound by `at_hash` (OpenID Connect Core §3.1.3.6): a
/// client can check that the two were issued together.
pub async fn id_token(
    state: &AppState,
    grant_id: &str,
    grant: &GrantState,
    scopes: &[String],
    app: &ApplicationState,
    access_token: &str,
) -> Result<Option<String>, OAuthError> {
    let issued = &grant.issued;
    if !scopes.iter().any(|s| s == "openid") {
        return Ok(None);
    }
    let ttl = state
        .sign_in
        .lifetimes
        .id_token_for(&app.settings.custom_client_metadata.lifetimes);
    let mut c = claims::of_user(state, &issued.user_id, scopes, Target::IdToken)
        .await
        .map_err(OAuthError::server)?
        .ok_or_else(|| {
            invalid_grant(format_args!(
                "grant {grant_id}: the user no longer exists or is suspended"
            ))
        })?;
    let now = state.clock.now().as_millis() / 1000;
    c.insert("iss".into(), json!(state.oidc.issuer));
    c.insert("aud".into(), json!(issued.client_id));
    c.insert("iat".into(), json!(now));
    c.insert("exp".into(), json!(now + secs(ttl)));
    c.insert(
        "auth_time".into(),
        json!(issued.auth_time.as_millis() / 1000),
    );
    if let Some(nonce) = &issued.nonce {
        c.insert("nonce".into(), json!(nonce));
    }
    let sid = issued.session_id.as_deref().unwrap_or(grant_id);
    c.insert("sid".into(), json!(sid));
    let keys = state.oidc.keys.current();
    let signer = keys.signer_for(
        app.settings
            .oidc_client_metadata
            .id_token_signed_response_alg,
    );
    c.insert("at_hash".into(), json!(signer.half_hash(access_token)));
    signer
        .sign_id_token(&Value::Object(c))
        .map(Some)
        .map_err(OAuthError::server)
}

#[derive(Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: u64,
    pub scope: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

pub fn respond(body: &impl Serialize) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, "no-store"))
        .insert_header((PRAGMA, "no-cache"))
        .json(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_split_into_grant_generation_and_secret() {
        let p = split("g1.s3cret").unwrap();
        assert_eq!((p.grant_id, p.generation, p.secret), ("g1", None, "s3cret"));
        let p = split("g1.2.s3cret").unwrap();
        assert_eq!(
            (p.grant_id, p.generation, p.secret),
            ("g1", Some(2), "s3cret")
        );
        assert!(split("garbage").is_none());
        assert!(split("a.x.b").is_none());
        assert!(split("a.1.b.c").is_none());
        assert!(split(".b").is_none());
    }
}
