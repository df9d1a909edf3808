//! The hosted pages: plain forms, no JavaScript, in the look the sign-in experience
//! settings give them ([`Look`]: brand colour, dark mode, logo, favicon, custom CSS) and
//! the language of the request ([`Phrases`]). The HTML lives in `templates/` (rendered by
//! `templates.rs`, HTML autoescape on); this file hands each page its values.

use crate::i18n::Phrases;
use actix_web::http::header::{HeaderValue, CACHE_CONTROL, CONTENT_LANGUAGE, CONTENT_TYPE};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, HttpResponseBuilder};
use minijinja::{context, Value};
use serde::Serialize;

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:24rem;margin:4rem auto;padding:0 1rem;color:#1f1f1f;background:#fff}\
label{display:block;margin-top:1rem}input{width:100%;padding:.5rem;box-sizing:border-box}\
button{margin-top:1.5rem;margin-right:.5rem;padding:.6rem 1.2rem;background:var(--primary);color:var(--on-primary);border:0;border-radius:.4rem;cursor:pointer}\
a{color:var(--primary)}.logo{max-height:3rem;max-width:100%;display:block;margin-bottom:1.5rem}\
.error{color:#b00020;border:1px solid #b00020;padding:.5rem}";

/// Dark mode's page colours (the brand colour comes from the settings).
const DARK_STYLE: &str =
    "body{color:#e8e8e8;background:#1b1b1f}.error{color:#ff8a80;border-color:#ff8a80}";

/// How the hosted pages look: from the sign-in experience settings, or [`Look::plain`]
/// where they cannot be read (a page still renders).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Look {
    /// A hex colour (the settings only hold checked ones).
    primary: String,
    /// The dark-mode brand colour, when dark mode is on.
    dark_primary: Option<String>,
    logo_url: Option<String>,
    dark_logo_url: Option<String>,
    favicon: Option<String>,
    custom_css: Option<String>,
    /// The application the page belongs to: its links and forms carry `?app_id=`
    /// (`signin/interactions.rs`), so each application's sign-in keeps to its own.
    app_id: Option<String>,
}

impl Look {
    pub fn plain() -> Self {
        Self {
            primary: "#6139F6".into(),
            dark_primary: None,
            logo_url: None,
            dark_logo_url: None,
            favicon: None,
            custom_css: None,
            app_id: None,
        }
    }

    /// This look on the pages of `client_id`'s sign-in.
    pub fn for_app(self, client_id: &str) -> Self {
        Self {
            app_id: Some(client_id.to_owned()),
            ..self
        }
    }

    /// The sign-in experience's look, with what the application set for itself (`app`)
    /// in place of the parts it sets.
    pub fn from_settings(
        settings: &domain::sign_in_experience::SignInExperienceSettings,
        app: Option<&domain::app_sign_in_experience::ApplicationSignInExperienceSettings>,
    ) -> Self {
        let (color, branding) = (&settings.color, &settings.branding);
        let pick =
            |own: Option<&String>, global: &Option<String>| own.cloned().or_else(|| global.clone());
        let app_color = app.map(|a| &a.color);
        let app_branding = app.map(|a| &a.branding);
        let dark = app_color
            .and_then(|c| c.is_dark_mode_enabled)
            .unwrap_or(color.is_dark_mode_enabled);
        let primary = app_color
            .and_then(|c| c.primary_color.clone())
            .unwrap_or_else(|| color.primary_color.clone());
        let dark_primary = app_color
            .and_then(|c| c.dark_primary_color.clone())
            .unwrap_or_else(|| color.dark_primary_color.clone());
        let logo_url = pick(
            app_branding.and_then(|b| b.logo_url.as_ref()),
            &branding.logo_url,
        );
        let dark_logo_url = pick(
            app_branding.and_then(|b| b.dark_logo_url.as_ref()),
            &branding.dark_logo_url,
        );
        Self {
            primary,
            dark_primary: dark.then_some(dark_primary),
            logo_url,
            dark_logo_url: dark_logo_url.filter(|_| dark),
            favicon: pick(
                app_branding.and_then(|b| b.favicon.as_ref()),
                &branding.favicon,
            ),
            custom_css: pick(
                app.and_then(|a| a.custom_css.as_ref()),
                &settings.custom_css,
            ),
            app_id: None,
        }
    }

