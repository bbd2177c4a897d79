//! Mass messages: one message from a member of staff to many clients, each receiving it in
//! their own private conversation as a normal message, so nobody sees who else got it and
//! replies come back one to one.
//!
//! A mass message is a job. Accepting it writes the job and a pending marker in one
//! transaction and answers at once; delivery happens elsewhere, one batch of recipients per
//! [`MassMessages::mass_step`]: locally by [`run_worker`] in the background of the server, on AWS
//! by the fan-out function, each step's write of the job's progress being the stream record
//! that triggers the next step. Every recipient's message is sent with a key derived from the
//! job's id, and progress is saved after the batch: a step repeated after a crash re-sends its
//! batch, finds those messages already there, and neither duplicates nor skips anyone.

use super::auth::Caller;
use super::*;
use crate::store::Change;
use crate::store::repo::{
    self, DueJobRecord, Job, MassJobRecord, MassRecord, PendingMassRecord, RecipientsRecord,
    UserRecord,
};
use crate::store::roster::{self, Roster};
use crate::store::tx::{Tx, TxError};
use anyhow::Context as _;
use futures::StreamExt as _;
use shared::api::{CreateMassMessageRequest, SendMessageRequest};
use shared::limits::MASS_CLIENT_IDS_MAX;
use shared::model::{MassMessage, MassStatus, Recipients, Role};
use shared::sms::{Channel, TextKind};
use shared::validate::MessageBody;
use shared::{BusinessId, MassMessageId, UserId};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;

/// Recipients per step: one page of the roster, and one progress write.
const BATCH: usize = 100;
/// Messages of one step in flight at once.
const IN_FLIGHT: usize = 16;
/// Tries of one recipient's delivery within a step, the first included.
const RECIPIENT_TRIES: u32 = 6;

fn not_found() -> Error {
    Error::not_found("mass_message.not_found", "There is no such mass message.")
}

/// The `client_message_id` of a job's message in every recipient's conversation.
fn message_key(id: &str) -> String {
    format!("mass-{id}")
}

/// What one recipient came to.
enum Outcome {
    Sent,
    Failed,
}

/// Mass messages and their delivery.
/// How long a mass message may go without a step before it counts as stalled: a step takes
/// seconds, and the stream retries a failed one for minutes.
pub const STALLED_AFTER_MINUTES: i64 = 15;

/// The job that looks at mass message `id` of business `b` again, a while after `from`.
fn watch(b: BusinessId, id: &str, from: time::OffsetDateTime) -> Result<crate::store::Write> {
    let at = from + time::Duration::minutes(STALLED_AFTER_MINUTES + 1);
    let job = DueJobRecord {
        at,
        job: Job::MassWatch { id: id.to_owned() },
    };
    let key = format!("mass-watch-{id}");
    Ok(repo::overwrite(
        (super::scheduler::minute_of(at), b, key.as_str()),
        &job,
    )?)
}

pub struct MassMessages {
    store: Arc<dyn Store>,
    clients: Arc<Clients>,
    conversations: Arc<Conversations>,
    /// Counts the mass messages each business sends.
    limits: Arc<dyn super::ports::Limits>,
}

impl MassMessages {
    pub(super) fn new(
        store: Arc<dyn Store>,
        clients: Arc<Clients>,
        conversations: Arc<Conversations>,
        limits: Arc<dyn super::ports::Limits>,
    ) -> Self {
        Self {
            store,
            clients,
            conversations,
            limits,
        }
    }

