//! Work that must happen later (messages sent later, email digests, summaries after quiet
//! hours), and messages sent later.
//!
//! One scheduler for everything due at a time: each job is kept in the partition of the minute
//! it is due (`keys::due_pk`), and [`Scheduler::run_due`] reads each minute's partition once
//! that minute has come, runs what is due and deletes it, then moves a cursor past the minute.
//! Locally a worker of the server calls it every second; on AWS the `scheduler` function, every
//! minute (an EventBridge schedule). Nothing is lost across a restart (the jobs are in the
//! store) and nothing is done twice: a job may run again after a crash, and each job is
//! idempotent (a scheduled message is sent with its own client message id).
//!
//! Send later: staff schedule a message (`send_at`); it is listed (`GET /api/scheduled`),
//! changed or sent now (`PATCH`), cancelled (`DELETE`), and sent once at its time.

use super::auth::Caller;
use super::conversations::Conversations;
use super::*;
use crate::store::repo::{
    self, DueCursor, DueJobRecord, Job, ScheduledMassRecord, ScheduledMessageRecord, UserRecord,
    Versioned,
};
use shared::api::{
    CreateMassMessageRequest, ScheduledMass, ScheduledMessage, SendMessageRequest,
    UpdateScheduledRequest,
};
use shared::rules::can_post;
use shared::validate::MessageBody;
use shared::{BusinessId, ConversationId, UserId};
use time::OffsetDateTime;

/// How far ahead a message may be scheduled.
const AHEAD_MAX: time::Duration = time::Duration::days(366);
/// Scheduled messages one person may have waiting.
pub const SCHEDULED_MAX: usize = 100;
/// How far back the first run looks for work (a store the scheduler never ran over).
const FIRST_LOOK_BACK_MINUTES: i64 = 24 * 60;
/// Minutes before now every run reads again.
const RECHECK_MINUTES: i64 = 2;
/// Minutes one run reads at most (a server that was down a long time catches up over runs).
const MINUTES_PER_RUN: i64 = 2 * 24 * 60;

/// The minute `at` falls in.
pub fn minute_of(at: OffsetDateTime) -> i64 {
    at.unix_timestamp().div_euclid(60)
}

fn not_found() -> Error {
    Error::not_found("scheduled.not_found", "There is no such scheduled message.")
}

fn view(r: &ScheduledMessageRecord) -> ScheduledMessage {
    ScheduledMessage {
        id: r.id.clone(),
        conversation_id: r.conversation_id,
        mass: r.mass.clone().map(|m| ScheduledMass {
            id: m.id,
            recipients: m.recipients.into(),
        }),
        body: r.body.clone(),
        reply_to: r.reply_to,
        send_at: r.send_at,
        created_at: r.created_at,
    }
}

/// Checks that `send_at` is between a minute and a year from `now`.
fn check_time(send_at: OffsetDateTime, now: OffsetDateTime) -> Result<()> {
    if send_at < now + time::Duration::minutes(1) || send_at > now + AHEAD_MAX {
        return Err(Error::invalid(
            "scheduled.time_invalid",
            "A message is scheduled between a minute and a year from now.",
        ));
    }
    Ok(())
}

/// The client message id a scheduled message is sent with: a second run finds it sent.
fn client_message_id(id: &str) -> String {
    format!("scheduled-{id}")
}

pub struct Scheduler {
    store: Arc<dyn Store>,
    conversations: Arc<Conversations>,
    mass: Arc<super::MassMessages>,
    notifier: Arc<super::notifier::Notifier>,
    texting: Arc<super::texting::Texting>,
}

impl Scheduler {
    pub fn new(
        store: Arc<dyn Store>,
        conversations: Arc<Conversations>,
        mass: Arc<super::MassMessages>,
        notifier: Arc<super::notifier::Notifier>,
        texting: Arc<super::texting::Texting>,
    ) -> Self {
        Self {
            store,
            conversations,
            mass,
            notifier,
            texting,
        }
    }

