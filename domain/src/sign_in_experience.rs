//! The `SignInExperience` aggregate: how end users sign in and register, in the shape of
//! Logto's sign-in experience settings (`GET/PATCH /api/sign-in-exp`,
//! docs/logto/sign-in.md#sign-in-experience-settings). One stream, `sign-in-exp/default`.
//!
//! Until an operator changes them, the settings are the deployment's defaults
//! ([`SignInExperienceSettings::with_policies`]: Logto's defaults, with the password and
//! lockout policies the deployment was configured with). Every change records the whole
//! settings as they are afterwards, so a reader of the log knows what applied at any time
//! without replaying earlier changes.
//!
//! What Tessera acts on today: `passwordPolicy` (every new password), `sentinelPolicy`
//! (the lockout), `signInMode` (whether end users may register) and `signIn.methods`
//! (which identifiers sign in with a password). Verification codes need a connector to
//! deliver them: settings that depend on one (a code as a sign-in method, registering
//! with an email or a phone) are refused while no connector of that kind is configured
//! ([`CodeChannels`], from the `Connectors` aggregate), as Logto does.

use crate::aggregate::{Aggregate, CommandContext};
use crate::event::DomainEvent;
use crate::mfa_policy::{MfaSettings, MfaSettingsError};
use crate::password::policy::PasswordPolicy;
use crate::sentinel::SentinelPolicy;
use serde::{Deserialize, Serialize};

pub const STREAM_ID: &str = "default";

