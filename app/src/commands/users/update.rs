//! Changes to an existing user: details (with the identifier claims they hold), custom data,
//! profile, password, suspension, deletion, and the rehash of an outdated digest after a
//! successful sign-in. Each goes through `exec::transact`: one atomic append over the user's
//! stream and every claim stream it touches, retried on conflict.

use super::{hash, in_use};
use crate::context::AppContext;
use crate::error::AppError;
use crate::request::RequestContext;
use crate::sentinel::{self, Target};
use crate::transact::{transact, Tx};
use domain::identifier::{ClaimError, IdentifierClaim, IdentifierCommand};
use domain::password::{needs_rehash, verify_timing_flat, PasswordDigest};
use domain::user::{identifiers_of, User, UserCommand, UserDetails, UserDetailsFields, UserState};
use serde_json::{Map, Value};
use store::Position;

/// A `PATCH /api/users/{id}` body: `None` keeps a field, `Some(None)` clears it.
#[derive(Debug, Default)]
pub struct UserPatch {
    pub username: Option<Option<String>>,
    pub primary_email: Option<Option<String>>,
    pub primary_phone: Option<Option<String>>,
    pub name: Option<Option<String>>,
    pub avatar: Option<Option<String>>,
    pub profile: Option<Option<Map<String, Value>>>,
    /// Replaces the whole custom data object (Logto's `PATCH /users/{id}`).
    pub custom_data: Option<Map<String, Value>>,
}

fn not_found(id: &str) -> AppError {
    AppError::NotExistsWithId {
        entity: "user",
        id: id.to_owned(),
    }
}

fn user_error(id: &str) -> impl Fn(domain::user::UserError) -> AppError + '_ {
    move |e| match e {
        domain::user::UserError::NotFound => not_found(id),
        other => AppError::internal(format!("user {id}: {other}")),
    }
}

/// The live user `id` as of this attempt (404 when missing or deleted).
async fn live(tx: &Tx, id: &str) -> Result<UserState, AppError> {
    let user: User = tx.peek(id).await?;
    user.state().cloned().ok_or_else(|| not_found(id))
}

fn merge<T: Clone>(current: &Option<T>, patch: Option<Option<T>>) -> Option<T> {
    match patch {
        None => current.clone(),
        Some(value) => value,
    }
}

/// Claims the identifiers `new` holds that `old` did not and releases the ones it dropped,
/// all staged in `tx` beside the user's own events.
async fn move_claims(
    tx: &mut Tx,
    holder: &str,
    old: &UserDetailsFields,
    new: &UserDetailsFields,
) -> Result<(), AppError> {
    let old = identifiers_of(old);
    let new = identifiers_of(new);
    for identifier in new.iter().filter(|i| !old.contains(i)) {
        let stream = tx.state().store.identifier_stream_id(identifier);
        let claim = IdentifierCommand::Claim {
            holder: holder.to_owned(),
        };
        tx.run::<IdentifierClaim>(&stream, vec![claim], |ClaimError::AlreadyClaimed| {
            in_use(identifier)
        })
        .await?;
    }
    for identifier in old.iter().filter(|i| !new.contains(i)) {
        let stream = tx.state().store.identifier_stream_id(identifier);
        let release = IdentifierCommand::Release {
            holder: holder.to_owned(),
        };
        tx.run::<IdentifierClaim>(&stream, vec![release], |ClaimError::AlreadyClaimed| {
            in_use(identifier)
        })
        .await?;
    }
    Ok(())
}

