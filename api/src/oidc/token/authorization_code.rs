//! `grant_type=authorization_code` (RFC 6749 §4.1.3, PKCE RFC 7636).
//!
//! The code is `<grant id>.<secret>`: the grant is loaded by id and decides. The append
//! expects the version it loaded, so of two concurrent redemptions one commits and the
//! other gets a conflict, reloads, and now sees a redeemed code: the aggregate answers
//! that replay by revoking the grant (RFC 9700 §4.14), and the request gets
//! `invalid_grant`.
//!
//! With `resource` (RFC 8707) the access token is a JWT for that resource, which the
//! grant must hold (`resource_token.rs`); without, it is opaque (for `/oidc/me`).

use super::client::Clients;
use super::request::TokenForm;
use super::user_grant::{self, refusal, Attempt, Decided};
use super::{Call, TokenGrant};
use crate::oidc::client_auth::invalid_grant;
use crate::oidc::error::OAuthError;
use crate::oidc::issued::{self, Minted};
use crate::signin::finish::secs;
use actix_web::HttpResponse;
use app::transact::{transact, Tx};
use domain::application::{ApplicationState, ApplicationType};
use domain::grant::{ends_in_revocation, Grant, GrantCommand, GrantState, RefreshTokenIssued};
use domain::{Actor, Aggregate, Timestamp};

/// A code redemption: the code split into grant id and secret, and the parameters the
/// grant checks it against.
pub struct AuthorizationCode {
    grant_id: String,
    secret: String,
    redirect_uri: String,
    code_verifier: Option<String>,
    resource: Option<String>,
}

impl TokenGrant for AuthorizationCode {
    const CLIENTS: Clients = Clients::Interactive;
    const EVERY_PARAMETER_ONCE: bool = true;

    fn parse(form: &TokenForm) -> Result<Self, OAuthError> {
        let code = form.required("code")?;
        let redirect_uri = form.required("redirect_uri")?;
        let presented = issued::split(code)
            .filter(|p| p.generation.is_none())
            .ok_or_else(|| invalid_grant("malformed code"))?;
        Ok(Self {
            grant_id: presented.grant_id.to_owned(),
            secret: presented.secret.to_owned(),
            redirect_uri: redirect_uri.to_owned(),
            code_verifier: form.get("code_verifier").map(str::to_owned),
            resource: form.resource()?.map(str::to_owned),
        })
    }

    async fn handle(self, call: &Call<'_>) -> Result<HttpResponse, OAuthError> {
        let state = call.state;
        let app = call.client.state()?;
        let grant_id = self.grant_id.as_str();
        let resource = user_grant::resource(state, self.resource.as_deref()).await?;
        let this = &self;
        let resource = resource.as_deref();
        let (decided, _) = transact(
            &state.app,
            &user_grant::acting(call),
            |mut tx: Tx<Attempt>| async move {
                let now = tx.ctx.now;
                let loaded = state
                    .store
                    .repository()
                    .load_cached::<Grant>(grant_id)
                    .await?;
                let grant = user_grant::found(&loaded, grant_id)?;
                let scopes = grant.issued.scopes.clone();
                let (record, access) =
                    user_grant::access_token(state, grant_id, grant, resource, &scopes, now)
                        .await?;
                let refresh =
                    wants_refresh_token(app, &scopes).then(|| issued::refresh(state, grant_id, 1));
                let command = this.redeem(call, app, grant, record, refresh.as_ref(), now);
                let events = loaded
                    .aggregate
                    .handle(command, &tx.ctx)
                    .map_err(|r| refusal(grant_id, r))?;
                tx.stage::<Grant>(grant_id, loaded.version, &events);
                let decided = Decided {
                    grant: grant.clone(),
                    scopes,
                    access,
                    refresh_token: refresh.map(|r| r.token),
                    events,
                };
                Ok((tx, decided))
            },
        )
        .await
        .map_err(|e| {
            e.into_oauth(|| {
                invalid_grant(format_args!(
                    "grant {grant_id}: the code is being redeemed concurrently"
                ))
            })
        })?;
        if ends_in_revocation(&decided.events) {
            return Err(invalid_grant(format_args!(
                "grant {grant_id}: the code was replayed; the grant is revoked"
            )));
        }
        enforce_grant_limit(call, app, &decided.grant, grant_id).await;
        user_grant::respond(state, grant_id, app, decided).await
    }
}

