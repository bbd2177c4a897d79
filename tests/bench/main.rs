//! Sideline's benchmark: prints figures; it asserts nothing about time.
//!
//! Seeds a business with a 100-message and a 100,000-message conversation through the domain
//! services (kept between runs), then starts the real `local` server binary on that data dir
//! and measures over HTTP and WebSocket on loopback:
//! - send→receive latency between two people, p50/p99;
//! - sustained durable sends per second with 32 concurrent senders;
//! - one 50-message history page in the 100 and the 100,000-message conversation;
//! - 500 sockets on a 200-member group: send→every socket received, p50/p99;
//! - the server's memory with 5,000 idle sockets open.
//!
//! Usage: bench <path to the local binary> <data dir>

use functions::domain::auth::Tokens;
#[path = "../common/mod.rs"]
mod common;

use futures::StreamExt;
use serde_json::{Value, json};
use shared::api::{CreateClientRequest, SendMessageRequest, SignupRequest};
use shared::model::MessagingMode;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message as WsMessage;

const COACH: &str = "bench-coach@bench.example";
const PASSWORD: &str = "bench password";
const BIG: usize = 100_000;
const SMALL: usize = 100;
const LATENCY_SAMPLES: usize = 1_000;
const SENDERS: usize = 32;
const THROUGHPUT_SECS: u64 = 5;
const PAGE_SAMPLES: usize = 300;
/// The group every socket listens to, and the sockets (each member has two or three).
const GROUP_MEMBERS: usize = 200;
const GROUP_SOCKETS: usize = 500;
const GROUP_MESSAGES: usize = 100;
/// Idle sockets whose memory is measured: 250 people with 20 each (the most one may open).
const IDLE_PEOPLE: usize = 250;
const IDLE_SOCKETS_EACH: usize = 20;

type AnyResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Rate limits that never count: the seeding imports history through the services.
struct Unlimited;

#[async_trait::async_trait]
impl functions::domain::ports::Limits for Unlimited {
    async fn count(&self, _key: &str, _window: i64) -> anyhow::Result<u32> {
        Ok(0)
    }
    async fn add(&self, _key: &str, _window: i64, _ends_at: i64) -> anyhow::Result<()> {
        Ok(())
    }
}

/// Seeds the two history conversations once per data dir, through the services.
async fn seed(data_dir: &Path) -> AnyResult<()> {
    let marker = data_dir.join("bench-seeded");
    if marker.exists() {
        println!("seed: reusing {}", data_dir.display());
        return Ok(());
    }
    std::fs::create_dir_all(data_dir)?;
    let secret = std::fs::read_to_string(data_dir.join("jwt-secret")).unwrap_or_else(|_| {
        let s = format!("bench-{}", ulid::Ulid::generate()).repeat(2);
        std::fs::write(data_dir.join("jwt-secret"), &s).expect("write secret");
        s
    });
    let store = Arc::new(functions::local::open_data_dir(data_dir)?);
    // An import of history, not a person typing: no rate limits apply to it.
    let services = functions::domain::assemble_with(
        store.clone(),
        Arc::new(functions::adapters::hub::LocalHub::default()),
        Arc::new(functions::adapters::files::LocalFiles::new(
            data_dir.join("files"),
            [0u8; 32],
        )),
        Tokens::new(secret.trim().as_bytes())?,
        "http://127.0.0.1",
        Arc::new(Unlimited),
        Arc::new(functions::adapters::phone::PhoneSimulator::new(
            store.clone(),
        )),
    );
    let coach = services
        .accounts
        .signup_proven(SignupRequest {
            business_name: "Bench".into(),
            name: "Bench Coach".into(),
            email: COACH.into(),
            password: PASSWORD.into(),
        })
        .await?;
    let coach = services.accounts.authenticate(&coach.token).await?;
    for (name, count) in [("Short History", SMALL), ("Long History", BIG)] {
        let client = services
            .clients
            .create_client(
                &coach,
                CreateClientRequest {
                    name: name.into(),
                    email: Some(format!("{}@bench.example", count)),
                    phone: None,
                    messaging: MessagingMode::TwoWay,
                    company_id: None,
                },
            )
            .await?;
        let conversation = client
            .client
            .conversation_id
            .ok_or("a client without a private conversation")?;
        let started = Instant::now();
        for i in 0..count {
            let req = SendMessageRequest {
                attachments: Vec::new(),
                send_at: None,
                channel: Default::default(),
                reply_to: None,
                client_message_id: format!("seed-{i}"),
                body: format!(
                    "History message number {i}, with a little text to make it realistic."
                ),
            };
            services
                .conversations
                .send_message(&coach, conversation, req)
                .await?;
            if (i + 1) % 20_000 == 0 {
                println!(
                    "seed: {name}: {} messages ({:.0}/s)",
                    i + 1,
                    (i + 1) as f64 / started.elapsed().as_secs_f64()
                );
            }
        }
    }
    drop(services);
    drop(store);
    std::fs::write(&marker, "ok")?;
    // The store's writer thread lets go of the file when it notices the store is gone.
    tokio::time::sleep(Duration::from_millis(500)).await;
    Ok(())
}

