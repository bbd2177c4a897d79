//! The resources of the API as the server returns them.

use crate::ids::*;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// A person's role in their business.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Created the business; may do everything.
    Owner,
    /// Staff who manage the business with the owner.
    Admin,
    /// Staff who message the clients assigned to them.
    Coach,
    /// A client of the business.
    Client,
}

impl Role {
    pub fn is_staff(self) -> bool {
        !matches!(self, Role::Client)
    }

    /// The owner and admins, who run the business.
    pub fn is_manager(self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
    }
}

/// Whether a client may write in their private conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MessagingMode {
    /// Client and coach message each other.
    #[default]
    TwoWay,
    /// Only the coach and staff send; the client reads.
    OneWay,
}

/// Why a client's messaging mode changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ModeChangeReason {
    /// Set by hand by staff.
    Manual,
    /// Set by a product the client bought.
    ProductPurchase,
}

/// One change of a client's messaging mode, kept for their profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ModeChange {
    pub client_id: UserId,
    pub from: MessagingMode,
    pub to: MessagingMode,
    pub reason: ModeChangeReason,
    /// Who changed it, when a person did.
    pub changed_by: Option<UserId>,
    pub changed_by_name: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub changed_at: OffsetDateTime,
}

/// What an audit entry records a change of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AuditKind {
    /// A staff member's role (`admin`, `coach`).
    Role,
    /// Whether the person may sign in (`active`, `deactivated`).
    Activation,
    /// Who owns the business (before and after: the owners' names).
    Ownership,
    /// A client's coach (names; none is empty).
    Coach,
    /// A client's messaging mode (`one_way`, `two_way`).
    Messaging,
    /// A client's company (names; none is empty).
    Company,
    /// A person's role in a group (`owner`, `admin`, `member`; none: not in it). `place` names
    /// the group.
    GroupRole,
    /// A group member's own posting right (`may post`, `may not post`, `group's setting`).
    /// `place` names the group.
    Posting,
    /// Whether only a group's owners and admins post (`on`, `off`); the subject is the group.
    AnnouncementOnly,
    /// What buying a product does to the buyer's messaging (`one_way`, `two_way`, `unchanged`);
    /// the subject is the product.
    ProductGrant,
    /// A group's owner or admin deleted someone's message (`message` → `deleted`); `place`
    /// names the group, the subject is the message's sender.
    Moderation,
}

/// One change of who may do what: who made it, when, to whom, and what it was before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub kind: AuditKind,
    /// Who it changed, when it changed a person (a group's or a product's own setting changes
    /// no one in particular).
    pub subject_id: Option<UserId>,
    /// The person's name, or the group's or product's.
    pub subject_name: String,
    /// Where, for a change within a group: the group's name.
    #[serde(default)]
    pub place: Option<String>,
    /// Who changed it (none: the system, as for a purchase by webhook).
    pub actor_id: Option<UserId>,
    pub actor_name: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: OffsetDateTime,
}

/// The signed-in person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: UserId,
    pub business_id: BusinessId,
    pub business_name: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub role: Role,
    /// An email of theirs that signs them in only once they follow the link sent to it (a new
    /// sign-up's, or a changed one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unconfirmed_email: Option<String>,
}

/// A client as the roster shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Client {
    pub id: UserId,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub messaging: MessagingMode,
    /// The client's private conversation with the business: none when they were added
    /// straight into their company's channel, until one is started.
    #[serde(default)]
    pub conversation_id: Option<ConversationId>,
    /// The company the client belongs to, if any (at most one).
    #[serde(default)]
    pub company_id: Option<CompanyId>,
    /// Whether the client has accepted their invite.
    pub joined: bool,
    /// The coach assigned to them, who is in their private conversation.
    #[serde(default)]
    pub coach_id: Option<UserId>,
    /// False once deactivated: they cannot sign in, and their conversations are read-only.
    #[serde(default = "active")]
    pub active: bool,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: OffsetDateTime,
    /// Whether their phone replied STOP to the business's texts (no text reaches it until it
    /// replies START). Told on the client's card (`GET /api/clients/{id}`), not in lists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms_opted_out: Option<bool>,
    /// More phones of theirs (a client merged into them texted from these): a text from one
    /// lands in their conversation. Told on the client's card, not in lists.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_phones: Vec<String>,
    /// More email addresses of theirs (from a client merged into them). On the card only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_emails: Vec<String>,
}

