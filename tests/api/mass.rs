//! Mass messages: each chosen client once, in their own private conversation, nobody else;
//! the same job id never sends twice; every way of choosing recipients; on both backends.

use crate::helpers::*;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

async fn submit(app: &TestApp, who: &Session, body: Value) -> Reply {
    app.post("/api/mass-messages", Some(&who.token), body).await
}

/// Polls the job until it is done (bounded).
async fn finished(app: &TestApp, who: &Session, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let job = app
            .get(&format!("/api/mass-messages/{id}"), Some(&who.token))
            .await
            .ok();
        if job["status"] == "done" {
            return job;
        }
        assert!(Instant::now() < deadline, "the job never finished: {job}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The bodies of the messages in a conversation, oldest first.
async fn bodies(app: &TestApp, who: &Session, conversation: &str) -> Vec<String> {
    let page = app.history(who, conversation, "?limit=200").await.ok();
    let mut out: Vec<String> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|m| m["body"].as_str().expect("body").to_owned())
        .collect();
    out.reverse();
    out
}

async fn it_reaches_exactly_the_chosen_clients_once_each(app: TestApp) {
    let owner = app.signup().await;
    let maya = app.joined_client(&owner, "Maya", "two_way").await;
    let luis = app.joined_client(&owner, "Luis", "one_way").await;
    let ana = app.joined_client(&owner, "Ana", "two_way").await;
    let body = json!({
        "id": "spring-update-1",
        "body": "New schedule from Monday!",
        "recipients": { "client_ids": [maya.client_id, luis.client_id, maya.client_id] }
    });
    let accepted = submit(&app, &owner, body.clone()).await;
    assert_eq!(accepted.status.as_u16(), 202, "{}", accepted.body);
    assert!(matches!(
        accepted.body["status"].as_str(),
        Some("queued" | "sending" | "done")
    ));
    let job = finished(&app, &owner, "spring-update-1").await;
    assert_eq!(
        (job["sent"].as_u64(), job["failed"].as_u64()),
        (Some(2), Some(0))
    );
    assert!(job["finished_at"].is_string());

    // Each chosen client has it once, in their private conversation, from the owner; a
    // one-way client included. Nobody else has it, and nobody sees a shared conversation.
    for who in [&maya, &luis] {
        assert_eq!(
            bodies(&app, &who.session, &who.conversation_id).await,
            ["New schedule from Monday!"]
        );
        let list = app
            .get("/api/conversations", Some(&who.session.token))
            .await
            .ok();
        let items = list["items"].as_array().expect("items");
        assert_eq!(items.len(), 1, "only their own conversation: {list}");
        assert_eq!(
            items[0]["last_message"]["sender_id"],
            owner.user_id.as_str()
        );
    }
    assert!(
        bodies(&app, &ana.session, &ana.conversation_id)
            .await
            .is_empty()
    );

    // The same id again: the same job, nothing sent again.
    let again = submit(&app, &owner, body).await;
    assert_eq!(again.status.as_u16(), 200, "{}", again.body);
    assert_eq!(again.body["sent"], 2);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        bodies(&app, &maya.session, &maya.conversation_id)
            .await
            .len(),
        1
    );
    let reused = submit(
        &app,
        &owner,
        json!({ "id": "spring-update-1", "body": "Something else", "recipients": { "all": true } }),
    )
    .await;
    assert_eq!(
        (reused.status.as_u16(), reused.code()),
        (409, "mass_message.id_taken")
    );

    // A reply comes back one to one.
    let reply = app
        .send(&maya.session, &maya.conversation_id, "r1", "Thanks!")
        .await;
    assert_eq!(reply.status.as_u16(), 201);
    assert_eq!(
        bodies(&app, &owner, &maya.conversation_id).await,
        ["New schedule from Monday!", "Thanks!"]
    );
}

