//! Editing and deleting messages, on both backends: who may (own, others', a group's
//! moderators, a one-way client, a non-member, another business), what is kept (every version)
//! and what is gone from storage (a deleted message's body and history), and the events.

use crate::helpers::*;
use functions::store::Query;
use serde_json::{Value, json};

fn message_path(conversation: &str, message: &str) -> String {
    format!("/api/conversations/{conversation}/messages/{message}")
}

async fn edit(
    app: &TestApp,
    who: &Session,
    conversation: &str,
    message: &str,
    body: &str,
) -> Reply {
    app.patch(
        &message_path(conversation, message),
        Some(&who.token),
        json!({ "body": body }),
    )
    .await
}

async fn delete(app: &TestApp, who: &Session, conversation: &str, message: &str) -> Reply {
    app.request(
        reqwest::Method::DELETE,
        &message_path(conversation, message),
        Some(&who.token),
        None,
    )
    .await
}

fn code(reply: &Reply) -> (u16, &str) {
    (reply.status.as_u16(), reply.code())
}

/// Everything the store keeps in a conversation's partition (its record, messages and
/// versions), as text.
async fn stored(app: &TestApp, business: &str, conversation: &str) -> String {
    let store = app.raw_store();
    let mut all = String::new();
    for prefix in ["META", "M#", "V#"] {
        let mut cursor = None;
        loop {
            let page = store
                .query(
                    &Query::prefix(format!("B#{business}#C#{conversation}"), prefix)
                        .limit(100)
                        .after(cursor),
                )
                .await
                .expect("read the partition");
            for item in &page.items {
                all.push_str(&item.sk);
                all.push_str(&item.data.to_string());
                all.push('\n');
            }
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
    }
    all
}

async fn own_messages_are_edited_with_history_and_deleted_without_a_trace(app: TestApp) {
    let coach = app.signup().await;
    let maya = app.joined_client(&coach, "Maya", "two_way").await;
    let c = maya.conversation_id.clone();
    let sent = app
        .send(&coach, &c, "k1", "Squats 3x**8** at 60 kg")
        .await
        .ok();
    let id = sent["id"].as_str().expect("id").to_owned();
    assert_eq!(sent["edited_at"], Value::Null);
    assert_eq!(sent["deleted"], false);

    // Another's message is not theirs to edit; the sender edits twice.
    let by_client = edit(&app, &maya.session, &c, &id, "hacked").await;
    assert_eq!(code(&by_client), (403, "message.not_yours"));
    let first = edit(&app, &coach, &c, &id, "Squats 3x**8** at 65 kg")
        .await
        .ok();
    assert!(first["edited_at"].is_string());
    let second = edit(&app, &coach, &c, &id, "Squats 3x**8** at 70 kg")
        .await
        .ok();
    assert_eq!(second["body"], "Squats 3x**8** at 70 kg");
    let history = app
        .get(
            &format!("{}/history", message_path(&c, &id)),
            Some(&maya.session.token),
        )
        .await
        .ok();
    let bodies: Vec<&str> = history
        .as_array()
        .expect("versions")
        .iter()
        .map(|v| v["body"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        bodies,
        [
            "Squats 3x**8** at 60 kg",
            "Squats 3x**8** at 65 kg",
            "Squats 3x**8** at 70 kg"
        ]
    );
    // The client's page shows the latest, marked edited; so does the inbox preview.
    let page = app.history(&maya.session, &c, "").await.ok();
    let shown = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|m| m["id"] == id.as_str())
        .expect("the message")
        .clone();
    assert_eq!(shown["body"], "Squats 3x**8** at 70 kg");
    assert!(shown["edited_at"].is_string());
    let summary = app
        .get(
            &format!("/api/conversations/{c}"),
            Some(&maya.session.token),
        )
        .await
        .ok();
    assert_eq!(summary["last_message"]["body"], "Squats 3x**8** at 70 kg");

    // Deleted: a tombstone for everyone; body and history gone from storage.
    let business = app.get("/api/me", Some(&coach.token)).await.ok()["business_id"]
        .as_str()
        .expect("business")
        .to_owned();
    assert!(stored(&app, &business, &c).await.contains("at 60 kg"));
    let by_client = delete(&app, &maya.session, &c, &id).await;
    assert_eq!(code(&by_client), (403, "message.not_yours"));
    assert_eq!(delete(&app, &coach, &c, &id).await.status, 204);
    assert_eq!(
        delete(&app, &coach, &c, &id).await.status,
        204,
        "again: nothing changes"
    );
    let raw = stored(&app, &business, &c).await;
    assert!(
        !raw.contains("kg"),
        "a deleted message's words are still stored:\n{raw}"
    );
    let page = app.history(&maya.session, &c, "").await.ok();
    let tomb = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|m| m["id"] == id.as_str())
        .expect("the tombstone")
        .clone();
    assert_eq!(
        (tomb["deleted"].clone(), tomb["body"].clone()),
        (json!(true), json!(""))
    );
    let history = app
        .get(
            &format!("{}/history", message_path(&c, &id)),
            Some(&coach.token),
        )
        .await;
    assert_eq!(code(&history), (410, "message.deleted"));
    let again = edit(&app, &coach, &c, &id, "back").await;
    assert_eq!(code(&again), (410, "message.deleted"));
    let summary = app
        .get(&format!("/api/conversations/{c}"), Some(&coach.token))
        .await
        .ok();
    assert_eq!(summary["last_message"]["deleted"], true);
}

