//! The audit log: every change of who may do what, in the business's log and in the log of the
//! person it changed (so a person's history is one query).

use super::keys::{self, AUDIT_PREFIX};
use super::repo::{self, AuditRecord};
use super::{Condition, Query, Store, StoreError, Write};
use shared::{BusinessId, UserId};

/// The writes of one entry, made in the transaction of the change it records (in the log of
/// its subject too, when it changed a person).
pub fn writes(b: BusinessId, record: &AuditRecord) -> Result<Vec<Write>, StoreError> {
    let id = ulid::Ulid::generate().to_string();
    let mut writes = vec![Write::put(
        repo::item(keys::audit(b, &id), record, 1)?,
        Condition::NotExists,
    )];
    if let Some(subject) = record.subject_id {
        writes.push(Write::put(
            repo::item(keys::audit_of(b, subject, &id), record, 1)?,
            Condition::NotExists,
        ));
    }
    Ok(writes)
}

/// A page of the log (the business's, or one person's), newest first.
pub async fn page(
    store: &dyn Store,
    b: BusinessId,
    subject: Option<UserId>,
    cursor: Option<String>,
    limit: usize,
) -> Result<(Vec<AuditRecord>, Option<String>), StoreError> {
    let q = Query::prefix(keys::audit_pk(b, subject), AUDIT_PREFIX)
        .reverse()
        .limit(limit)
        .after(cursor);
    repo::query_values(store, &q).await
}
