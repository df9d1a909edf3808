//! Security regressions of the OpenID Connect provider (issue 12), against the real
//! binary on SQLite and Postgres: resource indicators bound to the grant (RFC 8707),
//! tokens that carry their own scopes, JWTs that die with their grant, consent and
//! sign-out, the logout confirmation, client policies (PKCE, rotation, redirect URIs,
//! ID token algorithm) and error bodies that tell an attacker nothing.

use crate::common;

use common::flow::*;
use common::{json, Backend, Deployment, Server, MANAGEMENT_API};
use reqwest::header::{COOKIE, SET_COOKIE};
use serde_json::{json as j, Value};

both_backends!(
    resources_are_bound_to_the_grant_and_tokens_keep_their_scopes,
    resource_jwts_die_with_their_grant_user_or_revocation,
    consent_needs_the_session_and_logout_is_confirmed,
    client_policies_for_pkce_rotation_redirects_and_id_token_algorithm,
    error_bodies_say_nothing_an_attacker_can_use,
);

const OTHER_API: &str = "https://other.example.com/api";

/// An application with extra top-level fields; returns (id, secret).
async fn app_with(server: &Server, app_type: &str, extra: Value) -> (String, Option<String>) {
    let mut body = j!({
        "name": format!("{app_type} app"),
        "type": app_type,
        "oidcClientMetadata": {"redirectUris": [CB], "postLogoutRedirectUris": [LOGOUT_CB]},
    });
    for (k, v) in extra.as_object().expect("object") {
        body[k] = v.clone();
    }
    let r = server.post_json("/api/applications", &body).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    let body = json(r).await;
    let id = body["id"].as_str().expect("app id").to_owned();
    (id, body["secret"].as_str().map(str::to_owned))
}

async fn other_resource(server: &Server) {
    let r = server
        .post_json(
            "/api/resources",
            &j!({"name": "Other", "indicator": OTHER_API}),
        )
        .await;
    assert_eq!(r.status(), 201);
}

/// Signs `username` in for `client` with `extra` authorization parameters; the code.
async fn code_for(server: &Server, client: &str, username: &str, extra: &[(&str, &str)]) -> String {
    let back = sign_in(
        server,
        &mut Jar::default(),
        &auth_url(server, client, extra),
        username,
        PASSWORD,
    )
    .await;
    query(&back)
        .get("code")
        .unwrap_or_else(|| panic!("no code: {back}"))
        .clone()
}

async fn redeem(server: &Server, client: &str, code: &str, extra: &[(&str, &str)]) -> (u16, Value) {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("client_id", client),
        ("code", code),
        ("redirect_uri", CB),
        ("code_verifier", VERIFIER),
    ];
    form.extend_from_slice(extra);
    token(server, &form).await
}

async fn refresh(server: &Server, client: &str, rt: &str, extra: &[(&str, &str)]) -> (u16, Value) {
    let mut form = vec![
        ("grant_type", "refresh_token"),
        ("client_id", client),
        ("refresh_token", rt),
    ];
    form.extend_from_slice(extra);
    token(server, &form).await
}

async fn introspect(server: &Server, client: &str, secret: &str, token: &str) -> Value {
    let r = browser()
        .post(server.url("/oidc/token/introspection"))
        .basic_auth(client, Some(secret))
        .form(&[("token", token)])
        .send()
        .await
        .expect("introspect");
    assert_eq!(r.status(), 200);
    json(r).await
}

async fn revoke(server: &Server, client: &str, secret: &str, token: &str) {
    let r = browser()
        .post(server.url("/oidc/token/revocation"))
        .basic_auth(client, Some(secret))
        .form(&[("token", token)])
        .send()
        .await
        .expect("revoke");
    assert_eq!(r.status(), 200);
}

fn claims_of(jwt: &str) -> Value {
    use base64::Engine;
    let payload = jwt.split('.').nth(1).expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url");
    serde_json::from_slice(&bytes).expect("claims")
}

