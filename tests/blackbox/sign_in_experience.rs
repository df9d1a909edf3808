//! The sign-in experience settings against the real binary (issue 14, item 1): Logto's
//! shape on `GET /api/sign-in-exp` and the public `/api/.well-known/sign-in-exp`; a PATCH
//! that changes the password policy, the lockout, the sign-in mode or the sign-in
//! identifiers applies to the very next request on every path (and on another node);
//! malformed or unsupported settings are 400 naming the field; each change is one event.
//! Logto's authorization parameters for the first screen (item 4): `first_screen`,
//! `interaction_mode`, `login_hint`, `identifier`, `direct_sign_in`.

use crate::common;

use common::flow::{app, auth_url, browser, location, query, user, Jar, PASSWORD};
use common::interaction::{experience, interaction, page, sign_in_form};
use common::{json, Backend, Deployment};
use reqwest::Method;
use serde_json::{json as j, Value};

both_backends!(
    the_settings_read_as_logtos_and_the_public_copy_matches,
    a_stricter_password_policy_applies_to_the_next_registration,
    the_lockout_and_the_sign_in_mode_follow_the_settings,
    sign_in_identifiers_follow_the_settings,
    malformed_and_unsupported_settings_are_refused_naming_the_field,
    logtos_screen_parameters_open_the_right_page_or_say_what_is_missing,
    the_hosted_pages_wear_the_settings,
    an_application_wears_its_own_look,
);

const STRONG: &str = "Vintage-Harbor-Lamp-73";

async fn the_settings_read_as_logtos_and_the_public_copy_matches(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment
        .start_with(&[("TESSERA_SENTINEL_MAX_ATTEMPTS", "7")])
        .await;
    let r = server.get("/api/sign-in-exp").await;
    assert_eq!(r.status(), 200);
    let settings = json(r).await;
    assert_eq!(settings["id"], "default");
    assert_eq!(settings["signInMode"], "SignInAndRegister");
    assert_eq!(settings["color"]["primaryColor"], "#6139F6");
    assert_eq!(
        settings["languageInfo"],
        j!({"autoDetect": true, "fallbackLanguage": "en"})
    );
    assert_eq!(settings["signUp"]["identifiers"], j!(["username"]));
    assert_eq!(
        settings["passwordPolicy"]["length"],
        j!({"min": 8, "max": 256})
    );
    // The deployment's lockout is the default until an operator changes it.
    assert_eq!(settings["sentinelPolicy"]["maxAttempts"], 7);
    assert_eq!(settings["mfa"]["factors"], j!([]));

    // Management only without a token; the well-known copy is public and the same.
    let r = server.get_anonymous("/api/sign-in-exp").await;
    assert_eq!(r.status(), 401);
    let r = server.get_anonymous("/api/.well-known/sign-in-exp").await;
    assert_eq!(r.status(), 200);
    assert_eq!(json(r).await, settings);

    // A change replaces the settings it names and keeps the others; the same change again
    // records nothing.
    let change = j!({
        "color": {"primaryColor": "#0A7B5F", "isDarkModeEnabled": true, "darkPrimaryColor": "#3FD6A8"},
        "branding": {"logoUrl": "https://example.com/logo.svg"},
        "termsOfUseUrl": "https://example.com/terms",
    });
    let r = server.patch_json("/api/sign-in-exp", &change).await;
    assert_eq!(r.status(), 200);
    let after = json(r).await;
    assert_eq!(after["color"]["isDarkModeEnabled"], true);
    assert_eq!(after["branding"]["logoUrl"], "https://example.com/logo.svg");
    assert_eq!(after["termsOfUseUrl"], "https://example.com/terms");
    assert_eq!(after["signIn"], settings["signIn"]);
    let r = server.patch_json("/api/sign-in-exp", &change).await;
    assert_eq!(r.status(), 200);
    assert_eq!(deployment.count_events("SignInExperienceChanged").await, 1);
    // `null` clears a nullable setting.
    let r = server
        .patch_json("/api/sign-in-exp", &j!({"termsOfUseUrl": null}))
        .await;
    assert_eq!(json(r).await["termsOfUseUrl"], Value::Null);
    let r = server.get_anonymous("/api/.well-known/sign-in-exp").await;
    assert_eq!(json(r).await["color"]["primaryColor"], "#0A7B5F");
    assert_eq!(deployment.count_events("SignInExperienceChanged").await, 2);

    // The settings outlive a restart: they are in the log.
    drop(server);
    let server = deployment.start().await;
    let r = server.get("/api/sign-in-exp").await;
    assert_eq!(
        json(r).await["branding"]["logoUrl"],
        "https://example.com/logo.svg"
    );
}

