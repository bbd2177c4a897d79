//! Mass messages not finished yet, across businesses: one entry per job (a
//! [`PendingMassRecord`], written with the job and deleted when it is done), where the local
//! worker resumes after a restart.

use super::keys::{MASS_PREFIX, PENDING_MASS_PK};
use super::repo::{self, PendingMassRecord};
use super::{Change, Query, Store, StoreError};

/// Up to `limit` unfinished jobs.
pub async fn pending(
    store: &dyn Store,
    limit: usize,
) -> Result<Vec<PendingMassRecord>, StoreError> {
    let q = Query::prefix(PENDING_MASS_PK, MASS_PREFIX).limit(limit);
    Ok(repo::query_values(store, &q).await?.0)
}

/// Whether a committed change queued a job (a worker waiting for work wakes on it).
pub fn queued(change: &Change) -> bool {
    change.pk == PENDING_MASS_PK && change.new.is_some()
}
