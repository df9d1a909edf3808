//! `POST /oidc/token/introspection` (RFC 7662), client-authenticated. A client learns
//! about its own tokens only: anything else — unknown, expired, revoked, another
//! client's — is `{"active": false}`.

use super::client_auth;
use super::error::OAuthError;
use super::issued;
use crate::state::AppState;
use actix_web::http::header::CACHE_CONTROL;
use actix_web::{web, HttpRequest, HttpResponse};
use domain::grant::Grant;
use serde_json::{json, Value};

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
        None => jwt(&state, &client.id, token),
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
    let (token_type, expires_at) = match p.generation {
        None => {
            let Some(t) = grant
                .access_tokens
                .iter()
                .find(|t| now < t.expires_at && t.digest.matches(p.secret))
            else {
                return Ok(None);
            };
            ("Bearer", t.expires_at)
        }
        Some(generation) => match &grant.refresh {
            Some((g, t))
                if *g == generation && now < t.expires_at && t.digest.matches(p.secret) =>
            {
                ("refresh_token", t.expires_at)
            }
            _ => return Ok(None),
        },
    };
    Ok(Some(json!({
        "active": true,
        "scope": grant.issued.scopes.join(" "),
        "client_id": client_id,
        "sub": grant.issued.user_id,
        "exp": expires_at.as_millis() / 1000,
        "iss": state.oidc.issuer,
        "token_type": token_type,
        "sid": grant.issued.session_id,
    })))
}

/// A resource access token issued here to this client.
fn jwt(state: &AppState, client_id: &str, token: &str) -> Option<Value> {
    let keys = state.oidc.keys.current();
    let mut claims: serde_json::Map<String, Value> =
        keys.verify(token, state.clock.now(), |v| {
            v.set_issuer(&[state.oidc.issuer.as_str()]);
            v.validate_aud = false;
        })?;
    if claims.get("client_id").and_then(Value::as_str) != Some(client_id) {
        return None;
    }
    claims.insert("active".into(), json!(true));
    claims.insert("token_type".into(), json!("Bearer"));
    Some(Value::Object(claims))
}
