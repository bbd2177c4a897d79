//! Two-way business texting through the API and the phone simulator: turning it on (US and
//! Canada), the number, sending a message as a text (segments, balance, STOP), texts that
//! arrive (the thread, leads, keywords), the registration, turning it off.

use crate::helpers::*;
use functions::store::repo;
use functions::store::texts::TextingRecord;
use serde_json::{Value, json};

const SYSTEM_NUMBER: &str = "+18335550100";

/// An owner whose business is in the United States, with texting on; its number.
pub(crate) async fn texting_business(app: &TestApp) -> (Session, String) {
    let owner = app.signup().await;
    app.patch(
        "/api/business",
        Some(&owner.token),
        json!({"country": "US", "address": {"line1": "1 Market St", "city": "San Francisco",
               "region": "CA", "postal_code": "94105"}}),
    )
    .await
    .ok();
    let on = app
        .post("/api/texting/activate", Some(&owner.token), json!({}))
        .await
        .ok();
    let number = on["number"].as_str().expect("a number").to_owned();
    // Invite links by text are tested on their own: here only what each test sends.
    app.put(
        "/api/texting/transactional",
        Some(&owner.token),
        json!({"invites": false, "welcome": false}),
    )
    .await
    .ok();
    (owner, number)
}

/// A client with a phone (and an email); their id and conversation.
async fn client_with_phone(app: &TestApp, owner: &Session, phone: &str) -> (String, String) {
    let added = app
        .post(
            "/api/clients",
            Some(&owner.token),
            json!({"name": "Maya", "phone": phone, "email": unique_email("maya"),
                   "messaging": "two_way"}),
        )
        .await
        .ok();
    let client = &added["client"];
    (
        client["id"].as_str().expect("id").to_owned(),
        client["conversation_id"]
            .as_str()
            .expect("a conversation")
            .to_owned(),
    )
}

/// The texts the simulator saw that match, waiting a while for them.
async fn texts_where(app: &TestApp, wanted: impl Fn(&Value) -> bool, count: usize) -> Vec<Value> {
    for _ in 0..250 {
        let all = app.get("/dev/sms.json", None).await.ok();
        let found: Vec<Value> = all
            .as_array()
            .expect("texts")
            .iter()
            .filter(|t| wanted(t))
            .cloned()
            .collect();
        if found.len() >= count {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("fewer than {count} such texts");
}

async fn text_in(app: &TestApp, from: &str, to: &str, body: &str) -> Value {
    app.post(
        "/dev/sms/inbound",
        None,
        json!({"from": from, "to": to, "body": body}),
    )
    .await
    .ok()
}

async fn send_text(app: &TestApp, who: &Session, conversation: &str, body: &str) -> Reply {
    app.post(
        &format!("/api/conversations/{conversation}/messages"),
        Some(&who.token),
        json!({"client_message_id": ulid::Ulid::generate().to_string(), "body": body,
               "channel": "sms"}),
    )
    .await
}

/// The message `id` of `conversation` as `who` reads it, once `ready` says it is there.
async fn message_when(
    app: &TestApp,
    who: &Session,
    conversation: &str,
    id: &str,
    ready: impl Fn(&Value) -> bool,
) -> Value {
    for _ in 0..250 {
        let page = app.history(who, conversation, "").await.ok();
        if let Some(m) = page["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|m| m["id"] == id && ready(m))
        {
            return m.clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("message {id} never got there");
}

pub async fn texting_is_for_the_us_and_canada_and_gets_a_number(app: TestApp) {
    let owner = app.signup().await;
    let coach = app.staff_member(&owner, "Kim", "coach").await;
    let off = app.get("/api/texting", Some(&owner.token)).await.ok();
    assert_eq!(
        (off["enabled"].clone(), off["available"].clone()),
        (json!(false), json!(false))
    );
    assert_eq!(off["sending_from"], SYSTEM_NUMBER);
    let r = app
        .post("/api/texting/activate", Some(&owner.token), json!({}))
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "texting.unavailable"));

    app.patch(
        "/api/business",
        Some(&owner.token),
        json!({"country": "CA"}),
    )
    .await
    .ok();
    let r = app
        .post("/api/texting/activate", Some(&coach.token), json!({}))
        .await;
    assert_eq!(r.status.as_u16(), 403, "the owner turns it on");
    let on = app
        .post("/api/texting/activate", Some(&owner.token), json!({}))
        .await
        .ok();
    assert_eq!(on["enabled"], true);
    let number = on["number"].as_str().expect("a number");
    assert!(
        number.starts_with("+1833555") && number.len() == 12,
        "{number}"
    );
    assert_eq!(on["sending_from"], SYSTEM_NUMBER, "until it is verified");
    assert_eq!(on["replies_received"], false);
    assert_eq!(on["registration"]["state"], "not_submitted");
    assert_eq!(
        on["balance"],
        json!({"allowance": 1000, "used": 0, "remaining": 1000,
               "month": on["balance"]["month"].clone()})
    );
    let again = app
        .post("/api/texting/activate", Some(&owner.token), json!({}))
        .await
        .ok();
    assert_eq!(again["number"], number, "on already: the same number");
    assert_eq!(
        app.get("/api/texting", Some(&coach.token)).await.ok(),
        again
    );

    // Clients do not see it; another business has its own.
    let client = app.joined_client(&owner, "Maya", "two_way").await;
    let r = app.get("/api/texting", Some(&client.session.token)).await;
    assert_eq!(r.status.as_u16(), 403);
    let other = app.signup().await;
    let theirs = app.get("/api/texting", Some(&other.token)).await.ok();
    assert_eq!(theirs["enabled"], false);
    assert!(theirs.get("number").is_none());
}

pub async fn a_message_goes_as_a_text_once_with_its_segments(app: TestApp) {
    let (owner, _) = texting_business(&app).await;
    let phone = "+14155550101";
    let (_, conversation) = client_with_phone(&app, &owner, phone).await;

    // A curly apostrophe makes it UCS-2: still one part.
    let sent = send_text(&app, &owner, &conversation, "See you at 6 – don’t be late").await;
    assert_eq!(sent.status.as_u16(), 201, "{}", sent.body);
    let message = sent.body;
    assert_eq!(message["channel"], "sms");
    assert_eq!(message["sms"]["segments"], 1);
    assert_eq!(message["sms"]["encoding"], "ucs2");
    assert_eq!(message["sms"]["status"], "queued");
    assert_eq!(message["sms"]["kind"], "direct");

    let texts = texts_where(&app, |t| t["to"] == phone, 1).await;
    assert_eq!(texts[0]["from"], SYSTEM_NUMBER);
    assert_eq!(texts[0]["body"], "See you at 6 – don’t be late");
    assert_eq!(
        (texts[0]["segments"].clone(), texts[0]["type"].clone()),
        (json!(1), json!("direct"))
    );
    let id = message["id"].as_str().expect("id");
    let delivered = message_when(&app, &owner, &conversation, id, |m| {
        m["sms"]["status"] == "delivered"
    })
    .await;
    assert_eq!(delivered["body"], message["body"]);

    // Formatting goes as plain text; a long text counts its parts against the balance.
    let long = format!("**Plan** {}", "a".repeat(350));
    let sent = send_text(&app, &owner, &conversation, &long).await.ok();
    assert_eq!(
        (
            sent["sms"]["segments"].clone(),
            sent["sms"]["encoding"].clone()
        ),
        (json!(3), json!("gsm7"))
    );
    let plain = format!("Plan {}", "a".repeat(350));
    texts_where(&app, |t| t["body"] == plain.as_str(), 1).await;
    let texting = app.get("/api/texting", Some(&owner.token)).await.ok();
    assert_eq!(texting["balance"]["used"], 4);
    assert_eq!(texting["balance"]["remaining"], 996);

    // The same message again is the same message: one text.
    let body = json!({"client_message_id": "once", "body": "Once", "channel": "sms"});
    let path = format!("/api/conversations/{conversation}/messages");
    let first = app.post(&path, Some(&owner.token), body.clone()).await.ok();
    let second = app.post(&path, Some(&owner.token), body).await;
    assert_eq!(
        (second.status.as_u16(), &second.body["id"]),
        (200, &first["id"])
    );
    texts_where(&app, |t| t["body"] == "Once", 1).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let all = app.get("/dev/sms.json", None).await.ok();
    let once = all
        .as_array()
        .expect("texts")
        .iter()
        .filter(|t| t["body"] == "Once")
        .count();
    assert_eq!(once, 1, "sent once");

    // More than a text may hold, files, a client without a phone, a group: refused.
    let r = send_text(&app, &owner, &conversation, &"a".repeat(551)).await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "sms.too_long"));
    let no_phone = app.joined_client(&owner, "Lee", "two_way").await;
    let r = send_text(&app, &owner, &no_phone.conversation_id, "Hi").await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "sms.no_phone"));
    let group = app
        .post(
            "/api/groups",
            Some(&owner.token),
            json!({"title": "Runners", "member_ids": [no_phone.client_id]}),
        )
        .await
        .ok();
    let r = send_text(&app, &owner, group["id"].as_str().expect("id"), "Hi").await;
    assert_eq!(
        (r.status.as_u16(), r.code()),
        (422, "message.channel_private")
    );
    // A client writes in the app only.
    let r = send_text(&app, &no_phone.session, &no_phone.conversation_id, "Hi").await;
    assert_eq!(r.status.as_u16(), 403);

    // Past the month's balance, nothing is sent.
    let store = app.raw_store();
    let b: shared::BusinessId = owner_business(&app, &owner).await;
    let mut record = repo::get::<TextingRecord>(&*store, b)
        .await
        .expect("read")
        .expect("texting");
    record.value.used = 999;
    store
        .transact(vec![record.update(b).expect("write")])
        .await
        .expect("commit");
    let r = send_text(&app, &owner, &conversation, &"b".repeat(200)).await;
    assert_eq!(
        (r.status.as_u16(), r.code()),
        (422, "sms.balance_exhausted")
    );
    send_text(&app, &owner, &conversation, "Last one")
        .await
        .ok();
    let r = send_text(&app, &owner, &conversation, "One more").await;
    assert_eq!(r.code(), "sms.balance_exhausted");
}

