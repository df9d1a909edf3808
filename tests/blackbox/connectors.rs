//! `/api/connectors` black-box tests on both backends: CRUD in Logto's shape with secrets
//! masked in every answer and sealed in the log, config refusals naming the field, one
//! connector per kind, the test route delivering to a local SMTP server and a local HTTP
//! receiver with the template rendered, unreachable servers answered 502, the address
//! policy, the sign-in experience accepting code settings once a connector exists, and a
//! connector it relies on refused deletion.

use crate::common;
use crate::common::connectors::{
    self as conn, ALLOW_PRIVATE, SMS_AUTHORIZATION, SMTP_PASSWORD, SMTP_USER,
};
use crate::common::smtp::SmtpReceiver;
use crate::common::webhook_receiver::Receiver;

use common::{Backend, Deployment};
use serde_json::{json, Value};
use std::time::Duration;

both_backends!(
    connector_crud_secrets_and_test_delivery,
    unreachable_and_private_servers_are_clear_errors,
    http_connectors_shape_the_request_as_configured,
    sign_in_experience_needs_a_connector_of_the_kind,
    a_connector_the_sign_in_experience_relies_on_is_not_deleted,
);

const WAIT: Duration = Duration::from_secs(15);

async fn expect(response: reqwest::Response, status: u16) -> Value {
    let got = response.status().as_u16();
    let body = response.text().await.unwrap_or_default();
    assert_eq!(got, status, "body: {body}");
    serde_json::from_str(&body).unwrap_or(Value::Null)
}

/// A port nothing listens on (bound, then released).
async fn closed_port() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

