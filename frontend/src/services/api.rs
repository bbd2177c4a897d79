//! The API's resources, typed by the shared crate. Every call but signing in carries the
//! session itself (see [`super::requests`]).

use super::requests::{
    ApiError, Auth, Query, delete, get, get_with, patch, post, put, put_file, request,
};
use gloo_net::http::Method;
use shared::api::*;
use shared::model::*;
use shared::sms::{AutoReply, DeactivateTextingRequest, RegistrationForm, Texting};
use shared::{ConversationId, MassMessageId, MessageId, ProductId, UserId};
use std::future::Future;

/// An empty JSON object, for requests that carry nothing.
#[derive(serde::Serialize)]
struct Empty {}

fn public<B: serde::Serialize, T: super::read::Read>(
    method: Method,
    path: String,
    body: Option<&B>,
) -> impl Future<Output = Result<T, ApiError>> + use<B, T> {
    request(method, path, Vec::new(), Auth::Public, body)
}

pub fn signup(req: &SignupRequest) -> impl Future<Output = Result<AuthResponse, ApiError>> {
    public(Method::POST, "/api/auth/signup".into(), Some(req))
}

pub fn login(req: &LoginRequest) -> impl Future<Output = Result<AuthResponse, ApiError>> {
    public(Method::POST, "/api/auth/login".into(), Some(req))
}

/// Ends this session on the server (its sockets close too).
pub fn logout() -> impl Future<Output = Result<(), ApiError>> {
    post("/api/auth/logout".into(), &Empty {})
}

/// Ends every session of the signed-in person, on every device.
pub fn logout_everywhere() -> impl Future<Output = Result<(), ApiError>> {
    post("/api/auth/logout-all".into(), &Empty {})
}

/// A new password; the answer is a new session for this device (every other one ended).
pub fn change_password(
    req: &ChangePasswordRequest,
) -> impl Future<Output = Result<AuthResponse, ApiError>> {
    post("/api/auth/password".into(), req)
}

/// Emails a reset link to the account of `req.login`, if there is one (always 202).
pub fn request_password_reset(
    req: &PasswordResetRequest,
) -> impl Future<Output = Result<(), ApiError>> {
    public(Method::POST, "/api/auth/password-reset".into(), Some(req))
}

/// A new password through a reset link; the answer signs in.
pub fn confirm_password_reset(
    req: &PasswordResetConfirm,
) -> impl Future<Output = Result<AuthResponse, ApiError>> {
    public(
        Method::POST,
        "/api/auth/password-reset/confirm".into(),
        Some(req),
    )
}

/// Follows a link that confirms an email; the answer signs in.
pub fn confirm_email(req: &VerifyRequest) -> impl Future<Output = Result<AuthResponse, ApiError>> {
    public(Method::POST, "/api/auth/verify".into(), Some(req))
}

/// Emails the signed-in person a new link to confirm their email.
pub fn resend_verification() -> impl Future<Output = Result<(), ApiError>> {
    post("/api/auth/verify/resend".into(), &Empty {})
}

/// The businesses the signed-in person's login signs in to, the current one first.
pub fn businesses() -> impl Future<Output = Result<Vec<LoginBusiness>, ApiError>> {
    get("/api/auth/businesses".into())
}

/// Signs in to another business of the same login (this session ends).
pub fn switch_business(
    req: &SwitchRequest,
) -> impl Future<Output = Result<AuthResponse, ApiError>> {
    post("/api/auth/switch".into(), req)
}

/// Stops a business's non-transactional emails to the address of an unsubscribe link.
pub fn unsubscribe(token: &str) -> impl Future<Output = Result<Unsubscribed, ApiError>> {
    let token = String::from(js_sys::encode_uri_component(token));
    public::<(), _>(Method::POST, format!("/api/auth/unsubscribe/{token}"), None)
}

pub fn invite_preview(token: &str) -> impl Future<Output = Result<InvitePreview, ApiError>> {
    let token = String::from(js_sys::encode_uri_component(token));
    public::<(), _>(Method::GET, format!("/api/auth/invites/{token}"), None)
}

pub fn accept_invite(
    req: &AcceptInviteRequest,
) -> impl Future<Output = Result<AuthResponse, ApiError>> {
    public(Method::POST, "/api/auth/invites/accept".into(), Some(req))
}

pub fn conversations(
    cursor: Option<String>,
) -> impl Future<Output = Result<Page<ConversationSummary>, ApiError>> {
    let mut query: Query = vec![("limit", "50".into())];
    query.extend(cursor.map(|c| ("cursor", c)));
    get_with("/api/conversations".into(), query)
}

