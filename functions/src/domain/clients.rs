//! The roster: adding clients (with their private conversation and invite), listing, reading
//! and editing them. Staff only.

use super::access;
use super::auth::{Caller, new_invite};
use super::texting::AutoTexts;
use super::*;
use crate::store::repo::{
    self, BusinessRecord, ConversationRecord, EmailOwner, IdempotencyRecord, MemberRef,
    MembershipRecord, MessageRecord, ModeChangeRecord, PhoneOwner, UserRecord, Versioned,
};
use crate::store::roster::{self, Roster, search_key};
use crate::store::{Write, inbox, members};
use anyhow::Context as _;
use shared::api::{ClientWithInvite, CreateClientRequest, Invite, UpdateClientRequest};
use shared::limits::{LIST_PAGE_DEFAULT, LIST_PAGE_MAX};
use shared::model::{
    Client, ConversationKind, DefaultChannel, Message, MessagingMode, ModeChange, ModeChangeReason,
    Page, Role, WelcomeMessage,
};
use shared::rules::implicit_member;
use shared::validate::{Email, MessageBody, Name, Phone};
use shared::{BusinessId, CompanyId, ConversationId, MessageId, UserId};

/// The `client_message_id` of the welcome message.
const WELCOME_ID: &str = "welcome";

/// The most roster pages one filtered listing reads.
const ROSTER_SCAN_PAGES: usize = 5;

/// The code of an edit refused because one of its extra writes was made before.
pub(super) const EXTRA_TAKEN: &str = "write.already_recorded";

/// A client as the API shows them (the roster keeps the same, see [`roster::entry`]).
pub(super) fn roster_entry(user: &UserRecord) -> Result<Client> {
    Ok(roster::entry(user).into())
}

/// `None` and blank text both mean "not given".
fn optional<T>(
    raw: Option<&str>,
    parse: impl Fn(&str) -> Result<T, shared::validate::ValidationError>,
) -> Result<Option<T>> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Ok(Some(parse(s)?)),
        None => Ok(None),
    }
}

fn contact_required() -> Error {
    Error::invalid(
        "client.contact_required",
        "Give the client an email address or a phone number, so they can sign in.",
    )
}

fn taken(which: &str) -> Error {
    match which {
        "email" => Error::conflict(
            "client.email_taken",
            "Someone in your business already has this email address.",
        ),
        _ => Error::conflict(
            "client.phone_taken",
            "Someone in your business already has this phone number.",
        ),
    }
}

/// The roster and each client's private conversation.
pub struct Clients {
    pub(super) store: Arc<dyn Store>,
    conversations: Arc<Conversations>,
    /// Where the apps are served: invites by email link there.
    site_url: String,
}

impl Clients {
    pub(super) fn new(
        store: Arc<dyn Store>,
        conversations: Arc<Conversations>,
        site_url: &str,
    ) -> Self {
        Self {
            store,
            conversations,
            site_url: site_url.to_owned(),
        }
    }

    /// A client the caller may manage: any, for the owner and admins; a coach's own.
    pub(super) async fn client_record(
        &self,
        caller: &Caller,
        id: UserId,
    ) -> Result<Versioned<UserRecord>> {
        let found = repo::get::<UserRecord>(&*self.store, (caller.business_id(), id))
            .await?
            .filter(|u| access::reaches(caller, &u.value));
        found.ok_or_else(access::client_not_found)
    }

