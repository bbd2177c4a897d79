//! Stored forms of what the API also shows: a message, a roster entry, a staff entry, a
//! company, a product, a purchase, a mode change, a mass message, the settings and a webhook
//! delivery's answer. Each is its own type, converted to and from the `shared` wire type here,
//! so a change to the API is not a change to what is stored (and the other way round). Small
//! value types (ids, roles, modes, statuses) are stored as the wire spells them.

use serde::{Deserialize, Serialize};
use shared::api::{Invite, WebhookPurchaseResult};
use shared::model::{
    Address, Attachment, AttachmentKind, AuditEntry, AuditKind, Client, Company, DefaultChannel,
    MassMessage, MassStatus, Message, MessagingMode, ModeChange, ModeChangeReason,
    NotificationSettings, NotifyLevel, Product, ProductGrant, Purchase, PurchaseSource, QuietHours,
    Reaction, Reactor, Recipients, Role, Settings, StaffMember, Template, WelcomeMessage,
};
use shared::{
    AttachmentId, CompanyId, ConversationId, MassMessageId, MessageId, ProductId, PurchaseId,
    TemplateId, UserId,
};
use time::OffsetDateTime;

/// `From` both ways between a record and the wire type whose fields it mirrors one for one
/// (each field converted with `into`).
macro_rules! mirrors {
    ($record:ident, $wire:ident { $($field:ident),* $(,)? }) => {
        impl From<$record> for $wire {
            fn from(r: $record) -> Self {
                Self { $($field: r.$field.into()),* }
            }
        }
        impl From<$wire> for $record {
            fn from(w: $wire) -> Self {
                Self { $($field: w.$field.into()),* }
            }
        }
    };
}
pub(super) use mirrors;

/// A message as stored: in its conversation's partition with its position (`seq`), and as the
/// conversation's last message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageRecord {
    pub id: MessageId,
    pub conversation_id: ConversationId,
    pub sender_id: UserId,
    pub sender_name: String,
    pub body: String,
    pub client_message_id: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(default)]
    pub reactions: Vec<ReactionRecord>,
    /// Its position in the conversation: the first message is 1.
    #[serde(default)]
    pub seq: u64,
    /// When its body was last edited, and how many times (its earlier bodies are
    /// [`MessageVersionRecord`]s).
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub edited_at: Option<OffsetDateTime>,
    #[serde(default)]
    pub edits: u32,
    /// A tombstone: the body and history are gone.
    #[serde(default)]
    pub deleted: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<MessageId>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mentions: Vec<UserId>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<AttachmentRecord>,
    #[serde(default, skip_serializing_if = "is_in_app")]
    pub channel: shared::sms::Channel,
    /// Sent or received as a text: its parts, encoding and where it got to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms: Option<super::texts::TextInfoRecord>,
    /// Moved here from the conversation of a client merged into this one's: written anew, it
    /// notifies nobody again.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub merged: bool,
}

fn is_in_app(c: &shared::sms::Channel) -> bool {
    *c == shared::sms::Channel::InApp
}

/// A file of a message, as the message keeps it (its object is named by the upload).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttachmentRecord {
    pub id: AttachmentId,
    pub kind: AttachmentKind,
    pub name: String,
    pub content_type: String,
    pub size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waveform: Vec<u8>,
    #[serde(default)]
    pub thumbnail: bool,
    /// The Vault item whose file this is (sent without a copy), if it is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vault: Option<AttachmentId>,
}

impl From<AttachmentRecord> for Attachment {
    fn from(r: AttachmentRecord) -> Self {
        Self {
            id: r.id,
            kind: r.kind,
            name: r.name,
            content_type: r.content_type,
            size: r.size,
            width: r.width,
            height: r.height,
            duration_ms: r.duration_ms,
            waveform: r.waveform,
            thumbnail: r.thumbnail,
        }
    }
}

/// A file uploaded to a conversation: signed for before it is put, attached to one message
/// once it is there. One never attached is forgotten after a day (and its object deleted);
/// one attached goes with its message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UploadRecord {
    pub id: AttachmentId,
    pub conversation_id: ConversationId,
    pub uploader: UserId,
    /// What it will show as.
    pub attachment: AttachmentRecord,
    /// The thumbnail's type and size, when one is uploaded beside it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail: Option<(String, u64)>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// The message it was sent with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<MessageId>,
}

/// How long an upload waits to be sent before it is forgotten.
pub const UPLOAD_TTL_SECS: i64 = 24 * 3600;

