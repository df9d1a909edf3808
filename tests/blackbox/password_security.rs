//! Sign-in hardening against the real binary (issue 12, items 2, 4, 5, 6): registration
//! closed on every path; the sentinel's lockout (the Nth failure locks, the lock expires,
//! `Identifier.Lockout` reaches a hook, two nodes share the counter); every failed attempt
//! an event under contention; bounded password hashing (200 concurrent sign-ins answer
//! 2xx/4xx/503 and the server's peak RSS stays under 256 MiB); the password policy's
//! rejections with Logto's codes on every self-service path; a password change ends the
//! user's other sessions.

use crate::common;
use crate::common::webhook_receiver;

use common::flow::{app, browser, user, Jar, PASSWORD};
use common::interaction::{experience, interaction, page, post_form, sign_in_form};
use common::{json, Backend, Deployment, Server};
use reqwest::header::COOKIE;
use reqwest::Method;
use serde_json::{json as j, Value};
use std::time::Duration;
use webhook_receiver::Receiver;

both_backends!(
    registration_closed_means_closed_on_every_path,
    the_nth_failure_locks_the_lock_expires_and_the_hook_fires,
    account_and_management_verifications_lock_per_user,
    concurrent_sign_ins_are_bounded,
    every_failure_is_an_event_under_contention,
    policy_rejections_carry_logtos_codes_on_every_path,
    a_password_change_ends_the_other_sessions,
);

async fn user_count(server: &Server) -> usize {
    let r = server.get("/api/users").await;
    assert_eq!(r.status(), 200);
    json(r).await.as_array().map_or(0, Vec::len)
}

const STRONG: &str = "Vintage-Harbor-Lamp-73";

