//! `TestApp`: the API on port 0 with a fresh store (embedded, or DynamoDB Local), and typed
//! request helpers.

use functions::domain::{assemble, auth::Tokens};
use functions::local::{Options, Running, start};
use functions::store::{Query, QueryPage, Store, StoreError, Write};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex, PoisonError};

/// A store that remembers the writes of every transaction committed through it.
pub struct Counting {
    inner: Arc<dyn Store>,
    writes: Mutex<Vec<Vec<Write>>>,
}

impl Counting {
    /// The transactions committed since the last call, each as its writes.
    pub fn take(&self) -> Vec<Vec<Write>> {
        std::mem::take(&mut *self.writes.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

#[async_trait::async_trait]
impl Store for Counting {
    async fn get(&self, pk: &str, sk: &str) -> Result<Option<functions::store::Item>, StoreError> {
        self.inner.get(pk, sk).await
    }
    async fn query(&self, query: &Query) -> Result<QueryPage, StoreError> {
        self.inner.query(query).await
    }
    async fn transact(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        let result = self.inner.transact(writes.clone()).await;
        if result.is_ok() {
            self.writes
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(writes);
        }
        result
    }
}

/// A store that tells of every write committed through it, as a change with its old image
/// (read just before), for an assembly without the store's own feed.
pub struct Feeding {
    inner: Arc<dyn Store>,
    bus: tokio::sync::broadcast::Sender<Arc<functions::store::Change>>,
}

impl Feeding {
    pub fn new(inner: Arc<dyn Store>) -> Self {
        Self {
            inner,
            bus: tokio::sync::broadcast::channel(4096).0,
        }
    }
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<Arc<functions::store::Change>> {
        self.bus.subscribe()
    }
}

#[async_trait::async_trait]
impl Store for Feeding {
    async fn get(&self, pk: &str, sk: &str) -> Result<Option<functions::store::Item>, StoreError> {
        self.inner.get(pk, sk).await
    }
    async fn query(&self, query: &Query) -> Result<QueryPage, StoreError> {
        self.inner.query(query).await
    }
    async fn transact(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        // The old images, read just before (what the stream would carry, but for a writer
        // racing this one).
        let mut old = Vec::with_capacity(writes.len());
        for w in &writes {
            old.push(match w {
                Write::Put { item, .. } => self.inner.get(&item.pk, &item.sk).await?,
                Write::Delete { pk, sk, .. } => self.inner.get(pk, sk).await?,
                _ => None,
            });
        }
        self.inner.transact(writes.clone()).await?;
        for (w, old) in writes.into_iter().zip(old) {
            let change = match w {
                Write::Put { item, .. } => functions::store::Change {
                    pk: item.pk.clone(),
                    sk: item.sk.clone(),
                    old,
                    new: Some(item),
                },
                Write::Delete { pk, sk, .. } => functions::store::Change {
                    pk,
                    sk,
                    old,
                    new: None,
                },
                _ => continue,
            };
            let _ = self.bus.send(Arc::new(change));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Embedded,
    Dynamo,
}

pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
    pub _running: Option<Running>,
    _dir: tempfile::TempDir,
    /// The store of an assembly over one (no change stream sends its outbox).
    store: Option<Arc<dyn Store>>,
}

/// A signed-in person.
#[derive(Debug, Clone)]
pub struct Session {
    pub token: String,
    pub user_id: String,
}

/// A client added by a coach, signed in through their invite.
#[derive(Debug, Clone)]
pub struct ClientSession {
    pub session: Session,
    pub client_id: String,
    pub conversation_id: String,
}

/// What one request got back.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
}

impl Reply {
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }
    #[track_caller]
    pub fn ok(self) -> Value {
        assert!(
            self.status.is_success(),
            "expected success, got {} {}",
            self.status,
            self.body
        );
        self.body
    }
}

static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// A unique email for this run.
pub fn unique_email(who: &str) -> String {
    let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!(
        "{who}.{n}.{}@test.example",
        ulid::Ulid::generate().to_string().to_lowercase()
    )
}

impl TestApp {
    /// The key the server signs tokens with: the local server's, kept in its data dir, or the
    /// fixed one of an assembly over a store.
    pub fn token_secret(&self) -> Vec<u8> {
        match std::fs::read_to_string(self._dir.path().join("jwt-secret")) {
            Ok(secret) => secret.trim().as_bytes().to_vec(),
            Err(_) => vec![7u8; 32],
        }
    }

    pub async fn spawn(backend: Backend) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let (base, running) = match backend {
            Backend::Embedded => {
                let running = start(Options {
                    port: 0,
                    data_dir: dir.path().to_path_buf(),
                    static_dir: dir.path().join("no-app"),
                    demo: false,
                })
                .await
                .expect("start the local server");
                (format!("http://{}", running.addr), Some(running))
            }
            Backend::Dynamo => {
                let store = Arc::new(crate::common::fresh_dynamo_store().await);
                return Self::over(store, dir).await;
            }
        };
        Self {
            base,
            http: reqwest::Client::new(),
            _running: running,
            _dir: dir,
            store: None,
        }
    }

    /// The local server, sending its emails through `email` rather than the dev mailbox.
    pub async fn with_email(email: Arc<dyn functions::domain::ports::Email>) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let running = functions::local::start_with(
            Options {
                port: 0,
                data_dir: dir.path().to_path_buf(),
                static_dir: dir.path().join("no-app"),
                demo: false,
            },
            Some(email),
        )
        .await
        .expect("start the local server");
        Self {
            base: format!("http://{}", running.addr),
            http: reqwest::Client::new(),
            _running: Some(running),
            _dir: dir,
            store: None,
        }
    }

