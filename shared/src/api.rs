//! Request and response bodies of the HTTP API. Requests refuse unknown fields.

use crate::ids::*;
use crate::model::*;
use serde::{Deserialize, Deserializer, Serialize};
use time::OffsetDateTime;

/// `POST /api/auth/signup`
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SignupRequest {
    pub business_name: String,
    pub name: String,
    pub email: String,
    pub password: String,
}

/// `POST /api/auth/login`. `email` may also be the phone number a client was invited with.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

/// `POST /api/auth/password`: a new password, knowing the current one. Every other session of
/// the person ends; the answer is a new session for this device.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    pub current: String,
    pub new: String,
}

/// `POST /api/auth/password-reset`: sends a one-time reset link to the account's email, if
/// there is such an account. The answer is the same (202) either way.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasswordResetRequest {
    /// The email address the person signs in with.
    pub login: String,
}

/// `POST /api/auth/password-reset/confirm`: a new password through a reset link (valid one
/// hour, used once; a newer link voids it). Every session ends; the answer signs in.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasswordResetConfirm {
    pub token: String,
    pub password: String,
}

/// `POST /api/auth/invites/accept`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AcceptInviteRequest {
    pub token: String,
    pub password: String,
}

/// `POST /api/auth/verify`: a link that confirms an email, followed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    pub token: String,
}

/// `PATCH /api/conversations/{id}/messages/{message_id}`: a new body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EditMessageRequest {
    pub body: String,
}

/// `POST /api/auth/unsubscribe/{token}`: whose emails stopped, from which business.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Unsubscribed {
    pub email: String,
    pub business_name: String,
}

/// `POST /api/auth/switch`: sign in to another business of the same login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SwitchRequest {
    pub business_id: crate::BusinessId,
}

/// `GET /api/auth/businesses`: a business the caller's login signs in to, the current first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginBusiness {
    pub business_id: crate::BusinessId,
    pub business_name: String,
    /// The person's role there.
    pub role: crate::model::Role,
    /// The business this session is in.
    pub current: bool,
}

/// A session: the token to send as `Authorization: Bearer <token>`, and who it is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuthResponse {
    pub token: String,
    pub user: User,
    /// How many businesses this login signs in to, this one included: with more than one, the
    /// app offers to choose.
    #[serde(default)]
    pub businesses: u32,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub expires_at: OffsetDateTime,
}

/// `GET /api/auth/invites/{token}`: what an invite link leads to, before accepting it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitePreview {
    pub business_name: String,
    pub name: String,
    /// What the client will sign in with: their email, or else their phone number.
    pub login: String,
    /// The login signs in to Sideline already (another business): accepting takes its
    /// password, not a new one.
    #[serde(default)]
    pub existing: bool,
}

/// `POST /api/clients`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateClientRequest {
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub messaging: MessagingMode,
    /// The company the client belongs to.
    #[serde(default)]
    pub company_id: Option<CompanyId>,
}

/// A one-time invite link for a client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Invite {
    pub token: String,
    /// The link to share, relative to the app's origin: `/c/invite/<token>` for a client (the
    /// client app), `/invite/<token>` for staff.
    pub url: String,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub expires_at: OffsetDateTime,
}

/// The answer to `POST /api/clients` and `POST /api/clients/{id}/invite`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClientWithInvite {
    pub client: Client,
    pub invite: Invite,
}

/// `POST /api/clients/{id}/merge`: the client `{id}` (one who has not signed in) merged into
/// `into`, who stays: every message, purchase, group and contact of the first moves to them.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MergeClientRequest {
    pub into: UserId,
}

/// `PATCH /api/clients/{id}`: only the fields present change; `null` clears email or phone.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateClientRequest {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub phone: Option<Option<String>>,
    #[serde(default)]
    pub messaging: Option<MessagingMode>,
    /// `null` takes the client out of their company.
    #[serde(default, deserialize_with = "present")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub company_id: Option<Option<CompanyId>>,
    /// `false` deactivates the client (the owner and admins): their sessions end, they cannot
    /// sign in, and their private conversation becomes read-only. `true` reactivates them.
    #[serde(default)]
    pub active: Option<bool>,
}

