//! The embedded adapter: one redb file. Writes go through one writer thread that commits every
//! transaction waiting at that moment in one durable (fsynced) redb commit, so concurrent senders
//! share the cost of the sync. Each transaction in a batch is checked and applied on its own:
//! one whose condition fails writes nothing and does not affect the others. After the commit,
//! every change is published on the in-process change bus.

use super::*;
use anyhow::Context as _;
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};
use std::ops::Bound;
use std::path::Path;
use std::sync::Arc;
use tokio::sync::{broadcast, mpsc, oneshot};

const ITEMS: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("items");
/// How many waiting transactions one commit takes at most.
const MAX_BATCH: usize = 512;
/// How many changes the bus buffers for a slow subscriber before it lags.
const BUS_CAPACITY: usize = 65_536;

#[derive(Serialize, Deserialize)]
struct Stored {
    v: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    ttl: Option<i64>,
    d: Value,
}

type Reply = oneshot::Sender<Result<(), StoreError>>;

/// The redb-backed store.
pub struct EmbeddedStore {
    db: Arc<Database>,
    writer: mpsc::UnboundedSender<(Vec<Write>, Reply)>,
    bus: broadcast::Sender<Arc<Change>>,
    writer_thread: std::thread::JoinHandle<()>,
}

impl EmbeddedStore {
    /// Opens (or creates) the store file and starts its writer thread.
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        let db = Database::create(path)
            .with_context(|| format!("opening the store at {}", path.display()))?;
        let txn = db.begin_write().context("creating the items table")?;
        txn.open_table(ITEMS).context("creating the items table")?;
        txn.commit().context("creating the items table")?;
        let db = Arc::new(db);
        let (writer, rx) = mpsc::unbounded_channel();
        let (bus, _) = broadcast::channel(BUS_CAPACITY);
        let (thread_db, thread_bus) = (db.clone(), bus.clone());
        let writer_thread = std::thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || writer_loop(&thread_db, rx, &thread_bus))
            .context("starting the store writer")?;
        Ok(Self {
            db,
            writer,
            bus,
            writer_thread,
        })
    }

    /// Finishes every write under way and closes the file, so another process can open it.
    pub fn close(self) {
        let Self {
            db,
            writer,
            writer_thread,
            ..
        } = self;
        drop(writer);
        if writer_thread.join().is_err() {
            tracing::error!("the store writer panicked");
        }
        drop(db);
    }

    /// Every change committed from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Change>> {
        self.bus.subscribe()
    }
}

fn decode(pk: &str, sk: &str, bytes: &[u8]) -> Result<Item, StoreError> {
    let s: Stored = serde_json::from_slice(bytes).context("decoding a stored item")?;
    Ok(Item {
        pk: pk.to_owned(),
        sk: sk.to_owned(),
        version: s.v,
        expires_at: s.ttl,
        data: s.d,
    })
}

fn encode(item: &Item) -> Result<Vec<u8>, StoreError> {
    let s = Stored {
        v: item.version,
        ttl: item.expires_at,
        d: item.data.clone(),
    };
    Ok(serde_json::to_vec(&s).context("encoding an item")?)
}

fn writer_loop(
    db: &Database,
    mut rx: mpsc::UnboundedReceiver<(Vec<Write>, Reply)>,
    bus: &broadcast::Sender<Arc<Change>>,
) {
    while let Some(first) = rx.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        match commit_batch(db, &batch) {
            Ok(outcomes) => {
                for ((_, reply), outcome) in batch.into_iter().zip(outcomes) {
                    match outcome {
                        Ok(changes) => {
                            for change in changes {
                                // No subscriber is fine: nothing is listening yet.
                                let _ = bus.send(Arc::new(change));
                            }
                            let _ = reply.send(Ok(()));
                        }
                        Err(e) => {
                            let _ = reply.send(Err(e));
                        }
                    }
                }
            }
            Err(e) => {
                tracing::error!(error = ?e, "store commit failed; the whole batch is refused");
                for (_, reply) in batch {
                    let _ = reply.send(Err(StoreError::Unexpected(anyhow::anyhow!(
                        "store commit failed: {e:#}"
                    ))));
                }
            }
        }
    }
}

type Outcome = Result<Vec<Change>, StoreError>;

fn commit_batch(db: &Database, batch: &[(Vec<Write>, Reply)]) -> anyhow::Result<Vec<Outcome>> {
    let txn = db.begin_write()?;
    let mut outcomes = Vec::with_capacity(batch.len());
    {
        let mut table = txn.open_table(ITEMS)?;
        for (writes, _) in batch {
            outcomes.push(apply(&mut table, writes));
        }
    }
    txn.commit()?;
    Ok(outcomes)
}

