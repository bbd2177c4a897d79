//! The audit log: every change of who may do what is recorded with the change itself (who made
//! it, when, to whom, before and after). The owner and admins read the whole log; a coach the
//! entries of their own clients; anyone their own.

use super::auth::Caller;
use super::clients::page_limit;
use super::*;
use crate::store::Write;
use crate::store::repo::{self, AuditRecord, UserRecord};
use shared::UserId;
use shared::limits::{LIST_PAGE_DEFAULT, LIST_PAGE_MAX};
use shared::model::{AuditEntry, AuditKind, Page};

/// The writes recording that `actor` (none: the system) changed `kind` of `subject` from
/// `before` to `after`; none when nothing changed.
pub fn entry(
    actor: Option<&Caller>,
    subject: &UserRecord,
    kind: AuditKind,
    before: Option<String>,
    after: Option<String>,
) -> Result<Vec<Write>> {
    let about = About {
        person: Some(subject.id),
        name: &subject.name,
        place: None,
    };
    entry_about(actor, subject.business_id, about, kind, before, after)
}

/// What an entry is about: a person (by id and name), or a group or product (by name); and
/// for a change within a group, the group.
pub struct About<'a> {
    pub person: Option<UserId>,
    pub name: &'a str,
    pub place: Option<&'a str>,
}

/// [`entry`] about anything of business `b`.
pub fn entry_about(
    actor: Option<&Caller>,
    b: shared::BusinessId,
    about: About<'_>,
    kind: AuditKind,
    before: Option<String>,
    after: Option<String>,
) -> Result<Vec<Write>> {
    if before == after {
        return Ok(Vec::new());
    }
    let record = AuditRecord {
        kind,
        subject_id: about.person,
        subject_name: about.name.to_owned(),
        place: about.place.map(str::to_owned),
        actor_id: actor.map(Caller::user_id),
        actor_name: actor.map(|a| a.name().to_owned()),
        before,
        after,
        at: now(),
    };
    Ok(crate::store::audit::writes(b, &record)?)
}

/// `on` or `off`.
pub fn on_off(on: bool) -> Option<String> {
    Some(if on { "on" } else { "off" }.to_owned())
}

/// A member's own posting right as the log says it.
pub fn posting(can_post: Option<bool>) -> Option<String> {
    Some(
        match can_post {
            Some(true) => "may post",
            Some(false) => "may not post",
            None => "group's setting",
        }
        .to_owned(),
    )
}

/// How a value is spelled on the wire (`admin`, `one_way`...), for an entry.
pub fn word<T: serde::Serialize>(value: T) -> Option<String> {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
}

/// `active` or `deactivated`.
pub fn activation(active: bool) -> Option<String> {
    Some(if active { "active" } else { "deactivated" }.to_owned())
}

/// The name of a person of the business, for an entry (none for none).
pub async fn name_of(
    store: &dyn Store,
    b: shared::BusinessId,
    id: Option<UserId>,
) -> Result<Option<String>> {
    let Some(id) = id else {
        return Ok(None);
    };
    Ok(repo::get::<UserRecord>(store, (b, id))
        .await?
        .map(|u| u.value.name))
}

/// Reading the log.
pub struct Audit {
    store: Arc<dyn Store>,
}

impl Audit {
    pub(super) fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    /// A page of the log, newest first: the business's (the owner and admins), or one person's
    /// (`subject`: the owner and admins anyone's, a coach their own clients', anyone their own).
    pub async fn page(
        &self,
        caller: &Caller,
        subject: Option<UserId>,
        cursor: Option<String>,
        limit: Option<usize>,
    ) -> Result<Page<AuditEntry>> {
        let limit = page_limit(limit, LIST_PAGE_DEFAULT, LIST_PAGE_MAX)?;
        let b = caller.business_id();
        match subject {
            None => access::manager(caller)?,
            Some(id) if id == caller.user_id() || caller.role().is_manager() => {}
            Some(id) => {
                access::staff(caller)?;
                let client = repo::get::<UserRecord>(&*self.store, (b, id)).await?;
                if !client.is_some_and(|c| access::reaches(caller, &c.value)) {
                    return Err(access::client_not_found());
                }
            }
        }
        let (records, next_cursor) =
            crate::store::audit::page(&*self.store, b, subject, cursor, limit).await?;
        Ok(Page {
            items: records.into_iter().map(Into::into).collect(),
            next_cursor,
        })
    }
}
