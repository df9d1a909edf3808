//! The HTML of the hosted pages: plain forms, no JavaScript, every value escaped, in the
//! look the sign-in experience settings give them ([`Look`]: brand colour, dark mode,
//! logo, favicon, custom CSS).

use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, HttpResponseBuilder};

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:24rem;margin:4rem auto;padding:0 1rem;color:#1f1f1f;background:#fff}\
label{display:block;margin-top:1rem}input{width:100%;padding:.5rem;box-sizing:border-box}\
button{margin-top:1.5rem;padding:.6rem 1.2rem;background:var(--primary);color:#fff;border:0;border-radius:.4rem;cursor:pointer}\
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
        }
    }

    fn head(&self) -> String {
        let mut css = format!(":root{{--primary:{}}}{STYLE}", css_value(&self.primary));
        if let Some(dark) = &self.dark_primary {
            css.push_str(&format!(
                "@media (prefers-color-scheme:dark){{:root{{--primary:{}}}{DARK_STYLE}}}",
                css_value(dark)
            ));
        }
        if let Some(custom) = &self.custom_css {
            css.push_str(&custom_css(custom));
        }
        let icon = self.favicon.as_ref().map_or_else(String::new, |href| {
            format!("<link rel=\"icon\" href=\"{}\">", escape(href))
        });
        format!("{icon}<style>{css}</style>")
    }

    fn logo(&self) -> String {
        let Some(light) = &self.logo_url else {
            return String::new();
        };
        let img = format!("<img class=\"logo\" src=\"{}\" alt=\"\">", escape(light));
        match &self.dark_logo_url {
            Some(dark) => format!(
                "<picture><source media=\"(prefers-color-scheme: dark)\" srcset=\"{}\">{img}</picture>",
                escape(dark)
            ),
            None => img,
        }
    }
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

/// A page in the plain look (error pages, the operator's page).
pub fn html(title: &str, body: &str) -> String {
    html_as(&Look::plain(), title, body)
}

/// A page in `look`.
pub fn html_as(look: &Look, title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<title>{}</title>{}</head><body>{}{body}</body></html>",
        escape(title),
        look.head(),
        look.logo(),
    )
}

/// An error page (never a redirect: used when the redirect URI cannot be trusted).
pub fn error(status: StatusCode, title: &str, message: &str) -> HttpResponse {
    let body = format!(
        "<h1>{}</h1><p class=\"error\" role=\"alert\">{}</p>",
        escape(title),
        escape(message)
    );
    builder(status).body(html(title, &body))
}

fn error_block(error: Option<&str>) -> String {
    error.map_or_else(String::new, |e| {
        format!(
            "<p class=\"error\" role=\"alert\" id=\"error\">{}</p>",
            escape(e)
        )
    })
}

pub fn sign_in_form(
    look: &Look,
    app_name: &str,
    csrf: &str,
    identifier: &str,
    error: Option<&str>,
    registration: bool,
) -> String {
    let register = if registration {
        "<p><a href=\"/register\">Create an account</a></p>"
    } else {
        ""
    };
    let body = format!(
        "<h1>Sign in</h1><p>to continue to {app}</p>{err}\
<form method=\"post\" action=\"/sign-in\">\
<input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">\
<label for=\"identifier\">Username or email</label>\
<input id=\"identifier\" name=\"identifier\" autocomplete=\"username\" required value=\"{id}\">\
<label for=\"password\">Password</label>\
<input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>\
<button type=\"submit\" id=\"submit\">Sign in</button></form>{register}",
        app = escape(app_name),
        err = error_block(error),
        csrf = escape(csrf),
        id = escape(identifier),
    );
    html_as(look, "Sign in", &body)
}

pub fn register_form(
    look: &Look,
    app_name: &str,
    csrf: &str,
    username: &str,
    error: Option<&str>,
) -> String {
    let body = format!(
        "<h1>Create your account</h1><p>for {app}</p>{err}\
<form method=\"post\" action=\"/register\">\
<input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">\
<label for=\"username\">Username</label>\
<input id=\"username\" name=\"username\" autocomplete=\"username\" required value=\"{u}\">\
<label for=\"password\">Password</label>\
<input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"new-password\" required>\
<button type=\"submit\">Create account</button></form>\
<p><a href=\"/sign-in\">I already have an account</a></p>",
        app = escape(app_name),
        err = error_block(error),
        csrf = escape(csrf),
        u = escape(username),
    );
    html_as(look, "Create your account", &body)
}

pub fn consent_form(look: &Look, app_name: &str, csrf: &str, scopes: &[String]) -> String {
    let items: String = scopes
        .iter()
        .map(|s| format!("<li>{}</li>", escape(s)))
        .collect();
    let body = format!(
        "<h1>Allow access?</h1><p><strong>{app}</strong> is asking for:</p><ul>{items}</ul>\
<form method=\"post\" action=\"/consent\">\
<input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">\
<button type=\"submit\" name=\"decision\" value=\"allow\">Allow</button> \
<button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button></form>",
        app = escape(app_name),
        csrf = escape(csrf),
    );
    html_as(look, "Allow access?", &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_values_is_escaped() {
        assert_eq!(
            escape("<a href=\"x\">'&"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;"
        );
        let page = sign_in_form(
            &Look::plain(),
            "<script>",
            "t",
            "\"><b>",
            Some("<i>"),
            false,
        );
        assert!(!page.contains("<script>") && !page.contains("<b>") && !page.contains("<i>"));
    }

    #[test]
    fn custom_css_cannot_close_the_style_element() {
        let mut look = Look::plain();
        look.custom_css = Some("h1{color:red}</style><script>alert(1)</script>".into());
        look.logo_url = Some("https://x.example/a.svg\"onerror=\"alert(1)".into());
        let page = html_as(&look, "t", "");
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
        let page = html_as(&look, "t", "");
        assert!(page.contains("--primary:#0A7B5F") && !page.contains("prefers-color-scheme"));
        look.dark_primary = Some("#3FD6A8".into());
        look.dark_logo_url = Some("https://x.example/dark.svg".into());
        let page = html_as(&look, "t", "");
        assert!(
            page.contains("--primary:#3FD6A8") && page.contains("dark.svg"),
            "{page}"
        );
        look.primary = "red;}body{display:none".into();
        assert!(html_as(&look, "t", "").contains("--primary:#6139F6"));
    }
}
