//! For every endpoint that touches a client's data: a trainer of another business, a client of
//! another business, another client of the same business, and no token are all refused, nothing
//! of the target leaks into the answer, and nothing changes.

use crate::helpers::*;
use reqwest::Method;
use serde_json::{Value, json};

const SECRET_NAME: &str = "Maya Secretname";
const SECRET_TEXT: &str = "private note about knee injury";
const SECRET_COMPANY: &str = "Acme Secretcorp";
const SECRET_PRODUCT: &str = "Secret Shred Plan";
const SECRET_BROADCAST: &str = "confidential price change for March";

struct Target {
    client_id: String,
    conversation_id: String,
    message_id: String,
    invite_token: String,
    company_id: String,
    product_id: String,
    mass_id: String,
    webhook_secret: String,
}

/// (method, path, body) for every endpoint, aimed at the target.
fn endpoints(t: &Target) -> Vec<(Method, String, Option<Value>)> {
    let (c, k, m) = (&t.client_id, &t.conversation_id, &t.message_id);
    vec![
        (Method::GET, "/api/me".into(), None),
        (Method::GET, "/api/clients".into(), None),
        (
            Method::GET,
            format!("/api/clients?q={}", &SECRET_NAME[..4]),
            None,
        ),
        (
            Method::POST,
            "/api/clients".into(),
            Some(json!({"name": "Intruder's", "email": unique_email("i")})),
        ),
        (Method::GET, format!("/api/clients/{c}"), None),
        (
            Method::PATCH,
            format!("/api/clients/{c}"),
            Some(json!({"name": "Hacked", "messaging": "one_way"})),
        ),
        (
            Method::POST,
            format!("/api/clients/{c}/invite"),
            Some(json!({})),
        ),
        (
            Method::PUT,
            format!("/api/clients/{c}/messaging"),
            Some(json!({"mode": "one_way"})),
        ),
        (
            Method::GET,
            format!("/api/clients/{c}/messaging/changes"),
            None,
        ),
        (
            Method::POST,
            format!("/api/clients/{c}/purchases"),
            Some(json!({"product_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV"})),
        ),
        (Method::GET, format!("/api/clients/{c}/purchases"), None),
        (
            Method::PUT,
            format!("/api/clients/{c}/coach"),
            Some(json!({"coach_id": null})),
        ),
        (Method::GET, "/api/conversations".into(), None),
        (Method::GET, format!("/api/conversations/{k}"), None),
        (
            Method::GET,
            format!("/api/conversations/{k}/messages"),
            None,
        ),
        (
            Method::GET,
            format!("/api/conversations/{k}/messages?before={m}"),
            None,
        ),
        (
            Method::POST,
            format!("/api/conversations/{k}/messages"),
            Some(json!({"client_message_id": "intrude", "body": "hi"})),
        ),
        (
            Method::POST,
            format!("/api/conversations/{k}/read"),
            Some(json!({"message_id": m})),
        ),
        (
            Method::POST,
            format!("/api/conversations/{k}/messages/{m}/reactions"),
            Some(json!({"emoji": "👍"})),
        ),
        (
            Method::DELETE,
            format!("/api/conversations/{k}/messages/{m}/reactions/%F0%9F%91%8D"),
            None,
        ),
        (
            Method::GET,
            format!("/api/auth/invites/{}", t.invite_token),
            None,
        ),
        (
            Method::POST,
            "/api/groups".into(),
            Some(json!({"title": "Intruders", "member_ids": [c]})),
        ),
        (
            Method::PATCH,
            format!("/api/conversations/{k}"),
            Some(json!({"announcement_only": true})),
        ),
        (Method::GET, format!("/api/conversations/{k}/members"), None),
        (
            Method::PUT,
            format!("/api/conversations/{k}/members/{c}"),
            Some(json!({"role": "admin"})),
        ),
        (
            Method::DELETE,
            format!("/api/conversations/{k}/members/{c}"),
            None,
        ),
        (Method::GET, format!("/api/clients/{c}/conversations"), None),
        (
            Method::POST,
            format!("/api/clients/{c}/conversation"),
            Some(json!({})),
        ),
        (Method::GET, "/api/companies".into(), None),
        (
            Method::POST,
            "/api/companies".into(),
            Some(json!({"name": "Intruder Co"})),
        ),
        (
            Method::GET,
            format!("/api/companies/{}/channel", t.company_id),
            None,
        ),
        (Method::GET, "/api/settings".into(), None),
        (
            Method::PATCH,
            "/api/settings".into(),
            Some(json!({"welcome_message": {"enabled": true, "text": "Hacked"}})),
        ),
        (Method::GET, "/api/staff".into(), None),
        (
            Method::POST,
            "/api/staff".into(),
            Some(json!({"name": "Mole", "email": unique_email("mole"), "role": "admin"})),
        ),
        (Method::GET, "/api/products".into(), None),
        (
            Method::POST,
            "/api/products".into(),
            Some(json!({"name": "Knock-off", "grants": "unchanged"})),
        ),
        (Method::GET, "/api/webhooks/secret".into(), None),
        (
            Method::POST,
            format!("/api/clients/{c}/purchases"),
            Some(json!({"product_id": t.product_id})),
        ),
        (
            Method::GET,
            format!("/api/mass-messages/{}", t.mass_id),
            None,
        ),
        (
            Method::POST,
            "/api/mass-messages".into(),
            Some(json!({"id": "intrude-1", "body": "hi", "recipients": {"client_ids": [c]}})),
        ),
    ]
}

