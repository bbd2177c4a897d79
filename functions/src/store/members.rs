//! Who is in a conversation. Each listed member is an item of their own beside the
//! conversation's record (`MBR#<user>`), and joining writes two more items in their own
//! partition: their read mark and where their inbox finds the conversation (see [`inbox`]).

use super::inbox;
use super::keys;
use super::repo::{
    self, ConversationRecord, MemberRef, MembershipRecord, ReceiptRecord, Versioned,
};
use super::{Query, Store, StoreError, Write};
use shared::{BusinessId, ConversationId, UserId};

/// `user`'s seat in the conversation, if they are listed in it.
pub async fn get(
    store: &dyn Store,
    b: BusinessId,
    c: ConversationId,
    user: UserId,
) -> Result<Option<Versioned<MemberRef>>, StoreError> {
    repo::get::<MemberRef>(store, (b, c, user)).await
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

/// Everyone's receipt in the conversation, by user id. Bounded by its members and the
/// business's staff.
pub async fn receipts(
    store: &dyn Store,
    b: BusinessId,
    c: ConversationId,
) -> Result<Vec<ReceiptRecord>, StoreError> {
    let q = Query::prefix(keys::conversation_pk(b, c), keys::RECEIPT_PREFIX);
    Ok(repo::query_all::<ReceiptRecord>(store, q)
        .await?
        .into_iter()
        .map(|r| r.value)
        .collect())
}

/// The conversations `user` has a read mark in: those they are listed in, and those they
/// read or wrote in by their role. Bounded by the conversations one person is in.
pub async fn conversations_of(
    store: &dyn Store,
    b: BusinessId,
    user: UserId,
) -> Result<Vec<ConversationId>, StoreError> {
    let q = Query::prefix(keys::person_pk(b, user), keys::MEMBERSHIP_PREFIX);
    Ok(repo::query_all::<MembershipRecord>(store, q)
        .await?
        .into_iter()
        .filter_map(|m| m.value.conversation_id)
        .collect())
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
    Ok(vec![
        repo::create((b, id, user), member)?,
        repo::overwrite((b, user, id), read)?,
        inbox::member_entry(b, conversation, user)?,
    ])
}

/// The writes that take `user` out of `conversation` (as it stood before they leave): their
/// seat, read mark, receipt and inbox entry or group pointer go.
pub fn leave(b: BusinessId, conversation: &ConversationRecord, user: UserId) -> Vec<Write> {
    let id = conversation.id;
    vec![
        repo::delete::<MemberRef>((b, id, user)),
        repo::delete::<MembershipRecord>((b, user, id)),
        repo::delete::<ReceiptRecord>((b, id, user)),
        inbox::drop_member_entry(b, conversation, user),
    ]
}
