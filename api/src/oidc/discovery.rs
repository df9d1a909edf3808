//! Discovery (both well-known names, identical bodies, reference §1.1) and the JWKS.
//!
//! The document advertises only what Tessera implements today, with Logto's field names;
//! each endpoint adds its entries as it lands (authorization, userinfo, end session, …).

use crate::state::AppState;
use actix_web::http::header::CACHE_CONTROL;
use actix_web::{web, HttpResponse};
use serde_json::json;

pub fn configure(cfg: &mut web::ServiceConfig) {
    for name in ["openid-configuration", "oauth-authorization-server"] {
        cfg.service(
            web::resource(format!("/oidc/.well-known/{name}"))
                .route(web::get().to(discovery))
                .default_service(web::to(crate::routes::method_not_allowed)),
        );
    }
    cfg.service(
        web::resource("/oidc/jwks")
            .route(web::get().to(jwks))
            .default_service(web::to(crate::routes::method_not_allowed)),
    );
}

async fn discovery(state: web::Data<AppState>) -> HttpResponse {
    let issuer = &state.oidc.issuer;
    let alg = state.oidc.keys.current().signer.alg.as_str();
    HttpResponse::Ok().json(json!({
        "issuer": issuer,
        "token_endpoint": format!("{issuer}/token"),
        "jwks_uri": format!("{issuer}/jwks"),
        "grant_types_supported": ["client_credentials"],
        // No authorization endpoint yet, so no response type is served.
        "response_types_supported": [],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "id_token_signing_alg_values_supported": [alg],
        "subject_types_supported": ["public"],
        "claims_parameter_supported": false,
        "request_uri_parameter_supported": false,
    }))
}

async fn jwks(state: web::Data<AppState>) -> HttpResponse {
    let now = state.clock.now();
    HttpResponse::Ok()
        // Short: after a rotation clients must see the new key soon.
        .insert_header((CACHE_CONTROL, "public, max-age=60"))
        .json(state.oidc.keys.current().jwks(now))
}
