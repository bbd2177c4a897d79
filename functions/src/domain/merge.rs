//! Merging two clients into one: someone who texted from a number nobody had (a lead) and the
//! client they turn out to be, or a client added twice. Everything of the client merged away
//! moves to the one kept, in one transaction: their messages (into the kept client's
//! conversation, in their place by time), purchases, groups and contacts. A history longer
//! than one transaction holds moves ahead in steps first, each a transaction of whole
//! messages (or purchases), oldest first: a step that fails is taken again from what is left,
//! so nothing is lost or moved twice, and the last step is the merge itself.

use super::access;
use super::auth::Caller;
use super::clients::Clients;
use super::scheduler::minute_of;
use super::*;
use crate::store::repo::{
    self, AttentionDue, ConversationRecord, DueJobRecord, EmailOwner, Job, MemberRef,
    MembershipRecord, MessageRecord, MessageVersionRecord, NeedsAttentionRecord, PhoneOwner,
    PurchaseRecord, UserRecord, Versioned,
};
use crate::store::texts::TextRecord;
use crate::store::{MAX_TRANSACTION_WRITES, Write, inbox, members, messages, roster};
use anyhow::Context as _;
use shared::model::{AuditKind, Client, ConversationKind, Role};
use shared::sms::Channel;
use shared::{BusinessId, ConversationId, UserId};

/// The most messages the merge's last transaction moves (each is a delete and a write): more
/// move ahead in steps.
pub const MERGE_MESSAGES_MAX: usize = 30;

/// The most purchases the merge's last transaction moves.
const MERGE_PURCHASES_MAX: usize = 10;

/// The most writes of a step moving messages or purchases ahead (what it moves, the kept
/// conversation's record and its place in the inbox).
const STEP_WRITES: usize = 80;

/// The most purchases one step moves (each a delete and a write, with their products' buyers).
const STEP_PURCHASES: usize = 20;

fn same_client() -> Error {
    Error::invalid(
        "client.merge_same",
        "Choose another client to merge this one into.",
    )
}

fn signed_in(name: &str) -> Error {
    Error::conflict(
        "client.merge_signed_in",
        format!(
            "{name} has signed in to the app, so they stay: merge the other client into {name} \
             instead."
        ),
    )
}

fn has_files() -> Error {
    Error::conflict(
        "client.merge_files",
        "This client's conversation has files, which can't move to another conversation.",
    )
}

fn too_large() -> Error {
    Error::conflict(
        "client.merge_too_large",
        "This client is in too many groups to merge at once: take them out of some first.",
    )
}

fn edited_too_often() -> Error {
    Error::conflict(
        "client.merge_too_large",
        "A message of this client's was edited too often to move.",
    )
}

impl Clients {
    /// Merges client `id` into client `into` (the owner and admins): `id` must never have
    /// signed in. Their messages move into `into`'s conversation, by time, written as
    /// `into`'s where they were theirs; their purchases, groups, email and phone become
    /// `into`'s (as `into`'s own when `into` has none, else as more of theirs: a text from
    /// such a phone lands in `into`'s conversation). `id` is then removed, with their empty
    /// conversation. Answers `into` as their card shows them.
    pub async fn merge_clients(&self, caller: &Caller, id: UserId, into: UserId) -> Result<Client> {
        access::staff(caller)?;
        shared::rules::can_change_person(caller.role(), Role::Client)?;
        if id == into {
            return Err(same_client());
        }
        let b = caller.business_id();
        let source = self.merged_away(caller, id).await?;
        let target = self.client_record(caller, into).await?;
        // Their messages need a conversation of `into`'s to go to (one in their company's
        // channel only has none yet).
        if source.value.conversation_id.is_some() && target.value.conversation_id.is_none() {
            self.ensure_private_conversation(caller, into).await?;
        }
        // Files stay with their conversation's: refused before anything moves.
        if let Some(cs) = source.value.conversation_id {
            refuse_files(&*self.store, b, cs).await?;
        }
        // What one transaction cannot hold moves ahead, step by step.
        while !retrying(|| self.messages_ahead(caller, id, into)).await? {}
        while !retrying(|| self.purchases_ahead(caller, id, into)).await? {}
        retrying(|| async {
            let source = self.merged_away(caller, id).await?;
            let target = self.client_record(caller, into).await?;
            let mut tx = self.merge_writes(caller, &source, &target).await?;
            if tx.len() > MAX_TRANSACTION_WRITES {
                return Err(too_large());
            }
            let removed = {
                let mut s = source.value.clone();
                s.removed = true;
                s
            };
            tx.extend(super::audit::entry(
                Some(caller),
                &removed,
                AuditKind::Activation,
                super::audit::activation(source.value.active),
                Some(format!("merged into {}", target.value.name)),
            )?);
            commit(&*self.store, tx, ()).await
        })
        .await?;
        tracing::info!(business = %b, merged = %id, into = %into, "clients merged");
        self.get_client(caller, into).await
    }

