//! The authorization request of `/oidc/auth` (OpenID Connect Core §3.1.2, response type
//! `code` only), parsed once into what the rest of the flow may rely on.
//!
//! Two steps, because errors are answered in two ways: until the client and its redirect
//! URI are known good, an error is a page and never a redirect (RFC 6749 §4.1.2.1);
//! after that it goes back to the client. [`AuthorizationParams`] holds the parameters
//! as sent (the HTTP layer reads `client_id` and `redirect_uri` from it to find and check
//! the client); [`AuthorizationParams::validate`] then yields an [`AuthorizationRequest`]
//! or the [`AuthorizationError`] the client is told about.

use super::pkce::CodeChallenge;
use crate::application::{ApplicationState, ApplicationType};
use crate::sign_in_experience::SignInIdentifier;
use std::collections::HashMap;

/// Logto's reserved resource indicator for organization tokens: ignored, as there are no
/// organizations for a grant to hold.
const ORGANIZATIONS_RESOURCE: &str = "urn:logto:resource:organizations";

/// The parameters of an authorization request as sent.
#[derive(Debug, Clone, Default)]
pub struct AuthorizationParams {
    params: HashMap<String, String>,
    resources: Vec<String>,
    /// A parameter sent more than once (refused once the redirect URI is trusted).
    repeated: Option<String>,
}

/// A valid authorization request of a known client.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthorizationRequest {
    /// Requested scopes in order, without duplicates; always holds `openid`.
    pub scopes: Vec<String>,
    /// API resource indicators (RFC 8707), in order, without duplicates. Whether each is
    /// registered is for the caller to check.
    pub resources: Vec<String>,
    pub challenge: Option<CodeChallenge>,
    pub nonce: Option<String>,
    /// `prompt=none`: answer without showing anything.
    pub prompt_none: bool,
    /// `prompt=login`: ask for credentials even with a live session.
    pub prompt_login: bool,
    pub max_age: Option<u64>,
    /// The screen the client asked to open first (`first_screen`, or the older
    /// `interaction_mode`).
    pub first_screen: FirstScreen,
    /// `login_hint`: the identifier to pre-fill.
    pub login_hint: Option<String>,
    /// `ui_locales`: the languages the client prefers for the pages, in order (at most
    /// [`MAX_UI_LOCALES`] tags as sent; which of them the pages speak is the caller's
    /// choice, an unknown tag is skipped there).
    pub ui_locales: Vec<String>,
    /// Logto's `identifier`: the identifier types the first screen asks for (empty: as
    /// the sign-in experience says).
    pub identifier_types: Vec<SignInIdentifier>,
    /// Logto's `direct_sign_in`: skip the first screen for one social or enterprise
    /// connector.
    pub direct_sign_in: Option<DirectSignIn>,
}

/// Logto's `first_screen` values (`identifier:sign_in` and `identifier:register` are the
/// same screens with only the identifier input).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstScreen {
    SignIn,
    Register,
    ResetPassword,
    SingleSignOn,
}

/// Logto's `direct_sign_in=<kind>:<target>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirectSignIn {
    /// `social:<connector target>`, e.g. `social:google`.
    Social(String),
    /// `sso:<enterprise connector id>`.
    Sso(String),
}

/// The longest `login_hint` kept (an identifier is shorter; anything longer is not one).
const MAX_LOGIN_HINT: usize = 256;

/// The most `ui_locales` tags kept, and the longest tag (BCP 47 tags are short; the rest
/// is never matched anyway and would only grow the sealed interaction cookie).
pub const MAX_UI_LOCALES: usize = 8;
const MAX_LOCALE_LEN: usize = 35;

/// What the client is told through its redirect URI (RFC 6749 §4.1.2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationError {
    pub error: &'static str,
    pub description: String,
}

fn refuse(error: &'static str, description: impl Into<String>) -> AuthorizationError {
    AuthorizationError {
        error,
        description: description.into(),
    }
}

