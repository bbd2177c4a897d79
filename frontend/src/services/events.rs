//! Reading the server's events (`{"type": "...", ...}`). The derived reader of such an enum
//! buffers each event into an intermediate form and carries a second reader of every payload for
//! it; reading the tag first, then the one payload it names, gives the same events for much less
//! code in the app. The tests check it against the derived reader for every kind of event.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use shared::events::ServerEvent;
use shared::model::{MassStatus, Message, MessagingMode, Reaction};
use shared::{ConversationId, MessageId, UserId};

#[derive(Deserialize)]
struct Tag {
    #[serde(rename = "type")]
    kind: String,
}

fn read<T: DeserializeOwned>(text: &str) -> Option<T> {
    serde_json::from_str(text).ok()
}

#[derive(Deserialize)]
struct MessageCreated {
    message: Message,
}

#[derive(Deserialize)]
struct ConversationRead {
    conversation_id: ConversationId,
    user_id: UserId,
    message_id: MessageId,
}

#[derive(Deserialize)]
struct PermissionChanged {
    conversation_id: ConversationId,
    can_post: bool,
    messaging: Option<MessagingMode>,
    #[serde(default)]
    announcement_only: bool,
}

#[derive(Deserialize)]
struct ReactionChanged {
    conversation_id: ConversationId,
    message_id: MessageId,
    reactions: Vec<Reaction>,
}

#[derive(Deserialize)]
struct ConversationRemoved {
    conversation_id: ConversationId,
}

#[derive(Deserialize)]
struct MassMessageProgress {
    id: shared::MassMessageId,
    status: MassStatus,
    sent: u64,
    failed: u64,
}

#[derive(Deserialize)]
struct Hello {
    user_id: UserId,
}

/// The event in `text`, or `None` for anything else (an event of a kind this app does not know
/// yet included).
pub fn decode(text: &str) -> Option<ServerEvent> {
    let tag: Tag = read(text)?;
    Some(match tag.kind.as_str() {
        "message.created" => {
            let e: MessageCreated = read(text)?;
            ServerEvent::MessageCreated { message: e.message }
        }
        "conversation.read" => {
            let e: ConversationRead = read(text)?;
            ServerEvent::ConversationRead {
                conversation_id: e.conversation_id,
                user_id: e.user_id,
                message_id: e.message_id,
            }
        }
        "permission.changed" => {
            let e: PermissionChanged = read(text)?;
            ServerEvent::PermissionChanged {
                conversation_id: e.conversation_id,
                can_post: e.can_post,
                messaging: e.messaging,
                announcement_only: e.announcement_only,
            }
        }
        "reaction.changed" => {
            let e: ReactionChanged = read(text)?;
            ServerEvent::ReactionChanged {
                conversation_id: e.conversation_id,
                message_id: e.message_id,
                reactions: e.reactions,
            }
        }
        "conversation.removed" => {
            let e: ConversationRemoved = read(text)?;
            ServerEvent::ConversationRemoved {
                conversation_id: e.conversation_id,
            }
        }
        "mass_message.progress" => {
            let e: MassMessageProgress = read(text)?;
            ServerEvent::MassMessageProgress {
                id: e.id,
                status: e.status,
                sent: e.sent,
                failed: e.failed,
            }
        }
        "hello" => {
            let e: Hello = read(text)?;
            ServerEvent::Hello { user_id: e.user_id }
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::model::Reactor;
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
            ServerEvent::MessageCreated {
                message: Message {
                    id: m,
                    conversation_id: c,
                    sender_id: u,
                    sender_name: "Maya \"M\" Chen".into(),
                    body: "Line one\nline two 💪".into(),
                    client_message_id: "k1".into(),
                    created_at: datetime!(2026-11-21 10:00:00.123 UTC),
                    reactions: reactions.clone(),
                },
            },
            ServerEvent::ConversationRead {
                conversation_id: c,
                user_id: u,
                message_id: m,
            },
            ServerEvent::PermissionChanged {
                conversation_id: c,
                can_post: false,
                messaging: Some(MessagingMode::OneWay),
                announcement_only: false,
            },
            ServerEvent::PermissionChanged {
                conversation_id: c,
                can_post: true,
                messaging: None,
                announcement_only: true,
            },
            ServerEvent::ReactionChanged {
                conversation_id: c,
                message_id: m,
                reactions,
            },
            ServerEvent::ConversationRemoved { conversation_id: c },
            ServerEvent::MassMessageProgress {
                id: shared::MassMessageId::parse("job-1").expect("a valid id"),
                status: MassStatus::Sending,
                sent: 100,
                failed: 2,
            },
            ServerEvent::Hello { user_id: u },
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
