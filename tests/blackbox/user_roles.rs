//! User roles against the real binary, on SQLite and Postgres: assigning, listing,
//! replacing and removing them from both sides (`/api/users/{id}/roles`,
//! `/api/roles/{id}/users`), the type check, default roles at creation (Management API and
//! hosted registration), and that a user's resource access token carries exactly the
//! scopes its roles hold — before and after a role is taken away — plus the `roles` claim.

use crate::common;

use common::{json, Backend, Deployment, Server};
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::redirect::Policy;
use serde_json::{json as j, Value};
use std::collections::HashMap;

both_backends!(
    user_roles_are_assigned_listed_replaced_and_removed,
    default_roles_are_given_to_new_users,
    resource_tokens_carry_only_scopes_the_user_holds,
);

const CB: &str = "http://127.0.0.1:9/cb";
const PASSWORD: &str = "correct horse battery staple";
const INDICATOR: &str = "https://x.example.com/api";
/// RFC 7636 Appendix B.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

async fn expect(response: reqwest::Response, status: u16) -> Value {
    let got = response.status().as_u16();
    let body = response.text().await.unwrap_or_default();
    assert_eq!(got, status, "{body}");
    serde_json::from_str(&body).unwrap_or(Value::Null)
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_owned()
}

async fn role(server: &Server, name: &str, kind: &str, default: bool, scopes: &[&str]) -> String {
    let body = j!({"name": name, "description": name, "type": kind, "isDefault": default, "scopeIds": scopes});
    id(&expect(server.post_json("/api/roles", &body).await, 200).await)
}

async fn user(server: &Server, username: &str) -> String {
    let body = j!({"username": username, "password": PASSWORD});
    id(&expect(server.post_json("/api/users", &body).await, 200).await)
}

/// The resource with scopes `read:x` and `write:x`; returns their ids.
async fn resource(server: &Server) -> (String, String) {
    let body = j!({"name": "X", "indicator": INDICATOR});
    let rid = id(&expect(server.post_json("/api/resources", &body).await, 201).await);
    let path = format!("/api/resources/{rid}/scopes");
    let read = expect(server.post_json(&path, &j!({"name": "read:x"})).await, 201).await;
    let write = expect(server.post_json(&path, &j!({"name": "write:x"})).await, 201).await;
    (id(&read), id(&write))
}

async fn role_ids_of(server: &Server, user_id: &str) -> Vec<String> {
    let roles = expect(
        server.get(&format!("/api/users/{user_id}/roles")).await,
        200,
    )
    .await;
    roles.as_array().expect("array").iter().map(id).collect()
}

async fn user_roles_are_assigned_listed_replaced_and_removed(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let (read, _) = resource(&server).await;
    let reader = role(&server, "reader", "User", false, &[&read]).await;
    let writer = role(&server, "writer", "User", false, &[]).await;
    let machine = role(&server, "machine", "MachineToMachine", false, &[]).await;
    let alice = user(&server, "alice").await;
    let path = format!("/api/users/{alice}/roles");

    assert!(role_ids_of(&server, &alice).await.is_empty());
    let body = j!({"roleIds": [reader]});
    let added = expect(server.post_json(&path, &body).await, 201).await;
    assert_eq!(added, j!({"roleIds": [reader], "addedRoleIds": [reader]}));
    let again = expect(server.post_json(&path, &body).await, 201).await;
    assert_eq!(again["addedRoleIds"], j!([]), "already held: nothing added");
    let listed = expect(server.get(&path).await, 200).await;
    assert_eq!(listed[0]["name"], "reader", "{listed}");
    assert_eq!(listed[0]["type"], "User");
    assert_eq!(listed.as_array().map(Vec::len), Some(1));

    // Refusals: a machine role (422), an unknown role or user (404), bad input (400).
    let mismatch = expect(
        server.post_json(&path, &j!({"roleIds": [machine]})).await,
        422,
    )
    .await;
    assert_eq!(mismatch["code"], "role.type_mismatch", "{mismatch}");
    let unknown = "aaaaaaaaaaaaaaaaaaaaa";
    expect(
        server.post_json(&path, &j!({"roleIds": [unknown]})).await,
        404,
    )
    .await;
    let nobody = format!("/api/users/{unknown}/roles");
    expect(server.post_json(&nobody, &body).await, 404).await;
    expect(server.get(&nobody).await, 404).await;
    expect(server.post_json(&path, &j!({"roleIds": "x"})).await, 400).await;
    assert_eq!(role_ids_of(&server, &alice).await, vec![reader.clone()]);

    // The role's side and the role list's counts.
    let members = expect(server.get(&format!("/api/roles/{reader}/users")).await, 200).await;
    assert_eq!(members[0]["id"], alice.as_str(), "{members}");
    assert_eq!(members[0]["username"], "alice");
    let roles = expect(server.get("/api/roles?search=reader").await, 200).await;
    assert_eq!(roles[0]["usersCount"], 1, "{roles}");
    assert_eq!(roles[0]["featuredUsers"][0]["id"], alice.as_str());
    let left = expect(
        server
            .get(&format!("/api/roles?type=User&excludeUserId={alice}"))
            .await,
        200,
    )
    .await;
    let left: Vec<String> = left.as_array().expect("array").iter().map(id).collect();
    assert!(
        left.contains(&writer) && !left.contains(&reader),
        "{left:?}"
    );

    // Replace, then remove.
    let replaced = expect(
        server.put_json(&path, &j!({"roleIds": [writer]})).await,
        200,
    )
    .await;
    assert_eq!(replaced, j!({"roleIds": [writer]}));
    assert_eq!(role_ids_of(&server, &alice).await, vec![writer.clone()]);
    expect(server.delete(&format!("{path}/{writer}")).await, 204).await;
    expect(server.delete(&format!("{path}/{writer}")).await, 404).await;
    assert!(role_ids_of(&server, &alice).await.is_empty());

    // From the role's side.
    let members_path = format!("/api/roles/{reader}/users");
    let users = j!({"userIds": [alice]});
    expect(server.post_json(&members_path, &users).await, 201).await;
    assert_eq!(role_ids_of(&server, &alice).await, vec![reader.clone()]);
    let m2m_members = format!("/api/roles/{machine}/users");
    expect(server.post_json(&m2m_members, &users).await, 422).await;
    expect(server.delete(&format!("{members_path}/{alice}")).await, 204).await;
    assert!(role_ids_of(&server, &alice).await.is_empty());
    let members = expect(server.get(&members_path).await, 200).await;
    assert_eq!(members, j!([]));

    // A deleted role drops out of the user's roles.
    expect(
        server.post_json(&path, &j!({"roleIds": [writer]})).await,
        201,
    )
    .await;
    expect(server.delete(&format!("/api/roles/{writer}")).await, 204).await;
    assert!(role_ids_of(&server, &alice).await.is_empty());
}

