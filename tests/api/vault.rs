//! The Vault, on both backends: staff upload a file once and send it in many messages without
//! a copy; search, kinds and folders; who may change what; and deleting from the Vault never
//! breaks a message already sent (the file goes when the last message that sends it does).

use crate::helpers::*;
use crate::media::{PNG, code, delete_message, eventually, fetch, link, put, send_with, sign_for};
use serde_json::{Value, json};

/// Signs for, puts and adds a file to the Vault as `who`: the item.
async fn vault_file(
    app: &TestApp,
    who: &Session,
    name: &str,
    content_type: &str,
    folder: &str,
) -> Value {
    let signed = sign_for(
        app,
        who,
        json!({"vault": true, "content_type": content_type, "size": PNG.len(), "name": name}),
    )
    .await
    .ok();
    assert_eq!(put(app, &signed, content_type, PNG.to_vec()).await, 200);
    let added = app
        .post(
            "/api/vault",
            Some(&who.token),
            json!({"upload_id": signed["upload_id"], "folder": folder}),
        )
        .await;
    assert_eq!(added.status, 201, "{added:?}");
    added.ok()
}

async fn delete_item(app: &TestApp, who: &Session, id: &str) -> Reply {
    let path = format!("/api/vault/{id}");
    app.request(reqwest::Method::DELETE, &path, Some(&who.token), None)
        .await
}

async fn vault(app: &TestApp, who: &Session, query: &str) -> Reply {
    app.get(&format!("/api/vault{query}"), Some(&who.token))
        .await
}

fn names(list: &Value) -> Vec<&str> {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["name"].as_str().expect("name"))
        .collect()
}

/// Where the local adapter keeps the business's Vault files.
fn vault_dir(app: &TestApp) -> Option<std::path::PathBuf> {
    let business = app.files_dir().read_dir().ok()?.next()?.ok()?;
    Some(business.path().join("vault"))
}

/// One file, two clients: each message carries it without a copy; deleting it from the Vault
/// leaves both messages whole; the file goes with the last of them.
pub async fn a_vault_file_is_sent_without_a_copy_and_outlives_its_deletion(app: TestApp) {
    let coach = app.signup().await;
    let maya = app.joined_client(&coach, "Maya", "two_way").await;
    let luis = app.joined_client(&coach, "Luis", "two_way").await;
    let item = vault_file(&app, &coach, "Meal plan.png", "image/png", "Programs").await;
    let id = item["id"].as_str().expect("id").to_owned();
    assert_eq!(
        (&item["kind"], &item["folder"], &item["size"]),
        (&json!("image"), &json!("Programs"), &json!(PNG.len()))
    );
    let listed = vault(&app, &coach, "").await.ok();
    assert_eq!(names(&listed), ["Meal plan.png"]);
    assert_eq!(listed["folders"], json!(["Programs"]));

    let mut sent = Vec::new();
    for client in [&maya, &luis] {
        let c = &client.conversation_id;
        let message = send_with(&app, &coach, c, "plan", "Your plan", &[&id]).await;
        assert_eq!(message.status, 201, "{message:?}");
        let message = message.ok();
        let a = &message["attachments"][0];
        assert_eq!(
            (&a["name"], &a["kind"]),
            (&json!("Meal plan.png"), &json!("image"))
        );
        assert_ne!(a["id"], json!(id), "each message's attachment is its own");
        // The client fetches it through their conversation: the Vault's one file.
        let got = link(&app, &client.session, c, a["id"].as_str().expect("id"), "")
            .await
            .ok();
        let (status, bytes, _) = fetch(&app, got["url"].as_str().expect("url")).await;
        assert_eq!((status, bytes.as_slice()), (200, PNG));
        sent.push((client, message));
    }
    let files = vault_dir(&app).expect("the vault's folder");
    assert!(files.join(&id).exists());
    let copies = app
        .files_dir()
        .read_dir()
        .expect("files")
        .flatten()
        .flat_map(|b| b.path().read_dir().expect("business").flatten())
        .filter(|d| d.file_name() != "vault")
        .count();
    assert_eq!(copies, 0, "nothing was copied into the conversations");

    // Deleted from the Vault: gone from it, not from the messages.
    let deleted = delete_item(&app, &coach, &id).await;
    assert_eq!(deleted.status, 204, "{deleted:?}");
    assert_eq!(
        names(&vault(&app, &coach, "").await.ok()),
        Vec::<&str>::new()
    );
    let file = app
        .get(&format!("/api/vault/{id}/file"), Some(&coach.token))
        .await;
    assert_eq!(code(&file), (404, "vault.not_found"));
    let again = send_with(&app, &coach, &maya.conversation_id, "again", "x", &[&id]).await;
    assert_eq!(code(&again), (422, "attachment.not_found"));
    for (client, message) in &sent {
        let a = message["attachments"][0]["id"].as_str().expect("id");
        let got = link(&app, &client.session, &client.conversation_id, a, "")
            .await
            .ok();
        assert_eq!(fetch(&app, got["url"].as_str().expect("url")).await.0, 200);
    }

    // Maya's message deleted: Luis's still sends it.
    let (maya_c, maya_m) = &sent[0];
    delete_message(&app, &coach, &maya_c.conversation_id, maya_m).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(files.join(&id).exists(), "Luis's message still sends it");
    let (luis_c, luis_m) = &sent[1];
    let a = luis_m["attachments"][0]["id"].as_str().expect("id");
    let got = link(&app, &luis_c.session, &luis_c.conversation_id, a, "")
        .await
        .ok();
    assert_eq!(fetch(&app, got["url"].as_str().expect("url")).await.0, 200);

    // The last one deleted: the file goes.
    delete_message(&app, &coach, &luis_c.conversation_id, luis_m).await;
    assert!(
        eventually(async || !files.join(&id).exists()).await,
        "the file outlived the last message that sent it"
    );
}

