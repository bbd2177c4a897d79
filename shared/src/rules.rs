//! Who may do what, as pure functions. The server calls them before every write and read; the
//! app calls the same ones to decide what to show. A refusal carries a stable code.

use crate::model::{ConversationKind, GroupRole, MessagingMode, Role};

/// Why an action was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Denied {
    pub code: &'static str,
    pub message: &'static str,
}

pub const NOT_A_MEMBER: Denied = Denied {
    code: "conversation.not_member",
    message: "You are not a member of this conversation.",
};
pub const ONE_WAY: Denied = Denied {
    code: "messaging.one_way",
    message: "Only your coach sends messages here.",
};
pub const ANNOUNCEMENT_ONLY: Denied = Denied {
    code: "group.announcement_only",
    message: "Only admins can post here.",
};
pub const MUTED: Denied = Denied {
    code: "group.muted",
    message: "An admin has turned off posting for you in this group.",
};
pub const GROUP_ADMIN_ONLY: Denied = Denied {
    code: "group.admin_only",
    message: "Only the group's owners and admins can do this.",
};
pub const PRIVATE_FIXED: Denied = Denied {
    code: "conversation.private_fixed",
    message: "A private conversation's members and settings cannot be changed.",
};
pub const NOT_YOURS: Denied = Denied {
    code: "message.not_yours",
    message: "You can only change your own messages here.",
};
pub const STAFF_ONLY: Denied = Denied {
    code: "auth.staff_only",
    message: "Only the business's staff can do this.",
};
pub const MANAGERS_ONLY: Denied = Denied {
    code: "auth.managers_only",
    message: "Only the business's owner and admins can do this.",
};
pub const OWNER_ONLY: Denied = Denied {
    code: "auth.owner_only",
    message: "Only the business's owner can do this.",
};

pub const VAULT_ITEM_NOT_YOURS: Denied = Denied {
    code: "vault.not_yours",
    message: "Coaches change only the files they added to the Vault; owners and admins change any.",
};
pub const TEMPLATE_NOT_YOURS: Denied = Denied {
    code: "template.not_yours",
    message: "Coaches change only the saved messages they saved; owners and admins change any.",
};

pub const CLIENT_DEACTIVATED: Denied = Denied {
    code: "client.deactivated",
    message: "This client's account is deactivated: the conversation is read-only.",
};
pub const NOT_YOURS_TO_CHANGE: Denied = Denied {
    code: "staff.not_yours_to_change",
    message: "Only the owner changes the owner and admins; admins change coaches and clients.",
};

/// Whether someone in `actor`'s role may change the role or activation of someone in
/// `target`'s role: the owner anyone but themself (see the caller), admins coaches and
/// clients. Nobody changes the owner.
pub fn can_change_person(actor: Role, target: Role) -> Result<(), Denied> {
    match (actor, target) {
        (_, Role::Owner) => Err(NOT_YOURS_TO_CHANGE),
        (Role::Owner, _) => Ok(()),
        (Role::Admin, Role::Coach | Role::Client) => Ok(()),
        (Role::Admin, Role::Admin) => Err(NOT_YOURS_TO_CHANGE),
        (Role::Coach | Role::Client, _) => Err(MANAGERS_ONLY),
    }
}

/// What the rules need to know about a person in one conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seat {
    /// Their role in the business.
    pub role: Role,
    pub is_member: bool,
    /// Their role in the group (groups only).
    pub group_role: GroupRole,
    /// Groups: an admin's per-person decision: `Some(true)` lets them post in an
    /// announcement-only group, `Some(false)` mutes them; `None` follows the group.
    pub can_post: Option<bool>,
}

/// What the rules need to know about the conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Room {
    pub kind: ConversationKind,
    /// Private conversations: the client's messaging mode.
    pub client_mode: MessagingMode,
    /// Groups: only owners and admins (and members let through) post.
    pub announcement_only: bool,
    /// Private conversations: false once the client is deactivated (read-only).
    pub client_active: bool,
}

/// Everything one can do in a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read history, receive its events, move one's read mark.
    Read,
    Post,
    /// Add or remove one's emoji reaction.
    React,
    EditOwn,
    DeleteOwn,
    /// Delete someone else's message (moderation: groups and channels only).
    DeleteOthers,
    /// Add and remove members, change their roles and posting rights.
    ManageMembers,
    /// Title, emoji, announcement-only.
    ChangeSettings,
}

