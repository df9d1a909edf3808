//! `POST /oidc/token`: client authentication and the grant dispatch. `client_credentials`
//! (RFC 6749 §4.4) with a `resource` (RFC 8707) is handled here, answered with an RFC 9068
//! JWT access token, every issuance an event; `authorization_code` and `refresh_token` live
//! in `code.rs` and `refresh.rs`.

use super::error::{OAuthCode, OAuthError};
use super::resource_token::AccessTokenClaims;
use crate::request::RequestContext;
use crate::state::AppState;
use actix_web::http::header::{AUTHORIZATION, CACHE_CONTROL, PRAGMA};
use actix_web::{web, HttpRequest, HttpResponse};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine;
use domain::application::ApplicationType;
use domain::client_credentials::{
    ClientCredentialsCommand, ClientCredentialsGranted, ClientCredentialsToken,
};
use domain::{Actor, Aggregate, CommandContext, EventMetadata};
use serde::Serialize;
use store::{AppendBatch, ExpectedVersion, Repository};

/// The token endpoint's parameters. `resource` may repeat (and Logto also splits a
/// comma-separated value); every other parameter must appear at most once (RFC 6749 §3.2).
#[derive(Debug, Default)]
struct Params {
    grant_type: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    scope: Option<String>,
    resources: Vec<String>,
}

fn parse(req: &HttpRequest, body: &[u8]) -> Result<Params, OAuthError> {
    let pairs = super::client_auth::body_pairs(req, body)?;
    let mut p = Params::default();
    for (name, value) in pairs {
        let slot = match name.as_str() {
            "grant_type" => &mut p.grant_type,
            "client_id" => &mut p.client_id,
            "client_secret" => &mut p.client_secret,
            "scope" => &mut p.scope,
            "resource" => {
                p.resources.extend(
                    value
                        .split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned),
                );
                continue;
            }
            _ => continue,
        };
        if slot.replace(value).is_some() {
            return Err(OAuthError::invalid_request(format!(
                "parameter {name} appears more than once"
            )));
        }
    }
    Ok(p)
}

struct Credentials {
    client_id: String,
    secret: String,
    basic: bool,
}

fn credentials(req: &HttpRequest, params: &mut Params) -> Result<Credentials, OAuthError> {
    let header = req
        .headers()
        .get(AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or_default());
    match header {
        Some(value) => {
            if !super::client_auth::is_basic(value) {
                return Err(OAuthError::invalid_client(true));
            }
            if params.client_secret.is_some() {
                // RFC 6749 §2.3: one authentication method per request.
                return Err(OAuthError::invalid_request(
                    "client authenticated with more than one method",
                ));
            }
            let (id, secret) = super::client_auth::decode_basic(value)
                .ok_or_else(|| OAuthError::invalid_client(true))?;
            if params
                .client_id
                .as_ref()
                .is_some_and(|body_id| *body_id != id)
            {
                return Err(OAuthError::invalid_request(
                    "client_id in the body differs from the authenticated client",
                ));
            }
            Ok(Credentials {
                client_id: id,
                secret,
                basic: true,
            })
        }
        None => match (params.client_id.take(), params.client_secret.take()) {
            (Some(client_id), Some(secret)) => Ok(Credentials {
                client_id,
                secret,
                basic: false,
            }),
            _ => Err(OAuthError::invalid_client(false)),
        },
    }
}

#[derive(Serialize)]
struct TokenResponse<'a> {
    access_token: String,
    token_type: &'static str,
    expires_in: u64,
    scope: &'a str,
}

