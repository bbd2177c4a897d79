//! What reacts to committed changes. The same function serves the local change bus and the
//! DynamoDB Streams fan-out Lambda, so both deliver exactly the same events.

pub mod files;
pub mod inbound;
pub mod mail;
pub mod receipts;
pub mod stream;
pub mod texts;

use crate::domain::ports::Realtime;
use crate::store::changes::Committed;
use crate::store::members;
use crate::store::repo::{self, ConversationRecord, MemberRef};
use crate::store::{Change, Item, Store};
use futures::{StreamExt as _, TryStreamExt as _};
use shared::events::*;
use shared::model::ConversationKind;
use shared::model::Role;
use shared::rules::can_post;
use shared::{BusinessId, ConversationId, UserId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::broadcast;

/// Claims an outbox record (an email, a text) before it is sent: `claim` moves a pending one
/// to its claimed state (false: it is not pending), written only if nobody wrote it since it
/// was read. The claimed record; none when it is gone, not pending, or someone else claimed it
/// first (a change delivered twice, or to two consumers, is sent once).
pub(crate) async fn claim<'a, T>(
    store: &dyn Store,
    key: T::Id<'a>,
    claim: impl FnOnce(&mut T) -> bool,
) -> anyhow::Result<Option<repo::Versioned<T>>>
where
    T: repo::Stored,
    T::Id<'a>: Copy,
{
    let Some(mut claimed) = repo::get::<T>(store, key).await? else {
        return Ok(None);
    };
    if !claim(&mut claimed.value) {
        return Ok(None);
    }
    match crate::store::tx::Tx::<()>::from(vec![claimed.update(key)?])
        .commit(store)
        .await
    {
        Ok(()) => Ok(Some(claimed)),
        Err(crate::store::tx::TxError::Stale | crate::store::tx::TxError::Refused(())) => Ok(None),
        Err(crate::store::tx::TxError::Store(e)) => Err(e.into()),
    }
}

/// What a change means for the people of a conversation.
#[derive(Debug)]
pub enum Delivery {
    /// The same event for everyone in it.
    Everyone(Box<ServerEvent>),
    /// The conversation was just created or what may be done in it changed: each person in it
    /// learns what they may do now.
    Permissions(Box<ConversationRecord>),
    /// One person took a seat or their seat changed: they learn what they may do now.
    Seat(Box<MemberRef>),
    /// One person gave up their seat: unless they are still in it by their role, it is gone
    /// for them.
    Left { user: UserId, role: Role },
}

/// The realtime events a change causes, and the conversation whose people receive them.
pub fn events_for(
    change: &Committed,
) -> anyhow::Result<Option<(BusinessId, ConversationId, Delivery)>> {
    Ok(match change {
        Committed::Conversation {
            business,
            id,
            before,
            after: Some(after),
        } => before
            .as_ref()
            .is_none_or(|old| old.room() != after.room())
            .then(|| (*business, *id, Delivery::Permissions(after.clone()))),
        Committed::Member {
            business,
            conversation,
            after: Some(after),
            before,
            ..
        } => match before {
            // The conversation's creation tells those it was created with.
            None => !after.founding,
            Some(old) => (old.group_role, old.can_post) != (after.group_role, after.can_post),
        }
        .then(|| (*business, *conversation, Delivery::Seat(after.clone()))),
        Committed::Member {
            business,
            conversation,
            user,
            before: Some(before),
            after: None,
        } => Some((
            *business,
            *conversation,
            Delivery::Left {
                user: *user,
                role: before.role,
            },
        )),
        Committed::Message {
            business,
            conversation,
            before: Some(before),
            after: Some(after),
        } => {
            let event = if after.deleted && !before.deleted {
                ServerEvent::MessageDeleted(MessageDeleted {
                    conversation_id: *conversation,
                    message_id: after.id,
                })
            } else if after.body != before.body
                || after.edited_at != before.edited_at
                || after.sms != before.sms
            {
                ServerEvent::MessageUpdated(MessageUpdated {
                    message: after.message(),
                })
            } else if before.reactions != after.reactions {
                ServerEvent::ReactionChanged(ReactionChanged {
                    conversation_id: *conversation,
                    message_id: after.id,
                    reactions: after.message().reactions,
                })
            } else {
                return Ok(None);
            };
            Some((
                *business,
                *conversation,
                Delivery::Everyone(Box::new(event)),
            ))
        }
        Committed::Message {
            business,
            conversation,
            before: None,
            after: Some(after),
        } => Some((
            *business,
            *conversation,
            Delivery::Everyone(Box::new(ServerEvent::MessageCreated(MessageCreated {
                message: after.message(),
            }))),
        )),
        Committed::Receipt {
            business,
            conversation,
            before,
            after: Some(after),
        } => {
            let c = *conversation;
            let (read, delivered) = match before {
                Some(b) => (
                    (b.read != after.read).then_some(after.read).flatten(),
                    (b.delivered != after.delivered)
                        .then_some(after.delivered)
                        .flatten(),
                ),
                None => (after.read, after.delivered),
            };
            let mark = |message_id| ConversationRead {
                conversation_id: c,
                user_id: after.user_id,
                message_id,
            };
            let event = match (read, delivered) {
                (Some(m), _) => ServerEvent::ConversationRead(mark(m)),
                (None, Some(m)) => ServerEvent::ConversationDelivered(mark(m)),
                (None, None) => return Ok(None),
            };
            Some((*business, c, Delivery::Everyone(Box::new(event))))
        }
        _ => None,
    })
}

