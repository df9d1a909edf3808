//! OIDC discovery, JWKS, the client-credentials grant and Management API authentication,
//! against the real binary on SQLite and Postgres. Access tokens are verified against the
//! JWKS the server publishes over HTTP (jsonwebtoken's `DecodingKey::from_jwk`), never
//! against the server's own key objects.

use crate::common;

use common::{json, Backend, Deployment, Server, ADMIN_ID, ADMIN_SECRET, MANAGEMENT_API};
use domain::application::{
    Application, ApplicationCommand, ApplicationSettings, ApplicationType, CustomClientMetadata,
    OidcClientMetadata,
};
use domain::oauth::secret::SecretDigest;
use domain::{Aggregate, CommandContext, EventMetadata, Timestamp};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};
use std::time::{Duration, Instant};
use store::{AppendBatch, ExpectedVersion, Position, Repository, Store, StoreConfig};

both_backends!(
    discovery_and_jwks_under_both_names,
    client_credentials_issue_a_jwt_verifiable_against_the_jwks,
    token_endpoint_refusals_follow_rfc_6749,
    management_routes_need_a_token_with_scope_all,
    rotation_keeps_old_tokens_valid_and_signs_with_the_new_key,
    without_configured_credentials_the_first_start_writes_a_0600_file,
    token_decisions_follow_management_changes,
);

const WEB_APP: &str = "seeded-web-app";
const BARE_M2M: &str = "seeded-bare-m2m";
const SEEDED_SECRET: &str = "seeded-secret-abcdefghijklmnopqrstuvwxyz0123456789";

fn store_config(deployment: &Deployment) -> StoreConfig {
    StoreConfig {
        data_dir: deployment.data_dir(),
        database_url: deployment.database_url.clone(),
        kek: Some(store::testing::TEST_KEK.into()),
    }
}

/// Seeds, before the first start, a Traditional app and an M2M app with no roles.
async fn seed_clients(deployment: &Deployment) {
    let store = Store::connect(&store_config(deployment))
        .await
        .expect("open the store");
    let now = Timestamp::from_millis(1_700_000_000_000);
    let metadata = EventMetadata::system(now, "test-seed");
    let mut batch = AppendBatch::default();
    for (id, app_type, redirects) in [
        (
            WEB_APP,
            ApplicationType::Traditional,
            vec!["https://app.example/cb".to_owned()],
        ),
        (BARE_M2M, ApplicationType::MachineToMachine, vec![]),
    ] {
        let events = Application::default()
            .handle(
                ApplicationCommand::Create {
                    app_type,
                    is_third_party: false,
                    settings: ApplicationSettings {
                        name: id.into(),
                        description: None,
                        oidc_client_metadata: OidcClientMetadata {
                            redirect_uris: redirects,
                            post_logout_redirect_uris: vec![],
                            id_token_signed_response_alg: None,
                        },
                        custom_client_metadata: CustomClientMetadata::default(),
                        custom_data: Map::new(),
                    },
                    secret: Some(("default".into(), SecretDigest::of(SEEDED_SECRET))),
                },
                &CommandContext { now },
            )
            .expect("create");
        batch.streams.push(Repository::stage::<Application>(
            id,
            ExpectedVersion::NoStream,
            &events,
            &metadata,
        ));
    }
    store.repository().append(batch).await.expect("seed apps");
    store.close().await;
}

async fn jwks(server: &Server) -> JwkSet {
    let response = server.get_anonymous("/oidc/jwks").await;
    assert_eq!(response.status(), 200);
    serde_json::from_value(json(response).await).expect("a JWK set")
}

/// Verifies `token` against the published JWKS: signature, `iss`, `aud`, `exp`.
async fn verify(server: &Server, token: &str, audience: &str) -> Value {
    let header = jsonwebtoken::decode_header(token).expect("a JWT header");
    assert_eq!(header.typ.as_deref(), Some("at+jwt"));
    let kid = header.kid.expect("kid");
    let set = jwks(server).await;
    let jwk = set
        .find(&kid)
        .unwrap_or_else(|| panic!("kid {kid} not in the JWKS"));
    let key = DecodingKey::from_jwk(jwk).expect("usable JWK");
    let mut validation = Validation::new(header.alg);
    validation.set_issuer(&[format!("{}/oidc", server.url)]);
    validation.set_audience(&[audience]);
    validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
    jsonwebtoken::decode::<Value>(token, &key, &validation)
        .unwrap_or_else(|e| panic!("token does not verify against the JWKS: {e}"))
        .claims
}

