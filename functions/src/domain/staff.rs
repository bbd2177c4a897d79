//! Staff: the owner invites admins and coaches by email, and they accept like clients do.
//! The owner and admins are in every client's private conversation and every company's channel
//! by their role, without being listed in any (see `store::inbox`): inviting an
//! admin writes the invite and nothing else. A coach is listed in the private conversations of
//! the clients assigned to them.

use super::audit;
use super::auth::{Caller, new_invite};
use super::*;
use crate::store::members;
use crate::store::repo::{
    self, ConversationRecord, EmailOwner, MemberRef, MembershipRecord, StaffRecord, UserRecord,
};
use anyhow::Context as _;
use shared::UserId;
use shared::api::{InviteStaffRequest, StaffWithInvite, UpdateStaffRequest};
use shared::model::{AuditKind, Client, MessagingMode, Page, Role, StaffMember};
use shared::validate::{Email, Name};

/// The staff list's entry for `user`.
pub fn staff_entry(user: &UserRecord, joined: bool) -> StaffMember {
    StaffMember {
        id: user.id,
        name: user.name.clone(),
        email: user.email.clone(),
        role: user.role,
        joined,
        active: user.active,
        created_at: user.created_at,
    }
}

/// The business's owner and admins who have joined: in its private conversations and company
/// channels without being listed.
pub async fn managers(
    store: &dyn crate::store::Store,
    b: shared::BusinessId,
) -> anyhow::Result<Vec<(UserId, Role)>> {
    Ok(crate::store::staff::all(store, b)
        .await?
        .into_iter()
        .filter(|s| s.role.is_manager() && s.joined && s.active)
        .map(|s| (s.id, s.role))
        .collect())
}

fn staff_not_found() -> Error {
    Error::not_found("staff.not_found", "There is no such staff member.")
}

/// Staff: invites, the staff list, roles and deactivation, coaches of clients.
pub struct Staff {
    store: Arc<dyn Store>,
    /// Where the apps are served: invites by email link there.
    site_url: String,
}

impl Staff {
    pub(super) fn new(store: Arc<dyn Store>, site_url: &str) -> Self {
        Self {
            store,
            site_url: site_url.to_owned(),
        }
    }

    /// The business's name, for the emails it sends.
    async fn business_name(&self, b: shared::BusinessId) -> Result<String> {
        Ok(repo::get::<repo::BusinessRecord>(&*self.store, b)
            .await?
            .context("the business is missing")?
            .value
            .name)
    }

    /// Invites an admin or a coach (the owner only).
    pub async fn invite_staff(
        &self,
        caller: &Caller,
        req: InviteStaffRequest,
    ) -> Result<StaffWithInvite> {
        super::access::owner(caller)?;
        if !matches!(req.role, Role::Admin | Role::Coach) {
            return Err(Error::invalid(
                "staff.invalid_role",
                "Staff are invited as `admin` or `coach`.",
            ));
        }
        let name = Name::parse(&req.name, "name")?;
        let email = Email::parse(&req.email)?;
        let b = caller.business_id();
        let user = UserRecord {
            id: UserId::from_ulid(super::ids::new_ulid()),
            business_id: b,
            role: req.role,
            name: name.into_inner(),
            email: Some(email.as_str().to_owned()),
            phone: None,
            password_hash: None,
            login: None,
            unproven: false,
            removed: false,
            other_phones: Vec::new(),
            other_emails: Vec::new(),
            merged_into: None,
            messaging: MessagingMode::TwoWay,
            conversation_id: None,
            coach_id: None,
            company_id: None,
            created_at: now(),
            session_epoch: 0,
            active: true,
        };
        let (token, invite_writes, expires_at) = new_invite(b, user.id)?;
        let business_name = self.business_name(b).await?;
        let mut tx = Writes::new();
        tx.push_or(
            repo::create((b, email.as_str()), &EmailOwner(user.id))?,
            Error::conflict(
                "staff.email_taken",
                "Someone in your business already has this email address.",
            ),
        )
        .push(repo::create((b, user.id), &user)?)
        .push(repo::create(
            (b, user.id),
            &StaffRecord::from(staff_entry(&user, false)),
        )?)
        .extend(invite_writes)
        .extend(super::auth::invite_mail(
            &self.site_url,
            &business_name,
            &user,
            &token,
        )?);
        tx.commit(&*self.store).await?;
        Ok(StaffWithInvite {
            staff: staff_entry(&user, false),
            invite: super::clients::invite_view(token, expires_at, user.role),
        })
    }