/// A file of the business's Vault. Signed for first (not yet `added`: forgotten a day later
/// unless added), then added once put. Deleted from the Vault while messages still send it,
/// it stays as a tombstone (`deleted`) until the last of them is deleted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VaultItemRecord {
    /// How it shows (`id` is the item's; `vault` none).
    pub attachment: AttachmentRecord,
    #[serde(default)]
    pub folder: String,
    /// The thumbnail's type and size, when one is uploaded beside it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail: Option<(String, u64)>,
    pub uploader: UserId,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(default)]
    pub added: bool,
    #[serde(default)]
    pub deleted: bool,
}

impl VaultItemRecord {
    /// As staff see it in the Vault.
    pub fn item(&self) -> shared::model::VaultItem {
        let a = &self.attachment;
        shared::model::VaultItem {
            id: a.id,
            kind: a.kind,
            name: a.name.clone(),
            folder: self.folder.clone(),
            content_type: a.content_type.clone(),
            size: a.size,
            width: a.width,
            height: a.height,
            duration_ms: a.duration_ms,
            thumbnail: a.thumbnail,
            created_by: self.uploader,
            created_at: self.created_at,
        }
    }
}

/// A message that sends a Vault item (its key names the item, conversation and attachment).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct VaultRefRecord {
    pub message_id: MessageId,
}

/// How many files the Vault holds, written with each one added or deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct VaultCount(pub usize);

/// An earlier body of an edited message, kept for its history (gone when it is deleted).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageVersionRecord {
    pub body: String,
    /// When this body was written.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// One person's receipt in a conversation, kept in the conversation's partition beside its
/// messages so everyone's marks are one query; written with their read mark.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReceiptRecord {
    pub user_id: UserId,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read: Option<MessageId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered: Option<MessageId>,
}

impl ReceiptRecord {
    /// A receipt of `user`, named `name`, that has nothing yet.
    pub fn new(user_id: UserId, name: &str) -> Self {
        Self {
            user_id,
            name: name.to_owned(),
            read: None,
            delivered: None,
        }
    }

    /// This receipt read up to `message` (`read`) or received it: marks only move forward and
    /// a read delivers. `None` when nothing moved.
    pub fn moved(&self, name: &str, message: MessageId, read: bool) -> Option<Self> {
        let next = Self {
            user_id: self.user_id,
            name: name.to_owned(),
            read: if read {
                self.read.max(Some(message))
            } else {
                self.read
            },
            delivered: self.delivered.max(Some(message)),
        };
        (next.read != self.read || next.delivered != self.delivered).then_some(next)
    }

    pub fn receipt(&self) -> shared::api::Receipt {
        shared::api::Receipt {
            user_id: self.user_id,
            name: self.name.clone(),
            read_message_id: self.read,
            delivered_message_id: self.delivered.max(self.read),
        }
    }
}

impl MessageRecord {
    /// `message` as stored at position `seq`, carrying `attachments`: its files as stored,
    /// each knowing where it is kept (what `message` shows of them is made from these).
    pub fn new(message: Message, seq: u64, attachments: Vec<AttachmentRecord>) -> Self {
        Self {
            id: message.id,
            conversation_id: message.conversation_id,
            sender_id: message.sender_id,
            sender_name: message.sender_name,
            body: message.body,
            client_message_id: message.client_message_id,
            created_at: message.created_at,
            reactions: message.reactions.into_iter().map(Into::into).collect(),
            seq,
            edited_at: message.edited_at,
            edits: 0,
            deleted: message.deleted,
            reply_to: message.reply_to,
            mentions: message.mentions,
            attachments,
            channel: message.channel,
            sms: message.sms.map(Into::into),
            merged: false,
        }
    }

    /// The message as the API shows it.
    pub fn message(&self) -> Message {
        Message::from(self.clone())
    }
}

impl From<MessageRecord> for Message {
    fn from(r: MessageRecord) -> Self {
        Self {
            id: r.id,
            conversation_id: r.conversation_id,
            sender_id: r.sender_id,
            sender_name: r.sender_name,
            body: r.body,
            client_message_id: r.client_message_id,
            created_at: r.created_at,
            reactions: r.reactions.into_iter().map(Into::into).collect(),
            edited_at: r.edited_at,
            deleted: r.deleted,
            reply_to: r.reply_to,
            mentions: r.mentions,
            attachments: r.attachments.into_iter().map(Into::into).collect(),
            channel: r.channel,
            sms: r.sms.map(Into::into),
        }
    }
}

