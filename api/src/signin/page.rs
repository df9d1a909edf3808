//! The HTML of the hosted pages: plain forms, no JavaScript, every value escaped.

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

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:24rem;margin:4rem auto;padding:0 1rem}\
label{display:block;margin-top:1rem}input{width:100%;padding:.5rem;box-sizing:border-box}\
button{margin-top:1.5rem;padding:.6rem 1.2rem}.error{color:#b00020;border:1px solid #b00020;padding:.5rem}";

/// A response for an HTML page: never cached, never framed (clickjacking on the password
/// form), no scripts.
pub fn builder(status: StatusCode) -> HttpResponseBuilder {
    let mut r = HttpResponse::build(status);
    r.insert_header((CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((CACHE_CONTROL, "no-store"))
        .insert_header(("x-frame-options", "DENY"))
        // No `form-action`: browsers apply it to the redirect that follows a submit, and
        // the sign-in form's redirect goes to the client.
        .insert_header((
            "content-security-policy",
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
        ));
    r
}

pub fn html(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<title>{}</title><style>{STYLE}</style></head><body>{body}</body></html>",
        escape(title)
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
    html("Sign in", &body)
}

pub fn register_form(app_name: &str, csrf: &str, username: &str, error: Option<&str>) -> String {
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
    html("Create your account", &body)
}

pub fn consent_form(app_name: &str, csrf: &str, scopes: &[String]) -> String {
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
    html("Allow access?", &body)
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
        let page = sign_in_form("<script>", "t", "\"><b>", Some("<i>"), false);
        assert!(!page.contains("<script>") && !page.contains("<b>") && !page.contains("<i>"));
    }
}
