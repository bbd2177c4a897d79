//! The entries of each person's bell.

use super::keys;
use super::repo::{self, NoteRecord, Versioned};
use super::{Query, Store, StoreError};
use shared::{BusinessId, UserId};

/// Entries one person keeps at most, read in one listing: they are forgotten 30 days after
/// their last news, and a conversation's messages share one.
pub const NOTES_READ_MAX: usize = 2_000;

/// Every entry of `u`'s bell (up to [`NOTES_READ_MAX`]), in no particular order.
pub async fn of(
    store: &dyn Store,
    b: BusinessId,
    u: UserId,
) -> Result<Vec<Versioned<NoteRecord>>, StoreError> {
    let mut all = Vec::new();
    let mut cursor = None;
    loop {
        let q = Query::prefix(keys::person_pk(b, u), keys::NOTE_PREFIX)
            .limit(super::MAX_QUERY_LIMIT)
            .after(cursor);
        let (page, next) = repo::query::<NoteRecord>(store, &q).await?;
        all.extend(page);
        match next {
            Some(n) if all.len() < NOTES_READ_MAX => cursor = Some(n),
            _ => return Ok(all),
        }
    }
}

/// The conversations of business `b` that need attention (at most 1,000, the longest waiting
/// first).
pub async fn needing_attention(
    store: &dyn Store,
    b: BusinessId,
) -> Result<Vec<repo::NeedsAttentionRecord>, StoreError> {
    let q = Query::prefix(keys::attention_pk(b), keys::NEEDS_ATTENTION_PREFIX)
        .limit(super::MAX_QUERY_LIMIT);
    let (mut all, _) = repo::query_values::<repo::NeedsAttentionRecord>(store, &q).await?;
    all.sort_by_key(|r| r.since);
    Ok(all)
}
