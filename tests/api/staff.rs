//! Staff: the owner invites admins and coaches, who accept like clients; admins are in every
//! client's conversation, coaches in those of the clients assigned to them.

use crate::helpers::*;
use serde_json::json;

async fn invite(app: &TestApp, owner: &Session, name: &str, role: &str) -> Reply {
    app.post(
        "/api/staff",
        Some(&owner.token),
        json!({"name": name, "email": unique_email(role), "role": role}),
    )
    .await
}

async fn staff_see_what_their_role_allows(app: TestApp) {
    let owner = app.signup().await;
    let maya = app.joined_client(&owner, "Maya", "two_way").await;

    let admin = app
        .accept_staff(&invite(&app, &owner, "Ada Admin", "admin").await.ok())
        .await;
    assert!(
        app.conversation_ids(&admin)
            .await
            .contains(&maya.conversation_id),
        "an admin is in every client's conversation, also those from before"
    );
    assert_eq!(
        app.send(&admin, &maya.conversation_id, "a1", "hi Maya")
            .await
            .status,
        201
    );

    let coach = app
        .accept_staff(&invite(&app, &owner, "Cole Coach", "coach").await.ok())
        .await;
    assert!(app.conversation_ids(&coach).await.is_empty());
    assert_eq!(
        app.history(&coach, &maya.conversation_id, "")
            .await
            .status
            .as_u16(),
        404
    );

    // Assigned, the coach is in; unassigned, out again.
    let path = format!("/api/clients/{}/coach", maya.client_id);
    let assigned = app
        .put(
            &path,
            Some(&admin.token),
            json!({"coach_id": coach.user_id}),
        )
        .await
        .ok();
    assert_eq!(assigned["coach_id"], coach.user_id.as_str());
    assert_eq!(
        app.conversation_ids(&coach).await,
        vec![maya.conversation_id.clone()]
    );
    assert_eq!(
        app.send(&coach, &maya.conversation_id, "c1", "I'm your coach")
            .await
            .status,
        201
    );
    let history = app
        .history(&maya.session, &maya.conversation_id, "")
        .await
        .ok();
    assert_eq!(history["items"][0]["sender_name"], "Cole Coach");

    // A client the coach adds is theirs, and the admin is in it too.
    let luis = app.joined_client(&coach, "Luis", "two_way").await;
    let luis_card = app
        .get(
            &format!("/api/clients/{}", luis.client_id),
            Some(&owner.token),
        )
        .await
        .ok();
    assert_eq!(luis_card["coach_id"], coach.user_id.as_str());
    assert_eq!(
        app.history(&admin, &luis.conversation_id, "")
            .await
            .status
            .as_u16(),
        200
    );

    app.put(&path, Some(&owner.token), json!({"coach_id": null}))
        .await
        .ok();
    assert_eq!(
        app.history(&coach, &maya.conversation_id, "")
            .await
            .status
            .as_u16(),
        404
    );
    assert!(
        !app.conversation_ids(&coach)
            .await
            .contains(&maya.conversation_id)
    );
    // Their earlier message stays in the history.
    let history = app.history(&owner, &maya.conversation_id, "").await.ok();
    assert!(
        history["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|m| m["body"] == "I'm your coach")
    );

    let staff = app.get("/api/staff", Some(&admin.token)).await.ok();
    let rows: Vec<(String, String, bool)> = staff["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|s| {
            (
                s["name"].as_str().expect("name").to_owned(),
                s["role"].as_str().expect("role").to_owned(),
                s["joined"].as_bool().expect("joined"),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("Coach Casey".to_owned(), "owner".to_owned(), true),
            ("Ada Admin".to_owned(), "admin".to_owned(), true),
            ("Cole Coach".to_owned(), "coach".to_owned(), true)
        ]
    );
}

async fn only_the_owner_invites_and_only_managers_assign(app: TestApp) {
    let owner = app.signup().await;
    let maya = app.joined_client(&owner, "Maya", "two_way").await;
    let admin = app
        .accept_staff(&invite(&app, &owner, "Ada Admin", "admin").await.ok())
        .await;
    let coach = app
        .accept_staff(&invite(&app, &owner, "Cole Coach", "coach").await.ok())
        .await;
    let code = |r: Reply| (r.status.as_u16(), r.code().to_owned());

    assert_eq!(
        code(invite(&app, &admin, "X", "coach").await),
        (403, "auth.owner_only".into())
    );
    assert_eq!(
        code(invite(&app, &owner, "X", "client").await),
        (422, "staff.invalid_role".into())
    );
    assert_eq!(
        code(invite(&app, &owner, "X", "owner").await),
        (422, "staff.invalid_role".into())
    );
    let email = unique_email("dup");
    app.post(
        "/api/staff",
        Some(&owner.token),
        json!({"name": "A", "email": email, "role": "coach"}),
    )
    .await
    .ok();
    let r = app
        .post(
            "/api/staff",
            Some(&owner.token),
            json!({"name": "B", "email": email, "role": "admin"}),
        )
        .await;
    assert_eq!(code(r), (409, "staff.email_taken".into()));
    let r = app
        .post(
            "/api/staff",
            Some(&owner.token),
            json!({"name": "B", "email": "not an email", "role": "admin"}),
        )
        .await;
    assert_eq!(r.status.as_u16(), 422);

    let path = format!("/api/clients/{}/coach", maya.client_id);
    let r = app
        .put(
            &path,
            Some(&coach.token),
            json!({"coach_id": coach.user_id}),
        )
        .await;
    assert_eq!(code(r), (403, "auth.managers_only".into()));
    let r = app
        .put(
            &path,
            Some(&owner.token),
            json!({"coach_id": admin.user_id}),
        )
        .await;
    assert_eq!(code(r), (404, "staff.not_a_coach".into()));
    let r = app
        .put(
            &path,
            Some(&owner.token),
            json!({"coach_id": maya.client_id}),
        )
        .await;
    assert_eq!(code(r), (404, "staff.not_a_coach".into()));
    let r = app
        .put(
            &format!("/api/clients/{}/coach", coach.user_id),
            Some(&owner.token),
            json!({"coach_id": null}),
        )
        .await;
    assert_eq!(code(r), (404, "client.not_found".into()));
    // A coach sees and edits only their own clients.
    let luis = app.joined_client(&owner, "Luis", "two_way").await;
    let coached = app.get("/api/clients", Some(&coach.token)).await.ok();
    assert_eq!(coached["items"], json!([]));
    let r = app
        .get(
            &format!("/api/clients/{}", maya.client_id),
            Some(&coach.token),
        )
        .await;
    assert_eq!(code(r), (404, "client.not_found".into()));
    app.put(
        &path,
        Some(&owner.token),
        json!({"coach_id": coach.user_id}),
    )
    .await
    .ok();
    let coached = app.get("/api/clients", Some(&coach.token)).await.ok();
    let names: Vec<&str> = coached["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["Maya"]);
    let found = app.get("/api/clients?q=ma", Some(&coach.token)).await.ok();
    assert_eq!(found["items"].as_array().expect("items").len(), 1);
    let none = app.get("/api/clients?q=lu", Some(&coach.token)).await.ok();
    assert_eq!(none["items"], json!([]));
    let r = app
        .get(
            &format!("/api/clients/{}", luis.client_id),
            Some(&coach.token),
        )
        .await;
    assert_eq!(code(r), (404, "client.not_found".into()));
    let all = app.get("/api/clients", Some(&admin.token)).await.ok();
    assert_eq!(
        all["items"].as_array().expect("items").len(),
        2,
        "admins see everyone"
    );

    // Coaches message; the owner and admins decide who may reply.
    let r = app
        .put(
            &format!("/api/clients/{}/messaging", maya.client_id),
            Some(&coach.token),
            json!({"mode": "one_way"}),
        )
        .await;
    assert_eq!(code(r), (403, "auth.managers_only".into()));
    let r = app
        .patch(
            &format!("/api/clients/{}", maya.client_id),
            Some(&coach.token),
            json!({"name": "Maya R.", "messaging": "two_way"}),
        )
        .await;
    assert_eq!(
        r.status.as_u16(),
        200,
        "an edit that keeps the mode is fine"
    );
    let r = app
        .put(
            &format!("/api/clients/{}/messaging", maya.client_id),
            Some(&admin.token),
            json!({"mode": "one_way"}),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200);
    let r = app.get("/api/staff", Some(&maya.session.token)).await;
    assert_eq!(code(r), (403, "auth.staff_only".into()));
    // Another business's coach cannot be assigned here.
    let other = app.signup().await;
    let foreign = app
        .accept_staff(&invite(&app, &other, "Far Coach", "coach").await.ok())
        .await;
    let r = app
        .put(
            &path,
            Some(&owner.token),
            json!({"coach_id": foreign.user_id}),
        )
        .await;
    assert_eq!(code(r), (404, "staff.not_a_coach".into()));
    assert_eq!(
        app.history(&foreign, &maya.conversation_id, "")
            .await
            .status
            .as_u16(),
        404
    );
}

on_both_backends!(
    staff_see_what_their_role_allows,
    only_the_owner_invites_and_only_managers_assign
);
