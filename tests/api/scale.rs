//! A business with many admins and many clients: the owner and admins are in every private
//! conversation and company channel by their role, so nothing a business does writes once per
//! admin, and every admin's inbox still lists every conversation in activity order with the
//! right unread counts.

use crate::helpers::*;
use crate::products::{deliver, product};
use futures::{StreamExt, stream};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Requests in flight while seeding.
const CONCURRENCY: usize = 16;

async fn invite_admin(app: &TestApp, owner: &Session, n: usize) -> Value {
    app.post(
        "/api/staff",
        Some(&owner.token),
        json!({"name": format!("Admin {n}"), "email": unique_email("admin"), "role": "admin"}),
    )
    .await
    .ok()
}

/// Every conversation `who` lists, page by page: (id, unread count), checked to come newest
/// activity first.
async fn whole_inbox(app: &TestApp, who: &Session) -> Vec<(String, u64)> {
    let rfc3339 = &time::format_description::well_known::Rfc3339;
    let mut last: Option<time::OffsetDateTime> = None;
    let mut out = Vec::new();
    for c in app.whole_inbox(&who.token, 100).await {
        let at = c["last_activity_at"].as_str().expect("last activity");
        let at = time::OffsetDateTime::parse(at, rfc3339).expect("a time");
        assert!(last.is_none_or(|l| l >= at), "newest activity first");
        last = Some(at);
        out.push((
            c["id"].as_str().expect("id").to_owned(),
            c["unread_count"].as_u64().expect("unread"),
        ));
    }
    out
}

fn unread_of(inbox: &[(String, u64)], conversation: &str) -> u64 {
    inbox
        .iter()
        .find(|(id, _)| id == conversation)
        .map(|(_, n)| *n)
        .unwrap_or_else(|| panic!("{conversation} is not listed"))
}

/// 200 admins (half of them joined) and 2,000 clients on the embedded store; the same story,
/// smaller, on DynamoDB Local.
async fn two_hundred_admins_and_two_thousand_clients(app: TestApp) {
    many_admins_and_clients(app, 200, 2_000).await;
}

async fn fifty_admins_and_two_hundred_clients(app: TestApp) {
    many_admins_and_clients(app, 50, 200).await;
}

