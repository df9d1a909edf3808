use super::*;
use crate::aggregate::{Aggregate, CommandContext};
use crate::oauth::pkce::CodeChallenge;
use crate::oauth::secret::SecretDigest;
use crate::testing::{given, Scenario};
use crate::time::Timestamp;

// RFC 7636 Appendix B.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const T0: i64 = 1_700_000_000_000;

fn at(ms_after: i64) -> CommandContext {
    CommandContext {
        now: Timestamp::from_millis(T0 + ms_after),
    }
}

fn issued() -> GrantIssued {
    GrantIssued {
        user_id: "user1".into(),
        client_id: "app1".into(),
        session_id: Some("sess1".into()),
        scopes: vec!["openid".into(), "offline_access".into(), "read".into()],
        resources: vec!["https://api.example".into()],
        auth_time: Timestamp::from_millis(T0),
        nonce: None,
        code: Some(AuthorizationCode {
            digest: SecretDigest::of("code-secret"),
            challenge: Some(CodeChallenge::parse(CHALLENGE, Some("S256")).unwrap()),
            redirect_uri: "https://app.example/cb".into(),
            expires_at: Timestamp::from_millis(T0 + 60_000),
        }),
        expires_at: Timestamp::from_millis(T0 + 180 * 86_400_000),
    }
}

fn issued_grant() -> Scenario<Grant> {
    given::<Grant>([])
        .at(at(0).now)
        .when(GrantCommand::Issue(issued()))
        .then([GrantEvent::GrantIssued(issued())])
}

fn opaque(secret: &str, ctx: CommandContext) -> AccessTokenIssued {
    AccessTokenIssued::Opaque {
        digest: SecretDigest::of(secret),
        scopes: vec!["openid".into()],
        issued_at: ctx.now,
        expires_at: ctx.now.plus_seconds(3600),
    }
}

fn redeem(verifier: Option<&str>, client: &str, redirect: &str) -> GrantCommand {
    GrantCommand::RedeemCode {
        client_id: client.into(),
        secret: "code-secret".into(),
        redirect_uri: redirect.into(),
        code_verifier: verifier.map(str::to_owned),
        access_token: opaque("at-1", at(1_000)),
        refresh_token: Some(RefreshTokenIssued {
            generation: 1,
            digest: SecretDigest::of("rt-1"),
            expires_at: at(0).now.plus_seconds(14 * 86_400),
        }),
    }
}

fn refresh(generation: u32, secret: &str, next: &str, ctx: CommandContext) -> GrantCommand {
    GrantCommand::Refresh {
        client_id: "app1".into(),
        generation,
        secret: secret.into(),
        access_token: opaque(&format!("at-for-{next}"), ctx),
        rotate_to: Some(IssuedSecret {
            digest: SecretDigest::of(next),
            expires_at: ctx.now.plus_seconds(14 * 86_400),
        }),
    }
}

fn redeemed_grant() -> Scenario<Grant> {
    let mut grant = issued_grant();
    grant
        .decide_at(
            redeem(Some(VERIFIER), "app1", "https://app.example/cb"),
            at(1_000),
        )
        .unwrap();
    grant
}

#[test]
fn redeeming_the_code_issues_tokens_the_grant_then_accepts() {
    let grant = redeemed_grant();
    let state = grant.state().unwrap();
    assert!(state.code_redeemed);
    assert!(state.accepts_access_token("at-1", at(2_000).now));
    assert!(!state.accepts_access_token("at-2", at(2_000).now));
    assert!(
        !state.accepts_access_token("at-1", at(3_601_000).now),
        "expired after 1 h"
    );
}

#[test]
fn a_second_redemption_revokes_what_the_first_issued() {
    let mut grant = redeemed_grant();
    let events = grant
        .decide_at(
            redeem(Some(VERIFIER), "app1", "https://app.example/cb"),
            at(2_000),
        )
        .unwrap();
    assert!(ends_in_revocation(&events));
    assert_eq!(
        grant.state().unwrap().revoked,
        Some(RevocationReason::CodeReplayed)
    );
    assert!(!grant
        .state()
        .unwrap()
        .accepts_access_token("at-1", at(3_000).now));
    assert_eq!(
        grant.decide_at(refresh(1, "rt-1", "rt-2", at(4_000)), at(4_000)),
        Err(Refusal::Inactive)
    );
}

