//! Groups: many people in one conversation. The business's owner or an admin creates one;
//! group owners and admins manage its members, their roles and posting rights, and its
//! settings (announcement-only); anyone may leave. A member's seat, read state and group
//! pointer are written with their membership, and removed with it, so a removed member loses
//! the group at once.

use super::audit;
use super::auth::Caller;
use super::*;
use crate::store::repo::{self, ConversationRecord, MemberRef, MembershipRecord, UserRecord};
use crate::store::{MAX_TRANSACTION_WRITES, members};
use shared::api::{CreateGroupRequest, SetMemberRequest, UpdateConversationRequest};
use shared::limits::GROUP_MEMBERS_MAX;
use shared::model::{
    AuditKind, ConversationKind, ConversationSummary, GroupMember, GroupRole, Role,
};
use shared::rules::{Action, allowed};
use shared::validate::{Emoji, Name};
use shared::{ConversationId, UserId};

fn too_many() -> Error {
    Error::invalid(
        "group.too_many_members",
        format!("A group can have at most {GROUP_MEMBERS_MAX} members."),
    )
}

fn channel_managed() -> Error {
    Error::invalid(
        "company.channel_managed",
        "A company's channel holds exactly the company's clients: change the client's company instead.",
    )
}

fn company_mismatch() -> Error {
    Error::invalid(
        "group.company_mismatch",
        "Only clients of this company can be in a channel made within it.",
    )
}

/// Whether `person` may be in `conversation` as far as companies go: a company channel's
/// clients follow the company; a group made within a company takes only its clients.
fn company_fits(conversation: &ConversationRecord, person: &UserRecord) -> Result<()> {
    if person.role != Role::Client {
        return Ok(());
    }
    match (conversation.kind, conversation.company_id) {
        (ConversationKind::Company, _) => Err(channel_managed()),
        (_, Some(company)) if person.company_id != Some(company) => Err(company_mismatch()),
        _ => Ok(()),
    }
}

fn owner_fixed() -> Error {
    Error::forbidden(
        "group.owner_fixed",
        "The group's owner stays in it until they leave.",
    )
}

fn unknown_person() -> Error {
    Error::not_found(
        "group.unknown_person",
        "Someone to add is not a client or staff member of this business.",
    )
}

/// Groups and who is in them.
pub struct Groups {
    store: Arc<dyn Store>,
    conversations: Arc<Conversations>,
}

impl Groups {
    pub(super) fn new(store: Arc<dyn Store>, conversations: Arc<Conversations>) -> Self {
        Self {
            store,
            conversations,
        }
    }

    /// A person of the caller's business who can be in a group (a deactivated one cannot
    /// be added).
    async fn person(&self, caller: &Caller, id: UserId) -> Result<UserRecord> {
        let person = repo::get::<UserRecord>(&*self.store, (caller.business_id(), id))
            .await?
            .map(|u| u.value)
            .ok_or_else(unknown_person)?;
        if !person.active {
            return Err(Error::invalid(
                "group.member_deactivated",
                "A deactivated person cannot be added to a group.",
            ));
        }
        Ok(person)
    }

