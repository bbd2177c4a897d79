//! The OpenAPI document is generated from the code; every route in it is served.

use crate::helpers::*;
use reqwest::Method;

async fn the_openapi_document_lists_every_route_and_each_is_served(app: TestApp) {
    let doc = app.get("/api/openapi.json", None).await.ok();
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "OpenAPI 3.1: {}",
        doc["openapi"]
    );
    let paths = doc["paths"].as_object().expect("paths");
    for required in [
        "/api/auth/signup",
        "/api/auth/login",
        "/api/auth/invites/accept",
        "/api/me",
        "/api/clients",
        "/api/clients/{id}",
        "/api/conversations",
        "/api/conversations/{id}/messages",
        "/api/conversations/{id}/read",
        "/api/openapi.json",
    ] {
        assert!(
            paths.contains_key(required),
            "{required} is missing from the document"
        );
    }
    let id = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
    let mut checked = 0;
    for (path, item) in paths {
        let concrete = path.replace("{id}", id).replace("{token}", "t");
        for (method, _) in item.as_object().expect("path item") {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let reply = app
                .request(method.clone(), &concrete, None, Some(serde_json::json!({})))
                .await;
            assert!(
                !matches!(reply.code(), "route.not_found" | "route.method_not_allowed"),
                "{method} {path} is documented but not routed"
            );
            assert!(
                reply.status.as_u16() < 500,
                "{method} {path}: {}",
                reply.status
            );
            checked += 1;
        }
    }
    assert!(checked >= 13, "checked {checked} operations");
    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    for s in [
        "Message",
        "Client",
        "ConversationSummary",
        "ErrorBody",
        "ServerEvent",
        "SendMessageRequest",
    ] {
        assert!(schemas.contains_key(s), "schema {s} missing");
    }
}

on_both_backends!(the_openapi_document_lists_every_route_and_each_is_served);

/// The document the server serves is the one the code generates (kept as a file so the
/// function serving it links no other area); `SIDELINE_WRITE_OPENAPI=1` rewrites the file.
#[test]
fn the_served_openapi_document_is_the_generated_one() {
    let generated = functions::http::openapi()
        .to_pretty_json()
        .expect("the document as JSON");
    let path = crate::common::workspace_root().join("functions/src/http/openapi.json");
    if std::env::var_os("SIDELINE_WRITE_OPENAPI").is_some() {
        std::fs::write(&path, format!("{generated}\n")).expect("writing openapi.json");
        return;
    }
    let served: serde_json::Value =
        serde_json::from_str(functions::http::OPENAPI_JSON).expect("openapi.json is JSON");
    let generated: serde_json::Value =
        serde_json::from_str(&generated).expect("the generated document is JSON");
    assert!(
        served == generated,
        "functions/src/http/openapi.json is out of date: run \
         SIDELINE_WRITE_OPENAPI=1 cargo nextest run -p sideline-tests --test api openapi"
    );
}
