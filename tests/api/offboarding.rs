//! Taking access away: staff change role or are deactivated (a coach's clients handed on),
//! the business handed to an admin, clients deactivated and reactivated. From that moment the
//! person's tokens are refused and they see what their new role gives, nothing more.

use crate::helpers::*;
use serde_json::{Value, json};

/// A staff member invited by `owner` with a known email, signed in; and that email.
async fn staff(app: &TestApp, owner: &Session, name: &str, role: &str) -> (Session, String) {
    let email = unique_email(role);
    let invited = app
        .post(
            "/api/staff",
            Some(&owner.token),
            json!({"name": name, "email": email, "role": role}),
        )
        .await
        .ok();
    (app.accept_staff(&invited).await, email)
}

/// Maya, a two-way client of `owner`'s business who has joined; and her email.
async fn joined_maya(app: &TestApp, owner: &Session) -> (ClientSession, String) {
    let email = unique_email("client");
    let added = app
        .post(
            "/api/clients",
            Some(&owner.token),
            json!({"name": "Maya", "email": email, "messaging": "two_way"}),
        )
        .await
        .ok();
    (app.accept(&added).await, email)
}

async fn patch_staff(app: &TestApp, by: &Session, who: &Session, body: Value) -> Reply {
    app.patch(
        &format!("/api/staff/{}", who.user_id),
        Some(&by.token),
        body,
    )
    .await
}

fn refused(reply: &Reply) -> (u16, &str) {
    (reply.status.as_u16(), reply.code())
}