/// Checks every condition first, then writes: a failed condition leaves the table untouched.
fn apply(table: &mut redb::Table<(&str, &str), &[u8]>, writes: &[Write]) -> Outcome {
    let mut olds = Vec::with_capacity(writes.len());
    for (index, w) in writes.iter().enumerate() {
        let (pk, sk) = w.key();
        let old = match table.get((pk, sk)).context("reading for a condition")? {
            Some(bytes) => Some(decode(pk, sk, bytes.value())?),
            None => None,
        };
        if !w.cond().holds(old.as_ref()) {
            return Err(StoreError::ConditionFailed { index });
        }
        olds.push(old);
    }
    let mut changes = Vec::with_capacity(writes.len());
    for (w, old) in writes.iter().zip(olds) {
        match w {
            Write::Put { item, .. } => {
                table
                    .insert(
                        (item.pk.as_str(), item.sk.as_str()),
                        encode(item)?.as_slice(),
                    )
                    .context("writing an item")?;
                changes.push(Change {
                    pk: item.pk.clone(),
                    sk: item.sk.clone(),
                    old,
                    new: Some(item.clone()),
                });
            }
            Write::Delete { pk, sk, .. } => {
                table
                    .remove((pk.as_str(), sk.as_str()))
                    .context("deleting an item")?;
                if old.is_some() {
                    changes.push(Change {
                        pk: pk.clone(),
                        sk: sk.clone(),
                        old,
                        new: None,
                    });
                }
            }
            Write::Check { .. } => {}
        }
    }
    Ok(changes)
}

#[async_trait]
impl Store for EmbeddedStore {
    async fn get(&self, pk: &str, sk: &str) -> Result<Option<Item>, StoreError> {
        let txn = self.db.begin_read().context("starting a read")?;
        let table = txn.open_table(ITEMS).context("opening the items table")?;
        match table.get((pk, sk)).context("reading an item")? {
            Some(bytes) => Ok(Some(decode(pk, sk, bytes.value())?)),
            None => Ok(None),
        }
    }

    async fn query(&self, q: &Query) -> Result<QueryPage, StoreError> {
        q.check()?;
        let start_after = q.start_after()?;
        let txn = self.db.begin_read().context("starting a read")?;
        let table = txn.open_table(ITEMS).context("opening the items table")?;
        let pk = q.pk.as_str();
        // Bounds of the whole range, as sort keys.
        let (lo, hi): (Bound<String>, Bound<String>) = match &q.range {
            SkRange::All => (Bound::Unbounded, Bound::Unbounded),
            SkRange::Prefix(p) => (
                Bound::Included(p.clone()),
                Bound::Included(format!("{p}\u{10FFFF}")),
            ),
            SkRange::Between(a, b) => (Bound::Included(a.clone()), Bound::Included(b.clone())),
        };
        // The cursor narrows the side we come from.
        let (lo, hi) = match (start_after, q.forward) {
            (Some(c), true) => (Bound::Excluded(c), hi),
            (Some(c), false) => (lo, Bound::Excluded(c)),
            (None, _) => (lo, hi),
        };
        let key = |b: &Bound<String>, unbounded_sk: &'static str| -> Bound<(String, String)> {
            match b {
                Bound::Included(s) => Bound::Included((pk.to_owned(), s.clone())),
                Bound::Excluded(s) => Bound::Excluded((pk.to_owned(), s.clone())),
                Bound::Unbounded => Bound::Included((pk.to_owned(), unbounded_sk.to_owned())),
            }
        };
        let lo_key = key(&lo, "");
        // U+10FFFF is the largest scalar value: no valid sort key of this partition sorts after
        // it other than ones starting with it, which the key builders never produce.
        let hi_key = key(&hi, "\u{10FFFF}\u{10FFFF}");
        fn as_ref(b: &Bound<(String, String)>) -> Bound<(&str, &str)> {
            match b {
                Bound::Included((p, s)) => Bound::Included((p.as_str(), s.as_str())),
                Bound::Excluded((p, s)) => Bound::Excluded((p.as_str(), s.as_str())),
                Bound::Unbounded => Bound::Unbounded,
            }
        }
        let range = table
            .range::<(&str, &str)>((as_ref(&lo_key), as_ref(&hi_key)))
            .context("querying")?;
        let want = q.limit + 1;
        let mut items = Vec::with_capacity(want.min(256));
        let mut push = |entry: Result<
            (redb::AccessGuard<(&str, &str)>, redb::AccessGuard<&[u8]>),
            redb::StorageError,
        >|
         -> Result<bool, StoreError> {
            let (k, v) = entry.context("reading a queried item")?;
            let (ipk, isk) = k.value();
            if !q.range.contains(isk) {
                return Ok(false);
            }
            items.push(decode(ipk, isk, v.value())?);
            Ok(items.len() >= want)
        };
        if q.forward {
            for entry in range {
                if push(entry)? {
                    break;
                }
            }
        } else {
            for entry in range.rev() {
                if push(entry)? {
                    break;
                }
            }
        }
        Ok(page_from(items, q.limit))
    }

    async fn transact(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        validate_writes(&writes)?;
        let (tx, rx) = oneshot::channel();
        self.writer
            .send((writes, tx))
            .map_err(|_| StoreError::Unexpected(anyhow::anyhow!("the store writer has stopped")))?;
        rx.await
            .map_err(|_| StoreError::Unexpected(anyhow::anyhow!("the store writer has stopped")))?
    }
}
