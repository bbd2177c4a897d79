//! The `messages` area: conversations, groups and their members, history, sending, reactions,
//! read marks.

use super::error::ApiError;
use super::extract::{ApiJson, ApiPath, ApiQuery};
use crate::domain::AppState;
use crate::domain::auth::Caller;
use crate::domain::conversations::Sent;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use shared::api::{
    AddReactionRequest, CreateGroupRequest, ErrorBody, MarkReadRequest, ReadState,
    SendMessageRequest, SetMemberRequest, UpdateConversationRequest,
};
use shared::model::{ConversationSummary, GroupMember, Message, Page};
use shared::{ConversationId, MessageId, UserId};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_conversations))
        .routes(routes!(get_conversation))
        .routes(routes!(list_messages, send_message))
        .routes(routes!(mark_read))
        .routes(routes!(add_reaction))
        .routes(routes!(remove_reaction))
        .routes(routes!(create_group))
        .routes(routes!(update_conversation))
        .routes(routes!(list_members))
        .routes(routes!(set_member, remove_member))
}

/// Creates a group (the business's owner or an admin), with the caller as its owner. Members
/// get `permission.changed` for it, which tells their apps to show it.
#[utoipa::path(post, path = "/api/groups", tag = "groups", security(("bearer" = [])), request_body = CreateGroupRequest,
    responses((status = 201, body = ConversationSummary), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn create_group(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<CreateGroupRequest>,
) -> Result<(StatusCode, Json<ConversationSummary>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(s.create_group(&caller, req).await?),
    ))
}

/// Changes a group's settings (its owners and admins): announcement-only, title, emoji.
#[utoipa::path(patch, path = "/api/conversations/{id}", tag = "groups", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = UpdateConversationRequest,
    responses((status = 200, body = ConversationSummary), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn update_conversation(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<ConversationId>,
    ApiJson(req): ApiJson<UpdateConversationRequest>,
) -> Result<Json<ConversationSummary>, ApiError> {
    Ok(Json(s.update_conversation(&caller, id, req).await?))
}

/// A group's members, their roles and posting rights.
#[utoipa::path(get, path = "/api/conversations/{id}/members", tag = "groups", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Vec<GroupMember>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_members(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<ConversationId>,
) -> Result<Json<Vec<GroupMember>>, ApiError> {
    Ok(Json(s.group_members(&caller, id).await?))
}

