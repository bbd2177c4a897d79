//! Retries create nothing twice: 1,000 sends of one `client_message_id` from 16 concurrent tasks
//! leave one message, and every create sent with an `Idempotency-Key` runs once.

use crate::helpers::*;
use serde_json::{Value, json};
use std::sync::Arc;

async fn a_thousand_concurrent_resends_leave_one_message(app: TestApp) {
    let coach = app.signup().await;
    let maya = app.joined_client(&coach, "Maya", "two_way").await;
    let app = Arc::new(app);
    let tasks: Vec<_> = (0..16)
        .map(|t| {
            let (app, maya) = (app.clone(), maya.clone());
            tokio::spawn(async move {
                let mut ids = Vec::new();
                for _ in 0..(1000 / 16 + usize::from(t < 1000 % 16)) {
                    let r = app
                        .send(&maya.session, &maya.conversation_id, "the-one", "Only once")
                        .await;
                    assert!(
                        matches!(r.status.as_u16(), 200 | 201),
                        "{} {}",
                        r.status,
                        r.body
                    );
                    ids.push(r.body["id"].as_str().expect("id").to_owned());
                }
                ids
            })
        })
        .collect();
    let mut ids = Vec::new();
    for t in tasks {
        ids.extend(t.await.expect("task"));
    }
    assert_eq!(ids.len(), 1000);
    ids.dedup();
    assert_eq!(ids.len(), 1, "every send answered with the same message");
    let page = app
        .history(&coach, &maya.conversation_id, "?limit=200")
        .await
        .ok();
    assert_eq!(page["items"].as_array().expect("items").len(), 1);
    let inbox = app.get("/api/conversations", Some(&coach.token)).await.ok();
    assert_eq!(inbox["items"][0]["unread_count"], 1);
}

on_both_backends!(a_thousand_concurrent_resends_leave_one_message);

/// A POST sent with an `Idempotency-Key`: (status, whether it was a replay, body).
async fn keyed(
    app: &TestApp,
    path: &str,
    token: &str,
    key: &str,
    body: &Value,
) -> (u16, bool, Value) {
    let res = app
        .http
        .post(format!("{}{path}", app.base))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .expect("request");
    let status = res.status().as_u16();
    let replayed = res
        .headers()
        .get("idempotent-replayed")
        .is_some_and(|v| v == "true");
    let body = res.json().await.unwrap_or(Value::Null);
    (status, replayed, body)
}

