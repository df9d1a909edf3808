//! The OpenAPI document (`GET /api/swagger.json`): well-formed OpenAPI 3.1, and in step
//! with the routes the server really serves, both ways:
//!
//! - every route registered in `api/src` (read from the source: each `web::resource(...)`
//!   with its `.route(web::<method>())` calls) is documented, so a route added without
//!   `#[utoipa::path]` fails here;
//! - every documented operation is routed by the running server (probed over HTTP: not the
//!   "no route" 404 nor a 405), so the document cannot invent paths or methods.
//!
//! The document does not depend on the backend, so this runs on SQLite only.

use crate::common;

use common::{Backend, Deployment};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// A path template with every `{…}` placeholder written `{}`: actix's `{id}`,
/// `{_:.*}` and `format!`'s `{name}` compare equal to OpenAPI's `{id}`.
fn normalise(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut depth = 0;
    for c in path.chars() {
        match c {
            '{' => {
                if depth == 0 {
                    out.push_str("{}");
                }
                depth += 1;
            }
            '}' => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read api/src") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The source without `//` comments (so documentation mentioning routes is not read as
/// a registration). String literals holding `//` (URLs) are kept.
fn without_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let mut in_string = false;
        let mut cut = line.len();
        let bytes = line.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' if in_string => i += 1,
                b'"' => in_string = !in_string,
                b'/' if !in_string && bytes.get(i + 1) == Some(&b'/') => {
                    cut = i;
                    break;
                }
                _ => {}
            }
            i += 1;
        }
        out.push_str(&line[..cut]);
        out.push('\n');
    }
    out
}

/// The first string literal at the start of `text` (after whitespace and an optional
/// `format!(`), or `None` when the argument is computed some other way.
fn leading_literal(text: &str) -> Option<String> {
    let text = text.trim_start();
    let text = text.strip_prefix("format!(").unwrap_or(text).trim_start();
    let rest = text.strip_prefix('"')?;
    let end = rest.find('"')?;
    Some(rest[..end].to_owned())
}

/// Every (METHOD, normalised path) registered in `api/src`.
fn registered_routes() -> BTreeSet<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("api/src");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let mut routes = BTreeSet::new();
    for file in files {
        let raw = std::fs::read_to_string(&file).expect("read source");
        let text = without_comments(&raw);
        let name = file.display();
        assert!(
            !text.contains("web::scope("),
            "{name}: web::scope is not understood by this test's route reader; extend it"
        );
        // `utoipa_swagger_ui::SwaggerUi::new("<pattern>")`: a GET resource.
        for (at, _) in text.match_indices("SwaggerUi::new(") {
            let path = leading_literal(&text[at + "SwaggerUi::new(".len()..])
                .unwrap_or_else(|| panic!("{name}: SwaggerUi::new without a literal path"));
            routes.insert(("GET".to_owned(), normalise(&path)));
        }
        let starts: Vec<usize> = text
            .match_indices("web::resource(")
            .map(|(i, _)| i)
            .collect();
        for (n, &at) in starts.iter().enumerate() {
            let end = starts.get(n + 1).copied().unwrap_or(text.len());
            let segment = &text[at + "web::resource(".len()..end];
            let path = leading_literal(segment).unwrap_or_else(|| {
                panic!(
                    "{name}: web::resource with a computed path ({}…): write it as a literal \
                     (or format! literal) so this test can see it",
                    &segment[..segment.len().min(40)]
                )
            });
            let mut methods = 0;
            for method in METHODS {
                if segment.contains(&format!("web::{method}()")) {
                    routes.insert((method.to_uppercase(), normalise(&path)));
                    methods += 1;
                }
            }
            assert!(methods > 0, "{name}: no method found for resource {path}");
        }
    }
    routes
}

/// Every (METHOD, normalised path) in the document.
fn documented_routes(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths object") {
        for method in METHODS {
            if item.get(*method).is_some() {
                out.insert((method.to_uppercase(), normalise(path)));
            }
        }
    }
    out
}

/// Resolves a local `$ref` (`#/components/schemas/X`).
fn resolve<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    let pointer = reference.strip_prefix('#')?;
    doc.pointer(pointer)
}

fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r.clone()),
                    _ => collect_refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

/// Structural validity of an OpenAPI 3.1 document: version, info, unique operation ids,
/// responses on every operation, declared path parameters, resolvable references.
fn check_document(doc: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let version = doc["openapi"].as_str().unwrap_or_default();
    if !version.starts_with("3.1.") {
        problems.push(format!("openapi is {version:?}, expected 3.1.x"));
    }
    if doc["info"]["title"].as_str().is_none() || doc["info"]["version"].as_str().is_none() {
        problems.push("info.title and info.version are required".to_owned());
    }
    let mut ids = BTreeMap::new();
    let Some(paths) = doc["paths"].as_object() else {
        problems.push("paths is not an object".to_owned());
        return problems;
    };
    for (path, item) in paths {
        if !path.starts_with('/') {
            problems.push(format!("path {path:?} does not start with /"));
        }
        let placeholders: BTreeSet<String> = path
            .split('{')
            .skip(1)
            .filter_map(|s| s.split('}').next())
            .map(str::to_owned)
            .collect();
        for method in METHODS {
            let Some(op) = item.get(*method) else {
                continue;
            };
            let here = format!("{} {path}", method.to_uppercase());
            match op["operationId"].as_str() {
                Some(id) => {
                    if let Some(other) = ids.insert(id.to_owned(), here.clone()) {
                        problems.push(format!("operationId {id} on both {other} and {here}"));
                    }
                }
                None => problems.push(format!("{here}: no operationId")),
            }
            match op["responses"].as_object() {
                Some(r) if !r.is_empty() => {
                    for (status, response) in r {
                        if response["description"].as_str().is_none() {
                            problems.push(format!("{here}: response {status} has no description"));
                        }
                    }
                }
                _ => problems.push(format!("{here}: no responses")),
            }
            let declared: BTreeSet<String> = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "path")
                .filter_map(|p| p["name"].as_str().map(str::to_owned))
                .collect();
            if declared != placeholders {
                problems.push(format!(
                    "{here}: path parameters {declared:?} do not match the template {placeholders:?}"
                ));
            }
            if let Some(security) = op["security"].as_array() {
                for requirement in security {
                    for scheme in requirement
                        .as_object()
                        .into_iter()
                        .flatten()
                        .map(|(k, _)| k)
                    {
                        if doc["components"]["securitySchemes"].get(scheme).is_none() {
                            problems.push(format!("{here}: unknown security scheme {scheme}"));
                        }
                    }
                }
            }
        }
    }
    let mut refs = Vec::new();
    collect_refs(doc, &mut refs);
    for r in refs {
        if resolve(doc, &r).is_none() {
            problems.push(format!("unresolvable $ref {r}"));
        }
    }
    problems
}

/// A value for a path parameter that routes: the first `enum` value, else an id-like
/// string (handlers answer 404 for unknown ids, which is a routed answer).
fn sample(doc: &Value, op: &Value, name: &str) -> String {
    let param = op["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["in"] == "path" && p["name"] == name);
    let schema = param.map(|p| match p["schema"]["$ref"].as_str() {
        Some(r) => resolve(doc, r).unwrap_or(&Value::Null),
        None => &p["schema"],
    });
    schema
        .and_then(|s| s["enum"].get(0))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| "openapiprobe000000000".to_owned())
}