/// One emoji on a message and who put it there, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReactionRecord {
    pub emoji: String,
    pub users: Vec<ReactorRecord>,
}

impl From<ReactionRecord> for Reaction {
    fn from(r: ReactionRecord) -> Self {
        Self {
            emoji: r.emoji,
            users: r.users.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<Reaction> for ReactionRecord {
    fn from(r: Reaction) -> Self {
        Self {
            emoji: r.emoji,
            users: r.users.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReactorRecord {
    pub id: UserId,
    pub name: String,
}
mirrors!(ReactorRecord, Reactor { id, name });

/// A roster entry (by id, by name, a coach's, a company's): the client as listings show them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RosterRecord {
    pub id: UserId,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub messaging: MessagingMode,
    #[serde(default)]
    pub conversation_id: Option<ConversationId>,
    #[serde(default)]
    pub company_id: Option<CompanyId>,
    pub joined: bool,
    #[serde(default)]
    pub coach_id: Option<UserId>,
    #[serde(default = "shared::model::active")]
    pub active: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}
impl From<RosterRecord> for Client {
    fn from(r: RosterRecord) -> Self {
        Self {
            id: r.id,
            name: r.name,
            email: r.email,
            phone: r.phone,
            messaging: r.messaging,
            conversation_id: r.conversation_id,
            company_id: r.company_id,
            joined: r.joined,
            coach_id: r.coach_id,
            active: r.active,
            created_at: r.created_at,
            // Not kept with the roster: the card reads it.
            sms_opted_out: None,
            other_phones: Vec::new(),
            other_emails: Vec::new(),
        }
    }
}

impl From<Client> for RosterRecord {
    fn from(c: Client) -> Self {
        Self {
            id: c.id,
            name: c.name,
            email: c.email,
            phone: c.phone,
            messaging: c.messaging,
            conversation_id: c.conversation_id,
            company_id: c.company_id,
            joined: c.joined,
            coach_id: c.coach_id,
            active: c.active,
            created_at: c.created_at,
        }
    }
}

/// An entry of the business's staff list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffRecord {
    pub id: UserId,
    pub name: String,
    pub email: Option<String>,
    pub role: Role,
    pub joined: bool,
    #[serde(default = "shared::model::active")]
    pub active: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}
mirrors!(
    StaffRecord,
    StaffMember {
        id,
        name,
        email,
        role,
        joined,
        active,
        created_at
    }
);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompanyRecord {
    pub id: CompanyId,
    pub name: String,
    pub channel_id: ConversationId,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}
mirrors!(
    CompanyRecord,
    Company {
        id,
        name,
        channel_id,
        created_at
    }
);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductRecord {
    pub id: ProductId,
    pub name: String,
    pub price_label: String,
    pub grants: ProductGrant,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}
mirrors!(
    ProductRecord,
    Product {
        id,
        name,
        price_label,
        grants,
        created_at
    }
);

/// A client's purchase, in their partition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PurchaseRecord {
    pub id: PurchaseId,
    pub client_id: UserId,
    pub product_id: ProductId,
    pub product_name: String,
    pub source: PurchaseSource,
    pub mode_after: MessagingMode,
    #[serde(with = "time::serde::rfc3339")]
    pub purchased_at: OffsetDateTime,
}
mirrors!(
    PurchaseRecord,
    Purchase {
        id,
        client_id,
        product_id,
        product_name,
        source,
        mode_after,
        purchased_at
    }
);

/// One change of a client's messaging mode, in their partition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModeChangeRecord {
    pub client_id: UserId,
    pub from: MessagingMode,
    pub to: MessagingMode,
    pub reason: ModeChangeReason,
    pub changed_by: Option<UserId>,
    pub changed_by_name: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub changed_at: OffsetDateTime,
}
mirrors!(
    ModeChangeRecord,
    ModeChange {
        client_id,
        from,
        to,
        reason,
        changed_by,
        changed_by_name,
        changed_at
    }
);

/// The business's settings, inside its record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SettingsRecord {
    #[serde(default)]
    pub welcome_message: WelcomeRecord,
    #[serde(default)]
    pub default_channel: DefaultChannel,
    #[serde(default = "shared::model::needs_attention_hours")]
    pub needs_attention_hours: u32,
}
mirrors!(
    SettingsRecord,
    Settings {
        welcome_message,
        default_channel,
        needs_attention_hours
    }
);

impl Default for SettingsRecord {
    /// A new business's: needs attention after [`shared::model::NEEDS_ATTENTION_HOURS`].
    fn default() -> Self {
        Self {
            welcome_message: WelcomeRecord::default(),
            default_channel: DefaultChannel::default(),
            needs_attention_hours: shared::model::NEEDS_ATTENTION_HOURS,
        }
    }
}

/// A business's postal address.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddressRecord {
    pub line1: String,
    #[serde(default)]
    pub line2: String,
    pub city: String,
    #[serde(default)]
    pub region: String,
    pub postal_code: String,
}
mirrors!(
    AddressRecord,
    Address {
        line1,
        line2,
        city,
        region,
        postal_code
    }
);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WelcomeRecord {
    pub enabled: bool,
    pub text: String,
}
mirrors!(WelcomeRecord, WelcomeMessage { enabled, text });