    /// The local server's own assembly and router over `store`: live events take the fast path
    /// only (no change stream is consumed here, but the files of uploads that are gone are
    /// deleted from the writes committed through it).
    pub async fn over(store: Arc<dyn Store>, dir: tempfile::TempDir) -> Self {
        Self::over_with(store, dir, None).await
    }

    /// [`TestApp::over`], the notifier writing to `quiet` (the store under a counting one: what
    /// it writes in the background is not counted as the requests' writes).
    async fn over_counted(
        store: Arc<dyn Store>,
        quiet: Arc<dyn Store>,
        dir: tempfile::TempDir,
    ) -> Self {
        let sns = functions::events::inbound::CertificateSource::Sns;
        Self::over_all(store, dir, None, Some(quiet), sns).await
    }

    /// [`TestApp::over`], with files kept in `blobs` (S3 on moto's server) rather than under
    /// the data dir.
    pub async fn over_with(
        store: Arc<dyn Store>,
        dir: tempfile::TempDir,
        blobs: Option<Arc<dyn functions::domain::ports::Blobs>>,
    ) -> Self {
        let sns = functions::events::inbound::CertificateSource::Sns;
        Self::over_all(store, dir, blobs, None, sns).await
    }

    /// The local server's assembly over a fresh embedded store, SNS's HTTP deliveries checked
    /// with the certificates of the SNS at `sns` (moto's server).
    pub async fn with_sns(sns: &str) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let store: Arc<dyn Store> = Arc::new(
            functions::store::embedded::EmbeddedStore::open(&dir.path().join("store.redb"))
                .expect("store"),
        );
        let source = functions::events::inbound::CertificateSource::Endpoint(sns.to_owned());
        Self::over_all(store, dir, None, None, source).await
    }

    async fn over_all(
        store: Arc<dyn Store>,
        dir: tempfile::TempDir,
        blobs: Option<Arc<dyn functions::domain::ports::Blobs>>,
        quiet: Option<Arc<dyn Store>>,
        sns: functions::events::inbound::CertificateSource,
    ) -> Self {
        let feeding = Arc::new(Feeding::new(store.clone()));
        Self::over_fed(store, feeding.clone(), feeding, dir, blobs, quiet, sns).await
    }

    /// [`TestApp::over`] with the services on `served` and the workers fed by `feed`, which
    /// tells of what was committed beneath it: a store that fails on purpose over the feed sees
    /// its writes that committed and still failed told all the same, as a change stream would.
    pub async fn over_feed(
        served: Arc<dyn Store>,
        feed: Arc<Feeding>,
        kept: Arc<dyn Store>,
    ) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let sns = functions::events::inbound::CertificateSource::Sns;
        Self::over_fed(kept, served, feed, dir, None, None, sns).await
    }

    #[allow(clippy::too_many_arguments)]
    async fn over_fed(
        store: Arc<dyn Store>,
        served: Arc<dyn Store>,
        feeding: Arc<Feeding>,
        dir: tempfile::TempDir,
        blobs: Option<Arc<dyn functions::domain::ports::Blobs>>,
        quiet: Option<Arc<dyn Store>>,
        sns: functions::events::inbound::CertificateSource,
    ) -> Self {
        let hub = Arc::new(functions::adapters::hub::LocalHub::default());
        let files = Arc::new(functions::adapters::files::LocalFiles::new(
            dir.path().join("files"),
            [8u8; 32],
        ));
        let files_served = blobs.is_none().then(|| files.clone());
        let blobs: Arc<dyn functions::domain::ports::Blobs> = blobs.unwrap_or(files);
        let state = assemble(
            served.clone(),
            hub.clone(),
            blobs.clone(),
            Tokens::new(&[7u8; 32]).expect("tokens"),
            "http://127.0.0.1",
        );
        tokio::spawn(functions::events::files::run(
            served.clone(),
            blobs.clone(),
            feeding.subscribe(),
        ));
        tokio::spawn(functions::events::texts::run(
            served.clone(),
            Arc::new(functions::adapters::phone::PhoneSimulator::new(
                served.clone(),
            )),
            feeding.subscribe(),
        ));
        let notifier = match quiet {
            Some(quiet) => assemble(
                quiet,
                hub.clone(),
                blobs,
                Tokens::new(&[7u8; 32]).expect("tokens"),
                "http://127.0.0.1",
            ),
            None => state.clone(),
        };
        tokio::spawn(functions::domain::notifier::run_worker(
            notifier,
            feeding.subscribe(),
        ));
        // Without a change feed, mass messages are picked up by looking often.
        tokio::spawn(functions::domain::mass::run_worker(
            state.clone(),
            None,
            std::time::Duration::from_millis(100),
        ));
        let listener = functions::local::listen(0).await.expect("listen");
        // The dev pages too (the phone simulator's controls; the mailbox stays empty: no
        // consumer sends the outbox here).
        let (addr, _server) = functions::local::serve(
            state,
            hub,
            &dir.path().join("no-app"),
            listener,
            Some(served.clone()),
            files_served,
            sns,
        )
        .await
        .expect("serve");
        Self {
            base: format!("http://{addr}"),
            http: reqwest::Client::new(),
            _running: None,
            _dir: dir,
            store: Some(store),
        }
    }

    /// Where the local Blobs adapter keeps files (the data dir's `files/`, or the assembly's).
    pub fn files_dir(&self) -> std::path::PathBuf {
        self._dir.path().join("files")
    }

    /// The app over a store (embedded or DynamoDB Local) that counts the writes of each
    /// transaction.
    pub async fn counting(backend: Backend) -> (Self, Arc<Counting>) {
        let dir = tempfile::tempdir().expect("tempdir");
        let inner: Arc<dyn Store> = match backend {
            Backend::Embedded => Arc::new(
                functions::store::embedded::EmbeddedStore::open(&dir.path().join("store.redb"))
                    .expect("store"),
            ),
            Backend::Dynamo => Arc::new(crate::common::fresh_dynamo_store().await),
        };
        let counting = Arc::new(Counting {
            inner: inner.clone(),
            writes: Mutex::new(Vec::new()),
        });
        (
            Self::over_counted(counting.clone(), inner, dir).await,
            counting,
        )
    }

    pub async fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.expect("request");
        let status = res.status();
        let text = res.text().await.expect("body");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Reply { status, body }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.request(reqwest::Method::GET, path, token, None).await
    }
    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.request(reqwest::Method::POST, path, token, Some(body))
            .await
    }
    pub async fn put(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.request(reqwest::Method::PUT, path, token, Some(body))
            .await
    }
    /// PUTs a file as the whole body, with its type.
    pub async fn put_file(
        &self,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Reply {
        let mut req = self
            .http
            .put(format!("{}{path}", self.base))
            .header("Content-Type", content_type)
            .body(bytes);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.expect("request");
        let status = res.status();
        let text = res.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply { status, body }
    }
    pub async fn patch(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.request(reqwest::Method::PATCH, path, token, Some(body))
            .await
    }

    /// Every conversation `token`'s holder lists, following the cursor `page_size` at a time.
    pub async fn whole_inbox(&self, token: &str, page_size: usize) -> Vec<Value> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(c) => format!("/api/conversations?limit={page_size}&cursor={c}"),
                None => format!("/api/conversations?limit={page_size}"),
            };
            let page = self.get(&path, Some(token)).await.ok();
            out.extend(page["items"].as_array().expect("items").iter().cloned());
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => return out,
            }
        }
    }

    pub async fn signup_as(&self, business: &str, email: &str, password: &str) -> Reply {
        self.post("/api/auth/signup", None, json!({ "business_name": business, "name": "Coach Casey", "email": email, "password": password })).await
    }

    /// A new business with its owner signed in, its welcome message off: its clients'
    /// conversations start empty, which is what most tests count from.
    /// The store behind the API, to read records as they are kept.
    pub fn raw_store(&self) -> Arc<dyn Store> {
        match (&self.store, &self._running) {
            (Some(store), _) => store.clone(),
            (None, Some(running)) => running.store.clone(),
            (None, None) => panic!("no store"),
        }
    }

    /// The newest email of `business` to `to` whose subject starts with `subject` (to, subject,
    /// text, links), waiting for it: from the dev mailbox when the server sends its outbox, else (an
    /// assembly over DynamoDB Local, which no stream consumer serves here) from `business`'s
    /// outbox itself.
    pub async fn mail_to(&self, business: &str, to: &str, subject: &str) -> Value {
        let wanted = |m: &Value| {
            m["business_id"] == business
                && m["to"] == to
                && m["subject"]
                    .as_str()
                    .is_some_and(|s| s.starts_with(subject))
        };
        for _ in 0..200 {
            let mails: Vec<Value> = match &self.store {
                None => self
                    .get("/dev/mail.json", None)
                    .await
                    .ok()
                    .as_array()
                    .cloned()
                    .unwrap_or_default(),
                Some(store) => {
                    let page = store
                        .query(&Query::prefix(format!("B#{business}#MAIL"), "M#").reverse())
                        .await
                        .expect("read the outbox");
                    page.items.into_iter().map(|i| i.data).collect()
                }
            };
            if let Some(mail) = mails.into_iter().find(wanted) {
                return mail;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("no email to {to} about {subject:?}");
    }

    /// Confirms the email of a new sign-up (`signed_up`: the answer to signing up) through the
    /// link emailed to it; returns the session that signs in.
    pub async fn confirm_email(&self, signed_up: &Value) -> Session {
        let user = &signed_up["user"];
        let mail = self
            .mail_to(
                user["business_id"].as_str().expect("business"),
                user["email"].as_str().expect("email"),
                "Confirm your",
            )
            .await;
        let token = link_token(&mail);
        session_of(
            &self
                .post("/api/auth/verify", None, json!({ "token": token }))
                .await
                .ok(),
        )
    }

    /// A new business whose owner has confirmed their email (so it signs them in).
    pub async fn proven_signup(&self, business: &str, email: &str, password: &str) -> Session {
        let signed_up = self.signup_as(business, email, password).await.ok();
        self.confirm_email(&signed_up).await
    }

    pub async fn signup(&self) -> Session {
        let owner = self.signup_with_welcome().await;
        self.patch(
            "/api/settings",
            Some(&owner.token),
            json!({ "welcome_message": { "enabled": false, "text": "" } }),
        )
        .await
        .ok();
        owner
    }

    /// A new business as it starts: the welcome message on, with its default text.
    pub async fn signup_with_welcome(&self) -> Session {
        let body = self
            .signup_as("Test Coaching", &unique_email("coach"), "a long password")
            .await
            .ok();
        session_of(&body)
    }

    pub async fn login(&self, email: &str, password: &str) -> Reply {
        self.post(
            "/api/auth/login",
            None,
            json!({ "email": email, "password": password }),
        )
        .await
    }

    pub async fn add_client(&self, coach: &Session, name: &str, messaging: &str) -> Value {
        self.post(
            "/api/clients",
            Some(&coach.token),
            json!({ "name": name, "email": unique_email("client"), "messaging": messaging }),
        )
        .await
        .ok()
    }

    /// A client added by `coach` who has accepted their invite.
    pub async fn joined_client(
        &self,
        coach: &Session,
        name: &str,
        messaging: &str,
    ) -> ClientSession {
        let added = self.add_client(coach, name, messaging).await;
        self.accept(&added).await
    }

    /// A company of `owner`'s business, with its channel.
    pub async fn company(&self, owner: &Session, name: &str) -> Value {
        self.post(
            "/api/companies",
            Some(&owner.token),
            json!({ "name": name }),
        )
        .await
        .ok()
    }

    /// A client added to `company` (the answer to adding them: the card and the invite).
    pub async fn add_company_client(&self, owner: &Session, name: &str, company: &Value) -> Value {
        self.post(
            "/api/clients",
            Some(&owner.token),
            json!({ "name": name, "email": unique_email("client"), "company_id": company["id"] }),
        )
        .await
        .ok()
    }

    /// A member of staff (`admin` or `coach`) invited by the owner, signed in.
    pub async fn staff_member(&self, owner: &Session, name: &str, role: &str) -> Session {
        let invited = self
            .post(
                "/api/staff",
                Some(&owner.token),
                json!({ "name": name, "email": unique_email(role), "role": role }),
            )
            .await
            .ok();
        self.accept_staff(&invited).await
    }

    /// A member of staff signed in through the invite `invited` (the answer to inviting them).
    pub async fn accept_staff(&self, invited: &Value) -> Session {
        let accepted = self
            .post(
                "/api/auth/invites/accept",
                None,
                json!({ "token": invited["invite"]["token"], "password": "staff password" }),
            )
            .await
            .ok();
        session_of(&accepted)
    }

    /// The business of `owner` and its webhook signing secret.
    pub async fn webhook_secret(&self, owner: &Session) -> (String, String) {
        let me = self.get("/api/me", Some(&owner.token)).await.ok();
        let secret = self
            .get("/api/webhooks/secret", Some(&owner.token))
            .await
            .ok();
        let text = |v: &Value| v.as_str().expect("a string").to_owned();
        (text(&me["business_id"]), text(&secret["secret"]))
    }

    /// The ids of the conversations `who` lists, most recent first.
    pub async fn conversation_ids(&self, who: &Session) -> Vec<String> {
        self.get("/api/conversations", Some(&who.token)).await.ok()["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|c| c["id"].as_str().expect("id").to_owned())
            .collect()
    }

    /// The client `added` (the answer to adding them), signed in through their invite. A
    /// client without a private conversation has an empty `conversation_id`.
    pub async fn accept(&self, added: &Value) -> ClientSession {
        let accepted = self
            .post(
                "/api/auth/invites/accept",
                None,
                json!({ "token": added["invite"]["token"], "password": "client password" }),
            )
            .await
            .ok();
        ClientSession {
            session: session_of(&accepted),
            client_id: added["client"]["id"].as_str().expect("id").to_owned(),
            conversation_id: added["client"]["conversation_id"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        }
    }

    pub async fn send(
        &self,
        who: &Session,
        conversation: &str,
        client_message_id: &str,
        body: &str,
    ) -> Reply {
        self.post(
            &format!("/api/conversations/{conversation}/messages"),
            Some(&who.token),
            json!({ "client_message_id": client_message_id, "body": body }),
        )
        .await
    }

    pub async fn history(&self, who: &Session, conversation: &str, query: &str) -> Reply {
        self.get(
            &format!("/api/conversations/{conversation}/messages{query}"),
            Some(&who.token),
        )
        .await
    }
}

/// The token at the end of an email's first link.
pub fn link_token(mail: &Value) -> String {
    let link = mail["links"][0].as_str().expect("a link");
    link.rsplit('/').next().expect("token").to_owned()
}

pub fn session_of(body: &Value) -> Session {
    Session {
        token: body["token"].as_str().expect("token").to_owned(),
        user_id: body["user"]["id"].as_str().expect("user id").to_owned(),
    }
}

/// Runs the same test body on both backends.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                use crate::helpers::{Backend, TestApp};
                #[tokio::test]
                async fn embedded() {
                    super::$name(TestApp::spawn(Backend::Embedded).await).await;
                }
                #[tokio::test]
                async fn dynamodb() {
                    super::$name(TestApp::spawn(Backend::Dynamo).await).await;
                }
            }
        )*
    };
}
pub(crate) use on_both_backends;
