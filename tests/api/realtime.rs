//! `/ws` on the local server: members get `message.created` and `conversation.read`, nobody else
//! does, and a socket needs a valid token.

use crate::helpers::*;
use futures::StreamExt;
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message as WsMessage;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(app: &TestApp, token: &str) -> Socket {
    let url = format!("{}/ws?token={token}", app.base.replace("http://", "ws://"));
    let (mut socket, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("connect");
    let hello = next_event(&mut socket).await.expect("hello");
    assert_eq!(hello["type"], "hello");
    socket
}

/// The next JSON event, or None after a quiet second.
async fn next_event(socket: &mut Socket) -> Option<Value> {
    loop {
        match tokio::time::timeout(Duration::from_secs(1), socket.next()).await {
            Ok(Some(Ok(WsMessage::Text(t)))) => {
                return Some(serde_json::from_str(&t).expect("json event"));
            }
            Ok(Some(Ok(_))) => continue,
            _ => return None,
        }
    }
}

async fn next_of_type(socket: &mut Socket, kind: &str) -> Value {
    next_matching(socket, kind, |_| true).await
}

async fn next_matching(socket: &mut Socket, kind: &str, pred: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..10 {
        match next_event(socket).await {
            Some(e) if e["type"] == kind && pred(&e) => return e,
            Some(_) => continue,
            None => break,
        }
    }
    panic!("no {kind} event arrived");
}

#[tokio::test]
async fn members_receive_new_messages_and_read_marks_live() {
    let app = TestApp::spawn(Backend::Embedded).await;
    let coach = app.signup().await;
    let maya = app.joined_client(&coach, "Maya", "two_way").await;
    let luis = app.joined_client(&coach, "Luis", "two_way").await;
    let mut coach_ws = connect(&app, &coach.token).await;
    let mut coach_second_tab = connect(&app, &coach.token).await;
    let mut maya_ws = connect(&app, &maya.session.token).await;
    let mut luis_ws = connect(&app, &luis.session.token).await;

    let sent = app
        .send(&coach, &maya.conversation_id, "live-1", "Live hello")
        .await
        .ok();
    let got = next_of_type(&mut maya_ws, "message.created").await;
    assert_eq!(got["message"], sent);
    assert_eq!(
        next_of_type(&mut coach_ws, "message.created").await["message"]["id"],
        sent["id"]
    );
    assert_eq!(
        next_of_type(&mut coach_second_tab, "message.created").await["message"]["id"],
        sent["id"],
        "every tab"
    );

    app.post(
        &format!("/api/conversations/{}/read", maya.conversation_id),
        Some(&maya.session.token),
        json!({"message_id": sent["id"]}),
    )
    .await
    .ok();
    // Sending moved the coach's own read mark first; Maya's comes after it.
    let own = next_of_type(&mut coach_ws, "conversation.read").await;
    assert_eq!(own["user_id"], coach.user_id.as_str());
    let read = next_matching(&mut coach_ws, "conversation.read", |e| {
        e["user_id"] == maya.session.user_id.as_str()
    })
    .await;
    assert_eq!(read["message_id"], sent["id"]);

    // Luis is in the same business but not in Maya's conversation.
    let mut leaked = Vec::new();
    while let Some(e) = next_event(&mut luis_ws).await {
        leaked.push(e);
    }
    assert!(leaked.is_empty(), "Luis received {leaked:?}");
}

#[tokio::test]
async fn a_reconnecting_client_catches_up_by_cursor() {
    let app = TestApp::spawn(Backend::Embedded).await;
    let coach = app.signup().await;
    let maya = app.joined_client(&coach, "Maya", "two_way").await;
    let first = app
        .send(&coach, &maya.conversation_id, "a", "before the drop")
        .await
        .ok();
    let socket = connect(&app, &maya.session.token).await;
    drop(socket);
    for i in 0..3 {
        app.send(
            &coach,
            &maya.conversation_id,
            &format!("b{i}"),
            &format!("while away {i}"),
        )
        .await
        .ok();
    }
    let mut socket = connect(&app, &maya.session.token).await;
    // Catch up: newest page until reaching what was already seen.
    let page = app
        .history(&maya.session, &maya.conversation_id, "")
        .await
        .ok();
    let missed: Vec<_> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .take_while(|m| m["id"] != first["id"])
        .collect();
    assert_eq!(missed.len(), 3);
    let live = app
        .send(&coach, &maya.conversation_id, "c", "after reconnect")
        .await
        .ok();
    assert_eq!(
        next_of_type(&mut socket, "message.created").await["message"]["id"],
        live["id"]
    );
}

#[tokio::test]
async fn a_socket_needs_a_valid_token() {
    let app = TestApp::spawn(Backend::Embedded).await;
    for url in [
        format!("{}/ws", app.base),
        format!("{}/ws?token=forged", app.base),
    ] {
        let url = url.replace("http://", "ws://");
        let err = tokio_tungstenite::connect_async(url)
            .await
            .expect_err("refused");
        match err {
            tokio_tungstenite::tungstenite::Error::Http(res) => assert_eq!(res.status(), 401),
            other => panic!("unexpected {other:?}"),
        }
    }
}

/// The socket's next frame, skipping pings, within a few seconds.
async fn next_frame(socket: &mut Socket) -> Option<WsMessage> {
    loop {
        match tokio::time::timeout(Duration::from_secs(3), socket.next()).await {
            Ok(Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_)))) => continue,
            Ok(Some(Ok(frame))) => return Some(frame),
            _ => return None,
        }
    }
}

