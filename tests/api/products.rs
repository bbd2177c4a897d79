//! Products that set a client's messaging mode, purchases recorded by hand, and the signed
//! purchase webhook: fresh, authentic, applied once; a new buyer becomes a client.

use crate::helpers::*;
use functions::domain::products::webhook_signature;
use serde_json::{Value, json};

pub(crate) async fn product(app: &TestApp, coach: &Session, name: &str, grants: &str) -> String {
    app.post(
        "/api/products",
        Some(&coach.token),
        json!({"name": name, "price_label": "$49 / month", "grants": grants}),
    )
    .await
    .ok()["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

async fn products_set_the_mode_of_whoever_buys_them(app: TestApp) {
    let coach = app.signup().await;
    let maya = app.joined_client(&coach, "Maya", "two_way").await;
    let program = product(&app, &coach, "Program only", "one_way").await;
    let ebook = product(&app, &coach, "Ebook", "unchanged").await;
    let coaching = product(&app, &coach, "1:1 coaching", "two_way").await;
    let list = app.get("/api/products", Some(&coach.token)).await.ok();
    let names: Vec<&str> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| p["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["Program only", "Ebook", "1:1 coaching"]);

    let path = format!("/api/clients/{}/purchases", maya.client_id);
    let buy = |p: &str| app.post(&path, Some(&coach.token), json!({"product_id": p}));
    let bought = buy(&program).await;
    assert_eq!(bought.status.as_u16(), 201, "{}", bought.body);
    assert_eq!(
        (
            bought.body["mode_after"].as_str(),
            bought.body["source"].as_str()
        ),
        (Some("one_way"), Some("manual"))
    );
    let refused = app
        .send(
            &maya.session,
            &maya.conversation_id,
            "m1",
            "can I still write?",
        )
        .await;
    assert_eq!(refused.code(), "messaging.one_way");
    let changes = app
        .get(
            &format!("/api/clients/{}/messaging/changes", maya.client_id),
            Some(&coach.token),
        )
        .await
        .ok();
    assert_eq!(changes["items"][0]["reason"], "product_purchase");
    assert_eq!(
        (
            changes["items"][0]["from"].as_str(),
            changes["items"][0]["to"].as_str()
        ),
        (Some("two_way"), Some("one_way"))
    );

    let ebook_bought = buy(&ebook).await.ok();
    assert_eq!(
        ebook_bought["mode_after"], "one_way",
        "unchanged by the ebook"
    );
    buy(&coaching).await.ok();
    assert_eq!(
        app.send(&maya.session, &maya.conversation_id, "m2", "thanks!")
            .await
            .status,
        201
    );
    let purchases = app
        .get(
            &format!("/api/clients/{}/purchases", maya.client_id),
            Some(&coach.token),
        )
        .await
        .ok();
    let names: Vec<&str> = purchases["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| p["product_name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["1:1 coaching", "Ebook", "Program only"]);

    // Who may, and bad input.
    let me = Some(maya.session.token.as_str());
    let r = app
        .post(
            "/api/products",
            me,
            json!({"name": "x", "grants": "two_way"}),
        )
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (403, "auth.managers_only"));
    let r = app
        .post(
            &format!("/api/clients/{}/purchases", maya.client_id),
            me,
            json!({"product_id": program}),
        )
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (403, "auth.staff_only"));
    let r = buy(&ulid::Ulid::generate().to_string()).await;
    assert_eq!((r.status.as_u16(), r.code()), (404, "product.not_found"));
    let r = app
        .post(
            "/api/products",
            Some(&coach.token),
            json!({"name": "x", "grants": "three_way"}),
        )
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "request.invalid_body"));
    let r = app
        .post(
            "/api/products",
            Some(&coach.token),
            json!({"name": "x", "grants": "one_way", "price_label": "$".repeat(41)}),
        )
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "validation.too_long"));
}

/// A signed delivery.
pub(crate) async fn deliver(
    app: &TestApp,
    business: &str,
    secret: &str,
    at: i64,
    body: &Value,
) -> Reply {
    let raw = serde_json::to_vec(body).expect("json");
    let res = app
        .http
        .post(format!("{}/api/webhooks/purchases", app.base))
        .header("content-type", "application/json")
        .header("x-sideline-business", business)
        .header("x-sideline-timestamp", at.to_string())
        .header("x-sideline-signature", webhook_signature(secret, at, &raw))
        .body(raw)
        .send()
        .await
        .expect("deliver");
    let status = res.status();
    let text = res.text().await.expect("body");
    Reply {
        status,
        body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
    }
}