async fn owner_business(app: &TestApp, owner: &Session) -> shared::BusinessId {
    let me = app.get("/api/me", Some(&owner.token)).await.ok();
    me["business_id"]
        .as_str()
        .expect("business")
        .parse()
        .expect("an id")
}

pub async fn texts_that_arrive_land_in_the_thread_and_strangers_become_leads(app: TestApp) {
    let (owner, number) = texting_business(&app).await;
    let phone = "+14155550102";
    let (client, conversation) = client_with_phone(&app, &owner, phone).await;
    app.patch(
        "/api/settings",
        Some(&owner.token),
        json!({"needs_attention_hours": 1}),
    )
    .await
    .ok();

    let got = text_in(&app, phone, &number, "Running late, 10 min").await;
    assert_eq!(got["received"], "message");
    assert_eq!(got["conversation_id"], conversation.as_str());
    let id = got["message_id"].as_str().expect("id");
    let message = message_when(&app, &owner, &conversation, id, |_| true).await;
    assert_eq!(message["sender_id"], client.as_str());
    assert_eq!(message["channel"], "sms");
    assert_eq!(message["sms"]["status"], "received");
    assert_eq!(message["body"], "Running late, 10 min");
    // Unanswered past the business's hours, it needs attention.
    let mut waiting = false;
    for _ in 0..100 {
        app.post("/dev/scheduler/run", None, json!({"minutes": 62}))
            .await
            .ok();
        let attention = app
            .get(
                "/api/conversations?folder=needs_attention",
                Some(&owner.token),
            )
            .await
            .ok();
        if attention["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|c| c["id"] == conversation.as_str())
        {
            waiting = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    }
    assert!(waiting, "the texted conversation needs attention");

    // A number nobody has: a new client named by it, the text their first message.
    let stranger = "+14155550177";
    let got = text_in(&app, stranger, &number, "Hi, do you do online coaching?").await;
    assert_eq!(got["received"], "message");
    let leads = app
        .get("/api/clients?q=%2B1%20415-555-0177", Some(&owner.token))
        .await
        .ok();
    let lead = &leads["items"][0];
    assert_eq!(lead["name"], "+1 415-555-0177");
    assert_eq!(lead["phone"], stranger);
    let lead_conversation = got["conversation_id"].as_str().expect("conversation");
    assert_eq!(lead["conversation_id"], lead_conversation);
    let first = app.history(&owner, lead_conversation, "").await.ok();
    assert_eq!(first["items"][0]["body"], "Hi, do you do online coaching?");
    // The lead's next text goes to the same thread, and they can be texted back.
    let again = text_in(&app, stranger, &number, "Also, prices?").await;
    assert_eq!(again["conversation_id"], lead_conversation);
    send_text(&app, &owner, lead_conversation, "Hi! Yes.")
        .await
        .ok();
    texts_where(&app, |t| t["to"] == stranger && t["body"] == "Hi! Yes.", 1).await;

    // A text to a number nobody holds, or from what is not a phone, goes nowhere.
    let nowhere = text_in(&app, phone, "+18335559998", "Hello?").await;
    assert_eq!(nowhere["received"], "dropped");
    let r = app
        .post(
            "/dev/sms/inbound",
            None,
            json!({"from": "not a phone", "to": number, "body": "x"}),
        )
        .await;
    assert_eq!(r.status.as_u16(), 422);
}

pub async fn stop_start_and_help_are_honoured(app: TestApp) {
    let (owner, number) = texting_business(&app).await;
    let phone = "+14155550103";
    let (_, conversation) = client_with_phone(&app, &owner, phone).await;

    let got = text_in(&app, phone, &number, "  Stop. ").await;
    assert_eq!(got["received"], "message", "the thread shows it");
    let confirmation = texts_where(&app, |t| t["to"] == phone, 1).await;
    assert!(
        confirmation[0]["body"]
            .as_str()
            .is_some_and(|b| b.contains("unsubscribed")),
        "{confirmation:?}"
    );
    assert_eq!(confirmation[0]["from"], number.as_str());
    assert_eq!(confirmation[0]["type"], "transactional");
    let r = send_text(&app, &owner, &conversation, "Are you there?").await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "sms.opted_out"));
    // The app still reaches them.
    app.send(&owner, &conversation, "in-app", "In the app then")
        .await
        .ok();

    text_in(&app, phone, &number, "start").await;
    texts_where(&app, |t| t["to"] == phone, 2).await;
    send_text(&app, &owner, &conversation, "Welcome back")
        .await
        .ok();
    texts_where(&app, |t| t["to"] == phone && t["body"] == "Welcome back", 1).await;

    text_in(&app, phone, &number, "HELP").await;
    texts_where(
        &app,
        |t| {
            t["to"] == phone
                && t["body"]
                    .as_str()
                    .is_some_and(|b| b.contains("reply here to reach us"))
        },
        1,
    )
    .await;

    // A keyword inside a sentence is a message; from a stranger, STOP makes no lead.
    text_in(&app, phone, &number, "please stop by at 6").await;
    send_text(&app, &owner, &conversation, "Sure").await.ok();
    let stranger = "+14155550188";
    let got = text_in(&app, stranger, &number, "STOP").await;
    assert_eq!(got["received"], "keyword");
    texts_where(&app, |t| t["to"] == stranger, 1).await;
    let none = app
        .get("/api/clients?q=%2B1%20415-555-0188", Some(&owner.token))
        .await
        .ok();
    assert_eq!(none["items"], json!([]));
}

