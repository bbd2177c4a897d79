//! Files sent with messages, on both backends (and S3 on moto's server): signed for, put
//! straight to storage with the size and type signed, attached once, fetched by members only
//! through short-lived URLs, and deleted with their message.

use crate::helpers::*;
use serde_json::{Value, json};

/// A small but real PNG (1×1, transparent).
pub const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0a, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae,
    0x42, 0x60, 0x82,
];

pub async fn sign_for(app: &TestApp, who: &Session, body: Value) -> Reply {
    app.post("/api/uploads", Some(&who.token), body).await
}

/// An absolute URL of what the API answered (the local adapter's are paths on the server).
pub fn absolute(app: &TestApp, url: &str) -> String {
    if url.starts_with('/') {
        format!("{}{url}", app.base)
    } else {
        url.to_owned()
    }
}

/// PUTs `bytes` where `target` (an upload, or its thumbnail) says, with its headers.
pub async fn put(app: &TestApp, target: &Value, content_type: &str, bytes: Vec<u8>) -> u16 {
    let mut req = app
        .http
        .put(absolute(app, target["url"].as_str().expect("url")))
        .body(bytes);
    for (k, v) in target["headers"].as_object().expect("headers") {
        if !k.eq_ignore_ascii_case("content-type") {
            req = req.header(k, v.as_str().expect("header"));
        }
    }
    req = req.header("Content-Type", content_type);
    req.send().await.expect("put").status().as_u16()
}

/// Signs for and puts a photo (with a thumbnail) in `conversation`: the upload's id.
pub async fn uploaded_photo(app: &TestApp, who: &Session, conversation: &str) -> String {
    let signed = sign_for(
        app,
        who,
        json!({
            "conversation_id": conversation, "content_type": "image/png", "size": PNG.len(),
            "name": "squat.png", "width": 1, "height": 1,
            "thumbnail": {"content_type": "image/png", "size": PNG.len()}
        }),
    )
    .await
    .ok();
    assert_eq!(signed["headers"]["Content-Type"], "image/png");
    assert_eq!(put(app, &signed, "image/png", PNG.to_vec()).await, 200);
    assert_eq!(
        put(app, &signed["thumbnail"], "image/png", PNG.to_vec()).await,
        200
    );
    signed["upload_id"].as_str().expect("upload id").to_owned()
}

pub async fn send_with(
    app: &TestApp,
    who: &Session,
    conversation: &str,
    key: &str,
    body: &str,
    attachments: &[&str],
) -> Reply {
    app.post(
        &format!("/api/conversations/{conversation}/messages"),
        Some(&who.token),
        json!({ "client_message_id": key, "body": body, "attachments": attachments }),
    )
    .await
}

/// The short-lived URL of an attachment, asked as JSON.
pub async fn link(
    app: &TestApp,
    who: &Session,
    conversation: &str,
    id: &str,
    query: &str,
) -> Reply {
    let res = app
        .http
        .get(format!(
            "{}/api/conversations/{conversation}/attachments/{id}{query}",
            app.base
        ))
        .bearer_auth(&who.token)
        .header("Accept", "application/json")
        .send()
        .await
        .expect("link");
    let status = res.status();
    let body = res.json::<Value>().await.unwrap_or(Value::Null);
    Reply { status, body }
}

pub async fn fetch(app: &TestApp, url: &str) -> (u16, Vec<u8>, String) {
    let res = app
        .http
        .get(absolute(app, url))
        .send()
        .await
        .expect("fetch");
    let status = res.status().as_u16();
    let ct = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, res.bytes().await.expect("bytes").to_vec(), ct)
}

/// Deletes `message` of conversation `c` as `who`, its sender.
pub async fn delete_message(app: &TestApp, who: &Session, c: &str, message: &Value) {
    let id = message["id"].as_str().expect("id");
    let deleted = app
        .request(
            reqwest::Method::DELETE,
            &format!("/api/conversations/{c}/messages/{id}"),
            Some(&who.token),
            None,
        )
        .await;
    assert!(deleted.status.is_success(), "{deleted:?}");
}

