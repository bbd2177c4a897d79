//! Every adapter must behave the same on these. Each case is written once against `&dyn Store`
//! and instantiated per adapter by `conformance!`.

use functions::store::embedded::EmbeddedStore;
use functions::store::*;
use serde_json::json;

fn item(pk: &str, sk: &str, version: u64, n: i64) -> Item {
    Item {
        pk: pk.into(),
        sk: sk.into(),
        version,
        expires_at: None,
        data: json!({ "n": n }),
    }
}

async fn numbers(store: &dyn Store, q: &Query) -> (Vec<i64>, Option<String>) {
    let page = store.query(q).await.expect("query");
    (
        page.items
            .iter()
            .map(|i| i.data["n"].as_i64().expect("n"))
            .collect(),
        page.next_cursor,
    )
}

async fn seed(store: &dyn Store, pk: &str, n: i64) {
    for chunk in (0..n).collect::<Vec<_>>().chunks(25) {
        let writes = chunk
            .iter()
            .map(|i| Write::put(item(pk, &format!("M#{i:05}"), 1, *i), Condition::NotExists))
            .collect();
        store.transact(writes).await.expect("seed");
    }
}

pub async fn a_put_then_get_round_trips_every_field(store: &dyn Store) {
    let mut it = item("P", "S", 7, 1);
    it.expires_at = Some(1_900_000_000);
    it.data = json!({ "text": "héllo 👋", "nested": { "list": [1, 2, 3], "null": null }, "big": 12345678901234_i64 });
    store
        .transact(vec![Write::put(it.clone(), Condition::Always)])
        .await
        .expect("put");
    assert_eq!(store.get("P", "S").await.expect("get"), Some(it));
    assert_eq!(store.get("P", "missing").await.expect("get"), None);
    assert_eq!(store.get("other", "S").await.expect("get"), None);
}

pub async fn not_exists_refuses_a_taken_key(store: &dyn Store) {
    store
        .transact(vec![Write::put(item("P", "K", 1, 1), Condition::NotExists)])
        .await
        .expect("first");
    let err = store
        .transact(vec![Write::put(item("P", "K", 1, 2), Condition::NotExists)])
        .await
        .expect_err("second");
    assert!(
        matches!(err, StoreError::ConditionFailed { index: 0 }),
        "{err:?}"
    );
    assert_eq!(
        store.get("P", "K").await.expect("get").expect("kept").data["n"],
        1
    );
}

pub async fn version_match_is_optimistic_concurrency(store: &dyn Store) {
    store
        .transact(vec![Write::put(item("P", "K", 1, 1), Condition::NotExists)])
        .await
        .expect("create");
    store
        .transact(vec![Write::put(
            item("P", "K", 2, 2),
            Condition::Version(1),
        )])
        .await
        .expect("update at v1");
    let stale = store
        .transact(vec![Write::put(
            item("P", "K", 2, 3),
            Condition::Version(1),
        )])
        .await
        .expect_err("stale");
    assert!(
        matches!(stale, StoreError::ConditionFailed { index: 0 }),
        "{stale:?}"
    );
    let missing = store
        .transact(vec![Write::put(
            item("P", "none", 2, 3),
            Condition::Version(1),
        )])
        .await
        .expect_err("missing");
    assert!(
        matches!(missing, StoreError::ConditionFailed { .. }),
        "{missing:?}"
    );
    let got = store.get("P", "K").await.expect("get").expect("there");
    assert_eq!((got.version, got.data["n"].as_i64()), (2, Some(2)));
}

pub async fn exists_and_delete_conditions(store: &dyn Store) {
    let err = store
        .transact(vec![Write::delete("P", "K", Condition::Exists)])
        .await
        .expect_err("nothing to delete");
    assert!(
        matches!(err, StoreError::ConditionFailed { index: 0 }),
        "{err:?}"
    );
    store
        .transact(vec![Write::put(item("P", "K", 1, 1), Condition::Always)])
        .await
        .expect("put");
    store
        .transact(vec![Write::delete("P", "K", Condition::Exists)])
        .await
        .expect("delete");
    assert_eq!(store.get("P", "K").await.expect("get"), None);
    store
        .transact(vec![Write::delete("P", "K", Condition::Always)])
        .await
        .expect("deleting nothing is fine");
}

pub async fn a_transaction_with_one_failed_condition_writes_nothing(store: &dyn Store) {
    store
        .transact(vec![
            Write::put(item("P", "taken", 1, 0), Condition::Always),
            Write::put(item("P", "guard", 1, 0), Condition::Always),
        ])
        .await
        .expect("seed");
    let writes = vec![
        Write::put(item("P", "a", 1, 1), Condition::NotExists),
        Write::put(item("Q", "b", 1, 2), Condition::Always),
        Write::delete("P", "taken", Condition::Always),
        Write::put(item("P", "c", 1, 3), Condition::NotExists),
        Write::check("P", "guard", Condition::NotExists),
    ];
    let err = store.transact(writes).await.expect_err("the check fails");
    assert!(
        matches!(err, StoreError::ConditionFailed { index: 4 }),
        "{err:?}"
    );
    assert_eq!(store.get("P", "a").await.expect("get"), None);
    assert_eq!(store.get("Q", "b").await.expect("get"), None);
    assert_eq!(store.get("P", "c").await.expect("get"), None);
    assert!(
        store.get("P", "taken").await.expect("get").is_some(),
        "the delete did not happen"
    );
}