    /// Client `id`, who is to be merged away: refused once they have signed in.
    async fn merged_away(&self, caller: &Caller, id: UserId) -> Result<Versioned<UserRecord>> {
        let source = self.client_record(caller, id).await?;
        if source.value.joined() {
            return Err(signed_in(&source.value.name));
        }
        Ok(source)
    }

    /// The writes of one attempt at merging `source` into `target`, as read.
    async fn merge_writes(
        &self,
        caller: &Caller,
        source: &Versioned<UserRecord>,
        target: &Versioned<UserRecord>,
    ) -> Result<Writes> {
        let b = caller.business_id();
        let (s, t) = (&source.value, &target.value);
        let mut kept = target.clone();
        let mut gone = source.clone();
        let mut tx = Writes::new();

        // Contacts: each of the source's becomes the target's, held for them.
        for e in s.email.iter().chain(&s.other_emails) {
            let k = &mut kept.value;
            take_contact(&mut k.email, &mut k.other_emails, e);
            tx.push(repo::overwrite((b, e.as_str()), &EmailOwner(t.id))?);
        }
        for p in s.phone.iter().chain(&s.other_phones) {
            let k = &mut kept.value;
            take_contact(&mut k.phone, &mut k.other_phones, p);
            tx.push(repo::overwrite((b, p.as_str()), &PhoneOwner(t.id))?);
        }

        // The source goes, like a removed client, pointing at whom they became.
        gone.value.active = false;
        gone.value.removed = true;
        gone.value.merged_into = Some(t.id);
        gone.value.session_epoch = gone.value.session_epoch.wrapping_add(1);
        gone.value.other_emails.clear();
        gone.value.other_phones.clear();
        tx.push(gone.update((b, s.id))?);
        tx.extend(roster::removal(s));
        if let Some(company) = s.company_id {
            let channel = super::companies::channel_record(&*self.store, b, company).await?;
            tx.extend(super::companies::channel_leave(&*self.store, b, &channel, s.id).await?);
        }
        tx.extend(self.merge_groups(b, s, &kept.value).await?);
        tx.extend(self.merge_purchases(b, s.id, t.id).await?);
        if let (Some(cs), Some(ct)) = (s.conversation_id, t.conversation_id) {
            tx.extend(
                self.merge_conversations(b, (s.id, cs), &kept.value, ct)
                    .await?,
            );
        }

        tx.push(kept.update((b, t.id))?);
        tx.extend(roster::writes(&kept.value, Some(t))?);
        Ok(tx)
    }

