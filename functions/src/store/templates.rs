//! The business's saved messages.

use super::keys;
use super::repo::{self, TemplateRecord};
use super::{Query, Store, StoreError};
use shared::BusinessId;

/// Every saved message of the business (at most [`shared::limits::TEMPLATES_MAX`]).
pub async fn all(store: &dyn Store, b: BusinessId) -> Result<Vec<TemplateRecord>, StoreError> {
    let q = Query::prefix(keys::templates_pk(b), keys::TEMPLATE_PREFIX);
    Ok(repo::query_all::<TemplateRecord>(store, q)
        .await?
        .into_iter()
        .map(|r| r.value)
        .collect())
}
