//! Conversations and messages: the caller's conversation list, history, sending (idempotent by
//! the sender's `client_message_id`), reactions and read marks. A message, its conversation's
//! new state, the sender's read mark and the inbox entries that move with it are one
//! transaction of a bounded size whatever the size of the conversation: a private
//! conversation's few members have inbox entries moved with each message, the business's
//! inbox has one entry for each private conversation and company channel, and group members'
//! inboxes find their groups through pointers no message moves (see [`members`]).

use super::auth::Caller;
use super::clients::page_limit;
use super::limits::{SEND_PERSON, Subject, TEXT_BUSINESS};
use super::*;
use crate::store::inbox::{self, Entry, Index};
use crate::store::repo::{
    self, ConversationRecord, IdempotencyRecord, MailRecord, MailState, MembershipRecord,
    MessageRecord, MessageVersionRecord, ReceiptRecord, UserRecord, Versioned,
};
use crate::store::texts::TextInfoRecord;
use crate::store::{StoreError, Write, decode_cursor, encode_cursor, members, messages};
use anyhow::Context as _;
use futures::future::try_join_all;
use shared::api::{ReadState, Receipt, Receipts, SendMessageRequest};
use shared::events::*;
use shared::limits::{
    LIST_PAGE_DEFAULT, LIST_PAGE_MAX, MESSAGE_EDITS_MAX, MESSAGE_MENTIONS_MAX,
    MESSAGES_PAGE_DEFAULT, MESSAGES_PAGE_MAX, REACTION_EMOJI_MAX,
};
use shared::model::{
    ConversationKind, ConversationSummary, Message, MessageVersion, Page, Reactor, Role,
};
use shared::rules::{Seat, can_delete, can_edit_own, can_post, can_react, can_read};
use shared::sms::{Channel, TextKind};
use shared::validate::{ClientMessageId, Emoji, MessageBody};
use shared::{BusinessId, ConversationId, MessageId, UserId};
use std::collections::{HashMap, HashSet};

/// Writes per transaction when a change is followed by writes that may lag it (inbox repairs).
const BATCH_WRITES: usize = 100;

/// Writes `writes` in transactions of [`BATCH_WRITES`]; what fails is logged, not returned:
/// the change they follow is committed, and what they leave behind the inbox listing repairs.
async fn write_in_batches(store: &dyn crate::store::Store, writes: Vec<Write>) {
    let batches: Vec<Vec<Write>> = writes.chunks(BATCH_WRITES).map(<[Write]>::to_vec).collect();
    let results = futures::future::join_all(batches.into_iter().map(|b| store.transact(b))).await;
    for e in results.into_iter().filter_map(Result::err) {
        tracing::warn!(error = ?e, "repairing inbox entries failed; the next listing tries again");
    }
}

/// Who receives a conversation's live events: the people `listed` in it and, in a private
/// conversation or company channel, the business's owner and admins (`managers`).
pub fn audience(
    conversation: &ConversationRecord,
    listed: impl IntoIterator<Item = UserId>,
    managers: &[(UserId, Role)],
) -> Vec<UserId> {
    let mut seen = HashSet::new();
    let mut users: Vec<UserId> = listed.into_iter().filter(|u| seen.insert(*u)).collect();
    if conversation.managed() {
        users.extend(managers.iter().map(|(u, _)| *u).filter(|u| seen.insert(*u)));
    }
    users
}

/// A conversation's name as someone of `role` sees it: a group's title, the client's name for
/// staff, the business's for the client.
pub fn title(c: &ConversationRecord, role: Role) -> String {
    match (c.kind, role) {
        (ConversationKind::Group | ConversationKind::Company, _) => c
            .group_title
            .clone()
            .unwrap_or_else(|| c.business_name.clone()),
        (ConversationKind::Private, Role::Client) => c.business_name.clone(),
        (ConversationKind::Private, _) => c
            .client_name
            .clone()
            .unwrap_or_else(|| c.business_name.clone()),
    }
}

/// Pushes a committed event straight to its audience (the fast path). What fails here the
/// change stream still delivers, so it is logged, not returned.
async fn push_now(services: &Conversations, conversation: &ConversationRecord, event: ServerEvent) {
    let (b, store) = (conversation.business_id, &*services.store);
    // A private conversation's record lists its people; a group's are read.
    let listed = async {
        match conversation.kind.is_group() {
            false => Ok(conversation.listed.clone()),
            true => members::all(store, b, conversation.id)
                .await
                .map(|all| all.into_iter().map(|m| m.user_id).collect())
                .map_err(Error::from),
        }
    };
    let managers = async {
        match conversation.managed() {
            true => super::staff::managers(store, b).await.map_err(Error::from),
            false => Ok(Vec::new()),
        }
    };
    let users = match futures::try_join!(listed, managers) {
        Ok((listed, managers)) => audience(conversation, listed, &managers),
        Err(e) => {
            tracing::warn!(error = ?e, "the fast path could not read who to tell");
            return;
        }
    };
    if let Err(e) = services.realtime.push_many(b, &users, &event).await {
        tracing::warn!(error = ?e, "a fast-path push failed; the stream delivers it");
    }
}

/// A conversation the caller may read, with their seat in it.
pub(super) struct Seated {
    pub conversation: Versioned<ConversationRecord>,
    /// Whether the caller is listed in it (not only in it by their role).
    pub listed: bool,
    pub seat: Seat,
}

impl Seated {
    pub fn record(&self) -> &ConversationRecord {
        &self.conversation.value
    }

    pub fn room(&self) -> shared::rules::Room {
        self.conversation.value.room()
    }
}

fn not_found() -> Error {
    Error::not_found("conversation.not_found", "There is no such conversation.")
}

/// An index an inbox page reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Inbox {
    /// The caller's own entries: the private conversations they are listed in.
    Own,
    /// The business's: every private conversation and company channel (managers).
    Business,
    /// The caller's group pointers: the groups and company channels they are listed in,
    /// ordered by each one's activity as it is read.
    Groups,
}