    /// Adds a client and a one-time invite; their private conversation with the business (with
    /// the welcome message), unless they belong to a company and the business puts such
    /// clients in their company's channel only. A client of a company joins its channel.
    pub async fn create_client(
        &self,
        caller: &Caller,
        req: CreateClientRequest,
    ) -> Result<ClientWithInvite> {
        access::staff(caller)?;
        let name = Name::parse(&req.name, "name")?;
        let email = optional(req.email.as_deref(), Email::parse)?;
        let phone = optional(req.phone.as_deref(), Phone::parse)?;
        if email.is_none() && phone.is_none() {
            return Err(contact_required());
        }
        let b = caller.business_id();
        retrying(|| async {
            let business = repo::get::<BusinessRecord>(&*self.store, b)
                .await?
                .context("the caller's business is missing")?;
            let channel = match req.company_id {
                Some(id) => Some(super::companies::channel_record(&*self.store, b, id).await?),
                None => None,
            };
            let individual = channel.is_none()
                || business.value.settings.default_channel == DefaultChannel::Individual;
            let client = UserRecord {
                id: UserId::from_ulid(super::ids::new_ulid()),
                business_id: b,
                role: Role::Client,
                name: name.as_str().to_owned(),
                email: email.as_ref().map(|e| e.as_str().to_owned()),
                phone: phone.as_ref().map(|p| p.as_str().to_owned()),
                password_hash: None,
                login: None,
                unproven: false,
                removed: false,
                other_phones: Vec::new(),
                other_emails: Vec::new(),
                merged_into: None,
                messaging: req.messaging,
                conversation_id: individual
                    .then(|| ConversationId::from_ulid(super::ids::new_ulid())),
                // A coach who adds a client is their coach.
                coach_id: (caller.role() == Role::Coach).then(|| caller.user_id()),
                company_id: req.company_id,
                created_at: now(),
                session_epoch: 0,
                active: true,
            };

            let mut tx = Writes::new();
            tx.push(repo::create((b, client.id), &client)?);
            if let Some(e) = &client.email {
                tx.push_or(
                    repo::create((b, e.as_str()), &EmailOwner(client.id))?,
                    taken("email"),
                );
            }
            if let Some(p) = &client.phone {
                tx.push_or(
                    repo::create((b, p.as_str()), &PhoneOwner(client.id))?,
                    taken("phone"),
                );
            }
            tx.extend(roster::writes(&client, None)?);
            // The company's channel changing meanwhile makes it stale: read again.
            if let Some(channel) = &channel {
                tx.extend(
                    super::companies::channel_join(
                        &*self.store,
                        b,
                        channel,
                        client.id,
                        &client.name,
                    )
                    .await?,
                );
            }
            // The welcome message and the invite link may go by text too.
            let mut auto = AutoTexts::read(&*self.store, b, client.phone.as_deref()).await?;
            if let Some(id) = client.conversation_id {
                tx.extend(private_conversation(
                    Some(caller),
                    &business.value,
                    &client,
                    id,
                    &mut auto,
                )?);
            }
            let (token, invite_writes, expires_at) = new_invite(b, client.id)?;
            tx.extend(invite_writes);
            tx.extend(super::auth::invite_mail(
                &self.site_url,
                &business.value.name,
                &client,
                &token,
            )?);
            self.invite_text(&mut auto, &business.value.name, &client, &token);
            tx.extend(auto.writes()?);
            let created = ClientWithInvite {
                client: roster_entry(&client)?,
                invite: invite_view(token, expires_at, Role::Client),
            };
            commit(&*self.store, tx, created).await
        })
        .await
    }

    /// The writes that create a client's private conversation: the owner, every admin, their
    /// coach, `sender` and the client in it; and, when the business has it on, the welcome
    /// message from `sender` as its first message (by text too, when the owner chose so).
    pub(super) async fn private_conversation(
        &self,
        sender: &Caller,
        business: &BusinessRecord,
        client: &UserRecord,
        id: ConversationId,
    ) -> Result<Vec<Write>> {
        let mut auto = AutoTexts::read(&*self.store, business.id, client.phone.as_deref()).await?;
        let mut writes = private_conversation(Some(sender), business, client, id, &mut auto)?;
        writes.extend(auto.writes()?);
        Ok(writes)
    }

    /// Queues `client`'s invite link as a text, when invites go by text.
    fn invite_text(
        &self,
        auto: &mut AutoTexts,
        business_name: &str,
        client: &UserRecord,
        token: &str,
    ) {
        if !auto.invites() {
            return;
        }
        let link = format!(
            "{}{}/invite/{token}",
            self.site_url.trim_end_matches('/'),
            door_base(Role::Client)
        );
        let body =
            format!("{business_name}: you're invited to message us in our app. Join here: {link}");
        let id = format!("invite-{}-{}", client.id, super::ids::new_ulid());
        auto.queue(id, &body, None);
    }
}