    /// Creates a group with the caller as its owner.
    pub async fn create_group(
        &self,
        caller: &Caller,
        req: CreateGroupRequest,
    ) -> Result<ConversationSummary> {
        super::access::manager(caller)?;
        let title = Name::parse(&req.title, "title")?;
        let emoji = req.emoji.as_deref().map(Emoji::parse).transpose()?;
        if req.member_ids.len() > GROUP_MEMBERS_MAX {
            return Err(too_many());
        }
        let mut ids = unique_in_order(req.member_ids);
        ids.retain(|id| *id != caller.user_id());
        if ids.len() + 1 > GROUP_MEMBERS_MAX {
            return Err(too_many());
        }
        let people =
            futures::future::try_join_all(ids.iter().map(|id| self.person(caller, *id))).await?;
        let b = caller.business_id();
        if let Some(company) = req.company_id {
            super::companies::company(&*self.store, b, company).await?;
            if people
                .iter()
                .any(|p| p.role == Role::Client && p.company_id != Some(company))
            {
                return Err(company_mismatch());
            }
        }
        let business = repo::get::<repo::BusinessRecord>(&*self.store, b)
            .await?
            .ok_or_else(|| Error::not_found("business.not_found", "There is no such business."))?;
        let now = time::OffsetDateTime::now_utc();
        let mut listed = vec![MemberRef {
            group_role: GroupRole::Owner,
            name: caller.name().to_owned(),
            ..MemberRef::new(caller.user_id(), caller.role(), super::ids::new_ulid()).founding()
        }];
        listed.extend(people.iter().map(|p| MemberRef {
            name: p.name.clone(),
            ..MemberRef::new(p.id, p.role, super::ids::new_ulid()).founding()
        }));
        let conversation = ConversationRecord {
            id: ConversationId::from_ulid(super::ids::new_ulid()),
            business_id: b,
            kind: ConversationKind::Group,
            member_count: listed.len(),
            listed: Vec::new(),
            client_id: None,
            client_name: None,
            client_mode: Default::default(),
            business_name: business.value.name,
            group_title: Some(title.into_inner()),
            emoji: emoji.map(Emoji::into_inner),
            announcement_only: req.announcement_only,
            company_id: req.company_id,
            seq: 0,
            last_message: None,
            client_active: true,
            created_at: now,
            last_activity_at: now,
        };
        let read = MembershipRecord::caught_up(&conversation);
        let mut joins = Vec::with_capacity(listed.len() * 3);
        for m in &listed {
            joins.extend(members::join(b, &conversation, m, &read)?);
        }
        let record = repo::create((b, conversation.id), &conversation)?;
        // A large group's members first, in batches, and its record last: a failure on the way
        // leaves no group (what was written of it the inbox listing skips and removes), never a
        // group missing members.
        if joins.len() >= MAX_TRANSACTION_WRITES {
            let batches = joins
                .chunks(MAX_TRANSACTION_WRITES)
                .map(|batch| self.store.transact(batch.to_vec()));
            futures::future::try_join_all(batches).await?;
            joins.clear();
        }
        joins.push(record);
        self.store.transact(joins).await?;
        Ok(self.conversations.summary(
            caller,
            &conversation,
            conversation.seat(Some(&listed[0]), caller.role()),
            0,
        ))
    }

    /// Changes a group's settings (announcement-only goes in the audit log).
    pub async fn update_conversation(
        &self,
        caller: &Caller,
        id: ConversationId,
        req: UpdateConversationRequest,
    ) -> Result<ConversationSummary> {
        let title = req
            .title
            .as_deref()
            .map(|t| Name::parse(t, "title"))
            .transpose()?;
        let emoji = req
            .emoji
            .as_ref()
            .map(|e| e.as_deref().map(Emoji::parse).transpose())
            .transpose()?;
        retrying(|| async {
            let seated = self.conversations.readable(caller, id).await?;
            allowed(Action::ChangeSettings, seated.seat, seated.room())?;
            let mut next = seated.conversation.clone();
            if let Some(on) = req.announcement_only {
                next.value.announcement_only = on;
            }
            if let Some(t) = &title {
                next.value.group_title = Some(t.as_str().to_owned());
            }
            if let Some(e) = &emoji {
                next.value.emoji = e.as_ref().map(|e| e.as_str().to_owned());
            }
            let mut tx = Writes::from(vec![next.update((caller.business_id(), id))?]);
            let group = next.value.group_title.clone().unwrap_or_default();
            tx.extend(audit::entry_about(
                Some(caller),
                caller.business_id(),
                audit::About {
                    person: None,
                    name: &group,
                    place: None,
                },
                AuditKind::AnnouncementOnly,
                audit::on_off(seated.conversation.value.announcement_only),
                audit::on_off(next.value.announcement_only),
            )?);
            commit(&*self.store, tx, ()).await
        })
        .await?;
        self.conversations.get_conversation(caller, id).await
    }

    /// Adds someone to a group, or changes their role or posting right.
    pub async fn set_member(
        &self,
        caller: &Caller,
        id: ConversationId,
        user: UserId,
        req: SetMemberRequest,
    ) -> Result<Vec<GroupMember>> {
        if req.role == GroupRole::Owner {
            return Err(Error::invalid(
                "group.invalid_role",
                "A member's role is admin or member; a group's owner is the one who created it.",
            ));
        }
        let person = self.person(caller, user).await?;
        let b = caller.business_id();
        retrying(|| async {
            let seated = self.conversations.readable(caller, id).await?;
            allowed(Action::ManageMembers, seated.seat, seated.room())?;
            let current = &seated.conversation;
            let seat = members::get(&*self.store, b, id, user).await?;
            let before = seat
                .as_ref()
                .map(|m| (m.value.group_role, m.value.can_post));
            let mut writes = match seat {
                Some(m) if m.value.group_role == GroupRole::Owner => return Err(owner_fixed()),
                Some(mut m) => {
                    m.value.group_role = req.role;
                    m.value.can_post = req.can_post;
                    m.value.name = person.name.clone();
                    vec![m.update((b, id, user))?]
                }
                None => {
                    company_fits(&current.value, &person)?;
                    if current.value.member_count >= GROUP_MEMBERS_MAX {
                        return Err(too_many());
                    }
                    let mut next = current.clone();
                    next.value.member_count += 1;
                    let member = MemberRef {
                        group_role: req.role,
                        can_post: req.can_post,
                        name: person.name.clone(),
                        ..MemberRef::new(user, person.role, super::ids::new_ulid())
                    };
                    let read = MembershipRecord::caught_up(&next.value);
                    let mut writes = vec![next.update((b, id))?];
                    writes.extend(members::join(b, &next.value, &member, &read)?);
                    writes
                }
            };
            writes.extend(seat_entries(
                caller,
                &current.value,
                (user, &person.name),
                before,
                Some((req.role, req.can_post)),
            )?);
            commit(&*self.store, writes.into(), ()).await
        })
        .await?;
        self.members_of(b, id).await
    }