/// What one index offers a page: its entries newest first, and where it goes on after them.
struct Offer {
    entries: Vec<Entry>,
    next_cursor: Option<String>,
}

/// Where an inbox page goes on in one index.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Position {
    Start,
    /// After the entry this store cursor came from (for groups: the sort key it encodes).
    After(String),
    Done,
}

impl Position {
    /// A page cursor holds one position per index, `.`-separated (store cursors are URL-safe
    /// base64, without dots).
    fn decode_all(cursor: Option<&str>, n: usize) -> Result<Vec<Position>> {
        let Some(cursor) = cursor else {
            return Ok(vec![Position::Start; n]);
        };
        let invalid = || StoreError::InvalidCursor;
        let positions = cursor
            .split('.')
            .map(|p| match p.split_at_checked(1) {
                Some(("s", "")) => Ok(Position::Start),
                Some(("d", "")) => Ok(Position::Done),
                Some(("a", c)) if !c.is_empty() => Ok(Position::After(c.to_owned())),
                _ => Err(invalid()),
            })
            .collect::<Result<Vec<_>, _>>()?;
        if positions.len() != n || positions.iter().all(|p| *p == Position::Done) {
            return Err(invalid().into());
        }
        Ok(positions)
    }

    /// None once every index is read to its end.
    fn encode_all(positions: &[Position]) -> Option<String> {
        if positions.iter().all(|p| *p == Position::Done) {
            return None;
        }
        let parts: Vec<String> = positions
            .iter()
            .map(|p| match p {
                Position::Start => "s".to_owned(),
                Position::Done => "d".to_owned(),
                Position::After(c) => format!("a{c}"),
            })
            .collect();
        Some(parts.join("."))
    }
}

/// Whether a send was new or a repeat of an earlier one with the same `client_message_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sent {
    Created,
    Repeated,
}

/// Conversations and messages: inboxes, history, sending, reactions, read marks.
pub struct Conversations {
    store: Arc<dyn Store>,
    realtime: Arc<dyn Realtime>,
    blobs: Arc<dyn ports::Blobs>,
    limits: Arc<dyn ports::Limits>,
    /// Where the apps are served (links in emails).
    site_url: String,
}

/// A text that arrived: what its message shows, and what is written with it.
struct Received {
    info: TextInfoRecord,
    writes: Vec<Write>,
}

impl Conversations {
    pub(super) fn new(
        store: Arc<dyn Store>,
        realtime: Arc<dyn Realtime>,
        blobs: Arc<dyn ports::Blobs>,
        limits: Arc<dyn ports::Limits>,
        site_url: &str,
    ) -> Self {
        Self {
            store,
            realtime,
            blobs,
            limits,
            site_url: site_url.to_owned(),
        }
    }

    /// The limits on what people do (`super::limits`).
    pub(super) fn limits(&self) -> &dyn ports::Limits {
        &*self.limits
    }

    /// The conversation, if the caller may read it, with their seat. Non-members get the same
    /// answer as for a conversation that does not exist, so nothing leaks.
    pub(super) async fn readable(&self, caller: &Caller, id: ConversationId) -> Result<Seated> {
        let (b, me) = (caller.business_id(), caller.user_id());
        let conversation = repo::get::<ConversationRecord>(&*self.store, (b, id))
            .await?
            .ok_or_else(not_found)?;
        let record = &conversation.value;
        // A private conversation's record says who is listed; in a group, the seat says more.
        let (listed, seat) = match record.lists(me) {
            Some(listed) => {
                let seat = record.seat(None, caller.role());
                let seat = shared::rules::Seat {
                    is_member: listed || seat.is_member,
                    ..seat
                };
                (listed, seat)
            }
            None => {
                let member = members::get(&*self.store, b, id, me).await?;
                let member = member.as_ref().map(|m| &m.value);
                (member.is_some(), record.seat(member, caller.role()))
            }
        };
        can_read(seat, record.room()).map_err(|_| not_found())?;
        Ok(Seated {
            conversation,
            listed,
            seat,
        })
    }

    /// The caller's groups and company channels (those the business's inbox does not already
    /// give them), newest activity first, after `position`, at most `limit`. The pointers are
    /// read whole with each conversation's record: the cost grows with the groups one is in,
    /// never with their size or their messages.
    async fn group_offer(
        &self,
        caller: &Caller,
        position: &Position,
        limit: usize,
        found: &mut HashMap<ConversationId, ConversationRecord>,
        repairs: &mut Vec<Write>,
    ) -> Result<Option<Offer>> {
        let after = match position {
            Position::Done => return Ok(None),
            Position::Start => None,
            Position::After(c) => Some(decode_cursor(c).ok_or(StoreError::InvalidCursor)?),
        };
        let (b, me) = (caller.business_id(), caller.user_id());
        let pointers = inbox::groups(&*self.store, b, me).await?;
        let records = try_join_all(
            pointers
                .iter()
                .map(|c| repo::get::<ConversationRecord>(&*self.store, (b, *c))),
        )
        .await?;
        let mut entries = Vec::new();
        for (pointer, record) in pointers.iter().zip(records) {
            let Some(record) = record else {
                // Left by a group whose creation failed before its record was written.
                repairs.push(inbox::drop_group(b, me, *pointer));
                continue;
            };
            let conversation = record.value;
            if caller.role().is_manager() && conversation.managed() {
                continue;
            }
            let entry = Entry::current(&conversation);
            if after.as_ref().is_some_and(|a| entry.position >= *a) {
                continue;
            }
            entries.push(entry);
            found.insert(conversation.id, conversation);
        }
        entries.sort_by(|x, y| y.position.cmp(&x.position));
        let more = entries.len() > limit;
        entries.truncate(limit);
        let next_cursor = match more {
            true => entries.last().map(|e| encode_cursor(&e.position)),
            false => None,
        };
        Ok(Some(Offer {
            entries,
            next_cursor,
        }))
    }