/// The writes that create `client`'s private conversation: the owner, every admin, their coach,
/// `sender` (staff who add them; none for a lead who texted in) and the client in it; and, when
/// the business has it on and someone adds them, the welcome message as its first message.
pub(super) fn private_conversation(
    sender: Option<&Caller>,
    business: &BusinessRecord,
    client: &UserRecord,
    id: ConversationId,
    auto: &mut AutoTexts,
) -> Result<Vec<Write>> {
    {
        let b = business.id;
        // The owner and admins are in it without being listed: adding a client costs the same
        // however many admins the business has.
        let mut listed = Vec::with_capacity(3);
        for (staff, role) in [
            (
                sender.map(Caller::user_id),
                sender.map_or(Role::Coach, Caller::role),
            ),
            (client.coach_id, Role::Coach),
        ] {
            if let Some(staff) = staff
                && !implicit_member(role, ConversationKind::Private)
                && listed.iter().all(|m: &MemberRef| m.user_id != staff)
            {
                listed.push(MemberRef::new(staff, role, super::ids::new_ulid()).founding());
            }
        }
        listed.push(MemberRef::new(client.id, Role::Client, super::ids::new_ulid()).founding());
        let now = now();
        let welcome = &business.settings.welcome_message;
        let first = match (welcome.enabled, sender) {
            (true, Some(sender)) => {
                MessageBody::parse(&WelcomeMessage::from(welcome.clone()).render(
                    &client.name,
                    sender.name(),
                    &business.name,
                ))
                .ok()
                .map(|body| {
                    let message_id = MessageId::from_ulid(super::ids::new_ulid());
                    // By text too, when the owner chose so and the client can get one.
                    let text = auto
                        .welcome()
                        .then(|| {
                            auto.queue(
                                format!("{id}-{message_id}"),
                                body.as_str(),
                                Some((id, message_id)),
                            )
                        })
                        .flatten();
                    Message {
                        id: message_id,
                        conversation_id: id,
                        sender_id: sender.user_id(),
                        sender_name: sender.name().to_owned(),
                        body: body.into_inner(),
                        client_message_id: WELCOME_ID.into(),
                        created_at: now,
                        reactions: Vec::new(),
                        edited_at: None,
                        deleted: false,
                        reply_to: None,
                        mentions: Vec::new(),
                        attachments: Vec::new(),
                        channel: match text {
                            Some(_) => shared::sms::Channel::Sms,
                            None => Default::default(),
                        },
                        sms: text.map(Into::into),
                    }
                })
            }
            _ => None,
        };
        let conversation = ConversationRecord {
            id,
            business_id: b,
            kind: ConversationKind::Private,
            member_count: listed.len(),
            listed: listed.iter().map(|m| m.user_id).collect(),
            client_id: Some(client.id),
            client_name: Some(client.name.clone()),
            client_mode: client.messaging,
            business_name: business.name.clone(),
            group_title: None,
            emoji: None,
            announcement_only: false,
            company_id: None,
            seq: u64::from(first.is_some()),
            last_message: first.clone().map(|m| MessageRecord::new(m, 1, Vec::new())),
            client_active: true,
            created_at: now,
            last_activity_at: now,
        };
        let mut writes = vec![repo::create((b, id), &conversation)?];
        if let (Some(message), Some(sender)) = (first, sender) {
            writes.push(repo::create(
                (b, id, sender.user_id(), WELCOME_ID),
                &IdempotencyRecord {
                    message_id: message.id,
                },
            )?);
            writes.push(repo::create(
                (b, id, message.id),
                &MessageRecord::new(message, 1, Vec::new()),
            )?);
        }
        // The sender has read what they sent; everyone else has it to read.
        let sender_id = sender.map(Caller::user_id);
        let read = |user: UserId| match Some(user) == sender_id {
            true => MembershipRecord::caught_up(&conversation),
            false => MembershipRecord::unread(&conversation),
        };
        for m in &listed {
            writes.extend(members::join(b, &conversation, m, &read(m.user_id))?);
        }
        if let Some(sender) = sender_id
            && listed.iter().all(|m| m.user_id != sender)
            && conversation.last_message.is_some()
        {
            writes.push(repo::create((b, sender, id), &read(sender))?);
        }
        writes.push(inbox::business_entry(&conversation)?);
        Ok(writes)
    }
}

