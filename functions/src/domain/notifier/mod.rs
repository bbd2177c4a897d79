//! What reaches people who are not looking: for each new message, every member but its sender
//! is weighed by `shared::notify::decide` (what they are viewing, when they were last in the
//! app, their level for the conversation, mentions, their settings, their quiet hours), and gets
//! what it says:
//!
//! - in-app: an entry of their bell, one per conversation while unread, counting its messages
//!   (and told live, so an app in the background can show it);
//! - a push to each of their browsers, or, in quiet hours, one summary push when they end;
//! - an email digest 15 minutes on (or when quiet hours end) of what is still unread then: one
//!   per person per window, listing conversations and counts, with an unsubscribe link.
//!
//! Reading a conversation reads its entry, so what was read in time is in no digest or summary.
//!
//! It runs from the change stream (the `notifications` function on AWS, a worker of the local
//! server), which delivers each change at least once: an entry counts a message once (it
//! remembers the last it counted), a push remembers which browsers it reached (a retry pushes
//! only to the others), and a digest or summary is one scheduled job guarded by one record.

use super::auth::Caller;
use super::notifications::{Notifications, quiet_ends, quiet_now};
use super::ports::Realtime;
use super::push::{Push, Urgency};
use super::scheduler::minute_of;
use super::unsubscribe::Unsubscribe;
use super::*;
use crate::store::changes::Committed;
use crate::store::repo::{
    self, AttentionDue, BusinessRecord, ConversationRecord, DigestDue, DueJobRecord, Job,
    MessageRecord, NeedsAttentionRecord, NoteKind, NoteRecord, NotifyLevelRecord, PushClaimRecord,
    SummaryDue, UserRecord, Versioned,
};
use shared::api::{MarkNotificationsRead, Notification, NotificationList, PushPayload};
use shared::events::{NotificationCreated, ServerEvent};
use shared::model::{MassStatus, MessagingMode, ModeChangeReason, NotifyLevel, Role};
use shared::notify::{Recipient, When};
use shared::{BusinessId, ConversationId, UserId};
use time::OffsetDateTime;

mod events;
mod jobs;

/// A record guarding a scheduled job: when it is due.
trait Scheduled: serde::Serialize + serde::de::DeserializeOwned + Send + Sync {
    fn at(&self) -> OffsetDateTime;
}

impl Scheduled for DigestDue {
    fn at(&self) -> OffsetDateTime {
        self.at
    }
}

impl Scheduled for SummaryDue {
    fn at(&self) -> OffsetDateTime {
        self.at
    }
}

/// Entries the bell lists at most (the newest).
pub const LISTED_MAX: usize = 50;
/// Members weighed at once for one message.
const CONCURRENT_RECIPIENTS: usize = 16;
/// Conversations one digest lists at most (the rest are counted).
const DIGEST_LISTS_MAX: usize = 20;
/// A digest or summary scheduled this long ago and never run is scheduled again.
const STALE_AFTER: time::Duration = time::Duration::hours(1);

pub struct Notifier {
    store: Arc<dyn Store>,
    realtime: Arc<dyn Realtime>,
    push: Arc<Push>,
    notifications: Arc<Notifications>,
    unsubscribe: Arc<Unsubscribe>,
    site_url: String,
}

/// Where a person's app opens a conversation.
fn conversation_url(role: Role, c: ConversationId) -> String {
    match role {
        Role::Client => format!("/c/inbox/{c}"),
        _ => format!("/inbox/{c}"),
    }
}

/// Where a person's app lists conversations.
fn inbox_url(role: Role) -> &'static str {
    match role {
        Role::Client => "/c/inbox",
        _ => "/inbox",
    }
}

impl Notifier {
    pub fn new(
        store: Arc<dyn Store>,
        realtime: Arc<dyn Realtime>,
        push: Arc<Push>,
        notifications: Arc<Notifications>,
        unsubscribe: Arc<Unsubscribe>,
        site_url: &str,
    ) -> Self {
        Self {
            store,
            realtime,
            push,
            notifications,
            unsubscribe,
            site_url: site_url.trim_end_matches('/').to_owned(),
        }
    }

