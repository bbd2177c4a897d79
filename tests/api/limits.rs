//! Rate limits: brute force from one source is refused with 429 and `Retry-After`, and only
//! that source is: someone signing in from elsewhere is served as before. (On the local
//! server a source is the socket's peer: the attacker here connects from 127.0.0.1, everyone
//! else from 127.0.0.2, both loopback.)

use crate::helpers::*;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// A client of the API connecting from 127.0.0.2.
fn elsewhere() -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .build()
        .expect("client")
}

async fn login(
    http: &reqwest::Client,
    app: &TestApp,
    email: &str,
    password: &str,
) -> (u16, Option<u64>, Value) {
    let res = http
        .post(format!("{}/api/auth/login", app.base))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .expect("login");
    let status = res.status().as_u16();
    let retry = res
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    (status, retry, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_thousand_wrong_passwords_from_one_source_are_refused_and_only_that_source_is() {
    let app = TestApp::spawn(Backend::Embedded).await;
    let victim = unique_email("victim");
    app.proven_signup("Peak", &victim, "the right password")
        .await;
    let other = unique_email("other");
    app.proven_signup("Other", &other, "another password").await;
    let attacker = reqwest::Client::new();
    let bystander = elsewhere();

    // One account from one source: refused after 10 wrong passwords, the right one included.
    let mut statuses = Vec::new();
    for _ in 0..12 {
        statuses.push(login(&attacker, &app, &victim, "a wrong guess").await.0);
    }
    assert_eq!(&statuses[..10], &[401; 10]);
    let (status, retry, body) = login(&attacker, &app, &victim, "the right password").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (429, Some("rate.limited"))
    );
    assert!(
        retry.is_some_and(|s| (1..=900).contains(&s)),
        "Retry-After: {retry:?}"
    );
    // The owner of the account, elsewhere, signs in as before.
    assert_eq!(
        login(&bystander, &app, &victim, "the right password")
            .await
            .0,
        200
    );

    // Many accounts from one source: 1,000 guesses, refused once the source used its window,
    // while someone elsewhere keeps signing in.
    let mut refused = 0;
    let mut idle = Vec::new();
    let mut during = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        assert_eq!(
            login(&bystander, &app, &other, "another password").await.0,
            200
        );
        idle.push(started.elapsed());
    }
    for i in 0..1000 {
        let (status, _, _) = login(&attacker, &app, &unique_email("guess"), "a guess").await;
        if status == 429 {
            refused += 1;
        }
        if i % 100 == 0 {
            let started = Instant::now();
            assert_eq!(
                login(&bystander, &app, &other, "another password").await.0,
                200
            );
            during.push(started.elapsed());
        }
    }
    assert!(
        refused >= 890,
        "only {refused} of 1,000 guesses were refused"
    );
    let p = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() - 1]
    };
    eprintln!(
        "sign-in from elsewhere: slowest idle {:?}, slowest during 1,000 guesses {:?}",
        p(&mut idle),
        p(&mut during)
    );
}

#[tokio::test]
async fn reset_requests_and_invite_guesses_are_limited_per_source() {
    let app = TestApp::spawn(Backend::Embedded).await;
    let email = unique_email("owner");
    app.proven_signup("Peak", &email, "a long password").await;
    let mut last = 0;
    for _ in 0..6 {
        last = app
            .post("/api/auth/password-reset", None, json!({"login": email}))
            .await
            .status
            .as_u16();
    }
    assert_eq!(last, 429, "the 6th request for one address in an hour");
    for _ in 0..50 {
        let reply = app.get("/api/auth/invites/not-a-real-invite", None).await;
        assert_eq!(reply.status, 404);
    }
    let reply = app.get("/api/auth/invites/not-a-real-invite", None).await;
    assert_eq!((reply.status.as_u16(), reply.code()), (429, "rate.limited"));
    // Elsewhere, nothing changed.
    let res = elsewhere()
        .get(format!("{}/api/auth/invites/not-a-real-invite", app.base))
        .send()
        .await
        .expect("preview");
    assert_eq!(res.status(), 404);
}

/// The counters the Lambdas share count every attempt, concurrent ones included.
#[tokio::test]
async fn store_counters_count_concurrent_attempts_on_dynamodb() {
    use functions::domain::ports::Limits as _;
    let store = std::sync::Arc::new(crate::common::fresh_dynamo_store().await);
    let limits = std::sync::Arc::new(functions::adapters::limits::StoreLimits::new(store));
    let ends_at = time::OffsetDateTime::now_utc().unix_timestamp() + 900;
    let adds = (0..8).map(|_| {
        let limits = limits.clone();
        tokio::spawn(async move { limits.add("signin.source:10.0.0.9", 7, ends_at).await })
    });
    for add in futures::future::join_all(adds).await {
        add.expect("task").expect("add");
    }
    assert_eq!(
        limits
            .count("signin.source:10.0.0.9", 7)
            .await
            .expect("count"),
        8
    );
    assert_eq!(
        limits
            .count("signin.source:10.0.0.9", 8)
            .await
            .expect("count"),
        0
    );
    assert_eq!(
        limits
            .count("signin.source:10.0.0.10", 7)
            .await
            .expect("count"),
        0
    );
}

