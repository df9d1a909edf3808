//! Logto's `mfa` sign-in experience setting (`{factors, policy,
//! organizationRequiredMfaPolicy}`) and what it asks of one user at one sign-in or
//! registration (docs/mfa.md#policies). Pure: the caller says what the user has bound and
//! chosen, and what this interaction has done.
//!
//! Decisions follow Logto's `MfaValidator` and `Mfa.assertUserMandatoryMfaFulfilled`:
//! a user with a bound factor (of the enabled ones) verifies it, unless they opted out with
//! `skipMfaOnSignIn` and the policy is not `Mandatory`; a user without one binds one when
//! the policy is `Mandatory`, is asked (with a skip) under the prompt policies unless they
//! skipped before, and is not asked under `NoPrompt`; when backup codes are enabled, a user
//! who binds or has an app must also hold backup codes.

use crate::user::mfa::MfaFactor;
use serde::{Deserialize, Serialize};

/// A factor name as Logto spells it in `mfa.factors`; only some are implemented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MfaFactorSetting {
    Totp,
    BackupCode,
    WebAuthn,
    EmailVerificationCode,
    PhoneVerificationCode,
}

impl MfaFactorSetting {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Totp => "Totp",
            Self::BackupCode => "BackupCode",
            Self::WebAuthn => "WebAuthn",
            Self::EmailVerificationCode => "EmailVerificationCode",
            Self::PhoneVerificationCode => "PhoneVerificationCode",
        }
    }

    /// The implemented factor this names, if Tessera has it.
    pub fn factor(self) -> Option<MfaFactor> {
        match self {
            Self::Totp => Some(MfaFactor::Totp),
            Self::BackupCode => Some(MfaFactor::BackupCode),
            _ => None,
        }
    }
}

/// Logto's `mfa.policy`, every value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum MfaPolicy {
    /// Deprecated in Logto; behaves as a prompt at sign-in and sign-up.
    UserControlled,
    /// Every user must have and verify a factor; no skipping.
    Mandatory,
    /// Users without a factor are asked at sign-in (skippable, asked until they skip).
    PromptOnlyAtSignIn,
    /// Users without a factor are asked at sign-in and at registration (skippable).
    PromptAtSignInAndSignUp,
    /// Users are never asked to bind; those with a factor verify it.
    #[default]
    NoPrompt,
    /// Adaptive MFA's non-skippable prompts (Logto refuses them while adaptive MFA is off).
    PromptAtSignInAndSignUpMandatory,
    PromptOnlyAtSignInMandatory,
}

impl MfaPolicy {
    /// The policies that only exist with adaptive MFA on (Tessera has none yet).
    pub fn needs_adaptive_mfa(self) -> bool {
        matches!(
            self,
            Self::PromptAtSignInAndSignUpMandatory | Self::PromptOnlyAtSignInMandatory
        )
    }

    /// Whether a user may decline to bind a factor.
    pub fn skippable(self) -> bool {
        !matches!(
            self,
            Self::Mandatory
                | Self::PromptAtSignInAndSignUpMandatory
                | Self::PromptOnlyAtSignInMandatory
        )
    }

    /// Whether the binding prompt is skipped at registration.
    fn only_at_sign_in(self) -> bool {
        matches!(
            self,
            Self::PromptOnlyAtSignIn | Self::PromptOnlyAtSignInMandatory
        )
    }
}

/// Logto's `mfa.organizationRequiredMfaPolicy` (kept for organizations; nothing reads it yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrganizationRequiredMfaPolicy {
    NoPrompt,
    Mandatory,
}

/// The `mfa` setting.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MfaSettings {
    pub factors: Vec<MfaFactorSetting>,
    pub policy: MfaPolicy,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_required_mfa_policy: Option<OrganizationRequiredMfaPolicy>,
}

/// Why an `mfa` setting is refused (Logto's codes).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MfaSettingsError {
    /// `sign_in_experiences.duplicated_mfa_factors`.
    #[error("mfa.factors: a factor appears more than once")]
    Duplicated,
    /// `sign_in_experiences.backup_code_cannot_be_enabled_alone`.
    #[error("mfa.factors: backup codes cannot be the only factor")]
    BackupCodeAlone,
    /// `session.mfa.mfa_factor_not_enabled`: a factor Tessera does not implement yet.
    #[error("mfa.factors: {0} is not supported by this server yet")]
    Unsupported(&'static str),
    /// `sign_in_experiences.non_adaptive_mfa_requires_skippable_policy`.
    #[error("mfa.policy: {0:?} needs adaptive MFA, which is off")]
    NeedsAdaptive(MfaPolicy),
}