impl Clients {
    /// Starts the private conversation of a client who has none (one added straight into their
    /// company's channel). Starting one that exists answers with the client as they are.
    pub async fn start_private_conversation(&self, caller: &Caller, id: UserId) -> Result<Client> {
        access::staff(caller)?;
        self.client_record(caller, id).await?;
        self.ensure_private_conversation(caller, id).await
    }

    /// The client with their private conversation, created (from `sender`) if they had none.
    pub(super) async fn ensure_private_conversation(
        &self,
        sender: &Caller,
        id: UserId,
    ) -> Result<Client> {
        let b = sender.business_id();
        retrying(|| async {
            let before = repo::get::<UserRecord>(&*self.store, (b, id))
                .await?
                .filter(|u| u.value.role == Role::Client)
                .ok_or_else(access::client_not_found)?;
            if before.value.conversation_id.is_some() {
                return Ok(Attempt::Done(roster_entry(&before.value)?));
            }
            let business = repo::get::<BusinessRecord>(&*self.store, b)
                .await?
                .context("the business is missing")?;
            let mut after = before.clone();
            let conversation_id = ConversationId::from_ulid(super::ids::new_ulid());
            after.value.conversation_id = Some(conversation_id);
            let mut writes = vec![after.update((b, id))?];
            writes.extend(roster::writes(&after.value, Some(&before.value))?);
            writes.extend(
                self.private_conversation(sender, &business.value, &after.value, conversation_id)
                    .await?,
            );
            commit(&*self.store, writes.into(), roster_entry(&after.value)?).await
        })
        .await
    }

    /// The roster, newest first; with `name_prefix`, alphabetical among matching names; with
    /// `company`, that company's clients only.
    pub async fn list_clients(
        &self,
        caller: &Caller,
        name_prefix: Option<&str>,
        company: Option<CompanyId>,
        cursor: Option<String>,
        limit: Option<usize>,
    ) -> Result<Page<Client>> {
        access::staff(caller)?;
        let limit = page_limit(limit, LIST_PAGE_DEFAULT, LIST_PAGE_MAX)?;
        let b = caller.business_id();
        let prefix = name_prefix
            .map(|p| search_key(p.trim()))
            .filter(|p| !p.is_empty());
        // A coach reads their own roster (filtered by company as read), a company filter the
        // company's; both newest first.
        let (roster, company_filter) = match (caller.role(), company) {
            (Role::Coach, company) => (Roster::Coach(caller.user_id()), company),
            (_, Some(company)) => {
                super::companies::company(&*self.store, b, company).await?;
                (Roster::Company(company), None)
            }
            (_, None) => {
                let (records, next_cursor) = match &prefix {
                    Some(p) => roster::by_name(&*self.store, b, p, cursor, limit).await?,
                    None => roster::page(&*self.store, b, Roster::All, cursor, limit).await?,
                };
                return Ok(Page {
                    items: records.into_iter().map(Client::from).collect(),
                    next_cursor,
                });
            }
        };
        self.filtered_roster(b, roster, prefix, company_filter, cursor, limit)
            .await
    }

    pub async fn get_client(&self, caller: &Caller, id: UserId) -> Result<Client> {
        access::staff(caller)?;
        let record = self.client_record(caller, id).await?.value;
        let mut client = roster_entry(&record)?;
        client.other_phones = record.other_phones.clone();
        client.other_emails = record.other_emails.clone();
        if let Some(phone) = &record.phone {
            let stopped = repo::get::<crate::store::texts::TextStopRecord>(
                &*self.store,
                (caller.business_id(), phone.as_str()),
            )
            .await?;
            client.sms_opted_out = Some(stopped.is_some());
        }
        Ok(client)
    }

