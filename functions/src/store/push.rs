//! The browsers each person registered for pushes.

use super::keys;
use super::repo::{self, PushSubscriptionRecord};
use super::{Query, Store, StoreError};
use shared::{BusinessId, UserId};

/// Every browser `u` registered (at most [`crate::domain::push::SUBSCRIPTIONS_MAX`]), by id.
pub async fn of(
    store: &dyn Store,
    b: BusinessId,
    u: UserId,
) -> Result<Vec<(String, PushSubscriptionRecord)>, StoreError> {
    let q = Query::prefix(keys::person_pk(b, u), keys::PUSH_PREFIX);
    let page = store.query(&q.limit(super::MAX_QUERY_LIMIT)).await?;
    page.items
        .iter()
        .map(|item| {
            let id = item.sk.strip_prefix(keys::PUSH_PREFIX).unwrap_or_default();
            Ok((
                id.to_owned(),
                repo::decode::<PushSubscriptionRecord>(item)?.value,
            ))
        })
        .collect()
}
