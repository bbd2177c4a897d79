//! Two-way business texting: the owner turns it on (US and Canada) and the business gets a
//! dedicated number at once; its toll-free verification is submitted and followed; staff send
//! a client a message as a text (counted in segments against the month's allowance, refused
//! to a phone that said STOP); texts that arrive land in the client's thread (a number nobody
//! has becomes a lead), and STOP, START and HELP get the answers carriers require.
//!
//! Texts are never sent inside a request: a text is an outbox record written in the same
//! transaction as its message and balance, sent once from the change stream
//! ([`crate::events::texts`]).

use super::auth::Caller;
use super::*;
use crate::store::Write;
use crate::store::repo::{
    self, BusinessRecord, DueJobRecord, Job, MailRecord, MailState, PhoneOwner, UserRecord,
    Versioned,
};
use crate::store::texts::{
    InboundRecord, NumberOwner, OptInProofRecord, RegistrationFormRecord, TextInfoRecord,
    TextRecord, TextState, TextStopRecord, TextingRecord,
};
use anyhow::Context as _;
use shared::model::{Address, MessagingMode, Role};
use shared::sms::{
    AutoReply, Balance, DeactivateTextingRequest, Keyword, MONTHLY_SEGMENTS, MONTHLY_VOLUMES,
    NUMBER_KEPT_DAYS, OptInProof, Registration, RegistrationForm, RegistrationState, TextKind,
    TextStatus, Texting as TextingView, TransactionalTexts,
};
use shared::validate::{Email, Phone};
use shared::{BusinessId, ConversationId, MessageId, UserId};
use time::OffsetDateTime;

/// A text that arrived, as the network tells of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inbound {
    /// The phone it came from.
    pub from: String,
    /// The number it was sent to (a business's).
    pub to: String,
    pub body: String,
    /// The network's id of it: acting on the same id twice acts once.
    pub id: String,
}

/// What became of an inbound text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    /// It is a message of this conversation.
    Message(ConversationId, MessageId),
    /// A keyword from a phone no client has: answered, not kept.
    Keyword,
    /// The number is nobody's, texting is off, or the phone is not a client's to write as.
    Dropped(&'static str),
    /// Its id was acted on before.
    Repeated,
}

pub struct Texting {
    store: Arc<dyn Store>,
    sms: Arc<dyn ports::Sms>,
    conversations: Arc<Conversations>,
}

impl Texting {
    pub(super) fn new(
        store: Arc<dyn Store>,
        sms: Arc<dyn ports::Sms>,
        conversations: Arc<Conversations>,
    ) -> Self {
        Self {
            store,
            sms,
            conversations,
        }
    }

    async fn business(&self, b: BusinessId) -> Result<Versioned<BusinessRecord>> {
        Ok(repo::get::<BusinessRecord>(&*self.store, b)
            .await?
            .context("the caller's business is missing")?)
    }

    async fn record(&self, b: BusinessId) -> Result<Option<Versioned<TextingRecord>>> {
        Ok(repo::get::<TextingRecord>(&*self.store, b).await?)
    }

    /// The business's texting as staff see it.
    pub async fn status(&self, caller: &Caller) -> Result<TextingView> {
        access::staff(caller)?;
        let b = caller.business_id();
        let (business, record) = futures::try_join!(self.business(b), self.record(b))?;
        Ok(self.view(
            &business.value,
            record.map(|r| r.value).unwrap_or_default(),
            now(),
        ))
    }

    fn view(
        &self,
        business: &BusinessRecord,
        r: TextingRecord,
        now: OffsetDateTime,
    ) -> TextingView {
        let approved = r.registration.state == RegistrationState::Approved;
        let kept = r
            .kept_until
            .filter(|until| !r.enabled && *until > now)
            .and_then(|until| {
                until
                    .format(&time::format_description::well_known::Rfc3339)
                    .ok()
            });
        let number = match (r.enabled, &kept) {
            (true, _) | (false, Some(_)) => r.number.clone(),
            _ => None,
        };
        let sending_from = match (approved, &number) {
            (true, Some(n)) => n.clone(),
            _ => self.sms.system_number(),
        };
        let (used, allowance) = balance_now(&r, now);
        TextingView {
            available: super::settings::texting_available(business),
            enabled: r.enabled,
            number,
            number_kept_until: kept,
            sending_from,
            replies_received: r.enabled && approved,
            auto_reply: (!r.enabled).then_some(r.auto_reply).flatten(),
            registration: Registration {
                state: r.registration.state,
                reason: r.registration.reason.clone(),
                form: r.registration.form.clone().map(Into::into),
                opt_in_proof: r.registration.opt_in_proof.as_ref().map(|p| OptInProof {
                    content_type: p.content_type.clone(),
                    size: p.size,
                    uploaded_at: p
                        .uploaded_at
                        .format(&time::format_description::well_known::Rfc3339)
                        .unwrap_or_default(),
                }),
            },
            balance: Balance {
                allowance,
                used,
                remaining: allowance.saturating_sub(used),
                month: month_of(now),
            },
            transactional: r.transactional.into(),
        }
    }