pub fn conversation(
    id: ConversationId,
) -> impl Future<Output = Result<ConversationSummary, ApiError>> {
    get(format!("/api/conversations/{id}"))
}

pub fn messages(
    id: ConversationId,
    before: Option<String>,
) -> impl Future<Output = Result<Page<Message>, ApiError>> {
    let query: Query = before.map(|b| ("before", b)).into_iter().collect();
    get_with(format!("/api/conversations/{id}/messages"), query)
}

/// Where to put a file, as `POST /api/uploads` answers ([`Upload`], its headers as pairs).
#[derive(Debug, Clone, PartialEq)]
pub struct Signed {
    pub upload_id: shared::AttachmentId,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub thumbnail: Option<Target>,
}

/// Where to put a thumbnail ([`UploadTarget`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub url: String,
    pub headers: Vec<(String, String)>,
}

/// Signs for a file to send in a conversation: where to put it.
pub fn create_upload(req: &CreateUploadRequest) -> impl Future<Output = Result<Signed, ApiError>> {
    post("/api/uploads".into(), req)
}

/// What a file's link is asked for: its thumbnail, and to download it.
fn link_query(thumbnail: bool, download: bool) -> Query {
    let mut query = Vec::new();
    if thumbnail {
        query.push(("variant", "thumbnail".to_owned()));
    }
    if download {
        query.push(("download", "true".to_owned()));
    }
    query
}

/// A short-lived URL of a file of a message (or of its thumbnail), to show or to download.
pub fn attachment_link(
    c: ConversationId,
    a: shared::AttachmentId,
    thumbnail: bool,
    download: bool,
) -> impl Future<Output = Result<AttachmentLink, ApiError>> {
    get_with(
        format!("/api/conversations/{c}/attachments/{a}"),
        link_query(thumbnail, download),
    )
}

/// The caller's messages waiting to be sent.
pub fn scheduled() -> impl Future<Output = Result<Vec<ScheduledMessage>, ApiError>> {
    get("/api/scheduled".into())
}

/// Schedules a message (`req.send_at` set).
pub fn schedule(
    id: ConversationId,
    req: &SendMessageRequest,
) -> impl Future<Output = Result<ScheduledMessage, ApiError>> {
    post(format!("/api/conversations/{id}/messages"), req)
}

/// Changes a scheduled message (its words, or its time: now sends it).
pub fn update_scheduled(
    id: &str,
    req: &UpdateScheduledRequest,
) -> impl Future<Output = Result<ScheduledMessage, ApiError>> {
    patch(format!("/api/scheduled/{id}"), req)
}

pub fn cancel_scheduled(id: &str) -> impl Future<Output = Result<(), ApiError>> {
    delete(format!("/api/scheduled/{id}"))
}

/// A short-lived URL of a file of the Vault (or of its thumbnail).
pub fn vault_link(
    a: shared::AttachmentId,
    thumbnail: bool,
    download: bool,
) -> impl Future<Output = Result<AttachmentLink, ApiError>> {
    get_with(
        format!("/api/vault/{a}/file"),
        link_query(thumbnail, download),
    )
}

/// The Vault's files (narrowed by words of the name, a kind, a folder) and its folders.
pub fn vault(query: Query) -> impl Future<Output = Result<VaultList, ApiError>> {
    get_with("/api/vault".into(), query)
}

/// Adds a file uploaded for the Vault to it, in a folder.
pub fn add_to_vault(
    req: &CreateVaultItemRequest,
) -> impl Future<Output = Result<VaultItem, ApiError>> {
    post("/api/vault".into(), req)
}

/// Renames a file of the Vault or moves it.
pub fn update_vault_item(
    id: shared::AttachmentId,
    req: &UpdateVaultItemRequest,
) -> impl Future<Output = Result<VaultItem, ApiError>> {
    patch(format!("/api/vault/{id}"), req)
}

pub fn delete_vault_item(id: shared::AttachmentId) -> impl Future<Output = Result<(), ApiError>> {
    delete(format!("/api/vault/{id}"))
}

pub fn send(
    id: ConversationId,
    req: &SendMessageRequest,
) -> impl Future<Output = Result<Message, ApiError>> {
    post(format!("/api/conversations/{id}/messages"), req)
}