    /// A page of one stored inbox index (the caller's own, or the business's).
    async fn stored_offer(
        &self,
        index: Index,
        position: &Position,
        limit: usize,
    ) -> Result<Option<Offer>> {
        let cursor = match position {
            Position::Done => return Ok(None),
            Position::Start => None,
            Position::After(c) => Some(c.clone()),
        };
        let (entries, next_cursor) = inbox::page(&*self.store, index, cursor, limit).await?;
        Ok(Some(Offer {
            entries,
            next_cursor,
        }))
    }

    /// The caller's conversations, most recent activity first: their own private
    /// conversations, their groups and, for the owner and admins, the business's inbox (every
    /// private conversation and company channel), merged by activity. Each shows once.
    pub async fn list_conversations(
        &self,
        caller: &Caller,
        cursor: Option<String>,
        limit: Option<usize>,
    ) -> Result<Page<ConversationSummary>> {
        let limit = page_limit(limit, LIST_PAGE_DEFAULT, LIST_PAGE_MAX)?;
        let (b, me) = (caller.business_id(), caller.user_id());
        let mut sources = vec![Inbox::Own, Inbox::Groups];
        if caller.role().is_manager() {
            sources.push(Inbox::Business);
        }
        let positions = Position::decode_all(cursor.as_deref(), sources.len())?;
        let mut found = HashMap::new();
        let mut repairs = Vec::new();
        let mut offers = Vec::with_capacity(sources.len());
        for (source, position) in sources.iter().zip(&positions) {
            offers.push(match source {
                Inbox::Own => {
                    self.stored_offer(Index::Person(b, me), position, limit)
                        .await?
                }
                Inbox::Business => {
                    self.stored_offer(Index::Business(b), position, limit)
                        .await?
                }
                Inbox::Groups => {
                    self.group_offer(caller, position, limit, &mut found, &mut repairs)
                        .await?
                }
            });
        }

        // Newest first across the indexes: take the greatest next sort key each time.
        let mut taken = vec![0usize; sources.len()];
        let mut picked = Vec::with_capacity(limit);
        while picked.len() < limit {
            let next = offers
                .iter()
                .enumerate()
                .filter_map(|(i, o)| Some((i, o.as_ref()?.entries.get(taken[i])?)))
                .max_by(|(_, x), (_, y)| x.position.cmp(&y.position));
            let Some((i, entry)) = next else { break };
            taken[i] += 1;
            picked.push((sources[i], entry));
        }
        let next_positions: Vec<Position> = offers
            .iter()
            .zip(&taken)
            .zip(positions)
            .map(|((offer, &n), before)| match offer {
                None => Position::Done,
                Some(o) if n == 0 && !o.entries.is_empty() => before,
                Some(o) if n < o.entries.len() => {
                    Position::After(encode_cursor(&o.entries[n - 1].position))
                }
                Some(o) => o
                    .next_cursor
                    .clone()
                    .map_or(Position::Done, Position::After),
            })
            .collect();

        let found = &found;
        let seated = try_join_all(picked.iter().map(|(_, entry)| async move {
            let id = entry.conversation_id;
            let conversation = async {
                match found.get(&id) {
                    Some(c) => Ok(Some(c.clone())),
                    None => repo::get::<ConversationRecord>(&*self.store, (b, id))
                        .await
                        .map(|c| c.map(|c| c.value)),
                }
            };
            let (conversation, member, membership) = futures::try_join!(
                conversation,
                members::get(&*self.store, b, id, me),
                repo::get::<MembershipRecord>(&*self.store, (b, me, id)),
            )?;
            let conversation = conversation.context("an inbox entry without its conversation")?;
            let member = member.map(|m| m.value);
            let read = self
                .read_mark(
                    caller,
                    &conversation,
                    member.is_some(),
                    membership.map(|m| m.value),
                )
                .await?;
            Ok::<_, Error>((conversation, member, read))
        }))
        .await?;
        let mut items: Vec<ConversationSummary> = Vec::with_capacity(seated.len());
        for ((inbox, entry), (conversation, member, read)) in picked.iter().zip(seated) {
            let id = conversation.id;
            let belongs = match inbox {
                Inbox::Own => member.is_some() && inbox::moves_entries(&conversation),
                Inbox::Groups => member.is_some(),
                Inbox::Business => conversation.managed(),
            };
            repairs.extend(inbox::repair(entry, &conversation, belongs)?);
            if !belongs || items.iter().any(|s| s.id == id) {
                continue;
            }
            let seat = conversation.seat(member.as_ref(), caller.role());
            items.push(self.summary(caller, &conversation, seat, read.last_read_seq));
        }
        if !repairs.is_empty() {
            write_in_batches(&*self.store, repairs).await;
        }
        Ok(Page {
            items,
            next_cursor: Position::encode_all(&next_positions),
        })
    }

    /// The caller's read mark in a conversation they may read. Without one, a listed member
    /// has read nothing; the owner or an admin (in it by their role) has read what was sent
    /// before their access began, which the first message since then tells.
    pub(super) async fn read_mark(
        &self,
        caller: &Caller,
        conversation: &ConversationRecord,
        listed: bool,
        membership: Option<MembershipRecord>,
    ) -> Result<MembershipRecord> {
        if let Some(m) = membership {
            return Ok(m);
        }
        let none = MembershipRecord::unread(conversation);
        if listed {
            return Ok(none);
        }
        let id = conversation.id;
        let since_ms =
            u64::try_from(caller.since().unix_timestamp_nanos() / 1_000_000).unwrap_or(0);
        let all_read = MembershipRecord {
            last_read_seq: conversation.seq,
            ..none.clone()
        };
        match &conversation.last_message {
            Some(last) if last.id.ulid().timestamp_ms() >= since_ms => {}
            _ => return Ok(all_read),
        }
        let since = ulid::Ulid::from_parts(since_ms, 0);
        let first = messages::first_since(&*self.store, caller.business_id(), id, since).await?;
        Ok(match first {
            Some(m) => MembershipRecord {
                last_read_seq: m.seq.saturating_sub(1),
                ..none
            },
            None => all_read,
        })
    }

