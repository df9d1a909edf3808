//! Checking a password against the user an identifier names, at the same cost whether or
//! not the identifier names anyone (no account enumeration by timing).

use crate::commands::users::update::rehash_if_needed;
use crate::request::RequestContext;
use crate::state::AppState;
use domain::identifier::{Identifier, IdentifierClaim};
use domain::password::{hash_password, verify_password, PasswordDigest};
use domain::session::SignInFailure;
use domain::user::User;
use std::sync::OnceLock;
use store::StoreError;

/// A digest to verify against when the identifier names nobody, so an unknown user costs
/// the same time as a wrong password (no account enumeration by timing).
fn decoy() -> Option<&'static PasswordDigest> {
    static DECOY: OnceLock<Option<PasswordDigest>> = OnceLock::new();
    DECOY
        .get_or_init(|| hash_password("tessera-decoy-password", [7; 16]).ok())
        .as_ref()
}

pub(crate) type Checked = Result<String, (SignInFailure, Option<String>)>;

/// `Ok(Ok(user id))` when the credentials are good.
pub(super) async fn check_credentials(
    state: &AppState,
    request: &RequestContext,
    identifier: &str,
    password: &str,
) -> Result<Checked, StoreError> {
    let parsed = if identifier.contains('@') {
        Identifier::email(identifier)
    } else {
        Identifier::username(identifier)
    };
    verify(state, request, parsed.ok(), password).await
}

/// Checks `password` for the user holding `identifier` (`None`: an identifier that cannot
/// exist), at the same cost whether or not anyone holds it. A good password on an outdated
/// digest (imported, or older parameters) is rehashed with the policy before answering, as
/// a `UserPasswordRehashed` event (so the hosted form and the Experience API both migrate).
pub(crate) async fn verify(
    state: &AppState,
    request: &RequestContext,
    parsed: Option<Identifier>,
    password: &str,
) -> Result<Checked, StoreError> {
    let repo = state.store.repository();
    let mut user = None;
    if let Some(parsed) = parsed {
        let claim = repo
            .load::<IdentifierClaim>(&state.store.identifier_stream_id(&parsed))
            .await?;
        if let Some(holder) = claim.aggregate.holder() {
            let loaded = repo.load::<User>(holder).await?;
            if let Some(s) = loaded.aggregate.state() {
                user = Some((holder.to_owned(), s.password.clone(), s.is_suspended));
            }
        }
    }
    let digest = user
        .as_ref()
        .and_then(|(_, d, _)| d.clone())
        .or_else(|| decoy().cloned());
    let plain = password.to_owned();
    let verified = match digest {
        Some(d) => tokio::task::spawn_blocking(move || verify_password(&plain, &d))
            .await
            .unwrap_or(false),
        None => false,
    };
    if let Some((id, Some(stored), false)) = &user {
        if verified {
            rehash_if_needed(state, request, id, stored, password.to_owned()).await;
        }
    }
    Ok(match user {
        None => Err((SignInFailure::UnknownIdentifier, None)),
        Some((id, None, _)) => Err((SignInFailure::NoPassword, Some(id))),
        Some((id, Some(_), _)) if !verified => Err((SignInFailure::WrongPassword, Some(id))),
        Some((id, _, true)) => Err((SignInFailure::Suspended, Some(id))),
        Some((id, _, false)) => Ok(id),
    })
}
