//! Nothing acknowledged is lost: the real `local` binary is killed with SIGKILL right after it
//! acknowledged 100 sends; after a restart on the same data dir all 100 are there.

#[path = "../common/mod.rs"]
mod common;

use serde_json::{Value, json};
use std::path::{Path, PathBuf};

fn local_binary() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| common::workspace_root().join("target"));
    let bin = target.join("debug").join("local");
    assert!(
        bin.exists(),
        "{} is missing: build it with `cargo build -p sideline-functions --bin local` (the test command does)",
        bin.display()
    );
    bin
}

async fn start(data_dir: &Path) -> (tokio::process::Child, String) {
    common::start_local_binary(&local_binary(), data_dir).await
}

async fn post(
    http: &reqwest::Client,
    url: String,
    token: Option<&str>,
    body: Value,
) -> (u16, Value) {
    let mut req = http.post(url).json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.expect("send");
    (res.status().as_u16(), res.json().await.expect("json"))
}

/// `field` of every message of `conversation` (up to 200), sorted.
async fn history(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    conversation: &str,
    field: &str,
) -> Vec<String> {
    let page: Value = http
        .get(format!(
            "{base}/api/conversations/{conversation}/messages?limit=200"
        ))
        .bearer_auth(token)
        .send()
        .await
        .expect("history")
        .json()
        .await
        .expect("json");
    let mut values: Vec<String> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|m| m[field].as_str().expect("field").to_owned())
        .collect();
    values.sort();
    values
}

/// A coach of a new business `name` (`<name>@test.example`, email confirmed, no welcome
/// message: only what a test sends is in the conversation) and a client of theirs: the coach's
/// token and the client's conversation.
async fn coach_and_client(http: &reqwest::Client, base: &str, name: &str) -> (String, String) {
    let email = format!("{name}@test.example");
    let (_, signup) = post(http, format!("{base}/api/auth/signup"), None,
        json!({"business_name": name, "name": "Coach", "email": email, "password": "a long password"})).await;
    assert!(signup["token"].is_string(), "{signup}");
    let confirmed = common::confirm_email(http, base, &email)
        .await
        .expect("confirm the email");
    let token = confirmed["token"].as_str().expect("token").to_owned();
    let off = http
        .patch(format!("{base}/api/settings"))
        .bearer_auth(&token)
        .json(&json!({"welcome_message": {"enabled": false, "text": ""}}))
        .send()
        .await
        .expect("settings");
    assert_eq!(off.status().as_u16(), 200);
    let (_, added) = post(
        http,
        format!("{base}/api/clients"),
        Some(&token),
        json!({"name": "Maya", "email": format!("maya.{name}@test.example")}),
    )
    .await;
    let conversation = added["client"]["conversation_id"]
        .as_str()
        .expect("conversation")
        .to_owned();
    (token, conversation)
}

#[tokio::test]
async fn every_acknowledged_send_survives_a_kill_9() {
    let dir = tempfile::tempdir().expect("tempdir");
    let http = reqwest::Client::new();
    let (mut server, base) = start(dir.path()).await;

    let (token, conversation) = coach_and_client(&http, &base, "durable").await;

    let sends: Vec<_> = (0..100)
        .map(|i| {
            let (http, base, token, conversation) = (
                http.clone(),
                base.clone(),
                token.clone(),
                conversation.clone(),
            );
            tokio::spawn(async move {
                let url = format!("{base}/api/conversations/{conversation}/messages");
                let (status, body) = post(
                    &http,
                    url,
                    Some(&token),
                    json!({"client_message_id": format!("d{i}"), "body": format!("durable {i}")}),
                )
                .await;
                assert_eq!(status, 201, "{body}");
                body["id"].as_str().expect("id").to_owned()
            })
        })
        .collect();
    let mut acknowledged = Vec::new();
    for s in sends {
        acknowledged.push(s.await.expect("send task"));
    }
    server.start_kill().expect("SIGKILL");
    server.wait().await.expect("reaped");

    let (mut restarted, base) = start(dir.path()).await;
    let (status, login) = post(
        &http,
        format!("{base}/api/auth/login"),
        None,
        json!({"email": "durable@test.example", "password": "a long password"}),
    )
    .await;
    assert_eq!(status, 200, "{login}");
    let token = login["token"].as_str().expect("token");
    let stored = history(&http, &base, token, &conversation, "id").await;
    acknowledged.sort();
    assert_eq!(
        stored, acknowledged,
        "all 100 acknowledged messages are there, and nothing else"
    );
    restarted.start_kill().expect("stop");
}