async fn resources_are_bound_to_the_grant_and_tokens_keep_their_scopes(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    other_resource(&server).await;
    let (spa, _) = app(&server, "SPA", false).await;
    user(&server, "rita").await;

    // The original hole: a grant that never asked for a resource gets no token for one.
    let tokens = redeem(
        &server,
        &spa,
        &code_for(&server, &spa, "rita", &[]).await,
        &[],
    )
    .await;
    assert_eq!(tokens.0, 200, "{}", tokens.1);
    let rt = tokens.1["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_owned();
    for resource in [MANAGEMENT_API, OTHER_API, "https://unknown.example/api"] {
        let (status, body) = refresh(&server, &spa, &rt, &[("resource", resource)]).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_target")),
            "{resource}: {body}"
        );
    }
    // Refused requests do not rotate: the token still works.
    let (status, body) = refresh(&server, &spa, &rt, &[]).await;
    assert_eq!(status, 200, "{body}");

    // /oidc/auth refuses an unknown indicator through the redirect.
    let r = browser()
        .get(auth_url(
            &server,
            &spa,
            &[("resource", "https://unknown.example/api")],
        ))
        .send()
        .await
        .expect("auth");
    assert_eq!(r.status(), 303);
    assert_eq!(query(&location(&r))["error"], "invalid_target");

    // Asked for at /oidc/auth (comma-separated, as Logto accepts): held, and only that.
    let code = code_for(
        &server,
        &spa,
        "rita",
        &[(
            "resource",
            &format!("{MANAGEMENT_API}, urn:logto:resource:organizations"),
        )],
    )
    .await;
    let (status, body) = redeem(&server, &spa, &code, &[("resource", OTHER_API)]).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_target"))
    );
    // The refused exchange left the code usable; with the held resource it is a JWT.
    let (status, body) = redeem(&server, &spa, &code, &[("resource", MANAGEMENT_API)]).await;
    assert_eq!(status, 200, "{body}");
    let jwt = body["access_token"].as_str().expect("jwt");
    assert_eq!(claims_of(jwt)["aud"], MANAGEMENT_API);
    assert!(claims_of(jwt)["grant_id"].is_string());
    let rt = body["refresh_token"].as_str().expect("refresh").to_owned();
    let (status, body) = refresh(&server, &spa, &rt, &[("resource", OTHER_API)]).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_target"))
    );
    let (status, body) = refresh(&server, &spa, &rt, &[("resource", MANAGEMENT_API)]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        claims_of(body["access_token"].as_str().expect("jwt"))["aud"],
        MANAGEMENT_API
    );
    let rt = body["refresh_token"].as_str().expect("rotated").to_owned();

    // Down-scoped refresh: the token is what was asked, and /oidc/me reads its scopes.
    let (status, body) = refresh(&server, &spa, &rt, &[("scope", "openid")]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["scope"], "openid");
    let narrow = body["access_token"].as_str().expect("opaque").to_owned();
    let claims = json(me(&server, &narrow).await).await;
    assert!(claims["sub"].is_string(), "{claims}");
    assert!(
        claims.get("email").is_none() && claims.get("name").is_none(),
        "{claims}"
    );
    let rt = body["refresh_token"].as_str().expect("rotated").to_owned();
    let (status, body) = refresh(&server, &spa, &rt, &[]).await;
    assert_eq!(status, 200, "{body}");
    let wide = body["access_token"].as_str().expect("opaque");
    let claims = json(me(&server, wide).await).await;
    assert_eq!(claims["email"], "rita@example.com", "{claims}");
    let (status, body) = refresh(
        &server,
        &spa,
        body["refresh_token"].as_str().expect("rt"),
        &[("scope", "openid phone")],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_scope"))
    );

    // The Account API reads the token's own scopes: a token refreshed down to `openid`
    // cannot list sessions although its grant holds the sessions scope.
    let r = server
        .patch_json(
            "/api/account-center",
            &j!({"enabled": true, "fields": {"session": "ReadOnly"}}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let url = auth_url(&server, &spa, &[]).replace(
        "scope=openid+offline_access+profile+email",
        "scope=openid+offline_access+profile+urn%3Alogto%3Ascope%3Asessions",
    );
    let back = sign_in(&server, &mut Jar::default(), &url, "rita", PASSWORD).await;
    let tokens = redeem_spa(&server, &spa, &back).await;
    let sessions = |token: String| {
        let url = server.url("/api/my-account/sessions");
        async move {
            let r = browser()
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .expect("sessions");
            (r.status().as_u16(), r.text().await.unwrap_or_default())
        }
    };
    let full = tokens["access_token"].as_str().expect("at").to_owned();
    assert_eq!(sessions(full).await.0, 200);
    let rt = tokens["refresh_token"].as_str().expect("rt");
    let (status, body) = refresh(&server, &spa, rt, &[("scope", "openid")]).await;
    assert_eq!(status, 200, "{body}");
    let narrow = body["access_token"].as_str().expect("at").to_owned();
    // Refused as the Account API refuses a missing scope (401 `auth.unauthorized`).
    let (status, body) = sessions(narrow).await;
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("urn:logto:scope:sessions"), "{body}");

    // Introspection reads the token's own scopes too (a confidential client's token).
    let (web, secret) = app(&server, "Traditional", false).await;
    let secret = secret.expect("secret");
    let code = code_for(&server, &web, "rita", &[]).await;
    let (_, body) = redeem_confidential(&server, &web, &secret, &code).await;
    let r = browser()
        .post(server.url("/oidc/token"))
        .basic_auth(&web, Some(&secret))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", body["refresh_token"].as_str().expect("rt")),
            ("scope", "openid email"),
        ])
        .send()
        .await
        .expect("token");
    let body = json(r).await;
    let answer = introspect(
        &server,
        &web,
        &secret,
        body["access_token"].as_str().expect("at"),
    )
    .await;
    assert_eq!(answer["active"], true);
    assert_eq!(answer["scope"], "openid email");
}