    /// What a committed change means for notifications, at `now`: a new message notifies its
    /// conversation's people; a read mark reads their entry.
    pub async fn on_change(&self, change: &Committed, now: OffsetDateTime) -> Result<()> {
        // Signed out: that session's browsers get no more pushes.
        if let Some((b, u, session, _)) = crate::events::sessions_ended(change) {
            self.push.forget_session(b, u, session).await?;
        }
        match change {
            Committed::Message {
                business,
                conversation,
                before: None,
                after: Some(message),
            } if !message.deleted && !message.merged => {
                self.on_message(*business, *conversation, message, now)
                    .await
            }
            Committed::Receipt {
                business,
                conversation,
                before,
                after: Some(after),
            } => {
                let moved = before.as_ref().is_none_or(|b| b.read != after.read);
                match (moved, after.read) {
                    (true, Some(read)) => {
                        self.read_through(*business, after.user_id, *conversation, read)
                            .await
                    }
                    _ => Ok(()),
                }
            }
            Committed::User {
                business,
                before: Some(before),
                after: Some(after),
                ..
            } if !before.joined() && after.joined() => {
                self.client_joined(*business, after, now).await
            }
            Committed::MassMessage {
                business,
                after: Some(record),
                ..
            } if record.job.status == MassStatus::Done => {
                self.mass_done(*business, &record.job, now).await
            }
            Committed::Conversation {
                business,
                before: Some(before),
                after: Some(after),
                ..
            } if before.client_mode != after.client_mode && !after.kind.is_group() => {
                self.messaging_changed(*business, after, now).await
            }
            Committed::Texting {
                business,
                before: Some(before),
                after: Some(after),
            } if before.registration.state != after.registration.state => {
                self.texting_reviewed(*business, after, now).await
            }
            _ => Ok(()),
        }
    }

    /// Who a message of `conversation` concerns: every member but its sender; in a private
    /// conversation nobody of the staff is listed in, the owner and admins.
    async fn recipients(
        &self,
        conversation: &ConversationRecord,
        sender: UserId,
    ) -> Result<Vec<UserId>> {
        let b = conversation.business_id;
        let mut people: Vec<UserId> = match conversation.kind.is_group() {
            true => crate::store::members::all(&*self.store, b, conversation.id)
                .await?
                .into_iter()
                .map(|m| m.user_id)
                .collect(),
            false => conversation.listed.clone(),
        };
        let staff_listed = people.iter().any(|u| Some(*u) != conversation.client_id);
        if !conversation.kind.is_group() && !staff_listed {
            people.extend(
                super::staff::managers(&*self.store, b)
                    .await?
                    .into_iter()
                    .map(|(u, _)| u),
            );
        }
        people.retain(|u| *u != sender);
        Ok(unique_in_order(people))
    }

    async fn on_message(
        &self,
        b: BusinessId,
        c: ConversationId,
        message: &MessageRecord,
        now: OffsetDateTime,
    ) -> Result<()> {
        let Some(conversation) = repo::get::<ConversationRecord>(&*self.store, (b, c)).await?
        else {
            return Ok(());
        };
        let conversation = conversation.value;
        if !conversation.kind.is_group() && conversation.client_id.is_some() {
            self.attention(&conversation, message).await?;
        }
        let people = self.recipients(&conversation, message.sender_id).await?;
        let names = self.mentioned_names(b, message).await?;
        let results: Vec<Result<()>> =
            futures::StreamExt::collect(futures::StreamExt::buffer_unordered(
                futures::stream::iter(
                    people
                        .into_iter()
                        .map(|u| self.notify_one(&conversation, message, &names, u, now)),
                ),
                CONCURRENT_RECIPIENTS,
            ))
            .await;
        // Everyone is tried; the first failure makes the change be delivered again (what
        // was done is not done twice).
        results.into_iter().collect()
    }

    /// The names of the people a message mentions, for its text in a notification.
    async fn mentioned_names(
        &self,
        b: BusinessId,
        message: &MessageRecord,
    ) -> Result<Vec<(UserId, String)>> {
        let mut names = Vec::new();
        for u in message.mentions.iter().take(20) {
            if let Some(user) = repo::get::<UserRecord>(&*self.store, (b, *u)).await? {
                names.push((*u, user.value.name));
            }
        }
        Ok(names)
    }

