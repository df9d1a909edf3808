use super::events::*;
use crate::aggregate::{Aggregate, CommandContext};
use crate::oauth::secret::SecretDigest;
use crate::time::Timestamp;

/// An opaque access token that may still be live, with the scopes it was issued with
/// (a down-scoped refresh gives a token with fewer scopes than the grant).
#[derive(Debug, Clone, PartialEq)]
pub struct LiveAccessToken {
    pub digest: SecretDigest,
    pub scopes: Vec<String>,
    pub expires_at: Timestamp,
}

/// A secret's digest with its expiry, as kept in the grant's state.
#[derive(Debug, Clone, PartialEq)]
pub struct IssuedSecret {
    pub digest: SecretDigest,
    pub expires_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GrantState {
    pub issued: GrantIssued,
    pub code_redeemed: bool,
    /// The current refresh token: its generation and secret.
    pub refresh: Option<(u32, IssuedSecret)>,
    /// Rotated-out refresh tokens, to tell an authentic replay from a guess.
    pub past_refresh: Vec<(u32, SecretDigest)>,
    /// Opaque access tokens that may still be live.
    pub access_tokens: Vec<LiveAccessToken>,
    /// Resource JWTs revoked by the client, until they expire.
    pub revoked_jwts: Vec<(String, Timestamp)>,
    pub revoked: Option<RevocationReason>,
    /// RFC 8693 `act`: the user a token exchange let act for this grant's user.
    pub actor: Option<String>,
}

impl GrantState {
    pub fn is_active(&self, now: Timestamp) -> bool {
        self.revoked.is_none() && now < self.issued.expires_at
    }

    /// Whether an opaque access token with this secret is live now.
    pub fn accepts_access_token(&self, secret: &str, now: Timestamp) -> bool {
        self.access_token(secret, now).is_some()
    }

    /// The live opaque access token with this secret: its own scopes are what it may be
    /// used for (`/oidc/me`, introspection, the Account API), not the grant's.
    pub fn access_token(&self, secret: &str, now: Timestamp) -> Option<&LiveAccessToken> {
        if !self.is_active(now) {
            return None;
        }
        self.access_tokens
            .iter()
            .find(|t| now < t.expires_at && t.digest.matches(secret))
    }

    /// Whether a resource JWT of this grant (its signature already verified) is live:
    /// the grant is, and the client has not revoked the token.
    pub fn accepts_jwt(&self, jti: &str, now: Timestamp) -> bool {
        self.is_active(now) && !self.revoked_jwts.iter().any(|(j, _)| j == jti)
    }

    /// Whether `scopes` stays within what the user granted.
    fn covers(&self, scopes: &[String]) -> bool {
        scopes.iter().all(|s| self.issued.scopes.contains(s))
    }

    /// Whether a token for this audience may be issued: none (opaque), or a resource
    /// the authorization request named (RFC 8707 §2.2).
    pub fn holds_resource(&self, audience: Option<&str>) -> bool {
        audience.is_none_or(|a| self.issued.resources.iter().any(|r| r == a))
    }

