//! Email through SES: the server's outbox sends invites and reset links with the SES v2 adapter
//! to moto's SES server (started here, on loopback), and what SES received is read back from
//! moto's data endpoint and parsed as the MIME message a mail provider would get.

use crate::helpers::*;
use functions::adapters::ses::SesEmail;
use mail_parser::{HeaderValue, MessageParser};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

const FROM: &str = "no-reply@sideline.test";

pub use crate::common::moto::Moto;

impl Moto {
    /// moto with the sending domain verified, and the local server emailing through it.
    async fn serving() -> (Self, TestApp) {
        let moto = Self::start().await;
        let ses = moto.ses();
        ses.create_email_identity()
            .email_identity("sideline.test")
            .send()
            .await
            .expect("verify the sending domain");
        let app = TestApp::with_email(Arc::new(SesEmail::from_client(ses, FROM.into()))).await;
        (moto, app)
    }

    fn ses(&self) -> aws_sdk_sesv2::Client {
        let creds = aws_sdk_sesv2::config::Credentials::new("test", "test", None, None, "tests");
        let conf = aws_sdk_sesv2::Config::builder()
            .behavior_version(aws_sdk_sesv2::config::BehaviorVersion::latest())
            .region(aws_sdk_sesv2::config::Region::new("us-east-1"))
            .credentials_provider(creds)
            .endpoint_url(&self.url)
            .build();
        aws_sdk_sesv2::Client::from_conf(conf)
    }

