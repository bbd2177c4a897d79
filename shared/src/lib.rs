//! Types and pure rules shared by the Sideline server and app: ids, wire types, validated
//! newtypes, limits and the permission rules. No I/O here, so it compiles to wasm and native.

pub mod api;
pub mod events;
pub mod ids;
pub mod limits;
pub mod markup;
pub mod media;
pub mod model;
pub mod notify;
pub mod receipts;
pub mod rules;
pub mod sms;
pub mod templates;
pub mod validate;

#[cfg(test)]
mod properties;

pub use ids::{
    AttachmentId, BusinessId, CompanyId, ConversationId, MessageId, ProductId, PurchaseId,
    TemplateId, UserId,
};
pub use validate::MassMessageId;