async fn it_reaches_a_company_a_products_buyers_or_everyone(app: TestApp) {
    let owner = app.signup().await;
    let acme = app.company(&owner, "Acme").await;
    let mut staff_of_acme = Vec::new();
    for name in ["Ana", "Ben", "Cy"] {
        let added = app.add_company_client(&owner, name, &acme).await;
        staff_of_acme.push(added["client"].clone());
    }
    let maya = app.joined_client(&owner, "Maya", "two_way").await;
    let luis = app.joined_client(&owner, "Luis", "two_way").await;

    let job = submit(
        &app,
        &owner,
        json!({ "id": "acme", "body": "Hello Acme", "recipients": { "company_id": acme["id"] } }),
    )
    .await
    .ok();
    assert_eq!(job["recipients"]["company_id"], acme["id"]);
    let job = finished(&app, &owner, "acme").await;
    assert_eq!(job["sent"], 3);
    for c in &staff_of_acme {
        let conversation = c["conversation_id"].as_str().expect("conversation");
        assert_eq!(bodies(&app, &owner, conversation).await, ["Hello Acme"]);
    }
    assert!(
        bodies(&app, &maya.session, &maya.conversation_id)
            .await
            .is_empty()
    );

    // Buyers of a product.
    let product = app
        .post(
            "/api/products",
            Some(&owner.token),
            json!({ "name": "Coaching", "price_label": "$99", "grants": "unchanged" }),
        )
        .await
        .ok();
    app.post(
        &format!("/api/clients/{}/purchases", luis.client_id),
        Some(&owner.token),
        json!({ "product_id": product["id"] }),
    )
    .await
    .ok();
    submit(
        &app,
        &owner,
        json!({ "id": "buyers", "body": "Thanks for buying", "recipients": { "product_id": product["id"] } }),
    )
    .await
    .ok();
    assert_eq!(finished(&app, &owner, "buyers").await["sent"], 1);
    assert_eq!(
        bodies(&app, &luis.session, &luis.conversation_id).await,
        ["Thanks for buying"]
    );
    assert!(
        bodies(&app, &maya.session, &maya.conversation_id)
            .await
            .is_empty()
    );

    // Everyone.
    submit(
        &app,
        &owner,
        json!({ "id": "all-1", "body": "To everyone", "recipients": { "all": true } }),
    )
    .await
    .ok();
    let job = finished(&app, &owner, "all-1").await;
    assert_eq!(
        (job["sent"].as_u64(), job["failed"].as_u64()),
        (Some(5), Some(0))
    );
    assert_eq!(
        bodies(&app, &maya.session, &maya.conversation_id).await,
        ["To everyone"]
    );
}

async fn a_client_in_their_companys_channel_only_gets_a_private_conversation(app: TestApp) {
    let owner = app.signup().await;
    app.patch(
        "/api/settings",
        Some(&owner.token),
        json!({ "default_channel": "company" }),
    )
    .await
    .ok();
    let acme = app.company(&owner, "Acme").await;
    let added = app.add_company_client(&owner, "Ana", &acme).await;
    assert_eq!(added["client"]["conversation_id"], Value::Null);
    let id = added["client"]["id"].as_str().expect("id");
    submit(
        &app,
        &owner,
        json!({ "id": "to-ana", "body": "Just for you", "recipients": { "client_ids": [id] } }),
    )
    .await
    .ok();
    assert_eq!(finished(&app, &owner, "to-ana").await["sent"], 1);
    let card = app
        .get(&format!("/api/clients/{id}"), Some(&owner.token))
        .await
        .ok();
    let conversation = card["conversation_id"].as_str().expect("started for it");
    assert_eq!(bodies(&app, &owner, conversation).await, ["Just for you"]);
    // The company's channel did not get it.
    assert!(
        bodies(&app, &owner, acme["channel_id"].as_str().expect("channel"))
            .await
            .is_empty()
    );
}

async fn bad_jobs_are_refused_and_other_businesses_are_out_of_reach(app: TestApp) {
    let owner = app.signup().await;
    let maya = app.joined_client(&owner, "Maya", "two_way").await;
    let cases = [
        (
            json!({ "id": "bad id!", "body": "x", "recipients": { "all": true } }),
            422,
            "mass_message.invalid_id",
        ),
        (
            json!({ "id": "a".repeat(49), "body": "x", "recipients": { "all": true } }),
            422,
            "mass_message.invalid_id",
        ),
        (
            json!({ "id": "ok", "body": "   ", "recipients": { "all": true } }),
            422,
            "message.body_empty",
        ),
        (
            json!({ "id": "ok", "body": "x", "recipients": { "all": false } }),
            422,
            "mass_message.recipients",
        ),
        (
            json!({ "id": "ok", "body": "x", "recipients": { "client_ids": [] } }),
            422,
            "mass_message.recipients",
        ),
        (
            json!({ "id": "ok", "body": "x", "recipients": { "company_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV" } }),
            404,
            "company.not_found",
        ),
        (
            json!({ "id": "ok", "body": "x", "recipients": { "product_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV" } }),
            404,
            "product.not_found",
        ),
        (
            json!({ "id": "ok", "body": "x", "recipients": { "everyone": true } }),
            422,
            "request.invalid_body",
        ),
    ];
    for (body, status, code) in cases {
        let r = submit(&app, &owner, body.clone()).await;
        assert_eq!((r.status.as_u16(), r.code()), (status, code), "{body}");
    }
    let by_client = submit(
        &app,
        &maya.session,
        json!({ "id": "mine", "body": "x", "recipients": { "all": true } }),
    )
    .await;
    assert_eq!(by_client.status.as_u16(), 403);

    // Another business's owner naming this business's client reaches no one.
    let other = app.signup().await;
    submit(
        &app,
        &other,
        json!({ "id": "poach", "body": "Come to us", "recipients": { "client_ids": [maya.client_id] } }),
    )
    .await
    .ok();
    let job = finished(&app, &other, "poach").await;
    assert_eq!(
        (job["sent"].as_u64(), job["failed"].as_u64()),
        (Some(0), Some(1))
    );
    assert!(
        bodies(&app, &maya.session, &maya.conversation_id)
            .await
            .is_empty()
    );
    // Nor can they read this business's jobs.
    submit(
        &app,
        &owner,
        json!({ "id": "poach", "body": "Ours", "recipients": { "all": true } }),
    )
    .await
    .ok();
    let theirs = app
        .get("/api/mass-messages/poach", Some(&other.token))
        .await
        .ok();
    assert_eq!(theirs["body"], "Come to us");
}

