//! The session and grant read models as the flow goes.

use crate::common::flow::*;
use crate::common::{json, Backend, Deployment, Server};

both_backends!(session_and_grant_read_models_follow_the_flow,);

/// Waits until every projector has applied the whole log.
async fn settle(server: &Server) {
    for _ in 0..200 {
        let report = json(server.get_anonymous("/api/status/projections").await).await;
        let behind = report["projectors"]
            .as_array()
            .expect("projectors")
            .iter()
            .any(|p| p["lag"] != 0);
        if !behind {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("projectors did not catch up");
}

async fn session_and_grant_read_models_follow_the_flow(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let (spa, _) = app(&server, "SPA", false).await;
    let erin = user(&server, "erin").await;
    let mut jar = Jar::default();
    let redeem = |back: String| {
        let spa = spa.clone();
        let server = &server;
        async move {
            let code = query(&back)["code"].clone();
            let (status, body) = token(
                server,
                &[
                    ("grant_type", "authorization_code"),
                    ("client_id", &spa),
                    ("code", &code),
                    ("redirect_uri", CB),
                    ("code_verifier", VERIFIER),
                ],
            )
            .await;
            assert_eq!(status, 200, "{body}");
            body
        }
    };
    let first = redeem(
        sign_in(
            &server,
            &mut jar,
            &auth_url(&server, &spa, &[]),
            "erin",
            PASSWORD,
        )
        .await,
    )
    .await;
    // The same browser session: a second grant without the form.
    redeem(sign_in(&server, &mut jar, &auth_url(&server, &spa, &[]), "x", "x").await).await;
    // An issued but never redeemed code does not count.
    sign_in(&server, &mut jar, &auth_url(&server, &spa, &[]), "x", "x").await;

    let store = store::Store::connect(&store::StoreConfig {
        data_dir: deployment.data_dir(),
        database_url: deployment.database_url.clone(),
        kek: Some(store::testing::TEST_KEK.into()),
    })
    .await
    .expect("open the store");
    let pool = store.read_pool.clone();
    let now = 0;
    settle(&server).await;
    assert_eq!(
        projections::grants::active_count(&pool, &erin, &spa)
            .await
            .expect("count"),
        2
    );
    let grants = projections::grants::active_for_user(&pool, &erin, now)
        .await
        .expect("grants");
    assert_eq!(grants.len(), 2);
    assert!(grants
        .iter()
        .all(|g| g.client_id == spa && g.scopes.contains(&"openid".to_owned())));
    let sessions = projections::sessions::active_for_user(&pool, &erin, now)
        .await
        .expect("sessions");
    assert_eq!(sessions.len(), 1);

    // Revoking one grant's refresh token ends that grant; signing out ends the session.
    let r = browser()
        .post(server.url("/oidc/token/revocation"))
        .form(&[
            ("client_id", spa.as_str()),
            ("token", first["refresh_token"].as_str().expect("refresh")),
        ])
        .send()
        .await
        .expect("revoke");
    assert_eq!(r.status(), 200);
    let r = end_session_confirmed(
        &server,
        &mut jar.clone(),
        &server.url(&format!("/oidc/session/end?client_id={spa}")),
    )
    .await;
    assert_eq!(r.status(), 200);
    settle(&server).await;
    assert_eq!(
        projections::grants::active_count(&pool, &erin, &spa)
            .await
            .expect("count"),
        1
    );
    assert_eq!(
        projections::grants::active_for_user(&pool, &erin, now)
            .await
            .expect("grants")
            .len(),
        1
    );
    assert!(projections::sessions::active_for_user(&pool, &erin, now)
        .await
        .expect("sessions")
        .is_empty());

    // Invariant 1: rebuilt from the log, both read models are identical.
    let projectors: [&dyn projections::Projector; 2] = [
        &projections::grants::GrantsProjector,
        &projections::sessions::SessionsProjector,
    ];
    let mut before = Vec::new();
    for p in projectors {
        before.push(projections::dump::dump(&pool, p).await.expect("dump"));
    }
    assert!(!before[0][0].rows.is_empty());
    server.terminate(std::time::Duration::from_secs(15));
    for name in ["grants", "sessions"] {
        let (ok, out, err) = deployment.run(&["replay", "--projection", name]);
        assert!(ok, "replay {name}: {out}{err}");
    }
    for (p, expected) in projectors.into_iter().zip(before) {
        assert_eq!(
            projections::dump::dump(&pool, p).await.expect("dump"),
            expected
        );
    }
    store.close().await;
}