fn registration() -> Value {
    json!({
        "legal_name": "Peak Coaching LLC",
        "website": "https://peak.example.com",
        "privacy_policy_url": "https://peak.example.com/privacy",
        "terms_url": "https://peak.example.com/terms",
        "contact_first_name": "Sam",
        "contact_last_name": "Rivera",
        "contact_email": "sam@peak.example.com",
        "contact_phone": "+1 415 555 0100",
        "use_case": "Appointment reminders and replies to our coaching clients.",
        "sample_messages": ["Peak: your session is tomorrow at 6pm. Reply STOP to opt out."],
        "opt_in_description": "Clients agree to texts when they sign up for coaching.",
        "opt_in_type": "digital_form",
        "business_type": "private_profit",
        "monthly_volume": 1000
    })
}

/// A small PNG: the screenshot of where clients agree to texts.
fn screenshot() -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend_from_slice(&[0u8; 2048]);
    png
}

/// Uploads the opt-in proof, as the owner does before submitting.
async fn with_proof(app: &TestApp, owner: &Session) {
    app.put_file(
        "/api/texting/opt-in-proof",
        Some(&owner.token),
        "image/png",
        screenshot(),
    )
    .await
    .ok();
}

pub async fn the_registration_is_submitted_and_its_state_followed(app: TestApp) {
    let (owner, number) = texting_business(&app).await;
    let coach = app.staff_member(&owner, "Kim", "coach").await;
    let r = app
        .put(
            "/api/texting/registration",
            Some(&coach.token),
            registration(),
        )
        .await;
    assert_eq!(r.status.as_u16(), 403);
    let mut bad = registration();
    bad["website"] = json!("http://peak.example.com");
    let r = app
        .put("/api/texting/registration", Some(&owner.token), bad)
        .await;
    assert_eq!(
        (r.status.as_u16(), r.code()),
        (422, "texting.registration_invalid")
    );
    let mut bad = registration();
    bad["sample_messages"] = json!([]);
    let r = app
        .put("/api/texting/registration", Some(&owner.token), bad)
        .await;
    assert_eq!(r.code(), "texting.registration_invalid");
    let mut bad = registration();
    bad["monthly_volume"] = json!(7);
    let r = app
        .put("/api/texting/registration", Some(&owner.token), bad)
        .await;
    assert_eq!(r.code(), "texting.registration_invalid");

    // Not without the proof of how clients agree; a proof is what its type says, of a type
    // and size the carriers take, uploaded by the owner.
    let r = app
        .put(
            "/api/texting/registration",
            Some(&owner.token),
            registration(),
        )
        .await;
    assert_eq!(
        (r.status.as_u16(), r.code()),
        (422, "texting.opt_in_proof_required")
    );
    let proof = "/api/texting/opt-in-proof";
    let r = app
        .put_file(proof, Some(&coach.token), "image/png", screenshot())
        .await;
    assert_eq!(r.status.as_u16(), 403);
    let r = app
        .put_file(proof, Some(&owner.token), "image/gif", b"GIF89a".to_vec())
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (415, "request.content_type"));
    let r = app
        .put_file(proof, Some(&owner.token), "image/jpeg", screenshot())
        .await;
    assert_eq!(
        (r.status.as_u16(), r.code()),
        (422, "texting.opt_in_proof_invalid")
    );
    let r = app
        .put_file(proof, Some(&owner.token), "image/png", Vec::new())
        .await;
    assert_eq!(r.code(), "texting.opt_in_proof_invalid");
    let mut big = screenshot();
    big.resize(500 * 1024 + 1, 0);
    let r = app
        .put_file(proof, Some(&owner.token), "image/png", big)
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (413, "request.too_large"));
    let nothing = app.get("/api/texting", Some(&owner.token)).await.ok();
    assert!(nothing["registration"].get("opt_in_proof").is_none());
    let mut pdf = b"%PDF-1.7\n".to_vec();
    pdf.resize(500 * 1024, b' ');
    let kept = app
        .put_file(proof, Some(&owner.token), "application/pdf", pdf)
        .await
        .ok();
    assert_eq!(
        kept["registration"]["opt_in_proof"]["content_type"],
        "application/pdf"
    );
    assert_eq!(kept["registration"]["opt_in_proof"]["size"], 500 * 1024);
    let kept = app
        .put_file(
            proof,
            Some(&owner.token),
            "image/png; charset=binary",
            screenshot(),
        )
        .await
        .ok();
    assert_eq!(
        kept["registration"]["opt_in_proof"]["content_type"],
        "image/png"
    );

    let submitted = app
        .put(
            "/api/texting/registration",
            Some(&owner.token),
            registration(),
        )
        .await
        .ok();
    assert_eq!(submitted["registration"]["state"], "submitted");
    assert_eq!(
        submitted["registration"]["form"]["business_type"],
        "private_profit"
    );
    // Under review, the proof stays as it was submitted.
    let r = app
        .put_file(proof, Some(&owner.token), "image/png", screenshot())
        .await;
    assert_eq!(
        (r.status.as_u16(), r.code()),
        (409, "texting.registration_pending")
    );
    // Looked at again some hours later: the simulator's reviewers decide only by its control.
    app.post("/dev/scheduler/run", None, json!({"minutes": 370}))
        .await
        .ok();
    let later = app.get("/api/texting", Some(&owner.token)).await.ok();
    assert_eq!(later["registration"]["state"], "submitted");
    assert_eq!(
        submitted["registration"]["form"]["contact_phone"],
        "+14155550100"
    );
    let r = app
        .put(
            "/api/texting/registration",
            Some(&owner.token),
            registration(),
        )
        .await;
    assert_eq!(
        (r.status.as_u16(), r.code()),
        (409, "texting.registration_pending")
    );

    // The reviewers ask for changes, then approve the next version.
    let review = |state: &str, reason: Option<&str>| json!({"number": number, "state": state, "reason": reason});
    let r = app
        .post(
            "/dev/sms/registration",
            None,
            review("requires_updates", Some("Add an opt-in screenshot")),
        )
        .await;
    assert_eq!(r.status.as_u16(), 204);
    let needs = app.get("/api/texting", Some(&owner.token)).await.ok();
    assert_eq!(needs["registration"]["state"], "requires_updates");
    assert_eq!(needs["registration"]["reason"], "Add an opt-in screenshot");
    app.put(
        "/api/texting/registration",
        Some(&owner.token),
        registration(),
    )
    .await
    .ok();
    app.post("/dev/sms/registration", None, review("approved", None))
        .await;
    let approved = app.get("/api/texting", Some(&owner.token)).await.ok();
    assert_eq!(approved["registration"]["state"], "approved");
    assert_eq!(approved["sending_from"], number.as_str());
    assert_eq!(approved["replies_received"], true);
    let r = app
        .put(
            "/api/texting/registration",
            Some(&owner.token),
            registration(),
        )
        .await;
    assert_eq!(r.code(), "texting.registration_approved");
    // The owner is told in the app and emailed; the coach is not.
    let me = app.get("/api/me", Some(&owner.token)).await.ok();
    let business = me["business_id"].as_str().expect("business");
    let email = me["email"].as_str().expect("email");
    let mail = app
        .mail_to(business, email, "Your texting number is verified")
        .await;
    assert!(
        mail["text"]
            .as_str()
            .is_some_and(|t| t.contains("is verified")),
        "{mail}"
    );
    let mut told = Value::Null;
    for _ in 0..200 {
        told = app.get("/api/notifications", Some(&owner.token)).await.ok();
        let kinds = told["notifications"].as_array().map_or(0, |n| {
            n.iter().filter(|n| n["kind"] == "texting_reviewed").count()
        });
        if kinds == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let titles: Vec<&str> = told["notifications"]
        .as_array()
        .expect("notifications")
        .iter()
        .filter(|n| n["kind"] == "texting_reviewed")
        .filter_map(|n| n["title"].as_str())
        .collect();
    assert_eq!(
        titles,
        [
            "Your texting number is verified",
            "Your texting number needs changes"
        ],
        "{told}"
    );
    let coach_bell = app.get("/api/notifications", Some(&coach.token)).await.ok();
    assert!(
        coach_bell["notifications"]
            .as_array()
            .expect("notifications")
            .iter()
            .all(|n| n["kind"] != "texting_reviewed")
    );

    // Texts now go from the business's own number.
    let phone = "+14155550104";
    let (_, conversation) = client_with_phone(&app, &owner, phone).await;
    send_text(&app, &owner, &conversation, "From our number")
        .await
        .ok();
    let texts = texts_where(&app, |t| t["to"] == phone, 1).await;
    assert_eq!(texts[0]["from"], number.as_str());
}

