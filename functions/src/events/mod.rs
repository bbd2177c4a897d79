//! What reacts to committed changes. The same function serves the local change bus and the
//! DynamoDB Streams fan-out Lambda, so both deliver exactly the same events.

pub mod stream;

use crate::adapters::Realtime;
use crate::store::keys::{self, MEMBERSHIP_PREFIX, MESSAGE_PREFIX};
use crate::store::repo::{self, ConversationRecord, MembershipRecord, MessageRecord};
use crate::store::{Change, Item, Query, Store};
use anyhow::Context as _;
use shared::events::ServerEvent;
use shared::model::{ConversationKind, Role, StaffMember};
use shared::rules::can_post;
use shared::{BusinessId, ConversationId, UserId};
use std::sync::Arc;
use tokio::sync::broadcast;

/// The business and the person a `B#<b>#U#<u>` partition belongs to.
fn person_of(pk: &str) -> Option<(BusinessId, UserId)> {
    let rest = pk.strip_prefix("B#")?;
    let (b, u) = rest.split_once("#U#")?;
    Some((b.parse().ok()?, u.parse().ok()?))
}

/// The business a `B#<b>#C#<c>` partition belongs to.
fn conversation_of(pk: &str) -> Option<(BusinessId, ConversationId)> {
    let rest = pk.strip_prefix("B#")?;
    let (b, c) = rest.split_once("#C#")?;
    Some((b.parse().ok()?, c.parse().ok()?))
}

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
    change: &Change,
) -> anyhow::Result<Option<(BusinessId, ConversationId, Delivery)>> {
    let Some(new) = &change.new else {
        return Ok(None);
    };
    if change.sk == keys::CONVERSATION_META {
        let (b, c) = conversation_of(&change.pk).context("a conversation outside its partition")?;
        let after = repo::decode::<ConversationRecord>(new)?.value;
        let before = change
            .old
            .as_ref()
            .map(repo::decode::<ConversationRecord>)
            .transpose()?
            .map(|v| v.value);
        let seats = |r: &ConversationRecord| {
            r.members
                .iter()
                .map(|m| (m.user_id, m.group_role, m.can_post))
                .collect::<Vec<_>>()
        };
        let changed = before
            .as_ref()
            .is_none_or(|old| old.room() != after.room() || seats(old) != seats(&after));
        if changed {
            return Ok(Some((
                b,
                c,
                Delivery::Permissions {
                    before: before.map(Box::new),
                    after: Box::new(after),
                },
            )));
        }
        return Ok(None);
    }
    if change.sk.starts_with(MESSAGE_PREFIX)
        && let Some(old) = &change.old
    {
        let (b, c) =
            conversation_of(&change.pk).context("a message outside a conversation partition")?;
        let after = repo::decode::<MessageRecord>(new)?.value.message;
        let before = repo::decode::<MessageRecord>(old)?.value.message;
        if before.reactions != after.reactions {
            return Ok(Some((
                b,
                c,
                Delivery::Everyone(ServerEvent::ReactionChanged {
                    conversation_id: c,
                    message_id: after.id,
                    reactions: after.reactions,
                }),
            )));
        }
        return Ok(None);
    }
    if change.sk.starts_with(MESSAGE_PREFIX) {
        let (b, c) =
            conversation_of(&change.pk).context("a message outside a conversation partition")?;
        let record = repo::decode::<MessageRecord>(new)?.value;
        return Ok(Some((
            b,
            c,
            Delivery::Everyone(ServerEvent::MessageCreated {
                message: record.message,
            }),
        )));
    }
    if change.sk.starts_with(MEMBERSHIP_PREFIX) {
        let (b, u) = person_of(&change.pk).context("a membership outside a person partition")?;
        let after = repo::decode::<MembershipRecord>(new)?.value;
        let before = change
            .old
            .as_ref()
            .map(repo::decode::<MembershipRecord>)
            .transpose()?
            .map(|m| m.value);
        let moved = before.is_none_or(|b| b.last_read_message_id != after.last_read_message_id);
        if let (true, Some(c), Some(m)) = (moved, after.conversation_id, after.last_read_message_id)
        {
            return Ok(Some((
                b,
                c,
                Delivery::Everyone(ServerEvent::ConversationRead {
                    conversation_id: c,
                    user_id: u,
                    message_id: m,
                }),
            )));
        }
    }
    Ok(None)
}

/// Delivers what one committed change means to every member of its conversation.
pub async fn deliver(
    store: &dyn Store,
    realtime: &dyn Realtime,
    change: &Change,
) -> anyhow::Result<()> {
    // A mass message moved on: its sender sees the progress.
    if let (Some((b, _)), Some(new)) = (crate::domain::mass::job_of(change), &change.new) {
        let job = repo::decode::<repo::MassRecord>(new)?.value.job;
        let event = ServerEvent::MassMessageProgress {
            id: job.id,
            status: job.status,
            sent: job.sent,
            failed: job.failed,
        };
        realtime.push(b, job.sender_id, &event).await?;
        return Ok(());
    }
    let Some((b, c, delivery)) = events_for(change)? else {
        return Ok(());
    };
    let event = match delivery {
        Delivery::Everyone(event) => event,
        Delivery::Permissions { before, after } => {
            let room = after.room();
            let managers = match after.managed() {
                true => managers(store, b).await?,
                false => Vec::new(),
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
    for member in &conversation.members {
        realtime.push(b, member.user_id, &event).await?;
    }
    if conversation.managed() {
        for (manager, _) in managers(store, b).await? {
            if conversation.member(manager).is_none() {
                realtime.push(b, manager, &event).await?;
            }
        }
    }
    Ok(())
}

/// The business's owner and admins, who are in its private conversations and company channels
/// without being listed.
async fn managers(store: &dyn Store, b: BusinessId) -> anyhow::Result<Vec<(UserId, Role)>> {
    let q = Query::prefix(keys::staff_pk(b), keys::STAFF_PREFIX);
    Ok(repo::query_all::<StaffMember>(store, q)
        .await?
        .into_iter()
        .filter(|s| s.value.role.is_manager() && s.value.joined)
        .map(|s| (s.value.id, s.value.role))
        .collect())
}

/// Consumes the embedded store's change bus until it closes.
pub async fn run_local(
    store: Arc<dyn Store>,
    realtime: Arc<dyn Realtime>,
    mut changes: broadcast::Receiver<Arc<Change>>,
) {
    loop {
        match changes.recv().await {
            Ok(change) => {
                if let Err(e) = deliver(&*store, &*realtime, &change).await {
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
