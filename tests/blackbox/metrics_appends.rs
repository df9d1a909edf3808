//! `tessera_events_appended_total` is counted inside the store's append, so every path
//! that appends moves it by exactly the events it appended: here a hosted sign-in that
//! awaits consent and an end-session sign-out, two paths that once appended without
//! counting.

use crate::common;

use common::flow::*;
use common::{json, Backend, Deployment, Server};

both_backends!(every_append_is_counted_where_it_happens);

/// The log head now.
async fn head(server: &Server) -> u64 {
    json(server.get("/api/status/projections").await).await["head"]
        .as_u64()
        .expect("head")
}

/// `tessera_events_appended_total` now.
async fn appended(server: &Server) -> u64 {
    let text = server.get("/metrics").await.text().await.expect("metrics");
    text.lines()
        .find_map(|l| l.strip_prefix("tessera_events_appended_total "))
        .and_then(|v| v.trim().parse().ok())
        .expect("tessera_events_appended_total in /metrics")
}

async fn every_append_is_counted_where_it_happens(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let (spa, _) = app(&server, "SPA", false).await;
    user(&server, "dora").await;
    let (head_before, count_before) = (head(&server).await, appended(&server).await);

    // The sign-in form: `SignedIn` awaiting consent on the session (no grant yet).
    let mut jar = Jar::default();
    sign_in(
        &server,
        &mut jar,
        &auth_url(&server, &spa, &[]),
        "dora",
        PASSWORD,
    )
    .await;
    let (head_signed_in, count_signed_in) = (head(&server).await, appended(&server).await);
    assert!(head_signed_in > head_before, "the sign-in appended nothing");
    assert_eq!(
        count_signed_in - count_before,
        head_signed_in - head_before,
        "/metrics must count the sign-in's events"
    );

    // End session, confirmed on the page: `SignedOut`.
    let mut url = reqwest::Url::parse(&server.url("/oidc/session/end")).expect("url");
    url.query_pairs_mut().append_pair("client_id", &spa);
    let r = end_session_confirmed(&server, &mut jar, url.as_str()).await;
    assert!(
        r.status().is_success() || r.status().is_redirection(),
        "{}",
        r.status()
    );
    let (head_after, count_after) = (head(&server).await, appended(&server).await);
    assert!(head_after > head_signed_in, "the sign-out appended nothing");
    assert_eq!(
        count_after - count_signed_in,
        head_after - head_signed_in,
        "/metrics must count the sign-out's events"
    );
}