    /// Turns texting on (the owner; businesses in the United States and Canada): the business
    /// gets its dedicated number at once, or back the one it had if it turned texting off
    /// less than [`NUMBER_KEPT_DAYS`] ago. Turning on what is on changes nothing.
    pub async fn activate(&self, caller: &Caller) -> Result<TextingView> {
        access::owner(caller)?;
        let b = caller.business_id();
        let business = self.business(b).await?;
        if !super::settings::texting_available(&business.value) {
            return Err(Error::invalid(
                "texting.unavailable",
                "Texting is for businesses in the United States and Canada: set the business's \
                 country in Settings first.",
            ));
        }
        let current = self.record(b).await?;
        let now = now();
        if let Some(c) = &current
            && c.value.enabled
        {
            return Ok(self.view(&business.value, c.value.clone(), now));
        }
        let kept = current.as_ref().is_some_and(|c| {
            c.value.number.is_some() && c.value.kept_until.is_some_and(|until| until > now)
        });
        // A number kept too long is given back, and a new one taken.
        let mut released = None;
        let mut fresh = None;
        let mut next = current
            .as_ref()
            .map(|c| c.value.clone())
            .unwrap_or_default();
        if !kept {
            if let Some(id) = next.number_id.take() {
                released = Some((id, next.number.take()));
            }
            let number = self.new_number(b).await?;
            next.number = Some(number.number.clone());
            next.number_id = Some(number.id.clone());
            // A new number is verified anew.
            next.registration = Default::default();
            fresh = Some(number);
        }
        next.enabled = true;
        next.kept_until = None;
        next.auto_reply = None;
        if next.allowance == 0 {
            next.allowance = MONTHLY_SEGMENTS;
        }
        let mut tx = Writes::new();
        tx.push(repo::save(current.as_ref(), b, &next)?);
        if let Some((_, Some(old))) = &released {
            tx.push(repo::delete::<NumberOwner>(old.as_str()));
        }
        if let Err(e) = tx.commit(&*self.store).await {
            // Someone else turned it on meanwhile: the number taken here goes back.
            if let Some(n) = &fresh {
                self.give_back(n.number.as_str(), &n.id).await;
            }
            return match Error::from(e) {
                Error::Refused {
                    kind: Kind::Busy, ..
                } => self.status(caller).await,
                e => Err(e),
            };
        }
        if let Some((id, _)) = released
            && let Err(e) = self.sms.release_number(&id).await
        {
            tracing::warn!(error = ?e, number = %id, "releasing a number kept too long failed");
        }
        Ok(self.view(&business.value, next, now))
    }

    /// A number of the network's that no other business holds, its owner recorded.
    async fn new_number(&self, b: BusinessId) -> Result<ports::ProvisionedNumber> {
        for _ in 0..5 {
            let n = self.sms.request_number(b).await?;
            let owner = NumberOwner { business_id: b };
            match self
                .store
                .transact(vec![repo::create(n.number.as_str(), &owner)?])
                .await
            {
                Ok(()) => return Ok(n),
                Err(crate::store::StoreError::Conflict) => continue,
                Err(e) => {
                    self.give_back_quietly(&n.id).await;
                    return Err(e.into());
                }
            }
        }
        Err(anyhow::anyhow!("no free number after 5 tries").into())
    }

    async fn give_back(&self, number: &str, id: &str) {
        let _ = self
            .store
            .transact(vec![repo::delete::<NumberOwner>(number)])
            .await;
        self.give_back_quietly(id).await;
    }

    async fn give_back_quietly(&self, id: &str) {
        if let Err(e) = self.sms.release_number(id).await {
            tracing::warn!(error = ?e, number = %id, "giving a number back failed");
        }
    }

    /// Turns texting off (the owner): texts that arrive get `auto_reply`; the number is kept
    /// [`NUMBER_KEPT_DAYS`] days for the business.
    pub async fn deactivate(
        &self,
        caller: &Caller,
        req: DeactivateTextingRequest,
    ) -> Result<TextingView> {
        let b = caller.business_id();
        self.change(caller, |t, now| {
            let mut writes = Vec::new();
            if t.enabled {
                let until = now + time::Duration::days(NUMBER_KEPT_DAYS);
                t.enabled = false;
                t.kept_until = Some(until);
                // Then the scheduler gives the number back, unless texting is on again.
                let job = DueJobRecord {
                    at: until,
                    job: Job::ReleaseNumber,
                };
                let due = super::scheduler::minute_of(until) + 1;
                writes.push(repo::overwrite((due, b, RELEASE_JOB), &job)?);
            }
            t.auto_reply = Some(req.auto_reply);
            Ok(writes)
        })
        .await
    }

    /// Chooses which automatic messages also go to clients' phones as texts (the owner).
    pub async fn set_transactional(
        &self,
        caller: &Caller,
        req: TransactionalTexts,
    ) -> Result<TextingView> {
        self.change(caller, |t, _| {
            t.transactional = req.into();
            Ok(Vec::new())
        })
        .await
    }

    /// Changes the business's texting as `change` says (the owner; texting turned on once),
    /// with the writes it asks, in one transaction; answers it as it then is.
    async fn change<F>(&self, caller: &Caller, change: F) -> Result<TextingView>
    where
        F: Fn(&mut TextingRecord, OffsetDateTime) -> Result<Vec<Write>>,
    {
        access::owner(caller)?;
        let b = caller.business_id();
        let business = self.business(b).await?;
        retrying(|| async {
            let Some(current) = self.record(b).await? else {
                return Err(texting_off());
            };
            let now = now();
            let mut next = current.clone();
            let mut writes = change(&mut next.value, now)?;
            writes.push(next.update(b)?);
            let view = self.view(&business.value, next.value.clone(), now);
            commit(&*self.store, writes.into(), view).await
        })
        .await
    }

