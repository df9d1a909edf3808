//! The audit log over HTTP against the real binary, on SQLite and Postgres: sign-ins
//! (failed and successful), token issuance by code, refresh and client credentials,
//! revocation and management operations each appear in `/api/logs` with actor,
//! application, subject, IP, user agent, result and event id; the filters, Logto's page
//! headers, the cursor walk under concurrent appends, erasure of personal data on user
//! deletion, and 400s that name the bad parameter.

use crate::common;

use common::{json, Backend, Deployment, Server};
use reqwest::header::{COOKIE, LINK, LOCATION, SET_COOKIE, USER_AGENT};
use reqwest::redirect::Policy;
use serde_json::{json as j, Value};
use std::collections::{HashMap, HashSet};

both_backends!(
    every_kind_of_change_is_audited,
    cursor_paging_walks_a_range_while_events_arrive,
    bad_filters_name_the_parameter,
);

const CB: &str = "http://127.0.0.1:9/cb";
const PASSWORD: &str = "correct horse battery staple";
const UA: &str = "AuditTest/1.0 (tessera)";
/// RFC 7636 Appendix B.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .user_agent(UA)
        .build()
        .expect("client")
}

/// A Management API call sent with the test's user agent.
async fn manage(server: &Server, method: reqwest::Method, path: &str, body: Value) -> Value {
    let r = server
        .anonymous
        .request(method.clone(), server.url(path))
        .bearer_auth(&server.token)
        .header(USER_AGENT, UA)
        .json(&body)
        .send()
        .await
        .expect("management call");
    let status = r.status();
    assert!(status.is_success(), "{method} {path}: {status}");
    if status == 204 {
        Value::Null
    } else {
        json(r).await
    }
}

/// `GET` a path of the Management API; returns the status, headers and body.
async fn get(server: &Server, path: &str) -> (u16, reqwest::header::HeaderMap, Value) {
    let r = server.get(path).await;
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, headers, json(r).await)
}

async fn logs(server: &Server, query: &str) -> Vec<Value> {
    let (status, _, body) = get(server, &format!("/api/logs?{query}")).await;
    assert_eq!(status, 200, "{query}: {body}");
    body.as_array().expect("array").clone()
}

fn cookies(jar: &mut HashMap<String, String>, response: &reqwest::Response) {
    for v in response.headers().get_all(SET_COOKIE) {
        let v = v.to_str().expect("cookie");
        let (pair, _) = v.split_once(';').unwrap_or((v, ""));
        if let Some((name, value)) = pair.split_once('=') {
            if value.is_empty() {
                jar.remove(name);
            } else {
                jar.insert(name.to_owned(), value.to_owned());
            }
        }
    }
}

fn cookie_header(jar: &HashMap<String, String>) -> String {
    jar.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ")
}

fn location(response: &reqwest::Response) -> String {
    response.headers()[LOCATION]
        .to_str()
        .expect("location")
        .to_owned()
}

/// Starts an authorization at the hosted sign-in form and submits `password`; returns
/// the response to the form post.
async fn submit_sign_in(
    server: &Server,
    client: &str,
    username: &str,
    password: &str,
) -> reqwest::Response {
    let b = browser();
    let mut jar = HashMap::new();
    let mut url = reqwest::Url::parse(&server.url("/oidc/auth")).expect("url");
    url.query_pairs_mut()
        .append_pair("client_id", client)
        .append_pair("redirect_uri", CB)
        .append_pair("response_type", "code")
        .append_pair("scope", "openid offline_access")
        .append_pair("prompt", "consent")
        .append_pair("code_challenge", CHALLENGE)
        .append_pair("code_challenge_method", "S256");
    let r = b.get(url).send().await.expect("auth");
    assert_eq!(r.status(), 303);
    cookies(&mut jar, &r);
    let r = b
        .get(server.url("/sign-in"))
        .header(COOKIE, cookie_header(&jar))
        .send()
        .await
        .expect("page");
    let page = r.text().await.expect("html");
    let marker = "name=\"csrf_token\" value=\"";
    let start = page.find(marker).expect("csrf field") + marker.len();
    let csrf = &page[start..start + page[start..].find('"').expect("end")];
    b.post(server.url("/sign-in"))
        .header(COOKIE, cookie_header(&jar))
        .form(&[
            ("identifier", username),
            ("password", password),
            ("csrf_token", csrf),
        ])
        .send()
        .await
        .expect("post form")
}