pub async fn turning_texting_off_keeps_the_number_and_answers_as_chosen(app: TestApp) {
    let (owner, number) = texting_business(&app).await;
    let phone = "+14155550105";
    let (_, conversation) = client_with_phone(&app, &owner, phone).await;
    let off = app
        .post(
            "/api/texting/deactivate",
            Some(&owner.token),
            json!({"auto_reply": "do_not_reply"}),
        )
        .await
        .ok();
    assert_eq!(off["enabled"], false);
    assert_eq!(off["number"], number.as_str(), "kept");
    assert!(off["number_kept_until"].is_string());
    assert_eq!(off["auto_reply"], "do_not_reply");
    let r = send_text(&app, &owner, &conversation, "Hi").await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "sms.off"));

    let got = text_in(&app, phone, &number, "Hello?").await;
    assert_eq!(got["received"], "dropped");
    texts_where(
        &app,
        |t| {
            t["to"] == phone
                && t["body"]
                    .as_str()
                    .is_some_and(|b| b.contains("does not take replies"))
        },
        1,
    )
    .await;
    let history = app.history(&owner, &conversation, "").await.ok();
    assert!(
        history["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|m| m["body"] != "Hello?"),
        "nothing lands while off"
    );

    // No auto reply: nothing at all.
    app.post(
        "/api/texting/deactivate",
        Some(&owner.token),
        json!({"auto_reply": "none"}),
    )
    .await
    .ok();
    text_in(&app, phone, &number, "Anyone?").await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let to_phone = app.get("/dev/sms.json", None).await.ok();
    let count = to_phone
        .as_array()
        .expect("texts")
        .iter()
        .filter(|t| t["to"] == phone)
        .count();
    assert_eq!(count, 1, "the one auto reply");

    // Back within 90 days: the same number.
    let on = app
        .post("/api/texting/activate", Some(&owner.token), json!({}))
        .await
        .ok();
    assert_eq!(on["number"], number.as_str());
    assert!(on.get("auto_reply").is_none());
    let r = app
        .post(
            "/api/texting/deactivate",
            Some(&owner.token),
            json!({"auto_reply": "sometimes"}),
        )
        .await;
    assert_eq!(r.status.as_u16(), 422);
}

