//! The embedded default: one process that mounts every area's router under `/api`, serves
//! `/ws` from an in-process hub fed by the store's change bus, serves the built app, and keeps
//! everything in one data directory.

use crate::adapters::hub::LocalHub;
use crate::domain::{AppState, assemble, auth::Tokens};
use crate::http::{self, error::api_not_found};
use crate::store::embedded::EmbeddedStore;
use anyhow::Context as _;
use axum::Router;
use axum::extract::Request;
use axum::response::IntoResponse;
use base64::Engine as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tower::ServiceExt as _;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

pub mod demo;

/// How to run the local server.
#[derive(Debug, Clone)]
pub struct Options {
    pub port: u16,
    pub data_dir: PathBuf,
    /// The built app (Trunk's `dist/`); missing is fine for API-only use.
    pub static_dir: PathBuf,
    /// Seed the demo business on first start.
    pub demo: bool,
}

/// A started server.
pub struct Running {
    pub addr: SocketAddr,
    pub state: AppState,
    /// The store it serves (for tests that read it raw).
    pub store: Arc<dyn crate::store::Store>,
    pub hub: Arc<LocalHub>,
    pub demo: Option<demo::DemoLogins>,
    pub server: tokio::task::JoinHandle<()>,
}

/// Reads the token secret kept in the data dir, creating it on first start.
fn load_or_create_secret(data_dir: &Path) -> anyhow::Result<Vec<u8>> {
    if let Ok(s) = std::env::var(crate::config::JWT_SECRET)
        && s.len() >= 32
    {
        return Ok(s.into_bytes());
    }
    let path = data_dir.join("jwt-secret");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        return Ok(existing.trim().as_bytes().to_vec());
    }
    let secret =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 48]>());
    write_private(&path, &secret).with_context(|| format!("writing {}", path.display()))?;
    Ok(secret.into_bytes())
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(contents.as_bytes())?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    std::fs::write(path, contents)
}

/// The whole app as one router; with `mailbox`, the dev mailbox's pages too (`/dev/mail` and
/// `/dev/mail.json`: what would have been emailed, newest first).
pub fn app(
    state: AppState,
    hub: Arc<LocalHub>,
    static_dir: &Path,
    mailbox: Option<Arc<dyn crate::store::Store>>,
    files: Option<Arc<crate::adapters::files::LocalFiles>>,
    sns: crate::events::inbound::CertificateSource,
) -> Router {
    // Four apps, each with its own index for its routes: the client app under /c/, its door
    // (signing in, invites, password resets, the account) under /c/a/, the staff app at the
    // root, its office (settings, team, products, companies, audit, saved messages, the
    // account) under /o/.
    let index =
        |dir: &Path| ServeDir::new(static_dir).fallback(ServeFile::new(dir.join("index.html")));
    let staff = index(static_dir);
    let client = index(&static_dir.join("c"));
    let door = index(&static_dir.join("c").join("a"));
    let office = index(&static_dir.join("o"));
    let fallback = move |req: Request| {
        let (staff, client, door, office) =
            (staff.clone(), client.clone(), door.clone(), office.clone());
        async move {
            let path = req.uri().path();
            if path == "/api" || path.starts_with("/api/") {
                api_not_found().await.into_response()
            } else if path == "/c" || path == "/o" {
                axum::response::Redirect::permanent(&format!("{path}/")).into_response()
            } else if path.starts_with("/o/") {
                office.oneshot(req).await.into_response()
            } else if path.starts_with("/c/a/") {
                door.oneshot(req).await.into_response()
            } else if path.starts_with("/c/") {
                client.oneshot(req).await.into_response()
            } else {
                staff.oneshot(req).await.into_response()
            }
        }
    };
    let mut router = http::api_router_without_fallback(state.clone())
        .merge(http::realtime::local_router(state.clone(), hub))
        .fallback(fallback);
    if let Some(store) = mailbox {
        router = router
            .merge(dev_mail_router(store.clone()))
            .merge(dev_sms_router(store, state.clone()))
            .merge(sns_texts_router(state.clone(), sns))
            .merge(dev_scheduler_router(state));
    }
    if let Some(files) = files {
        router = router.merge(files.router());
    }
    for (name, value) in http::SECURITY_HEADERS {
        router = router.layer(SetResponseHeaderLayer::if_not_present(
            axum::http::HeaderName::from_static(name),
            axum::http::HeaderValue::from_static(value),
        ));
    }
    // A request's span names its path, never its query: `/ws?token=...` carries a session.
    router.layer(tower_http::trace::TraceLayer::new_for_http().make_span_with(request_span))
}