impl Default for WelcomeRecord {
    fn default() -> Self {
        WelcomeMessage::default().into()
    }
}

/// A mass message as stored: what it says, to whom, and how far it got.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MassJobRecord {
    pub id: MassMessageId,
    pub body: String,
    pub recipients: RecipientsRecord,
    pub status: MassStatus,
    pub sent: u64,
    pub failed: u64,
    #[serde(default, skip_serializing_if = "is_in_app")]
    pub channel: shared::sms::Channel,
    pub sender_id: UserId,
    pub sender_name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub finished_at: Option<OffsetDateTime>,
}
mirrors!(
    MassJobRecord,
    MassMessage {
        id,
        body,
        recipients,
        status,
        sent,
        failed,
        channel,
        sender_id,
        sender_name,
        created_at,
        finished_at
    }
);

/// What a webhook delivery of an order was answered, kept under the order's id so the same
/// order delivered again gets the same answer and changes nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderRecord {
    pub purchase: PurchaseRecord,
    pub client: RosterRecord,
    pub created_client: bool,
    pub invite: Option<InviteLinkRecord>,
}

impl From<OrderRecord> for WebhookPurchaseResult {
    fn from(r: OrderRecord) -> Self {
        Self {
            purchase: r.purchase.into(),
            client: r.client.into(),
            created_client: r.created_client,
            invite: r.invite.map(Into::into),
        }
    }
}

impl From<WebhookPurchaseResult> for OrderRecord {
    fn from(w: WebhookPurchaseResult) -> Self {
        Self {
            purchase: w.purchase.into(),
            client: w.client.into(),
            created_client: w.created_client,
            invite: w.invite.map(Into::into),
        }
    }
}

/// An invite link as an order's answer gave it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InviteLinkRecord {
    pub token: String,
    pub url: String,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}
mirrors!(
    InviteLinkRecord,
    Invite {
        token,
        url,
        expires_at
    }
);

/// The business's secret for signing webhook deliveries.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WebhookSecretRecord {
    pub secret: String,
}

/// Who holds an email address in a business (email addresses are unique in one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EmailOwner(pub UserId);

/// Who holds a phone number in a business.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PhoneOwner(pub UserId);

/// The company that has a name in a business (company names are unique whatever their case).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CompanyNameOwner(pub CompanyId);

/// A saved message of the business.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateRecord {
    pub id: TemplateId,
    pub name: String,
    pub body: String,
    pub created_by: UserId,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}
mirrors!(
    TemplateRecord,
    Template {
        id,
        name,
        body,
        created_by,
        updated_at
    }
);

/// Which saved message holds a name (case folded): names are unique in a business, so `/`
/// finds one by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TemplateNameOwner(pub TemplateId);

/// How many saved messages the business keeps, written with each one saved or deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TemplateCount(pub usize);

/// Who a mass message goes to, tagged by its shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum RecipientsRecord {
    Clients { client_ids: Vec<UserId> },
    All { all: bool },
    Company { company_id: CompanyId },
    Product { product_id: ProductId },
}

impl From<RecipientsRecord> for Recipients {
    fn from(r: RecipientsRecord) -> Self {
        match r {
            RecipientsRecord::Clients { client_ids } => Self::Clients { client_ids },
            RecipientsRecord::All { all } => Self::All { all },
            RecipientsRecord::Company { company_id } => Self::Company { company_id },
            RecipientsRecord::Product { product_id } => Self::Product { product_id },
        }
    }
}

