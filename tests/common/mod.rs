//! What every suite shares: DynamoDB Local access (one fresh table per test) and paths.

#![allow(dead_code)]

pub mod fanout;
pub mod faults;
pub mod moto;

use functions::store::dynamodb::DynamoStore;
use std::path::PathBuf;

/// The DynamoDB Local endpoint the test command started. Tests that need it fail loudly
/// without it, rather than passing without having run.
pub fn dynamodb_endpoint() -> String {
    std::env::var("DYNAMODB_ENDPOINT").expect(
        "DYNAMODB_ENDPOINT is not set: run the tests with infra/scripts/test.sh, which starts DynamoDB Local",
    )
}

/// A DynamoDB client for DynamoDB Local.
pub async fn dynamodb_client() -> aws_sdk_dynamodb::Client {
    dynamodb_client_at(&dynamodb_endpoint())
}

/// A DynamoDB client for DynamoDB Local reached at `endpoint` (through a proxy, say).
pub fn dynamodb_client_at(endpoint: &str) -> aws_sdk_dynamodb::Client {
    let creds = aws_sdk_dynamodb::config::Credentials::new(
        "sidelinetest",
        "sidelinetest",
        None,
        None,
        "tests",
    );
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
        .region(aws_sdk_dynamodb::config::Region::new("us-east-1"))
        .credentials_provider(creds)
        .endpoint_url(endpoint)
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

/// A store on a fresh table of its own, without a change stream: the tests' workers are fed in
/// process (the lambda test, which reads the stream, makes its table with one).
pub async fn fresh_dynamo_store() -> DynamoStore {
    let client = dynamodb_client().await;
    let table = format!("t{}", ulid::Ulid::generate().to_string().to_lowercase());
    DynamoStore::create_table_streaming(&client, &table, false)
        .await
        .expect("create a DynamoDB Local table");
    DynamoStore::new(client, table)
}

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Starts the real `local` server binary on a free port with `data_dir`, without the demo, and
/// waits for its READY line. Returns the child (killed on drop) and the base URL.
pub async fn start_local_binary(
    binary: &std::path::Path,
    data_dir: &std::path::Path,
) -> (tokio::process::Child, String) {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let mut child = tokio::process::Command::new(binary)
        .args([
            "--port",
            "0",
            "--no-demo",
            "--static-dir",
            "/nonexistent",
            "--data-dir",
        ])
        .arg(data_dir)
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn the local server");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let addr = tokio::time::timeout(std::time::Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.expect("read the server's output") {
            if let Some(addr) = line.strip_prefix("READY ") {
                return addr.to_owned();
            }
        }
        panic!("the server exited before it was ready");
    })
    .await
    .expect("the server is ready within 60 s");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, format!("http://{addr}"))
}

/// The services over `store` as the local server assembles them (a local hub, files under
/// `files`), with tokens signed by `secret`: for seeding and driving work without a server.
pub fn services_over(
    store: std::sync::Arc<dyn functions::store::Store>,
    files: &std::path::Path,
    secret: &[u8],
) -> functions::domain::AppState {
    functions::domain::assemble(
        store,
        std::sync::Arc::new(functions::adapters::hub::LocalHub::default()),
        std::sync::Arc::new(functions::adapters::files::LocalFiles::new(
            files.to_path_buf(),
            [0u8; 32],
        )),
        functions::domain::auth::Tokens::new(secret).expect("tokens"),
        "http://127.0.0.1",
    )
}

/// The owner of a new business `business` (signed up through `services` with `email` proven,
/// and signed in), its welcome message off: only what a test or bench sends is in each
/// conversation, to count it.
pub async fn quiet_owner(
    services: &functions::domain::Services,
    business: &str,
    email: &str,
) -> Result<functions::domain::auth::Caller, functions::domain::Error> {
    let signed = services
        .accounts
        .signup_proven(shared::api::SignupRequest {
            business_name: business.into(),
            name: "Coach".into(),
            email: email.into(),
            password: "a long password".into(),
        })
        .await?;
    let owner = services.accounts.authenticate(&signed.token).await?;
    welcome_off(services, &owner).await?;
    Ok(owner)
}

/// Turns the business's welcome message off, so its clients' conversations start empty and
/// messages can be counted.
pub async fn welcome_off(
    services: &functions::domain::Services,
    owner: &functions::domain::auth::Caller,
) -> Result<(), functions::domain::Error> {
    services
        .settings
        .update_settings(
            owner,
            shared::api::UpdateSettingsRequest {
                welcome_message: Some(shared::model::WelcomeMessage {
                    enabled: false,
                    text: String::new(),
                }),
                default_channel: None,
                needs_attention_hours: None,
            },
        )
        .await
        .map(drop)
}

/// Adds `count` clients (`client-<i>@<domain>`, every third one-way) through the services, 32 at
/// a time; answers their private conversations, in order.
pub async fn seed_clients(
    services: &functions::domain::Services,
    owner: &functions::domain::auth::Caller,
    count: usize,
    domain: &str,
) -> Result<Vec<shared::ConversationId>, functions::domain::Error> {
    use futures::StreamExt as _;
    let added: Vec<_> = futures::stream::iter(0..count)
        .map(|i| async move {
            services
                .clients
                .create_client(
                    owner,
                    shared::api::CreateClientRequest {
                        name: format!("Client {i}"),
                        email: Some(format!("client-{i}@{domain}")),
                        phone: None,
                        messaging: if i % 3 == 0 {
                            shared::model::MessagingMode::OneWay
                        } else {
                            shared::model::MessagingMode::TwoWay
                        },
                        company_id: None,
                    },
                )
                .await
        })
        .buffered(32)
        .collect()
        .await;
    added
        .into_iter()
        .map(|a| {
            a.map(|a| {
                a.client
                    .conversation_id
                    .expect("a client added alone has a conversation")
            })
        })
        .collect()
}

/// Confirms a new sign-up's email through the link the local server's dev mailbox received;
/// the answer signs in (an `AuthResponse`).
pub async fn confirm_email(
    http: &reqwest::Client,
    base: &str,
    email: &str,
) -> anyhow::Result<serde_json::Value> {
    use anyhow::Context as _;
    for _ in 0..250 {
        let mails: serde_json::Value = http
            .get(format!("{base}/dev/mail.json"))
            .send()
            .await?
            .json()
            .await?;
        let link = mails.as_array().and_then(|all| {
            all.iter().find_map(|m| {
                (m["to"] == email && m["subject"] == "Confirm your email")
                    .then(|| m["links"][0].as_str())
                    .flatten()
            })
        });
        if let Some(link) = link {
            let token = link.rsplit('/').next().context("a token")?;
            let reply = http
                .post(format!("{base}/api/auth/verify"))
                .json(&serde_json::json!({ "token": token }))
                .send()
                .await?;
            anyhow::ensure!(reply.status() == 200, "confirming: {}", reply.status());
            return Ok(reply.json().await?);
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    anyhow::bail!("no confirmation email to {email} reached the dev mailbox")
}
