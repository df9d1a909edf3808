//! The hosted code pages over plain HTTP (no browser), on both backends (issue 14, items
//! 2 and 5): sign in with a code (the mail caught by a local SMTP server), a wrong code
//! shown again with what to do, an address nobody holds, a connector that fails, and
//! forgot password to the end (mismatch, same password, then the notice on `/sign-in`).
//! The browser runs of the same pages are in `browser/code_pages.rs`.

use crate::common;

use common::connectors::{self, add_sms_connector, add_smtp_connector, offer_codes, wrong_code};
use common::flow::{app, browser, csrf_of, location, Jar, CB};
use common::interaction::{interaction, sign_in_form};
use common::smtp::SmtpReceiver;
use common::webhook_receiver::Receiver;
use common::{json, Backend, Deployment, Server};
use reqwest::header::COOKIE;
use serde_json::json as j;
use std::time::Duration;

both_backends!(code_pages_sign_in_and_reset_a_password);

const OLD: &str = "Vintage-Harbor-Lamp-73";
const NEWER: &str = "Copper-Meadow-Kite-58";
const WAIT: Duration = Duration::from_secs(15);

/// A page with the browser's cookies: (status, Location or "", body).
async fn get(server: &Server, jar: &mut Jar, path: &str) -> (u16, String, String) {
    let r = browser()
        .get(server.url(path))
        .header(COOKIE, jar.header())
        .send()
        .await
        .expect("get");
    answer(jar, r).await
}

/// A form post with the browser's cookies (kept): (status, Location or "", body).
async fn post(
    server: &Server,
    jar: &mut Jar,
    path: &str,
    form: &[(&str, &str)],
) -> (u16, String, String) {
    let r = browser()
        .post(server.url(path))
        .header(COOKIE, jar.header())
        .form(form)
        .send()
        .await
        .expect("post");
    answer(jar, r).await
}

async fn answer(jar: &mut Jar, r: reqwest::Response) -> (u16, String, String) {
    jar.take(&r);
    let status = r.status().as_u16();
    let to = if r.headers().contains_key("location") {
        location(&r)
    } else {
        String::new()
    };
    (status, to, r.text().await.unwrap_or_default())
}

/// Asks for a code on a flow's first page (`route`); the CSRF token of the code page.
async fn send(server: &Server, jar: &mut Jar, route: &str, address: &str) -> String {
    let (status, _, html) = get(server, jar, route).await;
    assert_eq!(status, 200, "{html}");
    let csrf = csrf_of(&html);
    let (status, to, html) = post(
        server,
        jar,
        route,
        &[("identifier", address), ("csrf_token", &csrf)],
    )
    .await;
    // The next page, for the same application's interaction.
    assert_eq!(status, 303, "{html}");
    assert!(to.starts_with(&format!("{route}/verify?app_id=")), "{to}");
    // The address is in the page (the user typed it), never in the URL.
    assert!(!to.contains(address.trim_start_matches('+')));
    let (status, _, html) = get(server, jar, &format!("{route}/verify")).await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains(&format!("Enter the 6-digit code sent to {address}")),
        "{html}"
    );
    csrf
}