    /// What `u` is told of `message`, per the rules.
    async fn notify_one(
        &self,
        conversation: &ConversationRecord,
        message: &MessageRecord,
        names: &[(UserId, String)],
        u: UserId,
        now: OffsetDateTime,
    ) -> Result<()> {
        let (b, c) = (conversation.business_id, conversation.id);
        let Some(user) = repo::get::<UserRecord>(&*self.store, (b, u)).await? else {
            return Ok(());
        };
        let user = user.value;
        // Someone who never signed in (an invite not accepted yet) hears of it by the invite.
        if !user.active || !user.joined() {
            return Ok(());
        }
        let settings = self.notifications.settings_of(b, u).await?;
        let level = match repo::get::<NotifyLevelRecord>(&*self.store, (b, u, c)).await? {
            Some(chosen) => chosen.value.0,
            None if conversation.announcement_only => settings.announcements,
            None => NotifyLevel::All,
        };
        let presence = self.realtime.presence(b, u).await?;
        let decision = shared::notify::decide(Recipient {
            viewing: presence.viewing(c),
            active: presence.active(now.unix_timestamp()),
            level,
            mentioned: message.mentions.contains(&u),
            push: settings.push,
            email: settings.email && user.email.is_some(),
            quiet: quiet_now(&settings, now),
        });
        if !decision.in_app {
            return Ok(());
        }
        let title = super::conversations::title(conversation, user.role);
        let name_of = |id: UserId| {
            names
                .iter()
                .find(|(n, _)| *n == id)
                .map(|(_, name)| name.clone())
        };
        let attachments: Vec<shared::model::Attachment> = message
            .attachments
            .iter()
            .cloned()
            .map(Into::into)
            .collect();
        let said = shared::media::message_summary(&message.body, &attachments, &name_of);
        // Who wrote it, unless the title says so already (a client's own conversation, for
        // the staff).
        let body = match Some(message.sender_id) == conversation.client_id && user.role.is_staff() {
            true => said,
            false => format!("{}: {said}", message.sender_name),
        };
        let body: String = body.chars().take(200).collect();
        let note = self
            .count_message(
                b,
                u,
                conversation,
                message,
                &title,
                &body,
                &decision,
                user.role,
            )
            .await?;
        if let Some(note) = &note {
            let event = ServerEvent::NotificationCreated(NotificationCreated {
                id: note.id.clone(),
            });
            if let Err(e) = self.realtime.push(b, u, &event).await {
                tracing::warn!(error = ?e, "telling an app of a notification failed");
            }
        }
        let shown = note.map_or(body, |n| match n.count {
            0 | 1 => n.body,
            count => format!("{count} new messages · {}", n.body),
        });
        let payload = PushPayload {
            title,
            body: shown,
            url: conversation_url(user.role, c),
            tag: c.to_string(),
        };
        let claim = message.id.to_string();
        self.deliver(
            b,
            u,
            &decision,
            &settings,
            &payload,
            &claim,
            Urgency::High,
            now,
        )
        .await
    }

    /// Counts `message` in `u`'s entry for its conversation: a new entry, one more message of
    /// an unread one, or the first of one read before. The entry as it is now, or None when
    /// this message was counted already (a change delivered again).
    #[allow(clippy::too_many_arguments)]
    async fn count_message(
        &self,
        b: BusinessId,
        u: UserId,
        conversation: &ConversationRecord,
        message: &MessageRecord,
        title: &str,
        body: &str,
        decision: &shared::notify::Decision,
        role: Role,
    ) -> Result<Option<NoteRecord>> {
        let c = conversation.id;
        let id = c.to_string();
        retrying(|| async {
            let current = repo::get::<NoteRecord>(&*self.store, (b, u, id.as_str())).await?;
            let unread = current.as_ref().filter(|n| !n.value.read);
            if let Some(n) = &current
                && n.value.last_message.is_some_and(|last| last >= message.id)
            {
                return Ok(Attempt::Done(None));
            }
            let note = NoteRecord {
                id: id.clone(),
                kind: NoteKind::Message,
                conversation_id: Some(c),
                title: title.to_owned(),
                body: body.to_owned(),
                count: unread.map_or(1, |n| n.value.count.saturating_add(1)),
                mentioned: message.mentions.contains(&u)
                    || unread.is_some_and(|n| n.value.mentioned),
                last_message: Some(message.id),
                url: conversation_url(role, c),
                at: message.created_at,
                read: false,
                email_due: decision.email != When::Never
                    || unread.is_some_and(|n| n.value.email_due),
                push_held: decision.push == When::AfterQuietHours
                    || unread.is_some_and(|n| n.value.push_held),
            };
            let tx = Writes::from(vec![repo::save(
                current.as_ref(),
                (b, u, id.as_str()),
                &note,
            )?]);
            commit(&*self.store, tx, Some(note)).await
        })
        .await
    }

