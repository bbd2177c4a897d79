//! The records the domain keeps, and typed reads and writes of them over any [`Store`].

use super::keys::Key;
pub use super::records::*;
pub use super::texts::TextRecord;
use super::*;
use anyhow::Context as _;
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use shared::model::{ConversationKind, GroupRole, MessagingMode, Role};
use shared::{BusinessId, ConversationId, MessageId, UserId};
use time::OffsetDateTime;

/// A kind of record and where each one is kept. The key layout is in [`keys`](super::keys);
/// this ties each record type to its key (see `tables.rs`), so a read or a write of one kind
/// can never land at another kind's key, and nothing outside `store/` builds a key.
pub trait Stored: Serialize + DeserializeOwned {
    /// What names one record of this kind: its business and ids.
    type Id<'a>;
    fn key(id: Self::Id<'_>) -> Key;
    /// When the store may drop it (unix seconds), if ever.
    fn expires_at(&self) -> Option<i64> {
        None
    }
}

/// A record with the version it was read at.
#[derive(Debug, Clone)]
pub struct Versioned<T> {
    pub value: T,
    pub version: u64,
}

impl<T: Stored> Versioned<T> {
    /// A put of a changed value that succeeds only if nobody wrote it since it was read.
    pub fn update(&self, id: T::Id<'_>) -> Result<Write, StoreError> {
        Ok(Write::put(
            stored_item(id, &self.value, self.version + 1)?,
            Condition::Version(self.version),
        ))
    }

    /// A delete that succeeds only if nobody wrote the record since it was read.
    pub fn removed(&self, id: T::Id<'_>) -> Write {
        let (pk, sk) = T::key(id);
        Write::delete(pk, sk, Condition::Version(self.version))
    }