    /// A mass message a person sends now: as [`Self::create_mass_message`], at most
    /// [`super::limits::MASS_BUSINESS`] new ones a business an hour (429 `rate.limited` with
    /// `Retry-After` past it); sending one again is answered as before, not counted.
    pub async fn send_mass_message(
        &self,
        caller: &Caller,
        req: CreateMassMessageRequest,
    ) -> Result<(MassMessage, bool)> {
        use super::limits::{MASS_BUSINESS, Subject};
        let b = caller.business_id();
        let again = match MassMessageId::parse(&req.id) {
            Ok(id) => repo::get::<MassRecord>(&*self.store, (b, id.as_str()))
                .await?
                .is_some(),
            Err(_) => false,
        };
        if !again {
            MASS_BUSINESS
                .check(&*self.limits, Subject::Business(b))
                .await?;
        }
        let (job, new) = self.create_mass_message(caller, req).await?;
        if new {
            MASS_BUSINESS
                .add(&*self.limits, Subject::Business(b))
                .await?;
        }
        Ok((job, new))
    }

    /// Accepts a mass message: `(job, true)` when new; sending the same id again answers with
    /// the job as it is, `false`, and sends nothing again.
    pub async fn create_mass_message(
        &self,
        caller: &Caller,
        req: CreateMassMessageRequest,
    ) -> Result<(MassMessage, bool)> {
        let (id, body, recipients, channel) = self.check(caller, req).await?;
        let b = caller.business_id();
        let job = MassMessage {
            id: id.clone(),
            body,
            recipients,
            status: MassStatus::Queued,
            sent: 0,
            failed: 0,
            channel,
            sender_id: caller.user_id(),
            sender_name: caller.name().to_owned(),
            created_at: now(),
            finished_at: None,
        };
        self.start(b, job).await
    }

    /// What `req` asks, checked: staff only, an id, words, recipients who exist (a company, a
    /// product) or 1 to 1,000 clients named once each, and the channel: the app, or texts
    /// (texting on, and words a text can carry).
    pub async fn check(
        &self,
        caller: &Caller,
        req: CreateMassMessageRequest,
    ) -> Result<(MassMessageId, String, Recipients, Channel)> {
        super::access::staff(caller)?;
        let id = MassMessageId::parse(&req.id)?;
        let body = MessageBody::parse(&req.body)?.into_inner();
        let b = caller.business_id();
        match req.channel {
            Channel::InApp => {}
            Channel::Sms => super::texting::can_text_many(&*self.store, b, &body).await?,
            Channel::Email => {
                return Err(Error::invalid(
                    "mass_message.channel",
                    "A mass message goes in the app or as a text.",
                ));
            }
        }
        let recipients = match req.recipients {
            Recipients::Clients { client_ids } => {
                if client_ids.len() > MASS_CLIENT_IDS_MAX {
                    return Err(Error::invalid(
                        "mass_message.recipients",
                        format!("Choose 1 to {MASS_CLIENT_IDS_MAX} clients."),
                    ));
                }
                let unique = unique_in_order(client_ids);
                if unique.is_empty() {
                    return Err(Error::invalid(
                        "mass_message.recipients",
                        format!("Choose 1 to {MASS_CLIENT_IDS_MAX} clients."),
                    ));
                }
                Recipients::Clients { client_ids: unique }
            }
            Recipients::All { all: true } => Recipients::All { all: true },
            Recipients::All { all: false } => {
                return Err(Error::invalid(
                    "mass_message.recipients",
                    "Choose who receives it: clients, all, a company or a product.",
                ));
            }
            Recipients::Company { company_id } => {
                super::companies::company(&*self.store, b, company_id).await?;
                Recipients::Company { company_id }
            }
            Recipients::Product { product_id } => {
                repo::get::<repo::ProductRecord>(&*self.store, (b, product_id))
                    .await?
                    .ok_or_else(|| {
                        Error::not_found("product.not_found", "There is no such product.")
                    })?;
                Recipients::Product { product_id }
            }
        };
        Ok((id, body, recipients, req.channel))
    }