pub async fn a_message_goes_by_email_to_a_client_who_has_one(app: TestApp) {
    let owner = app.signup().await;
    let business = owner_business(&app, &owner).await.to_string();
    let added = app.add_client(&owner, "Maya", "two_way").await;
    let email = added["client"]["email"].as_str().expect("email").to_owned();
    let conversation = added["client"]["conversation_id"]
        .as_str()
        .expect("conversation")
        .to_owned();
    let sent = app
        .post(
            &format!("/api/conversations/{conversation}/messages"),
            Some(&owner.token),
            json!({"client_message_id": "by-email", "body": "Your **plan** is ready",
                   "channel": "email"}),
        )
        .await
        .ok();
    assert_eq!(sent["channel"], "email");
    assert!(sent.get("sms").is_none());
    let me = app.get("/api/me", Some(&owner.token)).await.ok();
    let subject = format!("{} sent you a message", me["name"].as_str().expect("name"));
    let mail = app.mail_to(&business, &email, &subject).await;
    assert!(
        mail["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("Your plan is ready")),
        "{mail}"
    );
}

/// The network delivers an inbound text again (SNS retries): it acts once, however often and
/// however concurrently it comes, a lead included.
pub async fn a_redelivered_inbound_text_acts_once(app: TestApp) {
    use functions::domain::texting::{Inbound, Received};
    let (owner, number) = texting_business(&app).await;
    let services = crate::push::services(&app);
    let text = |id: &str, from: &str, body: &str| Inbound {
        from: from.into(),
        to: number.clone(),
        body: body.into(),
        id: id.into(),
    };
    let stranger = "+14155550166";
    let first = text("in-1", stranger, "Hi there");
    let answers =
        futures::future::join_all((0..4).map(|_| services.texting.receive(first.clone()))).await;
    let mut messages = Vec::new();
    for a in answers {
        match a.expect("received") {
            Received::Message(c, m) => messages.push((c, m)),
            Received::Repeated => {}
            other => panic!("{other:?}"),
        }
    }
    messages.dedup();
    assert_eq!(messages.len(), 1, "one message: {messages:?}");
    assert_eq!(
        services.texting.receive(first).await.expect("again"),
        Received::Repeated
    );
    let leads = app
        .get("/api/clients?q=%2B1%20415-555-0166", Some(&owner.token))
        .await
        .ok();
    assert_eq!(leads["items"].as_array().map(Vec::len), Some(1), "one lead");
    let conversation = messages[0].0.to_string();
    let history = app.history(&owner, &conversation, "").await.ok();
    assert_eq!(history["items"].as_array().map(Vec::len), Some(1));

    // A STOP delivered twice is answered once.
    let stop = text("in-2", stranger, "STOP");
    services.texting.receive(stop.clone()).await.expect("stop");
    services.texting.receive(stop).await.expect("stop again");
    // (Read from the outbox: these services write past the test's change feed.)
    let b = owner_business(&app, &owner).await;
    let outbox = app
        .raw_store()
        .query(&functions::store::Query::prefix(format!("B#{b}#SMS"), "T#"))
        .await
        .expect("the outbox");
    let answers = outbox
        .items
        .iter()
        .filter(|t| t.data["to"] == stranger)
        .count();
    assert_eq!(answers, 1);
}

/// A known client texts from a new phone: a lead. Merged into the client, everything of the
/// lead (messages in time order, the text's status, purchases, the phone) is the client's; the
/// new phone's next text lands in the client's thread.
pub async fn a_lead_merged_into_a_client_keeps_everything(app: TestApp) {
    let (owner, number) = texting_business(&app).await;
    let (maya, conversation) = client_with_phone(&app, &owner, "+14155550131").await;
    app.send(&owner, &conversation, "m1", "Welcome Maya!")
        .await
        .ok();

    let new_phone = "+14155550132";
    let got = text_in(&app, new_phone, &number, "Hi it's Maya, new phone").await;
    let lead_conversation = got["conversation_id"].as_str().expect("conversation");
    let lead = app
        .get("/api/clients?q=%2B1%20415-555-0132", Some(&owner.token))
        .await
        .ok()["items"][0]["id"]
        .as_str()
        .expect("a lead")
        .to_owned();
    let reply = send_text(&app, &owner, lead_conversation, "Got it, thanks!")
        .await
        .ok();
    let reply_id = reply["id"].as_str().expect("id").to_owned();
    texts_where(
        &app,
        |t| t["to"] == new_phone && t["body"] == "Got it, thanks!",
        1,
    )
    .await;
    // Maya's own thread moves on meanwhile.
    let latest = app
        .send(&owner, &conversation, "m2", "Are you coming Monday?")
        .await
        .ok();
    let program = crate::products::product(&app, &owner, "Program", "unchanged").await;
    app.post(
        &format!("/api/clients/{lead}/purchases"),
        Some(&owner.token),
        json!({"product_id": program}),
    )
    .await
    .ok();

    // Refusals first: nothing changes.
    let path = format!("/api/clients/{lead}/merge");
    let same = app
        .post(&path, Some(&owner.token), json!({"into": lead}))
        .await;
    assert_eq!(
        (same.status.as_u16(), same.code()),
        (422, "client.merge_same")
    );
    let coach = app.staff_member(&owner, "Cody", "coach").await;
    let r = app
        .post(&path, Some(&coach.token), json!({"into": maya}))
        .await;
    assert_eq!(r.status.as_u16(), 403, "{}", r.body);
    let joined = app.joined_client(&owner, "Jo", "two_way").await;
    let r = app
        .post(
            &format!("/api/clients/{}/merge", joined.client_id),
            Some(&owner.token),
            json!({"into": maya}),
        )
        .await;
    assert_eq!(
        (r.status.as_u16(), r.code()),
        (409, "client.merge_signed_in")
    );
    let other = app.signup().await;
    let stranger = app.add_client(&other, "Not yours", "two_way").await;
    let r = app
        .post(
            &path,
            Some(&owner.token),
            json!({"into": stranger["client"]["id"]}),
        )
        .await;
    assert_eq!(r.status.as_u16(), 404, "{}", r.body);
    let r = app
        .post(&path, Some(&other.token), json!({"into": maya}))
        .await;
    assert_eq!(r.status.as_u16(), 404, "{}", r.body);

    let merged = app
        .post(&path, Some(&owner.token), json!({"into": maya}))
        .await
        .ok();
    assert_eq!(merged["id"], maya.as_str());
    assert_eq!(merged["phone"], "+14155550131");
    assert_eq!(merged["other_phones"], json!([new_phone]));
    assert_eq!(merged["conversation_id"], conversation.as_str());

    // The lead is gone: not on any list, not found, their conversation with them.
    let r = app
        .get(&format!("/api/clients/{lead}"), Some(&owner.token))
        .await;
    assert_eq!(r.status.as_u16(), 404);
    let r = app.history(&owner, lead_conversation, "").await;
    assert_eq!(r.status.as_u16(), 404);
    let all = app.get("/api/clients", Some(&owner.token)).await.ok();
    assert!(
        all["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|c| c["id"] != lead.as_str())
    );
    let inbox = app.whole_inbox(&owner.token, 50).await;
    assert!(inbox.iter().all(|c| c["id"] != lead_conversation));
    assert_eq!(
        app.post(&path, Some(&owner.token), json!({"into": maya}))
            .await
            .status
            .as_u16(),
        404
    );

    // One thread, in time order, the lead's text now Maya's; the reply keeps its status.
    let thread = app.history(&owner, &conversation, "").await.ok();
    let bodies: Vec<&str> = thread["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|m| m["body"].as_str().expect("body"))
        .collect();
    assert_eq!(
        bodies,
        [
            "Are you coming Monday?",
            "Got it, thanks!",
            "Hi it's Maya, new phone",
            "Welcome Maya!"
        ]
    );
    assert_eq!(thread["items"][2]["sender_id"], maya.as_str());
    assert_eq!(thread["items"][2]["sender_name"], "Maya");
    assert_eq!(thread["items"][1]["channel"], "sms");
    message_when(&app, &owner, &conversation, &reply_id, |m| {
        m["sms"]["status"] == "delivered"
    })
    .await;
    // Reading the newest message reads the whole thread, the messages moved in too.
    let read = app
        .post(
            &format!("/api/conversations/{conversation}/read"),
            Some(&owner.token),
            json!({"message_id": latest["id"]}),
        )
        .await
        .ok();
    assert_eq!(read["unread_count"], 0, "{read}");

    // The purchase is Maya's; the new phone is held for her and texts into her thread.
    let bought = app
        .get(
            &format!("/api/clients/{maya}/purchases"),
            Some(&owner.token),
        )
        .await
        .ok();
    assert_eq!(bought["items"][0]["product_name"], "Program");
    assert_eq!(bought["items"][0]["client_id"], maya.as_str());
    let taken = app
        .post(
            "/api/clients",
            Some(&owner.token),
            json!({"name": "Copy", "phone": new_phone, "messaging": "two_way"}),
        )
        .await;
    assert_eq!(taken.code(), "client.phone_taken");
    let again = text_in(&app, new_phone, &number, "See you Monday").await;
    assert_eq!(again["conversation_id"], conversation.as_str());
}

/// A mass message sent as texts: marketing, from the shared number even once the business's
/// own is verified, so replies to it are not received; skipped for a client without a phone
/// or who said STOP; once per job id.
pub async fn a_mass_text_is_marketing_and_its_replies_are_not_received(app: TestApp) {
    let (owner, number) = texting_business(&app).await;
    with_proof(&app, &owner).await;
    app.put(
        "/api/texting/registration",
        Some(&owner.token),
        registration(),
    )
    .await
    .ok();
    app.post(
        "/dev/sms/registration",
        None,
        json!({"number": number, "state": "approved", "reason": null}),
    )
    .await
    .ok();
    let (maya, conversation) = client_with_phone(&app, &owner, "+14155550141").await;
    client_with_phone(&app, &owner, "+14155550142").await;
    text_in(&app, "+14155550142", &number, "STOP").await;
    app.add_client(&owner, "No phone", "two_way").await;

    let mass = |id: &str, extra: Value| {
        let mut body = json!({"id": id, "body": "Spring offer: **20% off** this week!",
                              "recipients": {"all": true}, "channel": "sms"});
        body.as_object_mut()
            .expect("an object")
            .extend(extra.as_object().expect("an object").clone());
        app.post("/api/mass-messages", Some(&owner.token), body)
    };
    let tomorrow = (time::OffsetDateTime::now_utc() + time::Duration::days(1))
        .format(&time::format_description::well_known::Rfc3339)
        .expect("a time");
    let r = mass("promo-later", json!({"send_at": tomorrow})).await;
    assert_eq!(
        (r.status.as_u16(), r.code()),
        (422, "scheduled.channel_unsupported")
    );
    let r = mass("promo-mail", json!({"channel": "email"})).await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "mass_message.channel"));
    let accepted = mass("promo-1", json!({})).await;
    assert_eq!(accepted.status.as_u16(), 202, "{}", accepted.body);
    assert_eq!(accepted.body["channel"], "sms");
    let mut job = Value::Null;
    for _ in 0..250 {
        job = app
            .get("/api/mass-messages/promo-1", Some(&owner.token))
            .await
            .ok();
        if job["status"] == "done" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(job["status"], "done", "{job}");
    assert_eq!(
        (job["sent"].as_u64(), job["failed"].as_u64()),
        (Some(1), Some(2))
    );
    let sent = texts_where(&app, |t| t["to"] == "+14155550141", 1).await;
    assert_eq!(sent[0]["from"], SYSTEM_NUMBER);
    assert_eq!(sent[0]["type"], "marketing");
    assert_eq!(sent[0]["body"], "Spring offer: 20% off this week!");
    let thread = app.history(&owner, &conversation, "").await.ok();
    assert_eq!(thread["items"][0]["channel"], "sms");
    assert_eq!(thread["items"][0]["sms"]["kind"], "marketing");
    assert_eq!(thread["items"][0]["sender_id"], owner.user_id.as_str());

    // A reply to the shared number reaches nobody: not Maya's thread, no lead.
    let reply = text_in(&app, "+14155550141", SYSTEM_NUMBER, "Yes please!").await;
    assert_eq!(reply["received"], "dropped");
    let thread = app.history(&owner, &conversation, "").await.ok();
    assert_eq!(thread["items"].as_array().expect("items").len(), 1);
    assert_ne!(thread["items"][0]["sender_id"], maya.as_str());

    // The same job again sends nothing again.
    let again = mass("promo-1", json!({})).await;
    assert_eq!(again.status.as_u16(), 200);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let all = app.get("/dev/sms.json", None).await.ok();
    let to_maya = all
        .as_array()
        .expect("texts")
        .iter()
        .filter(|t| t["to"] == "+14155550141")
        .count();
    assert_eq!(to_maya, 1);
}

/// The owner chooses which automatic messages also go as texts: a client added with a phone
/// gets their invite link and the welcome message by text (transactional), never a phone that
/// said STOP; turned off, a new link goes by text no more.
pub async fn invites_and_the_welcome_go_by_text_as_the_owner_chose(app: TestApp) {
    let (owner, number) = texting_business(&app).await;
    let fresh = app.signup().await;
    app.patch(
        "/api/business",
        Some(&fresh.token),
        json!({"country": "CA"}),
    )
    .await
    .ok();
    let shown = app
        .post("/api/texting/activate", Some(&fresh.token), json!({}))
        .await
        .ok();
    assert_eq!(
        shown["transactional"],
        json!({"invites": true, "welcome": false}),
        "invite links go by text from the start"
    );
    let coach = app.staff_member(&owner, "Kim", "coach").await;
    let both = json!({"invites": true, "welcome": true});
    let r = app
        .put(
            "/api/texting/transactional",
            Some(&coach.token),
            both.clone(),
        )
        .await;
    assert_eq!(r.status.as_u16(), 403);
    let r = app
        .put(
            "/api/texting/transactional",
            Some(&owner.token),
            json!({"invites": true}),
        )
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "request.invalid_body"));
    let set = app
        .put("/api/texting/transactional", Some(&owner.token), both)
        .await
        .ok();
    assert_eq!(set["transactional"]["welcome"], true);
    app.patch(
        "/api/settings",
        Some(&owner.token),
        json!({"welcome_message": {"enabled": true, "text": "Hi {client_first_name}, welcome!"}}),
    )
    .await
    .ok();

    let phone = "+14155550151";
    let added = app
        .post(
            "/api/clients",
            Some(&owner.token),
            json!({"name": "Lena Park", "phone": phone, "messaging": "two_way"}),
        )
        .await
        .ok();
    let token = added["invite"]["token"].as_str().expect("token");
    let conversation = added["client"]["conversation_id"]
        .as_str()
        .expect("conversation");
    let texts = texts_where(&app, |t| t["to"] == phone, 2).await;
    assert!(texts.iter().all(|t| t["type"] == "transactional"));
    let invite = texts
        .iter()
        .find(|t| t["body"].as_str().is_some_and(|b| b.contains("/invite/")))
        .expect("the invite by text");
    assert!(
        invite["body"]
            .as_str()
            .expect("body")
            .ends_with(&format!("/c/a/invite/{token}")),
        "{invite}"
    );
    assert!(texts.iter().any(|t| t["body"] == "Hi Lena, welcome!"));
    let thread = app.history(&owner, conversation, "").await.ok();
    let welcome = &thread["items"][0];
    assert_eq!(welcome["channel"], "sms");
    assert_eq!(welcome["sms"]["kind"], "transactional");
    let id = welcome["id"].as_str().expect("id");
    message_when(&app, &owner, conversation, id, |m| {
        m["sms"]["status"] == "delivered"
    })
    .await;
    let balance = app.get("/api/texting", Some(&owner.token)).await.ok();
    assert!(balance["balance"]["used"].as_u64() >= Some(2), "{balance}");

    // A phone that said STOP gets nothing; the welcome stays in the app.
    text_in(&app, "+14155550152", &number, "STOP").await;
    let stopped = app
        .post(
            "/api/clients",
            Some(&owner.token),
            json!({"name": "Sam", "phone": "+14155550152", "messaging": "two_way"}),
        )
        .await
        .ok();
    let stopped_conversation = stopped["client"]["conversation_id"]
        .as_str()
        .expect("conversation");
    let thread = app.history(&owner, stopped_conversation, "").await.ok();
    assert_eq!(thread["items"][0]["channel"], "in_app");

    // Invites by text turned off: a new link goes by text no more.
    app.put(
        "/api/texting/transactional",
        Some(&owner.token),
        json!({"invites": false, "welcome": true}),
    )
    .await
    .ok();
    let client = added["client"]["id"].as_str().expect("id");
    app.post(
        &format!("/api/clients/{client}/invite"),
        Some(&owner.token),
        json!({}),
    )
    .await
    .ok();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let all = app.get("/dev/sms.json", None).await.ok();
    let to = |p: &str| {
        all.as_array()
            .expect("texts")
            .iter()
            .filter(|t| t["to"] == p && t["direction"] == "out")
            .count()
    };
    assert_eq!(to(phone), 2);
    // STOP's own confirmation is the only text that phone got.
    assert_eq!(to("+14155550152"), 1);
}