async fn connector_crud_secrets_and_test_delivery(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let smtp = SmtpReceiver::start().await;
    let sms = Receiver::start(&[], 200).await;
    let server = deployment.start_with(&[ALLOW_PRIVATE]).await;

    // Management access only.
    let anonymous = server.get_anonymous("/api/connectors").await;
    assert_eq!(anonymous.status(), 401);
    let factories = expect(server.get("/api/connector-factories").await, 200).await;
    let ids: Vec<&str> = factories
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["id"].as_str())
        .collect();
    assert_eq!(
        ids,
        ["simple-mail-transfer-protocol", "http-email", "http-sms"]
    );
    assert_eq!(
        expect(server.get("/api/connectors").await, 200).await,
        json!([])
    );

    // Malformed configurations name the field; an unknown factory is a 404.
    let mut bad = conn::smtp_config(&smtp);
    bad["port"] = json!("twenty-five");
    let refused = expect(
        server
            .post_json(
                "/api/connectors",
                &json!({"connectorId": "simple-mail-transfer-protocol", "config": bad}),
            )
            .await,
        400,
    )
    .await;
    assert!(
        refused["details"]
            .as_str()
            .unwrap()
            .starts_with("config.port:"),
        "{refused}"
    );
    let mut bad = conn::smtp_config(&smtp);
    bad["templates"][0]["usageType"] = json!("Whenever");
    let refused = expect(
        server
            .post_json(
                "/api/connectors",
                &json!({"connectorId": "simple-mail-transfer-protocol", "config": bad}),
            )
            .await,
        400,
    )
    .await;
    assert!(
        refused["details"]
            .as_str()
            .unwrap()
            .starts_with("config.templates[0].usageType:"),
        "{refused}"
    );
    expect(
        server
            .post_json(
                "/api/connectors",
                &json!({"connectorId": "nope", "config": {}}),
            )
            .await,
        404,
    )
    .await;

    // Created: secrets masked in the answer.
    let email = conn::add_smtp_connector(&server, &smtp).await;
    let email_id = email["id"].as_str().unwrap().to_owned();
    assert_eq!(email["connectorId"], "simple-mail-transfer-protocol");
    assert_eq!(email["type"], "Email");
    assert_eq!(email["config"]["auth"]["pass"], "******");
    assert_eq!(email["config"]["auth"]["user"], SMTP_USER);
    assert!(!email.to_string().contains(SMTP_PASSWORD));

    // A second Email connector is refused (one per kind, as Logto).
    let second = expect(
        server
            .post_json(
                "/api/connectors",
                &json!({"connectorId": "http-email", "config": {"endpoint": sms.url}}),
            )
            .await,
        422,
    )
    .await;
    assert_eq!(second["code"], "connector.multiple_instances_not_supported");

    let mut sms_config = conn::sms_config(&sms);
    sms_config["headers"] = json!({"x-api-key": "header-secret-never-shown"});
    let phone = expect(
        server
            .post_json(
                "/api/connectors",
                &json!({"connectorId": "http-sms", "config": sms_config}),
            )
            .await,
        200,
    )
    .await;
    let phone_id = phone["id"].as_str().unwrap().to_owned();
    assert_eq!(phone["type"], "Sms");
    assert_eq!(phone["config"]["authorization"], "******");
    assert_eq!(phone["config"]["headers"]["x-api-key"], "******");

    let list = expect(server.get("/api/connectors").await, 200).await;
    assert_eq!(list.as_array().unwrap().len(), 2);
    let listed = list.to_string();
    for secret in [
        SMTP_PASSWORD,
        SMS_AUTHORIZATION,
        "header-secret-never-shown",
    ] {
        assert!(!listed.contains(secret), "{secret} in {listed}");
    }
    let got = expect(
        server.get(&format!("/api/connectors/{email_id}")).await,
        200,
    )
    .await;
    assert_eq!(got, email);

    // The test route delivers with the Generic template, placeholders filled, and the
    // opened secrets (the receivers see the password and the authorization).
    let sent = server
        .post_json(
            &format!("/api/connectors/{email_id}/test"),
            &json!({"email": "alice@example.com"}),
        )
        .await;
    expect(sent, 204).await;
    let mail = smtp.wait_for("alice@example.com", WAIT).await;
    assert_eq!(mail.subject(), "[Generic] Tessera code");
    let body = mail.body();
    assert!(
        body.starts_with("[Generic] Your code is 000000 (to alice@example.com, from 127.0.0.1)"),
        "{body}"
    );
    assert_eq!(mail.code(6).as_deref(), Some("000000"));
    assert_eq!(mail.from, "noreply@tessera.test");
    assert_eq!(
        mail.auth,
        Some((SMTP_USER.to_owned(), SMTP_PASSWORD.to_owned()))
    );

    let sent = server
        .post_json(
            &format!("/api/connectors/{phone_id}/test"),
            &json!({"phone": "+15550001111"}),
        )
        .await;
    expect(sent, 204).await;
    let text = conn::wait_for_sms(&sms, "+15550001111", WAIT).await;
    assert_eq!(text.to, "+15550001111");
    assert_eq!(
        (text.usage.as_str(), text.code.as_str()),
        ("Generic", "000000")
    );
    let payload = text.request.json();
    assert_eq!(payload["payload"]["message"], "Your Generic code is 000000");
    assert_eq!(payload["payload"]["ip"], "127.0.0.1");
    assert_eq!(text.request.header("authorization"), SMS_AUTHORIZATION);
    assert_eq!(
        text.request.header("x-api-key"),
        "header-secret-never-shown"
    );

    // The wrong identifier for the kind is the caller's mistake.
    let wrong = expect(
        server
            .post_json(
                &format!("/api/connectors/{phone_id}/test"),
                &json!({"email": "alice@example.com"}),
            )
            .await,
        400,
    )
    .await;
    assert!(
        wrong["details"].as_str().unwrap().starts_with("phone:"),
        "{wrong}"
    );

    // PATCH with the answer's masked config keeps the stored password.
    let mut config = email["config"].clone();
    config["templates"][0]["subject"] = json!("Edited {{type}}");
    let patched = expect(
        server
            .patch_json(
                &format!("/api/connectors/{email_id}"),
                &json!({"config": config}),
            )
            .await,
        200,
    )
    .await;
    assert_eq!(
        patched["config"]["templates"][0]["subject"],
        "Edited {{type}}"
    );
    assert_eq!(patched["config"]["auth"]["pass"], "******");
    expect(
        server
            .post_json(
                &format!("/api/connectors/{email_id}/test"),
                &json!({"email": "bob@example.com"}),
            )
            .await,
        204,
    )
    .await;
    let mail = smtp.next_message(WAIT).await;
    assert_eq!(mail.to, ["bob@example.com"]);
    assert_eq!(mail.subject(), "Edited Generic");
    assert_eq!(
        mail.auth,
        Some((SMTP_USER.to_owned(), SMTP_PASSWORD.to_owned()))
    );
    let mut config = email["config"].clone();
    config["port"] = json!(0);
    let refused = expect(
        server
            .patch_json(
                &format!("/api/connectors/{email_id}"),
                &json!({"config": config}),
            )
            .await,
        400,
    )
    .await;
    assert!(
        refused["details"]
            .as_str()
            .unwrap()
            .starts_with("config.port:"),
        "{refused}"
    );

    // No secret in plain text anywhere in the event log; the connector events are there.
    let log = conn::log_text(&deployment).await;
    // The payloads are there (masked), so a secret would be seen if it were stored.
    assert!(log.contains("ConnectorCreated") && log.contains("ConnectorUpdated"));
    assert!(
        log.contains("\"pass\": \"******\"") || log.contains("\"pass\":\"******\""),
        "{log}"
    );
    assert!(log.contains(SMTP_USER));
    for secret in [
        SMTP_PASSWORD,
        SMS_AUTHORIZATION,
        "header-secret-never-shown",
    ] {
        assert!(!log.contains(secret), "{secret} is in the event log");
    }

    expect(
        server.delete(&format!("/api/connectors/{phone_id}")).await,
        204,
    )
    .await;
    expect(
        server.get(&format!("/api/connectors/{phone_id}")).await,
        404,
    )
    .await;
    expect(
        server.delete(&format!("/api/connectors/{phone_id}")).await,
        404,
    )
    .await;
    let list = expect(server.get("/api/connectors").await, 200).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
}

