//! The `messages` area: conversations, history, sending, reactions, read marks, mass messages.

use super::error::ApiError;
use super::extract::{ApiJson, ApiPath, ApiQuery};
use crate::domain::AppState;
use crate::domain::auth::Caller;
use crate::domain::conversations::Sent;
use crate::domain::media::Variant;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use shared::api::{
    AddReactionRequest, AttachmentLink, CreateMassMessageRequest, CreateTemplateRequest,
    CreateUploadRequest, EditMessageRequest, ErrorBody, MarkDeliveredRequest, MarkReadRequest,
    ReadState, Receipt, Receipts, SendMessageRequest, UpdateTemplateRequest, Upload,
};
use shared::api::{
    CreateVaultItemRequest, MassAccepted, ScheduledMessage, UpdateScheduledRequest,
    UpdateVaultItemRequest, VaultList,
};
use shared::model::{AttachmentKind, VaultItem};
use shared::model::{ConversationSummary, MassMessage, Message, MessageVersion, Page, Template};
use shared::{AttachmentId, ConversationId, MessageId, TemplateId};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_conversations))
        .routes(routes!(get_conversation))
        .routes(routes!(list_messages, send_message))
        .routes(routes!(mark_read))
        .routes(routes!(mark_delivered))
        .routes(routes!(receipts))
        .routes(routes!(edit_message, delete_message))
        .routes(routes!(message_history))
        .routes(routes!(add_reaction))
        .routes(routes!(remove_reaction))
        .routes(routes!(create_upload))
        .routes(routes!(get_attachment))
        .routes(routes!(list_templates, create_template))
        .routes(routes!(update_template, delete_template))
        .routes(routes!(list_scheduled))
        .routes(routes!(update_scheduled, cancel_scheduled))
        .routes(routes!(list_vault, create_vault_item))
        .routes(routes!(update_vault_item, delete_vault_item))
        .routes(routes!(get_vault_file))
        .routes(routes!(create_mass_message))
        .routes(routes!(get_mass_message))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListConversations {
    cursor: Option<String>,
    limit: Option<usize>,
    /// `needs_attention`: only the conversations whose client waits for an answer longer than
    /// the business allows (staff; all of them in one page).
    folder: Option<Folder>,
}

/// A folder of the inbox.
#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Folder {
    NeedsAttention,
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

/// The caller's conversations, most recent activity first, with unread counts; or one folder
/// of them (`folder=needs_attention`, staff only: 403 `auth.forbidden` for a client).
#[utoipa::path(get, path = "/api/conversations", tag = "messages", security(("bearer" = [])), params(ListConversations),
    responses((status = 200, body = Page<ConversationSummary>), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_conversations(
    State(s): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ListConversations>,
) -> Result<Json<Page<ConversationSummary>>, ApiError> {
    if let Some(Folder::NeedsAttention) = q.folder {
        return Ok(Json(s.conversations.needing_attention(&caller).await?));
    }
    Ok(Json(
        s.conversations
            .list_conversations(&caller, q.cursor, q.limit)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/conversations/{id}", tag = "messages", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = ConversationSummary), (status = 404, body = ErrorBody)))]
async fn get_conversation(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<ConversationId>,
) -> Result<Json<ConversationSummary>, ApiError> {
    Ok(Json(s.conversations.get_conversation(&caller, id).await?))
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
    Ok(Json(
        s.conversations
            .list_messages(&caller, id, q.before, q.limit)
            .await?,
    ))
}

/// Sends a message: 201 when new, 200 with the same message when `client_message_id` was sent
/// before. With `send_at` (staff), it is scheduled instead: 202 with the scheduled message,
/// sent once at that time (`GET /api/scheduled`; 422 `scheduled.time_invalid` for a time less
/// than a minute or more than a year away, `scheduled.attachments_unsupported` with files).
#[utoipa::path(post, path = "/api/conversations/{id}/messages", tag = "messages", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = SendMessageRequest,
    responses((status = 201, body = Message), (status = 200, description = "a repeat of an earlier send", body = Message),
              (status = 202, description = "scheduled (`send_at`)", body = ScheduledMessage),
              (status = 403, description = "e.g. messaging.one_way", body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody),
              (status = 429, description = "the sender sent 1,200 messages in 10 minutes, or the business 500 texts in an hour: wait `Retry-After` seconds", body = ErrorBody)))]
async fn send_message(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<ConversationId>,
    ApiJson(req): ApiJson<SendMessageRequest>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse as _;
    if req.send_at.is_some() {
        let scheduled = s.scheduler.schedule(&caller, id, req).await?;
        return Ok((StatusCode::ACCEPTED, Json(scheduled)).into_response());
    }
    let (message, sent) = s.conversations.send_message(&caller, id, req).await?;
    let status = if sent == Sent::Created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(message)).into_response())
}