impl MfaSettings {
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }

    pub fn check(&self) -> Result<(), MfaSettingsError> {
        for (i, f) in self.factors.iter().enumerate() {
            if self.factors[..i].contains(f) {
                return Err(MfaSettingsError::Duplicated);
            }
        }
        if let Some(f) = self.factors.iter().find(|f| f.factor().is_none()) {
            return Err(MfaSettingsError::Unsupported(f.as_str()));
        }
        if self.factors == [MfaFactorSetting::BackupCode] {
            return Err(MfaSettingsError::BackupCodeAlone);
        }
        if !self.factors.is_empty() && self.policy.needs_adaptive_mfa() {
            return Err(MfaSettingsError::NeedsAdaptive(self.policy));
        }
        Ok(())
    }

    /// The implemented factors enabled.
    pub fn enabled(&self) -> Vec<MfaFactor> {
        self.factors.iter().filter_map(|f| f.factor()).collect()
    }

    /// The factors a user may bind to satisfy a prompt (backup codes never alone).
    pub fn bindable(&self) -> Vec<MfaFactor> {
        self.enabled()
            .into_iter()
            .filter(|f| *f != MfaFactor::BackupCode)
            .collect()
    }
}

/// What the user has, as far as MFA is concerned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserMfaState {
    /// Factors bound before this interaction (backup codes only with codes left).
    pub bound: Vec<MfaFactor>,
    /// `logtoConfig.mfa.skipped`: declined a prompt before.
    pub skipped: bool,
    /// `logtoConfig.mfa.skipMfaOnSignIn`.
    pub skip_mfa_on_sign_in: bool,
}

/// What this interaction has done about MFA.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MfaProgress {
    /// A bound factor was verified in this interaction.
    #[serde(default)]
    pub verified: bool,
    /// Factors bound in this interaction.
    #[serde(default)]
    pub bound: Vec<MfaFactor>,
    /// The user declined the binding prompt in this interaction (`mfa-skipped`).
    #[serde(default)]
    pub skipped: bool,
    /// `mfa-suggestion-skipped`: the optional suggestion declined for this interaction.
    #[serde(default)]
    pub suggestion_skipped: bool,
}

/// Whether the interaction signs in or registers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MfaEvent {
    SignIn,
    Register,
}

/// The next MFA step, or none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MfaStep {
    /// 403 `session.mfa.require_mfa_verification`: verify one of these.
    Verify(Vec<MfaFactor>),
    /// 422 `user.missing_mfa`: bind one of these (`skippable` under prompt policies).
    Bind {
        available: Vec<MfaFactor>,
        skippable: bool,
    },
    /// 422 `session.mfa.backup_code_required`.
    BackupCodes,
}

