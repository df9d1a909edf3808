//! The concurrent grant limit (`customClientMetadata.maxAllowedGrants`), on both backends
//! over HTTP: with a limit of 2, a third sign-in revokes the oldest grant (its refresh
//! token fails), the two newest keep working, and the revocation event says why with
//! everything Logto's `Grant.LimitExceeded` webhook reports.

use crate::common;

use common::flow::*;
use common::{json, Backend, Deployment};
use serde_json::json as j;

both_backends!(a_third_sign_in_revokes_the_oldest_grant);

async fn a_third_sign_in_revokes_the_oldest_grant(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let (spa, _) = app(&server, "SPA", false).await;
    let r = server
        .patch_json(
            &format!("/api/applications/{spa}"),
            &j!({"customClientMetadata": {"maxAllowedGrants": 2}}),
        )
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    let uid = user(&server, "limited_frank").await;

    let mut tokens = Vec::new();
    for n in 1..=3 {
        tokens.push(tokens_for(&server, &spa, "limited_frank").await);
        // Each sign-in is a new browser; wait until the grant is visible (the list
        // settles the read model), so every redemption decides on all earlier ones.
        let body = json(server.get(&format!("/api/users/{uid}/grants")).await).await;
        assert_eq!(
            body["grants"].as_array().map(Vec::len),
            Some(n.min(2)),
            "after sign-in {n}: {body}"
        );
    }
    let refresh = |t: &serde_json::Value| t["refresh_token"].as_str().expect("rt").to_owned();
    let grant_id = |t: &serde_json::Value| {
        t["access_token"]
            .as_str()
            .and_then(|a| a.split('.').next())
            .expect("grant id")
            .to_owned()
    };
    let (status, body) = token(
        &server,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &spa),
            ("refresh_token", &refresh(&tokens[0])),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    for t in &tokens[1..] {
        let (status, body) = token(
            &server,
            &[
                ("grant_type", "refresh_token"),
                ("client_id", &spa),
                ("refresh_token", &refresh(t)),
            ],
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }
    let listed: Vec<String> = json(server.get(&format!("/api/users/{uid}/grants")).await).await
        ["grants"]
        .as_array()
        .expect("grants")
        .iter()
        .map(|g| g["id"].as_str().expect("id").to_owned())
        .collect();
    let mut newest = vec![grant_id(&tokens[2]), grant_id(&tokens[1])];
    newest.sort();
    let mut listed_sorted = listed.clone();
    listed_sorted.sort();
    assert_eq!(listed_sorted, newest);

    // The audit log shows why.
    let logs = json(
        server
            .get(&format!("/api/logs?userId={uid}&eventType=GrantRevoked"))
            .await,
    )
    .await;
    let entries = logs.as_array().expect("log entries");
    assert_eq!(entries.len(), 1, "{logs}");
    let payload = &entries[0]["payload"];
    assert_eq!(entries[0]["key"], "RevokeGrants");
    assert_eq!(payload["reason"], "grantLimitExceeded", "{payload}");
    assert_eq!(
        payload["params"]["limit"]["maxAllowedGrants"], 2,
        "{payload}"
    );
    assert_eq!(payload["applicationId"], spa.as_str());

    // The revocation is an event on the oldest grant's stream, naming the reason.
    let store = store::Store::connect(&store::StoreConfig {
        data_dir: deployment.data_dir(),
        database_url: deployment.database_url.clone(),
        kek: Some(store::testing::TEST_KEK.into()),
    })
    .await
    .expect("open the store");
    let oldest = grant_id(&tokens[0]);
    let events = store
        .log
        .read_stream(&store::StreamRef::new("grant", oldest.as_str()))
        .await
        .expect("grant stream");
    let revoked = events
        .iter()
        .find(|e| e.event_type == "GrantRevoked")
        .expect("GrantRevoked on the oldest grant");
    assert_eq!(revoked.payload["reason"], "grantLimitExceeded");
    assert_eq!(
        revoked.payload["limit"],
        j!({
            "userId": uid,
            "applicationId": spa,
            "maxAllowedGrants": 2,
            "preRevocationActiveGrantCount": 3,
            "revokedGrantIds": [oldest],
        })
    );
    assert_eq!(
        revoked.metadata.actor,
        domain::Actor::Application(spa.clone())
    );
}