    /// The raw messages SES accepted, oldest first.
    async fn sent(&self) -> Vec<String> {
        let data: Value = reqwest::get(format!("{}/moto-api/data.json", self.url))
            .await
            .expect("moto's data")
            .json()
            .await
            .expect("json");
        data["sesv2"]["RawMessage"]
            .as_array()
            .or_else(|| data["ses"]["RawMessage"].as_array())
            .map(|all| {
                all.iter()
                    .filter_map(|m| m["raw_data"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The raw message sent to `to` whose subject contains `subject`, waiting for it.
    async fn wait_for(&self, to: &str, subject: &str) -> String {
        for _ in 0..200 {
            if let Some(raw) = self.sent().await.into_iter().find(|raw| {
                let m = MessageParser::default()
                    .parse(raw.as_bytes())
                    .expect("a MIME message");
                m.to()
                    .and_then(|a| a.first())
                    .and_then(|a| a.address())
                    .is_some_and(|a| a == to)
                    && m.subject().is_some_and(|s| s.contains(subject))
            }) {
                return raw;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no email to {to} about {subject:?} reached SES");
    }
}

/// Checks what every email carries: the business's name as sender name on the sending
/// address, one recipient, a plain-text part holding `link`, a Message-ID, and (these being
/// transactional) no unsubscribe headers. Returns the text.
fn check_transactional(raw: &str, business: &str, to: &str, link_prefix: &str) -> String {
    let m = MessageParser::default()
        .parse(raw.as_bytes())
        .expect("a MIME message");
    let from = m.from().and_then(|a| a.first()).expect("a From");
    assert_eq!(from.name(), Some(business), "{raw}");
    assert_eq!(from.address(), Some(FROM), "{raw}");
    let recipients: Vec<_> = m
        .to()
        .map(|a| a.iter().filter_map(|a| a.address()).collect())
        .unwrap_or_default();
    assert_eq!(recipients, [to], "{raw}");
    assert!(
        m.message_id()
            .is_some_and(|id| id.ends_with("@sideline.test")),
        "{raw}"
    );
    assert!(
        m.text_body_count() == 1 && m.html_body_count() <= 1,
        "{raw}"
    );
    let text = m.body_text(0).expect("a text part").into_owned();
    assert!(text.contains(link_prefix), "{text}");
    assert!(
        matches!(
            m.header("List-Unsubscribe"),
            None | Some(HeaderValue::Empty)
        ),
        "a transactional email has no unsubscribe header: {raw}"
    );
    text
}

/// The token at the end of the link of `text` that starts with `prefix`.
fn token_in(text: &str, prefix: &str) -> String {
    let link = text
        .split_whitespace()
        .find(|w| w.starts_with(prefix))
        .unwrap_or_else(|| panic!("no link starting {prefix} in {text}"));
    link.rsplit('/').next().expect("token").to_owned()
}

#[tokio::test]
async fn confirmations_invites_and_reset_links_go_out_through_ses_with_the_right_link_and_headers()
{
    let (moto, app) = Moto::serving().await;

    // The owner's email is confirmed by a link sent to it.
    let owner_email = unique_email("owner");
    app.signup_as("Peak Performance", &owner_email, "a long password")
        .await
        .ok();
    let raw = moto.wait_for(&owner_email, "Confirm your email").await;
    let prefix = format!("{}/verify/", app.base);
    let text = check_transactional(&raw, "Peak Performance", &owner_email, &prefix);
    let token = token_in(&text, &prefix);
    let owner = session_of(
        &app.post("/api/auth/verify", None, json!({ "token": token }))
            .await
            .ok(),
    );
    let client_email = unique_email("client");
    app.post(
        "/api/clients",
        Some(&owner.token),
        json!({"name": "Dana Client", "email": client_email, "messaging": "two_way"}),
    )
    .await
    .ok();

    // The invite: its link opens the client app's invite page and works.
    let raw = moto.wait_for(&client_email, "invited you").await;
    let prefix = format!("{}/c/a/invite/", app.base);
    let text = check_transactional(&raw, "Peak Performance", &client_email, &prefix);
    let token = token_in(&text, &prefix);
    let preview = app
        .get(&format!("/api/auth/invites/{token}"), None)
        .await
        .ok();
    assert_eq!(preview["name"], "Dana Client");

    // The reset link: it sets a new password.
    assert_eq!(
        app.post(
            "/api/auth/password-reset",
            None,
            json!({"login": owner_email}),
        )
        .await
        .status,
        202
    );
    let raw = moto.wait_for(&owner_email, "Reset your password").await;
    let prefix = format!("{}/reset/", app.base);
    let text = check_transactional(&raw, "Peak Performance", &owner_email, &prefix);
    let token = token_in(&text, &prefix);
    assert_eq!(
        app.post(
            "/api/auth/password-reset/confirm",
            None,
            json!({"token": token, "password": "another long password"}),
        )
        .await
        .status,
        200
    );
    assert_eq!(
        app.login(&owner_email, "another long password")
            .await
            .status,
        200
    );
}

/// What is not strictly transactional carries the one-click unsubscribe headers (RFC 8058) and
/// a link in its text; a mail client's one-click POST stops that business's such emails to the
/// address, while transactional ones still arrive.
#[tokio::test]
async fn a_notice_carries_one_click_unsubscribe_and_it_works() {
    let (moto, app) = Moto::serving().await;
    let owner = app
        .signup_as(
            "Peak Performance",
            &unique_email("owner"),
            "a long password",
        )
        .await
        .ok();
    let b: shared::BusinessId = owner["user"]["business_id"]
        .as_str()
        .and_then(|b| b.parse().ok())
        .expect("business");
    let state = &app._running.as_ref().expect("the local server").state;
    let to = unique_email("client");
    let notice = |subject: &str| {
        state.unsubscribe.notice(
            b,
            "Peak Performance",
            &to,
            subject.to_owned(),
            "You have 2 unread messages.",
            Vec::new(),
        )
    };
    state
        .unsubscribe
        .queue(&notice("2 unread messages"))
        .await
        .expect("queued");
    let raw = moto.wait_for(&to, "2 unread messages").await;
    let m = MessageParser::default()
        .parse(raw.as_bytes())
        .expect("MIME");
    let one_click = m
        .header_raw("List-Unsubscribe")
        .expect("List-Unsubscribe")
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_owned();
    assert!(
        one_click.starts_with(&format!("{}/api/auth/unsubscribe/", app.base)),
        "{one_click}"
    );
    assert_eq!(
        m.header_raw("List-Unsubscribe-Post").map(str::trim),
        Some("List-Unsubscribe=One-Click")
    );
    let text = m.body_text(0).expect("text").into_owned();
    assert!(
        text.contains(&format!("{}/unsubscribe/", app.base)),
        "{text}"
    );

    // What a mail client does at one click.
    let clicked = reqwest::Client::new()
        .post(&one_click)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .expect("POST");
    assert_eq!(clicked.status(), 200);
    let said: serde_json::Value = clicked.json().await.expect("json");
    assert_eq!(said["email"], to.as_str());
    assert_eq!(said["business_name"], "Peak Performance");

    // No more notices to the address; a forged link does nothing.
    state
        .unsubscribe
        .queue(&notice("3 unread messages"))
        .await
        .expect("queued");
    let forged = one_click.replace(&one_click[one_click.len() - 4..], "0000");
    let refused = reqwest::Client::new()
        .post(&forged)
        .send()
        .await
        .expect("POST");
    assert_eq!(refused.status(), 404);
    // Something sent after it arrives while the notice never does.
    let other = unique_email("other");
    state
        .unsubscribe
        .queue(&state.unsubscribe.notice(
            b,
            "Peak Performance",
            &other,
            "After".into(),
            "x",
            Vec::new(),
        ))
        .await
        .expect("queued");
    moto.wait_for(&other, "After").await;
    assert!(
        !moto
            .sent()
            .await
            .iter()
            .any(|raw| raw.contains("3 unread messages")),
        "a notice went to an address that unsubscribed"
    );
}

/// The email digest: five messages left unread 15 minutes make one email listing the
/// conversation and its count, with one-click unsubscribe; messages read in time make none.
/// The clock is moved by running what is due later (`/dev/scheduler/run`), not by waiting.
#[tokio::test]
async fn unread_messages_make_one_digest_and_read_ones_none() {
    let (moto, app) = Moto::serving().await;
    let coach = app.signup().await;
    let me = app.get("/api/me", Some(&coach.token)).await.ok();
    let to = me["email"].as_str().expect("email").to_owned();
    let maya = app.joined_client(&coach, "Maya", "two_way").await;
    for i in 1..=5 {
        app.send(
            &maya.session,
            &maya.conversation_id,
            &format!("m{i}"),
            &format!("Update {i}"),
        )
        .await
        .ok();
    }
    let counted = |b: &Value| {
        b["notifications"]
            .as_array()
            .is_some_and(|n| n.iter().any(|n| n["count"] == 5))
    };
    for _ in 0..200 {
        if counted(&app.get("/api/notifications", Some(&coach.token)).await.ok()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let run = |minutes: i64| {
        let app = &app;
        async move {
            app.post("/dev/scheduler/run", None, json!({ "minutes": minutes }))
                .await
                .ok()
        }
    };
    // Not yet: the digest waits 15 minutes.
    assert_eq!(run(5).await["ran"], 0);
    assert_eq!(run(16).await["ran"], 1);
    let raw = moto.wait_for(&to, "5 unread messages from Maya").await;
    let m = MessageParser::default()
        .parse(raw.as_bytes())
        .expect("MIME");
    assert!(m.header_raw("List-Unsubscribe").is_some(), "{raw}");
    let text = m.body_text(0).expect("text").into_owned();
    assert!(text.contains("Maya (5 messages)"), "{text}");
    assert!(text.contains("Update 5"), "{text}");
    assert!(
        text.contains(&format!("{}/inbox/{}", app.base, maya.conversation_id)),
        "{text}"
    );

    // Luis writes twice; the coach reads it within the window: no digest.
    let luis = app.joined_client(&coach, "Luis", "two_way").await;
    let mut last = Value::Null;
    for i in 1..=2 {
        last = app
            .send(&luis.session, &luis.conversation_id, &format!("l{i}"), "Hi")
            .await
            .ok();
    }
    app.post(
        &format!("/api/conversations/{}/read", luis.conversation_id),
        Some(&coach.token),
        json!({ "message_id": last["id"] }),
    )
    .await
    .ok();
    for _ in 0..200 {
        let bell = app.get("/api/notifications", Some(&coach.token)).await.ok();
        let luis_read = bell["notifications"].as_array().is_some_and(|n| {
            n.iter()
                .any(|n| n["conversation_id"] == luis.conversation_id.as_str() && n["read"] == true)
        });
        if luis_read {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    run(16).await;
    // Something sent after it arrives while the digest never does.
    let state = &app._running.as_ref().expect("the local server").state;
    let b: shared::BusinessId = me["business_id"]
        .as_str()
        .and_then(|b| b.parse().ok())
        .expect("business");
    let other = unique_email("other");
    state
        .unsubscribe
        .queue(&state.unsubscribe.notice(
            b,
            "Test Coaching",
            &other,
            "After".into(),
            "x",
            Vec::new(),
        ))
        .await
        .expect("queued");
    moto.wait_for(&other, "After").await;
    let digests = moto
        .sent()
        .await
        .into_iter()
        .filter(|raw| raw.contains("unread message"))
        .count();
    assert_eq!(digests, 1, "only Maya's digest");
}