    /// A write that changes nothing but fails if the record changed since it was read: what
    /// a transaction does depends on it as it was.
    pub fn unchanged(&self, id: T::Id<'_>) -> Write {
        let (pk, sk) = T::key(id);
        Write::check(pk, sk, Condition::Version(self.version))
    }
}

fn stored_item<T: Stored>(id: T::Id<'_>, value: &T, version: u64) -> Result<Item, StoreError> {
    let mut item = item(T::key(id), value, version)?;
    item.expires_at = value.expires_at();
    Ok(item)
}

/// Reads and decodes one record.
pub async fn get<T: Stored>(
    store: &dyn Store,
    id: T::Id<'_>,
) -> Result<Option<Versioned<T>>, StoreError> {
    get_at(store, &T::key(id)).await
}

/// A put of a new record that fails if one is there.
pub fn create<T: Stored>(id: T::Id<'_>, value: &T) -> Result<Write, StoreError> {
    Ok(Write::put(stored_item(id, value, 1)?, Condition::NotExists))
}

/// Writes `value`: an optimistic update of `previous` when it was read, a create when there
/// was none. Either way a concurrent writer makes the condition fail.
pub fn save<T: Stored>(
    previous: Option<&Versioned<T>>,
    id: T::Id<'_>,
    value: &T,
) -> Result<Write, StoreError> {
    match previous {
        Some(p) => Ok(Write::put(
            stored_item(id, value, p.version + 1)?,
            Condition::Version(p.version),
        )),
        None => create(id, value),
    }
}

/// A put that replaces whatever is there.
pub fn overwrite<T: Stored>(id: T::Id<'_>, value: &T) -> Result<Write, StoreError> {
    Ok(Write::put(stored_item(id, value, 1)?, Condition::Always))
}

/// A delete of whatever is there.
pub fn delete<T: Stored>(id: T::Id<'_>) -> Write {
    let (pk, sk) = T::key(id);
    Write::delete(pk, sk, Condition::Always)
}

/// The item for a record at a key and version (for the repositories in `store/`).
pub(super) fn item<T: Serialize>(key: Key, value: &T, version: u64) -> Result<Item, StoreError> {
    let data = serde_json::to_value(value).context("encoding a record")?;
    Ok(Item {
        pk: key.0,
        sk: key.1,
        version,
        expires_at: None,
        data,
    })
}

/// A put at a key that replaces whatever is there (for index entries, which several keys of
/// one type make).
pub(super) fn overwrite_at<T: Serialize>(key: Key, value: &T) -> Result<Write, StoreError> {
    Ok(Write::put(item(key, value, 1)?, Condition::Always))
}

/// A put of a new item at a key that fails if one is there.
pub(super) fn create_at<T: Serialize>(key: Key, value: &T) -> Result<Write, StoreError> {
    Ok(Write::put(item(key, value, 1)?, Condition::NotExists))
}

pub(super) fn decode<T: DeserializeOwned>(item: &Item) -> Result<Versioned<T>, StoreError> {
    let value = serde_json::from_value(item.data.clone())
        .with_context(|| format!("decoding the record at {}/{}", item.pk, item.sk))?;
    Ok(Versioned {
        value,
        version: item.version,
    })
}

/// Reads and decodes the item at a key.
pub(super) async fn get_at<T: DeserializeOwned>(
    store: &dyn Store,
    key: &Key,
) -> Result<Option<Versioned<T>>, StoreError> {
    match store.get(&key.0, &key.1).await? {
        Some(item) => Ok(Some(decode(&item)?)),
        None => Ok(None),
    }
}

/// A page of decoded records and the cursor to the next one.
pub(super) async fn query<T: DeserializeOwned>(
    store: &dyn Store,
    q: &Query,
) -> Result<(Vec<Versioned<T>>, Option<String>), StoreError> {
    let page = store.query(q).await?;
    let records = page
        .items
        .iter()
        .map(decode)
        .collect::<Result<Vec<_>, _>>()?;
    Ok((records, page.next_cursor))
}

/// The values of a page of records and the cursor to the next one.
pub(super) async fn query_values<T: DeserializeOwned>(
    store: &dyn Store,
    q: &Query,
) -> Result<(Vec<T>, Option<String>), StoreError> {
    let (records, next) = query::<T>(store, q).await?;
    Ok((records.into_iter().map(|r| r.value).collect(), next))
}

/// Every record `q` covers, page after page. For partitions whose size is bounded (a
/// business's staff, its companies), never for ones that grow with use.
pub(super) async fn query_all<T: DeserializeOwned>(
    store: &dyn Store,
    q: Query,
) -> Result<Vec<Versioned<T>>, StoreError> {
    let mut q = q.limit(MAX_QUERY_LIMIT);
    let mut out = Vec::new();
    loop {
        let (page, next) = query::<T>(store, &q).await?;
        out.extend(page);
        match next {
            Some(cursor) => q = q.after(Some(cursor)),
            None => return Ok(out),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BusinessRecord {
    pub id: BusinessId,
    pub name: String,
    pub owner_id: UserId,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(default)]
    pub settings: SettingsRecord,
    /// ISO 3166-1 alpha-2.
    #[serde(default)]
    pub country: Option<String>,
    #[serde(default)]
    pub address: Option<AddressRecord>,
}

/// Anyone who can sign in to a business: owner, staff, client.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UserRecord {
    pub id: UserId,
    pub business_id: BusinessId,
    pub role: Role,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Argon2id PHC string; none until a client accepts their invite.
    pub password_hash: Option<String>,
    /// Clients only.
    pub messaging: MessagingMode,
    /// Clients only: their private conversation.
    pub conversation_id: Option<ConversationId>,
    /// Clients only: the coach assigned to them.
    #[serde(default)]
    pub coach_id: Option<UserId>,
    /// Clients only: their company.
    #[serde(default)]
    pub company_id: Option<shared::CompanyId>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Raised to end every session of the person at once (sign out everywhere, a new password,
    /// a role change, deactivation): a token carries the epoch it was issued in.
    #[serde(default)]
    pub session_epoch: u32,
    /// False once deactivated: no session is accepted, no sign-in, in no conversation by role.
    #[serde(default = "shared::model::active")]
    pub active: bool,
    /// The proven login (email or phone) the person signs in with: set when they accept an
    /// invite sent to it or follow a verification link sent to it. Their email or phone may
    /// name another address meanwhile (changed, and not yet confirmed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login: Option<String>,
    /// A sign-up whose email is not proven yet: it has a password and a session, but the email
    /// signs nobody in until the link sent to it is followed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unproven: bool,
    /// A client removed from the business: inactive for good, in no list, reached by no one;
    /// their messages stay, with their name.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub removed: bool,
    /// Clients only: more phones and addresses of theirs, from clients merged into them. Each
    /// is held for them (`PHONE#`, `EMAIL#`): a text from such a phone lands in their
    /// conversation; none signs them in.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_phones: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_emails: Vec<String>,
    /// A client merged into another: the one they became.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<UserId>,
}

impl UserRecord {
    /// What the person signs in with: their email, or else their phone.
    pub fn login_name(&self) -> Option<&str> {
        self.email.as_deref().or(self.phone.as_deref())
    }

    pub fn joined(&self) -> bool {
        self.password_hash.is_some()
    }

    /// The proven login the person signs in with, if any (one written before logins were
    /// recorded on the person is their email, or else their phone).
    pub fn signs_in_with(&self) -> Option<&str> {
        match &self.login {
            Some(login) => Some(login),
            None if self.joined() && !self.unproven => self.login_name(),
            None => None,
        }
    }
}

/// A proven login name (email or phone) → the people it signs in as, at most one per business:
/// the person it was first proven for, then the others (a client of two businesses, an owner
/// who is also someone's client). They share one password.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginRecord {
    pub business_id: BusinessId,
    pub user_id: UserId,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub more: Vec<LoginMember>,
}

/// One person a login signs in as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginMember {
    pub business_id: BusinessId,
    pub user_id: UserId,
}

impl LoginRecord {
    pub fn of(business_id: BusinessId, user_id: UserId) -> Self {
        Self {
            business_id,
            user_id,
            more: Vec::new(),
        }
    }