    /// The source leaves their groups; the target takes their seat (with its role and posting
    /// right) where they are not in it already and may be (a company's group takes its
    /// company's clients only).
    async fn merge_groups(
        &self,
        b: BusinessId,
        source: &UserRecord,
        target: &UserRecord,
    ) -> Result<Vec<Write>> {
        let mut writes = Vec::new();
        for g in inbox::groups(&*self.store, b, source.id).await? {
            let Some(group) = repo::get::<ConversationRecord>(&*self.store, (b, g)).await? else {
                continue;
            };
            if group.value.kind != ConversationKind::Group {
                // Their company's channel: left above.
                continue;
            }
            let Some(seat) = members::get(&*self.store, b, g, source.id).await? else {
                continue;
            };
            let already = members::get(&*self.store, b, g, target.id).await?.is_some();
            let fits = group
                .value
                .company_id
                .is_none_or(|c| target.company_id == Some(c));
            let mut next = group.clone();
            writes.extend(members::leave(b, &group.value, source.id));
            if already || !fits {
                next.value.member_count = next.value.member_count.saturating_sub(1);
            } else {
                let member = MemberRef {
                    group_role: seat.value.group_role,
                    can_post: seat.value.can_post,
                    name: target.name.clone(),
                    ..MemberRef::new(target.id, Role::Client, super::ids::new_ulid())
                };
                let read = MembershipRecord::caught_up(&next.value);
                writes.extend(members::join(b, &next.value, &member, &read)?);
            }
            writes.push(next.update((b, g))?);
        }
        Ok(writes)
    }

    /// The source's purchases (the last of them: more moved ahead), moved to the target.
    async fn merge_purchases(
        &self,
        b: BusinessId,
        source: UserId,
        target: UserId,
    ) -> Result<Vec<Write>> {
        self.move_purchases(b, source, target, MERGE_PURCHASES_MAX)
            .await
    }

    /// Up to `limit` of the source's purchases, moved to the target (who joins each product's
    /// buyers, where the source leaves them: a product's buyers list whoever holds one of
    /// its purchases, and both writes may be made again).
    async fn move_purchases(
        &self,
        b: BusinessId,
        source: UserId,
        target: UserId,
        limit: usize,
    ) -> Result<Vec<Write>> {
        let (purchases, _) =
            crate::store::products::purchases(&*self.store, b, source, None, limit).await?;
        let mut writes = Vec::new();
        let mut products = Vec::new();
        for p in purchases {
            writes.push(repo::delete::<PurchaseRecord>((b, source, p.id.ulid())));
            if !products.contains(&p.product_id) {
                products.push(p.product_id);
            }
            let moved = PurchaseRecord {
                client_id: target,
                ..p
            };
            writes.push(repo::create((b, target, moved.id.ulid()), &moved)?);
        }
        for p in products {
            writes.push(roster::buyer_removal(b, p, source));
            writes.push(roster::buyer(b, p, target)?);
        }
        Ok(writes)
    }

    /// The source's conversation `cs` moved into the target's `ct`: each message (with its
    /// earlier bodies, and its text's pointer) rewritten there, the source's own as the
    /// target's, after the target's positions; `ct` ordered by its newest message and waiting
    /// for an answer when the newest is the client's and `cs` was; `cs` gone with its seats
    /// and entries.
    async fn merge_conversations(
        &self,
        b: BusinessId,
        (source, cs): (UserId, ConversationId),
        target: &UserRecord,
        ct: ConversationId,
    ) -> Result<Vec<Write>> {
        let from = repo::get::<ConversationRecord>(&*self.store, (b, cs))
            .await?
            .context("a client's conversation is missing")?;
        let to = repo::get::<ConversationRecord>(&*self.store, (b, ct))
            .await?
            .context("a client's conversation is missing")?;
        let (moving, more) = messages::first(&*self.store, b, cs, MERGE_MESSAGES_MAX).await?;
        if more {
            // Moved ahead since: this attempt is taken again.
            return Err(Error::conflict(
                "client.merge_raced",
                "New messages arrived while merging: try again.",
            ));
        }
        if moving.iter().any(|m| !m.value.attachments.is_empty()) {
            return Err(has_files());
        }
        let mut next = to.clone();
        let mut writes = self
            .move_messages(b, (source, cs), target, &mut next, moving)
            .await?;
        writes.push(next.update((b, ct))?);
        if to.value.activity_key() != next.value.activity_key() {
            writes.extend(inbox::follow(&to.value, &next.value)?);
        }
        writes.extend(self.merge_attention(b, cs, &next.value).await?);

        writes.push(from.removed((b, cs)));
        for u in &from.value.listed {
            writes.extend(members::leave(b, &from.value, *u));
        }
        if from.value.managed() {
            writes.push(inbox::drop_business_entry(&from.value));
        }
        Ok(writes)
    }

