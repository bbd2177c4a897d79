//! Reads that fail for a moment (throttled, timed out, a connection reset) are tried again, a
//! few times, before the caller sees the error: a read changes nothing, so trying it again is
//! always safe. Transactions are not retried here: one that timed out may have committed
//! (DynamoDB's SDK retries those with the same client request token; the domain's optimistic
//! loops retry conflicts by reading again).

use super::{Item, Query, QueryPage, Store, StoreError, Write};
use async_trait::async_trait;
use std::sync::Arc;
use std::time::Duration;

/// Tries of one read, the first included.
const READ_TRIES: u32 = 3;
/// The wait before the second try; doubled before each next.
const FIRST_WAIT: Duration = Duration::from_millis(10);

pub struct Retrying {
    inner: Arc<dyn Store>,
}

impl Retrying {
    pub fn new(inner: Arc<dyn Store>) -> Self {
        Self { inner }
    }
}

/// Whether an error may pass if the same read is made again: the store's own, not an answer.
fn transient(e: &StoreError) -> bool {
    matches!(e, StoreError::Unexpected(_))
}

async fn read<T, F, Fut>(mut attempt: F) -> Result<T, StoreError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, StoreError>>,
{
    let mut wait = FIRST_WAIT;
    for _ in 1..READ_TRIES {
        match attempt().await {
            Err(e) if transient(&e) => {
                tracing::debug!(error = %e, "a read failed; trying again");
                tokio::time::sleep(wait).await;
                wait *= 2;
            }
            other => return other,
        }
    }
    attempt().await
}

#[async_trait]
impl Store for Retrying {
    async fn get(&self, pk: &str, sk: &str) -> Result<Option<Item>, StoreError> {
        read(|| self.inner.get(pk, sk)).await
    }

    async fn query(&self, query: &Query) -> Result<QueryPage, StoreError> {
        read(|| self.inner.query(query)).await
    }

    async fn transact(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        self.inner.transact(writes).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    /// Fails its first `fails` reads.
    struct Flaky {
        fails: AtomicU32,
    }

    #[async_trait]
    impl Store for Flaky {
        async fn get(&self, _: &str, _: &str) -> Result<Option<Item>, StoreError> {
            match self.fails.fetch_sub(1, Ordering::SeqCst) {
                0 => {
                    self.fails.store(0, Ordering::SeqCst);
                    Ok(None)
                }
                _ => Err(StoreError::Unexpected(anyhow::anyhow!("throttled"))),
            }
        }
        async fn query(&self, _: &Query) -> Result<QueryPage, StoreError> {
            Err(StoreError::InvalidCursor)
        }
        async fn transact(&self, _: Vec<Write>) -> Result<(), StoreError> {
            Err(StoreError::Unexpected(anyhow::anyhow!("timed out")))
        }
    }

    fn over(fails: u32) -> Retrying {
        Retrying::new(Arc::new(Flaky {
            fails: AtomicU32::new(fails),
        }))
    }

    #[tokio::test]
    async fn a_read_that_fails_for_a_moment_passes_and_one_that_keeps_failing_fails() {
        assert!(
            over(2)
                .get("p", "s")
                .await
                .expect("the third try")
                .is_none()
        );
        assert!(over(3).get("p", "s").await.is_err());
        // An answer is not tried again; nor is a transaction.
        let q = Query::prefix("p", "");
        assert!(matches!(
            over(0).query(&q).await,
            Err(StoreError::InvalidCursor)
        ));
        assert!(over(0).transact(Vec::new()).await.is_err());
    }
}