    /// Everyone the login signs in as, the first first.
    pub fn members(&self) -> Vec<LoginMember> {
        let first = LoginMember {
            business_id: self.business_id,
            user_id: self.user_id,
        };
        std::iter::once(first)
            .chain(self.more.iter().copied())
            .collect()
    }

    /// Who the login signs in as in `business`.
    pub fn member_in(&self, business: BusinessId) -> Option<UserId> {
        self.members()
            .into_iter()
            .find(|m| m.business_id == business)
            .map(|m| m.user_id)
    }

    /// With `member` too (nothing changes if they are in already).
    pub fn with(&self, member: LoginMember) -> Self {
        let mut next = self.clone();
        if !self.members().contains(&member) {
            next.more.push(member);
        }
        next
    }

    /// Without `member`: none when nobody is left.
    pub fn without(&self, member: LoginMember) -> Option<Self> {
        let mut rest = self.members().into_iter().filter(|m| *m != member);
        let first = rest.next()?;
        Some(Self {
            business_id: first.business_id,
            user_id: first.user_id,
            more: rest.collect(),
        })
    }
}

/// A link that proves an address: followed, `login` signs in as the person (a sign-up's email,
/// or a new email a joined person was given).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VerifyRecord {
    pub business_id: BusinessId,
    pub user_id: UserId,
    pub login: String,
    #[serde(default)]
    pub used: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// A session: one sign-in on one device. A token is good only while its session is here (and
/// its epoch is the person's), so signing out of one device deletes this.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionRecord {
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// Attempts counted for a rate limit in one window; gone when the window ends.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LimitRecord {
    pub count: u32,
    pub ends_at: i64,
}

/// A password reset link: whose, until when, and whether it was used.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResetRecord {
    pub business_id: BusinessId,
    pub user_id: UserId,
    #[serde(default)]
    pub used: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// Which of a person's reset links is the one in force.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CurrentReset {
    pub token_hash: String,
}

/// Where an email of the outbox is: written with what caused it, claimed by the change
/// stream's consumer before it is handed to the Email port (so a redelivered change never
/// sends it twice), then sent or failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailState {
    Pending,
    Sending,
    Sent,
    Failed,
    /// Not sent: not transactional, to an address that unsubscribed.
    Suppressed,
}

