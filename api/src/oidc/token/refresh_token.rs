//! `grant_type=refresh_token` (RFC 6749 §6) with rotation and reuse detection.
//!
//! Every refresh rotates the token (generation + 1). A confidential client may turn that
//! off with `customClientMetadata.rotateRefreshToken=false`; a public client (SPA,
//! Native) may not: RFC 9700 §4.14.2 requires its refresh tokens to be rotated (they are
//! not sender-constrained), so the setting is ignored for them. A rotated-out token
//! presented again revokes the whole grant (the aggregate decides; a concurrent use of
//! the same token loses the version race, reloads and is judged a replay too).
//!
//! `scope` may narrow the grant's scopes (never widen them): the token issued carries
//! exactly the scopes asked for, and remembers them. With `resource` (RFC 8707) the
//! access token is an RFC 9068 JWT for that resource, which the grant must hold
//! (`resource_token.rs`).

use super::client::Clients;
use super::request::TokenForm;
use super::user_grant::{self, refusal, Attempt, Decided};
use super::{Call, TokenGrant};
use crate::oidc::client_auth::invalid_grant;
use crate::oidc::error::{OAuthCode, OAuthError};
use crate::oidc::issued::{self, Minted};
use crate::signin::finish::secs;
use actix_web::HttpResponse;
use app::transact::{transact, Tx};
use domain::application::{ApplicationState, ApplicationType};
use domain::grant::{
    ends_in_revocation, AccessTokenIssued, Grant, GrantCommand, GrantState, IssuedSecret,
};
use domain::{Aggregate, Timestamp};

/// A refresh: the token split into grant id, generation and secret, the scopes asked for
/// and the resource.
pub struct RefreshToken {
    grant_id: String,
    generation: u32,
    secret: String,
    /// `scope` split at whitespace, repeats dropped, order kept; `None`: the grant's.
    scope: Option<Vec<String>>,
    resource: Option<String>,
}

impl TokenGrant for RefreshToken {
    const CLIENTS: Clients = Clients::Interactive;
    const EVERY_PARAMETER_ONCE: bool = true;

    fn parse(form: &TokenForm) -> Result<Self, OAuthError> {
        let token = form.required("refresh_token")?;
        let presented =
            issued::split(token).ok_or_else(|| invalid_grant("malformed refresh token"))?;
        let Some(generation) = presented.generation else {
            return Err(invalid_grant(
                "an access token presented as a refresh token",
            ));
        };
        let scope = form.get("scope").map(|s| {
            let mut asked: Vec<String> = Vec::new();
            for scope in s.split_whitespace() {
                if !asked.iter().any(|a| a == scope) {
                    asked.push(scope.to_owned());
                }
            }
            asked
        });
        Ok(Self {
            grant_id: presented.grant_id.to_owned(),
            generation,
            secret: presented.secret.to_owned(),
            scope,
            resource: form.resource()?.map(str::to_owned),
        })
    }

    async fn handle(self, call: &Call<'_>) -> Result<HttpResponse, OAuthError> {
        let state = call.state;
        let app = call.client.state()?;
        let grant_id = self.grant_id.as_str();
        let resource = user_grant::resource(state, self.resource.as_deref()).await?;
        let rotate = app.rotates_refresh_tokens();
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
                if !issued::user_may_hold_tokens(state, &grant.issued.user_id).await? {
                    return Err(invalid_grant(format_args!(
                        "grant {grant_id}: the user no longer exists or is suspended"
                    ))
                    .into());
                }
                let scopes = this.scopes_within(grant)?;
                let (record, access) =
                    user_grant::access_token(state, grant_id, grant, resource, &scopes, now)
                        .await?;
                let next = rotate.then(|| issued::refresh(state, grant_id, this.generation + 1));
                let command = this.refresh(call, app, grant, record, next.as_ref(), now);
                let events = loaded
                    .aggregate
                    .handle(command, &tx.ctx)
                    .map_err(|r| refusal(grant_id, r))?;
                tx.stage::<Grant>(grant_id, loaded.version, &events);
                // Without rotation the client keeps using the token it has.
                let decided = Decided {
                    grant: grant.clone(),
                    scopes,
                    access,
                    refresh_token: next.map(|n| n.token),
                    events,
                };
                Ok((tx, decided))
            },
        )
        .await
        .map_err(|e| {
            e.into_oauth(|| {
                invalid_grant(format_args!(
                    "grant {grant_id}: the refresh token is being used concurrently"
                ))
            })
        })?;
        if ends_in_revocation(&decided.events) {
            return Err(invalid_grant(format_args!(
                "grant {grant_id}: a rotated-out refresh token was replayed; the grant is revoked"
            )));
        }
        user_grant::respond(state, grant_id, app, decided).await
    }
}