    /// A fresh invite for a staff member who has not joined yet (the owner only); their earlier
    /// links are void from then on.
    pub async fn reinvite_staff(&self, caller: &Caller, id: UserId) -> Result<StaffWithInvite> {
        super::access::owner(caller)?;
        let b = caller.business_id();
        let user = repo::get::<UserRecord>(&*self.store, (b, id))
            .await?
            .filter(|u| u.value.role.is_staff() && u.value.role != Role::Owner)
            .ok_or_else(staff_not_found)?;
        if user.value.joined() {
            return Err(Error::conflict(
                "staff.already_joined",
                "This staff member has already joined.",
            ));
        }
        if !user.value.active {
            return Err(Error::invalid(
                "staff.deactivated",
                "Reactivate them before inviting them again.",
            ));
        }
        let (token, writes, expires_at) = new_invite(b, id)?;
        let business_name = self.business_name(b).await?;
        // The check makes sure they are still there, unchanged, when the invite lands.
        let mut tx = Writes::new();
        tx.extend(writes)
            .extend(super::auth::invite_mail(
                &self.site_url,
                &business_name,
                &user.value,
                &token,
            )?)
            .push(user.unchanged((b, id)));
        tx.commit(&*self.store).await?;
        Ok(StaffWithInvite {
            staff: staff_entry(&user.value, false),
            invite: super::clients::invite_view(token, expires_at, user.value.role),
        })
    }

    /// The business's staff, the owner first.
    pub async fn list_staff(&self, caller: &Caller) -> Result<Page<StaffMember>> {
        super::access::staff(caller)?;
        let records = crate::store::staff::all(&*self.store, caller.business_id()).await?;
        let mut items: Vec<StaffMember> = records.into_iter().map(Into::into).collect();
        items.sort_by_key(|s| (s.role != Role::Owner, s.created_at));
        Ok(Page {
            items,
            next_cursor: None,
        })
    }

    /// Changes a staff member's role, or deactivates or reactivates them (see
    /// [`UpdateStaffRequest`]). Their sessions end in the same write; a coach deactivated hands
    /// their clients to `reassign_to` (or leaves them without a coach).
    pub async fn update_staff(
        &self,
        caller: &Caller,
        id: UserId,
        req: UpdateStaffRequest,
    ) -> Result<StaffMember> {
        super::access::staff(caller)?;
        if req.role.is_none() && req.active.is_none() {
            return Err(Error::invalid(
                "staff.nothing_to_change",
                "Give a new `role` or `active`.",
            ));
        }
        if id == caller.user_id() {
            return Err(Error::forbidden(
                "staff.not_yourself",
                "You cannot change your own role or deactivate yourself.",
            ));
        }
        let b = caller.business_id();
        let target = repo::get::<UserRecord>(&*self.store, (b, id))
            .await?
            .filter(|u| u.value.role.is_staff())
            .ok_or_else(staff_not_found)?;
        shared::rules::can_change_person(caller.role(), target.value.role)?;
        if req.role == Some(Role::Owner) {
            return self.hand_over(caller, id).await;
        }
        if req.role == Some(Role::Client) {
            return Err(Error::invalid(
                "staff.invalid_role",
                "Staff are `admin` or `coach`.",
            ));
        }
        // A coach deactivated hands on their clients; deactivating them again finishes a
        // hand-over that stopped part way.
        let deactivating_coach = req.active == Some(false) && target.value.role == Role::Coach;
        if deactivating_coach && let Some(to) = req.reassign_to {
            self.active_coach(b, to, id).await?;
        }
        let changed = retrying(|| async {
            let before = repo::get::<UserRecord>(&*self.store, (b, id))
                .await?
                .filter(|u| u.value.role.is_staff() && u.value.role != Role::Owner)
                .ok_or_else(staff_not_found)?;
            let mut after = before.clone();
            if let Some(role) = req.role {
                after.value.role = role;
            }
            if let Some(active) = req.active {
                after.value.active = active;
            }
            if (after.value.role, after.value.active) == (before.value.role, before.value.active) {
                return Ok(Attempt::Done(after.value));
            }
            after.value.session_epoch = after.value.session_epoch.wrapping_add(1);
            let (old, new) = (&before.value, &after.value);
            let mut tx = Writes::new();
            tx.push(after.update((b, id))?).push(repo::overwrite(
                (b, id),
                &StaffRecord::from(staff_entry(new, new.joined())),
            )?);
            tx.extend(audit::entry(
                Some(caller),
                new,
                AuditKind::Role,
                audit::word(old.role),
                audit::word(new.role),
            )?);
            tx.extend(audit::entry(
                Some(caller),
                new,
                AuditKind::Activation,
                audit::activation(old.active),
                audit::activation(new.active),
            )?);
            commit(&*self.store, tx, after.value).await
        })
        .await?;
        if deactivating_coach {
            self.hand_clients(caller, id, req.reassign_to).await?;
        }
        Ok(staff_entry(&changed, changed.joined()))
    }