async fn who_may_edit_and_delete(app: TestApp) {
    let owner = app.signup().await;
    let one_way = app.joined_client(&owner, "Olu", "two_way").await;
    let said = app
        .send(
            &one_way.session,
            &one_way.conversation_id,
            "k1",
            "before one-way",
        )
        .await
        .ok();
    let said = said["id"].as_str().expect("id").to_owned();
    app.put(
        &format!("/api/clients/{}/messaging", one_way.client_id),
        Some(&owner.token),
        json!({"mode": "one_way"}),
    )
    .await
    .ok();
    // A one-way client cannot edit (they cannot post), and can take their words back.
    let edited = edit(&app, &one_way.session, &one_way.conversation_id, &said, "x").await;
    assert_eq!(code(&edited), (403, "messaging.one_way"));
    // Staff may not delete a client's words in a private conversation.
    let by_owner = delete(&app, &owner, &one_way.conversation_id, &said).await;
    assert_eq!(code(&by_owner), (403, "message.not_yours"));
    assert_eq!(
        delete(&app, &one_way.session, &one_way.conversation_id, &said)
            .await
            .status,
        204
    );

    // In a group: a member deletes only their own; the owner moderates (audited).
    let maya = app.joined_client(&owner, "Maya", "two_way").await;
    let luis = app.joined_client(&owner, "Luis", "two_way").await;
    let group = app
        .post(
            "/api/groups",
            Some(&owner.token),
            json!({"title": "Crew", "member_ids": [maya.client_id, luis.client_id]}),
        )
        .await
        .ok();
    let g = group["id"].as_str().expect("id");
    let rude = app.send(&maya.session, g, "r1", "rude words").await.ok();
    let rude = rude["id"].as_str().expect("id");
    let by_member = delete(&app, &luis.session, g, rude).await;
    assert_eq!(code(&by_member), (403, "group.admin_only"));
    assert_eq!(delete(&app, &owner, g, rude).await.status, 204);
    let log = app.get("/api/audit", Some(&owner.token)).await.ok();
    let entry = &log["items"][0];
    assert_eq!(
        (
            entry["kind"].as_str(),
            entry["subject_name"].as_str(),
            entry["place"].as_str()
        ),
        (Some("moderation"), Some("Maya"), Some("Crew"))
    );

    // Outsiders: not a member, another business: not found.
    let (coach, _) = (app.staff_member(&owner, "Cole", "coach").await, ());
    let unseen = app.send(&owner, g, "o1", "owners only").await.ok();
    let unseen = unseen["id"].as_str().expect("id");
    assert_eq!(edit(&app, &coach, g, unseen, "x").await.status, 404);
    assert_eq!(delete(&app, &coach, g, unseen).await.status, 404);
    let stranger = app.signup().await;
    assert_eq!(edit(&app, &stranger, g, unseen, "x").await.status, 404);
    assert_eq!(delete(&app, &stranger, g, unseen).await.status, 404);
    // An edit is validated like a message.
    let empty = edit(&app, &owner, g, unseen, "   ").await;
    assert_eq!(code(&empty), (422, "message.body_empty"));
}