/// A number kept since texting was turned off goes back once its 90 days are over (the
/// scheduler's job); turned on after that, the business gets a new one.
pub async fn a_kept_number_is_released_after_its_days(app: TestApp) {
    use functions::store::repo::{DueJobRecord, Job};
    let (owner, number) = texting_business(&app).await;
    app.post(
        "/api/texting/deactivate",
        Some(&owner.token),
        json!({"auto_reply": "none"}),
    )
    .await
    .ok();
    // Not yet due: a run changes nothing.
    app.post("/dev/scheduler/run", None, json!({"minutes": 60}))
        .await
        .ok();
    let kept = app.get("/api/texting", Some(&owner.token)).await.ok();
    assert_eq!(kept["number"], number.as_str());

    // 90 days on (the kept-until time moved back, its job due now).
    let b = owner_business(&app, &owner).await;
    let store = app.raw_store();
    let past = time::OffsetDateTime::now_utc() - time::Duration::minutes(1);
    let mut texting = repo::get::<TextingRecord>(&*store, b)
        .await
        .expect("read")
        .expect("there");
    texting.value.kept_until = Some(past);
    let job = DueJobRecord {
        at: past,
        job: Job::ReleaseNumber,
    };
    let minute = functions::domain::scheduler::minute_of(past);
    store
        .transact(vec![
            texting.update(b).expect("write"),
            repo::overwrite((minute, b, "release-number"), &job).expect("write"),
        ])
        .await
        .expect("commit");
    app.post("/dev/scheduler/run", None, json!({"minutes": 1}))
        .await
        .ok();
    let gone = app.get("/api/texting", Some(&owner.token)).await.ok();
    assert!(gone.get("number").is_none(), "{gone}");
    assert!(gone.get("number_kept_until").is_none(), "{gone}");
    // Nobody holds it any more: a text to it goes nowhere.
    let nowhere = text_in(&app, "+14155550161", &number, "Hello?").await;
    assert_eq!(nowhere["received"], "dropped");
    let on = app
        .post("/api/texting/activate", Some(&owner.token), json!({}))
        .await
        .ok();
    assert!(on["number"].is_string());
    assert_ne!(on["number"], number.as_str());
}