impl AuthorizationParams {
    /// The decoded query (or form) pairs. `resource` may repeat and, as Logto accepts,
    /// be comma-separated; any other parameter sent twice is remembered as an error.
    pub fn from_pairs(pairs: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut out = Self::default();
        for (k, v) in pairs {
            if k == "resource" {
                for r in v
                    .split(',')
                    .map(str::trim)
                    .filter(|r| !r.is_empty() && *r != ORGANIZATIONS_RESOURCE)
                {
                    if !out.resources.iter().any(|have| have == r) {
                        out.resources.push(r.to_owned());
                    }
                }
            } else if out.params.insert(k.clone(), v).is_some() {
                out.repeated = Some(k);
            }
        }
        out
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }

    /// Everything the client is told about through its redirect URI, in the order the
    /// checks run: a repeated parameter, a client that cannot sign users in, unsupported
    /// request objects, the response type and mode, `prompt`, `scope` (must hold
    /// `openid`), PKCE (S256; required where the client requires it) and `max_age`.
    pub fn validate(
        self,
        client: &ApplicationState,
    ) -> Result<AuthorizationRequest, AuthorizationError> {
        if let Some(name) = &self.repeated {
            return Err(refuse(
                "invalid_request",
                format!("parameter {name} appears more than once"),
            ));
        }
        if client.app_type == ApplicationType::MachineToMachine {
            return Err(refuse(
                "unauthorized_client",
                "machine-to-machine applications cannot sign users in",
            ));
        }
        // OpenID Connect Core §6: request objects are not supported (discovery says so too).
        for (param, error) in [
            ("request", "request_not_supported"),
            ("request_uri", "request_uri_not_supported"),
            ("registration", "registration_not_supported"),
        ] {
            if self.params.contains_key(param) {
                return Err(refuse(
                    error,
                    format!("the {param} parameter is not supported"),
                ));
            }
        }
        match self.get("response_type") {
            Some("code") => {}
            Some(_) => {
                return Err(refuse(
                    "unsupported_response_type",
                    "only response_type=code is supported",
                ))
            }
            None => return Err(refuse("invalid_request", "missing response_type")),
        }
        if self.get("response_mode").is_some_and(|m| m != "query") {
            return Err(refuse(
                "invalid_request",
                "only response_mode=query is supported",
            ));
        }
        let prompt = Prompt::parse(self.get("prompt").unwrap_or_default())?;
        let scopes = scopes(self.get("scope").unwrap_or_default(), prompt.consent)?;
        let challenge = match self.get("code_challenge") {
            // RFC 7636: an absent method means plain, which is refused.
            Some(c) => Some(
                CodeChallenge::parse(
                    c,
                    Some(self.get("code_challenge_method").unwrap_or("plain")),
                )
                .map_err(|e| refuse("invalid_request", e.to_string()))?,
            ),
            None => None,
        };
        if client.requires_pkce() && challenge.is_none() {
            return Err(refuse(
                "invalid_request",
                "PKCE (code_challenge with S256) is required",
            ));
        }
        let max_age = match self.get("max_age") {
            Some(v) => Some(v.parse::<u64>().map_err(|_| {
                refuse("invalid_request", "max_age must be a non-negative integer")
            })?),
            None => None,
        };
        let first_screen = self.first_screen()?;
        let login_hint = match self.get("login_hint").map(str::trim) {
            None | Some("") => None,
            Some(hint) if hint.chars().count() > MAX_LOGIN_HINT => {
                return Err(refuse("invalid_request", "login_hint is too long"))
            }
            Some(hint) => Some(hint.to_owned()),
        };
        // Space-separated (OIDC Core §3.1.2.1); malformed tags are dropped, not refused:
        // a language preference must never stop a sign-in.
        let ui_locales = self
            .get("ui_locales")
            .unwrap_or_default()
            .split_whitespace()
            .filter(|t| {
                t.len() <= MAX_LOCALE_LEN
                    && t.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            })
            .take(MAX_UI_LOCALES)
            .map(str::to_owned)
            .collect();
        let identifier_types = self.identifier_types()?;
        let direct_sign_in = self.direct_sign_in()?;
        let nonce = self.get("nonce").map(str::to_owned);
        Ok(AuthorizationRequest {
            scopes,
            resources: self.resources,
            challenge,
            nonce,
            prompt_none: prompt.none,
            prompt_login: prompt.login,
            max_age,
            first_screen,
            login_hint,
            ui_locales,
            identifier_types,
            direct_sign_in,
        })
    }

