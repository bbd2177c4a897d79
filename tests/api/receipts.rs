//! Receipts, on both backends: each person's last read and delivered message, read back after
//! a reload; marks move only forward; delivery is tracked in private conversations; nobody
//! outside a conversation reads its receipts.

use crate::helpers::*;
use serde_json::{Value, json};

async fn receipts(app: &TestApp, who: &Session, conversation: &str) -> Reply {
    app.get(
        &format!("/api/conversations/{conversation}/receipts"),
        Some(&who.token),
    )
    .await
}

async fn mark(
    app: &TestApp,
    who: &Session,
    conversation: &str,
    what: &str,
    message: &str,
) -> Reply {
    app.post(
        &format!("/api/conversations/{conversation}/{what}"),
        Some(&who.token),
        json!({ "message_id": message }),
    )
    .await
}

/// Someone's receipt in a receipts answer, as (read, delivered).
fn of(answer: &Value, user: &str) -> Option<(Value, Value)> {
    answer["receipts"]
        .as_array()
        .expect("receipts")
        .iter()
        .find(|r| r["user_id"] == user)
        .map(|r| {
            (
                r["read_message_id"].clone(),
                r["delivered_message_id"].clone(),
            )
        })
}

fn id(message: &Value) -> String {
    message["id"].as_str().expect("message id").to_owned()
}

async fn a_private_conversation_shows_delivered_then_read_after_a_reload(app: TestApp) {
    let coach = app.signup().await;
    let maya = app.joined_client(&coach, "Maya", "two_way").await;
    let c = maya.conversation_id.clone();
    let first = id(&app.send(&coach, &c, "k1", "Squats today").await.ok());
    let second = id(&app.send(&coach, &c, "k2", "3x8 at 60 kg").await.ok());

    // The sender has read what they sent; Maya has no receipt yet.
    let before = receipts(&app, &coach, &c).await.ok();
    assert_eq!(
        of(&before, &coach.user_id),
        Some((json!(second), json!(second)))
    );
    assert_eq!(of(&before, &maya.client_id), None);

    // Her phone received the first: delivered, not read.
    let got = mark(&app, &maya.session, &c, "delivered", &first)
        .await
        .ok();
    assert_eq!(
        (
            got["read_message_id"].clone(),
            got["delivered_message_id"].clone()
        ),
        (Value::Null, json!(first))
    );
    assert_eq!(got["name"], "Maya");
    let reloaded = receipts(&app, &coach, &c).await.ok();
    assert_eq!(
        of(&reloaded, &maya.client_id),
        Some((Value::Null, json!(first)))
    );

    // She reads the second: read and delivered up to it; an older mark moves nothing back.
    mark(&app, &maya.session, &c, "read", &second).await.ok();
    let again = mark(&app, &maya.session, &c, "delivered", &first)
        .await
        .ok();
    assert_eq!(again["delivered_message_id"], json!(second));
    mark(&app, &maya.session, &c, "read", &first).await.ok();
    let reloaded = receipts(&app, &maya.session, &c).await.ok();
    assert_eq!(
        of(&reloaded, &maya.client_id),
        Some((json!(second), json!(second)))
    );

    // A colleague who reads her answer has a receipt of their own, named.
    let answer = id(&app.send(&maya.session, &c, "m1", "Done!").await.ok());
    let admin = app.staff_member(&coach, "Ada", "admin").await;
    mark(&app, &admin, &c, "read", &answer).await.ok();
    let reloaded = receipts(&app, &maya.session, &c).await.ok();
    assert_eq!(
        of(&reloaded, &admin.user_id),
        Some((json!(answer), json!(answer)))
    );
    let names: Vec<&str> = reloaded["receipts"]
        .as_array()
        .expect("receipts")
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    assert!(names.contains(&"Ada"), "{names:?}");
}

async fn receipts_stay_inside_their_conversation(app: TestApp) {
    let coach = app.signup().await;
    let maya = app.joined_client(&coach, "Maya", "two_way").await;
    let luis = app.joined_client(&coach, "Luis", "two_way").await;
    let c = maya.conversation_id.clone();
    let sent = id(&app.send(&coach, &c, "k1", "hi").await.ok());

    // Another client, another business: no such conversation.
    assert_eq!(receipts(&app, &luis.session, &c).await.status, 404);
    let stranger = app.signup().await;
    assert_eq!(receipts(&app, &stranger, &c).await.status, 404);
    let foreign = mark(&app, &stranger, &c, "delivered", &sent).await;
    assert_eq!(foreign.status, 404);
    let other = mark(&app, &luis.session, &c, "delivered", &sent).await;
    assert_eq!(other.status, 404);
    // A message of another conversation is not found in this one.
    let elsewhere = id(&app
        .send(&coach, &luis.conversation_id, "l1", "hey")
        .await
        .ok());
    let wrong = mark(&app, &maya.session, &c, "delivered", &elsewhere).await;
    assert_eq!(
        (wrong.status.as_u16(), wrong.code()),
        (404, "message.not_found")
    );
    let malformed = mark(&app, &maya.session, &c, "delivered", "not-an-id").await;
    assert_eq!(malformed.status, 422, "{malformed:?}");

    // In a group, read marks show who read; delivery is not tracked.
    let group = app
        .post(
            "/api/groups",
            Some(&coach.token),
            json!({"title": "Crew", "member_ids": [maya.client_id, luis.client_id]}),
        )
        .await
        .ok();
    let g = group["id"].as_str().expect("id");
    let hello = id(&app.send(&coach, g, "g1", "Welcome").await.ok());
    let tracked = mark(&app, &maya.session, g, "delivered", &hello).await;
    assert_eq!(
        (tracked.status.as_u16(), tracked.code()),
        (422, "receipt.not_tracked")
    );
    mark(&app, &maya.session, g, "read", &hello).await.ok();
    mark(&app, &luis.session, g, "read", &hello).await.ok();
    let read = receipts(&app, &luis.session, g).await.ok();
    assert_eq!(
        of(&read, &maya.client_id),
        Some((json!(hello), json!(hello)))
    );
    assert!(of(&read, &luis.client_id).is_some());

    // Someone who leaves the group leaves no receipt behind.
    let removed = app
        .request(
            reqwest::Method::DELETE,
            &format!("/api/conversations/{g}/members/{}", luis.client_id),
            Some(&coach.token),
            None,
        )
        .await;
    assert!(removed.status.is_success(), "{removed:?}");
    let read = receipts(&app, &maya.session, g).await.ok();
    assert_eq!(of(&read, &luis.client_id), None);
    assert!(of(&read, &maya.client_id).is_some());
}

on_both_backends!(
    a_private_conversation_shows_delivered_then_read_after_a_reload,
    receipts_stay_inside_their_conversation,
);
