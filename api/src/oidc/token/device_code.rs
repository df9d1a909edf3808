//! `grant_type=urn:ietf:params:oauth:grant-type:device_code` (RFC 8628 §3.4–3.5): the
//! device polls with its `device_code` (`<device authorization id>.<secret>`).
//!
//! A poll before the user decided is answered from the request's state alone
//! (`authorization_pending`, or `slow_down` when the device polls sooner than its
//! interval: `app::device_authorizations::PollTracker`) and appends nothing. Once the user
//! approved, the first poll redeems: one batch holds the request's
//! `DeviceAuthorizationRedeemed` and the new grant's `GrantIssued` and
//! `DeviceCodeRedeemed` (the same grant the authorization-code flow creates, so the
//! sessions and grants read models and the audit log see it). Both appends expect the
//! versions they loaded, so of two racing polls one gets the tokens and the other
//! reloads and finds the code redeemed (`invalid_grant`). A denied request is
//! `access_denied`, an expired one `expired_token`; another client's code, a wrong secret
//! or a redeemed code `invalid_grant`.

use super::authorization_code::enforce_grant_limit;
use super::client::Clients;
use super::request::TokenForm;
use super::user_grant::{self, refusal, Attempt, Decided};
use super::{Call, TokenGrant};
use crate::oidc::client_auth::invalid_grant;
use crate::oidc::error::{OAuthCode, OAuthError};
use crate::oidc::issued;
use crate::signin::finish::secs;
use actix_web::HttpResponse;
use app::transact::{transact, Tx};
use domain::grant::{Grant, GrantCommand, GrantIssued, RefreshTokenIssued};
use domain::oauth::device_authorization::{
    DeviceAuthorization, DeviceAuthorizationApproved, DeviceAuthorizationCommand, DeviceRefusal,
};
use domain::{Aggregate, StandardId};

/// A poll: the device code split into the request's id and secret.
pub struct DeviceCode {
    id: String,
    secret: String,
    resource: Option<String>,
}

impl TokenGrant for DeviceCode {
    const CLIENTS: Clients = Clients::DeviceFlow;
    const EVERY_PARAMETER_ONCE: bool = true;

    fn parse(form: &TokenForm) -> Result<Self, OAuthError> {
        let code = form.required("device_code")?;
        let presented = issued::split(code)
            .filter(|p| p.generation.is_none())
            .ok_or_else(|| invalid_grant("malformed device_code"))?;
        Ok(Self {
            id: presented.grant_id.to_owned(),
            secret: presented.secret.to_owned(),
            resource: form.resource()?.map(str::to_owned),
        })
    }

    async fn handle(self, call: &Call<'_>) -> Result<HttpResponse, OAuthError> {
        let state = call.state;
        let now = state.clock.now();
        let loaded = state
            .store
            .repository()
            .load_cached::<DeviceAuthorization>(&self.id)
            .await
            .map_err(OAuthError::server)?;
        let device = &loaded.aggregate;
        let approved = match device.poll(&call.client.id, &self.secret, now) {
            Ok(approved) => approved.clone(),
            Err(DeviceRefusal::Pending) => {
                let until = device.requested().map_or(now, |r| r.expires_at);
                return Err(match state.oidc.device_polls.poll(&self.id, now, until) {
                    Ok(()) => OAuthError::new(
                        OAuthCode::AuthorizationPending,
                        "the user has not decided yet",
                    ),
                    Err(interval) => OAuthError::new(
                        OAuthCode::SlowDown,
                        format!("poll at most every {interval} seconds"),
                    ),
                });
            }
            Err(r) => return Err(self.refused(call, r)),
        };
        if !issued::user_may_hold_tokens(state, &approved.user_id).await? {
            return Err(invalid_grant(format_args!(
                "device authorization {}: the user may not hold tokens",
                self.id
            )));
        }
        let resource = user_grant::resource(state, self.resource.as_deref()).await?;
        let (decided, grant_id) = self.redeem(call, &approved, resource.as_deref()).await?;
        state.oidc.device_polls.forget(&self.id);
        let app = call.client.state()?;
        enforce_grant_limit(call, app, &decided.grant, &grant_id).await;
        user_grant::respond(state, &grant_id, app, decided).await
    }
}

impl DeviceCode {
    /// The refusal for a poll that cannot succeed (the device stops polling after it).
    fn refused(&self, call: &Call<'_>, r: DeviceRefusal) -> OAuthError {
        let id = &self.id;
        let (code, text) = match r {
            DeviceRefusal::Denied => (OAuthCode::AccessDenied, "the user denied the request"),
            DeviceRefusal::Expired => (OAuthCode::ExpiredToken, "the device code has expired"),
            r => return invalid_grant(format_args!("device authorization {id}: {r}")),
        };
        call.state.oidc.device_polls.forget(id);
        OAuthError::new(code, text)
    }