    /// A roster partition read newest first, keeping with `company` its clients only and, with
    /// `prefix`, those whose name starts with it. One request reads at most
    /// [`ROSTER_SCAN_PAGES`] pages: a rare match answers a short page (even an empty one) with
    /// the cursor to go on from, never a scan of the whole roster.
    async fn filtered_roster(
        &self,
        b: BusinessId,
        roster: Roster,
        prefix: Option<String>,
        company: Option<CompanyId>,
        cursor: Option<String>,
        limit: usize,
    ) -> Result<Page<Client>> {
        let mut items = Vec::new();
        let mut cursor = cursor;
        let mut read = 0;
        loop {
            read += 1;
            let (records, next) =
                roster::page(&*self.store, b, roster, cursor.take(), limit).await?;
            items.extend(records.into_iter().map(Client::from).filter(|c| {
                company.is_none_or(|co| c.company_id == Some(co))
                    && prefix
                        .as_ref()
                        .is_none_or(|p| search_key(&c.name).starts_with(p))
            }));
            match next {
                Some(n) if items.len() < limit && read < ROSTER_SCAN_PAGES => cursor = Some(n),
                next => {
                    return Ok(Page {
                        items,
                        next_cursor: next,
                    });
                }
            }
        }
    }

    /// The conversations a client is in that the caller is in too, most recent first.
    pub async fn client_conversations(
        &self,
        caller: &Caller,
        id: UserId,
    ) -> Result<Vec<shared::model::ConversationSummary>> {
        access::staff(caller)?;
        self.client_record(caller, id).await?;
        let b = caller.business_id();
        // A client is in their private conversation and a few groups and channels.
        let ids = members::conversations_of(&*self.store, b, id).await?;
        let found = futures::future::join_all(
            ids.into_iter()
                .map(|c| self.conversations.get_conversation(caller, c)),
        )
        .await;
        let mut out = Vec::new();
        for f in found {
            match f {
                Ok(summary) => out.push(summary),
                // One the caller is not in.
                Err(Error::Refused {
                    kind: Kind::NotFound,
                    ..
                }) => {}
                Err(e) => return Err(e),
            }
        }
        out.sort_by_key(|c| std::cmp::Reverse(c.last_activity_at));
        Ok(out)
    }

    /// Edits a client by hand. See [`Clients::update_client_for`].
    pub async fn update_client(
        &self,
        caller: &Caller,
        id: UserId,
        req: UpdateClientRequest,
    ) -> Result<Client> {
        self.update_client_for(caller, id, req, ModeChangeReason::Manual)
            .await
    }

    /// Sets a client's messaging mode by hand (`PUT /api/clients/{id}/messaging`).
    pub async fn set_messaging(
        &self,
        caller: &Caller,
        id: UserId,
        mode: MessagingMode,
    ) -> Result<Client> {
        let req = UpdateClientRequest {
            messaging: Some(mode),
            ..Default::default()
        };
        self.update_client(caller, id, req).await
    }

    /// Every change of a client's messaging mode, newest first.
    pub async fn messaging_changes(
        &self,
        caller: &Caller,
        id: UserId,
        cursor: Option<String>,
        limit: Option<usize>,
    ) -> Result<Page<ModeChange>> {
        access::staff(caller)?;
        let limit = page_limit(limit, LIST_PAGE_DEFAULT, LIST_PAGE_MAX)?;
        self.client_record(caller, id).await?;
        let (records, next_cursor) =
            roster::mode_changes(&*self.store, caller.business_id(), id, cursor, limit).await?;
        Ok(Page {
            items: records.into_iter().map(Into::into).collect(),
            next_cursor,
        })
    }

    /// Edits a client; a change of messaging mode is recorded with `reason`.
    pub async fn update_client_for(
        &self,
        caller: &Caller,
        id: UserId,
        req: UpdateClientRequest,
        reason: ModeChangeReason,
    ) -> Result<Client> {
        self.update_client_with(caller, id, req, reason, |_| Ok(Vec::new()))
            .await
    }

