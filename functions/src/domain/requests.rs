//! Requests sent with an `Idempotency-Key` (`http::idempotent`): each person's keys, each the
//! first answer of its request.

use super::Result;
use super::auth::Caller;
use crate::store::Store;
use crate::store::idempotency::{self, Answer, Claim};
use std::sync::Arc;

pub struct Requests {
    store: Arc<dyn Store>,
}

impl Requests {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    /// Claims `key` for the caller's request whose method, path and body hash to
    /// `fingerprint`, or finds what the key did before.
    pub async fn claim(&self, caller: &Caller, key: &str, fingerprint: &str) -> Result<Claim> {
        let now = super::now().unix_timestamp();
        let (b, u) = (caller.business_id(), caller.user_id());
        Ok(idempotency::claim(&*self.store, b, u, key, fingerprint, now).await?)
    }

    /// The request succeeded: its retries get `answer`.
    pub async fn complete(&self, caller: &Caller, key: &str, answer: Answer) -> Result<()> {
        let (b, u) = (caller.business_id(), caller.user_id());
        Ok(idempotency::complete(&*self.store, b, u, key, answer).await?)
    }

    /// The request failed: a retry runs it again.
    pub async fn release(&self, caller: &Caller, key: &str) -> Result<()> {
        let (b, u) = (caller.business_id(), caller.user_id());
        Ok(idempotency::release(&*self.store, b, u, key).await?)
    }
}
