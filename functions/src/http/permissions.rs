//! The `permissions` area: who may talk where. A client's messaging mode and its history,
//! products that set it and purchases (by hand or by a signed webhook), and groups: creating
//! them, their settings, their members' roles and posting rights.

use super::error::ApiError;
use super::extract::{ApiJson, ApiPath, ApiQuery, Source};
use crate::domain::AppState;
use crate::domain::auth::Caller;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use serde::Deserialize;
use shared::api::{
    AssignCoachRequest, CreateGroupRequest, CreateProductRequest, ErrorBody, InviteStaffRequest,
    RecordPurchaseRequest, SetMemberRequest, SetMessagingRequest, StaffWithInvite,
    UpdateConversationRequest, UpdateStaffRequest, WebhookPurchaseRequest, WebhookPurchaseResult,
    WebhookSecret,
};
use shared::model::{
    AuditEntry, Client, ConversationSummary, GroupMember, ModeChange, Page, Product, Purchase,
    PurchaseSource, StaffMember,
};
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
        .routes(routes!(create_product, list_products))
        .routes(routes!(record_purchase, list_purchases))
        .routes(routes!(webhook_secret))
        .routes(routes!(webhook_purchase))
        .routes(routes!(invite_staff, list_staff))
        .routes(routes!(assign_coach))
        .routes(routes!(update_staff))
        .routes(routes!(audit_log))
        .routes(routes!(reinvite_staff))
}

/// Invites an admin or a coach by email (the owner only); they accept like clients do.
/// Admins join every client's private conversation.
#[utoipa::path(post, path = "/api/staff", tag = "permissions", security(("bearer" = [])), request_body = InviteStaffRequest,
    responses((status = 201, body = StaffWithInvite), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn invite_staff(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<InviteStaffRequest>,
) -> Result<(StatusCode, Json<StaffWithInvite>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(s.staff.invite_staff(&caller, req).await?),
    ))
}

/// The business's staff, the owner first.
#[utoipa::path(get, path = "/api/staff", tag = "permissions", security(("bearer" = [])),
    responses((status = 200, body = Page<StaffMember>), (status = 403, body = ErrorBody)))]
async fn list_staff(
    State(s): State<AppState>,
    caller: Caller,
) -> Result<Json<Page<StaffMember>>, ApiError> {
    Ok(Json(s.staff.list_staff(&caller).await?))
}

/// Changes a staff member's role, or deactivates or reactivates them: the owner changes anyone
/// but themself, admins change coaches. `role: "owner"` hands the business to an admin. The
/// person's sessions end at once; a coach deactivated hands their clients to `reassign_to`.
#[utoipa::path(patch, path = "/api/staff/{id}", tag = "permissions", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = UpdateStaffRequest,
    responses((status = 200, body = StaffMember), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_staff(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<UserId>,
    ApiJson(req): ApiJson<UpdateStaffRequest>,
) -> Result<Json<StaffMember>, ApiError> {
    Ok(Json(s.staff.update_staff(&caller, id, req).await?))
}

/// A fresh invite for a staff member who has not joined (the owner only); their earlier links
/// stop working.
#[utoipa::path(post, path = "/api/staff/{id}/invite", tag = "permissions", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 201, body = StaffWithInvite), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn reinvite_staff(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<UserId>,
) -> Result<(StatusCode, Json<StaffWithInvite>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(s.staff.reinvite_staff(&caller, id).await?),
    ))
}

/// Assigns a coach to the client (owners and admins; `null` unassigns): the coach joins the
/// client's private conversation, the previous one leaves it.
#[utoipa::path(put, path = "/api/clients/{id}/coach", tag = "permissions", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = AssignCoachRequest,
    responses((status = 200, body = Client), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn assign_coach(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<UserId>,
    ApiJson(req): ApiJson<AssignCoachRequest>,
) -> Result<Json<Client>, ApiError> {
    Ok(Json(s.staff.assign_coach(&caller, id, req.coach_id).await?))
}

/// Defines a product and the messaging it grants (owners and admins).
#[utoipa::path(post, path = "/api/products", tag = "permissions", security(("bearer" = [])), request_body = CreateProductRequest,
    responses((status = 201, body = Product), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_product(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<CreateProductRequest>,
) -> Result<(StatusCode, Json<Product>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(s.products.create_product(&caller, req).await?),
    ))
}

/// The business's products.
#[utoipa::path(get, path = "/api/products", tag = "permissions", security(("bearer" = [])),
    responses((status = 200, body = Page<Product>), (status = 403, body = ErrorBody)))]
