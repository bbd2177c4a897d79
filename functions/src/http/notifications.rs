//! The `notifications` area: how each person wants to be notified (pushes, email digests,
//! quiet hours in their time zone, announcement groups), and what notifies them of each
//! conversation; their browsers registered for pushes; their bell.

use super::error::ApiError;
use super::extract::{ApiJson, ApiPath};
use crate::domain::AppState;
use crate::domain::auth::Caller;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use shared::ConversationId;
use shared::api::{
    ConversationNotifications, ErrorBody, MarkNotificationsRead, NotificationList, PushKey,
    PushSubscriptionCreated, PushSubscriptionRequest, UpdateNotificationSettings,
};
use shared::model::NotificationSettings;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_settings, update_settings))
        .routes(routes!(get_level, set_level))
        .routes(routes!(push_key))
        .routes(routes!(subscribe))
        .routes(routes!(unsubscribe))
        .routes(routes!(list))
        .routes(routes!(mark_read))
}

/// The caller's bell: the 50 newest notifications (a conversation's messages share one while
/// unread, counting them), and how many are unread.
#[utoipa::path(get, path = "/api/notifications", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = NotificationList), (status = 401, body = ErrorBody)))]
async fn list(
    State(s): State<AppState>,
    caller: Caller,
) -> Result<Json<NotificationList>, ApiError> {
    Ok(Json(s.notifier.list(&caller).await?))
}

/// Marks the caller's notifications read: those named by id (at most 100; ids of nothing of
/// theirs change nothing), or all of them. Their bell as it is then. 422
/// `notifications.read_invalid` for neither or both, or an id that is not one.
#[utoipa::path(post, path = "/api/notifications/read", tag = "notifications", security(("bearer" = [])),
    request_body = MarkNotificationsRead,
    responses((status = 200, body = NotificationList), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn mark_read(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<MarkNotificationsRead>,
) -> Result<Json<NotificationList>, ApiError> {
    Ok(Json(s.notifier.mark_read(&caller, req).await?))
}

/// The caller's notification settings (the defaults until they change them: pushes and email
/// digests on, no quiet hours, UTC, every post of announcement groups).
#[utoipa::path(get, path = "/api/me/notifications", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = NotificationSettings), (status = 401, body = ErrorBody)))]
async fn get_settings(
    State(s): State<AppState>,
    caller: Caller,
) -> Result<Json<NotificationSettings>, ApiError> {
    Ok(Json(s.notifications.settings(&caller).await?))
}

/// Changes the caller's notification settings: only the fields given (`quiet_hours: null` ends
/// quiet hours). 422 `notifications.time_zone_invalid` for a time zone the IANA database does
/// not have, `notifications.quiet_hours_invalid` for a time that is not `HH:MM`.
#[utoipa::path(patch, path = "/api/me/notifications", tag = "notifications", security(("bearer" = [])),
    request_body = UpdateNotificationSettings,
    responses((status = 200, body = NotificationSettings), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_settings(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<UpdateNotificationSettings>,
) -> Result<Json<NotificationSettings>, ApiError> {
    Ok(Json(s.notifications.update_settings(&caller, req).await?))
}

/// What notifies the caller of a conversation they are in: `all` (the default), `mentions`
/// (muted but for mentions) or `none`. Anyone else: 404.
#[utoipa::path(get, path = "/api/conversations/{id}/notifications", tag = "notifications",
    security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = ConversationNotifications), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_level(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<ConversationId>,
) -> Result<Json<ConversationNotifications>, ApiError> {
    Ok(Json(s.notifications.level(&caller, id).await?))
}

/// Sets what notifies the caller of a conversation they are in.
#[utoipa::path(put, path = "/api/conversations/{id}/notifications", tag = "notifications",
    security(("bearer" = [])), params(("id" = String, Path)), request_body = ConversationNotifications,
    responses((status = 200, body = ConversationNotifications), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_level(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<ConversationId>,
    ApiJson(req): ApiJson<ConversationNotifications>,
) -> Result<Json<ConversationNotifications>, ApiError> {
    Ok(Json(
        s.notifications.set_level(&caller, id, req.level).await?,
    ))
}

/// The key browsers subscribe to pushes with (`applicationServerKey`).
#[utoipa::path(get, path = "/api/push/key", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = PushKey), (status = 401, body = ErrorBody)))]
async fn push_key(State(s): State<AppState>, _caller: Caller) -> Json<PushKey> {
    Json(s.push.key())
}

/// Registers the caller's browser for pushes: its subscription as `toJSON()` gives it. The
/// endpoint must be https (the local server also takes one on this machine); 422
/// `push.subscription_invalid` otherwise, or for keys that are not a P-256 public key and a
/// 16-byte secret. The same browser again: the same id. 20 browsers a person at most (the
/// oldest goes).
#[utoipa::path(post, path = "/api/push/subscriptions", tag = "notifications", security(("bearer" = [])),
    request_body = PushSubscriptionRequest,
    responses((status = 201, body = PushSubscriptionCreated), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn subscribe(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<PushSubscriptionRequest>,
) -> Result<(StatusCode, Json<PushSubscriptionCreated>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(s.push.subscribe(&caller, req).await?),
    ))
}

/// Forgets one of the caller's browsers (no more pushes to it). Forgetting one that is not
/// there changes nothing.
#[utoipa::path(delete, path = "/api/push/subscriptions/{id}", tag = "notifications", security(("bearer" = [])),
    params(("id" = String, Path, pattern = "^[0-9a-f]{32}$")),
    responses((status = 204, description = "forgotten"), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
async fn unsubscribe(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    s.push.unsubscribe(&caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