/// What a record written before people could be deactivated reads as.
pub fn active() -> bool {
    true
}

/// Someone on the business's staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffMember {
    pub id: UserId,
    pub name: String,
    pub email: Option<String>,
    pub role: Role,
    /// Whether they have accepted their invite (the owner always has).
    pub joined: bool,
    /// False once deactivated: they cannot sign in and are in no conversation by their role.
    #[serde(default = "active")]
    pub active: bool,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: OffsetDateTime,
}

/// What kind of conversation this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConversationKind {
    /// One client and the business's staff.
    Private,
    /// Many people: a cohort, a challenge, the whole roster.
    Group,
    /// Every client of one company, kept in step with the company, plus staff.
    Company,
}

impl ConversationKind {
    /// Group and company channels: many people, group roles, group settings.
    pub fn is_group(self) -> bool {
        matches!(self, Self::Group | Self::Company)
    }
}

/// A member's role in a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum GroupRole {
    /// Created the group.
    Owner,
    /// Manages members and settings, and posts in announcement-only groups.
    Admin,
    /// Reads and reacts; posts unless the group is announcement-only or they are muted.
    #[default]
    Member,
}

/// A message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Message {
    pub id: MessageId,
    pub conversation_id: ConversationId,
    pub sender_id: UserId,
    pub sender_name: String,
    pub body: String,
    pub client_message_id: String,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: OffsetDateTime,
    /// Emoji reactions, one entry per emoji in the order first used.
    #[serde(default)]
    pub reactions: Vec<Reaction>,
    /// When its body was last edited (its earlier versions: the message's history).
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub edited_at: Option<OffsetDateTime>,
    /// Deleted: a tombstone, its body (and history) gone.
    #[serde(default)]
    pub deleted: bool,
    /// The message of the same conversation this one answers (its quote follows its edits).
    #[serde(default)]
    pub reply_to: Option<MessageId>,
    /// Everyone the body mentions (`<@id>`), members of the conversation.
    #[serde(default)]
    pub mentions: Vec<UserId>,
    /// Photos, videos, voice notes and files, in the order they were attached (gone when
    /// the message is deleted).
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    /// How it reached its reader: in the apps, as a text or as an email.
    #[serde(default)]
    pub channel: crate::sms::Channel,
    /// A text's parts, encoding and delivery (sent or received as a text only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms: Option<crate::sms::TextInfo>,
}

/// What a file sent with a message is, which decides how it shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AttachmentKind {
    /// A photo, shown as a thumbnail and opened in a lightbox.
    Image,
    /// A video, shown with its poster frame and played inline.
    Video,
    /// A voice note recorded in the composer, played inline with its waveform.
    Voice,
    /// Anything else allowed: a card with its name and size, to download.
    File,
}

/// A file sent with a message. Its content is fetched through
/// `GET /api/conversations/{id}/attachments/{attachment_id}`, by members only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attachment {
    pub id: AttachmentId,
    pub kind: AttachmentKind,
    pub name: String,
    pub content_type: String,
    /// In bytes.
    pub size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// A video's or voice note's length.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u32>,
    /// A voice note's loudness in bars of 0 to 255.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waveform: Vec<u8>,
    /// Whether a thumbnail (a photo's, a video's poster frame) can be fetched
    /// (`?variant=thumbnail`).
    #[serde(default)]
    pub thumbnail: bool,
}

/// A file of the business's Vault: uploaded once by staff, sent in any number of messages
/// without a copy. Fetched through `GET /api/vault/{id}/file`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VaultItem {
    pub id: AttachmentId,
    pub kind: AttachmentKind,
    pub name: String,
    /// Its folder; empty when in none.
    pub folder: String,
    pub content_type: String,
    /// In bytes.
    pub size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u32>,
    #[serde(default)]
    pub thumbnail: bool,
    /// Who added it (a coach changes only their own; owners and admins any).
    pub created_by: UserId,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: OffsetDateTime,
}

impl VaultItem {
    /// How it shows in a message's tiles (and the Vault's).
    pub fn attachment(&self) -> Attachment {
        Attachment {
            id: self.id,
            kind: self.kind,
            name: self.name.clone(),
            content_type: self.content_type.clone(),
            size: self.size,
            width: self.width,
            height: self.height,
            duration_ms: self.duration_ms,
            waveform: Vec::new(),
            thumbnail: self.thumbnail,
        }
    }
}