    /// Schedules `req` (its `send_at` set) in conversation `c`: staff who may post there now,
    /// a time between a minute and a year from now, no files.
    pub async fn schedule(
        &self,
        caller: &Caller,
        c: ConversationId,
        req: SendMessageRequest,
    ) -> Result<ScheduledMessage> {
        access::staff(caller)?;
        let send_at = req.send_at.ok_or_else(|| anyhow::anyhow!("no send_at"))?;
        let now = now();
        check_time(send_at, now)?;
        if !req.attachments.is_empty() {
            return Err(Error::invalid(
                "scheduled.attachments_unsupported",
                "A scheduled message cannot carry files yet: send them now.",
            ));
        }
        if req.channel != shared::sms::Channel::InApp {
            return Err(Error::invalid(
                "scheduled.channel_unsupported",
                "Texts and emails are sent now: a scheduled message goes in the app.",
            ));
        }
        let body = MessageBody::parse(&req.body)?.into_inner();
        let seated = self.conversations.readable(caller, c).await?;
        can_post(seated.seat, seated.room())?;
        let (b, u) = (caller.business_id(), caller.user_id());
        let record = ScheduledMessageRecord {
            id: ids::new_ulid().to_string(),
            conversation_id: Some(c),
            mass: None,
            body,
            reply_to: req.reply_to,
            send_at,
            created_at: now,
        };
        self.save_new(b, u, &record).await
    }

    /// Schedules a mass message (`req`'s `send_at` set), checked as it would be sent now; at
    /// its time it is sent with its own id (once, however often the job runs).
    pub async fn schedule_mass(
        &self,
        caller: &Caller,
        req: CreateMassMessageRequest,
    ) -> Result<ScheduledMessage> {
        let send_at = req.send_at.ok_or_else(|| anyhow::anyhow!("no send_at"))?;
        let now = now();
        check_time(send_at, now)?;
        if req.channel != shared::sms::Channel::InApp {
            return Err(Error::invalid(
                "scheduled.channel_unsupported",
                "Texts and emails are sent now: a scheduled message goes in the app.",
            ));
        }
        let (mass_id, body, recipients, _) = self
            .mass
            .check(
                caller,
                CreateMassMessageRequest {
                    send_at: None,
                    ..req
                },
            )
            .await?;
        let (b, u) = (caller.business_id(), caller.user_id());
        let record = ScheduledMessageRecord {
            id: ids::new_ulid().to_string(),
            conversation_id: None,
            mass: Some(ScheduledMassRecord {
                id: mass_id.as_str().to_owned(),
                recipients: recipients.into(),
            }),
            body,
            reply_to: None,
            send_at,
            created_at: now,
        };
        self.save_new(b, u, &record).await
    }

    /// Keeps a new scheduled message of `u` and its job (at most [`SCHEDULED_MAX`] wait).
    async fn save_new(
        &self,
        b: BusinessId,
        u: UserId,
        record: &ScheduledMessageRecord,
    ) -> Result<ScheduledMessage> {
        if crate::store::scheduled::of(&*self.store, b, u).await?.len() >= SCHEDULED_MAX {
            return Err(Error::invalid(
                "scheduled.too_many",
                format!("At most {SCHEDULED_MAX} messages can wait to be sent."),
            ));
        }
        let id = record.id.as_str();
        let job = DueJobRecord {
            at: record.send_at,
            job: Job::SendScheduled {
                user: u,
                id: id.to_owned(),
            },
        };
        self.store
            .transact(vec![
                repo::create((b, u, id), record)?,
                repo::create((minute_of(record.send_at), b, id), &job)?,
            ])
            .await?;
        Ok(view(record))
    }

    /// The caller's messages waiting to be sent, soonest first.
    pub async fn list(&self, caller: &Caller) -> Result<Vec<ScheduledMessage>> {
        let mut all =
            crate::store::scheduled::of(&*self.store, caller.business_id(), caller.user_id())
                .await?;
        all.sort_by_key(|r| (r.value.send_at, r.value.id.clone()));
        Ok(all.iter().map(|r| view(&r.value)).collect())
    }

