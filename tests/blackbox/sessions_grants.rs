//! User sessions and grants through the Management API (Logto 2.5 shapes), on both
//! backends over HTTP: listing, revoking a session with its grants (the refresh token,
//! the opaque access token and silent sign-in all stop at once), revoking one grant, the
//! `appType` filter, the 404s, and suspension signing the user out everywhere.

use crate::common;

use common::flow::*;
use common::{json, Backend, Deployment, Server};
use reqwest::header::COOKIE;
use serde_json::{json as j, Value};

both_backends!(
    revoking_a_session_stops_its_tokens_and_silent_sign_in,
    revoking_a_grant_by_id_and_filters,
    suspension_signs_the_user_out_everywhere,
    session_ttl_changes_apply_to_new_sessions_without_restart,
    signing_keys_are_listed_rotated_and_deleted_but_never_the_current_one,
);

/// A confidential web app: its id and secret.
struct Web {
    id: String,
    secret: String,
}

impl Web {
    async fn new(server: &Server) -> Self {
        let (id, secret) = app(server, "Traditional", false).await;
        Self {
            id,
            secret: secret.expect("secret"),
        }
    }

    /// Signs `username` in with `jar` and redeems the code: (access, refresh).
    async fn sign_in(&self, server: &Server, jar: &mut Jar, username: &str) -> (String, String) {
        let back = sign_in(
            server,
            jar,
            &auth_url(server, &self.id, &[]),
            username,
            PASSWORD,
        )
        .await;
        let code = query(&back)["code"].clone();
        let (status, tokens) = self
            .token(
                server,
                &[
                    ("grant_type", "authorization_code"),
                    ("code", &code),
                    ("redirect_uri", CB),
                    ("code_verifier", VERIFIER),
                ],
            )
            .await;
        assert_eq!(status, 200, "{tokens}");
        (
            tokens["access_token"].as_str().expect("access").to_owned(),
            tokens["refresh_token"]
                .as_str()
                .expect("refresh")
                .to_owned(),
        )
    }

    async fn token(&self, server: &Server, form: &[(&str, &str)]) -> (u16, Value) {
        let r = browser()
            .post(server.url("/oidc/token"))
            .basic_auth(&self.id, Some(&self.secret))
            .form(form)
            .send()
            .await
            .expect("token");
        (r.status().as_u16(), json(r).await)
    }

    async fn refresh(&self, server: &Server, refresh_token: &str) -> (u16, Value) {
        self.token(
            server,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
            ],
        )
        .await
    }

    async fn introspect(&self, server: &Server, token: &str) -> Value {
        let r = browser()
            .post(server.url("/oidc/token/introspection"))
            .basic_auth(&self.id, Some(&self.secret))
            .form(&[("token", token)])
            .send()
            .await
            .expect("introspect");
        json(r).await
    }

    /// Whether `/oidc/auth` with `jar` signs in silently (a code) or asks for a sign-in.
    async fn silent(&self, server: &Server, jar: &Jar) -> bool {
        let r = browser()
            .get(auth_url(server, &self.id, &[]))
            .header(COOKIE, jar.header())
            .send()
            .await
            .expect("auth");
        assert_eq!(r.status(), 303);
        !location(&r).starts_with('/')
    }
}

/// Asserts that both tokens work (true) or are dead (false), all three ways.
async fn tokens_work(server: &Server, web: &Web, access: &str, refresh: &str, alive: bool) {
    assert_eq!(
        me(server, access).await.status() == 200,
        alive,
        "/oidc/me with the access token"
    );
    assert_eq!(
        web.introspect(server, access).await["active"] == true,
        alive,
        "introspection of the access token"
    );
    assert_eq!(
        web.introspect(server, refresh).await["active"] == true,
        alive,
        "introspection of the refresh token"
    );
    let (status, body) = web.refresh(server, refresh).await;
    if alive {
        assert_eq!(status, 200, "{body}");
    } else {
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_grant"))
        );
    }
}