/// A business sends at most 20 new mass messages an hour: the next is refused with 429 and
/// `Retry-After`, sending one of them again is answered as before, and another business is
/// not held back.
async fn a_business_sends_a_bounded_number_of_mass_messages_an_hour(app: TestApp) {
    let owner = app.signup().await;
    let client = app.add_client(&owner, "Maya", "two_way").await;
    let to = serde_json::json!({"client_ids": [client["client"]["id"]]});
    let mass = |id: String| serde_json::json!({"id": id, "body": "Class moved to 7", "recipients": to.clone()});
    for n in 0..20 {
        let r = app
            .post(
                "/api/mass-messages",
                Some(&owner.token),
                mass(format!("hour-{n}")),
            )
            .await;
        assert_eq!(r.status.as_u16(), 202, "{}", r.body);
    }
    let res = app
        .http
        .post(format!("{}/api/mass-messages", app.base))
        .bearer_auth(&owner.token)
        .json(&mass("hour-20".into()))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status().as_u16(), 429);
    let wait: u64 = res
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!((1..=3600).contains(&wait), "{wait}");
    let body: serde_json::Value = res.json().await.expect("JSON");
    assert_eq!(body["error"]["code"], "rate.limited");
    let again = app
        .post(
            "/api/mass-messages",
            Some(&owner.token),
            mass("hour-3".into()),
        )
        .await;
    assert_eq!(again.status.as_u16(), 200, "{}", again.body);
    let other = app.signup().await;
    let theirs = app.add_client(&other, "Sam", "two_way").await;
    let r = app
        .post(
            "/api/mass-messages",
            Some(&other.token),
            serde_json::json!({"id": "hour-0", "body": "Hi",
                               "recipients": {"client_ids": [theirs["client"]["id"]]}}),
        )
        .await;
    assert_eq!(r.status.as_u16(), 202, "{}", r.body);
}

on_both_backends!(a_business_sends_a_bounded_number_of_mass_messages_an_hour);

/// Sends `body(key)` to `path` (POST) with fresh keys, taking turns among `senders`, until one
/// is refused, at most 20 more: checks that it is a 429 `rate.limited` with a `Retry-After` of
/// at most `longest_wait` seconds. Answers how many went through first; the refused one's key
/// is `extra-<that number>`.
async fn refused_soon(
    app: &TestApp,
    path: &str,
    senders: &[&Session],
    longest_wait: u64,
    body: impl Fn(String) -> Value,
) -> usize {
    let mut extra = 0;
    let res = loop {
        let res = app
            .http
            .post(format!("{}{path}", app.base))
            .bearer_auth(&senders[extra % senders.len()].token)
            .json(&body(format!("extra-{extra}")))
            .send()
            .await
            .expect("send");
        if res.status() != 201 || extra == 20 {
            break res;
        }
        extra += 1;
    };
    assert_eq!(res.status().as_u16(), 429, "after {extra} more");
    let retry: u64 = res
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!((1..=longest_wait).contains(&retry), "{retry}");
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["error"]["code"], "rate.limited");
    extra
}

