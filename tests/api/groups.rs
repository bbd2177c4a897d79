//! Groups: creating them, announcement-only posting, per-person posting rights, roles, removal
//! and leaving, on both backends.

use crate::helpers::*;
use serde_json::{Value, json};

async fn create(app: &TestApp, who: &Session, body: Value) -> Reply {
    app.post("/api/groups", Some(&who.token), body).await
}

async fn remove(app: &TestApp, path: &str, token: &str) -> Reply {
    app.request(reqwest::Method::DELETE, path, Some(token), None)
        .await
}

fn member_path(group: &str, user: &str) -> String {
    format!("/api/conversations/{group}/members/{user}")
}

async fn owners_create_groups_and_members_see_them(app: TestApp) {
    let coach = app.signup().await;
    let maya = app.joined_client(&coach, "Maya", "two_way").await;
    let luis = app.joined_client(&coach, "Luis", "one_way").await;
    let group = create(
        &app,
        &coach,
        json!({"title": " Spring Cohort ", "member_ids": [maya.client_id, luis.client_id, maya.client_id], "emoji": "🌱"}),
    )
    .await;
    assert_eq!(group.status.as_u16(), 201, "{}", group.body);
    let g = group.body;
    assert_eq!(
        (g["kind"].as_str(), g["title"].as_str(), g["emoji"].as_str()),
        (Some("group"), Some("Spring Cohort"), Some("🌱"))
    );
    assert_eq!(
        (g["group_role"].as_str(), g["can_post"].as_bool()),
        (Some("owner"), Some(true))
    );
    assert_eq!(g["messaging"], Value::Null);
    let id = g["id"].as_str().expect("id");

    let members = app
        .get(
            &format!("/api/conversations/{id}/members"),
            Some(&maya.session.token),
        )
        .await
        .ok();
    let rows: Vec<(String, String)> = members
        .as_array()
        .expect("members")
        .iter()
        .map(|m| {
            (
                m["name"].as_str().expect("name").to_owned(),
                m["group_role"].as_str().expect("role").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("Coach Casey".to_owned(), "owner".to_owned()),
            ("Maya".to_owned(), "member".to_owned()),
            ("Luis".to_owned(), "member".to_owned())
        ],
        "duplicates dropped, the creator first"
    );
    // Members see it in their list, with their role; a one-way client may post in a group.
    let list = app
        .get("/api/conversations", Some(&luis.session.token))
        .await
        .ok();
    let row = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|c| c["id"] == id)
        .cloned()
        .expect("the group is in Luis's list");
    assert_eq!(
        (row["group_role"].as_str(), row["can_post"].as_bool()),
        (Some("member"), Some(true))
    );
    assert_eq!(
        app.send(&luis.session, id, "l1", "hello all").await.status,
        201
    );
    let history = app.history(&maya.session, id, "").await.ok();
    assert_eq!(history["items"][0]["body"], "hello all");

    // Who may create, and with whom.
    let r = create(
        &app,
        &maya.session,
        json!({"title": "Mine", "member_ids": []}),
    )
    .await;
    assert_eq!((r.status.as_u16(), r.code()), (403, "auth.managers_only"));
    let other = app.signup().await;
    let r = create(
        &app,
        &coach,
        json!({"title": "X", "member_ids": [other.user_id]}),
    )
    .await;
    assert_eq!((r.status.as_u16(), r.code()), (404, "group.unknown_person"));
    let r = create(
        &app,
        &coach,
        json!({"title": "X", "member_ids": [ulid::Ulid::generate().to_string()]}),
    )
    .await;
    assert_eq!((r.status.as_u16(), r.code()), (404, "group.unknown_person"));
    let r = create(&app, &coach, json!({"title": "  ", "member_ids": []})).await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "validation.required"));
    let r = create(
        &app,
        &coach,
        json!({"title": "X", "member_ids": [], "emoji": "abc"}),
    )
    .await;
    assert_eq!(
        (r.status.as_u16(), r.code()),
        (422, "reaction.invalid_emoji")
    );
    let many: Vec<String> = (0..shared::limits::GROUP_MEMBERS_MAX)
        .map(|_| maya.client_id.clone())
        .collect();
    let r = create(
        &app,
        &coach,
        json!({"title": "Dupes are one", "member_ids": many}),
    )
    .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.body);
}