    /// Edits a client. Their private conversation, roster entries, uniqueness keys, login name,
    /// when the messaging mode changes the record of who changed it and why, and the `extra`
    /// writes made from the edited client (a purchase), all change in the same transaction. An
    /// extra write whose condition fails refuses the edit with [`EXTRA_TAKEN`].
    pub async fn update_client_with(
        &self,
        caller: &Caller,
        id: UserId,
        req: UpdateClientRequest,
        reason: ModeChangeReason,
        extra: impl Fn(&UserRecord) -> Result<Vec<Write>>,
    ) -> Result<Client> {
        access::staff(caller)?;
        let changed_by_name = Some(caller.name().to_owned());
        let name = req
            .name
            .as_deref()
            .map(|n| Name::parse(n, "name"))
            .transpose()?;
        let email = req
            .email
            .as_ref()
            .map(|e| optional(e.as_deref(), Email::parse))
            .transpose()?;
        let phone = req
            .phone
            .as_ref()
            .map(|p| optional(p.as_deref(), Phone::parse))
            .transpose()?;
        retrying(|| async {
            let before = self.client_record(caller, id).await?;
            let mut after = before.clone();
            if let Some(n) = &name {
                after.value.name = n.as_str().to_owned();
            }
            if let Some(e) = &email {
                after.value.email = e.as_ref().map(|e| e.as_str().to_owned());
            }
            if let Some(p) = &phone {
                after.value.phone = p.as_ref().map(|p| p.as_str().to_owned());
            }
            // One of their other phones or addresses made their own stays held for them.
            let (own_email, own_phone) = (after.value.email.clone(), after.value.phone.clone());
            after
                .value
                .other_emails
                .retain(|e| Some(e) != own_email.as_ref());
            after
                .value
                .other_phones
                .retain(|p| Some(p) != own_phone.as_ref());
            // What they sign in with stays what they proved, whatever their contact details.
            if after.value.login.is_none() {
                after.value.login = before.value.signs_in_with().map(str::to_owned);
            }
            if let Some(mode) = req.messaging {
                after.value.messaging = mode;
            }
            if after.value.email.is_none() && after.value.phone.is_none() {
                return Err(contact_required());
            }
            // Who may write where is the owner's and admins' call; a product's rule applies
            // whoever records the purchase.
            if after.value.messaging != before.value.messaging && reason == ModeChangeReason::Manual
            {
                access::manager(caller)?;
            }
            if let Some(company) = req.company_id {
                after.value.company_id = company;
            }
            if let Some(active) = req.active
                && active != before.value.active
            {
                // Deactivating is the owner's and admins'; it ends every session of theirs.
                shared::rules::can_change_person(caller.role(), Role::Client)?;
                after.value.active = active;
                after.value.session_epoch = after.value.session_epoch.wrapping_add(1);
            }
            let (old, new) = (&before.value, &after.value);
            let b = caller.business_id();
            // Writes without a meaning fail only when someone else wrote first: read again.
            let mut tx = Writes::new();
            tx.push(after.update((b, id))?);
            if let Some(conversation_id) = new.conversation_id {
                let conversation =
                    repo::get::<ConversationRecord>(&*self.store, (b, conversation_id))
                        .await?
                        .context("a client's conversation is missing")?;
                let mut updated_conversation = conversation.clone();
                updated_conversation.value.client_name = Some(new.name.clone());
                updated_conversation.value.client_mode = new.messaging;
                updated_conversation.value.client_active = new.active;
                tx.push(updated_conversation.update((b, conversation_id))?);
            }
            // Changing company moves the client from one company's channel to the other's.
            if old.company_id != new.company_id {
                if let Some(company) = old.company_id {
                    let channel =
                        super::companies::channel_record(&*self.store, b, company).await?;
                    tx.extend(
                        super::companies::channel_leave(&*self.store, b, &channel, id).await?,
                    );
                }
                if let Some(company) = new.company_id {
                    let channel =
                        super::companies::channel_record(&*self.store, b, company).await?;
                    tx.extend(
                        super::companies::channel_join(&*self.store, b, &channel, id, &new.name)
                            .await?,
                    );
                }
            } else if old.name != new.name
                && let Some(company) = new.company_id
            {
                // The channel's members list shows the new name.
                let channel = super::companies::channel_record(&*self.store, b, company)
                    .await?
                    .value
                    .id;
                if let Some(mut seat) = members::get(&*self.store, b, channel, id).await? {
                    seat.value.name = new.name.clone();
                    tx.push(seat.update((b, channel, id))?);
                }
            }
            if old.messaging != new.messaging {
                let change = ModeChangeRecord {
                    client_id: id,
                    from: old.messaging,
                    to: new.messaging,
                    reason,
                    changed_by: Some(caller.user_id()),
                    changed_by_name: changed_by_name.clone(),
                    changed_at: time::OffsetDateTime::now_utc(),
                };
                tx.push(repo::create((b, id, super::ids::new_ulid()), &change)?);
            }
            if old.email != new.email {
                if let Some(e) = new.email.as_ref().filter(|e| !old.other_emails.contains(e)) {
                    tx.push_or(
                        repo::create((b, e.as_str()), &EmailOwner(id))?,
                        taken("email"),
                    );
                }
                if let Some(e) = &old.email {
                    tx.push(repo::delete::<EmailOwner>((b, e.as_str())));
                }
            }
            if old.phone != new.phone {
                if let Some(p) = new.phone.as_ref().filter(|p| !old.other_phones.contains(p)) {
                    tx.push_or(
                        repo::create((b, p.as_str()), &PhoneOwner(id))?,
                        taken("phone"),
                    );
                }
                if let Some(p) = &old.phone {
                    tx.push(repo::delete::<PhoneOwner>((b, p.as_str())));
                }
            }
            // A joined client's new email signs them in once they confirm it (a link goes
            // there); until then their proven login does.
            if old.joined()
                && old.email != new.email
                && let Some(address) = super::auth::Accounts::unproven_address(new)
            {
                let business = repo::get::<BusinessRecord>(&*self.store, b)
                    .await?
                    .context("the business is missing")?;
                tx.extend(super::auth::verification(
                    &self.site_url,
                    new,
                    &business.value.name,
                    address,
                )?);
            }
            tx.extend(roster::writes(new, Some(old))?);
            // Who may write where, and who may sign in: in the audit log. A purchase recorded
            // by the store's webhook is the system's.
            let actor = (reason == ModeChangeReason::Manual || caller.session().is_some())
                .then_some(caller);
            tx.extend(super::audit::entry(
                actor,
                new,
                shared::model::AuditKind::Messaging,
                super::audit::word(old.messaging),
                super::audit::word(new.messaging),
            )?);
            tx.extend(super::audit::entry(
                Some(caller),
                new,
                shared::model::AuditKind::Activation,
                super::audit::activation(old.active),
                super::audit::activation(new.active),
            )?);
            if old.company_id != new.company_id {
                let name = |id: Option<CompanyId>| async move {
                    Ok::<_, Error>(match id {
                        Some(id) => super::companies::company(&*self.store, b, id)
                            .await
                            .ok()
                            .map(|c| c.name),
                        None => None,
                    })
                };
                tx.extend(super::audit::entry(
                    Some(caller),
                    new,
                    shared::model::AuditKind::Company,
                    name(old.company_id).await?,
                    name(new.company_id).await?,
                )?);
            }
            // What the caller adds was written before (an order delivered twice).
            tx.extend_or(extra(new)?, || {
                Error::conflict(EXTRA_TAKEN, "This was recorded already.")
            });
            commit(&*self.store, tx, roster_entry(new)?).await
        })
        .await
    }