    /// The page's CSS: the brand colour, dark mode's colours, then the operator's CSS
    /// (with `<` escaped, so nothing in it can close the `<style>` element).
    fn css(&self) -> String {
        let primary = css_value(&self.primary);
        let mut css = format!(
            ":root{{--primary:{primary};--on-primary:{}}}{STYLE}",
            on_colour(primary)
        );
        if let Some(dark) = &self.dark_primary {
            let dark = css_value(dark);
            css.push_str(&format!(
                "@media (prefers-color-scheme:dark){{:root{{--primary:{dark};--on-primary:{}}}{DARK_STYLE}}}",
                on_colour(dark)
            ));
        }
        if let Some(custom) = &self.custom_css {
            css.push_str(&custom_css(custom));
        }
        css
    }
}

/// What the base template reads of the look (every value escaped by the engine).
#[derive(Serialize)]
struct LookView<'a> {
    favicon: Option<&'a str>,
    logo_url: Option<&'a str>,
    dark_logo_url: Option<&'a str>,
}

/// Renders `template` in `look` and `phrases` with the page's own values (`page`).
fn render(template: &str, look: &Look, phrases: &Phrases, page: Value) -> String {
    let view = LookView {
        favicon: look.favicon.as_deref(),
        logo_url: look.logo_url.as_deref(),
        dark_logo_url: look.dark_logo_url.as_deref(),
    };
    let base = context! {
        lang => phrases.lang(),
        look => Value::from_serialize(&view),
        css => Value::from_safe_string(look.css()),
        t => super::templates::phrase_function(phrases),
        url => super::templates::url_function(look.app_id.as_deref()),
    };
    super::templates::render(template, context! { ..page, ..base })
}

/// A colour for CSS: the settings hold checked hex colours; anything else is dropped.
fn css_value(colour: &str) -> &str {
    let hex = colour.strip_prefix('#').unwrap_or_default();
    if !hex.is_empty() && hex.len() <= 8 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        colour
    } else {
        "#6139F6"
    }
}

/// The text colour on a button of `colour` (a checked hex colour): white or near-black,
/// whichever contrasts more (WCAG relative luminance), so any brand colour keeps its
/// button label readable.
fn on_colour(colour: &str) -> &'static str {
    let hex = colour.trim_start_matches('#');
    let channel = |i: usize| {
        let v = hex
            .get(i..i + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .unwrap_or(0);
        let c = f64::from(v) / 255.0;
        if c <= 0.039_28 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    // Short forms (#abc) have no pairs: treat them as dark, white text.
    if hex.len() < 6 {
        return "#fff";
    }
    let luminance = 0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4);
    // Contrast with white (1.05 / (L + .05)) against near-black #1f1f1f (L ≈ .0137).
    if 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.0637 {
        "#fff"
    } else {
        "#1f1f1f"
    }
}

/// The operator's CSS inside `<style>`: `<` written as the CSS escape `\3C `, so nothing in
/// it can close the element and start markup.
fn custom_css(css: &str) -> String {
    css.replace('<', "\\3C ")
}

