//! Who may do what, as pure functions. The server calls them before every write and read; the
//! app calls the same ones to decide what to show. A refusal carries a stable code.

use crate::model::{ConversationKind, MessagingMode, Role};

/// Why an action was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Denied {
    pub code: &'static str,
    pub message: &'static str,
}

const NOT_A_MEMBER: Denied = Denied {
    code: "conversation.not_member",
    message: "You are not a member of this conversation.",
};
const ONE_WAY: Denied = Denied {
    code: "messaging.one_way",
    message: "Only your coach sends messages here.",
};
const STAFF_ONLY: Denied = Denied {
    code: "auth.staff_only",
    message: "Only the business's staff can do this.",
};

/// What the rules need to know about the caller in one conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seat {
    pub role: Role,
    pub is_member: bool,
}

/// What the rules need to know about the conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Room {
    pub kind: ConversationKind,
    /// For private conversations: the client's messaging mode.
    pub client_mode: MessagingMode,
}

/// Reading history, receiving its events, moving one's read mark.
pub fn can_read(seat: Seat, _room: Room) -> Result<(), Denied> {
    if seat.is_member {
        Ok(())
    } else {
        Err(NOT_A_MEMBER)
    }
}

/// Adding or removing one's emoji reaction: anyone who can read, even where they cannot post
/// (a one-way client, later an announcement-only group).
pub fn can_react(seat: Seat, room: Room) -> Result<(), Denied> {
    can_read(seat, room)
}

/// Sending a message.
pub fn can_post(seat: Seat, room: Room) -> Result<(), Denied> {
    can_read(seat, room)?;
    match (room.kind, seat.role, room.client_mode) {
        (ConversationKind::Private, Role::Client, MessagingMode::OneWay) => Err(ONE_WAY),
        (ConversationKind::Private, _, _) => Ok(()),
    }
}

/// Managing the roster: adding, editing and inviting clients.
pub fn can_manage_clients(role: Role) -> Result<(), Denied> {
    match role {
        Role::Owner | Role::Admin | Role::Coach => Ok(()),
        Role::Client => Err(STAFF_ONLY),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ConversationKind::*;
    use MessagingMode::*;
    use Role::*;

    /// (role, member, mode) → (read, post), written out for every combination.
    #[test]
    fn private_conversation_rules_for_every_combination() {
        type Answer = Result<(), Denied>;
        #[rustfmt::skip]
        let table: &[(Role, bool, MessagingMode, Answer, Answer)] = &[
            (Owner,  true,  TwoWay, Ok(()), Ok(())),
            (Owner,  true,  OneWay, Ok(()), Ok(())),
            (Admin,  true,  TwoWay, Ok(()), Ok(())),
            (Admin,  true,  OneWay, Ok(()), Ok(())),
            (Coach,  true,  TwoWay, Ok(()), Ok(())),
            (Coach,  true,  OneWay, Ok(()), Ok(())),
            (Client, true,  TwoWay, Ok(()), Ok(())),
            (Client, true,  OneWay, Ok(()), Err(ONE_WAY)),
            (Owner,  false, TwoWay, Err(NOT_A_MEMBER), Err(NOT_A_MEMBER)),
            (Owner,  false, OneWay, Err(NOT_A_MEMBER), Err(NOT_A_MEMBER)),
            (Admin,  false, TwoWay, Err(NOT_A_MEMBER), Err(NOT_A_MEMBER)),
            (Admin,  false, OneWay, Err(NOT_A_MEMBER), Err(NOT_A_MEMBER)),
            (Coach,  false, TwoWay, Err(NOT_A_MEMBER), Err(NOT_A_MEMBER)),
            (Coach,  false, OneWay, Err(NOT_A_MEMBER), Err(NOT_A_MEMBER)),
            (Client, false, TwoWay, Err(NOT_A_MEMBER), Err(NOT_A_MEMBER)),
            (Client, false, OneWay, Err(NOT_A_MEMBER), Err(NOT_A_MEMBER)),
        ];
        for &(role, is_member, mode, read, post) in table {
            let seat = Seat { role, is_member };
            let room = Room {
                kind: Private,
                client_mode: mode,
            };
            assert_eq!(
                can_read(seat, room),
                read,
                "read {role:?} member={is_member} {mode:?}"
            );
            assert_eq!(
                can_post(seat, room),
                post,
                "post {role:?} member={is_member} {mode:?}"
            );
            assert_eq!(
                can_react(seat, room),
                read,
                "react {role:?} member={is_member} {mode:?}: whoever reads may react"
            );
        }
    }

    #[test]
    fn only_staff_manage_clients() {
        for role in [Owner, Admin, Coach] {
            assert_eq!(can_manage_clients(role), Ok(()));
        }
        assert_eq!(can_manage_clients(Client), Err(STAFF_ONLY));
    }

    #[test]
    fn the_one_way_refusal_has_the_stable_code() {
        let err = can_post(
            Seat {
                role: Client,
                is_member: true,
            },
            Room {
                kind: Private,
                client_mode: OneWay,
            },
        )
        .expect_err("one-way client cannot post");
        assert_eq!(err.code, "messaging.one_way");
    }
}