/// A mass message interrupted by a kill -9 resumes after the restart: every client gets it
/// exactly once, nobody is skipped.
#[tokio::test]
async fn a_mass_message_killed_halfway_resumes_without_duplicates_or_gaps() {
    use functions::domain::auth::Tokens;
    use futures::StreamExt as _;
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    const CLIENTS: usize = 3_000;
    let dir = tempfile::tempdir().expect("tempdir");
    // Seed through the services, before the server owns the data dir.
    let secret = "durability-secret-".repeat(3);
    std::fs::write(dir.path().join("jwt-secret"), &secret).expect("secret");
    let email = "mass-durable@test.example";
    let conversations = {
        let store = Arc::new(functions::local::open_data_dir(dir.path()).expect("open"));
        let services =
            common::services_over(store.clone(), &dir.path().join("files"), secret.as_bytes());
        let owner = common::quiet_owner(&services, "Durable", email)
            .await
            .expect("owner");
        let created = common::seed_clients(&services, &owner, CLIENTS, "test.example")
            .await
            .expect("clients");
        drop(services);
        Arc::into_inner(store).expect("the only handle").close();
        created
    };

    let http = reqwest::Client::new();
    let (mut server, base) = start(dir.path()).await;
    let (_, login) = post(
        &http,
        format!("{base}/api/auth/login"),
        None,
        json!({"email": email, "password": "a long password"}),
    )
    .await;
    let token = login["token"].as_str().expect("token").to_owned();
    let (status, job) = post(
        &http,
        format!("{base}/api/mass-messages"),
        Some(&token),
        json!({"id": "resume-me", "body": "Once each", "recipients": {"all": true}}),
    )
    .await;
    assert_eq!(status, 202, "{job}");
    let progress = |base: String| {
        let (http, token) = (http.clone(), token.clone());
        async move {
            http.get(format!("{base}/api/mass-messages/resume-me"))
                .bearer_auth(&token)
                .send()
                .await
                .expect("progress")
                .json::<Value>()
                .await
                .expect("json")
        }
    };
    // Kill it once some, not all, progress is saved.
    let deadline = Instant::now() + Duration::from_secs(60);
    let sent_at_kill = loop {
        let job = progress(base.clone()).await;
        let sent = job["sent"].as_u64().expect("sent");
        assert_ne!(
            job["status"], "done",
            "the job ended before it could be interrupted"
        );
        if sent > 0 {
            break sent;
        }
        assert!(Instant::now() < deadline, "no progress: {job}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    server.start_kill().expect("SIGKILL");
    server.wait().await.expect("reaped");
    assert!((sent_at_kill as usize) < CLIENTS);

    let (mut restarted, base) = start(dir.path()).await;
    let deadline = Instant::now() + Duration::from_secs(120);
    let job = loop {
        let job = progress(base.clone()).await;
        if job["status"] == "done" {
            break job;
        }
        assert!(Instant::now() < deadline, "the job never resumed: {job}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(
        (job["sent"].as_u64(), job["failed"].as_u64()),
        (Some(CLIENTS as u64), Some(0)),
        "killed at {sent_at_kill} sent"
    );
    restarted.start_kill().expect("stop");
    restarted.wait().await.expect("reaped");

    // Every conversation holds it exactly once.
    let store = Arc::new(functions::local::open_data_dir(dir.path()).expect("reopen"));
    let services = functions::domain::assemble(
        store,
        Arc::new(functions::adapters::hub::LocalHub::default()),
        Arc::new(functions::adapters::files::LocalFiles::new(
            dir.path().join("files"),
            [0u8; 32],
        )),
        Tokens::new(secret.as_bytes()).expect("tokens"),
        "http://127.0.0.1",
    );
    let owner = services
        .accounts
        .login(email, "a long password".into())
        .await
        .expect("login");
    let owner = services
        .accounts
        .authenticate(&owner.token)
        .await
        .expect("caller");
    let counts: Vec<usize> = futures::stream::iter(conversations)
        .map(|c| {
            let (services, owner) = (&services, &owner);
            async move {
                services
                    .conversations
                    .list_messages(owner, c, None, Some(10))
                    .await
                    .expect("history")
                    .items
                    .len()
            }
        })
        .buffer_unordered(32)
        .collect()
        .await;
    let wrong: Vec<_> = counts.iter().filter(|n| **n != 1).collect();
    assert!(
        wrong.is_empty(),
        "{} conversations without exactly one: {wrong:?}",
        wrong.len()
    );
}

/// Scheduled messages due while the server is killed with SIGKILL are sent after the restart,
/// each exactly once: none lost, none twice (some may have gone before the kill).
#[tokio::test]
async fn scheduled_messages_are_sent_once_across_a_kill_9() {
    use std::time::{Duration, Instant};
    const SCHEDULED: usize = 20;
    let dir = tempfile::tempdir().expect("tempdir");
    let http = reqwest::Client::new();
    let (mut server, base) = start(dir.path()).await;
    let (token, conversation) = coach_and_client(&http, &base, "later").await;

    // Scheduled an hour ahead, then all moved to now: due at once, while the server runs its
    // scheduler every second; killed right after the last move was acknowledged.
    let at = time::OffsetDateTime::now_utc() + time::Duration::hours(1);
    let at = at
        .format(&time::format_description::well_known::Rfc3339)
        .expect("format");
    let mut ids = Vec::new();
    for i in 0..SCHEDULED {
        let (status, scheduled) = post(
            &http,
            format!("{base}/api/conversations/{conversation}/messages"),
            Some(&token),
            json!({"client_message_id": format!("s{i}"), "body": format!("later {i}"), "send_at": at}),
        )
        .await;
        assert_eq!(status, 202, "{scheduled}");
        ids.push(scheduled["id"].as_str().expect("id").to_owned());
    }
    let now = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .expect("format");
    for id in &ids {
        let moved = http
            .patch(format!("{base}/api/scheduled/{id}"))
            .bearer_auth(&token)
            .json(&json!({ "send_at": now }))
            .send()
            .await
            .expect("move");
        assert_eq!(moved.status().as_u16(), 200);
    }
    server.start_kill().expect("SIGKILL");
    server.wait().await.expect("reaped");

    let (mut restarted, base) = start(dir.path()).await;
    let (_, login) = post(
        &http,
        format!("{base}/api/auth/login"),
        None,
        json!({"email": "later@test.example", "password": "a long password"}),
    )
    .await;
    let token = login["token"].as_str().expect("token").to_owned();
    let history = || history(&http, &base, &token, &conversation, "body");
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut bodies = history().await;
    while bodies.len() < SCHEDULED && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
        bodies = history().await;
    }
    // A moment more: a second copy would show now.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let bodies = history().await;
    let mut expected: Vec<String> = (0..SCHEDULED).map(|i| format!("later {i}")).collect();
    expected.sort();
    assert_eq!(bodies, expected, "each scheduled message exactly once");
    let waiting: Value = http
        .get(format!("{base}/api/scheduled"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("scheduled")
        .json()
        .await
        .expect("json");
    assert_eq!(waiting, json!([]), "nothing waits any more");
    restarted.start_kill().expect("stop");
}
