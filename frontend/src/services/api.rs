//! The API's resources, typed by the shared crate.

use super::requests::{ApiError, get, patch, post, put};
use shared::api::*;
use shared::model::*;
use std::future::Future;

/// An empty JSON object, for requests that carry nothing.
#[derive(serde::Serialize)]
struct Empty {}

pub fn signup(req: &SignupRequest) -> impl Future<Output = Result<AuthResponse, ApiError>> {
    post("/api/auth/signup".into(), None, req)
}

pub fn login(req: &LoginRequest) -> impl Future<Output = Result<AuthResponse, ApiError>> {
    post("/api/auth/login".into(), None, req)
}

pub fn invite_preview(token: &str) -> impl Future<Output = Result<InvitePreview, ApiError>> {
    get(format!("/api/auth/invites/{token}"), None)
}

pub fn accept_invite(
    req: &AcceptInviteRequest,
) -> impl Future<Output = Result<AuthResponse, ApiError>> {
    post("/api/auth/invites/accept".into(), None, req)
}

pub fn conversations(
    token: &str,
    cursor: Option<&str>,
) -> impl Future<Output = Result<Page<ConversationSummary>, ApiError>> {
    let q = cursor.map(|c| format!("&cursor={c}")).unwrap_or_default();
    get(format!("/api/conversations?limit=50{q}"), Some(token))
}

pub fn conversation(
    token: &str,
    id: &str,
) -> impl Future<Output = Result<ConversationSummary, ApiError>> {
    get(format!("/api/conversations/{id}"), Some(token))
}

pub fn messages(
    token: &str,
    id: &str,
    before: Option<&str>,
) -> impl Future<Output = Result<Page<Message>, ApiError>> {
    let q = before.map(|b| format!("?before={b}")).unwrap_or_default();
    get(format!("/api/conversations/{id}/messages{q}"), Some(token))
}

pub fn send(
    token: &str,
    id: &str,
    req: &SendMessageRequest,
) -> impl Future<Output = Result<Message, ApiError>> {
    post(
        format!("/api/conversations/{id}/messages"),
        Some(token),
        req,
    )
}

pub fn mark_read(
    token: &str,
    id: &str,
    message_id: shared::MessageId,
) -> impl Future<Output = Result<ReadState, ApiError>> {
    post(
        format!("/api/conversations/{id}/read"),
        Some(token),
        &MarkReadRequest { message_id },
    )
}

pub fn clients(
    token: &str,
    q: &str,
    company: Option<&str>,
    cursor: Option<&str>,
) -> impl Future<Output = Result<Page<Client>, ApiError>> {
    let mut query = String::from("?limit=50");
    if let Some(c) = company {
        query.push_str(&format!("&company_id={c}"));
    }
    if !q.trim().is_empty() {
        query.push_str(&format!("&q={}", js_sys::encode_uri_component(q.trim())));
    }
    if let Some(c) = cursor {
        query.push_str(&format!("&cursor={c}"));
    }
    get(format!("/api/clients{query}"), Some(token))
}

pub fn client(token: &str, id: &str) -> impl Future<Output = Result<Client, ApiError>> {
    get(format!("/api/clients/{id}"), Some(token))
}

pub fn create_client(
    token: &str,
    req: &CreateClientRequest,
) -> impl Future<Output = Result<ClientWithInvite, ApiError>> {
    post("/api/clients".into(), Some(token), req)
}

pub fn update_client(
    token: &str,
    id: &str,
    req: &UpdateClientRequest,
) -> impl Future<Output = Result<Client, ApiError>> {
    patch(format!("/api/clients/{id}"), Some(token), req)
}

pub fn reinvite(token: &str, id: &str) -> impl Future<Output = Result<ClientWithInvite, ApiError>> {
    post(format!("/api/clients/{id}/invite"), Some(token), &Empty {})
}

pub fn set_messaging(
    token: &str,
    id: &str,
    mode: MessagingMode,
) -> impl Future<Output = Result<Client, ApiError>> {
    put(
        format!("/api/clients/{id}/messaging"),
        Some(token),
        &SetMessagingRequest { mode },
    )
}

pub fn messaging_changes(
    token: &str,
    id: &str,
) -> impl Future<Output = Result<Page<ModeChange>, ApiError>> {
    get(format!("/api/clients/{id}/messaging/changes"), Some(token))
}

pub fn add_reaction(
    token: &str,
    conversation: &str,
    message: &str,
    emoji: &str,
) -> impl Future<Output = Result<Message, ApiError>> {
    post(
        format!("/api/conversations/{conversation}/messages/{message}/reactions"),
        Some(token),
        &AddReactionRequest {
            emoji: emoji.to_owned(),
        },
    )
}

