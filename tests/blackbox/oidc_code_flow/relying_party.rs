//! The happy path with a real relying party: discovery, code + PKCE, the ID token against the JWKS, `/oidc/me`, refresh with rotation.

use crate::common::flow::*;
use crate::common::{json, Backend, Deployment};
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AccessTokenHash, AuthorizationCode, ClientId, CsrfToken, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, RedirectUrl, Scope, TokenResponse,
};
use reqwest::header::{COOKIE, LOCATION};

both_backends!(code_flow_with_a_real_relying_party,);

async fn code_flow_with_a_real_relying_party(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let (spa, _) = app(&server, "SPA", false).await;
    let alice = user(&server, "alice").await;

    let http = browser();
    let issuer = IssuerUrl::new(server.url("/oidc")).expect("issuer");
    let metadata = CoreProviderMetadata::discover_async(issuer, &http)
        .await
        .expect("discovery");
    let client = CoreClient::from_provider_metadata(metadata, ClientId::new(spa.clone()), None)
        .set_redirect_uri(RedirectUrl::new(CB.into()).expect("redirect"));
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("profile".into()))
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("offline_access".into()))
        .add_extra_param("prompt", "consent")
        // Logto's SDK extras: accepted and ignored.
        .add_extra_param("resource", "urn:logto:resource:organizations")
        .add_extra_param("first_screen", "sign_in")
        .set_pkce_challenge(challenge)
        .url();

    let mut jar = Jar::default();
    // A wrong password: a clear error on the page, no redirect.
    {
        let b = browser();
        let r = b.get(url.as_str()).send().await.expect("auth");
        jar.take(&r);
        let page = b
            .get(server.url("/sign-in"))
            .header(COOKIE, jar.header())
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("html");
        let r = b
            .post(server.url("/sign-in"))
            .header(COOKIE, jar.header())
            .form(&[
                ("identifier", "alice"),
                ("password", "wrong"),
                ("csrf_token", &csrf_of(&page)),
            ])
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 400);
        assert!(r.headers().get(LOCATION).is_none());
        assert!(r.text().await.expect("html").contains("incorrect"));
        // A form without the CSRF token is refused.
        let r = b
            .post(server.url("/sign-in"))
            .header(COOKIE, jar.header())
            .form(&[
                ("identifier", "alice"),
                ("password", PASSWORD),
                ("csrf_token", "forged"),
            ])
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 403);
    }

    let back = sign_in(
        &server,
        &mut jar,
        url.as_str(),
        "alice@example.com",
        PASSWORD,
    )
    .await;
    assert!(back.starts_with(CB), "{back}");
    let q = query(&back);
    assert_eq!(q["state"], *csrf.secret());
    assert_eq!(q["iss"], server.url("/oidc"));
    assert!(jar.0.contains_key("_session"));

    let tokens = client
        .exchange_code(AuthorizationCode::new(q["code"].clone()))
        .expect("token endpoint")
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .expect("code exchange");
    let id_token = tokens.id_token().expect("ID token");
    let claims = id_token
        .claims(&client.id_token_verifier(), &nonce)
        .expect("ID token verifies against the JWKS");
    assert_eq!(claims.subject().as_str(), alice);
    assert_eq!(
        claims.email().map(|e| e.as_str()),
        Some("alice@example.com")
    );
    assert!(claims.auth_time().is_some());
    // `at_hash` binds the access token to the ID token (OpenID Connect Core §3.1.3.6),
    // computed here by the relying party's own implementation.
    let verifier = client.id_token_verifier();
    let expected = AccessTokenHash::from_token(
        tokens.access_token(),
        id_token.signing_alg().expect("alg"),
        id_token.signing_key(&verifier).expect("key"),
    )
    .expect("at_hash");
    assert_eq!(claims.access_token_hash(), Some(&expected));
    let refresh = tokens
        .refresh_token()
        .expect("refresh token (offline_access + consent)")
        .clone();
    let access = tokens.access_token().secret().clone();
    let scopes: Vec<String> = tokens
        .scopes()
        .expect("scope")
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert!(scopes.contains(&"offline_access".to_owned()), "{scopes:?}");

    let r = me(&server, &access).await;
    assert_eq!(r.status(), 200);
    let info = json(r).await;
    assert_eq!(info["sub"], alice.as_str());
    assert_eq!(info["username"], "alice");
    assert_eq!(info["email_verified"], true);
    assert_eq!(info["name"], "Alice A.");

    // Refresh rotates; the old token replayed revokes the grant.
    let rotated = client
        .exchange_refresh_token(&refresh)
        .expect("token endpoint")
        .request_async(&http)
        .await
        .expect("refresh");
    let next = rotated
        .refresh_token()
        .expect("rotated refresh token")
        .clone();
    assert_ne!(next.secret(), refresh.secret());
    let new_access = rotated.access_token().secret().clone();
    assert_eq!(me(&server, &new_access).await.status(), 200);
    let (status, body) = token(
        &server,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &spa),
            ("refresh_token", refresh.secret()),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
    assert_eq!(body["code"], "oidc.invalid_grant");
    let (status, _) = token(
        &server,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &spa),
            ("refresh_token", next.secret()),
        ],
    )
    .await;
    assert_eq!(
        status, 400,
        "the grant is revoked: the newest token dies too"
    );
    assert_eq!(me(&server, &new_access).await.status(), 401);
    assert_eq!(me(&server, &access).await.status(), 401);

    // The browser's session signs in again without the form (SSO), prompt=none too.
    let sso = auth_url(&server, &spa, &[]).replace("prompt=consent", "prompt=none");
    let back = sign_in(&server, &mut jar, &sso, "x", "x").await;
    assert!(query(&back).contains_key("code"), "{back}");
}
