//! `POST /oidc/token/introspection` (RFC 7662), client-authenticated. A client learns
//! about its own tokens only: anything else — unknown, expired, revoked, another
//! client's — is `{"active": false}`.
//!
//! An opaque access token answers with its own scopes (a down-scoped refresh gives a
//! token with fewer scopes than the grant). A resource JWT is checked beyond its
//! signature: a user's JWT against its grant (the `grant_id` claim: revoked grant or
//! revoked JWT → inactive) and its user (suspended or deleted → inactive); a
//! client-credentials JWT against its own stream (revoked by the client → inactive).

use super::client_auth;
use super::error::OAuthError;
use super::issued;
use super::resource_token::GRANT_CLAIM;
use crate::state::AppState;
use actix_web::http::header::CACHE_CONTROL;
use actix_web::{web, HttpRequest, HttpResponse};
use domain::client_credentials::ClientCredentialsToken;
use domain::grant::Grant;
use serde_json::{json, Map, Value};

#[utoipa::path(
    post,
    path = "/oidc/token/introspection",
    tag = "OIDC",
    operation_id = "IntrospectToken",
    request_body(content_type = "application/x-www-form-urlencoded", content = Object, description = "`token`, `token_type_hint`; client authentication"),
    responses(
        (status = 200, description = "RFC 7662 answer", body = crate::openapi::oidc_schemas::Introspection),
        (status = 400, description = "`invalid_request`", body = crate::openapi::oidc_schemas::OidcError),
        (status = 401, description = "`invalid_client`", body = crate::openapi::oidc_schemas::OidcError)
    )
)]
pub async fn introspect(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, OAuthError> {
    let form = client_auth::parse(&req, &body)?;
    let client = client_auth::authenticate(&state, &req, &form).await?;
    let token = form
        .get("token")
        .ok_or_else(|| OAuthError::invalid_request("missing token"))?;
    let answer = match issued::split(token) {
        Some(p) => grant_token(&state, &client.id, p).await?,
        None => jwt(&state, &client.id, token).await?,
    };
    Ok(HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, "no-store"))
        .json(answer.unwrap_or_else(|| json!({ "active": false }))))
}

async fn grant_token(
    state: &AppState,
    client_id: &str,
    p: issued::Presented<'_>,
) -> Result<Option<Value>, OAuthError> {
    let loaded = state
        .store
        .repository()
        .load_cached::<Grant>(p.grant_id)
        .await
        .map_err(OAuthError::server)?;
    let now = state.clock.now();
    let Some(grant) = loaded.aggregate.state() else {
        return Ok(None);
    };
    if grant.issued.client_id != client_id || !grant.is_active(now) {
        return Ok(None);
    }
    if !issued::user_may_hold_tokens(state, &grant.issued.user_id).await? {
        return Ok(None);
    }
    let (token_type, expires_at, scopes) = match p.generation {
        None => {
            let Some(t) = grant.access_token(p.secret, now) else {
                return Ok(None);
            };
            ("Bearer", t.expires_at, &t.scopes)
        }
        Some(generation) => match &grant.refresh {
            Some((g, t))
                if *g == generation && now < t.expires_at && t.digest.matches(p.secret) =>
            {
                ("refresh_token", t.expires_at, &grant.issued.scopes)
            }
            _ => return Ok(None),
        },
    };
    Ok(Some(json!({
        "active": true,
        "scope": scopes.join(" "),
        "client_id": client_id,
        "sub": grant.issued.user_id,
        "exp": expires_at.as_millis() / 1000,
        "iss": state.oidc.issuer,
        "token_type": token_type,
        "sid": grant.issued.session_id,
        "act": grant.actor.as_ref().map(|sub| json!({ "sub": sub })),
    })))
}

/// A resource access token issued here to this client, still live.
async fn jwt(state: &AppState, client_id: &str, token: &str) -> Result<Option<Value>, OAuthError> {
    let Some(mut claims) = verified_jwt(state, client_id, token) else {
        return Ok(None);
    };
    if !jwt_is_live(state, &claims).await? {
        return Ok(None);
    }
    claims.insert("active".into(), json!(true));
    claims.insert("token_type".into(), json!("Bearer"));
    Ok(Some(Value::Object(claims)))
}

/// The claims of a JWT signed here, unexpired, issued to `client_id`.
pub fn verified_jwt(state: &AppState, client_id: &str, token: &str) -> Option<Map<String, Value>> {
    let keys = state.oidc.keys.current();
    let claims: Map<String, Value> = keys.verify(token, state.clock.now(), |v| {
        v.set_issuer(&[state.oidc.issuer.as_str()]);
        v.validate_aud = false;
    })?;
    (claims.get("client_id").and_then(Value::as_str) == Some(client_id)).then_some(claims)
}

/// Whether what stands behind a verified JWT still stands: its grant and user, or its
/// client-credentials stream.
pub(crate) async fn jwt_is_live(
    state: &AppState,
    claims: &Map<String, Value>,
) -> Result<bool, OAuthError> {
    let now = state.clock.now();
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    let (Some(jti), Some(sub)) = (text("jti"), text("sub")) else {
        return Ok(false);
    };
    if let Some(grant_id) = text(GRANT_CLAIM) {
        let loaded = state
            .store
            .repository()
            .load_cached::<Grant>(grant_id)
            .await
            .map_err(OAuthError::server)?;
        let live = loaded.aggregate.state().is_some_and(|g| {
            g.issued.user_id == sub
                && Some(g.issued.client_id.as_str()) == text("client_id")
                && g.accepts_jwt(jti, now)
        });
        return Ok(live && issued::user_may_hold_tokens(state, sub).await?);
    }
    if Some(sub) == text("client_id") {
        let loaded = state
            .store
            .repository()
            .load::<ClientCredentialsToken>(jti)
            .await
            .map_err(OAuthError::server)?;
        return Ok(loaded.aggregate.is_active(now));
    }
    // A user's JWT minted before tokens named their grant: only the user can be checked.
    issued::user_may_hold_tokens(state, sub).await
}