fn management_form(scope: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        ("grant_type", "client_credentials"),
        ("resource", MANAGEMENT_API),
        ("scope", scope),
    ]
}

async fn discovery_and_jwks_under_both_names(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let a = json(
        server
            .get_anonymous("/oidc/.well-known/openid-configuration")
            .await,
    )
    .await;
    let b = json(
        server
            .get_anonymous("/oidc/.well-known/oauth-authorization-server")
            .await,
    )
    .await;
    assert_eq!(a, b);
    let issuer = format!("{}/oidc", server.url);
    assert_eq!(a["issuer"], issuer.as_str());
    assert_eq!(a["token_endpoint"], format!("{issuer}/token").as_str());
    assert_eq!(a["jwks_uri"], format!("{issuer}/jwks").as_str());
    assert_eq!(a["id_token_signing_alg_values_supported"][0], "ES384");
    assert!(a["grant_types_supported"]
        .as_array()
        .unwrap()
        .contains(&Value::from("client_credentials")));

    let set = json(server.get_anonymous("/oidc/jwks").await).await;
    let keys = set["keys"].as_array().unwrap();
    // One current key per published algorithm: ES384 (the primary, first) and RS256.
    assert_eq!(keys.len(), 2, "{set}");
    assert_eq!(keys[1]["alg"], "RS256");
    assert_eq!(keys[1]["kty"], "RSA");
    assert_eq!(
        a["id_token_signing_alg_values_supported"],
        serde_json::json!(["ES384", "RS256"])
    );
    let key = &keys[0];
    assert_eq!(key["kty"], "EC");
    assert_eq!(key["crv"], "P-384");
    assert_eq!(key["alg"], "ES384");
    assert!(key["kid"].is_string());
    assert!(key.get("d").is_none(), "private part published: {key}");

    // The issuer follows TESSERA_ENDPOINT exactly.
    drop(server);
    let server = deployment
        .start_with(&[("TESSERA_ENDPOINT", "https://id.example.com/")])
        .await;
    let doc = json(
        server
            .get_anonymous("/oidc/.well-known/openid-configuration")
            .await,
    )
    .await;
    assert_eq!(doc["issuer"], "https://id.example.com/oidc");
}

