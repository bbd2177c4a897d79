use crate::helpers::*;
use serde_json::{Value, json};

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
    app.proven_signup("One", &email, "a long password").await;
    let again = app
        .signup_as("Two", &email.to_uppercase(), "another password")
        .await;
    assert_eq!(
        (again.status.as_u16(), again.code()),
        (409, "auth.email_taken")
    );
}

/// A sign-up with an address that already signs in, and its password, adds a business to that
/// login: one sign-in, and the person chooses.
async fn a_login_that_signs_up_again_gets_a_second_business(app: TestApp) {
    let email = unique_email("owner");
    let first = app.proven_signup("One", &email, "a long password").await;
    let second = app.signup_as("Two", &email, "a long password").await;
    assert_eq!(second.status, 201);
    let second = session_of(&second.body);
    let listed = app
        .get("/api/auth/businesses", Some(&second.token))
        .await
        .ok();
    let names: Vec<_> = listed
        .as_array()
        .expect("a list")
        .iter()
        .map(|b| {
            (
                b["business_name"].as_str().unwrap_or_default(),
                b["current"].as_bool(),
            )
        })
        .collect();
    assert_eq!(names, [("Two", Some(true)), ("One", Some(false))]);
    // Signing in reaches the first; switching moves to the other and ends that session.
    let signed_in = session_of(&app.login(&email, "a long password").await.ok());
    assert_eq!(signed_in.user_id, first.user_id);
    let two = listed[0]["business_id"].clone();
    let moved = app
        .post(
            "/api/auth/switch",
            Some(&signed_in.token),
            json!({ "business_id": two }),
        )
        .await
        .ok();
    assert_eq!(moved["user"]["business_name"], "Two");
    assert_eq!(app.get("/api/me", Some(&signed_in.token)).await.status, 401);
    let moved = moved["token"].as_str().expect("token");
    assert_eq!(
        app.get("/api/me", Some(moved)).await.ok()["business_name"],
        "Two"
    );
    // A business the login is not in is refused.
    let stranger = app.signup().await;
    let me = app.get("/api/me", Some(&stranger.token)).await.ok();
    let refused = app
        .post(
            "/api/auth/switch",
            Some(moved),
            json!({ "business_id": me["business_id"] }),
        )
        .await;
    assert_eq!(
        (refused.status.as_u16(), refused.code()),
        (404, "auth.not_a_member")
    );
}

async fn a_wrong_password_and_an_unknown_email_look_the_same(app: TestApp) {
    let email = unique_email("owner");
    app.proven_signup("One", &email, "a long password").await;
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
    assert_eq!(added["invite"]["url"], format!("/c/a/invite/{token}"));

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

/// The claims of a token the server issued, read without checking it.
fn claims_of(token: &str) -> serde_json::Value {
    use base64::Engine as _;
    let payload = token.split('.').nth(1).expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64");
    serde_json::from_slice(&bytes).expect("claims")
}

fn signed(claims: &serde_json::Value, key: &[u8]) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(key),
    )
    .expect("sign")
}

async fn tokens_unsigned_signed_with_another_key_or_expired_are_refused(app: TestApp) {
    let owner = app.signup().await;
    let claims = claims_of(&owner.token);
    assert!(claims["sid"].is_string(), "a token names its session");
    // Signed with the server's key, a copy of a real token verifies.
    let key = app.token_secret();
    assert_eq!(
        app.get("/api/me", Some(&signed(&claims, &key)))
            .await
            .status,
        200
    );
    use base64::Engine as _;
    let b64 = |v: &serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let unsigned = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"})),
        b64(&claims)
    );
    let other_key = signed(&claims, b"another key, of thirty-two bytes or more");
    let mut old = claims.clone();
    old["iat"] = json!(claims["iat"].as_i64().expect("iat") - 13 * 3600);
    old["exp"] = json!(claims["iat"].as_i64().expect("iat") - 3600);
    let expired = signed(&old, &key);
    let mut elsewhere = claims.clone();
    elsewhere["sid"] = json!("a-session-never-started");
    let made_up_session = signed(&elsewhere, &key);
    for (what, token) in [
        ("alg none", unsigned),
        ("another key", other_key),
        ("expired", expired),
        ("a session that never began", made_up_session),
    ] {
        let reply = app.get("/api/me", Some(&token)).await;
        assert_eq!(
            (reply.status.as_u16(), reply.code()),
            (401, "auth.invalid_token"),
            "{what}"
        );
    }
}