/// `PATCH /api/users/{id}`.
pub async fn update_user(
    state: &AppContext,
    request: &RequestContext,
    id: &str,
    patch: UserPatch,
) -> Result<Option<Position>, AppError> {
    let (_, at) = transact(state, request, |mut tx| {
        let patch = &patch;
        async move {
            let current = live(&tx, id).await?;
            let d = &current.details;
            let fields = UserDetailsFields {
                username: merge(&d.username, patch.username.clone()),
                primary_email: merge(&d.primary_email, patch.primary_email.clone()),
                primary_phone: merge(&d.primary_phone, patch.primary_phone.clone()),
                name: merge(&d.name, patch.name.clone()),
                avatar: merge(&d.avatar, patch.avatar.clone()),
                profile: merge(&d.profile, patch.profile.clone()),
            };
            // The route validated every field; this restates the domain's rule.
            let details =
                UserDetails::new(fields).map_err(|e| AppError::invalid_body(e.to_string()))?;
            move_claims(&mut tx, id, d, details.fields()).await?;
            let mut commands = vec![UserCommand::UpdateDetails(details)];
            if let Some(custom_data) = &patch.custom_data {
                commands.push(UserCommand::UpdateCustomData(custom_data.clone()));
            }
            tx.run::<User>(id, commands, user_error(id)).await?;
            Ok((tx, ()))
        }
    })
    .await?;
    Ok(at)
}

/// `PATCH /api/users/{id}/custom-data`: a shallow merge into the stored object. Returns
/// the custom data after the change and where it was committed.
pub async fn merge_custom_data(
    state: &AppContext,
    request: &RequestContext,
    id: &str,
    partial: Map<String, Value>,
) -> Result<(Map<String, Value>, Option<Position>), AppError> {
    let (merged, at) = transact(state, request, |mut tx| {
        let partial = &partial;
        async move {
            let mut merged = live(&tx, id).await?.custom_data;
            merged.extend(partial.clone());
            let command = UserCommand::UpdateCustomData(merged.clone());
            tx.run::<User>(id, vec![command], user_error(id)).await?;
            Ok((tx, merged))
        }
    })
    .await?;
    Ok((merged, at))
}

/// `PATCH /api/users/{id}/profile`: a shallow merge into the stored profile (a `null` value
/// removes its key). Returns the profile after the change.
pub async fn merge_profile(
    state: &AppContext,
    request: &RequestContext,
    id: &str,
    partial: Map<String, Value>,
) -> Result<(Map<String, Value>, Option<Position>), AppError> {
    let (merged, at) = transact(state, request, |mut tx| {
        let partial = &partial;
        async move {
            let mut fields = live(&tx, id).await?.details;
            let mut profile = fields.profile.take().unwrap_or_default();
            for (key, value) in partial {
                if value.is_null() {
                    profile.remove(key);
                } else {
                    profile.insert(key.clone(), value.clone());
                }
            }
            fields.profile = Some(profile.clone());
            let details =
                UserDetails::new(fields).map_err(|e| AppError::invalid_body(e.to_string()))?;
            let command = UserCommand::UpdateDetails(details);
            tx.run::<User>(id, vec![command], user_error(id)).await?;
            Ok((tx, profile))
        }
    })
    .await?;
    Ok((merged, at))
}

/// `PATCH /api/users/{id}/password`: hashed with the policy (Argon2id) before the append.
pub async fn set_password(
    state: &AppContext,
    request: &RequestContext,
    id: &str,
    password: String,
) -> Result<Option<Position>, AppError> {
    // 404 before spending ~20 ms of CPU on a hash for nobody.
    let user: User = state.store.repository().load(id).await?.aggregate;
    user.state().ok_or_else(|| not_found(id))?;
    let digest = hash(state, password).await?;
    set_password_digest(state, request, id, digest).await
}

/// Sets a password already checked and hashed (a `ForgotPassword` interaction keeps only
/// the digest).
pub async fn set_password_digest(
    state: &AppContext,
    request: &RequestContext,
    id: &str,
    digest: domain::password::PasswordDigest,
) -> Result<Option<Position>, AppError> {
    let (_, at) = transact(state, request, |mut tx| {
        let digest = digest.clone();
        async move {
            let command = UserCommand::SetPassword(digest);
            tx.run::<User>(id, vec![command], user_error(id)).await?;
            Ok((tx, ()))
        }
    })
    .await?;
    Ok(at)
}