    /// Looks at where the reviewers got with the business's registration (a scheduled job,
    /// every [`REGISTRATION_CHECK_HOURS`] hours while it is submitted or reviewed): a new state
    /// is recorded as their decision ([`Self::reviewed`]: the owner is told), and while it is
    /// still under review it is looked at again later.
    pub async fn check_registration(&self, b: BusinessId, now: OffsetDateTime) -> Result<()> {
        let pending = |r: &TextingRecord| {
            matches!(
                r.registration.state,
                RegistrationState::Submitted | RegistrationState::Reviewing
            )
        };
        let Some(current) = self.record(b).await? else {
            return Ok(());
        };
        let r = &current.value;
        let (Some(id), Some(number), true) =
            (r.registration.id.clone(), r.number.clone(), pending(r))
        else {
            return Ok(());
        };
        if let Some((state, reason)) = self.sms.registration_review(&id).await?
            && state != r.registration.state
        {
            self.reviewed(&number, state, reason).await?;
        }
        let still = self.record(b).await?.is_some_and(|r| pending(&r.value));
        if still {
            self.store
                .transact(vec![registration_check(b, now)?])
                .await?;
        }
        Ok(())
    }

    /// Gives back the number of a business that turned texting off more than
    /// [`NUMBER_KEPT_DAYS`] days ago (a scheduled job): nothing if texting is on again or the
    /// number is still kept. The network is told first (a number already gone is released),
    /// then the business forgets it and its verification.
    pub async fn release_kept(&self, b: BusinessId, now: OffsetDateTime) -> Result<()> {
        let Some(current) = self.record(b).await? else {
            return Ok(());
        };
        let r = &current.value;
        let due = !r.enabled && r.kept_until.is_some_and(|until| until <= now);
        let (Some(number), true) = (r.number.clone(), due) else {
            return Ok(());
        };
        if let Some(id) = &r.number_id {
            self.sms.release_number(id).await?;
        }
        let mut next = current.clone();
        next.value.number = None;
        next.value.number_id = None;
        next.value.kept_until = None;
        next.value.registration = Default::default();
        let writes = vec![
            next.update(b)?,
            repo::delete::<NumberOwner>(number.as_str()),
        ];
        // Turned on again meanwhile: it found the number past its time and took a new one.
        crate::store::unless_changed(&*self.store, writes).await?;
        tracing::info!(business = %b, number = %number, "a kept number released");
        Ok(())
    }

    /// Submits the toll-free verification (the owner; texting on, the business's address
    /// set). Again after the reviewers asked for changes or denied it; not while it is being
    /// reviewed or once approved.
    pub async fn register(&self, caller: &Caller, form: RegistrationForm) -> Result<TextingView> {
        access::owner(caller)?;
        let form = checked_form(form)?;
        let b = caller.business_id();
        let business = self.business(b).await?;
        let Some(current) = self.record(b).await?.filter(|r| r.value.enabled) else {
            return Err(texting_off());
        };
        let (Some(address), Some(country)) = (
            business.value.address.clone(),
            business.value.country.clone(),
        ) else {
            return Err(Error::invalid(
                "texting.address_required",
                "Add the business's address in Settings first: the registration needs it.",
            ));
        };
        editable(current.value.registration.state)?;
        let Some(proof) = current.value.registration.opt_in_proof.clone() else {
            return Err(Error::invalid(
                "texting.opt_in_proof_required",
                "Upload a screenshot or scan of where clients agree to texts first.",
            ));
        };
        let number_id = current
            .value
            .number_id
            .clone()
            .context("texting is on without a number")?;
        let address: Address = address.into();
        let registration = &current.value.registration;
        let revising = match registration.state {
            RegistrationState::RequiresUpdates => registration.id.as_deref(),
            _ => None,
        };
        let id = self
            .sms
            .submit_registration(&ports::Submission {
                business: b,
                number_id: &number_id,
                revising,
                form: &form,
                opt_in_proof: &proof.attachment_id,
                address: &address,
                country: &country,
            })
            .await
            .map_err(|e| match e.downcast_ref::<ports::Refused>() {
                Some(refused) => Error::invalid(
                    "texting.registration_refused",
                    format!("The carriers' registration did not take it ({refused}): correct it and submit again."),
                ),
                None => e.into(),
            })?;
        retrying(|| async {
            let current = self.record(b).await?.context("texting vanished")?;
            let mut next = current.clone();
            next.value.registration.state = RegistrationState::Submitted;
            next.value.registration.reason = None;
            next.value.registration.form = Some(RegistrationFormRecord::from(form.clone()));
            next.value.registration.id = Some(id.clone());
            next.value.registration.submitted_at = Some(now());
            let view = self.view(&business.value, next.value.clone(), now());
            let writes = vec![next.update(b)?, registration_check(b, now())?];
            commit(&*self.store, writes.into(), view).await
        })
        .await
    }