pub async fn a_transaction_applies_every_write(store: &dyn Store) {
    store
        .transact(vec![Write::put(item("P", "old", 1, 0), Condition::Always)])
        .await
        .expect("seed");
    let writes = vec![
        Write::put(item("P", "a", 1, 1), Condition::NotExists),
        Write::put(item("Q", "b", 1, 2), Condition::Always),
        Write::delete("P", "old", Condition::Exists),
        Write::check("Q", "nothing", Condition::NotExists),
    ];
    store.transact(writes).await.expect("all hold");
    assert!(store.get("P", "a").await.expect("get").is_some());
    assert!(store.get("Q", "b").await.expect("get").is_some());
    assert_eq!(store.get("P", "old").await.expect("get"), None);
}

pub async fn transactions_are_bounded_and_on_distinct_items(store: &dyn Store) {
    let too_many: Vec<_> = (0..=MAX_TRANSACTION_WRITES)
        .map(|i| Write::put(item("P", &format!("{i}"), 1, 0), Condition::Always))
        .collect();
    assert!(matches!(
        store.transact(too_many).await,
        Err(StoreError::InvalidTransaction)
    ));
    assert!(matches!(
        store.transact(vec![]).await,
        Err(StoreError::InvalidTransaction)
    ));
    let twice = vec![
        Write::put(item("P", "x", 1, 0), Condition::Always),
        Write::delete("P", "x", Condition::Always),
    ];
    assert!(matches!(
        store.transact(twice).await,
        Err(StoreError::InvalidTransaction)
    ));
    let max: Vec<_> = (0..MAX_TRANSACTION_WRITES)
        .map(|i| Write::put(item("P", &format!("{i:03}"), 1, 0), Condition::Always))
        .collect();
    store
        .transact(max)
        .await
        .expect("exactly the maximum is fine");
}

pub async fn large_items_are_rejected_cleanly(store: &dyn Store) {
    let mut big = item("P", "big", 1, 0);
    big.data = json!({ "text": "x".repeat(MAX_ITEM_BYTES) });
    let err = store
        .transact(vec![Write::put(big, Condition::Always)])
        .await
        .expect_err("too large");
    assert!(matches!(err, StoreError::ItemTooLarge { .. }), "{err:?}");
    assert_eq!(store.get("P", "big").await.expect("get"), None);
    let mut fits = item("P", "fits", 1, 0);
    fits.data = json!({ "text": "x".repeat(MAX_ITEM_BYTES - 200) });
    store
        .transact(vec![Write::put(fits, Condition::Always)])
        .await
        .expect("just under the limit fits");
}

pub async fn queries_page_forward_and_backward_by_cursor(store: &dyn Store) {
    seed(store, "P", 23).await;
    store
        .transact(vec![
            Write::put(item("P", "META", 1, -1), Condition::Always),
            Write::put(item("P", "A", 1, -2), Condition::Always),
        ])
        .await
        .expect("neighbours");
    seed(store, "Other", 5).await;

    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let (page, next) = numbers(
            store,
            &Query::prefix("P", "M#").limit(10).after(cursor.clone()),
        )
        .await;
        seen.extend(page);
        match next {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(
        seen,
        (0..23).collect::<Vec<_>>(),
        "forward pages, nothing from other prefixes or partitions"
    );

    let (first, next) = numbers(store, &Query::prefix("P", "M#").reverse().limit(10)).await;
    assert_eq!(first, (13..23).rev().collect::<Vec<_>>());
    let (second, next) = numbers(
        store,
        &Query::prefix("P", "M#").reverse().limit(10).after(next),
    )
    .await;
    assert_eq!(second, (3..13).rev().collect::<Vec<_>>());
    let (third, next) = numbers(
        store,
        &Query::prefix("P", "M#").reverse().limit(10).after(next),
    )
    .await;
    assert_eq!(third, vec![2, 1, 0]);
    assert_eq!(next, None, "no cursor after the last page");

    let (exact, next) = numbers(store, &Query::prefix("P", "M#").limit(23)).await;
    assert_eq!(
        (exact.len(), next),
        (23, None),
        "a page that ends exactly at the end has no cursor"
    );
}

pub async fn between_and_whole_partition_ranges(store: &dyn Store) {
    seed(store, "P", 10).await;
    let q = Query {
        pk: "P".into(),
        range: SkRange::Between("M#00003".into(), "M#00006".into()),
        forward: true,
        limit: 100,
        cursor: None,
    };
    assert_eq!(numbers(store, &q).await.0, vec![3, 4, 5, 6]);
    let q = Query {
        forward: false,
        limit: 2,
        ..q
    };
    let (page, next) = numbers(store, &q).await;
    assert_eq!(page, vec![6, 5]);
    assert_eq!(
        numbers(
            store,
            &Query {
                cursor: next,
                ..q.clone()
            }
        )
        .await
        .0,
        vec![4, 3]
    );
    let all = Query {
        pk: "P".into(),
        range: SkRange::All,
        forward: true,
        limit: 100,
        cursor: None,
    };
    assert_eq!(numbers(store, &all).await.0.len(), 10);
}

pub async fn bad_cursors_and_limits_are_refused(store: &dyn Store) {
    seed(store, "P", 3).await;
    let q = Query::prefix("P", "M#");
    assert!(matches!(
        store
            .query(&q.clone().after(Some("!!not base64".into())))
            .await,
        Err(StoreError::InvalidCursor)
    ));
    let foreign = encode_cursor("X#elsewhere");
    assert!(matches!(
        store.query(&q.clone().after(Some(foreign))).await,
        Err(StoreError::InvalidCursor)
    ));
    assert!(matches!(
        store.query(&q.clone().limit(0)).await,
        Err(StoreError::InvalidLimit)
    ));
    assert!(matches!(
        store.query(&q.clone().limit(MAX_QUERY_LIMIT + 1)).await,
        Err(StoreError::InvalidLimit)
    ));
}

pub async fn concurrent_conditional_creates_let_exactly_one_win(store: std::sync::Arc<dyn Store>) {
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .transact(vec![Write::put(
                        item("P", "race", 1, i),
                        Condition::NotExists,
                    )])
                    .await
                    .is_ok()
            })
        })
        .collect();
    let mut wins = 0;
    for t in tasks {
        if t.await.expect("join") {
            wins += 1;
        }
    }
    assert_eq!(wins, 1);
}