/// The dev mailbox, as a page and as JSON.
fn dev_mail_router(store: Arc<dyn crate::store::Store>) -> Router {
    async fn read(
        store: &dyn crate::store::Store,
    ) -> Result<Vec<crate::store::repo::DevMailRecord>, http::error::ApiError> {
        crate::store::mail::dev_mailbox(store, 100)
            .await
            .map_err(|e| crate::domain::Error::from(e).into())
    }
    Router::new()
        .route(
            "/dev/mail.json",
            axum::routing::get(
                |axum::extract::State(store): axum::extract::State<
                    Arc<dyn crate::store::Store>,
                >| async move {
                    let mails = read(&*store).await?;
                    let items: Vec<serde_json::Value> = mails
                        .into_iter()
                        .map(|m| {
                            serde_json::json!({
                                "business_id": m.business_id,
                                "to": m.to, "from_name": m.from_name, "subject": m.subject,
                                "text": m.text, "links": m.links, "unsubscribe": m.unsubscribe,
                                "sent_at": m.sent_at.unix_timestamp(),
                            })
                        })
                        .collect();
                    Ok::<_, http::error::ApiError>(axum::Json(items))
                },
            ),
        )
        .route(
            "/dev/mail",
            axum::routing::get(
                |axum::extract::State(store): axum::extract::State<
                    Arc<dyn crate::store::Store>,
                >| async move {
                    let mails = read(&*store).await?;
                    Ok::<_, http::error::ApiError>(axum::response::Html(dev_mail_page(&mails)))
                },
            ),
        )
        .with_state(store)
}

/// A text a person sends as a phone from the simulator.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TextIn {
    from: String,
    to: String,
    body: String,
}

/// The reviewers' decision on a number's registration, as the simulator's dev control gives it.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Review {
    number: String,
    state: shared::sms::RegistrationState,
    #[serde(default)]
    reason: Option<String>,
}

/// What became of a text that arrived, as the local server's endpoints answer it.
fn received_json(received: crate::domain::texting::Received) -> serde_json::Value {
    use crate::domain::texting::Received;
    match received {
        Received::Message(c, m) => serde_json::json!({
            "received": "message", "conversation_id": c, "message_id": m,
        }),
        Received::Keyword => serde_json::json!({ "received": "keyword" }),
        Received::Dropped(why) => serde_json::json!({ "received": "dropped", "why": why }),
        Received::Repeated => serde_json::json!({ "received": "repeated" }),
    }
}