async fn unreachable_and_private_servers_are_clear_errors(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start_with(&[ALLOW_PRIVATE]).await;
    let port = closed_port().await;

    // Logto's shape: test a configuration before saving it, by factory id.
    let smtp_down = json!({
        "host": "127.0.0.1", "port": port, "fromEmail": "noreply@tessera.test",
        "templates": [{"usageType": "Generic", "subject": "s", "content": "{{code}}"}],
    });
    let failed = expect(
        server
            .post_json(
                "/api/connectors/simple-mail-transfer-protocol/test",
                &json!({"email": "a@example.com", "config": smtp_down}),
            )
            .await,
        502,
    )
    .await;
    assert_eq!(failed["code"], "connector.general");
    let message = failed["message"].as_str().unwrap();
    assert!(
        message.starts_with("The Email connector could not send the test message:"),
        "{message}"
    );
    assert!(message.contains(&format!("127.0.0.1:{port}")), "{message}");

    let sms = expect(
        server
            .post_json(
                "/api/connectors",
                &json!({"connectorId": "http-sms", "config": {"endpoint": format!("http://127.0.0.1:{port}/send")}}),
            )
            .await,
        200,
    )
    .await;
    let failed = expect(
        server
            .post_json(
                &format!("/api/connectors/{}/test", sms["id"].as_str().unwrap()),
                &json!({"phone": "+15550001111"}),
            )
            .await,
        502,
    )
    .await;
    assert!(
        failed["message"]
            .as_str()
            .unwrap()
            .starts_with("The Sms connector could not send"),
        "{failed}"
    );

    // A receiver that answers an error status is a failed send too, quoting the answer.
    let refusing = Receiver::start(&[], 503).await;
    let id = sms["id"].as_str().unwrap();
    expect(
        server
            .patch_json(
                &format!("/api/connectors/{id}"),
                &json!({"config": {"endpoint": refusing.url}}),
            )
            .await,
        200,
    )
    .await;
    let failed = expect(
        server
            .post_json(
                &format!("/api/connectors/{id}/test"),
                &json!({"phone": "+15550001111"}),
            )
            .await,
        502,
    )
    .await;
    let message = failed["message"].as_str().unwrap();
    assert!(
        message.contains("answered 503: receiver says 503"),
        "{message}"
    );
    drop(server);

    // Without the allow flag, internal addresses are refused: when saved (400 naming the
    // field) and when sent (SMTP hosts are checked at send).
    let server = deployment.start().await;
    let refused = expect(
        server
            .post_json(
                "/api/connectors",
                &json!({"connectorId": "http-email", "config": {"endpoint": "http://127.0.0.1:9/x"}}),
            )
            .await,
        400,
    )
    .await;
    assert!(
        refused["details"]
            .as_str()
            .unwrap()
            .starts_with("config.endpoint:"),
        "{refused}"
    );
    let failed = expect(
        server
            .post_json(
                "/api/connectors/simple-mail-transfer-protocol/test",
                &json!({"email": "a@example.com", "config": smtp_down}),
            )
            .await,
        502,
    )
    .await;
    let message = failed["message"].as_str().unwrap();
    assert!(
        message.contains("not allowed or cannot be resolved"),
        "{message}"
    );
}