    /// Checks an access token about to be issued against the grant.
    fn admits(&self, token: &AccessTokenIssued) -> Result<(), Refusal> {
        if !self.holds_resource(token.audience()) {
            return Err(Refusal::TargetNotGranted);
        }
        if !self.covers(token.scopes()) {
            return Err(Refusal::ScopeExceeded);
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub enum Grant {
    #[default]
    New,
    Active(Box<GrantState>),
}

pub enum GrantCommand {
    Issue(GrantIssued),
    RedeemCode {
        client_id: String,
        secret: String,
        redirect_uri: String,
        code_verifier: Option<String>,
        access_token: AccessTokenIssued,
        /// Generation 1, when the client gets a refresh token.
        refresh_token: Option<RefreshTokenIssued>,
    },
    Refresh {
        client_id: String,
        generation: u32,
        secret: String,
        access_token: AccessTokenIssued,
        /// The next generation's digest and expiry; `None` keeps the current token.
        rotate_to: Option<IssuedSecret>,
    },
    /// RFC 7009 with a refresh token: ends the grant.
    RevokeRefreshToken {
        client_id: String,
        generation: u32,
        secret: String,
    },
    /// RFC 7009 with an opaque access token: ends that token only.
    RevokeAccessToken {
        secret: String,
    },
    /// RFC 7009 with a resource JWT of this grant (signature verified by the caller):
    /// ends that token only.
    RevokeResourceToken {
        client_id: String,
        jti: String,
        expires_at: Timestamp,
    },
    Revoke(RevocationReason),
    /// Revoked because newer grants pushed the user over the application's limit.
    RevokeOverLimit(GrantLimitExceeded),
    /// A token exchange (RFC 8693): a grant without a code, issued with its one access
    /// token.
    Exchange {
        issued: GrantIssued,
        exchanged: TokenExchanged,
    },
    /// The device flow (RFC 8628): a grant issued without a code, with its first tokens
    /// (`GrantIssued` then `DeviceCodeRedeemed`).
    IssueForDevice {
        issued: GrantIssued,
        device_authorization_id: String,
        access_token: AccessTokenIssued,
        refresh_token: Option<RefreshTokenIssued>,
    },
}

/// Why a token request is refused. Every variant is `invalid_grant` (or `invalid_scope`)
/// on the wire; the detail goes to the audit log, not to the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("grant not found")]
    NotFound,
    #[error("grant already exists")]
    AlreadyExists,
    #[error("grant revoked or expired")]
    Inactive,
    #[error("token does not match")]
    WrongSecret,
    #[error("code or token expired")]
    Expired,
    #[error("issued to another client")]
    WrongClient,
    #[error("redirect_uri differs from the authorization request")]
    WrongRedirectUri,
    #[error("PKCE verification failed: {0}")]
    Pkce(String),
    #[error("requested scope exceeds the grant")]
    ScopeExceeded,
    /// `invalid_target` on the wire (RFC 8707 §2).
    #[error("the grant does not hold the requested resource")]
    TargetNotGranted,
}

impl Grant {
    pub fn state(&self) -> Option<&GrantState> {
        match self {
            Self::Active(s) => Some(s),
            Self::New => None,
        }
    }

    fn live(&self, now: Timestamp) -> Result<&GrantState, Refusal> {
        let state = self.state().ok_or(Refusal::NotFound)?;
        if !state.is_active(now) {
            return Err(Refusal::Inactive);
        }
        Ok(state)
    }
}

/// Whether these events end with the grant revoked: the caller appends them and still
/// refuses the request (a replay is answered `invalid_grant` after revoking).
pub fn ends_in_revocation(events: &[GrantEvent]) -> bool {
    matches!(events.last(), Some(GrantEvent::GrantRevoked(_)))
}

fn revoke(reason: RevocationReason) -> Vec<GrantEvent> {
    vec![GrantEvent::GrantRevoked(GrantRevoked {
        reason,
        limit: None,
    })]
}

/// Cacheable: its state holds user, client and session ids, scopes, digests and times.
impl crate::aggregate::NoPersonalData for Grant {}

impl Aggregate for Grant {
    const STREAM_TYPE: &'static str = "grant";
    type Event = GrantEvent;
    type Command = GrantCommand;
    type Error = Refusal;

    fn apply(&mut self, event: &GrantEvent) {
        match (event, &mut *self) {
            (GrantEvent::GrantIssued(e), _) => {
                *self = Self::Active(Box::new(GrantState {
                    issued: e.clone(),
                    code_redeemed: false,
                    refresh: None,
                    past_refresh: vec![],
                    access_tokens: vec![],
                    revoked_jwts: vec![],
                    revoked: None,
                    actor: None,
                }))
            }
            (GrantEvent::TokenExchanged(e), Self::Active(s)) => {
                remember_access_token(s, &e.access_token);
                s.actor.clone_from(&e.actor);
            }
            (GrantEvent::AuthorizationCodeRedeemed(e), Self::Active(s)) => {
                s.code_redeemed = true;
                remember_access_token(s, &e.access_token);
                if let Some(rt) = &e.refresh_token {
                    set_refresh(s, rt);
                }
            }
            (GrantEvent::DeviceCodeRedeemed(e), Self::Active(s)) => {
                remember_access_token(s, &e.access_token);
                if let Some(rt) = &e.refresh_token {
                    set_refresh(s, rt);
                }
            }
            (GrantEvent::RefreshTokenRotated(e), Self::Active(s)) => {
                remember_access_token(s, &e.access_token);
                if let Some(rt) = &e.refresh_token {
                    set_refresh(s, rt);
                }
            }
            (GrantEvent::AccessTokenRevoked(e), Self::Active(s)) => {
                s.access_tokens.retain(|t| t.digest != e.digest)
            }
            (GrantEvent::ResourceTokenRevoked(e), Self::Active(s)) => {
                // Forgotten once a later token's issuance shows they expired
                // (`remember_access_token`).
                s.revoked_jwts.push((e.jti.clone(), e.expires_at));
            }
            (GrantEvent::GrantRevoked(e), Self::Active(s)) => {
                s.revoked.get_or_insert(e.reason);
            }
            _ => {}
        }
    }

    fn handle(
        &self,
        command: GrantCommand,
        ctx: &CommandContext,
    ) -> Result<Vec<GrantEvent>, Refusal> {
        let now = ctx.now;
        match command {
            GrantCommand::Issue(issued) => match self {
                Self::New => Ok(vec![GrantEvent::GrantIssued(issued)]),
                Self::Active(_) => Err(Refusal::AlreadyExists),
            },
            GrantCommand::Exchange { issued, exchanged } => {
                if !matches!(self, Self::New) {
                    return Err(Refusal::AlreadyExists);
                }
                let mut state = Self::New;
                state.apply(&GrantEvent::GrantIssued(issued.clone()));
                state.live(now)?.admits(&exchanged.access_token)?;
                Ok(vec![
                    GrantEvent::GrantIssued(issued),
                    GrantEvent::TokenExchanged(exchanged),
                ])
            }
            GrantCommand::RedeemCode {
                client_id,
                secret,
                redirect_uri,
                code_verifier,
                access_token,
                refresh_token,
            } => {
                let state = self.live(now)?;
                let Some(code) = &state.issued.code else {
                    return Err(Refusal::WrongSecret);
                };
                if !code.digest.matches(&secret) {
                    return Err(Refusal::WrongSecret);
                }
                // Checked before replay, so another client cannot burn someone's code.
                if state.issued.client_id != client_id {
                    return Err(Refusal::WrongClient);
                }
                if state.code_redeemed {
                    return Ok(revoke(RevocationReason::CodeReplayed));
                }
                if now >= code.expires_at {
                    return Err(Refusal::Expired);
                }
                if code.redirect_uri != redirect_uri {
                    return Err(Refusal::WrongRedirectUri);
                }
                match (&code.challenge, code_verifier) {
                    (Some(challenge), Some(verifier)) => challenge
                        .verify(&verifier)
                        .map_err(|e| Refusal::Pkce(e.to_string()))?,
                    (Some(_), None) => return Err(Refusal::Pkce("code_verifier missing".into())),
                    // RFC 9700 §2.1.1: a verifier without a challenge is a downgrade attempt.
                    (None, Some(_)) => {
                        return Err(Refusal::Pkce("no code_challenge was sent".into()))
                    }
                    (None, None) => {}
                }
                state.admits(&access_token)?;
                Ok(vec![GrantEvent::AuthorizationCodeRedeemed(
                    AuthorizationCodeRedeemed {
                        access_token,
                        refresh_token,
                    },
                )])
            }
            GrantCommand::Refresh {
                client_id,
                generation,
                secret,
                access_token,
                rotate_to,
            } => {
                let state = self.live(now)?;
                if state.issued.client_id != client_id {
                    return Err(Refusal::WrongClient);
                }
                if is_authentic_replay(state, generation, &secret) {
                    return Ok(revoke(RevocationReason::RefreshTokenReplayed));
                }
                let Some((current, token)) = &state.refresh else {
                    return Err(Refusal::WrongSecret);
                };
                if *current != generation || !token.digest.matches(&secret) {
                    return Err(Refusal::WrongSecret);
                }
                if now >= token.expires_at {
                    return Err(Refusal::Expired);
                }
                state.admits(&access_token)?;
                let refresh_token = rotate_to.map(|next| RefreshTokenIssued {
                    generation: current + 1,
                    digest: next.digest,
                    // A rotated token never outlives its grant.
                    expires_at: next.expires_at.min(state.issued.expires_at),
                });
                Ok(vec![GrantEvent::RefreshTokenRotated(RefreshTokenRotated {
                    access_token,
                    refresh_token,
                })])
            }
            GrantCommand::RevokeRefreshToken {
                client_id,
                generation,
                secret,
            } => {
                let state = self.live(now)?;
                let current = state
                    .refresh
                    .as_ref()
                    .is_some_and(|(g, t)| *g == generation && t.digest.matches(&secret));
                if state.issued.client_id != client_id || !current {
                    return Err(Refusal::WrongSecret);
                }
                Ok(revoke(RevocationReason::ClientRevoked))
            }
            GrantCommand::RevokeAccessToken { secret } => {
                let state = self.live(now)?;
                let token = state
                    .access_tokens
                    .iter()
                    .find(|t| t.digest.matches(&secret))
                    .ok_or(Refusal::WrongSecret)?;
                Ok(vec![GrantEvent::AccessTokenRevoked(AccessTokenRevoked {
                    digest: token.digest.clone(),
                })])
            }
            GrantCommand::RevokeResourceToken {
                client_id,
                jti,
                expires_at,
            } => {
                let state = self.live(now)?;
                if state.issued.client_id != client_id {
                    return Err(Refusal::WrongClient);
                }
                if !state.accepts_jwt(&jti, now) || now >= expires_at {
                    return Ok(vec![]);
                }
                Ok(vec![GrantEvent::ResourceTokenRevoked(
                    ResourceTokenRevoked { jti, expires_at },
                )])
            }
            GrantCommand::Revoke(reason) => {
                let state = self.state().ok_or(Refusal::NotFound)?;
                if state.revoked.is_some() {
                    return Ok(vec![]);
                }
                Ok(revoke(reason))
            }
            GrantCommand::IssueForDevice {
                issued,
                device_authorization_id,
                access_token,
                refresh_token,
            } => {
                if !matches!(self, Self::New) {
                    return Err(Refusal::AlreadyExists);
                }
                let first = GrantEvent::GrantIssued(issued);
                let mut grant = Self::New;
                grant.apply(&first);
                grant.live(now)?.admits(&access_token)?;
                Ok(vec![
                    first,
                    GrantEvent::DeviceCodeRedeemed(DeviceCodeRedeemed {
                        device_authorization_id,
                        access_token,
                        refresh_token,
                    }),
                ])
            }
            GrantCommand::RevokeOverLimit(limit) => {
                let state = self.state().ok_or(Refusal::NotFound)?;
                if state.revoked.is_some() {
                    return Ok(vec![]);
                }
                Ok(vec![GrantEvent::GrantRevoked(GrantRevoked {
                    reason: RevocationReason::GrantLimitExceeded,
                    limit: Some(limit),
                })])
            }
        }
    }
}

fn is_authentic_replay(state: &GrantState, generation: u32, secret: &str) -> bool {
    state
        .past_refresh
        .iter()
        .any(|(g, digest)| *g == generation && digest.matches(secret))
}

fn set_refresh(state: &mut GrantState, rt: &RefreshTokenIssued) {
    if let Some((generation, old)) = state.refresh.take() {
        state.past_refresh.push((generation, old.digest));
    }
    state.refresh = Some((
        rt.generation,
        IssuedSecret {
            digest: rt.digest.clone(),
            expires_at: rt.expires_at,
        },
    ));
}

fn remember_access_token(state: &mut GrantState, token: &AccessTokenIssued) {
    // Tokens that had expired when this one was issued can never be accepted again.
    let issued_at = token.issued_at();
    state.access_tokens.retain(|t| t.expires_at > issued_at);
    state.revoked_jwts.retain(|(_, exp)| *exp > issued_at);
    if let AccessTokenIssued::Opaque {
        digest,
        scopes,
        expires_at,
        ..
    } = token
    {
        state.access_tokens.push(LiveAccessToken {
            digest: digest.clone(),
            scopes: scopes.clone(),
            expires_at: *expires_at,
        });
    }
}