async fn a_deactivated_coach_is_out_at_once_and_their_clients_go_to_another(app: TestApp) {
    let owner = app.signup().await;
    let (leaving, leaving_email) = staff(&app, &owner, "Lee Leaving", "coach").await;
    let (staying, _) = staff(&app, &owner, "Sam Staying", "coach").await;
    let maya = app.joined_client(&owner, "Maya", "two_way").await;
    app.put(
        &format!("/api/clients/{}/coach", maya.client_id),
        Some(&owner.token),
        json!({"coach_id": leaving.user_id}),
    )
    .await
    .ok();
    assert_eq!(
        app.conversation_ids(&leaving).await,
        vec![maya.conversation_id.clone()]
    );

    let changed = patch_staff(
        &app,
        &owner,
        &leaving,
        json!({"active": false, "reassign_to": staying.user_id}),
    )
    .await
    .ok();
    assert_eq!(changed["active"], false);
    // Their token is refused at once, and signing in again says why.
    assert_eq!(
        refused(&app.get("/api/me", Some(&leaving.token)).await),
        (401, "auth.invalid_token")
    );
    assert_eq!(
        refused(&app.login(&leaving_email, "staff password").await),
        (401, "auth.deactivated")
    );
    // The client went to the other coach, with their conversation.
    let client = app
        .get(
            &format!("/api/clients/{}", maya.client_id),
            Some(&owner.token),
        )
        .await
        .ok();
    assert_eq!(client["coach_id"], staying.user_id.as_str());
    assert_eq!(
        app.conversation_ids(&staying).await,
        vec![maya.conversation_id.clone()]
    );
    // Their past messages stay, under their name; they are no one's pick as a coach.
    let staff_list = app.get("/api/staff", Some(&owner.token)).await.ok();
    let listed = staff_list["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|s| s["id"] == leaving.user_id.as_str())
        .expect("still listed");
    assert_eq!(listed["active"], false);
    let again = app
        .put(
            &format!("/api/clients/{}/coach", maya.client_id),
            Some(&owner.token),
            json!({"coach_id": leaving.user_id}),
        )
        .await;
    assert_eq!(refused(&again), (404, "staff.not_a_coach"));

    // Reactivated, they sign in again (their clients stay where they went).
    patch_staff(&app, &owner, &leaving, json!({"active": true}))
        .await
        .ok();
    assert_eq!(
        app.login(&leaving_email, "staff password").await.status,
        200
    );
}

async fn a_demoted_admin_sees_only_what_a_coach_sees_at_once(app: TestApp) {
    let owner = app.signup().await;
    let (admin, email) = staff(&app, &owner, "Ada Admin", "admin").await;
    let maya = app.joined_client(&owner, "Maya", "two_way").await;
    assert!(
        app.conversation_ids(&admin)
            .await
            .contains(&maya.conversation_id)
    );
    let changed = patch_staff(&app, &owner, &admin, json!({"role": "coach"}))
        .await
        .ok();
    assert_eq!(changed["role"], "coach");
    assert_eq!(app.get("/api/me", Some(&admin.token)).await.status, 401);
    let again = session_of(&app.login(&email, "staff password").await.ok());
    assert!(
        app.conversation_ids(&again).await.is_empty(),
        "a coach with no clients sees none"
    );
    assert_eq!(
        app.history(&again, &maya.conversation_id, "")
            .await
            .status
            .as_u16(),
        404
    );
    // Promoted again, they are back in every client's conversation.
    patch_staff(&app, &owner, &again, json!({"role": "admin"}))
        .await
        .ok();
    let admin_again = session_of(&app.login(&email, "staff password").await.ok());
    assert!(
        app.conversation_ids(&admin_again)
            .await
            .contains(&maya.conversation_id)
    );
}

async fn who_may_change_whom(app: TestApp) {
    let owner = app.signup().await;
    let (admin, _) = staff(&app, &owner, "Ada Admin", "admin").await;
    let (other_admin, _) = staff(&app, &owner, "Abe Admin", "admin").await;
    let (coach, _) = staff(&app, &owner, "Cole Coach", "coach").await;
    let (other_coach, _) = staff(&app, &owner, "Cat Coach", "coach").await;

    let owner_as_target = Session {
        token: owner.token.clone(),
        user_id: owner.user_id.clone(),
    };
    for (by, target, body, expected) in [
        (
            &coach,
            &other_coach,
            json!({"active": false}),
            (403, "auth.managers_only"),
        ),
        (
            &admin,
            &other_admin,
            json!({"active": false}),
            (403, "staff.not_yours_to_change"),
        ),
        (
            &admin,
            &owner_as_target,
            json!({"role": "coach"}),
            (403, "staff.not_yours_to_change"),
        ),
        (
            &owner,
            &owner_as_target,
            json!({"role": "admin"}),
            (403, "staff.not_yourself"),
        ),
        (
            &admin,
            &coach,
            json!({"role": "owner"}),
            (403, "auth.owner_only"),
        ),
        (
            &owner,
            &coach,
            json!({"role": "client"}),
            (422, "staff.invalid_role"),
        ),
        (&owner, &coach, json!({}), (422, "staff.nothing_to_change")),
        (
            &owner,
            &coach,
            json!({"role": "owner"}),
            (422, "staff.owner_to_admin"),
        ),
        (
            &owner,
            &coach,
            json!({"active": false, "reassign_to": coach.user_id}),
            (422, "staff.not_a_coach"),
        ),
    ] {
        let reply = patch_staff(&app, by, target, body.clone()).await;
        assert_eq!(refused(&reply), expected, "{body}");
    }
    let unknown = app
        .patch(
            &format!("/api/staff/{}", ulid::Ulid::generate()),
            Some(&owner.token),
            json!({"active": false}),
        )
        .await;
    assert_eq!(refused(&unknown), (404, "staff.not_found"));
    // Nothing was changed by the refusals: everyone still signs in as before.
    for s in [&admin, &other_admin, &coach, &other_coach] {
        assert_eq!(app.get("/api/me", Some(&s.token)).await.status, 200);
    }
    // An admin changes a coach.
    let promoted = patch_staff(&app, &admin, &coach, json!({"role": "admin"}))
        .await
        .ok();
    assert_eq!(promoted["role"], "admin");
}

async fn the_owner_hands_the_business_to_an_admin(app: TestApp) {
    let email = unique_email("owner");
    let owner = app.proven_signup("Peak", &email, "a long password").await;
    let (admin, admin_email) = staff(&app, &owner, "Ada Admin", "admin").await;
    let heir = patch_staff(&app, &owner, &admin, json!({"role": "owner"}))
        .await
        .ok();
    assert_eq!(heir["role"], "owner");
    for old in [&owner, &admin] {
        assert_eq!(app.get("/api/me", Some(&old.token)).await.status, 401);
    }
    let former = app.login(&email, "a long password").await.ok();
    assert_eq!(former["user"]["role"], "admin");
    let new_owner = app.login(&admin_email, "staff password").await.ok();
    assert_eq!(new_owner["user"]["role"], "owner");
    // The former owner, now an admin, cannot change the new owner.
    let former = session_of(&former);
    let new_owner = session_of(&new_owner);
    let reply = patch_staff(&app, &former, &new_owner, json!({"role": "admin"})).await;
    assert_eq!(refused(&reply), (403, "staff.not_yours_to_change"));
}

async fn a_deactivated_client_is_out_and_their_conversation_read_only(app: TestApp) {
    let owner = app.signup().await;
    let (coach, _) = staff(&app, &owner, "Cole Coach", "coach").await;
    let (maya, email) = joined_maya(&app, &owner).await;
    let path = format!("/api/clients/{}", maya.client_id);
    app.put(
        &format!("{path}/coach"),
        Some(&owner.token),
        json!({"coach_id": coach.user_id}),
    )
    .await
    .ok();

    // Their own coach edits them, but taking access away is the owner's and admins'.
    let by_coach = app
        .patch(&path, Some(&coach.token), json!({"active": false}))
        .await;
    assert_eq!(refused(&by_coach), (403, "auth.managers_only"));

    let client = app
        .patch(&path, Some(&owner.token), json!({"active": false}))
        .await
        .ok();
    assert_eq!(client["active"], false);
    assert_eq!(
        app.get("/api/me", Some(&maya.session.token)).await.status,
        401
    );
    let login = app.login(&email, "client password").await;
    assert_eq!(refused(&login), (401, "auth.deactivated"));
    // Staff read it, and cannot write in it.
    let summary = app
        .get(
            &format!("/api/conversations/{}", maya.conversation_id),
            Some(&owner.token),
        )
        .await
        .ok();
    assert_eq!(summary["can_post"], false);
    assert_eq!(summary["client_active"], false);
    let sent = app
        .send(&owner, &maya.conversation_id, "after", "still there?")
        .await;
    assert_eq!(refused(&sent), (403, "client.deactivated"));
    assert_eq!(
        app.history(&owner, &maya.conversation_id, "")
            .await
            .status
            .as_u16(),
        200
    );

    // Reactivated: they sign in again, and the conversation is open.
    app.patch(&path, Some(&owner.token), json!({"active": true}))
        .await
        .ok();
    assert_eq!(app.login(&email, "client password").await.status, 200);
    assert_eq!(
        app.send(&owner, &maya.conversation_id, "back", "welcome back")
            .await
            .status,
        201
    );
}

async fn a_staff_invite_is_sent_again_and_the_old_link_is_void(app: TestApp) {
    let owner = app.signup().await;
    let invited = app
        .post(
            "/api/staff",
            Some(&owner.token),
            json!({"name": "Cole Coach", "email": unique_email("coach"), "role": "coach"}),
        )
        .await
        .ok();
    let id = invited["staff"]["id"].as_str().expect("id");
    let (coach, _) = staff(&app, &owner, "Other Coach", "coach").await;
    let by_coach = app
        .post(
            &format!("/api/staff/{id}/invite"),
            Some(&coach.token),
            json!({}),
        )
        .await;
    assert_eq!(refused(&by_coach), (403, "auth.owner_only"));
    let again = app
        .post(
            &format!("/api/staff/{id}/invite"),
            Some(&owner.token),
            json!({}),
        )
        .await;
    assert_eq!(again.status, 201);
    let again = again.ok();
    assert_eq!(
        again["invite"]["url"]
            .as_str()
            .map(|u| u.starts_with("/invite/")),
        Some(true)
    );
    let old = app
        .post(
            "/api/auth/invites/accept",
            None,
            json!({"token": invited["invite"]["token"], "password": "staff password"}),
        )
        .await;
    assert_eq!(refused(&old), (410, "invite.replaced"));
    let joined = app.accept_staff(&again).await;
    assert_eq!(app.get("/api/me", Some(&joined.token)).await.status, 200);
    let after = app
        .post(
            &format!("/api/staff/{id}/invite"),
            Some(&owner.token),
            json!({}),
        )
        .await;
    assert_eq!(refused(&after), (409, "staff.already_joined"));
}

async fn every_change_of_who_may_do_what_is_in_the_audit_log(app: TestApp) {
    let owner = app.signup().await;
    let (admin, _) = staff(&app, &owner, "Ada Admin", "admin").await;
    let (coach, _) = staff(&app, &owner, "Cole Coach", "coach").await;
    let maya = app.joined_client(&owner, "Maya", "two_way").await;
    let luis = app.joined_client(&owner, "Luis", "two_way").await;
    let acme = app.company(&owner, "Acme").await;
    let client_path = format!("/api/clients/{}", maya.client_id);
    app.put(
        &format!("{client_path}/coach"),
        Some(&admin.token),
        json!({"coach_id": coach.user_id}),
    )
    .await
    .ok();
    app.put(
        &format!("{client_path}/messaging"),
        Some(&admin.token),
        json!({"mode": "one_way"}),
    )
    .await
    .ok();
    app.patch(
        &client_path,
        Some(&owner.token),
        json!({"company_id": acme["id"]}),
    )
    .await
    .ok();
    patch_staff(&app, &owner, &admin, json!({"role": "coach"}))
        .await
        .ok();

    let log = app.get("/api/audit", Some(&owner.token)).await.ok();
    let entries = log["items"].as_array().expect("items");
    let seen: Vec<(&str, &str, &str, &str)> = entries
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap_or_default(),
                e["subject_name"].as_str().unwrap_or_default(),
                e["before"].as_str().unwrap_or("-"),
                e["after"].as_str().unwrap_or("-"),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            ("role", "Ada Admin", "admin", "coach"),
            ("company", "Maya", "-", "Acme"),
            ("messaging", "Maya", "two_way", "one_way"),
            ("coach", "Maya", "-", "Cole Coach"),
        ],
        "newest first"
    );
    assert_eq!(entries[3]["actor_name"], "Ada Admin");

    // One person's entries; a coach reads their own client's, not another's; a client none.
    let of_maya = app
        .get(
            &format!("/api/audit?user_id={}", maya.client_id),
            Some(&coach.token),
        )
        .await
        .ok();
    assert_eq!(of_maya["items"].as_array().map(Vec::len), Some(3));
    let of_luis = app
        .get(
            &format!("/api/audit?user_id={}", luis.client_id),
            Some(&coach.token),
        )
        .await;
    assert_eq!(of_luis.status, 404);
    let whole = app.get("/api/audit", Some(&coach.token)).await;
    assert_eq!(refused(&whole), (403, "auth.managers_only"));
    let by_client = app.get("/api/audit", Some(&maya.session.token)).await;
    assert_eq!(by_client.status, 403);
}