async fn registration_closed_means_closed_on_every_path(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    // While registration is open, a browser prepares a registration up to the point where
    // the user would be created (event Register, a new-password identity)…
    let open = deployment.start().await;
    let (spa, _) = app(&open, "SPA", false).await;
    let mut prepared = interaction(&open, &spa).await;
    let (status, _, _) = experience(
        &open,
        &mut prepared,
        Method::PUT,
        "/api/experience",
        Some(j!({"interactionEvent": "Register"})),
    )
    .await;
    assert_eq!(status, 204);
    let (status, body, _) = experience(
        &open,
        &mut prepared,
        Method::POST,
        "/api/experience/verification/new-password-identity",
        Some(j!({"identifier": {"type": "username", "value": "mallory"}, "password": STRONG})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let verification = body["verificationId"].as_str().expect("id").to_owned();
    let mut form_jar = interaction(&open, &spa).await;
    let form_csrf = page(&open, &form_jar, "/register")
        .await
        .expect("open form");
    let baseline = user_count(&open).await;
    open.terminate(Duration::from_secs(10));

    // …then the deployment closes registration: every path refuses, none creates a user.
    let server = deployment
        .start_with(&[("TESSERA_REGISTRATION", "false")])
        .await;
    assert_eq!(page(&server, &form_jar, "/register").await, Err(404));
    let (status, _) = post_form(
        &server,
        &form_jar,
        "/register",
        &[
            ("username", "mallory2"),
            ("password", STRONG),
            ("csrf_token", &form_csrf),
        ],
    )
    .await;
    assert_eq!(status, 404);
    form_jar.0.clear();

    let forbidden = |(status, body, _): (u16, Value, Option<String>)| {
        assert_eq!(
            (status, body["code"].as_str()),
            (403, Some("auth.forbidden")),
            "{body}"
        );
    };
    // Straight to Register.
    let mut jar = interaction(&server, &spa).await;
    forbidden(
        experience(
            &server,
            &mut jar,
            Method::PUT,
            "/api/experience",
            Some(j!({"interactionEvent": "Register"})),
        )
        .await,
    );
    // Start with SignIn, then switch (the reported bypass).
    let (status, _, _) = experience(
        &server,
        &mut jar,
        Method::PUT,
        "/api/experience",
        Some(j!({"interactionEvent": "SignIn"})),
    )
    .await;
    assert_eq!(status, 204);
    forbidden(
        experience(
            &server,
            &mut jar,
            Method::PUT,
            "/api/experience/interaction-event",
            Some(j!({"interactionEvent": "Register"})),
        )
        .await,
    );
    forbidden(
        experience(
            &server,
            &mut jar,
            Method::POST,
            "/api/experience/verification/new-password-identity",
            Some(j!({"identifier": {"type": "username", "value": "mallory3"}, "password": STRONG})),
        )
        .await,
    );
    // The registration prepared while open cannot be completed now.
    forbidden(
        experience(
            &server,
            &mut prepared,
            Method::POST,
            "/api/experience/identification",
            Some(j!({"verificationId": verification})),
        )
        .await,
    );
    forbidden(
        experience(
            &server,
            &mut prepared,
            Method::POST,
            "/api/experience/identification",
            None,
        )
        .await,
    );
    assert_eq!(user_count(&server).await, baseline);
    for name in ["mallory", "mallory2", "mallory3"] {
        let found = json(server.get(&format!("/api/users?search={name}")).await).await;
        assert_eq!(found, j!([]), "{name} must not exist");
    }
}

async fn the_nth_failure_locks_the_lock_expires_and_the_hook_fires(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment
        .start_with(&[
            ("TESSERA_SENTINEL_MAX_ATTEMPTS", "3"),
            ("TESSERA_SENTINEL_LOCKOUT_SECS", "3"),
            ("TESSERA_WEBHOOK_ALLOW_PRIVATE", "true"),
        ])
        .await;
    let receiver = Receiver::start(&[], 204).await;
    let r = server
        .post_json(
            "/api/hooks",
            &j!({"name": "lockout", "events": ["Identifier.Lockout"], "config": {"url": receiver.url}}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let (spa, _) = app(&server, "SPA", false).await;
    let victim = user(&server, "victim").await;

    // Hosted form: two wrong passwords are refused as such, the third locks.
    let jar = interaction(&server, &spa).await;
    let csrf = page(&server, &jar, "/sign-in").await.expect("form");
    for _ in 0..2 {
        let (status, html) = sign_in_form(&server, &jar, &csrf, "victim", "wrong-guess").await;
        assert_eq!(status, 400);
        assert!(html.contains("incorrect"), "{html}");
    }
    let (status, html) = sign_in_form(&server, &jar, &csrf, "victim", "wrong-guess").await;
    assert_eq!(status, 400);
    assert!(html.contains("Too many attempts"), "{html}");
    // Locked: even the right password is refused, on the form and the Experience API
    // (same identifier, any case: one counter per normalised identifier).
    let (status, html) = sign_in_form(&server, &jar, &csrf, "VICTIM", PASSWORD).await;
    assert_eq!(status, 400);
    assert!(html.contains("Too many attempts"), "{html}");
    let mut jar = interaction(&server, &spa).await;
    experience(
        &server,
        &mut jar,
        Method::PUT,
        "/api/experience",
        Some(j!({"interactionEvent": "SignIn"})),
    )
    .await;
    let password =
        j!({"identifier": {"type": "username", "value": "victim"}, "password": PASSWORD});
    let (status, body, retry) = experience(
        &server,
        &mut jar,
        Method::POST,
        "/api/experience/verification/password",
        Some(password.clone()),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("session.verification_blocked_too_many_attempts")),
        "{body}"
    );
    let retry: u64 = retry.expect("Retry-After").parse().expect("seconds");
    assert!((1..=3).contains(&retry), "{retry}");

    // The webhook reports the identifier.
    let got = receiver
        .wait_for("Identifier.Lockout", 1, Duration::from_secs(30))
        .await;
    let payload = got[0].json();
    assert_eq!(payload["type"], "username");
    assert_eq!(payload["value"], "victim");
    assert_eq!(payload["userId"], victim.as_str());

    // The lock expires.
    tokio::time::sleep(Duration::from_millis(3200)).await;
    let (status, body, _) = experience(
        &server,
        &mut jar,
        Method::POST,
        "/api/experience/verification/password",
        Some(password),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    // Every failure is an event, the lock one more; one lockout, one webhook.
    assert_eq!(deployment.count_events("VerificationFailed").await, 3);
    assert_eq!(deployment.count_events("IdentifierLockedOut").await, 1);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.of("Identifier.Lockout").len(), 1);

    // An identifier that names nobody is counted (and locked) all the same.
    let jar2 = interaction(&server, &spa).await;
    let csrf2 = page(&server, &jar2, "/sign-in").await.expect("form");
    for _ in 0..2 {
        let (_, html) = sign_in_form(&server, &jar2, &csrf2, "nobody", "x-guess-1").await;
        assert!(html.contains("incorrect"), "{html}");
    }
    let (_, html) = sign_in_form(&server, &jar2, &csrf2, "nobody", "x-guess-1").await;
    assert!(html.contains("Too many attempts"), "{html}");
    let got = receiver
        .wait_for("Identifier.Lockout", 2, Duration::from_secs(30))
        .await;
    assert!(got.iter().any(|r| r.json()["value"] == "nobody"));
}

async fn account_and_management_verifications_lock_per_user(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment
        .start_with(&[("TESSERA_SENTINEL_MAX_ATTEMPTS", "2")])
        .await;
    let id = user(&server, "carol").await;
    let verify = |pw: &'static str| {
        let path = format!("/api/users/{id}/password/verify");
        let server = &server;
        async move { server.post_json(&path, &j!({ "password": pw })).await }
    };
    let r = verify("bad-one").await;
    assert_eq!(r.status(), 422);
    let r = verify("bad-two").await;
    assert_eq!(r.status(), 400);
    assert!(r.headers().contains_key("retry-after"));
    assert_eq!(
        json(r).await["code"],
        "session.verification_blocked_too_many_attempts"
    );
    let r = verify(PASSWORD).await;
    assert_eq!(r.status(), 400, "locked even for the right password");
}

/// The peak resident set (VmHWM) of process `pid`, in KiB.
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM")
}

/// 200 concurrent wrong passwords for one user in one interaction (so every failure
/// contends for the same session and sentinel streams); the answers' statuses.
async fn storm(server: &Server) -> Vec<u16> {
    let (spa, _) = app(server, "SPA", false).await;
    user(server, "target").await;
    let jar = interaction(server, &spa).await;
    let csrf = page(server, &jar, "/sign-in").await.expect("form");
    let client = browser();
    let cookie = jar.header();
    let attempts: Vec<_> = (0..200)
        .map(|n| {
            let (client, cookie, csrf) = (client.clone(), cookie.clone(), csrf.clone());
            let url = server.url("/sign-in");
            tokio::spawn(async move {
                let guess = format!("guess-{n}");
                let form = [
                    ("identifier", "target"),
                    ("password", guess.as_str()),
                    ("csrf_token", csrf.as_str()),
                ];
                let r = client
                    .post(url)
                    .header(COOKIE, cookie)
                    .form(&form)
                    .send()
                    .await
                    .expect("sign-in");
                let status = r.status().as_u16();
                if status == 503 {
                    assert!(r.headers().contains_key("retry-after"));
                }
                status
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for attempt in attempts {
        statuses.push(attempt.await.expect("attempt task"));
    }
    for s in &statuses {
        assert!((200..500).contains(s) || *s == 503, "answered {s}");
    }
    statuses
}

async fn concurrent_sign_ins_are_bounded(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    // The per-address rate limit (another guard) would answer part of the storm 429.
    let server = deployment
        .start_with(&[("TESSERA_RATE_LIMIT_PER_SECOND", "0")])
        .await;
    let statuses = storm(&server).await;
    let evaluated = statuses.iter().filter(|s| **s == 400).count() as i64;
    let busy = statuses.iter().filter(|s| **s == 503).count();
    let peak = peak_rss_kib(server.pid());
    eprintln!("200 sign-ins: {evaluated} evaluated, {busy} answered 503; peak RSS {peak} KiB");
    assert!(evaluated > 0 && busy > 0, "the default queue is short");
    assert!(peak < 256 * 1024, "peak RSS {peak} KiB");
    // Every evaluated failure is recorded, on the session and in the sentinel.
    assert_eq!(deployment.count_events("SignInFailed").await, evaluated);
    assert_eq!(
        deployment.count_events("VerificationFailed").await,
        evaluated
    );
}

async fn every_failure_is_an_event_under_contention(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    // A queue long enough for all 200: every attempt is evaluated, one lockout at 100.
    let server = deployment
        .start_with(&[
            ("TESSERA_PASSWORD_HASH_QUEUE", "256"),
            ("TESSERA_RATE_LIMIT_PER_SECOND", "0"),
        ])
        .await;
    let statuses = storm(&server).await;
    assert!(statuses.iter().all(|s| *s == 400), "{statuses:?}");
    let peak = peak_rss_kib(server.pid());
    assert!(peak < 256 * 1024, "peak RSS {peak} KiB");
    assert_eq!(deployment.count_events("SignInFailed").await, 200);
    assert_eq!(deployment.count_events("VerificationFailed").await, 200);
    assert_eq!(deployment.count_events("IdentifierLockedOut").await, 1);
}

async fn policy_rejections_carry_logtos_codes_on_every_path(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment
        .start_with(&[("TESSERA_PASSWORD_REJECT_WORDS", "tessera")])
        .await;
    let (spa, _) = app(&server, "SPA", false).await;
    let codes = |body: &Value| -> Vec<String> {
        assert_eq!(body["code"], "password.rejected", "{body}");
        body["data"]["issues"]
            .as_array()
            .expect("issues")
            .iter()
            .map(|i| i["code"].as_str().expect("code").to_owned())
            .collect()
    };

    // Experience API registration.
    let mut jar = interaction(&server, &spa).await;
    experience(
        &server,
        &mut jar,
        Method::PUT,
        "/api/experience",
        Some(j!({"interactionEvent": "Register"})),
    )
    .await;
    for (password, expected) in [
        ("short", vec!["password_rejected.too_short"]),
        ("password", vec!["password_rejected.pwned"]),
        (
            "zz-aaaa-Trk9",
            vec!["password_rejected.restricted.repetition"],
        ),
        (
            "zz-1234-Trk9",
            vec!["password_rejected.restricted.sequence"],
        ),
        (
            "my-Dora-Trk9",
            vec!["password_rejected.restricted.user_info"],
        ),
        (
            "my-Tessera-Trk9",
            vec!["password_rejected.restricted.words"],
        ),
    ] {
        let (status, body, _) = experience(
            &server,
            &mut jar,
            Method::POST,
            "/api/experience/verification/new-password-identity",
            Some(j!({"identifier": {"type": "username", "value": "dora"}, "password": password})),
        )
        .await;
        assert_eq!(status, 422, "{password}: {body}");
        assert_eq!(codes(&body), expected, "{password}");
    }
    let (status, body, _) = experience(
        &server,
        &mut jar,
        Method::POST,
        "/api/experience/verification/new-password-identity",
        Some(j!({"identifier": {"type": "username", "value": "dora"}, "password": "short"})),
    )
    .await;
    let min = body["data"]["issues"][0]["interpolation"]["min"].as_u64();
    assert_eq!((status, min), (422, Some(8)));

    // Hosted registration.
    let jar = interaction(&server, &spa).await;
    let csrf = page(&server, &jar, "/register").await.expect("form");
    let (status, html) = post_form(
        &server,
        &jar,
        "/register",
        &[
            ("username", "erin"),
            ("password", "sunshine"),
            ("csrf_token", &csrf),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("password_rejected.pwned"), "{html}");
    assert_eq!(
        json(server.get("/api/users?search=erin").await).await,
        j!([])
    );

    // Account API password change.
    let (client, token) = account_token(&server, "frida").await;
    let verification = verification_record(&server, &token).await;
    let r = client
        .post(server.url("/api/my-account/password"))
        .bearer_auth(&token)
        .header("logto-verification-id", &verification)
        .json(&j!({"password": "frida-Trk9-x"}))
        .send()
        .await
        .expect("password");
    assert_eq!(r.status(), 422);
    assert_eq!(
        codes(&json(r).await),
        vec!["password_rejected.restricted.user_info"]
    );
}

/// Turns the Account API on (every field editable) and signs `username` in; returns a
/// client and the user's access token for the Account API.
async fn account_token(server: &Server, username: &str) -> (reqwest::Client, String) {
    let r = server
        .patch_json(
            "/api/account-center",
            &j!({"enabled": true, "fields": {"password": "Edit", "session": "Edit", "name": "Edit", "username": "Edit", "email": "Edit"}}),
        )
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    let (spa, _) = app(server, "SPA", false).await;
    user(server, username).await;
    let mut url = reqwest::Url::parse(&server.url("/oidc/auth")).expect("url");
    url.query_pairs_mut()
        .append_pair("client_id", &spa)
        .append_pair("redirect_uri", common::flow::CB)
        .append_pair("response_type", "code")
        .append_pair(
            "scope",
            "openid offline_access profile urn:logto:scope:sessions",
        )
        .append_pair("prompt", "consent")
        .append_pair("code_challenge", common::flow::CHALLENGE)
        .append_pair("code_challenge_method", "S256");
    let back = common::flow::sign_in(
        server,
        &mut Jar::default(),
        url.as_str(),
        username,
        PASSWORD,
    )
    .await;
    let tokens = common::flow::redeem_spa(server, &spa, &back).await;
    (
        browser(),
        tokens["access_token"]
            .as_str()
            .expect("access token")
            .to_owned(),
    )
}

async fn verification_record(server: &Server, token: &str) -> String {
    let r = browser()
        .post(server.url("/api/verifications/password"))
        .bearer_auth(token)
        .json(&j!({"password": PASSWORD}))
        .send()
        .await
        .expect("verify");
    assert_eq!(r.status(), 201);
    json(r).await["verificationRecordId"]
        .as_str()
        .expect("record id")
        .to_owned()
}

async fn a_password_change_ends_the_other_sessions(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let (client, token) = account_token(&server, "gwen").await;
    // A second sign-in elsewhere: its session and grant must end with the change.
    let (spa, _) = app(&server, "SPA", false).await;
    let other = common::flow::tokens_for(&server, &spa, "gwen").await;
    let other_refresh = other["refresh_token"].as_str().expect("refresh").to_owned();
    let verification = verification_record(&server, &token).await;
    let r = client
        .post(server.url("/api/my-account/password"))
        .bearer_auth(&token)
        .header("logto-verification-id", &verification)
        .json(&j!({"password": STRONG}))
        .send()
        .await
        .expect("password");
    assert_eq!(r.status(), 204, "{}", r.text().await.unwrap_or_default());
    // The caller's token still works; the other grant's refresh token does not.
    let r = browser()
        .get(server.url("/api/my-account"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("me");
    assert_eq!(r.status(), 200);
    let (status, body) = common::flow::token(
        &server,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &spa),
            ("refresh_token", &other_refresh),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );

    // The Management API's change ends every session and grant, the caller's too.
    let id = json(server.get("/api/users?search=gwen").await).await[0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let r = server
        .patch_json(
            &format!("/api/users/{id}/password"),
            &j!({"password": "Another-Harbor-91"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let r = browser()
        .get(server.url("/api/my-account"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("me");
    assert_eq!(r.status(), 401);
}

/// Two nodes on one Postgres database count the same failures.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_share_the_lockout_counter() {
    let Some(deployment) = Deployment::new(Backend::Postgres).await else {
        return;
    };
    let env = [("TESSERA_SENTINEL_MAX_ATTEMPTS", "4")];
    let a = deployment.start_with(&env).await;
    let b = deployment.start_with(&env).await;
    let id = user(&a, "shared").await;
    let path = format!("/api/users/{id}/password/verify");
    for (n, node) in [&a, &b, &a].into_iter().enumerate() {
        let r = node
            .post_json(&path, &j!({"password": format!("bad-{n}")}))
            .await;
        assert_eq!(r.status(), 422, "attempt {n}");
    }
    let r = b.post_json(&path, &j!({"password": "bad-3"})).await;
    assert_eq!(
        r.status(),
        400,
        "the fourth failure, on the other node, locks"
    );
    let r = a.post_json(&path, &j!({"password": PASSWORD})).await;
    assert_eq!(r.status(), 400, "node A sees node B's lock");
}

/// A one-route HTTP server standing in for the range API: answers every request with
/// `body` and records the request lines it saw.
async fn range_api(body: &'static str) -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buf = vec![0u8; 4096];
            let n = socket.read(&mut buf).await.unwrap_or(0);
            let head = String::from_utf8_lossy(&buf[..n]).into_owned();
            if let Ok(mut seen) = log.lock() {
                seen.push(head.lines().next().unwrap_or_default().to_owned());
            }
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(response.as_bytes()).await;
        }
    });
    (url, seen)
}

/// With `TESSERA_PASSWORD_PWNED_API`, a password the offline check accepts is refused when
/// the range API lists it, and only the first five hex digits of its SHA-1 are sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_online_breached_check_sends_only_the_prefix() {
    let Some(deployment) = Deployment::new(Backend::Sqlite).await else {
        return;
    };
    // SHA-1("Harbor-Lamp-Vintage-73") = 7389C621211A54DFCFFE4684F836052A7F77BBCD (Python's
    // hashlib); a padding line with count 0 must not count.
    let (url, seen) = range_api(
        "0018A45C4D1DEF81644B54AB7F969B88D65:0\r\n621211A54DFCFFE4684F836052A7F77BBCD:12\r\n",
    )
    .await;
    let server = deployment
        .start_with(&[
            ("TESSERA_PASSWORD_PWNED_API", url.as_str()),
            ("TESSERA_WEBHOOK_ALLOW_PRIVATE", "true"),
        ])
        .await;
    let (spa, _) = app(&server, "SPA", false).await;
    let mut jar = interaction(&server, &spa).await;
    experience(
        &server,
        &mut jar,
        Method::PUT,
        "/api/experience",
        Some(j!({"interactionEvent": "Register"})),
    )
    .await;
    let attempt = |password: &'static str| j!({"identifier": {"type": "username", "value": "hank"}, "password": password});
    let (status, body, _) = experience(
        &server,
        &mut jar,
        Method::POST,
        "/api/experience/verification/new-password-identity",
        Some(attempt("Harbor-Lamp-Vintage-73")),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["data"]["issues"][0]["code"], "password_rejected.pwned");
    let (status, body, _) = experience(
        &server,
        &mut jar,
        Method::POST,
        "/api/experience/verification/new-password-identity",
        Some(attempt(STRONG)),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let seen = seen.lock().map(|s| s.clone()).unwrap_or_default();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(seen[0].starts_with("GET /range/7389C "), "{seen:?}");
    assert!(
        seen.iter().all(|line| !line.contains("21211A54")),
        "{seen:?}"
    );
}
