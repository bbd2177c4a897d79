//! Realtime fan-out on AWS, measured: prints figures; it asserts only that every connection got
//! every event once, in order.
//!
//! A company channel of 1,000 people, each with an open connection, and 100 messages sent to
//! it; each message's stream record delivered as the fan-out function delivers it
//! (`events::deliver` through `ApiGatewayRealtime` and the real SDK client) to a loopback
//! server speaking the API Gateway management API that answers each post after a set latency.
//! The function's timeout is 60 s.
//!
//! Usage: fanout_bench [people] [events] [latency ms]

#[path = "../common/mod.rs"]
mod common;

use common::fanout::{self, ManagementApi, connection_id};
use functions::adapters::apigateway::{ApiGatewayRealtime, POSTS_IN_FLIGHT};
use functions::events::{Managers, deliver};
use functions::store::Store;
use functions::store::embedded::EmbeddedStore;
use std::sync::Arc;
use std::time::{Duration, Instant};

type AnyResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn arg(n: usize, default: u64) -> AnyResult<u64> {
    Ok(std::env::args()
        .nth(n)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(default))
}

#[tokio::main]
async fn main() -> AnyResult<()> {
    let people = usize::try_from(arg(1, 1_000)?)?;
    let events = usize::try_from(arg(2, 100)?)?;
    let latency = Duration::from_millis(arg(3, 10)?);
    let dir = tempfile::tempdir()?;
    let store: Arc<dyn Store> = Arc::new(EmbeddedStore::open(&dir.path().join("sideline.redb"))?);
    let seeding = Instant::now();
    let channel = fanout::channel_of(store.clone(), people).await?;
    let changes = channel.messages(&*store, events).await?;
    println!(
        "fan-out: seeded a channel of {people} and {events} messages in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );
    for (n, member) in channel.members.iter().enumerate() {
        functions::store::connections::register(
            &*store,
            channel.business,
            *member,
            None,
            &connection_id(n),
        )
        .await?;
    }
    let api = ManagementApi::start(latency).await;
    let realtime = ApiGatewayRealtime::with_client(api.client(), store.clone());
    let managers = Managers::default();
    let mut each = Vec::with_capacity(events);
    let started = Instant::now();
    for change in &changes {
        let one = Instant::now();
        deliver(&*store, &realtime, &managers, change).await?;
        each.push(one.elapsed());
    }
    let took = started.elapsed();
    let posted = api.posted();
    let once_each = posted.len() == people && posted.values().all(|p| p.len() == events);
    if !once_each {
        return Err("a connection did not get every event once".into());
    }
    each.sort();
    let p = |q: f64| each[((each.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "fan-out: {events} events to a channel of {people} ({} posts, each answered after {} ms, \
         at most {POSTS_IN_FLIGHT} in flight): {:.2} s in all ({:.0} posts/s; the function's \
         timeout is 60 s), an event p50 {:.0} ms, p99 {:.0} ms",
        events * people,
        latency.as_millis(),
        took.as_secs_f64(),
        (events * people) as f64 / took.as_secs_f64(),
        p(0.5).as_secs_f64() * 1000.0,
        p(0.99).as_secs_f64() * 1000.0,
    );
    println!(
        "fan-out: one post at a time, the same would take at least {:.0} s",
        (events * people) as f64 * latency.as_secs_f64()
    );
    Ok(())
}
