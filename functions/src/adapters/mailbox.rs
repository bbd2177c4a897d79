//! The local Email adapter: the dev mailbox. What would be emailed is kept in the store, where
//! the local server's `/dev/mail` page (and `/dev/mail.json`) show it to whoever is trying the
//! product. Never used on AWS.

use crate::domain::ports::{Email, Mail};
use crate::store::Store;
use crate::store::repo::{self, DevMailRecord};
use async_trait::async_trait;
use std::sync::Arc;

pub struct DevMailbox {
    store: Arc<dyn Store>,
}

impl DevMailbox {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }
}

#[async_trait]
impl Email for DevMailbox {
    async fn send(&self, _id: &str, mail: &Mail) -> anyhow::Result<()> {
        let record = DevMailRecord {
            business_id: Some(mail.business_id),
            to: mail.to.clone(),
            from_name: mail.from_name.clone(),
            subject: mail.subject.clone(),
            text: mail.text.clone(),
            links: mail.links.clone(),
            unsubscribe: mail.unsubscribe.clone(),
            sent_at: time::OffsetDateTime::now_utc(),
        };
        // Ordered by when it arrived.
        let id = ulid::Ulid::generate().to_string();
        self.store
            .transact(vec![repo::overwrite(id.as_str(), &record)?])
            .await?;
        Ok(())
    }
}
