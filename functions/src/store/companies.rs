//! The business's companies.

use super::keys::{self, COMPANY_PREFIX};
use super::repo::{self, CompanyRecord};
use super::{Query, Store, StoreError};
use shared::BusinessId;

/// Every company of the business, in the order they were created. Bounded: companies are
/// made by hand, a few per business.
pub async fn all(store: &dyn Store, b: BusinessId) -> Result<Vec<CompanyRecord>, StoreError> {
    let q = Query::prefix(keys::companies_pk(b), COMPANY_PREFIX);
    Ok(repo::query_all::<CompanyRecord>(store, q)
        .await?
        .into_iter()
        .map(|c| c.value)
        .collect())
}
