//! Who is in a conversation. Each listed member is an item of their own beside the
//! conversation's record (`MBR#<user>`), and joining writes two more items in their own
//! partition: their read mark and where their inbox finds the conversation. A private
//! conversation (a few people) has an inbox entry per member, moved with each message; a group
//! or company channel (up to a thousand) has a pointer per member that no message moves: the
//! inbox orders those by the conversation's own activity when it reads them.

use super::keys;
use super::repo::{
    self, ActivityRecord, ConversationRecord, MemberRef, MembershipRecord, Versioned,
};
use super::{Condition, Query, Store, StoreError, Write};
use shared::{BusinessId, ConversationId, UserId};

/// `user`'s seat in the conversation, if they are listed in it.
pub async fn get(
    store: &dyn Store,
    b: BusinessId,
    c: ConversationId,
    user: UserId,
) -> Result<Option<Versioned<MemberRef>>, StoreError> {
    repo::get::<MemberRef>(store, &keys::member(b, c, user)).await
}

/// Everyone listed in the conversation, in the order they joined. Bounded by the largest
/// group ([`shared::limits::GROUP_MEMBERS_MAX`]).
pub async fn all(
    store: &dyn Store,
    b: BusinessId,
    c: ConversationId,
) -> Result<Vec<MemberRef>, StoreError> {
    let q = Query::prefix(keys::conversation_pk(b, c), keys::MEMBER_PREFIX);
    let mut members: Vec<MemberRef> = repo::query_all::<MemberRef>(store, q)
        .await?
        .into_iter()
        .map(|m| m.value)
        .collect();
    members.sort_by(|x, y| x.joined.cmp(&y.joined));
    Ok(members)
}

/// The writes that make `member` a member of `conversation` (as it stands after they join),
/// with `read` as their read mark: their seat, read mark and inbox entry or group pointer.
/// The seat must be new: a concurrent join of the same person fails the transaction.
pub fn join(
    b: BusinessId,
    conversation: &ConversationRecord,
    member: &MemberRef,
    read: &MembershipRecord,
) -> Result<Vec<Write>, StoreError> {
    let (id, user) = (conversation.id, member.user_id);
    let pointer = ActivityRecord {
        conversation_id: id,
    };
    Ok(vec![
        repo::create(keys::member(b, id, user), member)?,
        repo::overwrite(keys::membership(b, user, id), read)?,
        repo::overwrite(inbox_key(b, conversation, user), &pointer)?,
    ])
}

/// The writes that take `user` out of `conversation` (as it stood before they leave): their
/// seat, read mark and inbox entry or group pointer go.
pub fn leave(b: BusinessId, conversation: &ConversationRecord, user: UserId) -> Vec<Write> {
    let id = conversation.id;
    [
        keys::member(b, id, user),
        keys::membership(b, user, id),
        inbox_key(b, conversation, user),
    ]
    .into_iter()
    .map(|(pk, sk)| Write::delete(pk, sk, Condition::Always))
    .collect()
}

/// Where `user`'s inbox finds the conversation: an entry at its activity (private) or a
/// pointer no message moves (groups and company channels).
fn inbox_key(b: BusinessId, conversation: &ConversationRecord, user: UserId) -> keys::Key {
    match conversation.kind.is_group() {
        true => keys::group_pointer(b, user, conversation.id),
        false => keys::activity(b, user, &conversation.activity_key(), conversation.id),
    }
}

/// Whether a conversation of this kind moves its members' inbox entries with each message.
pub fn moves_inbox_entries(conversation: &ConversationRecord) -> bool {
    !conversation.kind.is_group()
}