/// One version of an edited message's body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageVersion {
    pub body: String,
    /// When this version was written (sent, or edited to it).
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: OffsetDateTime,
}

/// Everyone who reacted to a message with one emoji.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reaction {
    pub emoji: String,
    /// In the order they reacted; its length is the count.
    pub users: Vec<Reactor>,
}

/// One person who reacted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reactor {
    pub id: UserId,
    pub name: String,
}

impl Message {
    /// Adds `user`'s `emoji` (once: adding it again changes nothing). Returns whether it changed.
    pub fn add_reaction(&mut self, emoji: &str, user: Reactor) -> bool {
        match self.reactions.iter_mut().find(|r| r.emoji == emoji) {
            Some(r) if r.users.iter().any(|u| u.id == user.id) => false,
            Some(r) => {
                r.users.push(user);
                true
            }
            None => {
                self.reactions.push(Reaction {
                    emoji: emoji.to_owned(),
                    users: vec![user],
                });
                true
            }
        }
    }

    /// Removes `user`'s `emoji`, dropping the emoji when nobody is left. Returns whether it
    /// changed.
    pub fn remove_reaction(&mut self, emoji: &str, user: UserId) -> bool {
        let Some(i) = self.reactions.iter().position(|r| r.emoji == emoji) else {
            return false;
        };
        let before = self.reactions[i].users.len();
        self.reactions[i].users.retain(|u| u.id != user);
        let changed = self.reactions[i].users.len() != before;
        if self.reactions[i].users.is_empty() {
            self.reactions.remove(i);
        }
        changed
    }
}

/// One line of the conversation list, as the caller sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConversationSummary {
    pub id: ConversationId,
    pub kind: ConversationKind,
    /// The other side's name: the client's for staff, the business's for the client.
    pub title: String,
    /// For private conversations, the client.
    pub client_id: Option<UserId>,
    pub last_message: Option<Message>,
    pub unread_count: u64,
    /// Whether the caller may send here now.
    pub can_post: bool,
    /// For private conversations: the client's messaging mode.
    pub messaging: Option<MessagingMode>,
    /// Groups: the avatar emoji, whether only owners and admins post, and the caller's role.
    #[serde(default)]
    pub emoji: Option<String>,
    #[serde(default)]
    pub announcement_only: bool,
    #[serde(default)]
    pub group_role: Option<GroupRole>,
    /// Company channels, and groups made within one company: the company.
    #[serde(default)]
    pub company_id: Option<CompanyId>,
    /// Private conversations: false once the client is deactivated (read-only for everyone).
    #[serde(default = "active")]
    pub client_active: bool,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub last_activity_at: OffsetDateTime,
}

/// A member of a group, as its members see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupMember {
    pub user_id: UserId,
    pub name: String,
    /// Their role in the business (staff or client).
    pub role: Role,
    pub group_role: GroupRole,
    /// The per-person posting decision; `null` follows the group's setting.
    pub can_post: Option<bool>,
}

/// What buying a product does to the buyer's messaging mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProductGrant {
    OneWay,
    TwoWay,
    /// Leaves the mode as it is.
    Unchanged,
}

/// A saved message: staff insert it with `/` in the composer, its placeholders
/// (`{client_first_name}`, `{coach_name}`, `{business_name}`) filled for the conversation (see
/// [`crate::templates`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Template {
    pub id: TemplateId,
    pub name: String,
    pub body: String,
    /// Who saved it (a coach changes only their own; owners and admins any).
    pub created_by: UserId,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: OffsetDateTime,
}

/// Something the business sells, and the messaging it grants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Product {
    pub id: ProductId,
    pub name: String,
    /// Free text such as "$49 / month".
    pub price_label: String,
    pub grants: ProductGrant,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: OffsetDateTime,
}

/// How a purchase was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PurchaseSource {
    /// By staff, in the app.
    Manual,
    /// By the business's online store.
    Webhook,
}

/// A client's purchase of a product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Purchase {
    pub id: crate::PurchaseId,
    pub client_id: UserId,
    pub product_id: ProductId,
    pub product_name: String,
    pub source: PurchaseSource,
    /// The client's messaging mode after it.
    pub mode_after: MessagingMode,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub purchased_at: OffsetDateTime,
}