async fn a_coach_reaches_only_their_own_clients(app: TestApp) {
    let owner = app.signup().await;
    app.patch(
        "/api/settings",
        Some(&owner.token),
        json!({ "default_channel": "company" }),
    )
    .await
    .ok();
    let acme = app.company(&owner, "Acme").await;
    // Someone else's client, in their company's channel only: no private conversation yet.
    let theirs = app.add_company_client(&owner, "Ana", &acme).await;
    let ana = theirs["client"]["id"].as_str().expect("id").to_owned();
    let maya = app.joined_client(&owner, "Maya", "two_way").await;
    let coach = app.staff_member(&owner, "Cole Coach", "coach").await;
    let own = app.joined_client(&coach, "Olga", "two_way").await;

    submit(
        &app,
        &coach,
        json!({ "id": "not-mine", "body": "Hi from Cole", "recipients": { "client_ids": [ana, maya.client_id] } }),
    )
    .await
    .ok();
    let job = finished(&app, &coach, "not-mine").await;
    assert_eq!(
        (job["sent"].as_u64(), job["failed"].as_u64()),
        (Some(0), Some(2))
    );
    let card = app
        .get(&format!("/api/clients/{ana}"), Some(&owner.token))
        .await
        .ok();
    assert_eq!(
        card["conversation_id"],
        Value::Null,
        "no conversation made for them"
    );
    assert!(
        bodies(&app, &maya.session, &maya.conversation_id)
            .await
            .is_empty()
    );

    // "Everyone", for a coach, is everyone assigned to them.
    submit(
        &app,
        &coach,
        json!({ "id": "all-mine", "body": "Hi from Cole", "recipients": { "all": true } }),
    )
    .await
    .ok();
    let job = finished(&app, &coach, "all-mine").await;
    assert_eq!(
        (job["sent"].as_u64(), job["failed"].as_u64()),
        (Some(1), Some(0))
    );
    assert_eq!(
        bodies(&app, &own.session, &own.conversation_id).await,
        ["Hi from Cole"]
    );
    // And they see their own jobs only.
    let owners = submit(
        &app,
        &owner,
        json!({ "id": "owners", "body": "x", "recipients": { "all": true } }),
    )
    .await
    .ok();
    assert_eq!(owners["id"], "owners");
    let hidden = app
        .get("/api/mass-messages/owners", Some(&coach.token))
        .await;
    assert_eq!(hidden.status.as_u16(), 404);
}

/// A mass message whose step failed past the stream's retries stalls (here: its last step
/// taken again, as when its progress write was lost, and nothing left to carry it on). Its
/// watch, due a while after it was accepted, finds it stalled and takes the step: it finishes,
/// and each client still has the message once.
async fn a_stalled_mass_message_is_resumed_by_its_watch(app: TestApp) {
    use functions::store::repo::{self, MassRecord};
    let coach = app.signup().await;
    let ann = app.add_client(&coach, "Ann", "two_way").await;
    let cy = app.add_client(&coach, "Cy", "two_way").await;
    let conversations = [
        ann["client"]["conversation_id"]
            .as_str()
            .expect("conversation"),
        cy["client"]["conversation_id"]
            .as_str()
            .expect("conversation"),
    ];
    let r = submit(
        &app,
        &coach,
        json!({"id": "stalls", "body": "Pool closed today",
               "recipients": {"client_ids": [ann["client"]["id"], cy["client"]["id"]]}}),
    )
    .await;
    assert_eq!(r.status.as_u16(), 202, "{}", r.body);
    finished(&app, &coach, "stalls").await;

    let me = app.get("/api/me", Some(&coach.token)).await.ok();
    let b: shared::BusinessId = me["business_id"]
        .as_str()
        .and_then(|b| b.parse().ok())
        .expect("business");
    let store = app.raw_store();
    let record = repo::get::<MassRecord>(&*store, (b, "stalls"))
        .await
        .expect("read")
        .expect("the job");
    let mut stalled = record.clone();
    stalled.value.job.status = shared::model::MassStatus::Sending;
    stalled.value.job.sent = 0;
    stalled.value.job.finished_at = None;
    stalled.value.cursor = None;
    stalled.value.stepped_at = Some(time::OffsetDateTime::now_utc() - time::Duration::hours(1));
    store
        .transact(vec![stalled.update((b, "stalls")).expect("write")])
        .await
        .expect("stall it");
    let job = app
        .get("/api/mass-messages/stalls", Some(&coach.token))
        .await
        .ok();
    assert_eq!(job["status"], "sending");

    app.post("/dev/scheduler/run", None, json!({"minutes": 20}))
        .await
        .ok();
    let job = finished(&app, &coach, "stalls").await;
    assert_eq!(
        (job["sent"].as_u64(), job["failed"].as_u64()),
        (Some(2), Some(0))
    );
    for c in conversations {
        assert_eq!(bodies(&app, &coach, c).await, ["Pool closed today"]);
    }
    // Finished, it is watched no more: a later run changes nothing.
    app.post("/dev/scheduler/run", None, json!({"minutes": 60}))
        .await
        .ok();
    for c in conversations {
        assert_eq!(bodies(&app, &coach, c).await, ["Pool closed today"]);
    }
}

