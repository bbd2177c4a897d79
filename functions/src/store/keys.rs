//! Every key of the single table. Everything a business owns lives under `B#<business>`;
//! the only global keys are login names and invite tokens, which must resolve before the
//! caller's business is known.

use shared::{BusinessId, ConversationId, MessageId, UserId};

pub type Key = (String, String);

/// A login name (email or phone) → the account.
pub fn login(identifier: &str) -> Key {
    (format!("LOGIN#{identifier}"), "LOGIN".into())
}

/// A link proving an address, by the hash of its token.
pub fn verify(token_hash: &str) -> Key {
    (format!("VERIFY#{token_hash}"), "VERIFY".into())
}

/// An invite, by the hash of its token.
pub fn invite(token_hash: &str) -> Key {
    (format!("INVITE#{token_hash}"), "INVITE".into())
}

/// The business's audit log, newest last (`A#<ulid>`), and each person's own.
pub fn audit(b: BusinessId, id: &str) -> Key {
    (audit_pk(b, None), format!("{AUDIT_PREFIX}{id}"))
}

pub fn audit_of(b: BusinessId, subject: UserId, id: &str) -> Key {
    (audit_pk(b, Some(subject)), format!("{AUDIT_PREFIX}{id}"))
}

pub fn audit_pk(b: BusinessId, subject: Option<UserId>) -> String {
    match subject {
        Some(u) => format!("B#{b}#AUDIT#U#{u}"),
        None => format!("B#{b}#AUDIT"),
    }
}

pub const AUDIT_PREFIX: &str = "A#";

/// A rate limit's count of attempts for one key in one window.
pub fn limit(key: &str, window: i64) -> Key {
    (format!("LIMIT#{key}"), format!("W#{window}"))
}

/// A password reset link, by the hash of its token.
pub fn reset(token_hash: &str) -> Key {
    (format!("RESET#{token_hash}"), "RESET".into())
}

/// The person's current reset link (its token's hash): an older link of theirs is void.
pub fn current_reset(b: BusinessId, u: UserId) -> Key {
    (format!("B#{b}"), format!("RESETOF#{u}"))
}

/// An address that stopped the business's non-transactional email.
pub fn opt_out(b: BusinessId, address: &str) -> Key {
    (format!("B#{b}"), format!("OPTOUT#{address}"))
}

/// An email to send, in the business's outbox (sent from the change stream).
pub fn mail(b: BusinessId, id: &str) -> Key {
    (format!("B#{b}#MAIL"), format!("{MAIL_PREFIX}{id}"))
}

pub const MAIL_PREFIX: &str = "M#";

/// What the local dev mailbox received, newest last (`/dev/mail`).
pub const DEV_MAILBOX_PK: &str = "DEVMAIL";

pub fn dev_mail(id: &str) -> Key {
    (DEV_MAILBOX_PK.into(), format!("{MAIL_PREFIX}{id}"))
}

/// A business's texting: on or off, its number, its registration, its balance.
pub fn texting(b: BusinessId) -> Key {
    (format!("B#{b}"), "TEXTING".into())
}

/// A texting number → the business it belongs to (inbound texts name only the number).
pub fn text_number(number: &str) -> Key {
    (format!("SMSNUM#{number}"), "SMSNUM".into())
}

/// A text the network took, by the id it gave it → the text (its delivery receipt names only
/// that id).
pub fn text_receipt(provider_id: &str) -> Key {
    (format!("SMSID#{provider_id}"), "SMSID".into())
}

/// A text to send, in the business's outbox (sent from the change stream).
pub fn text(b: BusinessId, id: &str) -> Key {
    (format!("B#{b}#SMS"), format!("{TEXT_PREFIX}{id}"))
}

pub const TEXT_PREFIX: &str = "T#";

/// A phone that texted STOP to the business.
pub fn text_stop(b: BusinessId, phone: &str) -> Key {
    (format!("B#{b}"), format!("TEXTSTOP#{phone}"))
}