    /// Removes a client (the owner and admins): like deactivating them, for good. Their sessions
    /// end and their sockets close; they leave every list, their company's channel and their
    /// login (which no longer signs in here); their email and phone are free for someone new.
    /// Their conversation and messages stay, read-only, with their name.
    pub async fn remove_client(&self, caller: &Caller, id: UserId) -> Result<()> {
        access::staff(caller)?;
        shared::rules::can_change_person(caller.role(), Role::Client)?;
        let b = caller.business_id();
        retrying(|| async {
            let before = self.client_record(caller, id).await?;
            let mut after = before.clone();
            after.value.active = false;
            after.value.removed = true;
            after.value.session_epoch = after.value.session_epoch.wrapping_add(1);
            let (old, new) = (&before.value, &after.value);
            let mut tx = Writes::new();
            tx.push(after.update((b, id))?);
            tx.extend(roster::removal(old));
            if let Some(conversation_id) = old.conversation_id {
                let conversation =
                    repo::get::<ConversationRecord>(&*self.store, (b, conversation_id))
                        .await?
                        .context("a client's conversation is missing")?;
                let mut closed = conversation.clone();
                closed.value.client_active = false;
                tx.push(closed.update((b, conversation_id))?);
            }
            if let Some(company) = old.company_id {
                let channel = super::companies::channel_record(&*self.store, b, company).await?;
                tx.extend(super::companies::channel_leave(&*self.store, b, &channel, id).await?);
            }
            if let Some(e) = &old.email {
                tx.push(repo::delete::<EmailOwner>((b, e.as_str())));
            }
            if let Some(p) = &old.phone {
                tx.push(repo::delete::<PhoneOwner>((b, p.as_str())));
            }
            for e in &old.other_emails {
                tx.push(repo::delete::<EmailOwner>((b, e.as_str())));
            }
            for p in &old.other_phones {
                tx.push(repo::delete::<PhoneOwner>((b, p.as_str())));
            }
            tx.extend(super::auth::leave_login(&*self.store, old).await?);
            tx.extend(super::audit::entry(
                Some(caller),
                new,
                shared::model::AuditKind::Activation,
                super::audit::activation(old.active),
                Some("removed".into()),
            )?);
            commit(&*self.store, tx, ()).await
        })
        .await
    }