    /// Writes `job` (queued) to be delivered in the background: `(job, true)`, or the job of
    /// the same id that is there already and `false` (another job's id: 409).
    async fn start(&self, b: BusinessId, job: MassMessage) -> Result<(MassMessage, bool)> {
        let id = job.id.clone();
        let key = (b, id.as_str());
        // The one meaning: a job with this id exists already.
        let mut tx = Tx::new();
        tx.push_or(
            repo::create(
                key,
                &MassRecord {
                    job: job.clone().into(),
                    cursor: None,
                    stepped_at: Some(job.created_at),
                },
            )?,
            (),
        )
        .push(watch(b, id.as_str(), job.created_at)?)
        .push(repo::overwrite(
            (b, id.as_str()),
            &PendingMassRecord {
                business_id: b,
                id: id.clone(),
            },
        )?);
        match tx.commit(&*self.store).await {
            Ok(()) => Ok((job, true)),
            Err(TxError::Refused(())) => {
                let earlier = MassMessage::from(
                    repo::get::<MassRecord>(&*self.store, key)
                        .await?
                        .context("a mass message that was just there")?
                        .value
                        .job,
                );
                if earlier.body != job.body
                    || earlier.recipients != job.recipients
                    || earlier.sender_id != job.sender_id
                {
                    return Err(Error::conflict(
                        "mass_message.id_taken",
                        "Another mass message already has this id.",
                    ));
                }
                Ok((earlier, false))
            }
            Err(TxError::Stale) => Err(Error::busy()),
            Err(TxError::Store(e)) => Err(e.into()),
        }
    }

    /// A mass message, for its sender and the business's owner and admins.
    pub async fn get_mass_message(&self, caller: &Caller, id: &str) -> Result<MassMessage> {
        super::access::staff(caller)?;
        let job = repo::get::<MassRecord>(&*self.store, (caller.business_id(), id))
            .await?
            .map(|r| MassMessage::from(r.value.job))
            .ok_or_else(not_found)?;
        if !super::access::sees_work_of(caller, job.sender_id) {
            return Err(not_found());
        }
        Ok(job)
    }

    /// The next recipients of a job from where it got to, and where the batch after starts.
    async fn next_recipients(
        &self,
        b: BusinessId,
        record: &MassRecord,
    ) -> Result<(Vec<UserId>, Option<String>)> {
        let (sender, cursor) = (record.job.sender_id, record.cursor.clone());
        let store = &*self.store;
        let ids = |records: Vec<repo::RosterRecord>| records.into_iter().map(|c| c.id).collect();
        match &record.job.recipients {
            RecipientsRecord::Clients { client_ids } => {
                let from: usize = match &cursor {
                    Some(c) => c.parse().context("a mass message's position")?,
                    None => 0,
                };
                let to = (from + BATCH).min(client_ids.len());
                let batch = client_ids.get(from..to).unwrap_or_default().to_vec();
                Ok((batch, (to < client_ids.len()).then(|| to.to_string())))
            }
            RecipientsRecord::All { .. } => {
                let sender = repo::get::<UserRecord>(store, (b, sender)).await?;
                // A coach's "everyone" is everyone assigned to them.
                let everyone = match sender.map(|s| s.value) {
                    Some(s) if s.role == Role::Coach => Roster::Coach(s.id),
                    _ => Roster::All,
                };
                let (page, next) = roster::page(store, b, everyone, cursor, BATCH).await?;
                Ok((ids(page), next))
            }
            RecipientsRecord::Company { company_id } => {
                let company = Roster::Company(*company_id);
                let (page, next) = roster::page(store, b, company, cursor, BATCH).await?;
                Ok((ids(page), next))
            }
            RecipientsRecord::Product { product_id } => {
                Ok(roster::buyers(store, b, *product_id, cursor, BATCH).await?)
            }
        }
    }

