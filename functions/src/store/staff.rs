//! The business's staff list: one entry per owner, admin and coach, invited or joined.

use super::keys::{self, STAFF_PREFIX};
use super::repo::{self, StaffRecord};
use super::{Query, Store, StoreError};
use shared::BusinessId;

/// Everyone on the staff list. Bounded: a business has staff in the hundreds at most.
pub async fn all(store: &dyn Store, b: BusinessId) -> Result<Vec<StaffRecord>, StoreError> {
    let q = Query::prefix(keys::staff_pk(b), STAFF_PREFIX);
    Ok(repo::query_all::<StaffRecord>(store, q)
        .await?
        .into_iter()
        .map(|s| s.value)
        .collect())
}
