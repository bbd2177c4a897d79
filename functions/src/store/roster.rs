//! The business's clients as lists: the roster (newest first, and by name), each coach's own,
//! each company's, each product's buyers; and each client's history of messaging changes.
//! Every entry is a copy of the client as the roster shows them, rewritten with the client.

use super::keys::{self, MODE_CHANGE_PREFIX, ROSTER_BY_ID, ROSTER_BY_NAME};
use super::repo::{self, ClientRef, ModeChangeRecord, RosterRecord, UserRecord};
use super::{Condition, Query, Store, StoreError, Write};
use shared::{BusinessId, CompanyId, ProductId, UserId};

/// A list of clients read newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Roster {
    /// Every client of the business.
    All,
    /// The clients assigned to a coach.
    Coach(UserId),
    /// A company's clients.
    Company(CompanyId),
}

impl Roster {
    /// Where `client`'s entry is in this list.
    fn key(self, b: BusinessId, client: UserId) -> keys::Key {
        match self {
            Roster::All => keys::roster_by_id(b, client),
            Roster::Coach(c) => keys::coach_roster(b, c, client),
            Roster::Company(c) => keys::company_roster(b, c, client),
        }
    }

    fn pk(self, b: BusinessId) -> String {
        match self {
            Roster::All => keys::roster_pk(b),
            Roster::Coach(c) => keys::coach_roster_pk(b, c),
            Roster::Company(c) => keys::company_roster_pk(b, c),
        }
    }
}

/// How names are compared when searching: case folded.
pub fn search_key(name: &str) -> String {
    name.to_lowercase()
}

/// A client as the roster lists them.
pub fn entry(user: &UserRecord) -> RosterRecord {
    RosterRecord {
        id: user.id,
        name: user.name.clone(),
        email: user.email.clone(),
        phone: user.phone.clone(),
        messaging: user.messaging,
        conversation_id: user.conversation_id,
        company_id: user.company_id,
        joined: user.joined(),
        coach_id: user.coach_id,
        active: user.active,
        created_at: user.created_at,
    }
}

/// The entries for a client as `user` is now, replacing those of `before`: in the roster by
/// id and by name, in their coach's roster and in their company's.
pub fn writes(user: &UserRecord, before: Option<&UserRecord>) -> Result<Vec<Write>, StoreError> {
    let (b, id) = (user.business_id, user.id);
    let entry = entry(user);
    let delete = |(pk, sk): keys::Key| Write::delete(pk, sk, Condition::Always);
    let mut writes = vec![repo::overwrite_at(Roster::All.key(b, id), &entry)?];
    if let Some(old) = before.filter(|o| search_key(&o.name) != search_key(&user.name)) {
        writes.push(delete(keys::roster_by_name(b, &search_key(&old.name), id)));
    }
    writes.push(repo::overwrite_at(
        keys::roster_by_name(b, &search_key(&user.name), id),
        &entry,
    )?);
    // The coach's own roster and the company's follow the client's assignment.
    let assigned = |u: &UserRecord| {
        [
            u.coach_id.map(Roster::Coach),
            u.company_id.map(Roster::Company),
        ]
    };
    let now = assigned(user);
    for left in before.map(assigned).into_iter().flatten().flatten() {
        if !now.contains(&Some(left)) {
            writes.push(delete(left.key(b, id)));
        }
    }
    for list in now.into_iter().flatten() {
        writes.push(repo::overwrite_at(list.key(b, id), &entry)?);
    }
    Ok(writes)
}

/// The deletes that take a removed client off every list: the roster by id and by name, their
/// coach's and their company's.
pub fn removal(user: &UserRecord) -> Vec<Write> {
    let (b, id) = (user.business_id, user.id);
    let delete = |(pk, sk): keys::Key| Write::delete(pk, sk, Condition::Always);
    let mut writes = vec![
        delete(Roster::All.key(b, id)),
        delete(keys::roster_by_name(b, &search_key(&user.name), id)),
    ];
    for list in [
        user.coach_id.map(Roster::Coach),
        user.company_id.map(Roster::Company),
    ]
    .into_iter()
    .flatten()
    {
        writes.push(delete(list.key(b, id)));
    }
    writes
}

/// A page of a roster, newest first.
pub async fn page(
    store: &dyn Store,
    b: BusinessId,
    roster: Roster,
    cursor: Option<String>,
    limit: usize,
) -> Result<(Vec<RosterRecord>, Option<String>), StoreError> {
    let q = Query::prefix(roster.pk(b), ROSTER_BY_ID)
        .reverse()
        .limit(limit)
        .after(cursor);
    repo::query_values(store, &q).await
}

/// A page of the business's clients whose name starts with `prefix` (a [`search_key`]), in
/// alphabetical order.
pub async fn by_name(
    store: &dyn Store,
    b: BusinessId,
    prefix: &str,
    cursor: Option<String>,
    limit: usize,
) -> Result<(Vec<RosterRecord>, Option<String>), StoreError> {
    let q = Query::prefix(keys::roster_pk(b), format!("{ROSTER_BY_NAME}{prefix}"))
        .limit(limit)
        .after(cursor);
    repo::query_values(store, &q).await
}

/// The entry that lists `client` among the buyers of product `p`.
pub fn buyer(b: BusinessId, p: ProductId, client: UserId) -> Result<Write, StoreError> {
    repo::overwrite_at(keys::buyer(b, p, client), &ClientRef { client_id: client })
}

/// Takes `client` off the buyers of product `p` (their purchases moved to another client).
pub fn buyer_removal(b: BusinessId, p: ProductId, client: UserId) -> Write {
    let (pk, sk) = keys::buyer(b, p, client);
    Write::delete(pk, sk, Condition::Always)
}

/// A page of the buyers of product `p`.
pub async fn buyers(
    store: &dyn Store,
    b: BusinessId,
    p: ProductId,
    cursor: Option<String>,
    limit: usize,
) -> Result<(Vec<UserId>, Option<String>), StoreError> {
    let q = Query::prefix(keys::buyers_pk(b, p), ROSTER_BY_ID)
        .limit(limit)
        .after(cursor);
    let (refs, next) = repo::query_values::<ClientRef>(store, &q).await?;
    Ok((refs.into_iter().map(|r| r.client_id).collect(), next))
}

/// A page of a client's messaging changes, newest first.
pub async fn mode_changes(
    store: &dyn Store,
    b: BusinessId,
    client: UserId,
    cursor: Option<String>,
    limit: usize,
) -> Result<(Vec<ModeChangeRecord>, Option<String>), StoreError> {
    let q = Query::prefix(keys::person_pk(b, client), MODE_CHANGE_PREFIX)
        .reverse()
        .limit(limit)
        .after(cursor);
    repo::query_values(store, &q).await
}