    /// Redeems the approved request: the request's event and the new grant's, in one
    /// batch. Returns what was decided and the grant's id.
    async fn redeem(
        &self,
        call: &Call<'_>,
        approved: &DeviceAuthorizationApproved,
        resource: Option<&app::directory::ResourceEntry>,
    ) -> Result<(Decided, String), OAuthError> {
        let state = call.state;
        let app = call.client.state()?;
        let lifetimes = state.sign_in.lifetimes;
        let refresh_lifetime =
            lifetimes.refresh_token_for(&app.settings.custom_client_metadata.lifetimes);
        let id = self.id.as_str();
        let (decided, _) = transact(
            &state.app,
            &user_grant::acting(call),
            |mut tx: Tx<Attempt>| async move {
                let now = tx.ctx.now;
                let device = state
                    .store
                    .repository()
                    .load_cached::<DeviceAuthorization>(id)
                    .await?;
                let requested = device
                    .aggregate
                    .requested()
                    .cloned()
                    .ok_or_else(|| invalid_grant(format_args!("device authorization {id}")))?;
                let grant_id = StandardId::generate(&mut state.random.rng()).into_string();
                let redeemed = device
                    .aggregate
                    .handle(
                        DeviceAuthorizationCommand::Redeem {
                            client_id: call.client.id.clone(),
                            secret: self.secret.clone(),
                            grant_id: grant_id.clone(),
                        },
                        &tx.ctx,
                    )
                    .map_err(|r| self.refused(call, r))?;
                tx.stage::<DeviceAuthorization>(id, device.version, &redeemed);
                let issued = GrantIssued {
                    user_id: approved.user_id.clone(),
                    client_id: call.client.id.clone(),
                    session_id: Some(approved.session_id.clone()),
                    scopes: approved.scopes.clone(),
                    resources: requested.resources.clone(),
                    auth_time: approved.auth_time,
                    nonce: None,
                    code: None,
                    expires_at: now.plus_seconds(secs(lifetimes.grant)),
                };
                let mut fresh = Grant::default();
                fresh.apply(&domain::grant::GrantEvent::GrantIssued(issued.clone()));
                let Some(grant) = fresh.state() else {
                    return Err(OAuthError::server("a new grant has no state").into());
                };
                let scopes = approved.scopes.clone();
                let (record, access) =
                    user_grant::access_token(state, &grant_id, grant, resource, &scopes, now)
                        .await?;
                let refresh = scopes
                    .iter()
                    .any(|s| s == "offline_access")
                    .then(|| issued::refresh(state, &grant_id, 1));
                let command = GrantCommand::IssueForDevice {
                    issued,
                    device_authorization_id: id.to_owned(),
                    access_token: record,
                    refresh_token: refresh.as_ref().map(|r| RefreshTokenIssued {
                        generation: 1,
                        digest: r.digest.clone(),
                        expires_at: now
                            .plus_seconds(secs(refresh_lifetime))
                            .min(grant.issued.expires_at),
                    }),
                };
                let events = Grant::default()
                    .handle(command, &tx.ctx)
                    .map_err(|r| refusal(&grant_id, r))?;
                tx.stage::<Grant>(&grant_id, 0, &events);
                let decided = Decided {
                    grant: grant.clone(),
                    scopes,
                    access,
                    refresh_token: refresh.map(|r| r.token),
                    events,
                };
                Ok((tx, (decided, grant_id)))
            },
        )
        .await
        .map_err(|e| {
            e.into_oauth(|| {
                invalid_grant(format_args!(
                    "device authorization {id}: redeemed concurrently"
                ))
            })
        })?;
        Ok(decided)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oidc::token::request::tests::{form, refusal};

    fn parse(pairs: &[(&str, &str)]) -> Result<DeviceCode, OAuthError> {
        DeviceCode::parse(&form(pairs).unwrap())
    }

    #[test]
    fn a_device_code_is_split_into_request_id_and_secret() {
        let r = parse(&[("device_code", "d1.s3cret")]).unwrap();
        assert_eq!((r.id.as_str(), r.secret.as_str()), ("d1", "s3cret"));
        refusal(parse(&[]), OAuthCode::InvalidRequest);
        for bad in ["garbage", "d1.2.s", ".s"] {
            refusal(parse(&[("device_code", bad)]), OAuthCode::InvalidGrant);
        }
    }
}
