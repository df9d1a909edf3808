//! The hosted pages' languages against the real binary (issue 14, items 1 and 4): the
//! page language follows `ui_locales` (kept with the interaction), then `Accept-Language`
//! when `languageInfo.autoDetect` is on, then `languageInfo.fallbackLanguage`; an unknown
//! tag falls back silently. Logto's custom phrases (`/api/custom-phrases`, Management
//! only) override the catalogue on the pages and in the public
//! `/api/.well-known/phrases`, and a DELETE restores it; malformed ones are 400 naming
//! the field.

use crate::common;

use common::flow::{app, auth_url, browser, Jar};
use common::{json, Backend, Deployment, Server};
use reqwest::header::{ACCEPT_LANGUAGE, CONTENT_LANGUAGE, COOKIE};
use serde_json::{json as j, Value};

both_backends!(
    the_page_language_follows_ui_locales_then_the_browser_then_the_fallback,
    custom_phrases_override_the_catalogue_until_deleted,
);

/// The sign-in page of a fresh interaction: (`Content-Language`, HTML).
async fn sign_in_page(
    server: &Server,
    client: &str,
    extra: &[(&str, &str)],
    accept: Option<&str>,
) -> (String, String) {
    let with_accept = |mut r: reqwest::RequestBuilder| {
        if let Some(accept) = accept {
            r = r.header(ACCEPT_LANGUAGE, accept);
        }
        r
    };
    let r = with_accept(browser().get(auth_url(server, client, extra)))
        .send()
        .await
        .expect("auth");
    assert_eq!(r.status(), 303, "{extra:?}");
    let mut jar = Jar::default();
    jar.take(&r);
    let r = with_accept(browser().get(server.url("/sign-in")))
        .header(COOKIE, jar.header())
        .send()
        .await
        .expect("page");
    assert_eq!(r.status(), 200);
    let lang = r.headers()[CONTENT_LANGUAGE]
        .to_str()
        .expect("header")
        .to_owned();
    (lang, r.text().await.expect("html"))
}

fn assert_speaks(page: &(String, String), lang: &str, password_label: &str) {
    let (header, html) = page;
    assert_eq!(header, lang, "{html}");
    assert!(html.contains(&format!("<html lang=\"{lang}\">")), "{html}");
    assert!(
        html.contains(&format!("<label for=\"password\">{password_label}</label>")),
        "{lang}: {html}"
    );
}