/// `POST /api/users/{id}/password/verify` and `POST /api/verifications/password`: 422
/// `session.invalid_credentials` when the password does not match (or the user has none),
/// 400 `session.verification_blocked_too_many_attempts` while the user is locked out by
/// failures of this kind of check (the sentinel counts them per user id; each failure is an
/// event). A match on an outdated digest rehashes it, as a sign-in does.
pub async fn verify_user_password(
    state: &AppContext,
    request: &RequestContext,
    id: &str,
    password: String,
) -> Result<(), AppError> {
    let user: User = state.store.repository().load(id).await?.aggregate;
    let stored = user.state().ok_or_else(|| not_found(id))?.password.clone();
    let (plain, digest) = (password.clone(), stored.clone());
    let matches = state
        .sign_in
        .hasher
        .run(move || verify_timing_flat(&plain, digest.as_ref()))
        .await?;
    let target = Target::user(id);
    let locked = sentinel::locked(state, &target).await?;
    match (&stored, matches) {
        (Some(stored), true) => {
            if let Some(retry_after_secs) = locked {
                return Err(AppError::Locked { retry_after_secs });
            }
            rehash_if_needed(state, request, id, stored, password).await;
            Ok(())
        }
        _ => {
            let lock = sentinel::record_failure(
                state,
                request,
                domain::sentinel::VerificationMethod::Password,
                Some(&target),
                Some(id),
                None,
            )
            .await?
            .or(locked);
            Err(match lock {
                Some(retry_after_secs) => AppError::Locked { retry_after_secs },
                None => AppError::Unprocessable {
                    code: "session.invalid_credentials",
                    message: "Wrong identifier or password.".into(),
                },
            })
        }
    }
}

/// After `password` verified against `verified` (the user's stored digest), replaces an
/// outdated digest with a policy digest, recorded as `UserPasswordRehashed`. A failure is
/// logged, never surfaced: the sign-in it follows has succeeded either way, and the next
/// one tries again.
pub async fn rehash_if_needed(
    state: &AppContext,
    request: &RequestContext,
    user_id: &str,
    verified: &PasswordDigest,
    password: String,
) {
    if !needs_rehash(verified) {
        return;
    }
    let outcome = async {
        let new = hash(state, password).await?;
        transact(state, request, |mut tx| {
            let command = UserCommand::RehashPassword {
                verified: verified.clone(),
                new: new.clone(),
            };
            async move {
                tx.run::<User>(user_id, vec![command], user_error(user_id))
                    .await?;
                Ok((tx, ()))
            }
        })
        .await
    }
    .await;
    if let Err(e) = outcome {
        tracing::warn!(user_id, error = %e, "password rehash after sign-in failed");
    }
}

/// `PATCH /api/users/{id}/is-suspended`. Returns whether the user was newly suspended
/// (the caller then signs them out everywhere).
pub async fn set_suspended(
    state: &AppContext,
    request: &RequestContext,
    id: &str,
    suspended: bool,
) -> Result<Option<Position>, AppError> {
    let (_, at) = transact(state, request, |mut tx| async move {
        let command = UserCommand::SetSuspended(suspended);
        tx.run::<User>(id, vec![command], user_error(id)).await?;
        Ok((tx, ()))
    })
    .await?;
    Ok(at)
}

/// `DELETE /api/users/{id}`: the user's stream ends with `UserDeleted` and every identifier
/// it held is released in the same append, so the username or email can be used again.
pub async fn delete_user(
    state: &AppContext,
    request: &RequestContext,
    id: &str,
) -> Result<Option<Position>, AppError> {
    let (_, at) = transact(state, request, |mut tx| async move {
        let current = live(&tx, id).await?;
        move_claims(&mut tx, id, &current.details, &UserDetailsFields::default()).await?;
        tx.run::<User>(id, vec![UserCommand::Delete], user_error(id))
            .await?;
        Ok((tx, ()))
    })
    .await?;
    Ok(at)
}
