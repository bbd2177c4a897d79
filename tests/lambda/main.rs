//! The real function binaries under `cargo lambda watch`, against DynamoDB Local: sign-up, add a
//! client, send and list through `http://127.0.0.1:<port>/lambda-url/<function>/...`; stream
//! records delivered to the fan-out and notifications functions as DynamoDB Streams would.

#[path = "../common/mod.rs"]
mod common;

use aws_sdk_dynamodb::types::AttributeValue;
use functions::store::dynamodb::DynamoStore;
use serde_json::{Value, json};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::process::Command;

struct Watch {
    child: tokio::process::Child,
    /// Runs in a PID namespace of its own.
    isolated: bool,
    base: String,
    log: std::path::PathBuf,
}

impl Drop for Watch {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            let tail: Vec<_> = log.lines().rev().take(60).collect();
            eprintln!("--- cargo lambda watch (last lines) ---");
            for line in tail.into_iter().rev() {
                eprintln!("{line}");
            }
        }
        // In its own PID namespace, SIGKILL to `unshare` (kill_on_drop) takes down everything
        // inside. Without one, ask cargo lambda alone to shut down as on Ctrl-C: a signal to
        // its process group reaches further than its own functions.
        if !self.isolated
            && let Some(pid) = self.child.id()
        {
            let _ = std::process::Command::new("kill")
                .args(["-INT", &pid.to_string()])
                .status();
        }
    }
}

async fn start_watch(table: &str) -> Watch {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
        l.local_addr().expect("addr").port()
    };
    let env = [
        format!("SIDELINE_TABLE={table}"),
        format!("DYNAMODB_ENDPOINT={}", common::dynamodb_endpoint()),
        "SIDELINE_JWT_SECRET=lambda-test-secret-0123456789abcdef0123".into(),
        // The fan-out function pushes to WebSocket connections through this; nobody is
        // connected in this test, so it is never called.
        "SIDELINE_WS_ENDPOINT=http://127.0.0.1:9".into(),
        // Links in emails, and where they would go out; no email leaves in this test (SES
        // itself is tested against moto in tests/email).
        "SIDELINE_SITE_URL=http://127.0.0.1:9".into(),
        "SIDELINE_MAIL_FROM=no-reply@sideline.test".into(),
        "SES_ENDPOINT=http://127.0.0.1:9".into(),
        // Files: URLs are signed without asking anyone; no file is put in this test (S3 is
        // tested against moto in tests/api/media.rs).
        "SIDELINE_MEDIA_BUCKET=sideline-media-test".into(),
        "S3_ENDPOINT=http://127.0.0.1:9".into(),
        // Texting: the numbers' calls and SNS are not reached in this test (the adapter is
        // tested against a wire-protocol server and moto in tests/api/sms_aws.rs); inbound
        // SNS messages are signed by the fixtures' key, whose certificate is read here.
        "SIDELINE_SMS_NUMBER=+18005550100".into(),
        "SIDELINE_SMS_INBOUND_TOPIC=arn:aws:sns:us-east-1:123456789012:sideline-inbound-texts"
            .into(),
        "SMS_VOICE_ENDPOINT=http://127.0.0.1:9".into(),
        "SNS_ENDPOINT=http://127.0.0.1:9".into(),
        format!(
            "SNS_CERTIFICATE_FILE={}",
            common::workspace_root()
                .join("functions/src/adapters/testdata/cert.pem")
                .display()
        ),
        "AWS_ACCESS_KEY_ID=sidelinetest".into(),
        "AWS_SECRET_ACCESS_KEY=sidelinetest".into(),
        "AWS_REGION=us-east-1".into(),
    ];
    let log = std::env::temp_dir().join(format!("sideline-cargo-lambda-{table}.log"));
    let out = std::fs::File::create(&log).expect("log file");
    // cargo lambda starts each function as a process of its own and signals them on the way
    // out; a PID namespace of its own keeps all of that inside.
    let isolated = std::process::Command::new("unshare")
        .args(["--pid", "--fork", "--kill-child", "true"])
        .status()
        .is_ok_and(|s| s.success());
    let mut cmd = if isolated {
        let mut c = Command::new("unshare");
        c.args(["--pid", "--fork", "--kill-child", "cargo"]);
        c
    } else {
        Command::new("cargo")
    };
    cmd.current_dir(common::workspace_root())
        .args([
            "lambda",
            "watch",
            "--ignore-changes",
            "-p",
            "sideline-functions",
            "-A",
            "127.0.0.1",
            "-P",
            &port.to_string(),
        ])
        .args(env.iter().flat_map(|e| ["--env-var".to_owned(), e.clone()]))
        .stdout(Stdio::from(out.try_clone().expect("log file")))
        .stderr(Stdio::from(out))
        .kill_on_drop(true);
    let child = cmd
        .spawn()
        .expect("cargo lambda watch (installed by infra/scripts/tools.sh lambda)");
    Watch {
        child,
        base: format!("http://127.0.0.1:{port}/lambda-url"),
        log,
        isolated,
    }
}

