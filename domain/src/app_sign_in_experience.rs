//! The `ApplicationSignInExperience` aggregate: one application's own look on the hosted
//! pages (Logto's `/api/applications/{id}/sign-in-experience`): its colours, branding,
//! custom CSS, display name and terms links, used instead of the sign-in experience's
//! where set. One stream per application, `application-sign-in-exp/<application id>`.

use crate::aggregate::{Aggregate, CommandContext};
use crate::event::DomainEvent;
use crate::sign_in_experience::{Branding, SignInExperienceError};
use serde::{Deserialize, Serialize};

/// Logto's per-application colour: each part optional (the sign-in experience's where
/// absent).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PartialColor {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_color: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_dark_mode_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dark_primary_color: Option<String>,
}

/// What an application sets for itself (a PUT replaces it whole).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationSignInExperienceSettings {
    pub color: PartialColor,
    pub branding: Branding,
    pub custom_css: Option<String>,
    pub display_name: Option<String>,
    pub terms_of_use_url: Option<String>,
    pub privacy_policy_url: Option<String>,
}

impl ApplicationSignInExperienceSettings {
    fn check(&self) -> Result<(), SignInExperienceError> {
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
            if value
                .as_deref()
                .is_some_and(|c| !crate::sign_in_experience::is_hex_color(c))
            {
                return invalid(field, "expected a hex colour such as #6139F6");
            }
        }
        for (field, url) in [
            ("branding.logoUrl", &self.branding.logo_url),
            ("branding.darkLogoUrl", &self.branding.dark_logo_url),
            ("branding.favicon", &self.branding.favicon),
            ("branding.darkFavicon", &self.branding.dark_favicon),
            ("termsOfUseUrl", &self.terms_of_use_url),
            ("privacyPolicyUrl", &self.privacy_policy_url),
        ] {
            if url
                .as_deref()
                .is_some_and(|u| !crate::sign_in_experience::is_web_url(u))
            {
                return invalid(field, "expected an http or https URL");
            }
        }
        if self
            .display_name
            .as_deref()
            .is_some_and(|n| n.trim().is_empty() || n.chars().count() > 128)
        {
            return invalid("displayName", "between 1 and 128 characters");
        }
        if self
            .custom_css
            .as_deref()
            .is_some_and(|css| css.len() > 64 * 1024)
        {
            return invalid("customCss", "at most 64 KiB");
        }
        Ok(())
    }
}

/// The application's settings after a change (the whole value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationSignInExperienceSet {
    pub settings: ApplicationSignInExperienceSettings,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum ApplicationSignInExperienceEvent {
    ApplicationSignInExperienceSet(Box<ApplicationSignInExperienceSet>),
}

impl DomainEvent for ApplicationSignInExperienceEvent {
    fn event_type(&self) -> &'static str {
        match self {
            Self::ApplicationSignInExperienceSet(_) => "ApplicationSignInExperienceSet",
        }
    }

    fn schema_version(_event_type: &str) -> u32 {
        1
    }

    crate::tagged_payload_codec!();
}

/// The application's settings, or `None` while it has none of its own.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ApplicationSignInExperience {
    pub settings: Option<ApplicationSignInExperienceSettings>,
}

/// Set the application's own settings (replacing any before).
pub struct SetApplicationSignInExperience {
    pub settings: ApplicationSignInExperienceSettings,
}

/// Cacheable: its state holds settings only.
impl crate::aggregate::NoPersonalData for ApplicationSignInExperience {}

impl Aggregate for ApplicationSignInExperience {
    const STREAM_TYPE: &'static str = "application-sign-in-exp";
    type Event = ApplicationSignInExperienceEvent;
    type Command = SetApplicationSignInExperience;
    type Error = SignInExperienceError;

    fn apply(&mut self, event: &ApplicationSignInExperienceEvent) {
        match event {
            ApplicationSignInExperienceEvent::ApplicationSignInExperienceSet(e) => {
                self.settings = Some(e.settings.clone());
            }
        }
    }

    fn handle(
        &self,
        command: SetApplicationSignInExperience,
        _ctx: &CommandContext,
    ) -> Result<Vec<ApplicationSignInExperienceEvent>, SignInExperienceError> {
        command.settings.check()?;
        if self.settings.as_ref() == Some(&command.settings) {
            return Ok(vec![]);
        }
        Ok(vec![
            ApplicationSignInExperienceEvent::ApplicationSignInExperienceSet(Box::new(
                ApplicationSignInExperienceSet {
                    settings: command.settings,
                },
            )),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::given;

    fn set(settings: ApplicationSignInExperienceSettings) -> SetApplicationSignInExperience {
        SetApplicationSignInExperience { settings }
    }

    #[test]
    fn an_application_sets_its_look_once_and_the_same_again_records_nothing() {
        let mine = ApplicationSignInExperienceSettings {
            color: PartialColor {
                primary_color: Some("#112233".into()),
                ..Default::default()
            },
            display_name: Some("Acme".into()),
            ..Default::default()
        };
        let exp = given::<ApplicationSignInExperience>([])
            .when(set(mine.clone()))
            .then([
                ApplicationSignInExperienceEvent::ApplicationSignInExperienceSet(Box::new(
                    ApplicationSignInExperienceSet {
                        settings: mine.clone(),
                    },
                )),
            ]);
        assert_eq!(exp.settings.as_ref(), Some(&mine));
        exp.when(set(mine)).then_nothing();
    }

    #[test]
    fn bad_values_are_refused_naming_the_field() {
        let refused = |settings: ApplicationSignInExperienceSettings, field: &str| {
            given::<ApplicationSignInExperience>([])
                .when(set(settings))
                .then_error(SignInExperienceError::Invalid {
                    field: field.into(),
                    reason: match field {
                        "displayName" => "between 1 and 128 characters",
                        "color.darkPrimaryColor" => "expected a hex colour such as #6139F6",
                        _ => "expected an http or https URL",
                    }
                    .into(),
                });
        };
        refused(
            ApplicationSignInExperienceSettings {
                color: PartialColor {
                    dark_primary_color: Some("dark".into()),
                    ..Default::default()
                },
                ..Default::default()
            },
            "color.darkPrimaryColor",
        );
        refused(
            ApplicationSignInExperienceSettings {
                privacy_policy_url: Some("ftp://x.example/p".into()),
                ..Default::default()
            },
            "privacyPolicyUrl",
        );
        refused(
            ApplicationSignInExperienceSettings {
                display_name: Some("  ".into()),
                ..Default::default()
            },
            "displayName",
        );
    }
}