/// Collections an intruder's own business has too: staff of another business may list and add
/// to their own.
const OWN_COLLECTIONS: [&str; 7] = [
    "/api/companies",
    "/api/settings",
    "/api/staff",
    "/api/products",
    "/api/webhooks/secret",
    "/api/mass-messages",
    "/api/clients",
];

/// Whether an intruder's request may succeed at all: listing and creating their own things is
/// fine for staff, reading oneself is fine for anyone; all that matters then is what leaks.
fn allowed(intruder: &str, method: &Method, path: &str) -> bool {
    let own_things = path == "/api/me"
        || path.starts_with("/api/conversations?")
        || path == "/api/conversations";
    let staff_own = intruder == "other business's trainer"
        && (path.starts_with("/api/clients?") || OWN_COLLECTIONS.contains(&path));
    let invite_preview = path.starts_with("/api/auth/invites/");
    own_things || staff_own || invite_preview && method == Method::GET
}

async fn nobody_outside_a_conversation_can_read_or_write_it(app: TestApp) {
    let coach = app.signup().await;
    let maya = app.joined_client(&coach, SECRET_NAME, "two_way").await;
    let neighbour = app.joined_client(&coach, "Neighbour", "two_way").await;
    let message = app
        .send(&maya.session, &maya.conversation_id, "secret", SECRET_TEXT)
        .await
        .ok();
    let pending = app.add_client(&coach, "Pending Person", "two_way").await;
    let company = app.company(&coach, SECRET_COMPANY).await;
    app.patch(
        &format!("/api/clients/{}", maya.client_id),
        Some(&coach.token),
        json!({"company_id": company["id"]}),
    )
    .await
    .ok();
    let product_id = crate::products::product(&app, &coach, SECRET_PRODUCT, "unchanged").await;
    let job = app
        .post(
            "/api/mass-messages",
            Some(&coach.token),
            json!({"id": "secret-job", "body": SECRET_BROADCAST,
                   "recipients": {"client_ids": [pending["client"]["id"]]}}),
        )
        .await
        .ok();
    let (_, webhook_secret) = app.webhook_secret(&coach).await;
    let settings_before = app.get("/api/settings", Some(&coach.token)).await.ok();
    let target = Target {
        company_id: company["id"].as_str().expect("id").to_owned(),
        product_id,
        mass_id: job["id"].as_str().expect("id").to_owned(),
        webhook_secret,
        client_id: maya.client_id.clone(),
        conversation_id: maya.conversation_id.clone(),
        message_id: message["id"].as_str().expect("id").to_owned(),
        invite_token: pending["invite"]["token"]
            .as_str()
            .expect("token")
            .to_owned(),
    };

    let other_coach = app.signup().await;
    let other_client = app.joined_client(&other_coach, "Other", "two_way").await;
    let intruders: Vec<(&str, Option<String>)> = vec![
        ("other business's trainer", Some(other_coach.token.clone())),
        (
            "other business's client",
            Some(other_client.session.token.clone()),
        ),
        (
            "same business's other client",
            Some(neighbour.session.token.clone()),
        ),
        ("no token", None),
    ];

    for (who, token) in &intruders {
        for (method, path, body) in endpoints(&target) {
            let reply = app
                .request(method.clone(), &path, token.as_deref(), body)
                .await;
            let text = reply.body.to_string();
            assert!(
                [
                    SECRET_NAME,
                    SECRET_TEXT,
                    SECRET_COMPANY,
                    SECRET_PRODUCT,
                    SECRET_BROADCAST,
                    &target.conversation_id,
                    &target.webhook_secret,
                ]
                .iter()
                .all(|secret| !text.contains(secret)),
                "{who} {method} {path} leaked: {text}"
            );
            if token.is_none() && !path.starts_with("/api/auth/") {
                assert_eq!(
                    (reply.status.as_u16(), reply.code()),
                    (401, "auth.missing_token"),
                    "{who} {method} {path}"
                );
            } else if !allowed(who, &method, &path) {
                assert!(
                    matches!(reply.status.as_u16(), 403 | 404),
                    "{who} {method} {path} got {} {}",
                    reply.status,
                    reply.body
                );
            } else {
                assert!(
                    reply.status.as_u16() < 500,
                    "{who} {method} {path} got {}",
                    reply.status
                );
            }
        }
    }

    // Nothing changed: settings, companies, products, staff, the webhook secret, purchases...
    let read = |path: &'static str| app.get(path, Some(&coach.token));
    assert_eq!(read("/api/settings").await.ok(), settings_before);
    let count = |v: Value| v["items"].as_array().or(v.as_array()).map(Vec::len);
    assert_eq!(count(read("/api/companies").await.ok()), Some(1));
    assert_eq!(count(read("/api/products").await.ok()), Some(1));
    assert_eq!(count(read("/api/staff").await.ok()), Some(1));
    assert_eq!(
        read("/api/webhooks/secret").await.ok()["secret"],
        target.webhook_secret.as_str()
    );
    let purchases = app
        .get(
            &format!("/api/clients/{}/purchases", maya.client_id),
            Some(&coach.token),
        )
        .await
        .ok();
    assert_eq!(count(purchases), Some(0));
    // ...and no change of mode was recorded.
    let changes = app
        .get(
            &format!("/api/clients/{}/messaging/changes", maya.client_id),
            Some(&coach.token),
        )
        .await
        .ok();
    assert_eq!(changes["items"], json!([]));
    let client = app
        .get(
            &format!("/api/clients/{}", maya.client_id),
            Some(&coach.token),
        )
        .await
        .ok();
    assert_eq!(
        (client["name"].as_str(), client["messaging"].as_str()),
        (Some(SECRET_NAME), Some("two_way"))
    );
    let history = app.history(&coach, &maya.conversation_id, "").await.ok();
    assert_eq!(
        history["items"].as_array().expect("items").len(),
        1,
        "no message got in"
    );
    assert_eq!(
        history["items"][0]["reactions"],
        json!([]),
        "no reaction got in"
    );
    let inbox = app.get("/api/conversations", Some(&coach.token)).await.ok();
    let maya_row = inbox["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|c| c["id"] == maya.conversation_id.as_str())
        .cloned()
        .expect("row");
    assert_eq!(
        maya_row["unread_count"], 1,
        "no intruder moved the coach's read mark"
    );
    let neighbour_inbox = app
        .get("/api/conversations", Some(&neighbour.session.token))
        .await
        .ok();
    assert_eq!(
        neighbour_inbox["items"].as_array().expect("items").len(),
        1,
        "a client sees only their own conversation"
    );
}

async fn a_client_cannot_use_staff_endpoints_even_on_themselves(app: TestApp) {
    let coach = app.signup().await;
    let maya = app.joined_client(&coach, "Maya", "one_way").await;
    let me = Some(maya.session.token.as_str());
    let path = format!("/api/clients/{}", maya.client_id);
    let r = app.patch(&path, me, json!({"messaging": "two_way"})).await;
    assert_eq!(
        (r.status.as_u16(), r.code()),
        (403, "auth.staff_only"),
        "a one-way client cannot make themselves two-way"
    );
    let r = app
        .put(&format!("{path}/messaging"), me, json!({"mode": "two_way"}))
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (403, "auth.staff_only"));
    assert_eq!(
        app.get(&format!("{path}/messaging/changes"), me)
            .await
            .status,
        403
    );
    assert_eq!(app.get(&path, me).await.status, 403);
    assert_eq!(app.get("/api/clients", me).await.status, 403);
    assert_eq!(
        app.post(
            "/api/clients",
            me,
            json!({"name": "x", "email": unique_email("x")})
        )
        .await
        .status,
        403
    );
}

on_both_backends!(
    nobody_outside_a_conversation_can_read_or_write_it,
    a_client_cannot_use_staff_endpoints_even_on_themselves
);