/// Says why the session ended (after whatever else was on its way), then closes with the
/// session-ended code.
async fn ends_with(socket: &mut Socket, reason: &str) {
    for _ in 0..10 {
        match next_frame(socket).await {
            Some(WsMessage::Text(t)) => {
                let event: Value = serde_json::from_str(&t).expect("json");
                if event["type"] != "session.ended" {
                    continue;
                }
                assert_eq!(event, json!({"type": "session.ended", "reason": reason}));
                break;
            }
            other => panic!("expected session.ended, got {other:?}"),
        }
    }
    match next_frame(socket).await {
        Some(WsMessage::Close(Some(frame))) => {
            assert_eq!(
                u16::from(frame.code),
                shared::events::SESSION_ENDED_CLOSE_CODE
            )
        }
        other => panic!("expected a close frame, got {other:?}"),
    }
}

#[tokio::test]
async fn a_socket_closes_when_its_session_ends() {
    let app = TestApp::spawn(Backend::Embedded).await;
    let email = unique_email("owner");
    let laptop = app
        .proven_signup("Peak", &email, "a long password")
        .await
        .token;
    let phone = app.login(&email, "a long password").await.ok();
    let phone = phone["token"].as_str().expect("token").to_owned();
    let mut laptop_ws = connect(&app, &laptop).await;
    let mut phone_ws = connect(&app, &phone).await;

    // Signing out on the laptop closes the laptop's socket only.
    app.post("/api/auth/logout", Some(&laptop), json!({}))
        .await
        .ok();
    ends_with(&mut laptop_ws, "signed_out").await;
    assert!(
        next_event(&mut phone_ws).await.is_none(),
        "the phone's socket stays open and quiet"
    );

    // A password change made on the phone ends the phone's session too.
    let changed = app
        .post(
            "/api/auth/password",
            Some(&phone),
            json!({"current": "a long password", "new": "a new long password"}),
        )
        .await
        .ok();
    ends_with(&mut phone_ws, "password_changed").await;
    // The new session's socket is open, until signing out everywhere.
    let fresh = changed["token"].as_str().expect("token").to_owned();
    let mut fresh_ws = connect(&app, &fresh).await;
    app.post("/api/auth/logout-all", Some(&fresh), json!({}))
        .await
        .ok();
    ends_with(&mut fresh_ws, "signed_out_everywhere").await;
    // And an ended session cannot open a socket again.
    let url = format!("{}/ws?token={fresh}", app.base.replace("http://", "ws://"));
    assert!(tokio_tungstenite::connect_async(url).await.is_err());
}

