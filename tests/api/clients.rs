use crate::helpers::*;
use serde_json::json;

async fn adding_a_client_creates_their_private_conversation(app: TestApp) {
    let coach = app.signup().await;
    let added = app.add_client(&coach, "Maya Chen", "one_way").await;
    assert_eq!(added["client"]["messaging"], "one_way");
    assert_eq!(added["client"]["joined"], false);
    let conversations = app.get("/api/conversations", Some(&coach.token)).await.ok();
    let items = conversations["items"].as_array().expect("items");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], added["client"]["conversation_id"]);
    assert_eq!(items[0]["title"], "Maya Chen");
    assert_eq!(items[0]["unread_count"], 0);
}

async fn messaging_defaults_to_two_way_and_contact_is_required(app: TestApp) {
    let coach = app.signup().await;
    let added = app
        .post(
            "/api/clients",
            Some(&coach.token),
            json!({"name": "Ana", "email": unique_email("c")}),
        )
        .await
        .ok();
    assert_eq!(added["client"]["messaging"], "two_way");
    let none = app
        .post("/api/clients", Some(&coach.token), json!({"name": "Ana"}))
        .await;
    assert_eq!(
        (none.status.as_u16(), none.code()),
        (422, "client.contact_required")
    );
    let bad_phone = app
        .post(
            "/api/clients",
            Some(&coach.token),
            json!({"name": "Ana", "phone": "555-0123"}),
        )
        .await;
    assert_eq!(
        (bad_phone.status.as_u16(), bad_phone.code()),
        (422, "validation.phone")
    );
    let bad_mode = app
        .post(
            "/api/clients",
            Some(&coach.token),
            json!({"name": "Ana", "email": unique_email("c"), "messaging": "sideways"}),
        )
        .await;
    assert_eq!(bad_mode.status, 422);
}

async fn email_and_phone_are_unique_within_a_business_only(app: TestApp) {
    let coach = app.signup().await;
    let other = app.signup().await;
    let email = unique_email("shared");
    let phone = "+447700900123";
    app.post(
        "/api/clients",
        Some(&coach.token),
        json!({"name": "A", "email": email, "phone": phone}),
    )
    .await
    .ok();
    let dup_email = app
        .post(
            "/api/clients",
            Some(&coach.token),
            json!({"name": "B", "email": email.to_uppercase()}),
        )
        .await;
    assert_eq!(
        (dup_email.status.as_u16(), dup_email.code()),
        (409, "client.email_taken")
    );
    let dup_phone = app
        .post(
            "/api/clients",
            Some(&coach.token),
            json!({"name": "B", "phone": "+44 7700 900123"}),
        )
        .await;
    assert_eq!(
        (dup_phone.status.as_u16(), dup_phone.code()),
        (409, "client.phone_taken")
    );
    app.post(
        "/api/clients",
        Some(&other.token),
        json!({"name": "A", "email": email, "phone": phone}),
    )
    .await
    .ok();

    let roster = app.get("/api/clients", Some(&coach.token)).await.ok();
    assert_eq!(
        roster["items"].as_array().expect("items").len(),
        1,
        "the refused adds left nothing behind"
    );
}