async fn code_pages_sign_in_and_reset_a_password(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let smtp = SmtpReceiver::start().await;
    // An SMS gateway that always fails: the page says so, with what to do.
    let broken_sms = Receiver::start(&[], 500).await;
    let server = deployment
        .start_with(&[connectors::ALLOW_PRIVATE, connectors::RESEND_AT_ONCE])
        .await;
    add_smtp_connector(&server, &smtp).await;
    add_sms_connector(&server, &broken_sms).await;
    offer_codes(&server).await;
    let (spa, _) = app(&server, "SPA", false).await;
    let email = "coder@example.com";
    let r = server
        .post_json(
            "/api/users",
            &j!({"primaryEmail": email, "password": OLD, "name": "Coder"}),
        )
        .await;
    assert_eq!(r.status(), 200);

    // The sign-in form offers both ways.
    let mut jar = interaction(&server, &spa).await;
    let (_, _, html) = get(&server, &mut jar, "/sign-in").await;
    for link in ["/sign-in/code", "/forgot-password"] {
        let href = format!("href=\"{link}?app_id={spa}\"");
        assert!(html.contains(&href), "{href}: {html}");
    }

    // Sign in with a code: a wrong one first, shown again with what to do.
    let csrf = send(&server, &mut jar, "/sign-in/code", email).await;
    let code = smtp.wait_for(email, WAIT).await.code(6).expect("a code");
    let verify = "/sign-in/code/verify";
    let bad = wrong_code(&code);
    let (status, _, html) = post(
        &server,
        &mut jar,
        verify,
        &[("code", &bad), ("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(status, 400, "{html}");
    assert!(html.contains("This code is not correct"), "{html}");
    assert!(html.contains("role=\"alert\""), "{html}");
    // Without the CSRF token, refused.
    let (status, _, _) = post(&server, &mut jar, verify, &[("code", &code)]).await;
    assert_eq!(status, 403);
    let (status, to, html) = post(
        &server,
        &mut jar,
        verify,
        &[("code", &code), ("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(status, 303, "{html}");
    assert!(to.starts_with(CB) && to.contains("code="), "{to}");

    // An address nobody holds: a code is sent, but nobody signs in.
    let mut jar = interaction(&server, &spa).await;
    let csrf = send(&server, &mut jar, "/sign-in/code", "nobody@example.com").await;
    let code = smtp
        .wait_for("nobody@example.com", WAIT)
        .await
        .code(6)
        .expect("a code");
    let (status, _, html) = post(
        &server,
        &mut jar,
        verify,
        &[("code", &code), ("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(status, 400, "{html}");
    assert!(html.contains("No account uses this email"), "{html}");

    // A gateway that fails: a page saying so, never a 500.
    let (status, to, html) = post(
        &server,
        &mut jar,
        "/sign-in/code",
        &[("identifier", "+15550002222"), ("csrf_token", &csrf)],
    )
    .await;
    assert_eq!((status, to.as_str()), (502, ""), "{html}");
    assert!(html.contains("The code could not be sent"), "{html}");
    // Not an address at all.
    let (status, _, html) = post(
        &server,
        &mut jar,
        "/sign-in/code",
        &[("identifier", "not an address"), ("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(status, 400, "{html}");
    assert!(html.contains("not a valid phone number"), "{html}");

    // Logto's `first_screen=reset_password` opens the forgot-password page once a
    // connector can carry the code.
    let r = browser()
        .get(common::flow::auth_url(
            &server,
            &spa,
            &[("first_screen", "reset_password")],
        ))
        .send()
        .await
        .expect("auth");
    assert_eq!(
        (r.status().as_u16(), location(&r)),
        (303, format!("/forgot-password?app_id={spa}"))
    );

    // Forgot password: the code, then the policy, a mismatch and the same password are
    // refused; the new one works and the old one no longer does.
    let mut jar = interaction(&server, &spa).await;
    let csrf = send(&server, &mut jar, "/forgot-password", email).await;
    let mail = smtp.wait_for(email, WAIT).await;
    assert!(
        mail.subject().contains("[ForgotPassword]"),
        "{}",
        mail.subject()
    );
    let code = mail.code(6).expect("a code");
    let (status, to, html) = post(
        &server,
        &mut jar,
        "/forgot-password/verify",
        &[("code", &code), ("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(
        (status, to.as_str()),
        (303, format!("/forgot-password/new?app_id={spa}").as_str()),
        "{html}"
    );
    let new = "/forgot-password/new";
    let (status, _, html) = get(&server, &mut jar, new).await;
    assert_eq!(status, 200, "{html}");
    for (password, confirm, status, text) in [
        (NEWER, OLD, 400, "The two passwords are not the same"),
        ("short", "short", 422, "at least"),
        (OLD, OLD, 422, "the same as the current one"),
    ] {
        let form = [
            ("password", password),
            ("confirm", confirm),
            ("csrf_token", &csrf),
        ];
        let (got, _, html) = post(&server, &mut jar, new, &form).await;
        assert_eq!(got, status, "{html}");
        assert!(html.contains(text), "{text}: {html}");
    }
    let form = [
        ("password", NEWER),
        ("confirm", NEWER),
        ("csrf_token", &csrf),
    ];
    let (status, to, _) = post(&server, &mut jar, new, &form).await;
    assert_eq!(
        (status, to),
        (303, format!("/sign-in?reset=done&app_id={spa}"))
    );
    let (_, _, html) = get(&server, &mut jar, "/sign-in?reset=done").await;
    assert!(html.contains("Your password has been changed"), "{html}");
    // The step cannot be replayed once done.
    let (status, to, _) = post(&server, &mut jar, new, &form).await;
    assert_eq!(
        (status, to),
        (303, format!("/forgot-password?app_id={spa}"))
    );
    let (status, _) = sign_in_form(&server, &jar, &csrf, email, OLD).await;
    assert_eq!(status, 400);
    let (status, _) = sign_in_form(&server, &jar, &csrf, email, NEWER).await;
    assert_eq!(status, 303);

    // Registration by a verified email with a password: a taken address and a weak
    // password refused before any code is sent, a wrong code shown again, then the account.
    let mut jar = interaction(&server, &spa).await;
    let (_, _, html) = get(&server, &mut jar, "/register").await;
    let href = format!("href=\"/register/code?app_id={spa}\"");
    assert!(html.contains(&href), "{html}");
    let route = "/register/code";
    let (status, _, html) = get(&server, &mut jar, route).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("type=\"password\""), "{html}");
    let csrf = csrf_of(&html);
    let reader = "new.reader@example.com";
    for (address, password, status, text) in [
        (email, NEWER, 400, "This email is already in use"),
        (reader, "short", 422, "at least"),
    ] {
        let form = [
            ("identifier", address),
            ("password", password),
            ("csrf_token", &csrf),
        ];
        let (got, _, html) = post(&server, &mut jar, route, &form).await;
        assert_eq!(got, status, "{html}");
        assert!(html.contains(text), "{text}: {html}");
    }
    let form = [
        ("identifier", reader),
        ("password", NEWER),
        ("csrf_token", &csrf),
    ];
    let (status, to, html) = post(&server, &mut jar, route, &form).await;
    assert_eq!(
        (status, to.as_str()),
        (303, format!("/register/code/verify?app_id={spa}").as_str()),
        "{html}"
    );
    let mail = smtp.wait_for(reader, WAIT).await;
    assert!(mail.subject().contains("[Register]"), "{}", mail.subject());
    let code = mail.code(6).expect("a code");
    let verify = "/register/code/verify";
    let bad = wrong_code(&code);
    let (status, _, html) = post(
        &server,
        &mut jar,
        verify,
        &[("code", &bad), ("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(status, 400, "{html}");
    assert!(html.contains("This code is not correct"), "{html}");
    let (status, to, html) = post(
        &server,
        &mut jar,
        verify,
        &[("code", &code), ("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(status, 303, "{html}");
    assert!(to.starts_with(CB) && to.contains("code="), "{to}");
    let users = json(server.get("/api/users?search=%25new.reader%25").await).await;
    assert_eq!(users[0]["primaryEmail"], reader, "{users}");
    // The password chosen with the address signs in.
    let mut jar = interaction(&server, &spa).await;
    let (_, _, html) = get(&server, &mut jar, "/sign-in").await;
    let (status, _) = sign_in_form(&server, &jar, &csrf_of(&html), reader, NEWER).await;
    assert_eq!(status, 303);
}