#[tokio::test]
async fn a_deactivated_or_demoted_person_s_socket_closes() {
    let app = TestApp::spawn(Backend::Embedded).await;
    let owner = app.signup().await;
    let admin = app.staff_member(&owner, "Ada Admin", "admin").await;
    let maya = app.joined_client(&owner, "Maya", "two_way").await;
    let mut admin_ws = connect(&app, &admin.token).await;
    let mut maya_ws = connect(&app, &maya.session.token).await;

    app.patch(
        &format!("/api/staff/{}", admin.user_id),
        Some(&owner.token),
        json!({"role": "coach"}),
    )
    .await
    .ok();
    ends_with(&mut admin_ws, "role_changed").await;

    app.patch(
        &format!("/api/clients/{}", maya.client_id),
        Some(&owner.token),
        json!({"active": false}),
    )
    .await
    .ok();
    ends_with(&mut maya_ws, "deactivated").await;
}

#[tokio::test]
async fn a_mode_change_tells_each_member_what_they_may_do_now() {
    let app = TestApp::spawn(Backend::Embedded).await;
    let coach = app.signup().await;
    let maya = app.joined_client(&coach, "Maya", "two_way").await;
    let luis = app.joined_client(&coach, "Luis", "two_way").await;
    let mut coach_ws = connect(&app, &coach.token).await;
    let mut maya_ws = connect(&app, &maya.session.token).await;
    let mut luis_ws = connect(&app, &luis.session.token).await;
    let path = format!("/api/clients/{}/messaging", maya.client_id);

    app.put(&path, Some(&coach.token), json!({"mode": "one_way"}))
        .await
        .ok();
    let e = next_of_type(&mut maya_ws, "permission.changed").await;
    assert_eq!(
        e,
        json!({"type": "permission.changed", "conversation_id": maya.conversation_id, "can_post": false, "messaging": "one_way", "announcement_only": false, "client_active": true})
    );
    let e = next_of_type(&mut coach_ws, "permission.changed").await;
    assert_eq!(e["can_post"], true, "staff still write: {e}");

    app.put(&path, Some(&coach.token), json!({"mode": "two_way"}))
        .await
        .ok();
    let e = next_of_type(&mut maya_ws, "permission.changed").await;
    assert_eq!(e["can_post"], true);

    // An edit that does not touch the mode says nothing; nobody else hears anything.
    app.patch(
        &format!("/api/clients/{}", maya.client_id),
        Some(&coach.token),
        json!({"name": "Maya R."}),
    )
    .await
    .ok();
    while let Some(e) = next_event(&mut maya_ws).await {
        assert_ne!(e["type"], "permission.changed", "{e}");
    }
    if let Some(e) = next_event(&mut luis_ws).await {
        panic!("Luis heard {e}");
    }
}

#[tokio::test]
async fn reactions_reach_every_member_live() {
    let app = TestApp::spawn(Backend::Embedded).await;
    let coach = app.signup().await;
    let luis = app.joined_client(&coach, "Luis", "one_way").await;
    let maya = app.joined_client(&coach, "Maya", "two_way").await;
    let message = app
        .send(&coach, &luis.conversation_id, "c1", "Rest day tomorrow")
        .await
        .ok();
    let mut coach_ws = connect(&app, &coach.token).await;
    let mut maya_ws = connect(&app, &maya.session.token).await;
    app.post(
        &format!(
            "/api/conversations/{}/messages/{}/reactions",
            luis.conversation_id,
            message["id"].as_str().expect("id")
        ),
        Some(&luis.session.token),
        json!({"emoji": "🙏"}),
    )
    .await
    .ok();
    let e = next_of_type(&mut coach_ws, "reaction.changed").await;
    assert_eq!(e["conversation_id"], luis.conversation_id.as_str());
    assert_eq!(e["message_id"], message["id"]);
    assert_eq!(e["reactions"][0]["emoji"], "🙏");
    assert_eq!(
        e["reactions"][0]["users"][0]["id"],
        luis.session.user_id.as_str()
    );
    if let Some(e) = next_event(&mut maya_ws).await {
        panic!("Maya heard {e}");
    }
}