    /// The writes moving `moving` (messages of `cs`, oldest first, with their earlier bodies
    /// and their texts' pointers) into the conversation `next`, after its positions; the
    /// source's own become the target's. `next` takes the newest as its last when it is newer.
    async fn move_messages(
        &self,
        b: BusinessId,
        (source, cs): (UserId, ConversationId),
        target: &UserRecord,
        next: &mut Versioned<ConversationRecord>,
        moving: Vec<Versioned<MessageRecord>>,
    ) -> Result<Vec<Write>> {
        let ct = next.value.id;
        let mut writes = Vec::new();
        let mut newest: Option<MessageRecord> = None;
        for m in moving {
            let id = m.value.id;
            let mut moved = m.value.clone();
            moved.conversation_id = ct;
            if moved.sender_id == source {
                moved.sender_id = target.id;
                moved.sender_name = target.name.clone();
            }
            next.value.seq += 1;
            moved.seq = next.value.seq;
            moved.merged = true;
            writes.push(m.removed((b, cs, id)));
            writes.push(repo::create((b, ct, id), &moved)?);
            for n in 1..=m.value.edits {
                if let Some(v) =
                    repo::get::<MessageVersionRecord>(&*self.store, (b, cs, id, n)).await?
                {
                    writes.push(v.removed((b, cs, id, n)));
                    writes.push(repo::create((b, ct, id, n), &v.value)?);
                }
            }
            if m.value.channel == Channel::Sms {
                let text_id = format!("{cs}-{id}");
                if let Some(mut text) =
                    repo::get::<TextRecord>(&*self.store, (b, text_id.as_str())).await?
                {
                    text.value.message = Some((ct, id));
                    writes.push(text.update((b, text_id.as_str()))?);
                }
            }
            newest = Some(moved);
        }
        if let Some(last) = newest
            && next
                .value
                .last_message
                .as_ref()
                .is_none_or(|l| l.id < last.id)
        {
            next.value.last_activity_at = next.value.last_activity_at.max(last.created_at);
            next.value.last_message = Some(last);
        }
        Ok(writes)
    }

    /// One step of a long history moving ahead: when the source's conversation holds more
    /// than the merge's last transaction moves, its oldest messages that fit one transaction
    /// move into the target's. True when what is left fits the last transaction.
    async fn messages_ahead(
        &self,
        caller: &Caller,
        id: UserId,
        into: UserId,
    ) -> Result<Attempt<bool>> {
        let b = caller.business_id();
        let source = self.merged_away(caller, id).await?;
        let target = self.client_record(caller, into).await?;
        let (Some(cs), Some(ct)) = (source.value.conversation_id, target.value.conversation_id)
        else {
            return Ok(Attempt::Done(true));
        };
        let (mut oldest, more) =
            messages::first(&*self.store, b, cs, MERGE_MESSAGES_MAX + 1).await?;
        if !more && oldest.len() <= MERGE_MESSAGES_MAX {
            return Ok(Attempt::Done(true));
        }
        // Whole messages, as many as the step's writes hold.
        let mut budget = STEP_WRITES;
        let mut take = 0;
        for m in &oldest {
            let cost = 3 + 2 * m.value.edits as usize;
            if cost > budget {
                break;
            }
            budget -= cost;
            take += 1;
        }
        if take == 0 {
            return Err(edited_too_often());
        }
        oldest.truncate(take);
        let to = repo::get::<ConversationRecord>(&*self.store, (b, ct))
            .await?
            .context("a client's conversation is missing")?;
        let mut next = to.clone();
        let mut writes = self
            .move_messages(b, (id, cs), &target.value, &mut next, oldest)
            .await?;
        writes.push(next.update((b, ct))?);
        if to.value.activity_key() != next.value.activity_key() {
            writes.extend(inbox::follow(&to.value, &next.value)?);
        }
        commit(&*self.store, writes.into(), false).await
    }