async fn resource_jwts_die_with_their_grant_user_or_revocation(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let (web, secret) = app(&server, "Traditional", false).await;
    let secret = secret.expect("secret");
    let sam = user(&server, "sam").await;
    let jwt_pair = || async {
        let code = code_for(&server, &web, "sam", &[("resource", MANAGEMENT_API)]).await;
        let r = browser()
            .post(server.url("/oidc/token"))
            .basic_auth(&web, Some(&secret))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", CB),
                ("code_verifier", VERIFIER),
                ("resource", MANAGEMENT_API),
            ])
            .send()
            .await
            .expect("token");
        let body = json(r).await;
        (
            body["access_token"].as_str().expect("jwt").to_owned(),
            body["refresh_token"].as_str().expect("rt").to_owned(),
        )
    };

    // Revoking the JWT itself: introspection says inactive, the grant lives on.
    let (jwt, rt) = jwt_pair().await;
    assert_eq!(
        introspect(&server, &web, &secret, &jwt).await["active"],
        true
    );
    revoke(&server, &web, &secret, &jwt).await;
    assert_eq!(
        introspect(&server, &web, &secret, &jwt).await["active"],
        false
    );
    assert_eq!(
        introspect(&server, &web, &secret, &rt).await["active"],
        true
    );

    // The grant revoked (Management API): its JWT is inactive.
    let (jwt, _) = jwt_pair().await;
    let grant = claims_of(&jwt)["grant_id"]
        .as_str()
        .expect("grant id")
        .to_owned();
    assert_eq!(
        introspect(&server, &web, &secret, &jwt).await["active"],
        true
    );
    let r = server
        .delete(&format!("/api/users/{sam}/grants/{grant}"))
        .await;
    assert_eq!(r.status(), 204);
    assert_eq!(
        introspect(&server, &web, &secret, &jwt).await["active"],
        false
    );

    // The user suspended: inactive.
    let (jwt, _) = jwt_pair().await;
    assert_eq!(
        introspect(&server, &web, &secret, &jwt).await["active"],
        true
    );
    let r = server
        .patch_json(
            &format!("/api/users/{sam}/is-suspended"),
            &j!({"isSuspended": true}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        introspect(&server, &web, &secret, &jwt).await["active"],
        false
    );

    // A client-credentials JWT revoked by its client.
    let m2m = server.token.clone();
    let (admin, admin_secret) = (common::ADMIN_ID, common::ADMIN_SECRET);
    assert_eq!(
        introspect(&server, admin, admin_secret, &m2m).await["active"],
        true
    );
    let fresh = server.management_token(admin, admin_secret).await;
    revoke(&server, admin, admin_secret, &fresh).await;
    assert_eq!(
        introspect(&server, admin, admin_secret, &fresh).await["active"],
        false
    );
    assert_eq!(
        introspect(&server, admin, admin_secret, &m2m).await["active"],
        true
    );
    // Another client cannot revoke it (nothing happens, 200 all the same).
    revoke(&server, &web, &secret, &m2m).await;
    assert_eq!(
        introspect(&server, admin, admin_secret, &m2m).await["active"],
        true
    );
}