macro_rules! conformance {
    ($($case:ident),* $(,)?) => {
        mod embedded {
            $(
                #[tokio::test]
                async fn $case() {
                    let dir = tempfile::tempdir().expect("tempdir");
                    let store = super::EmbeddedStore::open(&dir.path().join("s.redb")).expect("open");
                    super::$case(&store).await;
                }
            )*
            #[tokio::test]
            async fn concurrent_conditional_creates_let_exactly_one_win() {
                let dir = tempfile::tempdir().expect("tempdir");
                let store = super::EmbeddedStore::open(&dir.path().join("s.redb")).expect("open");
                super::concurrent_conditional_creates_let_exactly_one_win(std::sync::Arc::new(store)).await;
            }
        }
        mod dynamodb {
            $(
                #[tokio::test]
                async fn $case() {
                    let store = crate::common::fresh_dynamo_store().await;
                    super::$case(&store).await;
                }
            )*
            #[tokio::test]
            async fn concurrent_conditional_creates_let_exactly_one_win() {
                let store = crate::common::fresh_dynamo_store().await;
                super::concurrent_conditional_creates_let_exactly_one_win(std::sync::Arc::new(store)).await;
            }
        }
    };
}

conformance!(
    a_put_then_get_round_trips_every_field,
    not_exists_refuses_a_taken_key,
    version_match_is_optimistic_concurrency,
    exists_and_delete_conditions,
    a_transaction_with_one_failed_condition_writes_nothing,
    a_transaction_applies_every_write,
    transactions_are_bounded_and_on_distinct_items,
    large_items_are_rejected_cleanly,
    queries_page_forward_and_backward_by_cursor,
    between_and_whole_partition_ranges,
    bad_cursors_and_limits_are_refused,
);

#[tokio::test]
async fn the_embedded_store_publishes_committed_changes_and_survives_reopen() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("s.redb");
    {
        let store = EmbeddedStore::open(&path).expect("open");
        let mut bus = store.subscribe();
        store
            .transact(vec![Write::put(item("P", "a", 1, 1), Condition::NotExists)])
            .await
            .expect("put");
        let _ = store
            .transact(vec![Write::put(item("P", "a", 1, 2), Condition::NotExists)])
            .await;
        store
            .transact(vec![
                Write::delete("P", "a", Condition::Exists),
                Write::put(item("P", "b", 1, 3), Condition::Always),
            ])
            .await
            .expect("tx");
        let first = bus.recv().await.expect("change");
        assert_eq!(
            (first.sk.as_str(), first.old.is_none(), first.new.is_some()),
            ("a", true, true)
        );
        let second = bus.recv().await.expect("change");
        assert_eq!(
            (
                second.sk.as_str(),
                second.old.is_some(),
                second.new.is_none()
            ),
            ("a", true, true),
            "the failed put published nothing"
        );
        assert_eq!(bus.recv().await.expect("change").sk, "b");
    }
    // The writer thread holds the file until its channel closes; give it a moment.
    let mut reopened = None;
    for _ in 0..250 {
        if let Ok(s) = EmbeddedStore::open(&path) {
            reopened = Some(s);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let store = reopened.expect("the store reopens within 5 s");
    assert!(store.get("P", "b").await.expect("get").is_some());
}
