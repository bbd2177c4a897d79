use crate::helpers::*;
use serde_json::json;

async fn a_trainer_signs_up_and_is_signed_in_as_owner(app: TestApp) {
    let email = unique_email("owner");
    let reply = app
        .signup_as("Peak Coaching", &email, "a long password")
        .await;
    assert_eq!(reply.status, 201);
    assert_eq!(reply.body["user"]["role"], "owner");
    assert_eq!(reply.body["user"]["business_name"], "Peak Coaching");
    assert_eq!(reply.body["user"]["email"], email.as_str());
    let me = app.get("/api/me", reply.body["token"].as_str()).await.ok();
    assert_eq!(me["id"], reply.body["user"]["id"]);
}

async fn an_email_already_registered_gets_a_409(app: TestApp) {
    let email = unique_email("owner");
    app.signup_as("One", &email, "a long password").await.ok();
    let again = app
        .signup_as("Two", &email.to_uppercase(), "another password")
        .await;
    assert_eq!(
        (again.status.as_u16(), again.code()),
        (409, "auth.email_taken")
    );
}

async fn a_wrong_password_and_an_unknown_email_look_the_same(app: TestApp) {
    let email = unique_email("owner");
    app.signup_as("One", &email, "a long password").await.ok();
    let wrong_password = app.login(&email, "not the password").await;
    let unknown_email = app.login(&unique_email("nobody"), "a long password").await;
    assert_eq!(wrong_password.status, 401);
    assert_eq!(
        wrong_password.body, unknown_email.body,
        "the answer does not say which was wrong"
    );
    assert_eq!(wrong_password.code(), "auth.invalid_credentials");
    let ok = app.login(&email, "a long password").await.ok();
    assert_eq!(ok["user"]["email"], email.as_str());
}

async fn sign_up_input_is_validated_with_stable_codes(app: TestApp) {
    let cases = [
        (
            json!({"business_name": "B", "name": "N", "email": "nope", "password": "a long password"}),
            "validation.email",
        ),
        (
            json!({"business_name": "B", "name": "N", "email": unique_email("x"), "password": "short"}),
            "auth.password_too_short",
        ),
        (
            json!({"business_name": " ", "name": "N", "email": unique_email("x"), "password": "a long password"}),
            "validation.required",
        ),
    ];
    for (body, code) in cases {
        let reply = app.post("/api/auth/signup", None, body).await;
        assert_eq!((reply.status.as_u16(), reply.code()), (422, code));
    }
}

async fn an_invite_is_single_use_and_signs_the_client_in(app: TestApp) {
    let coach = app.signup().await;
    let added = app.add_client(&coach, "Maya Chen", "two_way").await;
    let token = added["invite"]["token"].as_str().expect("token");
    assert_eq!(added["invite"]["url"], format!("/c/invite/{token}"));

    let preview = app
        .get(&format!("/api/auth/invites/{token}"), None)
        .await
        .ok();
    assert_eq!(preview["name"], "Maya Chen");
    assert_eq!(preview["business_name"], "Test Coaching");

    let short = app
        .post(
            "/api/auth/invites/accept",
            None,
            json!({"token": token, "password": "short"}),
        )
        .await;
    assert_eq!(
        short.code(),
        "auth.password_too_short",
        "a refused password does not use up the invite"
    );

    let accepted = app
        .post(
            "/api/auth/invites/accept",
            None,
            json!({"token": token, "password": "client password"}),
        )
        .await
        .ok();
    assert_eq!(accepted["user"]["role"], "client");
    assert_eq!(accepted["user"]["id"], added["client"]["id"]);

    let again = app
        .post(
            "/api/auth/invites/accept",
            None,
            json!({"token": token, "password": "client password 2"}),
        )
        .await;
    assert_eq!((again.status.as_u16(), again.code()), (410, "invite.used"));
    let login = app
        .login(
            added["client"]["email"].as_str().expect("email"),
            "client password",
        )
        .await
        .ok();
    assert_eq!(login["user"]["role"], "client");
    let joined = app
        .get(
            &format!(
                "/api/clients/{}",
                added["client"]["id"].as_str().expect("id")
            ),
            Some(&coach.token),
        )
        .await
        .ok();
    assert_eq!(joined["joined"], true);
}

async fn an_unknown_invite_is_refused(app: TestApp) {
    let reply = app
        .post(
            "/api/auth/invites/accept",
            None,
            json!({"token": "made-up", "password": "client password"}),
        )
        .await;
    assert_eq!(
        (reply.status.as_u16(), reply.code()),
        (404, "invite.invalid")
    );
}

async fn a_client_invited_by_phone_signs_in_with_the_phone(app: TestApp) {
    let coach = app.signup().await;
    let phone = format!("+1415{:07}", rand_digits());
    let added = app
        .post(
            "/api/clients",
            Some(&coach.token),
            json!({"name": "Phone Only", "phone": phone}),
        )
        .await
        .ok();
    app.post(
        "/api/auth/invites/accept",
        None,
        json!({"token": added["invite"]["token"], "password": "client password"}),
    )
    .await
    .ok();
    let login = app.login(&phone, "client password").await.ok();
    assert_eq!(login["user"]["phone"], phone.as_str());
}

fn rand_digits() -> u32 {
    (ulid::Ulid::generate().random() % 9_000_000) as u32 + 1_000_000
}

async fn a_forged_or_garbled_token_is_refused(app: TestApp) {
    for token in [
        "garbage",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl",
    ] {
        let reply = app.get("/api/me", Some(token)).await;
        assert_eq!(
            (reply.status.as_u16(), reply.code()),
            (401, "auth.invalid_token")
        );
    }
    let reply = app.get("/api/me", None).await;
    assert_eq!(
        (reply.status.as_u16(), reply.code()),
        (401, "auth.missing_token")
    );
}

on_both_backends!(
    a_trainer_signs_up_and_is_signed_in_as_owner,
    an_email_already_registered_gets_a_409,
    a_wrong_password_and_an_unknown_email_look_the_same,
    sign_up_input_is_validated_with_stable_codes,
    an_invite_is_single_use_and_signs_the_client_in,
    an_unknown_invite_is_refused,
    a_client_invited_by_phone_signs_in_with_the_phone,
    a_forged_or_garbled_token_is_refused,
);
