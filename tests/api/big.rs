//! Big conversations: a company channel and groups of up to 1,000 people, with long non-ASCII
//! names. A message writes the same few items whatever the size of its conversation, the
//! conversation's record stays small, and every member still finds it in their inbox, newest
//! first, with the right unread count.

use crate::helpers::*;
use functions::store::Write;
use futures::{StreamExt, stream};
use serde_json::{Value, json};

/// Requests in flight while seeding: each joins the one channel, so they take turns on it.
const CONCURRENCY: usize = 4;

/// A 100-character name of `n`, mostly outside ASCII (two or three bytes a character).
fn long_name(n: usize) -> String {
    let tail: String = "Łukasz Ñúñez-Østergård Ζωή Дмитрий "
        .chars()
        .cycle()
        .take(95)
        .collect();
    let name = format!("{n:04} {}", tail.trim_end());
    let pad = 100 - name.chars().count();
    format!("{name}{}", "é".repeat(pad))
}

/// `who` sends one message to `conversation`; the writes of its one transaction.
async fn writes_of_a_send(
    app: &TestApp,
    counting: &Counting,
    who: &Session,
    conversation: &str,
    key: &str,
) -> Vec<Write> {
    counting.take();
    let r = app.send(who, conversation, key, "Week 3 plan is up").await;
    assert_eq!(r.status, 201, "{}", r.body);
    let mut transactions = counting.take();
    assert_eq!(transactions.len(), 1, "a send is one transaction");
    transactions.remove(0)
}

/// The size of the conversation record a send wrote, in bytes as DynamoDB counts them.
fn record_size(writes: &[Write]) -> usize {
    writes
        .iter()
        .find_map(|w| match w {
            Write::Put { item, .. } if item.sk == "META" => Some(item.size_bytes()),
            _ => None,
        })
        .expect("a send writes its conversation's record")
}

fn listed<'a>(inbox: &'a Value, id: &str) -> &'a Value {
    inbox["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("{id} is not listed in {inbox}"))
}

async fn a_thousand_people_in_a_channel_and_groups(backend: Backend, people: usize) {
    let (app, counting) = TestApp::counting(backend).await;
    let owner = app.signup().await;
    let company = app.company(&owner, "Ünïcødé Wellness GmbH").await;
    let channel = company["channel_id"].as_str().expect("channel").to_owned();
    // The owner created the channel and is in it: with the clients, `people` members.
    let clients: Vec<Value> = stream::iter(0..people - 1)
        .map(|n| {
            let app = &app;
            let (owner, company) = (&owner, &company);
            async move { app.add_company_client(owner, &long_name(n), company).await }
        })
        .buffered(CONCURRENCY)
        .collect()
        .await;
    let client_ids: Vec<&str> = clients
        .iter()
        .map(|c| c["client"]["id"].as_str().expect("id"))
        .collect();
    let members = app
        .get(
            &format!("/api/conversations/{channel}/members"),
            Some(&owner.token),
        )
        .await
        .ok();
    let members = members.as_array().expect("members");
    assert_eq!(members.len(), people);
    assert_eq!(
        members[0]["user_id"],
        owner.user_id.as_str(),
        "in join order"
    );
    let mut names: Vec<&str> = members[1..]
        .iter()
        .map(|m| m["name"].as_str().expect("name"))
        .collect();
    names.sort_unstable();
    assert_eq!(names, (0..people - 1).map(long_name).collect::<Vec<_>>());

    // The channel takes messages, each the same handful of writes, its record small.
    let writes = writes_of_a_send(&app, &counting, &owner, &channel, "c1").await;
    assert_eq!(writes.len(), 7, "{people} members: {writes:#?}");
    let size = record_size(&writes);
    println!("company channel of {people}: 7 writes a message, record {size} bytes");
    assert!(size < 2_000, "the record does not grow with its members");
    let (first, second) = (app.accept(&clients[0]).await, app.accept(&clients[1]).await);
    let writes = writes_of_a_send(&app, &counting, &first.session, &channel, "c2").await;
    assert_eq!(writes.len(), 7);

    // Groups of 2, 100 and all of them: 5 writes a message at every size.
    let mut groups = Vec::new();
    for size in [2, 100, people] {
        let group = app
            .post(
                "/api/groups",
                Some(&owner.token),
                json!({"title": format!("Cohort of {size}"), "member_ids": client_ids[..size - 1]}),
            )
            .await
            .ok();
        let id = group["id"].as_str().expect("id").to_owned();
        let writes = writes_of_a_send(&app, &counting, &owner, &id, "g1").await;
        assert_eq!(writes.len(), 5, "a group of {size}: {writes:#?}");
        println!(
            "group of {size}: 5 writes a message, record {} bytes",
            record_size(&writes)
        );
        groups.push(id);
    }
    // A private conversation moves its members' entries and the business's: 9 writes.
    let writes = writes_of_a_send(&app, &counting, &owner, &second.conversation_id, "p1").await;
    assert_eq!(writes.len(), 9, "{writes:#?}");

    // A member finds every one of them, newest activity first, with what they have not read.
    let inbox = app
        .get("/api/conversations?limit=10", Some(&second.session.token))
        .await
        .ok();
    let order: Vec<&str> = inbox["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["id"].as_str().expect("id"))
        .collect();
    assert_eq!(
        order,
        [
            second.conversation_id.as_str(),
            &groups[2],
            &groups[1],
            &channel
        ],
        "the group of 2 is the owner's and the first client's"
    );
    assert_eq!(listed(&inbox, &channel)["unread_count"], 2);
    assert_eq!(listed(&inbox, &groups[2])["unread_count"], 1);
    // Paged one at a time, the same order, each once.
    let paged: Vec<String> = app
        .whole_inbox(&second.session.token, 1)
        .await
        .iter()
        .map(|c| c["id"].as_str().expect("id").to_owned())
        .collect();
    assert_eq!(paged, order);
    // Sending reads what came before; the owner sees the channel through the business.
    let inbox = app
        .get("/api/conversations?limit=10", Some(&first.session.token))
        .await
        .ok();
    assert_eq!(listed(&inbox, &channel)["unread_count"], 0);
    let inbox = app
        .get("/api/conversations?limit=100", Some(&owner.token))
        .await
        .ok();
    assert_eq!(listed(&inbox, &channel)["unread_count"], 1);
    assert_eq!(listed(&inbox, &groups[2])["unread_count"], 0);
}

#[tokio::test]
async fn a_thousand_people_with_long_names_in_one_channel_embedded() {
    a_thousand_people_in_a_channel_and_groups(Backend::Embedded, 1_000).await;
}

#[tokio::test]
async fn a_hundred_people_in_one_channel_dynamodb() {
    a_thousand_people_in_a_channel_and_groups(Backend::Dynamo, 101).await;
}
