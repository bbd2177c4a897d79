//! Companies: the people of one company are clients of the business (corporate wellness). Each
//! company has its channel, whose client members are exactly the company's clients: a client
//! who joins the company joins it, one who leaves is taken out in the same transaction.

use super::auth::Caller;
use super::*;
use crate::store::repo::{
    self, BusinessRecord, CompanyNameOwner, CompanyRecord, ConversationRecord, MemberRef,
    MembershipRecord, Versioned,
};
use crate::store::{Write, inbox, members};
use anyhow::Context as _;
use shared::api::CreateCompanyRequest;
use shared::limits::GROUP_MEMBERS_MAX;
use shared::model::{Company, ConversationKind, ConversationSummary, GroupRole, Role};
use shared::validate::Name;
use shared::{BusinessId, CompanyId, ConversationId, UserId};

pub(super) fn company_not_found() -> Error {
    Error::not_found("company.not_found", "There is no such company.")
}

fn channel_full() -> Error {
    Error::invalid(
        "company.channel_full",
        format!("A company's channel can have at most {GROUP_MEMBERS_MAX} members."),
    )
}

/// The writes that put `client` in a company channel: the channel itself (its version checked,
/// its count of members moved) first, then their seat, read state and group pointer. Nothing
/// when they are in it already.
pub(super) async fn channel_join(
    store: &dyn Store,
    b: BusinessId,
    channel: &Versioned<ConversationRecord>,
    client: UserId,
    name: &str,
) -> Result<Vec<Write>> {
    let id = channel.value.id;
    if members::get(store, b, id, client).await?.is_some() {
        return Ok(Vec::new());
    }
    if channel.value.member_count >= GROUP_MEMBERS_MAX {
        return Err(channel_full());
    }
    let mut next = channel.clone();
    next.value.member_count += 1;
    let member = MemberRef {
        name: name.to_owned(),
        ..MemberRef::new(client, Role::Client, super::ids::new_ulid())
    };
    let read = MembershipRecord::caught_up(&next.value);
    let mut writes = vec![next.update((b, id))?];
    writes.extend(members::join(b, &next.value, &member, &read)?);
    Ok(writes)
}

/// The writes that take `client` out of a company channel, the channel first. Nothing when
/// they are not in it.
pub(super) async fn channel_leave(
    store: &dyn Store,
    b: BusinessId,
    channel: &Versioned<ConversationRecord>,
    client: UserId,
) -> Result<Vec<Write>> {
    let id = channel.value.id;
    if members::get(store, b, id, client).await?.is_none() {
        return Ok(Vec::new());
    }
    let mut next = channel.clone();
    next.value.member_count = next.value.member_count.saturating_sub(1);
    let mut writes = vec![next.update((b, id))?];
    writes.extend(members::leave(b, &channel.value, client));
    Ok(writes)
}

/// A company of business `b`.
pub(super) async fn company(store: &dyn Store, b: BusinessId, id: CompanyId) -> Result<Company> {
    repo::get::<CompanyRecord>(store, (b, id))
        .await?
        .map(|c| c.value.into())
        .ok_or_else(company_not_found)
}

/// A company's channel, as stored.
pub(super) async fn channel_record(
    store: &dyn Store,
    b: BusinessId,
    id: CompanyId,
) -> Result<Versioned<ConversationRecord>> {
    let company = company(store, b, id).await?;
    Ok(
        repo::get::<ConversationRecord>(store, (b, company.channel_id))
            .await?
            .context("a company without its channel")?,
    )
}

/// Companies and their channels.
pub struct Companies {
    store: Arc<dyn Store>,
    conversations: Arc<Conversations>,
}

impl Companies {
    pub(super) fn new(store: Arc<dyn Store>, conversations: Arc<Conversations>) -> Self {
        Self {
            store,
            conversations,
        }
    }

    /// Creates a company and its channel, with the owner and every admin in it.
    pub async fn create_company(
        &self,
        caller: &Caller,
        req: CreateCompanyRequest,
    ) -> Result<Company> {
        super::access::manager(caller)?;
        let name = Name::parse(&req.name, "company name")?.into_inner();
        let b = caller.business_id();
        let business = repo::get::<BusinessRecord>(&*self.store, b)
            .await?
            .context("the caller's business is missing")?;
        let now = now();
        let company = Company {
            id: CompanyId::from_ulid(super::ids::new_ulid()),
            name: name.clone(),
            channel_id: ConversationId::from_ulid(super::ids::new_ulid()),
            created_at: now,
        };
        // Its creator owns it; the owner and admins are in it without being listed.
        let creator = MemberRef {
            group_role: GroupRole::Owner,
            name: caller.name().to_owned(),
            ..MemberRef::new(caller.user_id(), caller.role(), super::ids::new_ulid()).founding()
        };
        let channel = ConversationRecord {
            id: company.channel_id,
            business_id: b,
            kind: ConversationKind::Company,
            member_count: 1,
            listed: Vec::new(),
            client_id: None,
            client_name: None,
            client_mode: Default::default(),
            business_name: business.value.name,
            group_title: Some(name.clone()),
            emoji: Some("🏢".into()),
            announcement_only: false,
            company_id: Some(company.id),
            seq: 0,
            last_message: None,
            client_active: true,
            created_at: now,
            last_activity_at: now,
        };
        let mut tx = Writes::new();
        tx.push_or(
            repo::create(
                (b, name.to_lowercase().as_str()),
                &CompanyNameOwner(company.id),
            )?,
            Error::conflict(
                "company.name_taken",
                "Your business already has a company with this name.",
            ),
        )
        .push(repo::create(
            (b, company.id),
            &CompanyRecord::from(company.clone()),
        )?)
        .push(repo::create((b, channel.id), &channel)?);
        tx.extend(members::join(
            b,
            &channel,
            &creator,
            &MembershipRecord::caught_up(&channel),
        )?);
        tx.push(inbox::business_entry(&channel)?);
        tx.commit(&*self.store).await?;
        Ok(company)
    }

    /// Every company of the business, in the order they were created.
    pub async fn list_companies(&self, caller: &Caller) -> Result<Vec<Company>> {
        super::access::staff(caller)?;
        self.companies_of(caller.business_id()).await
    }

    /// Every company of business `b`.
    pub(super) async fn companies_of(&self, b: BusinessId) -> Result<Vec<Company>> {
        let companies = crate::store::companies::all(&*self.store, b).await?;
        Ok(companies.into_iter().map(Company::from).collect())
    }

    /// A company's channel, for staff who are in it.
    pub async fn company_channel(
        &self,
        caller: &Caller,
        id: CompanyId,
    ) -> Result<ConversationSummary> {
        super::access::staff(caller)?;
        let company = company(&*self.store, caller.business_id(), id).await?;
        self.conversations
            .get_conversation(caller, company.channel_id)
            .await
    }
}