struct Api {
    http: reqwest::Client,
    base: String,
}

impl Api {
    async fn post(&self, path: &str, token: Option<&str>, body: Value) -> AnyResult<(u16, Value)> {
        let mut req = self.http.post(format!("{}{path}", self.base)).json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await?;
        Ok((res.status().as_u16(), res.json().await?))
    }

    async fn get(&self, path: &str, token: &str) -> AnyResult<Value> {
        Ok(self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?)
    }

    /// A joined client: (token, conversation id).
    async fn joined_client(&self, coach: &str, name: &str) -> AnyResult<(String, String)> {
        let email = format!(
            "{}@bench.example",
            ulid::Ulid::generate().to_string().to_lowercase()
        );
        let (_, added) = self
            .post(
                "/api/clients",
                Some(coach),
                json!({"name": name, "email": email}),
            )
            .await?;
        let (_, session) = self
            .post(
                "/api/auth/invites/accept",
                None,
                json!({"token": added["invite"]["token"], "password": PASSWORD}),
            )
            .await?;
        Ok((
            session["token"].as_str().ok_or("token")?.to_owned(),
            added["client"]["conversation_id"]
                .as_str()
                .ok_or("id")?
                .to_owned(),
        ))
    }
}

async fn latency(api: &Api, coach: &str) -> AnyResult<()> {
    let (client, conversation) = api.joined_client(coach, "Latency Client").await?;
    let url = format!("{}/ws?token={coach}", api.base.replace("http://", "ws://"));
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await?;
    let arrivals: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let seen = arrivals.clone();
    let reader = tokio::spawn(async move {
        while let Some(Ok(msg)) = socket.next().await {
            if let WsMessage::Text(t) = msg {
                let now = Instant::now();
                if let Ok(v) = serde_json::from_str::<Value>(&t)
                    && v["type"] == "message.created"
                {
                    let key = v["message"]["client_message_id"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned();
                    seen.lock().expect("lock").insert(key, now);
                }
            }
        }
    });
    let mut samples = Vec::with_capacity(LATENCY_SAMPLES);
    for i in 0..(LATENCY_SAMPLES + 50) {
        let key = format!("lat-{i}");
        let sent = Instant::now();
        let (status, _) = api
            .post(
                &format!("/api/conversations/{conversation}/messages"),
                Some(&client),
                json!({"client_message_id": key, "body": "How is the knee today?"}),
            )
            .await?;
        if status != 201 {
            return Err(format!("send answered {status}").into());
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        let arrived = loop {
            if let Some(t) = arrivals.lock().expect("lock").get(&key).copied() {
                break t;
            }
            if Instant::now() > deadline {
                return Err(format!("{key} never arrived").into());
            }
            tokio::task::yield_now().await;
        };
        if i >= 50 {
            samples.push(arrived - sent);
        }
    }
    reader.abort();
    samples.sort();
    println!(
        "send→receive over WebSocket ({} sends, client → coach): p50 {}  p99 {}  (targets ≤ 5 ms, ≤ 20 ms)",
        samples.len(),
        ms(percentile(&samples, 0.50)),
        ms(percentile(&samples, 0.99))
    );
    Ok(())
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn socket(api: &Api, token: &str) -> AnyResult<Socket> {
    let url = format!("{}/ws?token={token}", api.base.replace("http://", "ws://"));
    Ok(tokio_tungstenite::connect_async(url).await?.0)
}

/// The server's resident memory (kB), from /proc.
fn rss_kb(pid: u32) -> AnyResult<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .ok_or("no VmRSS")?;
    Ok(line
        .split_whitespace()
        .nth(1)
        .ok_or("no VmRSS value")?
        .parse()?)
}

/// 500 sockets of a 200-member group (the coach and 199 clients, two or three each): the
/// coach sends 100 messages, one after another; each is timed from the send to its arrival on
/// every socket. Then, all closed, 5,000 idle sockets are opened and the server's memory read.
async fn group(api: &Api, coach: &str, server_pid: Option<u32>) -> AnyResult<()> {
    let seeding = Instant::now();
    let people: Vec<(String, String)> = futures::stream::iter(0..IDLE_PEOPLE)
        .map(|i| async move { api.joined_client(coach, &format!("Member {i}")).await })
        .buffered(8)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<AnyResult<_>>()?;
    let me = api.get("/api/me", coach).await?;
    let mut ids = vec![me["id"].as_str().unwrap_or_default().to_owned()];
    for (token, _) in &people[..GROUP_MEMBERS - 1] {
        let who = api.get("/api/me", token).await?;
        ids.push(who["id"].as_str().ok_or("an id")?.to_owned());
    }
    let (status, group) = api
        .post(
            "/api/groups",
            Some(coach),
            json!({"title": "Bench group", "member_ids": ids[1..]}),
        )
        .await?;
    if status != 201 {
        return Err(format!("group: {status} {group}").into());
    }
    let conversation = group["id"].as_str().ok_or("group id")?.to_owned();
    println!(
        "group: {} people joined and a group of {GROUP_MEMBERS} made in {:.1} s",
        people.len(),
        seeding.elapsed().as_secs_f64()
    );
    let tokens: Vec<&str> = std::iter::once(coach)
        .chain(people[..GROUP_MEMBERS - 1].iter().map(|(t, _)| t.as_str()))
        .collect();
    let arrivals: Arc<Mutex<HashMap<String, Vec<Instant>>>> = Arc::default();
    let mut readers = Vec::with_capacity(GROUP_SOCKETS);
    for j in 0..GROUP_SOCKETS {
        let mut ws = socket(api, tokens[j % GROUP_MEMBERS]).await?;
        let seen = arrivals.clone();
        readers.push(tokio::spawn(async move {
            while let Some(Ok(msg)) = ws.next().await {
                if let WsMessage::Text(t) = msg {
                    let now = Instant::now();
                    if let Ok(v) = serde_json::from_str::<Value>(&t)
                        && v["type"] == "message.created"
                        && let Some(key) = v["message"]["client_message_id"].as_str()
                    {
                        seen.lock()
                            .expect("lock")
                            .entry(key.to_owned())
                            .or_default()
                            .push(now);
                    }
                }
            }
        }));
    }
    let mut each = Vec::new();
    let mut all = Vec::new();
    for i in 0..GROUP_MESSAGES {
        let key = format!("group-{i}");
        let sent = Instant::now();
        let (status, _) = api
            .post(
                &format!("/api/conversations/{conversation}/messages"),
                Some(coach),
                json!({"client_message_id": key, "body": "Session moved to 7 pm"}),
            )
            .await?;
        if status != 201 {
            return Err(format!("send answered {status}").into());
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        let arrived = loop {
            let got = arrivals.lock().expect("lock").get(&key).cloned();
            if let Some(got) = got.filter(|g| g.len() >= GROUP_SOCKETS) {
                break got;
            }
            if Instant::now() > deadline {
                return Err(format!("{key} did not reach every socket").into());
            }
            tokio::time::sleep(Duration::from_micros(200)).await;
        };
        each.extend(arrived.iter().map(|t| *t - sent));
        all.push(arrived.iter().max().map_or(Duration::ZERO, |t| *t - sent));
    }
    for r in readers {
        r.abort();
    }
    each.sort();
    all.sort();
    println!(
        "group of {GROUP_MEMBERS}, {GROUP_SOCKETS} sockets, {GROUP_MESSAGES} sends: send→a socket received p50 {}  p99 {};  send→every socket received p50 {}  p99 {}",
        ms(percentile(&each, 0.50)),
        ms(percentile(&each, 0.99)),
        ms(percentile(&all, 0.50)),
        ms(percentile(&all, 0.99)),
    );

    let Some(pid) = server_pid else {
        return Ok(());
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = rss_kb(pid)?;
    let mut idle = Vec::with_capacity(IDLE_PEOPLE * IDLE_SOCKETS_EACH);
    for (token, _) in &people {
        for _ in 0..IDLE_SOCKETS_EACH {
            idle.push(socket(api, token).await?);
        }
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after = rss_kb(pid)?;
    println!(
        "{} idle sockets: server memory {:.1} MB before, {:.1} MB with them ({:.1} KB a socket)",
        idle.len(),
        before as f64 / 1024.0,
        after as f64 / 1024.0,
        after.saturating_sub(before) as f64 / idle.len() as f64
    );
    drop(idle);
    Ok(())
}

async fn throughput(api: &Arc<Api>, coach: &str) -> AnyResult<()> {
    let mut senders = Vec::new();
    for i in 0..SENDERS {
        senders.push(api.joined_client(coach, &format!("Sender {i}")).await?);
    }
    let started = Instant::now();
    let until = started + Duration::from_secs(THROUGHPUT_SECS);
    let tasks: Vec<_> = senders
        .into_iter()
        .enumerate()
        .map(|(s, (token, conversation))| {
            let api = api.clone();
            tokio::spawn(async move {
                let mut ok = 0u64;
                let mut i = 0u64;
                while Instant::now() < until && i < 100_000 {
                    let body = json!({"client_message_id": format!("tp-{s}-{i}"), "body": "Done with today's session!"});
                    if let Ok((201, _)) = api.post(&format!("/api/conversations/{conversation}/messages"), Some(&token), body).await {
                        ok += 1;
                    }
                    i += 1;
                }
                (ok, i)
            })
        })
        .collect();
    let (mut ok, mut tried) = (0, 0);
    for t in tasks {
        let (o, n) = t.await?;
        ok += o;
        tried += n;
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "sustained durable sends, {SENDERS} concurrent senders for {THROUGHPUT_SECS} s: {:.0} sends/s  ({ok} acknowledged of {tried})  (target ≥ 1,000/s)",
        ok as f64 / secs
    );
    Ok(())
}

/// The coach's conversation titled `title`, looked for page after page: every run adds the
/// conversations of its senders to a reused data dir, newer than the two histories.
async fn conversation_titled(api: &Api, coach: &str, title: &str) -> AnyResult<Value> {
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/conversations?limit=100&cursor={c}"),
            None => "/api/conversations?limit=100".to_owned(),
        };
        let page = api.get(&path, coach).await?;
        let items = page["items"].as_array().ok_or("items")?;
        if let Some(found) = items.iter().find(|c| c["title"] == title) {
            return Ok(found.clone());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return Err(format!("no conversation titled {title}").into()),
        }
    }
}

async fn history(api: &Api, coach: &str) -> AnyResult<()> {
    let mut results = Vec::new();
    for (title, expected) in [("Short History", SMALL), ("Long History", BIG)] {
        let conv = conversation_titled(api, coach, title).await?;
        let id = conv["id"].as_str().ok_or("id")?.to_owned();
        let path = format!("/api/conversations/{id}/messages?limit=50");
        let mut samples = Vec::with_capacity(PAGE_SAMPLES);
        for i in 0..(PAGE_SAMPLES + 30) {
            let t = Instant::now();
            let page = api.get(&path, coach).await?;
            let took = t.elapsed();
            if page["items"].as_array().map(Vec::len) != Some(50) {
                return Err("a history page without 50 messages".into());
            }
            if i >= 30 {
                samples.push(took);
            }
        }
        samples.sort();
        let p50 = percentile(&samples, 0.5);
        println!(
            "history page of 50 in a conversation of {expected} messages: p50 {}  p99 {}",
            ms(p50),
            ms(percentile(&samples, 0.99))
        );
        results.push(p50);
    }
    println!(
        "  ratio 100,000 : 100 = {:.2}×  (target ≤ 1.5×)",
        results[1].as_secs_f64() / results[0].as_secs_f64()
    );
    Ok(())
}

#[tokio::main]
async fn main() -> AnyResult<()> {
    let mut args = std::env::args().skip(1);
    let binary = PathBuf::from(
        args.next()
            .ok_or("usage: bench <local binary> <data dir>")?,
    );
    let data_dir = PathBuf::from(
        args.next()
            .ok_or("usage: bench <local binary> <data dir>")?,
    );
    seed(&data_dir).await?;
    let (mut server, base) = common::start_local_binary(&binary, &data_dir).await;
    println!("server: {base} (embedded store at {})", data_dir.display());
    let api = Arc::new(Api {
        http: reqwest::Client::builder()
            .pool_max_idle_per_host(64)
            .build()?,
        base,
    });
    let (_, login) = api
        .post(
            "/api/auth/login",
            None,
            json!({"email": COACH, "password": PASSWORD}),
        )
        .await?;
    let coach = login["token"].as_str().ok_or("coach login")?.to_owned();
    history(&api, &coach).await?;
    latency(&api, &coach).await?;
    throughput(&api, &coach).await?;
    group(&api, &coach, server.id()).await?;
    server.start_kill()?;
    Ok(())
}