    /// Sends the job's message to one client, in their private conversation (started for them
    /// if they had none). A repeat of an earlier send counts as sent.
    /// [`Self::deliver_one`], tried again (a few times, waiting a little longer each time)
    /// when the store failed for a moment: one recipient's bad luck does not fail the step of
    /// a hundred. Trying again sends nothing twice (the message is keyed by the job).
    async fn deliver_retrying(
        &self,
        sender: &Caller,
        job: &MassJobRecord,
        client: UserId,
    ) -> Result<Outcome> {
        let mut wait = std::time::Duration::from_millis(20);
        for _ in 1..RECIPIENT_TRIES {
            match self.deliver_one(sender, job, client).await {
                Err(e) if e.is_transient() => {
                    tracing::debug!(error = ?e, "a mass message's delivery failed; trying again");
                    tokio::time::sleep(wait).await;
                    wait *= 2;
                }
                other => return other,
            }
        }
        self.deliver_one(sender, job, client).await
    }

    async fn deliver_one(
        &self,
        sender: &Caller,
        job: &MassJobRecord,
        client: UserId,
    ) -> Result<Outcome> {
        // Only a client the sender may message: any of the business's, or a coach's own.
        let record = repo::get::<UserRecord>(&*self.store, (sender.business_id(), client))
            .await?
            .map(|r| r.value);
        let reachable = record.is_some_and(|c| super::access::reaches(sender, &c));
        if !reachable {
            return Ok(Outcome::Failed);
        }
        let started = match self
            .clients
            .ensure_private_conversation(sender, client)
            .await
        {
            Ok(c) => c,
            Err(Error::Refused {
                kind: Kind::NotFound | Kind::Forbidden | Kind::Invalid,
                ..
            }) => return Ok(Outcome::Failed),
            Err(e) => return Err(e),
        };
        let Some(conversation) = started.conversation_id else {
            return Ok(Outcome::Failed);
        };
        let req = SendMessageRequest {
            attachments: Vec::new(),
            send_at: None,
            channel: job.channel,
            reply_to: None,
            client_message_id: message_key(job.id.as_str()),
            body: job.body.clone(),
        };
        match self
            .conversations
            .send_as(sender, conversation, req, TextKind::Marketing)
            .await
        {
            Ok(_) => Ok(Outcome::Sent),
            // Not the sender's client (a coach's), or no longer reachable.
            Err(Error::Refused {
                kind: Kind::NotFound | Kind::Forbidden,
                ..
            }) => Ok(Outcome::Failed),
            // A text this client cannot get: no phone, they said STOP, the month's balance
            // is used up.
            Err(Error::Refused {
                kind: Kind::Invalid,
                code,
                ..
            }) if code.starts_with("sms.") => Ok(Outcome::Failed),
            Err(e) => Err(e),
        }
    }

    /// Delivers the next batch of a job and saves how far it got. Answers whether more remain.
    pub async fn mass_step(&self, b: BusinessId, id: &str) -> Result<bool> {
        let key = (b, id);
        let Some(record) = repo::get::<MassRecord>(&*self.store, key).await? else {
            // A marker without its job: nothing to do but forget it.
            self.forget_pending(b, id).await?;
            return Ok(false);
        };
        if record.value.job.status == MassStatus::Done {
            self.forget_pending(b, id).await?;
            return Ok(false);
        }
        let sender = repo::get::<UserRecord>(&*self.store, (b, record.value.job.sender_id))
            .await?
            .context("a mass message's sender is missing")?;
        let sender = Caller::from(&sender.value);
        let (batch, next) = self.next_recipients(b, &record.value).await?;
        let job = &record.value.job;
        let outcomes: Vec<Result<Outcome>> = futures::stream::iter(batch)
            .map(|client| self.deliver_retrying(&sender, job, client))
            .buffer_unordered(IN_FLIGHT)
            .collect()
            .await;
        let mut after = record.clone();
        for outcome in outcomes {
            match outcome? {
                Outcome::Sent => after.value.job.sent += 1,
                Outcome::Failed => after.value.job.failed += 1,
            }
        }
        let done = next.is_none();
        after.value.cursor = next;
        after.value.job.status = if done {
            MassStatus::Done
        } else {
            MassStatus::Sending
        };
        after.value.job.finished_at = done.then(now);
        after.value.stepped_at = Some(now());
        let mut tx = Writes::new();
        tx.push(after.update(key)?);
        if done {
            tx.push(repo::delete::<PendingMassRecord>(key));
        }
        match commit(&*self.store, tx, !done).await? {
            Attempt::Done(more) => Ok(more),
            // Another worker saved this step first; the next step reads where it got to.
            Attempt::Retry => Ok(true),
        }
    }