/// What someone whose seat is `member` (none: not listed) may do in `conversation` now.
fn permission(
    conversation: &ConversationRecord,
    member: Option<&MemberRef>,
    role: Role,
) -> ServerEvent {
    ServerEvent::PermissionChanged(PermissionChanged {
        conversation_id: conversation.id,
        can_post: can_post(conversation.seat(member, role), conversation.room()).is_ok(),
        messaging: (conversation.kind == ConversationKind::Private)
            .then_some(conversation.client_mode),
        announcement_only: conversation.announcement_only,
        client_active: conversation.client_active,
    })
}

/// The owner and admins of each business, as this consumer last read them. A change to a
/// business's staff list (which the consumer sees like any other) forgets its entry, so the
/// next event reads it again; what lives longer than one change is only ever this list.
#[derive(Default)]
pub struct Managers {
    known: Mutex<HashMap<BusinessId, ManagerList>>,
}

type ManagerList = Arc<Vec<(UserId, Role)>>;

/// Businesses whose managers one consumer remembers at most.
const MANAGERS_CACHED: usize = 10_000;

impl Managers {
    async fn of(
        &self,
        store: &dyn Store,
        b: BusinessId,
    ) -> anyhow::Result<Arc<Vec<(UserId, Role)>>> {
        if let Some(known) = self.lock().get(&b) {
            return Ok(known.clone());
        }
        let managers = Arc::new(crate::domain::staff::managers(store, b).await?);
        let mut known = self.lock();
        if known.len() >= MANAGERS_CACHED {
            known.clear();
        }
        known.insert(b, managers.clone());
        Ok(managers)
    }

