//! `GET /api/configs/oidc/private-keys`, `POST /api/configs/oidc/private-keys/rotate` and
//! `DELETE /api/configs/oidc/private-keys/{keyId}` (Logto's GetOidcKeys / RotateOidcKeys /
//! DeleteOidcKey): public information only, never key material. The current key cannot be
//! deleted (422 `oidc.key_required`: rotate first); a deleted key leaves the JWKS at once.

use crate::state::AppState;
use crate::support::error::ApiError;
use crate::support::request::RequestContext;
use actix_web::{web, HttpResponse};
use app::keys::{change_keys, KeyChange, KeyInfo};
use app::transact::{transact, Tx};
use app::AppError;
use domain::signing_keys::{
    SigningAlgorithm, SigningKeyCommand, SigningKeyError, SigningKeys, MAX_TOKEN_TTL_SECS,
    STREAM_ID,
};
use serde::Deserialize;

pub fn configure(routes: &mut crate::guard::access::Routes) {
    routes.resource(
        web::resource("/api/configs/oidc/private-keys")
            .route(web::get().to(list))
            .default_service(web::to(crate::support::error::method_not_allowed)),
    );
    routes.resource(
        web::resource("/api/configs/oidc/private-keys/rotate")
            .route(web::post().to(rotate))
            .default_service(web::to(crate::support::error::method_not_allowed)),
    );
    routes.resource(
        web::resource("/api/configs/oidc/private-keys/{keyId}")
            .route(web::delete().to(delete))
            .default_service(web::to(crate::support::error::method_not_allowed)),
    );
}

fn listing(state: &AppState) -> Vec<KeyInfo> {
    state.oidc.keys.current().key_info(state.clock.now())
}

#[utoipa::path(
    get,
    path = "/api/configs/oidc/private-keys",
    tag = "Configs",
    operation_id = "ListOidcPrivateKeys",
    responses(
        (status = 200, description = "The signing keys (no key material)", body = Vec<crate::openapi::oidc_schemas::OidcPrivateKey>)
    )
)]
async fn list(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(listing(&state))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RotateBody {
    signing_key_algorithm: Option<String>,
    rotation_grace_period: Option<u64>,
}

#[utoipa::path(
    post,
    path = "/api/configs/oidc/private-keys/rotate",
    tag = "Configs",
    operation_id = "RotateOidcPrivateKeys",
    request_body = crate::openapi::oidc_schemas::RotateKeys,
    responses(
        (status = 200, description = "The keys after rotation", body = Vec<crate::openapi::oidc_schemas::OidcPrivateKey>),
        (status = 400, description = "Invalid body (`guard.invalid_input`)", body = crate::support::error::ErrorBody)
    )
)]
async fn rotate(
    state: web::Data<AppState>,
    request: RequestContext,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: RotateBody = if body.iter().all(u8::is_ascii_whitespace) {
        RotateBody::default()
    } else {
        serde_json::from_slice(&body).map_err(ApiError::json_body)?
    };
    let alg = match body.signing_key_algorithm.as_deref() {
        None => SigningAlgorithm::ES384,
        Some(name) => SigningAlgorithm::parse(name).ok_or_else(|| {
            ApiError::invalid_body("signingKeyAlgorithm: must be EC (ES384) or RSA (RS256)")
        })?,
    };
    let metadata = request.metadata(state.clock.now());
    let change = KeyChange::Rotate {
        alg,
        grace_secs: body.rotation_grace_period.unwrap_or(MAX_TOKEN_TTL_SECS),
    };
    change_keys(&state.store, change, &metadata, &mut state.random.rng()).await?;
    // This node signs with the new key from the next request on; others follow the log.
    state.oidc.keys.reload().await?;
    Ok(HttpResponse::Ok().json(listing(&state)))
}

#[utoipa::path(
    delete,
    path = "/api/configs/oidc/private-keys/{keyId}",
    tag = "Configs",
    operation_id = "DeleteOidcPrivateKey",
    params(
        ("keyId" = String, Path, description = "The key's id (`kid`)")
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such key (`entity.not_exists_with_id`)", body = crate::support::error::ErrorBody),
        (status = 422, description = "The current signing key cannot be deleted", body = crate::support::error::ErrorBody)
    )
)]
async fn delete(
    state: web::Data<AppState>,
    request: RequestContext,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let kid = path.into_inner();
    transact(&state, &request, |mut tx: Tx<ApiError>| {
        let kid = kid.clone();
        async move {
            let command = SigningKeyCommand::Delete { kid: kid.clone() };
            tx.run::<SigningKeys>(STREAM_ID, vec![command], |e| match e {
                SigningKeyError::CurrentKey => AppError::Unprocessable {
                    code: "oidc.key_required",
                    message: "The current signing key cannot be deleted; rotate first.".into(),
                }
                .into(),
                SigningKeyError::NotFound(_) => AppError::NotExistsWithId {
                    entity: "signing key",
                    id: kid.clone(),
                }
                .into(),
                other => ApiError::internal(other),
            })
            .await?;
            Ok((tx, ()))
        }
    })
    .await?;
    // This node stops publishing the key now; others follow the log.
    state.oidc.keys.reload().await?;
    Ok(HttpResponse::NoContent().finish())
}
