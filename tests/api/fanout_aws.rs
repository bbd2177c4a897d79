//! Realtime fan-out on AWS: the change stream's records delivered by `events::deliver` through
//! `ApiGatewayRealtime` and the real SDK client to a loopback server speaking the API Gateway
//! management API (`common::fanout`). The audience's connections come from one query of the
//! business's, posts go out a bounded number at a time, gone connections are forgotten, and a
//! delivery that fails fails before it reached anyone, so the stream's retry sends nobody an
//! event twice.

use crate::common::fanout::{self, ManagementApi, connection_id};
use crate::helpers::Backend;
use functions::adapters::apigateway::{ApiGatewayRealtime, POSTS_IN_FLIGHT};
use functions::events::{Managers, deliver};
use functions::store::{Item, Query, QueryPage, Store, StoreError, Write, connections};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// A store whose next query of a business's connections fails (DynamoDB throttled it, say),
/// when asked to; counting those queries.
struct Throttled {
    inner: Arc<dyn Store>,
    fail_next: AtomicBool,
    connection_queries: AtomicUsize,
}

#[async_trait::async_trait]
impl Store for Throttled {
    async fn get(&self, pk: &str, sk: &str) -> Result<Option<Item>, StoreError> {
        self.inner.get(pk, sk).await
    }
    async fn query(&self, query: &Query) -> Result<QueryPage, StoreError> {
        if query.pk.ends_with("#CONNS") {
            self.connection_queries.fetch_add(1, Ordering::SeqCst);
            if self.fail_next.swap(false, Ordering::SeqCst) {
                return Err(StoreError::Unexpected(anyhow::anyhow!(
                    "ProvisionedThroughputExceededException"
                )));
            }
        }
        self.inner.query(query).await
    }
    async fn transact(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        self.inner.transact(writes).await
    }
}

async fn store_of(backend: Backend, dir: &tempfile::TempDir) -> Arc<dyn Store> {
    match backend {
        Backend::Embedded => Arc::new(
            functions::store::embedded::EmbeddedStore::open(&dir.path().join("sideline.redb"))
                .expect("an embedded store"),
        ),
        Backend::Dynamo => Arc::new(crate::common::fresh_dynamo_store().await),
    }
}

async fn events_to_a_channel(backend: Backend, people: usize, events: usize) {
    let dir = tempfile::tempdir().expect("tempdir");
    let inner = store_of(backend, &dir).await;
    let store = Arc::new(Throttled {
        inner: inner.clone(),
        fail_next: AtomicBool::new(false),
        connection_queries: AtomicUsize::new(0),
    });
    let channel = fanout::channel_of(inner.clone(), people)
        .await
        .expect("a channel");
    assert_eq!(channel.members.len(), people);
    let changes = channel.messages(&*inner, events).await.expect("messages");
    assert_eq!(changes.len(), events);

    // Everyone has a connection open; a few of them went away without a `$disconnect`.
    let api = ManagementApi::start(Duration::from_millis(2)).await;
    for (n, member) in channel.members.iter().enumerate() {
        connections::register(&*inner, channel.business, *member, None, &connection_id(n))
            .await
            .expect("a connection");
    }
    let gone: Vec<usize> = (0..people).step_by(100).skip(1).collect();
    for n in &gone {
        api.go(&connection_id(*n));
    }
    let realtime = ApiGatewayRealtime::with_client(api.client(), store.clone());
    let managers = Managers::default();

    // The stream delivers the batch; one event's connections cannot be read at first: that
    // record fails having sent nothing, and the retry starts from it.
    let started = Instant::now();
    let mut attempts = 0;
    let mut next = 0;
    while next < changes.len() {
        attempts += 1;
        assert!(attempts <= 2, "the batch went through on its retry");
        for change in &changes[next..] {
            if attempts == 1 && next == events / 2 {
                store.fail_next.store(true, Ordering::SeqCst);
            }
            let before = api.posts();
            match deliver(&*store, &realtime, &managers, change).await {
                Ok(()) => next += 1,
                Err(_) => {
                    assert_eq!(api.posts(), before, "a failed delivery reached no one");
                    break;
                }
            }
        }
    }
    let took = started.elapsed();
    assert_eq!(attempts, 2, "the throttled query failed its record once");

    let posted = api.posted();
    let live = people - gone.len();
    assert_eq!(posted.len(), live, "every live connection was reached");
    let owners = &posted[&connection_id(0)];
    assert_eq!(owners.len(), events);
    for (i, payload) in owners.iter().enumerate() {
        let text = String::from_utf8_lossy(payload);
        assert!(
            text.contains(&format!("\"fanout-{i}\"")),
            "in order: {text}"
        );
    }
    for (n, _) in channel.members.iter().enumerate() {
        let id = connection_id(n);
        match gone.contains(&n) {
            true => assert!(!posted.contains_key(&id), "{id} is gone"),
            // Each event once, in the order of the stream.
            false => assert_eq!(&posted[&id], owners, "{id}"),
        }
    }
    // The gone ones are forgotten (the first event found them gone); the others are kept.
    let kept = connections::all_of_business(&*inner, channel.business)
        .await
        .expect("connections");
    assert_eq!(kept.len(), live);
    // One query of the business's connections an event (with the one that failed): not one
    // per member.
    assert_eq!(
        store.connection_queries.load(Ordering::SeqCst),
        events + 1,
        "pages of {people} connections"
    );
    let most = api.most_in_flight();
    assert!(
        (2..=POSTS_IN_FLIGHT).contains(&most),
        "posts go out together, at most {POSTS_IN_FLIGHT}: {most}"
    );
    println!(
        "{events} events to a channel of {people} ({live} connected): {} posts in {:.2} s \
         ({:.0} posts/s, at most {most} in flight)",
        events * live,
        took.as_secs_f64(),
        (events * live) as f64 / took.as_secs_f64()
    );
    // The fan-out function's timeout is 60 s; this is a bound on the run, not a timing check.
    assert!(took < Duration::from_secs(60), "{took:?}");
}

#[tokio::test]
async fn events_to_a_channel_of_a_thousand_go_out_together_once_each_embedded() {
    events_to_a_channel(Backend::Embedded, 1_000, 10).await;
}

#[tokio::test]
async fn events_to_a_channel_go_out_together_once_each_dynamodb() {
    events_to_a_channel(Backend::Dynamo, 150, 6).await;
}
