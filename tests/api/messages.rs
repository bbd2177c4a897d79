use crate::helpers::*;
use serde_json::{Value, json};

fn bodies(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|m| m["body"].as_str().expect("body").to_owned())
        .collect()
}

async fn a_coach_and_a_two_way_client_message_each_other(app: TestApp) {
    let coach = app.signup().await;
    let client = app.joined_client(&coach, "Maya", "two_way").await;
    let sent = app
        .send(&coach, &client.conversation_id, "c-1", "  Welcome, Maya!  ")
        .await;
    assert_eq!(sent.status, 201);
    assert_eq!(sent.body["body"], "Welcome, Maya!", "trimmed");
    assert_eq!(sent.body["sender_id"], coach.user_id.as_str());
    assert_eq!(sent.body["sender_name"], "Coach Casey");
    app.send(&client.session, &client.conversation_id, "m-1", "Thanks!")
        .await
        .ok();
    let page = app
        .history(&client.session, &client.conversation_id, "")
        .await
        .ok();
    assert_eq!(
        bodies(&page),
        vec!["Thanks!", "Welcome, Maya!"],
        "newest first"
    );
    assert_eq!(page["next_cursor"], Value::Null);
}

async fn a_one_way_client_cannot_reply_in_private_chat(app: TestApp) {
    let coach = app.signup().await;
    let client = app.joined_client(&coach, "Luis", "one_way").await;
    app.send(
        &coach,
        &client.conversation_id,
        "c-1",
        "Your plan for the week",
    )
    .await
    .ok();
    let refused = app
        .send(
            &client.session,
            &client.conversation_id,
            "m-1",
            "Can I reply?",
        )
        .await;
    assert_eq!(
        (refused.status.as_u16(), refused.code()),
        (403, "messaging.one_way")
    );
    let page = app
        .history(&client.session, &client.conversation_id, "")
        .await
        .ok();
    assert_eq!(
        bodies(&page),
        vec!["Your plan for the week"],
        "they still read, and nothing was written"
    );
    let summary = app
        .get("/api/conversations", Some(&client.session.token))
        .await
        .ok();
    assert_eq!(summary["items"][0]["can_post"], false);

    // Switching to two-way takes effect on the next send.
    app.patch(
        &format!("/api/clients/{}", client.client_id),
        Some(&coach.token),
        json!({"messaging": "two_way"}),
    )
    .await
    .ok();
    app.send(&client.session, &client.conversation_id, "m-2", "Now I can")
        .await
        .ok();
    app.patch(
        &format!("/api/clients/{}", client.client_id),
        Some(&coach.token),
        json!({"messaging": "one_way"}),
    )
    .await
    .ok();
    let refused = app
        .send(&client.session, &client.conversation_id, "m-3", "And now?")
        .await;
    assert_eq!(refused.code(), "messaging.one_way");
}

async fn message_bodies_are_validated(app: TestApp) {
    let coach = app.signup().await;
    let client = app.joined_client(&coach, "Maya", "two_way").await;
    let conv = &client.conversation_id;
    for (body, code) in [("", "message.body_empty"), ("   \n ", "message.body_empty")] {
        let r = app.send(&coach, conv, "x", body).await;
        assert_eq!((r.status.as_u16(), r.code()), (422, code));
    }
    let r = app.send(&coach, conv, "x", &"a".repeat(4001)).await;
    assert_eq!(
        (r.status.as_u16(), r.code()),
        (422, "message.body_too_long")
    );
    app.send(&coach, conv, "x", &"a".repeat(4000)).await.ok();
    let r = app.send(&coach, conv, "bad id!", "hi").await;
    assert_eq!(
        (r.status.as_u16(), r.code()),
        (422, "message.client_message_id")
    );
}

async fn resending_a_client_message_id_returns_the_same_message(app: TestApp) {
    let coach = app.signup().await;
    let client = app.joined_client(&coach, "Maya", "two_way").await;
    let first = app
        .send(&client.session, &client.conversation_id, "same", "Hello")
        .await;
    assert_eq!(first.status, 201);
    let again = app
        .send(&client.session, &client.conversation_id, "same", "Hello")
        .await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body, first.body);
    // The same key from another sender is another message.
    let coach_one = app
        .send(&coach, &client.conversation_id, "same", "Hi Maya")
        .await;
    assert_eq!(coach_one.status, 201);
    // Even after the client became one-way, the acknowledged message is returned, not refused.
    app.patch(
        &format!("/api/clients/{}", client.client_id),
        Some(&coach.token),
        json!({"messaging": "one_way"}),
    )
    .await
    .ok();
    let later = app
        .send(&client.session, &client.conversation_id, "same", "Hello")
        .await;
    assert_eq!((later.status.as_u16(), &later.body), (200, &first.body));
    let page = app.history(&coach, &client.conversation_id, "").await.ok();
    assert_eq!(page["items"].as_array().expect("items").len(), 2);
}

