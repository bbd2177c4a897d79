//! Mass message benchmark: prints figures; it asserts nothing about time, only that every
//! client got the message once.
//!
//! Seeds a business with 5,000 clients through the domain services (on a fresh store), then
//! sends one mass message to all of them and times the background delivery from acceptance to
//! done. Runs on the embedded store, then on DynamoDB Local when `DYNAMODB_ENDPOINT` is set.
//!
//! Usage: mass_bench [clients]

use functions::domain::auth::Tokens;
use functions::store::Store;
use functions::store::dynamodb::DynamoStore;
use functions::store::embedded::EmbeddedStore;
#[path = "../common/mod.rs"]
mod common;

use shared::api::CreateMassMessageRequest;
use shared::model::{MassStatus, Recipients};
use std::sync::Arc;
use std::time::{Duration, Instant};

type AnyResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// The longest the delivery may take before the run is called failed (not a timing check: a
/// bound on the loop).
const GIVE_UP: Duration = Duration::from_secs(600);

async fn run(label: &str, store: Arc<dyn Store>, clients: usize) -> AnyResult<()> {
    let services = functions::domain::assemble(
        store,
        Arc::new(functions::adapters::hub::LocalHub::default()),
        Arc::new(functions::adapters::files::LocalFiles::new(
            std::env::temp_dir().join("sideline-bench-files"),
            [0u8; 32],
        )),
        Tokens::new(&[9u8; 32])?,
        "http://127.0.0.1",
    );
    // Only the mass message in each conversation, to count it.
    let owner = common::quiet_owner(&services, "Mass Bench", "mass-bench@bench.example").await?;
    let seeding = Instant::now();
    let conversations = common::seed_clients(&services, &owner, clients, "bench.example").await?;
    println!(
        "{label}: seeded {clients} clients in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );

    let started = Instant::now();
    let (job, _) = services
        .mass
        .create_mass_message(
            &owner,
            CreateMassMessageRequest {
                id: "bench".into(),
                body: "One message to everyone, delivered one by one.".into(),
                recipients: Recipients::All { all: true },
                send_at: None,
                channel: Default::default(),
            },
        )
        .await?;
    let accepted = started.elapsed();
    // The same delivery the local server runs in its background.
    while services.mass.run_pending_mass_messages().await? > 0 {
        if started.elapsed() > GIVE_UP {
            return Err("the mass message did not finish".into());
        }
    }
    let took = started.elapsed();
    let job = services
        .mass
        .get_mass_message(&owner, job.id.as_str())
        .await?;
    if job.status != MassStatus::Done || job.sent != clients as u64 || job.failed != 0 {
        return Err(format!("unexpected end state: {job:?}").into());
    }
    // Every client has it exactly once.
    let sample = conversations.iter().step_by((clients / 50).max(1));
    for &conversation in sample {
        let page = services
            .conversations
            .list_messages(&owner, conversation, None, Some(10))
            .await?;
        if page.items.len() != 1 {
            return Err(format!("{conversation}: {} messages", page.items.len()).into());
        }
    }
    println!(
        "{label}: mass message to {clients} clients: accepted in {:.1} ms, done in {:.2} s, {:.0} messages/s",
        accepted.as_secs_f64() * 1000.0,
        took.as_secs_f64(),
        clients as f64 / took.as_secs_f64()
    );
    Ok(())
}

#[tokio::main]
async fn main() -> AnyResult<()> {
    let clients: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(5_000);
    let dir = tempfile::tempdir()?;
    let embedded = Arc::new(EmbeddedStore::open(&dir.path().join("sideline.redb"))?);
    run("embedded", embedded, clients).await?;
    if std::env::var("DYNAMODB_ENDPOINT").is_ok() {
        let store: DynamoStore = common::fresh_dynamo_store().await;
        run("DynamoDB Local", Arc::new(store), clients).await?;
    } else {
        println!("DynamoDB Local: skipped (DYNAMODB_ENDPOINT is not set)");
    }
    Ok(())
}
