//! Work due at a time, and the messages each person scheduled.

use super::keys;
use super::repo::{self, DueJobRecord, ScheduledMessageRecord, Versioned};
use super::{Query, Store, StoreError};
use shared::{BusinessId, UserId};

/// Every job due in `minute`, with its business and id.
pub async fn due(
    store: &dyn Store,
    minute: i64,
) -> Result<Vec<(BusinessId, String, DueJobRecord)>, StoreError> {
    let q = Query::prefix(keys::due_pk(minute), keys::DUE_JOB_PREFIX).limit(super::MAX_QUERY_LIMIT);
    let mut out = Vec::new();
    let mut q = q;
    loop {
        let page = store.query(&q).await?;
        for item in &page.items {
            if let Some((b, id)) = keys::read_due_job(&item.sk) {
                out.push((b, id, repo::decode::<DueJobRecord>(item)?.value));
            }
        }
        match page.next_cursor {
            Some(cursor) => q = q.after(Some(cursor)),
            None => return Ok(out),
        }
    }
}

/// The messages `u` scheduled (at most [`crate::domain::scheduler::SCHEDULED_MAX`]).
pub async fn of(
    store: &dyn Store,
    b: BusinessId,
    u: UserId,
) -> Result<Vec<Versioned<ScheduledMessageRecord>>, StoreError> {
    let q = Query::prefix(keys::person_pk(b, u), keys::SCHEDULED_PREFIX);
    repo::query_all::<ScheduledMessageRecord>(store, q).await
}