async fn consent_needs_the_session_and_logout_is_confirmed(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let (third, _) = app(&server, "Traditional", true).await;
    let (spa, _) = app(&server, "SPA", false).await;
    user(&server, "tess").await;
    user(&server, "uma").await;
    let b = browser();

    // Signed in, at the consent page; then signed out in another tab.
    let mut jar = Jar::default();
    let next = sign_in(
        &server,
        &mut jar,
        &auth_url(&server, &third, &[]),
        "tess",
        PASSWORD,
    )
    .await;
    assert_eq!(next, format!("/consent?app_id={third}"));
    let page = b
        .get(server.url("/consent"))
        .header(COOKIE, jar.header())
        .send()
        .await
        .expect("consent page")
        .text()
        .await
        .expect("html");
    let csrf = csrf_of(&page);
    let end = server.url(&format!("/oidc/session/end?client_id={third}"));
    let mut other_tab = jar.clone();
    let r = end_session_confirmed(&server, &mut other_tab, &end).await;
    assert_eq!(r.status(), 200);
    let cleared = |r: &reqwest::Response, name: &str| {
        r.headers()
            .get_all(SET_COOKIE)
            .iter()
            .any(|v| v.to_str().unwrap_or("").starts_with(&format!("{name}=;")))
    };
    assert!(
        cleared(&r, &format!("_interaction_{third}")),
        "sign-out clears the interaction"
    );
    assert!(cleared(&r, "_session"));
    // The first tab still holds the interaction cookie: its consent issues nothing.
    let r = b
        .post(server.url("/consent"))
        .header(COOKIE, jar.header())
        .form(&[("decision", "allow"), ("csrf_token", csrf.as_str())])
        .send()
        .await
        .expect("consent");
    assert_eq!(r.status(), 400);
    assert!(r.headers().get("location").is_none());
    let r = b
        .get(server.url("/consent"))
        .header(COOKIE, jar.header())
        .send()
        .await
        .expect("consent page");
    assert_eq!(r.status(), 400);

    // Logout without an ID token hint asks first; a cross-site link signs nobody out.
    let mut jar = Jar::default();
    let back = sign_in(
        &server,
        &mut jar,
        &auth_url(&server, &spa, &[]),
        "uma",
        PASSWORD,
    )
    .await;
    let tokens = redeem_spa(&server, &spa, &back).await;
    let mut url = reqwest::Url::parse(&server.url("/oidc/session/end")).expect("url");
    url.query_pairs_mut()
        .append_pair("client_id", &spa)
        .append_pair("post_logout_redirect_uri", LOGOUT_CB);
    let r = b
        .get(url.as_str())
        .header(COOKIE, jar.header())
        .send()
        .await
        .expect("end");
    assert_eq!(r.status(), 200);
    let mut pending = jar.clone();
    pending.take(&r);
    let page = r.text().await.expect("html");
    assert!(
        page.contains("action=\"/oidc/session/end/confirm\""),
        "{page}"
    );
    let silent = auth_url(&server, &spa, &[]).replace("prompt=consent", "prompt=none");
    let still = b
        .get(&silent)
        .header(COOKIE, jar.header())
        .send()
        .await
        .expect("auth");
    assert!(
        query(&location(&still)).contains_key("code"),
        "still signed in"
    );
    // A forged confirmation: without the `_logout` cookie (a cross-site POST does not
    // carry it), and with a wrong token.
    let r = b
        .post(server.url("/oidc/session/end/confirm"))
        .header(COOKIE, jar.header())
        .form(&[("csrf_token", csrf_of(&page))])
        .send()
        .await
        .expect("confirm");
    assert_eq!(r.status(), 400);
    let r = b
        .post(server.url("/oidc/session/end/confirm"))
        .header(COOKIE, pending.header())
        .form(&[("csrf_token", "forged")])
        .send()
        .await
        .expect("confirm");
    assert_eq!(r.status(), 403);
    let still = b
        .get(&silent)
        .header(COOKIE, jar.header())
        .send()
        .await
        .expect("auth");
    assert!(
        query(&location(&still)).contains_key("code"),
        "still signed in"
    );
    // Another user's ID token as hint is no proof: still the page.
    let other = tokens_for(&server, &spa, "tess").await;
    let mut hinted = url.clone();
    hinted.query_pairs_mut().append_pair(
        "id_token_hint",
        other["id_token"].as_str().expect("id token"),
    );
    let r = b
        .get(hinted.as_str())
        .header(COOKIE, jar.header())
        .send()
        .await
        .expect("end");
    assert_eq!(r.status(), 200);
    // The user's own ID token: signed out at once, to the registered target.
    let mut hinted = url.clone();
    hinted.query_pairs_mut().append_pair(
        "id_token_hint",
        tokens["id_token"].as_str().expect("id token"),
    );
    let r = b
        .get(hinted.as_str())
        .header(COOKIE, jar.header())
        .send()
        .await
        .expect("end");
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with(LOGOUT_CB));
    let gone = b
        .get(&silent)
        .header(COOKIE, jar.header())
        .send()
        .await
        .expect("auth");
    assert_eq!(query(&location(&gone))["error"], "login_required");
}

