//! What the store committed, decoded: the one change type `events/` reacts to, from the
//! embedded store's feed and from DynamoDB Streams alike. Keys are read back in `keys` and
//! records decoded here; nothing outside the store parses either.

use super::keys::{self, Parsed};
use super::repo::{
    self, ConversationRecord, MailRecord, MassRecord, MemberRef, MessageRecord, ReceiptRecord,
    TextRecord, UploadRecord, UserRecord, VaultItemRecord,
};
use super::{Change, Item};
use serde::de::DeserializeOwned;
use shared::{BusinessId, ConversationId, UserId};

/// A committed change, as what it was before and after (none when created or removed).
#[derive(Debug)]
pub enum Committed {
    Conversation {
        business: BusinessId,
        id: ConversationId,
        before: Option<Box<ConversationRecord>>,
        after: Option<Box<ConversationRecord>>,
    },
    Message {
        business: BusinessId,
        conversation: ConversationId,
        before: Option<Box<MessageRecord>>,
        after: Option<Box<MessageRecord>>,
    },
    /// Someone's seat in a conversation: taken (no `before`), changed, or given up (no `after`).
    Member {
        business: BusinessId,
        conversation: ConversationId,
        user: UserId,
        before: Option<Box<MemberRef>>,
        after: Option<Box<MemberRef>>,
    },
    /// Someone's receipt in a conversation: what they read and received.
    Receipt {
        business: BusinessId,
        conversation: ConversationId,
        before: Option<Box<ReceiptRecord>>,
        after: Option<Box<ReceiptRecord>>,
    },
    MassMessage {
        business: BusinessId,
        id: String,
        after: Option<Box<MassRecord>>,
    },
    /// A file uploaded to a conversation: signed for, sent, or gone (with its message, or
    /// never sent).
    Upload {
        business: BusinessId,
        conversation: ConversationId,
        id: shared::AttachmentId,
        before: Option<Box<UploadRecord>>,
        after: Option<Box<UploadRecord>>,
    },
    /// A file of the business's Vault: signed for, added, changed, deleted while sent (a
    /// tombstone), or gone.
    VaultItem {
        business: BusinessId,
        id: shared::AttachmentId,
        before: Option<Box<VaultItemRecord>>,
        after: Option<Box<VaultItemRecord>>,
    },
    /// A message's sending of a Vault item, written with the message or gone with it.
    VaultRef {
        business: BusinessId,
        item: shared::AttachmentId,
        gone: bool,
    },
    /// The business's staff list changed (someone invited, joined, changed role).
    Staff { business: BusinessId },
    /// A person's account changed.
    User {
        business: BusinessId,
        user: UserId,
        before: Option<Box<UserRecord>>,
        after: Option<Box<UserRecord>>,
    },
    /// An email of the outbox was written or moved on.
    Mail {
        business: BusinessId,
        id: String,
        before: Option<Box<MailRecord>>,
        after: Option<Box<MailRecord>>,
    },
    /// The business's texting changed (turned on or off, its registration reviewed...).
    Texting {
        business: BusinessId,
        before: Option<Box<crate::store::texts::TextingRecord>>,
        after: Option<Box<crate::store::texts::TextingRecord>>,
    },
    /// A text of the outbox was written or moved on.
    Text {
        business: BusinessId,
        id: String,
        before: Option<Box<TextRecord>>,
        after: Option<Box<TextRecord>>,
    },
    /// One of a person's sessions began (`ended` false) or ended.
    Session {
        business: BusinessId,
        user: UserId,
        session: String,
        ended: bool,
    },
    /// A change nothing reacts to.
    Other,
}

fn decoded<T: DeserializeOwned>(item: Option<&Item>) -> anyhow::Result<Option<Box<T>>> {
    Ok(match item {
        Some(i) => Some(Box::new(repo::decode::<T>(i)?.value)),
        None => None,
    })
}

impl Committed {
    pub fn decode(change: &Change) -> anyhow::Result<Self> {
        let (old, new) = (change.old.as_ref(), change.new.as_ref());
        Ok(match keys::parse(&change.pk, &change.sk) {
            Parsed::Conversation(business, id) => Committed::Conversation {
                business,
                id,
                before: decoded(old)?,
                after: decoded(new)?,
            },
            Parsed::Message(business, conversation) => Committed::Message {
                business,
                conversation,
                before: decoded(old)?,
                after: decoded(new)?,
            },
            Parsed::Member(business, conversation, user) => Committed::Member {
                business,
                conversation,
                user,
                before: decoded(old)?,
                after: decoded(new)?,
            },
            Parsed::Receipt(business, conversation, _) => Committed::Receipt {
                business,
                conversation,
                before: decoded(old)?,
                after: decoded(new)?,
            },
            Parsed::Upload(business, conversation, id) => Committed::Upload {
                business,
                conversation,
                id,
                before: decoded(old)?,
                after: decoded(new)?,
            },
            Parsed::VaultItem(business, id) => Committed::VaultItem {
                business,
                id,
                before: decoded(old)?,
                after: decoded(new)?,
            },
            Parsed::VaultRef(business, item) => Committed::VaultRef {
                business,
                item,
                gone: new.is_none(),
            },
            Parsed::MassMessage(business, id) => Committed::MassMessage {
                business,
                id,
                after: decoded(new)?,
            },
            Parsed::Staff(business) => Committed::Staff { business },
            Parsed::User(business, user) => Committed::User {
                business,
                user,
                before: decoded(old)?,
                after: decoded(new)?,
            },
            Parsed::Mail(business, id) => Committed::Mail {
                business,
                id,
                before: decoded(old)?,
                after: decoded(new)?,
            },
            Parsed::Texting(business) => Committed::Texting {
                business,
                before: decoded(old)?,
                after: decoded(new)?,
            },
            Parsed::Text(business, id) => Committed::Text {
                business,
                id,
                before: decoded(old)?,
                after: decoded(new)?,
            },
            Parsed::Session(business, user, session) => Committed::Session {
                business,
                user,
                session,
                ended: new.is_none(),
            },
            Parsed::Other => Committed::Other,
        })
    }
}