async fn signing_out_ends_this_session_only(app: TestApp) {
    let email = unique_email("owner");
    let laptop = app
        .proven_signup("Peak", &email, "a long password")
        .await
        .token;
    let phone = app.login(&email, "a long password").await.ok();
    let phone = phone["token"].as_str().expect("token").to_owned();
    let out = app.post("/api/auth/logout", Some(&laptop), json!({})).await;
    assert_eq!(out.status, 204);
    let refused = app.get("/api/me", Some(&laptop)).await;
    assert_eq!(
        (refused.status.as_u16(), refused.code()),
        (401, "auth.invalid_token")
    );
    assert_eq!(app.get("/api/me", Some(&phone)).await.status, 200);
    // Signing out again with the ended session is refused like any other call.
    let again = app.post("/api/auth/logout", Some(&laptop), json!({})).await;
    assert_eq!(again.status, 401);
}

async fn signing_out_everywhere_ends_every_session(app: TestApp) {
    let email = unique_email("owner");
    let first = app
        .proven_signup("Peak", &email, "a long password")
        .await
        .token;
    let second = app.login(&email, "a long password").await.ok();
    let second = second["token"].as_str().expect("token").to_owned();
    let out = app
        .post("/api/auth/logout-all", Some(&second), json!({}))
        .await;
    assert_eq!(out.status, 204);
    for token in [&first, &second] {
        assert_eq!(app.get("/api/me", Some(token)).await.status, 401);
    }
    // Signing in again works, with a session of its own.
    let third = app.login(&email, "a long password").await.ok();
    let third = third["token"].as_str().expect("token");
    assert_eq!(app.get("/api/me", Some(third)).await.status, 200);
}

async fn a_password_change_needs_the_current_one_and_ends_other_sessions(app: TestApp) {
    let email = unique_email("owner");
    let laptop = app
        .proven_signup("Peak", &email, "a long password")
        .await
        .token;
    let phone = app.login(&email, "a long password").await.ok();
    let phone = phone["token"].as_str().expect("token").to_owned();

    let wrong = app
        .post(
            "/api/auth/password",
            Some(&laptop),
            json!({"current": "not it at all", "new": "a new long password"}),
        )
        .await;
    assert_eq!(
        (wrong.status.as_u16(), wrong.code()),
        (403, "auth.wrong_password")
    );
    let short = app
        .post(
            "/api/auth/password",
            Some(&laptop),
            json!({"current": "a long password", "new": "short"}),
        )
        .await;
    assert_eq!(
        (short.status.as_u16(), short.code()),
        (422, "auth.password_too_short")
    );
    // Nothing changed by the refusals.
    assert_eq!(app.get("/api/me", Some(&phone)).await.status, 200);

    let changed = app
        .post(
            "/api/auth/password",
            Some(&laptop),
            json!({"current": "a long password", "new": "a new long password"}),
        )
        .await
        .ok();
    let fresh = changed["token"]
        .as_str()
        .expect("a new session for this device");
    assert_eq!(app.get("/api/me", Some(fresh)).await.status, 200);
    for old in [&laptop, &phone] {
        assert_eq!(app.get("/api/me", Some(old)).await.status, 401);
    }
    assert_eq!(app.login(&email, "a long password").await.status, 401);
    assert_eq!(app.login(&email, "a new long password").await.status, 200);
}

