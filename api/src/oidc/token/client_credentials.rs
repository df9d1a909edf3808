//! `grant_type=client_credentials` (RFC 6749 §4.4) with a `resource` (RFC 8707), for
//! machine-to-machine clients: answered with an RFC 9068 JWT access token carrying the
//! requested scopes the client holds through its M2M roles, every issuance an event.

use super::client::Clients;
use super::request::TokenForm;
use super::{Call, TokenGrant};
use crate::oidc::error::OAuthError;
use crate::oidc::issued::{self, TokenResponse};
use crate::oidc::resource_token::{self, AccessTokenClaims};
use crate::state::AppState;
use crate::support::request::RequestContext;
use actix_web::HttpResponse;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine;
use domain::client_credentials::{
    ClientCredentialsCommand, ClientCredentialsGranted, ClientCredentialsToken,
};
use domain::{Actor, Aggregate, CommandContext, EventMetadata};
use store::{AppendBatch, ExpectedVersion, Repository};

/// A client-credentials request: the resource (exactly one) and the scopes asked for.
pub struct ClientCredentials {
    resource: String,
    /// `scope` split at single spaces, as Logto does; unheld pieces are dropped later.
    scopes: Vec<String>,
}

impl TokenGrant for ClientCredentials {
    const CLIENTS: Clients = Clients::MachineToMachine;
    const EVERY_PARAMETER_ONCE: bool = false;

    fn parse(form: &TokenForm) -> Result<Self, OAuthError> {
        let Some(resource) = form.resource()? else {
            return Err(OAuthError::invalid_request(
                "resource is required: client-credentials tokens are issued for an API resource",
            ));
        };
        Ok(Self {
            resource: resource.to_owned(),
            scopes: form
                .get("scope")
                .unwrap_or("")
                .split(' ')
                .map(str::to_owned)
                .collect(),
        })
    }

    async fn handle(self, call: &Call<'_>) -> Result<HttpResponse, OAuthError> {
        let state = call.state;
        let oidc = &state.oidc;
        let client_id = &call.client.id;
        let app = call.client.state()?;
        let indicator = self.resource.as_str();
        let resource = resource_token::lookup(state, indicator).await?;
        let held = oidc
            .directory
            .m2m_scopes(app, &resource)
            .await
            .map_err(OAuthError::server)?;
        let granted = self.granted(&held);
        let scope = granted.join(" ");

        let ttl = resource.state.access_token_ttl;
        let jti = B64URL.encode(state.random.bytes::<16>());
        let iat = state.clock.now().as_millis() / 1000;
        let exp = iat + i64::try_from(ttl).unwrap_or(i64::MAX / 2);
        let keys = oidc.keys.current();
        let access_token = keys
            .signer
            .sign_access_token(&AccessTokenClaims {
                jti: &jti,
                sub: client_id,
                iat,
                exp,
                scope: &scope,
                client_id,
                iss: &oidc.issuer,
                aud: indicator,
                grant_id: None,
                act: None,
            })
            .map_err(OAuthError::server)?;

        record(
            state,
            client_id,
            indicator,
            &granted,
            &jti,
            exp,
            call.request,
        )
        .await?;

        Ok(issued::respond(&TokenResponse {
            access_token,
            token_type: "Bearer",
            expires_in: ttl,
            scope,
            id_token: None,
            refresh_token: None,
        }))
    }
}

impl ClientCredentials {
    /// Logto: the requested scopes, filtered down to those the client holds.
    fn granted<'a>(&'a self, held: &[String]) -> Vec<&'a str> {
        let mut granted: Vec<&str> = Vec::new();
        for s in &self.scopes {
            if held.iter().any(|h| h == s) && !granted.contains(&s.as_str()) {
                granted.push(s.as_str());
            }
        }
        granted
    }
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
    app::transact::append(&state.app, batch)
        .await
        .map_err(OAuthError::server)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oidc::error::OAuthCode;
    use crate::oidc::token::request::tests::{form, refusal};

    fn parse(pairs: &[(&str, &str)]) -> Result<ClientCredentials, OAuthError> {
        ClientCredentials::parse(&form(pairs).unwrap())
    }

    #[test]
    fn exactly_one_resource_is_required() {
        assert_eq!(
            refusal(parse(&[("scope", "read")]), OAuthCode::InvalidRequest),
            "resource is required: client-credentials tokens are issued for an API resource"
        );
        assert_eq!(
            refusal(
                parse(&[("resource", "https://a"), ("resource", "https://b")]),
                OAuthCode::InvalidTarget
            ),
            "only one resource indicator may be requested"
        );
        let r = parse(&[("resource", " https://a, ")]).unwrap();
        assert_eq!(r.resource, "https://a");
    }

    #[test]
    fn granted_scopes_are_the_requested_ones_held_in_request_order() {
        let r = parse(&[("resource", "https://a"), ("scope", "write read write  x")]).unwrap();
        let held = ["read", "write"].map(String::from);
        assert_eq!(r.granted(&held), ["write", "read"]);
        let none = parse(&[("resource", "https://a")]).unwrap();
        assert!(none.granted(&held).is_empty());
    }
}
