//! A conversation's history: its messages in its partition, by id (ids sort by time, and a
//! conversation's ids by commit order).

use super::keys::{self, MESSAGE_PREFIX};
use super::repo::{self, MessageRecord, Versioned};
use super::{Query, SkRange, Store, StoreError, encode_cursor};
use shared::{BusinessId, ConversationId, MessageId};

/// Up to `limit` messages before `before` (or the newest), newest first, and whether older
/// ones remain.
pub async fn page(
    store: &dyn Store,
    b: BusinessId,
    c: ConversationId,
    before: Option<MessageId>,
    limit: usize,
) -> Result<(Vec<MessageRecord>, bool), StoreError> {
    let cursor = before.map(|m| encode_cursor(&format!("{MESSAGE_PREFIX}{m}")));
    let q = Query::prefix(keys::conversation_pk(b, c), MESSAGE_PREFIX)
        .reverse()
        .limit(limit)
        .after(cursor);
    let (records, next) = repo::query_values::<MessageRecord>(store, &q).await?;
    Ok((records, next.is_some()))
}

/// The first message sent at `since` or later, if any.
pub async fn first_since(
    store: &dyn Store,
    b: BusinessId,
    c: ConversationId,
    since: ulid::Ulid,
) -> Result<Option<MessageRecord>, StoreError> {
    let (pk, from, to) = keys::messages_since(b, c, since);
    let q = Query {
        pk,
        range: SkRange::Between(from, to),
        forward: true,
        limit: 1,
        cursor: None,
    };
    let (first, _) = repo::query_values::<MessageRecord>(store, &q).await?;
    Ok(first.into_iter().next())
}

/// The first `limit` messages of a conversation, oldest first, as read (to move them), and
/// whether more remain.
pub async fn first(
    store: &dyn Store,
    b: BusinessId,
    c: ConversationId,
    limit: usize,
) -> Result<(Vec<Versioned<MessageRecord>>, bool), StoreError> {
    let q = Query::prefix(keys::conversation_pk(b, c), MESSAGE_PREFIX).limit(limit);
    let (records, next) = repo::query::<MessageRecord>(store, &q).await?;
    Ok((records, next.is_some()))
}
