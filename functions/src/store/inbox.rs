//! Where inboxes find conversations, newest activity first. Three indexes:
//! - a person's own entries (`ACT#<activity>#<conversation>` in their partition): the private
//!   conversations they are listed in, moved with each message;
//! - the business's entries (same sort key, in `B#<business>#INBOX`): every private
//!   conversation and company channel, read by the owner and admins beside their own, so
//!   neither a new admin nor a message writes anything per admin;
//! - a person's group pointers (`GRP#<conversation>`): the groups and company channels they
//!   are listed in, written when they join and never moved by a message; an inbox reads them
//!   whole and orders them by each conversation's own activity (fan-out on read).

use super::keys::{self, ACTIVITY_PREFIX, GROUP_POINTER_PREFIX};
use super::repo::{self, ActivityRecord, ConversationRecord};
use super::{Condition, Query, Store, StoreError, Write};
use shared::{BusinessId, ConversationId, UserId};

/// A stored index of inbox entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Index {
    /// A person's own entries.
    Person(BusinessId, UserId),
    /// The business's entries, for its owner and admins.
    Business(BusinessId),
}

impl Index {
    fn pk(self) -> String {
        match self {
            Index::Person(b, u) => keys::person_pk(b, u),
            Index::Business(b) => keys::business_inbox_pk(b),
        }
    }
}

/// One conversation an index offers, at its position.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Where it sorts: greater is newer.
    pub position: String,
    pub conversation_id: ConversationId,
    /// The stored entry's partition, to repair it if it lags its conversation; none for a
    /// position read from the conversation itself.
    stored_in: Option<String>,
}

impl Entry {
    /// A conversation at its current position, as read from its record.
    pub fn current(conversation: &ConversationRecord) -> Self {
        Self {
            position: position(conversation),
            conversation_id: conversation.id,
            stored_in: None,
        }
    }
}

/// Where a conversation sorts in every inbox: by its last activity (a ULID).
pub fn position(conversation: &ConversationRecord) -> String {
    keys::activity_sk(&conversation.activity_key(), conversation.id)
}

/// A page of an index, newest first, after `cursor`; and the cursor to go on from.
pub async fn page(
    store: &dyn Store,
    index: Index,
    cursor: Option<String>,
    limit: usize,
) -> Result<(Vec<Entry>, Option<String>), StoreError> {
    let pk = index.pk();
    let q = Query::prefix(pk.clone(), ACTIVITY_PREFIX)
        .reverse()
        .limit(limit)
        .after(cursor);
    let page = store.query(&q).await?;
    let entries = page
        .items
        .iter()
        .map(|item| {
            Ok(Entry {
                conversation_id: repo::decode::<ActivityRecord>(item)?.value.conversation_id,
                stored_in: Some(pk.clone()),
                position: item.sk.clone(),
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok((entries, page.next_cursor))
}

/// The groups and company channels `user` is listed in. Bounded by how many groups one person
/// is in, never by their size or their messages.
pub async fn groups(
    store: &dyn Store,
    b: BusinessId,
    user: UserId,
) -> Result<Vec<ConversationId>, StoreError> {
    let q = Query::prefix(keys::person_pk(b, user), GROUP_POINTER_PREFIX);
    Ok(repo::query_all::<ActivityRecord>(store, q)
        .await?
        .into_iter()
        .map(|p| p.value.conversation_id)
        .collect())
}

/// Drops a group pointer left by a group whose creation failed before its record was written.
pub fn drop_group(b: BusinessId, user: UserId, c: ConversationId) -> Write {
    let (pk, sk) = keys::group_pointer(b, user, c);
    Write::delete(pk, sk, Condition::Always)
}

/// The writes that put a stored `entry` where `conversation` now sorts, or drop it when the
/// index no longer holds the conversation (`belongs` false): left behind by an old
/// membership, or by a write that lagged its message. Nothing when it is in its place.
pub fn repair(
    entry: &Entry,
    conversation: &ConversationRecord,
    belongs: bool,
) -> Result<Vec<Write>, StoreError> {
    let current = position(conversation);
    let Some(pk) = entry
        .stored_in
        .as_ref()
        .filter(|_| entry.position != current)
    else {
        return Ok(Vec::new());
    };
    let mut writes = vec![Write::delete(
        pk.clone(),
        entry.position.clone(),
        Condition::Always,
    )];
    if belongs {
        writes.push(repo::overwrite_at(
            (pk.clone(), current),
            &pointer(conversation.id),
        )?);
    }
    Ok(writes)
}

fn pointer(conversation_id: ConversationId) -> ActivityRecord {
    ActivityRecord { conversation_id }
}

/// The business's entry for a new private conversation or company channel.
pub fn business_entry(conversation: &ConversationRecord) -> Result<Write, StoreError> {
    let b = conversation.business_id;
    repo::create_at(
        keys::business_activity(b, &conversation.activity_key(), conversation.id),
        &pointer(conversation.id),
    )
}

/// Drops the business's entry of a conversation (as it stands): it leaves every manager's
/// inbox (a merged client's conversation, emptied).
pub fn drop_business_entry(conversation: &ConversationRecord) -> Write {
    let (pk, sk) = keys::business_activity(
        conversation.business_id,
        &conversation.activity_key(),
        conversation.id,
    );
    Write::delete(pk, sk, Condition::Always)
}

/// The writes that move a conversation's entries from where `before` sorted to where `after`
/// sorts (after a message): the business's entry and, in a private conversation, each listed
/// person's. A bounded number whatever the size of the conversation: groups have pointers
/// that do not move.
pub fn follow(
    before: &ConversationRecord,
    after: &ConversationRecord,
) -> Result<Vec<Write>, StoreError> {
    let (b, id) = (after.business_id, after.id);
    let (old, new) = (before.activity_key(), after.activity_key());
    let mut moved = Vec::new();
    if after.managed() {
        moved.push((
            keys::business_inbox_pk(b),
            keys::business_activity(b, &new, id),
        ));
    }
    if moves_entries(after) {
        for u in &after.listed {
            moved.push((keys::person_pk(b, *u), keys::activity(b, *u, &new, id)));
        }
    }
    let mut writes = Vec::with_capacity(moved.len() * 2);
    for (pk, to) in moved {
        writes.push(Write::delete(
            pk,
            keys::activity_sk(&old, id),
            Condition::Always,
        ));
        writes.push(repo::overwrite_at(to, &pointer(id))?);
    }
    Ok(writes)
}

/// Whether a conversation of this kind moves its members' inbox entries with each message
/// (private conversations), or gives them pointers that do not move (groups, channels).
pub fn moves_entries(conversation: &ConversationRecord) -> bool {
    !conversation.kind.is_group()
}

/// Where `user`'s inbox finds `conversation`: an entry at its activity or a group pointer.
pub(super) fn member_entry(
    b: BusinessId,
    conversation: &ConversationRecord,
    user: UserId,
) -> Result<Write, StoreError> {
    repo::overwrite_at(member_key(b, conversation, user), &pointer(conversation.id))
}

/// Drops `user`'s entry or pointer of `conversation` (as it stood when they left).
pub(super) fn drop_member_entry(
    b: BusinessId,
    conversation: &ConversationRecord,
    user: UserId,
) -> Write {
    let (pk, sk) = member_key(b, conversation, user);
    Write::delete(pk, sk, Condition::Always)
}

fn member_key(b: BusinessId, conversation: &ConversationRecord, user: UserId) -> keys::Key {
    match moves_entries(conversation) {
        true => keys::activity(b, user, &conversation.activity_key(), conversation.id),
        false => keys::group_pointer(b, user, conversation.id),
    }
}
