//! Two applications signing in at once in one browser (issue 14, item 4; Logto 1.34's
//! cross-app isolation): the second application's sign-in, opened in another tab, does not
//! take over the first tab's. Each tab's form finishes its own application's sign-in.

use super::code_pages::{auth, landed};
use super::{browser_available, callback, Driver};
use crate::common::{json, Backend, Deployment, Server};
use serde_json::json as j;

// The pages are the same on both backends (`cross_app.rs` covers both over HTTP): one run,
// on SQLite, rather than a Postgres run that would return at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_signs_two_applications_in_at_once_sqlite() {
    chromium_signs_two_applications_in_at_once(Backend::Sqlite).await
}

/// An SPA whose redirect URI is `callback`; its id.
async fn spa(server: &Server, name: &str, callback: &str) -> String {
    let app = json(
        server
            .post_json(
                "/api/applications",
                &j!({"name": name, "type": "SPA",
                     "oidcClientMetadata": {"redirectUris": [callback], "postLogoutRedirectUris": []}}),
            )
            .await,
    )
    .await;
    app["id"].as_str().expect("app id").to_owned()
}

async fn chromium_signs_two_applications_in_at_once(backend: Backend) {
    if !browser_available(false) {
        return;
    }
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let (cb, mut rx) = callback().await;
    let first = spa(&server, "Orchard", &cb).await;
    let second = spa(&server, "Lighthouse", &cb).await;
    let password = "Maple-Quarry-Violet-41";
    let user = j!({"username": "two_tabs", "password": password});
    assert_eq!(server.post_json("/api/users", &user).await.status(), 200);

    let driver = Driver::start().await;
    driver
        .visit(&format!("{}&state=orchard", auth(&server, &first, &cb)))
        .await;
    driver.see("to continue to Orchard").await;
    let first_tab = driver.call("GET", "/window", j!({})).await;
    let opened = driver
        .call("POST", "/window/new", j!({"type": "tab"}))
        .await;
    let second_tab = opened["handle"].clone();
    driver
        .call("POST", "/window", j!({"handle": second_tab}))
        .await;
    driver
        .visit(&format!("{}&state=lighthouse", auth(&server, &second, &cb)))
        .await;
    driver.see("to continue to Lighthouse").await;

    // Back in the first tab, its form signs in to the first application; the second
    // tab's sign-in is still its own and finishes for the second.
    for (tab, state) in [
        (first_tab, "state=orchard"),
        (second_tab, "state=lighthouse"),
    ] {
        driver.call("POST", "/window", j!({"handle": tab})).await;
        driver.type_into("#identifier", "two_tabs").await;
        driver.type_into("#password", password).await;
        driver.press("#submit").await;
        let target = landed(&mut rx).await;
        assert!(
            target.contains("code=") && target.contains(state),
            "{state}: {target}"
        );
    }
}
