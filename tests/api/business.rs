//! The business as it describes itself: its country (texting is for the United States and
//! Canada) and its address.

use crate::helpers::*;
use serde_json::json;

const ADDRESS: &str = r#"{"line1": "200 Bay Street", "line2": "Suite 4", "city": "Toronto",
    "region": "ON", "postal_code": "M5J 2J1"}"#;

pub async fn the_owner_sets_country_and_address(app: TestApp) {
    let owner = app.signup().await;
    let coach = app.staff_member(&owner, "Kim", "coach").await;
    let client = app.joined_client(&owner, "Maya", "two_way").await;

    let fresh = app.get("/api/business", Some(&owner.token)).await.ok();
    assert_eq!(fresh["country"], json!(null));
    assert_eq!(fresh["address"], json!(null));
    assert_eq!(fresh["texting_available"], false);
    assert!(fresh["name"].as_str().is_some_and(|n| !n.is_empty()));

    let address: serde_json::Value = serde_json::from_str(ADDRESS).expect("address");
    let set = app
        .patch(
            "/api/business",
            Some(&owner.token),
            json!({"country": "CA", "address": address}),
        )
        .await
        .ok();
    assert_eq!(set["country"], "CA");
    assert_eq!(set["texting_available"], true, "Canada can text");
    assert_eq!(set["address"]["city"], "Toronto");
    assert_eq!(app.get("/api/business", Some(&coach.token)).await.ok(), set);

    // Elsewhere, no texting; the address stays as it was when only the country changes.
    let moved = app
        .patch(
            "/api/business",
            Some(&owner.token),
            json!({"country": "GB"}),
        )
        .await
        .ok();
    assert_eq!(moved["texting_available"], false);
    assert_eq!(moved["address"], set["address"]);

    // What is not a country, or not an address, changes nothing.
    for bad in ["ZZ", "us", "USA", ""] {
        let r = app
            .patch("/api/business", Some(&owner.token), json!({"country": bad}))
            .await;
        assert_eq!(
            (r.status.as_u16(), r.code()),
            (422, "business.country_invalid"),
            "{bad}"
        );
    }
    let blank_city = app
        .patch(
            "/api/business",
            Some(&owner.token),
            json!({"country": "US", "address": {"line1": "1 Main St", "city": "  ", "postal_code": "10001"}}),
        )
        .await;
    assert_eq!(
        (blank_city.status.as_u16(), blank_city.code()),
        (422, "business.address_invalid")
    );
    let long = app
        .patch(
            "/api/business",
            Some(&owner.token),
            json!({"address": {"line1": "1 Main St", "city": "New York", "postal_code": "1".repeat(21)}}),
        )
        .await;
    assert_eq!(
        (long.status.as_u16(), long.code()),
        (422, "business.address_invalid")
    );
    assert_eq!(
        app.get("/api/business", Some(&owner.token)).await.ok(),
        moved
    );

    // Trimmed as kept.
    let trimmed = app
        .patch(
            "/api/business",
            Some(&owner.token),
            json!({"country": "US", "address": {"line1": " 1 Main St ", "city": "New York", "region": "NY", "postal_code": "10001 "}}),
        )
        .await
        .ok();
    assert_eq!(trimmed["address"]["line1"], "1 Main St");
    assert_eq!(trimmed["address"]["postal_code"], "10001");
    assert_eq!(trimmed["address"]["line2"], "");

    // Staff read it; only the owner and admins change it; clients do neither.
    let r = app
        .patch(
            "/api/business",
            Some(&coach.token),
            json!({"country": "CA"}),
        )
        .await;
    assert_eq!(r.status.as_u16(), 403);
    assert_eq!(
        app.get("/api/business", Some(&client.session.token))
            .await
            .status
            .as_u16(),
        403
    );
    let r = app
        .patch(
            "/api/business",
            Some(&client.session.token),
            json!({"country": "CA"}),
        )
        .await;
    assert_eq!(r.status.as_u16(), 403);
    assert_eq!(app.get("/api/business", None).await.status.as_u16(), 401);

    // Another business has its own.
    let other = app.signup().await;
    let theirs = app.get("/api/business", Some(&other.token)).await.ok();
    assert_eq!(theirs["country"], json!(null));
    assert_eq!(theirs["address"], json!(null));
}

on_both_backends!(the_owner_sets_country_and_address);
