//! Ending an interaction: the session's `SignedIn` (when the user just signed in) and the
//! new grant's `GrantIssued` are appended in ONE atomic batch, then the browser goes back
//! to the client with `code`, `state` and `iss` (RFC 9207).

use crate::signin::interaction::Interaction;
use crate::state::AppState;
use crate::support::request::RequestContext;
use domain::grant::{AuthorizationCode, Grant, GrantCommand, GrantIssued};
use domain::oauth::secret::generate_secret;
use domain::session::{Session, SessionCommand, SignedIn};
use domain::{Aggregate, CommandContext, StandardId, Timestamp};
use store::{AppendBatch, ExpectedVersion, Repository, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    /// Someone completed this interaction first (a double-submitted form).
    #[error("this sign-in was already completed")]
    AlreadyCompleted,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Domain(String),
}

/// Who the code is for.
pub struct Subject {
    pub user_id: String,
    pub auth_time: Timestamp,
    /// `Some` when the user signed in just now: the session's first `SignedIn`.
    pub new_session: Option<(SignedIn, u64)>,
}

/// Appends the sign-in (if any) and the grant; returns the client redirect URL.
pub async fn complete(
    state: &AppState,
    interaction: &Interaction,
    subject: Subject,
    request: &RequestContext,
) -> Result<String, IssueError> {
    let now = state.clock.now();
    let ctx = CommandContext { now };
    let lifetimes = state.sign_in.lifetimes;
    let mut metadata = request.metadata(now);
    metadata.actor = domain::Actor::User(subject.user_id.clone());
    let mut batch = AppendBatch::default();

    if let Some((mut signed_in, version)) = subject.new_session {
        // The session lifetime an operator set (`PATCH /api/configs/oidc/session`), read
        // at every sign-in so a change applies without a restart on every node.
        let ttl = app::oidc_config::current(state)
            .await?
            .session_ttl_or(lifetimes.session);
        signed_in.expires_at = now.plus_seconds(secs(ttl));
        let loaded = state
            .store
            .repository()
            .load::<Session>(&interaction.session_id)
            .await?;
        if loaded.version != version {
            return Err(IssueError::AlreadyCompleted);
        }
        let events = loaded
            .aggregate
            .handle(SessionCommand::SignIn(signed_in), &ctx)
            .map_err(|_| IssueError::AlreadyCompleted)?;
        batch.streams.push(Repository::stage::<Session>(
            &interaction.session_id,
            ExpectedVersion::at(version),
            &events,
            &metadata,
        ));
    }

    let grant_id = StandardId::generate(&mut state.random.rng()).into_string();
    let (secret, digest) = generate_secret(&mut state.random.rng());
    let issued = GrantIssued {
        user_id: subject.user_id,
        client_id: interaction.client_id.clone(),
        session_id: Some(interaction.session_id.clone()),
        scopes: interaction.scopes.clone(),
        resources: interaction.resources.clone(),
        auth_time: subject.auth_time,
        nonce: interaction.nonce.clone(),
        code: Some(AuthorizationCode {
            digest,
            challenge: interaction.code_challenge.clone(),
            redirect_uri: interaction.redirect_uri.clone(),
            expires_at: now.plus_seconds(secs(lifetimes.authorization_code)),
        }),
        expires_at: now.plus_seconds(secs(lifetimes.grant)),
    };
    let events = Grant::default()
        .handle(GrantCommand::Issue(issued), &ctx)
        .map_err(|e| IssueError::Domain(e.to_string()))?;
    batch.streams.push(Repository::stage::<Grant>(
        &grant_id,
        ExpectedVersion::NoStream,
        &events,
        &metadata,
    ));
    match app::transact::append(state, batch).await {
        Ok(_) => {}
        Err(StoreError::Conflict { .. }) => return Err(IssueError::AlreadyCompleted),
        Err(e) => return Err(e.into()),
    }
    let code = format!("{grant_id}.{secret}");
    Ok(redirect(
        &interaction.redirect_uri,
        &[
            ("code", Some(code.as_str())),
            ("state", interaction.state.as_deref()),
        ],
        &state.oidc.issuer,
    ))
}

pub fn secs(s: u64) -> i64 {
    i64::try_from(s).unwrap_or(i64::MAX / 2000)
}

/// `redirect_uri` with `params` (those that are `Some`) and `iss` added to its query.
pub fn redirect(redirect_uri: &str, params: &[(&str, Option<&str>)], issuer: &str) -> String {
    match url::Url::parse(redirect_uri) {
        Ok(mut url) => {
            {
                let mut q = url.query_pairs_mut();
                for (k, v) in params {
                    if let Some(v) = v {
                        q.append_pair(k, v);
                    }
                }
                q.append_pair("iss", issuer);
            }
            url.into()
        }
        // Registered URIs are validated absolute URIs; keep the raw one if that ever fails.
        Err(_) => redirect_uri.to_owned(),
    }
}