async fn the_roster_pages_newest_first_and_filters_by_name_prefix(app: TestApp) {
    let coach = app.signup().await;
    let names = [
        "Alice Moreau",
        "Bob Stone",
        "alina Park",
        "Carl Berg",
        "Alfred Yu",
    ];
    for n in names {
        app.add_client(&coach, n, "two_way").await;
    }
    let first = app
        .get("/api/clients?limit=2", Some(&coach.token))
        .await
        .ok();
    let got: Vec<_> = first["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["name"].clone())
        .collect();
    assert_eq!(got, vec![json!("Alfred Yu"), json!("Carl Berg")]);
    let cursor = first["next_cursor"].as_str().expect("more");
    let second = app
        .get(
            &format!("/api/clients?limit=2&cursor={cursor}"),
            Some(&coach.token),
        )
        .await
        .ok();
    let got: Vec<_> = second["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["name"].clone())
        .collect();
    assert_eq!(got, vec![json!("alina Park"), json!("Bob Stone")]);

    let al = app.get("/api/clients?q=AL", Some(&coach.token)).await.ok();
    let got: Vec<_> = al["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["name"].clone())
        .collect();
    assert_eq!(
        got,
        vec![
            json!("Alfred Yu"),
            json!("Alice Moreau"),
            json!("alina Park")
        ]
    );
    assert_eq!(al["next_cursor"], serde_json::Value::Null);

    let bad = app.get("/api/clients?limit=0", Some(&coach.token)).await;
    assert_eq!(
        (bad.status.as_u16(), bad.code()),
        (400, "request.invalid_limit")
    );
    let bad = app
        .get("/api/clients?cursor=bm9wZQ", Some(&coach.token))
        .await;
    assert_eq!(
        (bad.status.as_u16(), bad.code()),
        (400, "request.invalid_cursor")
    );
}

async fn editing_a_client_changes_name_contact_and_mode(app: TestApp) {
    let coach = app.signup().await;
    let added = app.add_client(&coach, "Maya Chen", "two_way").await;
    let id = added["client"]["id"].as_str().expect("id");
    let path = format!("/api/clients/{id}");
    let edited = app
        .patch(
            &path,
            Some(&coach.token),
            json!({"name": "Mia Chen-Li", "phone": "+14155550199", "messaging": "one_way"}),
        )
        .await
        .ok();
    assert_eq!(
        (
            edited["name"].as_str(),
            edited["phone"].as_str(),
            edited["messaging"].as_str()
        ),
        (Some("Mia Chen-Li"), Some("+14155550199"), Some("one_way"))
    );
    let cleared = app
        .patch(&path, Some(&coach.token), json!({"email": null}))
        .await
        .ok();
    assert_eq!(cleared["email"], serde_json::Value::Null);
    assert_eq!(cleared["phone"], "+14155550199", "absent fields stay");
    let nothing_left = app
        .patch(&path, Some(&coach.token), json!({"phone": null}))
        .await;
    assert_eq!(nothing_left.code(), "client.contact_required");

    let renamed = app.get("/api/clients?q=mia", Some(&coach.token)).await.ok();
    assert_eq!(
        renamed["items"].as_array().expect("items").len(),
        1,
        "the name index follows the edit"
    );
    let old = app
        .get("/api/clients?q=maya", Some(&coach.token))
        .await
        .ok();
    assert_eq!(
        old["items"].as_array().expect("items").len(),
        0,
        "the old name is gone from the index"
    );
    let conversations = app.get("/api/conversations", Some(&coach.token)).await.ok();
    assert_eq!(conversations["items"][0]["title"], "Mia Chen-Li");

    // The freed email can be given to someone else; the phone cannot.
    let email = added["client"]["email"].as_str().expect("email");
    app.post(
        "/api/clients",
        Some(&coach.token),
        json!({"name": "New", "email": email}),
    )
    .await
    .ok();
    let other = app.add_client(&coach, "Other", "two_way").await;
    let taken = app
        .patch(
            &format!(
                "/api/clients/{}",
                other["client"]["id"].as_str().expect("id")
            ),
            Some(&coach.token),
            json!({"phone": "+14155550199"}),
        )
        .await;
    assert_eq!(
        (taken.status.as_u16(), taken.code()),
        (409, "client.phone_taken")
    );
}

/// A new email signs a joined client in once they confirm it (a link goes there); until then
/// the one they proved does.
async fn a_joined_client_signs_in_with_their_new_email_after_an_edit(app: TestApp) {
    let coach = app.signup().await;
    let client = app.joined_client(&coach, "Maya", "two_way").await;
    let me = app.get("/api/me", Some(&client.session.token)).await.ok();
    let old_email = me["email"].as_str().expect("email").to_owned();
    let new_email = unique_email("moved");
    app.patch(
        &format!("/api/clients/{}", client.client_id),
        Some(&coach.token),
        json!({"email": new_email}),
    )
    .await
    .ok();
    assert_eq!(app.login(&new_email, "client password").await.status, 401);
    app.login(&old_email, "client password").await.ok();

    let business = me["business_id"].as_str().expect("business");
    let mail = app
        .mail_to(business, &new_email, "Confirm your new email")
        .await;
    let confirmed = app
        .post(
            "/api/auth/verify",
            None,
            json!({"token": link_token(&mail)}),
        )
        .await
        .ok();
    assert_eq!(confirmed["user"]["id"], client.session.user_id.as_str());
    app.login(&new_email, "client password").await.ok();
    assert_eq!(app.login(&old_email, "client password").await.status, 401);
}

async fn a_new_invite_can_be_issued_until_the_client_joins(app: TestApp) {
    let coach = app.signup().await;
    let added = app.add_client(&coach, "Sam", "two_way").await;
    let id = added["client"]["id"].as_str().expect("id");
    let fresh = app
        .post(
            &format!("/api/clients/{id}/invite"),
            Some(&coach.token),
            json!({}),
        )
        .await
        .ok();
    assert_ne!(fresh["invite"]["token"], added["invite"]["token"]);
    // The first link is void at once: it neither opens nor signs anyone in.
    let first = added["invite"]["token"].as_str().expect("token");
    let preview = app.get(&format!("/api/auth/invites/{first}"), None).await;
    assert_eq!(
        (preview.status.as_u16(), preview.code()),
        (410, "invite.replaced")
    );
    let taken = app
        .post(
            "/api/auth/invites/accept",
            None,
            json!({"token": first, "password": "someone else's"}),
        )
        .await;
    assert_eq!(
        (taken.status.as_u16(), taken.code()),
        (410, "invite.replaced")
    );
    app.post(
        "/api/auth/invites/accept",
        None,
        json!({"token": fresh["invite"]["token"], "password": "client password"}),
    )
    .await
    .ok();
    let again = app
        .post(
            &format!("/api/clients/{id}/invite"),
            Some(&coach.token),
            json!({}),
        )
        .await;
    assert_eq!(
        (again.status.as_u16(), again.code()),
        (409, "client.already_joined")
    );
    let old = app
        .post(
            "/api/auth/invites/accept",
            None,
            json!({"token": added["invite"]["token"], "password": "client password"}),
        )
        .await;
    assert_eq!(
        old.code(),
        "invite.used",
        "the first invite cannot sign someone else in afterwards"
    );
}

on_both_backends!(
    adding_a_client_creates_their_private_conversation,
    messaging_defaults_to_two_way_and_contact_is_required,
    email_and_phone_are_unique_within_a_business_only,
    the_roster_pages_newest_first_and_filters_by_name_prefix,
    editing_a_client_changes_name_contact_and_mode,
    a_joined_client_signs_in_with_their_new_email_after_an_edit,
    a_new_invite_can_be_issued_until_the_client_joins,
);
