//! Realtime connections through API Gateway: each kept (with a TTL) in its business's partition
//! under the person it belongs to (one query finds everyone an event goes to), and by its id so
//! `$disconnect`, which names only the id, finds its person.

use super::keys;
use super::repo::{self, ConnectionRecord};
use super::{Condition, Query, Store, StoreError, Write};
use shared::{BusinessId, UserId};

/// How long a connection record lives without being refreshed (API Gateway closes sockets
/// after 2 hours anyway).
pub const CONNECTION_TTL_SECS: i64 = 3 * 3600;

/// Records a new connection of `user`, opened with `session_id`.
pub async fn register(
    store: &dyn Store,
    business_id: BusinessId,
    user_id: UserId,
    session_id: Option<&str>,
    connection_id: &str,
) -> Result<(), StoreError> {
    let record = ConnectionRecord {
        business_id,
        user_id,
        connection_id: connection_id.to_owned(),
        session_id: session_id.map(str::to_owned),
        open: None,
        visible: false,
        seen_at: time::OffsetDateTime::now_utc().unix_timestamp(),
    };
    let expires = time::OffsetDateTime::now_utc().unix_timestamp() + CONNECTION_TTL_SECS;
    let mut by_person = repo::item(
        keys::connection(business_id, user_id, connection_id),
        &record,
        1,
    )?;
    by_person.expires_at = Some(expires);
    let mut owner = repo::item(keys::connection_owner(connection_id), &record, 1)?;
    owner.expires_at = Some(expires);
    store
        .transact(vec![
            Write::put(by_person, Condition::Always),
            Write::put(owner, Condition::Always),
        ])
        .await
}

/// Forgets a connection (on `$disconnect`, or when API Gateway says it is gone).
pub async fn forget(store: &dyn Store, connection_id: &str) -> Result<(), StoreError> {
    let Some(owner) =
        repo::get_at::<ConnectionRecord>(store, &keys::connection_owner(connection_id)).await?
    else {
        return Ok(());
    };
    let (pk, sk) = keys::connection(owner.value.business_id, owner.value.user_id, connection_id);
    let (opk, osk) = keys::connection_owner(connection_id);
    store
        .transact(vec![
            Write::delete(pk, sk, Condition::Always),
            Write::delete(opk, osk, Condition::Always),
        ])
        .await
}

/// A page of `user`'s open connections.
pub async fn of_person(
    store: &dyn Store,
    business_id: BusinessId,
    user_id: UserId,
    cursor: Option<String>,
) -> Result<(Vec<ConnectionRecord>, Option<String>), StoreError> {
    let q = Query::prefix(
        keys::connections_pk(business_id),
        keys::connections_of(user_id),
    )
    .limit(100)
    .after(cursor);
    let (page, next) = repo::query::<ConnectionRecord>(store, &q).await?;
    Ok((page.into_iter().map(|c| c.value).collect(), next))
}

/// Connections one page of a business's holds at most (a record is about 200 bytes: a page stays
/// well under DynamoDB's 1 MB).
const BUSINESS_PAGE: usize = 1000;

/// Every open connection in the business, every page of them: who an event goes to is picked
/// from these, so an event to a channel of a thousand costs a query, not a thousand.
pub async fn all_of_business(
    store: &dyn Store,
    business_id: BusinessId,
) -> Result<Vec<ConnectionRecord>, StoreError> {
    let mut all = Vec::new();
    let mut cursor = None;
    loop {
        let q = Query::all(keys::connections_pk(business_id))
            .limit(BUSINESS_PAGE)
            .after(cursor);
        let (page, next) = repo::query::<ConnectionRecord>(store, &q).await?;
        all.extend(page.into_iter().map(|c| c.value));
        match next {
            Some(n) => cursor = Some(n),
            None => return Ok(all),
        }
    }
}

/// Keeps what the app on a connection says it shows (`$default`): the record under its person
/// changes, its expiry moves on. A connection already forgotten stays forgotten.
pub async fn set_presence(
    store: &dyn Store,
    connection_id: &str,
    presence: shared::events::Presence,
) -> Result<(), StoreError> {
    let Some(owner) =
        repo::get_at::<ConnectionRecord>(store, &keys::connection_owner(connection_id)).await?
    else {
        return Ok(());
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let record = ConnectionRecord {
        open: presence.open,
        visible: presence.visible,
        seen_at: now,
        ..owner.value
    };
    let mut by_person = repo::item(
        keys::connection(record.business_id, record.user_id, connection_id),
        &record,
        1,
    )?;
    by_person.expires_at = Some(now + CONNECTION_TTL_SECS);
    let (opk, osk) = keys::connection_owner(connection_id);
    // Only while the connection is still known: a `$disconnect` that came first wins.
    match store
        .transact(vec![
            Write::put(by_person, Condition::Always),
            Write::check(opk, osk, Condition::Exists),
        ])
        .await
    {
        Err(StoreError::ConditionFailed { .. }) => Ok(()),
        other => other,
    }
}

/// Every open connection of `user`, every page of them.
pub async fn all_of_person(
    store: &dyn Store,
    business_id: BusinessId,
    user_id: UserId,
) -> Result<Vec<ConnectionRecord>, StoreError> {
    let mut all = Vec::new();
    let mut cursor = None;
    loop {
        let (page, next) = of_person(store, business_id, user_id, cursor).await?;
        all.extend(page);
        match next {
            Some(n) => cursor = Some(n),
            None => return Ok(all),
        }
    }
}
