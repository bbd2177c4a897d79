//! Who is told of a message, and how, on both backends: the bell (one entry per conversation
//! while unread, counting its messages), pushes to a push service the test runs on loopback
//! (decrypted here with the browser's keys), nothing for someone viewing the conversation, no
//! push for someone in the app, reading the conversation reads its entry; a change delivered
//! again notifies nobody twice; a push service failing 3 pushes in 10 gets every message
//! pushed exactly once; quiet hours hold pushes for one summary after; the email digest.

use crate::helpers::*;
use crate::push::{Browser, Received, push_service, push_service_failing, services};
use futures::SinkExt;
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message as WsMessage;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn bell(app: &TestApp, who: &Session) -> Value {
    app.get("/api/notifications", Some(&who.token)).await.ok()
}

/// How many conversations' messages are unread in a bell (the staff's also tell of clients
/// joining).
fn messages_unread(bell: &Value) -> usize {
    bell["notifications"]
        .as_array()
        .expect("notifications")
        .iter()
        .filter(|n| n["kind"] == "message" && n["read"] == false)
        .count()
}

/// The bell once `done` holds of it (the notifier works from the change stream).
async fn bell_when(app: &TestApp, who: &Session, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..200 {
        let now = bell(app, who).await;
        if done(&now) {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the bell never got there: {}", bell(app, who).await);
}

/// The pushes `browser` received at `path`, decrypted: those about conversations (not the
/// news of a client joining, which opens the client's card).
fn pushes(received: &Received, path: &str, browser: &Browser) -> Vec<Value> {
    let auth = web_push_native::Auth::from(browser.auth);
    received
        .lock()
        .expect("lock")
        .iter()
        .filter(|(p, ..)| p == path)
        .map(|(_, _, body)| {
            let plain =
                web_push_native::decrypt(body.clone(), &browser.key, &auth).expect("decrypts");
            serde_json::from_slice::<Value>(&plain).expect("json")
        })
        .filter(|p| {
            !p["url"]
                .as_str()
                .is_some_and(|u| u.starts_with("/clients/"))
        })
        .collect()
}

/// Waits until `browser` has `n` pushes at `path`, then a little longer (for one too many).
async fn pushes_when(received: &Received, path: &str, browser: &Browser, n: usize) -> Vec<Value> {
    for _ in 0..200 {
        if pushes(received, path, browser).len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    pushes(received, path, browser)
}

async fn subscribe(app: &TestApp, who: &Session, browser: &Browser, endpoint: &str) {
    let made = app
        .post(
            "/api/push/subscriptions",
            Some(&who.token),
            browser.subscription(endpoint),
        )
        .await;
    assert_eq!(made.status, 201, "{made:?}");
}

async fn socket(app: &TestApp, who: &Session) -> Socket {
    let url = format!(
        "{}/ws?token={}",
        app.base.replace("http://", "ws://"),
        who.token
    );
    tokio_tungstenite::connect_async(url)
        .await
        .expect("connect")
        .0
}

/// Tells the server what this socket's app shows; waits until it counts.
async fn present(socket: &mut Socket, open: Option<&str>, visible: bool) {
    let report = json!({"type": "presence", "open": open, "visible": visible});
    socket
        .send(WsMessage::Text(report.to_string().into()))
        .await
        .expect("send");
    tokio::time::sleep(Duration::from_millis(150)).await;
}

fn entry<'a>(bell: &'a Value, conversation: &str) -> &'a Value {
    bell["notifications"]
        .as_array()
        .expect("notifications")
        .iter()
        .find(|n| n["conversation_id"] == conversation)
        .unwrap_or(&Value::Null)
}

/// A client's messages reach their coach's bell and browser while the coach is away; not
/// while the coach views the conversation; in the bell but not pushed while the coach is in
/// the app elsewhere; and reading the conversation reads the entry.
pub async fn who_is_not_looking_is_told(app: TestApp) {
    let (base, received) = push_service().await;
    let coach = app.signup().await;
    let maya = app.joined_client(&coach, "Maya", "two_way").await;
    let c = maya.conversation_id.clone();
    let laptop = Browser::new();
    subscribe(&app, &coach, &laptop, &format!("{base}/push/laptop")).await;

    let first = app
        .send(&maya.session, &c, "m1", "Done with **today's** session")
        .await
        .ok();
    let now = bell_when(&app, &coach, |b| messages_unread(b) == 1).await;
    let e = entry(&now, &c);
    assert_eq!(
        (
            e["kind"].clone(),
            e["title"].clone(),
            e["count"].clone(),
            e["read"].clone()
        ),
        (json!("message"), json!("Maya"), json!(1), json!(false)),
        "{now}"
    );
    assert_eq!(e["body"], "Done with today's session");
    assert_eq!(e["url"], format!("/inbox/{c}"));
    let got = pushes_when(&received, "/push/laptop", &laptop, 1).await;
    assert_eq!(
        got,
        [json!({"title": "Maya", "body": "Done with today's session",
                "url": format!("/inbox/{c}"), "tag": c})]
    );

    app.send(&maya.session, &c, "m2", "And the stretches")
        .await
        .ok();
    let now = bell_when(&app, &coach, |b| entry(b, &c)["count"] == 2).await;
    assert_eq!(messages_unread(&now), 1, "one entry for the conversation");
    let got = pushes_when(&received, "/push/laptop", &laptop, 2).await;
    assert_eq!(got.len(), 2);
    assert_eq!(got[1]["body"], "2 new messages · And the stretches");

    // The coach opens the conversation: nothing more while it is in front.
    let mut ws = socket(&app, &coach).await;
    present(&mut ws, Some(&c), true).await;
    app.send(&maya.session, &c, "m3", "Seen?").await.ok();
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(entry(&bell(&app, &coach).await, &c)["count"], 2);
    assert_eq!(pushes(&received, "/push/laptop", &laptop).len(), 2);

    // In the app, another page: in the bell, no push (they are there).
    present(&mut ws, None, true).await;
    app.send(&maya.session, &c, "m4", "Hello?").await.ok();
    bell_when(&app, &coach, |b| entry(b, &c)["count"] == 3).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(pushes(&received, "/push/laptop", &laptop).len(), 2);

    // The tab hidden but the coach there moments ago: still no push.
    present(&mut ws, None, false).await;
    app.send(&maya.session, &c, "m5", "Anyone?").await.ok();
    bell_when(&app, &coach, |b| entry(b, &c)["count"] == 4).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(pushes(&received, "/push/laptop", &laptop).len(), 2);
    drop(ws);

    // Reading the conversation reads its entry.
    let history = app.history(&coach, &c, "").await.ok();
    let last = history["items"]
        .as_array()
        .and_then(|items| items.iter().map(|m| m["id"].as_str()).max())
        .flatten()
        .expect("messages")
        .to_owned();
    app.post(
        &format!("/api/conversations/{c}/read"),
        Some(&coach.token),
        json!({ "message_id": last }),
    )
    .await
    .ok();
    let now = bell_when(&app, &coach, |b| messages_unread(b) == 0).await;
    assert_eq!(entry(&now, &c)["read"], true);
    assert!(first["id"].is_string());

    // The next message starts the count again.
    app.send(&maya.session, &c, "m6", "New week").await.ok();
    let now = bell_when(&app, &coach, |b| messages_unread(b) == 1).await;
    assert_eq!(entry(&now, &c)["count"], 1);

    // Maya is told of the coach's answer, as a client: the business's name, her app's path.
    app.send(&coach, &c, "r1", "On it, @Maya").await.ok();
    let hers = bell_when(&app, &maya.session, |b| b["unread"] == 1).await;
    let e = entry(&hers, &c);
    assert_eq!(e["title"], "Test Coaching");
    assert_eq!(e["url"], format!("/c/inbox/{c}"));
    assert!(
        e["body"]
            .as_str()
            .is_some_and(|b| b.ends_with(": On it, @Maya")),
        "{e}"
    );

    // Marking read: some, all; neither or both is refused; nobody else's bell is touched.
    for body in [
        json!({}),
        json!({"all": true, "ids": [e["id"]]}),
        json!({"ids": ["nope"]}),
    ] {
        let refused = app
            .post("/api/notifications/read", Some(&maya.session.token), body)
            .await;
        assert_eq!(
            (refused.status.as_u16(), refused.code()),
            (422, "notifications.read_invalid")
        );
    }
    let other = app.signup().await;
    let theirs = app
        .post(
            "/api/notifications/read",
            Some(&other.token),
            json!({"ids": [e["id"]]}),
        )
        .await
        .ok();
    assert_eq!(theirs["unread"], 0);
    assert_eq!(bell(&app, &other).await["notifications"], json!([]));
    assert_eq!(bell(&app, &maya.session).await["unread"], 1);
    let read = app
        .post(
            "/api/notifications/read",
            Some(&maya.session.token),
            json!({"ids": [e["id"]]}),
        )
        .await
        .ok();
    assert_eq!(read["unread"], 0);
    let all = app
        .post(
            "/api/notifications/read",
            Some(&coach.token),
            json!({"all": true}),
        )
        .await
        .ok();
    assert_eq!(all["unread"], 0);
    assert_eq!(app.get("/api/notifications", None).await.status, 401);
}

/// Muted conversations notify of mentions only; `none` of nothing; the sender never.
pub async fn levels_and_mentions_decide(app: TestApp) {
    let coach = app.signup().await;
    let maya = app.joined_client(&coach, "Maya", "two_way").await;
    let c = maya.conversation_id.clone();
    let muted = app
        .put(
            &format!("/api/conversations/{c}/notifications"),
            Some(&maya.session.token),
            json!({"level": "mentions"}),
        )
        .await;
    assert_eq!(muted.status, 200);
    app.send(&coach, &c, "a", "Plain news").await.ok();
    let me = app.get("/api/me", Some(&maya.session.token)).await.ok();
    let mention = format!("Look <@{}> here", me["id"].as_str().expect("id"));
    app.send(&coach, &c, "b", &mention).await.ok();
    let now = bell_when(&app, &maya.session, |b| b["unread"] == 1).await;
    let e = entry(&now, &c);
    assert_eq!(
        (e["count"].clone(), e["mentioned"].clone()),
        (json!(1), json!(true))
    );
    assert!(
        e["body"]
            .as_str()
            .is_some_and(|b| b.contains("Look @Maya here")),
        "{e}"
    );
    // The sender's own bell has nothing of it.
    assert_eq!(messages_unread(&bell(&app, &coach).await), 0);

    app.put(
        &format!("/api/conversations/{c}/notifications"),
        Some(&maya.session.token),
        json!({"level": "none"}),
    )
    .await
    .ok();
    app.send(&coach, &c, "c", &mention).await.ok();
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(entry(&bell(&app, &maya.session).await, &c)["count"], 1);
}

/// A change delivered again counts nothing twice and pushes nothing twice.
pub async fn a_change_delivered_again_notifies_once(app: TestApp) {
    let (base, received) = push_service().await;
    let coach = app.signup().await;
    let maya = app.joined_client(&coach, "Maya", "two_way").await;
    let c = maya.conversation_id.clone();
    let phone = Browser::new();
    subscribe(&app, &coach, &phone, &format!("{base}/push/phone")).await;
    let sent = app.send(&maya.session, &c, "m1", "Once").await.ok();
    pushes_when(&received, "/push/phone", &phone, 1).await;
    bell_when(&app, &coach, |b| messages_unread(b) == 1).await;

    // The stream delivers the message's record again.
    let (b, _) = crate::push::me(&app, &coach).await;
    let store = app.raw_store();
    let key = functions::store::keys::message(
        b,
        c.parse().expect("id"),
        sent["id"].as_str().expect("id").parse().expect("id"),
    );
    let item = store
        .get(&key.0, &key.1)
        .await
        .expect("read")
        .expect("the message");
    let change = functions::store::Change {
        pk: item.pk.clone(),
        sk: item.sk.clone(),
        old: None,
        new: Some(item),
    };
    let committed = functions::store::changes::Committed::decode(&change).expect("decode");
    let again = services(&app);
    for _ in 0..2 {
        again
            .notifier
            .on_change(&committed, time::OffsetDateTime::now_utc())
            .await
            .expect("notify");
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(pushes(&received, "/push/phone", &phone).len(), 1);
    assert_eq!(entry(&bell(&app, &coach).await, &c)["count"], 1);
}

/// With the push service refusing 3 pushes in 10, every message is pushed, each once.
pub async fn failing_pushes_are_retried_and_never_doubled(app: TestApp) {
    let (base, received) = push_service_failing(3).await;
    let coach = app.signup().await;
    let maya = app.joined_client(&coach, "Maya", "two_way").await;
    let c = maya.conversation_id.clone();
    let (phone, laptop) = (Browser::new(), Browser::new());
    subscribe(&app, &coach, &phone, &format!("{base}/push/phone")).await;
    subscribe(&app, &coach, &laptop, &format!("{base}/push/laptop")).await;
    let sent = 10;
    for i in 0..sent {
        app.send(&maya.session, &c, &format!("m{i}"), &format!("Message {i}"))
            .await
            .ok();
    }
    for (path, browser) in [("/push/phone", &phone), ("/push/laptop", &laptop)] {
        for _ in 0..400 {
            if pushes(&received, path, browser).len() >= sent {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        let got = pushes(&received, path, browser);
        let mut texts: Vec<String> = got
            .iter()
            .map(|p| {
                let body = p["body"].as_str().expect("body");
                body.rsplit(" · ").next().unwrap_or(body).to_owned()
            })
            .collect();
        assert_eq!(texts.len(), sent, "each message once to {path}: {texts:?}");
        texts.sort();
        texts.dedup();
        assert_eq!(texts.len(), sent, "none twice to {path}");
    }
}

/// Quiet hours hold pushes; when they end, one summary push of what came meanwhile.
pub async fn quiet_hours_hold_pushes_for_one_summary(app: TestApp) {
    let (base, received) = push_service().await;
    let coach = app.signup().await;
    let maya = app.joined_client(&coach, "Maya", "two_way").await;
    let luis = app.joined_client(&coach, "Luis", "two_way").await;
    let laptop = Browser::new();
    subscribe(&app, &coach, &laptop, &format!("{base}/push/laptop")).await;
    // Quiet from an hour ago to an hour on, in UTC.
    let now = time::OffsetDateTime::now_utc();
    let hhmm = |t: time::OffsetDateTime| format!("{:02}:{:02}", t.hour(), t.minute());
    let (from, to) = (
        now - time::Duration::hours(1),
        now + time::Duration::hours(1),
    );
    app.patch(
        "/api/me/notifications",
        Some(&coach.token),
        json!({"quiet_hours": {"from": hhmm(from), "to": hhmm(to)}, "time_zone": "UTC", "email": false}),
    )
    .await
    .ok();
    app.send(&maya.session, &maya.conversation_id, "a", "One")
        .await
        .ok();
    app.send(&maya.session, &maya.conversation_id, "b", "Two")
        .await
        .ok();
    app.send(&luis.session, &luis.conversation_id, "c", "Three")
        .await
        .ok();
    bell_when(&app, &coach, |b| messages_unread(b) == 2).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        pushes(&received, "/push/laptop", &laptop).is_empty(),
        "held"
    );

    // Quiet hours end: one push tells of all three messages.
    let scheduler = services(&app);
    scheduler
        .scheduler
        .run_due(to + time::Duration::minutes(1))
        .await
        .expect("run");
    let got = pushes_when(&received, "/push/laptop", &laptop, 1).await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0]["title"], "While you were away");
    assert_eq!(got[0]["url"], "/inbox");
    let body = got[0]["body"].as_str().expect("body");
    assert!(
        body == "3 new messages from Luis and Maya" || body == "3 new messages from Maya and Luis",
        "{body}"
    );
    // Run again: nothing more.
    scheduler
        .scheduler
        .run_due(to + time::Duration::minutes(3))
        .await
        .expect("run");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(pushes(&received, "/push/laptop", &laptop).len(), 1);
}

/// Signing out forgets the browsers registered in that session; other sessions' stay.
pub async fn signing_out_forgets_that_sessions_browsers(app: TestApp) {
    let owner = app.signup().await;
    let maya = app.joined_client(&owner, "Maya", "two_way").await;
    let me = app.get("/api/me", Some(&maya.session.token)).await.ok();
    let email = me["email"].as_str().expect("email").to_owned();
    let coach = maya.session.clone();
    let other = session_of(&app.login(&email, "client password").await.ok());
    let (phone, laptop) = (Browser::new(), Browser::new());
    subscribe(&app, &coach, &phone, "https://push.example.net/phone").await;
    subscribe(&app, &other, &laptop, "https://push.example.net/laptop").await;
    let (b, u) = crate::push::me(&app, &coach).await;
    let services = services(&app);
    assert_eq!(
        services
            .push
            .subscriptions_of(b, u)
            .await
            .expect("read")
            .len(),
        2
    );
    let out = app
        .post("/api/auth/logout", Some(&coach.token), json!({}))
        .await;
    assert_eq!(out.status, 204, "{out:?}");
    for _ in 0..200 {
        if services
            .push
            .subscriptions_of(b, u)
            .await
            .expect("read")
            .len()
            == 1
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let kept = services.push.subscriptions_of(b, u).await.expect("read");
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].1.endpoint, "https://push.example.net/laptop");
}

