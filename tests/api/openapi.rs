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
