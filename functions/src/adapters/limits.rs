//! The rate limits' counters: in the process (the local server), or in the store, shared by
//! every Lambda (a conditional write per attempt counted, gone by TTL when its window ends).

use crate::domain::ports::Limits;
use crate::store::Store;
use crate::store::repo::{self, LimitRecord};
use crate::store::tx::{Tx, TxError};
use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

/// Counters in this process. Bounded: at 100,000 keys, ended windows are dropped, and if that
/// is not enough, arbitrary counts until a tenth is free (losing some counts under a flood of
/// distinct keys beats growing without end or sweeping on every attempt).
#[derive(Default)]
pub struct MemoryLimits {
    counts: Mutex<HashMap<(String, i64), (u32, i64)>>,
}

const MEMORY_KEYS_MAX: usize = 100_000;

#[async_trait]
impl Limits for MemoryLimits {
    async fn count(&self, key: &str, window: i64) -> anyhow::Result<u32> {
        let counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(counts
            .get(&(key.to_owned(), window))
            .map_or(0, |(count, _)| *count))
    }

    async fn add(&self, key: &str, window: i64, ends_at: i64) -> anyhow::Result<()> {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        if counts.len() >= MEMORY_KEYS_MAX {
            let now = time::OffsetDateTime::now_utc().unix_timestamp();
            counts.retain(|_, (_, ends)| *ends > now);
            let excess = counts.len().saturating_sub(MEMORY_KEYS_MAX * 9 / 10);
            let evicted: Vec<_> = counts.keys().take(excess).cloned().collect();
            for key in evicted {
                counts.remove(&key);
            }
        }
        counts
            .entry((key.to_owned(), window))
            .or_insert((0, ends_at))
            .0 += 1;
        Ok(())
    }
}

/// Counters in the store, shared by every process that uses it.
pub struct StoreLimits {
    store: Arc<dyn Store>,
}

impl StoreLimits {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }
}

#[async_trait]
impl Limits for StoreLimits {
    async fn count(&self, key: &str, window: i64) -> anyhow::Result<u32> {
        Ok(repo::get::<LimitRecord>(&*self.store, (key, window))
            .await?
            .map_or(0, |r| r.value.count))
    }

    async fn add(&self, key: &str, window: i64, ends_at: i64) -> anyhow::Result<()> {
        // Attempts at once race on the record: each retry reads the count again.
        for _ in 0..8 {
            let write = match repo::get::<LimitRecord>(&*self.store, (key, window)).await? {
                Some(mut record) => {
                    record.value.count += 1;
                    record.update((key, window))?
                }
                None => repo::create((key, window), &LimitRecord { count: 1, ends_at })?,
            };
            match Tx::<()>::from(vec![write]).commit(&*self.store).await {
                Ok(()) => return Ok(()),
                Err(TxError::Stale | TxError::Refused(())) => continue,
                Err(TxError::Store(e)) => return Err(e.into()),
            }
        }
        // Counting is best effort under a storm of attempts on one key: the limit is then
        // already being hit.
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_memory_counters_stay_bounded_under_a_flood_of_keys() {
        let limits = MemoryLimits::default();
        let far = time::OffsetDateTime::now_utc().unix_timestamp() + 3600;
        for n in 0..(MEMORY_KEYS_MAX + 10) {
            limits.add(&format!("k{n}"), 1, far).await.expect("add");
        }
        let len = limits.counts.lock().expect("lock").len();
        assert!(len <= MEMORY_KEYS_MAX, "{len} keys");
        assert_eq!(
            limits
                .count(&format!("k{}", MEMORY_KEYS_MAX + 9), 1)
                .await
                .expect("count"),
            1
        );
    }
}