pub fn mark_read(
    id: ConversationId,
    message_id: MessageId,
) -> impl Future<Output = Result<ReadState, ApiError>> {
    post(
        format!("/api/conversations/{id}/read"),
        &MarkReadRequest { message_id },
    )
}

/// A message of someone else reached this device (private conversations).
pub fn mark_delivered(
    id: ConversationId,
    message_id: MessageId,
) -> impl Future<Output = Result<Receipt, ApiError>> {
    post(
        format!("/api/conversations/{id}/delivered"),
        &MarkDeliveredRequest { message_id },
    )
}

/// How far everyone got in a conversation.
pub fn receipts(id: ConversationId) -> impl Future<Output = Result<Receipts, ApiError>> {
    get(format!("/api/conversations/{id}/receipts"))
}

/// The business's saved messages, by name.
pub fn templates() -> impl Future<Output = Result<Vec<Template>, ApiError>> {
    get("/api/templates".into())
}

pub fn create_template(
    req: &CreateTemplateRequest,
) -> impl Future<Output = Result<Template, ApiError>> {
    post("/api/templates".into(), req)
}

pub fn update_template(
    id: shared::TemplateId,
    req: &UpdateTemplateRequest,
) -> impl Future<Output = Result<Template, ApiError>> {
    patch(format!("/api/templates/{id}"), req)
}

pub fn delete_template(id: shared::TemplateId) -> impl Future<Output = Result<(), ApiError>> {
    delete(format!("/api/templates/{id}"))
}

pub fn clients(
    q: &str,
    company: Option<shared::CompanyId>,
    cursor: Option<String>,
) -> impl Future<Output = Result<Page<Client>, ApiError>> {
    let mut query: Query = vec![("limit", "50".into())];
    query.extend(company.map(|c| ("company_id", c.to_string())));
    let q = q.trim();
    if !q.is_empty() {
        query.push(("q", q.to_owned()));
    }
    query.extend(cursor.map(|c| ("cursor", c)));
    get_with("/api/clients".into(), query)
}

pub fn client(id: UserId) -> impl Future<Output = Result<Client, ApiError>> {
    get(format!("/api/clients/{id}"))
}

pub fn create_client(
    req: &CreateClientRequest,
) -> impl Future<Output = Result<ClientWithInvite, ApiError>> {
    post("/api/clients".into(), req)
}

pub fn update_client(
    id: UserId,
    req: &UpdateClientRequest,
) -> impl Future<Output = Result<Client, ApiError>> {
    patch(format!("/api/clients/{id}"), req)
}

/// Removes a client for good.
pub fn remove_client(id: UserId) -> impl Future<Output = Result<(), ApiError>> {
    delete(format!("/api/clients/{id}"))
}

/// Merges a client (one who never signed in) into another, who keeps everything of theirs.
pub fn merge_client(id: UserId, into: UserId) -> impl Future<Output = Result<Client, ApiError>> {
    post(
        format!("/api/clients/{id}/merge"),
        &shared::api::MergeClientRequest { into },
    )
}

pub fn reinvite(id: UserId) -> impl Future<Output = Result<ClientWithInvite, ApiError>> {
    post(format!("/api/clients/{id}/invite"), &Empty {})
}

pub fn set_messaging(
    id: UserId,
    mode: MessagingMode,
) -> impl Future<Output = Result<Client, ApiError>> {
    put(
        format!("/api/clients/{id}/messaging"),
        &SetMessagingRequest { mode },
    )
}

pub fn messaging_changes(id: UserId) -> impl Future<Output = Result<Page<ModeChange>, ApiError>> {
    get(format!("/api/clients/{id}/messaging/changes"))
}

/// A new body for the caller's own message.
pub fn edit_message(
    conversation: ConversationId,
    message: MessageId,
    body: &str,
) -> impl Future<Output = Result<Message, ApiError>> {
    patch(
        format!("/api/conversations/{conversation}/messages/{message}"),
        &EditMessageRequest {
            body: body.to_owned(),
        },
    )
}

/// Deletes a message for everyone.
pub fn delete_message(
    conversation: ConversationId,
    message: MessageId,
) -> impl Future<Output = Result<(), ApiError>> {
    delete(format!(
        "/api/conversations/{conversation}/messages/{message}"
    ))
}

/// A message's versions, oldest first.
pub fn message_history(
    conversation: ConversationId,
    message: MessageId,
) -> impl Future<Output = Result<Vec<MessageVersion>, ApiError>> {
    get(format!(
        "/api/conversations/{conversation}/messages/{message}/history"
    ))
}

