//! The app's speed in headless Chromium on loopback: prints figures, asserts nothing about time.
//!
//! Seeds a coach with 50 client conversations, one of them 1,000 messages long, and that
//! client in 49 groups besides, on a fresh data dir, serves the release build of both apps from
//! the local server, then measures, for the coach in the staff app on a desktop window and for
//! the client in the client app on a phone-sized one:
//! - from navigation to the inbox listing all 50 conversations (budget 500 ms);
//! - from clicking the 1,000-message conversation to its first page of messages on screen
//!   (budget 100 ms).
//!
//! Usage: app_timings [APP_DIR]  (default `target/app`; chromedriver on the PATH)

#[path = "../common/mod.rs"]
mod common;
#[path = "../browser/webdriver.rs"]
mod webdriver;

use anyhow::{Context, Result, ensure};
use functions::local::{Options, start};
use serde_json::{Value, json};
use std::path::PathBuf;
use webdriver::{By, Driver, button, field};

const CONVERSATIONS: usize = 50;
const LONG: usize = 1_000;
const RUNS: usize = 7;
const INBOX_BUDGET_MS: f64 = 500.0;
const OPEN_BUDGET_MS: f64 = 100.0;

/// Records when the inbox first lists every conversation, from the navigation's start.
const WATCH_INBOX: &str = r#"
  new MutationObserver((_, observer) => {
    if (document.querySelectorAll('.conversation-list .row').length >= 50) {
      window.__inboxListedAt = performance.now();
      observer.disconnect();
    }
  }).observe(document, { childList: true, subtree: true });
"#;

/// Clicks the long conversation and reports how long until its first page is on screen (the
/// frame after the messages are in the document).
const OPEN_LONG: &str = r#"
  const done = arguments[arguments.length - 1];
  const row = [...document.querySelectorAll('.conversation-list .row')]
    .find((r) => r.querySelector('.title').textContent === arguments[0]);
  if (!row) return done(-1);
  const started = performance.now();
  const check = () => {
    if (document.querySelectorAll('.messages .message').length >= 50) {
      requestAnimationFrame(() => done(performance.now() - started));
      return true;
    }
    return false;
  };
  const observer = new MutationObserver(() => { if (check()) observer.disconnect(); });
  observer.observe(document, { childList: true, subtree: true });
  row.click();
"#;

struct Api {
    base: String,
    http: reqwest::Client,
}

impl Api {
    async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Result<Value> {
        let mut req = self.http.post(format!("{}{path}", self.base)).json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await?;
        let status = res.status();
        let body: Value = res.json().await?;
        ensure!(status.is_success(), "{path}: {status} {body}");
        Ok(body)
    }
}

fn summary(name: &str, samples: &mut [f64], budget: f64) {
    let first = samples[0];
    samples.sort_by(f64::total_cmp);
    let median = samples[samples.len() / 2];
    let worst = samples[samples.len() - 1];
    let verdict = if median <= budget { "within" } else { "OVER" };
    println!(
        "{name:84} first {first:6.1} ms  median {median:6.1} ms  worst {worst:6.1} ms  ({verdict} the {budget:.0} ms budget)"
    );
}

