//! Web Push, on both backends: browsers register their subscriptions (checked: an https
//! endpoint, or one on this machine locally; a P-256 key and a 16-byte secret), and a push
//! reaches a push service the test runs on loopback, which decrypts it with the browser's keys
//! and checks the VAPID signature against the key the apps subscribe with; a browser that is
//! gone (410) is forgotten.

use crate::helpers::*;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use functions::domain::push::{Delivered, Urgency};
use p256::ecdsa::signature::Verifier as _;
use p256::elliptic_curve::sec1::ToEncodedPoint as _;
use serde_json::{Value, json};
use shared::api::PushPayload;
use std::sync::{Arc, Mutex};

/// A browser: its key pair and secret, as it would subscribe.
pub struct Browser {
    pub key: p256::SecretKey,
    pub auth: [u8; 16],
}

impl Browser {
    pub fn new() -> Self {
        let key = loop {
            if let Ok(k) = p256::SecretKey::from_slice(&rand::random::<[u8; 32]>()) {
                break k;
            }
        };
        Self {
            key,
            auth: rand::random(),
        }
    }

    pub fn subscription(&self, endpoint: &str) -> Value {
        let public = self.key.public_key().to_encoded_point(false);
        json!({
            "endpoint": endpoint,
            "expirationTime": null,
            "keys": {
                "p256dh": URL_SAFE_NO_PAD.encode(public.as_bytes()),
                "auth": URL_SAFE_NO_PAD.encode(self.auth),
            }
        })
    }
}

/// What the push service received: the path, headers and body of each push.
pub type Received = Arc<Mutex<Vec<(String, HeaderMap, Vec<u8>)>>>;

/// A push service on loopback: takes pushes under `/push/`, answers 410 under `/gone/`.
pub async fn push_service() -> (String, Received) {
    push_service_failing(0).await
}

/// [`push_service`], refusing `in_ten` of every ten pushes under `/push/` with a 500 (not
/// kept: the push service did not take them).
pub async fn push_service_failing(in_ten: usize) -> (String, Received) {
    let received: Received = Arc::default();
    let kept = received.clone();
    let count = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let app = axum::Router::new().route(
        "/{kind}/{id}",
        axum::routing::post(
            move |axum::extract::Path((kind, id)): axum::extract::Path<(String, String)>,
                  headers: HeaderMap,
                  body: Bytes| {
                let (kept, count) = (kept.clone(), count.clone());
                async move {
                    let n = count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if kind == "push" && n % 10 < in_ten {
                        return StatusCode::INTERNAL_SERVER_ERROR;
                    }
                    kept.lock().expect("lock").push((
                        format!("/{kind}/{id}"),
                        headers,
                        body.to_vec(),
                    ));
                    if kind == "gone" {
                        StatusCode::GONE
                    } else {
                        StatusCode::CREATED
                    }
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), received)
}

/// Checks a push's VAPID header: an ES256 JWT for `origin`, signed by `key` (base64url).
pub fn check_vapid(headers: &HeaderMap, origin: &str, key: &str) {
    let value = headers["authorization"].to_str().expect("ascii");
    let (t, k) = value
        .strip_prefix("vapid t=")
        .and_then(|rest| rest.split_once(", k="))
        .expect("vapid t=..., k=...");
    assert_eq!(k, key, "signed with the key the apps subscribe with");
    let (signed, signature) = t.rsplit_once('.').expect("a JWT");
    let claims = signed.split_once('.').expect("a JWT").1;
    let claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).expect("b64")).expect("json");
    assert_eq!(claims["aud"], origin);
    let exp = claims["exp"].as_i64().expect("exp");
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    assert!(exp > now && exp <= now + 24 * 3600, "exp {exp}");
    let public =
        p256::ecdsa::VerifyingKey::from_sec1_bytes(&URL_SAFE_NO_PAD.decode(k).expect("b64"))
            .expect("a P-256 key");
    let signature =
        p256::ecdsa::Signature::from_slice(&URL_SAFE_NO_PAD.decode(signature).expect("b64"))
            .expect("a signature");
    public
        .verify(signed.as_bytes(), &signature)
        .expect("the VAPID signature verifies");
}