/// Creating a group, a product, a client, a company or a template again with the same key
/// answers the first result and creates nothing more; another person's same key is theirs; a
/// key used with another body, or malformed, is refused; a failed request frees its key.
async fn creates_with_a_key_run_once(app: TestApp) {
    let coach = app.signup().await;
    let maya = app.add_client(&coach, "Maya", "two_way").await;
    let maya_id = maya["client"]["id"].as_str().expect("id").to_owned();
    let creates = [
        (
            "/api/groups",
            json!({"title": "Morning crew", "member_ids": [maya_id]}),
        ),
        (
            "/api/products",
            json!({"name": "Coaching", "price_label": "$49", "grants": "two_way"}),
        ),
        (
            "/api/clients",
            json!({"name": "Noor", "email": unique_email("noor"), "messaging": "two_way"}),
        ),
        ("/api/companies", json!({"name": "Acme"})),
        (
            "/api/templates",
            json!({"name": "Hello", "body": "Welcome aboard!"}),
        ),
    ];
    for (n, (path, body)) in creates.iter().enumerate() {
        // A key names one request: each create its own.
        let key = format!("create-{n}");
        let key = key.as_str();
        let (first, replayed, created) = keyed(&app, path, &coach.token, key, body).await;
        assert_eq!((first, replayed), (201, false), "{path}: {created}");
        for _ in 0..3 {
            let (again, replayed, same) = keyed(&app, path, &coach.token, key, body).await;
            assert_eq!((again, replayed), (201, true), "{path}: {same}");
            assert_eq!(same, created, "{path}: the first answer again");
        }
        // Another request with the same key is refused.
        let mut other = body.clone();
        other["name"] = json!("Something else");
        other["title"] = json!("Something else");
        let (status, _, refused) = keyed(&app, path, &coach.token, key, &other).await;
        assert_eq!(status, 422, "{path}: {refused}");
        assert_eq!(refused["error"]["code"], "request.idempotency_key_reused");
        // A new key is a new request.
        if *path == "/api/clients" {
            let mut next = body.clone();
            next["email"] = json!(unique_email("noor"));
            let (status, _, _) = keyed(&app, path, &coach.token, "another", &next).await;
            assert_eq!(status, 201);
        }
    }
    let groups = app.conversation_ids(&coach).await.len();
    // Maya's private conversation, the group, the company's channel, Noor's and the second
    // client's conversations.
    assert_eq!(groups, 5);
    let products = app.get("/api/products", Some(&coach.token)).await.ok();
    assert_eq!(products["items"].as_array().expect("products").len(), 1);
    let templates = app.get("/api/templates", Some(&coach.token)).await.ok();
    assert_eq!(templates.as_array().expect("templates").len(), 1);

    // A key is its person's: another coach's same key creates their own.
    let other = app.signup().await;
    let (status, replayed, theirs) = keyed(
        &app,
        "/api/products",
        &other.token,
        "create-1",
        &creates[1].1,
    )
    .await;
    assert_eq!((status, replayed), (201, false), "{theirs}");

    // A request that failed frees its key: fixed, the same key creates.
    let bad = json!({"title": "", "member_ids": []});
    let (status, _, _) = keyed(&app, "/api/groups", &coach.token, "fix-me", &bad).await;
    assert_eq!(status, 422);
    let (status, _, _) = keyed(&app, "/api/groups", &coach.token, "fix-me", &creates[0].1).await;
    assert_eq!(status, 201);

    // A malformed key.
    for key in ["", "has space", &"k".repeat(65), "naïve"] {
        let res = app
            .http
            .post(format!("{}/api/products", app.base))
            .bearer_auth(&coach.token)
            .header("Idempotency-Key", key.as_bytes())
            .json(&creates[1].1)
            .send()
            .await
            .expect("request");
        assert_eq!(res.status().as_u16(), 400, "{key:?}");
        let body: Value = res.json().await.expect("json");
        assert_eq!(body["error"]["code"], "request.idempotency_key");
    }
    // Without a sign-in the key changes nothing: 401.
    let res = app
        .http
        .post(format!("{}/api/products", app.base))
        .header("Idempotency-Key", "k")
        .json(&creates[1].1)
        .send()
        .await
        .expect("request");
    assert_eq!(res.status().as_u16(), 401);
}

on_both_backends!(creates_with_a_key_run_once);

/// Eight concurrent sends of one create with one key: one group, and every answer is it or
/// "still running" (409 with Retry-After).
async fn concurrent_retries_with_a_key_create_once(app: TestApp) {
    let coach = app.signup().await;
    let app = Arc::new(app);
    let body = json!({"title": "Concurrent", "member_ids": []});
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (app, token, body) = (app.clone(), coach.token.clone(), body.clone());
            tokio::spawn(async move { keyed(&app, "/api/groups", &token, "same", &body).await })
        })
        .collect();
    let mut ids = Vec::new();
    for t in tasks {
        let (status, _, body) = t.await.expect("task");
        match status {
            201 => ids.push(body["id"].as_str().expect("id").to_owned()),
            409 => assert_eq!(body["error"]["code"], "request.in_progress"),
            other => panic!("{other}: {body}"),
        }
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(app.conversation_ids(&coach).await.len(), 1);
}

on_both_backends!(concurrent_retries_with_a_key_create_once);