pub fn remove_reaction(
    token: &str,
    conversation: &str,
    message: &str,
    emoji: &str,
) -> impl Future<Output = Result<Message, ApiError>> {
    let emoji = String::from(js_sys::encode_uri_component(emoji));
    super::requests::delete(
        format!("/api/conversations/{conversation}/messages/{message}/reactions/{emoji}"),
        Some(token),
    )
}

pub fn create_group(
    token: &str,
    req: &CreateGroupRequest,
) -> impl Future<Output = Result<ConversationSummary, ApiError>> {
    post("/api/groups".into(), Some(token), req)
}

pub fn update_conversation(
    token: &str,
    id: &str,
    req: &UpdateConversationRequest,
) -> impl Future<Output = Result<ConversationSummary, ApiError>> {
    patch(format!("/api/conversations/{id}"), Some(token), req)
}

pub fn group_members(
    token: &str,
    id: &str,
) -> impl Future<Output = Result<Vec<GroupMember>, ApiError>> {
    get(format!("/api/conversations/{id}/members"), Some(token))
}

pub fn set_member(
    token: &str,
    id: &str,
    user: &str,
    req: &SetMemberRequest,
) -> impl Future<Output = Result<Vec<GroupMember>, ApiError>> {
    put(
        format!("/api/conversations/{id}/members/{user}"),
        Some(token),
        req,
    )
}

pub fn remove_member(
    token: &str,
    id: &str,
    user: &str,
) -> impl Future<Output = Result<(), ApiError>> {
    super::requests::delete(
        format!("/api/conversations/{id}/members/{user}"),
        Some(token),
    )
}

pub fn products(token: &str) -> impl Future<Output = Result<Page<Product>, ApiError>> {
    get("/api/products".into(), Some(token))
}

pub fn create_product(
    token: &str,
    req: &CreateProductRequest,
) -> impl Future<Output = Result<Product, ApiError>> {
    post("/api/products".into(), Some(token), req)
}

pub fn purchases(
    token: &str,
    client: &str,
) -> impl Future<Output = Result<Page<Purchase>, ApiError>> {
    get(format!("/api/clients/{client}/purchases"), Some(token))
}

pub fn record_purchase(
    token: &str,
    client: &str,
    product_id: shared::ProductId,
) -> impl Future<Output = Result<Purchase, ApiError>> {
    post(
        format!("/api/clients/{client}/purchases"),
        Some(token),
        &RecordPurchaseRequest { product_id },
    )
}

pub fn webhook_secret(token: &str) -> impl Future<Output = Result<WebhookSecret, ApiError>> {
    get("/api/webhooks/secret".into(), Some(token))
}

pub fn staff(token: &str) -> impl Future<Output = Result<Page<StaffMember>, ApiError>> {
    get("/api/staff".into(), Some(token))
}

pub fn invite_staff(
    token: &str,
    req: &InviteStaffRequest,
) -> impl Future<Output = Result<StaffWithInvite, ApiError>> {
    post("/api/staff".into(), Some(token), req)
}

pub fn assign_coach(
    token: &str,
    client: &str,
    coach_id: Option<shared::UserId>,
) -> impl Future<Output = Result<Client, ApiError>> {
    put(
        format!("/api/clients/{client}/coach"),
        Some(token),
        &AssignCoachRequest { coach_id },
    )
}

pub fn client_conversations(
    token: &str,
    id: &str,
) -> impl Future<Output = Result<Vec<ConversationSummary>, ApiError>> {
    get(format!("/api/clients/{id}/conversations"), Some(token))
}

pub fn start_conversation(token: &str, id: &str) -> impl Future<Output = Result<Client, ApiError>> {
    post(
        format!("/api/clients/{id}/conversation"),
        Some(token),
        &Empty {},
    )
}

pub fn companies(token: &str) -> impl Future<Output = Result<Vec<Company>, ApiError>> {
    get("/api/companies".into(), Some(token))
}

pub fn create_company(
    token: &str,
    req: &CreateCompanyRequest,
) -> impl Future<Output = Result<Company, ApiError>> {
    post("/api/companies".into(), Some(token), req)
}

pub fn settings(token: &str) -> impl Future<Output = Result<Settings, ApiError>> {
    get("/api/settings".into(), Some(token))
}

pub fn update_settings(
    token: &str,
    req: &UpdateSettingsRequest,
) -> impl Future<Output = Result<Settings, ApiError>> {
    patch("/api/settings".into(), Some(token), req)
}

pub fn create_mass_message(
    token: &str,
    req: &CreateMassMessageRequest,
) -> impl Future<Output = Result<MassMessage, ApiError>> {
    post("/api/mass-messages".into(), Some(token), req)
}

pub fn mass_message(token: &str, id: &str) -> impl Future<Output = Result<MassMessage, ApiError>> {
    get(format!("/api/mass-messages/{id}"), Some(token))
}
