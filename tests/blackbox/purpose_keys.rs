//! Keys by purpose (issue 12, item 8) against the real server, both backends: every kind
//! of sealed value a client holds (the interaction cookie, the session cookie, a
//! verification record) is refused wherever another kind is expected, a verification
//! record works only for its own user, and data sealed by the first scheme (directly under
//! the KEK, as older versions stored it) still opens after an upgrade: a signing key, a
//! hook's signing key and headers, a user's data key.

use crate::common;
use crate::common::webhook_receiver;

use common::flow::*;
use common::{json, Backend, Deployment, Server};
use reqwest::header::COOKIE;
use serde_json::{json as j, Value};
use std::time::Duration;
use webhook_receiver::Receiver;

both_backends!(
    sealed_values_do_not_pass_for_one_another,
    values_sealed_by_the_first_scheme_still_open,
);

/// `/oidc/auth` for `client` without `prompt`, so a live session signs in silently.
fn silent_auth_url(server: &Server, client: &str) -> String {
    let mut url = reqwest::Url::parse(&server.url("/oidc/auth")).expect("url");
    url.query_pairs_mut()
        .append_pair("client_id", client)
        .append_pair("redirect_uri", CB)
        .append_pair("response_type", "code")
        .append_pair("scope", "openid profile")
        .append_pair("code_challenge", CHALLENGE)
        .append_pair("code_challenge_method", "S256");
    url.into()
}

/// Where `/oidc/auth` sends a browser presenting `cookies`.
async fn auth_with(server: &Server, client: &str, cookies: &str) -> String {
    let r = browser()
        .get(silent_auth_url(server, client))
        .header(COOKIE, cookies)
        .send()
        .await
        .expect("auth");
    assert_eq!(r.status(), 303);
    location(&r)
}

/// The status of `GET /sign-in` for a browser presenting `cookies`.
async fn sign_in_page(server: &Server, cookies: &str) -> u16 {
    browser()
        .get(server.url("/sign-in"))
        .header(COOKIE, cookies)
        .send()
        .await
        .expect("sign-in page")
        .status()
        .as_u16()
}

/// `PATCH /api/my-account {username}` with `verification`: (status, code).
async fn change_username(
    server: &Server,
    token: &str,
    verification: &str,
    username: &str,
) -> (u16, String) {
    let r = browser()
        .patch(server.url("/api/my-account"))
        .bearer_auth(token)
        .header("logto-verification-id", verification)
        .json(&j!({ "username": username }))
        .send()
        .await
        .expect("patch my-account");
    let status = r.status().as_u16();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    (status, body["code"].as_str().unwrap_or_default().to_owned())
}

async fn verification_record(server: &Server, token: &str) -> String {
    let r = browser()
        .post(server.url("/api/verifications/password"))
        .bearer_auth(token)
        .json(&j!({ "password": PASSWORD }))
        .send()
        .await
        .expect("verification");
    assert_eq!(r.status(), 201);
    json(r).await["verificationRecordId"]
        .as_str()
        .expect("record id")
        .to_owned()
}

async fn sealed_values_do_not_pass_for_one_another(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let (spa, _) = app(&server, "SPA", false).await;
    user(&server, "keys_ann").await;
    user(&server, "keys_bob").await;
    let r = server
        .patch_json(
            "/api/account-center",
            &j!({"enabled": true, "fields": {"username": "Edit"}}),
        )
        .await;
    assert_eq!(r.status(), 200);

    // One of each: an interaction cookie (a sign-in just begun), a session cookie (signed
    // in), a verification record (Account API).
    let mut started = Jar::default();
    let r = browser()
        .get(auth_url(&server, &spa, &[]))
        .send()
        .await
        .expect("auth");
    started.take(&r);
    let cookie_name = format!("_interaction_{spa}");
    let interaction = started.0[&cookie_name].clone();
    let mut signed_in = Jar::default();
    let back = sign_in(
        &server,
        &mut signed_in,
        &auth_url(&server, &spa, &[]),
        "keys_ann",
        PASSWORD,
    )
    .await;
    let session = signed_in.0["_session"].clone();
    let ann = redeem_spa(&server, &spa, &back).await["access_token"]
        .as_str()
        .expect("token")
        .to_owned();
    let bob = tokens_for(&server, &spa, "keys_bob").await["access_token"]
        .as_str()
        .expect("token")
        .to_owned();
    let record = verification_record(&server, &ann).await;
    assert!(
        record.starts_with("v2."),
        "sealed by the current scheme: {record}"
    );

    // Each in its own place works.
    assert_eq!(
        sign_in_page(&server, &format!("{cookie_name}={interaction}")).await,
        200
    );
    assert!(
        auth_with(&server, &spa, &format!("_session={session}"))
            .await
            .starts_with(CB),
        "a live session signs in silently"
    );

    // Anything else in the interaction cookie: no interaction.
    for other in [&session, &record] {
        assert_ne!(
            sign_in_page(&server, &format!("{cookie_name}={other}")).await,
            200,
            "{other} passed for an interaction cookie"
        );
    }
    // Anything else in the session cookie: not signed in.
    for other in [&interaction, &record] {
        assert_eq!(
            auth_with(&server, &spa, &format!("_session={other}")).await,
            format!("/sign-in?app_id={spa}"),
            "{other} passed for a session cookie"
        );
    }
    // Anything else as a verification record, or Ann's record with Bob's token: refused.
    for (token, presented) in [(&ann, &session), (&ann, &interaction), (&bob, &record)] {
        assert_eq!(
            change_username(&server, token, presented, "keys_new").await,
            (401, "verification_record.permission_denied".to_owned())
        );
    }
    assert_eq!(
        change_username(&server, &ann, &record, "keys_ann2").await.0,
        200
    );
}

