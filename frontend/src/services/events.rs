//! Reading the server's events (`{"type": "...", ...}`): the tag first, then the one payload
//! type it names (the same types the server writes), with the app's readers
//! ([`super::read`]). The tests check it against the derived reader for every kind of event.

use super::read::{Json, Read, parse};
use shared::events::{NotificationCreated, ServerEvent};

fn read<T: Read>(value: &Json) -> Option<T> {
    T::read(value)
}

/// The event in `text`, or `None` for anything else (an event of a kind this app does not know
/// yet included).
pub fn decode(text: &str) -> Option<ServerEvent> {
    let parsed = parse(text)?;
    let text = &parsed;
    Some(match parsed.get("type").as_str()? {
        "message.created" => ServerEvent::MessageCreated(read(text)?),
        "conversation.read" => ServerEvent::ConversationRead(read(text)?),
        "conversation.delivered" => ServerEvent::ConversationDelivered(read(text)?),
        "permission.changed" => ServerEvent::PermissionChanged(read(text)?),
        "reaction.changed" => ServerEvent::ReactionChanged(read(text)?),
        "message.updated" => ServerEvent::MessageUpdated(read(text)?),
        "message.deleted" => ServerEvent::MessageDeleted(read(text)?),
        "conversation.removed" => ServerEvent::ConversationRemoved(read(text)?),
        "mass_message.progress" => ServerEvent::MassMessageProgress(read(text)?),
        "hello" => ServerEvent::Hello(read(text)?),
        "session.ended" => ServerEvent::SessionEnded(read(text)?),
        // Only that one came: the bell fetches the list.
        "notification.created" => {
            ServerEvent::NotificationCreated(NotificationCreated { id: String::new() })
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::events::*;
    use shared::model::{MassStatus, Message, MessagingMode, Reaction, Reactor};
    use shared::{ConversationId, MessageId, UserId};
    use time::macros::datetime;
    use ulid::Ulid;

    fn every_kind() -> Vec<ServerEvent> {
        let id = |n| Ulid::from_parts(1_700_000_000_000, n);
        let (c, m, u) = (
            ConversationId::from_ulid(id(1)),
            MessageId::from_ulid(id(2)),
            UserId::from_ulid(id(3)),
        );
        let reactions = vec![Reaction {
            emoji: "👍".into(),
            users: vec![Reactor {
                id: u,
                name: "Maya".into(),
            }],
        }];
        vec![
            ServerEvent::MessageCreated(MessageCreated {
                message: Message {
                    id: m,
                    conversation_id: c,
                    sender_id: u,
                    sender_name: "Maya \"M\" Chen".into(),
                    body: "Line one\nline two 💪".into(),
                    client_message_id: "k1".into(),
                    created_at: datetime!(2026-11-21 10:00:00.123 UTC),
                    reactions: reactions.clone(),
                    edited_at: None,
                    deleted: false,
                    reply_to: None,
                    mentions: Vec::new(),
                    attachments: Vec::new(),
                    channel: Default::default(),
                    sms: None,
                },
            }),
            ServerEvent::MessageUpdated(MessageUpdated {
                message: Message {
                    id: m,
                    conversation_id: c,
                    sender_id: u,
                    sender_name: "Maya".into(),
                    body: "**fixed**".into(),
                    client_message_id: "k1".into(),
                    created_at: datetime!(2026-11-21 10:00:00.123 UTC),
                    reactions: Vec::new(),
                    edited_at: Some(datetime!(2026-11-21 10:01:00 UTC)),
                    deleted: false,
                    reply_to: None,
                    mentions: Vec::new(),
                    attachments: Vec::new(),
                    channel: Default::default(),
                    sms: None,
                },
            }),
            ServerEvent::MessageDeleted(MessageDeleted {
                conversation_id: c,
                message_id: m,
            }),
            ServerEvent::ConversationRead(ConversationRead {
                conversation_id: c,
                user_id: u,
                message_id: m,
            }),
            ServerEvent::ConversationDelivered(ConversationRead {
                conversation_id: c,
                user_id: u,
                message_id: m,
            }),
            ServerEvent::PermissionChanged(PermissionChanged {
                conversation_id: c,
                can_post: false,
                messaging: Some(MessagingMode::OneWay),
                announcement_only: false,
                client_active: false,
            }),
            ServerEvent::PermissionChanged(PermissionChanged {
                conversation_id: c,
                can_post: true,
                messaging: None,
                announcement_only: true,
                client_active: true,
            }),
            ServerEvent::ReactionChanged(ReactionChanged {
                conversation_id: c,
                message_id: m,
                reactions,
            }),
            ServerEvent::ConversationRemoved(ConversationRemoved { conversation_id: c }),
            ServerEvent::MassMessageProgress(MassMessageProgress {
                id: shared::MassMessageId::parse("job-1").expect("a valid id"),
                status: MassStatus::Sending,
                sent: 100,
                failed: 2,
            }),
            ServerEvent::Hello(Hello { user_id: u }),
            ServerEvent::SessionEnded(SessionEnded {
                reason: SessionEndReason::PasswordChanged,
            }),
        ]
    }

    #[test]
    fn every_event_reads_as_the_derived_reader_reads_it() {
        for event in every_kind() {
            let text = serde_json::to_string(&event).expect("write");
            let derived: ServerEvent = serde_json::from_str(&text).expect("derived read");
            assert_eq!(decode(&text), Some(derived), "{text}");
            assert_eq!(decode(&text), Some(event));
        }
    }

    #[test]
    fn unknown_and_malformed_events_are_none() {
        assert_eq!(
            decode(r#"{"type": "typing.started", "user_id": "x"}"#),
            None
        );
        assert_eq!(decode(r#"{"type": "hello"}"#), None);
        assert_eq!(decode(r#"{"user_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV"}"#), None);
        assert_eq!(decode("not json"), None);
    }
}