async fn list_products(
    State(s): State<AppState>,
    caller: Caller,
) -> Result<Json<Page<Product>>, ApiError> {
    Ok(Json(s.products.list_products(&caller).await?))
}

/// Records that the client bought a product; their messaging mode follows the product, and the
/// change is recorded with the reason `product_purchase`.
#[utoipa::path(post, path = "/api/clients/{id}/purchases", tag = "permissions", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = RecordPurchaseRequest,
    responses((status = 201, body = Purchase), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn record_purchase(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<UserId>,
    ApiJson(req): ApiJson<RecordPurchaseRequest>,
) -> Result<(StatusCode, Json<Purchase>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(
            s.products
                .record_purchase(&caller, id, req.product_id, PurchaseSource::Manual)
                .await?,
        ),
    ))
}

/// The client's purchases, newest first.
#[utoipa::path(get, path = "/api/clients/{id}/purchases", tag = "permissions", security(("bearer" = [])),
    params(("id" = String, Path), PageQuery),
    responses((status = 200, body = Page<Purchase>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_purchases(
    State(s): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<UserId>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<Page<Purchase>>, ApiError> {
    Ok(Json(
        s.products.list_purchases(&caller, id, q.cursor).await?,
    ))
}

/// The secret the business's online store signs purchase webhooks with (owners and admins).
#[utoipa::path(get, path = "/api/webhooks/secret", tag = "permissions", security(("bearer" = [])),
    responses((status = 200, body = WebhookSecret), (status = 403, body = ErrorBody)))]
async fn webhook_secret(
    State(s): State<AppState>,
    caller: Caller,
) -> Result<Json<WebhookSecret>, ApiError> {
    Ok(Json(WebhookSecret {
        secret: s.products.webhook_secret(&caller).await?,
    }))
}

/// A purchase from the business's online store, signed with its webhook secret (see
/// `WebhookPurchaseRequest`). 201 when applied, 200 with the same answer when the order was
/// delivered before; 401 `webhook.bad_signature` or `webhook.stale` when not trusted; 429 once
/// the deliveries with a bad signature for a business from one source used their allowance.
#[utoipa::path(post, path = "/api/webhooks/purchases", tag = "permissions", request_body = WebhookPurchaseRequest,
    params(("X-Sideline-Business" = String, Header), ("X-Sideline-Timestamp" = String, Header),
           ("X-Sideline-Signature" = String, Header)),
    responses((status = 201, body = WebhookPurchaseResult), (status = 200, body = WebhookPurchaseResult),
              (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody),
              (status = 429, description = "too many deliveries with a bad signature: wait `Retry-After` seconds", body = ErrorBody)))]
async fn webhook_purchase(
    State(s): State<AppState>,
    Source(source): Source,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<WebhookPurchaseResult>), ApiError> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let (result, applied) = s
        .products
        .webhook_purchase(
            &header("x-sideline-business"),
            &header("x-sideline-timestamp"),
            &header("x-sideline-signature"),
            &body,
            source,
        )
        .await?;
    let status = if applied {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(result)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    cursor: Option<String>,
    limit: Option<usize>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Only the entries of this person.
    user_id: Option<UserId>,
    cursor: Option<String>,
    limit: Option<usize>,
}

/// The audit log, newest first: every change of roles, activation, ownership, coaches,
/// messaging modes and companies (who, when, to whom, before and after). The whole log is the
/// owner's and admins'; with `user_id`, one person's (a coach reads their own clients').
#[utoipa::path(get, path = "/api/audit", tag = "permissions", security(("bearer" = [])), params(AuditQuery),
    responses((status = 200, body = Page<AuditEntry>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn audit_log(
    State(s): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<Page<AuditEntry>>, ApiError> {
    Ok(Json(
        s.audit.page(&caller, q.user_id, q.cursor, q.limit).await?,
    ))
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
    Ok(Json(s.clients.set_messaging(&caller, id, req.mode).await?))
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
        s.clients
            .messaging_changes(&caller, id, q.cursor, q.limit)
            .await?,
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
        Json(s.groups.create_group(&caller, req).await?),
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
    Ok(Json(s.groups.update_conversation(&caller, id, req).await?))
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
    Ok(Json(s.groups.group_members(&caller, id).await?))
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
    Ok(Json(s.groups.set_member(&caller, id, user, req).await?))
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
    s.groups.remove_member(&caller, id, user).await?;
    Ok(StatusCode::NO_CONTENT)
}
