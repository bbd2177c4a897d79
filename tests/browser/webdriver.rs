//! A small W3C WebDriver client for headless Chromium through chromedriver: just what the
//! browser tests and the app timings use. Every wait is bounded.

#![allow(dead_code)]

use anyhow::{Context, Result, anyhow, bail};
use base64::Engine;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long a wait for something on screen may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(15);
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A chromedriver process on a free loopback port, stopped on drop with every browser it
/// started.
pub struct Driver {
    child: tokio::process::Child,
    base: String,
    http: reqwest::Client,
}

impl Driver {
    /// Starts chromedriver (`CHROMEDRIVER`, else `chromedriver` on the PATH) and waits until it
    /// answers.
    pub async fn start() -> Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let program = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        // A process group of its own, so dropping the driver takes every browser it started
        // with it.
        let child = tokio::process::Command::new(&program)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| {
                format!("starting {program}: install it with infra/scripts/tools.sh browser")
            })?;
        let driver = Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(r) = driver
                .http
                .get(format!("{}/status", driver.base))
                .send()
                .await
                && r.status().is_success()
            {
                return Ok(driver);
            }
            if Instant::now() > deadline {
                bail!("chromedriver did not answer within 20 s");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// A new headless browser with a profile of its own and a window of `width`×`height`.
    pub async fn session(&self, width: u32, height: u32) -> Result<Browser> {
        let profile = tempfile::tempdir()?;
        let binary = std::env::var("CHROME_BIN").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": binary,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--no-default-browser-check",
                    // A microphone that plays a tone, granted without asking: voice notes.
                    "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                    format!("--window-size={width},{height}"),
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            },
        }}});
        let value = call(
            &self.http,
            reqwest::Method::POST,
            &format!("{}/session", self.base),
            Some(caps),
        )
        .await
        .context("starting a browser session")?;
        let id = value["sessionId"]
            .as_str()
            .ok_or_else(|| anyhow!("no session id in {value}"))?;
        Ok(Browser {
            http: self.http.clone(),
            base: format!("{}/session/{id}", self.base),
            _profile: profile,
        })
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // chromedriver and the Chromium processes it launched share its process group.
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", "--", &format!("-{pid}")])
                .status();
        }
        let _ = self.child.start_kill();
    }
}

async fn call(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    body: Option<Value>,
) -> Result<Value> {
    let mut req = http.request(method, url);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.with_context(|| format!("calling {url}"))?;
    let status = res.status();
    let body: Value = res.json().await.context("reading a WebDriver answer")?;
    if !status.is_success() {
        bail!(
            "WebDriver {}: {}",
            body["value"]["error"].as_str().unwrap_or("error"),
            body["value"]["message"]
                .as_str()
                .unwrap_or_default()
                .lines()
                .next()
                .unwrap_or_default()
        );
    }
    Ok(body["value"].clone())
}

/// One browser session (one profile, one window).
pub struct Browser {
    http: reqwest::Client,
    base: String,
    _profile: tempfile::TempDir,
}

/// An element of the page, by its WebDriver reference.
#[derive(Debug, Clone)]
pub struct Element(String);

/// How to find elements.
#[derive(Debug, Clone, Copy)]
pub enum By<'a> {
    Css(&'a str),
    XPath(&'a str),
}

impl By<'_> {
    fn json(&self) -> Value {
        match self {
            By::Css(s) => json!({ "using": "css selector", "value": s }),
            By::XPath(s) => json!({ "using": "xpath", "value": s }),
        }
    }
}

impl std::fmt::Display for By<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            By::Css(s) => write!(f, "css `{s}`"),
            By::XPath(s) => write!(f, "xpath `{s}`"),
        }
    }
}

/// The text input inside the form field labelled `label`.
pub fn field(label: &str) -> String {
    format!(
        "//label[contains(@class,'field')][.//span[@class='label' and normalize-space()='{label}']]//*[self::input or self::textarea]"
    )
}

/// A button (or a link styled as one) showing `text`.
pub fn button(text: &str) -> String {
    format!(
        "//*[self::button or self::a][normalize-space()='{text}' or .//*[normalize-space()='{text}']]"
    )
}

impl Browser {
    async fn cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<Value> {
        call(&self.http, method, &format!("{}{path}", self.base), body).await
    }

    pub async fn goto(&self, url: &str) -> Result<()> {
        self.cmd(reqwest::Method::POST, "/url", Some(json!({ "url": url })))
            .await
            .map(drop)
    }

    pub async fn url(&self) -> Result<String> {
        let v = self.cmd(reqwest::Method::GET, "/url", None).await?;
        Ok(v.as_str().unwrap_or_default().to_owned())
    }