/// An inbound text already acted on, by the network's id of it.
pub fn text_inbound(b: BusinessId, inbound_id: &str) -> Key {
    (format!("B#{b}"), format!("SMSIN#{inbound_id}"))
}

/// What the local phone simulator sent and received, newest last (`/dev/sms`).
pub const DEV_SMS_PK: &str = "DEVSMS";

pub fn dev_text(id: &str) -> Key {
    (DEV_SMS_PK.into(), format!("{TEXT_PREFIX}{id}"))
}

/// The person's current invite (its token's hash): an older link of theirs is void.
pub fn current_invite(b: BusinessId, u: UserId) -> Key {
    (format!("B#{b}"), format!("INVITEOF#{u}"))
}

pub fn business(b: BusinessId) -> Key {
    (format!("B#{b}"), "BUSINESS".into())
}

pub fn user(b: BusinessId, u: UserId) -> Key {
    (format!("B#{b}"), format!("USER#{u}"))
}

/// Email addresses are unique within a business.
pub fn unique_email(b: BusinessId, email: &str) -> Key {
    (format!("B#{b}"), format!("EMAIL#{email}"))
}

/// Phone numbers are unique within a business.
pub fn unique_phone(b: BusinessId, phone: &str) -> Key {
    (format!("B#{b}"), format!("PHONE#{phone}"))
}

/// The roster partition: clients newest first (`C#<id>`) and by name (`N#<name>#<id>`).
pub fn roster_pk(b: BusinessId) -> String {
    format!("B#{b}#ROSTER")
}

pub fn roster_by_id(b: BusinessId, u: UserId) -> Key {
    (roster_pk(b), format!("C#{u}"))
}

/// A coach's own roster: the clients assigned to them, newest first.
pub fn coach_roster_pk(b: BusinessId, coach: UserId) -> String {
    format!("B#{b}#COACH#{coach}")
}

pub fn coach_roster(b: BusinessId, coach: UserId, u: UserId) -> Key {
    (coach_roster_pk(b, coach), format!("C#{u}"))
}

pub fn roster_by_name(b: BusinessId, search_name: &str, u: UserId) -> Key {
    (roster_pk(b), format!("N#{search_name}#{u}"))
}

pub const ROSTER_BY_ID: &str = "C#";
pub const ROSTER_BY_NAME: &str = "N#";

/// A conversation's partition: its record, its messages and its idempotency keys.
pub fn conversation_pk(b: BusinessId, c: ConversationId) -> String {
    format!("B#{b}#C#{c}")
}

pub const CONVERSATION_META: &str = "META";

pub fn conversation(b: BusinessId, c: ConversationId) -> Key {
    (conversation_pk(b, c), CONVERSATION_META.into())
}

pub fn message(b: BusinessId, c: ConversationId, m: MessageId) -> Key {
    (conversation_pk(b, c), format!("{MESSAGE_PREFIX}{m}"))
}

pub const MESSAGE_PREFIX: &str = "M#";

/// The `n`th earlier body of an edited message (oldest first).
pub fn message_version(b: BusinessId, c: ConversationId, m: MessageId, n: u32) -> Key {
    (
        conversation_pk(b, c),
        format!("{}{n:03}", message_versions_prefix(m)),
    )
}

pub fn message_versions_prefix(m: MessageId) -> String {
    format!("V#{m}#")
}

/// A member's seat in a conversation, an item of its own in the conversation's partition: the
/// conversation record holds only how many there are, so it stays small however many join,
/// and a message never rewrites the member list.
pub fn member(b: BusinessId, c: ConversationId, u: UserId) -> Key {
    (conversation_pk(b, c), format!("{MEMBER_PREFIX}{u}"))
}

pub const MEMBER_PREFIX: &str = "MBR#";

/// A person's receipt in a conversation: what they read and received, beside the messages.
pub fn receipt(b: BusinessId, c: ConversationId, u: UserId) -> Key {
    (conversation_pk(b, c), format!("{RECEIPT_PREFIX}{u}"))
}

pub const RECEIPT_PREFIX: &str = "RCPT#";