    /// Keeps the file that shows where clients agree to texts (the owner; texting on, the
    /// registration not under review nor approved) for the registration's next submission:
    /// handed to the network at once, which keeps it. A PNG, JPEG or PDF of at most
    /// [`shared::sms::OPT_IN_PROOF_MAX_BYTES`], whose bytes are what its type says.
    pub async fn upload_opt_in_proof(
        &self,
        caller: &Caller,
        content_type: &str,
        body: Vec<u8>,
    ) -> Result<TextingView> {
        access::owner(caller)?;
        let content_type = content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        shared::sms::check_opt_in_proof(&content_type, body.len() as u64)
            .map_err(|why| Error::invalid("texting.opt_in_proof_invalid", why))?;
        if !looks_like(&content_type, &body) {
            return Err(Error::invalid(
                "texting.opt_in_proof_invalid",
                "The file is not the PNG, JPEG or PDF it says it is.",
            ));
        }
        let b = caller.business_id();
        let business = self.business(b).await?;
        let Some(current) = self.record(b).await?.filter(|r| r.value.enabled) else {
            return Err(texting_off());
        };
        editable(current.value.registration.state)?;
        let size = body.len() as u64;
        let attachment_id = self
            .sms
            .registration_attachment(&content_type, body)
            .await
            .map_err(|e| match e.downcast_ref::<ports::Refused>() {
                Some(refused) => Error::invalid(
                    "texting.registration_refused",
                    format!("The carriers' registration did not take the file ({refused})."),
                ),
                None => e.into(),
            })?;
        let proof = OptInProofRecord {
            attachment_id,
            content_type,
            size,
            uploaded_at: now(),
        };
        retrying(|| async {
            let current = self.record(b).await?.context("texting vanished")?;
            editable(current.value.registration.state)?;
            let mut next = current.clone();
            next.value.registration.opt_in_proof = Some(proof.clone());
            let view = self.view(&business.value, next.value.clone(), now());
            commit(&*self.store, vec![next.update(b)?].into(), view).await
        })
        .await
    }

    /// The reviewers' decision on the registration of `number` (the network's status events
    /// on AWS; the phone simulator's dev control locally).
    pub async fn reviewed(
        &self,
        number: &str,
        state: RegistrationState,
        reason: Option<String>,
    ) -> Result<()> {
        let owner = repo::get::<NumberOwner>(&*self.store, number)
            .await?
            .ok_or_else(|| {
                Error::not_found("texting.number_unknown", "No business has this number.")
            })?;
        let b = owner.value.business_id;
        let business = self.business(b).await?.value;
        let owner = super::staff::managers(&*self.store, b)
            .await?
            .into_iter()
            .find(|(_, role)| *role == Role::Owner);
        let owner = match owner {
            Some((u, _)) => repo::get::<UserRecord>(&*self.store, (b, u))
                .await?
                .map(|u| u.value),
            None => None,
        };
        retrying(|| async {
            let current = self.record(b).await?.context("a number without texting")?;
            if current.value.registration.state == RegistrationState::NotSubmitted {
                return Err(Error::conflict(
                    "texting.registration_not_submitted",
                    "This number's registration was not submitted.",
                ));
            }
            let mut next = current.clone();
            next.value.registration.state = state;
            next.value.registration.reason = reason.clone();
            next.value.registration.reviewed_at = Some(now());
            let mut writes = vec![next.update(b)?];
            // The owner is emailed the decision (and told in the app, from the change).
            if let (Some((subject, text)), Some(to)) = (
                decision_words(&next.value),
                owner.as_ref().and_then(|o| o.email.clone()),
            ) {
                let mail = MailRecord {
                    id: super::ids::new_ulid().to_string(),
                    business_id: b,
                    to,
                    from_name: business.name.clone(),
                    subject,
                    text: format!("{text}\n"),
                    links: Vec::new(),
                    unsubscribe: None,
                    state: MailState::Pending,
                    error: None,
                    created_at: now(),
                };
                writes.push(repo::create((b, mail.id.as_str()), &mail)?);
            }
            commit(&*self.store, writes.into(), ()).await
        })
        .await
    }