async fn client_credentials_issue_a_jwt_verifiable_against_the_jwks(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;

    // client_secret_basic
    let response = server
        .token_request(Some((ADMIN_ID, ADMIN_SECRET)), &management_form("all"))
        .await;
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["pragma"], "no-cache");
    let body = json(response).await;
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], "all");
    assert_eq!(body["expires_in"], 3600);
    let claims = verify(
        &server,
        body["access_token"].as_str().unwrap(),
        MANAGEMENT_API,
    )
    .await;
    assert_eq!(claims["sub"], ADMIN_ID);
    assert_eq!(claims["client_id"], ADMIN_ID);
    assert_eq!(claims["aud"], MANAGEMENT_API);
    assert_eq!(claims["scope"], "all");
    assert!(claims["jti"].as_str().is_some_and(|j| !j.is_empty()));
    let (iat, exp) = (
        claims["iat"].as_i64().unwrap(),
        claims["exp"].as_i64().unwrap(),
    );
    assert_eq!(exp - iat, 3600);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!((iat - now).abs() < 60, "iat {iat} vs now {now}");

    // client_secret_post, requested scopes filtered to what the client holds.
    let mut form = management_form("all unknown:scope");
    form.extend([("client_id", ADMIN_ID), ("client_secret", ADMIN_SECRET)]);
    let response = server.token_request(None, &form).await;
    assert_eq!(response.status(), 200);
    let body = json(response).await;
    assert_eq!(body["scope"], "all");
    let claims = verify(
        &server,
        body["access_token"].as_str().unwrap(),
        MANAGEMENT_API,
    )
    .await;
    assert_eq!(claims["scope"], "all");

    // Every issuance is an event with the client, scopes, resource, IP and user agent.
    server.terminate(Duration::from_secs(20));
    let store = Store::connect(&store_config(&deployment)).await.unwrap();
    let events = store.log.read_all(Position(0), 10_000).await.unwrap();
    store.close().await;
    let grants: Vec<_> = events
        .iter()
        .filter(|e| e.event_type == "ClientCredentialsGranted")
        .collect();
    // The harness's own token, then the two above.
    assert_eq!(grants.len(), 3, "{grants:?}");
    for grant in &grants {
        assert_eq!(grant.payload["applicationId"], ADMIN_ID);
        assert_eq!(grant.payload["resource"], MANAGEMENT_API);
        assert_eq!(grant.payload["scopes"], serde_json::json!(["all"]));
        assert_eq!(grant.metadata.client_ip.as_deref(), Some("127.0.0.1"));
        assert_eq!(
            grant.metadata.actor,
            domain::Actor::Application(ADMIN_ID.into())
        );
    }
    // The signing keys (ES384 and RS256) are in the log only sealed.
    let keys: Vec<_> = events
        .iter()
        .filter(|e| e.event_type == "SigningKeyGenerated")
        .collect();
    assert_eq!(keys.len(), 2, "one key per published algorithm");
    for key in keys {
        for private in ["d", "p", "q", "dp", "dq", "qi"] {
            assert!(key.payload["publicJwk"].get(private).is_none(), "{private}");
        }
        assert!(key.payload["sealedPrivateKey"].is_string());
    }
}

async fn expect_oauth_error(response: reqwest::Response, status: u16, error: &str) -> Value {
    assert_eq!(response.status(), status);
    let body = json(response).await;
    assert_eq!(body["error"], error, "{body}");
    assert_eq!(body["code"], format!("oidc.{error}").as_str(), "{body}");
    assert!(body["message"].is_string() && body["error_description"].is_string());
    body
}