/// An email to send.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MailRecord {
    pub id: String,
    pub business_id: BusinessId,
    pub to: String,
    /// The business's name: the sender's display name.
    pub from_name: String,
    pub subject: String,
    pub text: String,
    /// The links in `text`, in order (what the dev mailbox lists, what tests follow).
    pub links: Vec<String>,
    /// For what is not strictly transactional: the one-click unsubscribe URL (RFC 8058).
    #[serde(default)]
    pub unsubscribe: Option<String>,
    pub state: MailState,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// An address that stopped its business's non-transactional email, and since when.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OptOutRecord {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// What the local dev mailbox received.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DevMailRecord {
    /// The business it is from.
    #[serde(default)]
    pub business_id: Option<BusinessId>,
    pub to: String,
    pub from_name: String,
    pub subject: String,
    pub text: String,
    pub links: Vec<String>,
    #[serde(default)]
    pub unsubscribe: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub sent_at: OffsetDateTime,
}

/// Which of a person's invites is the one in force: issuing a new invite replaces it, so every
/// earlier link of theirs is void.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CurrentInvite {
    pub token_hash: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InviteRecord {
    pub business_id: BusinessId,
    pub user_id: UserId,
    /// Set when accepted; the record stays until its TTL so a reused link says so.
    #[serde(default)]
    pub used: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// A member's seat in a conversation: an item of its own in the conversation's partition.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct MemberRef {
    pub user_id: UserId,
    /// Their role in the business.
    pub role: Role,
    /// Groups: their role in the group.
    #[serde(default)]
    pub group_role: GroupRole,
    /// Groups: the per-person posting decision (`None` follows the group).
    #[serde(default)]
    pub can_post: Option<bool>,
    /// Groups: their name, for the member list.
    #[serde(default)]
    pub name: String,
    /// When they joined, as a ULID: member lists are shown in this order.
    #[serde(default)]
    pub joined: String,
    /// Listed when the conversation was created: its creation tells them of it, their seat's
    /// own change does not.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub founding: bool,
}

impl MemberRef {
    /// A plain member who joins at `joined` (a new, increasing id).
    pub fn new(user_id: UserId, role: Role, joined: ulid::Ulid) -> Self {
        Self {
            user_id,
            role,
            group_role: GroupRole::Member,
            can_post: None,
            name: String::new(),
            joined: joined.to_string(),
            founding: false,
        }
    }