    async fn mine(&self, caller: &Caller, id: &str) -> Result<Versioned<ScheduledMessageRecord>> {
        if id.parse::<ulid::Ulid>().is_err() {
            return Err(not_found());
        }
        repo::get::<ScheduledMessageRecord>(
            &*self.store,
            (caller.business_id(), caller.user_id(), id),
        )
        .await?
        .ok_or_else(not_found)
    }

    /// A new time (now or earlier: sent at the scheduler's next run) or new words.
    pub async fn update(
        &self,
        caller: &Caller,
        id: &str,
        req: UpdateScheduledRequest,
    ) -> Result<ScheduledMessage> {
        let body = req
            .body
            .as_deref()
            .map(|b| MessageBody::parse(b).map(|b| b.into_inner()))
            .transpose()?;
        if let Some(at) = req.send_at
            && at > now() + AHEAD_MAX
        {
            return Err(Error::invalid(
                "scheduled.time_invalid",
                "A message is scheduled at most a year from now.",
            ));
        }
        let (b, u) = (caller.business_id(), caller.user_id());
        retrying(|| async {
            let current = self.mine(caller, id).await?;
            let mut next = current.clone();
            if let Some(body) = &body {
                next.value.body = body.clone();
            }
            // Earlier than now is now.
            if let Some(at) = req.send_at {
                next.value.send_at = at.max(now());
            }
            let mut writes = vec![next.update((b, u, id))?];
            let (was, is) = (current.value.send_at, next.value.send_at);
            if was != is {
                writes.push(repo::delete::<DueJobRecord>((minute_of(was), b, id)));
                let job = DueJobRecord {
                    at: is,
                    job: Job::SendScheduled {
                        user: u,
                        id: id.to_owned(),
                    },
                };
                writes.push(repo::overwrite((minute_of(is), b, id), &job)?);
            }
            let answer = view(&next.value);
            commit(&*self.store, writes.into(), answer).await
        })
        .await
    }

    /// Cancels a scheduled message: it is never sent.
    pub async fn cancel(&self, caller: &Caller, id: &str) -> Result<()> {
        let (b, u) = (caller.business_id(), caller.user_id());
        retrying(|| async {
            let current = self.mine(caller, id).await?;
            let writes = vec![
                current.removed((b, u, id)),
                repo::delete::<DueJobRecord>((minute_of(current.value.send_at), b, id)),
            ];
            commit(&*self.store, writes.into(), ()).await
        })
        .await
    }

    /// Runs the work due by `now`: each minute from the one after the cursor to `now`'s, what
    /// is due in it (a job later in `now`'s minute waits), then moves the cursor past every
    /// minute whose work is all done. How many jobs ran.
    pub async fn run_due(&self, now: OffsetDateTime) -> Result<usize> {
        let current = minute_of(now);
        let cursor = repo::get::<DueCursor>(&*self.store, ()).await?;
        // The last minutes again too: work written into a minute just as another run (on a
        // clock a little ahead) moved past it is not left behind.
        let from = cursor
            .as_ref()
            .map_or(current - FIRST_LOOK_BACK_MINUTES, |c| {
                (c.value.0 + 1).min(current - RECHECK_MINUTES)
            });
        let until = current.min(from + MINUTES_PER_RUN - 1);
        let mut ran = 0;
        let mut done_through = from - 1;
        for minute in from..=until {
            let due = crate::store::scheduled::due(&*self.store, minute).await?;
            let mut all_done = true;
            for (b, id, job) in due {
                if job.at > now {
                    all_done = false;
                    continue;
                }
                match self.run(b, &job.job, now).await {
                    Ok(()) => {}
                    // Someone may no longer post there, or is gone: the job is dropped (a
                    // later run would fail the same way); anything else is tried again.
                    Err(Error::Refused { code, kind, .. }) if kind != Kind::Busy => {
                        tracing::warn!(%code, "a scheduled job was refused; dropped");
                    }
                    // It stays for the next run; the others go on.
                    Err(e) => {
                        tracing::warn!(error = ?e, job = %id, "a scheduled job failed; tried again next run");
                        all_done = false;
                        continue;
                    }
                }
                self.store
                    .transact(vec![repo::delete::<DueJobRecord>((minute, b, &id))])
                    .await?;
                ran += 1;
            }
            if all_done && minute == done_through + 1 && minute < current {
                done_through = minute;
            }
        }
        let moved = cursor.as_ref().is_none_or(|c| done_through > c.value.0);
        if moved && done_through >= from {
            // Unless another run moved it meanwhile: it goes on from there.
            let moved = repo::save(cursor.as_ref(), (), &DueCursor(done_through))?;
            crate::store::unless_changed(&*self.store, vec![moved]).await?;
        }
        Ok(ran)
    }

