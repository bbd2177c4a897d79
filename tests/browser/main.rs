//! The app end to end in headless Chromium over WebDriver, against the local server on a fresh
//! data dir serving the release build of the app (`SIDELINE_APP_DIR`, else `target/app`, which
//! the test command builds). Each test saves a screenshot of its final state under
//! `target/test-output/browser/`.

#[path = "../common/mod.rs"]
mod common;
mod webdriver;

use anyhow::{Context, Result, ensure};
use functions::local::{Options, Running, start};
use serde_json::{Value, json};
use std::path::PathBuf;
use webdriver::{Browser, By, Driver, button, field, output_dir};

/// The built app. Fails with the way to build it rather than testing nothing.
fn app_dir() -> PathBuf {
    let dir = std::env::var_os("SIDELINE_APP_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/app"));
    assert!(
        dir.join("index.html").is_file(),
        "no built app in {}: run infra/scripts/test.sh, or `trunk build --release --dist target/app`",
        dir.display()
    );
    dir
}

/// The local server on a fresh data dir with the app, and chromedriver.
struct Harness {
    base: String,
    http: reqwest::Client,
    driver: Driver,
    _running: Running,
    _data: tempfile::TempDir,
}

impl Harness {
    async fn start() -> Result<Self> {
        let data = tempfile::tempdir()?;
        let running = start(Options {
            port: 0,
            data_dir: data.path().to_path_buf(),
            static_dir: app_dir(),
            demo: false,
        })
        .await?;
        Ok(Self {
            base: format!("http://{}", running.addr),
            http: reqwest::Client::new(),
            driver: Driver::start().await?,
            _running: running,
            _data: data,
        })
    }

    /// A browser emulating a 390×844 phone.
    async fn phone(&self) -> Result<Browser> {
        let b = self.driver.session(390, 844).await?;
        b.phone(390, 844).await?;
        Ok(b)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// An API call; returns the status and the JSON body.
    async fn api(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Result<(u16, Value)> {
        let mut req = self.http.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await?;
        let status = res.status().as_u16();
        let text = res.text().await?;
        Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
    }

    /// A business with its owner, made through the API, its welcome message off so that
    /// conversations start empty; returns the owner's token.
    async fn coach(&self) -> Result<String> {
        let token = self.coach_with_welcome().await?;
        let (status, body) = self
            .api(
                reqwest::Method::PATCH,
                "/api/settings",
                Some(&token),
                Some(json!({ "welcome_message": { "enabled": false, "text": "" } })),
            )
            .await?;
        ensure!(status == 200, "settings: {status} {body}");
        Ok(token)
    }

    /// A business as it starts, welcome message on; returns the owner's token.
    async fn coach_with_welcome(&self) -> Result<String> {
        let (status, body) = self
            .api(
                reqwest::Method::POST,
                "/api/auth/signup",
                None,
                Some(
                    json!({ "business_name": "Peak Form Coaching", "name": "Casey Coach",
                             "email": "casey@peak.example", "password": "coach password" }),
                ),
            )
            .await?;
        ensure!(status == 201 || status == 200, "signup: {status} {body}");
        // The email signs in once confirmed, through the link the dev mailbox received.
        let confirmed = common::confirm_email(&self.http, &self.base, "casey@peak.example").await?;
        Ok(confirmed["token"].as_str().context("token")?.to_owned())
    }

    /// A client of the coach who has accepted their invite with `password`; returns their
    /// conversation's id and their token.
    async fn client(
        &self,
        coach: &str,
        name: &str,
        email: &str,
        mode: &str,
        password: &str,
    ) -> Result<(String, String)> {
        let (status, added) = self
            .api(
                reqwest::Method::POST,
                "/api/clients",
                Some(coach),
                Some(json!({ "name": name, "email": email, "messaging": mode })),
            )
            .await?;
        ensure!(status == 201, "add client: {status} {added}");
        let (status, accepted) = self
            .api(
                reqwest::Method::POST,
                "/api/auth/invites/accept",
                None,
                Some(json!({ "token": added["invite"]["token"], "password": password })),
            )
            .await?;
        ensure!(
            status == 200 || status == 201,
            "accept: {status} {accepted}"
        );
        Ok((
            added["client"]["conversation_id"]
                .as_str()
                .context("conversation")?
                .to_owned(),
            accepted["token"].as_str().context("token")?.to_owned(),
        ))
    }

    async fn send(&self, token: &str, conversation: &str, body: &str) -> Result<(u16, Value)> {
        self.api(
            reqwest::Method::POST,
            &format!("/api/conversations/{conversation}/messages"),
            Some(token),
            Some(json!({ "client_message_id": ulid::Ulid::generate().to_string(), "body": body })),
        )
        .await
    }

    /// Signs in through the staff app's sign-in screen and waits for the signed-in shell (a
    /// client lands in the client app).
    async fn sign_in(&self, b: &Browser, login: &str, password: &str) -> Result<()> {
        self.sign_in_at(b, "/signin", login, password).await
    }

    /// Signs in through the sign-in screen at `path` and waits for the signed-in shell.
    async fn sign_in_at(&self, b: &Browser, path: &str, login: &str, password: &str) -> Result<()> {
        b.goto(&self.url(path)).await?;
        b.type_into(By::XPath(&field("Email or phone")), login)
            .await?;
        b.type_into(By::XPath(&field("Password")), password).await?;
        b.click(By::XPath(&button("Sign in"))).await?;
        past_push_offer(b).await
    }
}

/// Waits for the signed-in shell; on a client's way there, the door offers notifications
/// first (on a device without them): "Not now", as a client who does not want them says.
async fn past_push_offer(b: &Browser) -> Result<()> {
    let which = b
        .until(
            "the app, or the offer of notifications",
            "return document.querySelector('.topbar') ? 'app' \
             : document.querySelector('.push-offer') ? 'offer' : null",
        )
        .await?;
    if which == json!("offer") {
        b.click(By::XPath(&button("Not now"))).await?;
        b.find(By::Css(".topbar")).await?;
    }
    Ok(())
}

const ENTER: &str = "\u{E007}";

/// Fails the test with the screenshot saved, so a failure can be looked at.
async fn finish(b: &Browser, name: &str, outcome: Result<()>) -> Result<()> {
    let path = output_dir().join(format!("{name}.png"));
    let shot = b.screenshot(&path).await;
    eprintln!("screenshot: {}", path.display());
    outcome?;
    shot
}

/// Whether the page scrolls sideways, and every tap target smaller than 44×44 CSS px.
const LAYOUT_PROBLEMS: &str = r#"
  const problems = [];
  const w = window.innerWidth;
  if (document.documentElement.scrollWidth > w || document.body.scrollWidth > w)
    problems.push(`page is ${document.documentElement.scrollWidth}px wide in a ${w}px viewport`);
  for (const el of document.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > w + 0.5 && getComputedStyle(el).position !== 'fixed')
      problems.push(`${el.tagName.toLowerCase()}.${el.className} reaches ${Math.round(r.right)}px`);
  }
  for (const el of document.querySelectorAll('a[href], button, input, textarea, select, [role=button]')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || el.closest('.visually-hidden') || el.type === 'hidden') continue;
    const target = el.closest('label') || el;
    const t = target.getBoundingClientRect();
    if (t.height < 44 || t.width < 44)
      problems.push(`tap target ${el.tagName.toLowerCase()} "${(el.innerText || el.getAttribute('aria-label') || '').trim()}" is ${Math.round(t.width)}×${Math.round(t.height)}`);
  }
  return problems;
"#;

async fn layout_problems(b: &Browser) -> Result<Vec<String>> {
    let v = b.js(LAYOUT_PROBLEMS, vec![]).await?;
    Ok(serde_json::from_value(v)?)
}

/// 1. A trainer signs up, adds a two-way client and sends a message; the client opens the
/// invite link in a second browser, sets a password, sees the message and replies; the trainer
/// sees the reply arrive without reloading.
#[tokio::test(flavor = "multi_thread")]
async fn trainer_and_client_talk_live() -> Result<()> {
    let h = Harness::start().await?;
    let trainer = h.driver.session(1280, 800).await?;
    let client = h.phone().await?;
    let outcome = async {
        // Sign up.
        trainer.goto(&h.url("/signup")).await?;
        trainer
            .type_into(By::XPath(&field("Business name")), "Peak Form Coaching")
            .await?;
        trainer
            .type_into(By::XPath(&field("Your name")), "Casey Coach")
            .await?;
        trainer
            .type_into(By::XPath(&field("Email")), "casey@peak.example")
            .await?;
        trainer
            .type_into(By::XPath(&field("Password")), "coach password")
            .await?;
        trainer.click(By::XPath(&button("Create business"))).await?;
        trainer.find(By::Css(".topbar")).await?;

        // Add a two-way client and take the invite link.
        trainer.click(By::XPath(&button("Clients"))).await?;
        trainer.click(By::XPath(&button("Add new"))).await?;
        trainer
            .type_into(By::XPath(&field("Name")), "Jordan Reyes")
            .await?;
        trainer
            .type_into(By::XPath(&field("Email")), "jordan@client.example")
            .await?;
        trainer
            .click(By::XPath(
                "//label[contains(@class,'choice')][.//strong[normalize-space()='Two-way']]",
            ))
            .await?;
        trainer.click(By::XPath(&button("Add client"))).await?;
        let link_input = trainer.find(By::Css(".invite input")).await?;
        let link = trainer.property(&link_input, "value").await?;
        let link = link.as_str().context("invite link")?.to_owned();
        ensure!(link.contains("/invite/"), "invite link: {link}");

        // Open the client's chat and send with Enter.
        trainer.click(By::XPath(&button("Jordan Reyes"))).await?;
        trainer.click(By::XPath(&button("Chat"))).await?;
        trainer
            .type_into(
                By::Css(".composer textarea"),
                &format!("Welcome to the programme, Jordan!{ENTER}"),
            )
            .await?;
        trainer
            .find_text(
                By::Css(".message.mine[data-status=sent]"),
                "Welcome to the programme",
            )
            .await?;
        // A marker that a reload would wipe.
        trainer.js("window.__sidelineMarker = 42;", vec![]).await?;

        // The client accepts the invite on their phone.
        client.goto(&link).await?;
        client
            .type_into(By::XPath(&field("Choose a password")), "client password")
            .await?;
        client.click(By::XPath(&button("Join"))).await?;
        // On the way to their messages, notifications are offered (once; not on a load of
        // the app): "Not now" goes on.
        client
            .find_text(By::Css(".push-offer h1"), "Know when your coach answers")
            .await?;
        client
            .screenshot(&output_dir().join("01-push-offer.png"))
            .await?;
        client.click(By::XPath(&button("Not now"))).await?;
        client.find(By::Css(".topbar")).await?;
        client
            .find_text(By::Css(".conversation-list .row"), "Peak Form Coaching")
            .await?;
        client.click(By::Css(".conversation-list .row")).await?;
        client
            .find_text(By::Css(".message"), "Welcome to the programme, Jordan!")
            .await?;
        client
            .type_into(
                By::Css(".composer textarea"),
                &format!("Thanks! Ready for Monday.{ENTER}"),
            )
            .await?;
        client
            .find_text(
                By::Css(".message.mine[data-status=sent]"),
                "Ready for Monday",
            )
            .await?;

        // The trainer sees it arrive, without a reload.
        trainer
            .find_text(By::Css(".message:not(.mine)"), "Thanks! Ready for Monday.")
            .await?;
        let marker = trainer
            .js("return window.__sidelineMarker;", vec![])
            .await?;
        ensure!(marker == json!(42), "the trainer's page was reloaded");
        Ok(())
    }
    .await;
    finish(&client, "1-client-replied", Ok(())).await?;
    finish(&trainer, "1-trainer-sees-reply", outcome).await
}

/// 2. A one-way client sees the coach's messages but no composer, and a send forced through
/// the API is refused.
#[tokio::test(flavor = "multi_thread")]
async fn one_way_client_has_no_composer() -> Result<()> {
    let h = Harness::start().await?;
    let coach = h.coach().await?;
    let (conversation, client_token) = h
        .client(
            &coach,
            "Riley Park",
            "riley@client.example",
            "one_way",
            "client password",
        )
        .await?;
    let (status, _) = h
        .send(&coach, &conversation, "Week 3 plan is up: three sessions.")
        .await?;
    ensure!(status == 201, "coach send: {status}");

    let b = h.phone().await?;
    let outcome = async {
        h.sign_in(&b, "riley@client.example", "client password")
            .await?;
        b.click(By::Css(".conversation-list .row")).await?;
        b.find_text(By::Css(".message"), "Week 3 plan is up")
            .await?;
        b.find_text(By::Css(".read-only"), "Only your coach sends messages here")
            .await?;
        ensure!(
            b.find_all(By::Css(".composer, .composer textarea"))
                .await?
                .is_empty(),
            "a one-way client has a composer"
        );
        let (status, body) = h.send(&client_token, &conversation, "Can I reply?").await?;
        ensure!(
            status == 403 && body["error"]["code"] == "messaging.one_way",
            "a one-way client's send through the API got {status} {body}"
        );
        Ok(())
    }
    .await;
    finish(&b, "2-one-way-client", outcome).await
}

/// 3. The client layout at 390×844: nothing scrolls sideways and every tap target is at least
/// 44×44, on the conversation list and in a conversation with long messages.
#[tokio::test(flavor = "multi_thread")]
async fn client_layout_fits_a_phone() -> Result<()> {
    let h = Harness::start().await?;
    let coach = h.coach().await?;
    let (conversation, client_token) = h
        .client(
            &coach,
            "Sam Okafor-Lindqvist",
            "sam@client.example",
            "two_way",
            "client password",
        )
        .await?;
    let long_word = format!("https://peak.example/plans/{}", "x".repeat(180));
    for body in [
        "Morning! Here is this week's plan, with the links below.".to_owned(),
        long_word,
        "Squats 5×5, bench 5×5, rows 5×5. Rest two minutes between sets. ".repeat(8),
    ] {
        h.send(&coach, &conversation, &body).await?;
    }
    h.send(&client_token, &conversation, "Got it, thanks!")
        .await?;
    let me = h
        .api(
            reqwest::Method::GET,
            "/api/conversations",
            Some(&client_token),
            None,
        )
        .await?
        .1;
    let sam = me["items"][0]["client_id"].clone();
    let (status, group) = h
        .api(
            reqwest::Method::POST,
            "/api/groups",
            Some(&coach),
            Some(
                json!({ "title": "Members of the Spring Strength and Conditioning Cohort 2027",
                         "member_ids": [sam], "announcement_only": true, "emoji": "🏋️" }),
            ),
        )
        .await?;
    ensure!(status == 201, "group: {status} {group}");
    h.send(
        &coach,
        group["id"].as_str().context("id")?,
        "Cohort kicks off Monday at 7.",
    )
    .await?;

    let b = h.phone().await?;
    let outcome = async {
        h.sign_in(&b, "sam@client.example", "client password")
            .await?;
        b.find(By::Css(".conversation-list .row")).await?;
        let mut problems = layout_problems(&b).await?;
        b.click(By::XPath(&button("Peak Form Coaching"))).await?;
        b.find_text(By::Css(".message"), "Got it, thanks!").await?;
        b.find(By::Css(".composer textarea")).await?;
        problems.extend(layout_problems(&b).await?);
        // An announcement-only group with a long title, its banner and the "⋯" menu.
        b.click(By::Css(".back")).await?;
        b.click(By::XPath(&button(
            "Members of the Spring Strength and Conditioning Cohort 2027",
        )))
        .await?;
        b.find_text(By::Css(".read-only"), "Only admins can post here")
            .await?;
        problems.extend(layout_problems(&b).await?);
        b.click(By::Css("[aria-label='Conversation options']"))
            .await?;
        b.click(By::XPath(&button("Members"))).await?;
        b.find_text(By::Css(".members"), "Sam Okafor-Lindqvist")
            .await?;
        problems.extend(layout_problems(&b).await?);
        let viewport = b
            .js("return [window.innerWidth, window.innerHeight]", vec![])
            .await?;
        ensure!(viewport == json!([390, 844]), "viewport is {viewport}");
        ensure!(
            problems.is_empty(),
            "layout problems at 390×844:\n{}",
            problems.join("\n")
        );
        Ok(())
    }
    .await;
    finish(&b, "3-phone-layout", outcome).await
}