/// Search by name, a kind, a folder; renaming and moving; a file nobody sent goes at once
/// when deleted.
pub async fn the_vault_is_searched_filtered_and_organised(app: TestApp) {
    let coach = app.signup().await;
    vault_file(&app, &coach, "Squat form.png", "image/png", "Form checks").await;
    let pdf = vault_file(
        &app,
        &coach,
        "Week 1 program.pdf",
        "application/pdf",
        "Programs",
    )
    .await;
    vault_file(&app, &coach, "Deadlift form.png", "image/png", "").await;

    let all = vault(&app, &coach, "").await.ok();
    assert_eq!(
        names(&all),
        ["Deadlift form.png", "Week 1 program.pdf", "Squat form.png"],
        "newest first"
    );
    assert_eq!(all["folders"], json!(["Form checks", "Programs"]));
    let form = vault(&app, &coach, "?q=FORM").await.ok();
    assert_eq!(names(&form), ["Deadlift form.png", "Squat form.png"]);
    let words = vault(&app, &coach, "?q=squat%20form").await.ok();
    assert_eq!(names(&words), ["Squat form.png"]);
    let files = vault(&app, &coach, "?kind=file").await.ok();
    assert_eq!(names(&files), ["Week 1 program.pdf"]);
    let folder = vault(&app, &coach, "?folder=form%20checks").await.ok();
    assert_eq!(names(&folder), ["Squat form.png"]);
    let loose = vault(&app, &coach, "?folder=").await.ok();
    assert_eq!(names(&loose), ["Deadlift form.png"]);
    assert_eq!(vault(&app, &coach, "?kind=gif").await.status, 400);

    // Renamed and moved; the old folder, now empty, is gone from the list.
    let id = pdf["id"].as_str().expect("id");
    let moved = app
        .patch(
            &format!("/api/vault/{id}"),
            Some(&coach.token),
            json!({"name": "Week 1.pdf", "folder": "  Form   checks "}),
        )
        .await
        .ok();
    assert_eq!(
        (&moved["name"], &moved["folder"]),
        (&json!("Week 1.pdf"), &json!("Form checks"))
    );
    assert_eq!(
        vault(&app, &coach, "").await.ok()["folders"],
        json!(["Form checks"])
    );
    let too_long = app
        .patch(
            &format!("/api/vault/{id}"),
            Some(&coach.token),
            json!({"folder": "x".repeat(61)}),
        )
        .await;
    assert_eq!(code(&too_long), (422, "vault.folder_invalid"));

    // Never sent: deleting it deletes its file.
    let dir = vault_dir(&app).expect("the vault's folder");
    assert!(dir.join(id).exists());
    let deleted = delete_item(&app, &coach, id).await;
    assert_eq!(deleted.status, 204);
    assert!(
        eventually(async || !dir.join(id).exists()).await,
        "the file stayed"
    );
    let twice = delete_item(&app, &coach, id).await;
    assert_eq!(code(&twice), (404, "vault.not_found"));
}