    /// Runs one job of business `b`, due by `now`.
    async fn run(&self, b: BusinessId, job: &Job, now: OffsetDateTime) -> Result<()> {
        match job {
            Job::SendScheduled { user, id } => self.send_scheduled(b, *user, id).await,
            Job::EmailDigest { user } => self.notifier.run_digest(b, *user, now).await,
            Job::QuietSummary { user } => self.notifier.run_summary(b, *user, now).await,
            Job::NeedsAttention { conversation } => {
                self.notifier.run_attention(b, *conversation, now).await
            }
            Job::ReleaseNumber => self.texting.release_kept(b, now).await,
            Job::CheckRegistration => self.texting.check_registration(b, now).await,
            Job::MassWatch { id } => self.mass.watch(b, id, now).await,
        }
    }

    /// Sends a scheduled message as its author, once: with its own client message id (a second
    /// run answers with the first message), then forgets it.
    async fn send_scheduled(&self, b: BusinessId, u: UserId, id: &str) -> Result<()> {
        let Some(scheduled) = repo::get::<ScheduledMessageRecord>(&*self.store, (b, u, id)).await?
        else {
            // Cancelled, or sent by an earlier run.
            return Ok(());
        };
        let author = repo::get::<UserRecord>(&*self.store, (b, u))
            .await?
            .filter(|a| a.value.active)
            .ok_or_else(|| {
                Error::not_found("scheduled.author_gone", "Its author is no longer here.")
            });
        let sent = match (
            author,
            &scheduled.value.mass,
            scheduled.value.conversation_id,
        ) {
            (Ok(author), Some(mass), _) => {
                let caller = Caller::from(&author.value);
                let req = CreateMassMessageRequest {
                    id: mass.id.clone(),
                    body: scheduled.value.body.clone(),
                    recipients: mass.recipients.clone().into(),
                    send_at: None,
                    channel: shared::sms::Channel::InApp,
                };
                self.mass
                    .create_mass_message(&caller, req)
                    .await
                    .map(|_| ())
            }
            (Ok(author), None, Some(conversation)) => {
                let caller = Caller::from(&author.value);
                let req = SendMessageRequest {
                    client_message_id: client_message_id(id),
                    body: scheduled.value.body.clone(),
                    reply_to: scheduled.value.reply_to,
                    attachments: Vec::new(),
                    send_at: None,
                    channel: shared::sms::Channel::InApp,
                };
                self.conversations
                    .send_message(&caller, conversation, req)
                    .await
                    .map(|_| ())
            }
            (Ok(_), None, None) => Err(Error::not_found(
                "scheduled.not_found",
                "It names no conversation and no recipients.",
            )),
            (Err(e), ..) => Err(e),
        };
        // Sent, or refused for good: it waits no longer either way.
        let for_good = match &sent {
            Ok(()) => true,
            Err(Error::Refused { kind, .. }) => *kind != Kind::Busy,
            Err(_) => false,
        };
        if for_good {
            crate::store::unless_changed(&*self.store, vec![scheduled.removed((b, u, id))]).await?;
        }
        sent
    }
}

/// Runs the scheduler every `every` until the process ends (the local server's worker).
pub async fn run_worker(scheduler: Arc<Services>, every: std::time::Duration) {
    loop {
        if let Err(e) = scheduler.scheduler.run_due(now()).await {
            tracing::warn!(error = ?e, "running scheduled work failed; trying again shortly");
        }
        tokio::time::sleep(every).await;
    }
}