/// 4. The client app's manifest and service worker are served, Chromium finds it installable,
/// its first load fetches the client app's files only, and with the network cut its shell opens
/// and shows the conversations last loaded.
#[tokio::test(flavor = "multi_thread")]
async fn installable_and_opens_offline() -> Result<()> {
    let h = Harness::start().await?;
    let coach = h.coach().await?;
    let (conversation, _) = h
        .client(
            &coach,
            "Alex Kim",
            "alex@client.example",
            "two_way",
            "client password",
        )
        .await?;
    h.send(&coach, &conversation, "See you at 7 tomorrow.")
        .await?;

    // Served with the right types and the fields an install needs.
    let res = h.http.get(h.url("/c/manifest.webmanifest")).send().await?;
    let kind = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    ensure!(
        kind.starts_with("application/manifest+json"),
        "manifest served as {kind}"
    );
    let manifest: Value = res.json().await?;
    ensure!(manifest["display"] == "standalone" && manifest["start_url"] == "/c/inbox");
    ensure!(manifest["scope"] == "/c/" && manifest["id"] == "/c/");
    ensure!(manifest["theme_color"].is_string() && manifest["name"] == "Sideline");
    for icon in manifest["icons"].as_array().context("icons")? {
        let src = icon["src"].as_str().context("icon src")?;
        let png = h.http.get(h.url(src)).send().await?.bytes().await?;
        ensure!(png.starts_with(b"\x89PNG"), "{src} is not a PNG");
        let side = u32::from_be_bytes([png[16], png[17], png[18], png[19]]);
        ensure!(
            icon["sizes"] == format!("{side}x{side}"),
            "{src} is {side}px, the manifest says {}",
            icon["sizes"]
        );
    }
    let res = h.http.get(h.url("/c/sw.js")).send().await?;
    let kind = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    ensure!(kind.contains("javascript"), "sw.js served as {kind}");

    let b = h.phone().await?;
    let outcome = async {
        h.sign_in_at(&b, "/c/a/signin", "alex@client.example", "client password")
            .await?;
        b.find_text(By::Css(".conversation-list .row"), "See you at 7")
            .await?;
        // Everything the first load fetched is the client app's, or the API's.
        let fetched = b
            .js(
                "return performance.getEntriesByType('resource').map(e => new URL(e.name).pathname)",
                vec![],
            )
            .await?;
        let fetched: Vec<String> = serde_json::from_value(fetched)?;
        let foreign: Vec<&String> = fetched
            .iter()
            .filter(|p| !(p.starts_with("/c/") || p.starts_with("/api/") || *p == "/config.json" || *p == "/ws"))
            .collect();
        ensure!(
            foreign.is_empty() && fetched.iter().any(|p| p.ends_with(".wasm")),
            "the client app fetched {foreign:?} (all: {fetched:?})"
        );
        let active = b
            .js_async(
                "const done = arguments[arguments.length - 1];
                 navigator.serviceWorker.ready.then(r => done(!!r.active), e => done(String(e)));",
                vec![],
            )
            .await?;
        ensure!(active == json!(true), "service worker: {active}");
        b.until(
            "the service worker to control the page",
            "return !!navigator.serviceWorker.controller",
        )
        .await?;
        let errors = b.cdp("Page.getInstallabilityErrors", json!({})).await?;
        ensure!(
            errors["installabilityErrors"]
                .as_array()
                .is_some_and(|e| e.is_empty()),
            "Chromium says the app is not installable: {errors}"
        );
        // Load once more under the service worker so the conversation list is in its cache.
        b.goto(&h.url("/c/inbox")).await?;
        b.find_text(By::Css(".conversation-list .row"), "See you at 7")
            .await?;

        b.cdp("Network.enable", json!({})).await?;
        b.cdp(
            "Network.emulateNetworkConditions",
            json!({ "offline": true, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1 }),
        )
        .await?;
        let (status, _) = h.api(reqwest::Method::GET, "/api/conversations", None, None).await?;
        ensure!(status == 401, "the server itself stays up (got {status})");
        b.goto(&h.url("/c/inbox")).await?;
        b.find(By::Css(".topbar")).await?;
        b.find_text(By::Css(".conversation-list .row"), "See you at 7")
            .await
            .context("offline, the conversations last loaded")?;
        let online = b.js("return navigator.onLine", vec![]).await?;
        ensure!(online == json!(false), "the browser was not offline");
        Ok(())
    }
    .await;
    finish(&b, "4-offline", outcome).await
}

/// 5. A conversation pages in older history when scrolled up, the unread badge clears once the
/// messages are seen, and Shift+Enter makes a new line where Enter sends.
#[tokio::test(flavor = "multi_thread")]
async fn history_unread_and_the_composer() -> Result<()> {
    let h = Harness::start().await?;
    let coach = h.coach().await?;
    let (conversation, _) = h
        .client(
            &coach,
            "Morgan Blake",
            "morgan@client.example",
            "two_way",
            "client password",
        )
        .await?;
    for n in 1..=120 {
        h.send(&coach, &conversation, &format!("Plan note {n:03}"))
            .await?;
    }

    let b = h.phone().await?;
    let outcome = async {
        h.sign_in(&b, "morgan@client.example", "client password")
            .await?;
        b.find_text(By::Css(".conversation-list .badge"), "99+")
            .await
            .context("120 unread messages show as 99+")?;
        b.click(By::Css(".conversation-list .row")).await?;
        b.find_text(By::Css(".message"), "Plan note 120").await?;
        let count = "return document.querySelectorAll('.messages .message').length";
        ensure!(b.js(count, vec![]).await? == json!(50), "the first page is 50 messages");
        // Scrolling to the top loads the earlier pages, each message once, in order.
        for _ in 0..3 {
            b.js("document.querySelector('.messages').scrollTop = 0;", vec![])
                .await?;
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        }
        b.until(
            "all 120 messages after scrolling up",
            "return document.querySelectorAll('.messages .message').length === 120",
        )
        .await?;
        let bodies = b
            .js(
                "return [...document.querySelectorAll('.messages .message .body')].map((e) => e.textContent)",
                vec![],
            )
            .await?;
        let expected: Vec<String> = (1..=120).map(|n| format!("Plan note {n:03}")).collect();
        ensure!(bodies == json!(expected), "history out of order or doubled: {bodies}");

        // Seen: the badge is gone from the list, and the server agrees.
        b.click(By::Css(".back")).await?;
        b.find(By::Css(".conversation-list .row")).await?;
        b.gone(By::Css(".conversation-list .badge")).await?;

        // Shift+Enter is a new line; Enter sends.
        b.click(By::Css(".conversation-list .row")).await?;
        b.type_into(
            By::Css(".composer textarea"),
            "Sets done:\u{E008}\u{E007}\u{E000}squats and rows\u{E007}",
        )
        .await?;
        let sent = b
            .find_text(By::Css(".message.mine[data-status=sent] .body"), "squats and rows")
            .await?;
        let text = b.property(&sent, "textContent").await?;
        ensure!(text == json!("Sets done:\nsquats and rows"), "sent {text}");
        Ok(())
    }
    .await;
    let (status, list) = h
        .api(
            reqwest::Method::GET,
            "/api/conversations",
            Some(&coach),
            None,
        )
        .await?;
    ensure!(status == 200, "list: {status}");
    ensure!(list["items"][0]["last_message"]["body"] == "Sets done:\nsquats and rows");
    finish(&b, "5-history-and-composer", outcome).await
}

/// 6. The session survives a reload; an expired or refused session sends the person to sign in.
#[tokio::test(flavor = "multi_thread")]
async fn sessions_survive_reloads_and_end_when_invalid() -> Result<()> {
    let h = Harness::start().await?;
    let coach = h.coach().await?;
    h.client(
        &coach,
        "Drew Hale",
        "drew@client.example",
        "two_way",
        "client password",
    )
    .await?;
    let b = h.driver.session(1280, 800).await?;
    let outcome = async {
        h.sign_in(&b, "casey@peak.example", "coach password")
            .await?;
        b.find_text(By::Css(".conversation-list .row"), "Drew Hale")
            .await?;
        b.goto(&h.url("/clients")).await?;
        b.find_text(By::Css(".roster"), "Drew Hale").await?;

        // A token the server refuses (as after a secret rotation): back to sign in.
        b.js(
            "const s = JSON.parse(localStorage.getItem('sideline.session'));
             s.token = s.token.slice(0, -4) + 'AAAA';
             localStorage.setItem('sideline.session', JSON.stringify(s));",
            vec![],
        )
        .await?;
        b.goto(&h.url("/clients")).await?;
        b.find(By::XPath(&button("Sign in"))).await?;
        ensure!(b.url().await?.ends_with("/signin"), "at {}", b.url().await?);

        // An expired session: straight to sign in.
        h.sign_in(&b, "casey@peak.example", "coach password")
            .await?;
        b.js(
            "const s = JSON.parse(localStorage.getItem('sideline.session'));
             s.expires_at_ms = Date.parse('2020-01-01T00:00:00Z');
             localStorage.setItem('sideline.session', JSON.stringify(s));",
            vec![],
        )
        .await?;
        b.goto(&h.url("/inbox")).await?;
        b.find(By::XPath(&button("Sign in"))).await?;
        Ok(())
    }
    .await;
    finish(&b, "6-session", outcome).await
}

/// 7. Switching a client to one-way from the conversation's "⋯" menu while their app is open
/// removes their composer live, and back again; the change shows on their profile.
#[tokio::test(flavor = "multi_thread")]
async fn switching_to_one_way_removes_the_composer_live() -> Result<()> {
    let h = Harness::start().await?;
    let coach_token = h.coach().await?;
    let (conversation, _) = h
        .client(
            &coach_token,
            "Quinn Avery",
            "quinn@client.example",
            "two_way",
            "client password",
        )
        .await?;
    h.send(&coach_token, &conversation, "How did the long run go?")
        .await?;

    let coach = h.phone().await?;
    let client = h.phone().await?;
    let outcome = async {
        h.sign_in(&client, "quinn@client.example", "client password")
            .await?;
        client.click(By::Css(".conversation-list .row")).await?;
        client.find(By::Css(".composer textarea")).await?;
        client.js("window.__sidelineMarker = 7;", vec![]).await?;

        h.sign_in(&coach, "casey@peak.example", "coach password")
            .await?;
        coach.click(By::XPath(&button("Quinn Avery"))).await?;
        coach
            .click(By::Css("[aria-label='Conversation options']"))
            .await?;
        coach.click(By::XPath(&button("One-way messaging"))).await?;
        coach
            .find_text(By::Css(".conversation-head .pill"), "One-way")
            .await?;

        client.gone(By::Css(".composer")).await?;
        client
            .find_text(By::Css(".read-only"), "Only your coach sends messages here")
            .await?;

        coach
            .click(By::Css("[aria-label='Conversation options']"))
            .await?;
        coach.click(By::XPath(&button("Two-way messaging"))).await?;
        client.find(By::Css(".composer textarea")).await?;
        let marker = client.js("return window.__sidelineMarker;", vec![]).await?;
        ensure!(marker == json!(7), "the client's app was reloaded");

        // Both changes are on the profile, newest first.
        coach.goto(&h.url("/clients")).await?;
        coach.click(By::XPath(&button("Quinn Avery"))).await?;
        let first = coach
            .find_text(By::Css(".changes li"), "One-way → Two-way")
            .await?;
        let text = coach.text(&first).await?;
        ensure!(
            text.contains("set by hand") && text.contains("Casey Coach"),
            "{text}"
        );
        let all = coach.find_all(By::Css(".changes li")).await?;
        ensure!(all.len() == 2, "{} changes listed", all.len());
        Ok(())
    }
    .await;
    finish(&coach, "7-coach-profile-history", Ok(())).await?;
    finish(&client, "7-client-composer-back", outcome).await
}

/// 8. A one-way client, who has no composer, still reacts to the coach's message; the coach sees
/// the reaction arrive and go live.
#[tokio::test(flavor = "multi_thread")]
async fn a_one_way_client_reacts_and_the_coach_sees_it_live() -> Result<()> {
    let h = Harness::start().await?;
    let coach_token = h.coach().await?;
    let (conversation, _) = h
        .client(
            &coach_token,
            "Riley Park",
            "riley@client.example",
            "one_way",
            "client password",
        )
        .await?;
    h.send(
        &coach_token,
        &conversation,
        "New PB on deadlifts this week!",
    )
    .await?;

    let coach = h.driver.session(1280, 800).await?;
    let client = h.phone().await?;
    let outcome = async {
        h.sign_in(&coach, "casey@peak.example", "coach password")
            .await?;
        coach.click(By::XPath(&button("Riley Park"))).await?;
        coach.find_text(By::Css(".message"), "New PB").await?;

        h.sign_in(&client, "riley@client.example", "client password")
            .await?;
        client.click(By::Css(".conversation-list .row")).await?;
        client.find(By::Css(".read-only")).await?;
        client.click(By::Css(".message .body")).await?;
        client
            .click(By::Css("[aria-label='React with 💪']"))
            .await?;
        client
            .find(By::Css(".message .chip.mine[aria-pressed=true]"))
            .await?;
        client
            .screenshot(&output_dir().join("8-reaction-added.png"))
            .await?;

        let chip = coach.find_text(By::Css(".message .chip"), "💪 1").await?;
        let who = coach.property(&chip, "title").await?;
        ensure!(who == json!("Riley Park"), "reacted by {who}");

        // Tapping their own chip takes it back, for both.
        client.click(By::Css(".message .chip.mine")).await?;
        client.gone(By::Css(".message .chip")).await?;
        coach.gone(By::Css(".message .chip")).await?;
        Ok(())
    }
    .await;
    finish(&coach, "8-coach-sees-reaction", Ok(())).await?;
    finish(&client, "8-one-way-client-reacts", outcome).await
}