/// `POST /api/conversations/{id}/messages/{message_id}/reactions`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AddReactionRequest {
    /// One emoji, such as "👍" or "❤️".
    pub emoji: String,
}

/// `POST /api/groups`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateGroupRequest {
    pub title: String,
    /// Clients and staff of the business; the creator joins as the group's owner. With the
    /// creator, a group holds up to 1,000 people.
    #[cfg_attr(feature = "openapi", schema(max_items = 1000))]
    pub member_ids: Vec<UserId>,
    #[serde(default)]
    pub announcement_only: bool,
    /// One emoji for the group's avatar.
    #[serde(default)]
    pub emoji: Option<String>,
    /// A channel within one company: every client member must belong to it.
    #[serde(default)]
    pub company_id: Option<CompanyId>,
}

/// `POST /api/companies`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateCompanyRequest {
    pub name: String,
}

/// `PATCH /api/settings`: only the fields present change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateSettingsRequest {
    #[serde(default)]
    pub welcome_message: Option<WelcomeMessage>,
    #[serde(default)]
    pub default_channel: Option<DefaultChannel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 168))]
    pub needs_attention_hours: Option<u32>,
}

/// `PATCH /api/business`: what is given changes (the owner and admins).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateBusinessRequest {
    /// Checked by the server (`business.country_invalid`), so the error names what is wrong.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::validate::Country>))]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
}

/// `POST /api/mass-messages`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateMassMessageRequest {
    /// Chosen by the sender (1 to 64 letters, digits, '-' or '_'): sending the same id again
    /// sends nothing again and answers with the job.
    pub id: String,
    pub body: String,
    pub recipients: Recipients,
    /// Send it then (a minute to a year from now) rather than now: 202 with the scheduled
    /// message (`GET /api/scheduled` lists it; `PATCH`/`DELETE /api/scheduled/{id}`).
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub send_at: Option<OffsetDateTime>,
    /// `sms` sends it as a marketing text to each recipient's phone (from the shared number:
    /// replies are not received); `in_app` (the default) in the app.
    #[serde(default)]
    pub channel: crate::sms::Channel,
}

/// What `POST /api/mass-messages` accepted: the job (sent now), or the scheduled message (with
/// `send_at`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum MassAccepted {
    Job(MassMessage),
    Scheduled(ScheduledMessage),
}

/// A scheduled mass message's own: the id it is sent with and who receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScheduledMass {
    pub id: String,
    pub recipients: Recipients,
}

/// `PATCH /api/conversations/{id}`: only the fields present change (groups only).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateConversationRequest {
    #[serde(default)]
    pub announcement_only: Option<bool>,
    #[serde(default)]
    pub title: Option<String>,
    /// `null` removes the emoji.
    #[serde(default, deserialize_with = "present")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub emoji: Option<Option<String>>,
}

/// `PUT /api/conversations/{id}/members/{user_id}`: adds the person or changes their seat.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SetMemberRequest {
    /// `admin` or `member` (a group's owner is its creator).
    pub role: GroupRole,
    /// `true` lets them post in an announcement-only group, `false` mutes them, `null` follows
    /// the group's setting.
    #[serde(default)]
    pub can_post: Option<bool>,
}

/// `POST /api/templates`
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateTemplateRequest {
    /// 1 to 60 characters.
    pub name: String,
    /// Like a message's: formatted, 4,000 characters at most.
    pub body: String,
}

/// `PATCH /api/templates/{id}`: what changes.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateTemplateRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

/// `POST /api/products`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateProductRequest {
    pub name: String,
    #[serde(default)]
    pub price_label: String,
    pub grants: ProductGrant,
}

/// `POST /api/clients/{id}/purchases`
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RecordPurchaseRequest {
    pub product_id: ProductId,
}