async fn the_page_language_follows_ui_locales_then_the_browser_then_the_fallback(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let (spa, _) = app(&server, "SPA", false).await;

    // Nothing asked: the fallback language (English by default).
    assert_speaks(
        &sign_in_page(&server, &spa, &[], None).await,
        "en",
        "Password",
    );
    // ui_locales: the first tag the pages speak, by its primary subtag too.
    let page = sign_in_page(&server, &spa, &[("ui_locales", "xx-YY fr-CA ja")], None).await;
    assert_speaks(&page, "fr", "Mot de passe");
    let page = sign_in_page(&server, &spa, &[("ui_locales", "zh")], None).await;
    assert_speaks(&page, "zh-CN", "密码");
    // The browser's languages when the client named none the pages speak…
    let page = sign_in_page(&server, &spa, &[("ui_locales", "xx")], Some("es, ja;q=0.8")).await;
    assert_speaks(&page, "ja", "パスワード");
    // …and never over the client's.
    let page = sign_in_page(&server, &spa, &[("ui_locales", "de")], Some("ja")).await;
    assert_speaks(&page, "de", "Passwort");
    // Error pages too.
    let r = browser()
        .get(server.url("/sign-in"))
        .header(ACCEPT_LANGUAGE, "th")
        .send()
        .await
        .expect("page");
    assert_eq!(r.status(), 400);
    let html = r.text().await.expect("html");
    assert!(html.contains("<html lang=\"th\">"), "{html}");
    assert!(html.contains("การลงชื่อเข้าใช้หมดอายุ"), "{html}");

    // Auto-detect off: the browser is not asked; the fallback language is spoken.
    let r = server
        .patch_json(
            "/api/sign-in-exp",
            &j!({"languageInfo": {"autoDetect": false, "fallbackLanguage": "th"}}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let page = sign_in_page(&server, &spa, &[], Some("ja")).await;
    assert_speaks(&page, "th", "รหัสผ่าน");
    let page = sign_in_page(&server, &spa, &[("ui_locales", "fr")], Some("ja")).await;
    assert_speaks(&page, "fr", "Mot de passe");
    // A fallback the pages do not speak: English, silently.
    let r = server
        .patch_json(
            "/api/sign-in-exp",
            &j!({"languageInfo": {"autoDetect": false, "fallbackLanguage": "es"}}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_speaks(
        &sign_in_page(&server, &spa, &[], None).await,
        "en",
        "Password",
    );
}

async fn put_anonymous(server: &Server, path: &str, body: &Value) -> u16 {
    reqwest::Client::new()
        .put(server.url(path))
        .json(body)
        .send()
        .await
        .expect("put")
        .status()
        .as_u16()
}

async fn phrases(server: &Server, query: &str) -> (String, Value) {
    let r = server
        .get_anonymous(&format!("/api/.well-known/phrases{query}"))
        .await;
    assert_eq!(r.status(), 200, "{query}");
    let lang = r.headers()[CONTENT_LANGUAGE]
        .to_str()
        .expect("header")
        .to_owned();
    (lang, json(r).await)
}

async fn custom_phrases_override_the_catalogue_until_deleted(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let (spa, _) = app(&server, "SPA", false).await;
    let fr = [("ui_locales", "fr")];

    // The catalogue, public: every key, placeholders shown.
    let (lang, en) = phrases(&server, "?lng=en").await;
    assert_eq!(lang, "en");
    assert_eq!(en["sign-in-title"], "Sign in");
    assert_eq!(en["code-enter"], "Enter the 6-digit code sent to {$target}");
    assert!(en["delivery-no-email-connector"].is_string(), "{en}");
    let (lang, fr_phrases) = phrases(&server, "?lng=fr-CA").await;
    assert_eq!(
        (lang.as_str(), &fr_phrases["sign-in-title"]),
        ("fr", &j!("Connexion"))
    );
    assert_eq!(
        fr_phrases.as_object().map(|o| o.len()),
        en.as_object().map(|o| o.len())
    );
    // An unknown tag: the fallback language.
    let (lang, unknown) = phrases(&server, "?lng=xx").await;
    assert_eq!(
        (lang.as_str(), &unknown["sign-in-title"]),
        ("en", &j!("Sign in"))
    );

    // Management only.
    assert_eq!(
        server.get_anonymous("/api/custom-phrases").await.status(),
        401
    );
    assert_eq!(
        server
            .get_anonymous("/api/custom-phrases/fr")
            .await
            .status(),
        401
    );
    let body = j!({"sign-in-title": "Bienvenue chez Acme"});
    assert_eq!(
        put_anonymous(&server, "/api/custom-phrases/fr", &body).await,
        401
    );
    assert_eq!(server.get("/api/custom-phrases").await.status(), 200);
    assert_eq!(json(server.get("/api/custom-phrases").await).await, j!([]));
    assert_eq!(server.get("/api/custom-phrases/fr").await.status(), 404);

    // Malformed: 400 naming the field; nothing recorded.
    for (bad, field) in [
        (j!(["x"]), "translation"),
        (j!({"no-such-key": "x"}), "translation.no-such-key"),
        (j!({"sign-in-title": 5}), "translation.sign-in-title"),
        (j!({"sign-in-title": " "}), "translation.sign-in-title"),
        (j!({}), "translation"),
    ] {
        let r = server.put_json("/api/custom-phrases/fr", &bad).await;
        assert_eq!(r.status(), 400, "{bad}");
        let body = json(r).await;
        let details = body["details"].as_str().unwrap_or_default();
        assert!(details.starts_with(field), "{bad}: {body}");
    }
    let r = server
        .put_json("/api/custom-phrases/not a tag", &j!({"sign-in-title": "x"}))
        .await;
    assert_eq!(r.status(), 400);
    assert_eq!(deployment.count_events("CustomPhraseSet").await, 0);

    // Set: the record, the list, the pages and the public phrases show it.
    let body = j!({
        "sign-in-title": "Bienvenue chez Acme",
        "sign-in-subtitle": "pour aller vers {{app}}",
    });
    let r = server.put_json("/api/custom-phrases/fr", &body).await;
    assert_eq!(r.status(), 200);
    let record = json(r).await;
    assert_eq!(record["languageTag"], "fr");
    assert_eq!(record["tenantId"], "default");
    assert_eq!(record["translation"], body);
    assert_eq!(
        json(server.get("/api/custom-phrases/fr").await).await,
        record
    );
    assert_eq!(
        json(server.get("/api/custom-phrases").await).await,
        j!([record])
    );
    let (_, html) = sign_in_page(&server, &spa, &fr, None).await;
    assert!(html.contains("<h1>Bienvenue chez Acme</h1>"), "{html}");
    assert!(html.contains("pour aller vers "), "{html}");
    assert!(!html.contains("{{app}}"), "{html}");
    assert!(
        html.contains("Mot de passe"),
        "the rest stays the catalogue's: {html}"
    );
    let (_, merged) = phrases(&server, "?lng=fr").await;
    assert_eq!(merged["sign-in-title"], "Bienvenue chez Acme");
    assert_eq!(merged["password-label"], "Mot de passe");
    // English is untouched.
    let (_, html) = sign_in_page(&server, &spa, &[], None).await;
    assert!(html.contains("<h1>Sign in</h1>"), "{html}");

    // A language the catalogue lacks: spoken with English for what it does not set.
    let r = server
        .put_json(
            "/api/custom-phrases/es",
            &j!({"sign-in-title": "Iniciar sesión"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let page = sign_in_page(&server, &spa, &[("ui_locales", "es-MX")], None).await;
    assert_speaks(&page, "es", "Password");
    assert!(page.1.contains("<h1>Iniciar sesión</h1>"), "{}", page.1);

    // Delete restores the catalogue; a second delete and a read are 404.
    let r = server.delete("/api/custom-phrases/fr").await;
    assert_eq!(r.status(), 204);
    let (_, html) = sign_in_page(&server, &spa, &fr, None).await;
    assert!(html.contains("<h1>Connexion</h1>"), "{html}");
    assert_eq!(server.delete("/api/custom-phrases/fr").await.status(), 404);
    assert_eq!(server.get("/api/custom-phrases/fr").await.status(), 404);
    assert_eq!(deployment.count_events("CustomPhraseSet").await, 2);
    assert_eq!(deployment.count_events("CustomPhraseDeleted").await, 1);
}