/// Logto's default brand colour.
const DEFAULT_PRIMARY_COLOR: &str = "#6139F6";
/// Its dark-mode counterpart (Logto derives it from the primary colour).
const DEFAULT_DARK_PRIMARY_COLOR: &str = "#8C75FF";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Color {
    pub primary_color: String,
    pub is_dark_mode_enabled: bool,
    pub dark_primary_color: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Branding {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dark_logo_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub favicon: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dark_favicon: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LanguageInfo {
    /// Follow the browser's `Accept-Language` before the fallback.
    pub auto_detect: bool,
    /// A BCP 47 tag (`en`, `zh-CN`, `fr`, …).
    pub fallback_language: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SignInIdentifier {
    Username,
    Email,
    Phone,
}

impl SignInIdentifier {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Username => "username",
            Self::Email => "email",
            Self::Phone => "phone",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SignInMethod {
    pub identifier: SignInIdentifier,
    pub password: bool,
    pub verification_code: bool,
    pub is_password_primary: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SignIn {
    pub methods: Vec<SignInMethod>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SignUp {
    pub identifiers: Vec<SignInIdentifier>,
    pub password: bool,
    pub verify: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SignInMode {
    SignIn,
    Register,
    SignInAndRegister,
}

impl SignInMode {
    pub fn allows_registration(self) -> bool {
        matches!(self, Self::Register | Self::SignInAndRegister)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AgreeToTermsPolicy {
    Automatic,
    ManualRegistrationOnly,
    Manual,
}

/// Logto's `passwordPolicy` as sent and stored: every part optional, `{}` meaning all of
/// Logto's defaults.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PasswordPolicySetting {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<LengthSetting>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub character_types: Option<CharacterTypesSetting>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejects: Option<RejectsSetting>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LengthSetting {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CharacterTypesSetting {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RejectsSetting {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pwned: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repetition_and_sequence: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_info: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub words: Option<Vec<String>>,
}

impl PasswordPolicySetting {
    /// Every part spelled out from a complete policy.
    pub fn from_policy(policy: &PasswordPolicy) -> Self {
        Self {
            length: Some(LengthSetting {
                min: Some(policy.min_length),
                max: Some(policy.max_length),
            }),
            character_types: Some(CharacterTypesSetting {
                min: Some(policy.min_character_types),
            }),
            rejects: Some(RejectsSetting {
                pwned: Some(policy.reject_pwned),
                repetition_and_sequence: Some(policy.reject_repetition_and_sequence),
                user_info: Some(policy.reject_user_info),
                words: Some(policy.reject_words.clone()),
            }),
        }
    }

    /// The policy this setting asks for, `defaults` (the deployment's policy, Logto's
    /// unless configured) where it is silent.
    pub fn effective(&self, defaults: &PasswordPolicy) -> PasswordPolicy {
        let defaults = defaults.clone();
        let length = self.length.clone().unwrap_or_default();
        let types = self.character_types.clone().unwrap_or_default();
        let rejects = self.rejects.clone().unwrap_or_default();
        PasswordPolicy {
            min_length: length.min.unwrap_or(defaults.min_length),
            max_length: length.max.unwrap_or(defaults.max_length),
            min_character_types: types.min.unwrap_or(defaults.min_character_types),
            reject_pwned: rejects.pwned.unwrap_or(defaults.reject_pwned),
            reject_repetition_and_sequence: rejects
                .repetition_and_sequence
                .unwrap_or(defaults.reject_repetition_and_sequence),
            reject_user_info: rejects.user_info.unwrap_or(defaults.reject_user_info),
            reject_words: rejects.words.unwrap_or(defaults.reject_words),
        }
    }
}

/// Logto's `sentinelPolicy`: failed attempts per identifier within an hour before a
/// lockout, and the lockout's length in minutes. `{}` means Logto's defaults.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SentinelPolicySetting {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lockout_duration: Option<u32>,
}

impl SentinelPolicySetting {
    /// The deployment's lockout as a setting; a lockout that is not whole minutes is left
    /// out (the deployment's seconds then apply).
    pub fn from_policy(policy: &SentinelPolicy) -> Self {
        Self {
            max_attempts: Some(policy.max_attempts),
            lockout_duration: (policy.lockout_secs % 60 == 0)
                .then(|| u32::try_from(policy.lockout_secs / 60).ok())
                .flatten(),
        }
    }

    /// The lockout this setting asks for, `defaults` (the deployment's, Logto's unless
    /// configured) where it is silent. The window the attempts are counted in stays the
    /// deployment's (Logto: one hour, not settable).
    pub fn effective(&self, defaults: &SentinelPolicy) -> SentinelPolicy {
        SentinelPolicy {
            max_attempts: self.max_attempts.unwrap_or(defaults.max_attempts),
            window_secs: defaults.window_secs,
            lockout_secs: self
                .lockout_duration
                .map_or(defaults.lockout_secs, |minutes| i64::from(minutes) * 60),
        }
    }
}

/// The settings, whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignInExperienceSettings {
    pub color: Color,
    pub branding: Branding,
    pub language_info: LanguageInfo,
    pub terms_of_use_url: Option<String>,
    pub privacy_policy_url: Option<String>,
    pub agree_to_terms_policy: AgreeToTermsPolicy,
    pub sign_in: SignIn,
    pub sign_up: SignUp,
    pub sign_in_mode: SignInMode,
    pub custom_css: Option<String>,
    pub password_policy: PasswordPolicySetting,
    pub sentinel_policy: SentinelPolicySetting,
    pub support_email: Option<String>,
    pub support_website_url: Option<String>,
    pub unknown_session_redirect_url: Option<String>,
    /// Second factors at sign-in (docs/mfa.md#policies). Left out while it is the default
    /// (none), so changes recorded before it existed read and write the same.
    #[serde(default, skip_serializing_if = "MfaSettings::is_default")]
    pub mfa: MfaSettings,
}

impl SignInExperienceSettings {
    /// Logto's defaults (register with a username and a password; sign in with the
    /// username or the email and the password), with the
    /// password and lockout policies the deployment was configured with and registration
    /// open or closed as the deployment says.
    pub fn with_policies(
        password: &PasswordPolicy,
        sentinel: &SentinelPolicy,
        registration: bool,
    ) -> Self {
        Self {
            color: Color {
                primary_color: DEFAULT_PRIMARY_COLOR.into(),
                is_dark_mode_enabled: false,
                dark_primary_color: DEFAULT_DARK_PRIMARY_COLOR.into(),
            },
            branding: Branding::default(),
            language_info: LanguageInfo {
                auto_detect: true,
                fallback_language: "en".into(),
            },
            terms_of_use_url: None,
            privacy_policy_url: None,
            agree_to_terms_policy: AgreeToTermsPolicy::Automatic,
            // Logto's default is the username alone; Tessera has always signed in with
            // the email too, so its default keeps both.
            sign_in: SignIn {
                methods: [SignInIdentifier::Username, SignInIdentifier::Email]
                    .into_iter()
                    .map(|identifier| SignInMethod {
                        identifier,
                        password: true,
                        verification_code: false,
                        is_password_primary: true,
                    })
                    .collect(),
            },
            sign_up: SignUp {
                identifiers: vec![SignInIdentifier::Username],
                password: true,
                verify: false,
            },
            sign_in_mode: if registration {
                SignInMode::SignInAndRegister
            } else {
                SignInMode::SignIn
            },
            custom_css: None,
            password_policy: PasswordPolicySetting::from_policy(password),
            sentinel_policy: SentinelPolicySetting::from_policy(sentinel),
            support_email: None,
            support_website_url: None,
            unknown_session_redirect_url: None,
            mfa: MfaSettings::default(),
        }
    }

    /// Whether `identifier` signs in with a password.
    pub fn password_sign_in(&self, identifier: SignInIdentifier) -> bool {
        self.sign_in
            .methods
            .iter()
            .any(|m| m.identifier == identifier && m.password)
    }

    /// The settings that need codes sent to `identifier` (an email address or a phone
    /// number), each named by its field: what a connector of that kind is relied on for.
    /// Empty when none does. Exactly the settings [`ConnectorNeeded`] refuses without one.
    ///
    /// [`ConnectorNeeded`]: SignInExperienceError::ConnectorNeeded
    pub fn code_uses(&self, identifier: SignInIdentifier) -> Vec<String> {
        if identifier == SignInIdentifier::Username {
            return Vec::new();
        }
        let mut uses: Vec<String> = self
            .sign_in
            .methods
            .iter()
            .enumerate()
            .filter(|(_, m)| m.identifier == identifier && m.verification_code)
            .map(|(i, _)| format!("signIn.methods[{i}].verificationCode"))
            .collect();
        if self.sign_up.identifiers.contains(&identifier) {
            uses.push("signUp.identifiers".to_owned());
        }
        uses
    }

    /// The rules every stored settings value meets; the first one broken, naming its
    /// field. `channels`: the connectors configured when the settings change.
    fn check(&self, channels: CodeChannels) -> Result<(), SignInExperienceError> {
        let invalid = |field: &str, why: &str| {
            Err(SignInExperienceError::Invalid {
                field: field.to_owned(),
                reason: why.to_owned(),
            })
        };
        for (field, value) in [
            ("color.primaryColor", &self.color.primary_color),
            ("color.darkPrimaryColor", &self.color.dark_primary_color),
        ] {
            if !is_hex_color(value) {
                return invalid(field, "expected a hex colour such as #6139F6");
            }
        }
        if !is_language_tag(&self.language_info.fallback_language) {
            return invalid(
                "languageInfo.fallbackLanguage",
                "expected a language tag such as en or zh-CN",
            );
        }
        for (field, url) in [
            ("branding.logoUrl", &self.branding.logo_url),
            ("branding.darkLogoUrl", &self.branding.dark_logo_url),
            ("branding.favicon", &self.branding.favicon),
            ("branding.darkFavicon", &self.branding.dark_favicon),
            ("termsOfUseUrl", &self.terms_of_use_url),
            ("privacyPolicyUrl", &self.privacy_policy_url),
            ("supportWebsiteUrl", &self.support_website_url),
            (
                "unknownSessionRedirectUrl",
                &self.unknown_session_redirect_url,
            ),
        ] {
            if url.as_deref().is_some_and(|u| !is_web_url(u)) {
                return invalid(field, "expected an http or https URL");
            }
        }
        if self
            .support_email
            .as_deref()
            .is_some_and(|e| crate::identifier::Identifier::email(e).is_err())
        {
            return invalid("supportEmail", "expected an email address");
        }
        if self
            .custom_css
            .as_deref()
            .is_some_and(|css| css.len() > 64 * 1024)
        {
            return invalid("customCss", "at most 64 KiB");
        }
        self.check_methods(channels)?;
        self.check_policies()?;
        self.mfa.check().map_err(SignInExperienceError::Mfa)
    }

    fn check_methods(&self, channels: CodeChannels) -> Result<(), SignInExperienceError> {
        let invalid = |field: &str, why: String| {
            Err(SignInExperienceError::Invalid {
                field: field.to_owned(),
                reason: why,
            })
        };
        let methods = &self.sign_in.methods;
        if methods.is_empty() && self.sign_in_mode != SignInMode::Register {
            return invalid("signIn.methods", "at least one sign-in method".into());
        }
        for (i, m) in methods.iter().enumerate() {
            if methods[..i].iter().any(|n| n.identifier == m.identifier) {
                return invalid(
                    "signIn.methods",
                    format!("{} appears more than once", m.identifier.as_str()),
                );
            }
            if !m.password && !m.verification_code {
                return invalid(
                    &format!("signIn.methods[{i}]"),
                    "enable the password or the verification code".into(),
                );
            }
            if m.verification_code && !channels.delivers(m.identifier) {
                return Err(SignInExperienceError::ConnectorNeeded(m.identifier));
            }
        }
        // Registering with an email or a phone means verifying it (Logto sends a code).
        if let Some(&id) = self
            .sign_up
            .identifiers
            .iter()
            .find(|i| **i != SignInIdentifier::Username && !channels.delivers(**i))
        {
            return Err(SignInExperienceError::ConnectorNeeded(id));
        }
        if self.sign_in_mode.allows_registration() {
            if self.sign_up.identifiers.is_empty() {
                return invalid(
                    "signUp.identifiers",
                    "registration needs an identifier".into(),
                );
            }
            // A registered user must be able to sign in the way they registered (Logto's
            // `sign_in_experiences.miss_sign_up_identifier_in_sign_in`).
            if self.sign_in_mode == SignInMode::SignInAndRegister {
                if let Some(id) = self
                    .sign_up
                    .identifiers
                    .iter()
                    .find(|id| !methods.iter().any(|m| m.identifier == **id))
                {
                    return Err(SignInExperienceError::SignUpIdentifierNotInSignIn(*id));
                }
            }
            let codes_only = !self.sign_up.identifiers.is_empty()
                && self
                    .sign_up
                    .identifiers
                    .iter()
                    .all(|i| channels.delivers(*i));
            if !self.sign_up.password && !codes_only {
                return invalid(
                    "signUp.password",
                    "registration without a password needs a verification code connector".into(),
                );
            }
        }
        Ok(())
    }

    fn check_policies(&self) -> Result<(), SignInExperienceError> {
        let invalid = |field: &str, why: &str| {
            Err(SignInExperienceError::Invalid {
                field: field.to_owned(),
                reason: why.to_owned(),
            })
        };
        let policy = self.password_policy.effective(&PasswordPolicy::default());
        if !(1..=256).contains(&policy.min_length) {
            return invalid("passwordPolicy.length.min", "between 1 and 256");
        }
        if !(policy.min_length..=256).contains(&policy.max_length) {
            return invalid("passwordPolicy.length.max", "between length.min and 256");
        }
        if !(1..=4).contains(&policy.min_character_types) {
            return invalid("passwordPolicy.characterTypes.min", "between 1 and 4");
        }
        if policy.reject_words.iter().any(|w| w.trim().is_empty()) {
            return invalid("passwordPolicy.rejects.words", "words must not be empty");
        }
        let sentinel = &self.sentinel_policy;
        if sentinel.max_attempts.is_some_and(|n| n == 0) {
            return invalid("sentinelPolicy.maxAttempts", "at least 1");
        }
        if sentinel.lockout_duration.is_some_and(|m| m == 0) {
            return invalid("sentinelPolicy.lockoutDuration", "at least 1 minute");
        }
        Ok(())
    }
}

pub(crate) fn is_hex_color(value: &str) -> bool {
    value.strip_prefix('#').is_some_and(|hex| {
        matches!(hex.len(), 3 | 6 | 8) && hex.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

/// A BCP 47-looking tag: letters, digits and `-`, starting with a 2–3 letter language.
fn is_language_tag(value: &str) -> bool {
    let mut parts = value.split('-');
    let language = parts.next().unwrap_or_default();
    (2..=3).contains(&language.len())
        && language.bytes().all(|b| b.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

pub(crate) fn is_web_url(value: &str) -> bool {
    url::Url::parse(value).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
}

/// The settings after a change (the whole value: small, and a reader needs no earlier
/// event to know what applied when).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignInExperienceChanged {
    pub settings: SignInExperienceSettings,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum SignInExperienceEvent {
    SignInExperienceChanged(Box<SignInExperienceChanged>),
}

impl DomainEvent for SignInExperienceEvent {
    fn event_type(&self) -> &'static str {
        match self {
            Self::SignInExperienceChanged(_) => "SignInExperienceChanged",
        }
    }

    fn schema_version(_event_type: &str) -> u32 {
        1
    }

    crate::tagged_payload_codec!();
}

/// The settings as changed, or `None` while they are the deployment's defaults.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SignInExperience {
    pub changed: Option<SignInExperienceSettings>,
}

impl SignInExperience {
    /// The settings in force: the last change, else `defaults`.
    pub fn settings_or(&self, defaults: SignInExperienceSettings) -> SignInExperienceSettings {
        self.changed.clone().unwrap_or(defaults)
    }
}

/// Change some settings: each `Some` replaces that setting whole (Logto's PATCH). The
/// change is merged into the settings in force when it is decided, so two concurrent
/// changes of different settings both land.
pub struct ChangeSignInExperience {
    /// The settings in force while nothing was changed yet.
    pub defaults: SignInExperienceSettings,
    pub changes: SignInExperienceChanges,
    /// The connectors configured now (settings that need a missing one are refused).
    pub channels: CodeChannels,
}

/// Which kinds of passwordless connector are configured: whether codes can be sent by
/// email and by SMS.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CodeChannels {
    pub email: bool,
    pub sms: bool,
}

impl CodeChannels {
    /// Whether a code can reach `identifier` (never a username).
    pub fn delivers(self, identifier: SignInIdentifier) -> bool {
        match identifier {
            SignInIdentifier::Email => self.email,
            SignInIdentifier::Phone => self.sms,
            SignInIdentifier::Username => false,
        }
    }
}

/// The settings a change replaces; `None` keeps one as it is. For the nullable ones,
/// `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignInExperienceChanges {
    pub color: Option<Color>,
    pub branding: Option<Branding>,
    pub language_info: Option<LanguageInfo>,
    pub terms_of_use_url: Option<Option<String>>,
    pub privacy_policy_url: Option<Option<String>>,
    pub agree_to_terms_policy: Option<AgreeToTermsPolicy>,
    pub sign_in: Option<SignIn>,
    pub sign_up: Option<SignUp>,
    pub sign_in_mode: Option<SignInMode>,
    pub custom_css: Option<Option<String>>,
    pub password_policy: Option<PasswordPolicySetting>,
    pub sentinel_policy: Option<SentinelPolicySetting>,
    pub support_email: Option<Option<String>>,
    pub support_website_url: Option<Option<String>>,
    pub unknown_session_redirect_url: Option<Option<String>>,
    pub mfa: Option<MfaSettings>,
}

impl SignInExperienceChanges {
    fn apply_to(self, s: &mut SignInExperienceSettings) {
        fn set<T>(slot: &mut T, value: Option<T>) {
            if let Some(v) = value {
                *slot = v;
            }
        }
        set(&mut s.color, self.color);
        set(&mut s.branding, self.branding);
        set(&mut s.language_info, self.language_info);
        set(&mut s.terms_of_use_url, self.terms_of_use_url);
        set(&mut s.privacy_policy_url, self.privacy_policy_url);
        set(&mut s.agree_to_terms_policy, self.agree_to_terms_policy);
        set(&mut s.sign_in, self.sign_in);
        set(&mut s.sign_up, self.sign_up);
        set(&mut s.sign_in_mode, self.sign_in_mode);
        set(&mut s.custom_css, self.custom_css);
        set(&mut s.password_policy, self.password_policy);
        set(&mut s.sentinel_policy, self.sentinel_policy);
        set(&mut s.support_email, self.support_email);
        set(&mut s.support_website_url, self.support_website_url);
        set(
            &mut s.unknown_session_redirect_url,
            self.unknown_session_redirect_url,
        );
        set(&mut s.mfa, self.mfa);
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignInExperienceError {
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },
    /// Logto's `sign_in_experiences.enabled_connector_not_found`: the setting needs a
    /// connector that delivers codes to this identifier, and none is configured.
    #[error("no {} connector is configured to send verification codes", connector_kind(*.0))]
    ConnectorNeeded(SignInIdentifier),
    /// Logto's `sign_in_experiences.miss_sign_up_identifier_in_sign_in`.
    #[error("signIn.methods: {} is a sign-up identifier, so it must be a sign-in method", .0.as_str())]
    SignUpIdentifierNotInSignIn(SignInIdentifier),
    /// The `mfa` setting breaks one of Logto's rules.
    #[error(transparent)]
    Mfa(MfaSettingsError),
}

fn connector_kind(identifier: SignInIdentifier) -> &'static str {
    match identifier {
        SignInIdentifier::Phone => "SMS",
        _ => "email",
    }
}

/// Cacheable: its state holds settings only.
impl crate::aggregate::NoPersonalData for SignInExperience {}

impl Aggregate for SignInExperience {
    const STREAM_TYPE: &'static str = "sign-in-exp";
    type Event = SignInExperienceEvent;
    type Command = ChangeSignInExperience;
    type Error = SignInExperienceError;

    fn apply(&mut self, event: &SignInExperienceEvent) {
        match event {
            SignInExperienceEvent::SignInExperienceChanged(e) => {
                self.changed = Some(e.settings.clone());
            }
        }
    }

    fn handle(
        &self,
        command: ChangeSignInExperience,
        _ctx: &CommandContext,
    ) -> Result<Vec<SignInExperienceEvent>, SignInExperienceError> {
        let before = self.settings_or(command.defaults);
        let mut settings = before.clone();
        command.changes.apply_to(&mut settings);
        settings.check(command.channels)?;
        // Nothing changes: nothing to record (the first change is recorded even when it
        // restates the defaults, which then stop following the deployment's).
        if self.changed.is_some() && settings == before {
            return Ok(vec![]);
        }
        Ok(vec![SignInExperienceEvent::SignInExperienceChanged(
            Box::new(SignInExperienceChanged { settings }),
        )])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::given;

    fn defaults() -> SignInExperienceSettings {
        SignInExperienceSettings::with_policies(
            &PasswordPolicy::default(),
            &SentinelPolicy::default(),
            true,
        )
    }

    /// A change that sets every setting to `settings`'.
    fn change(settings: SignInExperienceSettings) -> ChangeSignInExperience {
        ChangeSignInExperience {
            defaults: defaults(),
            changes: SignInExperienceChanges {
                color: Some(settings.color),
                branding: Some(settings.branding),
                language_info: Some(settings.language_info),
                terms_of_use_url: Some(settings.terms_of_use_url),
                privacy_policy_url: Some(settings.privacy_policy_url),
                agree_to_terms_policy: Some(settings.agree_to_terms_policy),
                sign_in: Some(settings.sign_in),
                sign_up: Some(settings.sign_up),
                sign_in_mode: Some(settings.sign_in_mode),
                custom_css: Some(settings.custom_css),
                password_policy: Some(settings.password_policy),
                sentinel_policy: Some(settings.sentinel_policy),
                support_email: Some(settings.support_email),
                support_website_url: Some(settings.support_website_url),
                unknown_session_redirect_url: Some(settings.unknown_session_redirect_url),
                mfa: Some(settings.mfa),
            },
            channels: CodeChannels::default(),
        }
    }

    fn changed(settings: SignInExperienceSettings) -> SignInExperienceEvent {
        SignInExperienceEvent::SignInExperienceChanged(Box::new(SignInExperienceChanged {
            settings,
        }))
    }

    #[test]
    fn the_defaults_are_logtos_with_the_deployments_policies() {
        let strict = PasswordPolicy {
            min_length: 12,
            ..Default::default()
        };
        let lockout = SentinelPolicy {
            max_attempts: 5,
            window_secs: 3600,
            lockout_secs: 600,
        };
        let settings = SignInExperienceSettings::with_policies(&strict, &lockout, false);
        assert_eq!(
            settings
                .password_policy
                .effective(&PasswordPolicy::default()),
            strict
        );
        assert_eq!(
            settings
                .sentinel_policy
                .effective(&SentinelPolicy::default()),
            lockout
        );
        // A lockout in seconds stays the deployment's.
        let short = SentinelPolicy {
            lockout_secs: 3,
            ..lockout
        };
        let setting = SentinelPolicySetting::from_policy(&short);
        assert_eq!(setting.lockout_duration, None);
        assert_eq!(setting.effective(&short), short);
        assert_eq!(settings.sign_in_mode, SignInMode::SignIn);
        assert!(settings.password_sign_in(SignInIdentifier::Username));
        assert!(settings.password_sign_in(SignInIdentifier::Email));
        assert!(!settings.password_sign_in(SignInIdentifier::Phone));
        assert_eq!(settings.check(CodeChannels::default()), Ok(()));
        // Logto's `{}`: all of Logto's defaults.
        assert_eq!(
            PasswordPolicySetting::default().effective(&PasswordPolicy::default()),
            PasswordPolicy::default()
        );
    }

    #[test]
    fn a_change_records_the_whole_settings_and_the_same_settings_record_nothing() {
        let mut next = defaults();
        next.sentinel_policy.max_attempts = Some(3);
        next.color.is_dark_mode_enabled = true;
        let exp = given::<SignInExperience>([])
            .when(change(next.clone()))
            .then([changed(next.clone())]);
        assert_eq!(exp.changed.as_ref(), Some(&next));
        let exp = exp.when(change(next.clone())).then_nothing();
        // A change of one setting keeps the others as changed before.
        let mut dark = next.clone();
        dark.color.is_dark_mode_enabled = false;
        exp.when(ChangeSignInExperience {
            defaults: defaults(),
            changes: SignInExperienceChanges {
                color: Some(dark.color.clone()),
                ..Default::default()
            },
            channels: CodeChannels::default(),
        })
        .then([changed(dark)]);
    }

    #[test]
    fn settings_that_break_a_rule_are_refused_naming_the_field() {
        let refused = |edit: fn(&mut SignInExperienceSettings), expected: SignInExperienceError| {
            let mut settings = defaults();
            edit(&mut settings);
            given::<SignInExperience>([])
                .when(change(settings))
                .then_error(expected);
        };
        let invalid = |field: &str, reason: &str| SignInExperienceError::Invalid {
            field: field.into(),
            reason: reason.into(),
        };
        refused(
            |s| s.color.primary_color = "blue".into(),
            invalid(
                "color.primaryColor",
                "expected a hex colour such as #6139F6",
            ),
        );
        refused(
            |s| s.language_info.fallback_language = "english please".into(),
            invalid(
                "languageInfo.fallbackLanguage",
                "expected a language tag such as en or zh-CN",
            ),
        );
        refused(
            |s| s.terms_of_use_url = Some("javascript:alert(1)".into()),
            invalid("termsOfUseUrl", "expected an http or https URL"),
        );
        refused(
            |s| {
                s.password_policy.length = Some(LengthSetting {
                    min: Some(0),
                    max: None,
                })
            },
            invalid("passwordPolicy.length.min", "between 1 and 256"),
        );
        refused(
            |s| {
                s.password_policy.length = Some(LengthSetting {
                    min: Some(20),
                    max: Some(10),
                })
            },
            invalid("passwordPolicy.length.max", "between length.min and 256"),
        );
        refused(
            |s| s.sentinel_policy.max_attempts = Some(0),
            invalid("sentinelPolicy.maxAttempts", "at least 1"),
        );
        refused(
            |s| s.sign_in.methods[0].verification_code = true,
            SignInExperienceError::ConnectorNeeded(SignInIdentifier::Username),
        );
        refused(
            |s| s.sign_up.identifiers = vec![SignInIdentifier::Phone],
            SignInExperienceError::ConnectorNeeded(SignInIdentifier::Phone),
        );
        refused(
            |s| {
                s.sign_in
                    .methods
                    .retain(|m| m.identifier == SignInIdentifier::Email)
            },
            SignInExperienceError::SignUpIdentifierNotInSignIn(SignInIdentifier::Username),
        );
        refused(
            |s| {
                s.sign_in.methods.push(s.sign_in.methods[0].clone());
            },
            invalid("signIn.methods", "username appears more than once"),
        );
    }

    #[test]
    fn email_alone_with_a_password_needs_no_connector() {
        let mut settings = defaults();
        settings
            .sign_in
            .methods
            .retain(|m| m.identifier == SignInIdentifier::Email);
        settings.sign_in_mode = SignInMode::SignIn;
        assert_eq!(settings.check(CodeChannels::default()), Ok(()));
        assert!(settings.password_sign_in(SignInIdentifier::Email));
        assert!(!settings.password_sign_in(SignInIdentifier::Username));
    }

    #[test]
    fn a_configured_connector_allows_codes_for_its_identifier_only() {
        let mut settings = defaults();
        settings
            .sign_in
            .methods
            .retain(|m| m.identifier == SignInIdentifier::Email);
        settings.sign_in.methods[0].verification_code = true;
        settings.sign_up.identifiers = vec![SignInIdentifier::Email];
        settings.sign_up.password = false;
        let email = CodeChannels {
            email: true,
            sms: false,
        };
        assert_eq!(
            settings.check(CodeChannels::default()),
            Err(SignInExperienceError::ConnectorNeeded(
                SignInIdentifier::Email
            ))
        );
        assert_eq!(settings.check(email), Ok(()));
        // What an email connector is relied on for, by field; nothing for a phone.
        assert_eq!(
            settings.code_uses(SignInIdentifier::Email),
            vec!["signIn.methods[0].verificationCode", "signUp.identifiers"]
        );
        assert!(settings.code_uses(SignInIdentifier::Phone).is_empty());
        assert!(settings.code_uses(SignInIdentifier::Username).is_empty());
        settings.sign_in.methods[0].verification_code = false;
        settings.sign_up.identifiers = vec![SignInIdentifier::Username];
        assert!(settings.code_uses(SignInIdentifier::Email).is_empty());
        settings.sign_up.identifiers = vec![SignInIdentifier::Phone];
        assert_eq!(
            settings.check(email),
            Err(SignInExperienceError::ConnectorNeeded(
                SignInIdentifier::Phone
            ))
        );
    }
}