/// One person sends at most 1,200 messages in 10 minutes and signs at most 300 uploads an
/// hour: past that, 429 `rate.limited` with `Retry-After`, and nothing is written. Resending an
/// acknowledged message is not counted; someone else of the business is not held back.
#[tokio::test]
async fn a_person_sends_and_uploads_a_bounded_number() {
    let app = TestApp::spawn(Backend::Embedded).await;
    let coach = app.signup().await;
    let maya = app.joined_client(&coach, "Maya", "two_way").await;
    let conversation = maya.conversation_id.clone();
    let app = std::sync::Arc::new(app);
    // 1,200 sends, 8 at a time; each one's first resend answers 200, not counted.
    let tasks: Vec<_> = (0..8)
        .map(|t| {
            let (app, maya) = (app.clone(), maya.clone());
            tokio::spawn(async move {
                for i in (t..1_200).step_by(8) {
                    let key = format!("m{i}");
                    let r = app
                        .send(&maya.session, &maya.conversation_id, &key, "Set done")
                        .await;
                    assert_eq!(r.status, 201, "{i}: {}", r.body);
                    if i % 100 == 0 {
                        let again = app
                            .send(&maya.session, &maya.conversation_id, &key, "Set done")
                            .await;
                        assert_eq!(again.status, 200, "{}", again.body);
                    }
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("sender");
    }
    // The next is refused. (Were the sends to straddle two windows, the older one's weighs a
    // little less by now: a few more may pass, never many.)
    let path = format!("/api/conversations/{conversation}/messages");
    let extra = refused_soon(
        &app,
        &path,
        &[&maya.session],
        600,
        |key| json!({"client_message_id": key, "body": "Again"}),
    )
    .await;
    // The refused one was not written; the coach still sends.
    let page = app.history(&coach, &conversation, "?limit=1").await.ok();
    let last = page["items"][0]["client_message_id"]
        .as_str()
        .expect("last");
    assert_ne!(last, format!("extra-{extra}"), "{page}");
    let r = app
        .send(&coach, &conversation, "coach-1", "Great work")
        .await;
    assert_eq!(r.status, 201, "{}", r.body);

    // Uploads: 300 signed, the next refused.
    let photo = json!({"conversation_id": conversation, "content_type": "image/png", "size": 67, "name": "a.png", "width": 1, "height": 1});
    for i in 0..300 {
        let r = app
            .post("/api/uploads", Some(&coach.token), photo.clone())
            .await;
        assert_eq!(r.status, 201, "{i}: {}", r.body);
    }
    let mut extra = 0;
    let r = loop {
        let r = app
            .post("/api/uploads", Some(&coach.token), photo.clone())
            .await;
        if r.status != 201 || extra == 20 {
            break r;
        }
        extra += 1;
    };
    assert_eq!(
        (r.status.as_u16(), r.code()),
        (429, "rate.limited"),
        "{}",
        r.body
    );
    let r = app
        .post("/api/uploads", Some(&maya.session.token), photo)
        .await;
    assert_eq!(r.status, 201, "another person signs as before: {}", r.body);
}

/// A business sends at most 500 messages as texts an hour, whoever of its staff sends them:
/// past that, 429 `rate.limited` with `Retry-After` and no text goes. The same staff still
/// send in the app, and another business still texts.
#[tokio::test]
async fn a_business_sends_a_bounded_number_of_texts_an_hour() {
    let app = TestApp::spawn(Backend::Embedded).await;
    let (owner, _) = crate::texting::texting_business(&app).await;
    let admin = app.staff_member(&owner, "Ada Admin", "admin").await;
    let added = app
        .post(
            "/api/clients",
            Some(&owner.token),
            json!({"name": "Maya", "phone": "+14155550142", "messaging": "two_way"}),
        )
        .await
        .ok();
    let conversation = added["client"]["conversation_id"]
        .as_str()
        .expect("a conversation")
        .to_owned();
    let text =
        |key: String| json!({"client_message_id": key, "body": "See you at 6", "channel": "sms"});
    let path = format!("/api/conversations/{conversation}/messages");
    let app = std::sync::Arc::new(app);
    // 300 by the owner and 200 by an admin, 4 senders each; a resend is not counted.
    let tasks: Vec<_> = (0..8)
        .map(|t| {
            let (app, path) = (app.clone(), path.clone());
            let who = if t < 4 { owner.clone() } else { admin.clone() };
            let (first, count) = if t < 4 { (t, 300) } else { (300 + t - 4, 500) };
            tokio::spawn(async move {
                for i in (first..count).step_by(4) {
                    let r = app
                        .post(&path, Some(&who.token), text(format!("t{i}")))
                        .await;
                    assert_eq!(r.status, 201, "{i}: {}", r.body);
                    if i % 100 == 0 {
                        let again = app
                            .post(&path, Some(&who.token), text(format!("t{i}")))
                            .await;
                        assert_eq!(again.status, 200, "{}", again.body);
                    }
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("sender");
    }
    // The next text is refused, whoever sends it (a few more may pass were the sends to
    // straddle two windows).
    let extra = refused_soon(&app, &path, &[&owner, &admin], 3600, text).await;
    let page = app.history(&owner, &conversation, "?limit=1").await.ok();
    assert_ne!(
        page["items"][0]["client_message_id"],
        format!("extra-{extra}").as_str(),
        "the refused text was not written"
    );
    // In the app, the same people still send; another business still texts.
    let r = app
        .send(&admin, &conversation, "in-app", "Great work")
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let (other, _) = crate::texting::texting_business(&app).await;
    let theirs = app
        .post(
            "/api/clients",
            Some(&other.token),
            json!({"name": "Sam", "phone": "+14155550143", "messaging": "two_way"}),
        )
        .await
        .ok();
    let r = app
        .post(
            &format!(
                "/api/conversations/{}/messages",
                theirs["client"]["conversation_id"].as_str().expect("id")
            ),
            Some(&other.token),
            text("theirs".into()),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
}