/// `POST /sns/texts`: the inbound topic's HTTP subscription, for an SNS on this machine (its
/// stand-in at `SNS_ENDPOINT`, whose certificates are asked of it). Each message is taken only
/// if its signature verifies, then its text acted on once, as the `sms` function does on
/// AWS: 200 with what became of it, 403 for a message SNS did not sign, 400 for what is not
/// an SNS message. Such an SNS confirms the subscription itself. The local server only.
fn sns_texts_router(state: AppState, sns: crate::events::inbound::CertificateSource) -> Router {
    let certificates = Arc::new(crate::events::inbound::Certificates::new(sns));
    Router::new()
        .route(
            "/sns/texts",
            axum::routing::post(
                |axum::extract::State((state, certificates)): axum::extract::State<(
                    AppState,
                    Arc<crate::events::inbound::Certificates>,
                )>,
                 body: axum::body::Bytes| async move {
                    use crate::events::inbound::{Outcome, receive};
                    let Ok(envelope) =
                        serde_json::from_slice::<crate::adapters::sns::Envelope>(&body)
                    else {
                        return Err(http::error::ApiError::from(
                            crate::domain::Error::bad_request("sns.invalid", "Not an SNS message."),
                        ));
                    };
                    let outcome = receive(&state, &certificates, &envelope)
                        .await
                        .map_err(|e| http::error::ApiError::from(crate::domain::Error::from(e)))?;
                    match outcome {
                        Outcome::Refused(why) => Err(http::error::ApiError::from(
                            crate::domain::Error::forbidden("sns.refused", why),
                        )),
                        Outcome::Ignored => {
                            Ok(axum::Json(serde_json::json!({"received": "ignored"})))
                        }
                        Outcome::Received(what) => Ok(axum::Json(received_json(what))),
                    }
                },
            ),
        )
        .with_state((state, certificates))
}

/// The phone simulator: `/dev/sms` (a page: every text sent and received, a form to text in
/// as any phone, and the registrations to approve), `/dev/sms.json` (the texts, newest first)
/// and `POST /dev/sms/inbound {"from", "to", "body"}`, `POST /dev/sms/registration {"number",
/// "state", "reason"}`. The local server only.
fn dev_sms_router(store: Arc<dyn crate::store::Store>, state: AppState) -> Router {
    async fn read(
        store: &dyn crate::store::Store,
    ) -> Result<Vec<crate::store::texts::DevTextRecord>, http::error::ApiError> {
        crate::store::texts::dev_texts(store, 200)
            .await
            .map_err(|e| crate::domain::Error::from(e).into())
    }
    let json = |t: crate::store::texts::DevTextRecord| {
        serde_json::json!({
            "direction": t.direction, "to": t.to, "from": t.from, "body": t.body,
            "segments": t.segments, "encoding": t.encoding, "type": t.kind,
            "at": t.at.unix_timestamp(),
        })
    };
    let texts = Router::new()
        .route(
            "/dev/sms.json",
            axum::routing::get(
                move |axum::extract::State(store): axum::extract::State<
                    Arc<dyn crate::store::Store>,
                >| async move {
                    let items: Vec<serde_json::Value> =
                        read(&*store).await?.into_iter().map(json).collect();
                    Ok::<_, http::error::ApiError>(axum::Json(items))
                },
            ),
        )
        .route(
            "/dev/sms.js",
            axum::routing::get(|| async {
                (
                    [(axum::http::header::CONTENT_TYPE, "text/javascript")],
                    DEV_SMS_SCRIPT,
                )
            }),
        )
        .route(
            "/dev/sms",
            axum::routing::get(
                |axum::extract::State(store): axum::extract::State<
                    Arc<dyn crate::store::Store>,
                >| async move {
                    let texts = read(&*store).await?;
                    Ok::<_, http::error::ApiError>(axum::response::Html(dev_sms_page(&texts)))
                },
            ),
        )
        .with_state(store.clone());
    let actions = Router::new()
        .route(
            "/dev/sms/inbound",
            axum::routing::post(
                |axum::extract::State((state, store)): axum::extract::State<(
                    AppState,
                    Arc<dyn crate::store::Store>,
                )>,
                 http::extract::ApiJson(req): http::extract::ApiJson<TextIn>| async move {
                    let (Ok(from), Ok(to)) = (
                        shared::validate::Phone::parse(&req.from),
                        shared::validate::Phone::parse(&req.to),
                    ) else {
                        return Err(http::error::ApiError::from(crate::domain::Error::invalid(
                            "dev.phone_invalid",
                            "Give both numbers in international form, like +14155550123.",
                        )));
                    };
                    if req.body.trim().is_empty()
                        || req.body.chars().count() > shared::sms::MAX_SMS_CHARS
                    {
                        return Err(http::error::ApiError::from(crate::domain::Error::invalid(
                            "dev.body_invalid",
                            "Write 1 to 550 characters.",
                        )));
                    }
                    let parts = shared::sms::segments(&req.body);
                    crate::adapters::phone::PhoneSimulator::new(store)
                        .record(&crate::store::texts::DevTextRecord {
                            direction: crate::store::texts::Direction::In,
                            to: to.as_str().to_owned(),
                            from: from.as_str().to_owned(),
                            body: req.body.clone(),
                            segments: parts.segments,
                            encoding: parts.encoding,
                            kind: None,
                            at: crate::domain::now(),
                        })
                        .await
                        .map_err(crate::domain::Error::from)?;
                    let received = state
                        .texting
                        .receive(crate::domain::texting::Inbound {
                            from: from.as_str().to_owned(),
                            to: to.as_str().to_owned(),
                            body: req.body,
                            id: ulid::Ulid::generate().to_string(),
                        })
                        .await?;
                    Ok(axum::Json(received_json(received)))
                },
            ),
        )
        .route(
            "/dev/sms/registration",
            axum::routing::post(
                |axum::extract::State((state, _)): axum::extract::State<(
                    AppState,
                    Arc<dyn crate::store::Store>,
                )>,
                 http::extract::ApiJson(req): http::extract::ApiJson<Review>| async move {
                    let number = shared::validate::Phone::parse(&req.number)
                        .map_err(crate::domain::Error::from)?;
                    state
                        .texting
                        .reviewed(number.as_str(), req.state, req.reason)
                        .await?;
                    Ok::<_, http::error::ApiError>(axum::http::StatusCode::NO_CONTENT)
                },
            ),
        )
        .with_state((state, store));
    texts.merge(actions)
}

