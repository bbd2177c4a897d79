//! Requests sent with an `Idempotency-Key`: the first claims the key for its person, and once
//! it succeeded its answer is kept (a day) for any retry with the same key to get again.

use super::repo::{self, Versioned};
use super::{Condition, Store, StoreError, Write};
use serde::{Deserialize, Serialize};
use shared::{BusinessId, UserId};

/// How long a key's answer is kept (seconds).
pub const KEPT_SECS: i64 = 24 * 3600;

/// What a request with a key did.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IdempotencyRecord {
    /// The request's method, path and body, hashed: the same key with another request is
    /// refused.
    pub fingerprint: String,
    /// Its answer, once it succeeded; none while it runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<Answer>,
    /// When it was first asked (unix seconds).
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    pub body: String,
}

/// What claiming a key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key is new: this request runs, then `complete` or `release`.
    New,
    /// The same request already succeeded: its answer.
    Done(Answer),
    /// The same request is running (or stopped before it could tell).
    Running,
    /// The key was used for another request.
    Reused,
}

pub async fn claim(
    store: &dyn Store,
    b: BusinessId,
    u: UserId,
    key: &str,
    fingerprint: &str,
    now: i64,
) -> Result<Claim, StoreError> {
    let record = IdempotencyRecord {
        fingerprint: fingerprint.to_owned(),
        answer: None,
        created_at: now,
    };
    match store
        .transact(vec![repo::create((b, u, key), &record)?])
        .await
    {
        Ok(()) => return Ok(Claim::New),
        Err(StoreError::ConditionFailed { .. } | StoreError::Conflict) => {}
        Err(e) => return Err(e),
    }
    let Some(found) = repo::get::<IdempotencyRecord>(store, (b, u, key)).await? else {
        // Released between the two: this one may run.
        return Box::pin(claim(store, b, u, key, fingerprint, now)).await;
    };
    Ok(match found.value {
        r if r.fingerprint != fingerprint => Claim::Reused,
        IdempotencyRecord {
            answer: Some(answer),
            ..
        } => Claim::Done(answer),
        _ => Claim::Running,
    })
}

/// The request succeeded: `answer` is what its retries get.
pub async fn complete(
    store: &dyn Store,
    b: BusinessId,
    u: UserId,
    key: &str,
    answer: Answer,
) -> Result<(), StoreError> {
    let Some(claimed) = repo::get::<IdempotencyRecord>(store, (b, u, key)).await? else {
        return Ok(());
    };
    let done = Versioned {
        value: IdempotencyRecord {
            answer: Some(answer),
            ..claimed.value.clone()
        },
        version: claimed.version,
    };
    store.transact(vec![done.update((b, u, key))?]).await
}

/// The request failed (nothing was done): the key is free for a retry.
pub async fn release(
    store: &dyn Store,
    b: BusinessId,
    u: UserId,
    key: &str,
) -> Result<(), StoreError> {
    let (pk, sk) = super::keys::request_key(b, u, key);
    store
        .transact(vec![Write::delete(pk, sk, Condition::Always)])
        .await
}