    /// Looks at job `id` of business `b`, due at `now`: finished, it is forgotten; stalled
    /// (no step for [`STALLED_AFTER_MINUTES`]: a step that failed past the stream's retries
    /// went to the dead-letter queue and nothing took the next), its next step is taken here,
    /// whose saved progress carries the rest on; either way it is looked at again later. A
    /// step taken twice sends nothing twice (each message is keyed by the job).
    pub async fn watch(&self, b: BusinessId, id: &str, now: time::OffsetDateTime) -> Result<()> {
        let Some(record) = repo::get::<MassRecord>(&*self.store, (b, id)).await? else {
            return Ok(());
        };
        if record.value.job.status == MassStatus::Done {
            return Ok(());
        }
        let last = record
            .value
            .stepped_at
            .unwrap_or(record.value.job.created_at);
        if now - last >= time::Duration::minutes(STALLED_AFTER_MINUTES) {
            tracing::warn!(business = %b, job = %id, "a mass message stalled; resuming it");
            if !self.mass_step(b, id).await? {
                return Ok(());
            }
        }
        self.store.transact(vec![watch(b, id, now)?]).await?;
        Ok(())
    }

    async fn forget_pending(&self, b: BusinessId, id: &str) -> Result<()> {
        self.store
            .transact(vec![repo::delete::<PendingMassRecord>((b, id))])
            .await?;
        Ok(())
    }

    /// Runs every unfinished job to its end, each on its own: one that fails does not hold up
    /// the others. A business's jobs run one after another (in the order of their ids), the
    /// businesses' side by side. Answers how many jobs it finished, or, once the others are
    /// done, the first error (the failed job stays pending, to be run again).
    pub async fn run_pending_mass_messages(&self) -> Result<usize> {
        let mut finished = 0;
        loop {
            let pending = crate::store::mass::pending(&*self.store, BATCH).await?;
            if pending.is_empty() {
                return Ok(finished);
            }
            // Fair between businesses: each runs one job at a time, all businesses at once; one
            // with many jobs does not hold the others back.
            let mut seen = std::collections::HashSet::new();
            let firsts = pending.into_iter().filter(|p| seen.insert(p.business_id));
            let jobs = firsts.map(|p| async move {
                while self.mass_step(p.business_id, p.id.as_str()).await? {}
                Ok::<_, Error>(())
            });
            let mut failed = None;
            for outcome in futures::future::join_all(jobs).await {
                match outcome {
                    Ok(()) => finished += 1,
                    Err(e) => {
                        failed.get_or_insert(e);
                    }
                }
            }
            if let Some(e) = failed {
                return Err(e);
            }
        }
    }
}

/// The local server's background delivery: runs what is pending at start (a job a crash
/// interrupted resumes where it got to), then whenever a job is accepted. With no change feed
/// (a store without one), it looks every `poll`.
pub async fn run_worker(
    services: Arc<Services>,
    mut changes: Option<broadcast::Receiver<Arc<Change>>>,
    poll: Duration,
) {
    loop {
        if let Err(e) = services.mass.run_pending_mass_messages().await {
            tracing::warn!(error = ?e, "delivering mass messages failed; trying again shortly");
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        match &mut changes {
            Some(rx) => loop {
                match rx.recv().await {
                    Ok(c) if crate::store::mass::queued(&c) => break,
                    Ok(_) => {}
                    Err(broadcast::error::RecvError::Lagged(_)) => break,
                    Err(broadcast::error::RecvError::Closed) => return,
                }
            },
            None => tokio::time::sleep(poll).await,
        }
    }
}