async fn sign_in_experience_needs_a_connector_of_the_kind(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let smtp = SmtpReceiver::start().await;
    let sms = Receiver::start(&[], 200).await;
    let server = deployment.start_with(&[ALLOW_PRIVATE]).await;
    let email_codes = json!({"signIn": {"methods": [
        {"identifier": "username", "password": true, "verificationCode": false, "isPasswordPrimary": true},
        {"identifier": "email", "password": false, "verificationCode": true, "isPasswordPrimary": false},
    ]}});
    let phone_sign_up =
        json!({"signUp": {"identifiers": ["phone"], "password": true, "verify": true}});
    let refused = expect(
        server.patch_json("/api/sign-in-exp", &email_codes).await,
        400,
    )
    .await;
    assert_eq!(
        refused["code"],
        "sign_in_experiences.enabled_connector_not_found"
    );

    conn::add_smtp_connector(&server, &smtp).await;
    let changed = expect(
        server.patch_json("/api/sign-in-exp", &email_codes).await,
        200,
    )
    .await;
    assert_eq!(changed["signIn"]["methods"][1]["verificationCode"], true);
    // An email connector does not deliver SMS.
    let refused = expect(
        server.patch_json("/api/sign-in-exp", &phone_sign_up).await,
        400,
    )
    .await;
    assert_eq!(
        refused["code"],
        "sign_in_experiences.enabled_connector_not_found"
    );
    conn::add_sms_connector(&server, &sms).await;
    let with_phone = json!({
        "signIn": {"methods": [
            {"identifier": "phone", "password": true, "verificationCode": true, "isPasswordPrimary": true},
        ]},
        "signUp": {"identifiers": ["phone"], "password": true, "verify": true},
    });
    let changed = expect(
        server.patch_json("/api/sign-in-exp", &with_phone).await,
        200,
    )
    .await;
    assert_eq!(changed["signUp"]["identifiers"], json!(["phone"]));
}

async fn http_connectors_shape_the_request_as_configured(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let receiver = Receiver::start(&[], 202).await;
    let server = deployment.start_with(&[ALLOW_PRIVATE]).await;
    // Logto's shape: a configuration tested by factory id before it is saved; the locale
    // picks the language's template (`fr` for `fr-CA`), values are form-encoded.
    let mut config = json!({
        "endpoint": receiver.url,
        "method": "PUT",
        "headers": {"x-tenant": "t1"},
        "contentType": "application/x-www-form-urlencoded",
        "body": "to={{to}}&subject={{subject}}&text={{message}}&ip={{ip}}&locale={{locale}}&type={{type}}",
        "templates": [
            {"usageType": "Generic", "subject": "Code", "content": "Generic {{code}}"},
            {"usageType": "Generic", "locale": "fr", "subject": "Code FR", "content": "Générique {{code}}"},
        ],
        "successStatus": [202, 202],
        "successBodyContains": "receiver says",
    });
    let test = json!({"email": "a+b@example.com", "locale": "fr-CA", "config": config});
    expect(
        server
            .post_json("/api/connectors/http-email/test", &test)
            .await,
        204,
    )
    .await;
    let requests = receiver.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    let request = &requests[0];
    assert_eq!(request.method, "PUT");
    assert_eq!(
        request.header("content-type"),
        "application/x-www-form-urlencoded"
    );
    assert_eq!(request.header("x-tenant"), "t1");
    assert_eq!(
        request.body,
        "to=a%2Bb%40example.com&subject=Code+FR&text=G%C3%A9n%C3%A9rique+000000&ip=127.0.0.1&locale=fr-CA&type=Generic"
    );

    // The success criteria are the operator's: a body without the expected text fails.
    config["successBodyContains"] = json!("\"ok\":true");
    let test = json!({"email": "a@example.com", "config": config});
    let failed = expect(
        server
            .post_json("/api/connectors/http-email/test", &test)
            .await,
        502,
    )
    .await;
    let message = failed["message"].as_str().unwrap();
    assert!(message.contains("lacks the expected text"), "{message}");
}