    /// Pushes `payload` to `u`'s browsers once: claimed as `claim`, a retry pushes only to the
    /// browsers the first try did not reach. A browser that failed fails the whole, so the
    /// change is delivered again.
    async fn push_once(
        &self,
        b: BusinessId,
        u: UserId,
        claim: &str,
        payload: &PushPayload,
        urgency: Urgency,
        now: OffsetDateTime,
    ) -> Result<()> {
        let before = repo::get::<PushClaimRecord>(&*self.store, (b, u, claim)).await?;
        let mut reached = before.map(|c| c.value.reached).unwrap_or_default();
        let (delivered, now_reached) = self
            .push
            .send_except(b, u, payload, urgency, &reached)
            .await?;
        if !now_reached.is_empty() {
            reached.extend(now_reached);
            let record = PushClaimRecord { reached, at: now };
            self.store
                .transact(vec![repo::overwrite((b, u, claim), &record)?])
                .await?;
        }
        if delivered.failed > 0 {
            return Err(anyhow::anyhow!(
                "{} of {}'s browsers took no push; tried again",
                delivered.failed,
                u
            )
            .into());
        }
        Ok(())
    }

    /// Schedules `u`'s email digest for `at`, unless one is scheduled already (what is unread
    /// then joins it).
    async fn schedule_digest(
        &self,
        b: BusinessId,
        u: UserId,
        at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<()> {
        self.schedule_once(
            b,
            u,
            DigestDue { at },
            Job::EmailDigest { user: u },
            "digest",
            now,
        )
        .await
    }

    /// Schedules `u`'s summary after quiet hours for `at` (their end), unless one is.
    async fn schedule_summary(
        &self,
        b: BusinessId,
        u: UserId,
        at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<()> {
        self.schedule_once(
            b,
            u,
            SummaryDue { at },
            Job::QuietSummary { user: u },
            "summary",
            now,
        )
        .await
    }

    /// Schedules `job` for `u` at `due`'s time, guarded by `due`'s record: while one is
    /// scheduled (and not long overdue), nothing more is.
    async fn schedule_once<D>(
        &self,
        b: BusinessId,
        u: UserId,
        due: D,
        job: Job,
        name: &str,
        now: OffsetDateTime,
    ) -> Result<()>
    where
        D: Scheduled + for<'a> repo::Stored<Id<'a> = (BusinessId, UserId)>,
    {
        let at = due.at();
        let id = format!("{name}-{u}");
        retrying(|| async {
            let current = repo::get::<D>(&*self.store, (b, u)).await?;
            if current
                .as_ref()
                .is_some_and(|d| d.value.at() > now - STALE_AFTER)
            {
                return Ok(Attempt::Done(()));
            }
            let job = DueJobRecord {
                at,
                job: job.clone(),
            };
            let tx = Writes::from(vec![
                repo::save(current.as_ref(), (b, u), &due)?,
                repo::overwrite((minute_of(at), b, id.as_str()), &job)?,
            ]);
            commit(&*self.store, tx, ()).await
        })
        .await
    }

    /// Sends what `decision` says beyond the bell: the push now (once, as `claim`) or in the
    /// summary after quiet hours, and the email digest 15 minutes on or after quiet hours.
    #[allow(clippy::too_many_arguments)]
    async fn deliver(
        &self,
        b: BusinessId,
        u: UserId,
        decision: &shared::notify::Decision,
        settings: &shared::model::NotificationSettings,
        payload: &PushPayload,
        claim: &str,
        urgency: Urgency,
        now: OffsetDateTime,
    ) -> Result<()> {
        match decision.push {
            When::Now => self.push_once(b, u, claim, payload, urgency, now).await?,
            When::AfterQuietHours => {
                if let Some(end) = quiet_ends(settings, now) {
                    self.schedule_summary(b, u, end, now).await?;
                }
            }
            When::Never | When::IfUnread => {}
        }
        let email_at = match decision.email {
            When::IfUnread => Some(now + time::Duration::seconds(shared::notify::EMAIL_AFTER_SECS)),
            When::AfterQuietHours => quiet_ends(settings, now),
            When::Never | When::Now => None,
        };
        if let Some(at) = email_at {
            self.schedule_digest(b, u, at, now).await?;
        }
        Ok(())
    }

    /// `u` read conversation `c` through `read`: its entry is read if that covers its last
    /// message.
    async fn read_through(
        &self,
        b: BusinessId,
        u: UserId,
        c: ConversationId,
        read: shared::MessageId,
    ) -> Result<()> {
        let id = c.to_string();
        retrying(|| async {
            let Some(note) = repo::get::<NoteRecord>(&*self.store, (b, u, id.as_str())).await?
            else {
                return Ok(Attempt::Done(()));
            };
            let covered = note.value.last_message.is_some_and(|last| last <= read);
            if note.value.read || !covered {
                return Ok(Attempt::Done(()));
            }
            let tx = Writes::from(vec![read_note(&note).update((b, u, id.as_str()))?]);
            commit(&*self.store, tx, ()).await
        })
        .await
    }

    /// The caller's bell: the newest entries and how many are unread.
    pub async fn list(&self, caller: &Caller) -> Result<NotificationList> {
        let (b, u) = (caller.business_id(), caller.user_id());
        let mut notes = crate::store::notes::of(&*self.store, b, u).await?;
        let unread = notes.iter().filter(|n| !n.value.read).count();
        notes.sort_by(|x, y| (y.value.at, &y.value.id).cmp(&(x.value.at, &x.value.id)));
        let notifications: Vec<Notification> = notes
            .into_iter()
            .take(LISTED_MAX)
            .map(|n| n.value.into())
            .collect();
        Ok(NotificationList {
            notifications,
            unread: unread.try_into().unwrap_or(u32::MAX),
        })
    }

    /// Marks the caller's entries read: those named (ids that are not theirs are ignored), or
    /// all. Their bell as it is then.
    pub async fn mark_read(
        &self,
        caller: &Caller,
        req: MarkNotificationsRead,
    ) -> Result<NotificationList> {
        // Neither, or both.
        if req.all != req.ids.is_empty() {
            return Err(Error::invalid(
                "notifications.read_invalid",
                "Name the notifications read (ids), or mark them all (all: true), not both.",
            ));
        }
        if req.ids.len() > 100 || req.ids.iter().any(|id| id.parse::<ulid::Ulid>().is_err()) {
            return Err(Error::invalid(
                "notifications.read_invalid",
                "At most 100 notification ids, each as the list gives it.",
            ));
        }
        let (b, u) = (caller.business_id(), caller.user_id());
        let notes = crate::store::notes::of(&*self.store, b, u).await?;
        let writes = notes
            .iter()
            .filter(|n| !n.value.read && (req.all || req.ids.contains(&n.value.id)))
            .map(|n| read_note(n).update((b, u, n.value.id.as_str())))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        for batch in writes.chunks(crate::store::MAX_TRANSACTION_WRITES) {
            // One read meanwhile by the stream (the conversation opened) changes nothing.
            crate::store::unless_changed(&*self.store, batch.to_vec()).await?;
        }
        self.list(caller).await
    }
}

/// An entry marked read: nothing of it waits for a digest or a summary any more.
fn read_note(n: &Versioned<NoteRecord>) -> Versioned<NoteRecord> {
    let mut next = n.clone();
    next.value.read = true;
    next.value.email_due = false;
    next.value.push_held = false;
    next
}

/// Delivers each change of the local change bus to the notifier, in order, retrying one that
/// fails (a push service down) a few times with backoff, as the stream's retries do on AWS.
pub async fn run_worker(
    services: AppState,
    mut changes: tokio::sync::broadcast::Receiver<Arc<crate::store::Change>>,
) {
    use tokio::sync::broadcast::error::RecvError;
    loop {
        let change = match changes.recv().await {
            Ok(change) => change,
            Err(RecvError::Lagged(n)) => {
                tracing::warn!(missed = n, "notifications fell behind; some were not sent");
                continue;
            }
            Err(RecvError::Closed) => return,
        };
        let Ok(committed) = Committed::decode(&change) else {
            continue;
        };
        let mut wait = std::time::Duration::from_millis(100);
        for attempt in 1..=RETRIES {
            match services.notifier.on_change(&committed, now()).await {
                Ok(()) => break,
                Err(e) if attempt == RETRIES => {
                    tracing::warn!(error = ?e, pk = %change.pk, sk = %change.sk, "notifying failed; given up");
                }
                Err(e) => {
                    tracing::debug!(error = ?e, attempt, "notifying failed; tried again");
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(std::time::Duration::from_secs(5));
                }
            }
        }
    }
}

/// How often the local worker tries one change, waiting twice as long each time (up to 5 s):
/// about a minute in all. (The stream retries 5 times on AWS, then the dead-letter queue.)
const RETRIES: u32 = 16;
