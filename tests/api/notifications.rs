//! Notification settings and per-conversation levels, on both backends: defaults, changes
//! checked (IANA time zones, HH:MM quiet hours), each person's own, and a conversation's level
//! only for who is in it.

use crate::helpers::*;
use serde_json::json;

fn code(reply: &Reply) -> (u16, &str) {
    (reply.status.as_u16(), reply.code())
}

/// Defaults until changed; only the fields given change; `null` ends quiet hours; bad input is
/// refused whole.
pub async fn settings_start_at_the_defaults_and_change_field_by_field(app: TestApp) {
    let coach = app.signup().await;
    let maya = app.joined_client(&coach, "Maya", "two_way").await;
    let defaults = json!({"push": true, "email": true, "time_zone": "UTC", "announcements": "all"});
    for who in [&coach, &maya.session] {
        let got = app
            .get("/api/me/notifications", Some(&who.token))
            .await
            .ok();
        assert_eq!(got, defaults);
    }

    let changed = app
        .patch(
            "/api/me/notifications",
            Some(&maya.session.token),
            json!({"email": false, "quiet_hours": {"from": "22:00", "to": "07:00"},
                   "time_zone": "America/New_York", "announcements": "mentions"}),
        )
        .await
        .ok();
    let expected = json!({"push": true, "email": false, "quiet_hours": {"from": "22:00", "to": "07:00"},
                          "time_zone": "America/New_York", "announcements": "mentions"});
    assert_eq!(changed, expected);
    let read = app
        .get("/api/me/notifications", Some(&maya.session.token))
        .await
        .ok();
    assert_eq!(read, expected);
    // The coach's are their own.
    let coach_settings = app
        .get("/api/me/notifications", Some(&coach.token))
        .await
        .ok();
    assert_eq!(coach_settings, defaults);

    // Refused whole: nothing of a bad request changes.
    for (body, refusal) in [
        (
            json!({"push": false, "time_zone": "Mars/Olympus"}),
            "notifications.time_zone_invalid",
        ),
        (
            json!({"push": false, "time_zone": ""}),
            "notifications.time_zone_invalid",
        ),
        (
            json!({"push": false, "quiet_hours": {"from": "7:00", "to": "08:00"}}),
            "notifications.quiet_hours_invalid",
        ),
        (
            json!({"push": false, "quiet_hours": {"from": "22:00", "to": "24:00"}}),
            "notifications.quiet_hours_invalid",
        ),
    ] {
        let refused = app
            .patch("/api/me/notifications", Some(&maya.session.token), body)
            .await;
        assert_eq!(code(&refused), (422, refusal), "{refused:?}");
    }
    for body in [
        json!({"push": "yes"}),
        json!({"announcements": "loud"}),
        json!({"sound": true}),
    ] {
        let refused = app
            .patch("/api/me/notifications", Some(&maya.session.token), body)
            .await;
        assert_eq!(code(&refused), (422, "request.invalid_body"), "{refused:?}");
    }
    let unchanged = app
        .get("/api/me/notifications", Some(&maya.session.token))
        .await
        .ok();
    assert_eq!(unchanged, expected);

    // Quiet hours end with null.
    let ended = app
        .patch(
            "/api/me/notifications",
            Some(&maya.session.token),
            json!({"quiet_hours": null}),
        )
        .await
        .ok();
    assert_eq!(ended.get("quiet_hours"), None);
    assert_eq!(ended["time_zone"], "America/New_York");
    assert_eq!(
        app.get("/api/me/notifications", None).await.status,
        401,
        "signed in only"
    );
}

/// A conversation's level: `all` until changed, each member's own, and only for who is in it.
pub async fn a_conversation_notifies_each_member_as_they_chose(app: TestApp) {
    let coach = app.signup().await;
    let maya = app.joined_client(&coach, "Maya", "two_way").await;
    let luis = app.joined_client(&coach, "Luis", "two_way").await;
    let other = app.signup().await;
    let c = &maya.conversation_id;
    let path = format!("/api/conversations/{c}/notifications");
    assert_eq!(
        app.get(&path, Some(&maya.session.token)).await.ok(),
        json!({"level": "all"})
    );
    let muted = app
        .put(
            &path,
            Some(&maya.session.token),
            json!({"level": "mentions"}),
        )
        .await
        .ok();
    assert_eq!(muted, json!({"level": "mentions"}));
    assert_eq!(
        app.get(&path, Some(&maya.session.token)).await.ok(),
        json!({"level": "mentions"})
    );
    // The coach's level of the same conversation is theirs.
    assert_eq!(
        app.get(&path, Some(&coach.token)).await.ok(),
        json!({"level": "all"})
    );
    let none = app
        .put(&path, Some(&coach.token), json!({"level": "none"}))
        .await
        .ok();
    assert_eq!(none, json!({"level": "none"}));
    let back = app
        .put(&path, Some(&maya.session.token), json!({"level": "all"}))
        .await
        .ok();
    assert_eq!(back, json!({"level": "all"}));
    assert_eq!(
        app.get(&path, Some(&maya.session.token)).await.ok(),
        json!({"level": "all"})
    );

    // Another client, another business: the 404 of a conversation that does not exist.
    for who in [&luis.session, &other] {
        assert_eq!(
            code(&app.get(&path, Some(&who.token)).await),
            (404, "conversation.not_found")
        );
        let set = app
            .put(&path, Some(&who.token), json!({"level": "none"}))
            .await;
        assert_eq!(code(&set), (404, "conversation.not_found"));
    }
    let bad = app
        .put(&path, Some(&maya.session.token), json!({"level": "loud"}))
        .await;
    assert_eq!(code(&bad), (422, "request.invalid_body"));
}

on_both_backends!(
    settings_start_at_the_defaults_and_change_field_by_field,
    a_conversation_notifies_each_member_as_they_chose,
);