/// The body of `POST /api/webhooks/purchases`, sent by the business's online store. Signed:
/// `X-Sideline-Business: <business id>`, `X-Sideline-Timestamp: <unix seconds>`,
/// `X-Sideline-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<body>" with the webhook secret>`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WebhookPurchaseRequest {
    /// The store's order id: an order is applied once however often it is delivered.
    pub order_id: String,
    pub product_id: ProductId,
    /// The buyer: matched to a client by email, else phone; someone new becomes a client.
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
}

/// What a purchase webhook did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookPurchaseResult {
    pub purchase: Purchase,
    pub client: Client,
    /// Whether the buyer was added as a new client (with `invite`).
    pub created_client: bool,
    pub invite: Option<Invite>,
}

/// The business's webhook signing secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookSecret {
    pub secret: String,
}

/// `POST /api/staff`: the owner invites an admin or a coach by email.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct InviteStaffRequest {
    pub name: String,
    pub email: String,
    /// `admin` or `coach`.
    pub role: Role,
}

/// `PATCH /api/staff/{id}`: a new role, or deactivating (or reactivating) someone. The owner
/// changes anyone but themself; admins change coaches. `role: "owner"` hands the business to
/// an admin (the owner only; they become an admin). A change of role or activation ends the
/// person's sessions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateStaffRequest {
    #[serde(default)]
    pub role: Option<Role>,
    #[serde(default)]
    pub active: Option<bool>,
    /// Deactivating a coach: who takes their clients (another coach); none leaves them
    /// without a coach.
    #[serde(default)]
    pub reassign_to: Option<UserId>,
}

/// A new staff member and their one-time invite.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffWithInvite {
    pub staff: StaffMember,
    pub invite: Invite,
}

/// `PUT /api/clients/{id}/coach`: `null` unassigns.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AssignCoachRequest {
    pub coach_id: Option<UserId>,
}

/// `PUT /api/clients/{id}/messaging`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SetMessagingRequest {
    pub mode: MessagingMode,
}

/// `PATCH /api/me/notifications`: only the fields present change; `quiet_hours: null` ends
/// quiet hours.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateNotificationSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub push: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<bool>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::model::QuietHours>))]
    pub quiet_hours: Option<Option<crate::model::QuietHours>>,
    /// An IANA time zone name (`America/New_York`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
    pub time_zone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub announcements: Option<crate::model::NotifyLevel>,
}

/// `PUT /api/conversations/{id}/notifications`, and its answer: what notifies the caller of
/// the conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ConversationNotifications {
    pub level: crate::model::NotifyLevel,
}

/// `GET /api/push/key`: the key a browser subscribes with (`applicationServerKey`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushKey {
    /// The server's VAPID public key: an uncompressed P-256 point, base64url.
    pub public_key: String,
}

/// `POST /api/push/subscriptions`: a browser's push subscription, as its `toJSON()` gives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PushSubscriptionRequest {
    /// The push service's URL for this browser: https (or on this machine, locally).
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 2048))]
    pub endpoint: String,
    /// When the browser says it expires (milliseconds since 1970), if it does.
    #[serde(
        default,
        rename = "expirationTime",
        skip_serializing_if = "Option::is_none"
    )]
    pub expiration_time: Option<f64>,
    pub keys: PushSubscriptionKeys,
}

/// The keys a push is encrypted for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PushSubscriptionKeys {
    /// The browser's P-256 public key, base64url.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub p256dh: String,
    /// Its 16-byte authentication secret, base64url.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub auth: String,
}

/// The answer to `POST /api/push/subscriptions`: the id to forget it by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushSubscriptionCreated {
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9a-f]{32}$"))]
    pub id: String,
}

/// What a notification is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    /// New messages in a conversation (one entry per conversation while unread).
    Message,
    /// A client accepted their invite.
    ClientJoined,
    /// A client's messaging changed (two-way or one-way), by hand or by a purchase.
    MessagingChanged,
    /// A mass message reached everyone it could.
    MassMessageDone,
    /// A client wrote and nobody answered in time.
    NeedsAttention,
    /// The business number's verification was decided (approved, changes asked, denied).
    TextingReviewed,
}

