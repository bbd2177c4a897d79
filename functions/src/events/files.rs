//! Deletes the objects of uploads that are gone: sent with a message since deleted, or never
//! sent (the store forgot them a day later). What to delete is read from the key alone, and
//! deleting is idempotent, so a redelivered change (or one without its old image) is fine.

use crate::domain::media::{object_key, thumbnail_key};
use crate::domain::ports::Blobs;
use crate::store::Change;
use crate::store::changes::Committed;
use std::sync::Arc;
use tokio::sync::broadcast;

/// Deletes what `change` left without an owner: an upload's object and its thumbnail's.
pub async fn delete_due(blobs: &dyn Blobs, change: &Committed) -> anyhow::Result<()> {
    let Committed::Upload {
        business,
        conversation,
        id,
        after: None,
        ..
    } = change
    else {
        return Ok(());
    };
    blobs
        .delete(&object_key(*business, *conversation, *id))
        .await?;
    blobs
        .delete(&thumbnail_key(*business, *conversation, *id))
        .await
}

/// Deletes the objects of the uploads a change feed says are gone, until it closes (for an
/// assembly that consumes a feed for nothing else).
pub async fn run(blobs: Arc<dyn Blobs>, mut changes: broadcast::Receiver<Arc<Change>>) {
    loop {
        match changes.recv().await {
            Ok(change) => {
                let done = match Committed::decode(&change) {
                    Ok(committed) => delete_due(&*blobs, &committed).await,
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