on_both_backends!(
    a_stalled_mass_message_is_resumed_by_its_watch,
    it_reaches_exactly_the_chosen_clients_once_each,
    it_reaches_a_company_a_products_buyers_or_everyone,
    a_client_in_their_companys_channel_only_gets_a_private_conversation,
    bad_jobs_are_refused_and_other_businesses_are_out_of_reach,
    a_coach_reaches_only_their_own_clients
);

/// On AWS a mass message moves on one step (100 recipients) for each change of its record,
/// and that step's own write is the change that calls for the next one, behind whatever the
/// stream already holds. So one business's large mass message does not hold up another's:
/// sent just after it, a small business's mass message is done after one step of the large
/// one, not after all of them. The embedded store's change feed, read in commit order by one
/// consumer as one shard of the stream is, drives the stream functions' step here.
#[tokio::test]
async fn mass_messages_of_two_businesses_take_turns_in_the_stream() {
    use functions::store::repo::{self, MassRecord};
    use std::sync::Arc;
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Arc::new(
        functions::store::embedded::EmbeddedStore::open(&dir.path().join("sideline.redb"))
            .expect("store"),
    );
    let services =
        crate::common::services_over(store.clone(), &dir.path().join("files"), &[9u8; 32]);
    let mut owners = Vec::new();
    for (name, clients) in [("Big Gym", 450), ("Small Studio", 5)] {
        let owner = crate::common::quiet_owner(&services, name, &unique_email("mass-turns"))
            .await
            .expect("owner");
        crate::common::seed_clients(&services, &owner, clients, "turns.example")
            .await
            .expect("clients");
        owners.push(owner);
    }
    let mut feed = store.subscribe();
    for owner in &owners {
        services
            .mass
            .create_mass_message(
                owner,
                shared::api::CreateMassMessageRequest {
                    id: "spring".into(),
                    body: "New timetable from Monday".into(),
                    recipients: shared::model::Recipients::All { all: true },
                    send_at: None,
                    channel: Default::default(),
                },
            )
            .await
            .expect("accepted");
    }
    let big = owners[0].business_id();
    let small = owners[1].business_id();
    let done = |b| {
        let store = store.clone();
        async move {
            repo::get::<MassRecord>(&*store, (b, "spring"))
                .await
                .expect("read")
                .expect("the job")
                .value
                .job
        }
    };
    // One shard's consumer: each change in turn, a step where one is due.
    let mut steps = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    while done(big).await.status != shared::model::MassStatus::Done
        || done(small).await.status != shared::model::MassStatus::Done
    {
        assert!(Instant::now() < deadline, "steps so far: {steps:?}");
        let change = tokio::time::timeout(Duration::from_secs(10), feed.recv())
            .await
            .expect("a change")
            .expect("the feed keeps up");
        if let Some((b, id)) = functions::events::stream::mass_step_due(&change) {
            services.mass.mass_step(b, &id).await.expect("step");
            steps.push(if b == big { "big" } else { "small" });
        }
    }
    assert_eq!(&steps[..2], ["big", "small"], "{steps:?}");
    assert_eq!(steps.iter().filter(|s| **s == "small").count(), 1);
    assert!(
        steps.iter().filter(|s| **s == "big").count() >= 5,
        "{steps:?}"
    );
    let (big_job, small_job) = (done(big).await, done(small).await);
    assert_eq!((big_job.sent, small_job.sent), (450, 5));
}