    /// `first_screen`, else the deprecated `interaction_mode` (`signUp`), else sign-in.
    fn first_screen(&self) -> Result<FirstScreen, AuthorizationError> {
        match self.get("first_screen") {
            None => Ok(match self.get("interaction_mode") {
                Some("signUp") => FirstScreen::Register,
                _ => FirstScreen::SignIn,
            }),
            Some("sign_in" | "signIn" | "identifier:sign_in") => Ok(FirstScreen::SignIn),
            Some("register" | "identifier:register") => Ok(FirstScreen::Register),
            Some("reset_password") => Ok(FirstScreen::ResetPassword),
            Some("single_sign_on") => Ok(FirstScreen::SingleSignOn),
            Some(other) => Err(refuse(
                "invalid_request",
                format!("unsupported first_screen value {other:?}"),
            )),
        }
    }

    /// Logto's `identifier`: space-separated `username`, `email`, `phone`.
    fn identifier_types(&self) -> Result<Vec<SignInIdentifier>, AuthorizationError> {
        let mut types = Vec::new();
        for name in self
            .get("identifier")
            .unwrap_or_default()
            .split_whitespace()
        {
            let kind = match name {
                "username" => SignInIdentifier::Username,
                "email" => SignInIdentifier::Email,
                "phone" => SignInIdentifier::Phone,
                other => {
                    return Err(refuse(
                        "invalid_request",
                        format!("unsupported identifier type {other:?}"),
                    ))
                }
            };
            if !types.contains(&kind) {
                types.push(kind);
            }
        }
        Ok(types)
    }

    fn direct_sign_in(&self) -> Result<Option<DirectSignIn>, AuthorizationError> {
        let Some(value) = self.get("direct_sign_in") else {
            return Ok(None);
        };
        match value.split_once(':') {
            Some(("social", target)) if !target.is_empty() => {
                Ok(Some(DirectSignIn::Social(target.to_owned())))
            }
            Some(("sso", target)) if !target.is_empty() => {
                Ok(Some(DirectSignIn::Sso(target.to_owned())))
            }
            _ => Err(refuse(
                "invalid_request",
                "direct_sign_in must be social:<target> or sso:<connector id>",
            )),
        }
    }
}

/// The `prompt` values that change the flow (`select_account` is accepted and ignored).
struct Prompt {
    none: bool,
    login: bool,
    consent: bool,
}

impl Prompt {
    fn parse(value: &str) -> Result<Self, AuthorizationError> {
        let mut prompt = Prompt {
            none: false,
            login: false,
            consent: false,
        };
        let values: Vec<&str> = value.split_whitespace().collect();
        for p in &values {
            match *p {
                "none" => prompt.none = true,
                "login" => prompt.login = true,
                "consent" => prompt.consent = true,
                "select_account" => {}
                other => {
                    return Err(refuse(
                        "invalid_request",
                        format!("unsupported prompt value {other:?}"),
                    ))
                }
            }
        }
        if prompt.none && values.len() > 1 {
            return Err(refuse(
                "invalid_request",
                "prompt=none cannot be combined with other values",
            ));
        }
        Ok(prompt)
    }
}