    /// Takes someone out of a group (or the caller leaves it). They lose it at once: no more
    /// events, history refused, gone from their inbox; their open apps are told.
    pub async fn remove_member(
        &self,
        caller: &Caller,
        id: ConversationId,
        user: UserId,
    ) -> Result<()> {
        let b = caller.business_id();
        retrying(|| async {
            let seated = self.conversations.readable(caller, id).await?;
            let current = &seated.conversation;
            if !current.value.kind.is_group() {
                return Err(shared::rules::PRIVATE_FIXED.into());
            }
            let member = members::get(&*self.store, b, id, user).await?;
            if current.value.kind == ConversationKind::Company
                && member
                    .as_ref()
                    .is_some_and(|m| m.value.role == Role::Client)
            {
                return Err(channel_managed());
            }
            let leaving = user == caller.user_id();
            if !leaving {
                allowed(Action::ManageMembers, seated.seat, seated.room())?;
            }
            let Some(member) = member else {
                return Err(Error::not_found(
                    "group.not_member",
                    "This person is not in the group.",
                ));
            };
            if member.value.group_role == GroupRole::Owner && !leaving {
                return Err(owner_fixed());
            }
            let mut next = current.clone();
            next.value.member_count = next.value.member_count.saturating_sub(1);
            let mut writes = vec![next.update((b, id))?];
            writes.extend(members::leave(b, &current.value, user));
            writes.extend(seat_entries(
                caller,
                &current.value,
                (user, &member.value.name),
                Some((member.value.group_role, member.value.can_post)),
                None,
            )?);
            commit(&*self.store, writes.into(), ()).await
        })
        .await
    }

    /// A group's members, for its members.
    pub async fn group_members(
        &self,
        caller: &Caller,
        id: ConversationId,
    ) -> Result<Vec<GroupMember>> {
        let seated = self.conversations.readable(caller, id).await?;
        if !seated.record().kind.is_group() {
            return Err(shared::rules::PRIVATE_FIXED.into());
        }
        self.members_of(caller.business_id(), id).await
    }

    /// Everyone listed in a conversation, in the order they joined.
    async fn members_of(
        &self,
        b: shared::BusinessId,
        id: ConversationId,
    ) -> Result<Vec<GroupMember>> {
        let listed = members::all(&*self.store, b, id).await?;
        Ok(listed
            .into_iter()
            .map(|m| GroupMember {
                user_id: m.user_id,
                name: m.name,
                role: m.role,
                group_role: m.group_role,
                can_post: m.can_post,
            })
            .collect())
    }
}

/// The audit entries of a seat in `group` changing from `before` to `after` (each a role and
/// an own posting right; none: not in the group): the person's role there, and their posting
/// right while they are in it.
fn seat_entries(
    caller: &Caller,
    group: &ConversationRecord,
    (person, name): (UserId, &str),
    before: Option<(GroupRole, Option<bool>)>,
    after: Option<(GroupRole, Option<bool>)>,
) -> Result<Vec<crate::store::Write>> {
    let title = group.group_title.clone().unwrap_or_default();
    let about = || audit::About {
        person: Some(person),
        name,
        place: Some(&title),
    };
    let mut writes = audit::entry_about(
        Some(caller),
        caller.business_id(),
        about(),
        AuditKind::GroupRole,
        before.and_then(|(role, _)| audit::word(role)),
        after.and_then(|(role, _)| audit::word(role)),
    )?;
    // Joining or leaving with the group's own setting changes no posting right of theirs.
    let posting = |seat: Option<(GroupRole, Option<bool>)>| {
        audit::posting(seat.and_then(|(_, can_post)| can_post))
    };
    writes.extend(audit::entry_about(
        Some(caller),
        caller.business_id(),
        about(),
        AuditKind::Posting,
        posting(before),
        posting(after),
    )?);
    Ok(writes)
}