    /// Runs `script` (a function body; `arguments` holds `args`) and returns its value.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        self.cmd(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
        .await
    }

    /// Runs `script`, which calls `arguments[arguments.length - 1]` with its result.
    pub async fn js_async(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        self.cmd(
            reqwest::Method::POST,
            "/execute/async",
            Some(json!({ "script": script, "args": args })),
        )
        .await
    }

    /// A Chrome DevTools Protocol command.
    pub async fn cdp(&self, cmd: &str, params: Value) -> Result<Value> {
        self.cmd(
            reqwest::Method::POST,
            "/goog/cdp/execute",
            Some(json!({ "cmd": cmd, "params": params })),
        )
        .await
    }

    /// Emulates a phone screen of `width`×`height` CSS pixels (touch, 2× density).
    pub async fn phone(&self, width: u32, height: u32) -> Result<()> {
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": height, "deviceScaleFactor": 2, "mobile": true }),
        )
        .await?;
        self.cdp(
            "Emulation.setTouchEmulationEnabled",
            json!({ "enabled": true, "maxTouchPoints": 5 }),
        )
        .await
        .map(drop)
    }

    pub async fn find_all(&self, by: By<'_>) -> Result<Vec<Element>> {
        let v = self
            .cmd(reqwest::Method::POST, "/elements", Some(by.json()))
            .await?;
        Ok(v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e[ELEMENT_KEY].as_str().map(|s| Element(s.to_owned())))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// The first element matching `by` that is displayed, waiting for it up to [`WAIT`].
    pub async fn find(&self, by: By<'_>) -> Result<Element> {
        let deadline = Instant::now() + WAIT;
        loop {
            for e in self.find_all(by).await? {
                if self.displayed(&e).await.unwrap_or(false) {
                    return Ok(e);
                }
            }
            if Instant::now() > deadline {
                bail!("nothing displayed matches {by} after {WAIT:?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits up to [`WAIT`] until nothing displayed matches `by`.
    pub async fn gone(&self, by: By<'_>) -> Result<()> {
        let deadline = Instant::now() + WAIT;
        loop {
            let mut any = false;
            for e in self.find_all(by).await? {
                any |= self.displayed(&e).await.unwrap_or(false);
            }
            if !any {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("{by} is still displayed after {WAIT:?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits up to [`WAIT`] until an element matching `by` shows `text` (as part of its text).
    pub async fn find_text(&self, by: By<'_>, text: &str) -> Result<Element> {
        let deadline = Instant::now() + WAIT;
        loop {
            for e in self.find_all(by).await? {
                if self.text(&e).await.unwrap_or_default().contains(text) {
                    return Ok(e);
                }
            }
            if Instant::now() > deadline {
                bail!("no {by} shows {text:?} after {WAIT:?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits up to [`WAIT`] until `script` returns something truthy, and returns it.
    pub async fn until(&self, what: &str, script: &str) -> Result<Value> {
        let deadline = Instant::now() + WAIT;
        loop {
            let v = self.js(script, vec![]).await?;
            let truthy =
                !matches!(v, Value::Null | Value::Bool(false)) && v != json!(0) && v != json!("");
            if truthy {
                return Ok(v);
            }
            if Instant::now() > deadline {
                bail!("waited {WAIT:?} for {what}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn displayed(&self, e: &Element) -> Result<bool> {
        let v = self
            .cmd(
                reqwest::Method::GET,
                &format!("/element/{}/displayed", e.0),
                None,
            )
            .await?;
        Ok(v.as_bool().unwrap_or(false))
    }

    pub async fn text(&self, e: &Element) -> Result<String> {
        let v = self
            .cmd(
                reqwest::Method::GET,
                &format!("/element/{}/text", e.0),
                None,
            )
            .await?;
        Ok(v.as_str().unwrap_or_default().to_owned())
    }

    pub async fn property(&self, e: &Element, name: &str) -> Result<Value> {
        self.cmd(
            reqwest::Method::GET,
            &format!("/element/{}/property/{name}", e.0),
            None,
        )
        .await
    }

    pub async fn click(&self, by: By<'_>) -> Result<()> {
        let e = self.find(by).await?;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{}/click", e.0),
            Some(json!({})),
        )
        .await
        .with_context(|| format!("clicking {by}"))
        .map(drop)
    }

    /// Types `text` into the element (WebDriver key codes such as `\u{E007}` for Enter work).
    pub async fn type_into(&self, by: By<'_>, text: &str) -> Result<()> {
        let e = self.find(by).await?;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{}/value", e.0),
            Some(json!({ "text": text })),
        )
        .await
        .with_context(|| format!("typing into {by}"))
        .map(drop)
    }

    /// Saves a PNG of the viewport.
    pub async fn screenshot(&self, path: &Path) -> Result<()> {
        let v = self.cmd(reqwest::Method::GET, "/screenshot", None).await?;
        let png = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap_or_default())
            .context("decoding a screenshot")?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, png).with_context(|| format!("writing {}", path.display()))
    }

    pub async fn quit(self) -> Result<()> {
        self.cmd(reqwest::Method::DELETE, "", None).await.map(drop)
    }
}

/// Where a test's screenshots go: `SIDELINE_TEST_OUTPUT`, else `target/test-output/browser`.
pub fn output_dir() -> PathBuf {
    std::env::var_os("SIDELINE_TEST_OUTPUT")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/test-output/browser")
        })
}