/// A file uploaded to a conversation, in its partition.
pub fn upload(b: BusinessId, c: ConversationId, id: shared::AttachmentId) -> Key {
    (conversation_pk(b, c), format!("{UPLOAD_PREFIX}{id}"))
}

pub const UPLOAD_PREFIX: &str = "UP#";

pub fn idempotency(
    b: BusinessId,
    c: ConversationId,
    sender: UserId,
    client_message_id: &str,
) -> Key {
    (
        conversation_pk(b, c),
        format!("IDEM#{sender}#{client_message_id}"),
    )
}

/// A person's partition: their memberships (read state) and their inbox ordering.
pub fn person_pk(b: BusinessId, u: UserId) -> String {
    format!("B#{b}#U#{u}")
}

pub fn membership(b: BusinessId, u: UserId, c: ConversationId) -> Key {
    (person_pk(b, u), format!("{MEMBERSHIP_PREFIX}{c}"))
}

pub const MEMBERSHIP_PREFIX: &str = "MEM#";

/// The inbox entry: sorts by the conversation's last activity (a ULID).
pub fn activity(b: BusinessId, u: UserId, activity: &str, c: ConversationId) -> Key {
    (person_pk(b, u), activity_sk(activity, c))
}

/// An inbox entry's sort key, the same in a person's inbox and the business's.
pub fn activity_sk(activity: &str, c: ConversationId) -> String {
    format!("{ACTIVITY_PREFIX}{activity}#{c}")
}

/// The business's inbox: one entry for each conversation the owner and admins are in without
/// being listed (private conversations, company channels), by last activity. Managers read it
/// beside their own inbox, so neither a new admin nor a message writes anything per admin.
pub fn business_inbox_pk(b: BusinessId) -> String {
    format!("B#{b}#INBOX")
}

pub fn business_activity(b: BusinessId, activity: &str, c: ConversationId) -> Key {
    (business_inbox_pk(b), activity_sk(activity, c))
}

/// A conversation's messages sent at `since` or later: from the first such id to the last.
pub fn messages_since(
    b: BusinessId,
    c: ConversationId,
    since: ulid::Ulid,
) -> (String, String, String) {
    (
        conversation_pk(b, c),
        format!("{MESSAGE_PREFIX}{since}"),
        format!("{MESSAGE_PREFIX}~"),
    )
}

pub const ACTIVITY_PREFIX: &str = "ACT#";

/// A group or company channel a person is listed in: one pointer written when they join and
/// deleted when they leave, never moved by a message. Their inbox reads these whole and orders
/// them by each conversation's own activity (fan-out on read), so a message to a group of any
/// size writes nothing per member.
pub fn group_pointer(b: BusinessId, u: UserId, c: ConversationId) -> Key {
    (person_pk(b, u), format!("{GROUP_POINTER_PREFIX}{c}"))
}

pub const GROUP_POINTER_PREFIX: &str = "GRP#";

/// One change of a client's messaging mode, in the client's partition, by time.
pub fn mode_change(b: BusinessId, client: UserId, id: ulid::Ulid) -> Key {
    (person_pk(b, client), format!("{MODE_CHANGE_PREFIX}{id}"))
}

pub const MODE_CHANGE_PREFIX: &str = "MODE#";

/// The business's open WebSocket connections (API Gateway), each under its person: one query
/// finds everyone an event goes to, a prefix query one person's.
pub fn connections_pk(b: BusinessId) -> String {
    format!("B#{b}#CONNS")
}

/// A WebSocket connection of a person (API Gateway); `connection_owner` is its reverse lookup.
pub fn connection(b: BusinessId, u: UserId, connection_id: &str) -> Key {
    (connections_pk(b), format!("{u}#{connection_id}"))
}

/// The sort-key prefix of `u`'s connections under `connections_pk`.
pub fn connections_of(u: UserId) -> String {
    format!("{u}#")
}

/// What a person's request sent with an `Idempotency-Key` did: its first answer.
pub fn request_key(b: BusinessId, u: UserId, key: &str) -> Key {
    (person_pk(b, u), format!("IDEM#{key}"))
}

