//! Who may write in a private conversation: a client's messaging mode, set by hand, takes
//! effect at once and every change is recorded with who made it and why.

use crate::helpers::*;
use serde_json::{Value, json};

async fn changes(app: &TestApp, coach: &Session, client_id: &str) -> Vec<Value> {
    app.get(
        &format!("/api/clients/{client_id}/messaging/changes"),
        Some(&coach.token),
    )
    .await
    .ok()["items"]
        .as_array()
        .expect("items")
        .clone()
}

async fn can_post(app: &TestApp, who: &Session, conversation: &str) -> bool {
    app.get(
        &format!("/api/conversations/{conversation}"),
        Some(&who.token),
    )
    .await
    .ok()["can_post"]
        .as_bool()
        .expect("can_post")
}

async fn a_mode_change_takes_effect_at_once_and_is_recorded(app: TestApp) {
    let coach = app.signup().await;
    let maya = app.joined_client(&coach, "Maya", "two_way").await;
    let path = format!("/api/clients/{}/messaging", maya.client_id);
    let conv = &maya.conversation_id;
    assert_eq!(app.send(&maya.session, conv, "m1", "hi").await.status, 201);
    assert!(can_post(&app, &maya.session, conv).await);

    let client = app
        .put(&path, Some(&coach.token), json!({"mode": "one_way"}))
        .await
        .ok();
    assert_eq!(client["messaging"], "one_way");
    let refused = app.send(&maya.session, conv, "m2", "still there?").await;
    assert_eq!(
        (refused.status.as_u16(), refused.code()),
        (403, "messaging.one_way")
    );
    assert!(!can_post(&app, &maya.session, conv).await);
    assert!(can_post(&app, &coach, conv).await, "staff still write");
    assert_eq!(
        app.send(&coach, conv, "c1", "plan attached").await.status,
        201
    );

    // Setting the same mode again changes nothing and records nothing.
    app.put(&path, Some(&coach.token), json!({"mode": "one_way"}))
        .await
        .ok();
    assert_eq!(changes(&app, &coach, &maya.client_id).await.len(), 1);

    // Back to two-way, through the profile's edit form this time.
    app.patch(
        &format!("/api/clients/{}", maya.client_id),
        Some(&coach.token),
        json!({"messaging": "two_way"}),
    )
    .await
    .ok();
    assert_eq!(
        app.send(&maya.session, conv, "m2", "thanks!").await.status,
        201
    );

    let list = changes(&app, &coach, &maya.client_id).await;
    assert_eq!(list.len(), 2, "{list:?}");
    for (entry, (from, to)) in list
        .iter()
        .zip([("one_way", "two_way"), ("two_way", "one_way")])
    {
        assert_eq!(
            (entry["from"].as_str(), entry["to"].as_str()),
            (Some(from), Some(to))
        );
        assert_eq!(entry["reason"], "manual");
        assert_eq!(entry["changed_by"], coach.user_id.as_str());
        assert_eq!(entry["changed_by_name"], "Coach Casey");
        assert_eq!(entry["client_id"], maya.client_id.as_str());
        assert!(entry["changed_at"].is_string());
    }
    assert!(
        list[0]["changed_at"].as_str() >= list[1]["changed_at"].as_str(),
        "newest first"
    );
    let client = app
        .get(
            &format!("/api/clients/{}", maya.client_id),
            Some(&coach.token),
        )
        .await
        .ok();
    assert_eq!(client["messaging"], "two_way");
}

async fn bad_mode_requests_are_refused_and_change_nothing(app: TestApp) {
    let coach = app.signup().await;
    let maya = app.joined_client(&coach, "Maya", "two_way").await;
    let path = format!("/api/clients/{}/messaging", maya.client_id);
    for (body, code) in [
        (json!({"mode": "three_way"}), "request.invalid_body"),
        (json!({"mode": null}), "request.invalid_body"),
        (json!({}), "request.invalid_body"),
        (
            json!({"mode": "one_way", "extra": 1}),
            "request.invalid_body",
        ),
        (json!("one_way"), "request.invalid_body"),
    ] {
        let r = app.put(&path, Some(&coach.token), body.clone()).await;
        assert!(
            matches!(r.status.as_u16(), 400 | 422) && r.code() == code,
            "{body} got {} {}",
            r.status,
            r.body
        );
    }
    let unknown = format!("/api/clients/{}/messaging", ulid::Ulid::generate());
    let r = app
        .put(&unknown, Some(&coach.token), json!({"mode": "one_way"}))
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (404, "client.not_found"));
    let r = app
        .put(
            "/api/clients/not-an-id/messaging",
            Some(&coach.token),
            json!({"mode": "one_way"}),
        )
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (400, "request.invalid_id"));
    // A staff member's own id is not a client.
    let r = app
        .put(
            &format!("/api/clients/{}/messaging", coach.user_id),
            Some(&coach.token),
            json!({"mode": "one_way"}),
        )
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (404, "client.not_found"));

    assert!(changes(&app, &coach, &maya.client_id).await.is_empty());
    assert_eq!(
        app.send(&maya.session, &maya.conversation_id, "m", "hi")
            .await
            .status,
        201
    );
}

on_both_backends!(
    a_mode_change_takes_effect_at_once_and_is_recorded,
    bad_mode_requests_are_refused_and_change_nothing
);
