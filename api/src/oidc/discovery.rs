//! Discovery (both well-known names, identical bodies, docs/logto/oidc.md#discovery) and the JWKS.
//!
//! The document advertises only what Tessera implements today, with Logto's field names;
//! each endpoint adds its entries as it lands (authorization, userinfo, end session, …).

use crate::state::AppState;
use actix_web::http::header::CACHE_CONTROL;
use actix_web::{web, HttpResponse};
use serde_json::json;

/// The OpenID Connect scopes this server knows (the claims they release are in
/// `claims.rs`); API resources define their own scopes besides these.
pub const OIDC_SCOPES: [&str; 10] = [
    "openid",
    "offline_access",
    "profile",
    "email",
    "phone",
    "address",
    "custom_data",
    "identities",
    "roles",
    "urn:logto:scope:sessions",
];

pub fn configure(routes: &mut crate::guard::access::Routes) {
    for name in ["openid-configuration", "oauth-authorization-server"] {
        routes.resource(
            web::resource(format!("/oidc/.well-known/{name}"))
                .route(web::get().to(discovery))
                .default_service(web::to(crate::support::error::method_not_allowed)),
        );
    }
    routes.resource(
        web::resource("/oidc/jwks")
            .route(web::get().to(jwks))
            .default_service(web::to(crate::support::error::method_not_allowed)),
    );
}

#[utoipa::path(
    get,
    path = "/oidc/.well-known/{name}",
    tag = "OIDC",
    operation_id = "GetOidcDiscovery",
    params(
        ("name" = crate::openapi::oidc_schemas::WellKnownName, Path, description = "Both names serve the same document")
    ),
    responses(
        (status = 200, description = "OpenID Provider metadata (issuer, endpoints, supported values)", body = Object)
    )
)]
async fn discovery(state: web::Data<AppState>) -> HttpResponse {
    let issuer = &state.oidc.issuer;
    // Every algorithm with a current key, the primary's first: RS256 is always among
    // them (OpenID Connect Discovery §3 requires it).
    let algs = state.oidc.keys.current().algorithms();
    HttpResponse::Ok().json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/auth"),
        "token_endpoint": format!("{issuer}/token"),
        "userinfo_endpoint": format!("{issuer}/me"),
        "jwks_uri": format!("{issuer}/jwks"),
        "end_session_endpoint": format!("{issuer}/session/end"),
        "revocation_endpoint": format!("{issuer}/token/revocation"),
        "introspection_endpoint": format!("{issuer}/token/introspection"),
        "pushed_authorization_request_endpoint": format!("{issuer}/request"),
        "device_authorization_endpoint": format!("{issuer}/device/auth"),
        // Per client (`customClientMetadata.requirePushedAuthorizationRequests`).
        "require_pushed_authorization_requests": false,
        "grant_types_supported": [
            "authorization_code",
            "refresh_token",
            "client_credentials",
            super::token::token_exchange::GRANT_TYPE,
            domain::oauth::device_authorization::GRANT_TYPE,
        ],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": true,
        "scopes_supported": OIDC_SCOPES,
        "claims_supported": [
            "sub", "name", "family_name", "given_name", "middle_name", "nickname",
            "preferred_username", "profile", "picture", "website", "gender", "birthdate",
            "zoneinfo", "locale", "updated_at", "username", "created_at", "email",
            "email_verified", "phone_number", "phone_number_verified", "address",
            "custom_data", "roles", "sid", "auth_time", "iss"
        ],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "id_token_signing_alg_values_supported": algs,
        "subject_types_supported": ["public"],
        "claims_parameter_supported": false,
        "request_uri_parameter_supported": false,
    }))
}

#[utoipa::path(
    get,
    path = "/oidc/jwks",
    tag = "OIDC",
    operation_id = "GetJwks",
    responses(
        (status = 200, description = "The public signing keys", body = crate::openapi::oidc_schemas::Jwks)
    )
)]
async fn jwks(state: web::Data<AppState>) -> HttpResponse {
    let now = state.clock.now();
    HttpResponse::Ok()
        // Short: after a rotation clients must see the new key soon.
        .insert_header((CACHE_CONTROL, "public, max-age=60"))
        .json(state.oidc.keys.current().jwks(now))
}