impl RefreshToken {
    /// The scopes asked for (default: the grant's); `invalid_scope` beyond the grant's.
    fn scopes_within(&self, grant: &GrantState) -> Result<Vec<String>, OAuthError> {
        let requested = self
            .scope
            .clone()
            .unwrap_or_else(|| grant.issued.scopes.clone());
        if !requested.iter().all(|s| grant.issued.scopes.contains(s)) {
            return Err(OAuthError::new(
                OAuthCode::InvalidScope,
                "requested scope exceeds the grant",
            ));
        }
        Ok(requested)
    }

    /// The command using this token for `access_token`, rotating it to `next` if minted.
    fn refresh(
        &self,
        call: &Call<'_>,
        app: &ApplicationState,
        grant: &GrantState,
        access_token: AccessTokenIssued,
        next: Option<&Minted>,
        now: Timestamp,
    ) -> GrantCommand {
        GrantCommand::Refresh {
            client_id: call.client.id.clone(),
            generation: self.generation,
            secret: self.secret.clone(),
            access_token,
            rotate_to: next.map(|n| IssuedSecret {
                digest: n.digest.clone(),
                expires_at: rotated_expiry(call, app, grant, now),
            }),
        }
    }
}

/// When the rotated-to token expires: SPAs keep the rotated token's remaining lifetime
/// (no sliding renewal, as Logto, docs/logto/oidc.md#lifetimes); other clients get a fresh one.
fn rotated_expiry(
    call: &Call<'_>,
    app: &ApplicationState,
    grant: &GrantState,
    now: Timestamp,
) -> Timestamp {
    match (&grant.refresh, app.app_type == ApplicationType::Spa) {
        (Some((_, current)), true) => current.expires_at,
        _ => {
            let lifetime = call
                .state
                .sign_in
                .lifetimes
                .refresh_token_for(&app.settings.custom_client_metadata.lifetimes);
            now.plus_seconds(secs(lifetime))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oidc::token::request::tests::{form, refusal};

    fn parse(pairs: &[(&str, &str)]) -> Result<RefreshToken, OAuthError> {
        RefreshToken::parse(&form(pairs).unwrap())
    }

    #[test]
    fn a_refresh_request_is_split_into_its_parts() {
        let r = parse(&[
            ("refresh_token", "g1.3.s3cret"),
            ("scope", " openid  email openid\tprofile "),
            ("resource", "https://api"),
        ])
        .unwrap();
        assert_eq!(
            (r.grant_id.as_str(), r.generation, r.secret.as_str()),
            ("g1", 3, "s3cret")
        );
        assert_eq!(
            r.scope.as_deref(),
            Some(&["openid", "email", "profile"].map(String::from)[..])
        );
        assert_eq!(r.resource.as_deref(), Some("https://api"));
        let bare = parse(&[("refresh_token", "g1.1.s")]).unwrap();
        assert_eq!((bare.scope, bare.resource), (None, None));
    }

    #[test]
    fn the_refresh_token_is_required_and_must_be_one() {
        assert_eq!(
            refusal(parse(&[]), OAuthCode::InvalidRequest),
            "missing refresh_token"
        );
        // Malformed, an access token (no generation), a generation that is no number.
        for token in ["garbage", "g1.s3cret", "g1.x.s3cret"] {
            let r = parse(&[("refresh_token", token), ("resource", "a,b")]);
            refusal(r, OAuthCode::InvalidGrant);
        }
        let r = parse(&[("refresh_token", "g1.1.s"), ("resource", "a,b")]);
        refusal(r, OAuthCode::InvalidTarget);
    }
}