/// A session of a person (one per sign-in on a device), by its id.
pub fn session(b: BusinessId, u: UserId, session: &str) -> Key {
    (person_pk(b, u), format!("{SESSION_PREFIX}{session}"))
}

pub const SESSION_PREFIX: &str = "SESSION#";

/// One of a person's browsers registered for pushes, by the id its endpoint gives it.
pub fn push_subscription(b: BusinessId, u: UserId, id: &str) -> Key {
    (person_pk(b, u), format!("{PUSH_PREFIX}{id}"))
}

pub const PUSH_PREFIX: &str = "PUSH#";

/// How a person wants to be notified.
pub fn notification_settings(b: BusinessId, u: UserId) -> Key {
    (person_pk(b, u), "NOTIFY".to_owned())
}

/// What notifies a person of one conversation, when they changed it.
pub fn notify_level(b: BusinessId, u: UserId, c: ConversationId) -> Key {
    (person_pk(b, u), format!("NLEVEL#{c}"))
}

/// One entry of a person's bell.
pub fn note(b: BusinessId, u: UserId, id: &str) -> Key {
    (person_pk(b, u), format!("{NOTE_PREFIX}{id}"))
}

pub const NOTE_PREFIX: &str = "NOTE#";

/// Which of a person's browsers one push (a message's, or a summary's) reached.
pub fn push_claim(b: BusinessId, u: UserId, id: &str) -> Key {
    (person_pk(b, u), format!("PUSHED#{id}"))
}

/// A person's email digest, while one is scheduled.
pub fn digest_due(b: BusinessId, u: UserId) -> Key {
    (person_pk(b, u), "DIGEST".to_owned())
}

/// A person's summary after quiet hours, while one is scheduled.
pub fn summary_due(b: BusinessId, u: UserId) -> Key {
    (person_pk(b, u), "SUMMARY".to_owned())
}

/// A business's conversations that need attention (and those that may soon).
pub fn attention_pk(b: BusinessId) -> String {
    format!("B#{b}#ATTN")
}

/// A conversation in the "Needs attention" folder.
pub fn needs_attention(b: BusinessId, c: ConversationId) -> Key {
    (attention_pk(b), format!("{NEEDS_ATTENTION_PREFIX}{c}"))
}

pub const NEEDS_ATTENTION_PREFIX: &str = "C#";

/// A conversation whose client waits for an answer, checked later.
pub fn attention_due(b: BusinessId, c: ConversationId) -> Key {
    (attention_pk(b), format!("DUE#{c}"))
}

pub fn connection_owner(connection_id: &str) -> Key {
    (format!("CONN#{connection_id}"), "CONN".into())
}

/// The business's products.
pub fn products_pk(b: BusinessId) -> String {
    format!("B#{b}#PRODUCTS")
}

pub fn product(b: BusinessId, p: shared::ProductId) -> Key {
    (products_pk(b), format!("{PRODUCT_PREFIX}{p}"))
}

pub const PRODUCT_PREFIX: &str = "P#";

/// A client's purchase, in their partition, by time.
pub fn purchase(b: BusinessId, client: UserId, id: ulid::Ulid) -> Key {
    (person_pk(b, client), format!("{PURCHASE_PREFIX}{id}"))
}

pub const PURCHASE_PREFIX: &str = "BUY#";

/// The business's webhook signing secret.
pub fn webhook_secret(b: BusinessId) -> Key {
    (format!("B#{b}"), "WEBHOOK".into())
}

/// A webhook order's answer, by the hash of the order id the store gave.
pub fn order(b: BusinessId, order_hash: &str) -> Key {
    (format!("B#{b}#ORDERS"), format!("O#{order_hash}"))
}

/// The business's staff list.
pub fn staff_pk(b: BusinessId) -> String {
    format!("B#{b}#STAFF")
}

pub fn staff(b: BusinessId, u: UserId) -> Key {
    (staff_pk(b), format!("{STAFF_PREFIX}{u}"))
}

pub const STAFF_PREFIX: &str = "S#";