/// Whether `seat` may do `action` in `room`.
pub fn allowed(action: Action, seat: Seat, room: Room) -> Result<(), Denied> {
    if !seat.is_member {
        return Err(NOT_A_MEMBER);
    }
    // The business's owner and admins run every group they are in.
    let group_admin = matches!(seat.group_role, GroupRole::Owner | GroupRole::Admin)
        || matches!(seat.role, Role::Owner | Role::Admin);
    match action {
        // Reading, reacting and taking back one's own words are never closed to a member.
        Action::Read | Action::React | Action::DeleteOwn => Ok(()),
        Action::Post | Action::EditOwn => match room.kind {
            ConversationKind::Private if !room.client_active => Err(CLIENT_DEACTIVATED),
            ConversationKind::Private => match (seat.role, room.client_mode) {
                (Role::Client, MessagingMode::OneWay) => Err(ONE_WAY),
                _ => Ok(()),
            },
            ConversationKind::Group | ConversationKind::Company if group_admin => Ok(()),
            ConversationKind::Group | ConversationKind::Company => {
                match (seat.can_post, room.announcement_only) {
                    (Some(true), _) | (None, false) => Ok(()),
                    (Some(false), _) => Err(MUTED),
                    (None, true) => Err(ANNOUNCEMENT_ONLY),
                }
            }
        },
        Action::DeleteOthers if room.kind == ConversationKind::Private => Err(NOT_YOURS),
        Action::ManageMembers | Action::ChangeSettings | Action::DeleteOthers => match room.kind {
            ConversationKind::Private => Err(PRIVATE_FIXED),
            ConversationKind::Group | ConversationKind::Company if group_admin => Ok(()),
            ConversationKind::Group | ConversationKind::Company => Err(GROUP_ADMIN_ONLY),
        },
    }
}

/// Editing one's own message: whoever may post here now (a one-way client, a muted member or a
/// deactivated client's conversation: nobody).
pub fn can_edit_own(seat: Seat, room: Room) -> Result<(), Denied> {
    allowed(Action::EditOwn, seat, room)
}

/// Deleting a message: one's own, always; someone else's, a group's owners and admins (and the
/// business's), never in a private conversation.
pub fn can_delete(seat: Seat, room: Room, own: bool) -> Result<(), Denied> {
    match own {
        true => allowed(Action::DeleteOwn, seat, room),
        false => allowed(Action::DeleteOthers, seat, room),
    }
}

/// Reading history, receiving its events, moving one's read mark.
pub fn can_read(seat: Seat, room: Room) -> Result<(), Denied> {
    allowed(Action::Read, seat, room)
}

/// Adding or removing one's emoji reaction: anyone who can read, even where they cannot post
/// (a one-way client, a member of an announcement-only group).
pub fn can_react(seat: Seat, room: Room) -> Result<(), Denied> {
    allowed(Action::React, seat, room)
}

/// Sending a message.
pub fn can_post(seat: Seat, room: Room) -> Result<(), Denied> {
    allowed(Action::Post, seat, room)
}

/// Managing the roster: adding, editing and inviting clients (switching their messaging mode
/// by hand is running the business: [`can_manage_business`]).
pub fn can_manage_clients(role: Role) -> Result<(), Denied> {
    match role {
        Role::Owner | Role::Admin | Role::Coach => Ok(()),
        Role::Client => Err(STAFF_ONLY),
    }
}

/// Whether someone in `role` is in every conversation of `kind` of their business without
/// being added to it: the owner and admins, in every client's private conversation and every
/// company's channel. Groups have only the members they were given.
pub fn implicit_member(role: Role, kind: ConversationKind) -> bool {
    role.is_manager() && matches!(kind, ConversationKind::Private | ConversationKind::Company)
}

/// Running the business: its settings, companies, products and the webhook secret, groups,
/// a client's coach, and switching a client's messaging mode by hand. The owner and admins.
pub fn can_manage_business(role: Role) -> Result<(), Denied> {
    match role.is_manager() {
        true => Ok(()),
        false => Err(MANAGERS_ONLY),
    }
}

/// Saved messages: any staff member saves and uses them; a coach changes (renames, edits,
/// deletes) the ones they saved, the owner and admins any.
pub fn can_change_template(role: Role, own: bool) -> Result<(), Denied> {
    own_or_manager(role, own, TEMPLATE_NOT_YOURS)
}