async fn revoking_a_session_stops_its_tokens_and_silent_sign_in(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let web = Web::new(&server).await;
    let uid = user(&server, "sessions_alice").await;
    let mut jar = Jar::default();
    let (access, refresh) = web.sign_in(&server, &mut jar, "sessions_alice").await;
    assert!(
        web.silent(&server, &jar).await,
        "a live session signs in silently"
    );

    let r = server.get(&format!("/api/users/{uid}/sessions")).await;
    assert_eq!(r.status(), 200);
    let body = json(r).await;
    let sessions = body["sessions"].as_array().expect("sessions");
    assert_eq!(sessions.len(), 1, "{body}");
    let s = &sessions[0];
    let sid = s["payload"]["uid"].as_str().expect("uid").to_owned();
    assert_eq!(s["accountId"], uid.as_str());
    assert_eq!(s["payload"]["kind"], "Session");
    assert_eq!(s["payload"]["accountId"], uid.as_str());
    assert!(s["expiresAt"].as_i64().expect("expiresAt") > 0);
    // The silent sign-in above issued a second grant in the same session.
    let auth = &s["payload"]["authorizations"][web.id.as_str()];
    assert!(auth["grantId"].is_string(), "{s}");
    assert_eq!(auth["sid"], sid.as_str());

    let r = server
        .get(&format!("/api/users/{uid}/sessions/{sid}"))
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(json(r).await["payload"]["uid"], sid.as_str());
    let r = server
        .get(&format!("/api/users/{uid}/sessions/nosuchsession"))
        .await;
    assert_eq!(r.status(), 404);
    assert_eq!(json(r).await["code"], "oidc.session_not_found");
    let r = server.get("/api/users/nosuchuser/sessions").await;
    assert_eq!(r.status(), 404);
    assert_eq!(json(r).await["code"], "entity.not_exists_with_id");
    let r = server
        .delete(&format!(
            "/api/users/{uid}/sessions/{sid}?revokeGrantsTarget=everything"
        ))
        .await;
    assert_eq!(r.status(), 400);
    assert_eq!(json(r).await["code"], "guard.invalid_input");

    // Another user's view of this session: not found.
    let other = user(&server, "sessions_bob").await;
    let r = server
        .get(&format!("/api/users/{other}/sessions/{sid}"))
        .await;
    assert_eq!(r.status(), 404);

    tokens_work(&server, &web, &access, &refresh, true).await;
    // (the refresh above rotated; take the fresh pair)
    let (access, refresh) = web.sign_in(&server, &mut jar, "sessions_alice").await;
    let r = server
        .delete(&format!(
            "/api/users/{uid}/sessions/{sid}?revokeGrantsTarget=all"
        ))
        .await;
    assert_eq!(r.status(), 204);
    tokens_work(&server, &web, &access, &refresh, false).await;
    assert!(
        !web.silent(&server, &jar).await,
        "after the session was revoked, /oidc/auth needs a fresh sign-in"
    );
    let body = json(server.get(&format!("/api/users/{uid}/sessions")).await).await;
    assert_eq!(body["sessions"], j!([]), "{body}");
    let body = json(server.get(&format!("/api/users/{uid}/grants")).await).await;
    assert_eq!(body["grants"], j!([]), "{body}");
    let r = server
        .delete(&format!("/api/users/{uid}/sessions/{sid}"))
        .await;
    assert_eq!(r.status(), 404, "an ended session is gone");
}

