//! `GET|POST /oidc/me` (OpenID Connect Core §5.3): the user's claims for the scopes of
//! the access token (its own: a down-scoped refresh gives fewer than the grant's), for
//! an opaque access token only (Logto/oidc-provider refuse resource JWTs).
//! Every refusal is 401 with `WWW-Authenticate: Bearer error="invalid_token"` (RFC 6750).

use super::claims::{self, Target};
use super::issued;
use crate::state::AppState;
use actix_web::http::header::{CACHE_CONTROL, WWW_AUTHENTICATE};
use actix_web::{web, HttpRequest, HttpResponse};
use domain::grant::Grant;
use serde_json::json;

fn unauthorized(description: &str) -> HttpResponse {
    HttpResponse::Unauthorized()
        .insert_header((
            WWW_AUTHENTICATE,
            format!("Bearer realm=\"tessera\", error=\"invalid_token\", error_description=\"{description}\""),
        ))
        .insert_header((CACHE_CONTROL, "no-store"))
        .json(json!({
            "code": "oidc.invalid_token",
            "message": description,
            "error": "invalid_token",
            "error_description": description,
        }))
}

#[utoipa::path(
    method(get, post),
    path = "/oidc/me",
    tag = "OIDC",
    operation_id = "Userinfo",
    responses(
        (status = 200, description = "Claims of the grant's scopes", body = Object),
        (status = 401, description = "Missing or invalid opaque access token (`WWW-Authenticate: Bearer`, `invalid_token`)", body = crate::openapi::oidc_schemas::OidcError)
    )
)]
pub async fn userinfo(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let Some(token) = crate::support::request::bearer_token(&req) else {
        return HttpResponse::Unauthorized()
            .insert_header((WWW_AUTHENTICATE, "Bearer realm=\"tessera\""))
            .json(json!({
                "code": "oidc.invalid_token",
                "message": "no access token",
                "error": "invalid_token",
                "error_description": "no access token",
            }));
    };
    let Some(p) = issued::split(token).filter(|p| p.generation.is_none()) else {
        return unauthorized("invalid access token");
    };
    let loaded = match state
        .store
        .repository()
        .load_cached::<Grant>(p.grant_id)
        .await
    {
        Ok(l) => l,
        Err(e) => {
            tracing::error!(error = %e, "userinfo: cannot load the grant");
            return HttpResponse::InternalServerError().finish();
        }
    };
    let now = state.clock.now();
    let Some((grant, token)) = loaded
        .aggregate
        .state()
        .and_then(|g| Some((g, g.access_token(p.secret, now)?)))
    else {
        return unauthorized("invalid or expired access token");
    };
    match claims::of_user(
        &state,
        &grant.issued.user_id,
        &token.scopes,
        Target::UserInfo,
    )
    .await
    {
        Ok(Some(c)) => HttpResponse::Ok()
            .insert_header((CACHE_CONTROL, "no-store"))
            .json(c),
        Ok(None) => unauthorized("the user no longer exists"),
        Err(e) => {
            tracing::error!(error = %e, "userinfo: cannot load the user");
            HttpResponse::InternalServerError().finish()
        }
    }
}