/// 9. The coach creates an announcement-only group; a member sees the read-only banner instead
/// of the composer, can still react, and once the coach gives them the posting right their
/// composer appears live and they post.
#[tokio::test(flavor = "multi_thread")]
async fn an_announcement_only_group_and_a_member_given_the_right_to_post() -> Result<()> {
    let h = Harness::start().await?;
    let coach_token = h.coach().await?;
    h.client(
        &coach_token,
        "Maya Lopez",
        "maya@client.example",
        "two_way",
        "client password",
    )
    .await?;
    let (_, luis_token) = h
        .client(
            &coach_token,
            "Luis Moreno",
            "luis@client.example",
            "two_way",
            "client password",
        )
        .await?;

    let coach = h.driver.session(1280, 800).await?;
    let maya = h.phone().await?;
    let outcome = async {
        h.sign_in(&coach, "casey@peak.example", "coach password")
            .await?;
        coach.click(By::XPath(&button("New conversation"))).await?;
        coach
            .type_into(By::XPath(&field("Title")), "Spring Cohort")
            .await?;
        coach.type_into(By::XPath(&field("Emoji")), "🌱").await?;
        coach
            .click(By::XPath("//label[contains(@class,'choice')][.//strong[normalize-space()='Announcement only']]"))
            .await?;
        for name in ["Maya Lopez", "Luis Moreno"] {
            coach
                .click(By::XPath(&format!("//label[contains(@class,'choice')][.//span[normalize-space()='{name}']]")))
                .await?;
        }
        coach
            .click(By::XPath(&button("Create group (3 members)")))
            .await?;
        coach
            .find_text(By::Css(".conversation-head h2"), "Spring Cohort")
            .await?;
        coach
            .type_into(By::Css(".composer textarea"), &format!("Welcome to the cohort! Week 1 starts Monday.{ENTER}"))
            .await?;
        coach
            .find_text(By::Css(".message.mine[data-status=sent]"), "Welcome to the cohort")
            .await?;

        h.sign_in(&maya, "maya@client.example", "client password")
            .await?;
        maya.click(By::XPath(&button("Spring Cohort"))).await?;
        maya.find_text(By::Css(".message"), "Welcome to the cohort")
            .await?;
        maya.find_text(By::Css(".read-only"), "Only admins can post here")
            .await?;
        ensure!(maya.find_all(By::Css(".composer")).await?.is_empty(), "a member has a composer");
        maya.click(By::Css(".message .body")).await?;
        maya.click(By::Css("[aria-label='React with 🎉']")).await?;
        coach.find_text(By::Css(".message .chip"), "🎉 1").await?;

        // The coach lets Maya post: her composer appears without a reload.
        coach
            .click(By::Css("[aria-label='Conversation options']"))
            .await?;
        coach.click(By::XPath(&button("Members"))).await?;
        coach
            .click(By::XPath("//select[@aria-label='Posting of Maya Lopez']/option[@value='yes']"))
            .await?;
        maya.find(By::Css(".composer textarea")).await?;
        maya.type_into(By::Css(".composer textarea"), &format!("Ready to go!{ENTER}"))
            .await?;
        maya.find_text(By::Css(".message.mine[data-status=sent]"), "Ready to go!")
            .await?;
        coach.click(By::XPath(&button("Done"))).await?;
        coach
            .find_text(By::Css(".message:not(.mine)"), "Ready to go!")
            .await?;

        // Luis, not given the right, is still refused by the server.
        let list = h
            .api(reqwest::Method::GET, "/api/conversations", Some(&luis_token), None)
            .await?
            .1;
        let group = list["items"]
            .as_array()
            .and_then(|a| a.iter().find(|c| c["kind"] == "group"))
            .context("Luis has the group")?;
        let (status, body) = h
            .send(&luis_token, group["id"].as_str().context("id")?, "me too?")
            .await?;
        ensure!(
            status == 403 && body["error"]["code"] == "group.announcement_only",
            "{status} {body}"
        );
        Ok(())
    }
    .await;
    finish(&coach, "9-coach-group", Ok(())).await?;
    finish(&maya, "9-member-posts-in-announcement-group", outcome).await
}

