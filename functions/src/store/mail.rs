//! The outbox's emails and the local dev mailbox.

use super::keys::{DEV_MAILBOX_PK, MAIL_PREFIX};
use super::repo::{self, DevMailRecord};
use super::{Query, Store, StoreError};

/// The newest `limit` emails the dev mailbox received, newest first.
pub async fn dev_mailbox(
    store: &dyn Store,
    limit: usize,
) -> Result<Vec<DevMailRecord>, StoreError> {
    let q = Query::prefix(DEV_MAILBOX_PK.to_owned(), MAIL_PREFIX)
        .reverse()
        .limit(limit);
    Ok(repo::query_values::<DevMailRecord>(store, &q).await?.0)
}