#[tokio::main]
async fn main() -> Result<()> {
    let app_dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/app"));
    ensure!(
        app_dir.join("index.html").is_file(),
        "no built app in {}: trunk build --release --dist target/app",
        app_dir.display()
    );
    let data = tempfile::tempdir()?;
    let running = start(Options {
        port: 0,
        data_dir: data.path().to_path_buf(),
        static_dir: app_dir,
        demo: false,
    })
    .await?;
    let api = Api {
        base: format!("http://{}", running.addr),
        http: reqwest::Client::new(),
    };

    // Seed: 50 clients with a message each, the first with 1,000.
    let started = std::time::Instant::now();
    let owner = api
        .post(
            "/api/auth/signup",
            None,
            json!({ "business_name": "Timing Coaching", "name": "Tess Timer",
                    "email": "tess@timing.example", "password": "timing password" }),
        )
        .await?;
    anyhow::ensure!(owner["token"].is_string(), "signup: {owner}");
    let owner = common::confirm_email(&api.http, &api.base, "tess@timing.example").await?;
    let token = owner["token"].as_str().context("token")?.to_owned();
    let mut long_conversation = String::new();
    let mut first_client = String::new();
    for i in 0..CONVERSATIONS {
        let added = api
            .post(
                "/api/clients",
                Some(&token),
                json!({ "name": format!("Client {i:03}"), "email": format!("client{i}@timing.example"), "messaging": "two_way" }),
            )
            .await?;
        let conversation = added["client"]["conversation_id"]
            .as_str()
            .context("conversation")?
            .to_owned();
        if i == 0 {
            // Its groups come before any message, so the coach's newest 50 are the clients'.
            let id = added["client"]["id"].as_str().context("id")?;
            for g in 1..CONVERSATIONS {
                api.post(
                    "/api/groups",
                    Some(&token),
                    json!({ "title": format!("Group {g:03}"), "member_ids": [id] }),
                )
                .await?;
            }
        }
        let count = if i == 0 { LONG } else { 1 };
        for n in 0..count {
            api.post(
                &format!("/api/conversations/{conversation}/messages"),
                Some(&token),
                json!({ "client_message_id": format!("seed-{i}-{n}"),
                        "body": format!("Message {n} of the plan: warm up, then three rounds of the circuit.") }),
            )
            .await?;
        }
        if i == 0 {
            long_conversation = conversation;
            first_client = added["client"]["id"].as_str().context("id")?.to_owned();
        }
    }
    // The long conversation's client joins (they are in 49 groups besides: 50 conversations).
    let client = api
        .post(
            &format!("/api/clients/{first_client}/invite"),
            Some(&token),
            json!({}),
        )
        .await?;
    let invite = client["invite"]["token"].as_str().context("invite")?;
    api.post(
        "/api/auth/invites/accept",
        None,
        json!({ "token": invite, "password": "client password" }),
    )
    .await?;
    println!(
        "seeded {CONVERSATIONS} conversations ({LONG} messages in one) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    ensure!(!long_conversation.is_empty());

    let driver = Driver::start().await?;
    println!(
        "app timings in headless Chromium on loopback ({RUNS} runs; the first with nothing cached):"
    );
    let staff = Run {
        app: "staff app, 1280×800",
        base: api.base.clone(),
        login: "tess@timing.example",
        password: "timing password",
        phone: false,
        long_title: "Client 000",
    };
    staff.measure(&driver).await?;
    let client = Run {
        app: "client app, phone 390×844",
        base: format!("{}/c", api.base),
        login: "client0@timing.example",
        password: "client password",
        phone: true,
        long_title: "Timing Coaching",
    };
    client.measure(&driver).await?;
    Ok(())
}

/// One person timing one app.
struct Run {
    app: &'static str,
    /// Where the app is served.
    base: String,
    login: &'static str,
    password: &'static str,
    phone: bool,
    /// The title the long conversation has in their inbox.
    long_title: &'static str,
}

impl Run {
    async fn measure(&self, driver: &Driver) -> Result<()> {
        let b = match self.phone {
            true => {
                let b = driver.session(390, 844).await?;
                b.phone(390, 844).await?;
                b
            }
            false => driver.session(1280, 800).await?,
        };
        b.goto(&format!("{}/signin", self.base)).await?;
        b.type_into(By::XPath(&field("Email or phone")), self.login)
            .await?;
        b.type_into(By::XPath(&field("Password")), self.password)
            .await?;
        b.click(By::XPath(&button("Sign in"))).await?;
        // A client signing in at the door is offered pushes first: "Not now".
        let which = b
            .until(
                "the app, or the offer of notifications",
                "return document.querySelector('.topbar') ? 'app' \
                 : document.querySelector('.push-offer') ? 'offer' : null",
            )
            .await?;
        if which == json!("offer") {
            b.click(By::XPath(&button("Not now"))).await?;
        }
        b.find(By::Css(".topbar")).await?;
        b.cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": WATCH_INBOX }),
        )
        .await?;

        // The first run starts cold: no HTTP cache, no service worker, no cached app shell.
        b.js_async(
            "const done = arguments[arguments.length - 1];
             Promise.all([
               navigator.serviceWorker.getRegistrations().then((rs) => Promise.all(rs.map((r) => r.unregister()))),
               caches.keys().then((ks) => Promise.all(ks.map((k) => caches.delete(k)))),
             ]).then(() => done(true), (e) => done(String(e)));",
            vec![],
        )
        .await?;
        b.cdp("Network.clearBrowserCache", json!({})).await?;

        let mut inbox = Vec::new();
        let mut open = Vec::new();
        for _ in 0..RUNS {
            b.goto(&format!("{}/inbox", self.base)).await?;
            let at = b
                .until(
                    "the inbox to list 50 conversations",
                    "return window.__inboxListedAt",
                )
                .await?;
            inbox.push(at.as_f64().context("a time")?);
            let took = b.js_async(OPEN_LONG, vec![json!(self.long_title)]).await?;
            let took = took.as_f64().context("a time")?;
            ensure!(took >= 0.0, "the long conversation is not in the inbox");
            open.push(took);
        }
        b.quit().await?;
        summary(
            &format!("{}: navigation → inbox listing 50 conversations", self.app),
            &mut inbox,
            INBOX_BUDGET_MS,
        );
        summary(
            &format!(
                "{}: click → first page of a 1,000-message conversation",
                self.app
            ),
            &mut open,
            OPEN_BUDGET_MS,
        );
        Ok(())
    }
}