#[test]
fn refusals_for_client_redirect_expiry_and_pkce_leave_the_code_unused() {
    let mut grant = issued_grant();
    let ok_redirect = "https://app.example/cb";
    let cases = [
        (
            redeem(Some(VERIFIER), "other-app", ok_redirect),
            at(1_000),
            Refusal::WrongClient,
        ),
        (
            redeem(Some(VERIFIER), "app1", "https://evil.example/cb"),
            at(1_000),
            Refusal::WrongRedirectUri,
        ),
        (
            redeem(Some(VERIFIER), "app1", ok_redirect),
            at(60_000),
            Refusal::Expired,
        ),
        (
            redeem(None, "app1", ok_redirect),
            at(1_000),
            Refusal::Pkce("code_verifier missing".into()),
        ),
    ];
    for (cmd, ctx, expected) in cases {
        assert_eq!(grant.decide_at(cmd, ctx), Err(expected));
    }
    let wrong_verifier = redeem(
        Some("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXa"),
        "app1",
        ok_redirect,
    );
    assert!(matches!(
        grant.decide_at(wrong_verifier, at(1_000)),
        Err(Refusal::Pkce(_))
    ));
    assert!(!grant.state().unwrap().code_redeemed);
    // After all that, the genuine redemption still works.
    grant
        .decide_at(redeem(Some(VERIFIER), "app1", ok_redirect), at(1_000))
        .unwrap();
}

#[test]
fn a_wrong_code_secret_is_refused_without_revoking() {
    let mut grant = redeemed_grant();
    let GrantCommand::RedeemCode {
        client_id,
        redirect_uri,
        code_verifier,
        access_token,
        refresh_token,
        ..
    } = redeem(Some(VERIFIER), "app1", "https://app.example/cb")
    else {
        unreachable!()
    };
    let guess = GrantCommand::RedeemCode {
        client_id,
        secret: "guessed".into(),
        redirect_uri,
        code_verifier,
        access_token,
        refresh_token,
    };
    assert_eq!(grant.decide_at(guess, at(2_000)), Err(Refusal::WrongSecret));
    assert_eq!(grant.state().unwrap().revoked, None);
}

#[test]
fn refresh_rotates_and_an_authentic_replay_revokes_the_grant() {
    let mut grant = redeemed_grant();
    grant
        .decide_at(refresh(1, "rt-1", "rt-2", at(10_000)), at(10_000))
        .unwrap();
    assert_eq!(grant.state().unwrap().refresh.as_ref().unwrap().0, 2);
    assert!(grant
        .state()
        .unwrap()
        .accepts_access_token("at-for-rt-2", at(11_000).now));
    // The old access token stays valid until it expires: rotation is not revocation.
    assert!(grant
        .state()
        .unwrap()
        .accepts_access_token("at-1", at(11_000).now));

    let events = grant
        .decide_at(refresh(1, "rt-1", "rt-x", at(20_000)), at(20_000))
        .unwrap();
    assert!(ends_in_revocation(&events));
    assert_eq!(
        grant.state().unwrap().revoked,
        Some(RevocationReason::RefreshTokenReplayed)
    );
    assert_eq!(
        grant.decide_at(refresh(2, "rt-2", "rt-3", at(30_000)), at(30_000)),
        Err(Refusal::Inactive)
    );
}

#[test]
fn a_guessed_old_generation_does_not_revoke() {
    let mut grant = redeemed_grant();
    grant
        .decide_at(refresh(1, "rt-1", "rt-2", at(10_000)), at(10_000))
        .unwrap();
    assert_eq!(
        grant.decide_at(refresh(1, "not-the-token", "rt-x", at(20_000)), at(20_000)),
        Err(Refusal::WrongSecret)
    );
    assert_eq!(grant.state().unwrap().revoked, None);
    grant
        .decide_at(refresh(2, "rt-2", "rt-3", at(30_000)), at(30_000))
        .unwrap();
}

#[test]
fn refresh_cannot_widen_scope_or_be_used_by_another_client() {
    let mut grant = redeemed_grant();
    let wider = GrantCommand::Refresh {
        client_id: "app1".into(),
        generation: 1,
        secret: "rt-1".into(),
        access_token: AccessTokenIssued::Jwt {
            jti: "j1".into(),
            audience: "https://api.example".into(),
            scopes: vec!["write".into()],
            issued_at: at(5_000).now,
            expires_at: at(5_000).now.plus_seconds(3600),
        },
        rotate_to: None,
    };
    assert_eq!(
        grant.decide_at(wider, at(5_000)),
        Err(Refusal::ScopeExceeded)
    );
    let GrantCommand::Refresh {
        generation,
        secret,
        access_token,
        rotate_to,
        ..
    } = refresh(1, "rt-1", "rt-2", at(5_000))
    else {
        unreachable!()
    };
    let other = GrantCommand::Refresh {
        client_id: "app2".into(),
        generation,
        secret,
        access_token,
        rotate_to,
    };
    assert_eq!(grant.decide_at(other, at(5_000)), Err(Refusal::WrongClient));
}

