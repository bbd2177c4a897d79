//! Reading the server's JSON in the app. A small parser (the JSON the server writes: objects,
//! arrays, strings, integers) and, for each type the app reads, a reader that takes its fields
//! by name ([`Read`]). serde's derived readers, made once per type over serde_json's parser,
//! cost the client app about 20 KB brotli; these cost a few bytes a field. The tests check every
//! reader against the derived one on the same text.

use super::api::{Signed, Target};
use shared::api::{
    AttachmentLink, AuthResponse, ClientWithInvite, ErrorBody, ErrorDetail, Invite, InvitePreview,
    LoginBusiness, Notification, NotificationKind, NotificationList, PushKey,
    PushSubscriptionCreated, ReadState, Receipt, Receipts, ScheduledMass, ScheduledMessage,
    StaffWithInvite, Unsubscribed, VaultList, WebhookSecret,
};
use shared::events::{
    ConversationRead, ConversationRemoved, Hello, MassMessageProgress, MessageCreated,
    MessageDeleted, MessageUpdated, PermissionChanged, ReactionChanged, SessionEndReason,
    SessionEnded,
};
use shared::model::{
    Address, Attachment, AttachmentKind, AuditEntry, AuditKind, BusinessInfo, Client, Company,
    ConversationKind, ConversationSummary, DefaultChannel, GroupMember, GroupRole, MassMessage,
    MassStatus, Message, MessageVersion, MessagingMode, ModeChange, ModeChangeReason,
    NotificationSettings, NotifyLevel, Page, Product, ProductGrant, Purchase, PurchaseSource,
    QuietHours, Reaction, Reactor, Recipients, Role, Settings, StaffMember, Template, User,
    VaultItem, WelcomeMessage,
};
use shared::sms::{
    AutoReply, Balance, BusinessType, OptInProof, OptInType, Registration, RegistrationForm,
    RegistrationState, Texting, TransactionalTexts,
};
#[cfg(feature = "staff")]
use shared::sms::{Channel, Encoding, TextInfo, TextKind, TextStatus};
use shared::validate::Country;
use shared::{
    AttachmentId, BusinessId, CompanyId, ConversationId, MassMessageId, MessageId, ProductId,
    PurchaseId, TemplateId, UserId,
};
use time::OffsetDateTime;

/// A parsed JSON value. Numbers with a fraction or an exponent are kept as `Num(None)`: the
/// app reads none (every number it reads is a count).
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Num(Option<i64>),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

const NULL: Json = Json::Null;

/// How deep arrays and objects may nest (deeper is refused, not a stack overflow).
const MAX_DEPTH: u32 = 64;