    /// Acts on a text that arrived: a keyword is answered (and STOP or START recorded), and
    /// the text lands in the client's thread as theirs; a phone no client has becomes a lead.
    /// Acting on the same id again does nothing.
    pub async fn receive(&self, text: Inbound) -> Result<Received> {
        let Ok(to) = Phone::parse(&text.to) else {
            return Ok(Received::Dropped("not a number"));
        };
        let Some(owner) = repo::get::<NumberOwner>(&*self.store, to.as_str()).await? else {
            return Ok(Received::Dropped("no business has the number"));
        };
        let b = owner.value.business_id;
        let Ok(from) = Phone::parse(&text.from) else {
            return Ok(Received::Dropped("the sender is not a phone number"));
        };
        let from = from.as_str().to_owned();
        if text.id.is_empty() || text.id.len() > 100 {
            return Ok(Received::Dropped("no id"));
        }
        if repo::get::<InboundRecord>(&*self.store, (b, text.id.as_str()))
            .await?
            .is_some()
        {
            return Ok(Received::Repeated);
        }
        let texting = self.record(b).await?.map(|r| r.value).unwrap_or_default();
        let business = self.business(b).await?.value;
        let number = to.as_str().to_owned();
        if !texting.enabled || texting.number.as_deref() != Some(number.as_str()) {
            // Off: the number answers as the owner chose, once per text.
            if texting.auto_reply == Some(AutoReply::DoNotReply) {
                let body = format!(
                    "{}: this number does not take replies. Reply STOP to unsubscribe.",
                    business.name
                );
                self.answer(b, &text.id, &from, &number, &body).await?;
            }
            self.acted_on(b, &text.id).await?;
            return Ok(Received::Dropped("texting is off"));
        }
        let keyword = shared::sms::keyword(&text.body);
        if let Some(k) = keyword {
            self.keyword(b, &business, &text.id, &from, &number, k)
                .await?;
        }
        let client = match repo::get::<PhoneOwner>(&*self.store, (b, from.as_str())).await? {
            Some(owner) => repo::get::<UserRecord>(&*self.store, (b, owner.value.0))
                .await?
                .map(|u| u.value),
            None => None,
        };
        let client = match client {
            Some(c) if c.role == Role::Client && !c.removed => c,
            Some(_) => {
                self.acted_on(b, &text.id).await?;
                return Ok(Received::Dropped("the phone is a member of staff's"));
            }
            // A keyword from a phone nobody has is answered, not kept as a lead.
            None if keyword.is_some() => {
                self.acted_on(b, &text.id).await?;
                return Ok(Received::Keyword);
            }
            None => self.lead(&business, &from).await?,
        };
        let conversation = match client.conversation_id {
            Some(c) => c,
            None => self.open_conversation(&business, &client).await?,
        };
        let parts = shared::sms::segments(&text.body);
        let info = TextInfoRecord {
            segments: parts.segments,
            encoding: parts.encoding,
            status: TextStatus::Received,
            kind: TextKind::Direct,
            error: None,
        };
        let body = match shared::validate::MessageBody::parse(&text.body) {
            Ok(body) => body.into_inner(),
            // What the app would not take (empty, too long) is kept as far as it can be.
            Err(_) if text.body.trim().is_empty() => "(empty text)".to_owned(),
            Err(_) => text
                .body
                .chars()
                .take(shared::limits::MESSAGE_MAX_CHARS)
                .collect(),
        };
        let message = self
            .conversations
            .receive_text(
                &Caller::from(&client),
                conversation,
                &text.id,
                body,
                info,
                vec![repo::create(
                    (b, text.id.as_str()),
                    &InboundRecord { at: now() },
                )?],
            )
            .await?;
        Ok(Received::Message(conversation, message.id))
    }