async fn announcement_only_lets_admins_post_and_everyone_react(app: TestApp) {
    let coach = app.signup().await;
    let maya = app.joined_client(&coach, "Maya", "two_way").await;
    let luis = app.joined_client(&coach, "Luis", "two_way").await;
    let g = create(
        &app,
        &coach,
        json!({"title": "Announcements", "member_ids": [maya.client_id, luis.client_id], "announcement_only": true}),
    )
    .await
    .ok();
    let id = g["id"].as_str().expect("id");
    let code = |r: Reply| (r.status.as_u16(), r.code().to_owned());

    assert_eq!(
        code(app.send(&maya.session, id, "m1", "a message").await),
        (403, "group.announcement_only".into())
    );
    let posted = app.send(&coach, id, "c1", "a message").await.ok();
    // Members can always react.
    let react = app
        .post(
            &format!(
                "/api/conversations/{id}/messages/{}/reactions",
                posted["id"].as_str().expect("id")
            ),
            Some(&maya.session.token),
            json!({"emoji": "🎉"}),
        )
        .await;
    assert_eq!(react.status.as_u16(), 200);
    let summary = app
        .get(
            &format!("/api/conversations/{id}"),
            Some(&maya.session.token),
        )
        .await
        .ok();
    assert_eq!(
        (
            summary["can_post"].as_bool(),
            summary["announcement_only"].as_bool()
        ),
        (Some(false), Some(true))
    );

    // A named member may post.
    app.put(
        &member_path(id, &maya.client_id),
        Some(&coach.token),
        json!({"role": "member", "can_post": true}),
    )
    .await
    .ok();
    assert_eq!(
        app.send(&maya.session, id, "m2", "a message").await.status,
        201
    );
    assert_eq!(
        code(app.send(&luis.session, id, "l1", "a message").await),
        (403, "group.announcement_only".into())
    );

    // Open the group; mute Luis; an admin cannot be muted.
    let open = app
        .patch(
            &format!("/api/conversations/{id}"),
            Some(&coach.token),
            json!({"announcement_only": false}),
        )
        .await
        .ok();
    assert_eq!(open["announcement_only"], false);
    assert_eq!(
        app.send(&luis.session, id, "l2", "a message").await.status,
        201
    );
    app.put(
        &member_path(id, &luis.client_id),
        Some(&coach.token),
        json!({"role": "member", "can_post": false}),
    )
    .await
    .ok();
    assert_eq!(
        code(app.send(&luis.session, id, "l3", "a message").await),
        (403, "group.muted".into())
    );
    app.put(
        &member_path(id, &luis.client_id),
        Some(&coach.token),
        json!({"role": "admin", "can_post": false}),
    )
    .await
    .ok();
    assert_eq!(
        app.send(&luis.session, id, "l4", "a message").await.status,
        201
    );

    // Members cannot change settings or members; a new admin can.
    let r = app
        .patch(
            &format!("/api/conversations/{id}"),
            Some(&maya.session.token),
            json!({"announcement_only": true}),
        )
        .await;
    assert_eq!(code(r), (403, "group.admin_only".into()));
    let r = app
        .put(
            &member_path(id, &maya.client_id),
            Some(&maya.session.token),
            json!({"role": "admin"}),
        )
        .await;
    assert_eq!(code(r), (403, "group.admin_only".into()));
    let r = app
        .patch(
            &format!("/api/conversations/{id}"),
            Some(&luis.session.token),
            json!({"announcement_only": true}),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200);
    let r = app
        .put(
            &member_path(id, &maya.client_id),
            Some(&coach.token),
            json!({"role": "owner"}),
        )
        .await;
    assert_eq!(code(r), (422, "group.invalid_role".into()));
    let r = app
        .put(
            &member_path(id, &coach.user_id),
            Some(&luis.session.token),
            json!({"role": "member"}),
        )
        .await;
    assert_eq!(code(r), (403, "group.owner_fixed".into()));
    let r = app
        .patch(
            &format!("/api/conversations/{id}"),
            Some(&coach.token),
            json!({"announcement_only": "yes"}),
        )
        .await;
    assert_eq!(code(r), (422, "request.invalid_body".into()));
}