/// A page of a list. `next_cursor` is present when there may be more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// A company whose people are clients of the business.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Company {
    pub id: CompanyId,
    pub name: String,
    /// The company channel: every client of the company, and the business's staff.
    pub channel_id: ConversationId,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: OffsetDateTime,
}

/// Where a client who belongs to a company is put when they are added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DefaultChannel {
    /// Their own private conversation (and their company's channel).
    #[default]
    Individual,
    /// Only their company's channel; a private conversation can be started later.
    Company,
}

/// The message posted in a client's private conversation when it is created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WelcomeMessage {
    pub enabled: bool,
    /// May use `{client_first_name}`, `{coach_name}` and `{business_name}`.
    pub text: String,
}

/// The default welcome text.
pub const DEFAULT_WELCOME: &str = "Hi {client_first_name}, welcome to {business_name}! \
I'm {coach_name} and I'll be coaching you. Message me here any time.";

impl Default for WelcomeMessage {
    fn default() -> Self {
        Self {
            enabled: true,
            text: DEFAULT_WELCOME.to_owned(),
        }
    }
}

impl WelcomeMessage {
    /// The text with its placeholders filled in. Unknown `{...}` stay as they are.
    pub fn render(&self, client_name: &str, coach_name: &str, business_name: &str) -> String {
        crate::templates::fill(
            &self.text,
            &crate::templates::Placeholders {
                client_first_name: Some(crate::templates::first_name(client_name)),
                coach_name: Some(coach_name),
                business_name: Some(business_name),
            },
        )
    }
}

/// A business's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Settings {
    #[serde(default)]
    pub welcome_message: WelcomeMessage,
    #[serde(default)]
    pub default_channel: DefaultChannel,
    /// A client's message nobody of the staff answered within this many hours (1 to 168)
    /// puts the conversation in the "Needs attention" folder and tells the client's coach.
    #[serde(default = "needs_attention_hours")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 168))]
    pub needs_attention_hours: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            welcome_message: WelcomeMessage::default(),
            default_channel: DefaultChannel::default(),
            needs_attention_hours: NEEDS_ATTENTION_HOURS,
        }
    }
}

/// The business as it describes itself: its name, and where it is (texting is for businesses
/// of the United States and Canada, and its registration needs the address).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BusinessInfo {
    pub name: String,
    #[serde(default)]
    pub country: Option<crate::validate::Country>,
    #[serde(default)]
    pub address: Option<Address>,
    /// Whether two-way texting can be turned on for the business (by its country).
    pub texting_available: bool,
}

/// A postal address. `line1`, `city` and `postal_code` are required (not blank); `region` is
/// the state or province, where there is one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Address {
    #[cfg_attr(feature = "openapi", schema(max_length = 100))]
    pub line1: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 100))]
    pub line2: String,
    #[cfg_attr(feature = "openapi", schema(max_length = 100))]
    pub city: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 100))]
    pub region: String,
    #[cfg_attr(feature = "openapi", schema(max_length = 20))]
    pub postal_code: String,
}

/// Hours a client waits for an answer before their conversation needs attention, by default.
pub const NEEDS_ATTENTION_HOURS: u32 = 24;
/// At most a week.
pub const NEEDS_ATTENTION_HOURS_MAX: u32 = 168;

pub fn needs_attention_hours() -> u32 {
    NEEDS_ATTENTION_HOURS
}

/// Who a mass message goes to: exactly one of its four shapes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
// Written untagged (each shape as its own fields); read through `RecipientsFields`, which
// takes exactly one shape and says so when it is not.
#[serde(untagged, try_from = "RecipientsFields")]
pub enum Recipients {
    /// These clients (1 to 1,000; repeats count once).
    Clients {
        #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 1000))]
        client_ids: Vec<UserId>,
    },
    /// Every client of the business (a coach: every client assigned to them).
    All { all: bool },
    /// Every client of a company.
    Company { company_id: CompanyId },
    /// Everyone who bought a product.
    Product { product_id: ProductId },
}

/// The fields a [`Recipients`] is read from; exactly one must be there.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RecipientsFields {
    #[serde(default)]
    client_ids: Option<Vec<UserId>>,
    #[serde(default)]
    all: Option<bool>,
    #[serde(default)]
    company_id: Option<CompanyId>,
    #[serde(default)]
    product_id: Option<ProductId>,
}