async fn a_connector_the_sign_in_experience_relies_on_is_not_deleted(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let smtp = SmtpReceiver::start().await;
    let sms = Receiver::start(&[], 200).await;
    let server = deployment.start_with(&[ALLOW_PRIVATE]).await;
    let email_id = conn::add_smtp_connector(&server, &smtp).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let sms_id = conn::add_sms_connector(&server, &sms).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Email: sign-in by code (methods[1]) and registration by a verified email; phone:
    // sign-in by code (methods[2]).
    conn::offer_codes(&server).await;

    let refused = expect(
        server.delete(&format!("/api/connectors/{email_id}")).await,
        400,
    )
    .await;
    assert_eq!(refused["code"], "connector.in_use_by_sign_in_experience");
    assert_eq!(refused["data"]["id"], email_id.as_str());
    assert_eq!(refused["data"]["type"], "Email");
    assert_eq!(
        refused["data"]["usedBy"],
        json!(["signIn.methods[1].verificationCode", "signUp.identifiers"])
    );
    let message = refused["message"].as_str().unwrap();
    assert!(
        message.contains("email connector")
            && message.contains("signIn.methods[1].verificationCode, signUp.identifiers")
            && message.contains("PATCH /api/sign-in-exp"),
        "{message}"
    );
    let refused = expect(
        server.delete(&format!("/api/connectors/{sms_id}")).await,
        400,
    )
    .await;
    assert_eq!(refused["code"], "connector.in_use_by_sign_in_experience");
    assert_eq!(refused["data"]["type"], "Sms");
    assert_eq!(
        refused["data"]["usedBy"],
        json!(["signIn.methods[2].verificationCode"])
    );
    // Nothing was deleted, and the codes still go out.
    expect(
        server.get(&format!("/api/connectors/{email_id}")).await,
        200,
    )
    .await;
    expect(server.get(&format!("/api/connectors/{sms_id}")).await, 200).await;
    assert_eq!(deployment.count_events("ConnectorDeleted").await, 0);
    let test = json!({"email": "still@example.com"});
    let r = server
        .post_json(&format!("/api/connectors/{email_id}/test"), &test)
        .await;
    assert_eq!(r.status(), 204);
    smtp.wait_for("still@example.com", WAIT).await;

    // Once the settings stop relying on email codes, the email connector may go.
    let password_by_email = json!({
        "signIn": {"methods": [
            {"identifier": "username", "password": true, "verificationCode": false, "isPasswordPrimary": true},
            {"identifier": "email", "password": true, "verificationCode": false, "isPasswordPrimary": true},
            {"identifier": "phone", "password": false, "verificationCode": true, "isPasswordPrimary": false}
        ]},
        "signUp": {"identifiers": ["username"], "password": true, "verify": false}
    });
    expect(
        server
            .patch_json("/api/sign-in-exp", &password_by_email)
            .await,
        200,
    )
    .await;
    expect(
        server.delete(&format!("/api/connectors/{email_id}")).await,
        204,
    )
    .await;
    assert_eq!(deployment.count_events("ConnectorDeleted").await, 1);
    expect(
        server.get(&format!("/api/connectors/{email_id}")).await,
        404,
    )
    .await;
    // Settings that would need it again are refused while it is missing.
    let email_codes_again =
        json!({"signUp": {"identifiers": ["email"], "password": true, "verify": true}});
    let refused = expect(
        server
            .patch_json("/api/sign-in-exp", &email_codes_again)
            .await,
        400,
    )
    .await;
    assert_eq!(
        refused["code"],
        "sign_in_experiences.enabled_connector_not_found"
    );
    // The SMS connector is still relied on; an unknown id is just not found.
    expect(
        server.delete(&format!("/api/connectors/{sms_id}")).await,
        400,
    )
    .await;
    expect(server.delete("/api/connectors/nosuchconnector").await, 404).await;
    assert_eq!(deployment.count_events("ConnectorDeleted").await, 1);
}
