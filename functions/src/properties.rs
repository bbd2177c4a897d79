//! Property tests of every parser of outside input on the server: SNS messages (the inbound
//! texts' envelope, its signature, the text inside), the purchase webhook's signature and
//! body, DynamoDB Streams records, and the API's request bodies, sent through the whole router
//! to every route that takes one. None may panic, and the API never answers 5xx to a body.
//! Each runs `PROPTEST_CASES` cases (256 by default, in the test command); a longer run:
//! `PROPTEST_CASES=100000 cargo test -p sideline-functions --lib properties` (README).

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Map, Value};

/// Any JSON value, nested a few levels, with the keys and strings the parsers look for often
/// enough to get past their first checks.
fn json() -> impl Strategy<Value = Value> {
    let words = prop::sample::select(vec![
        "Records",
        "Sns",
        "Type",
        "Notification",
        "Message",
        "MessageId",
        "TopicArn",
        "dynamodb",
        "NewImage",
        "OldImage",
        "Keys",
        "pk",
        "sk",
        "v",
        "d",
        "S",
        "N",
        "M",
        "L",
        "BOOL",
        "NULL",
        "B#",
        "M#01",
        "C#",
        "order_id",
        "email",
        "phone",
        "product_id",
        "body",
        "name",
        "title",
        "member_ids",
        "client_message_id",
        "id",
        "recipients",
        "all",
        "grants",
        "two_way",
        "one_way",
        "messaging",
        "originationNumber",
        "messageBody",
        "inboundMessageId",
        "destinationNumber",
        "SignatureVersion",
        "2",
        "",
    ]);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        words.clone().prop_map(|w| Value::String(w.to_owned())),
        ".{0,40}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::vec((words.clone(), inner), 0..8).prop_map(|fields| {
                Value::Object(
                    fields
                        .into_iter()
                        .map(|(k, v)| (k.to_owned(), v))
                        .collect::<Map<_, _>>(),
                )
            }),
        ]
    })
}

proptest! {
    /// An SNS message of any shape is read or refused; its signature checked against any
    /// certificate is refused or not, without a panic; the text inside is read or ignored.
    #[test]
    fn sns_messages_are_read_or_refused(event in json(), message in ".{0,200}", cert in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = serde_json::from_value::<crate::events::inbound::SnsEvent>(event.clone());
        if let Ok(mut envelope) = serde_json::from_value::<crate::adapters::sns::Envelope>(event) {
            let _ = envelope.verify(&cert);
            envelope.message = message;
            let _ = crate::adapters::sns::InboundText::from_notification(&envelope);
        }
    }

    /// A webhook's signature matches only when it is the right one; any timestamp is fresh
    /// or not; any body is a purchase or refused.
    #[test]
    fn webhook_signatures_and_bodies(secret in ".{1,40}", at in any::<i64>(), now in any::<i64>(),
                                     body in prop::collection::vec(any::<u8>(), 0..300), given in ".{0,80}", json in json()) {
        use crate::domain::products::{fresh, signature_matches, webhook_signature};
        let right = webhook_signature(&secret, at, &body);
        prop_assert!(signature_matches(&secret, at, &body, &right));
        if given != right {
            prop_assert!(!signature_matches(&secret, at, &body, &given));
        }
        let _ = fresh(at, now);
        let _ = serde_json::from_slice::<shared::api::WebhookPurchaseRequest>(&body);
        let _ = serde_json::from_value::<shared::api::WebhookPurchaseRequest>(json);
    }

    /// A stream event of any shape gives changes or an error, and each change decodes to what
    /// it means or an error.
    #[test]
    fn stream_records_decode_or_fail(event in json()) {
        if let Ok(event) = serde_json::from_value::<aws_lambda_events::event::dynamodb::Event>(event)
            && let Ok(changes) = crate::events::stream::changes_from_event(event)
        {
            for change in &changes {
                let _ = crate::store::changes::Committed::decode(change);
                let _ = crate::store::keys::parse(&change.pk, &change.sk);
            }
        }
    }
}

