//! The sign-in experience settings as every sign-in and registration path reads them:
//! the `SignInExperience` aggregate read with `load_cached` (so a change made on any node
//! applies to the next request everywhere), or, until an operator changes them, the
//! deployment's defaults (its password and lockout policies and its registration switch);
//! and an application's own look, where it set one.

use crate::AppContext;
use domain::app_sign_in_experience::{
    ApplicationSignInExperience, ApplicationSignInExperienceSettings,
};
use domain::identifier::{Identifier, IdentifierKind};
use domain::sign_in_experience::{
    SignInExperience, SignInExperienceSettings, SignInIdentifier, STREAM_ID,
};
use store::StoreError;

/// The settings before any change: Logto's, with this deployment's policies.
pub fn defaults(ctx: &AppContext) -> SignInExperienceSettings {
    SignInExperienceSettings::with_policies(
        &ctx.sign_in.password_policy,
        &ctx.sign_in.sentinel,
        ctx.sign_in.registration,
    )
}

/// The settings in force.
pub async fn current(ctx: &AppContext) -> Result<SignInExperienceSettings, StoreError> {
    let loaded = ctx
        .store
        .repository()
        .load_cached::<SignInExperience>(STREAM_ID)
        .await?;
    Ok(loaded.aggregate.settings_or(defaults(ctx)))
}

/// The lockout in force (its window is the deployment's).
pub async fn sentinel_policy(
    ctx: &AppContext,
) -> Result<domain::sentinel::SentinelPolicy, StoreError> {
    Ok(current(ctx)
        .await?
        .sentinel_policy
        .effective(&ctx.sign_in.sentinel))
}

/// The password policy in force.
pub async fn password_policy(
    ctx: &AppContext,
) -> Result<domain::password::policy::PasswordPolicy, StoreError> {
    Ok(current(ctx)
        .await?
        .password_policy
        .effective(&ctx.sign_in.password_policy))
}

/// The sign-in experience's name for an identifier's kind (`None`: not a sign-in kind).
fn sign_in_kind(identifier: &Identifier) -> Option<SignInIdentifier> {
    match identifier.kind() {
        IdentifierKind::Username => Some(SignInIdentifier::Username),
        IdentifierKind::Email => Some(SignInIdentifier::Email),
        IdentifierKind::Phone => Some(SignInIdentifier::Phone),
        IdentifierKind::ResourceIndicator | IdentifierKind::RoleName => None,
    }
}

/// Whether `identifier` may sign in with a password under `settings`.
pub fn password_sign_in(settings: &SignInExperienceSettings, identifier: &Identifier) -> bool {
    sign_in_kind(identifier).is_some_and(|kind| settings.password_sign_in(kind))
}

/// Whether `identifier` may sign in with a one-time code under `settings`.
pub fn code_sign_in(settings: &SignInExperienceSettings, identifier: &Identifier) -> bool {
    sign_in_kind(identifier).is_some_and(|kind| {
        settings.sign_in_mode != domain::sign_in_experience::SignInMode::Register
            && settings
                .sign_in
                .methods
                .iter()
                .any(|m| m.identifier == kind && m.verification_code)
    })
}

/// Whether a new account may be registered with `identifier` under `settings`.
pub fn registers_with(settings: &SignInExperienceSettings, identifier: &Identifier) -> bool {
    sign_in_kind(identifier).is_some_and(|kind| settings.sign_up.identifiers.contains(&kind))
}

/// The application's own look, if it set one.
pub async fn for_application(
    ctx: &AppContext,
    application_id: &str,
) -> Result<Option<ApplicationSignInExperienceSettings>, StoreError> {
    Ok(ctx
        .store
        .repository()
        .load_cached::<ApplicationSignInExperience>(application_id)
        .await?
        .aggregate
        .settings)
}