impl From<Recipients> for RecipientsRecord {
    fn from(r: Recipients) -> Self {
        match r {
            Recipients::Clients { client_ids } => Self::Clients { client_ids },
            Recipients::All { all } => Self::All { all },
            Recipients::Company { company_id } => Self::Company { company_id },
            Recipients::Product { product_id } => Self::Product { product_id },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ulid::Ulid;

    #[test]
    fn a_message_round_trips_through_its_record_with_its_reactions_and_files() {
        let user = UserId::from_ulid(Ulid::from_parts(1, 3));
        let message = Message {
            id: MessageId::from_ulid(Ulid::from_parts(1, 1)),
            conversation_id: ConversationId::from_ulid(Ulid::from_parts(1, 2)),
            sender_id: user,
            sender_name: "Maya".into(),
            body: "Squats **5x5**".into(),
            client_message_id: "k1".into(),
            created_at: OffsetDateTime::UNIX_EPOCH,
            edited_at: None,
            deleted: false,
            reply_to: None,
            mentions: Vec::new(),
            attachments: Vec::new(),
            channel: shared::sms::Channel::Sms,
            sms: Some(shared::sms::TextInfo {
                segments: 1,
                encoding: shared::sms::Encoding::Gsm7,
                status: shared::sms::TextStatus::Delivered,
                kind: shared::sms::TextKind::Direct,
                error: None,
            }),
            reactions: vec![Reaction {
                emoji: "💪".into(),
                users: vec![Reactor {
                    id: user,
                    name: "Maya".into(),
                }],
            }],
        };
        let voice = AttachmentRecord {
            id: AttachmentId::from_ulid(Ulid::from_parts(1, 4)),
            kind: AttachmentKind::Voice,
            name: "voice.webm".into(),
            content_type: "audio/webm".into(),
            size: 4096,
            width: None,
            height: None,
            duration_ms: Some(42_000),
            waveform: vec![0, 128, 255],
            thumbnail: false,
            vault: Some(AttachmentId::from_ulid(Ulid::from_parts(1, 5))),
        };
        let message = Message {
            attachments: vec![voice.clone().into()],
            ..message
        };
        let record = MessageRecord::new(message.clone(), 7, vec![voice.clone()]);
        assert_eq!(record.seq, 7);
        let stored = serde_json::to_value(&record).expect("encode");
        let read: MessageRecord = serde_json::from_value(stored).expect("decode");
        assert_eq!(read.message(), message);
        assert_eq!(read.attachments, [voice], "where each file is kept is kept");
    }

    #[test]
    fn every_shape_of_recipients_round_trips_through_its_record() {
        for recipients in [
            Recipients::Clients {
                client_ids: vec![UserId::from_ulid(Ulid::from_parts(1, 1))],
            },
            Recipients::All { all: true },
            Recipients::Company {
                company_id: CompanyId::from_ulid(Ulid::from_parts(1, 2)),
            },
            Recipients::Product {
                product_id: ProductId::from_ulid(Ulid::from_parts(1, 3)),
            },
        ] {
            let record = RecipientsRecord::from(recipients.clone());
            let stored = serde_json::to_value(&record).expect("encode");
            let read: RecipientsRecord = serde_json::from_value(stored).expect("decode");
            assert_eq!(Recipients::from(read), recipients);
        }
    }
}

/// An audit entry as stored (in the business's log and in its subject's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub kind: AuditKind,
    pub subject_id: Option<UserId>,
    pub subject_name: String,
    #[serde(default)]
    pub place: Option<String>,
    pub actor_id: Option<UserId>,
    pub actor_name: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}
mirrors!(
    AuditRecord,
    AuditEntry {
        kind,
        subject_id,
        subject_name,
        place,
        actor_id,
        actor_name,
        before,
        after,
        at
    }
);

/// How a person wants to be notified (the wire type's shape: nothing in it is derived).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotificationSettingsRecord {
    pub push: bool,
    pub email: bool,
    /// Quiet hours, from and to, `HH:MM`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quiet_hours: Option<(String, String)>,
    pub time_zone: String,
    pub announcements: NotifyLevel,
}

impl From<NotificationSettingsRecord> for NotificationSettings {
    fn from(r: NotificationSettingsRecord) -> Self {
        Self {
            push: r.push,
            email: r.email,
            quiet_hours: r.quiet_hours.map(|(from, to)| QuietHours { from, to }),
            time_zone: r.time_zone,
            announcements: r.announcements,
        }
    }
}

impl From<NotificationSettings> for NotificationSettingsRecord {
    fn from(w: NotificationSettings) -> Self {
        Self {
            push: w.push,
            email: w.email,
            quiet_hours: w.quiet_hours.map(|q| (q.from, q.to)),
            time_zone: w.time_zone,
            announcements: w.announcements,
        }
    }
}