/// 10. The owner defines a product that grants one-way messaging, invites a coach and assigns
/// them to a client, and records the product's purchase on the client's card: the card shows
/// the new mode, the purchase and why the mode changed.
#[tokio::test(flavor = "multi_thread")]
async fn a_purchase_recorded_on_the_card_sets_the_mode() -> Result<()> {
    let h = Harness::start().await?;
    let coach_token = h.coach().await?;
    h.client(
        &coach_token,
        "Jamie Fox",
        "jamie@client.example",
        "two_way",
        "client password",
    )
    .await?;
    let b = h.driver.session(1280, 900).await?;
    let outcome = async {
        h.sign_in(&b, "casey@peak.example", "coach password")
            .await?;
        b.click(By::XPath(&button("Products"))).await?;
        b.type_into(By::XPath(&field("Product name")), "12-week program")
            .await?;
        b.type_into(By::XPath(&field("Price")), "$199").await?;
        b.click(By::XPath(
            "//label[contains(@class,'choice')][.//strong[normalize-space()='One-way messaging']]",
        ))
        .await?;
        b.click(By::XPath(&button("Add product"))).await?;
        b.find_text(By::Css(".roster .row"), "12-week program")
            .await?;
        b.click(By::XPath(&button("Show secret"))).await?;
        b.find_text(By::Css(".webhook code"), "whsec_").await?;

        // Invite a coach from the team page; they accept, and get Jamie assigned.
        b.click(By::XPath(&button("Team"))).await?;
        b.type_into(By::XPath(&field("Name")), "Cole Coach").await?;
        b.type_into(By::XPath(&field("Email")), "cole@peak.example")
            .await?;
        b.click(By::XPath(&button("Send invite"))).await?;
        let link = b.find(By::Css(".invite input")).await?;
        let link = b.property(&link, "value").await?;
        let token = link
            .as_str()
            .and_then(|l| l.rsplit('/').next())
            .context("invite link")?
            .to_owned();
        let (status, _) = h
            .api(
                reqwest::Method::POST,
                "/api/auth/invites/accept",
                None,
                Some(json!({ "token": token, "password": "coach password" })),
            )
            .await?;
        ensure!(status == 200 || status == 201, "accept: {status}");

        b.click(By::XPath(&button("Clients"))).await?;
        b.click(By::XPath(&button("Jamie Fox"))).await?;
        b.click(By::XPath(
            "//select[@aria-label='Coach']/option[normalize-space()='Cole Coach']",
        ))
        .await?;
        let jamie = h
            .api(
                reqwest::Method::GET,
                "/api/clients",
                Some(&coach_token),
                None,
            )
            .await?
            .1;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let list = h
                .api(
                    reqwest::Method::GET,
                    "/api/clients",
                    Some(&coach_token),
                    None,
                )
                .await?
                .1;
            if list["items"][0]["coach_id"].is_string() {
                break;
            }
            ensure!(
                std::time::Instant::now() < deadline,
                "no coach assigned: {jamie}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        b.click(By::XPath(&button("Record purchase"))).await?;
        b.find_text(By::Css(".purchases .changes li"), "12-week program")
            .await?;
        b.find_text(By::Css(".details"), "One-way").await?;
        b.find_text(By::Css(".changes li"), "product purchase")
            .await?;
        Ok(())
    }
    .await;
    finish(&b, "10-purchase-sets-mode", outcome).await
}

/// 11. The owner edits the welcome message with its live preview, adds a company of three
/// clients, and sends them a mass message: the progress shows done, and each client, signed in
/// on a phone, finds the welcome first and the mass message in their own private conversation.
#[tokio::test(flavor = "multi_thread")]
async fn a_mass_message_reaches_each_client_of_a_company() -> Result<()> {
    let h = Harness::start().await?;
    let coach_token = h.coach_with_welcome().await?;
    let b = h.driver.session(1280, 900).await?;
    let outcome = async {
        h.sign_in(&b, "casey@peak.example", "coach password")
            .await?;
        b.click(By::XPath(&button("Settings"))).await?;
        let text = By::XPath(&field("Text"));
        b.type_into(text, "\u{E009}a\u{E000}\u{E017}").await?;
        b.type_into(text, "Hi").await?;
        b.click(By::XPath(&button("{client_first_name}"))).await?;
        b.type_into(text, ", welcome to the Acme wellness program!")
            .await?;
        b.find_text(
            By::Css(".welcome-preview .bubble"),
            "Hi Maya, welcome to the Acme wellness program!",
        )
        .await?;
        b.click(By::XPath(&button("Save"))).await?;
        b.find_text(By::Css(".settings [role=status]"), "Saved")
            .await?;
        b.screenshot(&output_dir().join("11-welcome-preview.png"))
            .await?;
        // Where the business is: its country (named by the browser) and address.
        let business = "//form[contains(@class, 'business-info')]";
        b.click(By::XPath(&format!("{business}//option[@value='CA']")))
            .await?;
        b.find_text(By::XPath(&format!("{business}//option[@value='CA']")), "Canada")
            .await?;
        for (label, value) in [
            ("Street address", "200 Bay Street"),
            ("City", "Toronto"),
            ("State or province", "ON"),
            ("Postal code", "M5J 2J1"),
        ] {
            b.type_into(By::XPath(&format!("{business}{}", field(label))), value)
                .await?;
        }
        b.click(By::XPath(&format!("{business}//button[normalize-space(.)='Save']")))
            .await?;
        b.find_text(By::Css(".business-info [role=status]"), "Saved")
            .await?;
        b.find_text(By::Css(".business-info"), "Two-way texting can be turned on")
            .await?;
        b.screenshot(&output_dir().join("11-business-info.png"))
            .await?;

        let (status, acme) = h
            .api(
                reqwest::Method::POST,
                "/api/companies",
                Some(&coach_token),
                Some(json!({ "name": "Acme" })),
            )
            .await?;
        ensure!(status == 201, "company: {status} {acme}");
        let mut clients = Vec::new();
        for (name, email) in [
            ("Ana Reyes", "ana@acme.example"),
            ("Ben Ito", "ben@acme.example"),
            ("Cy Park", "cy@acme.example"),
        ] {
            let (status, added) = h
                .api(
                    reqwest::Method::POST,
                    "/api/clients",
                    Some(&coach_token),
                    Some(json!({ "name": name, "email": email, "company_id": acme["id"] })),
                )
                .await?;
            ensure!(status == 201, "add: {status} {added}");
            let (status, accepted) = h
                .api(
                    reqwest::Method::POST,
                    "/api/auth/invites/accept",
                    None,
                    Some(json!({ "token": added["invite"]["token"], "password": "client password" })),
                )
                .await?;
            ensure!(status == 200 || status == 201, "accept: {status}");
            drop(accepted);
            clients.push((name, email));
        }
        // Someone outside the company, who must not get it.
        h.client(
            &coach_token,
            "Olga Out",
            "olga@else.example",
            "two_way",
            "client password",
        )
        .await?;

        b.click(By::XPath(&button("Mass message"))).await?;
        b.type_into(By::XPath(&field("Message")), "Team challenge starts Monday 💪")
            .await?;
        b.click(By::XPath(
            "//label[contains(@class,'choice')][normalize-space()='Everyone at a company']",
        ))
        .await?;
        b.click(By::XPath("//label[.//span[normalize-space()='Company']]//select/option[normalize-space()='Acme']"))
            .await?;
        b.click(By::XPath(&button("Send to each"))).await?;
        b.find(By::Css(".job [data-status='Done']")).await?;
        b.find_text(By::Css(".job .sent"), "3").await?;
        b.find_text(By::Css(".job .failed"), "0").await?;

        // The company's clients, filtered on the roster.
        b.goto(&h.url(&format!("/clients?company={}", acme["id"].as_str().context("id")?)))
            .await?;
        b.find_text(By::Css(".roster"), "Cy Park").await?;
        let names = b
            .js(
                "return [...document.querySelectorAll('.roster .title')].map(e => e.innerText)",
                vec![],
            )
            .await?;
        ensure!(
            names == json!(["Cy Park", "Ben Ito", "Ana Reyes"]),
            "the roster shows {names}"
        );
        b.screenshot(&output_dir().join("11-company-roster.png"))
            .await?;
        Ok(())
    }
    .await;
    finish(&b, "11-mass-message-done", outcome).await?;

    let phone = h.phone().await?;
    let outcome = async {
        for (i, (name, email)) in [
            ("Ana", "ana@acme.example"),
            ("Ben", "ben@acme.example"),
            ("Cy", "cy@acme.example"),
        ]
        .into_iter()
        .enumerate()
        {
            if i > 0 {
                phone.click(By::XPath(&button("Sign out"))).await?;
                phone.find(By::XPath(&field("Password"))).await?;
            }
            h.sign_in(&phone, email, "client password").await?;
            // Their private conversation with the business is the one the message is in.
            phone
                .find_text(
                    By::Css(".conversation-list .row"),
                    "Team challenge starts Monday",
                )
                .await?;
            phone
                .click(By::XPath(
                    "//*[contains(@class,'conversation-list')]//a[contains(.,'Peak Form Coaching')]",
                ))
                .await?;
            phone
                .find_text(By::Css(".message .body"), "Team challenge starts Monday 💪")
                .await?;
            let bodies = phone
                .js(
                    "return [...document.querySelectorAll('.message .body')].map(e => e.innerText)",
                    vec![],
                )
                .await?;
            ensure!(
                bodies
                    == json!([
                        format!("Hi {name}, welcome to the Acme wellness program!"),
                        "Team challenge starts Monday 💪"
                    ]),
                "{name} sees {bodies}"
            );
        }
        Ok(())
    }
    .await;
    finish(&phone, "11-mass-message-on-a-phone", outcome).await
}

/// 12. Each person lands in their own app: a client who signs in to the staff app, or opens one
/// of its pages, is taken to the client app; a coach who opens the client app is taken to the
/// staff app. Neither app shows the other's screens. Within an app, links, Back and Forward move
/// between screens without loading the app again.
#[tokio::test(flavor = "multi_thread")]
async fn each_person_lands_in_their_own_app() -> Result<()> {
    let h = Harness::start().await?;
    let coach = h.coach().await?;
    h.client(
        &coach,
        "Alex Kim",
        "alex@client.example",
        "two_way",
        "client password",
    )
    .await?;
    let b = h.phone().await?;
    let outcome = async {
        // A client signing in at the staff app's screen.
        h.sign_in(&b, "alex@client.example", "client password")
            .await?;
        b.until(
            "the client app",
            "return location.pathname.startsWith('/c/') && !!document.querySelector('.topbar')",
        )
        .await?;
        let landed = reqwest::Url::parse(&b.url().await?)?.path().to_owned();
        ensure!(landed == "/c/inbox", "a client landed at {landed}");
        // Links move within the app without loading it again, and Back and Forward follow.
        b.js("window.stillLoaded = true", vec![]).await?;
        b.click(By::Css(".conversation-list .row")).await?;
        b.until(
            "a conversation",
            "return location.pathname.startsWith('/c/inbox/') && !!document.querySelector('.composer textarea, .read-only')",
        )
        .await?;
        b.js("history.back()", vec![]).await?;
        b.until(
            "back to the inbox",
            "return location.pathname === '/c/inbox' && !!document.querySelector('input[aria-label=\"Search conversations\"]')",
        )
        .await?;
        b.js("history.forward()", vec![]).await?;
        b.until("forward to the conversation", "return location.pathname.startsWith('/c/inbox/')")
            .await?;
        let kept = b.js("return window.stillLoaded === true", vec![]).await?;
        ensure!(kept == json!(true), "moving between screens loaded the app again");
        // The account is the door's (another, smaller app), and Messages comes back.
        b.click(By::Css(".tabs a[href='/c/account']")).await?;
        b.until(
            "the account page",
            "return location.pathname === '/c/a/account' && document.body.innerText.includes('You sign in with')",
        )
        .await?;
        b.click(By::Css(".tabs a[href='/c/a/inbox']")).await?;
        b.until(
            "the inbox again",
            "return location.pathname === '/c/inbox' && !!document.querySelector('input[aria-label=\"Search conversations\"]')",
        )
        .await?;
        // A staff page of the client app's origin, opened by a client.
        b.goto(&h.url("/clients")).await?;
        b.until(
            "the client app again",
            "return location.pathname.startsWith('/c/') && !!document.querySelector('.topbar')",
        )
        .await?;
        let tabs = b.js("return document.querySelector('.tabs').innerText", vec![]).await?;
        ensure!(
            !tabs.as_str().unwrap_or_default().contains("Clients"),
            "the client app shows staff tabs: {tabs}"
        );
        b.click(By::XPath(&button("Sign out"))).await?;
        b.find(By::XPath(&button("Sign in"))).await?;
        let signup = b
            .js("return document.body.innerText.includes('Create your business')", vec![])
            .await?;
        ensure!(signup == json!(false), "the client app offers to create a business");

        // A coach opening the client app.
        h.sign_in_at(&b, "/c/a/signin", "casey@peak.example", "coach password")
            .await?;
        b.until(
            "the staff app",
            "return !location.pathname.startsWith('/c/') && !!document.querySelector('.tabs a[href=\"/clients\"]')",
        )
        .await?;
        // The settings are the office's (another program, same frame), and Inbox comes back.
        b.click(By::Css(".tabs a[href='/settings']")).await?;
        b.until(
            "the settings in the office",
            "return location.pathname === '/o/settings' && !!document.querySelector('.tabs a.active[href=\"/o/settings\"]') && document.body.innerText.includes('Welcome message')",
        )
        .await?;
        b.screenshot(&output_dir().join("12-office.png")).await?;
        b.click(By::Css(".tabs a[href='/o/inbox']")).await?;
        b.until(
            "the inbox of the dashboard again",
            "return location.pathname === '/inbox' && !!document.querySelector('.tabs a.active[href=\"/inbox\"]')",
        )
        .await?;
        // A link made before the office was apart still lands there.
        b.goto(&h.url("/team")).await?;
        b.until("the team in the office", "return location.pathname === '/o/team'")
            .await?;
        Ok(())
    }
    .await;
    finish(&b, "12-own-app", outcome).await
}

/// 13. Sessions end where they should: a client changes their password on one phone and stays
/// signed in there, while their other phone is signed out within seconds and told why; signing
/// out on every device ends this one too; signing out ends the session on the server.
#[tokio::test(flavor = "multi_thread")]
async fn sessions_end_on_every_device_and_say_why() -> Result<()> {
    let h = Harness::start().await?;
    let coach = h.coach().await?;
    h.client(
        &coach,
        "Robin Diaz",
        "robin@client.example",
        "two_way",
        "first password",
    )
    .await?;
    let phone = h.phone().await?;
    let other = h.phone().await?;
    let outcome = async {
        h.sign_in_at(&phone, "/c/a/signin", "robin@client.example", "first password")
            .await?;
        h.sign_in_at(&other, "/c/a/signin", "robin@client.example", "first password")
            .await?;
        // The other phone keeps its socket open on its inbox.
        other
            .until(
                "the other phone's inbox",
                "return !!document.querySelector('.conversation-list .row')",
            )
            .await?;

        phone.goto(&h.url("/c/a/account")).await?;
        phone
            .type_into(By::XPath(&field("Current password")), "first password")
            .await?;
        phone
            .type_into(By::XPath(&field("New password")), "second password")
            .await?;
        phone
            .click(By::XPath(&button("Change password")))
            .await?;
        phone
            .until(
                "the change confirmed",
                "return document.body.innerText.includes('Password changed.')",
            )
            .await?;
        phone
            .screenshot(&output_dir().join("13-password-changed.png"))
            .await?;
        other
            .until(
                "the other phone signed out, told why",
                "return location.pathname === '/c/a/signin' && document.body.innerText.includes('Your password was changed.')",
            )
            .await?;
        other
            .screenshot(&output_dir().join("13-signed-out-elsewhere.png"))
            .await?;
        // This phone stays signed in, with a session the server accepts.
        let token = phone
            .js("return JSON.parse(localStorage.getItem('sideline.session')).token", vec![])
            .await?;
        let token = token.as_str().context("token")?.to_owned();
        let (status, _) = h
            .api(reqwest::Method::GET, "/api/me", Some(&token), None)
            .await?;
        ensure!(status == 200, "the renewed session is refused: {status}");
        phone.goto(&h.url("/c/inbox")).await?;
        phone.find(By::Css(".topbar")).await?;

        // Signing out on every device from the account page ends this one too.
        phone.goto(&h.url("/c/a/account")).await?;
        phone
            .click(By::XPath(&button("Sign out on every device")))
            .await?;
        phone
            .until(
                "signed out everywhere",
                "return location.pathname === '/c/a/signin' && document.body.innerText.includes('signed out on every device')",
            )
            .await?;
        let (status, _) = h
            .api(reqwest::Method::GET, "/api/me", Some(&token), None)
            .await?;
        ensure!(status == 401, "an ended session still works: {status}");

        // Signing out (with the new password) ends the session on the server.
        h.sign_in_at(&other, "/c/a/signin", "robin@client.example", "second password")
            .await?;
        let token = other
            .js("return JSON.parse(localStorage.getItem('sideline.session')).token", vec![])
            .await?;
        let token = token.as_str().context("token")?.to_owned();
        other.goto(&h.url("/c/a/account")).await?;
        other.click(By::XPath(&button("Sign out"))).await?;
        other.find(By::XPath(&button("Sign in"))).await?;
        for _ in 0..20 {
            let (status, _) = h
                .api(reqwest::Method::GET, "/api/me", Some(&token), None)
                .await?;
            if status == 401 {
                return Ok(());
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        anyhow::bail!("signing out left the session valid on the server")
    }
    .await;
    finish(&other, "13-sessions", outcome).await
}

/// 14. The owner deactivates a coach from the Team page while the coach's tab is open: the
/// coach is signed out within seconds and told why, and cannot sign in again; the audit log
/// shows the change.
#[tokio::test(flavor = "multi_thread")]
async fn a_deactivated_coach_is_signed_out_within_seconds() -> Result<()> {
    let h = Harness::start().await?;
    let owner_token = h.coach().await?;
    let (status, invited) = h
        .api(
            reqwest::Method::POST,
            "/api/staff",
            Some(&owner_token),
            Some(json!({ "name": "Jess Moreno", "email": "jess@peak.example", "role": "coach" })),
        )
        .await?;
    ensure!(status == 201, "invite: {status} {invited}");
    let (status, _) = h
        .api(
            reqwest::Method::POST,
            "/api/auth/invites/accept",
            None,
            Some(json!({ "token": invited["invite"]["token"], "password": "jess password" })),
        )
        .await?;
    ensure!(status == 200, "accept: {status}");
    let owner = h.driver.session(1280, 900).await?;
    let coach = h.phone().await?;
    let outcome = async {
        h.sign_in(&coach, "jess@peak.example", "jess password")
            .await?;
        h.sign_in(&owner, "casey@peak.example", "coach password")
            .await?;
        owner.goto(&h.url("/team")).await?;
        owner
            .click(By::XPath(
                "//li[.//span[@class='title' and text()='Jess Moreno']]//button[text()='Manage']",
            ))
            .await?;
        owner.click(By::XPath(&button("Deactivate"))).await?;
        owner
            .until(
                "the team shows the coach deactivated",
                "return [...document.querySelectorAll('.staff-row')].some(r => r.innerText.includes('Jess Moreno') && r.innerText.includes('Deactivated'))",
            )
            .await?;
        owner
            .screenshot(&output_dir().join("14-team-deactivated.png"))
            .await?;
        // The audit log says who did it, to whom, before and after.
        owner.click(By::Css(".tabs a[href$='/audit']")).await?;
        owner
            .until(
                "the audit log's entry",
                "return document.body.innerText.includes('changed the access of Jess Moreno: active → deactivated')",
            )
            .await?;
        owner
            .screenshot(&output_dir().join("14-audit.png"))
            .await?;
        coach
            .until(
                "the coach signed out, told why",
                "return location.pathname === '/signin' && document.body.innerText.includes('Your account was deactivated.')",
            )
            .await?;
        coach
            .type_into(By::XPath(&field("Email or phone")), "jess@peak.example")
            .await?;
        coach
            .type_into(By::XPath(&field("Password")), "jess password")
            .await?;
        coach.click(By::XPath(&button("Sign in"))).await?;
        coach
            .until(
                "signing in refused",
                "return document.body.innerText.includes('This account was deactivated.')",
            )
            .await?;
        Ok(())
    }
    .await;
    finish(&coach, "14-coach-deactivated", outcome).await
}

/// 15. Both apps are served with strict security headers (and so is the API), and run under
/// their Content-Security-Policy without a single violation; an inline script injected into
/// the page is refused, which shows the policy is in force.
#[tokio::test(flavor = "multi_thread")]
async fn strict_headers_and_no_policy_violation() -> Result<()> {
    let h = Harness::start().await?;
    let coach = h.coach().await?;
    h.client(
        &coach,
        "Noor Haddad",
        "noor@client.example",
        "two_way",
        "client password",
    )
    .await?;
    for path in ["/", "/c/", "/api/me"] {
        let response = h.http.get(h.url(path)).send().await?;
        let headers = response.headers();
        let csp = headers
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        for part in [
            "script-src 'self' 'wasm-unsafe-eval'",
            "frame-ancestors 'none'",
            "object-src 'none'",
        ] {
            ensure!(csp.contains(part), "{path}: the policy lacks {part}: {csp}");
        }
        ensure!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        ensure!(
            headers
                .get("x-content-type-options")
                .and_then(|v| v.to_str().ok())
                == Some("nosniff"),
            "{path}: nosniff"
        );
        ensure!(
            headers.contains_key("referrer-policy"),
            "{path}: referrer policy"
        );
    }
    let b = h.phone().await?;
    let outcome = async {
        // Every violation of the page, from before its first script.
        b.cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": "window.__violations = []; document.addEventListener('securitypolicyviolation', e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));" }),
        )
        .await?;
        h.sign_in_at(&b, "/c/a/signin", "noor@client.example", "client password")
            .await?;
        b.click(By::Css(".conversation-list .row")).await?;
        b.type_into(By::Css(".composer textarea"), "Checking in")
            .await?;
        b.type_into(By::Css(".composer textarea"), ENTER).await?;
        b.find(By::Css(".message.mine[data-status=sent]")).await?;
        b.goto(&h.url("/c/a/account")).await?;
        b.find(By::XPath(&button("Change password"))).await?;
        let violations = b.js("return window.__violations", vec![]).await?;
        ensure!(violations == json!([]), "policy violations: {violations}");
        // The control: an inline script is refused and reported.
        b.js(
            "const s = document.createElement('script'); s.textContent = 'window.__ran = true'; document.head.append(s);",
            vec![],
        )
        .await?;
        b.until("the refused inline script reported", "return window.__violations.length > 0")
            .await?;
        let ran = b.js("return window.__ran === true", vec![]).await?;
        ensure!(ran == json!(false), "an inline script ran");
        Ok(())
    }
    .await;
    finish(&b, "15-policy", outcome).await
}

/// 16. A client who forgot their password asks for a link from the sign-in screen, finds it in
/// the dev mailbox, chooses a new password there and is signed in to the client app with it.
#[tokio::test(flavor = "multi_thread")]
async fn a_forgotten_password_is_reset_through_the_dev_mailbox() -> Result<()> {
    let h = Harness::start().await?;
    let coach = h.coach().await?;
    h.client(
        &coach,
        "Ines Duarte",
        "ines@client.example",
        "two_way",
        "old password",
    )
    .await?;
    let b = h.phone().await?;
    let outcome = async {
        b.goto(&h.url("/c/a/signin")).await?;
        b.click(By::XPath("//a[text()='Forgot your password?']")).await?;
        b.type_into(By::XPath(&field("Email")), "ines@client.example")
            .await?;
        b.click(By::XPath(&button("Email me a link"))).await?;
        b.until(
            "the page says a link was sent, if the address has an account",
            "return document.body.innerText.includes('we emailed it a link')",
        )
        .await?;
        // The dev mailbox lists the email with its link.
        b.goto(&h.url("/dev/mail")).await?;
        let link = b
            .until(
                "the reset email in the dev mailbox",
                "const a = [...document.querySelectorAll('a')].find(a => a.href.includes('/c/a/reset/')); return a ? a.href : null",
            )
            .await?;
        let link = link.as_str().context("a link")?.to_owned();
        b.screenshot(&output_dir().join("16-dev-mailbox.png")).await?;
        b.goto(&link).await?;
        b.type_into(By::XPath(&field("New password")), "new password")
            .await?;
        b.click(By::XPath(&button("Set password and sign in")))
            .await?;
        past_push_offer(&b).await?;
        b.until(
            "signed in to the client app",
            "return location.pathname === '/c/inbox' && !!document.querySelector('.topbar')",
        )
        .await?;
        let (status, _) = h
            .api(
                reqwest::Method::POST,
                "/api/auth/login",
                None,
                Some(json!({ "email": "ines@client.example", "password": "old password" })),
            )
            .await?;
        ensure!(status == 401, "the old password still works: {status}");
        Ok(())
    }
    .await;
    finish(&b, "16-password-reset", outcome).await
}

/// 17. A new business's owner sees that their email is unconfirmed, confirms it through the
/// link in the dev mailbox, and the notice goes. Invited as a client of another business, the
/// same person joins with the password they have; signing in, they choose which business.
#[tokio::test(flavor = "multi_thread")]
async fn an_email_is_confirmed_and_one_login_chooses_its_business() -> Result<()> {
    let h = Harness::start().await?;
    let other = h.coach().await?;
    let b = h.driver.session(1280, 800).await?;
    let outcome = async {
        b.goto(&h.url("/signup")).await?;
        b.type_into(By::XPath(&field("Business name")), "Lift Lab").await?;
        b.type_into(By::XPath(&field("Your name")), "Rowan Reyes").await?;
        b.type_into(By::XPath(&field("Email")), "rowan@lift.example").await?;
        b.type_into(By::XPath(&field("Password")), "rowan password").await?;
        b.click(By::XPath(&button("Create business"))).await?;
        b.until(
            "a notice that the email is not confirmed yet",
            "const n = document.querySelector('.banner'); return !!n && n.innerText.includes('rowan@lift.example')",
        )
        .await?;
        b.screenshot(&output_dir().join("17-confirm-email-notice.png")).await?;
        b.goto(&h.url("/dev/mail")).await?;
        let link = b
            .until(
                "the confirmation email in the dev mailbox",
                "const a = [...document.querySelectorAll('a')].find(a => a.href.includes('/verify/')); return a ? a.href : null",
            )
            .await?;
        b.goto(link.as_str().context("a link")?).await?;
        b.until(
            "signed in, the notice gone",
            "return location.pathname === '/inbox' && !!document.querySelector('.topbar') && !document.querySelector('.banner')",
        )
        .await?;

        // Another business invites the same address as a client.
        let (status, added) = h
            .api(
                reqwest::Method::POST,
                "/api/clients",
                Some(&other),
                Some(json!({ "name": "Rowan Reyes", "email": "rowan@lift.example", "messaging": "two_way" })),
            )
            .await?;
        ensure!(status == 201, "invite: {status} {added}");
        let token = added["invite"]["token"].as_str().context("token")?;
        b.goto(&h.url(&format!("/c/invite/{token}"))).await?;
        b.until(
            "the invite asks for the password Rowan already has",
            "return document.body.innerText.includes('You already sign in to Sideline')",
        )
        .await?;
        b.type_into(By::XPath(&field("Your Sideline password")), "rowan password")
            .await?;
        b.click(By::XPath(&button("Join"))).await?;
        past_push_offer(&b).await?;
        b.until(
            "in the client app",
            "return location.pathname === '/c/inbox' && !!document.querySelector('.topbar')",
        )
        .await?;

        // Signing in again: the choice of business.
        b.click(By::XPath(&button("Sign out"))).await?;
        b.until("signed out", "return !document.querySelector('.topbar')").await?;
        b.goto(&h.url("/signin")).await?;
        b.type_into(By::XPath(&field("Email or phone")), "rowan@lift.example")
            .await?;
        b.type_into(By::XPath(&field("Password")), "rowan password").await?;
        b.click(By::XPath(&button("Sign in"))).await?;
        b.until(
            "both businesses to choose from",
            "return location.pathname === '/businesses' && document.querySelectorAll('.business-choice').length === 2",
        )
        .await?;
        b.screenshot(&output_dir().join("17-choose-business.png")).await?;
        b.click(By::XPath("//button[contains(@class,'business-choice')][.//strong[normalize-space()='Peak Form Coaching']]"))
            .await?;
        b.until(
            "in the client app, with the other business",
            "return location.pathname === '/c/inbox' && document.querySelector('.business')?.innerText === 'Peak Form Coaching'",
        )
        .await?;
        Ok(())
    }
    .await;
    finish(&b, "17-confirm-and-choose", outcome).await
}

/// 18. The coach formats a line with the toolbar (the draft shows its preview) and sends it; the
/// client's phone shows it formatted, and a link in a message opens safely in a new tab.
#[tokio::test(flavor = "multi_thread")]
async fn a_message_formatted_with_the_toolbar_shows_formatted_on_the_phone() -> Result<()> {
    let h = Harness::start().await?;
    let coach_token = h.coach().await?;
    let (conversation, _) = h
        .client(
            &coach_token,
            "Lena Park",
            "lena@client.example",
            "two_way",
            "client password",
        )
        .await?;
    let (status, _) = h
        .send(
            &coach_token,
            &conversation,
            "Form check: [watch this](https://example.com/squat) first\n- 3 sets\n- 5 reps",
        )
        .await?;
    ensure!(status == 201, "send: {status}");
    let coach = h.driver.session(1280, 800).await?;
    let phone = h.phone().await?;
    let outcome = async {
        h.sign_in(&coach, "casey@peak.example", "coach password").await?;
        coach.click(By::Css(".conversation-list .row")).await?;
        coach
            .type_into(By::Css(".composer textarea"), "Squats 5x5 today")
            .await?;
        // Select "5x5" and make it bold from the toolbar.
        coach
            .js(
                "const t = document.querySelector('.composer textarea'); t.focus(); t.setSelectionRange(7, 10);",
                vec![],
            )
            .await?;
        coach.click(By::Css("button.tool[aria-label^='Bold']")).await?;
        coach
            .until(
                "the preview shows the bold part",
                "const p = document.querySelector('.composer-area .preview strong'); return !!p && p.textContent === '5x5'",
            )
            .await?;
        let draft = coach
            .js("return document.querySelector('.composer textarea').value", vec![])
            .await?;
        ensure!(draft == json!("Squats **5x5** today"), "draft: {draft}");
        coach.screenshot(&output_dir().join("18-toolbar-preview.png")).await?;
        coach.type_into(By::Css(".composer textarea"), ENTER).await?;
        coach
            .find(By::Css(".message.mine[data-status=sent] .body strong"))
            .await?;

        h.sign_in(&phone, "lena@client.example", "client password").await?;
        phone.click(By::Css(".conversation-list .row")).await?;
        phone
            .until(
                "the bold part on the phone",
                "return [...document.querySelectorAll('.message .body strong')].some(s => s.textContent === '5x5')",
            )
            .await?;
        let link = phone
            .js(
                "const a = document.querySelector('.message .body a'); return a && [a.getAttribute('href'), a.getAttribute('target'), a.getAttribute('rel'), a.textContent]",
                vec![],
            )
            .await?;
        ensure!(
            link == json!(["https://example.com/squat", "_blank", "noopener noreferrer nofollow", "watch this"]),
            "the link: {link}"
        );
        let items = phone
            .js("return document.querySelectorAll('.message .body ul li').length", vec![])
            .await?;
        ensure!(items == json!(2), "list items: {items}");
        phone.screenshot(&output_dir().join("18-formatted-on-phone.png")).await?;
        Ok(())
    }
    .await;
    finish(&coach, "18-formatting", outcome).await?;
    finish(&phone, "18-formatting-phone", Ok(())).await
}

/// The XSS suite's payloads: markup, script URLs in every casing and encoding, event
/// attributes, SVG, unicode tricks and broken markup, each inside the chat grammar's own
/// constructs too (a link's target, a link's text, code, bold).
fn xss_payloads() -> Vec<String> {
    let base = [
        "<script>alert(1)</script>",
        "<SCRIPT SRC=//x.example/x.js></SCRIPT>",
        "<img src=x onerror=alert(1)>",
        "<svg onload=alert(1)>",
        "<svg><script>alert(1)</script></svg>",
        "<iframe src=javascript:alert(1)>",
        "<a href=\"javascript:alert(1)\">x</a>",
        "<body onload=alert(1)>",
        "<div style=\"background:url(javascript:alert(1))\">",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        "\"><img src=x onerror=alert(1)>",
        "'--><script>alert(1)</script>",
        "<details open ontoggle=alert(1)>",
        "<object data=javascript:alert(1)>",
        "<embed src=javascript:alert(1)>",
        "<form action=javascript:alert(1)><input type=submit>",
        "<input autofocus onfocus=alert(1)>",
        "<video><source onerror=alert(1)>",
        "<marquee onstart=alert(1)>",
        "<meta http-equiv=refresh content=\"0;url=javascript:alert(1)\">",
        "\u{202e}<script>alert(1)</script>",
        "<scr\u{200b}ipt>alert(1)</scr\u{200b}ipt>",
        "＜script＞alert(1)＜/script＞",
        "<<script>script>alert(1)<</script>/script>",
        "<img src=\"x\" onerror=\"&#97;lert(1)\">",
    ];
    let schemes = [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "java&#x09;script:alert(1)",
        "&#106;avascript:alert(1)",
        "javascript&colon;alert(1)",
        "%6Aavascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "DATA:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "vbscript:msgbox(1)",
        "VBScript:msgbox(1)",
        "file:///etc/passwd",
        "//evil.example/x",
        "https://ok.example/\"onmouseover=\"alert(1)",
        "https://ok.example/<script>",
        "mailto:x@y.example?body=<script>alert(1)</script>",
    ];
    let mut payloads: Vec<String> = base.iter().map(|p| p.to_string()).collect();
    for scheme in schemes {
        payloads.push(format!("[click me]({scheme})"));
        payloads.push(format!("[{scheme}](https://ok.example)"));
        payloads.push(scheme.to_owned());
    }
    for p in base.iter().take(12) {
        payloads.push(format!("**{p}**"));
        payloads.push(format!("`{p}`"));
        payloads.push(format!("```\n{p}\n```"));
        payloads.push(format!("[{p}](https://ok.example)"));
    }
    payloads
}

/// 19. The XSS suite: every payload sent as a message (in a few messages, so one page holds
/// them all) and rendered on the client's phone: no dialog, no script, no policy violation, no
/// event attribute, no element the grammar does not make, and every link http, https or mailto.
#[tokio::test(flavor = "multi_thread")]
async fn no_message_runs_script_or_carries_a_dangerous_url() -> Result<()> {
    let payloads = xss_payloads();
    assert!(payloads.len() >= 100, "only {} payloads", payloads.len());
    let h = Harness::start().await?;
    let coach = h.coach().await?;
    let (conversation, _) = h
        .client(
            &coach,
            "Xavi Sorel",
            "xavi@client.example",
            "two_way",
            "client password",
        )
        .await?;
    for chunk in payloads.chunks(8) {
        let (status, body) = h.send(&coach, &conversation, &chunk.join("\n\n")).await?;
        ensure!(status == 201, "send: {status} {body}");
    }
    let b = h.phone().await?;
    let outcome = async {
        b.cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": "window.__dialogs = []; for (const f of ['alert', 'confirm', 'prompt', 'print']) { window[f] = (...a) => { window.__dialogs.push(f + ' ' + a.join(' ')); }; } window.__violations = []; document.addEventListener('securitypolicyviolation', e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));" }),
        )
        .await?;
        h.sign_in(&b, "xavi@client.example", "client password").await?;
        b.click(By::Css(".conversation-list .row")).await?;
        b.until(
            "every message rendered",
            &format!("return document.querySelectorAll('.message .body').length >= {}", payloads.len().div_ceil(8)),
        )
        .await?;
        // Give anything that would run a moment to do so, and hover every element.
        b.js(
            "for (const e of document.querySelectorAll('.messages *')) { e.dispatchEvent(new MouseEvent('mouseover', {bubbles: true})); e.dispatchEvent(new Event('focus')); }",
            vec![],
        )
        .await?;
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        let found = b
            .js(
                r#"
                const allowed = new Set(['P','BR','STRONG','EM','S','CODE','PRE','A','UL','OL','LI','BLOCKQUOTE','SPAN']);
                const problems = [];
                for (const body of document.querySelectorAll('.message .body')) {
                  for (const e of body.querySelectorAll('*')) {
                    if (!allowed.has(e.tagName)) problems.push('element ' + e.tagName);
                    for (const a of e.attributes) {
                      if (a.name.startsWith('on')) problems.push('attribute ' + a.name);
                      if (!['href','target','rel','class','start'].includes(a.name)) problems.push('attribute ' + a.name);
                    }
                    if (e.tagName === 'A' && !/^(https?:\/\/|mailto:)/i.test(e.getAttribute('href'))) problems.push('href ' + e.getAttribute('href'));
                  }
                }
                for (const e of document.querySelectorAll('script, iframe, object, embed, svg, img, video, form, input, meta[http-equiv]')) {
                  if (e.closest('.messages')) problems.push('in the thread: ' + e.tagName);
                }
                return { problems, dialogs: window.__dialogs, violations: window.__violations };
                "#,
                vec![],
            )
            .await?;
        b.screenshot(&output_dir().join("19-xss-suite.png")).await?;
        ensure!(
            found == json!({ "problems": [], "dialogs": [], "violations": [] }),
            "{found}"
        );
        // The payloads show as the text they are.
        let shown = b
            .js("return document.querySelector('.messages').innerText.includes('<script>alert(1)</script>')", vec![])
            .await?;
        ensure!(shown == json!(true), "the payloads are not shown as text");
        Ok(())
    }
    .await;
    finish(&b, "19-xss-suite", outcome).await
}