/// What staff share but change only when it is theirs, or when they manage the business.
fn own_or_manager(role: Role, own: bool, not_yours: Denied) -> Result<(), Denied> {
    match (role.is_staff(), role.is_manager() || own) {
        (false, _) => Err(STAFF_ONLY),
        (true, true) => Ok(()),
        (true, false) => Err(not_yours),
    }
}

/// The Vault: any staff member adds files and sends them; a coach renames, moves and deletes
/// the ones they added, the owner and admins any.
pub fn can_change_vault_item(role: Role, own: bool) -> Result<(), Denied> {
    own_or_manager(role, own, VAULT_ITEM_NOT_YOURS)
}

/// Creating groups: the business's owner and admins.
pub fn can_create_groups(role: Role) -> Result<(), Denied> {
    can_manage_business(role)
}

/// Inviting staff and choosing their role: the owner.
pub fn can_manage_staff(role: Role) -> Result<(), Denied> {
    match role {
        Role::Owner => Ok(()),
        Role::Admin | Role::Coach | Role::Client => Err(OWNER_ONLY),
    }
}

/// Whether staff in `role` (`me`) reach a client whose coach is `coach`: the owner and admins
/// reach every client, a coach only the clients assigned to them, a client nobody.
pub fn can_reach_client<U: PartialEq>(role: Role, me: &U, coach: Option<&U>) -> bool {
    match role {
        Role::Owner | Role::Admin => true,
        Role::Coach => coach == Some(me),
        Role::Client => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ConversationKind::*;
    use GroupRole::{Admin as GAdmin, Member as GMember, Owner as GOwner};
    use MessagingMode::*;
    use Role::*;

    const ACTIONS: [Action; 8] = [
        Action::Read,
        Action::Post,
        Action::React,
        Action::EditOwn,
        Action::DeleteOwn,
        Action::ManageMembers,
        Action::ChangeSettings,
        Action::DeleteOthers,
    ];

    /// (business role, member, kind, group role, announcement-only, override, client mode,
    /// answers).
    type Row = (
        Role,
        bool,
        ConversationKind,
        GroupRole,
        bool,
        Option<bool>,
        MessagingMode,
        &'static str,
    );

    fn decode(c: char) -> Result<(), Denied> {
        match c {
            'Y' => Ok(()),
            'N' => Err(NOT_A_MEMBER),
            'O' => Err(ONE_WAY),
            'A' => Err(ANNOUNCEMENT_ONLY),
            'M' => Err(MUTED),
            'G' => Err(GROUP_ADMIN_ONLY),
            'F' => Err(PRIVATE_FIXED),
            'X' => Err(NOT_YOURS),
            other => panic!("unknown answer {other}"),
        }
    }

    /// Every combination of business role × membership × conversation kind × group role ×
    /// announcement-only × per-person override × client mode, and the answer for each action,
    /// in the order read, post, react, edit own, delete own, manage members, change settings,
    /// delete others' messages:
    /// Y allowed, N not a member, O one-way, A announcement-only, M muted, G group admins only,
    /// F a private conversation's members and settings are fixed, X only one's own messages.
    #[test]
    fn every_combination_of_role_room_and_action() {
        #[rustfmt::skip]
        let table: &[Row] = &[
        (Owner , true , Private, GMember, false, None,        TwoWay, "YYYYYFFX"),
        (Owner , true , Private, GMember, false, None,        OneWay, "YYYYYFFX"),
        (Owner , false, Private, GMember, false, None,        TwoWay, "NNNNNNNN"),
        (Owner , false, Private, GMember, false, None,        OneWay, "NNNNNNNN"),
        (Admin , true , Private, GMember, false, None,        TwoWay, "YYYYYFFX"),
        (Admin , true , Private, GMember, false, None,        OneWay, "YYYYYFFX"),
        (Admin , false, Private, GMember, false, None,        TwoWay, "NNNNNNNN"),
        (Admin , false, Private, GMember, false, None,        OneWay, "NNNNNNNN"),
        (Coach , true , Private, GMember, false, None,        TwoWay, "YYYYYFFX"),
        (Coach , true , Private, GMember, false, None,        OneWay, "YYYYYFFX"),
        (Coach , false, Private, GMember, false, None,        TwoWay, "NNNNNNNN"),
        (Coach , false, Private, GMember, false, None,        OneWay, "NNNNNNNN"),
        (Client, true , Private, GMember, false, None,        TwoWay, "YYYYYFFX"),
        (Client, true , Private, GMember, false, None,        OneWay, "YOYOYFFX"),
        (Client, false, Private, GMember, false, None,        TwoWay, "NNNNNNNN"),
        (Client, false, Private, GMember, false, None,        OneWay, "NNNNNNNN"),
        (Owner , true , Group,   GOwner , false, None       , TwoWay, "YYYYYYYY"),
        (Owner , true , Group,   GOwner , false, None       , OneWay, "YYYYYYYY"),
        (Owner , true , Group,   GOwner , false, Some(true) , TwoWay, "YYYYYYYY"),
        (Owner , true , Group,   GOwner , false, Some(true) , OneWay, "YYYYYYYY"),
        (Owner , true , Group,   GOwner , false, Some(false), TwoWay, "YYYYYYYY"),
        (Owner , true , Group,   GOwner , false, Some(false), OneWay, "YYYYYYYY"),
        (Owner , true , Group,   GOwner , true , None       , TwoWay, "YYYYYYYY"),
        (Owner , true , Group,   GOwner , true , None       , OneWay, "YYYYYYYY"),
        (Owner , true , Group,   GOwner , true , Some(true) , TwoWay, "YYYYYYYY"),
        (Owner , true , Group,   GOwner , true , Some(true) , OneWay, "YYYYYYYY"),
        (Owner , true , Group,   GOwner , true , Some(false), TwoWay, "YYYYYYYY"),
        (Owner , true , Group,   GOwner , true , Some(false), OneWay, "YYYYYYYY"),
        (Owner , true , Group,   GAdmin , false, None       , TwoWay, "YYYYYYYY"),
        (Owner , true , Group,   GAdmin , false, None       , OneWay, "YYYYYYYY"),
        (Owner , true , Group,   GAdmin , false, Some(true) , TwoWay, "YYYYYYYY"),
        (Owner , true , Group,   GAdmin , false, Some(true) , OneWay, "YYYYYYYY"),
        (Owner , true , Group,   GAdmin , false, Some(false), TwoWay, "YYYYYYYY"),
        (Owner , true , Group,   GAdmin , false, Some(false), OneWay, "YYYYYYYY"),
        (Owner , true , Group,   GAdmin , true , None       , TwoWay, "YYYYYYYY"),
        (Owner , true , Group,   GAdmin , true , None       , OneWay, "YYYYYYYY"),
        (Owner , true , Group,   GAdmin , true , Some(true) , TwoWay, "YYYYYYYY"),
        (Owner , true , Group,   GAdmin , true , Some(true) , OneWay, "YYYYYYYY"),
        (Owner , true , Group,   GAdmin , true , Some(false), TwoWay, "YYYYYYYY"),
        (Owner , true , Group,   GAdmin , true , Some(false), OneWay, "YYYYYYYY"),
        (Owner , true , Group,   GMember, false, None       , TwoWay, "YYYYYYYY"),
        (Owner , true , Group,   GMember, false, None       , OneWay, "YYYYYYYY"),
        (Owner , true , Group,   GMember, false, Some(true) , TwoWay, "YYYYYYYY"),
        (Owner , true , Group,   GMember, false, Some(true) , OneWay, "YYYYYYYY"),
        (Owner , true , Group,   GMember, false, Some(false), TwoWay, "YYYYYYYY"),
        (Owner , true , Group,   GMember, false, Some(false), OneWay, "YYYYYYYY"),
        (Owner , true , Group,   GMember, true , None       , TwoWay, "YYYYYYYY"),
        (Owner , true , Group,   GMember, true , None       , OneWay, "YYYYYYYY"),
        (Owner , true , Group,   GMember, true , Some(true) , TwoWay, "YYYYYYYY"),
        (Owner , true , Group,   GMember, true , Some(true) , OneWay, "YYYYYYYY"),
        (Owner , true , Group,   GMember, true , Some(false), TwoWay, "YYYYYYYY"),
        (Owner , true , Group,   GMember, true , Some(false), OneWay, "YYYYYYYY"),
        (Owner , false, Group,   GMember, true , None,        TwoWay, "NNNNNNNN"),
        (Owner , false, Group,   GMember, true , None,        OneWay, "NNNNNNNN"),
        (Admin , true , Group,   GOwner , false, None       , TwoWay, "YYYYYYYY"),
        (Admin , true , Group,   GOwner , false, None       , OneWay, "YYYYYYYY"),
        (Admin , true , Group,   GOwner , false, Some(true) , TwoWay, "YYYYYYYY"),
        (Admin , true , Group,   GOwner , false, Some(true) , OneWay, "YYYYYYYY"),
        (Admin , true , Group,   GOwner , false, Some(false), TwoWay, "YYYYYYYY"),
        (Admin , true , Group,   GOwner , false, Some(false), OneWay, "YYYYYYYY"),
        (Admin , true , Group,   GOwner , true , None       , TwoWay, "YYYYYYYY"),
        (Admin , true , Group,   GOwner , true , None       , OneWay, "YYYYYYYY"),
        (Admin , true , Group,   GOwner , true , Some(true) , TwoWay, "YYYYYYYY"),
        (Admin , true , Group,   GOwner , true , Some(true) , OneWay, "YYYYYYYY"),
        (Admin , true , Group,   GOwner , true , Some(false), TwoWay, "YYYYYYYY"),
        (Admin , true , Group,   GOwner , true , Some(false), OneWay, "YYYYYYYY"),
        (Admin , true , Group,   GAdmin , false, None       , TwoWay, "YYYYYYYY"),
        (Admin , true , Group,   GAdmin , false, None       , OneWay, "YYYYYYYY"),
        (Admin , true , Group,   GAdmin , false, Some(true) , TwoWay, "YYYYYYYY"),
        (Admin , true , Group,   GAdmin , false, Some(true) , OneWay, "YYYYYYYY"),
        (Admin , true , Group,   GAdmin , false, Some(false), TwoWay, "YYYYYYYY"),
        (Admin , true , Group,   GAdmin , false, Some(false), OneWay, "YYYYYYYY"),
        (Admin , true , Group,   GAdmin , true , None       , TwoWay, "YYYYYYYY"),
        (Admin , true , Group,   GAdmin , true , None       , OneWay, "YYYYYYYY"),
        (Admin , true , Group,   GAdmin , true , Some(true) , TwoWay, "YYYYYYYY"),
        (Admin , true , Group,   GAdmin , true , Some(true) , OneWay, "YYYYYYYY"),
        (Admin , true , Group,   GAdmin , true , Some(false), TwoWay, "YYYYYYYY"),
        (Admin , true , Group,   GAdmin , true , Some(false), OneWay, "YYYYYYYY"),
        (Admin , true , Group,   GMember, false, None       , TwoWay, "YYYYYYYY"),
        (Admin , true , Group,   GMember, false, None       , OneWay, "YYYYYYYY"),
        (Admin , true , Group,   GMember, false, Some(true) , TwoWay, "YYYYYYYY"),
        (Admin , true , Group,   GMember, false, Some(true) , OneWay, "YYYYYYYY"),
        (Admin , true , Group,   GMember, false, Some(false), TwoWay, "YYYYYYYY"),
        (Admin , true , Group,   GMember, false, Some(false), OneWay, "YYYYYYYY"),
        (Admin , true , Group,   GMember, true , None       , TwoWay, "YYYYYYYY"),
        (Admin , true , Group,   GMember, true , None       , OneWay, "YYYYYYYY"),
        (Admin , true , Group,   GMember, true , Some(true) , TwoWay, "YYYYYYYY"),
        (Admin , true , Group,   GMember, true , Some(true) , OneWay, "YYYYYYYY"),
        (Admin , true , Group,   GMember, true , Some(false), TwoWay, "YYYYYYYY"),
        (Admin , true , Group,   GMember, true , Some(false), OneWay, "YYYYYYYY"),
        (Admin , false, Group,   GMember, true , None,        TwoWay, "NNNNNNNN"),
        (Admin , false, Group,   GMember, true , None,        OneWay, "NNNNNNNN"),
        (Coach , true , Group,   GOwner , false, None       , TwoWay, "YYYYYYYY"),
        (Coach , true , Group,   GOwner , false, None       , OneWay, "YYYYYYYY"),
        (Coach , true , Group,   GOwner , false, Some(true) , TwoWay, "YYYYYYYY"),
        (Coach , true , Group,   GOwner , false, Some(true) , OneWay, "YYYYYYYY"),
        (Coach , true , Group,   GOwner , false, Some(false), TwoWay, "YYYYYYYY"),
        (Coach , true , Group,   GOwner , false, Some(false), OneWay, "YYYYYYYY"),
        (Coach , true , Group,   GOwner , true , None       , TwoWay, "YYYYYYYY"),
        (Coach , true , Group,   GOwner , true , None       , OneWay, "YYYYYYYY"),
        (Coach , true , Group,   GOwner , true , Some(true) , TwoWay, "YYYYYYYY"),
        (Coach , true , Group,   GOwner , true , Some(true) , OneWay, "YYYYYYYY"),
        (Coach , true , Group,   GOwner , true , Some(false), TwoWay, "YYYYYYYY"),
        (Coach , true , Group,   GOwner , true , Some(false), OneWay, "YYYYYYYY"),
        (Coach , true , Group,   GAdmin , false, None       , TwoWay, "YYYYYYYY"),
        (Coach , true , Group,   GAdmin , false, None       , OneWay, "YYYYYYYY"),
        (Coach , true , Group,   GAdmin , false, Some(true) , TwoWay, "YYYYYYYY"),
        (Coach , true , Group,   GAdmin , false, Some(true) , OneWay, "YYYYYYYY"),
        (Coach , true , Group,   GAdmin , false, Some(false), TwoWay, "YYYYYYYY"),
        (Coach , true , Group,   GAdmin , false, Some(false), OneWay, "YYYYYYYY"),
        (Coach , true , Group,   GAdmin , true , None       , TwoWay, "YYYYYYYY"),
        (Coach , true , Group,   GAdmin , true , None       , OneWay, "YYYYYYYY"),
        (Coach , true , Group,   GAdmin , true , Some(true) , TwoWay, "YYYYYYYY"),
        (Coach , true , Group,   GAdmin , true , Some(true) , OneWay, "YYYYYYYY"),
        (Coach , true , Group,   GAdmin , true , Some(false), TwoWay, "YYYYYYYY"),
        (Coach , true , Group,   GAdmin , true , Some(false), OneWay, "YYYYYYYY"),
        (Coach , true , Group,   GMember, false, None       , TwoWay, "YYYYYGGG"),
        (Coach , true , Group,   GMember, false, None       , OneWay, "YYYYYGGG"),
        (Coach , true , Group,   GMember, false, Some(true) , TwoWay, "YYYYYGGG"),
        (Coach , true , Group,   GMember, false, Some(true) , OneWay, "YYYYYGGG"),
        (Coach , true , Group,   GMember, false, Some(false), TwoWay, "YMYMYGGG"),
        (Coach , true , Group,   GMember, false, Some(false), OneWay, "YMYMYGGG"),
        (Coach , true , Group,   GMember, true , None       , TwoWay, "YAYAYGGG"),
        (Coach , true , Group,   GMember, true , None       , OneWay, "YAYAYGGG"),
        (Coach , true , Group,   GMember, true , Some(true) , TwoWay, "YYYYYGGG"),
        (Coach , true , Group,   GMember, true , Some(true) , OneWay, "YYYYYGGG"),
        (Coach , true , Group,   GMember, true , Some(false), TwoWay, "YMYMYGGG"),
        (Coach , true , Group,   GMember, true , Some(false), OneWay, "YMYMYGGG"),
        (Coach , false, Group,   GMember, true , None,        TwoWay, "NNNNNNNN"),
        (Coach , false, Group,   GMember, true , None,        OneWay, "NNNNNNNN"),
        (Client, true , Group,   GOwner , false, None       , TwoWay, "YYYYYYYY"),
        (Client, true , Group,   GOwner , false, None       , OneWay, "YYYYYYYY"),
        (Client, true , Group,   GOwner , false, Some(true) , TwoWay, "YYYYYYYY"),
        (Client, true , Group,   GOwner , false, Some(true) , OneWay, "YYYYYYYY"),
        (Client, true , Group,   GOwner , false, Some(false), TwoWay, "YYYYYYYY"),
        (Client, true , Group,   GOwner , false, Some(false), OneWay, "YYYYYYYY"),
        (Client, true , Group,   GOwner , true , None       , TwoWay, "YYYYYYYY"),
        (Client, true , Group,   GOwner , true , None       , OneWay, "YYYYYYYY"),
        (Client, true , Group,   GOwner , true , Some(true) , TwoWay, "YYYYYYYY"),
        (Client, true , Group,   GOwner , true , Some(true) , OneWay, "YYYYYYYY"),
        (Client, true , Group,   GOwner , true , Some(false), TwoWay, "YYYYYYYY"),
        (Client, true , Group,   GOwner , true , Some(false), OneWay, "YYYYYYYY"),
        (Client, true , Group,   GAdmin , false, None       , TwoWay, "YYYYYYYY"),
        (Client, true , Group,   GAdmin , false, None       , OneWay, "YYYYYYYY"),
        (Client, true , Group,   GAdmin , false, Some(true) , TwoWay, "YYYYYYYY"),
        (Client, true , Group,   GAdmin , false, Some(true) , OneWay, "YYYYYYYY"),
        (Client, true , Group,   GAdmin , false, Some(false), TwoWay, "YYYYYYYY"),
        (Client, true , Group,   GAdmin , false, Some(false), OneWay, "YYYYYYYY"),
        (Client, true , Group,   GAdmin , true , None       , TwoWay, "YYYYYYYY"),
        (Client, true , Group,   GAdmin , true , None       , OneWay, "YYYYYYYY"),
        (Client, true , Group,   GAdmin , true , Some(true) , TwoWay, "YYYYYYYY"),
        (Client, true , Group,   GAdmin , true , Some(true) , OneWay, "YYYYYYYY"),
        (Client, true , Group,   GAdmin , true , Some(false), TwoWay, "YYYYYYYY"),
        (Client, true , Group,   GAdmin , true , Some(false), OneWay, "YYYYYYYY"),
        (Client, true , Group,   GMember, false, None       , TwoWay, "YYYYYGGG"),
        (Client, true , Group,   GMember, false, None       , OneWay, "YYYYYGGG"),
        (Client, true , Group,   GMember, false, Some(true) , TwoWay, "YYYYYGGG"),
        (Client, true , Group,   GMember, false, Some(true) , OneWay, "YYYYYGGG"),
        (Client, true , Group,   GMember, false, Some(false), TwoWay, "YMYMYGGG"),
        (Client, true , Group,   GMember, false, Some(false), OneWay, "YMYMYGGG"),
        (Client, true , Group,   GMember, true , None       , TwoWay, "YAYAYGGG"),
        (Client, true , Group,   GMember, true , None       , OneWay, "YAYAYGGG"),
        (Client, true , Group,   GMember, true , Some(true) , TwoWay, "YYYYYGGG"),
        (Client, true , Group,   GMember, true , Some(true) , OneWay, "YYYYYGGG"),
        (Client, true , Group,   GMember, true , Some(false), TwoWay, "YMYMYGGG"),
        (Client, true , Group,   GMember, true , Some(false), OneWay, "YMYMYGGG"),
        (Client, false, Group,   GMember, true , None,        TwoWay, "NNNNNNNN"),
        (Client, false, Group,   GMember, true , None,        OneWay, "NNNNNNNN"),
        ];
        assert_eq!(table.len(), 168);
        for &(
            role,
            is_member,
            kind,
            group_role,
            announcement_only,
            can_post,
            client_mode,
            answers,
        ) in table
        {
            let seat = Seat {
                role,
                is_member,
                group_role,
                can_post,
            };
            let room = Room {
                kind,
                client_mode,
                announcement_only,
                client_active: true,
            };
            assert_eq!(answers.len(), ACTIONS.len());
            for (action, expected) in ACTIONS.iter().zip(answers.chars()) {
                assert_eq!(
                    allowed(*action, seat, room),
                    decode(expected),
                    "{action:?} by {seat:?} in {room:?}"
                );
                // A company channel is a group whose client members follow the company:
                // every row of a group holds for it too.
                if kind == ConversationKind::Group {
                    let company = Room {
                        kind: ConversationKind::Company,
                        ..room
                    };
                    assert_eq!(
                        allowed(*action, seat, company),
                        decode(expected),
                        "{action:?} by {seat:?} in {company:?}"
                    );
                }
                // A deactivated client's conversation is read-only for everyone in it (that
                // reason comes before any other a member has); what is not writing is as before.
                let closed = Room {
                    client_active: false,
                    ..room
                };
                let writes = matches!(action, Action::Post | Action::EditOwn);
                let expected = match (kind, writes, decode(expected)) {
                    (ConversationKind::Private, true, _) if is_member => Err(CLIENT_DEACTIVATED),
                    (_, _, answer) => answer,
                };
                assert_eq!(
                    allowed(*action, seat, closed),
                    expected,
                    "{action:?} by {seat:?} in {closed:?}"
                );
            }
        }
    }

    #[test]
    fn the_owner_changes_anyone_but_the_owner_and_admins_change_coaches_and_clients() {
        use Role::*;
        for (actor, target, ok) in [
            (Owner, Owner, false),
            (Owner, Admin, true),
            (Owner, Coach, true),
            (Owner, Client, true),
            (Admin, Owner, false),
            (Admin, Admin, false),
            (Admin, Coach, true),
            (Admin, Client, true),
            (Coach, Coach, false),
            (Coach, Client, false),
            (Client, Client, false),
        ] {
            assert_eq!(
                can_change_person(actor, target).is_ok(),
                ok,
                "{actor:?} → {target:?}"
            );
        }
    }

    #[test]
    fn staff_manage_clients_owners_and_admins_the_business_and_the_owner_the_staff() {
        let expect = |role| match role {
            Owner => (Ok(()), Ok(()), Ok(())),
            Admin => (Ok(()), Ok(()), Err(OWNER_ONLY)),
            Coach => (Ok(()), Err(MANAGERS_ONLY), Err(OWNER_ONLY)),
            Client => (Err(STAFF_ONLY), Err(MANAGERS_ONLY), Err(OWNER_ONLY)),
        };
        for role in [Owner, Admin, Coach, Client] {
            assert_eq!(
                (
                    can_manage_clients(role),
                    can_manage_business(role),
                    can_manage_staff(role)
                ),
                expect(role),
                "{role:?}"
            );
            assert_eq!(can_create_groups(role), can_manage_business(role));
        }
    }

    #[test]
    fn owners_and_admins_are_in_every_private_conversation_and_company_channel_only() {
        for role in [Owner, Admin, Coach, Client] {
            for kind in [Private, Group, Company] {
                assert_eq!(
                    implicit_member(role, kind),
                    matches!(role, Owner | Admin) && kind != Group,
                    "{role:?} in {kind:?}"
                );
            }
        }
    }

    #[test]
    fn managers_reach_every_client_and_a_coach_only_their_own() {
        let (me, other) = (1, 2);
        for coach in [None, Some(&me), Some(&other)] {
            assert!(can_reach_client(Owner, &me, coach));
            assert!(can_reach_client(Admin, &me, coach));
            assert!(!can_reach_client(Client, &me, coach));
        }
        assert!(can_reach_client(Coach, &me, Some(&me)));
        assert!(!can_reach_client(Coach, &me, Some(&other)));
        assert!(!can_reach_client(Coach, &me, None));
    }

    #[test]
    fn staff_change_their_own_saved_messages_and_managers_any() {
        use Role::*;
        for (role, own, allowed) in [
            (Owner, false, Ok(())),
            (Admin, false, Ok(())),
            (Coach, true, Ok(())),
            (Coach, false, Err(TEMPLATE_NOT_YOURS)),
            (Client, true, Err(STAFF_ONLY)),
            (Client, false, Err(STAFF_ONLY)),
        ] {
            assert_eq!(
                can_change_template(role, own),
                allowed,
                "{role:?} own {own}"
            );
            let vault = allowed.map_err(|d| match d {
                TEMPLATE_NOT_YOURS => VAULT_ITEM_NOT_YOURS,
                other => other,
            });
            assert_eq!(
                can_change_vault_item(role, own),
                vault,
                "{role:?} own {own}"
            );
        }
    }

    #[test]
    fn refusals_have_stable_codes() {
        let codes = [
            NOT_A_MEMBER,
            ONE_WAY,
            ANNOUNCEMENT_ONLY,
            MUTED,
            GROUP_ADMIN_ONLY,
            PRIVATE_FIXED,
            STAFF_ONLY,
            MANAGERS_ONLY,
            OWNER_ONLY,
            TEMPLATE_NOT_YOURS,
            VAULT_ITEM_NOT_YOURS,
        ]
        .map(|d| d.code);
        assert_eq!(
            codes,
            [
                "conversation.not_member",
                "messaging.one_way",
                "group.announcement_only",
                "group.muted",
                "group.admin_only",
                "conversation.private_fixed",
                "auth.staff_only",
                "auth.managers_only",
                "auth.owner_only",
                "template.not_yours",
                "vault.not_yours"
            ]
        );
    }
}
