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

#[tokio::test]
async fn every_acknowledged_send_survives_a_kill_9() {
    let dir = tempfile::tempdir().expect("tempdir");
    let http = reqwest::Client::new();
    let (mut server, base) = start(dir.path()).await;

    let (_, signup) = post(&http, format!("{base}/api/auth/signup"), None,
        json!({"business_name": "Durable", "name": "Coach", "email": "durable@test.example", "password": "a long password"})).await;
    let token = signup["token"].as_str().expect("token").to_owned();
    let (_, added) = post(
        &http,
        format!("{base}/api/clients"),
        Some(&token),
        json!({"name": "Maya", "email": "maya@test.example"}),
    )
    .await;
    let conversation = added["client"]["conversation_id"]
        .as_str()
        .expect("conversation")
        .to_owned();

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
    let mut stored: Vec<String> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|m| m["id"].as_str().expect("id").to_owned())
        .collect();
    stored.sort();
    acknowledged.sort();
    assert_eq!(
        stored, acknowledged,
        "all 100 acknowledged messages are there, and nothing else"
    );
    restarted.start_kill().expect("stop");
}