/// A body made from a JSON schema of the OpenAPI document (its `$ref`s resolved in
/// `schemas`), from `rng`: every required field and some optional ones, values within the
/// schema's enums, lengths and bounds, ids from `ids`; then, as often as not, one part of it
/// changed to anything at all. What a client that mostly follows the document sends.
fn from_schema(
    schema: &Value,
    schemas: &Value,
    ids: &[String],
    rng: &mut rand::rngs::StdRng,
    depth: u32,
) -> Value {
    use rand::Rng as _;
    use rand::seq::IndexedRandom as _;
    if depth > 6 {
        return Value::Null;
    }
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or_default();
        return from_schema(&schemas[name], schemas, ids, rng, depth + 1);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(choices) = schema.get(key).and_then(Value::as_array)
            && let Some(choice) = choices.choose(rng)
        {
            return from_schema(choice, schemas, ids, rng, depth + 1);
        }
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        let mut merged = Map::new();
        for part in all {
            if let Value::Object(o) = from_schema(part, schemas, ids, rng, depth + 1) {
                merged.extend(o);
            }
        }
        return Value::Object(merged);
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array)
        && let Some(v) = values.choose(rng)
    {
        return v.clone();
    }
    let kind = match &schema["type"] {
        Value::String(t) => t.clone(),
        Value::Array(ts) => ts
            .choose(rng)
            .and_then(Value::as_str)
            .unwrap_or("null")
            .to_owned(),
        _ if schema.get("properties").is_some() => "object".to_owned(),
        _ => "null".to_owned(),
    };
    match kind.as_str() {
        "object" => {
            let required: Vec<&str> = schema["required"]
                .as_array()
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let mut out = Map::new();
            if let Some(props) = schema["properties"].as_object() {
                for (name, prop) in props {
                    if required.contains(&name.as_str()) || rng.random_bool(0.5) {
                        out.insert(
                            name.clone(),
                            from_schema(prop, schemas, ids, rng, depth + 1),
                        );
                    }
                }
            }
            Value::Object(out)
        }
        "array" => {
            let max = schema["maxItems"].as_u64().unwrap_or(4).min(4);
            let n = rng.random_range(0..=max);
            Value::Array(
                (0..n)
                    .map(|_| from_schema(&schema["items"], schemas, ids, rng, depth + 1))
                    .collect(),
            )
        }
        "string" => {
            let described = schema["description"].as_str().unwrap_or_default();
            if schema["pattern"].is_string()
                || described.contains("ULID")
                || schema["format"] == "ulid"
            {
                return Value::String(ids.choose(rng).cloned().unwrap_or_default());
            }
            if schema["format"] == "date-time" {
                return Value::String("2027-01-02T03:04:05Z".to_owned());
            }
            let max = schema["maxLength"].as_u64().unwrap_or(30).min(60) as usize;
            let min = schema["minLength"].as_u64().unwrap_or(0) as usize;
            let n = rng.random_range(min.min(max)..=max);
            let words = [
                "Maya",
                "a@b.co",
                "+15555550123",
                "**hi**",
                "😀",
                " ",
                "x",
                "https://a.b/c",
            ];
            let mut text = String::new();
            while text.chars().count() < n {
                text.push_str(words.choose(rng).copied().unwrap_or("x"));
            }
            Value::String(text.chars().take(n.max(min)).collect())
        }
        "integer" | "number" => {
            let lo = schema["minimum"].as_i64().unwrap_or(-5);
            let hi = schema["maximum"].as_i64().unwrap_or(10_000).max(lo);
            Value::from(rng.random_range(lo..=hi))
        }
        "boolean" => Value::Bool(rng.random_bool(0.5)),
        _ => Value::Null,
    }
}

/// Changes one part of `value` (a field, an item, the whole) to `other`.
fn mutate(value: &mut Value, other: Value, rng: &mut rand::rngs::StdRng) {
    use rand::Rng as _;
    match value {
        Value::Object(o) if !o.is_empty() && rng.random_bool(0.7) => {
            let i = rng.random_range(0..o.len());
            let key = o.keys().nth(i).cloned().unwrap_or_default();
            match rng.random_range(0..3) {
                0 => {
                    o.remove(&key);
                }
                _ => mutate(o.get_mut(&key).unwrap_or(&mut Value::Null), other, rng),
            }
        }
        Value::Array(a) if !a.is_empty() && rng.random_bool(0.7) => {
            let i = rng.random_range(0..a.len());
            mutate(&mut a[i], other, rng);
        }
        _ => *value = other,
    }
}

/// The routes that take a body: (method, path template, the body's schema, the statuses the
/// document says it answers).
fn writable_routes() -> Vec<(axum::http::Method, String, Value, Vec<String>)> {
    let doc = crate::http::openapi();
    let mut routes = Vec::new();
    for (path, item) in &doc.paths.paths {
        // Signing out (or changing the password) would end the session the next cases use.
        if path.starts_with("/api/auth/logout") || path == "/api/auth/password" {
            continue;
        }
        for (method, op) in [
            (axum::http::Method::POST, &item.post),
            (axum::http::Method::PUT, &item.put),
            (axum::http::Method::PATCH, &item.patch),
        ] {
            if let Some(body) = op.as_ref().and_then(|o| o.request_body.as_ref()) {
                let body = serde_json::to_value(body).unwrap_or_default();
                let schema = body["content"]["application/json"]["schema"].clone();
                let answers = op
                    .as_ref()
                    .map(|o| o.responses.responses.keys().cloned().collect())
                    .unwrap_or_default();
                routes.push((method, path.clone(), schema, answers));
            }
        }
    }
    routes
}