async fn token(server: &Server, basic: (&str, &str), form: &[(&str, &str)]) -> Value {
    let r = browser()
        .post(server.url("/oidc/token"))
        .basic_auth(basic.0, Some(basic.1))
        .form(form)
        .send()
        .await
        .expect("token");
    assert_eq!(r.status(), 200);
    json(r).await
}

/// The single entry of `entries` recording an event of `event_type`.
fn one<'a>(entries: &'a [Value], event_type: &str) -> &'a Value {
    let found: Vec<&Value> = entries
        .iter()
        .filter(|e| e["payload"]["eventType"] == event_type)
        .collect();
    assert_eq!(found.len(), 1, "{event_type} in {entries:#?}");
    found[0]
}

fn assert_request_metadata(entry: &Value) {
    let p = &entry["payload"];
    assert_eq!(p["ip"], "127.0.0.1", "{entry:#}");
    assert_eq!(p["userAgent"], UA, "{entry:#}");
    assert_eq!(entry["id"], p["eventId"], "{entry:#}");
    assert_eq!(p["key"], entry["key"]);
    assert_eq!(entry["tenantId"], "default");
    assert!(entry["createdAt"].as_i64().expect("createdAt") > 0);
}

async fn every_kind_of_change_is_audited(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let admin = common::ADMIN_ID;

    // Management operations.
    let role = manage(
        &server,
        reqwest::Method::POST,
        "/api/roles",
        j!({"name": "auditors", "description": "read the log"}),
    )
    .await;
    let role_id = role["id"].as_str().expect("role id").to_owned();
    let app = manage(
        &server,
        reqwest::Method::POST,
        "/api/applications",
        j!({"name": "web", "type": "Traditional", "oidcClientMetadata": {"redirectUris": [CB], "postLogoutRedirectUris": []}}),
    )
    .await;
    let (web, secret) = (
        app["id"].as_str().expect("app id").to_owned(),
        app["secret"].as_str().expect("secret").to_owned(),
    );
    let user = manage(
        &server,
        reqwest::Method::POST,
        "/api/users",
        j!({"username": "alice", "primaryEmail": "alice@example.com", "password": PASSWORD}),
    )
    .await;
    let alice = user["id"].as_str().expect("user id").to_owned();

    // A failed and a successful sign-in, the code exchange, a refresh, a revocation.
    let failed = submit_sign_in(&server, &web, "alice", "not the password").await;
    assert!(failed.status().as_u16() < 500);
    let r = submit_sign_in(&server, &web, "alice", PASSWORD).await;
    assert_eq!(r.status(), 303);
    let back = location(&r);
    let code: String = reqwest::Url::parse(&back)
        .expect("redirect")
        .query_pairs()
        .find(|(k, _)| k == "code")
        .expect("code")
        .1
        .into_owned();
    let tokens = token(
        &server,
        (&web, &secret),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CB),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    let refresh = tokens["refresh_token"].as_str().expect("refresh token");
    let rotated = token(
        &server,
        (&web, &secret),
        &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
    )
    .await;
    let r = browser()
        .post(server.url("/oidc/token/revocation"))
        .basic_auth(&web, Some(&secret))
        .form(&[("token", rotated["refresh_token"].as_str().expect("refresh"))])
        .send()
        .await
        .expect("revoke");
    assert_eq!(r.status(), 200);
    // A client-credentials token for the Management API.
    server
        .management_token(common::ADMIN_ID, common::ADMIN_SECRET)
        .await;

    // Everything about alice, newest first.
    let mine = logs(&server, &format!("userId={alice}&page_size=100")).await;
    let created = one(&mine, "UserCreated");
    assert_eq!(created["key"], "ManagementApi.User.Created");
    assert_eq!(created["payload"]["result"], "Success");
    assert_eq!(
        created["payload"]["actor"],
        j!({"type": "application", "id": admin})
    );
    assert_eq!(
        created["payload"]["subject"],
        j!({"type": "user", "id": alice})
    );
    assert_eq!(created["payload"]["applicationId"], admin);
    assert_request_metadata(created);
    // No personal data from the payload: the email is nowhere in the entry.
    assert!(!created.to_string().contains("alice@example.com"));

    let fail = one(&mine, "SignInFailed");
    assert_eq!(fail["key"], "Interaction.SignIn.Submit");
    assert_eq!(fail["payload"]["result"], "Error");
    assert_eq!(fail["payload"]["error"]["reason"], "wrongPassword");
    assert_eq!(fail["payload"]["applicationId"], web.as_str());
    assert_request_metadata(fail);

    let signed_in = one(&mine, "SignedIn");
    assert_eq!(signed_in["key"], "Interaction.SignIn.Submit");
    assert_eq!(signed_in["payload"]["result"], "Success");
    assert_eq!(
        signed_in["payload"]["actor"],
        j!({"type": "user", "id": alice})
    );
    assert_eq!(signed_in["payload"]["applicationId"], web.as_str());
    let session = signed_in["payload"]["sessionId"].as_str().expect("session");
    assert_eq!(signed_in["payload"]["subject"]["id"], session);
    assert_request_metadata(signed_in);

    for (event_type, key) in [
        (
            "AuthorizationCodeRedeemed",
            "ExchangeTokenBy.AuthorizationCode",
        ),
        ("RefreshTokenRotated", "ExchangeTokenBy.RefreshToken"),
        ("GrantRevoked", "RevokeToken"),
    ] {
        let e = one(&mine, event_type);
        assert_eq!(e["key"], key, "{e:#}");
        assert_eq!(e["payload"]["result"], "Success");
        // Later events of the grant inherit its user, application and session.
        assert_eq!(e["payload"]["userId"], alice.as_str(), "{e:#}");
        assert_eq!(e["payload"]["applicationId"], web.as_str(), "{e:#}");
        assert_eq!(e["payload"]["sessionId"], session, "{e:#}");
        assert_eq!(
            e["payload"]["actor"],
            j!({"type": "application", "id": web})
        );
        assert_eq!(e["payload"]["subject"]["type"], "grant");
        assert_request_metadata(e);
    }
    let revoked = one(&mine, "GrantRevoked");
    assert_eq!(revoked["payload"]["reason"], "clientRevoked");
    // Newest first.
    let times: Vec<i64> = mine
        .iter()
        .map(|e| e["createdAt"].as_i64().expect("ms"))
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "{times:?}");

    // GET /api/logs/:id returns the same entry.
    let id = signed_in["id"].as_str().expect("id");
    let (status, _, entry) = get(&server, &format!("/api/logs/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(&entry, signed_in);
    let (status, _, body) = get(&server, "/api/logs/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("entity.not_exists_with_id"))
    );
    assert_eq!(get(&server, "/api/logs/nope").await.0, 404);

    // The role creation and the client-credentials token, by key and application.
    let role_entries = logs(&server, "logKey=ManagementApi.Role.Created").await;
    assert_eq!(role_entries.len(), 1);
    assert_eq!(
        role_entries[0]["payload"]["subject"],
        j!({"type": "role", "id": role_id})
    );
    assert_request_metadata(&role_entries[0]);
    let cc = logs(
        &server,
        &format!("applicationId={admin}&logKey=ExchangeTokenBy.ClientCredentials"),
    )
    .await;
    // The harness's token at start and the one above.
    assert!(cc.len() >= 2, "{cc:#?}");
    assert!(cc.iter().all(|e| e["payload"]["applicationId"] == admin
        && e["payload"]["actor"]["id"] == admin
        && e["payload"]["params"]["scopes"].is_array()));
    // Filters combine: the web app's token exchanges only.
    let exchanges = logs(
        &server,
        &format!("applicationId={web}&eventType=RefreshTokenRotated"),
    )
    .await;
    assert_eq!(exchanges.len(), 1);
    assert!(logs(&server, "eventType=NoSuchEvent").await.is_empty());

    // Time range: exactly the sign-in's millisecond, inclusive on both ends.
    let at = signed_in["createdAt"].as_i64().expect("ms");
    let window = logs(
        &server,
        &format!("start_time={at}&end_time={at}&page_size=100"),
    )
    .await;
    assert!(window.iter().any(|e| e["id"] == signed_in["id"]));
    assert!(window.iter().all(|e| e["createdAt"] == at));
    let before = logs(&server, &format!("end_time={}&page_size=100", at - 1)).await;
    assert!(before
        .iter()
        .all(|e| e["createdAt"].as_i64().expect("ms") < at));
    assert!(!before.iter().any(|e| e["id"] == signed_in["id"]));

    // Logto's page headers.
    let (status, headers, page) = get(
        &server,
        &format!("/api/logs?userId={alice}&page=2&page_size=2"),
    )
    .await;
    assert_eq!(status, 200);
    let total: usize = headers["total-number"]
        .to_str()
        .expect("total")
        .parse()
        .expect("n");
    assert_eq!(total, mine.len());
    assert_eq!(page.as_array().expect("page").as_slice(), &mine[2..4]);
    let links: Vec<&str> = headers
        .get_all(LINK)
        .iter()
        .map(|v| v.to_str().expect("link"))
        .collect();
    assert!(
        links
            .iter()
            .any(|l| l.contains("page=1") && l.ends_with("rel=\"prev\"")),
        "{links:?}"
    );
    assert!(
        links
            .iter()
            .any(|l| l.contains("page=3") && l.ends_with("rel=\"next\"")),
        "{links:?}"
    );
    let (_, headers, _) = get(&server, "/api/logs?enableCap=true").await;
    assert!(headers.get("total-number-is-capped").is_none());

    // Deleting alice erases her personal data from every entry about her.
    manage(
        &server,
        reqwest::Method::DELETE,
        &format!("/api/users/{alice}"),
        Value::Null,
    )
    .await;
    let after = logs(&server, &format!("userId={alice}&page_size=100")).await;
    assert!(after.len() > mine.len(), "the deletion is audited too");
    for e in &after {
        assert!(e["payload"].get("ip").is_none(), "{e:#}");
        assert!(e["payload"].get("userAgent").is_none(), "{e:#}");
    }
    // Other subjects keep theirs.
    let role_entries = logs(&server, "logKey=ManagementApi.Role.Created").await;
    assert_request_metadata(&role_entries[0]);
}

async fn cursor_paging_walks_a_range_while_events_arrive(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let mut existing = HashSet::new();
    for i in 0..250 {
        let role = json(
            server
                .post_json(
                    "/api/roles",
                    &j!({"name": format!("role-{i}"), "description": "d"}),
                )
                .await,
        )
        .await;
        existing.insert(role["id"].as_str().expect("id").to_owned());
    }
    // More roles are created while the walk goes on.
    let writer = {
        let client = server.client.clone();
        let url = server.url("/api/roles");
        tokio::spawn(async move {
            for i in 0..60 {
                let r = client
                    .post(&url)
                    .json(&j!({"name": format!("late-{i}"), "description": "d"}))
                    .send()
                    .await
                    .expect("create");
                assert!(r.status().is_success());
            }
        })
    };
    let mut next = Some(server.url("/api/logs?eventType=RoleCreated&page_size=20&cursor="));
    let mut seen = Vec::new();
    let mut steps = 0;
    while let Some(url) = next.take() {
        let r = server.client.get(&url).send().await.expect("page");
        assert_eq!(r.status(), 200);
        assert!(r.headers().get("total-number").is_none());
        next = r.headers().get(LINK).map(|l| {
            let l = l.to_str().expect("link");
            assert!(l.ends_with("rel=\"next\""), "{l}");
            l[1..l.find('>').expect(">")].to_owned()
        });
        let page: Vec<Value> = json(r).await.as_array().expect("array").clone();
        assert!(page.len() <= 20);
        for e in &page {
            assert_eq!(e["payload"]["eventType"], "RoleCreated");
            seen.push(
                e["payload"]["subject"]["id"]
                    .as_str()
                    .expect("subject")
                    .to_owned(),
            );
        }
        steps += 1;
        assert!(steps < 100, "the walk does not end");
    }
    writer.await.expect("writer");
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "a row came twice");
    for id in &existing {
        assert!(unique.contains(id), "role {id} was skipped");
    }
    assert!(steps >= 13, "{steps} steps for {} rows", seen.len());
}

async fn bad_filters_name_the_parameter(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    for (query, field) in [
        ("start_time=yesterday", "start_time"),
        ("end_time=1.5e3x", "end_time"),
        ("start_time=10&end_time=5", "start_time"),
        ("enableCap=yes", "enableCap"),
        ("userId=", "userId"),
        ("cursor=%%%", "cursor"),
        ("cursor=bm90LWEtY3Vyc29y", "cursor"),
        ("cursor=&page=2", "page"),
        ("page_size=0", "page_size"),
        ("page=-1", "page"),
    ] {
        let (status, _, body) = get(&server, &format!("/api/logs?{query}")).await;
        assert_eq!(status, 400, "{query}: {body}");
        let details = body["details"].as_str().unwrap_or_default();
        assert!(details.starts_with(field), "{query}: {body}");
    }
    // Unauthenticated callers see nothing.
    assert_eq!(server.get_anonymous("/api/logs").await.status(), 401);
}
