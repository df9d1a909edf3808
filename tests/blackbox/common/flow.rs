//! The browser side of the interactive OIDC flow, shared by the black-box tests: apps and
//! users through the Management API, the hosted sign-in form driven like a browser (with
//! its cookies and CSRF token), and the token endpoint.

use super::{json, Server};
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::redirect::Policy;
use serde_json::{json as j, Value};
use std::collections::HashMap;

pub const CB: &str = "http://127.0.0.1:9/cb";
pub const LOGOUT_CB: &str = "http://127.0.0.1:9/bye";
pub const PASSWORD: &str = "correct horse battery staple";
/// RFC 7636 Appendix B.
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .expect("client")
}

/// Creates an application; returns (id, secret).
pub async fn app(server: &Server, app_type: &str, third_party: bool) -> (String, Option<String>) {
    let body = json(
        server
            .post_json(
                "/api/applications",
                &j!({
                    "name": format!("{app_type} app"),
                    "type": app_type,
                    "isThirdParty": third_party,
                    "oidcClientMetadata": {
                        "redirectUris": [CB],
                        "postLogoutRedirectUris": [LOGOUT_CB],
                    },
                }),
            )
            .await,
    )
    .await;
    let id = body["id"].as_str().expect("app id").to_owned();
    (id, body["secret"].as_str().map(str::to_owned))
}

pub async fn user(server: &Server, username: &str) -> String {
    let body = json(
        server
            .post_json(
                "/api/users",
                &j!({"username": username, "primaryEmail": format!("{username}@example.com"), "password": PASSWORD, "name": "Alice A."}),
            )
            .await,
    )
    .await;
    body["id"].as_str().expect("user id").to_owned()
}

/// A browser's cookie jar, by name (only what the provider sets).
#[derive(Default, Clone)]
pub struct Jar(pub HashMap<String, String>);