async fn revoking_a_grant_by_id_and_filters(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let web = Web::new(&server).await;
    let uid = user(&server, "grants_carol").await;
    let (access1, refresh1) = web
        .sign_in(&server, &mut Jar::default(), "grants_carol")
        .await;
    let (access2, refresh2) = web
        .sign_in(&server, &mut Jar::default(), "grants_carol")
        .await;

    let body = json(server.get(&format!("/api/users/{uid}/grants")).await).await;
    let grants = body["grants"].as_array().expect("grants");
    assert_eq!(grants.len(), 2, "{body}");
    for g in grants {
        assert_eq!(g["payload"]["kind"], "Grant");
        assert_eq!(g["payload"]["clientId"], web.id.as_str());
        assert_eq!(g["payload"]["accountId"], uid.as_str());
        assert_eq!(g["application"]["id"], web.id.as_str());
        assert_eq!(g["application"]["name"], "Traditional app");
    }
    let first_party = json(
        server
            .get(&format!("/api/users/{uid}/grants?appType=firstParty"))
            .await,
    )
    .await;
    assert_eq!(first_party["grants"].as_array().map(Vec::len), Some(2));
    let third_party = json(
        server
            .get(&format!("/api/users/{uid}/grants?appType=thirdParty"))
            .await,
    )
    .await;
    assert_eq!(third_party["grants"], j!([]));
    let r = server
        .get(&format!("/api/users/{uid}/grants?appType=secondParty"))
        .await;
    assert_eq!(r.status(), 400);

    // Tokens are `<grant id>.<secret>`: the first sign-in's grant.
    let first = access1.split('.').next().expect("grant id").to_owned();
    let r = server
        .delete(&format!("/api/users/{uid}/grants/{first}"))
        .await;
    assert_eq!(r.status(), 204);
    tokens_work(&server, &web, &access1, &refresh1, false).await;
    tokens_work(&server, &web, &access2, &refresh2, true).await;
    let body = json(server.get(&format!("/api/users/{uid}/grants")).await).await;
    assert_eq!(body["grants"].as_array().map(Vec::len), Some(1), "{body}");

    let r = server
        .delete(&format!("/api/users/{uid}/grants/{first}"))
        .await;
    assert_eq!(r.status(), 404, "a revoked grant is gone");
    assert_eq!(json(r).await["code"], "entity.not_exists_with_id");
    let other = user(&server, "grants_dave").await;
    let second = access2.split('.').next().expect("grant id").to_owned();
    let r = server
        .delete(&format!("/api/users/{other}/grants/{second}"))
        .await;
    assert_eq!(r.status(), 404, "another user's grant is not found");
    let r = server.delete("/api/users/nosuchuser/grants/x").await;
    assert_eq!(r.status(), 404);
}

async fn suspension_signs_the_user_out_everywhere(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let web = Web::new(&server).await;
    let uid = user(&server, "suspended_erin").await;
    let mut jar = Jar::default();
    let (access, refresh) = web.sign_in(&server, &mut jar, "suspended_erin").await;
    let r = server
        .patch_json(
            &format!("/api/users/{uid}/is-suspended"),
            &j!({"isSuspended": true}),
        )
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    tokens_work(&server, &web, &access, &refresh, false).await;
    assert!(!web.silent(&server, &jar).await);
    // The revocations are events, not only refusals: the read models are empty.
    let body = json(server.get(&format!("/api/users/{uid}/sessions")).await).await;
    assert_eq!(body["sessions"], j!([]), "{body}");
    let body = json(server.get(&format!("/api/users/{uid}/grants")).await).await;
    assert_eq!(body["grants"], j!([]), "{body}");
}

