//! Staff: the owner invites admins and coaches by email, and they accept like clients do.
//! The owner and admins are in every client's private conversation and every company's channel
//! by their role, without being listed in any (see `store::inbox`): inviting an
//! admin writes the invite and nothing else. A coach is listed in the private conversations of
//! the clients assigned to them.

use super::auth::{Caller, new_invite};
use super::*;
use crate::store::members;
use crate::store::repo::{
    self, ConversationRecord, EmailOwner, MemberRef, MembershipRecord, StaffRecord, UserRecord,
};
use anyhow::Context as _;
use shared::UserId;
use shared::api::{InviteStaffRequest, StaffWithInvite};
use shared::model::{Client, MessagingMode, Page, Role, StaffMember};
use shared::validate::{Email, Name};

/// The staff list's entry for `user`.
pub fn staff_entry(user: &UserRecord, joined: bool) -> StaffMember {
    StaffMember {
        id: user.id,
        name: user.name.clone(),
        email: user.email.clone(),
        role: user.role,
        joined,
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
        .filter(|s| s.role.is_manager() && s.joined)
        .map(|s| (s.id, s.role))
        .collect())
}

/// Staff: invites, the staff list, coaches of clients.
pub struct Staff {
    store: Arc<dyn Store>,
}

impl Staff {
    pub(super) fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
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
            messaging: MessagingMode::TwoWay,
            conversation_id: None,
            coach_id: None,
            company_id: None,
            created_at: now(),
            session_epoch: 0,
        };
        let (token, invite_write, expires_at) = new_invite(b, user.id)?;
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
        .push(invite_write);
        tx.commit(&*self.store).await?;
        Ok(StaffWithInvite {
            staff: staff_entry(&user, false),
            invite: super::clients::invite_view(token, expires_at, user.role),
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
            if !record.is_some_and(|r| r.value.role == Role::Coach) {
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
