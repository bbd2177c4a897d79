//! Send later, on both backends: staff schedule a message; it waits (listed, changed, sent
//! now, cancelled) and is sent once when the scheduler runs at its time, with a clock the test
//! controls (the scheduler is handed the time).

use crate::helpers::*;
use serde_json::{Value, json};
use std::sync::Arc;
use time::OffsetDateTime;

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .expect("format")
}

/// The assembly's services over the app's store (the scheduler run by hand).
fn services(app: &TestApp) -> functions::domain::AppState {
    functions::domain::assemble(
        app.raw_store(),
        Arc::new(functions::adapters::hub::LocalHub::default()),
        Arc::new(functions::adapters::files::LocalFiles::new(
            std::env::temp_dir().join("sideline-scheduled-test-files"),
            [8u8; 32],
        )),
        functions::domain::Tokens::new(&[7u8; 32]).expect("tokens"),
        "http://127.0.0.1",
    )
}

async fn schedule(app: &TestApp, who: &Session, c: &str, body: &str, at: OffsetDateTime) -> Reply {
    app.post(
        &format!("/api/conversations/{c}/messages"),
        Some(&who.token),
        json!({"client_message_id": format!("later-{body}"), "body": body, "send_at": rfc3339(at)}),
    )
    .await
}

async fn bodies(app: &TestApp, who: &Session, c: &str) -> Vec<String> {
    let history = app.history(who, c, "").await.ok();
    history["items"]
        .as_array()
        .expect("items")
        .iter()
        .rev()
        .map(|m| m["body"].as_str().expect("body").to_owned())
        .collect()
}

async fn scheduled(app: &TestApp, who: &Session) -> Vec<Value> {
    app.get("/api/scheduled", Some(&who.token))
        .await
        .ok()
        .as_array()
        .expect("list")
        .clone()
}

pub async fn a_scheduled_message_is_sent_once_at_its_time(app: TestApp) {
    let coach = app.signup().await;
    let maya = app.joined_client(&coach, "Maya", "two_way").await;
    let c = maya.conversation_id.clone();
    let services = services(&app);
    let scheduler = &services.scheduler;
    let now = OffsetDateTime::now_utc();

    // Sent now: moved to now, sent at the next run.
    let soon = schedule(
        &app,
        &coach,
        &c,
        "Reminder: check-in",
        now + time::Duration::hours(1),
    )
    .await;
    assert_eq!(soon.status, 202, "{soon:?}");
    let id = soon.body["id"].as_str().expect("id").to_owned();
    let moved = app
        .patch(
            &format!("/api/scheduled/{id}"),
            Some(&coach.token),
            json!({"send_at": rfc3339(now - time::Duration::minutes(5))}),
        )
        .await
        .ok();
    assert!(moved["send_at"].as_str().expect("at") >= rfc3339(now).as_str());
    let ran = scheduler
        .run_due(OffsetDateTime::now_utc() + time::Duration::seconds(1))
        .await
        .expect("run");
    assert_eq!(ran, 1);
    assert_eq!(
        bodies(&app, &maya.session, &c).await,
        ["Reminder: check-in"]
    );

    // Waits until its time, then goes once, however many runs. Times are taken from the clock
    // again at each step, and an hour or more ahead: on a loaded machine minutes pass between
    // steps, and a time less than a minute ahead is refused.
    let at = OffsetDateTime::now_utc() + time::Duration::hours(1);
    let later = schedule(&app, &coach, &c, "Morning plan", at).await.ok();
    assert_eq!(later["conversation_id"], c.as_str());
    assert_eq!(later["body"], "Morning plan");
    assert_eq!(scheduled(&app, &coach).await.len(), 1);
    assert_eq!(
        scheduler
            .run_due(at - time::Duration::minutes(30))
            .await
            .expect("run"),
        0
    );
    assert_eq!(
        bodies(&app, &maya.session, &c).await,
        ["Reminder: check-in"]
    );
    let (first, second) = futures::join!(
        scheduler.run_due(at + time::Duration::seconds(1)),
        scheduler.run_due(at + time::Duration::seconds(1)),
    );
    assert!(first.is_ok() && second.is_ok());
    scheduler
        .run_due(at + time::Duration::minutes(2))
        .await
        .expect("run");
    assert_eq!(
        bodies(&app, &maya.session, &c).await,
        ["Reminder: check-in", "Morning plan"],
        "sent once"
    );
    assert!(scheduled(&app, &coach).await.is_empty());

    // Changed: the new words at the new time.
    let at = OffsetDateTime::now_utc() + time::Duration::hours(2);
    let changed = schedule(&app, &coach, &c, "Old words", at).await.ok();
    let id = changed["id"].as_str().expect("id");
    let new_at = at + time::Duration::hours(1);
    app.patch(
        &format!("/api/scheduled/{id}"),
        Some(&coach.token),
        json!({"body": "New words", "send_at": rfc3339(new_at)}),
    )
    .await
    .ok();
    scheduler
        .run_due(at + time::Duration::minutes(1))
        .await
        .expect("run");
    assert_eq!(
        bodies(&app, &maya.session, &c).await.len(),
        2,
        "not at the old time"
    );
    scheduler
        .run_due(new_at + time::Duration::minutes(1))
        .await
        .expect("run");
    assert_eq!(
        bodies(&app, &maya.session, &c)
            .await
            .last()
            .map(String::as_str),
        Some("New words")
    );

    // Cancelled: never sent.
    let at = OffsetDateTime::now_utc() + time::Duration::hours(4);
    let cancelled = schedule(&app, &coach, &c, "Never", at).await.ok();
    let id = cancelled["id"].as_str().expect("id");
    let path = format!("/api/scheduled/{id}");
    let gone = app
        .request(reqwest::Method::DELETE, &path, Some(&coach.token), None)
        .await;
    assert_eq!(gone.status, 204);
    scheduler
        .run_due(at + time::Duration::minutes(1))
        .await
        .expect("run");
    assert!(
        !bodies(&app, &maya.session, &c)
            .await
            .contains(&"Never".to_owned())
    );
    let again = app
        .request(reqwest::Method::DELETE, &path, Some(&coach.token), None)
        .await;
    assert_eq!(
        (again.status.as_u16(), again.code()),
        (404, "scheduled.not_found")
    );
}