    /// A fresh invite for a client who has not joined yet.
    pub async fn invite_client(&self, caller: &Caller, id: UserId) -> Result<ClientWithInvite> {
        access::staff(caller)?;
        let client = self.client_record(caller, id).await?;
        if client.value.joined() {
            return Err(Error::conflict(
                "client.already_joined",
                "This client has already joined.",
            ));
        }
        let (token, writes, expires_at) = new_invite(caller.business_id(), id)?;
        let business = repo::get::<BusinessRecord>(&*self.store, caller.business_id())
            .await?
            .context("the business is missing")?;
        let mut auto = AutoTexts::read(
            &*self.store,
            caller.business_id(),
            client.value.phone.as_deref(),
        )
        .await?;
        self.invite_text(&mut auto, &business.value.name, &client.value, &token);
        // The check makes sure the client is still there, unchanged, when the invite lands.
        let mut tx = Writes::new();
        tx.extend(writes)
            .extend(super::auth::invite_mail(
                &self.site_url,
                &business.value.name,
                &client.value,
                &token,
            )?)
            .push(client.unchanged((caller.business_id(), id)))
            .extend(auto.writes()?);
        tx.commit(&*self.store).await?;
        Ok(ClientWithInvite {
            client: roster_entry(&client.value)?,
            invite: invite_view(token, expires_at, Role::Client),
        })
    }
}

/// An invite as the API shows it. Its link opens the app the person will use: the client app
/// (under `/c/`) for a client, the staff app for staff.
pub(super) fn invite_view(token: String, expires_at: time::OffsetDateTime, role: Role) -> Invite {
    Invite {
        url: format!("{}/invite/{token}", door_base(role)),
        token,
        expires_at,
    }
}

/// Where the app a person of `role` uses is served: the staff app at the root, the client app
/// under `/c`. Links sent to them (invites, resets) open it.
pub(super) fn app_base(role: Role) -> &'static str {
    match role.is_staff() {
        true => "",
        false => "/c",
    }
}

/// Where a person of `role` signs in, accepts an invite and resets a password: for a client,
/// the client app's door.
pub(super) fn door_base(role: Role) -> &'static str {
    match role.is_staff() {
        true => "",
        false => "/c/a",
    }
}

/// A page size from the request, defaulted and bounded.
pub fn page_limit(limit: Option<usize>, default: usize, max: usize) -> Result<usize> {
    match limit {
        None => Ok(default),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(_) => Err(Error::bad_request(
            "request.invalid_limit",
            format!("limit must be between 1 and {max}."),
        )),
    }
}