/// The step `settings` require next of `user` in an interaction that did `progress`.
pub fn next_step(
    settings: &MfaSettings,
    user: &UserMfaState,
    progress: &MfaProgress,
    event: MfaEvent,
) -> Option<MfaStep> {
    let enabled = settings.enabled();
    if enabled.is_empty() {
        return None;
    }
    let bound: Vec<MfaFactor> = user
        .bound
        .iter()
        .copied()
        .filter(|f| enabled.contains(f))
        .collect();
    // Verification: someone who has a factor proves it (a factor bound in this interaction
    // needed no earlier one, so it stands for the proof).
    let opted_out = user.skip_mfa_on_sign_in && settings.policy != MfaPolicy::Mandatory;
    let usable: Vec<MfaFactor> = bound.clone();
    if event == MfaEvent::SignIn
        && !usable.is_empty()
        && !opted_out
        && !progress.verified
        && progress.bound.is_empty()
    {
        let mut order = usable;
        order.sort_by_key(|f| u8::from(*f == MfaFactor::BackupCode));
        return Some(MfaStep::Verify(order));
    }
    // Binding.
    if settings.policy == MfaPolicy::NoPrompt {
        return None;
    }
    if settings.policy.skippable() && (progress.skipped || user.skipped) {
        return None;
    }
    if event == MfaEvent::Register && settings.policy.only_at_sign_in() {
        return None;
    }
    let available = settings.bindable();
    let linked: Vec<MfaFactor> = bound.iter().chain(&progress.bound).copied().collect();
    if !available.iter().any(|f| linked.contains(f)) {
        return Some(MfaStep::Bind {
            available,
            skippable: settings.policy.skippable(),
        });
    }
    if enabled.contains(&MfaFactor::BackupCode) && !linked.contains(&MfaFactor::BackupCode) {
        return Some(MfaStep::BackupCodes);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use MfaFactor::{BackupCode, Totp};

    fn settings(policy: MfaPolicy, factors: &[MfaFactorSetting]) -> MfaSettings {
        MfaSettings {
            factors: factors.to_vec(),
            policy,
            organization_required_mfa_policy: None,
        }
    }

    const TOTP: &[MfaFactorSetting] = &[MfaFactorSetting::Totp];
    const BOTH: &[MfaFactorSetting] = &[MfaFactorSetting::Totp, MfaFactorSetting::BackupCode];

    #[test]
    fn settings_follow_logtos_rules() {
        assert_eq!(settings(MfaPolicy::Mandatory, BOTH).check(), Ok(()));
        assert_eq!(
            settings(MfaPolicy::Mandatory, &[MfaFactorSetting::BackupCode]).check(),
            Err(MfaSettingsError::BackupCodeAlone)
        );
        assert_eq!(
            settings(
                MfaPolicy::Mandatory,
                &[MfaFactorSetting::Totp, MfaFactorSetting::Totp]
            )
            .check(),
            Err(MfaSettingsError::Duplicated)
        );
        assert_eq!(
            settings(MfaPolicy::NoPrompt, &[MfaFactorSetting::WebAuthn]).check(),
            Err(MfaSettingsError::Unsupported("WebAuthn"))
        );
        assert_eq!(
            settings(MfaPolicy::PromptOnlyAtSignInMandatory, TOTP).check(),
            Err(MfaSettingsError::NeedsAdaptive(
                MfaPolicy::PromptOnlyAtSignInMandatory
            ))
        );
        // With no factor every policy is inert, so any is accepted.
        assert_eq!(
            settings(MfaPolicy::PromptOnlyAtSignInMandatory, &[]).check(),
            Ok(())
        );
    }

    #[test]
    fn a_user_with_a_factor_verifies_it_unless_opted_out_under_a_lenient_policy() {
        let user = UserMfaState {
            bound: vec![BackupCode, Totp],
            ..Default::default()
        };
        let none = MfaProgress::default();
        for policy in [
            MfaPolicy::NoPrompt,
            MfaPolicy::PromptOnlyAtSignIn,
            MfaPolicy::Mandatory,
        ] {
            assert_eq!(
                next_step(&settings(policy, BOTH), &user, &none, MfaEvent::SignIn),
                Some(MfaStep::Verify(vec![Totp, BackupCode])),
                "{policy:?}"
            );
        }
        let verified = MfaProgress {
            verified: true,
            ..Default::default()
        };
        assert_eq!(
            next_step(
                &settings(MfaPolicy::Mandatory, BOTH),
                &user,
                &verified,
                MfaEvent::SignIn
            ),
            None
        );
        let opted_out = UserMfaState {
            skip_mfa_on_sign_in: true,
            ..user.clone()
        };
        assert_eq!(
            next_step(
                &settings(MfaPolicy::NoPrompt, BOTH),
                &opted_out,
                &none,
                MfaEvent::SignIn
            ),
            None
        );
        assert!(matches!(
            next_step(
                &settings(MfaPolicy::Mandatory, BOTH),
                &opted_out,
                &none,
                MfaEvent::SignIn
            ),
            Some(MfaStep::Verify(_))
        ));
        // No factor enabled: nothing asked at all.
        assert_eq!(
            next_step(
                &settings(MfaPolicy::Mandatory, &[]),
                &user,
                &none,
                MfaEvent::SignIn
            ),
            None
        );
    }

    #[test]
    fn a_user_without_a_factor_binds_one_as_the_policy_says() {
        let user = UserMfaState::default();
        let none = MfaProgress::default();
        let bind = |skippable| {
            Some(MfaStep::Bind {
                available: vec![Totp],
                skippable,
            })
        };
        let step = |policy, event| next_step(&settings(policy, BOTH), &user, &none, event);
        assert_eq!(step(MfaPolicy::Mandatory, MfaEvent::SignIn), bind(false));
        assert_eq!(step(MfaPolicy::Mandatory, MfaEvent::Register), bind(false));
        assert_eq!(
            step(MfaPolicy::PromptAtSignInAndSignUp, MfaEvent::Register),
            bind(true)
        );
        assert_eq!(
            step(MfaPolicy::UserControlled, MfaEvent::SignIn),
            bind(true)
        );
        assert_eq!(
            step(MfaPolicy::PromptOnlyAtSignIn, MfaEvent::SignIn),
            bind(true)
        );
        assert_eq!(
            step(MfaPolicy::PromptOnlyAtSignIn, MfaEvent::Register),
            None
        );
        assert_eq!(step(MfaPolicy::NoPrompt, MfaEvent::SignIn), None);
        // Skipped before, or now: not asked again, unless mandatory.
        let skipped = UserMfaState {
            skipped: true,
            ..Default::default()
        };
        assert_eq!(
            next_step(
                &settings(MfaPolicy::PromptOnlyAtSignIn, BOTH),
                &skipped,
                &none,
                MfaEvent::SignIn
            ),
            None
        );
        assert_eq!(
            next_step(
                &settings(MfaPolicy::Mandatory, BOTH),
                &skipped,
                &none,
                MfaEvent::SignIn
            ),
            bind(false)
        );
        // An app bound now still wants backup codes when they are enabled.
        let bound_now = MfaProgress {
            bound: vec![Totp],
            ..Default::default()
        };
        assert_eq!(
            next_step(
                &settings(MfaPolicy::Mandatory, BOTH),
                &user,
                &bound_now,
                MfaEvent::SignIn
            ),
            Some(MfaStep::BackupCodes)
        );
        assert_eq!(
            next_step(
                &settings(MfaPolicy::Mandatory, TOTP),
                &user,
                &bound_now,
                MfaEvent::SignIn
            ),
            None
        );
    }
}
