//! How far a message got, as its sender sees it: the pure rules the app draws receipts from.
//! Marks come from `GET /api/conversations/{id}/receipts` and the `conversation.read` /
//! `conversation.delivered` events. Message ids sort in send order, so a mark at a message
//! covers every message whose id is not after it.

use crate::api::Receipt;
use crate::model::ConversationKind;
use crate::{MessageId, UserId};

/// Where one of the caller's own messages stands. `Pending` (not yet acknowledged by the
/// server) is the app's own knowledge and never comes from marks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Pending,
    /// Stored.
    Sent,
    /// On at least one device of each recipient.
    Delivered,
    /// Each recipient read up to it.
    Read,
}

/// Whether a conversation tracks delivery. Delivered marks exist in private conversations,
/// where each message has one recipient side; in groups a message shows how many read it.
pub fn tracks_delivery(kind: ConversationKind) -> bool {
    kind == ConversationKind::Private
}

fn reached(mark: Option<MessageId>, message: MessageId) -> bool {
    mark.is_some_and(|m| m >= message)
}

/// A stored message of `sender` in a private conversation with `client`: the client's message
/// is read when a staff member read it (whoever answers for the business); a staff member's
/// is read only when the client did (a colleague reading it is not the client reading it).
pub fn private_status(
    message: MessageId,
    sender: UserId,
    client: UserId,
    receipts: &[Receipt],
) -> Status {
    let recipients = receipts.iter().filter(|r| {
        if sender == client {
            r.user_id != client
        } else {
            r.user_id == client
        }
    });
    let mut status = Status::Sent;
    for r in recipients {
        if reached(r.read_message_id, message) {
            return Status::Read;
        }
        if reached(r.delivered_message_id.max(r.read_message_id), message) {
            status = Status::Delivered;
        }
    }
    status
}

/// Who other than `sender` read up to `message` in a group, in the order of `receipts`.
pub fn read_by<'a>(
    message: MessageId,
    sender: UserId,
    receipts: &'a [Receipt],
) -> impl Iterator<Item = &'a Receipt> + 'a {
    receipts
        .iter()
        .filter(move |r| r.user_id != sender && reached(r.read_message_id, message))
}

/// `receipts` after `user` read up to `message` (`read`) or received it: a mark only moves
/// forward, a read delivers too, and someone not known yet is added (named later, when the
/// list is read again).
pub fn moved(receipts: &mut Vec<Receipt>, user: UserId, message: MessageId, read: bool) {
    let i = match receipts.iter().position(|r| r.user_id == user) {
        Some(i) => i,
        None => {
            receipts.push(Receipt {
                user_id: user,
                name: String::new(),
                read_message_id: None,
                delivered_message_id: None,
            });
            receipts.len() - 1
        }
    };
    let r = &mut receipts[i];
    if read {
        r.read_message_id = r.read_message_id.max(Some(message));
    }
    r.delivered_message_id = r
        .delivered_message_id
        .max(Some(message))
        .max(r.read_message_id);
}

#[cfg(test)]
mod tests {
    use super::*;
    use ulid::Ulid;

    fn m(n: u64) -> MessageId {
        MessageId::from_ulid(Ulid::from_parts(n, 0))
    }
    fn u(n: u64) -> UserId {
        UserId::from_ulid(Ulid::from_parts(1, n.into()))
    }
    fn mark(user: u64, read: Option<u64>, delivered: Option<u64>) -> Receipt {
        Receipt {
            user_id: u(user),
            name: format!("user {user}"),
            read_message_id: read.map(m),
            delivered_message_id: delivered.map(m),
        }
    }

    #[test]
    fn a_private_message_is_read_by_the_other_side_only() {
        let (client, coach, colleague) = (1, 2, 3);
        use Status::*;
        // (sender, marks, message, expected)
        let table: &[(u64, Vec<Receipt>, u64, Status)] = &[
            (coach, vec![], 5, Sent),
            (coach, vec![mark(coach, Some(5), Some(5))], 5, Sent),
            (coach, vec![mark(colleague, Some(9), Some(9))], 5, Sent),
            (coach, vec![mark(client, None, Some(4))], 5, Sent),
            (coach, vec![mark(client, None, Some(5))], 5, Delivered),
            (coach, vec![mark(client, Some(4), Some(7))], 5, Delivered),
            (coach, vec![mark(client, Some(5), Some(5))], 5, Read),
            (coach, vec![mark(client, Some(8), None)], 5, Read),
            (client, vec![mark(client, Some(9), Some(9))], 5, Sent),
            (client, vec![mark(colleague, None, Some(6))], 5, Delivered),
            (
                client,
                vec![mark(coach, None, Some(6)), mark(colleague, Some(5), None)],
                5,
                Read,
            ),
        ];
        for (sender, marks, message, expected) in table {
            assert_eq!(
                private_status(m(*message), u(*sender), u(client), marks),
                *expected,
                "sender {sender}, message {message}, marks {marks:?}"
            );
        }
    }

    #[test]
    fn a_group_message_is_read_by_those_past_it_but_its_sender() {
        let marks = vec![
            mark(1, Some(9), None),
            mark(2, Some(4), Some(9)),
            mark(3, Some(5), None),
            mark(4, None, None),
        ];
        let names: Vec<&str> = read_by(m(5), u(1), &marks)
            .map(|r| r.name.as_str())
            .collect();
        assert_eq!(names, ["user 3"]);
        assert_eq!(read_by(m(5), u(2), &marks).count(), 2);
        assert_eq!(read_by(m(10), u(2), &marks).count(), 0);
    }

    #[test]
    fn marks_only_move_forward_and_a_read_delivers() {
        let mut marks = vec![mark(1, Some(5), Some(6))];
        moved(&mut marks, u(1), m(3), true);
        assert_eq!(marks[0], mark(1, Some(5), Some(6)));
        moved(&mut marks, u(1), m(7), true);
        assert_eq!(marks[0], mark(1, Some(7), Some(7)));
        moved(&mut marks, u(2), m(4), false);
        assert_eq!(marks[1].user_id, u(2));
        assert_eq!(marks[1].read_message_id, None);
        assert_eq!(marks[1].delivered_message_id, Some(m(4)));
        assert!(tracks_delivery(ConversationKind::Private));
        assert!(!tracks_delivery(ConversationKind::Group));
        assert!(!tracks_delivery(ConversationKind::Company));
    }
}