/// The assembly's services over the app's store, with the same keys (the VAPID key is
/// derived from the token secret).
pub fn services(app: &TestApp) -> functions::domain::AppState {
    functions::domain::assemble(
        app.raw_store(),
        Arc::new(functions::adapters::hub::LocalHub::default()),
        Arc::new(functions::adapters::files::LocalFiles::new(
            std::env::temp_dir().join("sideline-push-test-files"),
            [8u8; 32],
        )),
        functions::domain::Tokens::new(&[7u8; 32]).expect("tokens"),
        "http://127.0.0.1",
    )
}

pub async fn me(app: &TestApp, who: &Session) -> (shared::BusinessId, shared::UserId) {
    let me = app.get("/api/me", Some(&who.token)).await.ok();
    (
        me["business_id"]
            .as_str()
            .expect("business")
            .parse()
            .expect("id"),
        me["id"].as_str().expect("user").parse().expect("id"),
    )
}

/// A push reaches the browser's push service encrypted for it and signed; a gone browser is
/// forgotten and never pushed to again.
pub async fn a_push_is_encrypted_for_the_browser_and_signed(app: TestApp) {
    let (base, received) = push_service().await;
    let coach = app.signup().await;
    let key = app.get("/api/push/key", Some(&coach.token)).await.ok();
    let key = key["public_key"].as_str().expect("key").to_owned();
    assert_eq!(URL_SAFE_NO_PAD.decode(&key).expect("b64").len(), 65);

    let (phone, laptop) = (Browser::new(), Browser::new());
    let phone_endpoint = format!("{base}/push/phone");
    let made = app
        .post(
            "/api/push/subscriptions",
            Some(&coach.token),
            phone.subscription(&phone_endpoint),
        )
        .await;
    assert_eq!(made.status, 201, "{made:?}");
    let again = app
        .post(
            "/api/push/subscriptions",
            Some(&coach.token),
            phone.subscription(&phone_endpoint),
        )
        .await
        .ok();
    assert_eq!(
        again["id"], made.body["id"],
        "the same browser, the same id"
    );
    app.post(
        "/api/push/subscriptions",
        Some(&coach.token),
        laptop.subscription(&format!("{base}/gone/laptop")),
    )
    .await
    .ok();

    let (b, u) = me(&app, &coach).await;
    let services = services(&app);
    let payload = PushPayload {
        title: "Maya".into(),
        body: "Done with today's session 💪".into(),
        url: "/inbox/01ARZ3NDEKTSV4RRFFQ69G5FAV".into(),
        tag: "01ARZ3NDEKTSV4RRFFQ69G5FAV".into(),
    };
    let delivered = services
        .push
        .send(b, u, &payload, Urgency::High)
        .await
        .expect("send");
    assert_eq!(
        delivered,
        Delivered {
            sent: 1,
            gone: 1,
            failed: 0
        }
    );
    let pushes = received.lock().expect("lock").clone();
    let (_, headers, body) = pushes
        .iter()
        .find(|(path, ..)| path == "/push/phone")
        .expect("the phone's push");
    assert_eq!(headers["content-encoding"], "aes128gcm");
    assert_eq!(headers["urgency"], "high");
    assert_eq!(headers["topic"], payload.tag.as_str());
    assert!(headers["ttl"].to_str().expect("ttl").parse::<u32>().is_ok());
    check_vapid(headers, &base, &key);
    let auth = web_push_native::Auth::from(phone.auth);
    let plain = web_push_native::decrypt(body.clone(), &phone.key, &auth).expect("decrypts");
    let shown: Value = serde_json::from_slice(&plain).expect("json");
    assert_eq!(
        shown,
        json!({"title": "Maya", "body": "Done with today's session 💪",
               "url": "/inbox/01ARZ3NDEKTSV4RRFFQ69G5FAV", "tag": "01ARZ3NDEKTSV4RRFFQ69G5FAV"})
    );
    // The laptop's key cannot read the phone's push.
    let laptop_auth = web_push_native::Auth::from(laptop.auth);
    assert!(web_push_native::decrypt(body.clone(), &laptop.key, &laptop_auth).is_err());

    // The gone browser was forgotten: the next push goes to the phone only.
    let next = services
        .push
        .send(b, u, &payload, Urgency::Normal)
        .await
        .expect("send");
    assert_eq!(
        next,
        Delivered {
            sent: 1,
            gone: 0,
            failed: 0
        }
    );
    // Forgotten by the app too (signed out there): nothing is pushed.
    let id = made.body["id"].as_str().expect("id");
    let forgotten = app
        .request(
            reqwest::Method::DELETE,
            &format!("/api/push/subscriptions/{id}"),
            Some(&coach.token),
            None,
        )
        .await;
    assert_eq!(forgotten.status, 204);
    let none = services
        .push
        .send(b, u, &payload, Urgency::Normal)
        .await
        .expect("send");
    assert_eq!(none, Delivered::default());
}