pub fn add_reaction(
    conversation: ConversationId,
    message: MessageId,
    emoji: &str,
) -> impl Future<Output = Result<Message, ApiError>> {
    post(
        format!("/api/conversations/{conversation}/messages/{message}/reactions"),
        &AddReactionRequest {
            emoji: emoji.to_owned(),
        },
    )
}

pub fn remove_reaction(
    conversation: ConversationId,
    message: MessageId,
    emoji: &str,
) -> impl Future<Output = Result<Message, ApiError>> {
    let emoji = String::from(js_sys::encode_uri_component(emoji));
    delete(format!(
        "/api/conversations/{conversation}/messages/{message}/reactions/{emoji}"
    ))
}

pub fn create_group(
    req: &CreateGroupRequest,
) -> impl Future<Output = Result<ConversationSummary, ApiError>> {
    post("/api/groups".into(), req)
}

pub fn update_conversation(
    id: ConversationId,
    req: &UpdateConversationRequest,
) -> impl Future<Output = Result<ConversationSummary, ApiError>> {
    patch(format!("/api/conversations/{id}"), req)
}

pub fn group_members(
    id: ConversationId,
) -> impl Future<Output = Result<Vec<GroupMember>, ApiError>> {
    get(format!("/api/conversations/{id}/members"))
}

pub fn set_member(
    id: ConversationId,
    user: UserId,
    req: &SetMemberRequest,
) -> impl Future<Output = Result<Vec<GroupMember>, ApiError>> {
    put(format!("/api/conversations/{id}/members/{user}"), req)
}

pub fn remove_member(
    id: ConversationId,
    user: UserId,
) -> impl Future<Output = Result<(), ApiError>> {
    delete(format!("/api/conversations/{id}/members/{user}"))
}

pub fn products() -> impl Future<Output = Result<Page<Product>, ApiError>> {
    get("/api/products".into())
}

pub fn create_product(
    req: &CreateProductRequest,
) -> impl Future<Output = Result<Product, ApiError>> {
    post("/api/products".into(), req)
}

pub fn purchases(client: UserId) -> impl Future<Output = Result<Page<Purchase>, ApiError>> {
    get(format!("/api/clients/{client}/purchases"))
}

pub fn record_purchase(
    client: UserId,
    product_id: ProductId,
) -> impl Future<Output = Result<Purchase, ApiError>> {
    post(
        format!("/api/clients/{client}/purchases"),
        &RecordPurchaseRequest { product_id },
    )
}

pub fn webhook_secret() -> impl Future<Output = Result<WebhookSecret, ApiError>> {
    get("/api/webhooks/secret".into())
}

pub fn staff() -> impl Future<Output = Result<Page<StaffMember>, ApiError>> {
    get("/api/staff".into())
}

pub fn invite_staff(
    req: &InviteStaffRequest,
) -> impl Future<Output = Result<StaffWithInvite, ApiError>> {
    post("/api/staff".into(), req)
}

/// A new role for a staff member, or deactivating or reactivating them.
pub fn update_staff(
    id: UserId,
    req: &UpdateStaffRequest,
) -> impl Future<Output = Result<StaffMember, ApiError>> {
    patch(format!("/api/staff/{id}"), req)
}

/// A fresh invite for a staff member who has not joined; their earlier links stop working.
pub fn reinvite_staff(id: UserId) -> impl Future<Output = Result<StaffWithInvite, ApiError>> {
    post(format!("/api/staff/{id}/invite"), &Empty {})
}

/// A page of the audit log: everyone's, or one person's.
pub fn audit(
    person: Option<UserId>,
    cursor: Option<String>,
) -> impl Future<Output = Result<Page<AuditEntry>, ApiError>> {
    let mut query: Query = Vec::new();
    query.extend(person.map(|p| ("user_id", p.to_string())));
    query.extend(cursor.map(|c| ("cursor", c)));
    get_with("/api/audit".into(), query)
}

pub fn assign_coach(
    client: UserId,
    coach_id: Option<UserId>,
) -> impl Future<Output = Result<Client, ApiError>> {
    put(
        format!("/api/clients/{client}/coach"),
        &AssignCoachRequest { coach_id },
    )
}

pub fn client_conversations(
    id: UserId,
) -> impl Future<Output = Result<Vec<ConversationSummary>, ApiError>> {
    get(format!("/api/clients/{id}/conversations"))
}

