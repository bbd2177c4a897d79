//! Bad input gets a 4xx with a stable code, never a 500.

use crate::helpers::*;
use reqwest::Method;

async fn malformed_requests_get_clear_4xx_errors(app: TestApp) {
    let coach = app.signup().await;
    let client = app.joined_client(&coach, "Maya", "two_way").await;
    let conv = &client.conversation_id;
    let raw = |method: Method, path: String, ctype: Option<&'static str>, body: &'static str| {
        let mut req = app
            .http
            .request(method, format!("{}{path}", app.base))
            .bearer_auth(&coach.token)
            .body(body);
        if let Some(c) = ctype {
            req = req.header("content-type", c);
        }
        req
    };
    let cases: Vec<(reqwest::RequestBuilder, u16, &str)> = vec![
        (
            raw(
                Method::POST,
                format!("/api/conversations/{conv}/messages"),
                Some("application/json"),
                "{not json",
            ),
            400,
            "request.malformed_json",
        ),
        (
            raw(
                Method::POST,
                format!("/api/conversations/{conv}/messages"),
                Some("application/json"),
                r#"{"client_message_id":"a","body":"b","extra":1}"#,
            ),
            422,
            "request.invalid_body",
        ),
        (
            raw(
                Method::POST,
                format!("/api/conversations/{conv}/messages"),
                Some("application/json"),
                r#"{"body":"b"}"#,
            ),
            422,
            "request.invalid_body",
        ),
        (
            raw(
                Method::POST,
                format!("/api/conversations/{conv}/messages"),
                Some("application/json"),
                r#"{"client_message_id":7,"body":"b"}"#,
            ),
            422,
            "request.invalid_body",
        ),
        (
            raw(
                Method::POST,
                format!("/api/conversations/{conv}/messages"),
                Some("text/plain"),
                r#"{"client_message_id":"a","body":"b"}"#,
            ),
            415,
            "request.content_type",
        ),
        (
            raw(
                Method::POST,
                format!("/api/conversations/{conv}/messages"),
                None,
                "",
            ),
            415,
            "request.content_type",
        ),
        (
            raw(
                Method::POST,
                "/api/conversations/not-an-id/messages".into(),
                Some("application/json"),
                r#"{"client_message_id":"a","body":"b"}"#,
            ),
            400,
            "request.invalid_id",
        ),
        (
            raw(Method::GET, "/api/clients/01234".into(), None, ""),
            400,
            "request.invalid_id",
        ),
        (
            raw(
                Method::GET,
                "/api/conversations/01ARZ3NDEKTSV4RRFFQ69G5FAV".into(),
                None,
                "",
            ),
            404,
            "conversation.not_found",
        ),
        (
            raw(
                Method::GET,
                "/api/clients/01ARZ3NDEKTSV4RRFFQ69G5FAV".into(),
                None,
                "",
            ),
            404,
            "client.not_found",
        ),
        (
            raw(
                Method::POST,
                format!("/api/conversations/{conv}/read"),
                Some("application/json"),
                r#"{"message_id":"x"}"#,
            ),
            422,
            "request.invalid_body",
        ),
        (
            raw(Method::GET, "/api/clients?unknown=1".into(), None, ""),
            400,
            "request.invalid_query",
        ),
        (
            raw(Method::GET, "/api/nothing/here".into(), None, ""),
            404,
            "route.not_found",
        ),
        (
            raw(Method::DELETE, "/api/clients".into(), None, ""),
            405,
            "route.method_not_allowed",
        ),
        (
            raw(
                Method::PATCH,
                format!("/api/clients/{}", client.client_id),
                Some("application/json"),
                r#"{"messaging":"both"}"#,
            ),
            422,
            "request.invalid_body",
        ),
    ];
    for (req, status, code) in cases {
        let res = req.send().await.expect("send");
        let got_status = res.status().as_u16();
        let body: serde_json::Value = res.json().await.expect("every error is JSON");
        assert_eq!(
            (got_status, body["error"]["code"].as_str()),
            (status, Some(code)),
            "{body}"
        );
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
    // A body over the limit (128 KB) is refused as such, before any of it is read as JSON.
    let huge = format!(
        r#"{{"client_message_id":"a","body":"{}"}}"#,
        "x".repeat(shared::limits::REQUEST_BODY_MAX_BYTES)
    );
    let res = app
        .http
        .post(format!("{}/api/conversations/{conv}/messages", app.base))
        .bearer_auth(&coach.token)
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .expect("send");
    assert_eq!(res.status().as_u16(), 413);
    let body: serde_json::Value = res.json().await.expect("every error is JSON");
    assert_eq!(body["error"]["code"], "request.too_large", "{body}");
    // A body within it is read, and judged by what it says: a message of the most characters,
    // each escaped as JSON may (six bytes apiece), and a thousand ids.
    let escaped = format!(
        r#"{{"client_message_id":"big","body":"{}"}}"#,
        "\\u00e9".repeat(shared::limits::MESSAGE_MAX_CHARS)
    );
    let res = app
        .http
        .post(format!("{}/api/conversations/{conv}/messages", app.base))
        .bearer_auth(&coach.token)
        .header("content-type", "application/json")
        .body(escaped)
        .send()
        .await
        .expect("send");
    assert_eq!(res.status().as_u16(), 201);
    let ids: Vec<String> = (0..shared::limits::MASS_CLIENT_IDS_MAX)
        .map(|_| ulid::Ulid::generate().to_string())
        .collect();
    let res = app
        .post(
            "/api/mass-messages",
            Some(&coach.token),
            serde_json::json!({"id": "big-list", "body": "Hi", "recipients": {"client_ids": ids}}),
        )
        .await;
    assert_ne!(res.status.as_u16(), 413, "{}", res.body);
    let bearer_garbage = app
        .request(Method::GET, "/api/me", Some("a.b.c"), None)
        .await;
    assert_eq!(bearer_garbage.status, 401);
}

on_both_backends!(malformed_requests_get_clear_4xx_errors);

#[tokio::test]
async fn the_local_server_serves_each_app_for_its_routes_and_json_404s_for_the_api() {
    let dir = tempfile::tempdir().expect("tempdir");
    let site = dir.path().join("site");
    std::fs::create_dir_all(&site).expect("site dir");
    std::fs::write(
        site.join("index.html"),
        "<!doctype html><title>app shell</title>",
    )
    .expect("index");
    std::fs::write(site.join("app.js"), "console.log(1)").expect("asset");
    std::fs::create_dir_all(site.join("c")).expect("client app dir");
    std::fs::write(
        site.join("c").join("index.html"),
        "<!doctype html><title>client shell</title>",
    )
    .expect("client index");
    std::fs::create_dir_all(site.join("c").join("a")).expect("door dir");
    std::fs::write(
        site.join("c").join("a").join("index.html"),
        "<!doctype html><title>door shell</title>",
    )
    .expect("door index");
    std::fs::create_dir_all(site.join("o")).expect("office dir");
    std::fs::write(
        site.join("o").join("index.html"),
        "<!doctype html><title>office shell</title>",
    )
    .expect("office index");
    let running = functions::local::start(functions::local::Options {
        port: 0,
        data_dir: dir.path().join("data"),
        static_dir: site,
        demo: false,
    })
    .await
    .expect("start");
    let base = format!("http://{}", running.addr);
    let get = |path: &'static str| {
        let url = format!("{base}{path}");
        async move {
            let res = reqwest::get(url).await.expect("get");
            (res.status().as_u16(), res.text().await.expect("text"))
        }
    };
    for path in [
        "/",
        "/inbox",
        "/clients/01ARZ3NDEKTSV4RRFFQ69G5FAV",
        "/invite/abc",
    ] {
        let (status, body) = get(path).await;
        assert_eq!(status, 200, "{path}");
        assert!(body.contains("app shell"), "{path} serves the staff app");
    }
    for path in [
        "/c/",
        "/c/inbox",
        "/c/inbox/01ARZ3NDEKTSV4RRFFQ69G5FAV",
        "/c/invite/abc",
    ] {
        let (status, body) = get(path).await;
        assert_eq!(status, 200, "{path}");
        assert!(
            body.contains("client shell"),
            "{path} serves the client app"
        );
    }
    for path in ["/c/a/", "/c/a/signin", "/c/a/invite/abc", "/c/a/account"] {
        let (status, body) = get(path).await;
        assert_eq!(status, 200, "{path}");
        assert!(
            body.contains("door shell"),
            "{path} serves the client app's door"
        );
    }
    for path in ["/o/", "/o/settings", "/o/team", "/o/account"] {
        let (status, body) = get(path).await;
        assert_eq!(status, 200, "{path}");
        assert!(
            body.contains("office shell"),
            "{path} serves the staff app's office"
        );
    }
    let (status, _) = get("/settings").await;
    assert_eq!(
        status, 200,
        "a link made before the office was apart: the staff app sends it on"
    );
    assert_eq!(get("/app.js").await.1, "console.log(1)");
    for path in ["/api", "/api/", "/api/unknown", "/api/clients/x/y/z"] {
        let (status, body) = get(path).await;
        assert_eq!(status, 404, "{path}");
        assert!(body.contains("route.not_found"), "{path}: {body}");
    }
}