/// 20. The coach edits a message and then deletes it from its menu; the client's phone shows
/// the new words marked "edited" (with the history on a tap), then the tombstone, live.
#[tokio::test(flavor = "multi_thread")]
async fn an_edit_and_a_delete_show_live_on_the_other_side() -> Result<()> {
    let h = Harness::start().await?;
    let coach_token = h.coach().await?;
    let (conversation, _) = h
        .client(
            &coach_token,
            "Tomas Berg",
            "tomas@client.example",
            "two_way",
            "client password",
        )
        .await?;
    let (status, _) = h
        .send(&coach_token, &conversation, "Bench 3x5 at 60 kg")
        .await?;
    ensure!(status == 201, "send: {status}");
    let coach = h.driver.session(1280, 800).await?;
    let phone = h.phone().await?;
    let outcome = async {
        h.sign_in(&phone, "tomas@client.example", "client password").await?;
        phone.click(By::Css(".conversation-list .row")).await?;
        phone.find_text(By::Css(".message .body"), "Bench 3x5").await?;

        h.sign_in(&coach, "casey@peak.example", "coach password").await?;
        coach.click(By::Css(".conversation-list .row")).await?;
        coach.click(By::Css(".message.mine .body")).await?;
        coach.click(By::XPath(&button("Edit"))).await?;
        coach
            .js(
                "const t = document.querySelector('textarea.edit'); t.value = 'Bench 3x5 at **65 kg**'; t.dispatchEvent(new InputEvent('input', {bubbles: true}));",
                vec![],
            )
            .await?;
        coach.click(By::XPath(&button("Save"))).await?;
        phone
            .until(
                "the edit on the phone, marked edited",
                "const m = document.querySelector('.message'); return !!m && m.querySelector('.body strong')?.textContent === '65 kg' && !!m.querySelector('.edited')",
            )
            .await?;
        phone.click(By::Css(".message .edited")).await?;
        phone
            .until(
                "both versions in the history",
                "const v = document.querySelectorAll('.message .versions li'); return v.length === 2 && v[0].textContent.includes('60 kg')",
            )
            .await?;
        phone.screenshot(&output_dir().join("20-edited-on-phone.png")).await?;

        coach.js("window.confirm = () => true;", vec![]).await?;
        coach.click(By::Css(".message.mine .body")).await?;
        coach.click(By::XPath(&button("Delete"))).await?;
        phone
            .until(
                "the tombstone on the phone",
                "const m = document.querySelector('.message'); return !!m && m.classList.contains('deleted') && m.innerText.includes('Message deleted') && !m.innerText.includes('kg')",
            )
            .await?;
        coach
            .find_text(By::Css(".message.deleted"), "Message deleted")
            .await?;
        Ok(())
    }
    .await;
    finish(&coach, "20-edit-delete", outcome).await?;
    finish(&phone, "20-edit-delete-phone", Ok(())).await
}