/// A reply names a message of the same conversation; a mention names a member.
async fn replies_and_mentions_stay_within_the_conversation(app: TestApp) {
    let coach = app.signup().await;
    let maya = app.joined_client(&coach, "Maya", "two_way").await;
    let luis = app.joined_client(&coach, "Luis", "two_way").await;
    let c = maya.conversation_id.clone();
    let question = app.send(&maya.session, &c, "q1", "How heavy?").await.ok();
    let question = question["id"].as_str().expect("id").to_owned();
    let elsewhere = app
        .send(&luis.session, &luis.conversation_id, "l1", "hi")
        .await
        .ok();
    let reply = |reply_to: &str, body: &str, key: &str| {
        let (app, coach, c) = (&app, &coach, c.clone());
        let (reply_to, body, key) = (reply_to.to_owned(), body.to_owned(), key.to_owned());
        async move {
            app.post(
                &format!("/api/conversations/{c}/messages"),
                Some(&coach.token),
                json!({"client_message_id": key, "body": body, "reply_to": reply_to}),
            )
            .await
        }
    };
    let answer = reply(&question, &format!("60 kg, <@{}>", maya.client_id), "a1")
        .await
        .ok();
    assert_eq!(answer["reply_to"], question.as_str());
    assert_eq!(answer["mentions"], json!([maya.client_id]));
    let wrong = reply(elsewhere["id"].as_str().expect("id"), "no", "a2").await;
    assert_eq!(code(&wrong), (422, "message.reply_elsewhere"));
    let outsider = reply(&question, &format!("ask <@{}>", luis.client_id), "a3").await;
    assert_eq!(code(&outsider), (422, "message.mention_not_member"));
    // An edit is checked the same way.
    let answer_id = answer["id"].as_str().expect("id");
    let edited = edit(
        &app,
        &coach,
        &c,
        answer_id,
        &format!("<@{}> 65 kg", luis.client_id),
    )
    .await;
    assert_eq!(code(&edited), (422, "message.mention_not_member"));
    // The history page carries both.
    let page = app.history(&maya.session, &c, "").await.ok();
    let last = page["items"]
        .as_array()
        .and_then(|i| i.iter().find(|m| m["id"] == answer_id))
        .expect("the answer")
        .clone();
    assert_eq!(
        (last["reply_to"].clone(), last["mentions"].clone()),
        (json!(question), json!([maya.client_id]))
    );
}

on_both_backends!(
    replies_and_mentions_stay_within_the_conversation,
    own_messages_are_edited_with_history_and_deleted_without_a_trace,
    who_may_edit_and_delete,
);

/// Edits and deletes reach every member's socket, once each.
#[tokio::test]
async fn edits_and_deletes_arrive_live_once() {
    use futures::StreamExt;
    let app = TestApp::spawn(Backend::Embedded).await;
    let coach = app.signup().await;
    let maya = app.joined_client(&coach, "Maya", "two_way").await;
    let c = maya.conversation_id.clone();
    let sent = app.send(&coach, &c, "k1", "first").await.ok();
    let id = sent["id"].as_str().expect("id").to_owned();
    let ws_url = format!(
        "{}/ws?token={}",
        app.base.replacen("http", "ws", 1),
        maya.session.token
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(ws_url)
        .await
        .expect("socket");
    edit(&app, &coach, &c, &id, "first, fixed").await.ok();
    assert_eq!(delete(&app, &coach, &c, &id).await.status, 204);
    let mut seen = Vec::new();
    let until = tokio::time::Instant::now() + std::time::Duration::from_secs(3);
    while let Ok(Some(Ok(frame))) = tokio::time::timeout_at(until, ws.next()).await {
        if let Ok(text) = frame.to_text() {
            let event: Value = serde_json::from_str(text).unwrap_or_default();
            match event["type"].as_str() {
                Some("message.updated") => {
                    seen.push(format!("updated {}", event["message"]["body"]))
                }
                Some("message.deleted") => seen.push(format!("deleted {}", event["message_id"])),
                _ => {}
            }
        }
        if seen.len() >= 2 {
            // Give a duplicate a moment to show.
            let _ = tokio::time::timeout(std::time::Duration::from_millis(300), ws.next()).await;
            break;
        }
    }
    assert_eq!(
        seen,
        [
            "updated \"first, fixed\"".to_owned(),
            format!("deleted \"{id}\"")
        ]
    );
}
