//! The Store port: a narrow, DynamoDB-shaped key-value interface (get one item, query one
//! partition by sort-key range with a cursor, transactional conditional writes), its two
//! adapters, and the repositories written once on top of it.

pub mod audit;
pub mod changes;
pub mod companies;
pub mod connections;
pub mod dynamodb;
pub mod embedded;
pub mod idempotency;
pub mod inbox;
pub mod keys;
pub mod mail;
pub mod mass;
pub mod members;
pub mod messages;
pub mod notes;
pub mod products;
pub mod push;
pub mod records;
pub mod repo;
pub mod retrying;
pub mod roster;
pub mod scheduled;
pub mod staff;
mod tables;
pub mod templates;
pub mod texts;
pub mod tx;
pub mod vault;

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;
use std::collections::HashSet;

/// The layout of the stored records. A local data dir made with another layout is refused at
/// start with a clear message, not read into errors. 2: members as items of their own, stored
/// records separate from the wire types.
pub const DATA_FORMAT: u32 = 2;

/// The largest item either adapter accepts, in bytes as DynamoDB counts them (names + values).
/// A little under DynamoDB's 400 KiB so our estimate never reaches the real limit.
pub const MAX_ITEM_BYTES: usize = 400_000;
/// The most writes in one transaction (DynamoDB's limit).
pub const MAX_TRANSACTION_WRITES: usize = 100;
/// The largest page a query returns.
pub const MAX_QUERY_LIMIT: usize = 1_000;

/// One stored item. `data` is the domain record; `version` supports optimistic concurrency;
/// `expires_at` (unix seconds) lets the backend drop the item some time after it expires.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub pk: String,
    pub sk: String,
    pub version: u64,
    pub expires_at: Option<i64>,
    pub data: Value,
}

impl Item {
    pub fn new(pk: impl Into<String>, sk: impl Into<String>, data: Value) -> Self {
        Self {
            pk: pk.into(),
            sk: sk.into(),
            version: 1,
            expires_at: None,
            data,
        }
    }

    /// Size as DynamoDB counts it: attribute names plus values, numbers as at most 21 bytes.
    pub fn size_bytes(&self) -> usize {
        let data_len = serde_json::to_string(&self.data)
            .map(|s| s.len())
            .unwrap_or(usize::MAX / 2);
        2 + self.pk.len()
            + 2
            + self.sk.len()
            + 1
            + 21
            + 1
            + data_len
            + if self.expires_at.is_some() { 3 + 21 } else { 0 }
    }
}

/// What must hold for a write to happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    Always,
    NotExists,
    Exists,
    /// The item exists with exactly this version.
    Version(u64),
}

impl Condition {
    /// Whether the condition holds for the current item.
    pub fn holds(self, current: Option<&Item>) -> bool {
        match self {
            Condition::Always => true,
            Condition::NotExists => current.is_none(),
            Condition::Exists => current.is_some(),
            Condition::Version(v) => current.is_some_and(|i| i.version == v),
        }
    }
}

/// One write of a transaction.
#[derive(Debug, Clone, PartialEq)]
pub enum Write {
    Put {
        item: Item,
        cond: Condition,
    },
    Delete {
        pk: String,
        sk: String,
        cond: Condition,
    },
    /// Writes nothing; the transaction fails unless the condition holds.
    Check {
        pk: String,
        sk: String,
        cond: Condition,
    },
}

impl Write {
    pub fn put(item: Item, cond: Condition) -> Self {
        Write::Put { item, cond }
    }
    pub fn delete(pk: impl Into<String>, sk: impl Into<String>, cond: Condition) -> Self {
        Write::Delete {
            pk: pk.into(),
            sk: sk.into(),
            cond,
        }
    }
    pub fn check(pk: impl Into<String>, sk: impl Into<String>, cond: Condition) -> Self {
        Write::Check {
            pk: pk.into(),
            sk: sk.into(),
            cond,
        }
    }
    pub fn key(&self) -> (&str, &str) {
        match self {
            Write::Put { item, .. } => (&item.pk, &item.sk),
            Write::Delete { pk, sk, .. } | Write::Check { pk, sk, .. } => (pk, sk),
        }
    }
    pub fn cond(&self) -> Condition {
        match self {
            Write::Put { cond, .. } | Write::Delete { cond, .. } | Write::Check { cond, .. } => {
                *cond
            }
        }
    }
}

/// Which sort keys of the partition a query covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkRange {
    All,
    Prefix(String),
    /// Inclusive at both ends.
    Between(String, String),
}

impl SkRange {
    pub fn contains(&self, sk: &str) -> bool {
        match self {
            SkRange::All => true,
            SkRange::Prefix(p) => sk.starts_with(p.as_str()),
            SkRange::Between(a, b) => a.as_str() <= sk && sk <= b.as_str(),
        }
    }
}