pub fn code(reply: &Reply) -> (u16, &str) {
    (reply.status.as_u16(), reply.code())
}

/// Waits (bounded) until `gone` holds.
pub async fn eventually(mut gone: impl AsyncFnMut() -> bool) -> bool {
    for _ in 0..100 {
        if gone().await {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    false
}

/// The whole way of a photo: signed, put, sent without a caption, seen by the other side,
/// fetched (redirect and JSON, thumbnail and original), deleted with its message.
pub async fn a_photo_goes_from_upload_to_thread_and_away_with_its_message(app: TestApp) {
    let coach = app.signup().await;
    let maya = app.joined_client(&coach, "Maya", "two_way").await;
    let c = maya.conversation_id.clone();
    let upload = uploaded_photo(&app, &maya.session, &c).await;

    // Not sent yet: nobody can fetch it.
    let early = link(&app, &coach, &c, &upload, "").await;
    assert_eq!(code(&early), (404, "attachment.not_found"));

    let sent = send_with(&app, &maya.session, &c, "p1", "  ", &[&upload]).await;
    assert_eq!(sent.status, 201, "{sent:?}");
    let sent = sent.ok();
    assert_eq!(sent["body"], "");
    let a = &sent["attachments"][0];
    assert_eq!(
        (
            a["id"].as_str(),
            a["kind"].as_str(),
            a["name"].as_str(),
            a["size"].as_u64(),
            a["thumbnail"].as_bool()
        ),
        (
            Some(upload.as_str()),
            Some("image"),
            Some("squat.png"),
            Some(PNG.len() as u64),
            Some(true)
        )
    );

    // The coach sees it in the history and fetches it.
    let history = app.history(&coach, &c, "").await.ok();
    assert_eq!(history["items"][0]["attachments"][0]["id"], upload.as_str());
    let original = link(&app, &coach, &c, &upload, "").await.ok();
    let (status, bytes, ct) = fetch(&app, original["url"].as_str().expect("url")).await;
    assert_eq!(
        (status, bytes.as_slice(), ct.as_str()),
        (200, PNG, "image/png")
    );
    let thumb = link(&app, &coach, &c, &upload, "?variant=thumbnail")
        .await
        .ok();
    assert_eq!(
        fetch(&app, thumb["url"].as_str().expect("url")).await.0,
        200
    );
    // Without asking for JSON: a redirect, not to be cached.
    let redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .get(format!(
            "{}/api/conversations/{c}/attachments/{upload}",
            app.base
        ))
        .bearer_auth(&coach.token)
        .send()
        .await
        .expect("redirect");
    assert_eq!(redirect.status().as_u16(), 302);
    assert_eq!(redirect.headers()["cache-control"], "no-store");
    let location = redirect.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    assert_eq!(fetch(&app, &location).await.0, 200);
    // A signed URL is for what it was signed for only.
    let tampered = location.replace("sig=", "sig=0");
    assert_ne!(fetch(&app, &tampered).await.0, 200);

    // The same upload cannot be sent again; a repeat of the same send is the same message.
    let again = send_with(&app, &maya.session, &c, "p2", "again", &[&upload]).await;
    assert_eq!(code(&again), (422, "attachment.already_sent"));
    let repeat = send_with(&app, &maya.session, &c, "p1", "", &[&upload]).await;
    assert_eq!(repeat.status, 200, "{repeat:?}");
    assert_eq!(repeat.body["id"], sent["id"]);

    // Deleted with its message: the files go, and nobody can fetch them.
    delete_message(&app, &maya.session, &c, &sent).await;
    let after = app.history(&coach, &c, "").await.ok();
    assert_eq!(after["items"][0]["attachments"], json!([]));
    assert_eq!(
        code(&link(&app, &coach, &c, &upload, "").await),
        (404, "attachment.not_found")
    );
    let files = app.files_dir();
    let gone = eventually(async || {
        let b = files.read_dir().ok().and_then(|mut d| d.next());
        let Some(Ok(business)) = b else { return true };
        let dir = business.path().join(&c);
        !dir.join(&upload).exists() && !dir.join(format!("{upload}.thumb")).exists()
    })
    .await;
    assert!(gone, "the files outlived their message");
    assert_ne!(fetch(&app, &location).await.0, 200);
}

/// The storage refuses a file of another size or type than signed, and a message refuses an
/// upload not in storage as signed.
pub async fn what_was_signed_is_what_is_stored(app: TestApp) {
    let coach = app.signup().await;
    let maya = app.joined_client(&coach, "Maya", "two_way").await;
    let c = maya.conversation_id.clone();
    let signed = sign_for(
        &app,
        &maya.session,
        json!({"conversation_id": c, "content_type": "application/pdf", "size": 10, "name": "plan.pdf"}),
    )
    .await
    .ok();
    assert_ne!(put(&app, &signed, "text/plain", vec![b'x'; 10]).await, 200);
    assert_ne!(
        put(&app, &signed, "application/pdf", vec![b'x'; 11]).await,
        200
    );
    assert_ne!(
        put(&app, &signed, "application/pdf", vec![b'x'; 9]).await,
        200
    );
    let id = signed["upload_id"].as_str().expect("id");
    let early = send_with(&app, &maya.session, &c, "f1", "my plan", &[id]).await;
    assert_eq!(code(&early), (422, "attachment.not_uploaded"));
    assert_eq!(
        put(&app, &signed, "application/pdf", vec![b'x'; 10]).await,
        200
    );
    let sent = send_with(&app, &maya.session, &c, "f1", "my plan", &[id]).await;
    assert_eq!(sent.status, 201, "{sent:?}");
    assert_eq!(sent.body["attachments"][0]["kind"], "file");
    // A file is offered as a download under its name.
    let got = link(&app, &coach, &c, id, "").await.ok();
    let res = app
        .http
        .get(absolute(&app, got["url"].as_str().expect("url")))
        .send()
        .await
        .expect("get");
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .expect("disposition")
        .to_owned();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    assert!(disposition.contains("plan.pdf"), "{disposition}");
}

/// Types, sizes and descriptions the limits refuse get a clear 422 and no URL.
pub async fn limits_are_checked_before_anything_is_signed(app: TestApp) {
    let coach = app.signup().await;
    let maya = app.joined_client(&coach, "Maya", "two_way").await;
    let c = maya.conversation_id.as_str();
    let cases = [
        (
            json!({"content_type": "image/jpeg", "size": 25 * 1024 * 1024 + 1, "name": "a.jpg"}),
            "upload.too_large",
        ),
        (
            json!({"content_type": "video/mp4", "size": 200 * 1024 * 1024 + 1, "name": "a.mp4"}),
            "upload.too_large",
        ),
        (
            json!({"content_type": "application/pdf", "size": 25 * 1024 * 1024 + 1, "name": "a.pdf"}),
            "upload.too_large",
        ),
        (
            json!({"content_type": "audio/webm", "size": 10 * 1024 * 1024 + 1, "name": "v.webm", "voice": true, "duration_ms": 1000}),
            "upload.too_large",
        ),
        (
            json!({"content_type": "audio/webm", "size": 1000, "name": "v.webm", "voice": true, "duration_ms": 300_001}),
            "upload.too_long",
        ),
        (
            json!({"content_type": "text/html", "size": 10, "name": "a.html"}),
            "upload.type_not_allowed",
        ),
        (
            json!({"content_type": "image/svg+xml", "size": 10, "name": "a.svg"}),
            "upload.type_not_allowed",
        ),
        (
            json!({"content_type": "application/pdf", "size": 0, "name": "a.pdf"}),
            "upload.empty",
        ),
        (
            json!({"content_type": "application/pdf", "size": 10, "name": "   "}),
            "upload.name_invalid",
        ),
        (
            json!({"content_type": "image/png", "size": 10, "name": "a.png", "thumbnail": {"content_type": "image/png", "size": 262_145}}),
            "upload.too_large",
        ),
        (
            json!({"content_type": "image/png", "size": 10, "name": "a.png", "thumbnail": {"content_type": "text/html", "size": 10}}),
            "upload.type_not_allowed",
        ),
        (
            json!({"content_type": "application/pdf", "size": 10, "name": "a.pdf", "width": 10}),
            "upload.invalid",
        ),
        (
            json!({"content_type": "image/png", "size": 10, "name": "a.png", "waveform": [1, 2]}),
            "upload.invalid",
        ),
    ];
    for (mut body, expected) in cases {
        body["conversation_id"] = json!(c);
        let reply = sign_for(&app, &maya.session, body.clone()).await;
        assert_eq!(code(&reply), (422, expected), "{body}");
        assert!(reply.body.get("url").is_none());
    }
    let voice = sign_for(
        &app,
        &maya.session,
        json!({"conversation_id": c, "content_type": "audio/webm;codecs=opus", "size": 5000,
               "name": "voice.webm", "voice": true, "duration_ms": 42_000, "waveform": [0, 128, 255]}),
    )
    .await;
    assert_eq!(voice.status, 201, "{voice:?}");
    assert_eq!(voice.body["headers"]["Content-Type"], "audio/webm");
}

/// Nobody outside a conversation signs for, attaches or fetches its files.
pub async fn files_stay_inside_their_conversation(app: TestApp) {
    let coach = app.signup().await;
    let maya = app.joined_client(&coach, "Maya", "two_way").await;
    let luis = app.joined_client(&coach, "Luis", "two_way").await;
    let other = app.signup().await;
    let c = maya.conversation_id.clone();
    let upload = uploaded_photo(&app, &maya.session, &c).await;
    send_with(&app, &maya.session, &c, "p1", "form check", &[&upload])
        .await
        .ok();

    // Another client and another business: the same 404 as for nothing at all.
    for who in [&luis.session, &other] {
        assert_eq!(
            code(&link(&app, who, &c, &upload, "").await),
            (404, "conversation.not_found")
        );
        let signed = sign_for(
            &app,
            who,
            json!({"conversation_id": c, "content_type": "image/png", "size": 10, "name": "x.png"}),
        )
        .await;
        assert_eq!(signed.status, 404, "{signed:?}");
    }
    // Luis's own upload to his conversation cannot go into Maya's, nor Maya's into his.
    let luis_upload = uploaded_photo(&app, &luis.session, &luis.conversation_id).await;
    let elsewhere = send_with(&app, &maya.session, &c, "p2", "x", &[&luis_upload]).await;
    assert_eq!(code(&elsewhere), (422, "attachment.not_found"));
    let mine_there = send_with(
        &app,
        &luis.session,
        &luis.conversation_id,
        "p3",
        "x",
        &[&upload],
    )
    .await;
    assert_eq!(code(&mine_there), (422, "attachment.not_found"));
    // The coach cannot send Maya's upload as theirs either.
    let maya_upload = uploaded_photo(&app, &maya.session, &c).await;
    let theirs = send_with(&app, &coach, &c, "p4", "x", &[&maya_upload]).await;
    assert_eq!(code(&theirs), (422, "attachment.not_found"));
    // The coach's own fetch of Luis's photo through Maya's conversation finds nothing.
    assert_eq!(
        code(&link(&app, &coach, &c, &luis_upload, "").await),
        (404, "attachment.not_found")
    );
}

on_both_backends!(
    a_photo_goes_from_upload_to_thread_and_away_with_its_message,
    what_was_signed_is_what_is_stored,
    limits_are_checked_before_anything_is_signed,
    files_stay_inside_their_conversation,
);

/// The S3 adapter against moto's S3 server: a presigned PUT then GET round trip, HEAD and
/// DELETE.
#[tokio::test]
async fn the_s3_adapter_puts_reads_and_deletes_through_presigned_urls() {
    use functions::domain::ports::{Blobs, Disposition};
    let moto = crate::email::Moto::start().await;
    let blobs = s3_on(&moto, "media-roundtrip").await;
    let key = "b/c/photo";
    let ttl = std::time::Duration::from_secs(300);
    let signed = blobs
        .presign_put(key, "image/png", PNG.len() as u64, ttl)
        .await
        .expect("presign");
    let http = reqwest::Client::new();
    let put = http
        .put(&signed.url)
        .header("Content-Type", "image/png")
        .body(PNG.to_vec())
        .send()
        .await
        .expect("put");
    assert!(put.status().is_success(), "{put:?}");
    let info = blobs.head(key).await.expect("head").expect("stored");
    assert_eq!(
        (info.size, info.content_type.as_str()),
        (PNG.len() as u64, "image/png")
    );
    let url = blobs
        .presign_get(key, "image/png", "p.png", Disposition::Inline, ttl)
        .await
        .expect("presign get");
    let got = http.get(&url).send().await.expect("get");
    assert_eq!(got.status().as_u16(), 200);
    assert_eq!(got.bytes().await.expect("bytes").as_ref(), PNG);
    blobs.delete(key).await.expect("delete");
    assert_eq!(blobs.head(key).await.expect("head"), None);
    // Deleting what is gone is fine.
    blobs.delete(key).await.expect("delete again");
}

/// A bucket on moto, and the adapter over it.
async fn s3_on(moto: &crate::email::Moto, bucket: &str) -> functions::adapters::s3::S3Blobs {
    let created = reqwest::Client::new()
        .put(format!("{}/{bucket}", moto.url))
        .send()
        .await
        .expect("create bucket");
    assert!(created.status().is_success(), "{created:?}");
    functions::adapters::s3::S3Blobs::with(
        bucket.into(),
        "us-east-1".into(),
        Some(&moto.url),
        functions::adapters::s3::static_credentials("test", "test"),
    )
    .expect("adapter")
}

/// The API over S3 on moto: a photo sent, fetched, then deleted with its message, object and
/// thumbnail gone from the bucket.
#[tokio::test]
async fn on_s3_a_deleted_message_takes_its_objects_with_it() {
    let moto = crate::email::Moto::start().await;
    let blobs = std::sync::Arc::new(s3_on(&moto, "media-api").await);
    let dir = tempfile::tempdir().expect("tempdir");
    let store = std::sync::Arc::new(
        functions::store::embedded::EmbeddedStore::open(&dir.path().join("store.redb"))
            .expect("store"),
    );
    let app = TestApp::over_with(store, dir, Some(blobs)).await;
    let coach = app.signup().await;
    let maya = app.joined_client(&coach, "Maya", "two_way").await;
    let c = maya.conversation_id.clone();
    let upload = uploaded_photo(&app, &maya.session, &c).await;
    let sent = send_with(&app, &maya.session, &c, "p1", "", &[&upload])
        .await
        .ok();
    let got = link(&app, &coach, &c, &upload, "").await.ok();
    let url = got["url"].as_str().expect("url");
    assert!(url.starts_with(&moto.url), "{url}");
    let (status, bytes, _) = fetch(&app, url).await;
    assert_eq!((status, bytes.as_slice()), (200, PNG));

    let listed = async || -> String {
        reqwest::get(format!("{}/media-api?list-type=2", moto.url))
            .await
            .expect("list")
            .text()
            .await
            .expect("text")
    };
    let before = listed().await;
    assert_eq!(before.matches(upload.as_str()).count(), 2, "{before}");
    delete_message(&app, &maya.session, &c, &sent).await;
    let gone = eventually(async || !listed().await.contains(&upload)).await;
    assert!(gone, "objects outlived their message: {}", listed().await);
}