async fn the_purchase_webhook_is_signed_fresh_and_applied_once(app: TestApp) {
    let coach = app.signup().await;
    let (business, secret) = app.webhook_secret(&coach).await;
    let again = app
        .get("/api/webhooks/secret", Some(&coach.token))
        .await
        .ok();
    assert_eq!(again["secret"], secret.as_str(), "the secret is stable");
    let program = product(&app, &coach, "Program only", "one_way").await;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();

    // Someone new buys: they become a one-way client with an invite.
    let order = json!({"order_id": "shop-1001", "product_id": program, "email": "new.buyer@shop.example", "name": "Nia Buyer"});
    let first = deliver(&app, &business, &secret, now, &order).await;
    assert_eq!(first.status.as_u16(), 201, "{}", first.body);
    assert_eq!(first.body["created_client"], true);
    assert_eq!(first.body["client"]["name"], "Nia Buyer");
    assert_eq!(first.body["client"]["messaging"], "one_way");
    assert_eq!(first.body["purchase"]["source"], "webhook");
    assert!(first.body["invite"]["token"].is_string());
    let client_id = first.body["client"]["id"].as_str().expect("id").to_owned();

    // Delivered again: the same answer, nothing done twice.
    let replay = deliver(&app, &business, &secret, now, &order).await;
    assert_eq!(replay.status.as_u16(), 200);
    assert_eq!(replay.body, first.body);
    let purchases = app
        .get(
            &format!("/api/clients/{client_id}/purchases"),
            Some(&coach.token),
        )
        .await
        .ok();
    assert_eq!(purchases["items"].as_array().expect("items").len(), 1);

    // A second order by the same buyer (matched by email) adds no client.
    let coaching = product(&app, &coach, "1:1 coaching", "two_way").await;
    let second = deliver(
        &app,
        &business,
        &secret,
        now,
        &json!({"order_id": "shop-1002", "product_id": coaching, "email": "NEW.BUYER@shop.example"}),
    )
    .await;
    assert_eq!(second.status.as_u16(), 201, "{}", second.body);
    assert_eq!(second.body["created_client"], false);
    assert_eq!(second.body["client"]["id"], client_id.as_str());
    assert_eq!(second.body["client"]["messaging"], "two_way");

    // Not trusted: wrong secret, tampered body, stale or future timestamp, unknown business.
    let code = |r: Reply| (r.status.as_u16(), r.code().to_owned());
    let other = json!({"order_id": "shop-2001", "product_id": program, "email": "x@shop.example"});
    assert_eq!(
        code(deliver(&app, &business, "whsec_wrong", now, &other).await),
        (401, "webhook.bad_signature".into())
    );
    assert_eq!(
        code(deliver(&app, &business, &secret, now - 1_000, &other).await),
        (401, "webhook.stale".into())
    );
    assert_eq!(
        code(deliver(&app, &business, &secret, now + 1_000, &other).await),
        (401, "webhook.stale".into())
    );
    assert_eq!(
        code(
            deliver(
                &app,
                &ulid::Ulid::generate().to_string(),
                &secret,
                now,
                &other
            )
            .await
        ),
        (401, "webhook.bad_signature".into())
    );
    let raw = serde_json::to_vec(&other).expect("json");
    let tampered = app
        .http
        .post(format!("{}/api/webhooks/purchases", app.base))
        .header("x-sideline-business", &business)
        .header("x-sideline-timestamp", now.to_string())
        .header("x-sideline-signature", webhook_signature(&secret, now, &raw))
        .body(serde_json::to_vec(&json!({"order_id": "shop-2001", "product_id": coaching, "email": "x@shop.example"})).expect("json"))
        .send()
        .await
        .expect("send");
    assert_eq!(tampered.status().as_u16(), 401);
    let unsigned = app
        .post("/api/webhooks/purchases", None, other.clone())
        .await;
    assert_eq!(code(unsigned), (401, "webhook.bad_signature".into()));
    // Signed but not a purchase.
    assert_eq!(
        code(deliver(&app, &business, &secret, now, &json!({"order_id": "x"})).await),
        (422, "request.invalid_body".into())
    );
    assert_eq!(
        code(deliver(&app, &business, &secret, now, &json!({"order_id": "shop-3", "product_id": ulid::Ulid::generate().to_string(), "email": "y@shop.example"})).await),
        (404, "product.not_found".into())
    );
    // None of the refused deliveries added anyone.
    let roster = app.get("/api/clients", Some(&coach.token)).await.ok();
    assert_eq!(roster["items"].as_array().expect("items").len(), 1);

    // Another business's secret does not sign for this one; clients cannot read it.
    let other_coach = app.signup().await;
    let other_secret = app
        .get("/api/webhooks/secret", Some(&other_coach.token))
        .await
        .ok();
    assert_ne!(other_secret["secret"], secret.as_str());
    assert_eq!(
        code(
            deliver(
                &app,
                &business,
                other_secret["secret"].as_str().expect("s"),
                now,
                &other
            )
            .await
        ),
        (401, "webhook.bad_signature".into())
    );
    let maya = app.joined_client(&coach, "Maya", "two_way").await;
    let r = app
        .get("/api/webhooks/secret", Some(&maya.session.token))
        .await;
    assert_eq!(code(r), (403, "auth.managers_only".into()));
}

async fn guessing_a_business_s_webhook_signature_is_refused_after_a_hundred_tries(app: TestApp) {
    let coach = app.signup().await;
    let (business, secret) = app.webhook_secret(&coach).await;
    let program = product(&app, &coach, "Program only", "one_way").await;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let order = json!({"order_id": "shop-1", "product_id": program, "email": "b@shop.example", "name": "B"});
    for _ in 0..100 {
        let guess = deliver(&app, &business, "not-the-secret", now, &order).await;
        assert_eq!(guess.status.as_u16(), 401);
    }
    let refused = deliver(&app, &business, "not-the-secret", now, &order).await;
    assert_eq!(
        (refused.status.as_u16(), refused.code()),
        (429, "rate.limited")
    );
    // The store's own deliveries, from elsewhere, are not held up.
    let body = order.to_string();
    let res = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .build()
        .expect("client")
        .post(format!("{}/api/webhooks/purchases", app.base))
        .header("content-type", "application/json")
        .header("x-sideline-business", &business)
        .header("x-sideline-timestamp", now.to_string())
        .header(
            "x-sideline-signature",
            webhook_signature(&secret, now, body.as_bytes()),
        )
        .body(body)
        .send()
        .await
        .expect("deliver");
    assert_eq!(res.status(), 201);
}

on_both_backends!(
    guessing_a_business_s_webhook_signature_is_refused_after_a_hundred_tries,
    products_set_the_mode_of_whoever_buys_them,
    the_purchase_webhook_is_signed_fresh_and_applied_once
);