/// The business's companies.
/// The business's saved messages (`T#<id>`) and which holds each name (`N#<name>`).
pub fn templates_pk(b: BusinessId) -> String {
    format!("B#{b}#TEMPLATES")
}

pub fn template(b: BusinessId, t: shared::TemplateId) -> Key {
    (templates_pk(b), format!("{TEMPLATE_PREFIX}{t}"))
}

pub const TEMPLATE_PREFIX: &str = "T#";

pub fn template_count(b: BusinessId) -> Key {
    (templates_pk(b), "COUNT".to_owned())
}

pub fn template_name(b: BusinessId, lowercase_name: &str) -> Key {
    (templates_pk(b), format!("N#{lowercase_name}"))
}

/// The business's Vault: its files (`V#<id>`), which messages send each (`R#<id>#...`) and
/// how many there are.
pub fn vault_pk(b: BusinessId) -> String {
    format!("B#{b}#VAULT")
}

pub fn vault_item(b: BusinessId, id: shared::AttachmentId) -> Key {
    (vault_pk(b), format!("{VAULT_ITEM_PREFIX}{id}"))
}

pub const VAULT_ITEM_PREFIX: &str = "V#";

/// A message's attachment `a` in conversation `c` that sends Vault item `id`: while any is
/// there, the item's file stays, even once the item is deleted from the Vault.
pub fn vault_ref(
    b: BusinessId,
    id: shared::AttachmentId,
    c: ConversationId,
    a: shared::AttachmentId,
) -> Key {
    (vault_pk(b), format!("{}{c}#{a}", vault_refs_prefix(id)))
}

/// Where the messages that send Vault item `id` are listed.
pub fn vault_refs_prefix(id: shared::AttachmentId) -> String {
    format!("R#{id}#")
}

pub fn vault_count(b: BusinessId) -> Key {
    (vault_pk(b), "COUNT".to_owned())
}

pub fn companies_pk(b: BusinessId) -> String {
    format!("B#{b}#COMPANIES")
}

pub fn company(b: BusinessId, c: shared::CompanyId) -> Key {
    (companies_pk(b), format!("{COMPANY_PREFIX}{c}"))
}

pub const COMPANY_PREFIX: &str = "CO#";

/// Company names are unique within a business (whatever their case).
pub fn unique_company_name(b: BusinessId, lowercase_name: &str) -> Key {
    (format!("B#{b}"), format!("COMPANYNAME#{lowercase_name}"))
}

/// A company's clients, newest first (`C#<id>`), like the roster.
pub fn company_roster_pk(b: BusinessId, c: shared::CompanyId) -> String {
    format!("B#{b}#COMPANY#{c}")
}

pub fn company_roster(b: BusinessId, c: shared::CompanyId, u: UserId) -> Key {
    (company_roster_pk(b, c), format!("C#{u}"))
}

/// Everyone who bought a product (`C#<client>`).
pub fn buyers_pk(b: BusinessId, p: shared::ProductId) -> String {
    format!("B#{b}#BUYERS#{p}")
}

pub fn buyer(b: BusinessId, p: shared::ProductId, u: UserId) -> Key {
    (buyers_pk(b, p), format!("C#{u}"))
}

/// The business's mass messages, by the id their sender chose.
pub fn mass_message(b: BusinessId, id: &str) -> Key {
    (format!("B#{b}#MASS"), format!("{MASS_PREFIX}{id}"))
}

pub const MASS_PREFIX: &str = "J#";

/// Mass messages not finished yet, across businesses: where the local worker resumes after a
/// restart. One entry per job, written with it and deleted when it is done.
pub const PENDING_MASS_PK: &str = "MASS#PENDING";

pub fn pending_mass(b: BusinessId, id: &str) -> Key {
    (PENDING_MASS_PK.into(), format!("{MASS_PREFIX}{b}#{id}"))
}

/// Work due at a minute (unix seconds / 60), across businesses: the scheduler reads each
/// minute's partition once it has come (`J#<business>#<id>`).
pub fn due_pk(minute: i64) -> String {
    format!("DUE#{minute}")
}