pub async fn only_staff_schedule_within_limits_and_each_their_own(app: TestApp) {
    let coach = app.signup().await;
    let maya = app.joined_client(&coach, "Maya", "two_way").await;
    let other = app.signup().await;
    let c = maya.conversation_id.clone();
    let now = OffsetDateTime::now_utc();
    let by_client = schedule(&app, &maya.session, &c, "x", now + time::Duration::hours(1)).await;
    assert_eq!(
        (by_client.status.as_u16(), by_client.code()),
        (403, "auth.staff_only")
    );
    for at in [
        now + time::Duration::seconds(10),
        now + time::Duration::days(400),
    ] {
        let refused = schedule(&app, &coach, &c, "x", at).await;
        assert_eq!(
            (refused.status.as_u16(), refused.code()),
            (422, "scheduled.time_invalid"),
            "{at}"
        );
    }
    let with_file = app
        .post(
            &format!("/api/conversations/{c}/messages"),
            Some(&coach.token),
            json!({"client_message_id": "f", "body": "x", "attachments": ["01ARZ3NDEKTSV4RRFFQ69G5FAV"],
                   "send_at": rfc3339(now + time::Duration::hours(1))}),
        )
        .await;
    assert_eq!(
        (with_file.status.as_u16(), with_file.code()),
        (422, "scheduled.attachments_unsupported")
    );
    // Another business cannot schedule into it, see, change or cancel what the coach scheduled.
    let theirs = schedule(&app, &other, &c, "x", now + time::Duration::hours(1)).await;
    assert_eq!(theirs.status, 404);
    let mine = schedule(&app, &coach, &c, "Mine", now + time::Duration::hours(1))
        .await
        .ok();
    let id = mine["id"].as_str().expect("id");
    assert!(scheduled(&app, &other).await.is_empty());
    assert!(scheduled(&app, &maya.session).await.is_empty());
    let path = format!("/api/scheduled/{id}");
    let changed = app
        .patch(&path, Some(&other.token), json!({"body": "theirs"}))
        .await;
    assert_eq!(changed.status, 404);
    let cancelled = app
        .request(reqwest::Method::DELETE, &path, Some(&other.token), None)
        .await;
    assert_eq!(cancelled.status, 404);
    assert_eq!(scheduled(&app, &coach).await[0]["body"], "Mine");
    let odd = app
        .patch("/api/scheduled/not-an-id", Some(&coach.token), json!({}))
        .await;
    assert_eq!(odd.status, 404);
}

