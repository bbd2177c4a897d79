//! Companies and channel kinds: company channels that follow the company, channels within a
//! company that take only its clients, the default channel setting, a client's channels, and
//! the welcome message, on both backends.

use crate::helpers::*;
use serde_json::{Value, json};

/// A client of `company_id` (or of none), signed in; and their card.
async fn company_client(
    app: &TestApp,
    owner: &Session,
    name: &str,
    company_id: Option<&str>,
) -> (ClientSession, Value) {
    let added = app
        .post(
            "/api/clients",
            Some(&owner.token),
            json!({ "name": name, "email": unique_email("client"), "company_id": company_id }),
        )
        .await
        .ok();
    (app.accept(&added).await, added["client"].clone())
}

/// The names of the clients the roster shows for a company.
async fn roster_of(app: &TestApp, owner: &Session, company: &str) -> Vec<String> {
    app.get(
        &format!("/api/clients?company_id={company}"),
        Some(&owner.token),
    )
    .await
    .ok()["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["name"].as_str().expect("name").to_owned())
        .collect()
}

async fn companies_are_created_listed_and_named_once(app: TestApp) {
    let owner = app.signup().await;
    let acme = app.company(&owner, "Acme Corp").await;
    assert_eq!(acme["name"], "Acme Corp");
    let again = app
        .post(
            "/api/companies",
            Some(&owner.token),
            json!({ "name": " acme corp " }),
        )
        .await;
    assert_eq!(
        (again.status.as_u16(), again.code()),
        (409, "company.name_taken")
    );
    app.company(&owner, "Globex").await;
    let listed = app.get("/api/companies", Some(&owner.token)).await.ok();
    let names: Vec<&str> = listed
        .as_array()
        .expect("companies")
        .iter()
        .map(|c| c["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["Acme Corp", "Globex"]);

    // Its channel is there for the owner, titled after the company.
    let channel = app
        .get(
            &format!(
                "/api/companies/{}/channel",
                acme["id"].as_str().expect("id")
            ),
            Some(&owner.token),
        )
        .await
        .ok();
    assert_eq!(
        (
            channel["kind"].as_str(),
            channel["title"].as_str(),
            channel["id"].as_str()
        ),
        (
            Some("company"),
            Some("Acme Corp"),
            acme["channel_id"].as_str()
        )
    );

    // An admin invited later joins every company's channel.
    let admin = app.staff_member(&owner, "Ada Admin", "admin").await;
    assert!(
        app.conversation_ids(&admin)
            .await
            .contains(&acme["channel_id"].as_str().expect("channel").to_owned())
    );

    // Clients never manage companies; nor does another business see these.
    let (maya, _) = company_client(&app, &owner, "Maya", None).await;
    let refused = app
        .post(
            "/api/companies",
            Some(&maya.session.token),
            json!({ "name": "Mine" }),
        )
        .await;
    assert_eq!(refused.status.as_u16(), 403);
    let other = app.signup().await;
    assert_eq!(
        app.get("/api/companies", Some(&other.token)).await.ok(),
        json!([])
    );
    let foreign = app
        .get(
            &format!(
                "/api/companies/{}/channel",
                acme["id"].as_str().expect("id")
            ),
            Some(&other.token),
        )
        .await;
    assert_eq!(
        (foreign.status.as_u16(), foreign.code()),
        (404, "company.not_found")
    );
    let foreign_client = app
        .post(
            "/api/clients",
            Some(&other.token),
            json!({ "name": "Sneaky", "email": unique_email("x"), "company_id": acme["id"] }),
        )
        .await;
    assert_eq!(
        (foreign_client.status.as_u16(), foreign_client.code()),
        (404, "company.not_found")
    );
}

async fn the_company_channel_follows_the_company(app: TestApp) {
    let owner = app.signup().await;
    let acme = app.company(&owner, "Acme").await;
    let globex = app.company(&owner, "Globex").await;
    let (acme_id, globex_id) = (
        acme["id"].as_str().expect("id"),
        globex["id"].as_str().expect("id"),
    );
    let (acme_channel, globex_channel) = (
        acme["channel_id"].as_str().expect("channel"),
        globex["channel_id"].as_str().expect("channel"),
    );
    let (maya, card) = company_client(&app, &owner, "Maya", Some(acme_id)).await;
    let (_luis, _) = company_client(&app, &owner, "Luis", None).await;
    assert_eq!(card["company_id"], acme_id);
    assert!(
        app.conversation_ids(&maya.session)
            .await
            .contains(&acme_channel.to_owned())
    );
    // The roster filters by company.
    assert_eq!(roster_of(&app, &owner, acme_id).await, ["Maya"]);

    // Moving to another company moves her between channels at once.
    let moved = app
        .patch(
            &format!("/api/clients/{}", maya.client_id),
            Some(&owner.token),
            json!({ "company_id": globex_id }),
        )
        .await
        .ok();
    assert_eq!(moved["company_id"], globex_id);
    let hers = app.conversation_ids(&maya.session).await;
    assert!(hers.contains(&globex_channel.to_owned()), "{hers:?}");
    assert!(!hers.contains(&acme_channel.to_owned()), "{hers:?}");
    let gone = app.history(&maya.session, acme_channel, "").await;
    assert_eq!(gone.status.as_u16(), 404);
    let sent = app
        .send(&maya.session, globex_channel, "m1", "Hello Globex")
        .await;
    assert_eq!(sent.status.as_u16(), 201, "{}", sent.body);
    // Renamed, she shows under her new name in the channel.
    app.patch(
        &format!("/api/clients/{}", maya.client_id),
        Some(&owner.token),
        json!({ "name": "Maya Lopez" }),
    )
    .await
    .ok();
    let members = app
        .get(
            &format!("/api/conversations/{globex_channel}/members"),
            Some(&owner.token),
        )
        .await
        .ok();
    assert!(
        members
            .as_array()
            .expect("members")
            .iter()
            .any(|m| m["name"] == "Maya Lopez"),
        "{members}"
    );
    assert!(roster_of(&app, &owner, acme_id).await.is_empty());
    assert_eq!(roster_of(&app, &owner, globex_id).await, ["Maya Lopez"]);

    // Leaving every company takes her out of the channel.
    let left = app
        .patch(
            &format!("/api/clients/{}", maya.client_id),
            Some(&owner.token),
            json!({ "company_id": null }),
        )
        .await
        .ok();
    assert_eq!(left["company_id"], Value::Null);
    assert_eq!(
        app.conversation_ids(&maya.session).await,
        std::slice::from_ref(&maya.conversation_id)
    );
    assert_eq!(
        app.history(&maya.session, globex_channel, "")
            .await
            .status
            .as_u16(),
        404
    );
    // An unknown company is refused, and changes nothing.
    let unknown = app
        .patch(
            &format!("/api/clients/{}", maya.client_id),
            Some(&owner.token),
            json!({ "company_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV" }),
        )
        .await;
    assert_eq!(
        (unknown.status.as_u16(), unknown.code()),
        (404, "company.not_found")
    );
}

async fn channels_within_a_company_take_only_its_clients(app: TestApp) {
    let owner = app.signup().await;
    let acme = app.company(&owner, "Acme").await;
    let globex = app.company(&owner, "Globex").await;
    let acme_id = acme["id"].as_str().expect("id");
    let (maya, _) = company_client(&app, &owner, "Maya", Some(acme_id)).await;
    let (ana, _) = company_client(&app, &owner, "Ana", Some(acme_id)).await;
    let (luis, _) = company_client(
        &app,
        &owner,
        "Luis",
        Some(globex["id"].as_str().expect("id")),
    )
    .await;
    let (solo, _) = company_client(&app, &owner, "Solo", None).await;

    for outsider in [&luis, &solo] {
        let mixed = app
            .post(
                "/api/groups",
                Some(&owner.token),
                json!({ "title": "Acme runners", "company_id": acme_id, "member_ids": [maya.client_id, outsider.client_id] }),
            )
            .await;
        assert_eq!(
            (mixed.status.as_u16(), mixed.code()),
            (422, "group.company_mismatch")
        );
    }
    let group = app
        .post(
            "/api/groups",
            Some(&owner.token),
            json!({ "title": "Acme runners", "company_id": acme_id, "member_ids": [maya.client_id] }),
        )
        .await
        .ok();
    assert_eq!(group["company_id"], acme_id);
    let id = group["id"].as_str().expect("id");
    let add = |who: &ClientSession| format!("/api/conversations/{id}/members/{}", who.client_id);
    let refused = app
        .put(&add(&luis), Some(&owner.token), json!({ "role": "member" }))
        .await;
    assert_eq!(
        (refused.status.as_u16(), refused.code()),
        (422, "group.company_mismatch")
    );
    app.put(&add(&ana), Some(&owner.token), json!({ "role": "member" }))
        .await
        .ok();

    // A company channel's clients are the company's: not added or removed by hand.
    let channel = acme["channel_id"].as_str().expect("channel");
    let by_hand = app
        .put(
            &format!("/api/conversations/{channel}/members/{}", solo.client_id),
            Some(&owner.token),
            json!({ "role": "member" }),
        )
        .await;
    assert_eq!(
        (by_hand.status.as_u16(), by_hand.code()),
        (422, "company.channel_managed")
    );
    let removed = app
        .request(
            reqwest::Method::DELETE,
            &format!("/api/conversations/{channel}/members/{}", maya.client_id),
            Some(&owner.token),
            None,
        )
        .await;
    assert_eq!(
        (removed.status.as_u16(), removed.code()),
        (422, "company.channel_managed")
    );
}

async fn the_default_channel_decides_where_a_company_client_starts(app: TestApp) {
    let owner = app.signup_with_welcome().await;
    let settings = app.get("/api/settings", Some(&owner.token)).await.ok();
    assert_eq!(settings["default_channel"], "individual");
    let acme = app.company(&owner, "Acme").await;
    let acme_id = acme["id"].as_str().expect("id");
    let channel = acme["channel_id"].as_str().expect("channel").to_owned();

    // Individual (the default): their own conversation, and the company's channel.
    let (maya, card) = company_client(&app, &owner, "Maya", Some(acme_id)).await;
    assert!(card["conversation_id"].is_string());
    let hers = app.conversation_ids(&maya.session).await;
    assert_eq!(hers.len(), 2, "{hers:?}");
    assert!(hers.contains(&channel) && hers.contains(&maya.conversation_id));

    // Company: the channel only, until a private conversation is started.
    let changed = app
        .patch(
            "/api/settings",
            Some(&owner.token),
            json!({ "default_channel": "company" }),
        )
        .await
        .ok();
    assert_eq!(changed["default_channel"], "company");
    assert_eq!(changed["welcome_message"]["enabled"], true);
    let (ana, card) = company_client(&app, &owner, "Ana Lima", Some(acme_id)).await;
    assert_eq!(card["conversation_id"], Value::Null);
    assert_eq!(
        app.conversation_ids(&ana.session).await,
        std::slice::from_ref(&channel)
    );
    // A client of no company still gets their own conversation.
    let (solo, card) = company_client(&app, &owner, "Solo", None).await;
    assert!(card["conversation_id"].is_string());
    assert_eq!(app.conversation_ids(&solo.session).await.len(), 1);

    let started = app
        .post(
            &format!("/api/clients/{}/conversation", ana.client_id),
            Some(&owner.token),
            json!({}),
        )
        .await
        .ok();
    let private = started["conversation_id"].as_str().expect("started");
    let again = app
        .post(
            &format!("/api/clients/{}/conversation", ana.client_id),
            Some(&owner.token),
            json!({}),
        )
        .await
        .ok();
    assert_eq!(
        again["conversation_id"], private,
        "starting twice starts one"
    );
    let history = app.history(&ana.session, private, "").await.ok();
    let items = history["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "the welcome message: {history}");
    assert!(
        items[0]["body"]
            .as_str()
            .expect("body")
            .starts_with("Hi Ana, welcome to Test Coaching!")
    );
}

async fn a_clients_card_lists_only_the_channels_they_are_in(app: TestApp) {
    let owner = app.signup().await;
    let acme = app.company(&owner, "Acme").await;
    let (maya, _) = company_client(&app, &owner, "Maya", acme["id"].as_str()).await;
    let (luis, _) = company_client(&app, &owner, "Luis", None).await;
    let with_maya = app
        .post(
            "/api/groups",
            Some(&owner.token),
            json!({ "title": "Cohort", "member_ids": [maya.client_id, luis.client_id] }),
        )
        .await
        .ok();
    app.post(
        "/api/groups",
        Some(&owner.token),
        json!({ "title": "Without her", "member_ids": [luis.client_id] }),
    )
    .await
    .ok();
    let listed = app
        .get(
            &format!("/api/clients/{}/conversations", maya.client_id),
            Some(&owner.token),
        )
        .await
        .ok();
    let mut kinds: Vec<(String, String)> = listed
        .as_array()
        .expect("list")
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().expect("kind").to_owned(),
                c["id"].as_str().expect("id").to_owned(),
            )
        })
        .collect();
    kinds.sort();
    let mut expected = vec![
        (
            "company".to_owned(),
            acme["channel_id"].as_str().expect("c").to_owned(),
        ),
        (
            "group".to_owned(),
            with_maya["id"].as_str().expect("g").to_owned(),
        ),
        ("private".to_owned(), maya.conversation_id.clone()),
    ];
    expected.sort();
    assert_eq!(kinds, expected);
    // Staff only, and only their own business's clients.
    let other = app.signup().await;
    assert_eq!(
        app.get(
            &format!("/api/clients/{}/conversations", maya.client_id),
            Some(&other.token)
        )
        .await
        .status
        .as_u16(),
        404
    );
    assert_eq!(
        app.get(
            &format!("/api/clients/{}/conversations", maya.client_id),
            Some(&luis.session.token)
        )
        .await
        .status
        .as_u16(),
        403
    );
}

async fn the_welcome_message_greets_a_new_client_first(app: TestApp) {
    let owner = app.signup_with_welcome().await;
    let settings = app.get("/api/settings", Some(&owner.token)).await.ok();
    assert_eq!(settings["welcome_message"]["enabled"], true);
    assert!(
        settings["welcome_message"]["text"]
            .as_str()
            .expect("text")
            .contains("{client_first_name}")
    );
    app.patch(
        "/api/settings",
        Some(&owner.token),
        json!({ "welcome_message": { "enabled": true, "text": "Hey {client_first_name}! {coach_name} of {business_name} here. {other}" } }),
    )
    .await
    .ok();
    let maya = app.joined_client(&owner, "Maya Lopez", "one_way").await;
    let list = app
        .get("/api/conversations", Some(&maya.session.token))
        .await
        .ok();
    let first = &list["items"][0];
    assert_eq!(first["id"], maya.conversation_id.as_str());
    assert_eq!(first["unread_count"], 1);
    assert_eq!(
        first["last_message"]["body"],
        "Hey Maya! Coach Casey of Test Coaching here. {other}"
    );
    assert_eq!(first["last_message"]["sender_id"], owner.user_id.as_str());
    // The owner sent it: it is read on their side.
    let theirs = app.get("/api/conversations", Some(&owner.token)).await.ok();
    assert_eq!(theirs["items"][0]["unread_count"], 0);

    // Turned off, new clients start with an empty conversation.
    app.patch(
        "/api/settings",
        Some(&owner.token),
        json!({ "welcome_message": { "enabled": false, "text": "Hey {client_first_name}" } }),
    )
    .await
    .ok();
    let luis = app.joined_client(&owner, "Luis", "two_way").await;
    let history = app
        .history(&luis.session, &luis.conversation_id, "")
        .await
        .ok();
    assert_eq!(history["items"], json!([]));

    // Rules: text when on, not too long, owners and admins only.
    let empty = app
        .patch(
            "/api/settings",
            Some(&owner.token),
            json!({ "welcome_message": { "enabled": true, "text": "  " } }),
        )
        .await;
    assert_eq!(
        (empty.status.as_u16(), empty.code()),
        (422, "settings.welcome_empty")
    );
    let long = app
        .patch(
            "/api/settings",
            Some(&owner.token),
            json!({ "welcome_message": { "enabled": true, "text": "x".repeat(2001) } }),
        )
        .await;
    assert_eq!(
        (long.status.as_u16(), long.code()),
        (422, "settings.welcome_too_long")
    );
    let bad = app
        .patch(
            "/api/settings",
            Some(&owner.token),
            json!({ "default_channel": "everyone" }),
        )
        .await;
    assert_eq!(bad.status.as_u16(), 422);
    let by_client = app
        .patch(
            "/api/settings",
            Some(&maya.session.token),
            json!({ "default_channel": "company" }),
        )
        .await;
    assert_eq!(
        (by_client.status.as_u16(), by_client.code()),
        (403, "auth.managers_only")
    );
    assert_eq!(
        app.get("/api/settings", Some(&maya.session.token))
            .await
            .status
            .as_u16(),
        403
    );
}

async fn a_large_company_channel_reaches_everyone_in_their_inbox(app: TestApp) {
    let owner = app.signup().await;
    let acme = app.company(&owner, "Acme").await;
    let channel = acme["channel_id"].as_str().expect("channel").to_owned();
    // More people than one transaction can move inbox entries for.
    const CLIENTS: usize = 60;
    let mut signed_in = Vec::new();
    for i in 0..CLIENTS {
        let added = app
            .post(
                "/api/clients",
                Some(&owner.token),
                json!({ "name": format!("Client {i}"), "email": unique_email("many"), "company_id": acme["id"] }),
            )
            .await
            .ok();
        if [0, CLIENTS / 2, CLIENTS - 1].contains(&i) {
            signed_in.push(app.accept(&added).await);
        }
    }
    let members = app
        .get(
            &format!("/api/conversations/{channel}/members"),
            Some(&owner.token),
        )
        .await
        .ok();
    assert_eq!(members.as_array().expect("members").len(), CLIENTS + 1);
    for (n, body) in ["Kick-off at 9", "Bring water"].iter().enumerate() {
        let sent = app.send(&owner, &channel, &format!("k{n}"), body).await;
        assert_eq!(sent.status.as_u16(), 201, "{}", sent.body);
    }
    // Each sees the channel once, on top, with both messages unread.
    for who in &signed_in {
        let list = app
            .get("/api/conversations", Some(&who.session.token))
            .await
            .ok();
        let items = list["items"].as_array().expect("items");
        let ids: Vec<&str> = items.iter().filter_map(|c| c["id"].as_str()).collect();
        assert_eq!(
            ids.iter().filter(|id| **id == channel).count(),
            1,
            "{ids:?}"
        );
        assert_eq!(items[0]["id"], channel.as_str());
        assert_eq!(items[0]["unread_count"], 2);
        assert_eq!(items[0]["last_message"]["body"], "Bring water");
    }
    // A group of as many, made at once, is there for all of them too.
    let roster = app
        .get(
            &format!(
                "/api/clients?company_id={}&limit=100",
                acme["id"].as_str().expect("id")
            ),
            Some(&owner.token),
        )
        .await
        .ok();
    let ids: Vec<&str> = roster["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert_eq!(ids.len(), CLIENTS);
    let group = app
        .post(
            "/api/groups",
            Some(&owner.token),
            json!({ "title": "Everyone at Acme", "member_ids": ids, "company_id": acme["id"] }),
        )
        .await
        .ok();
    for who in &signed_in {
        assert!(
            app.conversation_ids(&who.session)
                .await
                .contains(&group["id"].as_str().expect("id").to_owned())
        );
    }
}

async fn a_rare_match_in_a_filtered_roster_comes_page_by_page_not_in_one_scan(app: TestApp) {
    let owner = app.signup().await;
    let acme = app.company(&owner, "Acme").await;
    let company = acme["id"].as_str().expect("id").to_owned();
    app.add_company_client(&owner, "Zed Oldest", &acme).await;
    for i in 0..12 {
        app.add_company_client(&owner, &format!("Client {i}"), &acme)
            .await;
    }
    // One match, the oldest of 13: with one client a page and at most five pages a request,
    // the first answers hold nothing but the cursor to go on from.
    let mut found = Vec::new();
    let mut requests = 0;
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/api/clients?company_id={company}&q=zed&limit=1");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let page = app.get(&path, Some(&owner.token)).await.ok();
        requests += 1;
        let items = page["items"].as_array().expect("items");
        assert!(items.len() <= 1);
        found.extend(items.iter().map(|c| c["name"].clone()));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
        assert!(requests < 20, "the listing ends");
    }
    assert_eq!(found, vec![json!("Zed Oldest")]);
    assert!(
        requests >= 3,
        "13 clients at 5 a request take 3 requests: {requests}"
    );
}

on_both_backends!(
    a_rare_match_in_a_filtered_roster_comes_page_by_page_not_in_one_scan,
    companies_are_created_listed_and_named_once,
    the_company_channel_follows_the_company,
    channels_within_a_company_take_only_its_clients,
    the_default_channel_decides_where_a_company_client_starts,
    a_clients_card_lists_only_the_channels_they_are_in,
    the_welcome_message_greets_a_new_client_first,
    a_large_company_channel_reaches_everyone_in_their_inbox
);
