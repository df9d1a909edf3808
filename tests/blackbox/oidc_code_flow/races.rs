//! Concurrent redemptions of one code or refresh token: exactly one winner.

use crate::common::flow::*;
use crate::common::{Backend, Deployment, Server};

both_backends!(parallel_redemptions_have_exactly_one_winner,);

async fn parallel_redemptions_have_exactly_one_winner(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let (spa, _) = app(&server, "SPA", false).await;
    user(&server, "dave").await;
    let mut jar = Jar::default();
    let back = sign_in(
        &server,
        &mut jar,
        &auth_url(&server, &spa, &[]),
        "dave",
        PASSWORD,
    )
    .await;
    let code = query(&back)["code"].clone();
    let form = vec![
        ("grant_type", "authorization_code".to_owned()),
        ("client_id", spa.clone()),
        ("code", code),
        ("redirect_uri", CB.to_owned()),
        ("code_verifier", VERIFIER.to_owned()),
    ];
    assert_eq!(race(&server, &form).await, 1, "one code, one winner");

    let tokens = tokens_for(&server, &spa, "dave").await;
    let refresh = tokens["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_owned();
    let form = vec![
        ("grant_type", "refresh_token".to_owned()),
        ("client_id", spa.clone()),
        ("refresh_token", refresh),
    ];
    assert_eq!(
        race(&server, &form).await,
        1,
        "one refresh token, one winner"
    );
}

/// Sends `form` 50 times at once; returns how many got 200 (the rest must be invalid_grant).
async fn race(server: &Server, form: &[(&str, String)]) -> usize {
    let b = browser();
    let url = server.url("/oidc/token");
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let (b, url, form) = (b.clone(), url.clone(), form.to_vec());
            let form: Vec<(String, String)> =
                form.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            tokio::spawn(async move {
                let r = b.post(url).form(&form).send().await.expect("token");
                (r.status().as_u16(), r.text().await.unwrap_or_default())
            })
        })
        .collect();
    let mut wins = 0;
    for t in tasks {
        let (status, body) = t.await.expect("task");
        match status {
            200 => wins += 1,
            400 => assert!(body.contains("invalid_grant"), "{body}"),
            other => panic!("{other}: {body}"),
        }
    }
    wins
}