    /// One step of many purchases moving ahead, as [`Self::messages_ahead`] does messages.
    async fn purchases_ahead(
        &self,
        caller: &Caller,
        id: UserId,
        into: UserId,
    ) -> Result<Attempt<bool>> {
        let b = caller.business_id();
        self.merged_away(caller, id).await?;
        let (_, more) =
            crate::store::products::purchases(&*self.store, b, id, None, MERGE_PURCHASES_MAX)
                .await?;
        if more.is_none() {
            return Ok(Attempt::Done(true));
        }
        let writes = self.move_purchases(b, id, into, STEP_PURCHASES).await?;
        commit(&*self.store, writes.into(), false).await
    }

    /// The source conversation's wait for an answer (or its place in "Needs attention") goes;
    /// it carries over to the merged conversation when its newest message is the client's and
    /// that one waits for nothing yet.
    async fn merge_attention(
        &self,
        b: BusinessId,
        cs: ConversationId,
        merged: &ConversationRecord,
    ) -> Result<Vec<Write>> {
        let ct = merged.id;
        let (flag, due) = futures::try_join!(
            repo::get::<NeedsAttentionRecord>(&*self.store, (b, cs)),
            repo::get::<AttentionDue>(&*self.store, (b, cs)),
        )?;
        let mut writes = Vec::new();
        if let Some(f) = &flag {
            writes.push(f.removed((b, cs)));
        }
        if let Some(d) = &due {
            writes.push(d.removed((b, cs)));
        }
        let clients_turn = merged
            .last_message
            .as_ref()
            .is_some_and(|m| Some(m.sender_id) == merged.client_id);
        if !clients_turn || (flag.is_none() && due.is_none()) {
            return Ok(writes);
        }
        let (own_flag, own_due) = futures::try_join!(
            repo::get::<NeedsAttentionRecord>(&*self.store, (b, ct)),
            repo::get::<AttentionDue>(&*self.store, (b, ct)),
        )?;
        if own_flag.is_some() || own_due.is_some() {
            return Ok(writes);
        }
        if let Some(f) = flag {
            let moved = NeedsAttentionRecord {
                conversation_id: ct,
                since: f.value.since,
            };
            writes.push(repo::create((b, ct), &moved)?);
        } else if let Some(d) = due {
            let job = DueJobRecord {
                at: d.value.at,
                job: Job::NeedsAttention { conversation: ct },
            };
            let id = format!("attention-{ct}");
            writes.push(repo::create((b, ct), &d.value)?);
            writes.push(repo::overwrite(
                (minute_of(d.value.at), b, id.as_str()),
                &job,
            )?);
        }
        Ok(writes)
    }
}

/// A contact the kept client takes: their own when they have none, else one more of theirs
/// (once).
fn take_contact(own: &mut Option<String>, others: &mut Vec<String>, contact: &String) {
    match own {
        None => *own = Some(contact.clone()),
        Some(o) if o != contact && !others.contains(contact) => others.push(contact.clone()),
        Some(_) => {}
    }
}

/// Refuses a merge whose source conversation `cs` has files (looked for in every message).
async fn refuse_files(
    store: &dyn crate::store::Store,
    b: BusinessId,
    cs: ConversationId,
) -> Result<()> {
    let mut before = None;
    loop {
        let (page, more) = messages::page(store, b, cs, before, 100).await?;
        if page.iter().any(|m| !m.attachments.is_empty()) {
            return Err(has_files());
        }
        match page.last() {
            Some(last) if more => before = Some(last.id),
            _ => return Ok(()),
        }
    }
}
