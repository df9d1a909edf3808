//! `POST /oidc/token` (RFC 6749 §3.2): one pipeline for every grant.
//!
//! A request's body is decoded once (`request.rs`: form or JSON, repeated parameters,
//! `grant_type`), its client is authenticated once (`client.rs`, by the grant's rule for
//! who may use it), and the grant's own parameters are parsed once into the grant's typed
//! request, which the grant's handler turns into tokens. Each grant is one file
//! implementing [`TokenGrant`]: `authorization_code.rs`, `refresh_token.rs` (the user
//! grants, sharing `user_grant.rs`), `client_credentials.rs`, `device_code.rs` (RFC
//! 8628) and `token_exchange.rs` (RFC 8693; its subject and actor tokens in
//! `subject.rs`). Adding a grant is a new file and a line in [`token`]'s dispatch.
//!
//! Refusals come in the order the endpoint has always given them: a body that does not
//! decode or repeats a parameter, a missing `grant_type`, the client's authentication,
//! whether the client may use the grant, and only then the grant's own parameters, so a
//! caller that cannot authenticate learns nothing about them.

mod authorization_code;
mod client;
mod client_credentials;
mod device_code;
mod refresh_token;
mod request;
mod subject;
pub mod token_exchange;
mod user_grant;

use super::client_auth::ClientAuthentication;
use super::error::{OAuthCode, OAuthError};
use crate::state::AppState;
use crate::support::request::RequestContext;
use actix_web::{web, HttpRequest, HttpResponse};
use authorization_code::AuthorizationCode;
use client::Clients;
use client_credentials::ClientCredentials;
use device_code::DeviceCode;
use refresh_token::RefreshToken;
use request::TokenForm;
use token_exchange::TokenExchange;

/// One grant type of the token endpoint: its typed request and its handler.
trait TokenGrant: Sized {
    /// Which clients may use the grant, and whether public clients authenticate with
    /// `none`.
    const CLIENTS: Clients;
    /// Whether every parameter must appear at most once (RFC 6749 §3.2). Otherwise only
    /// those the endpoint reads before the grant does ([`request::ALWAYS_SINGLE`]) are
    /// refused when repeated; `client_credentials` has always let other repeats pass.
    const EVERY_PARAMETER_ONCE: bool;

    /// The grant's own parameters, read once from the decoded body; called only after the
    /// client was authenticated and admitted.
    fn parse(form: &TokenForm) -> Result<Self, OAuthError>;

    /// The tokens, or the refusal.
    async fn handle(self, call: &Call<'_>) -> Result<HttpResponse, OAuthError>;
}

/// What a grant handler works with: the server, the request's context for event
/// metadata, and the authenticated client.
struct Call<'a> {
    state: &'a AppState,
    request: &'a RequestContext,
    client: ClientAuthentication,
}

#[utoipa::path(
    post,
    path = "/oidc/token",
    tag = "OIDC",
    operation_id = "CreateToken",
    request_body(content_type = "application/x-www-form-urlencoded", content = Object, description = "`grant_type` (`client_credentials`, `authorization_code`, `refresh_token`, `urn:ietf:params:oauth:grant-type:device_code`, `urn:ietf:params:oauth:grant-type:token-exchange`), `client_id`/`client_secret` (or Basic), `code`, `redirect_uri`, `code_verifier`, `refresh_token`, `device_code`, `subject_token`, `subject_token_type`, `actor_token`, `actor_token_type`, `resource`, `scope`; a JSON object is accepted too"),
    responses(
        (status = 200, description = "Tokens (`Cache-Control: no-store`)", body = crate::openapi::oidc_schemas::TokenResponse),
        (status = 400, description = "`invalid_request`, `invalid_grant`, `unsupported_grant_type`, `unauthorized_client`, `invalid_scope`, `invalid_target`; for the device code also `authorization_pending`, `slow_down`, `access_denied`, `expired_token`", body = crate::openapi::oidc_schemas::OidcError),
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
    let form = TokenForm::decode(&req, &body)?;
    let endpoint = Endpoint {
        state: &state,
        req: &req,
        request: &request,
        form: &form,
    };
    match form.grant_type()? {
        "authorization_code" => endpoint.run::<AuthorizationCode>().await,
        "refresh_token" => endpoint.run::<RefreshToken>().await,
        "client_credentials" => endpoint.run::<ClientCredentials>().await,
        token_exchange::GRANT_TYPE => endpoint.run::<TokenExchange>().await,
        domain::oauth::device_authorization::GRANT_TYPE => endpoint.run::<DeviceCode>().await,
        other => endpoint.unsupported(other).await,
    }
}

/// One decoded token request on its way to its grant.
struct Endpoint<'a> {
    state: &'a AppState,
    req: &'a HttpRequest,
    request: &'a RequestContext,
    form: &'a TokenForm,
}

impl Endpoint<'_> {
    async fn run<G: TokenGrant>(&self) -> Result<HttpResponse, OAuthError> {
        if G::EVERY_PARAMETER_ONCE {
            self.form.refuse_repeated()?;
        }
        let client = client::authenticate(self.state, self.req, self.form, G::CLIENTS).await?;
        let grant = G::parse(self.form)?;
        let call = Call {
            state: self.state,
            request: self.request,
            client,
        };
        grant.handle(&call).await
    }

    /// A grant type this server does not issue: refused once the client authenticated
    /// with its secret (an unauthenticated caller learns nothing, as before).
    async fn unsupported(&self, grant_type: &str) -> Result<HttpResponse, OAuthError> {
        client::authenticate(self.state, self.req, self.form, Clients::Confidential).await?;
        Err(OAuthError::new(
            OAuthCode::UnsupportedGrantType,
            format!("unsupported grant_type {grant_type:?}"),
        ))
    }
}
