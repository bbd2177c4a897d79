//! Texting's records: the business's texting (its number, registration and balance), the
//! number's owner, the outbox of texts, the phones that said STOP, the inbound texts acted on,
//! and what the local phone simulator saw.

use super::keys::{DEV_SMS_PK, TEXT_PREFIX};
use super::repo;
use super::{Query, Store, StoreError};
use serde::{Deserialize, Serialize};
use shared::sms::{
    AutoReply, BusinessType, Encoding, OptInType, RegistrationForm, RegistrationState, TextInfo,
    TextKind, TextStatus, TransactionalTexts,
};
use shared::{BusinessId, ConversationId, MessageId};
use time::OffsetDateTime;

/// A business's texting. Absent until it is first turned on.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TextingRecord {
    pub enabled: bool,
    /// The dedicated number, and the network's id of it (to release it).
    #[serde(default)]
    pub number: Option<String>,
    #[serde(default)]
    pub number_id: Option<String>,
    /// While off: until when the number is kept for the business.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub kept_until: Option<OffsetDateTime>,
    #[serde(default)]
    pub auto_reply: Option<AutoReply>,
    #[serde(default)]
    pub registration: RegistrationRecord,
    /// The month `used` counts (`2026-12`), the segments sent in it, and the allowance.
    #[serde(default)]
    pub month: String,
    #[serde(default)]
    pub used: u32,
    #[serde(default)]
    pub allowance: u32,
    /// Which automatic messages also go as texts.
    #[serde(default)]
    pub transactional: TransactionalRecord,
}

/// Which automatic messages also go as texts, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionalRecord {
    pub invites: bool,
    pub welcome: bool,
}

impl Default for TransactionalRecord {
    fn default() -> Self {
        TransactionalTexts::default().into()
    }
}
super::records::mirrors!(TransactionalRecord, TransactionalTexts { invites, welcome });

/// The toll-free verification as it stands.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RegistrationRecord {
    pub state: RegistrationState,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub form: Option<RegistrationFormRecord>,
    /// The network's id of the registration.
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub submitted_at: Option<OffsetDateTime>,
    /// When the reviewers last decided.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub reviewed_at: Option<OffsetDateTime>,
    /// The opt-in proof the next submission sends.
    #[serde(default)]
    pub opt_in_proof: Option<OptInProofRecord>,
}

/// The registration form as submitted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationFormRecord {
    pub legal_name: String,
    pub website: String,
    pub privacy_policy_url: String,
    pub terms_url: String,
    pub contact_first_name: String,
    pub contact_last_name: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub use_case: String,
    pub sample_messages: Vec<String>,
    pub opt_in_description: String,
    /// Absent from forms submitted before it was asked.
    #[serde(default)]
    pub opt_in_type: OptInType,
    #[serde(default)]
    pub business_type: BusinessType,
    pub monthly_volume: u32,
}

super::records::mirrors!(
    RegistrationFormRecord,
    RegistrationForm {
        legal_name,
        website,
        privacy_policy_url,
        terms_url,
        contact_first_name,
        contact_last_name,
        contact_email,
        contact_phone,
        use_case,
        sample_messages,
        opt_in_description,
        opt_in_type,
        business_type,
        monthly_volume,
    }
);

/// The opt-in proof, as handed to the network (which keeps the file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OptInProofRecord {
    /// The network's id of the file.
    pub attachment_id: String,
    pub content_type: String,
    pub size: u64,
    #[serde(with = "time::serde::rfc3339")]
    pub uploaded_at: OffsetDateTime,
}

/// A texting number's business.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NumberOwner {
    pub business_id: BusinessId,
}

/// How far a text of the outbox got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextState {
    Pending,
    /// Claimed by a consumer, being handed to the network.
    Sending,
    Sent,
    Delivered,
    Failed,
    /// The phone said STOP after it was written: not sent.
    Suppressed,
}

/// A text to send.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TextRecord {
    pub id: String,
    pub business_id: BusinessId,
    pub to: String,
    /// The business's number, or none: the shared system number.
    #[serde(default)]
    pub from: Option<String>,
    pub body: String,
    pub kind: TextKind,
    pub segments: u32,
    pub encoding: Encoding,
    pub state: TextState,
    /// The message it carries, when it is one of a conversation.
    #[serde(default)]
    pub message: Option<(ConversationId, MessageId)>,
    /// Keyword answers and auto replies go even to a phone that said STOP (its confirmation).
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub error: Option<String>,
    /// The network's id of it, once sent.
    #[serde(default)]
    pub provider_id: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// Which text the network's id names, for its delivery receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderRef {
    pub business_id: BusinessId,
    pub text_id: String,
    /// When the network took it (unix seconds).
    pub at: i64,
}

/// A phone that said STOP, and when.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TextStopRecord {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// An inbound text acted on (its id was the network's).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InboundRecord {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// Which way a simulated text went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Sent by a business to a phone.
    Out,
    /// Texted in by a phone.
    In,
}

/// What the local phone simulator saw.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DevTextRecord {
    pub direction: Direction,
    pub to: String,
    pub from: String,
    pub body: String,
    pub segments: u32,
    pub encoding: Encoding,
    #[serde(default)]
    pub kind: Option<TextKind>,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// What a text of a message shows, from the outbox's state.
pub fn status_of(state: TextState) -> TextStatus {
    match state {
        TextState::Pending | TextState::Sending => TextStatus::Queued,
        TextState::Sent => TextStatus::Sent,
        TextState::Delivered => TextStatus::Delivered,
        TextState::Failed | TextState::Suppressed => TextStatus::Failed,
    }
}

/// A message's text information as stored with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextInfoRecord {
    pub segments: u32,
    pub encoding: Encoding,
    pub status: TextStatus,
    pub kind: TextKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

super::records::mirrors!(
    TextInfoRecord,
    TextInfo {
        segments,
        encoding,
        status,
        kind,
        error,
    }
);

/// The newest `limit` texts the simulator saw, newest first.
pub async fn dev_texts(store: &dyn Store, limit: usize) -> Result<Vec<DevTextRecord>, StoreError> {
    let q = Query::prefix(DEV_SMS_PK.to_owned(), TEXT_PREFIX)
        .reverse()
        .limit(limit);
    Ok(repo::query_values::<DevTextRecord>(store, &q).await?.0)
}