/// What notifies a person of one conversation (kept only when they changed it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NotifyLevelRecord(pub NotifyLevel);

/// One of a person's browsers registered for pushes: where to send, the keys to encrypt for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushSubscriptionRecord {
    pub endpoint: String,
    /// The browser's P-256 public key and authentication secret, base64url.
    pub p256dh: String,
    pub auth: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// The session it was registered in: signing out there forgets it (the device may be
    /// someone else's next).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
}

/// Work due at a time, in its minute's partition: what to do, for whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueJobRecord {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub job: Job,
}

/// What the scheduler does when a job is due (each idempotent: a job run twice does it once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Job {
    /// Sends someone's scheduled message.
    SendScheduled { user: UserId, id: String },
    /// Emails someone one digest of what they left unread.
    EmailDigest { user: UserId },
    /// Someone's quiet hours ended: one push of what came meanwhile.
    QuietSummary { user: UserId },
    /// A client's message may still be unanswered: if so, the conversation needs attention.
    NeedsAttention { conversation: ConversationId },
    /// A business's texting number, kept since texting was turned off, is due to go back.
    ReleaseNumber,
    /// A business's number's registration is being reviewed: where did it get to?
    CheckRegistration,
    /// A mass message may have stalled (its step failed past the stream's retries): if it
    /// made no progress lately, its next step is taken, and it is looked at again later.
    MassWatch { id: String },
}

/// A client's conversation waits for an answer since `since` (their first message nobody
/// answered); checked at `at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttentionDue {
    #[serde(with = "time::serde::rfc3339")]
    pub since: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// A conversation in the "Needs attention" folder: its client waits since `since`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NeedsAttentionRecord {
    pub conversation_id: ConversationId,
    #[serde(with = "time::serde::rfc3339")]
    pub since: OffsetDateTime,
}

/// What a notification is of, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteKind {
    Message,
    ClientJoined,
    MessagingChanged,
    MassMessageDone,
    NeedsAttention,
    TextingReviewed,
}

impl From<NoteKind> for shared::api::NotificationKind {
    fn from(k: NoteKind) -> Self {
        use shared::api::NotificationKind as W;
        match k {
            NoteKind::Message => W::Message,
            NoteKind::ClientJoined => W::ClientJoined,
            NoteKind::MessagingChanged => W::MessagingChanged,
            NoteKind::MassMessageDone => W::MassMessageDone,
            NoteKind::NeedsAttention => W::NeedsAttention,
            NoteKind::TextingReviewed => W::TextingReviewed,
        }
    }
}

/// One entry of a person's bell. A conversation's messages share one entry (its id is the
/// conversation's) while it is unread: it counts them and shows the last.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteRecord {
    pub id: String,
    pub kind: NoteKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<ConversationId>,
    pub title: String,
    pub body: String,
    pub count: u32,
    #[serde(default)]
    pub mentioned: bool,
    /// The last message counted: a message delivered again is not counted twice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_message: Option<MessageId>,
    pub url: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub read: bool,
    /// Waiting for the next email digest.
    #[serde(default)]
    pub email_due: bool,
    /// Its push was held by quiet hours: the summary after them tells of it.
    #[serde(default)]
    pub push_held: bool,
}

impl From<NoteRecord> for shared::api::Notification {
    fn from(r: NoteRecord) -> Self {
        Self {
            id: r.id,
            kind: r.kind.into(),
            conversation_id: r.conversation_id,
            title: r.title,
            body: r.body,
            count: r.count,
            mentioned: r.mentioned,
            url: r.url,
            at: r.at,
            read: r.read,
        }
    }
}

/// The browsers (subscription ids) one push already reached: a change delivered again pushes
/// only to those it did not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushClaimRecord {
    pub reached: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// Someone's email digest is scheduled, for then: more unread messages join it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestDue {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// Someone's summary after quiet hours is scheduled, for then.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SummaryDue {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// The last minute (unix seconds / 60) whose due work is all done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DueCursor(pub i64);

/// What a scheduled mass message is sent with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduledMassRecord {
    pub id: String,
    pub recipients: RecipientsRecord,
}

/// A message someone scheduled to be sent later.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduledMessageRecord {
    pub id: String,
    /// A message's conversation; none for a mass message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<ConversationId>,
    /// A mass message's id and recipients.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mass: Option<ScheduledMassRecord>,
    pub body: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<MessageId>,
    #[serde(with = "time::serde::rfc3339")]
    pub send_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}