/// The caller's messages waiting to be sent, soonest first.
#[utoipa::path(get, path = "/api/scheduled", tag = "messages", security(("bearer" = [])),
    responses((status = 200, body = Vec<ScheduledMessage>), (status = 401, body = ErrorBody)))]
async fn list_scheduled(
    State(s): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<ScheduledMessage>>, ApiError> {
    Ok(Json(s.scheduler.list(&caller).await?))
}

/// Changes a scheduled message: its words, or its time (now or earlier: sent right away).
#[utoipa::path(patch, path = "/api/scheduled/{id}", tag = "messages", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = UpdateScheduledRequest,
    responses((status = 200, body = ScheduledMessage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_scheduled(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<UpdateScheduledRequest>,
) -> Result<Json<ScheduledMessage>, ApiError> {
    Ok(Json(s.scheduler.update(&caller, &id, req).await?))
}

/// Cancels a scheduled message: it is never sent.
#[utoipa::path(delete, path = "/api/scheduled/{id}", tag = "messages", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 204, description = "cancelled"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn cancel_scheduled(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    s.scheduler.cancel(&caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Moves the caller's read mark forward (never back), and their receipt with it: the other
/// members get `conversation.read`.
#[utoipa::path(post, path = "/api/conversations/{id}/read", tag = "messages", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = MarkReadRequest,
    responses((status = 200, body = ReadState), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
async fn mark_read(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<ConversationId>,
    ApiJson(req): ApiJson<MarkReadRequest>,
) -> Result<Json<ReadState>, ApiError> {
    Ok(Json(
        s.conversations
            .mark_read(&caller, id, req.message_id)
            .await?,
    ))
}

/// A message of someone else reached one of the caller's devices: their delivered mark moves
/// forward (never back) and the other members get `conversation.delivered`. Private
/// conversations only (422 `receipt.not_tracked` elsewhere). Answers the caller's receipt.
#[utoipa::path(post, path = "/api/conversations/{id}/delivered", tag = "messages", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = MarkDeliveredRequest,
    responses((status = 200, body = Receipt), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn mark_delivered(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<ConversationId>,
    ApiJson(req): ApiJson<MarkDeliveredRequest>,
) -> Result<Json<Receipt>, ApiError> {
    Ok(Json(
        s.conversations
            .mark_delivered(&caller, id, req.message_id)
            .await?,
    ))
}

/// Each person's last read and delivered message in the conversation (the caller's too):
/// what the app draws receipts from after a reload. People who never opened it have none.
#[utoipa::path(get, path = "/api/conversations/{id}/receipts", tag = "messages", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Receipts), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
async fn receipts(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<ConversationId>,
) -> Result<Json<Receipts>, ApiError> {
    Ok(Json(s.conversations.receipts(&caller, id).await?))
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
        s.conversations
            .react(&caller, id, message_id, &req.emoji, true)
            .await?,
    ))
}

/// Edits the caller's own message (while they may post there); the earlier body goes to its
/// history. Members get `message.updated`.
#[utoipa::path(patch, path = "/api/conversations/{id}/messages/{message_id}", tag = "messages",
    security(("bearer" = [])), params(("id" = String, Path), ("message_id" = String, Path)),
    request_body = EditMessageRequest,
    responses((status = 200, body = Message), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 410, description = "the message was deleted", body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn edit_message(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath((id, message_id)): ApiPath<(ConversationId, MessageId)>,
    ApiJson(req): ApiJson<EditMessageRequest>,
) -> Result<Json<Message>, ApiError> {
    Ok(Json(
        s.conversations
            .edit_message(&caller, id, message_id, &req.body)
            .await?,
    ))
}

/// Deletes a message: one's own, or (a group's owners and admins) someone else's in a group.
/// Its body and history are removed; a tombstone stays. Members get `message.deleted`.
#[utoipa::path(delete, path = "/api/conversations/{id}/messages/{message_id}", tag = "messages",
    security(("bearer" = [])), params(("id" = String, Path), ("message_id" = String, Path)),
    responses((status = 204, description = "deleted (or already)"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete_message(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath((id, message_id)): ApiPath<(ConversationId, MessageId)>,
) -> Result<StatusCode, ApiError> {
    s.conversations
        .delete_message(&caller, id, message_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A message's versions, oldest first, the current one last.
#[utoipa::path(get, path = "/api/conversations/{id}/messages/{message_id}/history", tag = "messages",
    security(("bearer" = [])), params(("id" = String, Path), ("message_id" = String, Path)),
    responses((status = 200, body = Vec<MessageVersion>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 410, description = "the message was deleted", body = ErrorBody)))]
async fn message_history(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath((id, message_id)): ApiPath<(ConversationId, MessageId)>,
) -> Result<Json<Vec<MessageVersion>>, ApiError> {
    Ok(Json(
        s.conversations
            .message_history(&caller, id, message_id)
            .await?,
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
    Ok(Json(
        s.conversations
            .react(&caller, id, message_id, &emoji, false)
            .await?,
    ))
}

/// Sends one message to many clients, each in their own private conversation. Accepted at once
/// and delivered in the background (202 with the job); the same `id` again sends nothing again
/// (200 with the job). Progress: `GET /api/mass-messages/{id}` and `mass_message.progress`
/// events. With `send_at` (a minute to a year ahead): 202 with the scheduled message, sent then
/// (422 `scheduled.time_invalid` otherwise). A business sends at most 20 new mass messages an
/// hour: 429 `rate.limited` with `Retry-After` past them.
#[utoipa::path(post, path = "/api/mass-messages", tag = "mass messages", security(("bearer" = [])), request_body = CreateMassMessageRequest,
    responses((status = 202, body = MassAccepted), (status = 200, body = MassMessage), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 401, body = ErrorBody),
              (status = 429, description = "too many mass messages this hour: wait `Retry-After` seconds", body = ErrorBody)))]
async fn create_mass_message(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<CreateMassMessageRequest>,
) -> Result<(StatusCode, Json<MassAccepted>), ApiError> {
    if req.send_at.is_some() {
        let scheduled = s.scheduler.schedule_mass(&caller, req).await?;
        return Ok((
            StatusCode::ACCEPTED,
            Json(MassAccepted::Scheduled(scheduled)),
        ));
    }
    let (job, new) = s.mass.send_mass_message(&caller, req).await?;
    let status = if new {
        StatusCode::ACCEPTED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(MassAccepted::Job(job))))
}

/// A mass message and its progress.
#[utoipa::path(get, path = "/api/mass-messages/{id}", tag = "mass messages", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = MassMessage), (status = 404, body = ErrorBody)))]
async fn get_mass_message(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<MassMessage>, ApiError> {
    Ok(Json(s.mass.get_mass_message(&caller, &id).await?))
}

/// Signs for a file to be sent in a conversation the caller may post in: its type and size
/// are checked first (422 `upload.type_not_allowed`, `upload.too_large`, `upload.empty`...;
/// images 25 MB, videos 200 MB, files 25 MB, voice notes 10 MB and 5 minutes). PUT the file
/// to `url` with `headers` (another size or type is refused), then send a message with
/// `attachments: [upload_id]`. An upload never sent is forgotten after a day. With `vault:
/// true` instead of a conversation (staff), the file is for the Vault: add it with
/// `POST /api/vault` once put.
#[utoipa::path(post, path = "/api/uploads", tag = "messages", security(("bearer" = [])),
    request_body = CreateUploadRequest,
    responses((status = 201, body = Upload), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody),
              (status = 429, description = "300 uploads signed in an hour: wait `Retry-After` seconds", body = ErrorBody)))]
async fn create_upload(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<CreateUploadRequest>,
) -> Result<(StatusCode, Json<Upload>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(s.media.create_upload(&caller, req).await?),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AttachmentQuery {
    /// `thumbnail`: the photo's thumbnail or the video's poster frame (404 when it has none).
    #[serde(default)]
    #[param(value_type = Option<String>, pattern = "^(original|thumbnail)$")]
    variant: Option<AttachmentVariant>,
    /// Offer it as a download under its name rather than to show (files always are).
    #[serde(default)]
    download: Option<bool>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttachmentVariant {
    Original,
    Thumbnail,
}

impl AttachmentQuery {
    fn variant(&self) -> Variant {
        match self.variant {
            Some(AttachmentVariant::Thumbnail) => Variant::Thumbnail,
            _ => Variant::Original,
        }
    }
}

/// A file of a message: a redirect (302) to a short-lived URL of it, or, asked with `Accept:
/// application/json`, that URL as JSON. Members of the conversation only (anyone else: 404).
#[utoipa::path(get, path = "/api/conversations/{id}/attachments/{attachment_id}", tag = "messages", security(("bearer" = [])),
    params(("id" = String, Path), ("attachment_id" = String, Path), AttachmentQuery),
    responses((status = 200, body = AttachmentLink), (status = 302, description = "To the file's short-lived URL"),
              (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_attachment(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath((id, attachment_id)): ApiPath<(ConversationId, AttachmentId)>,
    ApiQuery(q): ApiQuery<AttachmentQuery>,
    headers: axum::http::HeaderMap,
) -> Result<axum::response::Response, ApiError> {
    let link = s
        .media
        .link(
            &caller,
            id,
            attachment_id,
            q.variant(),
            q.download.unwrap_or(false),
        )
        .await?;
    link_response(link, &headers)
}

/// A file's short-lived URL as asked: a redirect (302, not to be cached), or as JSON when
/// the request accepts `application/json`.
fn link_response(
    link: AttachmentLink,
    headers: &axum::http::HeaderMap,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse as _;
    let wants_json = headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    if wants_json {
        return Ok(Json(link).into_response());
    }
    let mut response = StatusCode::FOUND.into_response();
    let h = response.headers_mut();
    h.insert(
        axum::http::header::LOCATION,
        axum::http::HeaderValue::from_str(&link.url).map_err(|_| {
            ApiError::from(crate::domain::Error::from(anyhow::anyhow!(
                "a URL that is not a header"
            )))
        })?,
    );
    h.insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct VaultQuery {
    /// Words all found in the file's name.
    #[param(max_length = 100)]
    q: Option<String>,
    #[param(value_type = Option<String>, pattern = "^(image|video|voice|file)$")]
    kind: Option<AttachmentKind>,
    /// One folder's files (empty: those in no folder).
    #[param(max_length = 60)]
    folder: Option<String>,
}

/// The business's Vault (staff): its files newest first, narrowed by words of the name, a
/// kind and a folder; and every folder.
#[utoipa::path(get, path = "/api/vault", tag = "messages", security(("bearer" = [])), params(VaultQuery),
    responses((status = 200, body = VaultList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_vault(
    State(s): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<VaultQuery>,
) -> Result<Json<VaultList>, ApiError> {
    let filter = crate::domain::vault::Filter {
        q: q.q,
        kind: q.kind,
        folder: q.folder,
    };
    Ok(Json(s.vault.list(&caller, filter).await?))
}

/// Adds a file uploaded for the Vault (`POST /api/uploads` with `vault: true`, then put) to
/// it, once it is in storage as signed for (422 `attachment.not_uploaded`,
/// `attachment.mismatch`). Staff; 1,000 files at most (422 `vault.full`). Adding it again
/// answers with the same file.
#[utoipa::path(post, path = "/api/vault", tag = "messages", security(("bearer" = [])),
    request_body = CreateVaultItemRequest,
    responses((status = 201, body = VaultItem), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_vault_item(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<CreateVaultItemRequest>,
) -> Result<(StatusCode, Json<VaultItem>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(s.vault.create(&caller, req).await?),
    ))
}

/// Renames a file of the Vault or moves it to another folder: a coach their own, the owner
/// and admins any (403 `vault.not_yours`).
#[utoipa::path(patch, path = "/api/vault/{id}", tag = "messages", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = UpdateVaultItemRequest,
    responses((status = 200, body = VaultItem), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_vault_item(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<AttachmentId>,
    ApiJson(req): ApiJson<UpdateVaultItemRequest>,
) -> Result<Json<VaultItem>, ApiError> {
    Ok(Json(s.vault.update(&caller, id, req).await?))
}

/// Deletes a file from the Vault (a coach their own, the owner and admins any). Messages that
/// sent it keep it until they are deleted.
#[utoipa::path(delete, path = "/api/vault/{id}", tag = "messages", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 204, description = "deleted"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete_vault_item(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<AttachmentId>,
) -> Result<StatusCode, ApiError> {
    s.vault.delete(&caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A file of the Vault (staff): a redirect (302) to a short-lived URL of it, or, asked with
/// `Accept: application/json`, that URL as JSON.
#[utoipa::path(get, path = "/api/vault/{id}/file", tag = "messages", security(("bearer" = [])),
    params(("id" = String, Path), AttachmentQuery),
    responses((status = 200, body = AttachmentLink), (status = 302, description = "To the file's short-lived URL"),
              (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
async fn get_vault_file(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<AttachmentId>,
    ApiQuery(q): ApiQuery<AttachmentQuery>,
    headers: axum::http::HeaderMap,
) -> Result<axum::response::Response, ApiError> {
    let link = s
        .vault
        .link(&caller, id, q.variant(), q.download.unwrap_or(false))
        .await?;
    link_response(link, &headers)
}

/// The business's saved messages, by name (staff).
#[utoipa::path(get, path = "/api/templates", tag = "messages", security(("bearer" = [])),
    responses((status = 200, body = Vec<Template>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_templates(
    State(s): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<Template>>, ApiError> {
    Ok(Json(s.templates.list(&caller).await?))
}

/// Saves a message under a name (unique in the business, case folded; 409
/// `template.name_taken`). Any staff member; 200 at most (422 `template.too_many`).
#[utoipa::path(post, path = "/api/templates", tag = "messages", security(("bearer" = [])),
    request_body = CreateTemplateRequest,
    responses((status = 201, body = Template), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_template(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<CreateTemplateRequest>,
) -> Result<(StatusCode, Json<Template>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(s.templates.create(&caller, req).await?),
    ))
}

/// Renames a saved message or changes its words: a coach their own, the owner and admins
/// any (403 `template.not_yours`).
#[utoipa::path(patch, path = "/api/templates/{id}", tag = "messages", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = UpdateTemplateRequest,
    responses((status = 200, body = Template), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn update_template(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<TemplateId>,
    ApiJson(req): ApiJson<UpdateTemplateRequest>,
) -> Result<Json<Template>, ApiError> {
    Ok(Json(s.templates.update(&caller, id, req).await?))
}

/// Deletes a saved message (what was sent with it stays).
#[utoipa::path(delete, path = "/api/templates/{id}", tag = "messages", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 204, description = "deleted"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete_template(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<TemplateId>,
) -> Result<StatusCode, ApiError> {
    s.templates.delete(&caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