    /// The conversation as the caller's list shows it, from their `seat` in it.
    pub(super) fn summary(
        &self,
        caller: &Caller,
        c: &ConversationRecord,
        seat: Seat,
        last_read_seq: u64,
    ) -> ConversationSummary {
        let title = title(c, caller.role());
        let group = c.kind.is_group();
        ConversationSummary {
            id: c.id,
            kind: c.kind,
            title,
            client_id: c.client_id,
            last_message: c.last_message.as_ref().map(MessageRecord::message),
            unread_count: c.seq.saturating_sub(last_read_seq),
            can_post: can_post(seat, c.room()).is_ok(),
            messaging: (!group).then_some(c.client_mode),
            emoji: c.emoji.clone(),
            announcement_only: c.announcement_only,
            group_role: (group && seat.is_member).then_some(seat.group_role),
            company_id: c.company_id,
            client_active: c.client_active,
            last_activity_at: c.last_activity_at,
        }
    }

    /// One conversation as the caller's list shows it.
    /// The "Needs attention" folder: the caller's conversations whose client waits for an
    /// answer longer than the business allows, the longest waiting first (staff only; a coach
    /// sees their own clients', the owner and admins everyone's).
    pub async fn needing_attention(&self, caller: &Caller) -> Result<Page<ConversationSummary>> {
        access::staff(caller)?;
        let flagged =
            crate::store::notes::needing_attention(&*self.store, caller.business_id()).await?;
        let mut items = Vec::new();
        for f in flagged {
            match self.get_conversation(caller, f.conversation_id).await {
                Ok(summary) => items.push(summary),
                Err(Error::Refused { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(Page {
            items,
            next_cursor: None,
        })
    }

    pub async fn get_conversation(
        &self,
        caller: &Caller,
        id: ConversationId,
    ) -> Result<ConversationSummary> {
        let seated = self.readable(caller, id).await?;
        let membership = repo::get::<MembershipRecord>(
            &*self.store,
            (caller.business_id(), caller.user_id(), id),
        )
        .await?;
        let read = self
            .read_mark(
                caller,
                seated.record(),
                seated.listed,
                membership.map(|m| m.value),
            )
            .await?;
        Ok(self.summary(caller, seated.record(), seated.seat, read.last_read_seq))
    }

    /// History, newest first; `before` is the `next_cursor` of the previous page.
    pub async fn list_messages(
        &self,
        caller: &Caller,
        id: ConversationId,
        before: Option<MessageId>,
        limit: Option<usize>,
    ) -> Result<Page<Message>> {
        let limit = page_limit(limit, MESSAGES_PAGE_DEFAULT, MESSAGES_PAGE_MAX)?;
        self.readable(caller, id).await?;
        let (records, more) =
            messages::page(&*self.store, caller.business_id(), id, before, limit).await?;
        let items: Vec<Message> = records.into_iter().map(Message::from).collect();
        let next_cursor = more
            .then(|| items.last().map(|m| m.id.to_string()))
            .flatten();
        Ok(Page { items, next_cursor })
    }

    /// Sends a message. Sending the same `client_message_id` again, however much later,
    /// returns the first message and creates nothing. The transaction holds the same number of
    /// writes whatever the size of the conversation (see README "Data model").
    ///
    /// Staff may send it to a client as a text or an email instead (`channel`): it is in the
    /// client's thread all the same, and the text or email is written with it, to be sent from
    /// the change stream.
    ///
    /// A person sends at most [`SEND_PERSON`] messages, and a business [`TEXT_BUSINESS`] texts
    /// this way (429 `rate.limited` with `Retry-After` past it; a repeat is not counted).
    pub async fn send_message(
        &self,
        caller: &Caller,
        id: ConversationId,
        req: SendMessageRequest,
    ) -> Result<(Message, Sent)> {
        let (b, me) = (caller.business_id(), caller.user_id());
        let text = req.channel == Channel::Sms;
        SEND_PERSON
            .check(&*self.limits, Subject::Person(b, me))
            .await?;
        if text {
            TEXT_BUSINESS
                .check(&*self.limits, Subject::Business(b))
                .await?;
        }
        let (message, sent) = self.send_as(caller, id, req, TextKind::Direct).await?;
        if sent == Sent::Created {
            SEND_PERSON
                .add(&*self.limits, Subject::Person(b, me))
                .await?;
            if text {
                TEXT_BUSINESS
                    .add(&*self.limits, Subject::Business(b))
                    .await?;
            }
        }
        Ok((message, sent))
    }

    /// [`Self::send_message`], a text being of `kind` (a mass message's: marketing).
    pub(super) async fn send_as(
        &self,
        caller: &Caller,
        id: ConversationId,
        req: SendMessageRequest,
        kind: TextKind,
    ) -> Result<(Message, Sent)> {
        if req.channel != Channel::InApp {
            access::staff(caller)?;
            if !req.attachments.is_empty() {
                return Err(Error::invalid(
                    "message.channel_files",
                    "Files go in the app: send a text or an email without them.",
                ));
            }
        }
        self.post(caller, id, req, None, kind).await
    }

    /// A text `client` sent to the business (its network id `inbound_id`), as their message in
    /// `id`, their private conversation, with `writes` in the same transaction. Whatever the
    /// app lets them post: they texted it. The same text again is the same message.
    pub(super) async fn receive_text(
        &self,
        client: &Caller,
        id: ConversationId,
        inbound_id: &str,
        body: String,
        info: TextInfoRecord,
        writes: Vec<Write>,
    ) -> Result<Message> {
        let req = SendMessageRequest {
            client_message_id: format!("sms-{}", &super::auth::hash_token(inbound_id)[..32]),
            body,
            reply_to: None,
            attachments: Vec::new(),
            send_at: None,
            channel: Channel::Sms,
        };
        let received = Received { info, writes };
        Ok(self
            .post(client, id, req, Some(received), TextKind::Direct)
            .await?
            .0)
    }

    async fn post(
        &self,
        caller: &Caller,
        id: ConversationId,
        req: SendMessageRequest,
        received: Option<Received>,
        kind: TextKind,
    ) -> Result<(Message, Sent)> {
        let client_message_id = ClientMessageId::parse(&req.client_message_id)?;
        // With files a message may say nothing (no caption); without, it must say something.
        let body = if req.attachments.is_empty() || !req.body.trim().is_empty() {
            MessageBody::parse(&req.body)?.as_str().to_owned()
        } else {
            String::new()
        };
        let (b, me) = (caller.business_id(), caller.user_id());
        let idem_key = (b, id, me, client_message_id.as_str());
        if !req.attachments.is_empty() {
            // A repeat answers with the first message, whose uploads are sent already.
            self.readable(caller, id).await?;
            if let Some(earlier) = self.repeated(caller, id, idem_key).await? {
                return Ok((earlier, Sent::Repeated));
            }
            // Storage is asked once, before the write: the objects cannot change under it.
            super::media::check_attachments(
                &*self.store,
                &*self.blobs,
                caller,
                id,
                &req.attachments,
            )
            .await?;
        }
        retrying(|| async {
            let seated = self.readable(caller, id).await?;
            if let Some(earlier) = self.repeated(caller, id, idem_key).await? {
                return Ok(Attempt::Done((earlier, Sent::Repeated)));
            }
            if received.is_none() {
                can_post(seated.seat, seated.room())?;
            }
            let attaching =
                super::media::attaching(&*self.store, caller, id, &req.attachments).await?;
            let conversation = &seated.conversation;
            // A text or an email goes to the client of a private conversation.
            let recipient = match req.channel {
                Channel::InApp => None,
                _ if received.is_some() => None,
                _ => Some(self.recipient(&conversation.value).await?),
            };
            let (membership, receipt) = futures::try_join!(
                repo::get::<MembershipRecord>(&*self.store, (b, me, id)),
                repo::get::<ReceiptRecord>(&*self.store, (b, id, me)),
            )?;
            if let Some(original) = req.reply_to
                && repo::get::<MessageRecord>(&*self.store, (b, id, original))
                    .await?
                    .is_none()
            {
                return Err(Error::invalid(
                    "message.reply_elsewhere",
                    "A reply answers a message of the same conversation.",
                ));
            }
            let mentions = self.mentions(&conversation.value, &body).await?;

            let now = now();
            // Ids sort by time; keep them strictly after the last message even within one
            // millisecond, so history order is commit order.
            let mut message_id = super::ids::new_ulid();
            if let Some(last) = &conversation.value.last_message
                && message_id <= last.id.ulid()
            {
                message_id = last
                    .id
                    .ulid()
                    .increment()
                    .map_err(|_| anyhow::anyhow!("message id space exhausted"))?;
            }
            let message_id = MessageId::from_ulid(message_id);
            let (carried, attach_writes) = super::media::attach(b, id, message_id, me, &attaching)?;
            let mut message = Message {
                reactions: Vec::new(),
                edited_at: None,
                deleted: false,
                reply_to: req.reply_to,
                mentions,
                id: message_id,
                conversation_id: id,
                sender_id: me,
                sender_name: caller.name().to_owned(),
                body: body.clone(),
                client_message_id: client_message_id.as_str().to_owned(),
                created_at: now,
                attachments: carried.iter().cloned().map(Into::into).collect(),
                channel: req.channel,
                sms: None,
            };
            let mut channel_writes = Vec::new();
            if let Some(r) = &received {
                message.sms = Some(r.info.clone().into());
                channel_writes.extend(r.writes.iter().cloned());
            }
            if let Some(client) = &recipient {
                let plain = shared::markup::plain_text(&shared::markup::parse(&body), &|_| None);
                match req.channel {
                    Channel::Sms => {
                        let (info, writes) = super::texting::outbound(
                            &*self.store,
                            b,
                            client,
                            &plain,
                            (id, message_id),
                            kind,
                        )
                        .await?;
                        message.sms = Some(info.into());
                        channel_writes.extend(writes);
                    }
                    Channel::Email => channel_writes.push(self.email_of(
                        &conversation.value,
                        client,
                        caller,
                        &plain,
                    )?),
                    Channel::InApp => {}
                }
            }
            let mut next = conversation.clone();
            next.value.seq += 1;
            // As stored, each file knows where it is kept (a Vault item's is the item's).
            let record = MessageRecord::new(message.clone(), next.value.seq, carried);
            next.value.last_message = Some(record.clone());
            next.value.last_activity_at = now;

            let read = MembershipRecord::caught_up(&next.value);
            let read_write = repo::save(membership.as_ref(), (b, me, id), &read)?;
            let mut writes = vec![
                repo::create(
                    idem_key,
                    &IdempotencyRecord {
                        message_id: message.id,
                    },
                )?,
                repo::create((b, id, message.id), &record)?,
                next.update((b, id))?,
                read_write,
            ];
            writes.extend(attach_writes);
            writes.extend(channel_writes);
            // The sender has read and received everything up to what they send (after the
            // message: the change feed tells of the message first).
            writes.extend(receipt_moved(receipt.as_ref(), caller, id, message.id, true)?.0);
            // The owner's and admins' one entry, whoever and however many they are, and a
            // private conversation's few people's entries move with it.
            writes.extend(inbox::follow(&conversation.value, &next.value)?);
            // The idempotency key taken by a concurrent send of the same message makes this
            // stale too: the next attempt finds it and answers with that message.
            if let Attempt::Retry = commit(&*self.store, writes.into(), ()).await? {
                return Ok(Attempt::Retry);
            }
            let event = ServerEvent::MessageCreated(MessageCreated {
                message: message.clone(),
            });
            push_now(self, &next.value, event).await;
            Ok(Attempt::Done((message, Sent::Created)))
        })
        .await
    }

    /// The client a text or an email of `conversation` goes to.
    async fn recipient(&self, conversation: &ConversationRecord) -> Result<UserRecord> {
        let not_private = || {
            Error::invalid(
                "message.channel_private",
                "Texts and emails go to one client: send them in the client's own conversation.",
            )
        };
        if conversation.kind != ConversationKind::Private {
            return Err(not_private());
        }
        let client = conversation.client_id.ok_or_else(not_private)?;
        let client = repo::get::<UserRecord>(&*self.store, (conversation.business_id, client))
            .await?
            .filter(|c| !c.value.removed && c.value.active)
            .ok_or_else(|| {
                Error::invalid(
                    "message.client_gone",
                    "This client was removed or deactivated.",
                )
            })?;
        Ok(client.value)
    }

    /// The email that carries a message `sender` wrote to `client`.
    fn email_of(
        &self,
        conversation: &ConversationRecord,
        client: &UserRecord,
        sender: &Caller,
        text: &str,
    ) -> Result<Write> {
        let Some(to) = client.email.clone() else {
            return Err(Error::invalid(
                "message.no_email",
                "This client has no email address: add one on their card to email them.",
            ));
        };
        let link = format!(
            "{}/c/inbox/{}",
            self.site_url.trim_end_matches('/'),
            conversation.id
        );
        let business = &conversation.business_name;
        let mail = MailRecord {
            id: super::ids::new_ulid().to_string(),
            business_id: conversation.business_id,
            to,
            from_name: business.clone(),
            subject: format!("{} sent you a message", sender.name()),
            text: format!(
                "{text}\n\n{} at {business}\n\nReply in the app: {link}\n",
                sender.name()
            ),
            links: vec![link],
            unsubscribe: None,
            state: MailState::Pending,
            error: None,
            created_at: now(),
        };
        Ok(repo::create(
            (conversation.business_id, mail.id.as_str()),
            &mail,
        )?)
    }

    async fn repeated(
        &self,
        caller: &Caller,
        id: ConversationId,
        idem_key: (BusinessId, ConversationId, UserId, &str),
    ) -> Result<Option<Message>> {
        let Some(idem) = repo::get::<IdempotencyRecord>(&*self.store, idem_key).await? else {
            return Ok(None);
        };
        let record = repo::get::<MessageRecord>(
            &*self.store,
            (caller.business_id(), id, idem.value.message_id),
        )
        .await?
        .context("an idempotency key without its message")?;
        Ok(Some(record.value.into()))
    }

    /// Adds (`add`) or removes the caller's `emoji` on a message. Anyone who can read the
    /// conversation may react, including where they cannot post. Adding twice or removing what
    /// is not there changes nothing; the answer is the message with all its reactions.
    pub async fn react(
        &self,
        caller: &Caller,
        id: ConversationId,
        message_id: MessageId,
        emoji: &str,
        add: bool,
    ) -> Result<Message> {
        let emoji = Emoji::parse(emoji)?;
        let b = caller.business_id();
        let name = caller.name().to_owned();
        retrying(|| async {
            let seated = self.readable(caller, id).await?;
            can_react(seated.seat, seated.room())?;
            let record = repo::get::<MessageRecord>(&*self.store, (b, id, message_id))
                .await?
                .ok_or_else(message_not_found)?;
            let mut message = record.value.message();
            let changed = if add {
                if !message.reactions.iter().any(|r| r.emoji == emoji.as_str())
                    && message.reactions.len() >= REACTION_EMOJI_MAX
                {
                    return Err(Error::invalid(
                        "reaction.too_many",
                        "This message already has as many different reactions as it can take.",
                    ));
                }
                message.add_reaction(
                    emoji.as_str(),
                    Reactor {
                        id: caller.user_id(),
                        name: name.clone(),
                    },
                )
            } else {
                message.remove_reaction(emoji.as_str(), caller.user_id())
            };
            if !changed {
                return Ok(Attempt::Done(message));
            }
            let mut after = record.clone();
            after.value.reactions = message.reactions.iter().cloned().map(Into::into).collect();
            let write = after.update((b, id, message_id))?;
            commit(&*self.store, vec![write].into(), message).await
        })
        .await
    }

    /// Moves the caller's read mark forward to `message_id` (never backward).
    pub async fn mark_read(
        &self,
        caller: &Caller,
        id: ConversationId,
        message_id: MessageId,
    ) -> Result<ReadState> {
        let (b, me) = (caller.business_id(), caller.user_id());
        retrying(|| async {
            let seated = self.readable(caller, id).await?;
            let conversation = seated.record();
            let message = repo::get::<MessageRecord>(&*self.store, (b, id, message_id))
                .await?
                .ok_or_else(message_not_found)?;
            let (membership, receipt) = futures::try_join!(
                repo::get::<MembershipRecord>(&*self.store, (b, me, id)),
                repo::get::<ReceiptRecord>(&*self.store, (b, id, me)),
            )?;
            let current = self
                .read_mark(
                    caller,
                    conversation,
                    seated.listed,
                    membership.as_ref().map(|m| m.value.clone()),
                )
                .await?;
            let state = |m: &MembershipRecord| ReadState {
                conversation_id: id,
                last_read_message_id: m.last_read_message_id,
                unread_count: conversation.seq.saturating_sub(m.last_read_seq),
            };
            // The receipt others see moves even where the read mark is already there (a read
            // mark implied by when the caller's session began, say).
            let (mut writes, _) = receipt_moved(receipt.as_ref(), caller, id, message_id, true)?;
            // The last message reads everything: messages moved in from a merged client's
            // conversation sit before it with later positions.
            let seq = match conversation.last_message.as_ref().map(|m| m.id) {
                Some(last) if last == message_id => conversation.seq,
                _ => message.value.seq,
            };
            if seq <= current.last_read_seq {
                if writes.is_empty() {
                    return Ok(Attempt::Done(state(&current)));
                }
                return commit(&*self.store, writes.into(), state(&current)).await;
            }
            let read = MembershipRecord {
                conversation_id: Some(id),
                last_read_message_id: Some(message_id),
                last_read_seq: seq,
            };
            writes.push(repo::save(membership.as_ref(), (b, me, id), &read)?);
            commit(&*self.store, writes.into(), state(&read)).await
        })
        .await
    }

    /// Moves the caller's delivered mark forward to `message_id`: a message reached one of
    /// their devices. Private conversations only (see [`shared::receipts::tracks_delivery`]):
    /// in a group, each member's every message would tell everyone.
    pub async fn mark_delivered(
        &self,
        caller: &Caller,
        id: ConversationId,
        message_id: MessageId,
    ) -> Result<Receipt> {
        let (b, me) = (caller.business_id(), caller.user_id());
        retrying(|| async {
            let seated = self.readable(caller, id).await?;
            if !shared::receipts::tracks_delivery(seated.record().kind) {
                return Err(Error::invalid(
                    "receipt.not_tracked",
                    "Delivery is tracked in private conversations only.",
                ));
            }
            let (message, receipt) = futures::try_join!(
                repo::get::<MessageRecord>(&*self.store, (b, id, message_id)),
                repo::get::<ReceiptRecord>(&*self.store, (b, id, me)),
            )?;
            message.ok_or_else(message_not_found)?;
            let (writes, after) = receipt_moved(receipt.as_ref(), caller, id, message_id, false)?;
            let answer = after.receipt();
            if writes.is_empty() {
                return Ok(Attempt::Done(answer));
            }
            commit(&*self.store, writes.into(), answer).await
        })
        .await
    }

    /// Everyone's receipt in the conversation (one query, bounded by its members and staff).
    pub async fn receipts(&self, caller: &Caller, id: ConversationId) -> Result<Receipts> {
        self.readable(caller, id).await?;
        let receipts = members::receipts(&*self.store, caller.business_id(), id)
            .await?
            .iter()
            .map(ReceiptRecord::receipt)
            .collect();
        Ok(Receipts { receipts })
    }
}

/// The caller's receipt in conversation `id` (as read, `previous`) moved to `message`: the
/// write, if it moves, and the receipt after it.
fn receipt_moved(
    previous: Option<&Versioned<ReceiptRecord>>,
    caller: &Caller,
    id: ConversationId,
    message: MessageId,
    read: bool,
) -> Result<(Vec<Write>, ReceiptRecord)> {
    let current = match previous {
        Some(p) => p.value.clone(),
        None => ReceiptRecord::new(caller.user_id(), caller.name()),
    };
    Ok(match current.moved(caller.name(), message, read) {
        Some(next) => {
            let key = (caller.business_id(), id, caller.user_id());
            (vec![repo::save(previous, key, &next)?], next)
        }
        None => (Vec::new(), current),
    })
}

impl Conversations {
    /// Edits the caller's own message (while they may post here): the earlier body is kept in
    /// its history, "edited" shows, the inbox preview follows if it is the last message, and
    /// every member's apps are told (`message.updated`). The same body again changes nothing.
    pub async fn edit_message(
        &self,
        caller: &Caller,
        id: ConversationId,
        message_id: MessageId,
        body: &str,
    ) -> Result<Message> {
        let body = MessageBody::parse(body)?;
        let b = caller.business_id();
        retrying(|| async {
            let (seated, record) = self.message_in(caller, id, message_id).await?;
            if record.value.sender_id != caller.user_id() {
                return Err(Error::forbidden(
                    "message.not_yours",
                    "You can only edit your own messages.",
                ));
            }
            if record.value.deleted {
                return Err(message_deleted());
            }
            can_edit_own(seated.seat, seated.room())?;
            if record.value.body == body.as_str() {
                return Ok(Attempt::Done(record.value.message()));
            }
            if record.value.edits >= MESSAGE_EDITS_MAX {
                return Err(Error::invalid(
                    "message.too_many_edits",
                    format!("A message can be edited at most {MESSAGE_EDITS_MAX} times."),
                ));
            }
            let mentions = self.mentions(seated.record(), body.as_str()).await?;
            let mut after = record.clone();
            after.value.body = body.as_str().to_owned();
            after.value.mentions = mentions;
            after.value.edited_at = Some(now());
            after.value.edits += 1;
            let earlier = MessageVersionRecord {
                body: record.value.body.clone(),
                at: record.value.edited_at.unwrap_or(record.value.created_at),
            };
            let mut writes = vec![
                repo::create((b, id, message_id, after.value.edits), &earlier)?,
                after.update((b, id, message_id))?,
            ];
            writes.extend(last_message_follows(&seated.conversation, &after.value)?);
            let message = after.value.message();
            commit(&*self.store, writes.into(), message).await
        })
        .await
    }

    /// Deletes a message: the caller's own (any member), or someone else's in a group or
    /// channel (its owners and admins, and the business's: moderation, in the audit log). Its
    /// body, reactions and history are removed from storage; a tombstone stays for everyone,
    /// who are told (`message.deleted`). Deleting it again changes nothing.
    pub async fn delete_message(
        &self,
        caller: &Caller,
        id: ConversationId,
        message_id: MessageId,
    ) -> Result<()> {
        let b = caller.business_id();
        retrying(|| async {
            let (seated, record) = self.message_in(caller, id, message_id).await?;
            let own = record.value.sender_id == caller.user_id();
            can_delete(seated.seat, seated.room(), own)?;
            if record.value.deleted {
                return Ok(Attempt::Done(()));
            }
            let mut after = record.clone();
            after.value.body = String::new();
            after.value.reactions = Vec::new();
            after.value.edited_at = None;
            after.value.edits = 0;
            after.value.deleted = true;
            after.value.attachments = Vec::new();
            let mut writes = vec![after.update((b, id, message_id))?];
            // Its files go with it (the change stream deletes their objects).
            for a in &record.value.attachments {
                writes.push(repo::delete::<repo::UploadRecord>((b, id, a.id)));
                // A Vault file it sent is no longer sent by it (the change stream deletes the
                // file once nothing sends it and the Vault no longer has it).
                if let Some(item) = a.vault {
                    writes.push(repo::delete::<repo::VaultRefRecord>((b, item, id, a.id)));
                }
            }
            for n in 1..=record.value.edits {
                writes.push(repo::delete::<MessageVersionRecord>((b, id, message_id, n)));
            }
            writes.extend(last_message_follows(&seated.conversation, &after.value)?);
            if !own {
                let sender =
                    repo::get::<repo::UserRecord>(&*self.store, (b, record.value.sender_id))
                        .await?;
                let group = seated.record().group_title.clone().unwrap_or_default();
                writes.extend(super::audit::entry_about(
                    Some(caller),
                    b,
                    super::audit::About {
                        person: Some(record.value.sender_id),
                        name: sender
                            .as_ref()
                            .map_or(record.value.sender_name.as_str(), |s| s.value.name.as_str()),
                        place: Some(&group),
                    },
                    shared::model::AuditKind::Moderation,
                    Some("message".into()),
                    Some("deleted".into()),
                )?);
            }
            commit(&*self.store, writes.into(), ()).await
        })
        .await
    }

    /// A message's versions, oldest first, the current one last (members only). A deleted
    /// message has none.
    pub async fn message_history(
        &self,
        caller: &Caller,
        id: ConversationId,
        message_id: MessageId,
    ) -> Result<Vec<MessageVersion>> {
        let b = caller.business_id();
        let record = self.message_in(caller, id, message_id).await?.1.value;
        if record.deleted {
            return Err(message_deleted());
        }
        let versions = futures::future::try_join_all(
            (1..=record.edits)
                .map(|n| repo::get::<MessageVersionRecord>(&*self.store, (b, id, message_id, n))),
        )
        .await?;
        let mut history: Vec<MessageVersion> = versions
            .into_iter()
            .flatten()
            .map(|v| MessageVersion {
                body: v.value.body,
                at: v.value.at,
            })
            .collect();
        history.push(MessageVersion {
            body: record.body,
            at: record.edited_at.unwrap_or(record.created_at),
        });
        Ok(history)
    }
}

impl Conversations {
    /// A message of a conversation the caller reads, with their seat there.
    async fn message_in(
        &self,
        caller: &Caller,
        id: ConversationId,
        message_id: MessageId,
    ) -> Result<(Seated, Versioned<MessageRecord>)> {
        let seated = self.readable(caller, id).await?;
        let record =
            repo::get::<MessageRecord>(&*self.store, (caller.business_id(), id, message_id))
                .await?
                .ok_or_else(message_not_found)?;
        Ok((seated, record))
    }

    /// The people `body` mentions, each checked to be in `conversation` (and active): a
    /// mention of anyone else is refused.
    async fn mentions(&self, conversation: &ConversationRecord, body: &str) -> Result<Vec<UserId>> {
        let mentioned = shared::markup::mentions(&shared::markup::parse(body));
        if mentioned.len() > MESSAGE_MENTIONS_MAX {
            return Err(Error::invalid(
                "message.too_many_mentions",
                format!("A message can mention at most {MESSAGE_MENTIONS_MAX} people."),
            ));
        }
        let b = conversation.business_id;
        let people = try_join_all(mentioned.iter().map(|u| async move {
            let (user, seat) = tokio::try_join!(
                repo::get::<repo::UserRecord>(&*self.store, (b, *u)),
                members::get(&*self.store, b, conversation.id, *u),
            )?;
            Ok::<_, Error>((user, seat))
        }))
        .await?;
        for (user, seat) in people {
            let member = user.is_some_and(|user| {
                let user = user.value;
                let seat_of = conversation.seat(seat.as_ref().map(|s| &s.value), user.role);
                let listed = conversation.lists(user.id).unwrap_or(false);
                let seat_of = Seat {
                    is_member: seat_of.is_member || listed,
                    ..seat_of
                };
                user.active && can_read(seat_of, conversation.room()).is_ok()
            });
            if !member {
                return Err(Error::invalid(
                    "message.mention_not_member",
                    "You can only mention people in this conversation.",
                ));
            }
        }
        Ok(mentioned)
    }
}

/// The write that keeps a conversation's last message (its inbox preview) as `message` is now,
/// when it is the last one.
fn last_message_follows(
    conversation: &Versioned<ConversationRecord>,
    message: &MessageRecord,
) -> Result<Vec<Write>> {
    let is_last = conversation
        .value
        .last_message
        .as_ref()
        .is_some_and(|m| m.id == message.id);
    if !is_last {
        return Ok(Vec::new());
    }
    let mut next = conversation.clone();
    next.value.last_message = Some(message.clone());
    let (b, c) = (conversation.value.business_id, conversation.value.id);
    Ok(vec![next.update((b, c))?])
}

fn message_deleted() -> Error {
    Error::refused(Kind::Gone, "message.deleted", "This message was deleted.")
}

fn message_not_found() -> Error {
    Error::not_found(
        "message.not_found",
        "There is no such message in this conversation.",
    )
}