impl TryFrom<RecipientsFields> for Recipients {
    type Error = &'static str;
    fn try_from(f: RecipientsFields) -> Result<Self, Self::Error> {
        match (f.client_ids, f.all, f.company_id, f.product_id) {
            (Some(client_ids), None, None, None) => Ok(Self::Clients { client_ids }),
            (None, Some(all), None, None) => Ok(Self::All { all }),
            (None, None, Some(company_id), None) => Ok(Self::Company { company_id }),
            (None, None, None, Some(product_id)) => Ok(Self::Product { product_id }),
            _ => Err("recipients: give exactly one of client_ids, all, company_id or product_id"),
        }
    }
}

/// Where a mass message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MassStatus {
    Queued,
    Sending,
    Done,
}

/// One message sent to many clients, each in their own private conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MassMessage {
    pub id: crate::MassMessageId,
    pub body: String,
    pub recipients: Recipients,
    pub status: MassStatus,
    /// Clients it was sent to (or found already sent to, after a restart).
    pub sent: u64,
    /// Clients it could not be sent to (no longer a client, or not the sender's).
    pub failed: u64,
    /// `in_app`, or `sms`: sent as marketing texts.
    #[serde(default)]
    pub channel: crate::sms::Channel,
    pub sender_id: UserId,
    pub sender_name: String,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: OffsetDateTime,
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub finished_at: Option<OffsetDateTime>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_welcome_text_fills_in_its_placeholders() {
        let welcome = WelcomeMessage {
            enabled: true,
            text: "Hi {client_first_name}! {coach_name} here, from {business_name}. {unknown}"
                .into(),
        };
        assert_eq!(
            welcome.render("Maya Lopez", "Sam Coach", "Peak Fitness"),
            "Hi Maya! Sam Coach here, from Peak Fitness. {unknown}"
        );
        let default = WelcomeMessage::default().render("Jo", "Sam", "Peak");
        assert!(default.starts_with("Hi Jo, welcome to Peak!"), "{default}");
        assert!(!default.contains('{'), "{default}");
    }

    #[test]
    fn recipients_read_each_of_their_four_shapes() {
        let id = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
        let parse = |v: serde_json::Value| serde_json::from_value::<Recipients>(v).ok();
        assert!(matches!(
            parse(serde_json::json!({ "client_ids": [id] })),
            Some(Recipients::Clients { client_ids }) if client_ids.len() == 1
        ));
        assert_eq!(
            parse(serde_json::json!({ "all": true })),
            Some(Recipients::All { all: true })
        );
        assert!(matches!(
            parse(serde_json::json!({ "company_id": id })),
            Some(Recipients::Company { .. })
        ));
        assert!(matches!(
            parse(serde_json::json!({ "product_id": id })),
            Some(Recipients::Product { .. })
        ));
        assert_eq!(parse(serde_json::json!({ "everyone": true })), None);
        assert_eq!(parse(serde_json::json!({})), None);
        assert_eq!(
            parse(serde_json::json!({ "all": true, "company_id": id })),
            None,
            "one shape at a time"
        );
        let back = serde_json::to_value(Recipients::All { all: true }).expect("json");
        assert_eq!(back, serde_json::json!({ "all": true }));
    }
}

/// What notifies someone of a conversation: every message, only those that mention them, or
/// nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NotifyLevel {
    #[default]
    All,
    Mentions,
    None,
}

/// Quiet hours, in the person's time zone: pushes and emails wait until they end (then one
/// summary). `from` and `to` are `HH:MM`; they may wrap past midnight (22:00 to 07:00).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct QuietHours {
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$")
    )]
    pub from: String,
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$")
    )]
    pub to: String,
}

/// How someone wants to be notified (`GET /api/me/notifications`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotificationSettings {
    /// Pushes to the devices that allowed them.
    pub push: bool,
    /// An email of what stays unread for 15 minutes (one digest, never one per message).
    pub email: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quiet_hours: Option<QuietHours>,
    /// An IANA time zone (`Europe/Berlin`), for quiet hours.
    pub time_zone: String,
    /// Announcement groups: every post, only mentions, or nothing.
    pub announcements: NotifyLevel,
}

impl Default for NotificationSettings {
    /// Pushes and email digests on, no quiet hours, UTC.
    fn default() -> Self {
        Self {
            push: true,
            email: true,
            quiet_hours: None,
            time_zone: "UTC".to_owned(),
            announcements: NotifyLevel::All,
        }
    }
}