#[test]
fn an_expired_refresh_token_is_refused() {
    let mut grant = redeemed_grant();
    let late = at(15 * 86_400_000);
    assert_eq!(
        grant.decide_at(refresh(1, "rt-1", "rt-2", late), late),
        Err(Refusal::Expired)
    );
}

#[test]
fn revoking_an_access_token_ends_only_that_token() {
    let mut grant = redeemed_grant();
    grant
        .decide_at(
            GrantCommand::RevokeAccessToken {
                secret: "at-1".into(),
            },
            at(2_000),
        )
        .unwrap();
    let state = grant.state().unwrap();
    assert!(!state.accepts_access_token("at-1", at(3_000).now));
    assert!(state.is_active(at(3_000).now));
    grant
        .decide_at(refresh(1, "rt-1", "rt-2", at(4_000)), at(4_000))
        .unwrap();
}

#[test]
fn revoking_the_refresh_token_ends_the_grant_and_revocation_is_idempotent() {
    let mut grant = redeemed_grant();
    let revoke = GrantCommand::RevokeRefreshToken {
        client_id: "app1".into(),
        generation: 1,
        secret: "rt-1".into(),
    };
    grant.decide_at(revoke, at(2_000)).unwrap();
    assert_eq!(
        grant.state().unwrap().revoked,
        Some(RevocationReason::ClientRevoked)
    );
    assert!(grant
        .decide_at(GrantCommand::Revoke(RevocationReason::Revoked), at(3_000))
        .unwrap()
        .is_empty());
    assert_eq!(
        grant.state().unwrap().revoked,
        Some(RevocationReason::ClientRevoked)
    );
}

fn jwt_for(audience: &str, scopes: &[&str], ctx: CommandContext) -> AccessTokenIssued {
    AccessTokenIssued::Jwt {
        jti: format!("jti-{audience}"),
        audience: audience.into(),
        scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
        issued_at: ctx.now,
        expires_at: ctx.now.plus_seconds(3600),
    }
}

#[test]
fn a_token_for_a_resource_the_grant_does_not_hold_is_refused_at_refresh_and_code() {
    let mut grant = redeemed_grant();
    let other = GrantCommand::Refresh {
        client_id: "app1".into(),
        generation: 1,
        secret: "rt-1".into(),
        access_token: jwt_for("https://other.example", &[], at(5_000)),
        rotate_to: None,
    };
    assert_eq!(
        grant.decide_at(other, at(5_000)),
        Err(Refusal::TargetNotGranted)
    );
    let held = GrantCommand::Refresh {
        client_id: "app1".into(),
        generation: 1,
        secret: "rt-1".into(),
        access_token: jwt_for("https://api.example", &["read"], at(5_000)),
        rotate_to: None,
    };
    grant.decide_at(held, at(5_000)).unwrap();

    let mut fresh = issued_grant();
    let GrantCommand::RedeemCode {
        client_id,
        secret,
        redirect_uri,
        code_verifier,
        refresh_token,
        ..
    } = redeem(Some(VERIFIER), "app1", "https://app.example/cb")
    else {
        unreachable!()
    };
    let command = GrantCommand::RedeemCode {
        client_id,
        secret,
        redirect_uri,
        code_verifier,
        access_token: jwt_for("https://other.example", &[], at(1_000)),
        refresh_token,
    };
    assert_eq!(
        fresh.decide_at(command, at(1_000)),
        Err(Refusal::TargetNotGranted)
    );
    assert!(
        !fresh.state().unwrap().code_redeemed,
        "the code stays usable"
    );
}

#[test]
fn grants_issued_before_resource_binding_hold_no_resource() {
    // A stored `GrantIssued` without `resources` (written before RFC 8707 binding).
    let payload = serde_json::json!({
        "userId": "u", "clientId": "c", "scopes": ["openid"], "authTime": T0,
        "code": {"digest": SecretDigest::of("x"), "redirectUri": "https://a/cb", "expiresAt": T0},
        "expiresAt": T0 + 1_000
    });
    let issued: GrantIssued = serde_json::from_value(payload).unwrap();
    assert!(issued.resources.is_empty());
    let mut grant = Grant::default();
    grant.apply(&GrantEvent::GrantIssued(issued));
    let state = grant.state().unwrap();
    assert!(state.holds_resource(None));
    assert!(!state.holds_resource(Some("https://api.example")));
}