pub fn due_job(minute: i64, b: BusinessId, id: &str) -> Key {
    (due_pk(minute), format!("J#{b}#{id}"))
}

pub const DUE_JOB_PREFIX: &str = "J#";

/// The business and id of a due job, from its sort key.
pub fn read_due_job(sk: &str) -> Option<(BusinessId, String)> {
    let (b, id) = sk.strip_prefix(DUE_JOB_PREFIX)?.split_once('#')?;
    Some((b.parse().ok()?, id.to_owned()))
}

/// The last minute whose due work is all done.
pub fn due_cursor() -> Key {
    ("DUE#CURSOR".to_owned(), "CURSOR".to_owned())
}

/// A message someone scheduled, in their partition (their list of scheduled messages).
pub fn scheduled_message(b: BusinessId, u: UserId, id: &str) -> Key {
    (person_pk(b, u), format!("{SCHEDULED_PREFIX}{id}"))
}

pub const SCHEDULED_PREFIX: &str = "SCHED#";

/// What a key names, read back from the key itself: the one place keys are parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    Conversation(BusinessId, ConversationId),
    Message(BusinessId, ConversationId),
    /// A member's seat in a conversation.
    Member(BusinessId, ConversationId, UserId),
    /// A person's receipt in a conversation.
    Receipt(BusinessId, ConversationId, UserId),
    /// A file uploaded to a conversation.
    Upload(BusinessId, ConversationId, shared::AttachmentId),
    MassMessage(BusinessId, String),
    /// An entry of the business's staff list.
    Staff(BusinessId),
    /// A person's account.
    User(BusinessId, UserId),
    /// One of a person's sessions, by its id.
    Session(BusinessId, UserId, String),
    /// An email of the business's outbox, by its id.
    Mail(BusinessId, String),
    /// A text of the business's outbox, by its id.
    Text(BusinessId, String),
    /// The business's texting (its number, registration, balance).
    Texting(BusinessId),
    /// A file of the business's Vault.
    VaultItem(BusinessId, shared::AttachmentId),
    /// A message's sending of a Vault item (by the item's id).
    VaultRef(BusinessId, shared::AttachmentId),
    /// Anything nobody reacts to.
    Other,
}