/// Whether an answer says "no such route" (Management 404, OIDC 404) or "no such method".
fn unrouted(status: u16, body: &str) -> bool {
    if status == 405 {
        return true;
    }
    if status != 404 {
        return false;
    }
    let json: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let message = json["message"].as_str().unwrap_or_default();
    let description = json["error_description"].as_str().unwrap_or_default();
    message.starts_with("No route matches") || description.starts_with("unrecognized route")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn document_is_openapi_3_1_and_matches_the_served_routes() {
    let deployment = Deployment::new(Backend::Sqlite).await.expect("sqlite");
    let server = deployment.start().await;

    // Public, like Logto's: no token.
    let response = server.get_anonymous("/api/swagger.json").await;
    assert_eq!(response.status(), 200, "GET /api/swagger.json");
    let doc = common::json(response).await;

    let problems = check_document(&doc);
    assert!(
        problems.is_empty(),
        "invalid document:\n{}",
        problems.join("\n")
    );

    // Every registered route is documented and every documented one registered.
    let registered = registered_routes();
    let documented = documented_routes(&doc);
    assert!(
        registered.len() > 40,
        "the route reader found too few: {registered:?}"
    );
    let show = |routes: Vec<&(String, String)>| {
        let lines: Vec<String> = routes.iter().map(|(m, p)| format!("  {m} {p}")).collect();
        lines.join("\n")
    };
    let undocumented: Vec<_> = registered.difference(&documented).collect();
    let unregistered: Vec<_> = documented.difference(&registered).collect();
    assert!(
        undocumented.is_empty() && unregistered.is_empty(),
        "routes served but not documented (add #[utoipa::path] and list them in \
         api/src/openapi/mod.rs):\n{}\ndocumented but not registered:\n{}",
        show(undocumented),
        show(unregistered)
    );

    // Every documented operation is routed by the running server.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let mut missing = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in METHODS {
            let Some(op) = item.get(*method) else {
                continue;
            };
            let mut concrete = path.clone();
            for name in path.split('{').skip(1).filter_map(|s| s.split('}').next()) {
                concrete = concrete.replace(&format!("{{{name}}}"), &sample(&doc, op, name));
            }
            let verb =
                reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let response = client
                .request(verb, server.url(&concrete))
                .bearer_auth(&server.token)
                .send()
                .await
                .unwrap_or_else(|e| panic!("{method} {concrete}: {e}"));
            let status = response.status().as_u16();
            let body = response.text().await.unwrap_or_default();
            if unrouted(status, &body) {
                missing.push(format!(
                    "{} {concrete}: {status} {body}",
                    method.to_uppercase()
                ));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "documented but not routed:\n{}",
        missing.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn docs_page_is_served_without_a_token() {
    let deployment = Deployment::new(Backend::Sqlite).await.expect("sqlite");
    let server = deployment.start().await;
    let page = server.get_anonymous("/api/docs/").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("body");
    assert!(html.contains("swagger-ui"), "not Swagger UI: {html}");
    // The UI loads its configuration, which must point at our document.
    let config = server
        .get_anonymous("/api/docs/swagger-initializer.js")
        .await;
    assert_eq!(config.status(), 200);
    let script = config.text().await.expect("body");
    assert!(script.contains("/api/swagger.json"), "{script}");
}

both_backends!(unknown_oidc_paths_answer_an_oidc_error_and_malformed_json_names_the_parser);

async fn unknown_oidc_paths_answer_an_oidc_error_and_malformed_json_names_the_parser(
    backend: Backend,
) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment.start().await;

    // docs/logto/oidc.md#paths: oidc-provider's own 404 for an unknown route, in Logto's body.
    let response = server.get_anonymous("/oidc/no-such-endpoint").await;
    assert_eq!(response.status(), 404);
    let body = common::json(response).await;
    assert_eq!(body["error"], "invalid_request", "{body}");
    assert_eq!(body["code"], "oidc.invalid_request", "{body}");
    assert!(body["message"].is_string(), "{body}");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap_or_default()
            .contains("/oidc/no-such-endpoint"),
        "{body}"
    );
    // Outside /oidc the Management API's 404 stays.
    let body = common::json(server.get("/api/no-such-route").await).await;
    assert_eq!(body["code"], "entity.not_found", "{body}");

    // docs/logto/management-api.md#errors: malformed JSON is a 400 whose message is the parser's.
    for path in ["/api/roles", "/api/users"] {
        let response = server.post_raw(path, "{\"name\": ").await;
        assert_eq!(response.status(), 400, "{path}");
        let body = common::json(response).await;
        assert_eq!(body["code"], "guard.invalid_input", "{path}: {body}");
        let message = body["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("EOF") || message.contains("line 1"),
            "{path}: the message is not the parser's: {body}"
        );
    }
}
