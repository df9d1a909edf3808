//! Second factors at sign-in (docs/mfa.md#policies) on both backends: the `mfa` setting
//! of `/api/sign-in-exp` and Logto's refusals; every policy value through the Experience
//! API (verify, bind, backup codes, skip, the skip choices of `…/logto-configs`); a
//! replayed TOTP code, a backup code used twice, the factor lockout; the hosted pages'
//! flow without a browser; the audit log naming each verification's factor. TOTP codes
//! come from `mfa::totp_at` (RustCrypto HMAC-SHA-1 in the test, not the server's code).

use crate::common;
use crate::mfa::{access_token, call, manage, totp_now, SCOPES};

use common::flow::*;
use common::interaction::experience as raw_experience;
use common::{Backend, Deployment, Server};
use reqwest::header::COOKIE;
use reqwest::Method;
use serde_json::{json as j, Value};

both_backends!(
    mfa_settings_and_policies_through_the_experience_api,
    mfa_on_the_hosted_pages
);

async fn exp(
    server: &Server,
    jar: &mut Jar,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let (status, body, _) = raw_experience(server, jar, method, path, body).await;
    (status, body)
}

fn code(body: &Value) -> Option<&str> {
    body["code"].as_str()
}

async fn set_mfa(server: &Server, mfa: Value) -> (u16, Value) {
    manage(
        server,
        Method::PATCH,
        "/api/sign-in-exp",
        Some(j!({ "mfa": mfa })),
    )
    .await
}

async fn policy(server: &Server, policy: &str, factors: &[&str]) {
    let (status, body) = set_mfa(server, j!({"factors": factors, "policy": policy})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["mfa"]["policy"], policy);
}