async fn history_pages_backwards_by_cursor(app: TestApp) {
    let coach = app.signup().await;
    let client = app.joined_client(&coach, "Maya", "two_way").await;
    let conv = &client.conversation_id;
    for i in 0..120 {
        app.send(&coach, conv, &format!("k{i}"), &format!("message {i}"))
            .await
            .ok();
    }
    let first = app.history(&coach, conv, "").await.ok();
    assert_eq!(
        first["items"].as_array().expect("items").len(),
        50,
        "50 by default"
    );
    assert_eq!(bodies(&first)[0], "message 119");
    let cursor = first["next_cursor"].as_str().expect("more");
    let second = app
        .history(&coach, conv, &format!("?before={cursor}&limit=60"))
        .await
        .ok();
    assert_eq!(
        bodies(&second).first().map(String::as_str),
        Some("message 69")
    );
    assert_eq!(
        bodies(&second).last().map(String::as_str),
        Some("message 10")
    );
    let cursor = second["next_cursor"].as_str().expect("more");
    let third = app
        .history(&coach, conv, &format!("?before={cursor}&limit=200"))
        .await
        .ok();
    assert_eq!(bodies(&third).len(), 10);
    assert_eq!(third["next_cursor"], Value::Null);

    let all = app.history(&coach, conv, "?limit=200").await.ok();
    let ids: Vec<_> = all["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|m| m["id"].as_str().expect("id").to_owned())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(ids, sorted, "ids sort by time");
    for bad in ["?limit=201", "?limit=0", "?before=nope", "?limit=abc"] {
        let r = app.history(&coach, conv, bad).await;
        assert_eq!(r.status, 400, "{bad}: {}", r.body);
    }
}

async fn unread_counts_and_read_marks(app: TestApp) {
    let coach = app.signup().await;
    let maya = app.joined_client(&coach, "Maya", "two_way").await;
    let luis = app.joined_client(&coach, "Luis", "two_way").await;
    app.send(&maya.session, &maya.conversation_id, "1", "one")
        .await
        .ok();
    app.send(&maya.session, &maya.conversation_id, "2", "two")
        .await
        .ok();
    let last = app
        .send(&maya.session, &maya.conversation_id, "3", "three")
        .await
        .ok();
    app.send(&luis.session, &luis.conversation_id, "1", "hello")
        .await
        .ok();

    let inbox = app.get("/api/conversations", Some(&coach.token)).await.ok();
    let items = inbox["items"].as_array().expect("items");
    assert_eq!(items[0]["title"], "Luis", "most recent activity first");
    assert_eq!(
        (
            items[0]["unread_count"].as_u64(),
            items[1]["unread_count"].as_u64()
        ),
        (Some(1), Some(3))
    );
    assert_eq!(items[1]["last_message"]["body"], "three");
    let maya_view = app
        .get("/api/conversations", Some(&maya.session.token))
        .await
        .ok();
    assert_eq!(
        maya_view["items"][0]["unread_count"], 0,
        "your own messages are not unread"
    );
    assert_eq!(maya_view["items"][0]["title"], "Test Coaching");

    let read = app
        .post(
            &format!("/api/conversations/{}/read", maya.conversation_id),
            Some(&coach.token),
            json!({"message_id": last["id"]}),
        )
        .await
        .ok();
    assert_eq!(read["unread_count"], 0);
    let page = app.history(&coach, &maya.conversation_id, "").await.ok();
    let oldest = page["items"][2]["id"].clone();
    let back = app
        .post(
            &format!("/api/conversations/{}/read", maya.conversation_id),
            Some(&coach.token),
            json!({"message_id": oldest}),
        )
        .await
        .ok();
    assert_eq!(
        back["last_read_message_id"], last["id"],
        "a read mark never moves backwards"
    );

    let other = app
        .post(
            &format!("/api/conversations/{}/read", luis.conversation_id),
            Some(&coach.token),
            json!({"message_id": last["id"]}),
        )
        .await;
    assert_eq!(
        (other.status.as_u16(), other.code()),
        (404, "message.not_found"),
        "the message must be in that conversation"
    );

    app.send(&coach, &maya.conversation_id, "r", "reply")
        .await
        .ok();
    let inbox = app.get("/api/conversations", Some(&coach.token)).await.ok();
    assert_eq!(
        inbox["items"][0]["title"], "Maya",
        "replying moves the conversation up"
    );
    let maya_view = app
        .get(
            &format!("/api/conversations/{}", maya.conversation_id),
            Some(&maya.session.token),
        )
        .await
        .ok();
    assert_eq!(maya_view["unread_count"], 1);
}

async fn the_conversation_list_pages(app: TestApp) {
    let coach = app.signup().await;
    for i in 0..7 {
        app.add_client(&coach, &format!("Client {i}"), "two_way")
            .await;
    }
    let titles: Vec<String> = app
        .whole_inbox(&coach.token, 3)
        .await
        .iter()
        .map(|c| c["title"].as_str().expect("title").to_owned())
        .collect();
    let expected: Vec<_> = (0..7).rev().map(|i| format!("Client {i}")).collect();
    assert_eq!(titles, expected);
}

on_both_backends!(
    a_coach_and_a_two_way_client_message_each_other,
    a_one_way_client_cannot_reply_in_private_chat,
    message_bodies_are_validated,
    resending_a_client_message_id_returns_the_same_message,
    history_pages_backwards_by_cursor,
    unread_counts_and_read_marks,
    the_conversation_list_pages,
);