/// An ES384 signing key, a hook and a user's data key sealed by the first scheme, put into
/// the log and `data_keys` the way an older version stored them; the upgraded server signs
/// with the key, delivers with the hook's key and headers, and reads the user.
async fn values_sealed_by_the_first_scheme_still_open(backend: Backend) {
    use domain::hook::{HookCreated, HookEvent};
    use domain::signing_keys::{
        SigningKeyActivated, SigningKeyEvent, SigningKeyGenerated, SigningKeyRetired,
    };
    use domain::{EventMetadata, Timestamp};
    use store::{AppendBatch, ExpectedVersion, Repository, SealPurpose, Store};

    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let uid = user(&server, "keys_old").await;
    let receiver = Receiver::start(&[], 200).await;
    drop(server);

    let store = Store::connect(&store::StoreConfig {
        data_dir: deployment.data_dir(),
        database_url: deployment.database_url.clone(),
        kek: Some(store::testing::TEST_KEK.into()),
    })
    .await
    .expect("open the store");
    let now = Timestamp::from_millis(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_millis() as i64,
    );
    let metadata = EventMetadata::system(now, "test:scheme-1");

    // The signing key: the primary (ES384) key's PKCS#8 again, sealed by the first scheme
    // under a new kid, made current and primary.
    let keys = store
        .log
        .read_stream(&store::StreamRef::new("signing-keys", "oidc"))
        .await
        .expect("key events");
    let first: SigningKeyGenerated = keys
        .iter()
        .filter(|e| e.event_type == "SigningKeyGenerated")
        .map(|e| serde_json::from_value::<SigningKeyGenerated>((*e.payload).clone()))
        .filter_map(Result::ok)
        .find(|k| k.alg == domain::signing_keys::SigningAlgorithm::ES384)
        .expect("the primary ES384 key");
    let pkcs8 = store
        .open_sealed(
            SealPurpose::SigningKey,
            &first.kid,
            &first.sealed_private_key,
        )
        .expect("open the current key");
    let old_kid = "scheme1key".to_owned();
    let mut jwk = first.public_jwk.clone();
    jwk.insert("kid".into(), j!(old_kid));
    let key_events = [
        SigningKeyEvent::SigningKeyGenerated(SigningKeyGenerated {
            kid: old_kid.clone(),
            alg: first.alg,
            public_jwk: jwk,
            sealed_private_key: store::testing::scheme_1_seal(&store, &pkcs8).expect("seal"),
            created_at: now,
        }),
        SigningKeyEvent::SigningKeyActivated(SigningKeyActivated {
            kid: old_kid.clone(),
            primary: true,
        }),
        SigningKeyEvent::SigningKeyRetired(SigningKeyRetired {
            kid: first.kid.clone(),
            retired_at: now,
            expires_at: Timestamp::from_millis(now.as_millis() + 3_600_000),
        }),
    ];
    let hook_key = "k".repeat(32);
    let headers = j!({"x-receiver-token": "scheme-1-secret"}).to_string();
    let hook = HookEvent::HookCreated(HookCreated {
        name: "old hook".into(),
        events: vec!["User.Data.Updated".into()],
        url: receiver.url.clone(),
        sealed_headers: Some(
            store::testing::scheme_1_seal(&store, headers.as_bytes()).expect("seal"),
        ),
        enabled: true,
        sealed_signing_key: store::testing::scheme_1_seal(&store, hook_key.as_bytes())
            .expect("seal"),
    });
    store
        .repository()
        .append(AppendBatch {
            streams: vec![
                Repository::stage::<domain::signing_keys::SigningKeys>(
                    "oidc",
                    ExpectedVersion::Exact(keys.len() as u64),
                    &key_events,
                    &metadata,
                ),
                Repository::stage::<domain::hook::Hook>(
                    "oldhook",
                    ExpectedVersion::NoStream,
                    &[hook],
                    &metadata,
                ),
            ],
        })
        .await
        .expect("append scheme-1 events");
    store::testing::downgrade_data_key(&store, &uid)
        .await
        .expect("downgrade the data key");
    store.close().await;

    let server = deployment
        .start_with(&[("TESSERA_WEBHOOK_ALLOW_PRIVATE", "true")])
        .await;
    // The Management token was signed with the scheme-1 key, and the server verified it.
    let header = jsonwebtoken::decode_header(&server.token).expect("JWT header");
    assert_eq!(header.kid.as_deref(), Some(old_kid.as_str()));
    // The data key still opens (and was re-wrapped at start).
    let got = json(server.get(&format!("/api/users/{uid}")).await).await;
    assert_eq!(got["primaryEmail"], "keys_old@example.com", "{got}");
    // The hook's secrets open for the API and for delivery.
    let shown = json(server.get("/api/hooks/oldhook").await).await;
    assert_eq!(shown["signingKey"], hook_key.as_str(), "{shown}");
    assert_eq!(
        shown["config"]["headers"]["x-receiver-token"],
        "scheme-1-secret"
    );
    let r = server
        .patch_json(&format!("/api/users/{uid}"), &j!({"name": "Old Timer"}))
        .await;
    assert_eq!(r.status(), 200);
    let delivered = receiver
        .wait_for("User.Data.Updated", 1, Duration::from_secs(10))
        .await;
    delivered[0].assert_signed_with(&hook_key);
    assert_eq!(delivered[0].header("x-receiver-token"), "scheme-1-secret");
    // Written again, the headers are sealed by the current scheme and still deliver.
    let r = server
        .patch_json(
            "/api/hooks/oldhook",
            &j!({"config": {"url": receiver.url, "headers": {"x-receiver-token": "rotated"}}}),
        )
        .await;
    assert_eq!(r.status(), 200);
}