async fn default_roles_are_given_to_new_users(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let default = role(&server, "member", "User", true, &[]).await;
    role(&server, "other", "User", false, &[]).await;
    let bob = user(&server, "bob").await;
    assert_eq!(role_ids_of(&server, &bob).await, vec![default.clone()]);

    // Registration through the hosted page creates users through the same service.
    let (app, _) = traditional_app(&server).await;
    let mut jar = Jar::default();
    let b = browser();
    let r = b
        .get(auth_url(
            &server,
            &app,
            "openid",
            &[("first_screen", "register")],
        ))
        .send()
        .await
        .expect("auth");
    jar.take(&r);
    assert_eq!(location(&r), format!("/register?app_id={app}"));
    let r = b
        .get(server.url("/register"))
        .header(COOKIE, jar.header())
        .send()
        .await
        .expect("page");
    let page = r.text().await.expect("html");
    let r = b
        .post(server.url("/register"))
        .header(COOKIE, jar.header())
        .form(&[
            ("username", "carol"),
            ("password", PASSWORD),
            ("csrf_token", &csrf_of(&page)),
        ])
        .send()
        .await
        .expect("register");
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    let found = expect(server.get("/api/users?search=carol").await, 200).await;
    let carol = id(&found[0]);
    assert_eq!(role_ids_of(&server, &carol).await, vec![default]);
}