/// The simulator's page: a form to text in as a phone, a form to decide a registration, and
/// every text, newest first (forms post JSON through a few lines of script).
fn dev_sms_page(texts: &[crate::store::texts::DevTextRecord]) -> String {
    let mut page = String::from(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Phone simulator</title></head><body>\
<h1>Phone simulator</h1><p>Every text Sideline sent and every text phones sent in, newest first (also as <a href=\"/dev/sms.json\">JSON</a>).</p>\
<h2>Text in as a phone</h2><form id=\"in\"><label>From <input name=\"from\" placeholder=\"+14155550123\" required></label> \
<label>To (a business's number) <input name=\"to\" placeholder=\"+18335550123\" required></label> \
<label>Text <input name=\"body\" required maxlength=\"550\"></label> <button>Send</button></form>\
<h2>Decide a registration</h2><form id=\"review\"><label>Number <input name=\"number\" required></label> \
<label>Decision <select name=\"state\"><option value=\"reviewing\">Reviewing</option><option value=\"approved\">Approved</option>\
<option value=\"requires_updates\">Requires updates</option><option value=\"denied\">Denied</option></select></label> \
<label>Reason <input name=\"reason\"></label> <button>Decide</button></form><p id=\"said\" role=\"status\"></p>\
<h2>Texts</h2>",
    );
    if texts.is_empty() {
        page.push_str("<p>Nothing yet.</p>");
    }
    for t in texts {
        let way = match t.direction {
            crate::store::texts::Direction::Out => "Sent",
            crate::store::texts::Direction::In => "Received",
        };
        page.push_str(&format!(
            "<article><p><strong>{way}</strong> from {} to {} · {} segment(s), {}</p><pre>{}</pre></article>",
            escape_html(&t.from),
            escape_html(&t.to),
            t.segments,
            match t.encoding {
                shared::sms::Encoding::Gsm7 => "GSM-7",
                shared::sms::Encoding::Ucs2 => "UCS-2",
            },
            escape_html(&t.body),
        ));
    }
    page.push_str("<script src=\"/dev/sms.js\"></script></body></html>");
    page
}

/// Posts the simulator's forms as JSON and reloads the page (served from the page's origin, as
/// the content security policy wants).
const DEV_SMS_SCRIPT: &str = "\
for (const [id, path] of [['in', '/dev/sms/inbound'], ['review', '/dev/sms/registration']]) {\
  document.getElementById(id).addEventListener('submit', async (e) => {\
    e.preventDefault();\
    const body = Object.fromEntries(new FormData(e.target));\
    if (body.reason === '') delete body.reason;\
    const r = await fetch(path, {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify(body)});\
    if (r.ok) location.reload(); else document.getElementById('said').textContent = (await r.json()).error.message;\
  });\
}";

#[derive(serde::Deserialize)]
struct RunDue {
    /// How far ahead of now, in minutes.
    minutes: i64,
}

/// `POST /dev/scheduler/run {"minutes": N}`: runs the work due N minutes from now (0 to a day)
/// as if that time had come: email digests, summaries after quiet hours, messages sent later.
/// For trying the product (and its tests) without waiting; the local server only.
fn dev_scheduler_router(state: AppState) -> Router {
    Router::new()
        .route(
            "/dev/scheduler/run",
            axum::routing::post(
                |axum::extract::State(state): axum::extract::State<AppState>,
                 http::extract::ApiJson(req): http::extract::ApiJson<RunDue>| async move {
                    if !(0..=24 * 60).contains(&req.minutes) {
                        return Err(http::error::ApiError::from(crate::domain::Error::invalid(
                            "dev.minutes_invalid",
                            "Run what is due 0 to 1440 minutes from now.",
                        )));
                    }
                    let at = crate::domain::now() + time::Duration::minutes(req.minutes);
                    let ran = state.scheduler.run_due(at).await?;
                    Ok(axum::Json(serde_json::json!({ "ran": ran })))
                },
            ),
        )
        .with_state(state)
}

/// `s` safe inside HTML text and attribute values.
fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The dev mailbox's page: every email with its links (no script, no style of its own).
fn dev_mail_page(mails: &[crate::store::repo::DevMailRecord]) -> String {
    let mut page = String::from(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Dev mailbox</title></head><body><h1>Dev mailbox</h1><p>What Sideline would have emailed, newest first (also as <a href=\"/dev/mail.json\">JSON</a>).</p>",
    );
    if mails.is_empty() {
        page.push_str("<p>Nothing yet.</p>");
    }
    for m in mails {
        page.push_str(&format!(
            "<article><h2>{}</h2><p>To {} from {}</p><pre>{}</pre>",
            escape_html(&m.subject),
            escape_html(&m.to),
            escape_html(&m.from_name),
            escape_html(&m.text)
        ));
        for link in &m.links {
            page.push_str(&format!(
                "<p><a href=\"{0}\">{0}</a></p>",
                escape_html(link)
            ));
        }
        page.push_str("</article><hr>");
    }
    page.push_str("</body></html>");
    page
}

fn request_span(req: &Request) -> tracing::Span {
    tracing::debug_span!("request", method = %req.method(), path = %req.uri().path())
}

/// Listens on 127.0.0.1:`port` (`0` picks a free one).
pub async fn listen(port: u16) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .with_context(|| format!("listening on 127.0.0.1:{port}"))
}

/// Serves the whole app (the API, `/ws` and the built app) on `listener`.
pub async fn serve(
    state: AppState,
    hub: Arc<LocalHub>,
    static_dir: &Path,
    listener: tokio::net::TcpListener,
    mailbox: Option<Arc<dyn crate::store::Store>>,
    files: Option<Arc<crate::adapters::files::LocalFiles>>,
    sns: crate::events::inbound::CertificateSource,
) -> anyhow::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let addr = listener.local_addr()?;
    let router = app(state, hub, static_dir, mailbox, files, sns);
    let server = tokio::spawn(async move {
        // Each request knows its peer: rate limits count per source address.
        let service = router.into_make_service_with_connect_info::<SocketAddr>();
        if let Err(e) = axum::serve(listener, service).await {
            tracing::error!(error = ?e, "the server stopped");
        }
    });
    Ok((addr, server))
}

