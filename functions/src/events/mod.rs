//! What reacts to committed changes. The same function serves the local change bus and the
//! DynamoDB Streams fan-out Lambda, so both deliver exactly the same events.

pub mod stream;

use crate::domain::ports::Realtime;
use crate::store::changes::Committed;
use crate::store::keys;
use crate::store::repo::{self, ConversationRecord};
use crate::store::{Change, Item, Store};
use shared::events::ServerEvent;
use shared::model::ConversationKind;
use shared::model::Role;
use shared::rules::can_post;
use shared::{BusinessId, ConversationId, UserId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::broadcast;

/// What a change means for the members of a conversation.
#[derive(Debug)]
pub enum Delivery {
    /// The same event for every member.
    Everyone(ServerEvent),
    /// Who is in the conversation or who may post there changed (or it was just created):
    /// each member learns what they may do now, and anyone no longer in it that it is gone.
    Permissions {
        before: Option<Box<ConversationRecord>>,
        after: Box<ConversationRecord>,
    },
}

/// The realtime events a change causes, and the conversation whose members receive them.
pub fn events_for(
    change: &Committed,
) -> anyhow::Result<Option<(BusinessId, ConversationId, Delivery)>> {
    Ok(match change {
        Committed::Conversation {
            business,
            id,
            before,
            after: Some(after),
        } => {
            let seats = |r: &ConversationRecord| {
                r.members
                    .iter()
                    .map(|m| (m.user_id, m.group_role, m.can_post))
                    .collect::<Vec<_>>()
            };
            let changed = before
                .as_ref()
                .is_none_or(|old| old.room() != after.room() || seats(old) != seats(after));
            changed.then(|| {
                (
                    *business,
                    *id,
                    Delivery::Permissions {
                        before: before.clone(),
                        after: after.clone(),
                    },
                )
            })
        }
        Committed::Message {
            business,
            conversation,
            before: Some(before),
            after: Some(after),
        } => (before.message.reactions != after.message.reactions).then(|| {
            (
                *business,
                *conversation,
                Delivery::Everyone(ServerEvent::ReactionChanged {
                    conversation_id: *conversation,
                    message_id: after.message.id,
                    reactions: after.message.reactions.clone(),
                }),
            )
        }),
        Committed::Message {
            business,
            conversation,
            before: None,
            after: Some(after),
        } => Some((
            *business,
            *conversation,
            Delivery::Everyone(ServerEvent::MessageCreated {
                message: after.message.clone(),
            }),
        )),
        Committed::ReadMark {
            business,
            user,
            before,
            after: Some(after),
        } => {
            let moved = before
                .as_ref()
                .is_none_or(|b| b.last_read_message_id != after.last_read_message_id);
            match (moved, after.conversation_id, after.last_read_message_id) {
                (true, Some(c), Some(m)) => Some((
                    *business,
                    c,
                    Delivery::Everyone(ServerEvent::ConversationRead {
                        conversation_id: c,
                        user_id: *user,
                        message_id: m,
                    }),
                )),
                _ => None,
            }
        }
        _ => None,
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
    // A mass message moved on: its sender sees the progress.
    if let Committed::MassMessage {
        business: b,
        after: Some(record),
        ..
    } = &change
    {
        let (b, job) = (*b, &record.job);
        let event = ServerEvent::MassMessageProgress {
            id: job.id.clone(),
            status: job.status,
            sent: job.sent,
            failed: job.failed,
        };
        realtime.push(b, job.sender_id, &event).await?;
        return Ok(());
    }
    let Some((b, c, delivery)) = events_for(&change)? else {
        return Ok(());
    };
    let event = match delivery {
        Delivery::Everyone(event) => event,
        Delivery::Permissions { before, after } => {
            let room = after.room();
            let managers = match after.managed() {
                true => managers.of(store, b).await?,
                false => Arc::default(),
            };
            let listed = after.members.iter().map(|m| (m.user_id, m.role));
            let unlisted = managers.iter().filter(|(u, _)| after.member(*u).is_none());
            for (user, role) in listed.chain(unlisted.copied()) {
                let event = ServerEvent::PermissionChanged {
                    conversation_id: c,
                    can_post: can_post(after.seat(user, role), room).is_ok(),
                    messaging: (after.kind == ConversationKind::Private)
                        .then_some(after.client_mode),
                    announcement_only: after.announcement_only,
                };
                realtime.push(b, user, &event).await?;
            }
            for gone in before
                .iter()
                .flat_map(|old| old.members.iter())
                .filter(|m| !after.seat(m.user_id, m.role).is_member)
            {
                let event = ServerEvent::ConversationRemoved { conversation_id: c };
                realtime.push(b, gone.user_id, &event).await?;
            }
            return Ok(());
        }
    };
    let Some(conversation) =
        repo::get::<ConversationRecord>(store, &keys::conversation(b, c)).await?
    else {
        return Ok(());
    };
    let conversation = conversation.value;
    let managers = match conversation.managed() {
        true => managers.of(store, b).await?,
        false => Arc::default(),
    };
    for user in crate::domain::conversations::audience(&conversation, &managers) {
        realtime.push(b, user, &event).await?;
    }
    Ok(())
}

/// Consumes the embedded store's change bus until it closes.
pub async fn run_local(
    store: Arc<dyn Store>,
    realtime: Arc<dyn Realtime>,
    mut changes: broadcast::Receiver<Arc<Change>>,
) {
    let managers = Managers::default();
    loop {
        match changes.recv().await {
            Ok(change) => {
                if let Err(e) = deliver(&*store, &*realtime, &managers, &change).await {
                    tracing::warn!(error = ?e, pk = %change.pk, sk = %change.sk, "delivering a change failed");
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
