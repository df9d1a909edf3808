//! The tokens a token exchange (RFC 8693) accepts, resolved to the user they stand for:
//! the subject (`subject_token` of `subject_token_type`) and the actor (`actor_token`).
//!
//! Subject token types, in Logto's order of checks for each (not found, expired, used):
//! - `urn:ietf:params:oauth:token-type:access_token`: an access token issued here and
//!   live now — opaque (`<grant id>.<secret>`) or an RFC 9068 JWT (`typ: at+jwt`; an ID
//!   token is not one) whose grant still stands. Not consumed: the same token can be
//!   exchanged again (Logto). A legacy `sub_…` impersonation token is accepted under this
//!   type too, as Logto does.
//! - `urn:logto:token-type:impersonation_token`: a token from `POST /api/subject-tokens`,
//!   consumed by the exchange (in the same append as the grant it yields).
//! - `urn:logto:token-type:personal_access_token`: one of the user's personal access
//!   tokens, not deleted and not expired. Not consumed.
//!
//! Every refusal is a bare `invalid_grant` on the wire (`OAuthError::invalid_grant` logs
//! the reason): a caller holding someone's token learns nothing about why it failed.

use super::super::client_auth::invalid_grant;
use super::super::error::OAuthError;
use super::super::introspect;
use super::super::issued;
use crate::state::AppState;
use domain::grant::{Grant, SubjectTokenKind};
use domain::oauth::subject_token::{self, SubjectToken, SubjectTokenCommand};
use domain::personal_access_tokens::{self, PersonalAccessTokens};
use domain::{Aggregate, CommandContext};
use serde_json::{Map, Value};

pub const ACCESS_TOKEN: &str = "urn:ietf:params:oauth:token-type:access_token";
pub const IMPERSONATION_TOKEN: &str = "urn:logto:token-type:impersonation_token";
pub const PERSONAL_ACCESS_TOKEN: &str = "urn:logto:token-type:personal_access_token";

/// The user a subject token stands for, and what the exchange must respect of it.
pub struct Subject {
    pub user_id: String,
    pub kind: SubjectTokenKind,
    /// Which token: the grant of an access token, the impersonation token's id, the
    /// personal access token's name.
    pub id: String,
    /// The scopes of an access token: an exchange never issues more. `None` for the
    /// tokens that stand for the user as a whole (the user's roles still bound it).
    pub scopes: Option<Vec<String>>,
    /// An impersonation token to consume with the exchange: `(id, secret)`.
    pub consume: Option<(String, String)>,
}

/// The subject of `token` of type `token_type`.
pub async fn subject(
    state: &AppState,
    token: &str,
    token_type: &str,
) -> Result<Subject, OAuthError> {
    match token_type {
        IMPERSONATION_TOKEN => impersonation(state, token).await,
        PERSONAL_ACCESS_TOKEN => personal_access_token(state, token).await,
        ACCESS_TOKEN if token.starts_with(subject_token::TOKEN_PREFIX) => {
            impersonation(state, token).await
        }
        ACCESS_TOKEN => access_token(state, token).await,
        other => Err(invalid_grant(format_args!(
            "unsupported subject token type {other:?}"
        ))),
    }
}

/// The user acting for the subject (RFC 8693 §4.1 `act`): as Logto, an opaque access
/// token issued here, live, with the `openid` scope.
pub async fn actor(
    state: &AppState,
    token: &str,
    token_type: Option<&str>,
) -> Result<String, OAuthError> {
    if token_type != Some(ACCESS_TOKEN) {
        return Err(OAuthError::invalid_request(format!(
            "actor_token_type must be {ACCESS_TOKEN}"
        )));
    }
    let Some((grant_id, scopes, user_id)) = opaque(state, token).await? else {
        return Err(invalid_grant(
            "actor token is not a live opaque access token",
        ));
    };
    if !scopes.iter().any(|s| s == "openid") {
        return Err(invalid_grant(format_args!(
            "actor token of grant {grant_id} lacks the openid scope"
        )));
    }
    Ok(user_id)
}