async fn removed_members_lose_the_group_at_once(app: TestApp) {
    let coach = app.signup().await;
    let maya = app.joined_client(&coach, "Maya", "two_way").await;
    let luis = app.joined_client(&coach, "Luis", "two_way").await;
    let g = create(
        &app,
        &coach,
        json!({"title": "Cohort", "member_ids": [maya.client_id, luis.client_id]}),
    )
    .await
    .ok();
    let id = g["id"].as_str().expect("id");
    let m = app.send(&coach, id, "c1", "welcome").await.ok();
    let r = remove(&app, &member_path(id, &luis.client_id), &coach.token).await;
    assert_eq!(r.status.as_u16(), 204);

    let code = |r: Reply| (r.status.as_u16(), r.code().to_owned());
    assert_eq!(
        code(app.history(&luis.session, id, "").await),
        (404, "conversation.not_found".into())
    );
    assert_eq!(
        code(app.send(&luis.session, id, "l1", "still here?").await),
        (404, "conversation.not_found".into())
    );
    let react = app
        .post(
            &format!(
                "/api/conversations/{id}/messages/{}/reactions",
                m["id"].as_str().expect("id")
            ),
            Some(&luis.session.token),
            json!({"emoji": "👍"}),
        )
        .await;
    assert_eq!(code(react), (404, "conversation.not_found".into()));
    let list = app
        .get("/api/conversations", Some(&luis.session.token))
        .await
        .ok();
    assert!(
        list["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|c| c["id"] != id),
        "gone from Luis's list"
    );
    let r = remove(&app, &member_path(id, &luis.client_id), &coach.token).await;
    assert_eq!(code(r), (404, "group.not_member".into()));

    // The owner stays unless they leave; anyone may leave.
    app.put(
        &member_path(id, &maya.client_id),
        Some(&coach.token),
        json!({"role": "admin"}),
    )
    .await
    .ok();
    let r = remove(&app, &member_path(id, &coach.user_id), &maya.session.token).await;
    assert_eq!(code(r), (403, "group.owner_fixed".into()));
    let r = remove(&app, &member_path(id, &maya.client_id), &maya.session.token).await;
    assert_eq!(r.status.as_u16(), 204);
    assert_eq!(
        app.history(&maya.session, id, "").await.status.as_u16(),
        404
    );
    // Added back, they see the history again.
    app.put(
        &member_path(id, &luis.client_id),
        Some(&coach.token),
        json!({"role": "member"}),
    )
    .await
    .ok();
    let history = app.history(&luis.session, id, "").await.ok();
    assert_eq!(history["items"][0]["body"], "welcome");
}

async fn private_conversations_keep_their_members_and_settings(app: TestApp) {
    let coach = app.signup().await;
    let maya = app.joined_client(&coach, "Maya", "two_way").await;
    let other = app.joined_client(&coach, "Other", "two_way").await;
    let k = &maya.conversation_id;
    let code = |r: Reply| (r.status.as_u16(), r.code().to_owned());
    let fixed = (403, "conversation.private_fixed".to_owned());
    assert_eq!(
        code(
            app.patch(
                &format!("/api/conversations/{k}"),
                Some(&coach.token),
                json!({"announcement_only": true})
            )
            .await
        ),
        fixed
    );
    assert_eq!(
        code(
            app.put(
                &member_path(k, &other.client_id),
                Some(&coach.token),
                json!({"role": "member"})
            )
            .await
        ),
        fixed
    );
    assert_eq!(
        code(remove(&app, &member_path(k, &maya.client_id), &coach.token).await),
        fixed
    );
    assert_eq!(
        code(
            app.get(
                &format!("/api/conversations/{k}/members"),
                Some(&coach.token)
            )
            .await
        ),
        fixed
    );
    assert_eq!(
        app.history(&other.session, k, "").await.status.as_u16(),
        404
    );
}

/// Who may read and write in a group is in the audit log: a seat given, its role and posting
/// right changed, the seat taken away; the group made announcement-only; and what a new product
/// grants.
async fn group_seats_settings_and_product_grants_are_audited(app: TestApp) {
    let owner = app.signup().await;
    let maya = app.joined_client(&owner, "Maya", "two_way").await;
    let group = create(
        &app,
        &owner,
        json!({"title": "Morning crew", "member_ids": []}),
    )
    .await
    .ok();
    let id = group["id"].as_str().expect("id");
    let seat = member_path(id, &maya.client_id);
    app.put(&seat, Some(&owner.token), json!({"role": "member"}))
        .await
        .ok();
    app.put(
        &seat,
        Some(&owner.token),
        json!({"role": "admin", "can_post": false}),
    )
    .await
    .ok();
    app.patch(
        &format!("/api/conversations/{id}"),
        Some(&owner.token),
        json!({"announcement_only": true}),
    )
    .await
    .ok();
    remove(&app, &seat, &owner.token).await.ok();
    crate::products::product(&app, &owner, "Coaching plan", "one_way").await;

    let log = app.get("/api/audit", Some(&owner.token)).await.ok();
    let seen: Vec<(String, String, String, String, String)> = log["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| {
            let text = |k: &str| e[k].as_str().unwrap_or("-").to_owned();
            (
                text("kind"),
                text("subject_name"),
                text("place"),
                text("before"),
                text("after"),
            )
        })
        .collect();
    let row = |k: &str, who: &str, place: &str, before: &str, after: &str| {
        (
            k.into(),
            who.into(),
            place.into(),
            before.into(),
            after.into(),
        )
    };
    // Newest change first; the entries of one change in any order.
    let changes = vec![
        vec![row("product_grant", "Coaching plan", "-", "-", "one_way")],
        vec![
            row("group_role", "Maya", "Morning crew", "admin", "-"),
            row(
                "posting",
                "Maya",
                "Morning crew",
                "may not post",
                "group's setting",
            ),
        ],
        vec![row("announcement_only", "Morning crew", "-", "off", "on")],
        vec![
            row("group_role", "Maya", "Morning crew", "member", "admin"),
            row(
                "posting",
                "Maya",
                "Morning crew",
                "group's setting",
                "may not post",
            ),
        ],
        vec![row("group_role", "Maya", "Morning crew", "-", "member")],
    ];
    assert_eq!(
        seen.len(),
        changes.iter().map(Vec::len).sum::<usize>(),
        "{seen:?}"
    );
    let mut rest = seen.as_slice();
    for mut change in changes {
        let (these, later) = rest.split_at(change.len());
        let mut these = these.to_vec();
        these.sort();
        change.sort();
        assert_eq!(these, change);
        rest = later;
    }
    // A person's own log has their seats; the group's and product's settings are the
    // business's only.
    let of_maya = app
        .get(
            &format!("/api/audit?user_id={}", maya.client_id),
            Some(&owner.token),
        )
        .await
        .ok();
    assert_eq!(of_maya["items"].as_array().map(Vec::len), Some(5));
}

on_both_backends!(
    group_seats_settings_and_product_grants_are_audited,
    owners_create_groups_and_members_see_them,
    announcement_only_lets_admins_post_and_everyone_react,
    removed_members_lose_the_group_at_once,
    private_conversations_keep_their_members_and_settings
);