/// A client added twice, one of them with a long history (more messages and purchases than
/// one transaction moves): merged, every message lands once in the kept client's thread, in
/// order, with its edits; every purchase is theirs.
pub async fn a_long_history_merges_in_steps(app: TestApp) {
    let owner = app.signup().await;
    let kept = app.add_client(&owner, "Maya Lopez", "two_way").await;
    let twice = app.add_client(&owner, "Maya L.", "two_way").await;
    let (kept_id, kept_conversation) = (
        kept["client"]["id"].as_str().expect("id"),
        kept["client"]["conversation_id"]
            .as_str()
            .expect("conversation"),
    );
    let (twice_id, twice_conversation) = (
        twice["client"]["id"].as_str().expect("id"),
        twice["client"]["conversation_id"]
            .as_str()
            .expect("conversation"),
    );
    app.send(&owner, kept_conversation, "k1", "Hello Maya")
        .await
        .ok();
    let mut sent = Vec::new();
    for n in 0..75 {
        let m = app
            .send(
                &owner,
                twice_conversation,
                &format!("t{n}"),
                &format!("Session note {n}"),
            )
            .await
            .ok();
        sent.push(m["id"].as_str().expect("id").to_owned());
    }
    for body in ["Session note 3, edited", "Session note 3, edited again"] {
        app.patch(
            &format!(
                "/api/conversations/{twice_conversation}/messages/{}",
                sent[3]
            ),
            Some(&owner.token),
            json!({ "body": body }),
        )
        .await
        .ok();
    }
    let program = crate::products::product(&app, &owner, "Program", "unchanged").await;
    for _ in 0..25 {
        app.post(
            &format!("/api/clients/{twice_id}/purchases"),
            Some(&owner.token),
            json!({"product_id": program}),
        )
        .await
        .ok();
    }

    let merged = app
        .post(
            &format!("/api/clients/{twice_id}/merge"),
            Some(&owner.token),
            json!({"into": kept_id}),
        )
        .await
        .ok();
    assert_eq!(merged["conversation_id"], kept_conversation);
    let page = app
        .history(&owner, kept_conversation, "?limit=100")
        .await
        .ok();
    let items = page["items"].as_array().expect("items");
    let ids: Vec<&str> = items
        .iter()
        .rev()
        .map(|m| m["id"].as_str().expect("id"))
        .collect();
    // Newest first as listed: the kept client's own first message, then the 75 in order.
    let mut want: Vec<&str> = sent.iter().map(String::as_str).collect();
    want.sort_unstable();
    let moved: Vec<&str> = ids.iter().copied().filter(|id| want.contains(id)).collect();
    assert_eq!(moved, want, "every message once, in order");
    assert_eq!(items.len(), 76);
    let edited = items
        .iter()
        .find(|m| m["id"] == sent[3].as_str())
        .expect("the edited message");
    assert_eq!(edited["body"], "Session note 3, edited again");
    let purchases = app
        .get(
            &format!("/api/clients/{kept_id}/purchases?limit=100"),
            Some(&owner.token),
        )
        .await
        .ok();
    assert_eq!(purchases["items"].as_array().expect("items").len(), 25);
    let r = app
        .get(&format!("/api/clients/{twice_id}"), Some(&owner.token))
        .await;
    assert_eq!(r.status.as_u16(), 404);
    let r = app.history(&owner, twice_conversation, "").await;
    assert_eq!(r.status.as_u16(), 404);
}

on_both_backends!(
    a_long_history_merges_in_steps,
    a_redelivered_inbound_text_acts_once,
    texting_is_for_the_us_and_canada_and_gets_a_number,
    a_message_goes_as_a_text_once_with_its_segments,
    texts_that_arrive_land_in_the_thread_and_strangers_become_leads,
    stop_start_and_help_are_honoured,
    the_registration_is_submitted_and_its_state_followed,
    turning_texting_off_keeps_the_number_and_answers_as_chosen,
    a_message_goes_by_email_to_a_client_who_has_one,
    a_lead_merged_into_a_client_keeps_everything,
    a_mass_text_is_marketing_and_its_replies_are_not_received,
    invites_and_the_welcome_go_by_text_as_the_owner_chose,
    a_kept_number_is_released_after_its_days,
);