async fn impersonation(state: &AppState, token: &str) -> Result<Subject, OAuthError> {
    let Some((id, secret)) = subject_token::split(token) else {
        return Err(invalid_grant("subject token not found"));
    };
    let loaded = state
        .store
        .repository()
        .load::<SubjectToken>(id)
        .await
        .map_err(OAuthError::server)?;
    // Judged now, in Logto's order, so a spent token is refused before anything is
    // minted; the append of the exchange judges it again (a racing second use conflicts).
    let ctx = CommandContext {
        now: state.clock.now(),
    };
    let trial = SubjectTokenCommand::Consume {
        client_id: String::new(),
        secret: secret.to_owned(),
    };
    loaded
        .aggregate
        .handle(trial, &ctx)
        .map_err(|e| invalid_grant(format_args!("subject token {id}: {e}")))?;
    let user_id = loaded
        .aggregate
        .user_id()
        .ok_or_else(|| invalid_grant("subject token not found"))?;
    Ok(Subject {
        user_id: user_id.to_owned(),
        kind: SubjectTokenKind::ImpersonationToken,
        id: id.to_owned(),
        scopes: None,
        consume: Some((id.to_owned(), secret.to_owned())),
    })
}

async fn personal_access_token(state: &AppState, token: &str) -> Result<Subject, OAuthError> {
    let Some((user_id, secret)) = personal_access_tokens::split(token) else {
        return Err(invalid_grant("subject token not found"));
    };
    let loaded = state
        .store
        .repository()
        .load::<PersonalAccessTokens>(user_id)
        .await
        .map_err(OAuthError::server)?;
    let Some(live) = loaded.aggregate.live(secret, state.clock.now()) else {
        return Err(invalid_grant(format_args!(
            "no live personal access token of user {user_id} matches"
        )));
    };
    Ok(Subject {
        user_id: user_id.to_owned(),
        kind: SubjectTokenKind::PersonalAccessToken,
        id: live.name.clone(),
        scopes: None,
        consume: None,
    })
}

async fn access_token(state: &AppState, token: &str) -> Result<Subject, OAuthError> {
    if let Some((grant_id, scopes, user_id)) = opaque(state, token).await? {
        return Ok(Subject {
            user_id,
            kind: SubjectTokenKind::AccessToken,
            id: grant_id,
            scopes: Some(scopes),
            consume: None,
        });
    }
    let claims: Map<String, Value> = state
        .oidc
        .keys
        .current()
        .verify_access_token(token, state.clock.now(), |v| {
            v.set_issuer(&[state.oidc.issuer.as_str()]);
            v.validate_aud = false;
        })
        .ok_or_else(|| invalid_grant("subject token is not a live access token issued here"))?;
    if !introspect::jwt_is_live(state, &claims).await? {
        return Err(invalid_grant(
            "subject token's grant or user no longer stands",
        ));
    }
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    let (Some(sub), Some(jti)) = (text("sub"), text("jti")) else {
        return Err(invalid_grant("subject token lacks sub or jti"));
    };
    Ok(Subject {
        user_id: sub.to_owned(),
        kind: SubjectTokenKind::AccessToken,
        id: text(super::super::resource_token::GRANT_CLAIM)
            .unwrap_or(jti)
            .to_owned(),
        scopes: Some(
            text("scope")
                .unwrap_or("")
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
        ),
        consume: None,
    })
}

/// `(grant id, scopes, user id)` of a live opaque access token issued here; `None` for
/// anything that is not one (a JWT, a refresh token, an unknown or expired token).
async fn opaque(
    state: &AppState,
    token: &str,
) -> Result<Option<(String, Vec<String>, String)>, OAuthError> {
    let Some(p) = issued::split(token).filter(|p| p.generation.is_none()) else {
        return Ok(None);
    };
    let loaded = state
        .store
        .repository()
        .load_cached::<Grant>(p.grant_id)
        .await
        .map_err(OAuthError::server)?;
    let Some(grant) = loaded.aggregate.state() else {
        return Ok(None);
    };
    let Some(live) = grant.access_token(p.secret, state.clock.now()) else {
        return Ok(None);
    };
    Ok(Some((
        p.grant_id.to_owned(),
        live.scopes.clone(),
        grant.issued.user_id.clone(),
    )))
}
