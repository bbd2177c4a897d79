//! Conversations and messages: the caller's conversation list, history, sending (idempotent by
//! the sender's `client_message_id`), reactions and read marks. A message, its conversation's
//! new state and the sender's read mark are one transaction; so is every member's inbox order
//! in conversations of up to [`INBOX_INLINE_MAX`] people. In larger ones the inbox entries move
//! right after, in batches: a crash between leaves some members' entries at the conversation's
//! previous activity, and concurrent sends can leave one behind; the inbox listing shows each
//! conversation once, and puts such an entry right as it reads it.

use super::auth::Caller;
use super::clients::page_limit;
use super::*;
use crate::store::keys::{self, ACTIVITY_PREFIX, MESSAGE_PREFIX};
use crate::store::repo::{
    self, ActivityRecord, ConversationRecord, IdempotencyRecord, MembershipRecord, MessageRecord,
    Versioned,
};
use crate::store::{Condition, Query, SkRange, StoreError, Write, encode_cursor};
use anyhow::Context as _;
use futures::future::try_join_all;
use shared::api::{ReadState, SendMessageRequest};
use shared::events::ServerEvent;
use shared::limits::{
    LIST_PAGE_DEFAULT, LIST_PAGE_MAX, MESSAGES_PAGE_DEFAULT, MESSAGES_PAGE_MAX, REACTION_EMOJI_MAX,
};
use shared::model::{ConversationKind, ConversationSummary, Message, Page, Reactor, Role};
use shared::rules::{Room, Seat, can_post, can_react, can_read};
use shared::validate::{ClientMessageId, Emoji, MessageBody};
use shared::{ConversationId, MessageId, UserId};

/// Members whose inbox entries move in the message's own transaction (two writes each, with
/// four for the message: within the 100 writes a transaction holds).
pub const INBOX_INLINE_MAX: usize = 40;

/// Inbox entry writes per transaction when they move after the message.
const INBOX_BATCH: usize = 100;

/// Writes `writes` in transactions of [`INBOX_BATCH`]; what fails is logged, not returned: the
/// change they follow is committed, and what they leave behind the inbox listing repairs.
pub(super) async fn write_in_batches(store: &dyn crate::store::Store, writes: Vec<Write>) {
    let batches: Vec<Vec<Write>> = writes.chunks(INBOX_BATCH).map(<[Write]>::to_vec).collect();
    let results = futures::future::join_all(batches.into_iter().map(|b| store.transact(b))).await;
    for e in results.into_iter().filter_map(Result::err) {
        tracing::warn!(error = ?e, "moving inbox entries after a commit failed; listings repair them");
    }
}

/// Who receives a conversation's live events: its listed members and, in a private
/// conversation or company channel, the business's owner and admins (`managers`).
pub fn audience(conversation: &ConversationRecord, managers: &[(UserId, Role)]) -> Vec<UserId> {
    let mut users: Vec<UserId> = conversation.members.iter().map(|m| m.user_id).collect();
    if conversation.managed() {
        users.extend(
            managers
                .iter()
                .map(|(u, _)| *u)
                .filter(|u| conversation.member(*u).is_none()),
        );
    }
    users
}

/// Pushes a committed event straight to its audience (the fast path). What fails here the
/// change stream still delivers, so it is logged, not returned.
async fn push_now(services: &Services, conversation: &ConversationRecord, event: ServerEvent) {
    let b = conversation.business_id;
    let managers = match conversation.managed() {
        true => super::staff::managers(&*services.store, b).await,
        false => Ok(Vec::new()),
    };
    let users = match managers {
        Ok(managers) => audience(conversation, &managers),
        Err(e) => {
            tracing::warn!(error = ?e, "the fast path could not read who to tell");
            return;
        }
    };
    let pushes = users
        .into_iter()
        .map(|u| services.realtime.push(b, u, &event));
    for e in futures::future::join_all(pushes)
        .await
        .into_iter()
        .filter_map(Result::err)
    {
        tracing::warn!(error = ?e, "a fast-path push failed; the stream delivers it");
    }
}

fn not_found() -> Error {
    Error::not_found("conversation.not_found", "There is no such conversation.")
}

fn seat(caller: &Caller, conversation: &ConversationRecord) -> Seat {
    conversation.seat(caller.user_id(), caller.role())
}

fn room(conversation: &ConversationRecord) -> Room {
    conversation.room()
}

/// An index an inbox page reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Inbox {
    /// The caller's own: the conversations they are listed in.
    Own,
    /// The business's: every private conversation and company channel (managers).
    Business,
}

/// Where an inbox page goes on in one index.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Position {
    Start,
    /// After the entry this store cursor came from.
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

