//! Collecting the user's profile at registration (issue 14, item 5) against the real
//! binary on both backends: Logto's `/api/custom-profile-fields` (Management only,
//! fields checked naming the bad part, ordered), and a registration through the
//! Experience API that cannot complete until the required fields are filled with values
//! their fields accept, after which the values are on the user (built-in keys on the
//! OIDC profile, the others in custom data).

use crate::common;

use common::flow::app;
use common::interaction::{experience, interaction};
use common::{json, Backend, Deployment};
use reqwest::Method;
use serde_json::{json as j, Value};

both_backends!(registration_waits_for_the_required_profile_fields,);

const STRONG: &str = "Vintage-Harbor-Lamp-73";

async fn call(
    server: &common::Server,
    jar: &mut common::flow::Jar,
    method: Method,
    path: &str,
    body: Value,
) -> (u16, Value) {
    let (status, body, _) = experience(server, jar, method, path, Some(body)).await;
    (status, body)
}

async fn registration_waits_for_the_required_profile_fields(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;
    let base = "/api/custom-profile-fields";

    // Management only.
    let r = server.get_anonymous(base).await;
    assert_eq!(r.status(), 401);

    let fields = [
        j!({"name": "givenName", "type": "Text", "label": "Given name", "required": true, "config": {"maxLength": 40}}),
        j!({"name": "birthdate", "type": "Date", "label": "Birthday", "required": false}),
        j!({"name": "team", "type": "Select", "label": "Team", "required": true,
            "config": {"options": [{"label": "Red", "value": "red"}, {"label": "Green", "value": "green"}]}}),
        j!({"name": "employeeId", "type": "Regex", "label": "Employee id", "required": false, "config": {"format": "E[0-9]{4}"}}),
    ];
    for field in &fields {
        let r = server.post_json(base, field).await;
        assert_eq!(r.status(), 201, "{}", json(r).await);
    }
    // The hosted registration form: the account waits for the profile step, which
    // refuses to finish without the required fields or with a value its field refuses.
    let (spa, _) = app(&server, "SPA", false).await;
    let mut jar = interaction(&server, &spa).await;
    let csrf = common::interaction::page(&server, &jar, "/register")
        .await
        .expect("the registration form");
    let r = common::flow::browser()
        .post(server.url("/register"))
        .header(reqwest::header::COOKIE, jar.header())
        .form(&[
            ("username", "formfiller"),
            ("password", STRONG),
            ("csrf_token", &csrf),
        ])
        .send()
        .await
        .expect("register");
    jar.take(&r);
    assert_eq!(r.status(), 303);
    assert_eq!(
        common::flow::location(&r),
        format!("/register/profile?app_id={spa}")
    );
    let users = json(server.get("/api/users?search=formfiller").await).await;
    assert_eq!(users, j!([]), "no account before the profile step");
    let r = common::flow::browser()
        .get(server.url("/register/profile"))
        .header(reqwest::header::COOKIE, jar.header())
        .send()
        .await
        .expect("profile step");
    assert_eq!(r.status(), 200);
    let html = r.text().await.expect("html");
    assert!(html.contains("Tell us about yourself"), "{html}");
    assert!(
        html.contains("Given name *") && html.contains("<select id=\"f-team\""),
        "{html}"
    );
    assert!(html.contains("type=\"date\""), "{html}");
    let step = "/register/profile";
    for (form, status, needle) in [
        (
            vec![("givenName", "Ada")],
            422,
            "Fill in every field marked required",
        ),
        (
            vec![("givenName", "Ada"), ("team", "blue")],
            400,
            "values.team",
        ),
        (
            vec![("givenName", "Ada"), ("team", "red"), ("employeeId", "X1")],
            400,
            "values.employeeId",
        ),
    ] {
        let mut form = form;
        form.push(("csrf_token", &csrf));
        let (got, html) = common::interaction::post_form(&server, &jar, step, &form).await;
        assert_eq!(got, status, "{needle}: {html}");
        assert!(html.contains(needle), "{needle}: {html}");
    }
    let users = json(server.get("/api/users?search=formfiller").await).await;
    assert_eq!(users, j!([]), "no account without the required fields");
    let form = [
        ("givenName", "Ada"),
        ("team", "green"),
        ("birthdate", "1990-12-10"),
        ("csrf_token", &csrf),
    ];
    let (status, html) = common::interaction::post_form(&server, &jar, step, &form).await;
    assert_eq!(status, 303, "{html}");
    let users = json(server.get("/api/users?search=formfiller").await).await;
    assert_eq!(users[0]["username"], "formfiller", "{users}");
    let text = users.to_string();
    assert!(text.contains("Ada") && text.contains("green"), "{users}");

    // A taken username is said on the registration form, before the profile step.
    let jar = interaction(&server, &spa).await;
    let csrf = common::interaction::page(&server, &jar, "/register")
        .await
        .expect("the registration form");
    let form = [
        ("username", "FormFiller"),
        ("password", STRONG),
        ("csrf_token", &csrf),
    ];
    let (status, html) = common::interaction::post_form(&server, &jar, "/register", &form).await;
    assert_eq!(status, 400, "{html}");
    assert!(html.contains("already taken"), "{html}");

    // Refusals name what is wrong.
    for (body, status, needle) in [
        (
            j!({"name": "1st", "type": "Text", "label": "x", "required": false}),
            400,
            "name:",
        ),
        (
            j!({"name": "color", "type": "Select", "label": "x", "required": false}),
            400,
            "config.options:",
        ),
        (
            j!({"name": "code", "type": "Regex", "label": "x", "required": false, "config": {"format": "("}}),
            400,
            "config.format:",
        ),
        (
            j!({"name": "address", "type": "Text", "label": "x", "required": false}),
            400,
            "type:",
        ),
        (
            j!({"name": "team", "type": "Text", "label": "again", "required": false}),
            422,
            "",
        ),
        (
            j!({"name": "x", "type": "Text", "label": "x", "required": false, "shade": 1}),
            400,
            "shade:",
        ),
    ] {
        let r = server.post_json(base, &body).await;
        assert_eq!(r.status(), status, "{body}");
        let answer = json(r).await;
        let details = answer["details"].as_str().unwrap_or_default();
        assert!(details.contains(needle), "{body}: {answer}");
    }
    let r = server
        .put_json(&format!("{base}/employeeId"), &j!({"type": "Regex", "label": "Staff number", "required": false, "config": {"format": "E[0-9]{4}"}}))
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(json(r).await["label"], "Staff number");
    let order = j!({"order": [
        {"name": "team", "sieOrder": 1}, {"name": "givenName", "sieOrder": 2},
        {"name": "birthdate", "sieOrder": 3}, {"name": "employeeId", "sieOrder": 4}
    ]});
    let r = server
        .post_json(&format!("{base}/properties/sie-order"), &order)
        .await;
    assert_eq!(r.status(), 200);
    let listed = json(server.get(base).await).await;
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["team", "givenName", "birthdate", "employeeId"]);
    assert_eq!(listed[1]["sieOrder"], 2);
    let r = server.delete(&format!("{base}/birthdate")).await;
    assert_eq!(r.status(), 204);
    let r = server.get(&format!("{base}/birthdate")).await;
    assert_eq!(r.status(), 404);

    // A registration through the Experience API waits for the required fields.
    let mut jar = interaction(&server, &spa).await;
    let (status, _) = call(
        &server,
        &mut jar,
        Method::PUT,
        "/api/experience",
        j!({"interactionEvent": "Register"}),
    )
    .await;
    assert_eq!(status, 204);
    let (status, body) = call(
        &server,
        &mut jar,
        Method::POST,
        "/api/experience/verification/new-password-identity",
        j!({"identifier": {"type": "username", "value": "profiled"}, "password": STRONG}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let id = body["verificationId"].clone();
    let (status, body) = call(
        &server,
        &mut jar,
        Method::POST,
        "/api/experience/identification",
        j!({"verificationId": id}),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("user.missing_profile")),
        "{body}"
    );
    assert_eq!(body["data"]["missingProfile"], j!(["team", "givenName"]));

    for (values, needle) in [
        (j!({"team": "blue"}), "values.team:"),
        (j!({"employeeId": "X1"}), "values.employeeId:"),
        (j!({"shoeSize": 44}), "values.shoeSize:"),
        (j!({"givenName": "x".repeat(41)}), "values.givenName:"),
    ] {
        let (status, body) = call(
            &server,
            &mut jar,
            Method::POST,
            "/api/experience/profile",
            j!({"type": "extraProfile", "values": values}),
        )
        .await;
        assert_eq!(status, 400, "{values}: {body}");
        assert!(
            body["details"]
                .as_str()
                .unwrap_or_default()
                .contains(needle),
            "{values}: {body}"
        );
    }
    let (status, _) = call(
        &server,
        &mut jar,
        Method::POST,
        "/api/experience/profile",
        j!({"type": "extraProfile", "values": {"team": "red"}}),
    )
    .await;
    assert_eq!(status, 204);
    let (status, body) = call(
        &server,
        &mut jar,
        Method::POST,
        "/api/experience/identification",
        j!({"verificationId": id}),
    )
    .await;
    assert_eq!(
        body["data"]["missingProfile"],
        j!(["givenName"]),
        "{status} {body}"
    );
    let (status, _) = call(
        &server,
        &mut jar,
        Method::POST,
        "/api/experience/profile",
        j!({"type": "extraProfile", "values": {"givenName": "Ada", "employeeId": "E1234"}}),
    )
    .await;
    assert_eq!(status, 204);
    let (status, body) = call(
        &server,
        &mut jar,
        Method::POST,
        "/api/experience/identification",
        j!({"verificationId": id}),
    )
    .await;
    assert_eq!(status, 201, "{body}");

    let users = json(server.get("/api/users?search=%25profiled%25").await).await;
    let user = &users[0];
    assert_eq!(user["profile"]["givenName"], "Ada", "{user}");
    assert_eq!(user["customData"]["team"], "red", "{user}");
    assert_eq!(user["customData"]["employeeId"], "E1234", "{user}");
}