impl Jar {
    pub fn take(&mut self, response: &reqwest::Response) {
        for v in response.headers().get_all(SET_COOKIE) {
            let v = v.to_str().expect("cookie header");
            assert!(v.contains("HttpOnly") && v.contains("SameSite=Lax"), "{v}");
            let (pair, _) = v.split_once(';').unwrap_or((v, ""));
            let (name, value) = pair.split_once('=').expect("cookie pair");
            if value.is_empty() {
                self.0.remove(name);
            } else {
                self.0.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    pub fn header(&self) -> String {
        self.0
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

pub fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(LOCATION)
        .unwrap_or_else(|| panic!("no Location on {}", response.status()))
        .to_str()
        .expect("location")
        .to_owned()
}

pub fn query(url: &str) -> HashMap<String, String> {
    reqwest::Url::parse(url)
        .expect("absolute URL")
        .query_pairs()
        .into_owned()
        .collect()
}

pub fn csrf_of(page: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = page.find(marker).expect("csrf field") + marker.len();
    let end = page[start..].find('"').expect("end of csrf") + start;
    page[start..end].to_owned()
}

/// Follows `auth_url` like a browser: to the sign-in page, fills the form, and returns
/// where the provider sends the browser back (the client redirect with the code).
pub async fn sign_in(
    server: &Server,
    jar: &mut Jar,
    auth_url: &str,
    username: &str,
    password: &str,
) -> String {
    let b = browser();
    let r = b
        .get(auth_url)
        .header(COOKIE, jar.header())
        .send()
        .await
        .expect("auth");
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    jar.take(&r);
    let next = location(&r);
    if !next.starts_with('/') {
        return next; // already signed in
    }
    // The hosted pages name the application (`?app_id=`): its interaction, not another's.
    assert_eq!(
        next,
        format!("/sign-in?app_id={}", query(auth_url)["client_id"])
    );
    let r = b
        .get(server.url(&next))
        .header(COOKIE, jar.header())
        .send()
        .await
        .expect("page");
    assert_eq!(r.status(), 200);
    let page = r.text().await.expect("html");
    let form = [
        ("identifier", username),
        ("password", password),
        ("csrf_token", &csrf_of(&page)),
    ];
    let r = b
        .post(server.url(&next))
        .header(COOKIE, jar.header())
        .form(&form)
        .send()
        .await
        .expect("post form");
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    jar.take(&r);
    location(&r)
}

pub fn auth_url(server: &Server, client_id: &str, extra: &[(&str, &str)]) -> String {
    let mut url = reqwest::Url::parse(&server.url("/oidc/auth")).expect("url");
    url.query_pairs_mut()
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", CB)
        .append_pair("response_type", "code")
        .append_pair("scope", "openid offline_access profile email")
        .append_pair("prompt", "consent")
        .append_pair("state", "st8")
        .append_pair("code_challenge", CHALLENGE)
        .append_pair("code_challenge_method", "S256");
    for (k, v) in extra {
        url.query_pairs_mut().append_pair(k, v);
    }
    url.into()
}

pub async fn token(server: &Server, form: &[(&str, &str)]) -> (u16, Value) {
    let r = browser()
        .post(server.url("/oidc/token"))
        .form(form)
        .send()
        .await
        .expect("token");
    let status = r.status().as_u16();
    if status == 200 {
        assert_eq!(r.headers()["cache-control"], "no-store");
    }
    (status, json(r).await)
}

pub async fn me(server: &Server, access_token: &str) -> reqwest::Response {
    browser()
        .get(server.url("/oidc/me"))
        .bearer_auth(access_token)
        .send()
        .await
        .expect("me")
}

/// Signs `username` in for the SPA `client` and redeems the code.
pub async fn tokens_for(server: &Server, client: &str, username: &str) -> Value {
    let mut jar = Jar::default();
    let back = sign_in(
        server,
        &mut jar,
        &auth_url(server, client, &[]),
        username,
        PASSWORD,
    )
    .await;
    redeem_spa(server, client, &back).await
}

/// Redeems the code in `back` for the SPA `client`; returns the token response.
pub async fn redeem_spa(server: &Server, client: &str, back: &str) -> Value {
    let code = query(back)["code"].clone();
    let (status, body) = token(
        server,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", client),
            ("code", &code),
            ("redirect_uri", CB),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

/// `GET url` (an end-session request) with the jar's cookies, confirming on the page it
/// shows when the request carries no ID token hint: the final response (the sign-out's
/// redirect or page). Updates the jar.
pub async fn end_session_confirmed(server: &Server, jar: &mut Jar, url: &str) -> reqwest::Response {
    let b = browser();
    let r = b
        .get(url)
        .header(COOKIE, jar.header())
        .send()
        .await
        .expect("end session");
    jar.take(&r);
    if r.status() != 200 {
        return r;
    }
    let page = r.text().await.expect("html");
    assert!(
        page.contains("/oidc/session/end/confirm"),
        "expected the confirmation page: {page}"
    );
    let r = b
        .post(server.url("/oidc/session/end/confirm"))
        .header(COOKIE, jar.header())
        .form(&[("csrf_token", csrf_of(&page))])
        .send()
        .await
        .expect("confirm");
    jar.take(&r);
    r
}

/// Redeems `code` for the confidential `client` (HTTP Basic); (status, token response).
pub async fn redeem_confidential(
    server: &Server,
    client: &str,
    secret: &str,
    code: &str,
) -> (u16, Value) {
    let r = browser()
        .post(server.url("/oidc/token"))
        .basic_auth(client, Some(secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", CB),
            ("code_verifier", VERIFIER),
        ])
        .send()
        .await
        .expect("token");
    let status = r.status().as_u16();
    (status, json(r).await)
}

/// What a browser sees of `response`, its cookies kept in `jar`: (status, the Location of
/// a redirect or else the body).
pub async fn outcome(jar: &mut Jar, response: reqwest::Response) -> (u16, String) {
    jar.take(&response);
    let status = response.status().as_u16();
    if status == 303 {
        (status, location(&response))
    } else {
        (status, response.text().await.unwrap_or_default())
    }
}
