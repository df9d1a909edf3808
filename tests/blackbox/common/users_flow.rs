//! The browser side of the hosted sign-in, shared by the user tests: a cookie jar, a public
//! SPA client, the authorization request, the sign-in form, and the code redemption.

use crate::common::{json, Server};
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::redirect::Policy;
use serde_json::{json as j, Value};

pub const CB: &str = "http://127.0.0.1:9/cb";
/// RFC 7636 Appendix B.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .expect("client")
}

/// Cookies as a browser keeps them (name → value).
#[derive(Default)]
pub struct Jar(Vec<(String, String)>);

impl Jar {
    pub fn take(&mut self, response: &reqwest::Response) {
        for value in response.headers().get_all(SET_COOKIE) {
            let Some(pair) = value.to_str().ok().and_then(|v| v.split(';').next()) else {
                continue;
            };
            if let Some((k, v)) = pair.split_once('=') {
                self.0.retain(|(name, _)| name != k);
                self.0.push((k.to_owned(), v.to_owned()));
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

pub async fn spa(server: &Server) -> String {
    let body = json(
        server
            .post_json(
                "/api/applications",
                &j!({"name": "SPA", "type": "SPA",
                     "oidcClientMetadata": {"redirectUris": [CB], "postLogoutRedirectUris": []}}),
            )
            .await,
    )
    .await;
    body["id"].as_str().expect("app id").to_owned()
}

pub fn auth_url(server: &Server, client_id: &str) -> String {
    let mut url = reqwest::Url::parse(&server.url("/oidc/auth")).expect("url");
    url.query_pairs_mut()
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", CB)
        .append_pair("response_type", "code")
        .append_pair("scope", "openid offline_access")
        .append_pair("prompt", "consent")
        .append_pair("state", "st8")
        .append_pair(
            "code_challenge",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        )
        .append_pair("code_challenge_method", "S256");
    url.into()
}

fn csrf_of(page: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = page.find(marker).expect("csrf field") + marker.len();
    let end = page[start..].find('"').expect("end of csrf") + start;
    page[start..end].to_owned()
}

/// Drives the hosted sign-in form in a fresh browser; returns the status of the form post
/// and, on success, the redirect back to the client.
pub async fn sign_in(
    server: &Server,
    client: &str,
    username: &str,
    password: &str,
) -> (u16, String) {
    let b = browser();
    let mut jar = Jar::default();
    let r = b.get(auth_url(server, client)).send().await.expect("auth");
    assert_eq!(r.status(), 303);
    jar.take(&r);
    let r = b
        .get(server.url("/sign-in"))
        .header(COOKIE, jar.header())
        .send()
        .await
        .expect("page");
    assert_eq!(r.status(), 200);
    let csrf = csrf_of(&r.text().await.expect("html"));
    let form = [
        ("identifier", username),
        ("password", password),
        ("csrf_token", &csrf),
    ];
    let r = b
        .post(server.url("/sign-in"))
        .header(COOKIE, jar.header())
        .form(&form)
        .send()
        .await
        .expect("post form");
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, location)
}

/// Redeems the code in `back` (the redirect to [`CB`]); returns the token response.
pub async fn redeem(server: &Server, client: &str, back: &str) -> Value {
    let url = reqwest::Url::parse(back).expect("redirect URL");
    let code = url
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("code");
    let r = browser()
        .post(server.url("/oidc/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CB),
            ("client_id", client),
            ("code_verifier", VERIFIER),
        ])
        .send()
        .await
        .expect("token");
    assert_eq!(r.status(), 200);
    json(r).await
}

/// The status of a refresh with `refresh_token`.
pub async fn refresh(server: &Server, client: &str, refresh_token: &str) -> u16 {
    browser()
        .post(server.url("/oidc/token"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", client),
        ])
        .send()
        .await
        .expect("refresh")
        .status()
        .as_u16()
}