/// A fresh interaction of `spa`, `event` started and `username` identified by password
/// (registered first when `event` is `Register`).
async fn identified(server: &Server, spa: &str, event: &str, username: &str) -> Jar {
    let mut jar = common::interaction::interaction(server, spa).await;
    let (status, body) = exp(
        server,
        &mut jar,
        Method::PUT,
        "/api/experience",
        Some(j!({ "interactionEvent": event })),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let identifier = j!({"type": "username", "value": username});
    let path = if event == "Register" {
        "/api/experience/verification/new-password-identity"
    } else {
        "/api/experience/verification/password"
    };
    let (status, body) = exp(
        server,
        &mut jar,
        Method::POST,
        path,
        Some(j!({"identifier": identifier, "password": PASSWORD})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let id = body["verificationId"].clone();
    let (status, body) = exp(
        server,
        &mut jar,
        Method::POST,
        "/api/experience/identification",
        Some(j!({ "verificationId": id })),
    )
    .await;
    assert!(status == 204 || status == 201, "{status} {body}");
    jar
}

async fn submit(server: &Server, jar: &mut Jar) -> (u16, Value) {
    exp(server, jar, Method::POST, "/api/experience/submit", None).await
}

async fn post(server: &Server, jar: &mut Jar, path: &str, body: Option<Value>) -> (u16, Value) {
    exp(server, jar, Method::POST, path, body).await
}

/// Binds an authenticator app in `jar`'s interaction; its secret.
async fn bind_totp(server: &Server, jar: &mut Jar) -> String {
    let (status, body) = post(
        server,
        jar,
        "/api/experience/verification/totp/secret",
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["secretQrCode"]
        .as_str()
        .is_some_and(|q| q.starts_with("data:image/")));
    let secret = body["secret"].as_str().expect("secret").to_owned();
    let id = body["verificationId"].clone();
    // Not verified yet: refused.
    let (status, body) = post(
        server,
        jar,
        "/api/experience/profile/mfa",
        Some(j!({"type": "Totp", "verificationId": id})),
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (400, Some("session.verification_failed"))
    );
    let (status, body) = post(
        server,
        jar,
        "/api/experience/verification/totp/verify",
        Some(j!({"code": wrong_code(&secret), "verificationId": id})),
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (400, Some("session.mfa.invalid_totp_code"))
    );
    let (status, body) = post(
        server,
        jar,
        "/api/experience/verification/totp/verify",
        Some(j!({"code": totp_now(&secret), "verificationId": id})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = post(
        server,
        jar,
        "/api/experience/profile/mfa",
        Some(j!({"type": "Totp", "verificationId": id})),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    secret
}

/// Generates and binds backup codes in `jar`'s interaction; the codes.
async fn bind_backup_codes(server: &Server, jar: &mut Jar) -> Vec<String> {
    let (status, body) = post(
        server,
        jar,
        "/api/experience/verification/backup-code/generate",
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let codes: Vec<String> = body["codes"]
        .as_array()
        .expect("codes")
        .iter()
        .map(|c| c.as_str().expect("code").to_owned())
        .collect();
    assert_eq!(codes.len(), 10);
    let id = body["verificationId"].clone();
    let (status, body) = post(
        server,
        jar,
        "/api/experience/profile/mfa",
        Some(j!({"type": "BackupCode", "verificationId": id})),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    codes
}

/// The audit entries of `key` (Logto's `logKey` filter).
async fn audited(server: &Server, key: &str) -> Vec<Value> {
    let path = format!("/api/logs?page_size=100&logKey={key}");
    let (status, body) = manage(server, Method::GET, &path, None).await;
    assert_eq!(status, 200, "{body}");
    body.as_array().expect("logs").clone()
}

async fn logto_config(server: &Server, user_id: &str) -> Value {
    let (status, body) = manage(
        server,
        Method::GET,
        &format!("/api/users/{user_id}/logto-configs"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn mfa_settings_and_policies_through_the_experience_api(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let (spa, _) = app(&server, "SPA", false).await;
    let amy = user(&server, "amy").await;
    let bob = user(&server, "bob").await;
    let cy = user(&server, "cy").await;
    // An Account API token before any policy applies (its sign-in is a hosted one).
    let cy_token = access_token(&server, &spa, "cy", SCOPES).await;

    // The setting: Logto's default, then its rules.
    let (status, body) = manage(&server, Method::GET, "/api/sign-in-exp", None).await;
    assert_eq!(status, 200);
    assert_eq!(body["mfa"], j!({"factors": [], "policy": "NoPrompt"}));
    for (mfa, status, refusal) in [
        (
            j!({"factors": ["BackupCode"], "policy": "Mandatory"}),
            400,
            "sign_in_experiences.backup_code_cannot_be_enabled_alone",
        ),
        (
            j!({"factors": ["Totp", "Totp"], "policy": "Mandatory"}),
            400,
            "sign_in_experiences.duplicated_mfa_factors",
        ),
        (
            j!({"factors": ["Totp", "WebAuthn"], "policy": "Mandatory"}),
            400,
            "session.mfa.mfa_factor_not_enabled",
        ),
        (
            j!({"factors": ["Totp"], "policy": "PromptOnlyAtSignInMandatory"}),
            422,
            "sign_in_experiences.non_adaptive_mfa_requires_skippable_policy",
        ),
        (
            j!({"factors": ["Totp"], "policy": "Sometimes"}),
            400,
            "guard.invalid_input",
        ),
        (j!(null), 400, "guard.invalid_input"),
    ] {
        let (got, body) = set_mfa(&server, mfa.clone()).await;
        assert_eq!((got, code(&body)), (status, Some(refusal)), "{mfa}");
    }
    policy(&server, "Mandatory", &["Totp", "BackupCode"]).await;
    let r = server.get_anonymous("/api/.well-known/sign-in-exp").await;
    let public = common::json(r).await;
    assert_eq!(public["mfa"]["factors"], j!(["Totp", "BackupCode"]));

    // Mandatory: amy must bind an app, then backup codes; she cannot skip.
    let mut jar = identified(&server, &spa, "SignIn", "amy").await;
    let (status, body) = submit(&server, &mut jar).await;
    assert_eq!(
        (status, code(&body)),
        (422, Some("user.missing_mfa")),
        "{body}"
    );
    assert_eq!(body["data"], j!({"availableFactors": ["Totp"]}));
    let (status, body) = post(
        &server,
        &mut jar,
        "/api/experience/profile/mfa/mfa-skipped",
        None,
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (422, Some("session.mfa.mfa_policy_not_user_controlled"))
    );
    let secret = bind_totp(&server, &mut jar).await;
    let (status, body) = submit(&server, &mut jar).await;
    assert_eq!(
        (status, code(&body)),
        (422, Some("session.mfa.backup_code_required"))
    );
    let codes = bind_backup_codes(&server, &mut jar).await;
    let (status, body) = submit(&server, &mut jar).await;
    assert_eq!(status, 200, "{body}");

    // Signing in again: the app must be verified first; binding waits for it.
    let mut jar = identified(&server, &spa, "SignIn", "amy").await;
    let (status, body) = submit(&server, &mut jar).await;
    assert_eq!(
        (status, code(&body)),
        (403, Some("session.mfa.require_mfa_verification"))
    );
    assert_eq!(body["data"]["availableFactors"], j!(["Totp", "BackupCode"]));
    let (status, body) = post(
        &server,
        &mut jar,
        "/api/experience/verification/backup-code/generate",
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = post(
        &server,
        &mut jar,
        "/api/experience/profile/mfa",
        Some(j!({"type": "BackupCode", "verificationId": body["verificationId"]})),
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (403, Some("session.mfa.require_mfa_verification"))
    );
    // A code is accepted once: the binding spent its step, so wait for a fresh one if
    // needed; then the same code again is a replay.
    let mut now_code = totp_now(&secret);
    let (mut status, mut body) = post(
        &server,
        &mut jar,
        "/api/experience/verification/totp/verify",
        Some(j!({ "code": now_code })),
    )
    .await;
    if status == 400 {
        // Still the binding's step: the next one is fresh.
        tokio::time::sleep(std::time::Duration::from_secs(
            31 - crate::mfa::now_unix() % 30,
        ))
        .await;
        now_code = totp_now(&secret);
        (status, body) = post(
            &server,
            &mut jar,
            "/api/experience/verification/totp/verify",
            Some(j!({ "code": now_code })),
        )
        .await;
    }
    assert_eq!(status, 200, "{body}");
    let (status, body) = submit(&server, &mut jar).await;
    assert_eq!(status, 200, "{body}");
    let mut jar = identified(&server, &spa, "SignIn", "amy").await;
    let (status, body) = post(
        &server,
        &mut jar,
        "/api/experience/verification/totp/verify",
        Some(j!({ "code": now_code })),
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (400, Some("session.mfa.invalid_totp_code")),
        "a replayed code"
    );
    // A backup code instead, once.
    let (status, body) = post(
        &server,
        &mut jar,
        "/api/experience/verification/backup-code/verify",
        Some(j!({ "code": codes[0] })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = submit(&server, &mut jar).await;
    assert_eq!(status, 200, "{body}");
    let mut jar = identified(&server, &spa, "SignIn", "amy").await;
    let (status, body) = post(
        &server,
        &mut jar,
        "/api/experience/verification/backup-code/verify",
        Some(j!({ "code": codes[0] })),
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (400, Some("session.mfa.invalid_backup_code")),
        "a used backup code"
    );
    let (status, _) = submit(&server, &mut jar).await;
    assert_eq!(status, 403);

    // skipMfaOnSignIn: honoured under NoPrompt, ignored under Mandatory.
    let (status, body) = manage(
        &server,
        Method::PATCH,
        &format!("/api/users/{amy}/logto-configs"),
        Some(j!({"mfa": {"skipMfaOnSignIn": true}})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        j!({"mfa": {"skipped": false, "skipMfaOnSignIn": true}, "passkeySignIn": {"skipped": false}})
    );
    let mut jar = identified(&server, &spa, "SignIn", "amy").await;
    assert_eq!(
        submit(&server, &mut jar).await.0,
        403,
        "Mandatory ignores the opt-out"
    );
    policy(&server, "NoPrompt", &["Totp", "BackupCode"]).await;
    let mut jar = identified(&server, &spa, "SignIn", "amy").await;
    assert_eq!(submit(&server, &mut jar).await.0, 200);
    let (status, _) = manage(
        &server,
        Method::PATCH,
        &format!("/api/users/{amy}/logto-configs"),
        Some(j!({"mfa": {"skipMfaOnSignIn": false}})),
    )
    .await;
    assert_eq!(status, 200);
    // NoPrompt: a user with a factor verifies it; one without is not asked.
    let mut jar = identified(&server, &spa, "SignIn", "amy").await;
    assert_eq!(submit(&server, &mut jar).await.0, 403);
    let mut jar = identified(&server, &spa, "SignIn", "bob").await;
    assert_eq!(submit(&server, &mut jar).await.0, 200);

    // PromptAtSignInAndSignUp: asked with a skip, at sign-in and at registration; a skip
    // is kept on the user, who is not asked again.
    policy(&server, "PromptAtSignInAndSignUp", &["Totp"]).await;
    let mut jar = identified(&server, &spa, "SignIn", "bob").await;
    let (status, body) = submit(&server, &mut jar).await;
    assert_eq!((status, code(&body)), (422, Some("user.missing_mfa")));
    assert_eq!(
        body["data"],
        j!({"availableFactors": ["Totp"], "skippable": true})
    );
    let (status, body) = post(
        &server,
        &mut jar,
        "/api/experience/profile/mfa/mfa-suggestion-skipped",
        None,
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let (status, body) = post(
        &server,
        &mut jar,
        "/api/experience/profile/mfa/mfa-skipped",
        None,
    )
    .await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(submit(&server, &mut jar).await.0, 200);
    assert_eq!(logto_config(&server, &bob).await["mfa"]["skipped"], true);
    let mut jar = identified(&server, &spa, "SignIn", "bob").await;
    assert_eq!(submit(&server, &mut jar).await.0, 200, "asked once");
    let mut jar = identified(&server, &spa, "Register", "newbie").await;
    let (status, body) = submit(&server, &mut jar).await;
    assert_eq!((status, code(&body)), (422, Some("user.missing_mfa")));
    // Backup codes are not enabled: generating them is refused.
    let (status, body) = post(
        &server,
        &mut jar,
        "/api/experience/verification/backup-code/generate",
        None,
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (400, Some("session.mfa.mfa_factor_not_enabled"))
    );
    // UserControlled (Logto's deprecated default) prompts as well.
    policy(&server, "UserControlled", &["Totp"]).await;
    let mut jar = identified(&server, &spa, "Register", "newer").await;
    let (status, body) = submit(&server, &mut jar).await;
    assert_eq!(
        (status, body["data"]["skippable"].as_bool()),
        (422, Some(true))
    );

    // PromptOnlyAtSignIn: not at registration, then at the next sign-in.
    policy(&server, "PromptOnlyAtSignIn", &["Totp"]).await;
    let mut jar = identified(&server, &spa, "Register", "newest").await;
    assert_eq!(submit(&server, &mut jar).await.0, 200);
    let mut jar = identified(&server, &spa, "SignIn", "newest").await;
    let (status, body) = submit(&server, &mut jar).await;
    assert_eq!((status, code(&body)), (422, Some("user.missing_mfa")));
    // Adaptive MFA's policies are accepted only with no factor (then inert).
    policy(&server, "PromptAtSignInAndSignUpMandatory", &[]).await;
    let mut jar = identified(&server, &spa, "SignIn", "newest").await;
    assert_eq!(submit(&server, &mut jar).await.0, 200);

    // The Account API's logto-configs: gated, then the user's own choices.
    let path = "/api/my-account/logto-configs";
    let (status, body) = call(&server, Method::GET, path, &cy_token, None, None).await;
    assert_eq!(
        (status, code(&body)),
        (400, Some("account_center.not_enabled"))
    );
    let r = server
        .patch_json(
            "/api/account-center",
            &j!({"enabled": true, "fields": {"mfa": "ReadOnly"}}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let (status, body) = call(&server, Method::GET, path, &cy_token, None, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["mfa"]["skipped"], false);
    let patch = Some(j!({"mfa": {"skipped": true, "enabled": true}}));
    let (status, body) = call(&server, Method::PATCH, path, &cy_token, None, patch.clone()).await;
    assert_eq!(
        (status, code(&body)),
        (400, Some("account_center.field_not_editable"))
    );
    let r = server
        .patch_json(
            "/api/account-center",
            &j!({"enabled": true, "fields": {"mfa": "Edit"}}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let (status, body) = call(&server, Method::PATCH, path, &cy_token, None, patch).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["mfa"],
        j!({"enabled": true, "skipped": true, "skipMfaOnSignIn": false})
    );
    let bad = Some(j!({"mfa": {"skipped": "yes"}}));
    let (status, body) = call(&server, Method::PATCH, path, &cy_token, None, bad).await;
    assert_eq!((status, code(&body)), (400, Some("guard.invalid_input")));
    assert_eq!(logto_config(&server, &cy).await["mfa"]["enabled"], true);
    assert_eq!(deployment.count_events("UserLogtoConfigUpdated").await, 4);

    // The lockout: wrong codes count on the factor's own counter.
    let (status, _) = manage(
        &server,
        Method::PATCH,
        "/api/sign-in-exp",
        Some(j!({"sentinelPolicy": {"maxAttempts": 3, "lockoutDuration": 5}, "mfa": {"factors": ["Totp", "BackupCode"], "policy": "Mandatory"}})),
    )
    .await;
    assert_eq!(status, 200);
    let mut jar = identified(&server, &spa, "SignIn", "amy").await;
    let wrong = if totp_now(&secret) == "123456" {
        "654321"
    } else {
        "123456"
    };
    let mut last = (0, Value::Null);
    for _ in 0..4 {
        last = post(
            &server,
            &mut jar,
            "/api/experience/verification/totp/verify",
            Some(j!({ "code": wrong })),
        )
        .await;
    }
    assert_eq!(
        (last.0, code(&last.1)),
        (400, Some("session.verification_blocked_too_many_attempts")),
        "{}",
        last.1
    );
    let (status, body) = post(
        &server,
        &mut jar,
        "/api/experience/verification/totp/verify",
        Some(j!({ "code": totp_now(&secret) })),
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (400, Some("session.verification_blocked_too_many_attempts")),
        "locked even for the right code"
    );

    // The audit log: each verification with its factor, the failures too.
    let used = audited(&server, "User.MfaTotpUsed").await;
    assert!(!used.is_empty());
    assert!(
        used.iter()
            .all(|e| e["payload"]["params"]["type"] == "Totp"),
        "{used:?}"
    );
    let used = audited(&server, "User.MfaBackupCodeUsed").await;
    assert_eq!(used.len(), 1);
    assert_eq!(used[0]["payload"]["params"]["type"], "BackupCode");
    let failed = audited(&server, "User.MfaVerificationFailed").await;
    assert!(failed
        .iter()
        .any(|e| e["payload"]["params"]["type"] == "BackupCode"));
    assert!(failed
        .iter()
        .any(|e| e["payload"]["params"]["reason"] == "Replayed"));
    assert!(audited(&server, "User.MfaTotpBound")
        .await
        .iter()
        .any(|e| e["payload"]["userId"] == amy));
}

/// A hosted page with the jar's cookies; (status, Location or body).
async fn get_page(server: &Server, jar: &mut Jar, path: &str) -> (u16, String) {
    let r = browser()
        .get(server.url(path))
        .header(COOKIE, jar.header())
        .send()
        .await
        .expect("page");
    outcome(jar, r).await
}

async fn post_page(
    server: &Server,
    jar: &mut Jar,
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
    outcome(jar, r).await
}

/// The text of the element with `id` (a tag's inner text up to the next `<`).
fn text_of<'a>(html: &'a str, id: &str) -> &'a str {
    let marker = format!("id=\"{id}\">");
    let start = html.find(&marker).expect(id) + marker.len();
    let end = html[start..].find('<').expect("end") + start;
    &html[start..end]
}

async fn mfa_on_the_hosted_pages(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let (spa, _) = app(&server, "SPA", false).await;
    user(&server, "hana").await;
    user(&server, "ivo").await;
    let page = |p: &str| format!("{p}?app_id={spa}");

    // A prompt policy: the onboarding question, then declined.
    policy(&server, "PromptAtSignInAndSignUp", &["Totp", "BackupCode"]).await;
    let mut jar = Jar::default();
    let next = sign_in(
        &server,
        &mut jar,
        &auth_url(&server, &spa, &[]),
        "ivo",
        PASSWORD,
    )
    .await;
    assert_eq!(next, page("/sign-in/mfa"));
    let (status, html) = get_page(&server, &mut jar, &next).await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("id=\"set-up\"") && html.contains("id=\"skip\""),
        "{html}"
    );
    let csrf = csrf_of(&html);
    let (status, location) = post_page(
        &server,
        &mut jar,
        &page("/sign-in/mfa/skip"),
        &[("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(status, 303);
    assert!(location.starts_with(CB), "{location}");

    // Mandatory: bind the app (a wrong code first), then the backup codes, shown once.
    policy(&server, "Mandatory", &["Totp", "BackupCode"]).await;
    let mut jar = Jar::default();
    let next = sign_in(
        &server,
        &mut jar,
        &auth_url(&server, &spa, &[]),
        "hana",
        PASSWORD,
    )
    .await;
    assert_eq!(next, page("/sign-in/mfa"));
    let (status, html) = get_page(&server, &mut jar, &next).await;
    assert_eq!(status, 200, "{html}");
    assert!(!html.contains("id=\"skip\""), "no skip under Mandatory");
    assert!(html.contains("src=\"data:image/svg+xml;base64,"), "{html}");
    let secret = text_of(&html, "secret").to_owned();
    let csrf = csrf_of(&html);
    let (status, html) = post_page(
        &server,
        &mut jar,
        &page("/sign-in/mfa/bind"),
        &[("csrf_token", &csrf), ("code", "abc")],
    )
    .await;
    assert_eq!(status, 400, "{html}");
    assert_eq!(
        text_of(&html, "secret"),
        secret,
        "the same secret until bound"
    );
    let code_now = totp_now(&secret);
    let (status, html) = post_page(
        &server,
        &mut jar,
        &page("/sign-in/mfa/bind"),
        &[("csrf_token", &csrf), ("code", &code_now)],
    )
    .await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("id=\"download\"") && html.contains("data:text/plain"),
        "{html}"
    );
    let first_code = html
        .split("<li><code>")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .expect("a backup code")
        .to_owned();
    let (status, location) = post_page(
        &server,
        &mut jar,
        &page("/sign-in/mfa/continue"),
        &[("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(status, 303);
    assert!(location.starts_with(CB), "{location}");

    // Next time: the app's code, or a backup code instead; a used code is refused.
    let mut jar = Jar::default();
    let next = sign_in(
        &server,
        &mut jar,
        &auth_url(&server, &spa, &[]),
        "hana",
        PASSWORD,
    )
    .await;
    let (status, html) = get_page(&server, &mut jar, &next).await;
    assert_eq!(status, 200);
    assert!(html.contains("name=\"factor\" value=\"Totp\""), "{html}");
    assert!(html.contains("factor=BackupCode"), "{html}");
    let (status, html) = get_page(
        &server,
        &mut jar,
        &format!("/sign-in/mfa?factor=BackupCode&app_id={spa}"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        html.contains("name=\"factor\" value=\"BackupCode\""),
        "{html}"
    );
    let csrf = csrf_of(&html);
    let form = [
        ("csrf_token", csrf.as_str()),
        ("factor", "BackupCode"),
        ("code", first_code.as_str()),
    ];
    let (status, location) =
        post_page(&server, &mut jar, &page("/sign-in/mfa/verify"), &form).await;
    assert_eq!(status, 303);
    assert!(location.starts_with(CB), "{location}");
    let mut jar = Jar::default();
    let next = sign_in(
        &server,
        &mut jar,
        &auth_url(&server, &spa, &[]),
        "hana",
        PASSWORD,
    )
    .await;
    let (_, html) = get_page(&server, &mut jar, &next).await;
    let csrf = csrf_of(&html);
    let form = [
        ("csrf_token", csrf.as_str()),
        ("factor", "BackupCode"),
        ("code", first_code.as_str()),
    ];
    let (status, html) = post_page(&server, &mut jar, &page("/sign-in/mfa/verify"), &form).await;
    assert_eq!(status, 400, "a used backup code: {html}");
    // A skip is refused under Mandatory; a forged form is refused.
    let (status, _) = post_page(
        &server,
        &mut jar,
        &page("/sign-in/mfa/skip"),
        &[("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(status, 400);
    let (status, _) = post_page(
        &server,
        &mut jar,
        &page("/sign-in/mfa/verify"),
        &[("csrf_token", "forged"), ("code", "1")],
    )
    .await;
    assert_eq!(status, 403);
    // No MFA step pending: the page says the sign-in expired.
    let mut fresh = common::interaction::interaction(&server, &spa).await;
    let (status, _) = get_page(&server, &mut fresh, &page("/sign-in/mfa")).await;
    assert_eq!(status, 400);
}

/// A six-digit code that is not the current one for `secret` (its last digit moved on).
fn wrong_code(secret: &str) -> String {
    let mut code = totp_now(secret);
    let last = code.pop().and_then(|c| c.to_digit(10)).unwrap_or(0);
    code.push(char::from_digit((last + 1) % 10, 10).unwrap_or('0'));
    code
}