/// Adds a person to a group or changes their role and posting right (`can_post`: `true` lets
/// them post in an announcement-only group, `false` mutes them, `null` follows the group).
/// Answers every member.
#[utoipa::path(put, path = "/api/conversations/{id}/members/{user_id}", tag = "groups", security(("bearer" = [])),
    params(("id" = String, Path), ("user_id" = String, Path)), request_body = SetMemberRequest,
    responses((status = 200, body = Vec<GroupMember>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn set_member(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath((id, user)): ApiPath<(ConversationId, UserId)>,
    ApiJson(req): ApiJson<SetMemberRequest>,
) -> Result<Json<Vec<GroupMember>>, ApiError> {
    Ok(Json(s.set_member(&caller, id, user, req).await?))
}

/// Removes a member (owners and admins), or leaves the group (one's own id). They lose it at
/// once: history is refused, no more events, and their apps get `conversation.removed`.
#[utoipa::path(delete, path = "/api/conversations/{id}/members/{user_id}", tag = "groups", security(("bearer" = [])),
    params(("id" = String, Path), ("user_id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn remove_member(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath((id, user)): ApiPath<(ConversationId, UserId)>,
) -> Result<StatusCode, ApiError> {
    s.remove_member(&caller, id, user).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds the caller's emoji reaction to a message (once per emoji per person: adding it again
/// changes nothing). Anyone who can read the conversation may react, also where they cannot
/// post. Answers the message with all its reactions; members get `reaction.changed`.
#[utoipa::path(post, path = "/api/conversations/{id}/messages/{message_id}/reactions", tag = "messages",
    security(("bearer" = [])), params(("id" = String, Path), ("message_id" = String, Path)),
    request_body = AddReactionRequest,
    responses((status = 200, body = Message), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_reaction(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath((id, message_id)): ApiPath<(ConversationId, MessageId)>,
    ApiJson(req): ApiJson<AddReactionRequest>,
) -> Result<Json<Message>, ApiError> {
    Ok(Json(
        s.react(&caller, id, message_id, &req.emoji, true).await?,
    ))
}

/// Removes the caller's emoji reaction (the emoji percent-encoded in the path). Removing one
/// that is not there changes nothing.
#[utoipa::path(delete, path = "/api/conversations/{id}/messages/{message_id}/reactions/{emoji}", tag = "messages",
    security(("bearer" = [])), params(("id" = String, Path), ("message_id" = String, Path), ("emoji" = String, Path)),
    responses((status = 200, body = Message), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn remove_reaction(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath((id, message_id, emoji)): ApiPath<(ConversationId, MessageId, String)>,
) -> Result<Json<Message>, ApiError> {
    Ok(Json(s.react(&caller, id, message_id, &emoji, false).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListConversations {
    cursor: Option<String>,
    limit: Option<usize>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListMessages {
    /// The `next_cursor` of the previous page: messages older than this one.
    #[param(value_type = Option<String>)]
    before: Option<MessageId>,
    /// 1 to 200; 50 by default.
    limit: Option<usize>,
}

/// The caller's conversations, most recent activity first, with unread counts.
#[utoipa::path(get, path = "/api/conversations", tag = "messages", security(("bearer" = [])), params(ListConversations),
    responses((status = 200, body = Page<ConversationSummary>), (status = 401, body = ErrorBody)))]
async fn list_conversations(
    State(s): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ListConversations>,
) -> Result<Json<Page<ConversationSummary>>, ApiError> {
    Ok(Json(
        s.list_conversations(&caller, q.cursor, q.limit).await?,
    ))
}

#[utoipa::path(get, path = "/api/conversations/{id}", tag = "messages", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = ConversationSummary), (status = 404, body = ErrorBody)))]
async fn get_conversation(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<ConversationId>,
) -> Result<Json<ConversationSummary>, ApiError> {
    Ok(Json(s.get_conversation(&caller, id).await?))
}

/// History, newest first, paged by `before`.
#[utoipa::path(get, path = "/api/conversations/{id}/messages", tag = "messages", security(("bearer" = [])),
    params(("id" = String, Path), ListMessages),
    responses((status = 200, body = Page<Message>), (status = 404, body = ErrorBody)))]
async fn list_messages(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<ConversationId>,
    ApiQuery(q): ApiQuery<ListMessages>,
) -> Result<Json<Page<Message>>, ApiError> {
    Ok(Json(s.list_messages(&caller, id, q.before, q.limit).await?))
}

/// Sends a message: 201 when new, 200 with the same message when `client_message_id` was sent before.
#[utoipa::path(post, path = "/api/conversations/{id}/messages", tag = "messages", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = SendMessageRequest,
    responses((status = 201, body = Message), (status = 200, description = "a repeat of an earlier send", body = Message),
              (status = 403, description = "e.g. messaging.one_way", body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn send_message(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<ConversationId>,
    ApiJson(req): ApiJson<SendMessageRequest>,
) -> Result<(StatusCode, Json<Message>), ApiError> {
    let (message, sent) = s.send_message(&caller, id, req).await?;
    let status = if sent == Sent::Created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(message)))
}

/// Moves the caller's read mark forward.
#[utoipa::path(post, path = "/api/conversations/{id}/read", tag = "messages", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = MarkReadRequest,
    responses((status = 200, body = ReadState), (status = 404, body = ErrorBody)))]
async fn mark_read(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<ConversationId>,
    ApiJson(req): ApiJson<MarkReadRequest>,
) -> Result<Json<ReadState>, ApiError> {
    Ok(Json(s.mark_read(&caller, id, req.message_id).await?))
}