    /// The same seat, taken as the conversation is created.
    pub fn founding(self) -> Self {
        Self {
            founding: true,
            ..self
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConversationRecord {
    pub id: ConversationId,
    pub business_id: BusinessId,
    pub kind: ConversationKind,
    /// How many people are listed in it (their seats are items of their own). Every join and
    /// leave changes it, so they conflict with a concurrent send on the record's version.
    #[serde(default)]
    pub member_count: usize,
    /// Private conversations: who is listed (the client, their coach; at most three), kept
    /// beside their seats so that a message or a page of history reads no seat. Empty for
    /// groups and company channels, whose seats are read one at a time.
    #[serde(default)]
    pub listed: Vec<UserId>,
    /// Private conversations: the client, their name (the staff's title) and mode.
    pub client_id: Option<UserId>,
    pub client_name: Option<String>,
    pub client_mode: MessagingMode,
    /// The title the client sees.
    pub business_name: String,
    /// Groups: the title, an optional emoji for its avatar, and whether only owners and admins
    /// post.
    #[serde(default)]
    pub group_title: Option<String>,
    #[serde(default)]
    pub emoji: Option<String>,
    #[serde(default)]
    pub announcement_only: bool,
    /// Company channels, and groups made within a company: the company.
    #[serde(default)]
    pub company_id: Option<shared::CompanyId>,
    /// Private conversations: false once the client is deactivated (read-only).
    #[serde(default = "shared::model::active")]
    pub client_active: bool,
    /// How many messages have been sent; a message's `seq` is its position.
    pub seq: u64,
    pub last_message: Option<MessageRecord>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub last_activity_at: OffsetDateTime,
}

impl ConversationRecord {
    /// What the rules need to know about this conversation.
    pub fn room(&self) -> shared::rules::Room {
        shared::rules::Room {
            kind: self.kind,
            client_mode: self.client_mode,
            announcement_only: self.announcement_only,
            client_active: self.client_active,
        }
    }

    /// What the rules need to know about someone whose business role is `role` and whose seat
    /// here is `member` (none when they are not listed). The owner and admins are in every
    /// private conversation and company channel without being listed in it
    /// ([`shared::rules::implicit_member`]).
    pub fn seat(&self, member: Option<&MemberRef>, role: Role) -> shared::rules::Seat {
        match member {
            Some(m) => shared::rules::Seat {
                role,
                is_member: true,
                group_role: m.group_role,
                can_post: m.can_post,
            },
            None => shared::rules::Seat {
                role,
                is_member: shared::rules::implicit_member(role, self.kind),
                group_role: GroupRole::Member,
                can_post: None,
            },
        }
    }

    /// Whether `user` is listed here, when the record itself says (private conversations);
    /// none when only their seat item can tell (groups and company channels).
    pub fn lists(&self, user: UserId) -> Option<bool> {
        (!self.kind.is_group()).then(|| self.listed.contains(&user))
    }

    /// Whether the owner and admins see this conversation without being listed in it: it is
    /// then in the business's inbox index.
    pub fn managed(&self) -> bool {
        shared::rules::implicit_member(Role::Admin, self.kind)
    }

    /// The inbox sort key: the last message's id, or the conversation's own when empty.
    pub fn activity_key(&self) -> String {
        match &self.last_message {
            Some(m) => m.id.to_string(),
            None => self.id.to_string(),
        }
    }
}

/// The sender's idempotency key → the message it produced.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IdempotencyRecord {
    pub message_id: MessageId,
}

/// A person's read state in one conversation.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct MembershipRecord {
    pub conversation_id: Option<ConversationId>,
    pub last_read_message_id: Option<MessageId>,
    pub last_read_seq: u64,
}

impl MembershipRecord {
    /// Nothing of `conversation` read yet.
    pub fn unread(conversation: &ConversationRecord) -> Self {
        Self {
            conversation_id: Some(conversation.id),
            ..Default::default()
        }
    }

    /// Everything of `conversation` read: someone joining now starts with nothing unread.
    pub fn caught_up(conversation: &ConversationRecord) -> Self {
        Self {
            conversation_id: Some(conversation.id),
            last_read_message_id: conversation.last_message.as_ref().map(|m| m.id),
            last_read_seq: conversation.seq,
        }
    }
}

/// An inbox entry or a group pointer: points at the conversation.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ActivityRecord {
    pub conversation_id: ConversationId,
}

/// A WebSocket connection through API Gateway.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConnectionRecord {
    pub business_id: BusinessId,
    pub user_id: UserId,
    pub connection_id: String,
    /// The session the socket was opened with: it closes when that session ends.
    #[serde(default)]
    pub session_id: Option<String>,
    /// What the app on it last said it shows: a conversation open, and whether it is in front.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open: Option<ConversationId>,
    #[serde(default)]
    pub visible: bool,
    /// When it last said so (unix seconds), or connected.
    #[serde(default)]
    pub seen_at: i64,
}

/// A client in an index of clients (a company's, a product's buyers).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClientRef {
    pub client_id: UserId,
}

/// A mass message and how far its delivery got.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MassRecord {
    pub job: MassJobRecord,
    /// Where the next batch of recipients starts: a query cursor, or for clients named one by
    /// one the index of the next. None before the first batch.
    #[serde(default)]
    pub cursor: Option<String>,
    /// When it last moved on (accepted, or a batch delivered): a job that has not for a while
    /// has stalled.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub stepped_at: Option<time::OffsetDateTime>,
}

/// A mass message still to deliver.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingMassRecord {
    pub business_id: BusinessId,
    pub id: shared::MassMessageId,
}