async fn session_ttl_changes_apply_to_new_sessions_without_restart(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let r = server.get("/api/configs/oidc/session").await;
    assert_eq!(r.status(), 200);
    assert_eq!(json(r).await, j!({"ttl": 1_209_600}));
    for bad in [j!({"ttl": 0}), j!({"ttl": "long"}), j!({"ttl": 31_536_001})] {
        let r = server.patch_json("/api/configs/oidc/session", &bad).await;
        assert_eq!(r.status(), 400, "{bad}");
        let body = json(r).await;
        assert_eq!(body["code"], "guard.invalid_input");
        assert!(
            body["details"].as_str().unwrap_or("").contains("ttl"),
            "{body}"
        );
    }
    let r = server
        .patch_json("/api/configs/oidc/session", &j!({"ttl": 3600}))
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(json(r).await, j!({"ttl": 3600}));
    assert_eq!(
        json(server.get("/api/configs/oidc/session").await).await,
        j!({"ttl": 3600})
    );

    let web = Web::new(&server).await;
    let uid = user(&server, "ttl_gina").await;
    web.sign_in(&server, &mut Jar::default(), "ttl_gina").await;
    let body = json(server.get(&format!("/api/users/{uid}/sessions")).await).await;
    let s = &body["sessions"][0];
    let login_ms = s["payload"]["loginTs"].as_i64().expect("loginTs") * 1000;
    let lifetime = s["expiresAt"].as_i64().expect("expiresAt") - login_ms;
    // The new session got the new TTL (not the 14-day default): an hour from sign-in,
    // plus however long the sign-in took.
    assert!(
        (3_600_000..3_600_000 + 600_000).contains(&lifetime),
        "session lifetime {lifetime} ms: {s}"
    );

    // Another node (Postgres: several servers share one database) applies a change made
    // on this one to its next sign-in, without a restart.
    if backend == Backend::Postgres {
        let other = deployment.start().await;
        // The other node has read (and cached) the current value before the change.
        assert_eq!(
            json(other.get("/api/configs/oidc/session").await).await,
            j!({"ttl": 3600})
        );
        let r = server
            .patch_json("/api/configs/oidc/session", &j!({"ttl": 7200}))
            .await;
        assert_eq!(r.status(), 200);
        let uid = user(&other, "ttl_hugo").await;
        web.sign_in(&other, &mut Jar::default(), "ttl_hugo").await;
        let body = json(other.get(&format!("/api/users/{uid}/sessions")).await).await;
        let s = &body["sessions"][0];
        let login_ms = s["payload"]["loginTs"].as_i64().expect("loginTs") * 1000;
        let lifetime = s["expiresAt"].as_i64().expect("expiresAt") - login_ms;
        assert!(
            (7_200_000..7_200_000 + 600_000).contains(&lifetime),
            "session lifetime on the other node {lifetime} ms: {s}"
        );
    }
}

async fn signing_keys_are_listed_rotated_and_deleted_but_never_the_current_one(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let keys = json(server.get("/api/configs/oidc/private-keys").await).await;
    let first = keys[0]["id"].as_str().expect("key id").to_owned();
    assert_eq!(keys[0]["status"], "Current", "{keys}");
    let path = format!("/api/configs/oidc/private-keys/{first}");
    let r = server.delete(&path).await;
    assert_eq!(r.status(), 422);
    assert_eq!(json(r).await["code"], "oidc.key_required");
    let r = server
        .delete("/api/configs/oidc/private-keys/nosuchkey")
        .await;
    assert_eq!(r.status(), 404);

    let r = server
        .post_json("/api/configs/oidc/private-keys/rotate", &j!({}))
        .await;
    assert_eq!(r.status(), 200);
    let kids = |jwks: Value| -> Vec<String> {
        jwks["keys"]
            .as_array()
            .expect("keys")
            .iter()
            .map(|k| k["kid"].as_str().expect("kid").to_owned())
            .collect()
    };
    assert!(kids(json(server.get_anonymous("/oidc/jwks").await).await).contains(&first));
    // The harness's token was signed by the first key: deleting that key ends it, so
    // continue with a token signed by the new one.
    let fresh = server
        .management_token(common::ADMIN_ID, common::ADMIN_SECRET)
        .await;
    let with_fresh = |m: reqwest::Method, p: &str| {
        server
            .anonymous
            .request(m, server.url(p))
            .bearer_auth(&fresh)
            .send()
    };
    let r = with_fresh(reqwest::Method::DELETE, &path)
        .await
        .expect("delete");
    assert_eq!(r.status(), 204);
    let keys = json(
        with_fresh(reqwest::Method::GET, "/api/configs/oidc/private-keys")
            .await
            .expect("list"),
    )
    .await;
    // The new ES384 key and the RS256 key, both current.
    assert_eq!(keys.as_array().map(Vec::len), Some(2), "{keys}");
    assert_eq!(keys[0]["status"], "Current");
    assert_eq!(keys[1]["status"], "Current");
    assert!(!kids(json(server.get_anonymous("/oidc/jwks").await).await).contains(&first));
    let r = server.get("/api/configs/oidc/private-keys").await;
    assert_eq!(
        r.status(),
        401,
        "tokens signed by a deleted key stop verifying"
    );
    let r = with_fresh(reqwest::Method::DELETE, &path)
        .await
        .expect("delete");
    assert_eq!(r.status(), 404, "a deleted key is gone");
}
