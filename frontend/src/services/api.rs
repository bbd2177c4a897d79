//! The API's resources, typed by the shared crate.

use super::requests::{ApiError, get, patch, post, put};
use shared::api::*;
use shared::model::*;

pub async fn signup(req: &SignupRequest) -> Result<AuthResponse, ApiError> {
    post("/api/auth/signup", None, req).await
}

pub async fn login(req: &LoginRequest) -> Result<AuthResponse, ApiError> {
    post("/api/auth/login", None, req).await
}

pub async fn invite_preview(token: &str) -> Result<InvitePreview, ApiError> {
    get(&format!("/api/auth/invites/{token}"), None).await
}

pub async fn accept_invite(req: &AcceptInviteRequest) -> Result<AuthResponse, ApiError> {
    post("/api/auth/invites/accept", None, req).await
}

pub async fn conversations(
    token: &str,
    cursor: Option<&str>,
) -> Result<Page<ConversationSummary>, ApiError> {
    let q = cursor.map(|c| format!("&cursor={c}")).unwrap_or_default();
    get(&format!("/api/conversations?limit=50{q}"), Some(token)).await
}

pub async fn conversation(token: &str, id: &str) -> Result<ConversationSummary, ApiError> {
    get(&format!("/api/conversations/{id}"), Some(token)).await
}

pub async fn messages(
    token: &str,
    id: &str,
    before: Option<&str>,
) -> Result<Page<Message>, ApiError> {
    let q = before.map(|b| format!("?before={b}")).unwrap_or_default();
    get(&format!("/api/conversations/{id}/messages{q}"), Some(token)).await
}

pub async fn send(token: &str, id: &str, req: &SendMessageRequest) -> Result<Message, ApiError> {
    post(
        &format!("/api/conversations/{id}/messages"),
        Some(token),
        req,
    )
    .await
}

pub async fn mark_read(
    token: &str,
    id: &str,
    message_id: shared::MessageId,
) -> Result<ReadState, ApiError> {
    post(
        &format!("/api/conversations/{id}/read"),
        Some(token),
        &MarkReadRequest { message_id },
    )
    .await
}

pub async fn clients(token: &str, q: &str, cursor: Option<&str>) -> Result<Page<Client>, ApiError> {
    let mut query = String::from("?limit=50");
    if !q.trim().is_empty() {
        query.push_str(&format!("&q={}", js_sys::encode_uri_component(q.trim())));
    }
    if let Some(c) = cursor {
        query.push_str(&format!("&cursor={c}"));
    }
    get(&format!("/api/clients{query}"), Some(token)).await
}

pub async fn client(token: &str, id: &str) -> Result<Client, ApiError> {
    get(&format!("/api/clients/{id}"), Some(token)).await
}

pub async fn create_client(
    token: &str,
    req: &CreateClientRequest,
) -> Result<ClientWithInvite, ApiError> {
    post("/api/clients", Some(token), req).await
}

pub async fn update_client(
    token: &str,
    id: &str,
    req: &UpdateClientRequest,
) -> Result<Client, ApiError> {
    patch(&format!("/api/clients/{id}"), Some(token), req).await
}

pub async fn reinvite(token: &str, id: &str) -> Result<ClientWithInvite, ApiError> {
    post(
        &format!("/api/clients/{id}/invite"),
        Some(token),
        &serde_json::json!({}),
    )
    .await
}

pub async fn set_messaging(token: &str, id: &str, mode: MessagingMode) -> Result<Client, ApiError> {
    put(
        &format!("/api/clients/{id}/messaging"),
        Some(token),
        &SetMessagingRequest { mode },
    )
    .await
}

pub async fn messaging_changes(token: &str, id: &str) -> Result<Page<ModeChange>, ApiError> {
    get(&format!("/api/clients/{id}/messaging/changes"), Some(token)).await
}

pub async fn add_reaction(
    token: &str,
    conversation: &str,
    message: &str,
    emoji: &str,
) -> Result<Message, ApiError> {
    post(
        &format!("/api/conversations/{conversation}/messages/{message}/reactions"),
        Some(token),
        &AddReactionRequest {
            emoji: emoji.to_owned(),
        },
    )
    .await
}

pub async fn remove_reaction(
    token: &str,
    conversation: &str,
    message: &str,
    emoji: &str,
) -> Result<Message, ApiError> {
    let emoji = String::from(js_sys::encode_uri_component(emoji));
    super::requests::delete(
        &format!("/api/conversations/{conversation}/messages/{message}/reactions/{emoji}"),
        Some(token),
    )
    .await
}

pub async fn create_group(
    token: &str,
    req: &CreateGroupRequest,
) -> Result<ConversationSummary, ApiError> {
    post("/api/groups", Some(token), req).await
}

pub async fn update_conversation(
    token: &str,
    id: &str,
    req: &UpdateConversationRequest,
) -> Result<ConversationSummary, ApiError> {
    patch(&format!("/api/conversations/{id}"), Some(token), req).await
}

pub async fn group_members(token: &str, id: &str) -> Result<Vec<GroupMember>, ApiError> {
    get(&format!("/api/conversations/{id}/members"), Some(token)).await
}

pub async fn set_member(
    token: &str,
    id: &str,
    user: &str,
    req: &SetMemberRequest,
) -> Result<Vec<GroupMember>, ApiError> {
    put(
        &format!("/api/conversations/{id}/members/{user}"),
        Some(token),
        req,
    )
    .await
}

pub async fn remove_member(token: &str, id: &str, user: &str) -> Result<(), ApiError> {
    super::requests::delete(
        &format!("/api/conversations/{id}/members/{user}"),
        Some(token),
    )
    .await
}

pub async fn products(token: &str) -> Result<Page<Product>, ApiError> {
    get("/api/products", Some(token)).await
}

pub async fn create_product(token: &str, req: &CreateProductRequest) -> Result<Product, ApiError> {
    post("/api/products", Some(token), req).await
}

pub async fn purchases(token: &str, client: &str) -> Result<Page<Purchase>, ApiError> {
    get(&format!("/api/clients/{client}/purchases"), Some(token)).await
}

pub async fn record_purchase(
    token: &str,
    client: &str,
    product_id: shared::ProductId,
) -> Result<Purchase, ApiError> {
    post(
        &format!("/api/clients/{client}/purchases"),
        Some(token),
        &RecordPurchaseRequest { product_id },
    )
    .await
}

pub async fn webhook_secret(token: &str) -> Result<WebhookSecret, ApiError> {
    get("/api/webhooks/secret", Some(token)).await
}

pub async fn staff(token: &str) -> Result<Page<StaffMember>, ApiError> {
    get("/api/staff", Some(token)).await
}

pub async fn invite_staff(
    token: &str,
    req: &InviteStaffRequest,
) -> Result<StaffWithInvite, ApiError> {
    post("/api/staff", Some(token), req).await
}

pub async fn assign_coach(
    token: &str,
    client: &str,
    coach_id: Option<shared::UserId>,
) -> Result<Client, ApiError> {
    put(
        &format!("/api/clients/{client}/coach"),
        Some(token),
        &AssignCoachRequest { coach_id },
    )
    .await
}