/// 21. A reply quotes what it answers; tapping the quote of a message three pages up loads the
/// pages between and shows it. The client answers from a message's menu, and the quote shows.
#[tokio::test(flavor = "multi_thread")]
async fn a_reply_quotes_and_jumps_to_a_message_pages_up() -> Result<()> {
    let h = Harness::start().await?;
    let coach = h.coach().await?;
    let (conversation, _) = h
        .client(
            &coach,
            "Ada Moss",
            "ada@client.example",
            "two_way",
            "client password",
        )
        .await?;
    let mut first = String::new();
    for n in 1..=160 {
        let (status, body) = h
            .send(&coach, &conversation, &format!("Plan note {n:03}"))
            .await?;
        ensure!(status == 201, "send: {status}");
        if n == 1 {
            first = body["id"].as_str().context("id")?.to_owned();
        }
    }
    let (status, body) = h
        .api(
            reqwest::Method::POST,
            &format!("/api/conversations/{conversation}/messages"),
            Some(&coach),
            Some(json!({ "client_message_id": "reply-1", "body": "About the first note: rest more", "reply_to": first })),
        )
        .await?;
    ensure!(status == 201, "reply: {status} {body}");
    let b = h.phone().await?;
    let outcome = async {
        h.sign_in(&b, "ada@client.example", "client password").await?;
        b.click(By::Css(".conversation-list .row")).await?;
        b.find_text(By::Css(".message .body"), "About the first note").await?;
        ensure!(
            b.js(&format!("return !document.getElementById('m-{first}')"), vec![]).await? == json!(true),
            "the first note is loaded already"
        );
        b.click(By::Css(".message .quote")).await?;
        b.until(
            "the first note loaded and on screen",
            &format!("const e = document.getElementById('m-{first}'); if (!e) return false; const r = e.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight && e.innerText.includes('Plan note 001')"),
        )
        .await?;
        b.screenshot(&output_dir().join("21-jumped-to-quote.png")).await?;

        // The client answers the reply from its menu.
        b.click(By::XPath("//li[contains(@class,'message')][.//*[contains(text(),'About the first note')]]//div[contains(@class,'body')]"))
            .await?;
        b.click(By::XPath(&button("Reply"))).await?;
        b.find_text(By::Css(".composer-area .replying"), "About the first note").await?;
        b.type_into(By::Css(".composer textarea"), &format!("Will do{ENTER}")).await?;
        b.until(
            "the answer quotes the coach",
            "return [...document.querySelectorAll('.message.mine[data-status=sent]')].some(m => m.querySelector('.quote')?.innerText.includes('Casey Coach') && m.innerText.includes('Will do'))",
        )
        .await?;
        ensure!(
            b.find_all(By::Css(".composer-area .replying")).await?.is_empty(),
            "the reply bar stays after sending"
        );
        Ok(())
    }
    .await;
    finish(&b, "21-reply", outcome).await
}

/// 22. The coach mentions the client through the composer's autocomplete (typed `@To`, picked
/// with Enter): the message carries the client's id and shows their name on both sides. Its
/// receipt reads "Sent" while the client is away, "Delivered" once the client's phone has it
/// (the app open on another screen), and "Read" when they open the conversation, live.
#[tokio::test(flavor = "multi_thread")]
async fn a_mention_from_the_autocomplete_and_receipts_that_turn_to_read() -> Result<()> {
    let h = Harness::start().await?;
    let coach_token = h.coach().await?;
    let (conversation, client_token) = h
        .client(
            &coach_token,
            "Tomas Berg",
            "tomas@client.example",
            "two_way",
            "client password",
        )
        .await?;
    let (_, me) = h
        .api(reqwest::Method::GET, "/api/me", Some(&client_token), None)
        .await?;
    let client_id = me["id"].as_str().context("client id")?.to_owned();
    let coach = h.driver.session(1280, 800).await?;
    let phone = h.phone().await?;
    let receipt_of = |text: &str| {
        format!(
            "const m = [...document.querySelectorAll('.message.mine[data-status=sent]')].find(m => m.innerText.includes('{text}')); return m ? m.querySelector('[data-receipt]')?.dataset.receipt : null"
        )
    };
    let outcome = async {
        h.sign_in(&coach, "casey@peak.example", "coach password").await?;
        coach.goto(&h.url(&format!("/inbox/{conversation}"))).await?;
        coach.type_into(By::Css(".composer textarea"), "Great work @To").await?;
        coach.find_text(By::Css(".mentions li[aria-selected=true]"), "Tomas Berg").await?;
        coach.screenshot(&output_dir().join("22-mention-autocomplete.png")).await?;
        coach.type_into(By::Css(".composer textarea"), ENTER).await?;
        let draft = coach
            .js("return document.querySelector('.composer textarea').value", vec![])
            .await?;
        ensure!(draft == json!("Great work @Tomas Berg "), "the draft after picking: {draft}");
        coach
            .type_into(By::Css(".composer textarea"), &format!("see you Friday{ENTER}"))
            .await?;
        coach.find_text(By::Css(".message.mine[data-status=sent] .mention"), "Tomas Berg").await?;
        let (_, page) = h
            .api(
                reqwest::Method::GET,
                &format!("/api/conversations/{conversation}/messages"),
                Some(&coach_token),
                None,
            )
            .await?;
        let newest = &page["items"][0];
        ensure!(
            newest["body"] == json!(format!("Great work <@{client_id}> see you Friday"))
                && newest["mentions"] == json!([client_id]),
            "stored as the client's id: {newest}"
        );
        let sent = coach.js(&receipt_of("see you Friday"), vec![]).await?;
        ensure!(sent == json!("Sent"), "while the client is away: {sent}");

        // The client's phone is on, on its conversation list: a new message reaches it.
        h.sign_in(&phone, "tomas@client.example", "client password").await?;
        phone.find(By::Css(".conversation-list .row")).await?;
        let (status, _) = h.send(&coach_token, &conversation, "Stretch tonight").await?;
        ensure!(status == 201, "send: {status}");
        coach
            .until(
                "delivered to the phone",
                &format!("const r = (() => {{ {} }})(); return r === 'Delivered'", receipt_of("Stretch tonight")),
            )
            .await?;

        // The client opens the conversation: read, both messages, live on the coach's screen.
        phone.click(By::Css(".conversation-list .row")).await?;
        phone.find_text(By::Css(".message .mention"), "Tomas Berg").await?;
        coach
            .until(
                "read",
                &format!(
                    "const a = (() => {{ {} }})(); const b = (() => {{ {} }})(); return a === 'Read' && b === 'Read'",
                    receipt_of("Stretch tonight"),
                    receipt_of("see you Friday")
                ),
            )
            .await?;
        coach.screenshot(&output_dir().join("22-read-receipts.png")).await?;
        // After a reload the receipts are still there (read from the server).
        coach.goto(&h.url(&format!("/inbox/{conversation}"))).await?;
        coach
            .until(
                "read after a reload",
                &format!("const r = (() => {{ {} }})(); return r === 'Read'", receipt_of("Stretch tonight")),
            )
            .await?;
        Ok(())
    }
    .await;
    let phone_shot = phone
        .screenshot(&output_dir().join("22-phone-mention.png"))
        .await;
    phone_shot?;
    finish(&coach, "22-mention-and-receipts", outcome).await
}

/// 23. A coach saves a message with placeholders on the Saved messages page, then types `/che`
/// in a client's conversation, picks it with Enter and sends it: the client's first name and
/// the coach's name are filled in.
#[tokio::test(flavor = "multi_thread")]
async fn a_saved_message_is_inserted_with_a_slash_and_its_placeholders_filled() -> Result<()> {
    let h = Harness::start().await?;
    let coach_token = h.coach().await?;
    let (conversation, _) = h
        .client(
            &coach_token,
            "Tomas Berg",
            "tomas@client.example",
            "two_way",
            "client password",
        )
        .await?;
    let coach = h.driver.session(1280, 800).await?;
    let outcome = async {
        h.sign_in(&coach, "casey@peak.example", "coach password")
            .await?;
        coach.click(By::Css(".tabs a[href$='/templates']")).await?;
        coach
            .type_into(By::XPath(&field("Name")), "Check-in")
            .await?;
        coach
            .type_into(
                By::XPath(&field("Message")),
                "Hi {client_first_name}, how was the week? ",
            )
            .await?;
        coach.click(By::XPath(&button("{coach_name}"))).await?;
        coach.click(By::XPath(&button("Save message"))).await?;
        coach
            .find_text(By::Css(".template-list .template"), "Check-in")
            .await?;
        coach
            .screenshot(&output_dir().join("23-saved-messages.png"))
            .await?;

        coach
            .goto(&h.url(&format!("/inbox/{conversation}")))
            .await?;
        coach
            .type_into(By::Css(".composer textarea"), "/che")
            .await?;
        coach
            .find_text(
                By::Css(".mentions[aria-label='Saved messages'] li[aria-selected=true]"),
                "Check-in",
            )
            .await?;
        coach.screenshot(&output_dir().join("23-slash.png")).await?;
        coach
            .type_into(By::Css(".composer textarea"), ENTER)
            .await?;
        let draft = coach
            .js(
                "return document.querySelector('.composer textarea').value",
                vec![],
            )
            .await?;
        ensure!(
            draft == json!("Hi Tomas, how was the week? Casey Coach"),
            "the draft after picking: {draft}"
        );
        coach
            .type_into(By::Css(".composer textarea"), ENTER)
            .await?;
        coach
            .find_text(
                By::Css(".message.mine[data-status=sent] .body"),
                "Hi Tomas, how was the week? Casey Coach",
            )
            .await?;
        Ok(())
    }
    .await;
    finish(&coach, "23-saved-message", outcome).await
}

/// Records every violation of the content security policy in each page `b` opens from now on
/// (`window.__violations`).
async fn watch_policy(b: &Browser) -> Result<()> {
    b.cdp(
        "Page.addScriptToEvaluateOnNewDocument",
        json!({ "source": "window.__violations = []; document.addEventListener('securitypolicyviolation', e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));" }),
    )
    .await?;
    Ok(())
}

/// Fails if the page `b` shows violated the content security policy.
async fn no_violation(b: &Browser) -> Result<()> {
    let violations = b.js("return window.__violations", vec![]).await?;
    ensure!(violations == json!([]), "policy violations: {violations}");
    Ok(())
}

/// Makes a file in the page (a PNG drawn on a canvas, or a small PDF) and drops it on `target`,
/// or gives it to the file input `target`, as a person would.
const GIVE_FILE: &str = r#"
  const [kind, target, how, done] = arguments;
  (async () => {
    let file;
    if (kind === 'png') {
      const c = document.createElement('canvas');
      c.width = 640; c.height = 480;
      const g = c.getContext('2d');
      g.fillStyle = '#0f7b6c'; g.fillRect(0, 0, 640, 480);
      g.fillStyle = '#ffd166'; g.beginPath(); g.arc(320, 240, 150, 0, 2 * Math.PI); g.fill();
      const blob = await new Promise((r) => c.toBlob(r, 'image/png'));
      file = new File([blob], 'squat-form.png', { type: 'image/png' });
    } else {
      file = new File(['%PDF-1.4\n% a training plan\n'], 'week-3-plan.pdf', { type: 'application/pdf' });
    }
    const dt = new DataTransfer();
    dt.items.add(file);
    const el = document.querySelector(target);
    if (how === 'drop') {
      el.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      el.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    } else {
      el.files = dt.files;
      el.dispatchEvent(new Event('change', { bubbles: true }));
    }
    done(true);
  })().catch((e) => done(String(e)));
"#;

/// 24. A coach drops a photo on the conversation and picks a PDF with the attach button; both
/// upload (progress, then ready), go with a caption, and show on the client's phone: the
/// photo's thumbnail, the lightbox at full size (closed with Escape), the PDF as a card.
#[tokio::test(flavor = "multi_thread")]
async fn a_photo_dropped_on_the_thread_shows_on_the_phone_and_opens_in_the_lightbox() -> Result<()>
{
    let h = Harness::start().await?;
    let coach_token = h.coach().await?;
    let (conversation, _) = h
        .client(
            &coach_token,
            "Tomas Berg",
            "tomas@client.example",
            "two_way",
            "client password",
        )
        .await?;
    let coach = h.driver.session(1280, 800).await?;
    let phone = h.phone().await?;
    let outcome = async {
        watch_policy(&coach).await?;
        watch_policy(&phone).await?;
        h.sign_in(&coach, "casey@peak.example", "coach password")
            .await?;
        coach
            .goto(&h.url(&format!("/inbox/{conversation}")))
            .await?;
        coach.find(By::Css(".composer textarea")).await?;
        let dropped = coach
            .js_async(GIVE_FILE, vec![json!("png"), json!(".conversation"), json!("drop")])
            .await?;
        ensure!(dropped == json!(true), "drop: {dropped}");
        let picked = coach
            .js_async(
                GIVE_FILE,
                vec![json!("pdf"), json!(".composer input[type=file]"), json!("input")],
            )
            .await?;
        ensure!(picked == json!(true), "pick: {picked}");
        // Both uploaded: their sizes show instead of progress bars.
        coach
            .until(
                "both files uploaded",
                "return document.querySelectorAll('.pending-file .muted').length === 2",
            )
            .await?;
        coach
            .find_text(By::Css(".pending-file .file-name"), "week-3-plan.pdf")
            .await?;
        coach
            .screenshot(&output_dir().join("24-files-ready.png"))
            .await?;
        coach
            .type_into(By::Css(".composer textarea"), "Form check from today")
            .await?;
        coach
            .type_into(By::Css(".composer textarea"), ENTER)
            .await?;
        coach
            .find_text(
                By::Css(".message.mine[data-status=sent] .body"),
                "Form check from today",
            )
            .await?;
        coach
            .until(
                "the tray empties and the thumbnail shows",
                "return !document.querySelector('.pending-file') && \
                 [...document.querySelectorAll('.message.mine .attachments .photo img')].some((i) => i.complete && i.naturalWidth > 0)",
            )
            .await?;

        h.sign_in(&phone, "tomas@client.example", "client password")
            .await?;
        phone
            .goto(&h.url(&format!("/c/inbox/{conversation}")))
            .await?;
        phone
            .until(
                "the photo's thumbnail on the phone",
                "const i = document.querySelector('.attachments .photo img'); \
                 return !!i && i.complete && i.naturalWidth > 0 && i.naturalWidth <= 480",
            )
            .await?;
        phone
            .find_text(By::Css(".attachments .file .label"), "week-3-plan.pdf")
            .await?;
        let problems = layout_problems(&phone).await?;
        ensure!(problems.is_empty(), "layout: {problems:?}");
        phone
            .screenshot(&output_dir().join("24-phone-thread.png"))
            .await?;
        phone.click(By::Css(".attachments .photo")).await?;
        phone
            .until(
                "the photo at full size in the lightbox",
                "const i = document.querySelector('.lightbox .lightbox-stage img'); \
                 return !!i && i.complete && i.naturalWidth === 640",
            )
            .await?;
        phone
            .screenshot(&output_dir().join("24-phone-lightbox.png"))
            .await?;
        phone
            .js(
                "document.querySelector('.lightbox').dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }))",
                vec![],
            )
            .await?;
        phone.gone(By::Css(".lightbox")).await?;
        no_violation(&coach).await?;
        no_violation(&phone).await?;
        Ok(())
    }
    .await;
    finish(&phone, "24-media-phone", outcome).await
}

