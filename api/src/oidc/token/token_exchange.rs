//! `grant_type=urn:ietf:params:oauth:grant-type:token-exchange` (RFC 8693; Logto
//! RFC 0005 and 1.36): an application trades a token standing for a user (`subject.rs`)
//! for an access token of that user, for itself — impersonation, or delegation with an
//! `actor_token` (the new token says `act: {sub: <actor>}`).
//!
//! Only applications with `customClientMetadata.allowTokenExchange` (off unless set) and
//! never third-party ones. The scopes issued are the requested ones, never more than the
//! subject access token's own scopes; with `resource` (RFC 8707) the token is an RFC 9068
//! JWT with the requested scopes the resource defines and the user holds through its roles
//! now; without, an opaque token with the requested OpenID Connect scopes (for
//! `/oidc/me`). No refresh token, no ID token.
//!
//! Each exchange is a grant of its own, without a code, living as long as its one token:
//! `GrantIssued` and `TokenExchanged` (what was exchanged, the actor) on `grant/<id>`, and
//! an impersonation token's `SubjectTokenConsumed` in the same append, so a token used
//! twice at once yields one grant.

use super::client::Clients;
use super::request::TokenForm;
use super::subject::{self, Subject};
use super::user_grant::{self, refusal, Attempt};
use super::{Call, TokenGrant};
use crate::oidc::client_auth::invalid_grant;
use crate::oidc::discovery::OIDC_SCOPES;
use crate::oidc::error::{OAuthCode, OAuthError};
use crate::oidc::issued;
use crate::signin::finish::secs;
use actix_web::HttpResponse;
use app::transact::{transact, Tx};
use domain::grant::{Grant, GrantCommand, GrantEvent, GrantIssued, TokenExchanged};
use domain::ids::StandardId;
use domain::oauth::subject_token::{SubjectToken, SubjectTokenCommand};
use domain::Aggregate;
use serde::Serialize;

pub const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";

/// A token-exchange request's own parameters.
pub struct TokenExchange {
    subject_token: String,
    subject_token_type: String,
    actor_token: Option<(String, Option<String>)>,
    /// `scope` split at whitespace, repeats dropped, order kept.
    scopes: Vec<String>,
    resource: Option<String>,
}

impl TokenGrant for TokenExchange {
    const CLIENTS: Clients = Clients::Interactive;
    const EVERY_PARAMETER_ONCE: bool = true;

    fn parse(form: &TokenForm) -> Result<Self, OAuthError> {
        if form.get("organization_id").is_some() {
            return Err(OAuthError::invalid_request(
                "organization_id is not supported: Tessera has no organizations yet",
            ));
        }
        let actor_token = form.get("actor_token").map(|t| {
            (
                t.to_owned(),
                form.get("actor_token_type").map(str::to_owned),
            )
        });
        if actor_token.is_none() && form.get("actor_token_type").is_some() {
            return Err(OAuthError::invalid_request(
                "actor_token_type without actor_token",
            ));
        }
        let mut scopes: Vec<String> = Vec::new();
        for s in form.get("scope").unwrap_or("").split_whitespace() {
            if !scopes.iter().any(|a| a == s) {
                scopes.push(s.to_owned());
            }
        }
        Ok(Self {
            subject_token: form.required("subject_token")?.to_owned(),
            subject_token_type: form.required("subject_token_type")?.to_owned(),
            actor_token,
            scopes,
            resource: form.resource()?.map(str::to_owned),
        })
    }