    /// `coach` is an active coach of the business, other than `leaving`.
    async fn active_coach(
        &self,
        b: shared::BusinessId,
        coach: UserId,
        leaving: UserId,
    ) -> Result<()> {
        let record = repo::get::<UserRecord>(&*self.store, (b, coach)).await?;
        match record {
            Some(r) if coach != leaving && r.value.role == Role::Coach && r.value.active => Ok(()),
            _ => Err(Error::invalid(
                "staff.not_a_coach",
                "Clients go to another active coach of your business (or to nobody).",
            )),
        }
    }

    /// Every client of `coach` goes to `to` (or to nobody). Each move is its own write: a
    /// failure part way leaves the rest with the old coach, and deactivating the coach again
    /// finishes. A roster entry whose move changes nothing (an index out of step with its
    /// client) is an error, not a loop.
    async fn hand_clients(&self, caller: &Caller, coach: UserId, to: Option<UserId>) -> Result<()> {
        let b = caller.business_id();
        let mut moved = std::collections::HashSet::new();
        loop {
            // Each move takes the client out of the coach's roster: read the first page again.
            let (clients, _) = crate::store::roster::page(
                &*self.store,
                b,
                crate::store::roster::Roster::Coach(coach),
                None,
                100,
            )
            .await?;
            if clients.is_empty() {
                return Ok(());
            }
            if clients.iter().all(|c| moved.contains(&c.id)) {
                return Err(anyhow::anyhow!(
                    "the roster of coach {coach} still lists clients already handed on"
                )
                .into());
            }
            for client in clients {
                if moved.insert(client.id) {
                    self.assign_coach(caller, client.id, to).await?;
                }
            }
        }
    }

    /// Hands the business to the admin `to`: they become its owner and the caller (the owner)
    /// an admin, in one write; both of their sessions end.
    async fn hand_over(&self, caller: &Caller, to: UserId) -> Result<StaffMember> {
        super::access::owner(caller)?;
        let b = caller.business_id();
        let new_owner = retrying(|| async {
            let business = repo::get::<repo::BusinessRecord>(&*self.store, b)
                .await?
                .context("the business is missing")?;
            let owner = repo::get::<UserRecord>(&*self.store, (b, caller.user_id()))
                .await?
                .context("the owner's record is missing")?;
            let heir = repo::get::<UserRecord>(&*self.store, (b, to))
                .await?
                .filter(|u| u.value.role == Role::Admin && u.value.active && u.value.joined())
                .ok_or_else(|| {
                    Error::invalid(
                        "staff.owner_to_admin",
                        "The business can be handed only to an active admin who has joined.",
                    )
                })?;
            let (mut owner_after, mut heir_after, mut business_after) =
                (owner.clone(), heir.clone(), business.clone());
            owner_after.value.role = Role::Admin;
            heir_after.value.role = Role::Owner;
            for person in [&mut owner_after.value, &mut heir_after.value] {
                person.session_epoch = person.session_epoch.wrapping_add(1);
            }
            business_after.value.owner_id = to;
            let mut tx = Writes::new();
            tx.push(business_after.update(b)?)
                .push(owner_after.update((b, caller.user_id()))?)
                .push(heir_after.update((b, to))?);
            for person in [&owner_after.value, &heir_after.value] {
                tx.push(repo::overwrite(
                    (b, person.id),
                    &StaffRecord::from(staff_entry(person, true)),
                )?);
            }
            tx.extend(audit::entry(
                Some(caller),
                &heir_after.value,
                AuditKind::Ownership,
                Some(owner.value.name.clone()),
                Some(heir.value.name.clone()),
            )?);
            tx.extend(audit::entry(
                Some(caller),
                &owner_after.value,
                AuditKind::Role,
                audit::word(Role::Owner),
                audit::word(Role::Admin),
            )?);
            commit(&*self.store, tx, heir_after.value).await
        })
        .await?;
        Ok(staff_entry(&new_owner, true))
    }