/// 25. A coach records a voice note (the browser's fake microphone: a tone), adds it and sends
/// it; on the client's phone it shows with its waveform and plays, the waveform filling; the
/// client answers with a note recorded by holding the button, which the coach receives.
#[tokio::test(flavor = "multi_thread")]
async fn a_voice_note_recorded_in_the_composer_plays_on_the_phone() -> Result<()> {
    let h = Harness::start().await?;
    let coach_token = h.coach().await?;
    let (conversation, _) = h
        .client(
            &coach_token,
            "Tomas Berg",
            "tomas@client.example",
            "two_way",
            "client password",
        )
        .await?;
    let coach = h.driver.session(1280, 800).await?;
    let phone = h.phone().await?;
    let outcome = async {
        watch_policy(&coach).await?;
        watch_policy(&phone).await?;
        h.sign_in(&coach, "casey@peak.example", "coach password")
            .await?;
        coach
            .goto(&h.url(&format!("/inbox/{conversation}")))
            .await?;
        coach.click(By::Css(".composer .mic")).await?;
        coach
            .find_text(By::Css(".pending-file.recording .file-name"), "Recording")
            .await?;
        tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
        coach
            .screenshot(&output_dir().join("25-recording.png"))
            .await?;
        coach
            .click(By::Css(".pending-file.recording [data-act=keep]"))
            .await?;

        coach
            .until(
                "the voice note uploaded",
                "return !document.querySelector('.recording') && document.querySelectorAll('.pending-file .muted').length === 1",
            )
            .await?;
        coach
            .type_into(By::Css(".composer textarea"), ENTER)
            .await?;
        coach
            .until(
                "the voice note sent",
                "return !!document.querySelector('.message.mine[data-status=sent] .attachments .voice')",
            )
            .await?;

        h.sign_in(&phone, "tomas@client.example", "client password")
            .await?;
        phone
            .goto(&h.url(&format!("/c/inbox/{conversation}")))
            .await?;

        // Its length and a waveform drawn from the recording (not an even line).
        let shape = phone
            .until(
                "the voice note's waveform",
                "const bars = [...document.querySelectorAll('.attachments .voice .waveform span')]; \
                 if (bars.length < 8) return false; \
                 const heights = new Set(bars.map((b) => b.style.height)); \
                 return heights.size > 1 && document.querySelector('.attachments .voice .label').textContent",
            )
            .await?;
        ensure!(
            shape.as_str().is_some_and(|l| l.starts_with("0:0")),
            "the length shown: {shape}"
        );
        phone
            .screenshot(&output_dir().join("25-phone-voice.png"))
            .await?;
        phone.click(By::Css(".attachments .voice")).await?;
        phone
            .until(
                "the voice note playing, its waveform filling",
                "return !!document.querySelector('.attachments .voice.playing .waveform span.played')",
            )
            .await?;

        // The client answers by holding the button down and letting go: the note joins the
        // draft at once (real pointer events, through the browser's input).
        let mic = phone
            .js(
                "const r = document.querySelector('.composer .mic').getBoundingClientRect(); \
                 return [r.x + r.width / 2, r.y + r.height / 2]",
                vec![],
            )
            .await?;
        let (x, y) = (mic[0].as_f64().unwrap_or(0.0), mic[1].as_f64().unwrap_or(0.0));
        let mouse = |kind: &str| {
            json!({ "type": kind, "x": x, "y": y, "button": "left", "buttons": 1, "clickCount": 1 })
        };
        phone
            .cdp("Input.dispatchMouseEvent", mouse("mousePressed"))
            .await?;
        phone
            .find_text(By::Css(".pending-file.recording .file-name"), "Recording")
            .await?;
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        phone
            .cdp("Input.dispatchMouseEvent", mouse("mouseReleased"))
            .await?;
        phone
            .until(
                "the held note kept on letting go, and uploaded",
                "return !document.querySelector('.recording') && document.querySelectorAll('.pending-file .muted').length === 1",
            )
            .await?;
        phone
            .type_into(By::Css(".composer textarea"), ENTER)
            .await?;
        coach
            .until(
                "the client's voice note on the coach's side",
                "return !!document.querySelector('.message:not(.mine) .attachments .voice')",
            )
            .await?;
        no_violation(&coach).await?;
        no_violation(&phone).await?;
        Ok(())
    }
    .await;
    finish(&phone, "25-voice-phone", outcome).await
}

/// 26. The emoji picker: found by name in the composer (the pick goes where the caret is),
/// and for a reaction on the client's phone, in the skin tone chosen; recently used first
/// the next time.
#[tokio::test(flavor = "multi_thread")]
async fn an_emoji_found_by_name_in_the_composer_and_for_a_reaction() -> Result<()> {
    let h = Harness::start().await?;
    let coach_token = h.coach().await?;
    let (conversation, _) = h
        .client(
            &coach_token,
            "Tomas Berg",
            "tomas@client.example",
            "two_way",
            "client password",
        )
        .await?;
    let phone = h.phone().await?;
    let outcome = async {
        watch_policy(&phone).await?;
        h.sign_in(&phone, "tomas@client.example", "client password")
            .await?;
        phone
            .goto(&h.url(&format!("/c/inbox/{conversation}")))
            .await?;
        phone
            .type_into(By::Css(".composer textarea"), "Leg day ")
            .await?;
        phone.click(By::Css(".toolbar [aria-label=Emoji]")).await?;
        phone
            .type_into(By::Css(".emoji-picker input[type=search]"), "flexed")
            .await?;
        phone
            .find(By::Css(".emoji-grid button[aria-label='flexed biceps']"))
            .await?;
        phone
            .screenshot(&output_dir().join("26-emoji-search.png"))
            .await?;
        phone
            .click(By::Css(".emoji-grid button[aria-label='flexed biceps']"))
            .await?;
        phone.gone(By::Css(".emoji-picker")).await?;
        let draft = phone
            .js(
                "return document.querySelector('.composer textarea').value",
                vec![],
            )
            .await?;
        ensure!(draft == json!("Leg day 💪"), "the draft: {draft}");
        phone
            .type_into(By::Css(".composer textarea"), ENTER)
            .await?;
        phone
            .find_text(By::Css(".message.mine[data-status=sent] .body"), "Leg day 💪")
            .await?;

        // A reaction from the picker, in a skin tone: the recent one shows first next time.
        phone.click(By::Css(".message.mine .body")).await?;
        phone.click(By::Css(".palette .more")).await?;
        phone
            .click(By::Css(".emoji-tones [aria-label=Medium-dark]"))
            .await?;
        phone
            .type_into(By::Css(".emoji-picker input[type=search]"), "thumbs up")
            .await?;
        phone
            .click(By::Css(".emoji-grid button[aria-label='thumbs up']"))
            .await?;
        phone
            .find_text(By::Css(".reactions .chip, .reactions button"), "👍🏾 1")
            .await?;
        phone.click(By::Css(".message.mine .body")).await?;
        phone.click(By::Css(".palette .more")).await?;
        phone
            .find(By::Css(".emoji-tabs [aria-label='Recently used'][aria-selected=true]"))
            .await?;
        let recent = phone
            .js(
                "return [...document.querySelectorAll('.emoji-grid button')].map((b) => b.textContent)",
                vec![],
            )
            .await?;
        ensure!(recent == json!(["👍🏾", "💪"]), "recently used: {recent}");
        phone
            .screenshot(&output_dir().join("26-emoji-recent.png"))
            .await?;
        no_violation(&phone).await?;
        Ok(())
    }
    .await;
    finish(&phone, "26-emoji", outcome).await
}

/// 27. A coach uploads a photo to the Vault into a folder, finds it there (its thumbnail), then
/// sends it to a client from the composer's "From the Vault" by searching its name; the photo
/// shows on the client's phone.
#[tokio::test(flavor = "multi_thread")]
async fn a_photo_from_the_vault_is_sent_from_the_composer() -> Result<()> {
    let h = Harness::start().await?;
    let coach_token = h.coach().await?;
    let (conversation, _) = h
        .client(
            &coach_token,
            "Ines Park",
            "ines@client.example",
            "two_way",
            "client password",
        )
        .await?;
    let coach = h.driver.session(1280, 800).await?;
    let phone = h.phone().await?;
    let outcome = async {
        watch_policy(&coach).await?;
        h.sign_in(&coach, "casey@peak.example", "coach password")
            .await?;
        coach.goto(&h.url("/vault")).await?;
        coach.find_text(By::Css(".vault h1"), "Vault").await?;
        let picked = coach
            .js_async(
                GIVE_FILE,
                vec![json!("png"), json!(".vault input[type=file]"), json!("input")],
            )
            .await?;
        ensure!(picked == json!(true), "pick: {picked}");
        coach
            .until(
                "the file uploaded",
                "return !!document.querySelector('.vault .pending-file .muted')",
            )
            .await?;
        coach
            .type_into(By::Css(".vault-add input"), "Form checks")
            .await?;
        coach.click(By::Css(".vault-add button")).await?;
        coach
            .until(
                "the photo in the Vault, its thumbnail painted",
                "const i = document.querySelector('.vault-item .photo img'); \
                 return !!i && i.complete && i.naturalWidth > 0",
            )
            .await?;
        coach
            .find_text(By::Css(".vault-item .muted"), "Form checks")
            .await?;
        coach
            .find_text(By::Css(".vault .chips .chip"), "Form checks")
            .await?;
        coach
            .screenshot(&output_dir().join("27-vault-page.png"))
            .await?;

        coach
            .goto(&h.url(&format!("/inbox/{conversation}")))
            .await?;
        coach.click(By::Css(".composer .vault-tool")).await?;
        coach
            .type_into(By::Css(".vault-picker input[type=search]"), "squat")
            .await?;
        coach
            .find_text(By::Css(".vault-picker li .file-name"), "squat-form.png")
            .await?;
        coach
            .screenshot(&output_dir().join("27-vault-picker.png"))
            .await?;
        coach.click(By::Css(".vault-picker li button")).await?;
        coach.gone(By::Css(".vault-picker")).await?;
        coach
            .find_text(By::Css(".pending-file .file-name"), "squat-form.png")
            .await?;
        coach
            .type_into(By::Css(".composer textarea"), "Your form from last week")
            .await?;
        coach
            .type_into(By::Css(".composer textarea"), ENTER)
            .await?;
        coach
            .until(
                "sent, and its thumbnail shows",
                "return !document.querySelector('.pending-file') && \
                 [...document.querySelectorAll('.message.mine[data-status=sent] .attachments .photo img')].some((i) => i.complete && i.naturalWidth > 0)",
            )
            .await?;

        h.sign_in(&phone, "ines@client.example", "client password")
            .await?;
        phone
            .goto(&h.url(&format!("/c/inbox/{conversation}")))
            .await?;
        phone
            .until(
                "the Vault's photo on the phone",
                "const i = document.querySelector('.attachments .photo img'); \
                 return !!i && i.complete && i.naturalWidth > 0",
            )
            .await?;
        phone
            .screenshot(&output_dir().join("27-phone.png"))
            .await?;
        no_violation(&coach).await?;
        Ok(())
    }
    .await;
    finish(&coach, "27-vault", outcome).await
}

/// 28. A coach schedules a message for later in a conversation, sees it waiting, then sends it
/// now: it arrives on the client's phone once.
#[tokio::test(flavor = "multi_thread")]
async fn a_message_scheduled_for_later_is_sent_now_and_reaches_the_phone() -> Result<()> {
    let h = Harness::start().await?;
    let coach_token = h.coach().await?;
    let (conversation, _) = h
        .client(
            &coach_token,
            "Noor Haddad",
            "noor@client.example",
            "two_way",
            "client password",
        )
        .await?;
    let coach = h.driver.session(1280, 800).await?;
    let phone = h.phone().await?;
    let outcome = async {
        watch_policy(&coach).await?;
        h.sign_in(&coach, "casey@peak.example", "coach password")
            .await?;
        coach
            .goto(&h.url(&format!("/inbox/{conversation}")))
            .await?;
        coach.click(By::Css(".scheduled-toggle")).await?;
        coach
            .type_into(By::Css(".schedule-form textarea"), "Tomorrow: legs, then mobility")
            .await?;
        // An hour from now on the browser's clock, as the picker writes it.
        coach
            .js(
                "const d = new Date(Date.now() + 3600e3); const p = (n) => String(n).padStart(2, '0'); \
                 const v = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`; \
                 const i = document.querySelector('.schedule-form input[type=datetime-local]'); \
                 i.value = v; i.dispatchEvent(new InputEvent('input', { bubbles: true }));",
                vec![],
            )
            .await?;
        coach.click(By::Css(".schedule-form button[type=submit]")).await?;
        coach
            .find_text(By::Css(".scheduled-list .words"), "Tomorrow: legs, then mobility")
            .await?;
        // Waiting an hour, by the viewer's clock.
        let (_, listed) = h
            .api(reqwest::Method::GET, "/api/scheduled", Some(&coach_token), None)
            .await?;
        let waits = listed[0]["send_at"].as_str().unwrap_or_default().to_owned();
        let shown = coach
            .js("return document.querySelector('.scheduled-list .when').textContent", vec![])
            .await?;
        ensure!(
            shown.as_str().is_some_and(|s| waits.get(11..16).is_some_and(|hm| s.ends_with(hm))),
            "shown {shown}, waits until {waits}"
        );
        ensure!(
            coach
                .js("return document.querySelectorAll('.message').length", vec![])
                .await?
                == json!(0),
            "nothing sent yet"
        );
        coach
            .find_text(By::Css(".scheduled-toggle"), "Scheduled (1)")
            .await?;
        coach
            .screenshot(&output_dir().join("28-scheduled-waiting.png"))
            .await?;
        coach.click(By::Css(".scheduled-list button.link")).await?;
        coach
            .find_text(
                By::Css(".message.mine .body"),
                "Tomorrow: legs, then mobility",
            )
            .await?;
        // Sent: it waits no longer.
        coach.gone(By::Css(".scheduled-list")).await?;
        coach
            .find_text(By::Css(".scheduled-toggle"), "Send later")
            .await?;

        h.sign_in(&phone, "noor@client.example", "client password")
            .await?;
        phone
            .goto(&h.url(&format!("/c/inbox/{conversation}")))
            .await?;
        phone
            .find_text(By::Css(".message .body"), "Tomorrow: legs, then mobility")
            .await?;
        let copies = phone
            .js(
                "return [...document.querySelectorAll('.message .body')].filter((b) => b.textContent.includes('legs, then mobility')).length",
                vec![],
            )
            .await?;
        ensure!(copies == json!(1), "sent once: {copies}");
        no_violation(&coach).await?;
        Ok(())
    }
    .await;
    finish(&coach, "28-scheduled", outcome).await
}

