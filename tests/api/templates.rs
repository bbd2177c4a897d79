//! Saved messages, on both backends: staff save, rename, edit and delete them; a coach changes
//! only their own; names are unique in a business; clients and other businesses see none.

use crate::helpers::*;
use serde_json::{Value, json};

async fn save(app: &TestApp, who: &Session, name: &str, body: &str) -> Reply {
    app.post(
        "/api/templates",
        Some(&who.token),
        json!({ "name": name, "body": body }),
    )
    .await
}

async fn names(app: &TestApp, who: &Session) -> Vec<String> {
    app.get("/api/templates", Some(&who.token))
        .await
        .ok()
        .as_array()
        .expect("templates")
        .iter()
        .map(|t| t["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn code(reply: &Reply) -> (u16, &str) {
    (reply.status.as_u16(), reply.code())
}

async fn staff_save_change_and_delete_their_saved_messages(app: TestApp) {
    let owner = app.signup().await;
    let coach = app.staff_member(&owner, "Cole", "coach").await;
    let saved = save(
        &app,
        &coach,
        "Weekly check-in",
        "Hi {client_first_name}, how did the week go? — {coach_name}",
    )
    .await;
    assert_eq!(saved.status, 201, "{saved:?}");
    let saved = saved.ok();
    let id = saved["id"].as_str().expect("id").to_owned();
    assert_eq!(saved["created_by"], coach.user_id.as_str());
    save(&app, &owner, "after session", "Great session today!")
        .await
        .ok();
    // By name, case folded; the same name (any case) is taken.
    assert_eq!(
        names(&app, &owner).await,
        ["after session", "Weekly check-in"]
    );
    let again = save(&app, &owner, "WEEKLY CHECK-IN", "x").await;
    assert_eq!(code(&again), (409, "template.name_taken"));

    // The coach renames and edits their own; the owner edits anyone's.
    let path = format!("/api/templates/{id}");
    let renamed = app
        .patch(&path, Some(&coach.token), json!({ "name": "Check-in" }))
        .await
        .ok();
    assert_eq!(renamed["name"], "Check-in");
    assert_eq!(renamed["body"], saved["body"]);
    let edited = app
        .patch(
            &path,
            Some(&owner.token),
            json!({ "body": "How was **the week**?" }),
        )
        .await
        .ok();
    assert_eq!(edited["body"], "How was **the week**?");
    // The old name is free again.
    assert_eq!(save(&app, &owner, "weekly check-in", "y").await.status, 201);
    let taken = app
        .patch(
            &path,
            Some(&coach.token),
            json!({ "name": "After Session" }),
        )
        .await;
    assert_eq!(code(&taken), (409, "template.name_taken"));

    // Another coach cannot change the coach's; the owner's is not the coach's to change.
    let other = app.staff_member(&owner, "Ola", "coach").await;
    let not_theirs = app
        .patch(&path, Some(&other.token), json!({ "body": "mine now" }))
        .await;
    assert_eq!(code(&not_theirs), (403, "template.not_yours"));
    let owners = app.get("/api/templates", Some(&other.token)).await.ok();
    let owners_id = owners
        .as_array()
        .and_then(|a| a.iter().find(|t| t["name"] == "after session"))
        .and_then(|t| t["id"].as_str())
        .expect("the owner's")
        .to_owned();
    let delete = |who: &Session, id: &str| {
        let (app, token, path) = (&app, who.token.clone(), format!("/api/templates/{id}"));
        async move {
            app.request(reqwest::Method::DELETE, &path, Some(&token), None)
                .await
        }
    };
    assert_eq!(
        code(&delete(&coach, &owners_id).await),
        (403, "template.not_yours")
    );
    assert_eq!(delete(&coach, &id).await.status, 204);
    assert_eq!(
        code(&delete(&coach, &id).await),
        (404, "template.not_found")
    );
    assert_eq!(
        names(&app, &owner).await,
        ["after session", "weekly check-in"]
    );
    // Its name can be saved again.
    assert_eq!(save(&app, &coach, "Check-in", "z").await.status, 201);
}

async fn saved_messages_are_checked_and_stay_in_their_business(app: TestApp) {
    let owner = app.signup().await;
    for (name, body, expected) in [
        ("", "x", "validation.required"),
        (&"n".repeat(61) as &str, "x", "validation.too_long"),
        ("Fine", "   ", "message.body_empty"),
        ("Fine", &"b".repeat(4_001) as &str, "message.body_too_long"),
    ] {
        let r = save(&app, &owner, name, body).await;
        assert_eq!(r.status, 422, "{name:?}: {r:?}");
        assert_eq!(r.code(), expected, "{name:?}");
    }
    let unknown = app
        .post(
            "/api/templates",
            Some(&owner.token),
            json!({ "name": "a", "body": "b", "extra": 1 }),
        )
        .await;
    assert_eq!(unknown.status, 422, "{unknown:?}");
    let saved = save(&app, &owner, "Welcome", "Welcome to {business_name}!")
        .await
        .ok();
    let path = format!("/api/templates/{}", saved["id"].as_str().expect("id"));

    // A client: staff only. Another business: not found, and its own list is empty.
    let client = app.joined_client(&owner, "Maya", "two_way").await;
    let by_client = app.get("/api/templates", Some(&client.session.token)).await;
    assert_eq!(code(&by_client), (403, "auth.staff_only"));
    let by_client = save(&app, &client.session, "Mine", "x").await;
    assert_eq!(by_client.status, 403);
    let stranger = app.signup().await;
    assert!(names(&app, &stranger).await.is_empty());
    let foreign = app
        .patch(&path, Some(&stranger.token), json!({ "body": "taken" }))
        .await;
    assert_eq!(code(&foreign), (404, "template.not_found"));
    let foreign = app
        .request(reqwest::Method::DELETE, &path, Some(&stranger.token), None)
        .await;
    assert_eq!(foreign.status, 404);
    assert_eq!(
        app.get("/api/templates", None).await.status,
        401,
        "signed out"
    );
    let malformed = app
        .patch("/api/templates/not-an-id", Some(&owner.token), json!({}))
        .await;
    assert_eq!(malformed.status, 400);
    let kept: Value = app.get("/api/templates", Some(&owner.token)).await.ok();
    assert_eq!(kept[0]["body"], "Welcome to {business_name}!");
}

/// 210 saved at once, by several people: exactly 200 are kept, and one deleted frees a place.
async fn a_business_keeps_at_most_two_hundred_even_saved_at_once(app: TestApp) {
    use futures::StreamExt;
    let owner = app.signup().await;
    let coach = app.staff_member(&owner, "Cole", "coach").await;
    let results: Vec<(u16, String)> = futures::stream::iter(0..210)
        .map(|n| {
            let (app, who) = (&app, if n % 2 == 0 { &owner } else { &coach });
            async move {
                // As the apps do: a 503 (`server.busy`, contention outlasting the server's own
                // retries on a loaded machine) is asked again; it wrote nothing.
                for _ in 0..20 {
                    let r = save(app, who, &format!("Saved {n:03}"), "Words").await;
                    if r.status.as_u16() != 503 {
                        return (r.status.as_u16(), r.code().to_owned());
                    }
                }
                (503, "server.busy".to_owned())
            }
        })
        .buffer_unordered(6)
        .collect()
        .await;
    let kept = results.iter().filter(|(s, _)| *s == 201).count();
    let refused = results
        .iter()
        .filter(|r| **r == (422, "template.too_many".to_owned()))
        .count();
    assert_eq!((kept, refused), (200, 10), "{results:?}");
    let all = app.get("/api/templates", Some(&owner.token)).await.ok();
    let all = all.as_array().expect("templates");
    assert_eq!(all.len(), 200);
    let first = all[0]["id"].as_str().expect("id");
    let deleted = app
        .request(
            reqwest::Method::DELETE,
            &format!("/api/templates/{first}"),
            Some(&owner.token),
            None,
        )
        .await;
    assert_eq!(deleted.status, 204);
    assert_eq!(save(&app, &coach, "One more", "Words").await.status, 201);
    assert_eq!(
        code(&save(&app, &coach, "Too many", "Words").await),
        (422, "template.too_many")
    );
}

on_both_backends!(
    a_business_keeps_at_most_two_hundred_even_saved_at_once,
    staff_save_change_and_delete_their_saved_messages,
    saved_messages_are_checked_and_stay_in_their_business,
);