impl Services {
    /// The conversation, if the caller may read it. Non-members get the same answer as for a
    /// conversation that does not exist, so nothing leaks.
    pub(super) async fn readable(
        &self,
        caller: &Caller,
        id: ConversationId,
    ) -> Result<Versioned<ConversationRecord>> {
        let conversation = repo::get::<ConversationRecord>(
            &*self.store,
            &keys::conversation(caller.business_id(), id),
        )
        .await?
        .ok_or_else(not_found)?;
        can_read(seat(caller, &conversation.value), room(&conversation.value))
            .map_err(|_| not_found())?;
        Ok(conversation)
    }

    /// The caller's conversations, most recent activity first: their own inbox and, for the
    /// owner and admins, the business's (every private conversation and company channel),
    /// merged by activity. Each conversation shows once.
    pub async fn list_conversations(
        &self,
        caller: &Caller,
        cursor: Option<String>,
        limit: Option<usize>,
    ) -> Result<Page<ConversationSummary>> {
        let limit = page_limit(limit, LIST_PAGE_DEFAULT, LIST_PAGE_MAX)?;
        let (b, me) = (caller.business_id(), caller.user_id());
        let mut sources = vec![(keys::person_pk(b, me), Inbox::Own)];
        if caller.role().is_manager() {
            sources.push((keys::business_inbox_pk(b), Inbox::Business));
        }
        let positions = Position::decode_all(cursor.as_deref(), sources.len())?;
        let pages = try_join_all(sources.iter().zip(&positions).map(|((pk, _), position)| {
            let q = Query::prefix(pk.clone(), ACTIVITY_PREFIX)
                .reverse()
                .limit(limit);
            async move {
                match position {
                    Position::Done => Ok(None),
                    Position::Start => self.store.query(&q).await.map(Some),
                    Position::After(c) => {
                        self.store.query(&q.after(Some(c.clone()))).await.map(Some)
                    }
                }
            }
        }))
        .await?;

        // Newest first across the indexes: take the greatest next sort key each time.
        let mut taken = vec![0usize; sources.len()];
        let mut picked = Vec::with_capacity(limit);
        while picked.len() < limit {
            let next = pages
                .iter()
                .enumerate()
                .filter_map(|(i, p)| Some((i, p.as_ref()?.items.get(taken[i])?)))
                .max_by(|(_, x), (_, y)| x.sk.cmp(&y.sk));
            let Some((i, item)) = next else { break };
            taken[i] += 1;
            picked.push((sources[i].1, item));
        }
        let next_positions: Vec<Position> = pages
            .iter()
            .zip(&taken)
            .zip(positions)
            .map(|((page, &n), before)| match page {
                None => Position::Done,
                Some(p) if n == 0 && !p.items.is_empty() => before,
                Some(p) if n < p.items.len() => Position::After(encode_cursor(&p.items[n - 1].sk)),
                Some(p) => p
                    .next_cursor
                    .clone()
                    .map_or(Position::Done, Position::After),
            })
            .collect();

        let found = try_join_all(picked.iter().map(|(_, item)| async move {
            let id = repo::decode::<ActivityRecord>(item)?.value.conversation_id;
            let (conversation_key, membership_key) =
                (keys::conversation(b, id), keys::membership(b, me, id));
            let (conversation, membership) = futures::try_join!(
                repo::get::<ConversationRecord>(&*self.store, &conversation_key),
                repo::get::<MembershipRecord>(&*self.store, &membership_key),
            )?;
            let conversation = conversation
                .context("an inbox entry without its conversation")?
                .value;
            let read = self
                .read_mark(caller, &conversation, membership.map(|m| m.value))
                .await?;
            Ok::<_, Error>((conversation, read))
        }))
        .await?;
        let mut items: Vec<ConversationSummary> = Vec::with_capacity(found.len());
        let mut repairs = Vec::new();
        for ((inbox, item), (conversation, read)) in picked.iter().zip(found) {
            let id = conversation.id;
            let belongs = match inbox {
                Inbox::Own => conversation.member(me).is_some(),
                Inbox::Business => conversation.managed(),
            };
            let current = keys::activity_sk(&conversation.activity_key(), id);
            if item.sk != current {
                // Left behind by a large conversation's send, or by an old membership.
                repairs.push(Write::delete(
                    item.pk.clone(),
                    item.sk.clone(),
                    Condition::Always,
                ));
                if belongs {
                    repairs.push(repo::overwrite(
                        (item.pk.clone(), current),
                        &ActivityRecord {
                            conversation_id: id,
                        },
                    )?);
                }
            }
            if !belongs || items.iter().any(|s| s.id == id) {
                continue;
            }
            items.push(self.summary(caller, &conversation, read.last_read_seq));
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
        membership: Option<MembershipRecord>,
    ) -> Result<MembershipRecord> {
        if let Some(m) = membership {
            return Ok(m);
        }
        let id = conversation.id;
        let none = MembershipRecord {
            conversation_id: Some(id),
            ..Default::default()
        };
        if conversation.member(caller.user_id()).is_some() {
            return Ok(none);
        }
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
        let (pk, from, to) = keys::messages_since(
            caller.business_id(),
            id,
            ulid::Ulid::from_parts(since_ms, 0),
        );
        let q = Query {
            pk,
            range: SkRange::Between(from, to),
            forward: true,
            limit: 1,
            cursor: None,
        };
        let (first, _) = repo::query::<MessageRecord>(&*self.store, &q).await?;
        Ok(match first.first() {
            Some(m) => MembershipRecord {
                last_read_seq: m.value.seq.saturating_sub(1),
                ..none
            },
            None => all_read,
        })
    }

    pub(super) fn summary(
        &self,
        caller: &Caller,
        c: &ConversationRecord,
        last_read_seq: u64,
    ) -> ConversationSummary {
        let title = match (c.kind, caller.role()) {
            (ConversationKind::Group | ConversationKind::Company, _) => c
                .group_title
                .clone()
                .unwrap_or_else(|| c.business_name.clone()),
            (ConversationKind::Private, Role::Client) => c.business_name.clone(),
            (ConversationKind::Private, _) => c
                .client_name
                .clone()
                .unwrap_or_else(|| c.business_name.clone()),
        };
        let group = c.kind.is_group();
        ConversationSummary {
            id: c.id,
            kind: c.kind,
            title,
            client_id: c.client_id,
            last_message: c.last_message.clone(),
            unread_count: c.seq.saturating_sub(last_read_seq),
            can_post: can_post(seat(caller, c), room(c)).is_ok(),
            messaging: (!group).then_some(c.client_mode),
            emoji: c.emoji.clone(),
            announcement_only: c.announcement_only,
            group_role: group
                .then(|| {
                    let seat = seat(caller, c);
                    seat.is_member.then_some(seat.group_role)
                })
                .flatten(),
            company_id: c.company_id,
            last_activity_at: c.last_activity_at,
        }
    }

    /// One conversation as the caller's list shows it.
    pub async fn get_conversation(
        &self,
        caller: &Caller,
        id: ConversationId,
    ) -> Result<ConversationSummary> {
        let conversation = self.readable(caller, id).await?;
        let membership = repo::get::<MembershipRecord>(
            &*self.store,
            &keys::membership(caller.business_id(), caller.user_id(), id),
        )
        .await?;
        let read = self
            .read_mark(caller, &conversation.value, membership.map(|m| m.value))
            .await?;
        Ok(self.summary(caller, &conversation.value, read.last_read_seq))
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
        let pk = keys::conversation_pk(caller.business_id(), id);
        let cursor = before.map(|m| encode_cursor(&format!("{MESSAGE_PREFIX}{m}")));
        let q = Query::prefix(pk, MESSAGE_PREFIX)
            .reverse()
            .limit(limit)
            .after(cursor);
        let (records, next) = repo::query::<MessageRecord>(&*self.store, &q).await?;
        let items: Vec<Message> = records.into_iter().map(|r| r.value.message).collect();
        let next_cursor = next.and(items.last().map(|m| m.id.to_string()));
        Ok(Page { items, next_cursor })
    }

    /// Sends a message. Sending the same `client_message_id` again, however much later,
    /// returns the first message and creates nothing.
    pub async fn send_message(
        &self,
        caller: &Caller,
        id: ConversationId,
        req: SendMessageRequest,
    ) -> Result<(Message, Sent)> {
        let client_message_id = ClientMessageId::parse(&req.client_message_id)?;
        let body = MessageBody::parse(&req.body)?;
        let (b, me) = (caller.business_id(), caller.user_id());
        let idem_key = keys::idempotency(b, id, me, client_message_id.as_str());
        retrying(|| async {
            let conversation = self.readable(caller, id).await?;
            if let Some(earlier) = self.repeated(caller, id, &idem_key).await? {
                return Ok(Attempt::Done((earlier, Sent::Repeated)));
            }
            can_post(seat(caller, &conversation.value), room(&conversation.value))?;
            let membership =
                repo::get::<MembershipRecord>(&*self.store, &keys::membership(b, me, id)).await?;

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
            let message = Message {
                reactions: Vec::new(),
                id: MessageId::from_ulid(message_id),
                conversation_id: id,
                sender_id: me,
                sender_name: caller.name().to_owned(),
                body: body.as_str().to_owned(),
                client_message_id: client_message_id.as_str().to_owned(),
                created_at: now,
            };
            let old_activity = conversation.value.activity_key();
            let mut next = conversation.clone();
            next.value.seq += 1;
            next.value.last_message = Some(message.clone());
            next.value.last_activity_at = now;
            let seq = next.value.seq;

            let read = MembershipRecord {
                conversation_id: Some(id),
                last_read_message_id: Some(message.id),
                last_read_seq: seq,
            };
            let read_write = repo::save(membership.as_ref(), keys::membership(b, me, id), &read)?;
            let mut writes = vec![
                repo::create(
                    idem_key.clone(),
                    &IdempotencyRecord {
                        message_id: message.id,
                    },
                )?,
                repo::create(
                    keys::message(b, id, message.id),
                    &MessageRecord {
                        message: message.clone(),
                        seq,
                    },
                )?,
                next.update(keys::conversation(b, id))?,
                read_write,
            ];
            let new_activity = next.value.activity_key();
            if next.value.managed() {
                // The owner's and admins' one entry, whoever and however many they are.
                let (pk, sk) = keys::business_activity(b, &old_activity, id);
                writes.push(Write::delete(pk, sk, Condition::Always));
                writes.push(repo::overwrite(
                    keys::business_activity(b, &new_activity, id),
                    &ActivityRecord {
                        conversation_id: id,
                    },
                )?);
            }
            let mut inbox = Vec::with_capacity(next.value.members.len() * 2);
            for m in &next.value.members {
                let (pk, sk) = keys::activity(b, m.user_id, &old_activity, id);
                inbox.push(Write::delete(pk, sk, Condition::Always));
                inbox.push(repo::overwrite(
                    keys::activity(b, m.user_id, &new_activity, id),
                    &ActivityRecord {
                        conversation_id: id,
                    },
                )?);
            }
            let inline = next.value.members.len() <= INBOX_INLINE_MAX;
            if inline {
                writes.append(&mut inbox);
            }
            // The idempotency key taken by a concurrent send of the same message makes this
            // stale too: the next attempt finds it and answers with that message.
            if let Attempt::Retry = commit(&*self.store, writes.into(), ()).await? {
                return Ok(Attempt::Retry);
            }
            let event = ServerEvent::MessageCreated {
                message: message.clone(),
            };
            push_now(self, &next.value, event).await;
            write_in_batches(&*self.store, inbox).await;
            Ok(Attempt::Done((message, Sent::Created)))
        })
        .await
    }

    async fn repeated(
        &self,
        caller: &Caller,
        id: ConversationId,
        idem_key: &keys::Key,
    ) -> Result<Option<Message>> {
        let Some(idem) = repo::get::<IdempotencyRecord>(&*self.store, idem_key).await? else {
            return Ok(None);
        };
        let record = repo::get::<MessageRecord>(
            &*self.store,
            &keys::message(caller.business_id(), id, idem.value.message_id),
        )
        .await?
        .context("an idempotency key without its message")?;
        Ok(Some(record.value.message))
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
            let conversation = self.readable(caller, id).await?;
            can_react(seat(caller, &conversation.value), room(&conversation.value))?;
            let record =
                repo::get::<MessageRecord>(&*self.store, &keys::message(b, id, message_id))
                    .await?
                    .ok_or_else(|| {
                        Error::not_found(
                            "message.not_found",
                            "There is no such message in this conversation.",
                        )
                    })?;
            let mut after = record.clone();
            let message = &mut after.value.message;
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
                return Ok(Attempt::Done(record.value.message));
            }
            let write = after.update(keys::message(b, id, message_id))?;
            commit(&*self.store, vec![write].into(), after.value.message).await
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
            let conversation = self.readable(caller, id).await?;
            let message =
                repo::get::<MessageRecord>(&*self.store, &keys::message(b, id, message_id))
                    .await?
                    .ok_or_else(|| {
                        Error::not_found(
                            "message.not_found",
                            "There is no such message in this conversation.",
                        )
                    })?;
            let membership =
                repo::get::<MembershipRecord>(&*self.store, &keys::membership(b, me, id)).await?;
            let current = self
                .read_mark(
                    caller,
                    &conversation.value,
                    membership.as_ref().map(|m| m.value.clone()),
                )
                .await?;
            let state = |m: &MembershipRecord| ReadState {
                conversation_id: id,
                last_read_message_id: m.last_read_message_id,
                unread_count: conversation.value.seq.saturating_sub(m.last_read_seq),
            };
            if message.value.seq <= current.last_read_seq {
                return Ok(Attempt::Done(state(&current)));
            }
            let read = MembershipRecord {
                conversation_id: Some(id),
                last_read_message_id: Some(message_id),
                last_read_seq: message.value.seq,
            };
            let write = repo::save(membership.as_ref(), keys::membership(b, me, id), &read)?;
            commit(&*self.store, vec![write].into(), state(&read)).await
        })
        .await
    }
}
