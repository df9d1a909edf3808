//! The browser side of an interaction: a fresh `/oidc/auth` with its cookies, the hosted
//! pages' forms, and Experience API calls with the same cookies.

use super::flow::{auth_url, browser, csrf_of, Jar};
use super::Server;
use reqwest::header::COOKIE;
use reqwest::Method;
use serde_json::Value;

/// One Experience API call with the browser's cookies; (status, JSON body, Retry-After).
pub async fn experience(
    server: &Server,
    jar: &mut Jar,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value, Option<String>) {
    let mut request = browser()
        .request(method, server.url(path))
        .header(COOKIE, jar.header());
    if let Some(body) = body {
        request = request.json(&body);
    }
    let r = request.send().await.expect("experience");
    jar.take(&r);
    let status = r.status().as_u16();
    let retry = r
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let text = r.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::Null),
        retry,
    )
}

/// A fresh interaction of `client` (its cookies in the returned jar).
pub async fn interaction(server: &Server, client: &str) -> Jar {
    interaction_with(server, client, &[]).await
}

/// A fresh interaction of `client` with `extra` authorization parameters.
pub async fn interaction_with(server: &Server, client: &str, extra: &[(&str, &str)]) -> Jar {
    let mut jar = Jar::default();
    let r = browser()
        .get(auth_url(server, client, extra))
        .send()
        .await
        .expect("auth");
    assert_eq!(r.status(), 303);
    jar.take(&r);
    jar
}

/// The CSRF token of a hosted page (`/sign-in`, `/register`), or its status when refused.
pub async fn page(server: &Server, jar: &Jar, path: &str) -> Result<String, u16> {
    let r = browser()
        .get(server.url(path))
        .header(COOKIE, jar.header())
        .send()
        .await
        .expect("page");
    let status = r.status().as_u16();
    let html = r.text().await.expect("html");
    if status == 200 {
        Ok(csrf_of(&html))
    } else {
        Err(status)
    }
}

/// Posts a hosted form; (status, body).
pub async fn post_form(
    server: &Server,
    jar: &Jar,
    path: &str,
    form: &[(&str, &str)],
) -> (u16, String) {
    let r = browser()
        .post(server.url(path))
        .header(COOKIE, jar.header())
        .form(form)
        .send()
        .await
        .expect("post");
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

pub async fn sign_in_form(
    server: &Server,
    jar: &Jar,
    csrf: &str,
    id: &str,
    pw: &str,
) -> (u16, String) {
    post_form(
        server,
        jar,
        "/sign-in",
        &[("identifier", id), ("password", pw), ("csrf_token", csrf)],
    )
    .await
}
