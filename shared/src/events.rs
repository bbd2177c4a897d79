//! Events the server pushes over the WebSocket, as `{"type": "...", ...}`.

use crate::ids::*;
use crate::model::{MassStatus, Message, MessagingMode, Reaction};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type")]
pub enum ServerEvent {
    /// A message was committed in a conversation the receiver is a member of.
    #[serde(rename = "message.created")]
    MessageCreated { message: Message },
    /// A member moved their read mark.
    #[serde(rename = "conversation.read")]
    ConversationRead {
        conversation_id: ConversationId,
        user_id: UserId,
        message_id: MessageId,
    },
    /// What the receiver may do in a conversation changed (a client switched between one-way
    /// and two-way): show or hide the composer.
    #[serde(rename = "permission.changed")]
    PermissionChanged {
        conversation_id: ConversationId,
        can_post: bool,
        /// For private conversations: the client's messaging mode now.
        messaging: Option<MessagingMode>,
        /// For groups: whether only owners and admins (and members let through) post.
        #[serde(default)]
        announcement_only: bool,
    },
    /// A message's reactions changed: here are all of them now.
    #[serde(rename = "reaction.changed")]
    ReactionChanged {
        conversation_id: ConversationId,
        message_id: MessageId,
        reactions: Vec<Reaction>,
    },
    /// The receiver was removed from a conversation (or left it): drop it, nothing more will
    /// come from it.
    #[serde(rename = "conversation.removed")]
    ConversationRemoved { conversation_id: ConversationId },
    /// A mass message the receiver sent moved on (`GET /api/mass-messages/{id}` has the rest).
    #[serde(rename = "mass_message.progress")]
    MassMessageProgress {
        id: crate::MassMessageId,
        status: MassStatus,
        sent: u64,
        failed: u64,
    },
    /// Sent once after the socket is accepted.
    #[serde(rename = "hello")]
    Hello { user_id: UserId },
}

#[cfg(test)]
mod tests {
    use super::*;
    use ulid::Ulid;

    #[test]
    fn events_are_tagged_by_type() {
        let e = ServerEvent::ConversationRead {
            conversation_id: ConversationId::from_ulid(Ulid::from_parts(1, 1)),
            user_id: UserId::from_ulid(Ulid::from_parts(1, 2)),
            message_id: MessageId::from_ulid(Ulid::from_parts(1, 3)),
        };
        let json = serde_json::to_value(&e).expect("serialize");
        assert_eq!(json["type"], "conversation.read");
        assert_eq!(
            serde_json::from_value::<ServerEvent>(json).expect("parse"),
            e
        );
    }
}