/// A response for an HTML page: never cached, never framed (clickjacking on the password
/// form), no scripts.
pub fn builder(status: StatusCode) -> HttpResponseBuilder {
    let mut r = HttpResponse::build(status);
    r.insert_header((CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((CACHE_CONTROL, "no-store"))
        .insert_header(("x-frame-options", "DENY"))
        // No `form-action`: browsers apply it to the redirect that follows a submit, and
        // the sign-in form's redirect goes to the client.
        // Images (the logo, the favicon) from any web origin the settings name.
        .insert_header((
            "content-security-policy",
            "default-src 'none'; style-src 'unsafe-inline'; img-src https: http: data:; \
             frame-ancestors 'none'",
        ));
    r
}

/// A rendered page's status and HTML, with the headers of [`builder`] and its language.
pub fn respond(status: StatusCode, phrases: &Phrases, body: String) -> HttpResponse {
    respond_with(builder(status), phrases, body)
}

/// [`respond`] on a builder that already holds more (cookies being set or cleared).
pub fn respond_with(mut r: HttpResponseBuilder, phrases: &Phrases, body: String) -> HttpResponse {
    if let Ok(lang) = HeaderValue::from_str(phrases.lang()) {
        r.insert_header((CONTENT_LANGUAGE, lang));
    }
    r.body(body)
}

/// A page that only says something (`alert`: an error, read out at once), in `look`.
pub fn message(look: &Look, phrases: &Phrases, title: &str, message: &str, alert: bool) -> String {
    render(
        "message.html",
        look,
        phrases,
        context! { title, message, alert },
    )
}

/// An error page in the plain look, its title and text from the catalogue (never a
/// redirect: used when the redirect URI cannot be trusted).
pub fn error(
    phrases: &Phrases,
    status: StatusCode,
    title_key: &str,
    message_key: &str,
) -> HttpResponse {
    error_text(phrases, status, title_key, &phrases.text(message_key))
}

/// An error page whose text is already in the page's language.
pub fn error_text(
    phrases: &Phrases,
    status: StatusCode,
    title_key: &str,
    message: &str,
) -> HttpResponse {
    let body = self::message(
        &Look::plain(),
        phrases,
        &phrases.text(title_key),
        message,
        true,
    );
    respond(status, phrases, body)
}

/// The other ways the sign-in form links to, as the settings and connectors allow, and
/// a notice above the form (the password was just changed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignInLinks {
    pub notice: Option<String>,
    pub registration: bool,
    /// The settings offer a code for email or phone.
    pub code: bool,
    /// A connector can send a code to reset a password.
    pub forgot_password: bool,
}

pub fn sign_in_form(
    look: &Look,
    phrases: &Phrases,
    app: &str,
    csrf: &str,
    identifier: &str,
    error: Option<&str>,
    links: SignInLinks,
) -> String {
    let ctx = context! {
        app, csrf, identifier, error,
        registration => links.registration,
        code => links.code,
        forgot_password => links.forgot_password,
        notice => links.notice,
    };
    render("sign_in.html", look, phrases, ctx)
}

/// Where a code goes (`action`: the flow's route, `title_key` and `intro_key` its words).
pub struct CodeAddress<'a> {
    pub action: &'a str,
    pub title_key: &'a str,
    pub intro_key: Option<&'a str>,
    pub csrf: &'a str,
    pub identifier: &'a str,
    /// Registration: a new password with the address.
    pub password: bool,
}

pub fn code_address(
    look: &Look,
    phrases: &Phrases,
    form: &CodeAddress<'_>,
    error: Option<&str>,
) -> String {
    let ctx = context! {
        action => form.action,
        title_key => form.title_key,
        intro_key => form.intro_key,
        csrf => form.csrf,
        identifier => form.identifier,
        password => form.password,
        error,
    };
    render("code_address.html", look, phrases, ctx)
}

/// The code entry page for the code sent to `target` (an address the user typed).
pub fn code_enter(
    look: &Look,
    phrases: &Phrases,
    action: &str,
    title_key: &str,
    csrf: &str,
    target: &str,
    error: Option<&str>,
) -> String {
    let ctx = context! { action, title_key, csrf, target, error };
    render("code_enter.html", look, phrases, ctx)
}

/// Verify a second factor (`factor`: `Totp` or `BackupCode`; `other`: the user has both).
pub fn mfa_verify(
    look: &Look,
    phrases: &Phrases,
    csrf: &str,
    factor: &str,
    other: bool,
    error: Option<&str>,
) -> String {
    let ctx = context! { csrf, factor, other, error };
    render("mfa_verify.html", look, phrases, ctx)
}

/// The policy offers a second factor: set one up, or decline.
pub fn mfa_onboarding(look: &Look, phrases: &Phrases, csrf: &str) -> String {
    render("mfa_onboarding.html", look, phrases, context! { csrf })
}

/// Bind an authenticator app: `qr` a data URL, `secret` to type in by hand.
pub fn mfa_bind(
    look: &Look,
    phrases: &Phrases,
    csrf: &str,
    qr: &str,
    secret: &str,
    skippable: bool,
    error: Option<&str>,
) -> String {
    let ctx = context! { csrf, qr, secret, skippable, error };
    render("mfa_bind.html", look, phrases, ctx)
}