/// Reads what `pk`/`sk` name; keys this module did not write are [`Parsed::Other`].
pub fn parse(pk: &str, sk: &str) -> Parsed {
    let Some(rest) = pk.strip_prefix("B#") else {
        return Parsed::Other;
    };
    let (b, tail) = rest.split_once('#').unwrap_or((rest, ""));
    let Ok(b) = b.parse::<BusinessId>() else {
        return Parsed::Other;
    };
    if tail == "STAFF" {
        return Parsed::Staff(b);
    }
    if tail.is_empty() {
        if sk == "TEXTING" {
            return Parsed::Texting(b);
        }
        return match sk.strip_prefix("USER#").and_then(|u| u.parse().ok()) {
            Some(u) => Parsed::User(b, u),
            None => Parsed::Other,
        };
    }
    if tail == "MAIL" {
        return match sk.strip_prefix(MAIL_PREFIX) {
            Some(id) => Parsed::Mail(b, id.to_owned()),
            None => Parsed::Other,
        };
    }
    if tail == "SMS" {
        return match sk.strip_prefix(TEXT_PREFIX) {
            Some(id) => Parsed::Text(b, id.to_owned()),
            None => Parsed::Other,
        };
    }
    if tail == "VAULT" {
        if let Some(id) = sk
            .strip_prefix(VAULT_ITEM_PREFIX)
            .and_then(|v| v.parse().ok())
        {
            return Parsed::VaultItem(b, id);
        }
        return match sk
            .strip_prefix("R#")
            .and_then(|r| r.split('#').next())
            .and_then(|v| v.parse().ok())
        {
            Some(id) => Parsed::VaultRef(b, id),
            None => Parsed::Other,
        };
    }
    if tail == "MASS" {
        return match sk.strip_prefix(MASS_PREFIX) {
            Some(id) => Parsed::MassMessage(b, id.to_owned()),
            None => Parsed::Other,
        };
    }
    if let Some(c) = tail.strip_prefix("C#").and_then(|c| c.parse().ok()) {
        if sk == CONVERSATION_META {
            return Parsed::Conversation(b, c);
        }
        if sk.starts_with(MESSAGE_PREFIX) {
            return Parsed::Message(b, c);
        }
        if let Some(u) = sk.strip_prefix(MEMBER_PREFIX).and_then(|u| u.parse().ok()) {
            return Parsed::Member(b, c, u);
        }
        if let Some(u) = sk.strip_prefix(RECEIPT_PREFIX).and_then(|u| u.parse().ok()) {
            return Parsed::Receipt(b, c, u);
        }
        if let Some(id) = sk.strip_prefix(UPLOAD_PREFIX).and_then(|u| u.parse().ok()) {
            return Parsed::Upload(b, c, id);
        }
    }
    if let Some(u) = tail.strip_prefix("U#").and_then(|u| u.parse().ok())
        && let Some(id) = sk.strip_prefix(SESSION_PREFIX)
    {
        return Parsed::Session(b, u, id.to_owned());
    }
    Parsed::Other
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_that_changes_react_to_reads_back_as_what_it_names() {
        let (b, c, u) = (
            BusinessId::from_ulid(ulid::Ulid::from_parts(1, 1)),
            ConversationId::from_ulid(ulid::Ulid::from_parts(2, 2)),
            UserId::from_ulid(ulid::Ulid::from_parts(3, 3)),
        );
        let m = MessageId::from_ulid(ulid::Ulid::from_parts(4, 4));
        let read = |(pk, sk): Key| parse(&pk, &sk);
        assert_eq!(read(conversation(b, c)), Parsed::Conversation(b, c));
        assert_eq!(read(message(b, c, m)), Parsed::Message(b, c));
        assert_eq!(read(member(b, c, u)), Parsed::Member(b, c, u));
        assert_eq!(read(receipt(b, c, u)), Parsed::Receipt(b, c, u));
        let a = shared::AttachmentId::from_ulid(ulid::Ulid::from_parts(9, 9));
        assert_eq!(read(upload(b, c, a)), Parsed::Upload(b, c, a));
        assert_eq!(read(vault_item(b, a)), Parsed::VaultItem(b, a));
        assert_eq!(
            read_due_job(&due_job(29_000_000, b, "01ARZ3NDEKTSV4RRFFQ69G5FAV").1),
            Some((b, "01ARZ3NDEKTSV4RRFFQ69G5FAV".to_owned()))
        );
        let sent = shared::AttachmentId::from_ulid(ulid::Ulid::from_parts(6, 6));
        assert_eq!(read(vault_ref(b, a, c, sent)), Parsed::VaultRef(b, a));
        assert_eq!(
            read(mass_message(b, "job-1")),
            Parsed::MassMessage(b, "job-1".into())
        );
        assert_eq!(read(staff(b, u)), Parsed::Staff(b));
        assert_eq!(read(user(b, u)), Parsed::User(b, u));
        assert_eq!(read(mail(b, "m-1")), Parsed::Mail(b, "m-1".into()));
        assert_eq!(read(text(b, "t-1")), Parsed::Text(b, "t-1".into()));
        assert_eq!(read(texting(b)), Parsed::Texting(b));
        assert_eq!(
            read(session(b, u, "s-1")),
            Parsed::Session(b, u, "s-1".into())
        );
        for other in [
            activity(b, u, "x", c),
            membership(b, u, c),
            group_pointer(b, u, c),
            idempotency(b, c, u, "k"),
            unique_email(b, "a@b.c"),
            text_stop(b, "+14155550123"),
            text_inbound(b, "in-1"),
            text_number("+18335550100"),
            dev_text("t-1"),
            login("a@b.c"),
            pending_mass(b, "job-1"),
            vault_count(b),
            ("B#garbage#C#x".into(), "META".into()),
        ] {
            assert_eq!(read(other), Parsed::Other);
        }
    }
}
