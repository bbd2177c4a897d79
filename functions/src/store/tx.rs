//! A transaction builder whose writes carry what their failure means.
//!
//! A write whose condition guards an invariant the caller names (an email already taken, an
//! order recorded before) is pushed with that meaning, and a failed commit answers with it. Any
//! other failed condition (a record that changed since it was read, an index entry that moved)
//! is [`TxError::Stale`]: read again and retry. Nobody outside this module reads which write of
//! a transaction failed by its position.

use super::{Store, StoreError, Write};

/// Writes to commit together, each with what its failure means.
pub struct Tx<F> {
    writes: Vec<Write>,
    /// Parallel to `writes`: `None` for writes whose failure only means "read again".
    meanings: Vec<Option<F>>,
}

/// Why a transaction did not commit. Nothing was written in any case.
#[derive(Debug)]
pub enum TxError<F> {
    /// The condition of a write pushed with a meaning failed: this is it.
    Refused(F),
    /// The condition of a write without a meaning failed: something read before the
    /// transaction changed since. Read again and retry.
    Stale,
    /// The store refused or failed otherwise.
    Store(StoreError),
}

impl<F> From<StoreError> for TxError<F> {
    fn from(e: StoreError) -> Self {
        TxError::Store(e)
    }
}

impl<F> Default for Tx<F> {
    fn default() -> Self {
        Self::new()
    }
}

impl<F> Tx<F> {
    pub fn new() -> Self {
        Self {
            writes: Vec::new(),
            meanings: Vec::new(),
        }
    }

    /// How many writes it holds (a transaction holds at most
    /// [`super::MAX_TRANSACTION_WRITES`]).
    pub fn len(&self) -> usize {
        self.writes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.writes.is_empty()
    }

    /// A write whose failure means the transaction is stale.
    pub fn push(&mut self, write: Write) -> &mut Self {
        self.writes.push(write);
        self.meanings.push(None);
        self
    }

    /// A write whose failure means `meaning`.
    pub fn push_or(&mut self, write: Write, meaning: F) -> &mut Self {
        self.writes.push(write);
        self.meanings.push(Some(meaning));
        self
    }

    /// Writes whose failure means the transaction is stale.
    pub fn extend(&mut self, writes: impl IntoIterator<Item = Write>) -> &mut Self {
        for w in writes {
            self.push(w);
        }
        self
    }

    /// Writes whose failure means what `meaning` makes (called once per write).
    pub fn extend_or(
        &mut self,
        writes: impl IntoIterator<Item = Write>,
        meaning: impl Fn() -> F,
    ) -> &mut Self {
        for w in writes {
            self.push_or(w, meaning());
        }
        self
    }

    /// Commits every write or none.
    pub async fn commit(self, store: &dyn Store) -> Result<(), TxError<F>> {
        let Tx {
            writes,
            mut meanings,
        } = self;
        match store.transact(writes).await {
            Ok(()) => Ok(()),
            Err(StoreError::ConditionFailed { index }) => {
                match meanings.get_mut(index).and_then(Option::take) {
                    Some(meaning) => Err(TxError::Refused(meaning)),
                    None => Err(TxError::Stale),
                }
            }
            Err(e) => Err(TxError::Store(e)),
        }
    }
}

impl<F> From<Vec<Write>> for Tx<F> {
    fn from(writes: Vec<Write>) -> Self {
        let mut tx = Tx::new();
        tx.extend(writes);
        tx
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::embedded::EmbeddedStore;
    use crate::store::{Condition, Item};
    use serde_json::json;

    fn create(sk: &str) -> Write {
        Write::put(Item::new("P", sk, json!({})), Condition::NotExists)
    }

    async fn store_with(sks: &[&str]) -> (tempfile::TempDir, EmbeddedStore) {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = EmbeddedStore::open(&dir.path().join("store.redb")).expect("store");
        for sk in sks {
            store.transact(vec![create(sk)]).await.expect("seed");
        }
        (dir, store)
    }

    #[tokio::test]
    async fn a_failed_write_answers_with_the_meaning_it_was_pushed_with_wherever_it_sits() {
        let (_dir, store) = store_with(&["taken"]).await;
        for at in 0..3 {
            let mut tx = Tx::new();
            for i in 0..3 {
                if i == at {
                    tx.push_or(create("taken"), "email taken");
                } else {
                    tx.push(create(&format!("new-{at}-{i}")));
                }
            }
            assert!(matches!(
                tx.commit(&store).await,
                Err(TxError::Refused("email taken"))
            ));
        }
        // Nothing of the refused transactions was written.
        assert!(store.get("P", "new-0-1").await.expect("get").is_none());
    }

    #[tokio::test]
    async fn a_failed_write_without_a_meaning_makes_the_transaction_stale() {
        let (_dir, store) = store_with(&["read-before"]).await;
        let mut tx = Tx::new();
        tx.push_or(create("free"), "taken")
            .extend([create("read-before")]);
        assert!(matches!(tx.commit(&store).await, Err(TxError::Stale)));
        let mut tx = Tx::<()>::new();
        tx.extend_or([create("a"), create("b")], || ());
        assert!(tx.commit(&store).await.is_ok());
        assert!(store.get("P", "b").await.expect("get").is_some());
    }

    #[tokio::test]
    async fn store_refusals_pass_through() {
        let (_dir, store) = store_with(&[]).await;
        let tx = Tx::<()>::new();
        assert!(matches!(
            tx.commit(&store).await,
            Err(TxError::Store(StoreError::InvalidTransaction))
        ));
    }
}