pub fn start_conversation(id: UserId) -> impl Future<Output = Result<Client, ApiError>> {
    post(format!("/api/clients/{id}/conversation"), &Empty {})
}

pub fn companies() -> impl Future<Output = Result<Vec<Company>, ApiError>> {
    get("/api/companies".into())
}

pub fn create_company(
    req: &CreateCompanyRequest,
) -> impl Future<Output = Result<Company, ApiError>> {
    post("/api/companies".into(), req)
}

pub fn settings() -> impl Future<Output = Result<Settings, ApiError>> {
    get("/api/settings".into())
}

pub fn update_settings(
    req: &UpdateSettingsRequest,
) -> impl Future<Output = Result<Settings, ApiError>> {
    patch("/api/settings".into(), req)
}

/// The business as it describes itself (country, address).
pub fn business() -> impl Future<Output = Result<BusinessInfo, ApiError>> {
    get("/api/business".into())
}

pub fn update_business(
    req: &UpdateBusinessRequest,
) -> impl Future<Output = Result<BusinessInfo, ApiError>> {
    patch("/api/business".into(), req)
}

pub fn texting() -> impl Future<Output = Result<Texting, ApiError>> {
    get("/api/texting".into())
}

pub fn set_transactional_texts(
    choice: &shared::sms::TransactionalTexts,
) -> impl Future<Output = Result<Texting, ApiError>> {
    put("/api/texting/transactional".into(), choice)
}

pub fn activate_texting() -> impl Future<Output = Result<Texting, ApiError>> {
    post("/api/texting/activate".into(), &Empty {})
}

pub fn deactivate_texting(
    auto_reply: AutoReply,
) -> impl Future<Output = Result<Texting, ApiError>> {
    post(
        "/api/texting/deactivate".into(),
        &DeactivateTextingRequest { auto_reply },
    )
}

pub fn register_texting(
    form: &RegistrationForm,
) -> impl Future<Output = Result<Texting, ApiError>> {
    put("/api/texting/registration".into(), form)
}

/// The file that shows where clients agree to texts, for the registration.
pub fn upload_opt_in_proof(
    file: &web_sys::File,
) -> impl Future<Output = Result<Texting, ApiError>> + use<> {
    put_file("/api/texting/opt-in-proof".into(), file)
}

pub fn create_mass_message(
    req: &CreateMassMessageRequest,
) -> impl Future<Output = Result<MassMessage, ApiError>> {
    post("/api/mass-messages".into(), req)
}

pub fn mass_message(id: &MassMessageId) -> impl Future<Output = Result<MassMessage, ApiError>> {
    get(format!("/api/mass-messages/{}", id.as_str()))
}

/// The signed-in person's notification settings.
pub fn notification_settings() -> impl Future<Output = Result<NotificationSettings, ApiError>> {
    get("/api/me/notifications".into())
}

pub fn update_notification_settings(
    req: &UpdateNotificationSettings,
) -> impl Future<Output = Result<NotificationSettings, ApiError>> {
    patch("/api/me/notifications".into(), req)
}

/// The key browsers subscribe to pushes with.
pub fn push_key() -> impl Future<Output = Result<PushKey, ApiError>> {
    get("/api/push/key".into())
}

pub fn subscribe_push(
    req: &PushSubscriptionRequest,
) -> impl Future<Output = Result<PushSubscriptionCreated, ApiError>> {
    post("/api/push/subscriptions".into(), req)
}

pub fn unsubscribe_push(id: &str) -> impl Future<Output = Result<(), ApiError>> + use<> {
    delete(format!("/api/push/subscriptions/{id}"))
}

/// The bell: the newest notifications and how many are unread.
pub fn notifications() -> impl Future<Output = Result<NotificationList, ApiError>> {
    get("/api/notifications".into())
}

pub fn mark_notifications_read(
    req: &MarkNotificationsRead,
) -> impl Future<Output = Result<NotificationList, ApiError>> {
    post("/api/notifications/read".into(), req)
}

/// The inbox's "Needs attention" folder: conversations whose client waits for an answer.
pub fn needing_attention() -> impl Future<Output = Result<Page<ConversationSummary>, ApiError>> {
    get("/api/conversations?folder=needs_attention".into())
}

/// Schedules a mass message (`req.send_at` set): the scheduled message.
pub fn schedule_mass(
    req: &CreateMassMessageRequest,
) -> impl Future<Output = Result<ScheduledMessage, ApiError>> {
    post("/api/mass-messages".into(), req)
}