/// A sign-up's email signs nobody in until the link sent to it is followed; someone who signed
/// up with an address that is not theirs never stands in the way of its owner.
async fn an_unproven_sign_up_never_blocks_the_address_s_owner(app: TestApp) {
    let email = unique_email("owner");
    let squatter = app
        .signup_as("Squat Fitness", &email, "squatter password")
        .await
        .ok();
    let squat_business = squatter["user"]["business_id"].as_str().expect("business");
    let squat_mail = app
        .mail_to(squat_business, &email, "Confirm your email")
        .await;
    assert_eq!(app.login(&email, "squatter password").await.status, 401);
    // Another business invited the address; nobody accepted.
    let other = app.signup().await;
    app.post(
        "/api/clients",
        Some(&other.token),
        json!({"name": "Real Owner", "email": email, "messaging": "two_way"}),
    )
    .await
    .ok();

    // The real owner signs up (not "email taken"), confirms, and signs in with their password.
    let real = app
        .signup_as("Real Coaching", &email, "the owner's password")
        .await;
    assert_eq!(real.status, 201);
    let business = real.body["user"]["business_id"]
        .as_str()
        .expect("business")
        .to_owned();
    let mail = app.mail_to(&business, &email, "Confirm your email").await;
    let token = link_token(&mail);
    let confirmed = app
        .post("/api/auth/verify", None, json!({ "token": token }))
        .await
        .ok();
    assert_eq!(confirmed["user"]["business_name"], "Real Coaching");
    let signed_in = app.login(&email, "the owner's password").await.ok();
    assert_eq!(signed_in["user"]["business_name"], "Real Coaching");
    assert_eq!(app.login(&email, "squatter password").await.status, 401);
    let again = app
        .post("/api/auth/verify", None, json!({ "token": token }))
        .await;
    assert_eq!((again.status.as_u16(), again.code()), (410, "verify.used"));
    let unknown = app
        .post("/api/auth/verify", None, json!({ "token": "nope" }))
        .await;
    assert_eq!(
        (unknown.status.as_u16(), unknown.code()),
        (404, "verify.invalid")
    );

    // The squatter's own link, if its owner ever follows it, joins their login with their
    // password: the squatter's is gone.
    let joined = app
        .post(
            "/api/auth/verify",
            None,
            json!({ "token": link_token(&squat_mail) }),
        )
        .await
        .ok();
    assert_eq!(joined["user"]["business_name"], "Squat Fitness");
    assert_eq!(app.login(&email, "squatter password").await.status, 401);
    let businesses = app
        .get("/api/auth/businesses", joined["token"].as_str())
        .await
        .ok();
    assert_eq!(businesses.as_array().map(Vec::len), Some(2));
    // A new link can be asked for only while something is unproven.
    let resend = app
        .post(
            "/api/auth/verify/resend",
            joined["token"].as_str(),
            json!({}),
        )
        .await;
    assert_eq!(
        (resend.status.as_u16(), resend.code()),
        (409, "verify.nothing_to_confirm")
    );
    let pending = app
        .signup_as("Later", &unique_email("later"), "a long password")
        .await
        .ok();
    let resend = app
        .post(
            "/api/auth/verify/resend",
            pending["token"].as_str(),
            json!({}),
        )
        .await;
    assert_eq!(resend.status, 202);
}

/// One login for a client of two businesses: the second invite is accepted with the password
/// the person already has; they sign in once and move between the two; a new password is the
/// password of both and ends the sessions of both.
async fn a_client_of_two_businesses_has_one_login(app: TestApp) {
    let email = unique_email("client");
    let add = |coach: Session, name: &'static str| {
        let app = &app;
        let email = email.clone();
        async move {
            app.post(
                "/api/clients",
                Some(&coach.token),
                json!({"name": name, "email": email, "messaging": "two_way"}),
            )
            .await
            .ok()
        }
    };
    let first_coach = app.signup().await;
    let second_coach = app.signup().await;
    let first = add(first_coach, "Maya at One").await;
    let second = add(second_coach, "Maya at Two").await;
    let accept = |invite: &Value, password: &str| {
        app.post(
            "/api/auth/invites/accept",
            None,
            json!({"token": invite["invite"]["token"], "password": password}),
        )
    };
    accept(&first, "maya's password").await.ok();
    let wrong = accept(&second, "a different password").await;
    assert_eq!(
        (wrong.status.as_u16(), wrong.code()),
        (403, "auth.existing_login")
    );
    let at_two = accept(&second, "maya's password").await.ok();
    assert_eq!(at_two["user"]["name"], "Maya at Two");

    let signed_in = session_of(&app.login(&email, "maya's password").await.ok());
    let listed = app
        .get("/api/auth/businesses", Some(&signed_in.token))
        .await
        .ok();
    let listed = listed.as_array().expect("a list");
    assert_eq!(listed.len(), 2);
    assert!(listed.iter().all(|b| b["role"] == "client"));
    let other = listed
        .iter()
        .find(|b| b["current"] == false)
        .expect("the other business");
    let moved = app
        .post(
            "/api/auth/switch",
            Some(&signed_in.token),
            json!({"business_id": other["business_id"]}),
        )
        .await
        .ok();
    assert_eq!(
        moved["user"]["business_id"],
        signed_in_business(&app, &at_two).await
    );

    // One password for both: changed from one, it ends the sessions of both.
    let there = at_two["token"].as_str().expect("token");
    let changed = app
        .post(
            "/api/auth/password",
            moved["token"].as_str(),
            json!({"current": "maya's password", "new": "maya's new password"}),
        )
        .await
        .ok();
    assert_eq!(app.get("/api/me", Some(there)).await.status, 401);
    assert_eq!(
        app.get("/api/me", changed["token"].as_str()).await.status,
        200
    );
    let again = session_of(&app.login(&email, "maya's new password").await.ok());
    let listed = app
        .get("/api/auth/businesses", Some(&again.token))
        .await
        .ok();
    assert_eq!(listed.as_array().map(Vec::len), Some(2));
}