    fn forget(&self, b: BusinessId) {
        self.lock().remove(&b);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<BusinessId, ManagerList>> {
        self.known.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// People whose own event (their seat after a change of permissions) is pushed at once.
const PEOPLE_IN_FLIGHT: usize = 16;

/// Delivers what one committed change means to every member of its conversation.
pub async fn deliver(
    store: &dyn Store,
    realtime: &dyn Realtime,
    managers: &Managers,
    change: &Change,
) -> anyhow::Result<()> {
    let change = Committed::decode(change)?;
    if let Committed::Staff { business } = change {
        managers.forget(business);
        return Ok(());
    }
    if let Some((b, u, session, reason)) = sessions_ended(&change) {
        realtime.end_sessions(b, u, session, reason).await?;
        return Ok(());
    }
    // A mass message moved on: its sender sees the progress.
    if let Committed::MassMessage {
        business: b,
        after: Some(record),
        ..
    } = &change
    {
        let (b, job) = (*b, &record.job);
        let event = ServerEvent::MassMessageProgress(MassMessageProgress {
            id: job.id.clone(),
            status: job.status,
            sent: job.sent,
            failed: job.failed,
        });
        realtime.push(b, job.sender_id, &event).await?;
        return Ok(());
    }
    let Some((b, c, delivery)) = events_for(&change)? else {
        return Ok(());
    };
    let conversation = repo::get::<ConversationRecord>(store, (b, c)).await?;
    match delivery {
        Delivery::Seat(member) => {
            // A seat of a group still being created: its record's creation tells everyone.
            if let Some(conversation) = conversation {
                let event = permission(&conversation.value, Some(&member), member.role);
                realtime.push(b, member.user_id, &event).await?;
            }
            Ok(())
        }
        Delivery::Left { user, role } => {
            let event = match conversation {
                Some(c) if c.value.seat(None, role).is_member => permission(&c.value, None, role),
                _ => ServerEvent::ConversationRemoved(ConversationRemoved { conversation_id: c }),
            };
            realtime.push(b, user, &event).await?;
            Ok(())
        }
        Delivery::Permissions(after) => {
            // Each is told their own seat; a repeat (on a retry) tells the same again.
            let (listed, managers) = people(store, managers, &after).await?;
            let unlisted = managers
                .iter()
                .filter(|(u, _)| listed.iter().all(|m| m.user_id != *u))
                .map(|(u, role)| (*u, permission(&after, None, *role)));
            let told = listed
                .iter()
                .map(|m| (m.user_id, permission(&after, Some(m), m.role)))
                .chain(unlisted)
                .collect::<Vec<_>>();
            let pushes = told
                .into_iter()
                .map(|(user, event)| async move { realtime.push(b, user, &event).await });
            futures::stream::iter(pushes)
                .buffer_unordered(PEOPLE_IN_FLIGHT)
                .try_collect::<()>()
                .await
        }
        Delivery::Everyone(event) => {
            let Some(conversation) = conversation else {
                return Ok(());
            };
            let conversation = conversation.value;
            // A private conversation's record lists its people; a group's are read.
            let (listed, managers) = match conversation.kind.is_group() {
                false => {
                    let managers = managers.of(store, b).await?;
                    (conversation.listed.clone(), managers)
                }
                true => {
                    let (listed, managers) = people(store, managers, &conversation).await?;
                    (listed.into_iter().map(|m| m.user_id).collect(), managers)
                }
            };
            let audience = crate::domain::conversations::audience(&conversation, listed, &managers);
            realtime.push_many(b, &audience, &event).await
        }
    }
}

/// The sessions a change ends, and why: one signed out, or every session of a person whose
/// epoch was raised.
pub fn sessions_ended(
    change: &Committed,
) -> Option<(BusinessId, UserId, Option<&str>, SessionEndReason)> {
    match change {
        Committed::Session {
            business,
            user,
            session,
            ended: true,
        } => Some((*business, *user, Some(session), SessionEndReason::SignedOut)),
        Committed::User {
            business,
            user,
            before: Some(before),
            after,
        } => {
            let reason = match after {
                None => SessionEndReason::Deactivated,
                Some(after) if after.session_epoch == before.session_epoch => return None,
                Some(after) if !after.active => SessionEndReason::Deactivated,
                Some(after) if after.role != before.role => SessionEndReason::RoleChanged,
                Some(after) if after.password_hash != before.password_hash => {
                    SessionEndReason::PasswordChanged
                }
                Some(_) => SessionEndReason::SignedOutEverywhere,
            };
            Some((*business, *user, None, reason))
        }
        _ => None,
    }
}

/// Who is listed in `conversation`, and the managers who are in it by their role.
async fn people(
    store: &dyn Store,
    managers: &Managers,
    conversation: &ConversationRecord,
) -> anyhow::Result<(Vec<MemberRef>, ManagerList)> {
    let b = conversation.business_id;
    let listed = members::all(store, b, conversation.id).await?;
    let managers = match conversation.managed() {
        true => managers.of(store, b).await?,
        false => Arc::default(),
    };
    Ok((listed, managers))
}

/// Consumes the embedded store's change bus until it closes: live events, and the outbox's
/// emails.
pub async fn run_local(
    store: Arc<dyn Store>,
    realtime: Arc<dyn Realtime>,
    email: Arc<dyn crate::domain::ports::Email>,
    blobs: Arc<dyn crate::domain::ports::Blobs>,
    mut changes: broadcast::Receiver<Arc<Change>>,
) {
    let managers = Managers::default();
    loop {
        match changes.recv().await {
            Ok(change) => {
                if let Err(e) = deliver(&*store, &*realtime, &managers, &change).await {
                    tracing::warn!(error = ?e, pk = %change.pk, sk = %change.sk, "delivering a change failed");
                }
                let committed = match Committed::decode(&change) {
                    Ok(committed) => committed,
                    Err(e) => {
                        tracing::warn!(error = ?e, pk = %change.pk, sk = %change.sk, "a change could not be read");
                        continue;
                    }
                };
                if let Err(e) = mail::send_due(&*store, &*email, &committed).await {
                    tracing::warn!(error = ?e, pk = %change.pk, sk = %change.sk, "sending an email failed");
                }
                if let Err(e) = files::delete_due(&*store, &*blobs, &committed).await {
                    tracing::warn!(error = ?e, pk = %change.pk, sk = %change.sk, "deleting a file failed");
                }
            }
            Err(broadcast::error::RecvError::Lagged(n)) => {
                tracing::warn!(
                    missed = n,
                    "realtime fell behind; clients catch up by cursor on their next fetch"
                );
            }
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}

/// A stream record's images as a change (the fan-out Lambda).
pub fn change_from_images(old: Option<Item>, new: Option<Item>) -> Option<Change> {
    let (pk, sk) = match (&old, &new) {
        (_, Some(i)) | (Some(i), None) => (i.pk.clone(), i.sk.clone()),
        (None, None) => return None,
    };
    Some(Change { pk, sk, old, new })
}
