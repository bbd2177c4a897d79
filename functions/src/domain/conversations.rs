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
use crate::store::{Condition, Query, Write, encode_cursor};
use anyhow::Context as _;
use futures::future::try_join_all;
use shared::api::{ReadState, SendMessageRequest};
use shared::limits::{
    LIST_PAGE_DEFAULT, LIST_PAGE_MAX, MESSAGES_PAGE_DEFAULT, MESSAGES_PAGE_MAX, REACTION_EMOJI_MAX,
};
use shared::model::{ConversationKind, ConversationSummary, Message, Page, Reactor, Role};
use shared::rules::{Room, Seat, can_post, can_react, can_read};
use shared::validate::{ClientMessageId, Emoji, MessageBody};
use shared::{ConversationId, MessageId};

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

fn not_found() -> Error {
    Error::not_found("conversation.not_found", "There is no such conversation.")
}

fn seat(caller: &Caller, conversation: &ConversationRecord) -> Seat {
    conversation.seat(caller.user_id(), caller.role())
}

fn room(conversation: &ConversationRecord) -> Room {
    conversation.room()
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

    /// The caller's conversations, most recent activity first.
    pub async fn list_conversations(
        &self,
        caller: &Caller,
        cursor: Option<String>,
        limit: Option<usize>,
    ) -> Result<Page<ConversationSummary>> {
        let limit = page_limit(limit, LIST_PAGE_DEFAULT, LIST_PAGE_MAX)?;
        let (b, me) = (caller.business_id(), caller.user_id());
        let q = Query::prefix(keys::person_pk(b, me), ACTIVITY_PREFIX)
            .reverse()
            .limit(limit)
            .after(cursor);
        let page = self.store.query(&q).await?;
        let found = try_join_all(page.items.iter().map(|item| async move {
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
            Ok::<_, Error>((item, conversation, membership))
        }))
        .await?;
        let mut items = Vec::with_capacity(found.len());
        let mut repairs = Vec::new();
        for (item, conversation, membership) in found {
            let id = conversation.id;
            let member = conversation.member(me).is_some();
            let current = keys::activity(b, me, &conversation.activity_key(), id);
            if item.sk != current.1 {
                // Left behind by a large conversation's send, or by an old membership.
                repairs.push(Write::delete(
                    item.pk.clone(),
                    item.sk.clone(),
                    Condition::Always,
                ));
                if member {
                    repairs.push(repo::overwrite(
                        current,
                        &ActivityRecord {
                            conversation_id: id,
                        },
                    )?);
                }
            }
            if !member || items.iter().any(|s: &ConversationSummary| s.id == id) {
                continue;
            }
            let last_read_seq = membership.map(|m| m.value.last_read_seq).unwrap_or(0);
            items.push(self.summary(caller, &conversation, last_read_seq));
        }
        if !repairs.is_empty() {
            write_in_batches(&*self.store, repairs).await;
        }
        Ok(Page {
            items,
            next_cursor: page.next_cursor,
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
                .then(|| c.member(caller.user_id()).map(|m| m.group_role))
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
        Ok(self.summary(
            caller,
            &conversation.value,
            membership.map(|m| m.value.last_read_seq).unwrap_or(0),
        ))
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
            let attempt = commit(&*self.store, writes.into(), (message, Sent::Created)).await?;
            if matches!(attempt, Attempt::Done(_)) {
                write_in_batches(&*self.store, inbox).await;
            }
            Ok(attempt)
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
            let current = membership
                .as_ref()
                .map(|m| m.value.clone())
                .unwrap_or_default();
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
