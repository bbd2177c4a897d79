//! Deletes the objects of uploads that are gone: sent with a message since deleted, or never
//! sent (the store forgot them a day later); and of Vault files that are gone. What to delete
//! is read from the key alone, and deleting is idempotent, so a redelivered change (or one
//! without its old image) is fine. A Vault file deleted while messages still send it goes
//! when the last of them does ([`vault::collect`](crate::domain::vault::collect)).

use crate::domain::media::{Place, object_key, thumbnail_key};
use crate::domain::ports::Blobs;
use crate::store::changes::Committed;
use crate::store::{Change, Store};
use std::sync::Arc;
use tokio::sync::broadcast;

/// Deletes what `change` left without an owner: an upload's object and its thumbnail's, a
/// Vault file's; and forgets a Vault item deleted that nothing sends any more.
pub async fn delete_due(
    store: &dyn Store,
    blobs: &dyn Blobs,
    change: &Committed,
) -> anyhow::Result<()> {
    let (b, place, id) = match change {
        Committed::Upload {
            business,
            conversation,
            id,
            after: None,
            ..
        } => (*business, Place::Conversation(*conversation), *id),
        Committed::VaultItem {
            business,
            id,
            after: None,
            ..
        } => (*business, Place::Vault, *id),
        Committed::VaultItem {
            business,
            id,
            before,
            after: Some(after),
        } if after.deleted && before.as_ref().is_none_or(|b| !b.deleted) => {
            return Ok(crate::domain::vault::collect(store, *business, *id).await?);
        }
        Committed::VaultRef {
            business,
            item,
            gone: true,
        } => return Ok(crate::domain::vault::collect(store, *business, *item).await?),
        _ => return Ok(()),
    };
    blobs.delete(&object_key(b, place, id)).await?;
    blobs.delete(&thumbnail_key(b, place, id)).await
}

/// Deletes the objects of the uploads a change feed says are gone, until it closes (for an
/// assembly that consumes a feed for nothing else).
pub async fn run(
    store: Arc<dyn Store>,
    blobs: Arc<dyn Blobs>,
    mut changes: broadcast::Receiver<Arc<Change>>,
) {
    loop {
        match changes.recv().await {
            Ok(change) => {
                let done = match Committed::decode(&change) {
                    Ok(committed) => delete_due(&*store, &*blobs, &committed).await,
                    Err(e) => Err(e),
                };
                if let Err(e) = done {
                    tracing::warn!(error = ?e, pk = %change.pk, sk = %change.sk, "deleting a file failed");
                }
            }
            Err(broadcast::error::RecvError::Lagged(_)) => {}
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}