impl AuthorizationCode {
    /// The command redeeming the code for `access_token` and, if minted, `refresh`.
    fn redeem(
        &self,
        call: &Call<'_>,
        app: &ApplicationState,
        grant: &GrantState,
        access_token: domain::grant::AccessTokenIssued,
        refresh: Option<&Minted>,
        now: Timestamp,
    ) -> GrantCommand {
        let lifetime = call
            .state
            .sign_in
            .lifetimes
            .refresh_token_for(&app.settings.custom_client_metadata.lifetimes);
        GrantCommand::RedeemCode {
            client_id: call.client.id.clone(),
            secret: self.secret.clone(),
            redirect_uri: self.redirect_uri.clone(),
            code_verifier: self.code_verifier.clone(),
            access_token,
            refresh_token: refresh.map(|r| RefreshTokenIssued {
                generation: 1,
                digest: r.digest.clone(),
                expires_at: now
                    .plus_seconds(secs(lifetime))
                    .min(grant.issued.expires_at),
            }),
        }
    }
}

/// Logto: a refresh token when `offline_access` was granted, or for a web app that asked
/// to always get one.
fn wants_refresh_token(app: &ApplicationState, scopes: &[String]) -> bool {
    let always = app.app_type != ApplicationType::Native
        && app
            .settings
            .custom_client_metadata
            .always_issue_refresh_token
            == Some(true);
    always || scopes.iter().any(|s| s == "offline_access")
}

/// `maxAllowedGrants`: the client's oldest grants of this user beyond the limit are
/// revoked. The tokens are issued either way: a failure here leaves one grant too many
/// until the next redemption, which is better than refusing a valid code.
pub(super) async fn enforce_grant_limit(
    call: &Call<'_>,
    app: &ApplicationState,
    grant: &GrantState,
    grant_id: &str,
) {
    let Some(max) = app.settings.custom_client_metadata.max_allowed_grants else {
        return;
    };
    let client_id = &call.client.id;
    let mut as_client = call.request.clone();
    as_client.actor = Actor::Application(client_id.clone());
    if let Err(e) = app::commands::grant_limit::enforce(
        call.state,
        &as_client,
        &grant.issued.user_id,
        client_id,
        grant_id,
        max,
    )
    .await
    {
        tracing::error!(error = %e, grant_id, "concurrent grant limit not enforced");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oidc::error::OAuthCode;
    use crate::oidc::token::request::tests::{form, refusal};

    fn parse(pairs: &[(&str, &str)]) -> Result<AuthorizationCode, OAuthError> {
        AuthorizationCode::parse(&form(pairs).unwrap())
    }

    #[test]
    fn a_code_request_is_split_into_its_parts() {
        let r = parse(&[
            ("code", "g1.s3cret"),
            ("redirect_uri", "https://app/cb"),
            ("code_verifier", "v"),
            ("resource", "https://api"),
        ])
        .unwrap();
        assert_eq!((r.grant_id.as_str(), r.secret.as_str()), ("g1", "s3cret"));
        assert_eq!(r.redirect_uri, "https://app/cb");
        assert_eq!(r.code_verifier.as_deref(), Some("v"));
        assert_eq!(r.resource.as_deref(), Some("https://api"));
        let bare = parse(&[("code", "g1.s"), ("redirect_uri", "x")]).unwrap();
        assert_eq!((bare.code_verifier, bare.resource), (None, None));
    }

    #[test]
    fn code_and_redirect_uri_are_required_in_that_order() {
        assert_eq!(
            refusal(parse(&[]), OAuthCode::InvalidRequest),
            "missing code"
        );
        assert_eq!(
            refusal(parse(&[("code", "garbage")]), OAuthCode::InvalidRequest),
            "missing redirect_uri"
        );
    }

    #[test]
    fn a_malformed_code_is_invalid_grant_before_the_resource_is_read() {
        for code in ["garbage", "g1.2.s3cret", ".s"] {
            let r = parse(&[("code", code), ("redirect_uri", "x"), ("resource", "a,b")]);
            refusal(r, OAuthCode::InvalidGrant);
        }
        let r = parse(&[("code", "g.s"), ("redirect_uri", "x"), ("resource", "a,b")]);
        refusal(r, OAuthCode::InvalidTarget);
    }
}