#[tokio::test]
async fn group_members_learn_of_the_group_its_settings_and_their_removal() {
    let app = TestApp::spawn(Backend::Embedded).await;
    let coach = app.signup().await;
    let maya = app.joined_client(&coach, "Maya", "two_way").await;
    let luis = app.joined_client(&coach, "Luis", "two_way").await;
    let mut maya_ws = connect(&app, &maya.session.token).await;
    let mut luis_ws = connect(&app, &luis.session.token).await;
    let group = app
        .post(
            "/api/groups",
            Some(&coach.token),
            json!({"title": "Cohort", "member_ids": [maya.client_id]}),
        )
        .await
        .ok();
    let id = group["id"].as_str().expect("id");
    let e = next_of_type(&mut maya_ws, "permission.changed").await;
    assert_eq!(
        (e["conversation_id"].as_str(), e["can_post"].as_bool()),
        (Some(id), Some(true))
    );

    app.patch(
        &format!("/api/conversations/{id}"),
        Some(&coach.token),
        json!({"announcement_only": true}),
    )
    .await
    .ok();
    let e = next_of_type(&mut maya_ws, "permission.changed").await;
    assert_eq!(e["can_post"], false, "{e}");

    app.request(
        reqwest::Method::DELETE,
        &format!("/api/conversations/{id}/members/{}", maya.client_id),
        Some(&coach.token),
        None,
    )
    .await;
    let e = next_of_type(&mut maya_ws, "conversation.removed").await;
    assert_eq!(e["conversation_id"], id);
    app.send(&coach, id, "after", "not for Maya").await.ok();
    while let Some(e) = next_event(&mut maya_ws).await {
        assert_ne!(e["type"], "message.created", "a removed member heard {e}");
    }
    if let Some(e) = next_event(&mut luis_ws).await {
        panic!("Luis, never in the group, heard {e}");
    }
}

/// A delivered mark and a read mark reach the sender's socket once each; a mark that moves
/// nothing sends nothing.
#[tokio::test]
async fn delivered_and_read_marks_arrive_live_once() {
    let app = TestApp::spawn(Backend::Embedded).await;
    let coach = app.signup().await;
    let maya = app.joined_client(&coach, "Maya", "two_way").await;
    let c = maya.conversation_id.clone();
    let sent = app.send(&coach, &c, "k1", "Ready?").await.ok();
    let mut coach_ws = connect(&app, &coach.token).await;
    let mark = |what: &'static str| {
        let (app, token, c, id) = (
            &app,
            maya.session.token.clone(),
            c.clone(),
            sent["id"].clone(),
        );
        async move {
            app.post(
                &format!("/api/conversations/{c}/{what}"),
                Some(&token),
                json!({ "message_id": id }),
            )
            .await
            .ok()
        }
    };
    mark("delivered").await;
    mark("delivered").await;
    mark("read").await;
    mark("read").await;
    let mut seen = Vec::new();
    while let Some(e) = next_event(&mut coach_ws).await {
        if e["user_id"] == maya.session.user_id.as_str() {
            assert_eq!(e["message_id"], sent["id"]);
            seen.push(e["type"].as_str().unwrap_or_default().to_owned());
        }
    }
    assert_eq!(seen, ["conversation.delivered", "conversation.read"]);
}