/// One entry of the bell (`GET /api/notifications`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notification {
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9A-HJKMNP-TV-Z]{26}$"))]
    pub id: String,
    pub kind: NotificationKind,
    /// The conversation it opens, if it is about one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<ConversationId>,
    pub title: String,
    pub body: String,
    /// How many messages it stands for (a message notification), otherwise 1.
    pub count: u32,
    /// One of its messages mentions the receiver.
    pub mentioned: bool,
    /// What a tap opens: a path of the receiver's app.
    pub url: String,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: OffsetDateTime,
    pub read: bool,
}

/// `GET /api/notifications`: the newest first, and how many are unread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotificationList {
    pub notifications: Vec<Notification>,
    pub unread: u32,
}

/// `POST /api/notifications/read`: these (`ids`), or every one (`all: true`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MarkNotificationsRead {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(max_items = 100, value_type = Vec<String>))]
    pub ids: Vec<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub all: bool,
}

/// What a push carries to the apps' service worker, which shows it as a notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushPayload {
    pub title: String,
    pub body: String,
    /// What a tap on it opens (a path of the app: `/inbox/{id}`).
    pub url: String,
    /// Pushes with the same tag replace each other (one per conversation).
    pub tag: String,
}

/// Tells a field given as `null` (`Some(None)`) from one left out (`None`).
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// `POST /api/conversations/{id}/messages`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SendMessageRequest {
    /// Chosen by the sender; sending the same one again returns the same message.
    pub client_message_id: String,
    pub body: String,
    /// A message of this conversation it answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<crate::MessageId>,
    /// Uploads to this conversation (`POST /api/uploads`, then the file PUT to its URL) or
    /// items of the business's Vault (staff; sent without a copy), in the order to show them;
    /// with attachments the body may be empty (no caption).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(max_items = 10))]
    pub attachments: Vec<AttachmentId>,
    /// Send it later (staff): at this time it is sent, once (202 with the scheduled message).
    /// Between a minute and a year from now; without files.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub send_at: Option<OffsetDateTime>,
    /// How it goes to a client (staff, in a client's private conversation): in the apps (the
    /// default), as a text (the client has a phone; texting is on) or as an email (the client
    /// has an email address). Texts and emails go without files and are sent now.
    #[serde(default, skip_serializing_if = "is_in_app")]
    pub channel: crate::sms::Channel,
}

fn is_in_app(c: &crate::sms::Channel) -> bool {
    *c == crate::sms::Channel::InApp
}

/// A message scheduled to be sent later (`GET /api/scheduled`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScheduledMessage {
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9A-HJKMNP-TV-Z]{26}$"))]
    pub id: String,
    /// The conversation it goes to (a message), or none (a mass message: `mass`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<ConversationId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mass: Option<ScheduledMass>,
    pub body: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<crate::MessageId>,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub send_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: OffsetDateTime,
}

/// `PATCH /api/scheduled/{id}`: a new time (now or earlier: send it now) or new words.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateScheduledRequest {
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub send_at: Option<OffsetDateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

/// `POST /api/uploads`: a file about to be sent in a conversation. The server checks its type
/// and size first, then signs where to put it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateUploadRequest {
    /// Where it will be sent; the caller must be able to post there. Either this or
    /// `vault` (422 `upload.destination` for neither or both).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<ConversationId>,
    /// A file for the business's Vault (staff), added with `POST /api/vault` once put.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub vault: bool,
    /// As the file will be PUT (`Content-Type`), without parameters.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub content_type: String,
    /// In bytes, exactly as the file will be PUT (`Content-Length`).
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 209715200))]
    pub size: u64,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 400))]
    pub name: String,
    /// A voice note recorded in the composer (audio only, at most 5 minutes).
    #[serde(default)]
    pub voice: bool,
    /// An image's or a video's size in pixels, measured in the browser.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 50000))]
    pub width: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 50000))]
    pub height: Option<u32>,
    /// A video's or a voice note's length.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 86400000))]
    pub duration_ms: Option<u32>,
    /// A voice note's loudness, in at most 64 bars of 0 to 255.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(max_items = 64))]
    pub waveform: Vec<u8>,
    /// A thumbnail (a photo's) or poster frame (a video's) made in the browser, uploaded
    /// beside the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail: Option<ThumbnailSpec>,
}