/// Registers `username` through the Experience API; the answer to its new password.
async fn register(
    server: &common::Server,
    spa: &str,
    username: &str,
    password: &str,
) -> (u16, Value) {
    let mut jar = interaction(server, spa).await;
    let (status, body, _) = experience(
        server,
        &mut jar,
        Method::PUT,
        "/api/experience",
        Some(j!({"interactionEvent": "Register"})),
    )
    .await;
    if status >= 300 {
        return (status, body);
    }
    let (status, body, _) = experience(
        server,
        &mut jar,
        Method::POST,
        "/api/experience/verification/new-password-identity",
        Some(j!({"identifier": {"type": "username", "value": username}, "password": password})),
    )
    .await;
    (status, body)
}

async fn a_stricter_password_policy_applies_to_the_next_registration(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let (spa, _) = app(&server, "SPA", false).await;
    let (status, body) = register(&server, &spa, "early", STRONG).await;
    assert!(status < 300, "{status} {body}");

    let r = server
        .patch_json(
            "/api/sign-in-exp",
            &j!({"passwordPolicy": {"length": {"min": 30}, "rejects": {"words": ["harbor"]}}}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(json(r).await["passwordPolicy"]["length"], j!({"min": 30}));
    let (status, body) = register(&server, &spa, "late", STRONG).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["code"], "password.rejected");
    let codes: Vec<&str> = body["data"]["issues"]
        .as_array()
        .expect("issues")
        .iter()
        .filter_map(|i| i["code"].as_str())
        .collect();
    assert_eq!(
        codes,
        [
            "password_rejected.too_short",
            "password_rejected.restricted.words"
        ]
    );
    // The Account API and every other self-service path read the same policy: a new
    // node started now sees it too (Postgres: one database, two processes).
    if backend == Backend::Postgres {
        let other = deployment.start().await;
        let (status, body) = register(&other, &spa, "elsewhere", STRONG).await;
        assert_eq!(status, 422, "{body}");
    }
}

async fn the_lockout_and_the_sign_in_mode_follow_the_settings(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let (spa, _) = app(&server, "SPA", false).await;
    user(&server, "victim").await;
    let r = server
        .patch_json(
            "/api/sign-in-exp",
            &j!({"sentinelPolicy": {"maxAttempts": 2, "lockoutDuration": 5}}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let jar = interaction(&server, &spa).await;
    let csrf = page(&server, &jar, "/sign-in").await.expect("form");
    let (status, html) = sign_in_form(&server, &jar, &csrf, "victim", "wrong-1").await;
    assert_eq!(status, 400);
    assert!(html.contains("incorrect"), "{html}");
    let (status, html) = sign_in_form(&server, &jar, &csrf, "victim", "wrong-2").await;
    assert_eq!(status, 400);
    assert!(html.contains("Too many attempts"), "{html}");
    let (_, html) = sign_in_form(&server, &jar, &csrf, "victim", PASSWORD).await;
    assert!(
        html.contains("Too many attempts"),
        "locked even with the right password"
    );

    // `SignIn` only: no registration on any path, and the form stops offering it.
    let r = server
        .patch_json("/api/sign-in-exp", &j!({"signInMode": "SignIn"}))
        .await;
    assert_eq!(r.status(), 200);
    let (status, body) = register(&server, &spa, "newcomer", STRONG).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["code"], "auth.forbidden");
    let jar = interaction(&server, &spa).await;
    assert_eq!(page(&server, &jar, "/register").await, Err(404));
    // Open again: the same request now registers.
    server
        .patch_json("/api/sign-in-exp", &j!({"signInMode": "SignInAndRegister"}))
        .await;
    let (status, body) = register(&server, &spa, "newcomer", STRONG).await;
    assert!(status < 300, "{status} {body}");
}

async fn sign_in_identifiers_follow_the_settings(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let (spa, _) = app(&server, "SPA", false).await;
    let id = user(&server, "mailer").await;
    let r = server
        .patch_json(
            &format!("/api/users/{id}"),
            &j!({"primaryEmail": "mailer@example.com"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let email_only = j!({
        "signIn": {"methods": [{"identifier": "email", "password": true, "verificationCode": false, "isPasswordPrimary": true}]},
        "signInMode": "SignIn",
    });
    let r = server.patch_json("/api/sign-in-exp", &email_only).await;
    assert_eq!(r.status(), 200, "{}", json(r).await);

    let jar = interaction(&server, &spa).await;
    let csrf = page(&server, &jar, "/sign-in").await.expect("form");
    // The username no longer signs in (refused as wrong credentials: no hint)…
    let (status, html) = sign_in_form(&server, &jar, &csrf, "mailer", PASSWORD).await;
    assert_eq!(status, 400);
    assert!(html.contains("incorrect"), "{html}");
    // …the email does.
    let (status, _) = sign_in_form(&server, &jar, &csrf, "mailer@example.com", PASSWORD).await;
    assert_eq!(status, 303);
}

async fn malformed_and_unsupported_settings_are_refused_naming_the_field(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    for (body, code, details) in [
        (
            j!({"color": {"primaryColor": "blue", "isDarkModeEnabled": false, "darkPrimaryColor": "#000000"}}),
            "guard.invalid_input",
            "color.primaryColor:",
        ),
        (
            j!({"color": {"primaryColor": "#000"}}),
            "guard.invalid_input",
            "color:",
        ),
        (
            j!({"adaptiveMfa": {"enabled": true}}),
            "guard.invalid_input",
            "adaptiveMfa: not supported",
        ),
        // `mfa` is supported (docs/mfa.md#policies); a malformed one names the field.
        (
            j!({"mfa": {"factors": ["Totp"]}}),
            "guard.invalid_input",
            "mfa: missing field `policy`",
        ),
        (
            j!({"signInMode": "Sometimes"}),
            "guard.invalid_input",
            "signInMode:",
        ),
        (
            j!({"signIn": null}),
            "guard.invalid_input",
            "signIn: must not be null",
        ),
        (
            j!({"passwordPolicy": {"length": {"min": "eight"}}}),
            "guard.invalid_input",
            "passwordPolicy:",
        ),
        (
            j!({"passwordPolicy": {"length": {"min": 20, "max": 10}}}),
            "guard.invalid_input",
            "passwordPolicy.length.max:",
        ),
        (
            j!({"sentinelPolicy": {"maxAttempts": 0}}),
            "guard.invalid_input",
            "sentinelPolicy.maxAttempts:",
        ),
        (
            j!({"termsOfUseUrl": "javascript:alert(1)"}),
            "guard.invalid_input",
            "termsOfUseUrl:",
        ),
        (
            j!({"signIn": {"methods": [{"identifier": "email", "password": false, "verificationCode": true, "isPasswordPrimary": false}]}}),
            "sign_in_experiences.enabled_connector_not_found",
            "",
        ),
        (
            j!({"signUp": {"identifiers": ["phone"], "password": true, "verify": true}}),
            "sign_in_experiences.enabled_connector_not_found",
            "",
        ),
        (
            j!({"signIn": {"methods": [{"identifier": "email", "password": true, "verificationCode": false, "isPasswordPrimary": true}]}}),
            "sign_in_experiences.miss_sign_up_identifier_in_sign_in",
            "",
        ),
    ] {
        let r = server.patch_json("/api/sign-in-exp", &body).await;
        assert_eq!(r.status(), 400, "{body}");
        let answer = json(r).await;
        assert_eq!(answer["code"], code, "{body}: {answer}");
        let got = answer["details"].as_str().unwrap_or_default();
        assert!(got.starts_with(details), "{body}: {answer}");
    }
    let r = server.post_raw("/api/sign-in-exp", "{}").await;
    assert_eq!(r.status(), 405);
    // Nothing refused was recorded.
    assert_eq!(deployment.count_events("SignInExperienceChanged").await, 0);
}

async fn logtos_screen_parameters_open_the_right_page_or_say_what_is_missing(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let (spa, _) = app(&server, "SPA", false).await;
    let open = |extra: Vec<(&'static str, &'static str)>| {
        let url = auth_url(&server, &spa, &extra);
        async move { browser().get(url).send().await.expect("auth") }
    };
    for (extra, page) in [
        (vec![], "/sign-in"),
        (vec![("first_screen", "identifier:sign_in")], "/sign-in"),
        (vec![("first_screen", "register")], "/register"),
        (vec![("first_screen", "identifier:register")], "/register"),
        (vec![("interaction_mode", "signUp")], "/register"),
    ] {
        let r = open(extra.clone()).await;
        assert_eq!(r.status(), 303, "{extra:?}");
        assert_eq!(location(&r), format!("{page}?app_id={spa}"), "{extra:?}");
    }
    // A screen this server does not have is a page saying so, not a redirect.
    for (extra, says) in [
        (
            vec![("first_screen", "single_sign_on")],
            "Single sign-on is not available",
        ),
        (
            vec![("direct_sign_in", "sso:acme")],
            "Single sign-on is not available",
        ),
        (
            vec![("direct_sign_in", "social:google")],
            "cannot sign you in with google",
        ),
        (
            vec![("first_screen", "reset_password")],
            "Password reset is not available",
        ),
    ] {
        let r = open(extra.clone()).await;
        assert_eq!(r.status(), 400, "{extra:?}");
        let html = r.text().await.expect("page");
        assert!(html.contains(says), "{extra:?}: {html}");
    }
    // A value Logto does not define goes back to the client as `invalid_request`.
    for extra in [
        vec![("first_screen", "dashboard")],
        vec![("identifier", "passport")],
        vec![("direct_sign_in", "google")],
    ] {
        let r = open(extra.clone()).await;
        assert_eq!(r.status(), 303, "{extra:?}");
        let back = query(&location(&r));
        assert_eq!(back["error"], "invalid_request", "{extra:?}");
        assert_eq!(back["state"], "st8");
    }
    // `login_hint` is pre-filled on the sign-in form (escaped like any value).
    let r = open(vec![
        ("login_hint", "ada\"<b>@example.com"),
        ("identifier", "email"),
    ])
    .await;
    assert_eq!(r.status(), 303);
    let mut jar = Jar::default();
    jar.take(&r);
    let html = browser()
        .get(server.url("/sign-in"))
        .header(reqwest::header::COOKIE, jar.header())
        .send()
        .await
        .expect("form")
        .text()
        .await
        .expect("html");
    assert!(
        html.contains("value=\"ada&quot;&lt;b&gt;@example.com\""),
        "{html}"
    );
}

async fn the_hosted_pages_wear_the_settings(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let (spa, _) = app(&server, "SPA", false).await;
    let r = server
        .patch_json(
            "/api/sign-in-exp",
            &j!({
                "color": {"primaryColor": "#0A7B5F", "isDarkModeEnabled": true, "darkPrimaryColor": "#3FD6A8"},
                "branding": {
                    "logoUrl": "https://brand.example/logo.svg",
                    "darkLogoUrl": "https://brand.example/logo-dark.svg",
                    "favicon": "https://brand.example/favicon.ico",
                },
                "customCss": "h1{letter-spacing:.1em}</style><script>alert(1)</script>",
            }),
        )
        .await;
    assert_eq!(r.status(), 200);
    let jar = interaction(&server, &spa).await;
    for path in ["/sign-in", "/register"] {
        let r = browser()
            .get(server.url(path))
            .header(reqwest::header::COOKIE, jar.header())
            .send()
            .await
            .expect("page");
        assert_eq!(r.status(), 200, "{path}");
        let csp = r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(csp.contains("img-src https: http: data:"), "{csp}");
        assert!(!csp.contains("script-src"), "still no scripts: {csp}");
        let html = r.text().await.expect("html");
        for needle in [
            "--primary:#0A7B5F",
            "(prefers-color-scheme:dark){:root{--primary:#3FD6A8;",
            "src=\"https://brand.example/logo.svg\"",
            "srcset=\"https://brand.example/logo-dark.svg\"",
            "<link rel=\"icon\" href=\"https://brand.example/favicon.ico\">",
            "h1{letter-spacing:.1em}",
        ] {
            assert!(html.contains(needle), "{path}: {needle} in {html}");
        }
        // The custom CSS cannot end the style element.
        assert_eq!(html.matches("</style>").count(), 1, "{path}: {html}");
        assert!(!html.contains("<script>"), "{path}: {html}");
    }
}

async fn an_application_wears_its_own_look(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let (acme, _) = app(&server, "SPA", false).await;
    let (other, _) = app(&server, "SPA", false).await;
    let path = format!("/api/applications/{acme}/sign-in-experience");
    let r = server.get(&path).await;
    assert_eq!(r.status(), 404, "nothing of its own yet");
    let own = j!({
        "color": {"primaryColor": "#AA3300"},
        "branding": {"logoUrl": "https://acme.example/logo.svg"},
        "displayName": "Acme Portal",
        "termsOfUseUrl": "https://acme.example/terms",
        "privacyPolicyUrl": null,
    });
    let r = server.put_json(&path, &own).await;
    assert_eq!(r.status(), 201);
    let answer = json(r).await;
    assert_eq!(answer["applicationId"], acme.as_str());
    assert_eq!(answer["color"], j!({"primaryColor": "#AA3300"}));
    assert_eq!(json(server.get(&path).await).await, answer);
    assert_eq!(server.put_json(&path, &own).await.status(), 200, "replaced");
    assert_eq!(
        deployment
            .count_events("ApplicationSignInExperienceSet")
            .await,
        1,
        "the same look again records nothing"
    );

    // Its sign-in pages wear it; another application's keep the global look.
    let page_of = |client: String| {
        let server = &server;
        async move {
            let jar = interaction(server, &client).await;
            browser()
                .get(server.url("/sign-in"))
                .header(reqwest::header::COOKIE, jar.header())
                .send()
                .await
                .expect("page")
                .text()
                .await
                .expect("html")
        }
    };
    let html = page_of(acme.clone()).await;
    assert!(html.contains("--primary:#AA3300"), "{html}");
    assert!(html.contains("https://acme.example/logo.svg"), "{html}");
    assert!(html.contains("to continue to Acme Portal"), "{html}");
    let html = page_of(other).await;
    assert!(
        html.contains("--primary:#6139F6") && !html.contains("acme.example"),
        "{html}"
    );

    // Refusals: an unknown application, a bad colour, a missing link, an unknown field.
    let r = server
        .put_json("/api/applications/nosuchapp/sign-in-experience", &own)
        .await;
    assert_eq!(r.status(), 404);
    for (body, details) in [
        (
            j!({"color": {"primaryColor": "orange"}, "termsOfUseUrl": null, "privacyPolicyUrl": null}),
            "color.primaryColor:",
        ),
        (j!({"termsOfUseUrl": null}), "privacyPolicyUrl: required"),
        (
            j!({"slogan": "x", "termsOfUseUrl": null, "privacyPolicyUrl": null}),
            "slogan:",
        ),
    ] {
        let r = server.put_json(&path, &body).await;
        assert_eq!(r.status(), 400, "{body}");
        let answer = json(r).await;
        assert!(
            answer["details"]
                .as_str()
                .unwrap_or_default()
                .starts_with(details),
            "{body}: {answer}"
        );
    }
}