async fn client_policies_for_pkce_rotation_redirects_and_id_token_algorithm(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    user(&server, "vic").await;
    let b = browser();
    let no_pkce = |client: &str| {
        auth_url(&server, client, &[]).replace(
            &format!("&code_challenge={CHALLENGE}&code_challenge_method=S256"),
            "",
        )
    };

    // PKCE: required of a confidential client by default; `requirePkce: false` relaxes
    // it for that client, never for a public one.
    let (web, _) = app(&server, "Traditional", false).await;
    let r = b.get(no_pkce(&web)).send().await.expect("auth");
    assert_eq!(query(&location(&r))["error"], "invalid_request");
    let relax = j!({"customClientMetadata": {"requirePkce": false}});
    let r = server
        .patch_json(&format!("/api/applications/{web}"), &relax)
        .await;
    assert_eq!(r.status(), 200);
    let r = b.get(no_pkce(&web)).send().await.expect("auth");
    assert_eq!(location(&r), format!("/sign-in?app_id={web}"));
    let (spa, _) = app_with(&server, "SPA", relax.clone()).await;
    let r = b.get(no_pkce(&spa)).send().await.expect("auth");
    assert_eq!(query(&location(&r))["error"], "invalid_request");

    // Rotation cannot be turned off for a public client.
    let (spa, _) = app_with(
        &server,
        "SPA",
        j!({"customClientMetadata": {"rotateRefreshToken": false}}),
    )
    .await;
    let tokens = tokens_for(&server, &spa, "vic").await;
    let rt = tokens["refresh_token"].as_str().expect("rt").to_owned();
    let (status, body) = refresh(&server, &spa, &rt, &[]).await;
    assert_eq!(status, 200, "{body}");
    let next = body["refresh_token"].as_str().expect("rotated anyway");
    assert_ne!(next, rt);
    let (status, _) = refresh(&server, &spa, &rt, &[]).await;
    assert_eq!(status, 400, "the rotated-out token is a replay");

    // Redirect URIs: public-suffix wildcards and script/data/file schemes are refused.
    for (app_type, meta) in [
        (
            "Traditional",
            j!({"redirectUris": ["https://*.github.io/cb"]}),
        ),
        ("SPA", j!({"redirectUris": ["https://*.co.uk/cb"]})),
        ("Native", j!({"redirectUris": ["javascript:alert(1)"]})),
        (
            "Native",
            j!({"redirectUris": ["myapp://cb"], "postLogoutRedirectUris": ["data:text/html,x"]}),
        ),
        ("Traditional", j!({"redirectUris": ["file:///etc/passwd"]})),
        (
            "Native",
            j!({"redirectUris": ["vbscript:x", "blob:https://a.example/1"]}),
        ),
    ] {
        let r = server
            .post_json(
                "/api/applications",
                &j!({"name": "bad", "type": app_type, "oidcClientMetadata": meta}),
            )
            .await;
        assert_eq!(r.status(), 400, "{meta}");
        let body = json(r).await;
        assert_eq!(body["code"], "guard.invalid_input", "{body}");
    }
    let r = server
        .post_json(
            "/api/applications",
            &j!({"name": "gh", "type": "Traditional", "oidcClientMetadata": {"redirectUris": ["https://*.github.io/cb"]}}),
        )
        .await;
    let message = json(r).await.to_string();
    assert!(message.contains("public suffix github.io"), "{message}");
    let r = server
        .patch_json(
            &format!("/api/applications/{web}"),
            &j!({"oidcClientMetadata": {"redirectUris": ["https://*.github.io/cb"]}}),
        )
        .await;
    assert_eq!(r.status(), 400);
    let r = server
        .patch_json(
            &format!("/api/applications/{web}"),
            &j!({"oidcClientMetadata": {"redirectUris": [CB, "https://*.tenant.github.io/cb"]}}),
        )
        .await;
    assert_eq!(
        r.status(),
        200,
        "a registrable domain under a suffix is fine"
    );

    // ID tokens in the algorithm the client registered, verifiable with the JWKS.
    let (rsa, _) = app_with(
        &server,
        "SPA",
        j!({"oidcClientMetadata": {"redirectUris": [CB], "idTokenSignedResponseAlg": "RS256"}}),
    )
    .await;
    let (plain, _) = app(&server, "SPA", false).await;
    let jwks: jsonwebtoken::jwk::JwkSet =
        serde_json::from_value(json(server.get_anonymous("/oidc/jwks").await).await).expect("jwks");
    for (client, alg) in [
        (&rsa, jsonwebtoken::Algorithm::RS256),
        (&plain, jsonwebtoken::Algorithm::ES384),
    ] {
        let tokens = tokens_for(&server, client, "vic").await;
        let id_token = tokens["id_token"].as_str().expect("id token");
        let header = jsonwebtoken::decode_header(id_token).expect("header");
        assert_eq!(header.alg, alg);
        let jwk = jwks.find(&header.kid.expect("kid")).expect("published key");
        let key = jsonwebtoken::DecodingKey::from_jwk(jwk).expect("key");
        let mut v = jsonwebtoken::Validation::new(alg);
        v.set_audience(&[client.as_str()]);
        v.set_issuer(&[server.url("/oidc")]);
        jsonwebtoken::decode::<Value>(id_token, &key, &v).expect("verifies");
        // Access tokens stay with the primary key.
        let at = tokens["access_token"].as_str().expect("at");
        assert!(!at.contains('.') || at.split('.').count() == 2, "opaque");
    }
    let r = server
        .post_json(
            "/api/applications",
            &j!({"name": "hs", "type": "SPA", "oidcClientMetadata": {"redirectUris": [CB], "idTokenSignedResponseAlg": "HS256"}}),
        )
        .await;
    assert_eq!(r.status(), 400);
}

