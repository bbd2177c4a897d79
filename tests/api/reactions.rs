//! Emoji reactions: anyone who can read a message may add or remove theirs, one of each emoji
//! per person, also where they cannot post (a one-way private conversation).

use crate::helpers::*;
use serde_json::{Value, json};

fn path(conversation: &str, message: &str) -> String {
    format!("/api/conversations/{conversation}/messages/{message}/reactions")
}

fn encoded(emoji: &str) -> String {
    emoji.bytes().map(|b| format!("%{b:02X}")).collect()
}

/// (emoji, [reactor names]) in order.
fn summary(message: &Value) -> Vec<(String, Vec<String>)> {
    message["reactions"]
        .as_array()
        .expect("reactions")
        .iter()
        .map(|r| {
            (
                r["emoji"].as_str().expect("emoji").to_owned(),
                r["users"]
                    .as_array()
                    .expect("users")
                    .iter()
                    .map(|u| u["name"].as_str().expect("name").to_owned())
                    .collect(),
            )
        })
        .collect()
}

fn names(list: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
    list.iter()
        .map(|(e, n)| (e.to_string(), n.iter().map(|s| s.to_string()).collect()))
        .collect()
}

async fn remove(app: &TestApp, who: &Session, conv: &str, m: &str, emoji: &str) -> Reply {
    app.request(
        reqwest::Method::DELETE,
        &format!("{}/{}", path(conv, m), encoded(emoji)),
        Some(&who.token),
        None,
    )
    .await
}

async fn a_one_way_client_reacts_where_they_cannot_post(app: TestApp) {
    let coach = app.signup().await;
    let luis = app.joined_client(&coach, "Luis", "one_way").await;
    let conv = &luis.conversation_id;
    let message = app.send(&coach, conv, "c1", "Week 2 plan is up").await.ok();
    let m = message["id"].as_str().expect("id");
    assert_eq!(
        app.send(&luis.session, conv, "l1", "thanks").await.code(),
        "messaging.one_way"
    );

    let r = app
        .post(
            &path(conv, m),
            Some(&luis.session.token),
            json!({"emoji": "👍"}),
        )
        .await
        .ok();
    assert_eq!(summary(&r), names(&[("👍", &["Luis"])]));
    // Once per emoji per person: again changes nothing.
    let r = app
        .post(
            &path(conv, m),
            Some(&luis.session.token),
            json!({"emoji": "👍"}),
        )
        .await
        .ok();
    assert_eq!(summary(&r), names(&[("👍", &["Luis"])]));
    app.post(&path(conv, m), Some(&coach.token), json!({"emoji": "👍"}))
        .await
        .ok();
    let r = app
        .post(
            &path(conv, m),
            Some(&luis.session.token),
            json!({"emoji": "💪🏽"}),
        )
        .await
        .ok();
    assert_eq!(
        summary(&r),
        names(&[("👍", &["Luis", "Coach Casey"]), ("💪🏽", &["Luis"])])
    );

    // History shows them to everyone who reads.
    let history = app.history(&coach, conv, "").await.ok();
    assert_eq!(summary(&history["items"][0]), summary(&r));

    // Removing: only one's own, and removing what is not there changes nothing.
    let r = remove(&app, &luis.session, conv, m, "👍").await.ok();
    assert_eq!(
        summary(&r),
        names(&[("👍", &["Coach Casey"]), ("💪🏽", &["Luis"])])
    );
    let r = remove(&app, &luis.session, conv, m, "👍").await.ok();
    assert_eq!(summary(&r).len(), 2);
    let r = remove(&app, &luis.session, conv, m, "💪🏽").await.ok();
    assert_eq!(summary(&r), names(&[("👍", &["Coach Casey"])]));
    let r = remove(&app, &coach, conv, m, "👍").await.ok();
    assert_eq!(r["reactions"], json!([]));
}

async fn bad_reactions_are_refused_and_change_nothing(app: TestApp) {
    let coach = app.signup().await;
    let maya = app.joined_client(&coach, "Maya", "two_way").await;
    let neighbour = app.joined_client(&coach, "Neighbour", "two_way").await;
    let conv = &maya.conversation_id;
    let message = app.send(&coach, conv, "c1", "hello").await.ok();
    let m = message["id"].as_str().expect("id");
    let me = Some(maya.session.token.as_str());

    for (body, status, code) in [
        (json!({"emoji": "ok"}), 422, "reaction.invalid_emoji"),
        (json!({"emoji": ""}), 422, "reaction.invalid_emoji"),
        (
            json!({"emoji": "👍👍👍👍👍👍👍👍👍👍👍👍👍👍👍👍👍"}),
            422,
            "reaction.invalid_emoji",
        ),
        (json!({"emoji": 5}), 422, "request.invalid_body"),
        (
            json!({"emoji": "👍", "by": "x"}),
            422,
            "request.invalid_body",
        ),
    ] {
        let r = app.post(&path(conv, m), me, body.clone()).await;
        assert_eq!((r.status.as_u16(), r.code()), (status, code), "{body}");
    }
    // A message that is not in this conversation, a malformed id, another's conversation.
    let other = app
        .send(&neighbour.session, &neighbour.conversation_id, "n1", "hi")
        .await
        .ok();
    let r = app
        .post(
            &path(conv, other["id"].as_str().expect("id")),
            me,
            json!({"emoji": "👍"}),
        )
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (404, "message.not_found"));
    let r = app
        .post(&path(conv, "nope"), me, json!({"emoji": "👍"}))
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (400, "request.invalid_id"));
    let r = app
        .post(
            &path(
                &neighbour.conversation_id,
                other["id"].as_str().expect("id"),
            ),
            me,
            json!({"emoji": "👍"}),
        )
        .await;
    assert_eq!(
        (r.status.as_u16(), r.code()),
        (404, "conversation.not_found")
    );

    // At most REACTION_EMOJI_MAX different emoji on one message.
    let many: Vec<char> = ('😀'..='😗').collect();
    for (i, e) in many.iter().enumerate() {
        let r = app
            .post(&path(conv, m), me, json!({"emoji": e.to_string()}))
            .await;
        if i < shared::limits::REACTION_EMOJI_MAX {
            assert_eq!(r.status.as_u16(), 200, "{e}");
        } else {
            assert_eq!((r.status.as_u16(), r.code()), (422, "reaction.too_many"));
        }
    }
    let history = app.history(&coach, conv, "").await.ok();
    assert_eq!(
        history["items"][0]["reactions"]
            .as_array()
            .expect("reactions")
            .len(),
        shared::limits::REACTION_EMOJI_MAX
    );
    let neighbour_message = app
        .history(&neighbour.session, &neighbour.conversation_id, "")
        .await
        .ok();
    assert_eq!(neighbour_message["items"][0]["reactions"], json!([]));
}

on_both_backends!(
    a_one_way_client_reacts_where_they_cannot_post,
    bad_reactions_are_refused_and_change_nothing
);
