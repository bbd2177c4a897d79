//! The business's Vault: its files, and the messages that send each.

use super::keys;
use super::repo::{self, VaultItemRecord, Versioned};
use super::{Query, Store, StoreError};
use shared::{AttachmentId, BusinessId};

/// Every file of the Vault, added or not, deleted or not (at most
/// [`shared::limits::VAULT_ITEMS_MAX`] added and not deleted).
pub async fn all(
    store: &dyn Store,
    b: BusinessId,
) -> Result<Vec<Versioned<VaultItemRecord>>, StoreError> {
    let q = Query::prefix(keys::vault_pk(b), keys::VAULT_ITEM_PREFIX);
    repo::query_all::<VaultItemRecord>(store, q).await
}

/// Whether any message still sends item `id`.
pub async fn sent(store: &dyn Store, b: BusinessId, id: AttachmentId) -> Result<bool, StoreError> {
    let q = Query::prefix(keys::vault_pk(b), keys::vault_refs_prefix(id)).limit(1);
    Ok(!store.query(&q).await?.items.is_empty())
}
