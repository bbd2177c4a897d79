//! Mass messages not finished yet, across businesses: one entry per job (a
//! [`PendingMassRecord`], written with the job and deleted when it is done), where the local
//! worker resumes after a restart.

use super::keys::{MASS_PREFIX, PENDING_MASS_PK};
use super::repo::{self, PendingMassRecord};
use super::{Change, Query, Store, StoreError};

/// Up to `limit` unfinished jobs.
/// Every job not finished, one page of `page` at a time, oldest business key first.
pub async fn pending(store: &dyn Store, page: usize) -> Result<Vec<PendingMassRecord>, StoreError> {
    let mut all = Vec::new();
    let mut cursor = None;
    loop {
        let q = Query::prefix(PENDING_MASS_PK, MASS_PREFIX)
            .limit(page)
            .after(cursor);
        let (found, next) = repo::query_values(store, &q).await?;
        all.extend(found);
        match next {
            Some(n) => cursor = Some(n),
            None => return Ok(all),
        }
    }
}

/// Whether a committed change queued a job (a worker waiting for work wakes on it).
pub fn queued(change: &Change) -> bool {
    change.pk == PENDING_MASS_PK && change.new.is_some()
}
