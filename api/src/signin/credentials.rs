//! Checking a password against the user an identifier names, at the same cost whether or
//! not the identifier names anyone and whatever digest the user has (no account
//! enumeration, no telling migrated accounts apart by timing), under the sentinel's
//! lockout, and with every failure recorded as events.

use crate::state::AppState;
use crate::support::error::ApiError;
use crate::support::request::RequestContext;
use app::commands::users::update::rehash_if_needed;
use app::sentinel::{self, Target};
use domain::identifier::{Identifier, IdentifierClaim};
use domain::password::verify_timing_flat;
use domain::session::{SignInFailed, SignInFailure};
use domain::sign_in_experience::SignInMode;
use domain::user::User;

/// How a password check ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The credentials are good: the user's id.
    Verified(String),
    /// Refused; recorded (with the user the identifier named, if any).
    Failed(SignInFailure),
    /// The identifier is locked (seconds left), whatever the password.
    Locked(i64),
}

/// The sign-in session a check belongs to, whose stream records the failures.
pub(crate) struct SessionRef<'a> {
    pub session_id: &'a str,
    pub client_id: &'a str,
}

/// The hosted form's identifier: an email when it has an `@`, else a username.
pub(super) fn parse_form_identifier(identifier: &str) -> Option<Identifier> {
    if identifier.contains('@') {
        Identifier::email(identifier).ok()
    } else {
        Identifier::username(identifier).ok()
    }
}

/// Checks `password` for the user holding `identifier` (`None`: an identifier that cannot
/// exist). The password is always evaluated (one policy Argon2id check at least, through
/// the bounded hasher: 503 when busy), then the lock is consulted, then a failure is
/// recorded. A good password on an outdated digest is rehashed (`UserPasswordRehashed`),
/// so the hosted form and the Experience API both migrate imported digests.
pub(crate) async fn verify(
    state: &AppState,
    request: &RequestContext,
    parsed: Option<Identifier>,
    password: &str,
    session: SessionRef<'_>,
) -> Result<Outcome, ApiError> {
    let repo = state.store.repository();
    // An identifier the sign-in experience does not sign in with a password (or any,
    // when it only registers) is checked as one that names nobody: the same cost, the
    // same refusal, no hint.
    let settings = app::sign_in_experience::current(state).await?;
    let parsed = parsed.filter(|p| {
        settings.sign_in_mode != SignInMode::Register
            && app::sign_in_experience::password_sign_in(&settings, p)
    });
    let mut user = None;
    if let Some(parsed) = &parsed {
        let claim = repo
            .load::<IdentifierClaim>(&state.store.identifier_stream_id(parsed))
            .await?;
        if let Some(holder) = claim.aggregate.holder() {
            let loaded = repo.load::<User>(holder).await?;
            if let Some(s) = loaded.aggregate.state() {
                user = Some((holder.to_owned(), s.password.clone(), s.is_suspended));
            }
        }
    }
    let digest = user.as_ref().and_then(|(_, d, _)| d.clone());
    let plain = password.to_owned();
    let verified = state
        .sign_in
        .hasher
        .run(move || verify_timing_flat(&plain, digest.as_ref()))
        .await?;
    let target = parsed.as_ref().map(|p| Target::identifier(state, p));
    let locked = match &target {
        Some(t) => sentinel::locked(state, t).await?,
        None => None,
    };
    let (failure, user_id) = match &user {
        None => (SignInFailure::UnknownIdentifier, None),
        Some((id, None, _)) => (SignInFailure::NoPassword, Some(id.clone())),
        Some((id, Some(_), _)) if !verified => (SignInFailure::WrongPassword, Some(id.clone())),
        Some((id, Some(stored), suspended)) => {
            if let Some(secs) = locked {
                return Ok(Outcome::Locked(secs));
            }
            if *suspended {
                (SignInFailure::Suspended, Some(id.clone()))
            } else {
                rehash_if_needed(state, request, id, stored, password.to_owned()).await;
                return Ok(Outcome::Verified(id.clone()));
            }
        }
    };
    let recorded = SignInFailed {
        reason: failure,
        user_id: user_id.clone(),
        client_id: session.client_id.to_owned(),
    };
    // A suspended user's right password is no guess: it is recorded on the session but
    // does not count towards the lock.
    let counted = (failure != SignInFailure::Suspended)
        .then_some(target.as_ref())
        .flatten();
    let lock = sentinel::record_failure(
        state,
        request,
        domain::sentinel::VerificationMethod::Password,
        counted,
        user_id.as_deref(),
        Some((session.session_id, &recorded)),
    )
    .await?;
    Ok(match lock.or(locked) {
        Some(secs) => Outcome::Locked(secs),
        None => Outcome::Failed(failure),
    })
}
