//! A store that fails on purpose: a share of reads and transactions fail the way DynamoDB's do
//! (a transaction cancelled by a conflicting one, throttling, a timeout), and some
//! transactions time out *after* they committed, so the caller sees an error for a write that
//! happened. What runs over it must retry without writing anything twice or losing anything it
//! acknowledged.

use functions::store::{Item, Query, QueryPage, Store, StoreError, Write};
use rand::{Rng as _, SeedableRng as _};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// What was injected so far.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Injected {
    pub reads: u64,
    pub conflicts: u64,
    pub throttled: u64,
    /// Transactions that committed and still answered an error.
    pub after_commit: u64,
}

pub struct Faulty {
    inner: Arc<dyn Store>,
    /// Faults per hundred calls.
    percent: u32,
    rng: Mutex<rand::rngs::StdRng>,
    on: AtomicBool,
    reads: AtomicU64,
    conflicts: AtomicU64,
    throttled: AtomicU64,
    after_commit: AtomicU64,
}

enum Fault {
    None,
    Conflict,
    Throttled,
    AfterCommit,
}

impl Faulty {
    /// Over `inner`, `percent` of calls failing, the same ones for the same `seed`.
    pub fn new(inner: Arc<dyn Store>, percent: u32, seed: u64) -> Self {
        Self {
            inner,
            percent,
            rng: Mutex::new(rand::rngs::StdRng::seed_from_u64(seed)),
            on: AtomicBool::new(true),
            reads: AtomicU64::new(0),
            conflicts: AtomicU64::new(0),
            throttled: AtomicU64::new(0),
            after_commit: AtomicU64::new(0),
        }
    }

    /// Faults on or off (off to set things up, or to read what was kept).
    pub fn faults(&self, on: bool) {
        self.on.store(on, Ordering::SeqCst);
    }

    pub fn injected(&self) -> Injected {
        Injected {
            reads: self.reads.load(Ordering::SeqCst),
            conflicts: self.conflicts.load(Ordering::SeqCst),
            throttled: self.throttled.load(Ordering::SeqCst),
            after_commit: self.after_commit.load(Ordering::SeqCst),
        }
    }

    fn draw(&self, write: bool) -> Fault {
        if !self.on.load(Ordering::SeqCst) {
            return Fault::None;
        }
        let mut rng = self.rng.lock().unwrap_or_else(PoisonError::into_inner);
        if rng.random_range(0..100) >= self.percent {
            return Fault::None;
        }
        match (write, rng.random_range(0..3)) {
            (false, _) => Fault::Throttled,
            (true, 0) => Fault::Conflict,
            (true, 1) => Fault::Throttled,
            (true, _) => Fault::AfterCommit,
        }
    }

    fn throttled(&self) -> StoreError {
        StoreError::Unexpected(anyhow::anyhow!(
            "ProvisionedThroughputExceededException (injected)"
        ))
    }
}

#[async_trait::async_trait]
impl Store for Faulty {
    async fn get(&self, pk: &str, sk: &str) -> Result<Option<Item>, StoreError> {
        if let Fault::Throttled = self.draw(false) {
            self.reads.fetch_add(1, Ordering::SeqCst);
            return Err(self.throttled());
        }
        self.inner.get(pk, sk).await
    }

    async fn query(&self, query: &Query) -> Result<QueryPage, StoreError> {
        if let Fault::Throttled = self.draw(false) {
            self.reads.fetch_add(1, Ordering::SeqCst);
            return Err(self.throttled());
        }
        self.inner.query(query).await
    }

    async fn transact(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        match self.draw(true) {
            Fault::None => self.inner.transact(writes).await,
            Fault::Conflict => {
                self.conflicts.fetch_add(1, Ordering::SeqCst);
                Err(StoreError::Conflict)
            }
            Fault::Throttled => {
                self.throttled.fetch_add(1, Ordering::SeqCst);
                Err(self.throttled())
            }
            Fault::AfterCommit => {
                self.inner.transact(writes).await?;
                self.after_commit.fetch_add(1, Ordering::SeqCst);
                Err(StoreError::Unexpected(anyhow::anyhow!(
                    "the request timed out (injected, after it committed)"
                )))
            }
        }
    }
}