async fn call(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = http.request(method, url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    let text = res.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// Invokes `function` with `event` twice (a stream delivers a record again), each answered.
async fn invoke_twice(http: &reqwest::Client, watch: &Watch, function: &str, event: &Value) {
    let invoke = format!(
        "{}/2015-03-31/functions/{function}/invocations",
        watch.base.trim_end_matches("/lambda-url")
    );
    for _ in 0..2 {
        let res = http
            .post(&invoke)
            .json(event)
            .send()
            .await
            .expect("invoke the function");
        let status = res.status().as_u16();
        let body = res.text().await.unwrap_or_default();
        assert_eq!(status, 200, "{function}: {body}");
        // A stream's batch answers which record to retry from: none.
        if event["Records"][0]["eventSource"] == "aws:dynamodb" {
            let answer: Value = serde_json::from_str(&body).expect("a JSON answer");
            assert_eq!(answer, json!({"batchItemFailures": []}), "{function}");
        }
    }
}

/// Mass message `id` is done, sent to its one client.
async fn assert_sent_to_one(http: &reqwest::Client, watch: &Watch, token: &str, id: &str) {
    let (status, done) = call(
        http,
        reqwest::Method::GET,
        format!("{}/messages/api/mass-messages/{id}", watch.base),
        Some(token),
        None,
    )
    .await;
    assert_eq!(
        (status, done["status"].as_str(), done["sent"].as_u64()),
        (200, Some("done"), Some(1)),
        "{done}"
    );
}

/// The record at `pk`/`sk` as DynamoDB Streams delivers its insert.
async fn stream_insert(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    pk: &str,
    sk: &str,
) -> Value {
    let item = client
        .get_item()
        .table_name(table)
        .key("pk", AttributeValue::S(pk.into()))
        .key("sk", AttributeValue::S(sk.into()))
        .send()
        .await
        .expect("the record")
        .item
        .expect("it is stored");
    let image: serde_json::Map<String, Value> = item
        .iter()
        .map(|(k, v)| {
            let v = match v {
                AttributeValue::S(s) => json!({ "S": s }),
                AttributeValue::N(n) => json!({ "N": n }),
                other => panic!("unexpected attribute {k}: {other:?}"),
            };
            (k.clone(), v)
        })
        .collect();
    json!({"Records": [{
        "eventID": "1", "eventName": "INSERT", "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
        "dynamodb": {"Keys": {"pk": image["pk"], "sk": image["sk"]}, "NewImage": image,
                     "StreamViewType": "NEW_AND_OLD_IMAGES", "SequenceNumber": "1", "SizeBytes": 100}
    }]})
}

#[tokio::test]
async fn the_function_binaries_serve_signup_clients_messages_and_permissions_on_dynamodb() {
    let client = common::dynamodb_client().await;
    let table = format!(
        "lambda{}",
        ulid::Ulid::generate().to_string().to_lowercase()
    );
    DynamoStore::create_table(&client, &table)
        .await
        .expect("table");
    let watch = start_watch(&table).await;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(240))
        .build()
        .expect("http");

    // The first call to each function builds and starts it; wait for the auth function.
    let started = Instant::now();
    let signup = loop {
        let res = http
            .post(format!("{}/auth/api/auth/signup", watch.base))
            .json(&json!({"business_name": "Lambda Coaching", "name": "Coach", "email": "lambda@test.example", "password": "a long password"}))
            .send()
            .await;
        match res {
            Ok(r) if r.status().as_u16() == 201 => break r.json::<Value>().await.expect("json"),
            Ok(r) if r.status().as_u16() < 502 => panic!(
                "signup failed: {} {}",
                r.status(),
                r.text().await.unwrap_or_default()
            ),
            _ if started.elapsed() < Duration::from_secs(420) => {
                tokio::time::sleep(Duration::from_secs(2)).await
            }
            other => panic!("cargo lambda watch did not serve in time: {other:?}"),
        }
    };
    let token = signup["token"].as_str().expect("token");
    // Conversations start empty here (the clients function serves the settings).
    let (status, settings) = call(
        &http,
        reqwest::Method::PATCH,
        format!("{}/clients/api/settings", watch.base),
        Some(token),
        Some(json!({"welcome_message": {"enabled": false, "text": ""}})),
    )
    .await;
    assert_eq!(status, 200, "{settings}");

    // A file sent as the whole body reaches the function byte for byte: a PNG's signature
    // (bytes no text encoding keeps) passes the check of its type, and the request goes on
    // to find texting off; the same bytes said to be a JPEG do not.
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend((0..4096u32).map(|i| (i % 251) as u8));
    for (content_type, code) in [
        ("image/png", "texting.off"),
        ("image/jpeg", "texting.opt_in_proof_invalid"),
    ] {
        let res = http
            .put(format!("{}/clients/api/texting/opt-in-proof", watch.base))
            .bearer_auth(token)
            .header("Content-Type", content_type)
            .body(png.clone())
            .send()
            .await
            .expect("request");
        let status = res.status().as_u16();
        let answer: Value = res.json().await.expect("a JSON answer");
        assert_eq!(
            (status, answer["error"]["code"].as_str()),
            (422, Some(code)),
            "{content_type}: {answer}"
        );
    }

    let (status, added) = call(
        &http,
        reqwest::Method::POST,
        format!("{}/clients/api/clients", watch.base),
        Some(token),
        Some(json!({"name": "Maya", "email": "maya@test.example", "messaging": "one_way"})),
    )
    .await;
    assert_eq!(status, 201, "{added}");
    let conversation = added["client"]["conversation_id"]
        .as_str()
        .expect("conversation");

    let messages_url = format!(
        "{}/messages/api/conversations/{conversation}/messages",
        watch.base
    );
    let url = messages_url.clone();
    let (status, sent) = call(
        &http,
        reqwest::Method::POST,
        url.clone(),
        Some(token),
        Some(json!({"client_message_id": "l1", "body": "From a Lambda"})),
    )
    .await;
    assert_eq!(status, 201, "{sent}");
    let (status, again) = call(
        &http,
        reqwest::Method::POST,
        url.clone(),
        Some(token),
        Some(json!({"client_message_id": "l1", "body": "From a Lambda"})),
    )
    .await;
    assert_eq!((status, &again["id"]), (200, &sent["id"]));

    let (status, page) = call(&http, reqwest::Method::GET, url, Some(token), None).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["items"][0]["body"], "From a Lambda");
    assert_eq!(page["items"].as_array().expect("items").len(), 1);

    // The one-way rule holds on AWS exactly as locally.
    let (_, accepted) = call(
        &http,
        reqwest::Method::POST,
        format!("{}/auth/api/auth/invites/accept", watch.base),
        None,
        Some(json!({"token": added["invite"]["token"], "password": "client password"})),
    )
    .await;
    let client_token = accepted["token"].as_str().expect("client token");
    let (status, refused) = call(
        &http,
        reqwest::Method::POST,
        messages_url.clone(),
        Some(client_token),
        Some(json!({"client_message_id": "c1", "body": "reply"})),
    )
    .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (403, Some("messaging.one_way"))
    );

    // The permissions function makes her two-way; then her reply goes through.
    let client_id = added["client"]["id"].as_str().expect("client id");
    let (status, changed) = call(
        &http,
        reqwest::Method::PUT,
        format!(
            "{}/permissions/api/clients/{client_id}/messaging",
            watch.base
        ),
        Some(token),
        Some(json!({"mode": "two_way"})),
    )
    .await;
    assert_eq!(
        (status, changed["messaging"].as_str()),
        (200, Some("two_way")),
        "{changed}"
    );
    let (status, replied) = call(
        &http,
        reqwest::Method::POST,
        messages_url,
        Some(client_token),
        Some(json!({"client_message_id": "c2", "body": "reply"})),
    )
    .await;
    assert_eq!(status, 201, "{replied}");

    // A mass message: the messages function accepts it; the fan-out function, given the
    // stream record of the job's insert as DynamoDB Streams would deliver it, runs a step
    // (all of it, for one recipient) through the real binary.
    let (status, job) = call(
        &http,
        reqwest::Method::POST,
        format!("{}/messages/api/mass-messages", watch.base),
        Some(token),
        Some(json!({"id": "lambda-mass", "body": "To each, from the stream", "recipients": {"client_ids": [client_id]}})),
    )
    .await;
    assert_eq!(
        (status, job["status"].as_str()),
        (202, Some("queued")),
        "{job}"
    );
    let business = signup["user"]["business_id"].as_str().expect("business");
    let event = stream_insert(
        &client,
        &table,
        &format!("B#{business}#MASS"),
        "J#lambda-mass",
    )
    .await;
    invoke_twice(&http, &watch, "fanout", &event).await;
    assert_sent_to_one(&http, &watch, token, "lambda-mass").await;
    let (_, page) = call(
        &http,
        reqwest::Method::GET,
        format!(
            "{}/messages/api/conversations/{conversation}/messages",
            watch.base
        ),
        Some(client_token),
        None,
    )
    .await;
    let bodies: Vec<&str> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|m| m["body"].as_str())
        .collect();
    assert_eq!(
        bodies
            .iter()
            .filter(|b| **b == "To each, from the stream")
            .count(),
        1,
        "delivered once, however often the record came: {bodies:?}"
    );

    // The dead-letter queue: a batch of the stream the fan-out function gave up on (here the
    // insert of a second mass message's job, with which nothing invoked it) is re-driven by
    // infra/redrive.sh's script: read again from the table's stream, given to the function,
    // its message deleted. Again, it finds nothing left to do.
    let (status, _) = call(
        &http,
        reqwest::Method::POST,
        format!("{}/messages/api/mass-messages", watch.base),
        Some(token),
        Some(json!({"id": "lambda-redrive", "body": "Re-driven from the dead-letter queue", "recipients": {"client_ids": [client_id]}})),
    )
    .await;
    assert_eq!(status, 202);
    let moto = common::moto::Moto::start().await;
    let python = std::env::var("TOOLS_DIR")
        .map(|d| format!("{d}/venv/bin/python"))
        .unwrap_or_else(|_| "python3".into());
    let aws_env = [
        ("AWS_ACCESS_KEY_ID", "test".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "test".to_owned()),
        ("AWS_DEFAULT_REGION", "us-east-1".to_owned()),
        ("SQS_ENDPOINT", moto.url.clone()),
        ("DYNAMODB_ENDPOINT", common::dynamodb_endpoint()),
        (
            "LAMBDA_ENDPOINT",
            watch.base.trim_end_matches("/lambda-url").to_owned(),
        ),
    ];
    let run = |args: Vec<String>| {
        let mut command = std::process::Command::new(&python);
        command.args(&args).current_dir(common::workspace_root());
        for (k, v) in &aws_env {
            command.env(k, v);
        }
        let out = command.output().expect("python");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{args:?}: {text}");
        text
    };
    run(vec![
        "tests/lambda/dead_letter.py".into(),
        table.clone(),
        format!("B#{business}#MASS"),
        "J#lambda-redrive".into(),
        "sideline-test-fanout-dlq".into(),
    ]);
    let redrive = vec![
        "infra/scripts/redrive.py".to_owned(),
        "--queue".into(),
        "sideline-test-fanout-dlq".into(),
        "--function".into(),
        "fanout".into(),
    ];
    let said = run(redrive.clone());
    assert!(
        said.contains("re-driven: 1; left in the queue: 0"),
        "{said}"
    );
    assert_sent_to_one(&http, &watch, token, "lambda-redrive").await;
    let said = run(redrive);
    assert!(
        said.contains("re-driven: 0; left in the queue: 0"),
        "{said}"
    );

    // The notifications function: given the stream record of Maya's reply, it puts the
    // message in the coach's bell (once, however often the record comes), which the same
    // function serves over HTTP.
    let (b, c, m) = (
        business.parse().expect("business id"),
        conversation.parse().expect("conversation id"),
        replied["id"]
            .as_str()
            .expect("id")
            .parse()
            .expect("message id"),
    );
    let (pk, sk) = functions::store::keys::message(b, c, m);
    let event = stream_insert(&client, &table, &pk, &sk).await;
    invoke_twice(&http, &watch, "notifications", &event).await;
    let (status, bell) = call(
        &http,
        reqwest::Method::GET,
        format!("{}/notifications/api/notifications", watch.base),
        Some(token),
        None,
    )
    .await;
    assert_eq!(status, 200, "{bell}");
    assert_eq!(bell["unread"], 1, "{bell}");
    assert_eq!(
        (
            bell["notifications"][0]["title"].as_str(),
            bell["notifications"][0]["count"].as_u64(),
            bell["notifications"][0]["body"].as_str()
        ),
        (Some("Maya"), Some(1), Some("reply")),
        "{bell}"
    );

    // The sms function: a text to the business's number, as End User Messaging's two-way
    // delivery publishes it to the inbound topic (signed by SNS), delivered twice: the phone
    // nobody has becomes a lead whose thread holds the text, once. (The business's texting is
    // arranged in the table: turning it on asks End User Messaging for a number.)
    let store = DynamoStore::new(client.clone(), table.clone());
    let number = "+18335550100";
    let texting = functions::store::texts::TextingRecord {
        enabled: true,
        number: Some(number.into()),
        number_id: Some("phone-lambda".into()),
        ..Default::default()
    };
    let owner = functions::store::texts::NumberOwner { business_id: b };
    functions::store::Store::transact(
        &store,
        vec![
            functions::store::repo::create(b, &texting).expect("texting"),
            functions::store::repo::create(number, &owner).expect("number"),
        ],
    )
    .await
    .expect("arrange texting");
    let mut sns: Value = serde_json::from_str(include_str!(
        "../../functions/src/adapters/testdata/notification.json"
    ))
    .expect("fixture");
    // A Lambda function's SNS event spells two names its own way.
    let fields = sns.as_object_mut().expect("object");
    let cert = fields.remove("SigningCertURL").expect("cert url");
    fields.insert("SigningCertUrl".into(), cert);
    let unsubscribe = fields.remove("UnsubscribeURL").expect("unsubscribe url");
    fields.insert("UnsubscribeUrl".into(), unsubscribe);
    fields.insert("MessageAttributes".into(), json!({}));
    let event = json!({"Records": [{
        "EventSource": "aws:sns", "EventVersion": "1.0",
        "EventSubscriptionArn": "arn:aws:sns:us-east-1:123456789012:sideline-inbound-texts:0a6d4ee5-2bdb-4d25-9a4b-1b4c2a4d1e2f",
        "Sns": sns
    }]});
    invoke_twice(&http, &watch, "sms", &event).await;
    let (status, leads) = call(
        &http,
        reqwest::Method::GET,
        format!("{}/clients/api/clients?q=%2B1%20425", watch.base),
        Some(token),
        None,
    )
    .await;
    assert_eq!(status, 200, "{leads}");
    let lead = &leads["items"][0];
    assert_eq!(
        (lead["name"].as_str(), lead["phone"].as_str()),
        (Some("+1 425-555-0182"), Some("+14255550182")),
        "{leads}"
    );
    let thread = lead["conversation_id"].as_str().expect("the lead's thread");
    let (status, page) = call(
        &http,
        reqwest::Method::GET,
        format!(
            "{}/messages/api/conversations/{thread}/messages",
            watch.base
        ),
        Some(token),
        None,
    )
    .await;
    assert_eq!(status, 200, "{page}");
    let items = page["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "landed once: {page}");
    assert_eq!(items[0]["body"], "Can we move Thursday to 6pm?");
    assert_eq!(items[0]["sms"]["status"], "received");
    // A message whose signature does not verify is dropped (and not retried).
    let mut forged = event.clone();
    forged["Records"][0]["Sns"]["Message"] = json!(
        "{\"originationNumber\":\"+14255550199\",\"destinationNumber\":\"+18335550100\",\"messageBody\":\"forged\",\"inboundMessageId\":\"forged-1\"}"
    );
    invoke_twice(&http, &watch, "sms", &forged).await;
    let (_, none) = call(
        &http,
        reqwest::Method::GET,
        format!("{}/clients/api/clients?q=%2B1%20425-555-0199", watch.base),
        Some(token),
        None,
    )
    .await;
    assert_eq!(none["items"], json!([]), "{none}");

    // Delivery receipts: SNS's SMS delivery logs, as their CloudWatch Logs subscription hands
    // them over (gzip, base64). A text SNS took (arranged as sent) is then failed with the
    // carrier's reason; the same receipt twice changes nothing more.
    let sent = functions::store::texts::TextRecord {
        id: "receipt-1".into(),
        business_id: b,
        to: "+14255550182".into(),
        from: None,
        body: "See you".into(),
        kind: shared::sms::TextKind::Direct,
        segments: 1,
        encoding: shared::sms::Encoding::Gsm7,
        state: functions::store::texts::TextState::Sent,
        message: None,
        required: false,
        error: None,
        provider_id: Some("sns-message-1".into()),
        created_at: time::OffsetDateTime::now_utc(),
    };
    let found = functions::store::texts::ProviderRef {
        business_id: b,
        text_id: "receipt-1".into(),
        at: time::OffsetDateTime::now_utc().unix_timestamp(),
    };
    functions::store::Store::transact(
        &store,
        vec![
            functions::store::repo::create((b, "receipt-1"), &sent).expect("text"),
            functions::store::repo::create("sns-message-1", &found).expect("receipt key"),
        ],
    )
    .await
    .expect("arrange a sent text");
    let logs = functions::events::receipts::encode(&[json!({
        "notification": {"messageId": "sns-message-1", "timestamp": "2026-12-03 10:41:00.000"},
        "delivery": {"destination": "+14255550182", "smsType": "Transactional",
                     "providerResponse": "Phone is currently unreachable/unavailable"},
        "status": "FAILURE"
    })])
    .expect("a logs event");
    invoke_twice(&http, &watch, "sms", &logs).await;
    let text = functions::store::repo::get::<functions::store::texts::TextRecord>(
        &store,
        (b, "receipt-1"),
    )
    .await
    .expect("read")
    .expect("there");
    assert_eq!(text.value.state, functions::store::texts::TextState::Failed);
    assert_eq!(
        text.value.error.as_deref(),
        Some("Phone is currently unreachable/unavailable")
    );

    // An unknown path inside a function gets the API's JSON 404.
    let (status, missing) = call(
        &http,
        reqwest::Method::GET,
        format!("{}/messages/api/nothing", watch.base),
        Some(token),
        None,
    )
    .await;
    assert_eq!(
        (status, missing["error"]["code"].as_str()),
        (404, Some("route.not_found"))
    );
    drop(watch);
}