    /// Records that the text `id` was acted on.
    async fn acted_on(&self, b: BusinessId, id: &str) -> Result<()> {
        match self
            .store
            .transact(vec![repo::create((b, id), &InboundRecord { at: now() })?])
            .await
        {
            Ok(()) | Err(crate::store::StoreError::Conflict) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// STOP, START or HELP from `from`: recorded, and answered from the business's number.
    async fn keyword(
        &self,
        b: BusinessId,
        business: &BusinessRecord,
        id: &str,
        from: &str,
        number: &str,
        keyword: Keyword,
    ) -> Result<()> {
        let stop = match keyword {
            Keyword::Stop => Some(repo::overwrite((b, from), &TextStopRecord { at: now() })?),
            Keyword::Start => Some(repo::delete::<TextStopRecord>((b, from))),
            Keyword::Help => None,
        };
        if let Some(w) = stop {
            self.store.transact(vec![w]).await?;
        }
        let body = shared::sms::keyword_reply(keyword, &business.name);
        self.answer(b, id, from, number, &body).await
    }

    /// Sends the one answer an inbound text `id` gets (a keyword's, an auto reply): not
    /// counted against the balance, sent even to a phone that said STOP (its confirmation),
    /// written once however often the text is delivered.
    async fn answer(
        &self,
        b: BusinessId,
        id: &str,
        to: &str,
        from: &str,
        body: &str,
    ) -> Result<()> {
        let parts = shared::sms::segments(body);
        let text = TextRecord {
            id: format!("re-{id}"),
            business_id: b,
            to: to.to_owned(),
            from: Some(from.to_owned()),
            body: body.to_owned(),
            kind: TextKind::Transactional,
            segments: parts.segments,
            encoding: parts.encoding,
            state: TextState::Pending,
            message: None,
            required: true,
            error: None,
            provider_id: None,
            created_at: now(),
        };
        match self
            .store
            .transact(vec![repo::create((b, text.id.as_str()), &text)?])
            .await
        {
            Ok(()) | Err(crate::store::StoreError::Conflict) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// A new client named by the phone that texted in, with their private conversation.
    async fn lead(&self, business: &BusinessRecord, phone: &str) -> Result<UserRecord> {
        let b = business.id;
        let client = UserRecord {
            id: UserId::from_ulid(super::ids::new_ulid()),
            business_id: b,
            role: Role::Client,
            name: shared::sms::display_number(phone),
            email: None,
            phone: Some(phone.to_owned()),
            password_hash: None,
            login: None,
            unproven: false,
            removed: false,
            other_phones: Vec::new(),
            other_emails: Vec::new(),
            merged_into: None,
            messaging: MessagingMode::TwoWay,
            conversation_id: Some(ConversationId::from_ulid(super::ids::new_ulid())),
            coach_id: None,
            company_id: None,
            created_at: now(),
            session_epoch: 0,
            active: true,
        };
        let mut tx = Writes::new();
        tx.push(repo::create((b, client.id), &client)?);
        tx.push(repo::create((b, phone), &PhoneOwner(client.id))?);
        tx.extend(crate::store::roster::writes(&client, None)?);
        let id = client.conversation_id.context("a lead's conversation")?;
        tx.extend(super::clients::private_conversation(
            None,
            business,
            &client,
            id,
            &mut AutoTexts::none(),
        )?);
        match tx.commit(&*self.store).await {
            Ok(()) => Ok(client),
            // The same phone texted twice at once: the other text made the lead.
            Err(crate::store::tx::TxError::Stale) => {
                let owner = repo::get::<PhoneOwner>(&*self.store, (b, phone))
                    .await?
                    .context("a lead's phone without its owner")?;
                Ok(repo::get::<UserRecord>(&*self.store, (b, owner.value.0))
                    .await?
                    .context("a phone's owner is missing")?
                    .value)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The private conversation of a client who has none (they were in their company's
    /// channel only): made now, as texts are one-to-one.
    async fn open_conversation(
        &self,
        business: &BusinessRecord,
        client: &UserRecord,
    ) -> Result<ConversationId> {
        let b = business.id;
        retrying(|| async {
            let current = repo::get::<UserRecord>(&*self.store, (b, client.id))
                .await?
                .context("the client is missing")?;
            if let Some(c) = current.value.conversation_id {
                return Ok(Attempt::Done(c));
            }
            let id = ConversationId::from_ulid(super::ids::new_ulid());
            let mut next = current.clone();
            next.value.conversation_id = Some(id);
            let mut writes = vec![next.update((b, client.id))?];
            writes.extend(crate::store::roster::writes(
                &next.value,
                Some(&current.value),
            )?);
            writes.extend(super::clients::private_conversation(
                None,
                business,
                &next.value,
                id,
                &mut AutoTexts::none(),
            )?);
            commit(&*self.store, writes.into(), id).await
        })
        .await
    }
}

/// The writes that send `body` to `client` as a text carrying message `message`: the
/// business's balance moved on and the outbox's text; with what the message shows of it.
/// Refused when texting is off, the client has no phone or said STOP, or the month's balance
/// does not cover it.
pub(super) async fn outbound(
    store: &dyn Store,
    b: BusinessId,
    client: &UserRecord,
    body: &str,
    message: (ConversationId, MessageId),
    kind: TextKind,
) -> Result<(TextInfoRecord, Vec<Write>)> {
    let Some(phone) = client.phone.as_deref() else {
        return Err(Error::invalid(
            "sms.no_phone",
            "This client has no phone number: add one on their card to text them.",
        ));
    };
    let (texting, stopped) = futures::try_join!(
        repo::get::<TextingRecord>(store, b),
        repo::get::<TextStopRecord>(store, (b, phone)),
    )?;
    let Some(texting) = texting.filter(|t| t.value.enabled) else {
        return Err(Error::invalid(
            "sms.off",
            "Texting is off: the owner turns it on in Settings.",
        ));
    };
    if stopped.is_some() {
        return Err(Error::invalid(
            "sms.opted_out",
            "This client opted out of texts (they replied STOP): they get texts again once they \
             reply START.",
        ));
    }
    if body.chars().count() > shared::sms::MAX_SMS_CHARS {
        return Err(Error::invalid(
            "sms.too_long",
            format!(
                "A text can have at most {} characters.",
                shared::sms::MAX_SMS_CHARS
            ),
        ));
    }
    let parts = shared::sms::segments(body);
    let now = now();
    let (used, allowance) = balance_now(&texting.value, now);
    if used + parts.segments > allowance {
        return Err(Error::invalid(
            "sms.balance_exhausted",
            format!(
                "This text needs {} segments and {} are left this month.",
                parts.segments,
                allowance.saturating_sub(used)
            ),
        ));
    }
    let mut next = texting.clone();
    next.value.month = month_of(now);
    next.value.used = used + parts.segments;
    next.value.allowance = allowance;
    // Marketing goes from the shared number (replies to it are not received); the rest from
    // the business's own once it is verified.
    let own = texting.value.registration.state == RegistrationState::Approved
        && kind != TextKind::Marketing;
    let text = TextRecord {
        id: format!("{}-{}", message.0, message.1),
        business_id: b,
        to: phone.to_owned(),
        from: own.then(|| texting.value.number.clone()).flatten(),
        body: body.to_owned(),
        kind,
        segments: parts.segments,
        encoding: parts.encoding,
        state: TextState::Pending,
        message: Some(message),
        required: false,
        error: None,
        provider_id: None,
        created_at: now,
    };
    let info = TextInfoRecord {
        segments: parts.segments,
        encoding: parts.encoding,
        status: TextStatus::Queued,
        kind,
        error: None,
    };
    Ok((
        info,
        vec![next.update(b)?, repo::create((b, text.id.as_str()), &text)?],
    ))
}

/// A client's automatic texts (transactional: their invite link, the welcome message), read
/// before the transaction that writes them: none when texting is off, the client has no
/// phone or said STOP, or the owner chose not to; each only while the month's balance allows.
pub(super) struct AutoTexts {
    /// The business and its texting, when texts may go.
    texting: Option<(BusinessId, Versioned<TextingRecord>)>,
    phone: String,
    queued: Vec<TextRecord>,
    used: u32,
    allowance: u32,
}

impl AutoTexts {
    /// Nothing goes by text (a lead who texted in is answered by people).
    pub fn none() -> Self {
        Self {
            texting: None,
            phone: String::new(),
            queued: Vec::new(),
            used: 0,
            allowance: 0,
        }
    }

    pub async fn read(store: &dyn Store, b: BusinessId, phone: Option<&str>) -> Result<Self> {
        let Some(phone) = phone else {
            return Ok(Self::none());
        };
        let (texting, stopped) = futures::try_join!(
            repo::get::<TextingRecord>(store, b),
            repo::get::<TextStopRecord>(store, (b, phone)),
        )?;
        let texting = texting
            .filter(|t| t.value.enabled && stopped.is_none())
            .map(|t| (b, t));
        let (used, allowance) = texting
            .as_ref()
            .map_or((0, 0), |(_, t)| balance_now(&t.value, now()));
        Ok(Self {
            texting,
            phone: phone.to_owned(),
            queued: Vec::new(),
            used,
            allowance,
        })
    }

    /// Whether an invite link goes by text too.
    pub fn invites(&self) -> bool {
        self.texting
            .as_ref()
            .is_some_and(|(_, t)| t.value.transactional.invites)
    }

    /// Whether the welcome message goes by text too.
    pub fn welcome(&self) -> bool {
        self.texting
            .as_ref()
            .is_some_and(|(_, t)| t.value.transactional.welcome)
    }

    /// Queues `body` as a transactional text `id` (carrying `message`, when it is one), if the
    /// balance allows: what the message shows of it.
    pub fn queue(
        &mut self,
        id: String,
        body: &str,
        message: Option<(ConversationId, MessageId)>,
    ) -> Option<TextInfoRecord> {
        let (b, texting) = self.texting.as_ref()?;
        let plain = shared::markup::plain_text(&shared::markup::parse(body), &|_| None);
        let parts = shared::sms::segments(&plain);
        if plain.chars().count() > shared::sms::MAX_SMS_CHARS
            || self.used + parts.segments > self.allowance
        {
            return None;
        }
        self.used += parts.segments;
        let approved = texting.value.registration.state == RegistrationState::Approved;
        self.queued.push(TextRecord {
            id,
            business_id: *b,
            to: self.phone.clone(),
            from: approved.then(|| texting.value.number.clone()).flatten(),
            body: plain,
            kind: TextKind::Transactional,
            segments: parts.segments,
            encoding: parts.encoding,
            state: TextState::Pending,
            message,
            required: false,
            error: None,
            provider_id: None,
            created_at: now(),
        });
        Some(TextInfoRecord {
            segments: parts.segments,
            encoding: parts.encoding,
            status: TextStatus::Queued,
            kind: TextKind::Transactional,
            error: None,
        })
    }

    /// The writes of what was queued: the texts, and the balance they used.
    pub fn writes(self) -> Result<Vec<Write>> {
        let Some((b, texting)) = self.texting.filter(|_| !self.queued.is_empty()) else {
            return Ok(Vec::new());
        };
        let mut next = texting.clone();
        next.value.month = month_of(now());
        next.value.used = self.used;
        next.value.allowance = self.allowance;
        let mut writes = vec![next.update(b)?];
        for text in &self.queued {
            writes.push(repo::create((b, text.id.as_str()), text)?);
        }
        Ok(writes)
    }
}

/// Whether the business can send `body` as texts to many (a mass message): texting is on and
/// the words fit in a text. Each recipient is checked as their text is sent.
pub(super) async fn can_text_many(store: &dyn Store, b: BusinessId, body: &str) -> Result<()> {
    let texting = repo::get::<TextingRecord>(store, b).await?;
    if !texting.is_some_and(|t| t.value.enabled) {
        return Err(Error::invalid(
            "sms.off",
            "Texting is off: the owner turns it on in Settings.",
        ));
    }
    let plain = shared::markup::plain_text(&shared::markup::parse(body), &|_| None);
    if plain.chars().count() > shared::sms::MAX_SMS_CHARS {
        return Err(Error::invalid(
            "sms.too_long",
            format!(
                "A text can have at most {} characters.",
                shared::sms::MAX_SMS_CHARS
            ),
        ));
    }
    Ok(())
}

/// What the owner is told of a decision on the registration: a title and a line.
pub(super) fn decision_words(texting: &TextingRecord) -> Option<(String, String)> {
    let number = texting
        .number
        .as_deref()
        .map(shared::sms::display_number)
        .unwrap_or_default();
    let reason = texting
        .registration
        .reason
        .as_deref()
        .map(|r| format!(" The reviewers said: {r}"))
        .unwrap_or_default();
    Some(match texting.registration.state {
        RegistrationState::Approved => (
            "Your texting number is verified".to_owned(),
            format!("{number} is verified: texts now go from it, and clients' replies come in."),
        ),
        RegistrationState::RequiresUpdates => (
            "Your texting number needs changes".to_owned(),
            format!(
                "The verification of {number} needs changes: update it in Settings → Texting.{reason}"
            ),
        ),
        RegistrationState::Denied => (
            "Your texting number was not verified".to_owned(),
            format!("The verification of {number} was denied.{reason}"),
        ),
        _ => return None,
    })
}

/// The id of a business's job that releases its kept number.
const RELEASE_JOB: &str = "release-number";

/// How often a registration under review is looked at (reviews take days to weeks).
const REGISTRATION_CHECK_HOURS: i64 = 6;

/// The job that looks at business `b`'s registration again, some hours after `now`.
fn registration_check(b: BusinessId, now: OffsetDateTime) -> Result<Write> {
    let at = now + time::Duration::hours(REGISTRATION_CHECK_HOURS);
    let job = DueJobRecord {
        at,
        job: Job::CheckRegistration,
    };
    Ok(repo::overwrite(
        (super::scheduler::minute_of(at), b, "check-registration"),
        &job,
    )?)
}

fn texting_off() -> Error {
    Error::invalid("texting.off", "Texting is off: turn it on first.")
}

/// The month `at` is in, as balances count it (`2026-12`).
fn month_of(at: OffsetDateTime) -> String {
    format!("{:04}-{:02}", at.year(), u8::from(at.month()))
}

/// The segments used this month and the allowance (a new month starts at none used).
fn balance_now(r: &TextingRecord, now: OffsetDateTime) -> (u32, u32) {
    let allowance = match r.allowance {
        0 => MONTHLY_SEGMENTS,
        a => a,
    };
    match r.month == month_of(now) {
        true => (r.used, allowance),
        false => (0, allowance),
    }
}

/// The registration form, checked and trimmed.
fn checked_form(form: RegistrationForm) -> Result<RegistrationForm> {
    fn text(value: &str, field: &str, max: usize) -> Result<String> {
        let value = value.trim();
        if value.is_empty() || value.chars().count() > max {
            return Err(invalid_form(format!(
                "Fill in {field} (at most {max} characters)."
            )));
        }
        Ok(value.to_owned())
    }
    fn url(value: &str, field: &str) -> Result<String> {
        let value = value.trim();
        let host = value
            .strip_prefix("https://")
            .map(|rest| rest.split(['/', '?', '#']).next().unwrap_or(""));
        let ok = value.chars().count() <= 200
            && !value.chars().any(char::is_whitespace)
            && host.is_some_and(|h| {
                h.contains('.')
                    && !h.starts_with('.')
                    && !h.ends_with('.')
                    && h.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
            });
        if !ok {
            return Err(invalid_form(format!(
                "Enter {field} as a full https address, like https://example.com/privacy."
            )));
        }
        Ok(value.to_owned())
    }
    if form.sample_messages.is_empty()
        || form.sample_messages.len() > shared::sms::MAX_SAMPLE_MESSAGES
    {
        return Err(invalid_form(format!(
            "Give one to {} sample messages.",
            shared::sms::MAX_SAMPLE_MESSAGES
        )));
    }
    let mut samples = Vec::with_capacity(form.sample_messages.len());
    for s in &form.sample_messages {
        samples.push(text(s, "each sample message", shared::sms::MAX_SMS_CHARS)?);
    }
    if !MONTHLY_VOLUMES.contains(&form.monthly_volume) {
        return Err(invalid_form(
            "Choose the texts a month: 10, 100, 1000, 10000, 100000 or 250000.".into(),
        ));
    }
    Ok(RegistrationForm {
        legal_name: text(&form.legal_name, "the legal name", 100)?,
        website: url(&form.website, "the website")?,
        privacy_policy_url: url(&form.privacy_policy_url, "the privacy policy's address")?,
        terms_url: url(&form.terms_url, "the terms' address")?,
        contact_first_name: text(&form.contact_first_name, "the contact's first name", 50)?,
        contact_last_name: text(&form.contact_last_name, "the contact's last name", 50)?,
        contact_email: Email::parse(&form.contact_email)
            .map_err(|_| invalid_form("Enter the contact's email address.".into()))?
            .as_str()
            .to_owned(),
        contact_phone: Phone::parse(&form.contact_phone)
            .map_err(|_| {
                invalid_form(
                    "Enter the contact's phone in international form, like +14155550123.".into(),
                )
            })?
            .as_str()
            .to_owned(),
        use_case: text(&form.use_case, "what the business texts about", 500)?,
        sample_messages: samples,
        opt_in_description: text(&form.opt_in_description, "how clients agree to texts", 500)?,
        opt_in_type: form.opt_in_type,
        business_type: form.business_type,
        monthly_volume: form.monthly_volume,
    })
}

/// Whether the registration may be changed: not while it is reviewed, nor once approved.
fn editable(state: RegistrationState) -> Result<()> {
    match state {
        RegistrationState::Submitted | RegistrationState::Reviewing => Err(Error::conflict(
            "texting.registration_pending",
            "The registration is being reviewed; you can change it if the reviewers ask.",
        )),
        RegistrationState::Approved => Err(Error::conflict(
            "texting.registration_approved",
            "The number is verified already.",
        )),
        RegistrationState::NotSubmitted
        | RegistrationState::RequiresUpdates
        | RegistrationState::Denied => Ok(()),
    }
}

/// Whether `body` starts as files of `content_type` do.
fn looks_like(content_type: &str, body: &[u8]) -> bool {
    match content_type {
        "image/png" => body.starts_with(b"\x89PNG\r\n\x1a\n"),
        "image/jpeg" => body.starts_with(&[0xff, 0xd8, 0xff]),
        "application/pdf" => body.starts_with(b"%PDF-"),
        _ => false,
    }
}

fn invalid_form(message: String) -> Error {
    Error::refused(Kind::Invalid, "texting.registration_invalid", message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_is_named_by_its_year_and_number() {
        let at = time::macros::datetime!(2026-12-31 23:59 UTC);
        assert_eq!(month_of(at), "2026-12");
    }

    #[test]
    fn a_new_month_starts_with_the_whole_allowance() {
        let r = TextingRecord {
            month: "2026-11".into(),
            used: 900,
            allowance: 1000,
            ..Default::default()
        };
        let december = time::macros::datetime!(2026-12-01 00:00 UTC);
        assert_eq!(balance_now(&r, december), (0, 1000));
        let november = time::macros::datetime!(2026-11-30 12:00 UTC);
        assert_eq!(balance_now(&r, november), (900, 1000));
    }
}
