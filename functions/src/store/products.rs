//! The business's products, and each client's purchases.

use super::keys::{self, PURCHASE_PREFIX};
use super::repo::{self, ProductRecord, PurchaseRecord};
use super::{Query, Store, StoreError};
use shared::{BusinessId, UserId};

/// A page of the business's products, oldest first.
pub async fn page(
    store: &dyn Store,
    b: BusinessId,
    cursor: Option<String>,
    limit: usize,
) -> Result<(Vec<ProductRecord>, Option<String>), StoreError> {
    let q = Query::prefix(keys::products_pk(b), keys::PRODUCT_PREFIX)
        .limit(limit)
        .after(cursor);
    repo::query_values(store, &q).await
}

/// A page of a client's purchases, newest first.
pub async fn purchases(
    store: &dyn Store,
    b: BusinessId,
    client: UserId,
    cursor: Option<String>,
    limit: usize,
) -> Result<(Vec<PurchaseRecord>, Option<String>), StoreError> {
    let q = Query::prefix(keys::person_pk(b, client), PURCHASE_PREFIX)
        .reverse()
        .limit(limit)
        .after(cursor);
    repo::query_values(store, &q).await
}