#[utoipa::path(
    post,
    path = "/oidc/token",
    tag = "OIDC",
    operation_id = "CreateToken",
    request_body(content_type = "application/x-www-form-urlencoded", content = Object, description = "`grant_type` (`client_credentials`, `authorization_code`, `refresh_token`), `client_id`/`client_secret` (or Basic), `code`, `redirect_uri`, `code_verifier`, `refresh_token`, `resource`, `scope`; a JSON object is accepted too"),
    responses(
        (status = 200, description = "Tokens (`Cache-Control: no-store`)", body = crate::openapi::oidc_schemas::TokenResponse),
        (status = 400, description = "`invalid_request`, `invalid_grant`, `unsupported_grant_type`, `unauthorized_client`, `invalid_scope`, `invalid_target`", body = crate::openapi::oidc_schemas::OidcError),
        (status = 401, description = "`invalid_client`", body = crate::openapi::oidc_schemas::OidcError),
        (status = 500, description = "`server_error`", body = crate::openapi::oidc_schemas::OidcError)
    )
)]
pub async fn token(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    body: web::Bytes,
) -> Result<HttpResponse, OAuthError> {
    let mut params = parse(&req, &body)?;
    let grant_type = params
        .grant_type
        .clone()
        .ok_or_else(|| OAuthError::invalid_request("missing grant_type"))?;
    if let Some(answer) = super::code::dispatch(&grant_type, &state, &req, &request, &body).await {
        return answer;
    }
    let creds = credentials(&req, &mut params)?;
    let oidc = &state.oidc;
    let now = state.clock.now();

    let app = oidc
        .directory
        .application(&creds.client_id)
        .await
        .map_err(OAuthError::server)?;
    let app = match app.state() {
        Some(app) if app.accepts_secret(&creds.secret, now) => app,
        _ => return Err(OAuthError::invalid_client(creds.basic)),
    };
    if grant_type != "client_credentials" {
        return Err(OAuthError::new(
            OAuthCode::UnsupportedGrantType,
            format!("unsupported grant_type {grant_type:?}"),
        ));
    }
    if app.app_type != ApplicationType::MachineToMachine {
        return Err(OAuthError::new(
            OAuthCode::UnauthorizedClient,
            "this client may not use the client_credentials grant",
        ));
    }
    let indicator =
        match params.resources.as_slice() {
            [one] => one.as_str(),
            [] => return Err(OAuthError::invalid_request(
                "resource is required: client-credentials tokens are issued for an API resource",
            )),
            _ => {
                return Err(OAuthError::new(
                    OAuthCode::InvalidTarget,
                    "only one resource indicator may be requested",
                ))
            }
        };
    let resource = oidc
        .directory
        .resource(indicator)
        .await
        .map_err(OAuthError::server)?
        .ok_or_else(|| {
            OAuthError::new(OAuthCode::InvalidTarget, "resource indicator is unknown")
        })?;
    let held = oidc
        .directory
        .m2m_scopes(app, &resource)
        .await
        .map_err(OAuthError::server)?;
    // Logto: the requested scopes, filtered down to those the client holds.
    let mut granted: Vec<&str> = Vec::new();
    for s in params.scope.as_deref().unwrap_or("").split(' ') {
        if held.iter().any(|h| h == s) && !granted.contains(&s) {
            granted.push(s);
        }
    }
    let scope = granted.join(" ");

    let ttl = resource.state.access_token_ttl;
    let jti = B64URL.encode(state.random.bytes::<16>());
    let iat = now.as_millis() / 1000;
    let exp = iat + i64::try_from(ttl).unwrap_or(i64::MAX / 2);
    let keys = oidc.keys.current();
    let access_token = keys
        .signer
        .sign_access_token(&AccessTokenClaims {
            jti: &jti,
            sub: &creds.client_id,
            iat,
            exp,
            scope: &scope,
            client_id: &creds.client_id,
            iss: &oidc.issuer,
            aud: indicator,
            grant_id: None,
        })
        .map_err(OAuthError::server)?;

    record(
        &state,
        &creds.client_id,
        indicator,
        &granted,
        &jti,
        exp,
        &request,
    )
    .await?;

    Ok(HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, "no-store"))
        .insert_header((PRAGMA, "no-cache"))
        .json(TokenResponse {
            access_token,
            token_type: "Bearer",
            expires_in: ttl,
            scope: &scope,
        }))
}

/// Appends `ClientCredentialsGranted` on the token's own stream (no contention; the
/// store's group commit batches concurrent issuances into one transaction).
async fn record(
    state: &AppState,
    client_id: &str,
    resource: &str,
    scopes: &[&str],
    jti: &str,
    exp: i64,
    request: &RequestContext,
) -> Result<(), OAuthError> {
    let now = state.clock.now();
    let command = ClientCredentialsGranted {
        application_id: client_id.to_owned(),
        resource: resource.to_owned(),
        scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
        expires_at: domain::Timestamp::from_millis(exp.saturating_mul(1000)),
    };
    let events = ClientCredentialsToken::default()
        .handle(
            ClientCredentialsCommand::Grant(command),
            &CommandContext { now },
        )
        .map_err(OAuthError::server)?;
    let metadata = EventMetadata {
        occurred_at: now,
        actor: Actor::Application(client_id.to_owned()),
        correlation_id: request.correlation_id.clone(),
        client_ip: request.client_ip.clone(),
        user_agent: request.user_agent.clone(),
        request: request.request.clone(),
    };
    let batch = AppendBatch {
        streams: vec![Repository::stage::<ClientCredentialsToken>(
            jti,
            ExpectedVersion::NoStream,
            &events,
            &metadata,
        )],
    };
    let outcome = state
        .store
        .repository()
        .append(batch)
        .await
        .map_err(OAuthError::server)?;
    state
        .metrics
        .events_appended
        .inc_by(outcome.events.len() as u64);
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::oidc::client_auth::form_decode;

    #[test]
    fn basic_credentials_are_form_decoded() {
        assert_eq!(form_decode("a%3Ab+c").as_deref(), Some("a:b c"));
        assert_eq!(form_decode("%zz"), None);
        assert_eq!(form_decode("%4"), None);
        // `from_str_radix` alone would take a sign: `%+5` is not an escape.
        assert_eq!(form_decode("%+5"), None);
    }
}
