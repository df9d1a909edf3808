//! Templates: which one a message uses (its usage, else `Generic`; its locale, else the
//! language alone, else the template without a locale) and how placeholders are filled.

/// Logto's template usage types (`usageType`).
pub const USAGE_TYPES: [&str; 8] = [
    "SignIn",
    "Register",
    "ForgotPassword",
    "Generic",
    "UserPermissionValidation",
    "BindNewIdentifier",
    "MfaVerification",
    "BindMfa",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pub usage_type: String,
    /// `text/plain` or `text/html` (email only).
    pub content_type: String,
    /// Email only.
    pub subject: String,
    pub content: String,
    /// A BCP 47 tag; `None` is the default locale's template.
    pub locale: Option<String>,
}

/// The template for `usage` in `locale`: Logto's fallback to the `Generic` template, and
/// to the default locale (a template without `locale`). The language alone (`fr` for
/// `fr-CA`) is tried before the default.
pub fn pick<'t>(
    templates: &'t [Template],
    usage: &str,
    locale: Option<&str>,
) -> Option<&'t Template> {
    let language = locale.and_then(|l| l.split(['-', '_']).next());
    let locales = [locale, language, None];
    [usage, "Generic"].into_iter().find_map(|u| {
        locales.iter().find_map(|l| {
            templates.iter().find(|t| {
                t.usage_type == u
                    && match (l, &t.locale) {
                        (None, None) => true,
                        (Some(want), Some(have)) => want.eq_ignore_ascii_case(have),
                        _ => false,
                    }
            })
        })
    })
}

/// The values a template's placeholders take.
#[derive(Debug, Clone, Default)]
pub struct Values<'a> {
    pub code: &'a str,
    pub to: &'a str,
    /// The usage type (Logto's `type`).
    pub usage: &'a str,
    pub locale: &'a str,
    pub ip: &'a str,
    /// A rendered template's text (HTTP connectors' `{{message}}`), if any.
    pub message: &'a str,
    pub subject: &'a str,
}

/// How a value is written into the text around it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Escape {
    None,
    Html,
    /// Inside a JSON string literal (the template supplies the quotes).
    JsonString,
    Form,
}

/// `text` with `{{code}}`, `{{to}}`, `{{type}}`, `{{locale}}`, `{{ip}}`, `{{message}}` and
/// `{{subject}}` (spaces inside the braces allowed) replaced, escaped for the context.
/// Unknown placeholders are left as they are.
pub fn render(text: &str, values: &Values, escape: Escape) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let value = match after[..end].trim() {
            "code" => Some(values.code),
            "to" => Some(values.to),
            "type" => Some(values.usage),
            "locale" => Some(values.locale),
            "ip" => Some(values.ip),
            "message" => Some(values.message),
            "subject" => Some(values.subject),
            _ => None,
        };
        match value {
            Some(v) => out.push_str(&escaped(v, escape)),
            None => out.push_str(&rest[start..start + 2 + end + 2]),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

fn escaped(value: &str, escape: Escape) -> String {
    match escape {
        Escape::None => value.to_owned(),
        Escape::Html => value
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
            .replace('\'', "&#39;"),
        Escape::JsonString => {
            let quoted = serde_json::Value::String(value.to_owned()).to_string();
            quoted[1..quoted.len() - 1].to_owned()
        }
        Escape::Form => url::form_urlencoded::byte_serialize(value.as_bytes()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(usage: &str, locale: Option<&str>, content: &str) -> Template {
        Template {
            usage_type: usage.into(),
            content_type: "text/plain".into(),
            subject: String::new(),
            content: content.into(),
            locale: locale.map(Into::into),
        }
    }

    #[test]
    fn usage_then_generic_and_locale_then_language_then_default() {
        let all = [
            t("Generic", None, "g"),
            t("SignIn", None, "s"),
            t("SignIn", Some("fr"), "s-fr"),
            t("Generic", Some("de-CH"), "g-de-ch"),
        ];
        let content = |u, l| pick(&all, u, l).map(|t| t.content.as_str());
        assert_eq!(content("SignIn", Some("fr-CA")), Some("s-fr"));
        assert_eq!(content("SignIn", Some("en")), Some("s"));
        assert_eq!(content("SignIn", None), Some("s"));
        assert_eq!(content("Register", Some("de-CH")), Some("g-de-ch"));
        assert_eq!(content("Register", Some("it")), Some("g"));
        assert_eq!(pick(&all[1..2], "Register", None), None);
    }

    #[test]
    fn placeholders_are_filled_and_escaped_for_their_context() {
        let v = Values {
            code: "123456",
            to: "a\"<b>@x",
            usage: "SignIn",
            locale: "en",
            ip: "203.0.113.9",
            ..Default::default()
        };
        assert_eq!(
            render("{{code}} {{ type }} {{ip}} {{nope}} {{", &v, Escape::None),
            "123456 SignIn 203.0.113.9 {{nope}} {{"
        );
        assert_eq!(render("{{to}}", &v, Escape::Html), "a&quot;&lt;b&gt;@x");
        assert_eq!(
            render("\"{{to}}\"", &v, Escape::JsonString),
            "\"a\\\"<b>@x\""
        );
        assert_eq!(render("to={{to}}", &v, Escape::Form), "to=a%22%3Cb%3E%40x");
    }
}