/// The coach, in the app on another page, sees the bell count a client's message, opens the
/// list and the conversation from it; the account page offers pushes on this device; a push
/// delivered to the staff app's service worker shows as a notification that opens the
/// conversation.
#[tokio::test]
async fn the_bell_counts_a_message_and_a_push_shows_a_notification() -> Result<()> {
    let h = Harness::start().await?;
    let coach_token = h.coach().await?;
    let (conversation, client_token) = h
        .client(
            &coach_token,
            "Noor Haddad",
            "noor@client.example",
            "two_way",
            "client password",
        )
        .await?;
    let coach = h.driver.session(1280, 800).await?;
    let outcome = async {
        watch_policy(&coach).await?;
        coach
            .cdp(
                "Browser.grantPermissions",
                json!({ "origin": h.base, "permissions": ["notifications"] }),
            )
            .await?;
        h.sign_in(&coach, "casey@peak.example", "coach password")
            .await?;
        coach.goto(&h.url("/clients")).await?;
        coach.find(By::Css(".notifications .bell-button")).await?;
        // In the app, on another page: the bell, no push.
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        let (status, _) = h
            .send(&client_token, &conversation, "Can we move Thursday to 6pm?")
            .await?;
        ensure!(status == 201, "sent: {status}");
        // Noor joined (her invite, accepted before), and her message.
        coach.find_text(By::Css(".notifications .badge"), "2").await?;
        coach.click(By::Css(".notifications .bell-button")).await?;
        coach
            .find_text(By::Css(".notifications .bell-item.unread strong"), "Noor Haddad")
            .await?;
        coach
            .find_text(By::Css(".notifications .bell-item"), "Can we move Thursday to 6pm?")
            .await?;
        coach
            .screenshot(&output_dir().join("29-bell-open.png"))
            .await?;
        coach
            .click(By::XPath(
                "//div[contains(@class, 'notifications')]//li[contains(@class, 'bell-item')][contains(., 'Thursday')]/button",
            ))
            .await?;
        coach
            .find_text(By::Css(".message .body"), "Can we move Thursday to 6pm?")
            .await?;
        ensure!(
            coach
                .url()
                .await?
                .ends_with(&format!("/inbox/{conversation}")),
            "opened the conversation"
        );
        coach.find_text(By::Css(".notifications .badge"), "1").await?;

        // A day without an answer (the scheduler run as if it had passed): the conversation
        // needs attention, and the coach is told; answering takes it out.
        let (status, ran) = h
            .api(
                reqwest::Method::POST,
                "/dev/scheduler/run",
                None,
                Some(json!({ "minutes": 1440 })),
            )
            .await?;
        ensure!(status == 200, "run: {status} {ran}");
        coach
            .find_text(By::Css(".needs-attention"), "Noor Haddad")
            .await?;
        coach.find_text(By::Css(".notifications .badge"), "2").await?;
        coach
            .screenshot(&output_dir().join("29-needs-attention.png"))
            .await?;
        coach
            .type_into(By::Css(".composer textarea"), "6pm works, see you then")
            .await?;
        coach.click(By::XPath(&button("Send"))).await?;
        coach
            .find_text(By::Css(".message.mine .body"), "6pm works, see you then")
            .await?;
        coach.gone(By::Css(".needs-attention")).await?;
        // Having answered, the coach waits for the client: pushes are offered (not before).
        coach
            .find_text(By::Css(".push-prompt"), "Know when a client answers")
            .await?;
        coach
            .screenshot(&output_dir().join("29-push-offer.png"))
            .await?;
        coach
            .click(By::XPath(
                "//div[contains(@class, 'push-prompt')]//button[normalize-space(.)='Not now']",
            ))
            .await?;
        coach.gone(By::Css(".push-prompt")).await?;

        // The account page: pushes on this device, emails, quiet hours.
        coach.goto(&h.url("/account")).await?;
        coach
            .find_text(By::Css(".notification-settings"), "Turn on here")
            .await?;
        coach
            .find_text(
                By::Css(".notification-settings"),
                "Email digest",
            )
            .await?;
        coach
            .click(By::XPath("//label[contains(., 'Quiet hours')]//input"))
            .await?;
        coach
            .find(By::Css(".notification-settings input[type=time]"))
            .await?;
        coach
            .screenshot(&output_dir().join("29-account-notifications.png"))
            .await?;
        let (_, saved) = h
            .api(
                reqwest::Method::GET,
                "/api/me/notifications",
                Some(&coach_token),
                None,
            )
            .await?;
        ensure!(
            saved["quiet_hours"] == json!({"from": "22:00", "to": "07:00"}),
            "quiet hours saved: {saved}"
        );

        // A push reaches the staff app's service worker: shown, one per conversation.
        coach
            .until(
                "the service worker runs",
                "return navigator.serviceWorker.controller !== null",
            )
            .await?;
        let payload = json!({"title": "Noor Haddad", "body": "Running 5 late",
                             "url": format!("/inbox/{conversation}"), "tag": conversation})
        .to_string();
        coach.cdp("ServiceWorker.enable", json!({})).await?;
        // The registration's id is only told in events this driver does not pass on: the
        // push goes to each id there is (a fresh profile has a few at most).
        let notifications = "return (async () => { const r = await navigator.serviceWorker.ready; \
             const n = await r.getNotifications(); \
             return n.map((x) => [x.title, x.body, x.tag, x.data.url]); })()";
        let mut shown = json!([]);
        for _attempt in 0..3 {
            for id in 0..4 {
                let _ = coach
                    .cdp(
                        "ServiceWorker.deliverPushMessage",
                        json!({ "origin": h.base, "registrationId": id.to_string(), "data": payload }),
                    )
                    .await;
            }
            for _ in 0..30 {
                shown = coach.js(notifications, vec![]).await?;
                if shown.as_array().is_some_and(|n| !n.is_empty()) {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            if shown.as_array().is_some_and(|n| !n.is_empty()) {
                break;
            }
        }
        ensure!(
            shown
                == json!([[
                    "Noor Haddad",
                    "Running 5 late",
                    conversation,
                    h.url(&format!("/inbox/{conversation}"))
                ]]),
            "shown: {shown}"
        );
        no_violation(&coach).await?;
        Ok(())
    }
    .await;
    finish(&coach, "29-bell", outcome).await
}

/// 30. The owner turns texting on in Settings and gets a number; from a client's card they
/// send a message as a text: the counter shows the switch to Unicode caused by a typographic
/// dash, one click makes it plain GSM-7, and the text leaves with its SMS mark. The client
/// replies from the phone simulator: the reply lands in the thread with the mark, and, left
/// unanswered, in "Needs attention".
#[tokio::test(flavor = "multi_thread")]
async fn a_text_sent_from_the_client_card_and_its_reply_from_the_phone() -> Result<()> {
    let h = Harness::start().await?;
    let coach_token = h.coach().await?;
    for (path, body) in [
        (
            "/api/business",
            json!({"country": "US", "address": {"line1": "1 Market St", "city": "San Francisco",
                   "region": "CA", "postal_code": "94105"}}),
        ),
        ("/api/settings", json!({"needs_attention_hours": 1})),
    ] {
        let (status, answer) = h
            .api(reqwest::Method::PATCH, path, Some(&coach_token), Some(body))
            .await?;
        ensure!(status == 200, "{path}: {status} {answer}");
    }
    let phone_number = "+14155550123";
    let (status, added) = h
        .api(
            reqwest::Method::POST,
            "/api/clients",
            Some(&coach_token),
            Some(json!({"name": "Jamie Fox", "phone": phone_number, "messaging": "two_way"})),
        )
        .await?;
    ensure!(status == 201, "add client: {status} {added}");
    let client_id = added["client"]["id"].as_str().context("id")?.to_owned();
    let b = h.driver.session(1280, 900).await?;
    let outcome = async {
        watch_policy(&b).await?;
        h.sign_in(&b, "casey@peak.example", "coach password")
            .await?;
        b.click(By::XPath(&button("Settings"))).await?;
        b.click(By::XPath(&button("Turn on texting"))).await?;
        let number = b.find(By::Css(".texting .number")).await?;
        let number = b.text(&number).await?;
        ensure!(number.starts_with("+1 833-555-"), "the number: {number}");
        b.find_text(By::Css(".texting .warning"), "shared number")
            .await?;
        b.find_text(By::Css(".texting .balance"), "1000 of 1000 segments left")
            .await?;
        b.js(
            "document.querySelector('.texting').scrollIntoView({block: 'start'})",
            vec![],
        )
        .await?;
        b.screenshot(&output_dir().join("30-texting-on.png"))
            .await?;
        // The proof of how clients agree goes up as soon as it is picked.
        let picked = b
            .js_async(
                GIVE_FILE,
                vec![json!("png"), json!(".texting input[type=file]"), json!("input")],
            )
            .await?;
        ensure!(picked == json!(true), "pick: {picked}");
        b.find_text(By::Css(".texting .proof-kept"), "✓ Screenshot of")
            .await?;
        b.js(
            "document.querySelector('.texting .proof').scrollIntoView({block: 'center'})",
            vec![],
        )
        .await?;
        b.screenshot(&output_dir().join("30-texting-proof.png"))
            .await?;

        b.goto(&h.url(&format!("/clients/{client_id}/chat"))).await?;
        b.click(By::XPath(
            "//label[contains(@class,'channel-option')][normalize-space()='Text']",
        ))
        .await?;
        let message = By::XPath("//textarea[@aria-label='Message']");
        b.type_into(message, "See you at 6 \u{2013} bring water")
            .await?;
        b.find_text(By::Css(".sms-counter .segments"), "1 segment · Unicode")
            .await?;
        b.find_text(By::Css(".sms-counter .warning"), "“\u{2013}” makes this a Unicode text")
            .await?;
        b.screenshot(&output_dir().join("30-texting-unicode.png"))
            .await?;
        b.click(By::XPath(&button("Use plain characters"))).await?;
        b.find_text(By::Css(".sms-counter .segments"), "1 segment · GSM-7")
            .await?;
        b.gone(By::Css(".sms-counter .warning")).await?;
        b.click(By::XPath("//div[@class='composer']/button[normalize-space()='Send']"))
            .await?;
        b.find_text(By::Css(".message.mine .channel-mark.sms"), "SMS · delivered")
            .await?;
        // The phone got it, from the shared number until this one is verified.
        let (_, texts) = h
            .api(reqwest::Method::GET, "/dev/sms.json", None, None)
            .await?;
        ensure!(
            texts[0]["to"] == phone_number && texts[0]["body"] == "See you at 6 - bring water",
            "the text: {texts}"
        );

        // Jamie answers from the phone simulator, to the business's number.
        let (_, texting) = h
            .api(reqwest::Method::GET, "/api/texting", Some(&coach_token), None)
            .await?;
        let (status, got) = h
            .api(
                reqwest::Method::POST,
                "/dev/sms/inbound",
                None,
                Some(json!({"from": phone_number, "to": texting["number"], "body": "Running 5 min late"})),
            )
            .await?;
        ensure!(status == 200 && got["received"] == "message", "inbound: {status} {got}");
        b.find_text(By::Css(".message:not(.mine) .body"), "Running 5 min late")
            .await?;
        b.find_text(By::Css(".message:not(.mine) .channel-mark.sms"), "SMS")
            .await?;
        // Unanswered for the business's hour: it needs attention (once the notifier has seen
        // the reply, the hour is run ahead).
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let (status, ran) = h
                .api(
                    reqwest::Method::POST,
                    "/dev/scheduler/run",
                    None,
                    Some(json!({"minutes": 62})),
                )
                .await?;
            ensure!(status == 200, "scheduler: {status} {ran}");
            let (_, folder) = h
                .api(
                    reqwest::Method::GET,
                    "/api/conversations?folder=needs_attention",
                    Some(&coach_token),
                    None,
                )
                .await?;
            if folder["items"].as_array().is_some_and(|i| !i.is_empty()) {
                break;
            }
            ensure!(std::time::Instant::now() < deadline, "never needed attention");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        b.goto(&h.url("/inbox")).await?;
        b.find_text(By::Css(".needs-attention .title"), "Jamie Fox")
            .await?;
        b.click(By::Css(".needs-attention .row")).await?;
        b.find_text(By::Css(".message:not(.mine) .body"), "Running 5 min late")
            .await?;
        no_violation(&b).await?;
        Ok(())
    }
    .await;
    finish(&b, "30-texting", outcome).await
}

/// 31. Someone texts the business from a new phone: a lead. From the lead's card the owner
/// merges them into the client they are; the client's card then shows the second phone and
/// their thread holds the text. "New message" in the bar finds a client and opens their
/// conversation, the channel to choose under the composer.
#[tokio::test(flavor = "multi_thread")]
async fn a_lead_merged_from_the_card_and_a_new_message_from_the_bar() -> Result<()> {
    let h = Harness::start().await?;
    let token = h.coach().await?;
    let (status, answer) = h
        .api(
            reqwest::Method::PATCH,
            "/api/business",
            Some(&token),
            Some(json!({"country": "US"})),
        )
        .await?;
    ensure!(status == 200, "business: {status} {answer}");
    let (status, texting) = h
        .api(
            reqwest::Method::POST,
            "/api/texting/activate",
            Some(&token),
            Some(json!({})),
        )
        .await?;
    ensure!(status == 200, "texting: {status} {texting}");
    let (status, added) = h
        .api(
            reqwest::Method::POST,
            "/api/clients",
            Some(&token),
            Some(json!({"name": "Jamie Fox", "phone": "+14155550123", "messaging": "two_way"})),
        )
        .await?;
    ensure!(status == 201, "add client: {status} {added}");
    let jamie = added["client"]["id"].as_str().context("id")?.to_owned();
    let (status, got) = h
        .api(
            reqwest::Method::POST,
            "/dev/sms/inbound",
            None,
            Some(json!({"from": "+14155550124", "to": texting["number"],
                        "body": "Hi, it's Jamie on my work phone"})),
        )
        .await?;
    ensure!(
        status == 200 && got["received"] == "message",
        "inbound: {status} {got}"
    );
    let (_, leads) = h
        .api(
            reqwest::Method::GET,
            "/api/clients?q=%2B1%20415-555-0124",
            Some(&token),
            None,
        )
        .await?;
    let lead = leads["items"][0]["id"]
        .as_str()
        .context("the lead")?
        .to_owned();
    let b = h.driver.session(1280, 900).await?;
    let outcome = async {
        watch_policy(&b).await?;
        h.sign_in(&b, "casey@peak.example", "coach password")
            .await?;
        b.goto(&h.url(&format!("/clients/{lead}"))).await?;
        b.click(By::XPath(&button("Merge into another client…")))
            .await?;
        b.type_into(By::Css(".merge input.search"), "Jamie").await?;
        b.click(By::XPath(
            "//section[contains(@class,'merge')]//label[.//span[normalize-space()='Jamie Fox']]//input",
        ))
        .await?;
        b.screenshot(&output_dir().join("31-merge.png")).await?;
        // The confirmation the page asks is answered yes.
        b.js("window.confirm = () => true", vec![]).await?;
        b.click(By::XPath(&button("Merge"))).await?;
        b.find_text(By::Css(".details"), "also +14155550124").await?;
        ensure!(
            b.url().await?.ends_with(&format!("/clients/{jamie}")),
            "Jamie's card opens"
        );
        b.screenshot(&output_dir().join("31-merged.png")).await?;

        b.click(By::Css("button[aria-label='New message']")).await?;
        b.type_into(By::Css(".new-message input.search"), "Jam")
            .await?;
        b.find_text(By::Css(".new-message .bell-item"), "Jamie Fox")
            .await?;
        b.screenshot(&output_dir().join("31-new-message.png"))
            .await?;
        b.click(By::Css(".new-message .bell-item button")).await?;
        b.find_text(By::Css(".message:not(.mine) .body"), "Hi, it's Jamie on my work phone")
            .await?;
        ensure!(
            b.url().await?.ends_with(&format!("/clients/{jamie}/chat")),
            "Jamie's conversation opens"
        );
        b.find(By::XPath(
            "//label[contains(@class,'channel-option')][normalize-space()='Text']",
        ))
        .await?;
        no_violation(&b).await?;
        Ok(())
    }
    .await;
    finish(&b, "31-merge-and-new-message", outcome).await
}
