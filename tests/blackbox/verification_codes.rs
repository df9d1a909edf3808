//! One-time codes (issue 14, items 2 and 7) against the real binary on both backends:
//! what the Experience API and the Account API answer when no connector can carry a
//! code, when the settings offer none, and for records this interaction never made; and
//! that every send and delivery failure is an event that holds neither the address nor
//! the code.

use crate::common;

use common::flow::app;
use common::interaction::{experience, interaction};
use common::{Backend, Deployment};
use reqwest::Method;
use serde_json::json as j;

both_backends!(without_a_connector_or_an_offer_a_code_is_refused_clearly_and_recorded,);

async fn without_a_connector_or_an_offer_a_code_is_refused_clearly_and_recorded(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let (client, _) = app(&server, "SPA", false).await;
    let mut jar = interaction(&server, &client).await;
    let put = Some(j!({"interactionEvent": "ForgotPassword"}));
    let (status, _, _) = experience(&server, &mut jar, Method::PUT, "/api/experience", put).await;
    assert_eq!(status, 204);

    let address = "forgetful@example.com";
    let send = |event: &str, kind: &str, value: &str| {
        Some(j!({"identifier": {"type": kind, "value": value}, "interactionEvent": event}))
    };
    let code_path = "/api/experience/verification/verification-code";

    // No email connector: 501 saying what is missing, and both facts in the log.
    let (status, body, _) = experience(
        &server,
        &mut jar,
        Method::POST,
        code_path,
        send("ForgotPassword", "email", address),
    )
    .await;
    assert_eq!(status, 501, "{body}");
    assert_eq!(body["code"], "connector.not_found");
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("Email connector"));
    assert_eq!(deployment.count_events("VerificationCodeSent").await, 1);
    assert_eq!(
        deployment
            .count_events("VerificationCodeDeliveryFailed")
            .await,
        1
    );
    // The code's stream holds digests, never the address.
    let payloads = deployment.event_payloads("verification-code").await;
    assert_eq!(payloads.len(), 2);
    assert!(payloads
        .iter()
        .all(|p| !p.contains(address) && !p.contains("forgetful")));

    // The default settings sign in with a password only: no code is offered for SignIn.
    let (status, body, _) = experience(
        &server,
        &mut jar,
        Method::POST,
        code_path,
        send("SignIn", "email", address),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["code"], "user.sign_in_method_not_enabled");

    // A code goes to an email address or a phone number, nothing else.
    let (status, body, _) = experience(
        &server,
        &mut jar,
        Method::POST,
        code_path,
        send("ForgotPassword", "username", "forgetful"),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["code"], "guard.invalid_input");

    // A verification id this interaction never got is not guessable into existence.
    let verify = j!({
        "identifier": {"type": "email", "value": address},
        "verificationId": "0123456789abcdef0123456789abcdef",
        "code": "123456"
    });
    let (status, body, _) = experience(
        &server,
        &mut jar,
        Method::POST,
        "/api/experience/verification/verification-code/verify",
        Some(verify),
    )
    .await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["code"], "session.verification_session_not_found");
    assert_eq!(deployment.count_events("VerificationCodeFailed").await, 0);

    // The password of a ForgotPassword interaction waits for an identified user.
    let (status, body, _) = experience(
        &server,
        &mut jar,
        Method::PUT,
        "/api/experience/profile/password",
        Some(j!({"password": "Vintage-Harbor-Lamp-73"})),
    )
    .await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["code"], "session.identifier_not_found");
}
