//! Under injected store faults (20% of reads and transactions fail as DynamoDB's do: cancelled
//! by a conflict, throttled, or timed out after they committed; `common::faults`), what people
//! are told was done is done once: every acknowledged message is kept exactly once (a client
//! retries what failed with the same `client_message_id`), the coach's bell counts each
//! message once, and a mass message reaches every client exactly once.

use crate::common::faults::Faulty;
use crate::helpers::*;
use functions::store::Store;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

const PERCENT: u32 = 20;
/// Clients a mass message goes to: more than one step's batch.
const CLIENTS: usize = 105;

/// The store of `backend` with a feed of what is committed to it, and the faulty store over
/// that feed the services use.
async fn faulty_app(backend: Backend, seed: u64) -> (TestApp, Arc<Faulty>) {
    let kept: Arc<dyn Store> = match backend {
        Backend::Embedded => {
            let dir = tempfile::tempdir().expect("tempdir");
            let store =
                functions::store::embedded::EmbeddedStore::open(&dir.path().join("sideline.redb"))
                    .expect("store");
            // The store's file lives as long as the test's process.
            std::mem::forget(dir);
            Arc::new(store)
        }
        Backend::Dynamo => Arc::new(crate::common::fresh_dynamo_store().await),
    };
    let feed = Arc::new(Feeding::new(kept.clone()));
    let faulty = Arc::new(Faulty::new(feed.clone(), PERCENT, seed));
    faulty.faults(false);
    let app = TestApp::over_feed(faulty.clone(), feed, kept).await;
    (app, faulty)
}

/// Sends until the server acknowledges (a client's retries: the same id each time). Answers
/// the acknowledged message and how many tries it took.
async fn send_until_acknowledged(
    app: &TestApp,
    who: &Session,
    conversation: &str,
    key: &str,
) -> (Value, u32) {
    for attempt in 1..=100 {
        let r = app
            .send(who, conversation, key, &format!("Message {key}"))
            .await;
        match r.status.as_u16() {
            200 | 201 => return (r.body, attempt),
            s if s >= 500 => tokio::time::sleep(Duration::from_millis(5)).await,
            s => panic!("{key}: {s} {}", r.body),
        }
    }
    panic!("{key} was never acknowledged");
}