/// The requested scopes, deduplicated in order. oidc-provider (and so Logto) drops
/// `offline_access` unless the user is asked to consent: that is why Logto's SDKs always
/// send `prompt=consent`.
fn scopes(value: &str, prompt_consent: bool) -> Result<Vec<String>, AuthorizationError> {
    let mut scopes: Vec<String> = Vec::new();
    for s in value.split_whitespace() {
        if s == "offline_access" && !prompt_consent {
            continue;
        }
        if !scopes.iter().any(|have| have == s) {
            scopes.push(s.to_owned());
        }
    }
    if !scopes.iter().any(|s| s == "openid") {
        return Err(refuse("invalid_scope", "scope must include openid"));
    }
    Ok(scopes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::application::{ApplicationSettings, CustomClientMetadata, OidcClientMetadata};

    fn client(app_type: ApplicationType, require_pkce: Option<bool>) -> ApplicationState {
        ApplicationState {
            app_type,
            is_third_party: false,
            settings: ApplicationSettings {
                name: "app".into(),
                description: None,
                oidc_client_metadata: OidcClientMetadata::default(),
                custom_client_metadata: CustomClientMetadata {
                    require_pkce,
                    ..Default::default()
                },
                custom_data: Default::default(),
            },
            secrets: vec![],
            role_ids: vec![],
        }
    }

    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    fn params(query: &str) -> AuthorizationParams {
        AuthorizationParams::from_pairs(
            query
                .split('&')
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k.to_owned(), v.to_owned())),
        )
    }

    fn error_of(query: &str, client: &ApplicationState) -> (&'static str, String) {
        let e = params(query).validate(client).unwrap_err();
        (e.error, e.description)
    }

    #[test]
    fn a_complete_request_parses_into_what_the_flow_needs() {
        let spa = client(ApplicationType::Spa, None);
        let request = params(&format!(
            "response_type=code&scope=openid profile openid offline_access&prompt=consent\
             &code_challenge={CHALLENGE}&code_challenge_method=S256&nonce=n&max_age=60\
             &resource=https://a.example, https://b.example&resource=https://a.example\
             &resource=urn:logto:resource:organizations&first_screen=register"
        ))
        .validate(&spa)
        .unwrap();
        assert_eq!(request.scopes, ["openid", "profile", "offline_access"]);
        assert_eq!(
            request.resources,
            ["https://a.example", "https://b.example"]
        );
        assert!(request.challenge.is_some());
        assert_eq!(request.nonce.as_deref(), Some("n"));
        assert_eq!(request.max_age, Some(60));
        assert_eq!(request.first_screen, FirstScreen::Register);
        assert!(!request.prompt_none && !request.prompt_login);
    }

    #[test]
    fn offline_access_needs_prompt_consent() {
        let traditional = client(ApplicationType::Traditional, Some(false));
        let request = params("response_type=code&scope=openid offline_access")
            .validate(&traditional)
            .unwrap();
        assert_eq!(request.scopes, ["openid"]);
    }

    #[test]
    fn refusals_come_in_the_order_the_checks_run() {
        let spa = client(ApplicationType::Spa, None);
        // A repeated parameter is reported before anything else is looked at.
        assert_eq!(
            error_of("scope=a&scope=b&response_type=token", &spa),
            (
                "invalid_request",
                "parameter scope appears more than once".into()
            )
        );
        let m2m = client(ApplicationType::MachineToMachine, None);
        assert_eq!(
            error_of("response_type=code", &m2m).0,
            "unauthorized_client"
        );
        assert_eq!(
            error_of("response_type=code&request=x", &spa).0,
            "request_not_supported"
        );
        assert_eq!(
            error_of("response_type=token", &spa).0,
            "unsupported_response_type"
        );
        assert_eq!(
            error_of("scope=openid", &spa),
            ("invalid_request", "missing response_type".into())
        );
        assert_eq!(
            error_of("response_type=code&response_mode=fragment", &spa).0,
            "invalid_request"
        );
        assert_eq!(
            error_of("response_type=code&prompt=none login&scope=x", &spa).1,
            "prompt=none cannot be combined with other values"
        );
        assert_eq!(
            error_of("response_type=code&prompt=bogus", &spa).1,
            "unsupported prompt value \"bogus\""
        );
        assert_eq!(
            error_of("response_type=code&scope=profile", &spa).0,
            "invalid_scope"
        );
        assert_eq!(
            error_of("response_type=code&scope=openid", &spa).1,
            "PKCE (code_challenge with S256) is required"
        );
        // An absent method is plain, which is refused.
        assert_eq!(
            error_of(
                &format!("response_type=code&scope=openid&code_challenge={CHALLENGE}"),
                &spa
            )
            .0,
            "invalid_request"
        );
        let traditional = client(ApplicationType::Traditional, Some(false));
        assert_eq!(
            error_of("response_type=code&scope=openid&max_age=-1", &traditional).1,
            "max_age must be a non-negative integer"
        );
    }

    #[test]
    fn confidential_clients_need_pkce_unless_they_opted_out() {
        let query = "response_type=code&scope=openid";
        assert!(params(query)
            .validate(&client(ApplicationType::Traditional, None))
            .is_err());
        assert!(params(query)
            .validate(&client(ApplicationType::Traditional, Some(false)))
            .is_ok());
        assert!(params(query)
            .validate(&client(ApplicationType::Native, Some(false)))
            .is_err());
    }

    #[test]
    fn logtos_screen_parameters_parse_or_are_refused_by_name() {
        let traditional = client(ApplicationType::Traditional, Some(false));
        let parse = |extra: &str| {
            params(&format!("response_type=code&scope=openid{extra}")).validate(&traditional)
        };
        let request = parse("").unwrap();
        assert_eq!(request.first_screen, FirstScreen::SignIn);
        assert_eq!((request.login_hint, request.direct_sign_in), (None, None));
        for (value, screen) in [
            ("sign_in", FirstScreen::SignIn),
            ("identifier:sign_in", FirstScreen::SignIn),
            ("register", FirstScreen::Register),
            ("identifier:register", FirstScreen::Register),
            ("reset_password", FirstScreen::ResetPassword),
            ("single_sign_on", FirstScreen::SingleSignOn),
        ] {
            let request = parse(&format!("&first_screen={value}")).unwrap();
            assert_eq!(request.first_screen, screen, "{value}");
        }
        // The deprecated parameter, and `first_screen` winning over it.
        assert_eq!(
            parse("&interaction_mode=signUp").unwrap().first_screen,
            FirstScreen::Register
        );
        assert_eq!(
            parse("&interaction_mode=signUp&first_screen=sign_in")
                .unwrap()
                .first_screen,
            FirstScreen::SignIn
        );
        let request =
            parse("&login_hint= ada@example.com &identifier=email username email").unwrap();
        assert_eq!(request.login_hint.as_deref(), Some("ada@example.com"));
        assert!(request.ui_locales.is_empty());
        let with_locales = parse("&ui_locales=fr-CA  ja <b> zh").unwrap();
        assert_eq!(with_locales.ui_locales, ["fr-CA", "ja", "zh"]);
        assert_eq!(
            request.identifier_types,
            [SignInIdentifier::Email, SignInIdentifier::Username]
        );
        assert_eq!(
            parse("&direct_sign_in=social:google")
                .unwrap()
                .direct_sign_in,
            Some(DirectSignIn::Social("google".into()))
        );
        assert_eq!(
            parse("&direct_sign_in=sso:abc").unwrap().direct_sign_in,
            Some(DirectSignIn::Sso("abc".into()))
        );
        for (extra, description) in [
            (
                "&first_screen=dashboard",
                "unsupported first_screen value \"dashboard\"",
            ),
            (
                "&identifier=passport",
                "unsupported identifier type \"passport\"",
            ),
            (
                "&direct_sign_in=google",
                "direct_sign_in must be social:<target> or sso:<connector id>",
            ),
        ] {
            let e = parse(extra).unwrap_err();
            assert_eq!(
                (e.error, e.description.as_str()),
                ("invalid_request", description)
            );
        }
        let long = "x".repeat(257);
        assert_eq!(
            parse(&format!("&login_hint={long}"))
                .unwrap_err()
                .description,
            "login_hint is too long"
        );
    }
}
