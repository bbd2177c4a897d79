//! 1,000 sends of one `client_message_id` from 16 concurrent tasks leave one message.

use crate::helpers::*;
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