/// One person keeps at most 20 sockets open: the next is refused with 429 until one closes.
/// A message bigger than a presence report closes the socket (1009), and only that one.
#[tokio::test]
async fn sockets_are_bounded_in_number_and_in_what_they_take() {
    let app = TestApp::spawn(Backend::Embedded).await;
    let owner = app.signup().await;
    let mut open = Vec::new();
    for _ in 0..shared::limits::SOCKETS_PER_USER_MAX {
        open.push(connect(&app, &owner.token).await);
    }
    let url = format!(
        "{}/ws?token={}",
        app.base.replace("http://", "ws://"),
        owner.token
    );
    match tokio_tungstenite::connect_async(url.clone()).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status().as_u16(), 429);
            assert!(response.headers().contains_key("retry-after"));
        }
        other => panic!("expected a 429, got {:?}", other.map(|(_, r)| r.status())),
    }
    // A message far bigger than a presence report: that socket closes.
    let mut big = open.pop().expect("a socket");
    use futures::SinkExt;
    big.send(WsMessage::Text("x".repeat(64 * 1024).into()))
        .await
        .expect("send");
    let closed = loop {
        match tokio::time::timeout(Duration::from_secs(3), big.next()).await {
            Ok(Some(Ok(WsMessage::Close(frame)))) => break frame.map(|f| u16::from(f.code)),
            Ok(Some(Ok(_))) => continue,
            Ok(Some(Err(_)) | None) => break None,
            Err(_) => panic!("the socket stayed open"),
        }
    };
    assert!(matches!(closed, Some(1009) | None), "{closed:?}");
    drop(big);
    // With one closed, another opens; the rest stayed open.
    let mut again = None;
    for _ in 0..50 {
        if let Ok((mut s, _)) = tokio_tungstenite::connect_async(url.clone()).await {
            assert!(
                next_event(&mut s)
                    .await
                    .is_some_and(|e| e["type"] == "hello")
            );
            again = Some(s);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(again.is_some(), "a socket opens once one closed");
    let conversation = app.add_client(&owner, "Maya", "two_way").await["client"]["conversation_id"]
        .as_str()
        .expect("conversation")
        .to_owned();
    app.send(&owner, &conversation, "s1", "Still here?")
        .await
        .ok();
    next_matching(&mut open[0], "message.created", |_| true).await;
}

/// A socket that answers no pings is closed (4409) once it was silent past the heartbeat's
/// bound; one whose app answers them stays open and keeps receiving. (The heartbeat is
/// shortened here: 100 ms pings, 500 ms of silence.)
#[tokio::test]
async fn a_socket_that_answers_no_pings_is_closed() {
    let app = TestApp::spawn(Backend::Embedded).await;
    app._running
        .as_ref()
        .expect("the local server")
        .hub
        .set_heartbeat(functions::adapters::hub::Heartbeat {
            ping_every: Duration::from_millis(100),
            silent_for_max: Duration::from_millis(500),
        });
    let owner = app.signup().await;
    let mut silent = connect(&app, &owner.token).await;
    let mut live = connect(&app, &owner.token).await;
    // The live one reads (its library answers each ping); the silent one reads nothing.
    let reading = tokio::spawn(async move {
        let mut pings = 0;
        let started = std::time::Instant::now();
        while started.elapsed() < Duration::from_millis(1500) {
            match tokio::time::timeout(Duration::from_millis(200), live.next()).await {
                Ok(Some(Ok(WsMessage::Ping(_)))) => pings += 1,
                Ok(Some(Ok(WsMessage::Close(frame)))) => {
                    panic!("the live socket closed: {frame:?}")
                }
                Ok(Some(Ok(_))) | Err(_) => {}
                Ok(Some(Err(e))) => panic!("{e}"),
                Ok(None) => panic!("the live socket ended"),
            }
        }
        (live, pings)
    });
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // The server let the silent one go (the live one is still counted).
    let hub = &app._running.as_ref().expect("the local server").hub;
    let me: shared::UserId = owner.user_id.parse().expect("an id");
    assert_eq!(hub.open_connections(Some(me)), 1);
    let closed = loop {
        match tokio::time::timeout(Duration::from_secs(3), silent.next()).await {
            Ok(Some(Ok(WsMessage::Close(frame)))) => break frame.map(|f| u16::from(f.code)),
            Ok(Some(Ok(_))) => continue,
            Ok(Some(Err(_)) | None) => break None,
            Err(_) => panic!("the silent socket stayed open"),
        }
    };
    // It said why (unless the answer to the pings it then read found the socket gone first).
    assert!(
        matches!(closed, Some(shared::events::UNRESPONSIVE_CLOSE_CODE) | None),
        "{closed:?}"
    );
    let (mut live, pings) = reading.await.expect("the live socket");
    assert!(pings >= 5, "pings come every 100 ms: {pings}");
    let conversation = app.add_client(&owner, "Maya", "two_way").await["client"]["conversation_id"]
        .as_str()
        .expect("conversation")
        .to_owned();
    app.send(&owner, &conversation, "p1", "Still there")
        .await
        .ok();
    next_matching(&mut live, "message.created", |_| true).await;
}