fn kinds(bell: &Value) -> Vec<(String, String)> {
    bell["notifications"]
        .as_array()
        .expect("notifications")
        .iter()
        .map(|n| {
            (
                n["kind"].as_str().unwrap_or_default().to_owned(),
                n["title"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// The coach is told when their client joins, when someone else changes the client's
/// messaging, and when their mass message is done; each once.
pub async fn what_happens_to_clients_reaches_their_coach(app: TestApp) {
    let owner = app.signup().await;
    let coach = app.staff_member(&owner, "Kim", "coach").await;
    let added = app.add_client(&coach, "Maya", "two_way").await;
    let maya = app.accept(&added).await;
    let joined = bell_when(&app, &coach, |b| b["unread"] == 1).await;
    assert_eq!(
        kinds(&joined),
        [("client_joined".into(), "Maya joined".into())]
    );
    assert_eq!(
        joined["notifications"][0]["url"],
        format!("/clients/{}", maya.client_id)
    );

    // The owner makes her one-way: Kim is told; the owner (who did it) is not.
    app.put(
        &format!("/api/clients/{}/messaging", maya.client_id),
        Some(&owner.token),
        json!({"mode": "one_way"}),
    )
    .await
    .ok();
    let changed = bell_when(&app, &coach, |b| b["unread"] == 2).await;
    let entry = &changed["notifications"][0];
    assert_eq!(
        (entry["kind"].clone(), entry["title"].clone()),
        (json!("messaging_changed"), json!("Maya reads only now"))
    );
    assert!(
        entry["body"]
            .as_str()
            .is_some_and(|b| b.ends_with("made their messaging one-way.")),
        "{entry}"
    );
    assert!(
        !kinds(&bell(&app, &owner).await)
            .iter()
            .any(|(k, _)| k == "messaging_changed")
    );

    // Kim's mass message reaches Maya: Kim is told it is done.
    let sent = app
        .post(
            "/api/mass-messages",
            Some(&coach.token),
            json!({"id": "spring", "body": "New schedule from **Monday**", "recipients": {"client_ids": [maya.client_id]}}),
        )
        .await;
    assert_eq!(sent.status, 202, "{sent:?}");
    let done = bell_when(&app, &coach, |b| b["unread"] == 3).await;
    let entry = &done["notifications"][0];
    assert_eq!(
        (entry["kind"].clone(), entry["body"].clone()),
        (
            json!("mass_message_done"),
            json!("Reached all 1: “New schedule from Monday”")
        )
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(bell(&app, &coach).await["unread"], 3, "each once");
}

async fn folder(app: &TestApp, who: &Session) -> Vec<String> {
    app.get(
        "/api/conversations?folder=needs_attention",
        Some(&who.token),
    )
    .await
    .ok()["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["id"].as_str().expect("id").to_owned())
        .collect()
}

/// A client nobody answered within the business's hours lands in "Needs attention" and their
/// coach is told; an answer takes the conversation out; a conversation answered in time never
/// lands there.
pub async fn an_unanswered_client_needs_attention(app: TestApp) {
    let owner = app.signup().await;
    let coach = app.staff_member(&owner, "Kim", "coach").await;
    let maya = app
        .accept(&app.add_client(&coach, "Maya", "two_way").await)
        .await;
    let luis = app.joined_client(&owner, "Luis", "two_way").await;
    let settings = app.get("/api/settings", Some(&owner.token)).await.ok();
    assert_eq!(settings["needs_attention_hours"], 24, "a day by default");
    let refused = app
        .patch(
            "/api/settings",
            Some(&owner.token),
            json!({"needs_attention_hours": 0}),
        )
        .await;
    assert_eq!(
        (refused.status.as_u16(), refused.code()),
        (422, "settings.attention_hours_invalid")
    );
    let set = app
        .patch(
            "/api/settings",
            Some(&owner.token),
            json!({"needs_attention_hours": 2}),
        )
        .await
        .ok();
    assert_eq!(set["needs_attention_hours"], 2);

    let (m, l) = (&maya.conversation_id, &luis.conversation_id);
    app.send(&maya.session, m, "a", "Any update on my plan?")
        .await
        .ok();
    app.send(&maya.session, m, "b", "Hello?").await.ok();
    app.send(&luis.session, l, "c", "Quick question").await.ok();
    app.send(&owner, l, "d", "Sure, go ahead").await.ok();
    bell_when(&app, &coach, |b| entry(b, m)["count"] == 2).await;
    bell_when(&app, &luis.session, |b| b["unread"] == 1).await;
    assert!(folder(&app, &coach).await.is_empty());

    let services = services(&app);
    let now = time::OffsetDateTime::now_utc();
    services
        .scheduler
        .run_due(now + time::Duration::hours(1))
        .await
        .expect("run");
    assert!(folder(&app, &coach).await.is_empty(), "not yet");
    services
        .scheduler
        .run_due(now + time::Duration::hours(2) + time::Duration::minutes(2))
        .await
        .expect("run");
    assert_eq!(folder(&app, &coach).await, std::slice::from_ref(m));
    assert_eq!(
        folder(&app, &owner).await,
        std::slice::from_ref(m),
        "the owner sees everyone's"
    );
    let client = app
        .get(
            "/api/conversations?folder=needs_attention",
            Some(&maya.session.token),
        )
        .await;
    assert_eq!(client.status, 403);
    let odd = app
        .get("/api/conversations?folder=everything", Some(&coach.token))
        .await;
    assert_eq!(odd.status, 400);
    let told = bell_when(&app, &coach, |b| {
        kinds(b).iter().any(|(k, _)| k == "needs_attention")
    })
    .await;
    let n = told["notifications"]
        .as_array()
        .expect("list")
        .iter()
        .find(|n| n["kind"] == "needs_attention")
        .expect("told");
    assert_eq!(n["title"], "Maya is waiting for an answer");
    assert_eq!(n["url"], format!("/inbox/{m}"));
    assert!(
        n["body"].as_str().is_some_and(|b| b.ends_with("“Hello?”")),
        "{n}"
    );

    // Kim answers: out of the folder.
    app.send(&coach, m, "e", "Sorry Maya, here it is")
        .await
        .ok();
    for _ in 0..200 {
        if folder(&app, &coach).await.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(folder(&app, &coach).await.is_empty());
}

async fn over(backend: Backend) -> TestApp {
    TestApp::counting(backend).await.0
}

macro_rules! on_both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            use crate::helpers::Backend;
            #[tokio::test]
            async fn embedded() {
                super::$name(super::over(Backend::Embedded).await).await;
            }
            #[tokio::test]
            async fn dynamodb() {
                super::$name(super::over(Backend::Dynamo).await).await;
            }
        }
    )*};
}

on_both!(
    who_is_not_looking_is_told,
    levels_and_mentions_decide,
    a_change_delivered_again_notifies_once,
    failing_pushes_are_retried_and_never_doubled,
    quiet_hours_hold_pushes_for_one_summary,
    signing_out_forgets_that_sessions_browsers,
    what_happens_to_clients_reaches_their_coach,
    an_unanswered_client_needs_attention,
);