/// The business of the session in `answer` (an AuthResponse).
async fn signed_in_business(app: &TestApp, answer: &Value) -> Value {
    app.get("/api/me", answer["token"].as_str()).await.ok()["business_id"].clone()
}

on_both_backends!(
    an_unproven_sign_up_never_blocks_the_address_s_owner,
    a_client_of_two_businesses_has_one_login,
    tokens_unsigned_signed_with_another_key_or_expired_are_refused,
    signing_out_ends_this_session_only,
    signing_out_everywhere_ends_every_session,
    a_password_change_needs_the_current_one_and_ends_other_sessions,
    a_trainer_signs_up_and_is_signed_in_as_owner,
    an_email_already_registered_gets_a_409,
    a_login_that_signs_up_again_gets_a_second_business,
    a_wrong_password_and_an_unknown_email_look_the_same,
    sign_up_input_is_validated_with_stable_codes,
    an_invite_is_single_use_and_signs_the_client_in,
    an_unknown_invite_is_refused,
    a_client_invited_by_phone_signs_in_with_the_phone,
    a_forged_or_garbled_token_is_refused,
);

/// The newest email of the dev mailbox sent to `to` whose subject starts with `subject`,
/// waiting for the change stream to send it.
async fn newest_mail_to(app: &TestApp, to: &str, subject: &str) -> serde_json::Value {
    for _ in 0..100 {
        let mails = app.get("/dev/mail.json", None).await.ok();
        if let Some(mail) = mails.as_array().and_then(|all| {
            all.iter().find(|m| {
                m["to"] == to
                    && m["subject"]
                        .as_str()
                        .is_some_and(|s| s.starts_with(subject))
            })
        }) {
            return mail.clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("no email to {to} arrived");
}

#[tokio::test]
async fn a_forgotten_password_is_reset_once_by_email_without_telling_who_has_an_account() {
    let app = TestApp::spawn(Backend::Embedded).await;
    let email = unique_email("owner");
    let laptop = app.proven_signup("Peak", &email, "a long password").await;

    // Known or not, the same answer, and never sooner than the time every answer takes (so
    // its timing tells nothing either).
    let timed = |login: String| {
        let app = &app;
        async move {
            let started = std::time::Instant::now();
            let reply = app
                .post("/api/auth/password-reset", None, json!({"login": login}))
                .await;
            assert!(started.elapsed() >= std::time::Duration::from_millis(300));
            reply
        }
    };
    let known = timed(email.to_uppercase()).await;
    let unknown = timed(unique_email("nobody")).await;
    let garbage = app
        .post(
            "/api/auth/password-reset",
            None,
            json!({"login": "not an address"}),
        )
        .await;
    for reply in [&known, &unknown, &garbage] {
        assert_eq!(reply.status, 202);
    }
    assert_eq!(known.body, unknown.body);

    let first = newest_mail_to(&app, &email, "Reset").await;
    assert_eq!(first["from_name"], "Peak");
    assert_eq!(first["subject"], "Reset your password");
    let link = first["links"][0].as_str().expect("link");
    assert!(link.starts_with(&format!("{}/reset/", app.base)), "{link}");
    assert!(first["text"].as_str().expect("text").contains(link));
    let first_token = link_token(&first);

    // A second request voids the first link.
    app.post("/api/auth/password-reset", None, json!({"login": email}))
        .await;
    let second = loop {
        let mail = newest_mail_to(&app, &email, "Reset").await;
        if link_token(&mail) != first_token {
            break mail;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    let token = link_token(&second);
    let confirm = |token: String, password: &'static str| {
        let app = &app;
        async move {
            app.post(
                "/api/auth/password-reset/confirm",
                None,
                json!({"token": token, "password": password}),
            )
            .await
        }
    };
    let replaced = confirm(first_token, "a brand new password").await;
    assert_eq!(
        (replaced.status.as_u16(), replaced.code()),
        (410, "reset.replaced")
    );
    let short = confirm(token.clone(), "short").await;
    assert_eq!(
        (short.status.as_u16(), short.code()),
        (422, "auth.password_too_short")
    );
    let unknown = confirm("no-such-token".into(), "a brand new password").await;
    assert_eq!(
        (unknown.status.as_u16(), unknown.code()),
        (404, "reset.invalid")
    );

    let reset = confirm(token.clone(), "a brand new password").await.ok();
    let fresh = reset["token"].as_str().expect("signed in");
    assert_eq!(app.get("/api/me", Some(fresh)).await.status, 200);
    assert_eq!(app.get("/api/me", Some(&laptop.token)).await.status, 401);
    assert_eq!(app.login(&email, "a long password").await.status, 401);
    assert_eq!(app.login(&email, "a brand new password").await.status, 200);
    let again = confirm(token, "yet another password").await;
    assert_eq!((again.status.as_u16(), again.code()), (410, "reset.used"));
}

#[tokio::test]
async fn a_client_s_reset_link_opens_the_client_app() {
    let app = TestApp::spawn(Backend::Embedded).await;
    let coach = app.signup().await;
    let email = unique_email("client");
    let added = app
        .post(
            "/api/clients",
            Some(&coach.token),
            json!({"name": "Maya", "email": email, "messaging": "two_way"}),
        )
        .await
        .ok();
    app.accept(&added).await;
    app.post("/api/auth/password-reset", None, json!({"login": email}))
        .await;
    let mail = newest_mail_to(&app, &email, "Reset").await;
    let link = mail["links"][0].as_str().expect("link");
    assert!(
        link.starts_with(&format!("{}/c/a/reset/", app.base)),
        "{link}"
    );
}

#[tokio::test]
async fn invites_go_out_by_email_with_their_link() {
    let app = TestApp::spawn(Backend::Embedded).await;
    let owner = app.signup().await;
    let client_email = unique_email("client");
    let added = app
        .post(
            "/api/clients",
            Some(&owner.token),
            json!({"name": "Maya Chen", "email": client_email, "messaging": "two_way"}),
        )
        .await
        .ok();
    let mail = newest_mail_to(&app, &client_email, "Test Coaching invited").await;
    assert_eq!(mail["subject"], "Test Coaching invited you to Sideline");
    assert_eq!(
        mail["links"][0],
        format!(
            "{}{}",
            app.base,
            added["invite"]["url"].as_str().expect("url")
        )
    );
    assert!(mail["text"].as_str().expect("text").starts_with("Hi Maya,"));

    let staff_email = unique_email("coach");
    let invited = app
        .post(
            "/api/staff",
            Some(&owner.token),
            json!({"name": "Cole Coach", "email": staff_email, "role": "coach"}),
        )
        .await
        .ok();
    let mail = newest_mail_to(&app, &staff_email, "Test Coaching invited").await;
    let link = mail["links"][0].as_str().expect("link");
    assert_eq!(
        link,
        format!(
            "{}{}",
            app.base,
            invited["invite"]["url"].as_str().expect("url")
        )
    );
    assert!(link.starts_with(&format!("{}/invite/", app.base)));
}