/// Checks that the data dir holds records of the layout this build reads
/// ([`crate::store::DATA_FORMAT`]), marking a new one with it.
fn check_data_format(data_dir: &Path, store_file: &Path) -> anyhow::Result<()> {
    let path = data_dir.join("data-format");
    let current = crate::store::DATA_FORMAT.to_string();
    match std::fs::read_to_string(&path) {
        Ok(found) if found.trim() == current => Ok(()),
        Err(_) if !store_file.exists() => {
            std::fs::write(&path, &current).with_context(|| format!("writing {}", path.display()))
        }
        _ => anyhow::bail!(
            "{} holds data in an earlier layout than this version reads (data format {current}); \
             delete the directory to start over",
            data_dir.display()
        ),
    }
}

/// The store of a data dir (created if new), once its layout is checked: what the server opens
/// and what anything seeding a data dir for it must open.
pub fn open_data_dir(data_dir: &Path) -> anyhow::Result<EmbeddedStore> {
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
    let store_file = data_dir.join("sideline.redb");
    check_data_format(data_dir, &store_file)?;
    let store = EmbeddedStore::open(&store_file)?;
    // Everyone's messages and password hashes: for the user running the server only.
    make_private(data_dir, 0o700)?;
    make_private(&store_file, 0o600)?;
    Ok(store)
}