/// A removed client is gone for good: their token and login stop at once, they are on no list
/// and reached by no one, their address is free for someone new; their conversation stays,
/// read-only, with their messages and name.
async fn a_removed_client_is_gone_and_their_messages_stay(app: TestApp) {
    let owner = app.signup().await;
    let (coach, _) = staff(&app, &owner, "Cole Coach", "coach").await;
    let (maya, email) = joined_maya(&app, &owner).await;
    app.send(&maya.session, &maya.conversation_id, "k1", "see you monday")
        .await
        .ok();
    let path = format!("/api/clients/{}", maya.client_id);

    let by_coach = app
        .request(reqwest::Method::DELETE, &path, Some(&coach.token), None)
        .await;
    assert_eq!(refused(&by_coach), (403, "auth.managers_only"));
    let removed = app
        .request(reqwest::Method::DELETE, &path, Some(&owner.token), None)
        .await;
    assert_eq!(removed.status, 204);
    assert_eq!(
        app.get("/api/me", Some(&maya.session.token)).await.status,
        401
    );
    assert_eq!(app.login(&email, "client password").await.status, 401);
    let card = app.get(&path, Some(&owner.token)).await;
    assert_eq!(refused(&card), (404, "client.not_found"));
    let again = app
        .request(reqwest::Method::DELETE, &path, Some(&owner.token), None)
        .await;
    assert_eq!(refused(&again), (404, "client.not_found"));
    let roster = app.get("/api/clients", Some(&owner.token)).await.ok();
    assert_eq!(roster["items"].as_array().map(Vec::len), Some(0));

    // What they wrote stays, with their name; nobody writes there any more.
    let history = app.history(&owner, &maya.conversation_id, "").await.ok();
    assert_eq!(history["items"][0]["sender_name"], "Maya");
    assert_eq!(history["items"][0]["body"], "see you monday");
    let sent = app
        .send(&owner, &maya.conversation_id, "after", "still there?")
        .await;
    assert_eq!(refused(&sent), (403, "client.deactivated"));

    // The address is free: the business adds them again, as someone new.
    let again = app
        .post(
            "/api/clients",
            Some(&owner.token),
            json!({"name": "Maya", "email": email, "messaging": "two_way"}),
        )
        .await;
    assert_eq!(again.status, 201);
    assert_ne!(again.body["client"]["id"], maya.client_id.as_str());
    let log = app
        .get(
            &format!("/api/audit?user_id={}", maya.client_id),
            Some(&owner.token),
        )
        .await
        .ok();
    assert_eq!(log["items"][0]["after"], "removed");
}

on_both_backends!(
    a_removed_client_is_gone_and_their_messages_stay,
    every_change_of_who_may_do_what_is_in_the_audit_log,
    a_staff_invite_is_sent_again_and_the_old_link_is_void,
    a_deactivated_coach_is_out_at_once_and_their_clients_go_to_another,
    a_demoted_admin_sees_only_what_a_coach_sees_at_once,
    who_may_change_whom,
    the_owner_hands_the_business_to_an_admin,
    a_deactivated_client_is_out_and_their_conversation_read_only,
);
