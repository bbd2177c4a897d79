//! Who may do what: the one place services ask. Role checks are the named rules of
//! `shared::rules` (the app asks the same ones), each with one error code for one meaning;
//! checks that need a stored record (is this client the caller's?) are here too.

use super::auth::Caller;
use super::{Error, Result};
use crate::store::repo::UserRecord;
use shared::UserId;
use shared::model::Role;
use shared::rules;

/// Staff (owner, admins, coaches): the roster, clients' conversations, mass messages.
pub fn staff(caller: &Caller) -> Result<()> {
    Ok(rules::can_manage_clients(caller.role())?)
}

/// The owner and admins: the business's settings, companies, products, groups, coaches of
/// clients, a client's messaging mode by hand.
pub fn manager(caller: &Caller) -> Result<()> {
    Ok(rules::can_manage_business(caller.role())?)
}

/// The owner: inviting staff.
pub fn owner(caller: &Caller) -> Result<()> {
    Ok(rules::can_manage_staff(caller.role())?)
}

/// Whether the caller reaches this client: managers every client, a coach their own.
pub fn reaches(caller: &Caller, client: &UserRecord) -> bool {
    client.role == Role::Client
        && !client.removed
        && rules::can_reach_client(caller.role(), &caller.user_id(), client.coach_id.as_ref())
}

/// Whether the caller sees what `author`, a member of staff, made for the business (a mass
/// message): the owner and admins everyone's, anyone else their own.
pub fn sees_work_of(caller: &Caller, author: UserId) -> bool {
    caller.role().is_manager() || caller.user_id() == author
}

pub fn client_not_found() -> Error {
    Error::not_found("client.not_found", "There is no such client.")
}