impl Json {
    /// The member `key` of an object; null when absent (or this is no object).
    pub fn get(&self, key: &str) -> &Json {
        match self {
            Json::Obj(members) => members
                .iter()
                .find(|(k, _)| k == key)
                .map_or(&NULL, |(_, v)| v),
            _ => &NULL,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// Parses `text` as one JSON value (surrounding whitespace allowed); `None` if it is not JSON.
pub fn parse(text: &str) -> Option<Json> {
    let mut p = Parser {
        bytes: text.as_bytes(),
        at: 0,
    };
    let value = p.value(0)?;
    p.space();
    (p.at == p.bytes.len()).then_some(value)
}

struct Parser<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\n' | b'\r' | b'\t')) {
            self.at += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        self.space();
        (self.peek()? == byte).then(|| self.at += 1)
    }

    fn word(&mut self, word: &[u8], value: Json) -> Option<Json> {
        let end = self.at.checked_add(word.len())?;
        (self.bytes.get(self.at..end)? == word).then(|| {
            self.at = end;
            value
        })
    }

    fn value(&mut self, depth: u32) -> Option<Json> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.space();
        match self.peek()? {
            b'n' => self.word(b"null", Json::Null),
            b't' => self.word(b"true", Json::Bool(true)),
            b'f' => self.word(b"false", Json::Bool(false)),
            b'"' => self.string().map(Json::Str),
            b'[' => {
                self.at += 1;
                let mut items = Vec::new();
                if self.eat(b']').is_some() {
                    return Some(Json::Arr(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    if self.eat(b']').is_some() {
                        return Some(Json::Arr(items));
                    }
                    self.eat(b',')?;
                }
            }
            b'{' => {
                self.at += 1;
                let mut members = Vec::new();
                if self.eat(b'}').is_some() {
                    return Some(Json::Obj(members));
                }
                loop {
                    self.space();
                    let key = self.string()?;
                    self.eat(b':')?;
                    members.push((key, self.value(depth + 1)?));
                    if self.eat(b'}').is_some() {
                        return Some(Json::Obj(members));
                    }
                    self.eat(b',')?;
                }
            }
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    fn number(&mut self) -> Option<Json> {
        let start = self.at;
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        let digits = self.at;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.at += 1;
        }
        if self.at == digits {
            return None;
        }
        let mut whole = true;
        if self.peek() == Some(b'.') {
            whole = false;
            self.at += 1;
            let fraction = self.at;
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.at += 1;
            }
            if self.at == fraction {
                return None;
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            whole = false;
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            let exponent = self.at;
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.at += 1;
            }
            if self.at == exponent {
                return None;
            }
        }
        let text = std::str::from_utf8(&self.bytes[start..self.at]).ok()?;
        Some(Json::Num(whole.then(|| text.parse().ok()).flatten()))
    }

    fn hex4(&mut self) -> Option<u32> {
        let end = self.at.checked_add(4)?;
        let digits = std::str::from_utf8(self.bytes.get(self.at..end)?).ok()?;
        self.at = end;
        u32::from_str_radix(digits, 16).ok()
    }

    fn string(&mut self) -> Option<String> {
        (self.peek()? == b'"').then_some(())?;
        self.at += 1;
        let mut out = String::new();
        loop {
            let run = self.at;
            while !matches!(self.peek()?, b'"' | b'\\') {
                if self.peek()? < 0x20 {
                    return None;
                }
                self.at += 1;
            }
            out.push_str(std::str::from_utf8(&self.bytes[run..self.at]).ok()?);
            let quote_or_escape = self.peek()?;
            self.at += 1;
            if quote_or_escape == b'"' {
                return Some(out);
            }
            let escaped = self.peek()?;
            self.at += 1;
            out.push(match escaped {
                b'"' => '"',
                b'\\' => '\\',
                b'/' => '/',
                b'b' => '\u{8}',
                b'f' => '\u{c}',
                b'n' => '\n',
                b'r' => '\r',
                b't' => '\t',
                b'u' => {
                    let high = self.hex4()?;
                    let code = if (0xD800..0xDC00).contains(&high) {
                        // A surrogate pair: `\uD83D\uDCAA`.
                        self.word(b"\\u", Json::Null)?;
                        let low = self.hex4()?;
                        if !(0xDC00..0xE000).contains(&low) {
                            return None;
                        }
                        0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        high
                    };
                    char::from_u32(code)?
                }
                _ => return None,
            });
        }
    }
}

/// A type the app reads from the server's JSON.
pub trait Read: Sized {
    fn read(value: &Json) -> Option<Self>;
}

/// `text` read as `T`: `None` if it is not JSON, or not a `T`.
pub fn from_str<T: Read>(text: &str) -> Option<T> {
    T::read(&parse(text)?)
}

impl Read for Json {
    fn read(value: &Json) -> Option<Self> {
        Some(value.clone())
    }
}

/// No content, or anything: what a call answering nothing reads as.
impl Read for () {
    fn read(_: &Json) -> Option<Self> {
        Some(())
    }
}

impl Read for String {
    fn read(value: &Json) -> Option<Self> {
        value.as_str().map(str::to_owned)
    }
}

impl Read for bool {
    fn read(value: &Json) -> Option<Self> {
        match value {
            Json::Bool(b) => Some(*b),
            _ => None,
        }
    }
}

macro_rules! read_integer {
    ($($ty:ty),*) => {$(
        impl Read for $ty {
            fn read(value: &Json) -> Option<Self> {
                match value {
                    Json::Num(Some(n)) => (*n).try_into().ok(),
                    _ => None,
                }
            }
        }
    )*};
}
read_integer!(u8, u32, u64, i64);

/// An object of strings (headers), as its pairs in order.
impl Read for Vec<(String, String)> {
    fn read(value: &Json) -> Option<Self> {
        match value {
            Json::Obj(members) => members
                .iter()
                .map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect(),
            _ => None,
        }
    }
}

impl<T: Read> Read for Option<T> {
    fn read(value: &Json) -> Option<Self> {
        match value {
            Json::Null => Some(None),
            v => T::read(v).map(Some),
        }
    }
}

impl<T: Read> Read for Vec<T> {
    fn read(value: &Json) -> Option<Self> {
        match value {
            Json::Arr(items) => items.iter().map(T::read).collect(),
            _ => None,
        }
    }
}

/// Ids, and anything else written as a string its `FromStr` reads back.
macro_rules! read_parsed {
    ($($ty:ty),*) => {$(
        impl Read for $ty {
            fn read(value: &Json) -> Option<Self> {
                value.as_str()?.parse().ok()
            }
        }
    )*};
}
read_parsed!(
    UserId,
    BusinessId,
    ConversationId,
    MessageId,
    CompanyId,
    ProductId,
    PurchaseId,
    TemplateId,
    AttachmentId
);

impl Read for MassMessageId {
    fn read(value: &Json) -> Option<Self> {
        MassMessageId::parse(value.as_str()?).ok()
    }
}

/// Times are RFC 3339 text.
impl Read for OffsetDateTime {
    fn read(value: &Json) -> Option<Self> {
        OffsetDateTime::parse(
            value.as_str()?,
            &time::format_description::well_known::Rfc3339,
        )
        .ok()
    }
}

/// An enum written as one of its variants' names.
macro_rules! read_names {
    ($ty:ident { $($variant:ident = $name:literal),* $(,)? }) => {
        impl Read for $ty {
            fn read(value: &Json) -> Option<Self> {
                Some(match value.as_str()? {
                    $($name => $ty::$variant,)*
                    _ => return None,
                })
            }
        }
    };
}

/// A struct written as an object with a member per field (its name). A field marked
/// `= default` may be absent (serde's `#[serde(default)]`); `= with(f)` is `f()` when absent.
macro_rules! read_fields {
    (@field $value:ident, $field:ident) => {
        Read::read($value.get(stringify!($field)))?
    };
    (@field $value:ident, $field:ident = default) => {
        match $value.get(stringify!($field)) {
            Json::Null => Default::default(),
            v => Read::read(v)?,
        }
    };
    // What only the staff app reads (its `staff` feature); the client app leaves it at its
    // default, carrying nothing to read it.
    (@field $value:ident, $field:ident = staff) => {{
        #[cfg(feature = "staff")]
        let value = match $value.get(stringify!($field)) {
            Json::Null => Default::default(),
            v => Read::read(v)?,
        };
        #[cfg(not(feature = "staff"))]
        let value = Default::default();
        value
    }};
    (@field $value:ident, $field:ident = with($default:expr)) => {
        match $value.get(stringify!($field)) {
            Json::Null => $default,
            v => Read::read(v)?,
        }
    };
    ($ty:ident $(<$t:ident>)? { $($field:ident $(= $how:ident $(($default:expr))?)?),* $(,)? }) => {
        impl$(<$t: Read>)? Read for $ty$(<$t>)? {
            fn read(value: &Json) -> Option<Self> {
                Some($ty {
                    $($field: read_fields!(@field value, $field $(= $how $(($default))?)?),)*
                })
            }
        }
    };
}
pub(crate) use read_fields;

read_names!(Role { Owner = "owner", Admin = "admin", Coach = "coach", Client = "client" });
read_names!(MessagingMode { TwoWay = "two_way", OneWay = "one_way" });
read_names!(ConversationKind { Private = "private", Group = "group", Company = "company" });
read_names!(GroupRole { Owner = "owner", Admin = "admin", Member = "member" });
read_names!(MassStatus { Queued = "queued", Sending = "sending", Done = "done" });
read_names!(SessionEndReason {
    SignedOut = "signed_out",
    SignedOutEverywhere = "signed_out_everywhere",
    PasswordChanged = "password_changed",
    RoleChanged = "role_changed",
    Deactivated = "deactivated",
});

read_names!(ModeChangeReason { Manual = "manual", ProductPurchase = "product_purchase" });
read_names!(ProductGrant { OneWay = "one_way", TwoWay = "two_way", Unchanged = "unchanged" });
read_names!(PurchaseSource { Manual = "manual", Webhook = "webhook" });
read_names!(DefaultChannel { Individual = "individual", Company = "company" });
read_names!(AttachmentKind { Image = "image", Video = "video", Voice = "voice", File = "file" });
read_names!(AuditKind {
    Role = "role",
    Activation = "activation",
    Ownership = "ownership",
    Coach = "coach",
    Messaging = "messaging",
    Company = "company",
    GroupRole = "group_role",
    Posting = "posting",
    AnnouncementOnly = "announcement_only",
    ProductGrant = "product_grant",
    Moderation = "moderation",
});

/// A browser's push subscription as its `toJSON()` gives it (what the app registers).
impl Read for shared::api::PushSubscriptionRequest {
    fn read(value: &Json) -> Option<Self> {
        let keys = value.get("keys");
        Some(Self {
            endpoint: Read::read(value.get("endpoint"))?,
            // Milliseconds, which the server does not need.
            expiration_time: None,
            keys: shared::api::PushSubscriptionKeys {
                p256dh: Read::read(keys.get("p256dh"))?,
                auth: Read::read(keys.get("auth"))?,
            },
        })
    }
}

/// Exactly one of `client_ids`, `all`, `company_id` or `product_id`.
impl Read for Recipients {
    fn read(value: &Json) -> Option<Self> {
        let given = |key| (!matches!(value.get(key), Json::Null)).then(|| value.get(key));
        match (
            given("client_ids"),
            given("all"),
            given("company_id"),
            given("product_id"),
        ) {
            (Some(ids), None, None, None) => Some(Recipients::Clients {
                client_ids: Read::read(ids)?,
            }),
            (None, Some(all), None, None) => Some(Recipients::All {
                all: Read::read(all)?,
            }),
            (None, None, Some(company), None) => Some(Recipients::Company {
                company_id: Read::read(company)?,
            }),
            (None, None, None, Some(product)) => Some(Recipients::Product {
                product_id: Read::read(product)?,
            }),
            _ => None,
        }
    }
}

read_fields!(Client {
    id,
    name,
    email,
    phone,
    messaging,
    conversation_id = default,
    company_id = default,
    joined,
    coach_id = default,
    active = with(true),
    created_at,
    sms_opted_out = default,
    other_phones = default,
    other_emails = default,
});
read_fields!(Invite {
    token,
    url,
    expires_at
});
read_fields!(ClientWithInvite { client, invite });
read_fields!(StaffMember { id, name, email, role, joined, active = with(true), created_at });
read_fields!(StaffWithInvite { staff, invite });
read_fields!(ModeChange {
    client_id,
    from,
    to,
    reason,
    changed_by,
    changed_by_name,
    changed_at
});
read_fields!(WelcomeMessage { enabled, text });
read_fields!(Address {
    line1,
    line2 = default,
    city,
    region = default,
    postal_code
});
read_names!(RegistrationState {
    NotSubmitted = "not_submitted",
    Submitted = "submitted",
    Reviewing = "reviewing",
    RequiresUpdates = "requires_updates",
    Approved = "approved",
    Denied = "denied",
});
read_names!(AutoReply { DoNotReply = "do_not_reply", None = "none" });
read_fields!(RegistrationForm {
    legal_name,
    website,
    privacy_policy_url,
    terms_url,
    contact_first_name,
    contact_last_name,
    contact_email,
    contact_phone,
    use_case,
    sample_messages,
    opt_in_description,
    opt_in_type = default,
    business_type = default,
    monthly_volume,
});
read_names!(OptInType {
    DigitalForm = "digital_form",
    PaperForm = "paper_form",
    Verbal = "verbal",
    Text = "text",
    QrCode = "qr_code",
});
read_names!(BusinessType {
    PrivateProfit = "private_profit",
    PublicProfit = "public_profit",
    NonProfit = "non_profit",
    SoleProprietor = "sole_proprietor",
    Government = "government",
});
read_fields!(OptInProof {
    content_type,
    size,
    uploaded_at
});
read_fields!(Registration {
    state,
    reason = default,
    form = default,
    opt_in_proof = default
});
read_fields!(Balance {
    allowance,
    used,
    remaining,
    month
});
read_fields!(Texting {
    available,
    enabled,
    number = default,
    number_kept_until = default,
    sending_from,
    replies_received,
    auto_reply = default,
    registration,
    balance,
    transactional = default,
});
read_fields!(TransactionalTexts { invites, welcome });
read_fields!(BusinessInfo {
    name,
    country = default,
    address = default,
    texting_available
});

impl Read for Country {
    fn read(value: &Json) -> Option<Self> {
        Country::parse(value.as_str()?).ok()
    }
}
read_fields!(Settings {
    welcome_message = default,
    default_channel = default,
    needs_attention_hours = with(shared::model::NEEDS_ATTENTION_HOURS),
});
read_fields!(MassMessage {
    id,
    body,
    recipients,
    status,
    sent,
    failed,
    channel = staff,
    sender_id,
    sender_name,
    created_at,
    finished_at = default,
});
read_fields!(WebhookSecret { secret });
read_fields!(Unsubscribed {
    email,
    business_name
});
read_fields!(Company {
    id,
    name,
    channel_id,
    created_at
});
read_fields!(Purchase {
    id,
    client_id,
    product_id,
    product_name,
    source,
    mode_after,
    purchased_at
});
read_fields!(Product {
    id,
    name,
    price_label,
    grants,
    created_at
});
read_fields!(AuditEntry {
    kind,
    subject_id,
    subject_name,
    place = default,
    actor_id,
    actor_name,
    before,
    after,
    at
});
read_fields!(User { id, business_id, business_name, name, email, phone, role, unconfirmed_email = default });
read_fields!(AuthResponse { token, user, businesses = default, expires_at });
read_fields!(InvitePreview { business_name, name, login, existing = default });
read_fields!(LoginBusiness {
    business_id,
    business_name,
    role,
    current
});
read_fields!(ErrorBody { error });
read_fields!(ErrorDetail { code, message });
read_fields!(ReadState {
    conversation_id,
    last_read_message_id,
    unread_count
});
read_fields!(Page<T> { items, next_cursor });
read_fields!(Reactor { id, name });
read_fields!(Reaction { emoji, users });
read_fields!(Message {
    id,
    conversation_id,
    sender_id,
    sender_name,
    body,
    client_message_id,
    created_at,
    reactions = default,
    edited_at = default,
    deleted = default,
    reply_to = default,
    mentions = default,
    attachments = default,
    channel = staff,
    sms = staff,
});
#[cfg(feature = "staff")]
read_names!(Channel { InApp = "in_app", Sms = "sms", Email = "email" });
#[cfg(feature = "staff")]
read_names!(Encoding { Gsm7 = "gsm7", Ucs2 = "ucs2" });
#[cfg(feature = "staff")]
read_names!(TextStatus {
    Queued = "queued",
    Sent = "sent",
    Delivered = "delivered",
    Failed = "failed",
    Received = "received",
});
#[cfg(feature = "staff")]
read_names!(TextKind { Direct = "direct", Transactional = "transactional", Marketing = "marketing" });
#[cfg(feature = "staff")]
read_fields!(TextInfo { segments, encoding, status, kind, error = default });
read_fields!(Attachment {
    id,
    kind,
    name,
    content_type,
    size,
    width = default,
    height = default,
    duration_ms = default,
    waveform = default,
    thumbnail = default,
});
read_fields!(VaultItem {
    id,
    kind,
    name,
    folder,
    content_type,
    size,
    width = default,
    height = default,
    duration_ms = default,
    thumbnail = default,
    created_by,
    created_at,
});
read_fields!(VaultList { items, folders });
read_fields!(Target { url, headers });
read_fields!(Signed {
    upload_id,
    url,
    headers,
    thumbnail = default,
});
read_fields!(AttachmentLink { url, expires_at });
read_fields!(MessageVersion { body, at });
read_fields!(MessageUpdated { message });
read_fields!(MessageDeleted {
    conversation_id,
    message_id
});
read_fields!(ConversationSummary {
    id,
    kind,
    title,
    client_id,
    last_message,
    unread_count,
    can_post,
    messaging,
    emoji = default,
    announcement_only = default,
    group_role = default,
    company_id = default,
    client_active = with(true),
    last_activity_at,
});
read_fields!(GroupMember {
    user_id,
    name,
    role,
    group_role,
    can_post
});
read_fields!(MessageCreated { message });
read_fields!(ConversationRead {
    conversation_id,
    user_id,
    message_id
});
read_fields!(Receipt {
    user_id,
    name,
    read_message_id,
    delivered_message_id
});
read_fields!(Receipts { receipts });
read_names!(NotifyLevel { All = "all", Mentions = "mentions", None = "none" });
read_names!(NotificationKind {
    Message = "message",
    ClientJoined = "client_joined",
    MessagingChanged = "messaging_changed",
    MassMessageDone = "mass_message_done",
    NeedsAttention = "needs_attention",
    TextingReviewed = "texting_reviewed",
});
read_fields!(QuietHours { from, to });
read_fields!(NotificationSettings { push, email, quiet_hours = default, time_zone, announcements });
read_fields!(PushKey { public_key });
read_fields!(PushSubscriptionCreated { id });
read_fields!(Notification {
    id,
    kind,
    conversation_id = default,
    title,
    body,
    count,
    mentioned,
    url,
    at,
    read,
});
read_fields!(NotificationList {
    notifications,
    unread
});

read_fields!(ScheduledMass { id, recipients });
read_fields!(ScheduledMessage {
    id,
    conversation_id = default,
    mass = default,
    body,
    reply_to = default,
    send_at,
    created_at,
});
read_fields!(Template {
    id,
    name,
    body,
    created_by,
    updated_at
});
read_fields!(PermissionChanged {
    conversation_id,
    can_post,
    messaging,
    announcement_only = default,
    client_active = with(true),
});
read_fields!(ReactionChanged {
    conversation_id,
    message_id,
    reactions
});
read_fields!(ConversationRemoved { conversation_id });
read_fields!(MassMessageProgress {
    id,
    status,
    sent,
    failed
});
read_fields!(Hello { user_id });
read_fields!(SessionEnded { reason });

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;
    use serde::de::DeserializeOwned;
    use std::fmt::Debug;
    use time::macros::datetime;
    use ulid::Ulid;

    /// `value` written by serde reads back as itself, as serde's derived reader reads it too.
    fn reads_back<T: Read + Serialize + DeserializeOwned + PartialEq + Debug>(value: T) {
        let text = serde_json::to_string(&value).expect("write");
        let derived: T = serde_json::from_str(&text).expect("derived read");
        assert_eq!(from_str::<T>(&text).as_ref(), Some(&derived), "{text}");
        assert_eq!(from_str::<T>(&text), Some(value), "{text}");
    }

    fn id(n: u16) -> Ulid {
        Ulid::from_parts(1_700_000_000_000, u128::from(n))
    }

    fn user(role: Role, unconfirmed: Option<&str>) -> User {
        User {
            id: UserId::from_ulid(id(1)),
            business_id: BusinessId::from_ulid(id(2)),
            business_name: "Peak \"Form\" Coaching".into(),
            name: "Maya Chen 💪".into(),
            email: Some("maya@example.com".into()),
            phone: None,
            role,
            unconfirmed_email: unconfirmed.map(str::to_owned),
        }
    }

    fn message(reactions: Vec<Reaction>) -> Message {
        Message {
            id: MessageId::from_ulid(id(3)),
            conversation_id: ConversationId::from_ulid(id(4)),
            sender_id: UserId::from_ulid(id(1)),
            sender_name: "Maya".into(),
            body: "Line one\nline \\ two\t\u{1F4AA} \u{7} \"quoted\" </script>".into(),
            client_message_id: "k-1".into(),
            created_at: datetime!(2026-11-21 10:00:00.123 UTC),
            edited_at: (!reactions.is_empty()).then_some(datetime!(2026-11-21 10:05:00 UTC)),
            deleted: reactions.is_empty(),
            reply_to: None,
            mentions: Vec::new(),
            attachments: vec![Attachment {
                id: AttachmentId::from_ulid(id(5)),
                kind: AttachmentKind::Voice,
                name: "voice \"note\".webm".into(),
                content_type: "audio/webm".into(),
                size: 40_960,
                width: None,
                height: Some(2),
                duration_ms: Some(42_000),
                waveform: vec![0, 7, 255],
                thumbnail: true,
            }],
            // The staff app reads how it was sent; the client app leaves it.
            channel: match cfg!(feature = "staff") {
                true => shared::sms::Channel::Sms,
                false => Default::default(),
            },
            sms: cfg!(feature = "staff").then(|| shared::sms::TextInfo {
                segments: 2,
                encoding: shared::sms::Encoding::Ucs2,
                status: shared::sms::TextStatus::Failed,
                kind: shared::sms::TextKind::Direct,
                error: Some("Unreachable \"number\"".into()),
            }),
            reactions,
        }
    }

    #[test]
    fn every_type_the_app_reads_reads_as_serde_writes_it() {
        for role in [Role::Owner, Role::Admin, Role::Coach, Role::Client] {
            reads_back(user(role, None));
        }
        reads_back(AuthResponse {
            token: "t.o.k".into(),
            user: user(Role::Owner, Some("new@example.com")),
            businesses: 2,
            expires_at: datetime!(2026-12-02 23:00:00 +01:00),
        });
        reads_back(InvitePreview {
            business_name: "Peak".into(),
            name: "Dana".into(),
            login: "+15555550100".into(),
            existing: true,
        });
        reads_back(vec![LoginBusiness {
            business_id: BusinessId::from_ulid(id(2)),
            business_name: "Peak".into(),
            role: Role::Client,
            current: true,
        }]);
        reads_back(ErrorBody {
            error: ErrorDetail {
                code: "auth.invalid".into(),
                message: "No.".into(),
            },
        });
        reads_back(ReadState {
            conversation_id: ConversationId::from_ulid(id(4)),
            last_read_message_id: Some(MessageId::from_ulid(id(3))),
            unread_count: 7,
        });
        reads_back(NotificationList {
            notifications: vec![Notification {
                id: "01ARZ3NDEKTSV4RRFFQ69G5FAV".into(),
                kind: NotificationKind::Message,
                conversation_id: Some(ConversationId::from_ulid(id(4))),
                title: "Maya \"M\"".into(),
                body: "Done with today's session 💪".into(),
                count: 3,
                mentioned: true,
                url: "/inbox/01ARZ3NDEKTSV4RRFFQ69G5FAV".into(),
                at: datetime!(2026-12-03 09:30:00 UTC),
                read: false,
            }],
            unread: 1,
        });
        reads_back(NotificationSettings {
            push: true,
            email: false,
            quiet_hours: Some(QuietHours {
                from: "22:00".into(),
                to: "07:00".into(),
            }),
            time_zone: "Europe/Berlin".into(),
            announcements: NotifyLevel::Mentions,
        });
        reads_back(NotificationSettings::default());
        reads_back(PushKey {
            public_key: "BNc_key".into(),
        });
        reads_back(shared::api::PushSubscriptionRequest {
            endpoint: "https://push.example.net/send/abc".into(),
            expiration_time: None,
            keys: shared::api::PushSubscriptionKeys {
                p256dh: "BP-key".into(),
                auth: "c2VjcmV0".into(),
            },
        });
        reads_back(vec![ScheduledMessage {
            id: "01ARZ3NDEKTSV4RRFFQ69G5FAV".into(),
            conversation_id: None,
            mass: Some(ScheduledMass {
                id: "spring".into(),
                recipients: Recipients::All { all: true },
            }),
            body: "Spring schedule".into(),
            reply_to: None,
            send_at: datetime!(2026-12-04 07:30:00 UTC),
            created_at: datetime!(2026-12-03 09:30:00 UTC),
        }]);
        reads_back(vec![ScheduledMessage {
            id: "01ARZ3NDEKTSV4RRFFQ69G5FAV".into(),
            mass: None,
            conversation_id: Some(ConversationId::from_ulid(id(4))),
            body: "Morning **plan**".into(),
            reply_to: Some(MessageId::from_ulid(id(3))),
            send_at: datetime!(2026-12-04 07:30:00 UTC),
            created_at: datetime!(2026-12-03 09:30:00 UTC),
        }]);
        reads_back(VaultList {
            items: vec![VaultItem {
                id: AttachmentId::from_ulid(id(6)),
                kind: AttachmentKind::Image,
                name: "Squat \"form\".png".into(),
                folder: "Form checks".into(),
                content_type: "image/png".into(),
                size: 2_048_000,
                width: Some(1080),
                height: Some(1350),
                duration_ms: None,
                thumbnail: true,
                created_by: UserId::from_ulid(id(1)),
                created_at: datetime!(2026-12-03 09:30:00 UTC),
            }],
            folders: vec!["Form checks".into(), "Programs".into()],
        });
        reads_back(vec![Template {
            id: TemplateId::from_ulid(id(5)),
            name: "Weekly \"check-in\"".into(),
            body: "Hi {client_first_name},\n**how** was it?".into(),
            created_by: UserId::from_ulid(id(1)),
            updated_at: datetime!(2026-12-03 09:30:00 UTC),
        }]);
        reads_back(Receipts {
            receipts: vec![
                Receipt {
                    user_id: UserId::from_ulid(id(1)),
                    name: "Maya \"M\" Chen".into(),
                    read_message_id: None,
                    delivered_message_id: Some(MessageId::from_ulid(id(3))),
                },
                Receipt {
                    user_id: UserId::from_ulid(id(2)),
                    name: String::new(),
                    read_message_id: Some(MessageId::from_ulid(id(3))),
                    delivered_message_id: Some(MessageId::from_ulid(id(3))),
                },
            ],
        });
        let reactions = vec![Reaction {
            emoji: "👍".into(),
            users: vec![Reactor {
                id: UserId::from_ulid(id(1)),
                name: "Maya".into(),
            }],
        }];
        reads_back(Page {
            items: vec![message(reactions.clone()), message(Vec::new())],
            next_cursor: Some("c1".into()),
        });
        for (kind, messaging, group_role) in [
            (ConversationKind::Private, Some(MessagingMode::OneWay), None),
            (ConversationKind::Group, None, Some(GroupRole::Admin)),
            (ConversationKind::Company, None, Some(GroupRole::Member)),
        ] {
            reads_back(Page {
                items: vec![ConversationSummary {
                    id: ConversationId::from_ulid(id(4)),
                    kind,
                    title: "Maya".into(),
                    client_id: Some(UserId::from_ulid(id(1))),
                    last_message: Some(message(reactions.clone())),
                    unread_count: 3,
                    can_post: false,
                    messaging,
                    emoji: Some("🏋️".into()),
                    announcement_only: true,
                    group_role,
                    company_id: Some(CompanyId::from_ulid(id(5))),
                    client_active: false,
                    last_activity_at: datetime!(2026-11-21 10:00:00 UTC),
                }],
                next_cursor: None,
            });
        }
        reads_back(vec![GroupMember {
            user_id: UserId::from_ulid(id(1)),
            name: "Maya".into(),
            role: Role::Client,
            group_role: GroupRole::Owner,
            can_post: Some(false),
        }]);
        for reason in [
            SessionEndReason::SignedOut,
            SessionEndReason::SignedOutEverywhere,
            SessionEndReason::PasswordChanged,
            SessionEndReason::RoleChanged,
            SessionEndReason::Deactivated,
        ] {
            reads_back(SessionEnded { reason });
        }
        for status in [MassStatus::Queued, MassStatus::Sending, MassStatus::Done] {
            reads_back(MassMessageProgress {
                id: MassMessageId::parse("job-1").expect("an id"),
                status,
                sent: 100,
                failed: 2,
            });
        }
    }

    #[test]
    fn every_staff_screen_s_type_reads_as_serde_writes_it() {
        let at = datetime!(2026-11-21 10:00:00 UTC);
        let (u, c, k) = (
            UserId::from_ulid(id(1)),
            ConversationId::from_ulid(id(4)),
            CompanyId::from_ulid(id(5)),
        );
        let invite = Invite {
            token: "tok".into(),
            url: "/c/invite/tok".into(),
            expires_at: at,
        };
        let client = Client {
            id: u,
            name: "Maya".into(),
            email: None,
            phone: Some("+15555550100".into()),
            messaging: MessagingMode::TwoWay,
            conversation_id: Some(c),
            company_id: Some(k),
            joined: false,
            coach_id: Some(u),
            active: false,
            created_at: at,
            sms_opted_out: Some(true),
            other_phones: vec!["+15555550101".into()],
            other_emails: vec!["maya@example.com".into()],
        };
        reads_back(Page {
            items: vec![client.clone()],
            next_cursor: None,
        });
        reads_back(ClientWithInvite {
            client,
            invite: invite.clone(),
        });
        for role in [Role::Admin, Role::Coach] {
            reads_back(StaffWithInvite {
                staff: StaffMember {
                    id: u,
                    name: "Sam".into(),
                    email: Some("sam@example.com".into()),
                    role,
                    joined: true,
                    active: true,
                    created_at: at,
                },
                invite: invite.clone(),
            });
        }
        for reason in [ModeChangeReason::Manual, ModeChangeReason::ProductPurchase] {
            reads_back(ModeChange {
                client_id: u,
                from: MessagingMode::TwoWay,
                to: MessagingMode::OneWay,
                reason,
                changed_by: None,
                changed_by_name: Some("Webhook".into()),
                changed_at: at,
            });
        }
        for default_channel in [DefaultChannel::Individual, DefaultChannel::Company] {
            reads_back(Texting {
                available: true,
                enabled: true,
                number: Some("+18335550123".into()),
                number_kept_until: None,
                sending_from: "+18335550100".into(),
                replies_received: false,
                auto_reply: Some(AutoReply::None),
                registration: Registration {
                    state: RegistrationState::RequiresUpdates,
                    reason: Some("Add a \"privacy\" link".into()),
                    form: Some(RegistrationForm {
                        legal_name: "Peak LLC".into(),
                        sample_messages: vec!["Hi".into(), "See you".into()],
                        monthly_volume: 1000,
                        opt_in_type: OptInType::QrCode,
                        business_type: BusinessType::SoleProprietor,
                        ..Default::default()
                    }),
                    opt_in_proof: Some(OptInProof {
                        content_type: "image/png".into(),
                        size: 120_000,
                        uploaded_at: "2026-12-03T10:00:00Z".into(),
                    }),
                },
                balance: Balance {
                    allowance: 1000,
                    used: 4,
                    remaining: 996,
                    month: "2026-12".into(),
                },
                transactional: TransactionalTexts {
                    invites: false,
                    welcome: true,
                },
            });
            reads_back(BusinessInfo {
                name: "Peak Form".into(),
                country: Country::parse("CA").ok(),
                address: Some(Address {
                    line1: "200 Bay Street".into(),
                    line2: String::new(),
                    city: "Toronto".into(),
                    region: "ON".into(),
                    postal_code: "M5J 2J1".into(),
                }),
                texting_available: true,
            });
            reads_back(Settings {
                welcome_message: WelcomeMessage {
                    enabled: true,
                    text: "Hi {first_name}!".into(),
                },
                default_channel,
                needs_attention_hours: 48,
            });
        }
        let product = ProductId::from_ulid(id(6));
        for recipients in [
            Recipients::Clients {
                client_ids: vec![u],
            },
            Recipients::All { all: true },
            Recipients::Company { company_id: k },
            Recipients::Product {
                product_id: product,
            },
        ] {
            reads_back(MassMessage {
                id: MassMessageId::parse("job-1").expect("an id"),
                body: "Hello all".into(),
                recipients,
                status: MassStatus::Done,
                sent: 3,
                failed: 0,
                channel: shared::sms::Channel::InApp,
                sender_id: u,
                sender_name: "Casey".into(),
                created_at: at,
                finished_at: Some(at),
            });
        }
        reads_back(vec![MessageVersion {
            body: "**v1**".into(),
            at,
        }]);
        reads_back(MessageDeleted {
            conversation_id: c,
            message_id: MessageId::from_ulid(id(3)),
        });
        reads_back(WebhookSecret {
            secret: "whsec".into(),
        });
        reads_back(Unsubscribed {
            email: "maya@example.com".into(),
            business_name: "Peak".into(),
        });
        reads_back(vec![Company {
            id: k,
            name: "Acme".into(),
            channel_id: c,
            created_at: at,
        }]);
        for (source, grants) in [
            (PurchaseSource::Manual, ProductGrant::OneWay),
            (PurchaseSource::Webhook, ProductGrant::TwoWay),
            (PurchaseSource::Manual, ProductGrant::Unchanged),
        ] {
            reads_back(Purchase {
                id: PurchaseId::from_ulid(id(7)),
                client_id: u,
                product_id: product,
                product_name: "Plan".into(),
                source,
                mode_after: MessagingMode::OneWay,
                purchased_at: at,
            });
            reads_back(Page {
                items: vec![Product {
                    id: product,
                    name: "Plan".into(),
                    price_label: "$10".into(),
                    grants,
                    created_at: at,
                }],
                next_cursor: Some("p".into()),
            });
        }
        for kind in [
            AuditKind::Role,
            AuditKind::Activation,
            AuditKind::Ownership,
            AuditKind::Coach,
            AuditKind::Messaging,
            AuditKind::Company,
            AuditKind::GroupRole,
            AuditKind::Posting,
            AuditKind::AnnouncementOnly,
            AuditKind::ProductGrant,
            AuditKind::Moderation,
        ] {
            reads_back(AuditEntry {
                kind,
                subject_id: Some(u),
                subject_name: "Maya".into(),
                place: Some("Morning crew".into()),
                actor_id: None,
                actor_name: None,
                before: Some("coach".into()),
                after: None,
                at,
            });
        }
        assert_eq!(
            from_str::<Recipients>(r#"{"all":true,"company_id":"01HF0000000000000000000005"}"#),
            None
        );
    }

    #[test]
    fn absent_defaulted_fields_read_as_their_defaults() {
        let summary = r#"{"id":"01HF0000000000000000000004","kind":"private","title":"M",
            "client_id":null,"last_message":null,"unread_count":0,"can_post":true,
            "messaging":"two_way","last_activity_at":"2026-11-21T10:00:00Z","extra":[1.5e3,{}]}"#;
        let read: ConversationSummary = from_str(summary).expect("reads");
        let derived: ConversationSummary = serde_json::from_str(summary).expect("derived");
        assert_eq!(read, derived);
        assert!(read.client_active);
    }

    #[test]
    fn what_is_not_json_or_not_the_type_is_none() {
        for text in [
            "",
            "nul",
            "{",
            r#"{"a":1,}"#,
            "[1 2]",
            r#""\ud83d""#,
            r#""\x""#,
            "\"a\nb\"",
            "01x",
            "1.",
            "-",
            "{} {}",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
        let deep = "[".repeat(100) + &"]".repeat(100);
        assert_eq!(parse(&deep), None);
        assert_eq!(from_str::<ReadState>(r#"{"unread_count":1}"#), None);
        assert_eq!(from_str::<Role>(r#""king""#), None);
        assert_eq!(from_str::<u32>("-1"), None);
        assert_eq!(from_str::<u32>("2.5"), None);
    }

    #[test]
    fn strings_unescape_as_json_says() {
        assert_eq!(
            parse(r#""a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\udcaa""#),
            Some(Json::Str("a\"b\\c/d\u{8}\u{c}\n\r\té💪".into()))
        );
        assert_eq!(
            parse(" [true, false, null, -12, {\"k\": \"v\"}] "),
            Some(Json::Arr(vec![
                Json::Bool(true),
                Json::Bool(false),
                Json::Null,
                Json::Num(Some(-12)),
                Json::Obj(vec![("k".into(), Json::Str("v".into()))]),
            ]))
        );
    }
}