/// A query of one partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub pk: String,
    pub range: SkRange,
    /// Ascending sort keys when true.
    pub forward: bool,
    pub limit: usize,
    /// Continue after the item this cursor came from.
    pub cursor: Option<String>,
}

impl Query {
    /// Every item of the partition.
    pub fn all(pk: impl Into<String>) -> Self {
        Self {
            range: SkRange::All,
            ..Self::prefix(pk, "")
        }
    }
    pub fn prefix(pk: impl Into<String>, prefix: impl Into<String>) -> Self {
        Self {
            pk: pk.into(),
            range: SkRange::Prefix(prefix.into()),
            forward: true,
            limit: 100,
            cursor: None,
        }
    }
    pub fn reverse(mut self) -> Self {
        self.forward = false;
        self
    }
    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }
    pub fn after(mut self, cursor: Option<String>) -> Self {
        self.cursor = cursor;
        self
    }

    /// The sort key to start after, checked to lie in this query's range.
    pub fn start_after(&self) -> Result<Option<String>, StoreError> {
        let Some(cursor) = &self.cursor else {
            return Ok(None);
        };
        let sk = decode_cursor(cursor).ok_or(StoreError::InvalidCursor)?;
        if !self.range.contains(&sk) {
            return Err(StoreError::InvalidCursor);
        }
        Ok(Some(sk))
    }

    fn check(&self) -> Result<(), StoreError> {
        if self.limit == 0 || self.limit > MAX_QUERY_LIMIT {
            return Err(StoreError::InvalidLimit);
        }
        Ok(())
    }
}

/// One page of a query. `next_cursor` is set only when more items follow.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryPage {
    pub items: Vec<Item>,
    pub next_cursor: Option<String>,
}

/// A committed change to one item, as the change stream delivers it.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub pk: String,
    pub sk: String,
    pub old: Option<Item>,
    pub new: Option<Item>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The write at `index` found its condition false; nothing was written.
    #[error("condition failed on write {index}")]
    ConditionFailed { index: usize },
    /// A concurrent transaction touched the same items; nothing was written; try again.
    #[error("transaction conflict")]
    Conflict,
    #[error("item of {size} bytes is larger than {MAX_ITEM_BYTES}")]
    ItemTooLarge { size: usize },
    #[error("a transaction has 1 to {MAX_TRANSACTION_WRITES} writes, on distinct items")]
    InvalidTransaction,
    #[error("invalid cursor")]
    InvalidCursor,
    #[error("query limit must be 1 to {MAX_QUERY_LIMIT}")]
    InvalidLimit,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Commits writes made only if what they read has not changed: true when done, false when
/// someone else wrote first (their change decides instead).
pub async fn unless_changed(store: &dyn Store, writes: Vec<Write>) -> Result<bool, StoreError> {
    match store.transact(writes).await {
        Ok(()) => Ok(true),
        Err(StoreError::Conflict | StoreError::ConditionFailed { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The port. Reads are strongly consistent.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    async fn get(&self, pk: &str, sk: &str) -> Result<Option<Item>, StoreError>;
    async fn query(&self, query: &Query) -> Result<QueryPage, StoreError>;
    /// All writes happen, or none; every condition is checked against the state before any.
    async fn transact(&self, writes: Vec<Write>) -> Result<(), StoreError>;
}

/// Checks both adapters apply before writing, so they refuse the same things.
pub fn validate_writes(writes: &[Write]) -> Result<(), StoreError> {
    if writes.is_empty() || writes.len() > MAX_TRANSACTION_WRITES {
        return Err(StoreError::InvalidTransaction);
    }
    let mut seen = HashSet::with_capacity(writes.len());
    for w in writes {
        if !seen.insert(w.key()) {
            return Err(StoreError::InvalidTransaction);
        }
        if let Write::Put { item, .. } = w {
            let size = item.size_bytes();
            if size > MAX_ITEM_BYTES {
                return Err(StoreError::ItemTooLarge { size });
            }
        }
    }
    Ok(())
}

pub fn encode_cursor(sk: &str) -> String {
    URL_SAFE_NO_PAD.encode(sk.as_bytes())
}

pub fn decode_cursor(cursor: &str) -> Option<String> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
}

/// Turns `limit + 1` fetched items into a page: the extra one only says that more follow.
pub fn page_from(mut items: Vec<Item>, limit: usize) -> QueryPage {
    let more = items.len() > limit;
    items.truncate(limit);
    let next_cursor = if more {
        items.last().map(|i| encode_cursor(&i.sk))
    } else {
        None
    };
    QueryPage { items, next_cursor }
}