#[cfg(unix)]
fn make_private(path: &Path, mode: u32) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .with_context(|| format!("making {} private", path.display()))
}

#[cfg(not(unix))]
fn make_private(_path: &Path, _mode: u32) -> anyhow::Result<()> {
    Ok(())
}

/// Opens the data dir, seeds the demo if asked, and starts serving on 127.0.0.1; emails go to
/// the dev mailbox.
pub async fn start(options: Options) -> anyhow::Result<Running> {
    start_with(options, None).await
}

/// [`start`], with emails sent through `email` instead of the dev mailbox (SES in its test).
pub async fn start_with(
    options: Options,
    email: Option<Arc<dyn crate::domain::ports::Email>>,
) -> anyhow::Result<Running> {
    let store = Arc::new(open_data_dir(&options.data_dir)?);
    let secret = load_or_create_secret(&options.data_dir)?;
    let hub = Arc::new(LocalHub::default());
    // Bound first: links in emails point at where the apps are served.
    let listener = listen(options.port).await?;
    let site_url = format!("http://{}", listener.local_addr()?);
    let tokens = Tokens::new(&secret)?;
    let files = Arc::new(crate::adapters::files::LocalFiles::new(
        options.data_dir.join("files"),
        tokens.derive("sideline local files"),
    ));
    let state = assemble(store.clone(), hub.clone(), files.clone(), tokens, &site_url);
    // Texts go to the phone simulator (`/dev/sms`), each paced by its number.
    tokio::spawn(crate::events::texts::run(
        store.clone(),
        Arc::new(crate::adapters::phone::PhoneSimulator::new(store.clone())),
        store.subscribe(),
    ));
    tokio::spawn(crate::events::run_local(
        store.clone(),
        hub.clone(),
        email.unwrap_or_else(|| Arc::new(crate::adapters::mailbox::DevMailbox::new(store.clone()))),
        files.clone(),
        store.subscribe(),
    ));
    // Files of uploads never sent are deleted a day later (the store's TTL and the change
    // stream do it on AWS): looked for every hour.
    {
        let (files, state) = (files.clone(), state.clone());
        tokio::spawn(async move {
            loop {
                let swept = files
                    .sweep(crate::adapters::files::SWEEP_AFTER, |b, place, id| {
                        let state = state.clone();
                        async move { Ok(state.media.forget_unsent(b, place, id).await?) }
                    })
                    .await;
                if let Err(e) = swept {
                    tracing::warn!(error = ?e, "sweeping the files of unsent uploads failed");
                }
                tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
            }
        });
    }
    // Who is told of what (the `notifications` function on AWS).
    tokio::spawn(crate::domain::notifier::run_worker(
        state.clone(),
        store.subscribe(),
    ));
    // Work due later (scheduled messages): looked for every second.
    tokio::spawn(crate::domain::scheduler::run_worker(
        state.clone(),
        std::time::Duration::from_secs(1),
    ));
    // Mass messages are delivered in the background; one a crash interrupted resumes here.
    tokio::spawn(crate::domain::mass::run_worker(
        state.clone(),
        Some(store.subscribe()),
        std::time::Duration::from_secs(1),
    ));

    let demo = if options.demo {
        Some(demo::seed_once(&state, &options.data_dir).await?)
    } else {
        None
    };

    let (addr, server) = serve(
        state.clone(),
        hub.clone(),
        &options.static_dir,
        listener,
        Some(store.clone()),
        Some(files),
        // SNS's HTTP deliveries: checked with certificates from its stand-in, when one is set.
        crate::events::inbound::CertificateSource::from_env(),
    )
    .await?;
    Ok(Running {
        addr,
        state,
        store,
        hub,
        demo,
        server,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_data_dir_of_another_layout_is_refused_and_a_new_one_is_marked() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store_file = dir.path().join("sideline.redb");
        check_data_format(dir.path(), &store_file).expect("a new dir is fine");
        std::fs::write(&store_file, b"").expect("a store file");
        check_data_format(dir.path(), &store_file).expect("marked with this layout");

        std::fs::write(dir.path().join("data-format"), "1").expect("an older mark");
        let refused = check_data_format(dir.path(), &store_file).expect_err("refused");
        assert!(
            refused.to_string().contains("delete the directory"),
            "{refused}"
        );
        std::fs::remove_file(dir.path().join("data-format")).expect("no mark");
        assert!(
            check_data_format(dir.path(), &store_file).is_err(),
            "unmarked with data"
        );
    }

    /// Collects what the subscriber writes.
    #[derive(Clone, Default)]
    struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn a_debug_log_of_a_socket_request_shows_no_token() {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || writer.clone())
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);
        let dir = tempfile::tempdir().expect("temp dir");
        let running = start(Options {
            port: 0,
            data_dir: dir.path().to_path_buf(),
            static_dir: dir.path().join("no-app"),
            demo: false,
        })
        .await
        .expect("start");
        let mut stream = tokio::net::TcpStream::connect(running.addr)
            .await
            .expect("connect");
        stream
            .write_all(
                b"GET /ws?token=tok-SECRET-123 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            )
            .await
            .expect("send");
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await.expect("answer");
        assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 4"));
        let log = String::from_utf8_lossy(
            &captured
                .0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
        .into_owned();
        assert!(log.contains("/ws"), "the request was logged: {log}");
        assert!(!log.contains("SECRET"), "the token is in the log: {log}");
    }

    #[cfg(unix)]
    #[test]
    fn the_data_dir_and_its_files_are_the_user_s_only() {
        use std::os::unix::fs::PermissionsExt as _;
        let parent = tempfile::tempdir().expect("temp dir");
        let dir = parent.path().join("data");
        drop(open_data_dir(&dir).expect("open"));
        load_or_create_secret(&dir).expect("secret");
        let mode = |p: &Path| std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join("sideline.redb")), 0o600);
        assert_eq!(mode(&dir.join("jwt-secret")), 0o600);
    }
}