/// Staff only, each business its own; a coach changes only what they added; an upload is
/// added only by who uploaded it, once it is there.
pub async fn the_vault_is_the_business_staffs_alone(app: TestApp) {
    let owner = app.signup().await;
    let coach = app.staff_member(&owner, "Sam", "coach").await;
    let maya = app.joined_client(&owner, "Maya", "two_way").await;
    let other = app.signup().await;
    let item = vault_file(&app, &owner, "Intro.png", "image/png", "").await;
    let id = item["id"].as_str().expect("id");

    // A client: no Vault, no Vault uploads, no Vault file in a message.
    assert_eq!(
        code(&vault(&app, &maya.session, "").await),
        (403, "auth.staff_only")
    );
    let signed = sign_for(
        &app,
        &maya.session,
        json!({"vault": true, "content_type": "image/png", "size": 10, "name": "x.png"}),
    )
    .await;
    assert_eq!(code(&signed), (403, "auth.staff_only"));
    let c = &maya.conversation_id;
    let theirs = send_with(&app, &maya.session, c, "m1", "x", &[id]).await;
    assert_eq!(code(&theirs), (422, "attachment.not_found"));
    let file = app
        .get(&format!("/api/vault/{id}/file"), Some(&maya.session.token))
        .await;
    assert_eq!(code(&file), (403, "auth.staff_only"));

    // Another business: nothing of it.
    assert_eq!(
        names(&vault(&app, &other, "").await.ok()),
        Vec::<&str>::new()
    );
    let file = app
        .get(&format!("/api/vault/{id}/file"), Some(&other.token))
        .await;
    assert_eq!(code(&file), (404, "vault.not_found"));
    let renamed = app
        .patch(
            &format!("/api/vault/{id}"),
            Some(&other.token),
            json!({"name": "mine.png"}),
        )
        .await;
    assert_eq!(code(&renamed), (404, "vault.not_found"));

    // A coach sees and sends the owner's file, but does not change it.
    assert_eq!(names(&vault(&app, &coach, "").await.ok()), ["Intro.png"]);
    let renamed = app
        .patch(
            &format!("/api/vault/{id}"),
            Some(&coach.token),
            json!({"name": "mine.png"}),
        )
        .await;
    assert_eq!(code(&renamed), (403, "vault.not_yours"));
    let deleted = delete_item(&app, &coach, id).await;
    assert_eq!(code(&deleted), (403, "vault.not_yours"));
    let link = app
        .http
        .get(format!("{}/api/vault/{id}/file?variant=original", app.base))
        .bearer_auth(&coach.token)
        .header("Accept", "application/json")
        .send()
        .await
        .expect("link");
    assert_eq!(link.status().as_u16(), 200);

    // An upload to both places, or to none, is refused before anything is signed.
    for body in [
        json!({"content_type": "image/png", "size": 10, "name": "x.png"}),
        json!({"vault": true, "conversation_id": c, "content_type": "image/png", "size": 10, "name": "x.png"}),
    ] {
        assert_eq!(
            code(&sign_for(&app, &owner, body).await),
            (422, "upload.destination")
        );
    }
    // Added only once put, and only by who uploaded it.
    let signed = sign_for(
        &app,
        &owner,
        json!({"vault": true, "content_type": "image/png", "size": PNG.len(), "name": "later.png"}),
    )
    .await
    .ok();
    let add = json!({"upload_id": signed["upload_id"]});
    let early = app
        .post("/api/vault", Some(&owner.token), add.clone())
        .await;
    assert_eq!(code(&early), (422, "attachment.not_uploaded"));
    assert_eq!(put(&app, &signed, "image/png", PNG.to_vec()).await, 200);
    let by_coach = app
        .post("/api/vault", Some(&coach.token), add.clone())
        .await;
    assert_eq!(code(&by_coach), (422, "vault.not_found"));
    let first = app
        .post("/api/vault", Some(&owner.token), add.clone())
        .await
        .ok();
    let again = app.post("/api/vault", Some(&owner.token), add).await.ok();
    assert_eq!(first, again, "adding it again changes nothing");
    // An upload for the Vault is not an attachment until it is added, and not for a client.
    let signed = sign_for(
        &app,
        &owner,
        json!({"vault": true, "content_type": "image/png", "size": PNG.len(), "name": "n.png"}),
    )
    .await
    .ok();
    let pending = signed["upload_id"].as_str().expect("id");
    let early = send_with(&app, &owner, c, "m2", "x", &[pending]).await;
    assert_eq!(code(&early), (422, "attachment.not_found"));
}

on_both_backends!(
    a_vault_file_is_sent_without_a_copy_and_outlives_its_deletion,
    the_vault_is_searched_filtered_and_organised,
    the_vault_is_the_business_staffs_alone,
);