/// Backup codes: `codes` shown once (with `download`, a data URL), or `None`: the button
/// that generates them.
pub fn mfa_backup_codes(
    look: &Look,
    phrases: &Phrases,
    csrf: &str,
    codes: Option<&[String]>,
    download: Option<&str>,
) -> String {
    let ctx = context! { csrf, codes, download };
    render("mfa_backup_codes.html", look, phrases, ctx)
}

pub fn new_password_form(
    look: &Look,
    phrases: &Phrases,
    csrf: &str,
    error: Option<&str>,
) -> String {
    render("new_password.html", look, phrases, context! { csrf, error })
}

/// `code`: registration by a verified email or phone is offered too (a link).
pub fn register_form(
    look: &Look,
    phrases: &Phrases,
    app: &str,
    csrf: &str,
    username: &str,
    error: Option<&str>,
    code: bool,
) -> String {
    let ctx = context! { app, csrf, username, error, code };
    render("register.html", look, phrases, ctx)
}

/// The profile step: `fields` as `profile_step.rs` lays them out (serialized views).
pub fn profile_form<T: Serialize>(
    look: &Look,
    phrases: &Phrases,
    app: &str,
    csrf: &str,
    fields: &T,
    error: Option<&str>,
) -> String {
    let fields = Value::from_serialize(fields);
    render(
        "profile.html",
        look,
        phrases,
        context! { app, csrf, fields, error },
    )
}

/// The phrase key naming a scope the consent page knows (OIDC's and Logto's user scopes;
/// `<key>-description` says what it gives). An API resource's scopes have none: they show
/// as the resource names them.
fn scope_key(scope: &str) -> Option<&'static str> {
    Some(match scope {
        "openid" => "scope-openid",
        "offline_access" => "scope-offline-access",
        "profile" => "scope-profile",
        "email" => "scope-email",
        "phone" => "scope-phone",
        "address" => "scope-address",
        "custom_data" => "scope-custom-data",
        "roles" => "scope-roles",
        "urn:logto:scope:sessions" => "scope-sessions",
        _ => return None,
    })
}

#[derive(Serialize)]
struct ScopeView {
    name: String,
    description: Option<String>,
}

/// The scopes as a page lists them: a phrase for those the catalogue knows, the scope
/// itself for the others.
fn scope_views(phrases: &Phrases, scopes: &[String]) -> Value {
    let scopes: Vec<ScopeView> = scopes
        .iter()
        .map(|scope| match scope_key(scope) {
            Some(key) => ScopeView {
                name: phrases.text(key),
                description: Some(phrases.text(&format!("{key}-description"))),
            },
            None => ScopeView {
                name: scope.clone(),
                description: None,
            },
        })
        .collect();
    Value::from_serialize(&scopes)
}

pub fn consent_form(
    look: &Look,
    phrases: &Phrases,
    app: &str,
    csrf: &str,
    scopes: &[String],
) -> String {
    let scopes = scope_views(phrases, scopes);
    render(
        "consent.html",
        look,
        phrases,
        context! { app, csrf, scopes },
    )
}

/// `/device`: the code a device shows (prefilled from `?user_code=`), and why the last
/// one was refused.
pub fn device_code(look: &Look, phrases: &Phrases, code: &str, error: Option<&str>) -> String {
    render("device_code.html", look, phrases, context! { code, error })
}

/// `/device/confirm`: which application asks for which scopes and API resources.
pub fn device_confirm(
    look: &Look,
    phrases: &Phrases,
    app: &str,
    csrf: &str,
    scopes: &[String],
    resources: &[String],
) -> String {
    let scopes = scope_views(phrases, scopes);
    render(
        "device_confirm.html",
        look,
        phrases,
        context! { app, csrf, scopes, resources },
    )
}

/// The sign-out confirmation (plain look: no client is known for sure).
pub fn logout_form(phrases: &Phrases, csrf: &str) -> String {
    render("logout.html", &Look::plain(), phrases, context! { csrf })
}