/// Any JSON body to any route that takes one, with its path's ids real, random or malformed:
/// the answer is never a 5xx.
#[test]
fn api_bodies_never_fail_the_server() {
    use tower::ServiceExt as _;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let (router, token, ids) = runtime.block_on(async {
        let store = std::sync::Arc::new(
            crate::store::embedded::EmbeddedStore::open(&dir.path().join("store.redb"))
                .expect("store"),
        );
        let state = crate::domain::assemble(
            store,
            std::sync::Arc::new(crate::adapters::hub::LocalHub::default()),
            std::sync::Arc::new(crate::adapters::files::LocalFiles::new(
                dir.path().join("files"),
                [1; 32],
            )),
            crate::domain::Tokens::new(&[5; 32]).expect("tokens"),
            "http://127.0.0.1",
        );
        let owner = state
            .accounts
            .signup_proven(shared::api::SignupRequest {
                business_name: "Fuzz".into(),
                name: "Coach".into(),
                email: "fuzz@test.example".into(),
                password: "a long password".into(),
            })
            .await
            .expect("signup");
        let caller = state
            .accounts
            .authenticate(&owner.token)
            .await
            .expect("caller");
        let added = state
            .clients
            .create_client(
                &caller,
                shared::api::CreateClientRequest {
                    name: "Maya".into(),
                    email: Some("maya@test.example".into()),
                    phone: None,
                    messaging: Default::default(),
                    company_id: None,
                },
            )
            .await
            .expect("a client");
        let ids = vec![
            added.client.id.to_string(),
            added
                .client
                .conversation_id
                .map(|c| c.to_string())
                .unwrap_or_default(),
            ulid::Ulid::generate().to_string(),
            "not-an-id".to_owned(),
        ];
        (crate::http::api_router(state), owner.token, ids)
    });
    let routes = writable_routes();
    assert!(routes.len() > 20, "{routes:?}");
    let schemas = serde_json::to_value(crate::http::openapi()).expect("the document")["components"]
        ["schemas"]
        .clone();
    let seen = std::sync::Mutex::new(std::collections::BTreeMap::<u16, u32>::new());
    let mut runner = TestRunner::new(Config::default());
    let cases = (
        0..routes.len(),
        0..ids.len(),
        json(),
        any::<u8>(),
        any::<u64>(),
    );
    runner
        .run(&cases, |(route, id, anything, how, seed)| {
            use rand::SeedableRng as _;
            let (method, template, schema, answers) = &routes[route];
            let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
            // Most bodies follow the document, half of those changed in one place; the rest
            // are anything at all. Most are signed in.
            let body = match how % 4 {
                0 => anything,
                1 => from_schema(schema, &schemas, &ids, &mut rng, 0),
                _ => {
                    let mut body = from_schema(schema, &schemas, &ids, &mut rng, 0);
                    mutate(&mut body, anything, &mut rng);
                    body
                }
            };
            let signed_in = how % 8 != 7;
            let path = template
                .split('/')
                .map(|part| match part.starts_with('{') {
                    true => ids[id].as_str(),
                    false => part,
                })
                .collect::<Vec<_>>()
                .join("/");
            let mut request = axum::http::Request::builder()
                .method(method.clone())
                .uri(&path)
                .header("content-type", "application/json");
            if signed_in {
                request = request.header("authorization", format!("Bearer {token}"));
            }
            let request = request
                .body(axum::body::Body::from(body.to_string()))
                .expect("a request");
            let status = runtime
                .block_on(router.clone().oneshot(request))
                .expect("an answer")
                .status();
            *seen
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .entry(status.as_u16())
                .or_default() += 1;
            prop_assert!(
                !status.is_server_error(),
                "{} {} with {}: {}",
                method,
                path,
                body,
                status
            );
            // Every answer is one the document lists for the operation.
            prop_assert!(
                answers.iter().any(|a| a == status.as_str()),
                "{} {} answered {} (the document lists {:?}) to {}",
                method,
                template,
                status,
                answers,
                body
            );
            Ok(())
        })
        .expect("no body fails the server");
    println!("answers by status: {:?}", seen.into_inner());
}
