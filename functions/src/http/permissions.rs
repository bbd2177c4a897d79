//! The `permissions` area: who may talk where. A client's messaging mode and its history, and
//! groups: creating them, their settings, their members' roles and posting rights.

use super::error::ApiError;
use super::extract::{ApiJson, ApiPath, ApiQuery};
use crate::domain::AppState;
use crate::domain::auth::Caller;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use shared::api::{
    CreateGroupRequest, ErrorBody, SetMemberRequest, SetMessagingRequest, UpdateConversationRequest,
};
use shared::model::{Client, ConversationSummary, GroupMember, ModeChange, Page};
use shared::{ConversationId, UserId};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(set_messaging))
        .routes(routes!(messaging_changes))
        .routes(routes!(create_group))
        .routes(routes!(update_conversation))
        .routes(routes!(list_members))
        .routes(routes!(set_member, remove_member))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    cursor: Option<String>,
    limit: Option<usize>,
}

/// Sets whether the client may write in their private conversation: `two_way`, or `one_way`
/// (only staff send; the client reads and reacts). Takes effect at once: their next send is
/// refused, their open apps hide the composer (`permission.changed`), and the change is
/// recorded with who made it.
#[utoipa::path(put, path = "/api/clients/{id}/messaging", tag = "permissions", security(("bearer" = [])), params(("id" = String, Path)),
    request_body = SetMessagingRequest,
    responses((status = 200, body = Client), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn set_messaging(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<UserId>,
    ApiJson(req): ApiJson<SetMessagingRequest>,
) -> Result<Json<Client>, ApiError> {
    Ok(Json(s.set_messaging(&caller, id, req.mode).await?))
}

/// Every change of the client's messaging mode, newest first: from, to, why, who and when.
#[utoipa::path(get, path = "/api/clients/{id}/messaging/changes", tag = "permissions", security(("bearer" = [])),
    params(("id" = String, Path), PageQuery),
    responses((status = 200, body = Page<ModeChange>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
async fn messaging_changes(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<UserId>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<Page<ModeChange>>, ApiError> {
    Ok(Json(
        s.messaging_changes(&caller, id, q.cursor, q.limit).await?,
    ))
}

/// Creates a group (the business's owner or an admin), with the caller as its owner. Members
/// get `permission.changed` for it, which tells their apps to show it.
#[utoipa::path(post, path = "/api/groups", tag = "permissions", security(("bearer" = [])), request_body = CreateGroupRequest,
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
#[utoipa::path(patch, path = "/api/conversations/{id}", tag = "permissions", security(("bearer" = [])),
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
#[utoipa::path(get, path = "/api/conversations/{id}/members", tag = "permissions", security(("bearer" = [])),
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
#[utoipa::path(put, path = "/api/conversations/{id}/members/{user_id}", tag = "permissions", security(("bearer" = [])),
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
#[utoipa::path(delete, path = "/api/conversations/{id}/members/{user_id}", tag = "permissions", security(("bearer" = [])),
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
