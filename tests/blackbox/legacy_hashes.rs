//! Imported password digests, on SQLite and Postgres, over HTTP against the real binary:
//! for each of Logto's import formats a user is created with a digest computed outside
//! Tessera (Python's hashlib, bcrypt and argon2-cffi; the constants below), signs in
//! through the hosted OIDC sign-in form, and afterwards holds an Argon2id digest: the
//! `UserPasswordRehashed` event is in the user's stream, `includePasswordHash=true` shows
//! `$argon2id$`, and the imported digest is gone. A wrong password never signs in.

use crate::common;
use crate::common::users_flow;

use common::{json, Backend, Deployment, Server};
use reqwest::header::COOKIE;
use serde_json::{json as j, Value};
use users_flow::{auth_url, browser, sign_in, spa, Jar, CB};

both_backends!(
    every_imported_digest_signs_in_and_is_rehashed_to_argon2id,
    the_experience_api_rehashes_too_and_unusable_imports_are_refused,
);

/// The password every digest below was computed from.
const PASSWORD: &str = "Legacy-Pass-1";
/// (passwordAlgorithm, passwordDigest), computed with Python:
/// `bcrypt.hashpw(pw, gensalt(4))`, `argon2.PasswordHasher(type=…)`, `hashlib.<alg>(pw)`,
/// `hashlib.sha256(b"pepper" + pw + b"tail")`, `hashlib.pbkdf2_hmac("sha256", pw,
/// bytes.fromhex("80ff00414243"), 1000, 32)`.
const DIGESTS: &[(&str, &str)] = &[
    ("Argon2i", "$argon2i$v=19$m=1024,t=2,p=1$dgHXW1NHtvh8J1OZTuOJ+g$L4K5gvTDRupGBY6bELU5EEN7V8xJznS91BpczTfZdRs"),
    ("Argon2id", "$argon2id$v=19$m=1024,t=2,p=1$OnpTVsI8nFcTTiNBJQWiEA$ylS/jWHVTVIv/FDfOIfaCbF8fEdEIC1Jfmfc/v6Uk5c"),
    ("Argon2d", "$argon2d$v=19$m=1024,t=2,p=1$p4vzCNsCQQ7IJLni2xjltg$tnKGERJJH+uqb2S73kY25Y3mzr29hhHcHyTiTTRrX9c"),
    ("Bcrypt", "$2b$04$yFAUM4nPi6cFut5xbq1XQ.XeoD30W8MWDrcavSxV24lZ8dvIo6Zfa"),
    ("MD5", "ff26274020980b9319bc596f81ff110a"),
    ("SHA1", "db264b93afe7b277b1c710095d9d230bdab2ef38"),
    ("SHA256", "d0420c810f8088c997fcc159852f1f2ca07e544047182407fc3f639b3eacc850"),
    ("Legacy", r#"["sha256", ["pepper", "@", "tail"], "abadb1af8e11f7371bef0ffb1c782c1e6de0e7b67e8cd68775b660cbed464760"]"#),
    ("Legacy", r#"["pbkdf2", ["hex:80ff00414243", "1000", "32", "sha256", "@"], "d7452f8caf374da5c9c780a3f54c0a53831ab6961a40c401278a955b3ae4e90e"]"#),
];

async fn create(server: &Server, username: &str, algorithm: &str, digest: &str) -> String {
    let r = server
        .post_json(
            "/api/users",
            &j!({"username": username, "passwordAlgorithm": algorithm, "passwordDigest": digest}),
        )
        .await;
    assert_eq!(r.status(), 200, "{algorithm}");
    let body = json(r).await;
    assert_eq!(body["hasPassword"], true);
    body["id"].as_str().expect("id").to_owned()
}

async fn stored_hash(server: &Server, id: &str) -> Value {
    json(
        server
            .get(&format!("/api/users/{id}?includePasswordHash=true"))
            .await,
    )
    .await
}

/// Event types of the user's stream, and every payload as text.
async fn user_stream(deployment: &Deployment, id: &str) -> Vec<(String, String)> {
    let store = store::Store::connect(&store::StoreConfig {
        data_dir: deployment.data_dir(),
        database_url: deployment.database_url.clone(),
        kek: Some(store::testing::TEST_KEK.into()),
    })
    .await
    .expect("open the store");
    let events = store
        .log
        .read_stream(&store::StreamRef {
            stream_type: "user".into(),
            stream_id: id.into(),
        })
        .await
        .expect("read the user's stream");
    // Release the connections (listener, writer, pools): the test opens a store per check,
    // and unclosed ones add up to Postgres' max_connections across parallel tests.
    store.close().await;
    events
        .into_iter()
        .map(|e| (e.event_type.clone(), e.payload.to_string()))
        .collect()
}

/// The user was migrated: a rehash event naming the old algorithm and carrying an Argon2id
/// digest, the API's digest is Argon2id, and the imported digest appears nowhere after it.
async fn assert_rehashed(
    server: &Server,
    deployment: &Deployment,
    id: &str,
    algorithm: &str,
    old: &str,
) {
    let shown = stored_hash(server, id).await;
    assert_eq!(shown["passwordAlgorithm"], "Argon2id", "{algorithm}");
    let digest = shown["passwordDigest"].as_str().expect("digest");
    assert!(
        digest.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{algorithm}: {digest}"
    );
    assert_ne!(digest, old);
    let stream = user_stream(deployment, id).await;
    let (_, payload) = stream
        .iter()
        .find(|(t, _)| t == "UserPasswordRehashed")
        .unwrap_or_else(|| panic!("{algorithm}: no rehash event in {stream:?}"));
    let payload: Value = serde_json::from_str(payload).expect("payload");
    assert_eq!(payload["fromAlgorithm"], algorithm);
    assert_eq!(payload["password"]["algorithm"], "Argon2id");
    assert!(
        !payload.to_string().contains(old),
        "{algorithm}: old digest in the event"
    );
}

async fn every_imported_digest_signs_in_and_is_rehashed_to_argon2id(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let client = spa(&server).await;
    for (n, (algorithm, digest)) in DIGESTS.iter().enumerate() {
        let username = format!("imported{n}");
        let id = create(&server, &username, algorithm, digest).await;
        let shown = stored_hash(&server, &id).await;
        assert_eq!(shown["passwordAlgorithm"], *algorithm);

        // A wrong password is refused and changes nothing.
        let (status, _) = sign_in(&server, &client, &username, "Legacy-Pass-2").await;
        assert_eq!(status, 400, "{algorithm}: wrong password");
        assert_eq!(
            stored_hash(&server, &id).await["passwordAlgorithm"],
            *algorithm
        );

        let (status, back) = sign_in(&server, &client, &username, PASSWORD).await;
        assert_eq!(status, 303, "{algorithm}: sign-in");
        assert!(
            back.starts_with(CB) && back.contains("code="),
            "{algorithm}: {back}"
        );
        assert_rehashed(&server, &deployment, &id, algorithm, digest).await;

        // The new digest keeps working, and nothing is rehashed twice.
        let (status, _) = sign_in(&server, &client, &username, PASSWORD).await;
        assert_eq!(status, 303, "{algorithm}: second sign-in");
        let (status, _) = sign_in(&server, &client, &username, "Legacy-Pass-2").await;
        assert_eq!(status, 400, "{algorithm}: wrong password after the rehash");
        let rehashes = user_stream(&deployment, &id)
            .await
            .iter()
            .filter(|(t, _)| t == "UserPasswordRehashed")
            .count();
        assert_eq!(rehashes, 1, "{algorithm}");
    }
}

async fn the_experience_api_rehashes_too_and_unusable_imports_are_refused(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let client = spa(&server).await;
    let (_, md5) = DIGESTS[4];
    let id = create(&server, "viaexperience", "MD5", md5).await;

    // Experience API: the interaction cookie from /oidc/auth, then the password
    // verification, which checks (and migrates) the password.
    let b = browser();
    let mut jar = Jar::default();
    let r = b
        .get(auth_url(&server, &client))
        .send()
        .await
        .expect("auth");
    jar.take(&r);
    let r = b
        .put(server.url("/api/experience"))
        .header(COOKIE, jar.header())
        .json(&j!({"interactionEvent": "SignIn"}))
        .send()
        .await
        .expect("start");
    assert_eq!(r.status(), 204, "{}", r.text().await.unwrap_or_default());
    jar.take(&r);
    let verify = |password: &'static str| {
        b.post(server.url("/api/experience/verification/password"))
            .header(COOKIE, jar.header())
            .json(&j!({"identifier": {"type": "username", "value": "viaexperience"}, "password": password}))
            .send()
    };
    let r = verify("Legacy-Pass-2").await.expect("verify");
    assert_eq!(r.status(), 422);
    let r = verify(PASSWORD).await.expect("verify");
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    assert_rehashed(&server, &deployment, &id, "MD5", md5).await;

    // The Management API's verify route migrates as well.
    let id = create(&server, "viamanagement", "SHA1", DIGESTS[5].1).await;
    let r = server
        .post_json(
            &format!("/api/users/{id}/password/verify"),
            &j!({"password": "nope"}),
        )
        .await;
    assert_eq!(r.status(), 422);
    assert_eq!(json(r).await["code"], "session.invalid_credentials");
    let r = server
        .post_json(
            &format!("/api/users/{id}/password/verify"),
            &j!({"password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status(), 204);
    assert_rehashed(&server, &deployment, &id, "SHA1", DIGESTS[5].1).await;

    // Imports that cannot work are refused with Logto's codes.
    for (algorithm, digest, status, code) in [
        (
            "Legacy",
            "not json",
            422,
            "password.invalid_legacy_password_format",
        ),
        (
            "Legacy",
            r#"["sha256", ["salt"], "ab"]"#,
            422,
            "password.invalid_legacy_password_format",
        ),
        (
            "Legacy",
            r#"["whirlpool", ["@"], "ab"]"#,
            422,
            "password.unsupported_legacy_hash_algorithm",
        ),
        ("MD5", "xyz", 400, "guard.invalid_input"),
        ("Bcrypt", "$1$nope", 400, "guard.invalid_input"),
        ("Argon2i", DIGESTS[1].1, 400, "guard.invalid_input"),
        ("Rot13", "abc", 400, "guard.invalid_input"),
    ] {
        let r = server
            .post_json(
                "/api/users",
                &j!({"passwordAlgorithm": algorithm, "passwordDigest": digest}),
            )
            .await;
        assert_eq!(r.status(), status, "{algorithm} {digest}");
        let body = json(r).await;
        assert_eq!(body["code"], code, "{algorithm} {digest}: {body}");
    }
}