async fn token_endpoint_refusals_follow_rfc_6749(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    seed_clients(&deployment).await;
    let server = deployment.start().await;

    let wrong = server
        .token_request(Some((ADMIN_ID, "wrong")), &management_form("all"))
        .await;
    assert!(wrong.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Basic"));
    expect_oauth_error(wrong, 401, "invalid_client").await;

    let mut form = management_form("all");
    form.extend([("client_id", ADMIN_ID), ("client_secret", "wrong")]);
    let wrong_post = server.token_request(None, &form).await;
    assert!(wrong_post.headers().get("www-authenticate").is_none());
    expect_oauth_error(wrong_post, 401, "invalid_client").await;

    let unknown = server
        .token_request(Some(("nobody", "x")), &management_form("all"))
        .await;
    expect_oauth_error(unknown, 401, "invalid_client").await;
    let none = server.token_request(None, &management_form("all")).await;
    expect_oauth_error(none, 401, "invalid_client").await;

    let unsupported = server
        .token_request(
            Some((ADMIN_ID, ADMIN_SECRET)),
            &[("grant_type", "password")],
        )
        .await;
    expect_oauth_error(unsupported, 400, "unsupported_grant_type").await;

    let web = server
        .token_request(Some((WEB_APP, SEEDED_SECRET)), &management_form("all"))
        .await;
    expect_oauth_error(web, 400, "unauthorized_client").await;

    let target = server
        .token_request(
            Some((ADMIN_ID, ADMIN_SECRET)),
            &[
                ("grant_type", "client_credentials"),
                ("resource", "https://unknown.example/api"),
            ],
        )
        .await;
    expect_oauth_error(target, 400, "invalid_target").await;

    let missing = server
        .token_request(Some((ADMIN_ID, ADMIN_SECRET)), &[("scope", "all")])
        .await;
    expect_oauth_error(missing, 400, "invalid_request").await;

    // A JSON body is accepted and converted, as Logto does (docs/logto/oidc.md#token-endpoint)…
    let as_json = server
        .anonymous
        .post(server.url("/oidc/token"))
        .basic_auth(ADMIN_ID, Some(ADMIN_SECRET))
        .json(&serde_json::json!({
            "grant_type": "client_credentials",
            "resource": [MANAGEMENT_API],
            "scope": "all",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(as_json.status(), 200);
    assert_eq!(json(as_json).await["scope"], "all");
    // …any other body is still an OAuth error, never a 500.
    for (content_type, body) in [
        ("text/plain", "grant_type=client_credentials"),
        ("application/json", "[1, 2]"),
        ("application/json", r#"{"grant_type": {"nested": true}}"#),
    ] {
        let refused = server
            .anonymous
            .post(server.url("/oidc/token"))
            .basic_auth(ADMIN_ID, Some(ADMIN_SECRET))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        expect_oauth_error(refused, 400, "invalid_request").await;
    }
    let garbage_basic = server
        .anonymous
        .post(server.url("/oidc/token"))
        .header("authorization", "Basic %%%")
        .form(&management_form("all"))
        .send()
        .await
        .unwrap();
    expect_oauth_error(garbage_basic, 401, "invalid_client").await;
}

async fn management_routes_need_a_token_with_scope_all(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    seed_clients(&deployment).await;
    let server = deployment.start().await;

    let anonymous = server.get_anonymous("/api/users").await;
    assert_eq!(anonymous.status(), 401);
    assert!(anonymous.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Bearer"));
    assert_eq!(json(anonymous).await["code"], "auth.unauthorized");
    let unknown_route = server.get_anonymous("/api/nothing-here").await;
    assert_eq!(unknown_route.status(), 401);

    let garbage = server
        .anonymous
        .get(server.url("/api/users"))
        .bearer_auth("not.a.jwt")
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status(), 401);

    // An M2M app without the management role gets a token, but without `all`.
    let response = server
        .token_request(Some((BARE_M2M, SEEDED_SECRET)), &management_form("all"))
        .await;
    assert_eq!(response.status(), 200);
    let body = json(response).await;
    assert_eq!(body["scope"], "");
    let weak = body["access_token"].as_str().unwrap();
    let forbidden = server
        .anonymous
        .get(server.url("/api/users"))
        .bearer_auth(weak)
        .send()
        .await
        .unwrap();
    assert_eq!(forbidden.status(), 403);
    assert_eq!(json(forbidden).await["code"], "auth.forbidden");

    // A token from another server (same shape, different key) is refused.
    let mut forged = server.token.clone();
    let cut = forged.rfind('.').unwrap() + 3;
    forged.replace_range(
        cut..cut + 1,
        if &forged[cut..cut + 1] == "A" {
            "B"
        } else {
            "A"
        },
    );
    let tampered = server
        .anonymous
        .get(server.url("/api/users"))
        .bearer_auth(&forged)
        .send()
        .await
        .unwrap();
    assert_eq!(tampered.status(), 401);

    assert_eq!(server.get("/api/users").await.status(), 200);
    assert_eq!(server.get_anonymous("/api/status").await.status(), 204);
    assert_eq!(
        server
            .get_anonymous("/api/status/projections")
            .await
            .status(),
        200
    );

    // Management writes are attributed to the application.
    let created = server
        .post_json("/api/users", &serde_json::json!({"username": "audited"}))
        .await;
    assert_eq!(created.status(), 200);
    server.terminate(Duration::from_secs(20));
    let store = Store::connect(&store_config(&deployment)).await.unwrap();
    let events = store.log.read_all(Position(0), 10_000).await.unwrap();
    store.close().await;
    let user = events
        .iter()
        .find(|e| e.event_type == "UserCreated")
        .expect("user event");
    assert_eq!(
        user.metadata.actor,
        domain::Actor::Application(ADMIN_ID.into())
    );
}

/// Waits until the JWKS lists `n` keys (a rotation by another process reaches a running
/// server through the log).
async fn await_keys(server: &Server, n: usize) -> JwkSet {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let set = jwks(server).await;
        if set.keys.len() == n {
            return set;
        }
        assert!(Instant::now() < deadline, "JWKS never had {n} keys");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn rotation_keeps_old_tokens_valid_and_signs_with_the_new_key(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let old_token = server.token.clone();
    let old_kid = jsonwebtoken::decode_header(&old_token)
        .unwrap()
        .kid
        .unwrap();

    // The CLI rotates while the server runs.
    let (ok, out, err) = deployment.run(&["keys", "rotate"]);
    assert!(ok, "keys rotate failed: {err}");
    assert!(out.contains("current signing key"), "{out}");
    // ES384 rotated: the new and the retired ES384 key, and the RS256 key.
    let set = await_keys(&server, 3).await;
    assert!(set.find(&old_kid).is_some(), "old key left the JWKS early");

    let fresh = server.management_token(ADMIN_ID, ADMIN_SECRET).await;
    let new_kid = jsonwebtoken::decode_header(&fresh).unwrap().kid.unwrap();
    assert_ne!(new_kid, old_kid);
    verify(&server, &fresh, MANAGEMENT_API).await;
    verify(&server, &old_token, MANAGEMENT_API).await;
    // The old token is still accepted by the Management API.
    assert_eq!(server.get("/api/users").await.status(), 200);

    // Logto's route: rotate to RSA; the listing shows public information only.
    let rotated = server
        .post_json(
            "/api/configs/oidc/private-keys/rotate",
            &serde_json::json!({"signingKeyAlgorithm": "RSA"}),
        )
        .await;
    assert_eq!(rotated.status(), 200);
    let listing = json(rotated).await;
    let listing = listing.as_array().unwrap();
    // The new RSA key (primary), the current ES384 key, the two retired ones.
    assert_eq!(listing.len(), 4, "{listing:?}");
    assert_eq!(listing[0]["status"], "Current");
    assert_eq!(listing[0]["signingKeyAlgorithm"], "RSA");
    assert!(listing[0]["createdAt"].is_i64() && listing[0]["id"].is_string());
    assert!(listing
        .iter()
        .all(|k| k.as_object().unwrap().keys().len() == 4));
    let rsa = server.management_token(ADMIN_ID, ADMIN_SECRET).await;
    let header = jsonwebtoken::decode_header(&rsa).unwrap();
    assert_eq!(header.alg, Algorithm::RS256);
    verify(&server, &rsa, MANAGEMENT_API).await;
    let discovery = json(
        server
            .get_anonymous("/oidc/.well-known/openid-configuration")
            .await,
    )
    .await;
    assert_eq!(
        discovery["id_token_signing_alg_values_supported"][0],
        "RS256"
    );
    let keys = json(server.get("/api/configs/oidc/private-keys").await).await;
    assert_eq!(keys.as_array().unwrap().len(), 4);
    assert_eq!(keys[1]["status"], "Current", "{keys}");
    assert_eq!(keys[1]["signingKeyAlgorithm"], "EC", "{keys}");
    assert_eq!(
        server
            .get_anonymous("/api/configs/oidc/private-keys")
            .await
            .status(),
        401
    );

    // After a restart the same keys are loaded (from the log, opened with the KEK). The
    // new port is a new issuer, so only the signature is checked here.
    drop(server);
    let server = deployment.start().await;
    let set = jwks(&server).await;
    assert_eq!(set.keys.len(), 4);
    let key = DecodingKey::from_jwk(set.find(&old_kid).unwrap()).unwrap();
    let mut signature_only = Validation::new(Algorithm::ES384);
    signature_only.validate_aud = false;
    jsonwebtoken::decode::<Value>(&old_token, &key, &signature_only).expect("old token verifies");
    let current = server.management_token(ADMIN_ID, ADMIN_SECRET).await;
    assert_eq!(
        jsonwebtoken::decode_header(&current).unwrap().alg,
        Algorithm::RS256
    );
}

async fn without_configured_credentials_the_first_start_writes_a_0600_file(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let unset = [
        ("TESSERA_BOOTSTRAP_M2M_ID", ""),
        ("TESSERA_BOOTSTRAP_M2M_SECRET", ""),
    ];
    let server = deployment.start_with(&unset).await;
    let file = deployment.data_dir().join("bootstrap-m2m.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
    }
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        server.log().contains("bootstrap-m2m.json"),
        "the log does not say where the credentials are"
    );
    // The harness got its token from the file's credentials.
    assert_eq!(server.get("/api/users").await.status(), 200);

    // Idempotent: a restart neither rewrites the file nor creates another application.
    drop(server);
    let server = deployment.start_with(&unset).await;
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
    assert_eq!(server.get("/api/users").await.status(), 200);
    let (id, secret) = deployment.admin_credentials();
    let token = server.management_token(&id, &secret).await;
    verify(&server, &token, MANAGEMENT_API).await;

    // The operator's page at `/` says where the file is, never what is in it.
    let home = server.get_anonymous("/").await;
    assert_eq!(home.status(), 200);
    assert!(home.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = home.text().await.unwrap();
    assert!(html.contains(&file.display().to_string()), "{html}");
    assert!(!html.contains(&secret), "the page shows the secret");
    assert!(html.contains(&server.url("/oidc")), "{html}");
    assert!(html.contains("href=\"/api/docs/\""), "{html}");
    assert!(
        html.contains("href=\"/oidc/.well-known/openid-configuration\""),
        "{html}"
    );

    // Configured credentials on a later start add that application too, and the page
    // names the variable instead of a file.
    drop(server);
    let server = deployment.start().await;
    assert_eq!(server.get("/api/users").await.status(), 200);
    let _ = server.management_token(ADMIN_ID, ADMIN_SECRET).await;
    let html = server.get_anonymous("/").await.text().await.unwrap();
    assert!(html.contains("TESSERA_BOOTSTRAP_M2M_ID"), "{html}");
    assert!(!html.contains("bootstrap-m2m.json"), "{html}");
    // Only GET: anything else is the JSON 405.
    assert_eq!(server.post_raw("/", "{}").await.status(), 405);
}

/// Requests management tokens for `id` until `done` holds for the response (the token
/// endpoint's cache follows the log, so a change lands within moments).
async fn await_token(server: &Server, id: &str, secret: &str, done: impl Fn(u16, &Value) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let response = server
            .token_request(Some((id, secret)), &management_form("all"))
            .await;
        let status = response.status().as_u16();
        let body = json(response).await;
        if done(status, &body) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "token never changed: {status} {body}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn token_decisions_follow_management_changes(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let created = server
        .post_json(
            "/api/applications",
            &serde_json::json!({"name": "Worker", "type": "MachineToMachine"}),
        )
        .await;
    assert_eq!(created.status(), 200);
    let app = json(created).await;
    let id = app["id"].as_str().unwrap().to_owned();
    let secret = app["secret"].as_str().unwrap().to_owned();

    // No role yet: a token, but without `all` (and the answer is now cached).
    await_token(&server, &id, &secret, |s, b| s == 200 && b["scope"] == "").await;

    // Given the management role, the next tokens carry `all`.
    let assigned = server
        .post_json(
            &format!("/api/applications/{id}/roles"),
            &serde_json::json!({"roleIds": ["management-api-access"]}),
        )
        .await;
    assert!(assigned.status().is_success(), "{}", assigned.status());
    await_token(&server, &id, &secret, |s, b| {
        s == 200 && b["scope"] == "all"
    })
    .await;

    // Its secret deleted, the client no longer authenticates.
    let secrets = json(server.get(&format!("/api/applications/{id}/secrets")).await).await;
    let name = secrets[0]["name"].as_str().unwrap().to_owned();
    let deleted = server
        .delete(&format!("/api/applications/{id}/secrets/{name}"))
        .await;
    assert!(deleted.status().is_success(), "{}", deleted.status());
    await_token(&server, &id, &secret, |s, b| {
        s == 401 && b["error"] == "invalid_client"
    })
    .await;
}