/// Only https endpoints (or this machine's, locally), real keys, each person their own.
pub async fn subscriptions_are_checked_and_each_persons_own(app: TestApp) {
    let coach = app.signup().await;
    let other = app.signup().await;
    let browser = Browser::new();
    let good = browser.subscription("https://push.example.net/send/abc");
    let mut bad_keys = good.clone();
    bad_keys["keys"]["p256dh"] = json!(URL_SAFE_NO_PAD.encode([4u8; 65]));
    let mut short_auth = good.clone();
    short_auth["keys"]["auth"] = json!(URL_SAFE_NO_PAD.encode([1u8; 8]));
    for body in [
        browser.subscription("http://push.example.net/send/abc"),
        browser.subscription("http://10.0.0.8/send/abc"),
        browser.subscription("ftp://push.example.net/x"),
        browser.subscription("not a url"),
        browser.subscription(&format!("https://push.example.net/{}", "x".repeat(2100))),
        bad_keys,
        short_auth,
    ] {
        let refused = app
            .post("/api/push/subscriptions", Some(&coach.token), body)
            .await;
        assert_eq!(
            (refused.status.as_u16(), refused.code()),
            (422, "push.subscription_invalid"),
            "{refused:?}"
        );
    }
    let shape = app
        .post(
            "/api/push/subscriptions",
            Some(&coach.token),
            json!({"endpoint": "https://push.example.net/a"}),
        )
        .await;
    assert_eq!(shape.status.as_u16(), 422);
    assert_eq!(
        app.post("/api/push/subscriptions", None, good.clone())
            .await
            .status,
        401
    );
    let made = app
        .post("/api/push/subscriptions", Some(&coach.token), good)
        .await
        .ok();
    let id = made["id"].as_str().expect("id");

    // Another business's person forgetting it changes nothing of the coach's.
    let theirs = app
        .request(
            reqwest::Method::DELETE,
            &format!("/api/push/subscriptions/{id}"),
            Some(&other.token),
            None,
        )
        .await;
    assert_eq!(theirs.status, 204);
    let (b, u) = me(&app, &coach).await;
    let services = services(&app);
    let kept = services.push.subscriptions_of(b, u).await.expect("read");
    assert_eq!(kept.len(), 1);
    let odd = app
        .request(
            reqwest::Method::DELETE,
            "/api/push/subscriptions/..%2Fx",
            Some(&coach.token),
            None,
        )
        .await;
    assert_eq!(odd.status, 404);
}

/// An assembly over each backend (the VAPID key derived from its known token secret).
async fn over(backend: Backend) -> TestApp {
    let (app, _) = TestApp::counting(backend).await;
    app
}

mod encrypted_and_signed {
    use crate::helpers::Backend;
    #[tokio::test]
    async fn embedded() {
        super::a_push_is_encrypted_for_the_browser_and_signed(super::over(Backend::Embedded).await)
            .await;
    }
    #[tokio::test]
    async fn dynamodb() {
        super::a_push_is_encrypted_for_the_browser_and_signed(super::over(Backend::Dynamo).await)
            .await;
    }
}

mod checked_and_own {
    use crate::helpers::Backend;
    #[tokio::test]
    async fn embedded() {
        super::subscriptions_are_checked_and_each_persons_own(super::over(Backend::Embedded).await)
            .await;
    }
    #[tokio::test]
    async fn dynamodb() {
        super::subscriptions_are_checked_and_each_persons_own(super::over(Backend::Dynamo).await)
            .await;
    }
}
