//! Events the server pushes over the WebSocket, as `{"type": "...", ...}`.

use crate::ids::*;
use crate::model::{MassStatus, Message, MessagingMode, Reaction};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type")]
pub enum ServerEvent {
    #[serde(rename = "message.created")]
    MessageCreated(MessageCreated),
    #[serde(rename = "conversation.read")]
    ConversationRead(ConversationRead),
    #[serde(rename = "conversation.delivered")]
    ConversationDelivered(ConversationRead),
    #[serde(rename = "permission.changed")]
    PermissionChanged(PermissionChanged),
    #[serde(rename = "reaction.changed")]
    ReactionChanged(ReactionChanged),
    #[serde(rename = "message.updated")]
    MessageUpdated(MessageUpdated),
    #[serde(rename = "message.deleted")]
    MessageDeleted(MessageDeleted),
    #[serde(rename = "conversation.removed")]
    ConversationRemoved(ConversationRemoved),
    #[serde(rename = "mass_message.progress")]
    MassMessageProgress(MassMessageProgress),
    #[serde(rename = "hello")]
    Hello(Hello),
    #[serde(rename = "session.ended")]
    SessionEnded(SessionEnded),
    #[serde(rename = "notification.created")]
    NotificationCreated(NotificationCreated),
}

/// The receiver has a new notification (or one counts another message): the bell fetches
/// `GET /api/notifications` again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotificationCreated {
    /// The notification's id.
    pub id: String,
}

/// What an app tells the server over its socket, as `{"type": "...", ...}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum ClientEvent {
    #[serde(rename = "presence")]
    Presence(Presence),
}

/// What this device shows now: the conversation open in it, if any, and whether the app is in
/// front (the page visible). Sent when either changes; someone viewing a conversation is not
/// notified of its messages, and someone who was in the app within the last 30 seconds gets no
/// pushes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Presence {
    #[serde(default)]
    pub open: Option<ConversationId>,
    pub visible: bool,
}

/// A message was committed in a conversation the receiver is in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageCreated {
    pub message: Message,
}

/// Someone moved their read mark (`conversation.read`), or a message of someone else reached
/// one of their devices (`conversation.delivered`): the receipt of [`crate::api::Receipt`] moved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConversationRead {
    pub conversation_id: ConversationId,
    pub user_id: UserId,
    pub message_id: MessageId,
}

/// What the receiver may do in a conversation now (after a client switched between one-way and
/// two-way, a group's settings or their seat changed, or they were added): show or hide the
/// composer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PermissionChanged {
    pub conversation_id: ConversationId,
    pub can_post: bool,
    /// For private conversations: the client's messaging mode now.
    pub messaging: Option<MessagingMode>,
    /// For groups: whether only owners and admins (and members let through) post.
    #[serde(default)]
    pub announcement_only: bool,
    /// For private conversations: false once the client is deactivated (read-only).
    #[serde(default = "crate::model::active")]
    pub client_active: bool,
}

/// A message's reactions changed: here are all of them now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReactionChanged {
    pub conversation_id: ConversationId,
    pub message_id: MessageId,
    pub reactions: Vec<Reaction>,
}

/// A message's body was edited: the message as it is now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageUpdated {
    pub message: Message,
}

/// A message was deleted: show its tombstone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageDeleted {
    pub conversation_id: ConversationId,
    pub message_id: MessageId,
}

/// The receiver was removed from a conversation (or left it): drop it, nothing more will come
/// from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConversationRemoved {
    pub conversation_id: ConversationId,
}

/// A mass message the receiver sent moved on (`GET /api/mass-messages/{id}` has the rest).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MassMessageProgress {
    pub id: crate::MassMessageId,
    pub status: MassStatus,
    pub sent: u64,
    pub failed: u64,
}

/// Sent once after the socket is accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Hello {
    pub user_id: UserId,
}

/// The session this socket belongs to ended: the socket closes next, and the app signs out
/// (its token is refused from now on).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionEnded {
    pub reason: SessionEndReason,
}

/// Why a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SessionEndReason {
    /// Signed out on this device.
    SignedOut,
    /// Signed out on every device (by the person, or by a password change elsewhere).
    SignedOutEverywhere,
    /// The password was changed.
    PasswordChanged,
    /// Their role changed: they sign in again to get what it gives.
    RoleChanged,
    /// Their account was deactivated.
    Deactivated,
}

impl SessionEndReason {
    /// What the sign-in screen tells the person afterwards.
    pub fn explain(self) -> &'static str {
        match self {
            SessionEndReason::SignedOut => "You signed out.",
            SessionEndReason::SignedOutEverywhere => "You were signed out on every device.",
            SessionEndReason::PasswordChanged => {
                "Your password was changed. Sign in with the new one."
            }
            SessionEndReason::RoleChanged => "Your role changed. Sign in again to continue.",
            SessionEndReason::Deactivated => "Your account was deactivated.",
        }
    }
}

/// Session close code of a socket whose session ended (after [`SessionEnded`]).
pub const SESSION_ENDED_CLOSE_CODE: u16 = 4401;

/// Close code of a socket that fell behind (its queue of events filled): the app connects
/// again and catches up by cursor, as after any reconnect.
pub const FELL_BEHIND_CLOSE_CODE: u16 = 4408;

/// Close code of a socket that stopped answering pings.
pub const UNRESPONSIVE_CLOSE_CODE: u16 = 4409;

#[cfg(test)]
mod tests {
    use super::*;
    use ulid::Ulid;

    #[test]
    fn events_are_tagged_by_type() {
        let e = ServerEvent::ConversationRead(ConversationRead {
            conversation_id: ConversationId::from_ulid(Ulid::from_parts(1, 1)),
            user_id: UserId::from_ulid(Ulid::from_parts(1, 2)),
            message_id: MessageId::from_ulid(Ulid::from_parts(1, 3)),
        });
        let json = serde_json::to_value(&e).expect("serialize");
        assert_eq!(json["type"], "conversation.read");
        let user = UserId::from_ulid(Ulid::from_parts(1, 2)).to_string();
        assert_eq!(
            json["user_id"],
            user.as_str(),
            "the payload sits beside the tag"
        );
        assert_eq!(
            serde_json::from_value::<ServerEvent>(json).expect("parse"),
            e
        );
    }
}