async fn error_bodies_say_nothing_an_attacker_can_use(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let (spa, _) = app(&server, "SPA", false).await;
    let (native, _) = app(&server, "Native", false).await;
    user(&server, "wes").await;
    let code = code_for(&server, &spa, "wes", &[]).await;
    let wrong_verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXa";
    for form in [
        // A stolen code at another client, and with the wrong PKCE verifier.
        vec![
            ("grant_type", "authorization_code"),
            ("client_id", native.as_str()),
            ("code", code.as_str()),
            ("redirect_uri", CB),
            ("code_verifier", VERIFIER),
        ],
        vec![
            ("grant_type", "authorization_code"),
            ("client_id", spa.as_str()),
            ("code", code.as_str()),
            ("redirect_uri", CB),
            ("code_verifier", wrong_verifier),
        ],
    ] {
        let (status, body) = token(&server, &form).await;
        assert_eq!(status, 400);
        assert_eq!(body["error"], "invalid_grant");
        assert_eq!(
            body["error_description"], "grant request is invalid",
            "{body}"
        );
        assert_eq!(body["message"], "grant request is invalid", "{body}");
    }
    // The reasons are in the log, for the operator.
    server
        .wait_for_log(
            "issued to another client",
            std::time::Duration::from_secs(5),
        )
        .await;
    server
        .wait_for_log(
            "PKCE verification failed",
            std::time::Duration::from_secs(5),
        )
        .await;

    // RFC 6749 §5.2: no `"` or `\` in any description, whatever the client sent.
    let (status, body) = token(
        &server,
        &[
            ("grant_type", "authorization_code"),
            ("x\"y\\z", "1"),
            ("x\"y\\z", "2"),
        ],
    )
    .await;
    assert_eq!(status, 400);
    let description = body["error_description"].as_str().expect("description");
    assert!(
        description.contains("appears more than once"),
        "{description}"
    );
    assert!(!description.contains(['"', '\\']), "{description}");
    let r = browser()
        .get(auth_url(&server, &spa, &[]).replace("prompt=consent", "prompt=%22x%5C"))
        .send()
        .await
        .expect("auth");
    let q = query(&location(&r));
    assert_eq!(q["error"], "invalid_request");
    assert!(!q["error_description"].contains(['"', '\\']), "{q:?}");
    assert!(
        q["error_description"].contains("unsupported prompt"),
        "{q:?}"
    );
}