#[test]
fn each_opaque_token_keeps_its_own_scopes() {
    let mut grant = redeemed_grant();
    let down = GrantCommand::Refresh {
        client_id: "app1".into(),
        generation: 1,
        secret: "rt-1".into(),
        access_token: AccessTokenIssued::Opaque {
            digest: SecretDigest::of("at-narrow"),
            scopes: vec!["openid".into()],
            issued_at: at(5_000).now,
            expires_at: at(5_000).now.plus_seconds(3600),
        },
        rotate_to: None,
    };
    grant.decide_at(down, at(5_000)).unwrap();
    let state = grant.state().unwrap();
    let token = state.access_token("at-narrow", at(6_000).now).unwrap();
    assert_eq!(token.scopes, vec!["openid".to_owned()]);
    assert_eq!(state.issued.scopes.len(), 3, "the grant keeps its own");
}

#[test]
fn a_revoked_resource_jwt_is_refused_and_only_its_client_may_revoke_it() {
    let mut grant = redeemed_grant();
    let revoke = |client: &str| GrantCommand::RevokeResourceToken {
        client_id: client.into(),
        jti: "j1".into(),
        expires_at: at(3_600_000).now,
    };
    assert_eq!(
        grant.decide_at(revoke("app2"), at(2_000)),
        Err(Refusal::WrongClient)
    );
    assert!(grant.state().unwrap().accepts_jwt("j1", at(2_000).now));
    assert_eq!(
        grant.decide_at(revoke("app1"), at(2_000)),
        Ok(vec![GrantEvent::ResourceTokenRevoked(
            ResourceTokenRevoked {
                jti: "j1".into(),
                expires_at: at(3_600_000).now,
            }
        )])
    );
    let state = grant.state().unwrap();
    assert!(!state.accepts_jwt("j1", at(3_000).now));
    assert!(state.accepts_jwt("j2", at(3_000).now));
    assert!(grant
        .decide_at(revoke("app1"), at(4_000))
        .unwrap()
        .is_empty());
}

#[test]
fn a_grant_issued_without_a_code_has_no_code_to_redeem() {
    let codeless = GrantIssued {
        code: None,
        ..issued()
    };
    let mut grant = given::<Grant>([GrantEvent::GrantIssued(codeless)]);
    assert_eq!(
        grant.decide_at(
            redeem(Some(VERIFIER), "app1", "https://app.example/cb"),
            at(1_000)
        ),
        Err(Refusal::WrongSecret)
    );
    assert!(!grant.state().unwrap().code_redeemed);
}

fn issue_for_device(access_token: AccessTokenIssued) -> GrantCommand {
    GrantCommand::IssueForDevice {
        issued: GrantIssued {
            code: None,
            ..issued()
        },
        device_authorization_id: "dev1".into(),
        access_token,
        refresh_token: Some(RefreshTokenIssued {
            generation: 1,
            digest: SecretDigest::of("rt-1"),
            expires_at: at(0).now.plus_seconds(14 * 86_400),
        }),
    }
}

#[test]
fn a_device_grant_is_issued_with_its_first_tokens_in_one_decision() {
    let mut grant = given::<Grant>([]).at(at(0).now);
    let events = grant
        .decide_at(issue_for_device(opaque("at-1", at(0))), at(0))
        .unwrap();
    assert!(matches!(
        events.as_slice(),
        [GrantEvent::GrantIssued(i), GrantEvent::DeviceCodeRedeemed(r)]
            if i.code.is_none() && r.device_authorization_id == "dev1"
    ));
    let state = grant.state().unwrap();
    assert!(state.accepts_access_token("at-1", at(1_000).now));
    // The refresh token works as one from a code does.
    grant
        .decide_at(refresh(1, "rt-1", "rt-2", at(2_000)), at(2_000))
        .unwrap();
    // Issued once; a token beyond the grant's scopes is refused.
    given::<Grant>([GrantEvent::GrantIssued(issued())])
        .when(issue_for_device(opaque("at-1", at(0))))
        .then_error(Refusal::AlreadyExists);
    let wide = AccessTokenIssued::Opaque {
        digest: SecretDigest::of("at-1"),
        scopes: vec!["admin".into()],
        issued_at: at(0).now,
        expires_at: at(0).now.plus_seconds(3600),
    };
    given::<Grant>([])
        .at(at(0).now)
        .when(issue_for_device(wide))
        .then_error(Refusal::ScopeExceeded);
}