async fn many_admins_and_clients(app: TestApp, admin_count: usize, client_count: usize) {
    let owner = app.signup().await;
    let invites: Vec<Value> = stream::iter(0..admin_count)
        .map(|n| invite_admin(&app, &owner, n))
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    // Half of them join.
    let admins: Vec<Session> = stream::iter(invites.iter().take(admin_count / 2))
        .map(|i| app.accept_staff(i))
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let added: Vec<Value> = stream::iter(0..client_count)
        .map(|n| {
            let owner = &owner;
            let app = &app;
            async move {
                app.add_client(owner, &format!("Client {n:04}"), "two_way")
                    .await
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    assert_eq!(added.len(), client_count);

    // Three clients write before one more admin arrives, one of them again after.
    let writers: Vec<ClientSession> = stream::iter(added.iter().take(3))
        .map(|a| app.accept(a))
        .buffered(3)
        .collect()
        .await;
    for (i, w) in writers.iter().enumerate() {
        for k in 0..=i {
            let r = app
                .send(
                    &w.session,
                    &w.conversation_id,
                    &format!("w{i}-{k}"),
                    "hello",
                )
                .await;
            assert_eq!(r.status, 201, "{}", r.body);
        }
    }
    let started = Instant::now();
    let late = invite_admin(&app, &owner, admin_count).await;
    let invite_took = started.elapsed();
    println!("inviting admin {} took {invite_took:?}", admin_count + 1);
    assert!(
        invite_took < Duration::from_secs(1),
        "inviting an admin does not touch the clients' conversations ({invite_took:?})"
    );
    let late = app.accept_staff(&late).await;
    let r = app
        .send(
            &writers[0].session,
            &writers[0].conversation_id,
            "after",
            "again",
        )
        .await;
    assert_eq!(r.status, 201);

    // What a business does next still works, with 200 admins: a client, a company, a buyer.
    let one_more = app.add_client(&owner, "Client after", "two_way").await;
    assert!(one_more["client"]["conversation_id"].is_string());
    let company = app.company(&owner, "Big Co").await;
    let staffer = app
        .add_company_client(&owner, "Company client", &company)
        .await;
    assert!(staffer["client"]["id"].is_string());
    let (business, secret) = app.webhook_secret(&owner).await;
    let program = product(&app, &owner, "Program", "one_way").await;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let order = json!({"order_id": "big-1", "product_id": program, "email": "buyer@big.example", "name": "Bo Buyer"});
    let bought = deliver(&app, &business, &secret, now, &order).await;
    assert_eq!(bought.status.as_u16(), 201, "{}", bought.body);

    // Every admin, early or late, lists every private conversation (the company's client has
    // one too) and the channel, newest activity first, each once.
    let expected = client_count + 4;
    for admin in [&admins[0], &admins[admin_count / 2 - 1], &late] {
        let inbox = whole_inbox(&app, admin).await;
        assert_eq!(inbox.len(), expected);
        let mut ids: Vec<&String> = inbox.iter().map(|(id, _)| id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), expected, "each conversation once");
        let at = |id: &str| inbox.iter().position(|(c, _)| c == id).expect("listed");
        assert!(
            at(&writers[0].conversation_id) < at(&writers[2].conversation_id),
            "written last, listed before"
        );
    }
    // Unread: everything the clients wrote for admins from before; for the late admin only
    // what came after they were invited.
    let early = whole_inbox(&app, &admins[1]).await;
    let later = whole_inbox(&app, &late).await;
    for (i, w) in writers.iter().enumerate() {
        let after = u64::from(i == 0);
        assert_eq!(unread_of(&early, &w.conversation_id), i as u64 + 1 + after);
        assert_eq!(unread_of(&later, &w.conversation_id), after);
    }
    assert_eq!(
        unread_of(
            &early,
            added[10]["client"]["conversation_id"].as_str().expect("id")
        ),
        0
    );
    // Every admin who joined sees the same newest conversation first.
    let first = |page: Value| page["items"][0]["id"].clone();
    let newest = first(
        app.get("/api/conversations?limit=5", Some(&late.token))
            .await
            .ok(),
    );
    for admin in &admins {
        let page = app
            .get("/api/conversations?limit=5", Some(&admin.token))
            .await
            .ok();
        assert_eq!(first(page), newest);
    }

    // Reading moves only the reader's mark.
    let last = app
        .history(&admins[1], &writers[2].conversation_id, "")
        .await
        .ok()["items"][0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    app.post(
        &format!("/api/conversations/{}/read", writers[2].conversation_id),
        Some(&admins[1].token),
        json!({"message_id": last}),
    )
    .await
    .ok();
    let early = whole_inbox(&app, &admins[1]).await;
    assert_eq!(unread_of(&early, &writers[2].conversation_id), 0);
    let other = whole_inbox(&app, &admins[2]).await;
    assert_eq!(unread_of(&other, &writers[2].conversation_id), 3);

    // Access ends at once, whatever the size of the business: an admin demoted to coach sees
    // none of the clients' conversations, one deactivated cannot sign in; the others see as
    // before.
    let (demoted, gone) = (&admins[3], &admins[4]);
    let staff = app.get("/api/staff", Some(&owner.token)).await.ok();
    let email_of = |s: &Session| {
        staff["items"]
            .as_array()
            .and_then(|all| all.iter().find(|x| x["id"] == s.user_id.as_str()))
            .and_then(|x| x["email"].as_str())
            .expect("listed")
            .to_owned()
    };
    let (demoted_email, gone_email) = (email_of(demoted), email_of(gone));
    for (who, body) in [
        (demoted, json!({"role": "coach"})),
        (gone, json!({"active": false})),
    ] {
        app.patch(
            &format!("/api/staff/{}", who.user_id),
            Some(&owner.token),
            body,
        )
        .await
        .ok();
        assert_eq!(app.get("/api/me", Some(&who.token)).await.status, 401);
    }
    let as_coach = session_of(&app.login(&demoted_email, "staff password").await.ok());
    assert!(
        whole_inbox(&app, &as_coach).await.is_empty(),
        "a demoted admin sees none of the clients' conversations"
    );
    assert_eq!(
        app.login(&gone_email, "staff password").await.code(),
        "auth.deactivated"
    );
    let still = whole_inbox(&app, &admins[2]).await;
    assert_eq!(still.len(), other.len(), "the other admins see as before");
}

#[tokio::test]
async fn two_hundred_admins_and_two_thousand_clients_embedded() {
    two_hundred_admins_and_two_thousand_clients(TestApp::spawn(Backend::Embedded).await).await;
}

#[tokio::test]
async fn fifty_admins_and_two_hundred_clients_dynamodb() {
    fifty_admins_and_two_hundred_clients(TestApp::spawn(Backend::Dynamo).await).await;
}