/// The operator's page (`GET /`).
pub fn home(phrases: &Phrases, issuer: &str, credentials_file: Option<&str>) -> String {
    render(
        "home.html",
        &Look::plain(),
        phrases,
        context! { issuer, credentials_file },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(look: &Look) -> String {
        message(look, &Phrases::english(), "t", "m", false)
    }

    #[test]
    fn markup_in_values_is_escaped() {
        let page = sign_in_form(
            &Look::plain(),
            &Phrases::english(),
            "<script>",
            "t",
            "\"><b>",
            Some("<i>"),
            SignInLinks::default(),
        );
        assert!(!page.contains("<script>") && !page.contains("<b>") && !page.contains("<i>"));
        assert!(
            page.contains("&lt;script&gt;") && page.contains("&quot;&gt;&lt;b&gt;"),
            "{page}"
        );
        // A custom phrase is text too.
        let custom = [("sign-in-title".to_owned(), "<img src=x>".to_owned())].into();
        let page = sign_in_form(
            &Look::plain(),
            &Phrases::new("fr", Some(custom)),
            "a",
            "t",
            "",
            None,
            SignInLinks {
                registration: true,
                ..Default::default()
            },
        );
        assert!(
            !page.contains("<img src=x>") && page.contains("&lt;img src=x&gt;"),
            "{page}"
        );
        assert!(
            page.contains("<html lang=\"fr\">") && page.contains("Mot de passe"),
            "{page}"
        );
        assert!(page.contains("href=\"/register\""), "{page}");
    }

    #[test]
    fn an_applications_pages_keep_to_its_interaction() {
        let links = SignInLinks {
            registration: true,
            code: true,
            forgot_password: true,
            notice: None,
        };
        let look = Look::plain().for_app("app-1");
        let page = sign_in_form(&look, &Phrases::english(), "A", "c", "", None, links);
        for target in ["/sign-in", "/register", "/forgot-password", "/sign-in/code"] {
            let attribute = if target == "/sign-in" {
                "action"
            } else {
                "href"
            };
            assert!(
                page.contains(&format!("{attribute}=\"{target}?app_id=app-1\"")),
                "{target}: {page}"
            );
        }
        let page = code_enter(
            &look,
            &Phrases::english(),
            "/sign-in/code",
            "code-sign-in-title",
            "c",
            "a@b.c",
            None,
        );
        assert!(
            page.contains("action=\"/sign-in/code/verify?app_id=app-1\"")
                && page.contains("action=\"/sign-in/code?app_id=app-1\""),
            "{page}"
        );
    }

    #[test]
    fn every_page_renders_in_every_language() {
        for lang in crate::i18n::LANGUAGES {
            let p = Phrases::new(lang, None);
            let look = Look::plain();
            let scopes = ["openid".to_owned()];
            let links = SignInLinks {
                registration: true,
                code: true,
                forgot_password: true,
                notice: Some("n".into()),
            };
            let address = CodeAddress {
                action: "/forgot-password",
                title_key: "reset-password-title",
                intro_key: Some("reset-password-intro"),
                csrf: "c",
                identifier: "",
                password: true,
            };
            for html in [
                sign_in_form(&look, &p, "A", "c", "", Some("e"), links.clone()),
                code_address(&look, &p, &address, Some("e")),
                code_enter(
                    &look,
                    &p,
                    "/sign-in/code",
                    "code-sign-in-title",
                    "c",
                    "a@b.c",
                    Some("e"),
                ),
                new_password_form(&look, &p, "c", Some("e")),
                profile_form(
                    &look,
                    &p,
                    "A",
                    "c",
                    &serde_json::json!([
                        {"id": "f-a", "name": "a", "label": "A", "required": true, "kind": "text", "value": "", "checked": false, "options": [], "parts": []},
                        {"id": "f-b", "name": "b", "label": "B", "required": false, "kind": "select", "value": "", "checked": false, "options": [{"label": "x", "value": "x", "selected": true}], "parts": []},
                        {"id": "f-c", "name": "c", "label": "C", "required": true, "kind": "checkbox", "value": "", "checked": false, "options": [], "parts": []},
                        {"id": "f-d", "name": "d", "label": "D", "required": false, "kind": "parts", "value": "", "checked": false, "options": [], "parts": [{"id": "f-d-x", "name": "d.givenName", "key": "givenName", "value": ""}]}
                    ]),
                    Some("e"),
                ),
                register_form(&look, &p, "A", "c", "", None, true),
                consent_form(&look, &p, "A", "c", &scopes),
                logout_form(&p, "c"),
                home(&p, "http://x", Some("/f")),
                message(&look, &p, "t", "m", true),
            ] {
                assert!(html.starts_with("<!doctype html>"), "{lang}: {html}");
                assert!(
                    html.contains(&format!("<html lang=\"{lang}\">")),
                    "{lang}: {html}"
                );
                assert!(!html.contains("Something went wrong"), "{lang}: {html}");
            }
        }
    }

    #[test]
    fn consent_names_known_scopes_in_the_pages_language_and_others_as_they_are() {
        let scopes = [
            "openid".to_owned(),
            "offline_access".to_owned(),
            "urn:logto:scope:sessions".to_owned(),
            "read:reports".to_owned(),
        ];
        let html = consent_form(&Look::plain(), &Phrases::new("ja", None), "A", "c", &scopes);
        assert!(
            html.contains(
                "<li>あなたの ID<br><small>サインインしたアカウントを識別します。</small></li>"
            ),
            "{html}"
        );
        assert!(html.contains("<li>サインイン状態の維持<br>"), "{html}");
        assert!(html.contains("<li>セッション<br>"), "{html}");
        assert!(html.contains("<li>read:reports</li>"), "{html}");
        assert!(!html.contains("offline_access"), "{html}");
        let html = consent_form(&Look::plain(), &Phrases::new("de", None), "A", "c", &scopes);
        assert!(html.contains("<li>Angemeldet bleiben<br>"), "{html}");
    }

    #[test]
    fn every_part_of_an_address_or_a_full_name_has_a_label_in_every_language() {
        use domain::custom_profile_fields::{ADDRESS_PARTS, FULLNAME_PARTS};
        for part in ADDRESS_PARTS.iter().chain(FULLNAME_PARTS) {
            let key = format!("profile-part-{part}");
            assert!(crate::i18n::is_key(&key), "{key}");
        }
        let parts: Vec<_> = FULLNAME_PARTS
            .iter()
            .map(|k| serde_json::json!({"id": format!("f-fullname-{k}"), "name": format!("fullname.{k}"), "key": k, "value": ""}))
            .collect();
        let fields = serde_json::json!([{"id": "f-fullname", "name": "fullname", "label": "Name", "required": true, "kind": "parts", "value": "", "checked": false, "options": [], "parts": parts}]);
        let html = profile_form(
            &Look::plain(),
            &Phrases::new("fr", None),
            "A",
            "c",
            &fields,
            None,
        );
        for label in ["Prénom", "Deuxième prénom", "Nom de famille"] {
            assert!(
                html.contains(&format!(">{label}</label>")),
                "{label}: {html}"
            );
        }
        assert!(!html.contains("givenName</label>"), "{html}");
    }

    #[test]
    fn custom_css_cannot_close_the_style_element() {
        let mut look = Look::plain();
        look.custom_css = Some("h1{color:red}</style><script>alert(1)</script>".into());
        look.logo_url = Some("https://x.example/a.svg\"onerror=\"alert(1)".into());
        let page = page(&look);
        assert_eq!(page.matches("</style>").count(), 1, "{page}");
        assert!(!page.contains("<script>"), "{page}");
        assert!(page.contains("h1{color:red}"), "{page}");
        assert!(!page.contains("\"onerror"), "{page}");
    }

    #[test]
    fn dark_mode_brings_its_colour_and_logo_only_when_on() {
        let mut look = Look::plain();
        look.primary = "#0A7B5F".into();
        look.logo_url = Some("https://x.example/light.svg".into());
        let html = page(&look);
        assert!(html.contains("--primary:#0A7B5F") && !html.contains("prefers-color-scheme"));
        look.dark_primary = Some("#3FD6A8".into());
        look.dark_logo_url = Some("https://x.example/dark.svg".into());
        let html = page(&look);
        assert!(
            html.contains("--primary:#3FD6A8") && html.contains("dark.svg"),
            "{html}"
        );
        look.primary = "red;}body{display:none".into();
        assert!(page(&look).contains("--primary:#6139F6"));
    }

    #[test]
    fn button_text_contrasts_with_the_brand_colour() {
        assert_eq!(on_colour("#6139F6"), "#fff");
        assert_eq!(on_colour("#0A7B5F"), "#fff");
        assert_eq!(on_colour("#8C75FF"), "#1f1f1f");
        assert_eq!(on_colour("#3FD6A8"), "#1f1f1f");
        assert_eq!(on_colour("#FFFF00"), "#1f1f1f");
    }
}
