//! The regular-expression search modes of `GET /api/users` (`posix`, `similar_to`; Postgres)
//! run under a statement timeout (`TESSERA_USER_SEARCH_TIMEOUT_MS`, issue 12 item 9): a
//! pattern too expensive for it, or one the database cannot compile, is a 400
//! `request.invalid_input` naming the reason, never a 500, and the server keeps answering.

use crate::common;

use common::{Backend, Deployment, Server};
use serde_json::{json, Value};

both_backends!(expensive_or_invalid_patterns_are_client_errors);

async fn search(server: &Server, query: &str) -> (u16, Value) {
    let r = server.get(&format!("/api/users?{query}")).await;
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Percent-encodes every byte but ASCII letters and digits.
fn encode(pattern: &str) -> String {
    pattern
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn expensive_or_invalid_patterns_are_client_errors(backend: Backend) {
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let server = deployment
        .start_with(&[("TESSERA_USER_SEARCH_TIMEOUT_MS", "50")])
        .await;
    let r = server
        .post_json(
            "/api/users",
            &json!({"username": "regex_rita", "name": "Rita Regex"}),
        )
        .await;
    assert_eq!(r.status(), 200);

    let posix = |pattern: &str| format!("search.name={}&mode.name=posix", encode(pattern));
    if backend == Backend::Sqlite {
        // No regular expressions on SQLite: said so, as before.
        let (status, body) = search(&server, &posix("^Rita")).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("request.invalid_input"))
        );
        return;
    }
    let (status, body) = search(&server, &posix("^Rita")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body.as_array().map(Vec::len), Some(1), "{body}");

    // Compiling this takes Postgres ~300 ms, far past the 50 ms allowed.
    let (status, body) = search(&server, &posix("(x{1,200}){1,200}y")).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["code"], "request.invalid_input");
    assert!(
        body["details"]
            .as_str()
            .unwrap_or("")
            .contains("took longer than 50 ms"),
        "{body}"
    );

    // Patterns the database refuses.
    for query in [
        posix("(unbalanced"),
        posix("a{2,1}"),
        format!(
            "search.name={}&mode.name=similar_to&isCaseSensitive=true",
            encode("[unclosed")
        ),
    ] {
        let (status, body) = search(&server, &query).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(body["code"], "request.invalid_input", "{query}");
        assert!(
            body["details"]
                .as_str()
                .unwrap_or("")
                .contains("pattern is invalid"),
            "{query}: {body}"
        );
    }

    // The connection came back clean: the next search has no timeout left over.
    let (status, body) = search(&server, "search.name=%25Rita%25").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body.as_array().map(Vec::len), Some(1), "{body}");
}
