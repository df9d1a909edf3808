//! The template engine of the hosted pages (minijinja): every template of `templates/`
//! embedded at build time and parsed once, HTML autoescape on (the `.html` names choose
//! it), so a value reaches a page escaped unless `page.rs` marks it safe (only the CSS).
//!
//! Adding a page: write `templates/<page>.html` (`{% extends "base.html" %}`, a `title`
//! and a `body` block, every word through `t("key")`, every link and form action of the
//! hosted pages through `url("/path")`), list it in [`TEMPLATES`], add its
//! keys to every `i18n/locales/*.ftl` (the catalogue test names what is missing), and a
//! function in `page.rs` that passes its values.

use crate::i18n::Phrases;
use minijinja::value::{Kwargs, Value};
use minijinja::{AutoEscape, Environment};
use std::fmt::Write as _;
use std::sync::OnceLock;

/// Every template, by the name pages and `{% extends %}` use.
const TEMPLATES: [(&str, &str); 18] = [
    ("base.html", include_str!("templates/base.html")),
    (
        "error_block.html",
        include_str!("templates/error_block.html"),
    ),
    ("sign_in.html", include_str!("templates/sign_in.html")),
    ("register.html", include_str!("templates/register.html")),
    ("consent.html", include_str!("templates/consent.html")),
    ("message.html", include_str!("templates/message.html")),
    ("logout.html", include_str!("templates/logout.html")),
    ("home.html", include_str!("templates/home.html")),
    (
        "code_address.html",
        include_str!("templates/code_address.html"),
    ),
    ("code_enter.html", include_str!("templates/code_enter.html")),
    (
        "new_password.html",
        include_str!("templates/new_password.html"),
    ),
    ("profile.html", include_str!("templates/profile.html")),
    ("mfa_verify.html", include_str!("templates/mfa_verify.html")),
    (
        "mfa_onboarding.html",
        include_str!("templates/mfa_onboarding.html"),
    ),
    ("mfa_bind.html", include_str!("templates/mfa_bind.html")),
    (
        "mfa_backup_codes.html",
        include_str!("templates/mfa_backup_codes.html"),
    ),
    (
        "device_code.html",
        include_str!("templates/device_code.html"),
    ),
    (
        "device_confirm.html",
        include_str!("templates/device_confirm.html"),
    ),
];

fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_formatter(escape_text);
        for (name, source) in TEMPLATES {
            // The tests render every template, so this only guards a running server.
            if let Err(e) = env.add_template(name, source) {
                tracing::error!(template = name, error = %e, "template does not parse");
            }
        }
        env
    })
}

/// HTML autoescape as minijinja's, but leaving `/` alone: it needs no escaping in text or
/// quoted attributes, and URLs (the logo, the favicon) stay readable in the page source.
fn escape_text(
    out: &mut minijinja::Output,
    state: &minijinja::State,
    value: &Value,
) -> Result<(), minijinja::Error> {
    match value.as_str() {
        Some(text) if !value.is_safe() && state.auto_escape() == AutoEscape::Html => {
            for c in text.chars() {
                let escaped = match c {
                    '&' => "&amp;",
                    '<' => "&lt;",
                    '>' => "&gt;",
                    '"' => "&quot;",
                    '\'' => "&#39;",
                    _ => {
                        out.write_char(c).map_err(minijinja::Error::from)?;
                        continue;
                    }
                };
                out.write_str(escaped).map_err(minijinja::Error::from)?;
            }
            Ok(())
        }
        _ => minijinja::escape_formatter(out, state, value),
    }
}

/// `t("key", name=value, …)` in templates: the phrase in the page's language.
pub(super) fn phrase_function(phrases: &Phrases) -> Value {
    let phrases = phrases.clone();
    Value::from_function(move |key: &str, kwargs: Kwargs| {
        let mut args = Vec::new();
        for name in kwargs.args() {
            let value: Value = kwargs.get(name)?;
            args.push((name, value.to_string()));
        }
        Ok::<_, minijinja::Error>(phrases.format(key, &args))
    })
}

/// `url("/path")` in templates: a hosted page's address, with `?app_id=` when the page
/// belongs to an application's sign-in (`signin/interactions.rs`).
pub(super) fn url_function(app_id: Option<&str>) -> Value {
    let app_id = app_id.map(str::to_owned);
    Value::from_function(move |path: &str| match &app_id {
        Some(id) => super::interactions::with_app(path, id),
        None => path.to_owned(),
    })
}

/// The page, or (logged) a short page saying something went wrong: a broken template is
/// a bug the tests catch, and a visitor still gets an answer.
pub(super) fn render(name: &str, context: Value) -> String {
    let rendered = environment()
        .get_template(name)
        .and_then(|t| t.render(context));
    rendered.unwrap_or_else(|e| {
        tracing::error!(template = name, error = %e, "page does not render");
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Error</title>\
         </head><body><main><h1>Something went wrong</h1><p>Try again in a minute.</p>\
         </main></body></html>"
            .to_owned()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses() {
        for (name, _) in TEMPLATES {
            assert!(environment().get_template(name).is_ok(), "{name}");
        }
    }
}