    async fn handle(self, call: &Call<'_>) -> Result<HttpResponse, OAuthError> {
        let state = call.state;
        let client_id = call.client.id.as_str();
        if !call.client.state()?.allows_token_exchange() {
            return Err(OAuthError::new(
                OAuthCode::UnauthorizedClient,
                "token exchange is not allowed for this client",
            ));
        }
        let subject =
            subject::subject(state, &self.subject_token, &self.subject_token_type).await?;
        let actor = match &self.actor_token {
            Some((token, token_type)) => {
                Some(subject::actor(state, token, token_type.as_deref()).await?)
            }
            None => None,
        };
        for user in std::iter::once(&subject.user_id).chain(actor.as_ref()) {
            if !issued::user_may_hold_tokens(state, user).await? {
                return Err(invalid_grant(format_args!(
                    "user {user} does not exist or is suspended"
                )));
            }
        }
        let resource = user_grant::resource(state, self.resource.as_deref()).await?;
        let scopes = self.scopes_for(&subject, resource.is_some());

        let now = state.clock.now();
        let ttl = resource
            .as_deref()
            .map_or(state.sign_in.lifetimes.access_token, |r| {
                r.state.access_token_ttl
            });
        let grant_id = StandardId::generate(&mut state.random.rng()).into_string();
        let issued = GrantIssued {
            user_id: subject.user_id.clone(),
            client_id: client_id.to_owned(),
            session_id: None,
            scopes: scopes.clone(),
            resources: resource.iter().map(|r| r.state.indicator.clone()).collect(),
            auth_time: now,
            nonce: None,
            code: None,
            expires_at: now.plus_seconds(secs(ttl)),
        };
        let mut grant = Grant::default();
        grant.apply(&GrantEvent::GrantIssued(issued.clone()));
        let mut minting = grant
            .state()
            .cloned()
            .ok_or_else(|| OAuthError::server("a grant just issued has no state"))?;
        minting.actor.clone_from(&actor);
        let (record, access) = user_grant::access_token(
            state,
            &grant_id,
            &minting,
            resource.as_deref(),
            &scopes,
            now,
        )
        .await?;
        let exchanged = TokenExchanged {
            access_token: record,
            subject_token_type: subject.kind,
            subject_token_id: subject.id.clone(),
            actor,
        };

        let consume = subject.consume.as_ref();
        let grant_ref = grant_id.as_str();
        transact(
            &state.app,
            &user_grant::acting(call),
            |mut tx: Tx<Attempt>| {
                let issued = issued.clone();
                let exchanged = exchanged.clone();
                async move {
                    if let Some((id, secret)) = consume {
                        let command = SubjectTokenCommand::Consume {
                            client_id: client_id.to_owned(),
                            secret: secret.clone(),
                        };
                        tx.run::<SubjectToken>(id, vec![command], |e| {
                            Attempt::Refused(invalid_grant(format_args!("subject token {id}: {e}")))
                        })
                        .await?;
                    }
                    let command = GrantCommand::Exchange { issued, exchanged };
                    tx.run::<Grant>(grant_ref, vec![command], |r| {
                        Attempt::Refused(refusal(grant_ref, r))
                    })
                    .await?;
                    Ok((tx, ()))
                }
            },
        )
        .await
        .map_err(|a| a.into_oauth(|| invalid_grant("subject token used concurrently")))?;

        Ok(issued::respond(&ExchangeResponse {
            access_token: access.token,
            issued_token_type: subject::ACCESS_TOKEN,
            token_type: "Bearer",
            expires_in: access.expires_in,
            scope: access.scope,
        }))
    }
}

impl TokenExchange {
    /// The requested scopes the exchange may issue: within an access token subject's own
    /// scopes; without a resource, only OpenID Connect scopes (and no `offline_access`:
    /// an exchange issues no refresh token). With a resource, minting keeps those the
    /// resource defines and the user holds.
    fn scopes_for(&self, subject: &Subject, for_resource: bool) -> Vec<String> {
        self.scopes
            .iter()
            .filter(|s| subject.scopes.as_ref().is_none_or(|held| held.contains(s)))
            .filter(|s| {
                for_resource || (OIDC_SCOPES.contains(&s.as_str()) && *s != "offline_access")
            })
            .cloned()
            .collect()
    }
}

/// RFC 8693 §2.2.1.
#[derive(Serialize)]
struct ExchangeResponse {
    access_token: String,
    issued_token_type: &'static str,
    token_type: &'static str,
    expires_in: u64,
    scope: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oidc::token::request::tests::{form, refusal};
    use domain::grant::SubjectTokenKind;

    fn parse(pairs: &[(&str, &str)]) -> Result<TokenExchange, OAuthError> {
        TokenExchange::parse(&form(pairs).unwrap())
    }

    const SUBJECT: [(&str, &str); 2] = [
        ("subject_token", "t"),
        ("subject_token_type", subject::ACCESS_TOKEN),
    ];

    #[test]
    fn subject_token_and_type_are_required() {
        assert_eq!(
            refusal(parse(&[("subject_token", "t")]), OAuthCode::InvalidRequest),
            "missing subject_token_type"
        );
        assert!(parse(&SUBJECT).is_ok());
        let mut with_org = SUBJECT.to_vec();
        with_org.push(("organization_id", "o1"));
        refusal(parse(&with_org), OAuthCode::InvalidRequest);
        let mut stray_type = SUBJECT.to_vec();
        stray_type.push(("actor_token_type", subject::ACCESS_TOKEN));
        refusal(parse(&stray_type), OAuthCode::InvalidRequest);
    }

    #[test]
    fn scopes_never_exceed_the_subject_tokens_and_are_oidc_without_a_resource() {
        let mut pairs = SUBJECT.to_vec();
        pairs.push(("scope", "openid read offline_access profile read"));
        let request = parse(&pairs).unwrap();
        let subject = |scopes: Option<&[&str]>| Subject {
            user_id: "u".into(),
            kind: SubjectTokenKind::AccessToken,
            id: "g".into(),
            scopes: scopes.map(|s| s.iter().map(|s| (*s).to_owned()).collect()),
            consume: None,
        };
        assert_eq!(
            request.scopes_for(&subject(None), false),
            ["openid", "profile"]
        );
        assert_eq!(
            request.scopes_for(&subject(None), true),
            ["openid", "read", "offline_access", "profile"]
        );
        assert_eq!(
            request.scopes_for(&subject(Some(&["read", "openid"])), true),
            ["openid", "read"]
        );
        assert_eq!(
            request.scopes_for(&subject(Some(&["read"])), false),
            Vec::<String>::new()
        );
    }
}
