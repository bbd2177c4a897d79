//! The local Sms adapter: a phone simulator. Numbers are made up in the toll-free range
//! reserved for fiction (`+1 833 555 01xx` and around), registrations are kept for a person to
//! review from the dev page, and every text is kept in the store, where `/dev/sms` (and
//! `/dev/sms.json`) show them, and from where a person texts back as any phone. Never used on
//! AWS.

use crate::domain::ports::{Handed, OutgoingText, ProvisionedNumber, Sms, Submission};
use crate::store::Store;
use crate::store::repo;
use crate::store::texts::{DevTextRecord, Direction};
use async_trait::async_trait;
use shared::BusinessId;
use std::sync::Arc;

/// The shared number simulated texts go from before a business's own is verified.
pub const SYSTEM_NUMBER: &str = "+18335550100";

pub struct PhoneSimulator {
    store: Arc<dyn Store>,
}

impl PhoneSimulator {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    /// Keeps what the simulator saw, in the order it happened.
    pub async fn record(&self, text: &DevTextRecord) -> anyhow::Result<()> {
        let id = ulid::Ulid::generate().to_string();
        self.store
            .transact(vec![repo::overwrite(id.as_str(), text)?])
            .await?;
        Ok(())
    }
}

#[async_trait]
impl Sms for PhoneSimulator {
    fn system_number(&self) -> String {
        SYSTEM_NUMBER.to_owned()
    }

    async fn request_number(&self, _business: BusinessId) -> anyhow::Result<ProvisionedNumber> {
        // 833-555-0101 to 0199 first; the domain makes sure no two businesses hold one.
        let n: u32 = rand::random_range(101..10_000);
        let number = format!("+1833555{n:04}");
        Ok(ProvisionedNumber {
            id: format!("phone-{}", &number[1..]),
            number,
        })
    }

    async fn release_number(&self, _id: &str) -> anyhow::Result<()> {
        Ok(())
    }

    async fn registration_attachment(
        &self,
        _content_type: &str,
        _body: Vec<u8>,
    ) -> anyhow::Result<String> {
        // Nobody reviews the file here: the dev control decides.
        Ok(format!(
            "attachment-{}",
            ulid::Ulid::generate().to_string().to_lowercase()
        ))
    }

    async fn submit_registration(&self, s: &Submission<'_>) -> anyhow::Result<String> {
        Ok(format!("registration-{}", s.number_id))
    }

    async fn send(&self, text: &OutgoingText<'_>) -> anyhow::Result<Handed> {
        let parts = shared::sms::segments(text.body);
        self.record(&DevTextRecord {
            direction: Direction::Out,
            to: text.to.to_owned(),
            from: text
                .from
                .map_or_else(|| SYSTEM_NUMBER.to_owned(), str::to_owned),
            body: text.body.to_owned(),
            segments: parts.segments,
            encoding: parts.encoding,
            kind: Some(text.kind),
            at: time::OffsetDateTime::now_utc(),
        })
        .await?;
        Ok(Handed::Delivered(format!("sim-{}", text.id)))
    }
}

/// Texting in a Lambda function that does not manage numbers or send texts (those are the
/// `clients` function's and the stream's, which link End User Messaging): nothing calls it,
/// and a call would say where it belongs.
pub struct Elsewhere;

const UNDEPLOYED: &str =
    "texting's numbers are managed by the clients function and texts sent by the stream's";

#[async_trait]
impl Sms for Elsewhere {
    fn system_number(&self) -> String {
        String::new()
    }

    async fn request_number(&self, _business: BusinessId) -> anyhow::Result<ProvisionedNumber> {
        anyhow::bail!(UNDEPLOYED)
    }

    async fn release_number(&self, _id: &str) -> anyhow::Result<()> {
        anyhow::bail!(UNDEPLOYED)
    }

    async fn registration_attachment(
        &self,
        _content_type: &str,
        _body: Vec<u8>,
    ) -> anyhow::Result<String> {
        anyhow::bail!(UNDEPLOYED)
    }

    async fn submit_registration(&self, _submission: &Submission<'_>) -> anyhow::Result<String> {
        anyhow::bail!(UNDEPLOYED)
    }

    async fn send(&self, _text: &OutgoingText<'_>) -> anyhow::Result<Handed> {
        anyhow::bail!(UNDEPLOYED)
    }
}