async fn resource_tokens_carry_only_scopes_the_user_holds(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let (read, _write) = resource(&server).await;
    let reader = role(&server, "reader", "User", false, &[&read]).await;
    let dave = user(&server, "dave").await;
    let path = format!("/api/users/{dave}/roles");
    expect(
        server.post_json(&path, &j!({"roleIds": [reader]})).await,
        201,
    )
    .await;
    let (app, secret) = traditional_app(&server).await;

    // Both resource scopes are requested (and granted at authorization, with the resource
    // itself: RFC 8707 binds it to the grant), but dave holds only read:x.
    let scope = "openid offline_access roles read:x write:x";
    let mut jar = Jar::default();
    let url = auth_url(&server, &app, scope, &[("resource", INDICATOR)]);
    let back = sign_in(&server, &mut jar, &url).await;
    let code = query(&back)["code"].clone();
    let (status, tokens) = token(
        &server,
        &app,
        &secret,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CB),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(status, 200, "{tokens}");
    let me = browser()
        .get(server.url("/oidc/me"))
        .bearer_auth(tokens["access_token"].as_str().expect("opaque token"))
        .send()
        .await
        .expect("me");
    let claims = json(me).await;
    assert_eq!(claims["roles"], j!(["reader"]), "{claims}");
    let discovery = json(
        server
            .get_anonymous("/oidc/.well-known/openid-configuration")
            .await,
    )
    .await;
    assert!(discovery["scopes_supported"]
        .as_array()
        .is_some_and(|s| s.contains(&j!("roles"))));

    let refresh = tokens["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_owned();
    let (status, body) = token(
        &server,
        &app,
        &secret,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("resource", INDICATOR),
            ("scope", "read:x write:x"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let jwt = body["access_token"].as_str().expect("jwt");
    let claims = introspect(&server, &app, &secret, jwt).await;
    assert_eq!(claims["aud"], INDICATOR, "{claims}");
    assert_eq!(
        claims["scope"], "read:x",
        "write:x is requested but not held"
    );
    assert_eq!(body["scope"], "read:x");

    // Take the role away: the next token no longer carries read:x.
    expect(server.delete(&format!("{path}/{reader}")).await, 204).await;
    let refresh = body["refresh_token"].as_str().expect("rotated").to_owned();
    let (status, body) = token(
        &server,
        &app,
        &secret,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("resource", INDICATOR),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let jwt = body["access_token"].as_str().expect("jwt");
    let claims = introspect(&server, &app, &secret, jwt).await;
    assert_eq!(claims["scope"], "", "{claims}");
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .expect("client")
}

/// A first-party Traditional app (no consent screen); returns (id, secret).
async fn traditional_app(server: &Server) -> (String, String) {
    let body = j!({
        "name": "Web",
        "type": "Traditional",
        "oidcClientMetadata": {"redirectUris": [CB], "postLogoutRedirectUris": []},
    });
    let app = expect(server.post_json("/api/applications", &body).await, 200).await;
    (id(&app), app["secret"].as_str().expect("secret").to_owned())
}

fn auth_url(server: &Server, client_id: &str, scope: &str, extra: &[(&str, &str)]) -> String {
    let mut url = reqwest::Url::parse(&server.url("/oidc/auth")).expect("url");
    url.query_pairs_mut()
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", CB)
        .append_pair("response_type", "code")
        .append_pair("scope", scope)
        .append_pair("prompt", "consent")
        .append_pair("state", "st8")
        .append_pair("code_challenge", CHALLENGE)
        .append_pair("code_challenge_method", "S256");
    for (k, v) in extra {
        url.query_pairs_mut().append_pair(k, v);
    }
    url.into()
}

/// A browser's cookie jar, by name (only what the provider sets).
#[derive(Default)]
struct Jar(HashMap<String, String>);

impl Jar {
    fn take(&mut self, response: &reqwest::Response) {
        for v in response.headers().get_all(SET_COOKIE) {
            let v = v.to_str().expect("cookie header");
            let (pair, _) = v.split_once(';').unwrap_or((v, ""));
            let (name, value) = pair.split_once('=').expect("cookie pair");
            if value.is_empty() {
                self.0.remove(name);
            } else {
                self.0.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    fn header(&self) -> String {
        self.0
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(LOCATION)
        .unwrap_or_else(|| panic!("no Location on {}", response.status()))
        .to_str()
        .expect("location")
        .to_owned()
}

fn query(url: &str) -> HashMap<String, String> {
    reqwest::Url::parse(url)
        .expect("absolute URL")
        .query_pairs()
        .into_owned()
        .collect()
}

fn csrf_of(page: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = page.find(marker).expect("csrf field") + marker.len();
    let end = page[start..].find('"').expect("end of csrf") + start;
    page[start..end].to_owned()
}

/// Signs the user "dave" in through the hosted form; returns the client redirect.
async fn sign_in(server: &Server, jar: &mut Jar, auth_url: &str) -> String {
    let b = browser();
    let r = b.get(auth_url).send().await.expect("auth");
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    jar.take(&r);
    let client = query(auth_url)["client_id"].clone();
    assert_eq!(location(&r), format!("/sign-in?app_id={client}"));
    let r = b
        .get(server.url("/sign-in"))
        .header(COOKIE, jar.header())
        .send()
        .await
        .expect("page");
    let page = r.text().await.expect("html");
    let form = [
        ("identifier", "dave"),
        ("password", PASSWORD),
        ("csrf_token", &csrf_of(&page)),
    ];
    let r = b
        .post(server.url("/sign-in"))
        .header(COOKIE, jar.header())
        .form(&form)
        .send()
        .await
        .expect("post form");
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    jar.take(&r);
    location(&r)
}

async fn token(server: &Server, id: &str, secret: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let r = browser()
        .post(server.url("/oidc/token"))
        .basic_auth(id, Some(secret))
        .form(form)
        .send()
        .await
        .expect("token");
    (r.status().as_u16(), json(r).await)
}

async fn introspect(server: &Server, id: &str, secret: &str, token: &str) -> Value {
    let r = browser()
        .post(server.url("/oidc/token/introspection"))
        .basic_auth(id, Some(secret))
        .form(&[("token", token)])
        .send()
        .await
        .expect("introspect");
    let claims = json(r).await;
    assert_eq!(claims["active"], true, "{claims}");
    claims
}