    /// Assigns a coach to a client (or none): the coach joins the client's private
    /// conversation and the previous one leaves it, in the same transaction as the client's
    /// record.
    pub async fn assign_coach(
        &self,
        caller: &Caller,
        client: UserId,
        coach: Option<UserId>,
    ) -> Result<Client> {
        super::access::manager(caller)?;
        let b = caller.business_id();
        if let Some(c) = coach {
            let record = repo::get::<UserRecord>(&*self.store, (b, c)).await?;
            if !record.is_some_and(|r| r.value.role == Role::Coach && r.value.active) {
                return Err(Error::not_found(
                    "staff.not_a_coach",
                    "There is no such coach in your business.",
                ));
            }
        }
        retrying(|| async {
            let before = repo::get::<UserRecord>(&*self.store, (b, client))
                .await?
                .filter(|u| u.value.role == Role::Client)
                .ok_or_else(|| Error::not_found("client.not_found", "There is no such client."))?;
            let old = before.value.coach_id;
            if old == coach {
                return Ok(Attempt::Done(before.value));
            }
            let mut after = before.clone();
            after.value.coach_id = coach;
            let mut writes = vec![after.update((b, client))?];
            writes.extend(crate::store::roster::writes(
                &after.value,
                Some(&before.value),
            )?);
            writes.extend(audit::entry(
                Some(caller),
                &after.value,
                AuditKind::Coach,
                audit::name_of(&*self.store, b, old).await?,
                audit::name_of(&*self.store, b, coach).await?,
            )?);
            // A client added straight into their company's channel has no private
            // conversation yet: the coach joins it when it is started.
            let Some(conversation_id) = before.value.conversation_id else {
                return commit(&*self.store, writes.into(), after.value).await;
            };
            let conversation = repo::get::<ConversationRecord>(&*self.store, (b, conversation_id))
                .await?
                .context("a client's conversation is missing")?;
            let mut next = conversation.clone();
            let mut seats = Vec::new();
            // The old coach leaves unless they are in it otherwise (they added the client).
            if let Some(o) = old
                && members::get(&*self.store, b, conversation_id, o)
                    .await?
                    .is_some_and(|m| m.value.role == Role::Coach)
            {
                next.value.member_count = next.value.member_count.saturating_sub(1);
                next.value.listed.retain(|u| *u != o);
                seats.extend(members::leave(b, &conversation.value, o));
            }
            if let Some(c) = coach
                && members::get(&*self.store, b, conversation_id, c)
                    .await?
                    .is_none()
            {
                next.value.member_count += 1;
                next.value.listed.push(c);
                let member = MemberRef::new(c, Role::Coach, super::ids::new_ulid());
                let read = MembershipRecord::caught_up(&next.value);
                seats.extend(members::join(b, &next.value, &member, &read)?);
            }
            writes.insert(1, next.update((b, conversation_id))?);
            writes.extend(seats);
            commit(&*self.store, writes.into(), after.value).await
        })
        .await
        .and_then(|u| super::clients::roster_entry(&u))
    }
}