/// A thumbnail to upload with a file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ThumbnailSpec {
    /// `image/jpeg`, `image/webp` or `image/png`.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub content_type: String,
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 262144))]
    pub size: u64,
}

/// Where to PUT a file: the URL, and the headers to send with it exactly as given (the size
/// and type are part of the signature: another size or type is refused).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UploadTarget {
    pub url: String,
    pub headers: std::collections::BTreeMap<String, String>,
}

/// The answer to `POST /api/uploads`: where to put the file (and its thumbnail), and the id
/// to send it with. The URLs work until `expires_at`; an upload never sent is forgotten
/// after a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Upload {
    pub upload_id: AttachmentId,
    pub url: String,
    pub headers: std::collections::BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail: Option<UploadTarget>,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub expires_at: OffsetDateTime,
}

/// `GET /api/conversations/{id}/attachments/{attachment_id}` asked for JSON: the short-lived
/// URL the redirect would go to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttachmentLink {
    pub url: String,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub expires_at: OffsetDateTime,
}

/// `POST /api/vault`: a file uploaded for the Vault (`POST /api/uploads` with `vault: true`,
/// then put), added to it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateVaultItemRequest {
    pub upload_id: AttachmentId,
    /// The folder it goes in: at most 60 characters; none (or empty) for no folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 60))]
    pub folder: Option<String>,
}

/// `PATCH /api/vault/{id}`: a new name, or another folder (empty: no folder).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateVaultItemRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 400))]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 60))]
    pub folder: Option<String>,
}

/// `GET /api/vault`: the items asked for (newest first) and every folder of the Vault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VaultList {
    pub items: Vec<crate::model::VaultItem>,
    /// Every folder that holds something, by name.
    pub folders: Vec<String>,
}

/// `POST /api/conversations/{id}/read`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MarkReadRequest {
    pub message_id: MessageId,
}

/// `POST /api/conversations/{id}/delivered`: a message of someone else reached one of the
/// caller's devices (private conversations only).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MarkDeliveredRequest {
    pub message_id: MessageId,
}

/// How far one person has got in a conversation: the last message they read, and the last
/// that reached one of their devices (never before the last read). Messages sort by id, so
/// "read up to" a message covers every message whose id is not after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Receipt {
    pub user_id: UserId,
    /// Their name when they last read.
    pub name: String,
    pub read_message_id: Option<MessageId>,
    pub delivered_message_id: Option<MessageId>,
}

/// `GET /api/conversations/{id}/receipts`: everyone's receipt in the conversation, the
/// caller's included; people who never opened it have none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Receipts {
    pub receipts: Vec<Receipt>,
}

/// The caller's read state in a conversation after a read mark.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReadState {
    pub conversation_id: ConversationId,
    pub last_read_message_id: Option<MessageId>,
    pub unread_count: u64,
}

/// Every error: `{"error": {"code", "message"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    /// Stable, machine-readable, e.g. `messaging.one_way`.
    pub code: String,
    /// For people.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_patch_tells_null_from_absent() {
        let p: UpdateClientRequest = serde_json::from_str(r#"{"email": null}"#).expect("valid");
        assert_eq!(p.email, Some(None));
        assert_eq!(p.phone, None);
        let p: UpdateClientRequest =
            serde_json::from_str(r#"{"phone": "+14155550123"}"#).expect("valid");
        assert_eq!(p.phone, Some(Some("+14155550123".into())));
    }

    #[test]
    fn unknown_fields_are_refused() {
        assert!(
            serde_json::from_str::<SendMessageRequest>(
                r#"{"client_message_id":"a","body":"b","x":1}"#
            )
            .is_err()
        );
    }

    #[test]
    fn messaging_mode_defaults_to_two_way() {
        let r: CreateClientRequest = serde_json::from_str(r#"{"name":"Ana"}"#).expect("valid");
        assert_eq!(r.messaging, MessagingMode::TwoWay);
    }
}