/// A mass message scheduled for later: listed with its recipients, sent once at its time to
/// each of them, however often the scheduler runs; one cancelled is never sent.
pub async fn a_mass_message_is_sent_later_once(app: TestApp) {
    let owner = app.signup().await;
    let maya = app.joined_client(&owner, "Maya", "two_way").await;
    let luis = app.joined_client(&owner, "Luis", "one_way").await;
    let now = OffsetDateTime::now_utc();
    let mass = |id: &str, body: &str, at: OffsetDateTime| json!({"id": id, "body": body, "recipients": {"all": true}, "send_at": rfc3339(at)});
    let too_soon = app
        .post(
            "/api/mass-messages",
            Some(&owner.token),
            mass("soon", "Now?", now),
        )
        .await;
    assert_eq!(
        (too_soon.status.as_u16(), too_soon.code()),
        (422, "scheduled.time_invalid")
    );
    let later = now + time::Duration::hours(1);
    let accepted = app
        .post(
            "/api/mass-messages",
            Some(&owner.token),
            mass("spring", "New schedule from **Monday**", later),
        )
        .await;
    assert_eq!(accepted.status, 202, "{accepted:?}");
    assert_eq!(accepted.body["mass"]["id"], "spring");
    assert_eq!(accepted.body["mass"]["recipients"], json!({"all": true}));
    assert!(accepted.body.get("conversation_id").is_none());
    let cancelled = app
        .post(
            "/api/mass-messages",
            Some(&owner.token),
            mass("oops", "Never mind", later),
        )
        .await
        .ok();
    let gone = app
        .request(
            reqwest::Method::DELETE,
            &format!("/api/scheduled/{}", cancelled["id"].as_str().expect("id")),
            Some(&owner.token),
            None,
        )
        .await;
    assert_eq!(gone.status, 204);
    let waiting = scheduled(&app, &owner).await;
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0]["body"], "New schedule from **Monday**");
    // Nothing yet: the mass message does not exist until its time.
    assert_eq!(
        app.get("/api/mass-messages/spring", Some(&owner.token))
            .await
            .status,
        404
    );

    let runner = services(&app);
    for _ in 0..2 {
        runner
            .scheduler
            .run_due(later + time::Duration::minutes(1))
            .await
            .expect("run");
    }
    let mut job = Value::Null;
    for _ in 0..200 {
        job = app
            .get("/api/mass-messages/spring", Some(&owner.token))
            .await
            .body;
        if job["status"] == "done" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(
        (job["status"].clone(), job["sent"].clone()),
        (json!("done"), json!(2))
    );
    for (who, c) in [
        (&maya.session, &maya.conversation_id),
        (&luis.session, &luis.conversation_id),
    ] {
        let got = bodies(&app, who, c).await;
        assert_eq!(
            got.iter()
                .filter(|b| b.as_str() == "New schedule from **Monday**")
                .count(),
            1,
            "{got:?}"
        );
        assert!(!got.iter().any(|b| b == "Never mind"));
    }
    assert!(scheduled(&app, &owner).await.is_empty());
}

async fn over(backend: Backend) -> TestApp {
    TestApp::counting(backend).await.0
}

mod sent_once {
    use crate::helpers::Backend;
    #[tokio::test]
    async fn embedded() {
        super::a_scheduled_message_is_sent_once_at_its_time(super::over(Backend::Embedded).await)
            .await;
    }
    #[tokio::test]
    async fn dynamodb() {
        super::a_scheduled_message_is_sent_once_at_its_time(super::over(Backend::Dynamo).await)
            .await;
    }
}

mod staff_and_limits {
    use crate::helpers::Backend;
    #[tokio::test]
    async fn embedded() {
        super::only_staff_schedule_within_limits_and_each_their_own(
            super::over(Backend::Embedded).await,
        )
        .await;
    }
    #[tokio::test]
    async fn dynamodb() {
        super::only_staff_schedule_within_limits_and_each_their_own(
            super::over(Backend::Dynamo).await,
        )
        .await;
    }
}

mod mass_later {
    use crate::helpers::Backend;
    #[tokio::test]
    async fn embedded() {
        super::a_mass_message_is_sent_later_once(super::over(Backend::Embedded).await).await;
    }
    #[tokio::test]
    async fn dynamodb() {
        super::a_mass_message_is_sent_later_once(super::over(Backend::Dynamo).await).await;
    }
}