async fn messages_are_kept_once_under_faults(backend: Backend) {
    let (app, faulty) = faulty_app(backend, 19).await;
    let coach = app.signup().await;
    let maya = app.joined_client(&coach, "Maya", "two_way").await;
    let c = maya.conversation_id.clone();
    faulty.faults(true);

    // Maya sends 40 messages, retrying what fails; then Maya and her coach 40 more each at
    // once.
    let app = Arc::new(app);
    let mut acked = HashMap::new();
    let mut retried = 0;
    let phases = [
        vec![("maya", maya.session.clone())],
        vec![
            ("maya-again", maya.session.clone()),
            ("coach", coach.clone()),
        ],
    ];
    let mut bell_count = Value::Null;
    for (phase, senders) in phases.into_iter().enumerate() {
        let tasks: Vec<_> = senders
            .into_iter()
            .map(|(who, session)| {
                let (app, c) = (app.clone(), c.clone());
                tokio::spawn(async move {
                    let mut acked = Vec::new();
                    let mut retried = 0;
                    for i in 0..40 {
                        let key = format!("{who}-{i}");
                        let (message, tries) =
                            send_until_acknowledged(&app, &session, &c, &key).await;
                        retried += tries - 1;
                        acked.push((key, message["id"].as_str().expect("id").to_owned()));
                    }
                    (acked, retried)
                })
            })
            .collect();
        for t in tasks {
            let (a, r) = t.await.expect("sender");
            acked.extend(a);
            retried += r;
        }
        if phase == 0 {
            // The coach's bell counts each of Maya's 40 once (the notifier retries what
            // failed).
            for _ in 0..400 {
                let bell = app.get("/api/notifications", Some(&coach.token)).await;
                if bell.status == 200 {
                    bell_count = bell.body["notifications"]
                        .as_array()
                        .expect("notifications")
                        .iter()
                        .find(|n| n["conversation_id"] == c.as_str() && n["kind"] == "message")
                        .map_or(Value::Null, |n| n["count"].clone());
                    if bell_count == json!(40) {
                        break;
                    }
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
    faulty.faults(false);
    let injected = faulty.injected();
    assert!(
        injected.after_commit > 0 && injected.conflicts > 0 && injected.reads > 0,
        "{injected:?}"
    );
    assert!(retried > 0);

    // Each acknowledged message is there once, with the id it was acknowledged with.
    let page = app.history(&coach, &c, "?limit=200").await.ok();
    let items = page["items"].as_array().expect("items");
    let kept: Vec<(String, String)> = items
        .iter()
        .map(|m| {
            (
                m["client_message_id"].as_str().expect("key").to_owned(),
                m["id"].as_str().expect("id").to_owned(),
            )
        })
        .collect();
    assert_eq!(kept.len(), 120, "nothing twice, nothing lost: {injected:?}");
    for (key, id) in &kept {
        assert_eq!(acked.get(key), Some(id), "{key}");
    }

    assert_eq!(bell_count, json!(40), "the bell counts each message once");
    println!(
        "under {PERCENT}% faults ({injected:?}): 120 messages kept once each after {retried} retries"
    );
}

#[tokio::test]
async fn messages_are_kept_once_under_faults_embedded() {
    messages_are_kept_once_under_faults(Backend::Embedded).await;
}

#[tokio::test]
async fn messages_are_kept_once_under_faults_dynamodb() {
    messages_are_kept_once_under_faults(Backend::Dynamo).await;
}

async fn a_mass_message_reaches_each_once_under_faults(backend: Backend) {
    let (app, faulty) = faulty_app(backend, 7).await;
    let coach = app.signup().await;
    let mut conversations = Vec::new();
    for i in 0..CLIENTS {
        let added = app
            .add_client(&coach, &format!("Client {i}"), "two_way")
            .await;
        conversations.push(
            added["client"]["conversation_id"]
                .as_str()
                .expect("conversation")
                .to_owned(),
        );
    }
    faulty.faults(true);
    let body = json!({"id": "under-faults", "body": "Holiday hours", "recipients": {"all": true}});
    let mut accepted = false;
    for _ in 0..100 {
        let r = app
            .post("/api/mass-messages", Some(&coach.token), body.clone())
            .await;
        match r.status.as_u16() {
            200 | 202 => {
                accepted = true;
                break;
            }
            s if s >= 500 => tokio::time::sleep(Duration::from_millis(5)).await,
            s => panic!("{s}: {}", r.body),
        }
    }
    assert!(accepted, "the mass message was accepted");
    // The worker takes its steps, some failing and taken again, while the faults go on.
    let mut job = Value::Null;
    for _ in 0..600 {
        let r = app
            .get("/api/mass-messages/under-faults", Some(&coach.token))
            .await;
        if r.status == 200 {
            job = r.body;
            if job["status"] == "done" {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    faulty.faults(false);
    assert_eq!(
        (
            job["status"].as_str(),
            job["sent"].as_u64(),
            job["failed"].as_u64()
        ),
        (Some("done"), Some(CLIENTS as u64), Some(0)),
        "{job}"
    );
    for c in &conversations {
        let page = app.history(&coach, c, "?limit=10").await.ok();
        let bodies: Vec<&str> = page["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|m| m["body"].as_str())
            .filter(|b| *b == "Holiday hours")
            .collect();
        assert_eq!(bodies.len(), 1, "{c}: {page}");
    }
    println!(
        "mass message under {PERCENT}% faults: {:?}",
        faulty.injected()
    );
}

#[tokio::test]
async fn a_mass_message_reaches_each_once_under_faults_embedded() {
    a_mass_message_reaches_each_once_under_faults(Backend::Embedded).await;
}

#[tokio::test]
async fn a_mass_message_reaches_each_once_under_faults_dynamodb() {
    a_mass_message_reaches_each_once_under_faults(Backend::Dynamo).await;
}
