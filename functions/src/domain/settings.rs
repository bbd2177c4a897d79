//! The business's settings (the welcome message, where clients of a company are put, when a
//! conversation needs attention) and its description (name, country, address).

use super::auth::Caller;
use super::*;
use crate::store::repo::{self, BusinessRecord};
use anyhow::Context as _;
use shared::api::{UpdateBusinessRequest, UpdateSettingsRequest};
use shared::limits::WELCOME_MAX_CHARS;
use shared::model::{Address, BusinessInfo, Settings};
use shared::validate::Country;

/// The business's settings.
pub struct BusinessSettings {
    store: Arc<dyn Store>,
}

impl BusinessSettings {
    pub(super) fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    /// The business as stored now.
    async fn current(&self, b: shared::BusinessId) -> Result<repo::Versioned<BusinessRecord>> {
        Ok(repo::get::<BusinessRecord>(&*self.store, b)
            .await?
            .context("the caller's business is missing")?)
    }

    /// The settings, for staff.
    pub async fn settings(&self, caller: &Caller) -> Result<Settings> {
        super::access::staff(caller)?;
        Ok(self
            .current(caller.business_id())
            .await?
            .value
            .settings
            .into())
    }

    /// Changes the settings (the owner and admins).
    pub async fn update_settings(
        &self,
        caller: &Caller,
        req: UpdateSettingsRequest,
    ) -> Result<Settings> {
        super::access::manager(caller)?;
        if let Some(w) = &req.welcome_message {
            let chars = w.text.trim().chars().count();
            if w.enabled && chars == 0 {
                return Err(Error::invalid(
                    "settings.welcome_empty",
                    "Write the welcome message, or turn it off.",
                ));
            }
            if chars > WELCOME_MAX_CHARS {
                return Err(Error::invalid(
                    "settings.welcome_too_long",
                    format!("The welcome message can have at most {WELCOME_MAX_CHARS} characters."),
                ));
            }
        }
        if let Some(h) = req.needs_attention_hours
            && !(1..=shared::model::NEEDS_ATTENTION_HOURS_MAX).contains(&h)
        {
            return Err(Error::invalid(
                "settings.attention_hours_invalid",
                "A conversation needs attention after 1 to 168 hours without an answer.",
            ));
        }
        let b = caller.business_id();
        retrying(|| async {
            let current = self.current(b).await?;
            let mut next = current.clone();
            if let Some(w) = &req.welcome_message {
                next.value.settings.welcome_message = repo::WelcomeRecord {
                    enabled: w.enabled,
                    text: w.text.trim().to_owned(),
                };
            }
            if let Some(d) = req.default_channel {
                next.value.settings.default_channel = d;
            }
            if let Some(h) = req.needs_attention_hours {
                next.value.settings.needs_attention_hours = h;
            }
            commit(
                &*self.store,
                vec![next.update(b)?].into(),
                next.value.settings.into(),
            )
            .await
        })
        .await
    }

    /// The business as it describes itself, for staff.
    pub async fn business(&self, caller: &Caller) -> Result<BusinessInfo> {
        super::access::staff(caller)?;
        Ok(info(self.current(caller.business_id()).await?.value))
    }

    /// Changes the business's country or address (the owner and admins).
    pub async fn update_business(
        &self,
        caller: &Caller,
        req: UpdateBusinessRequest,
    ) -> Result<BusinessInfo> {
        super::access::manager(caller)?;
        let country = req
            .country
            .as_deref()
            .map(Country::parse)
            .transpose()
            .map_err(Error::from)?;
        let address = req.address.map(checked_address).transpose()?;
        let b = caller.business_id();
        retrying(|| async {
            let current = self.current(b).await?;
            let mut next = current.clone();
            if let Some(c) = &country {
                next.value.country = Some(c.as_str().to_owned());
            }
            if let Some(a) = &address {
                next.value.address = Some(a.clone().into());
            }
            let answer = info(next.value.clone());
            commit(&*self.store, vec![next.update(b)?].into(), answer).await
        })
        .await
    }
}

/// Whether the business's country allows texting (the United States and Canada).
pub(super) fn texting_available(b: &BusinessRecord) -> bool {
    country(b).as_ref().is_some_and(Country::texting_available)
}

/// The business's country (stored only once checked).
fn country(b: &BusinessRecord) -> Option<Country> {
    b.country.as_deref().and_then(|c| Country::parse(c).ok())
}

fn info(b: BusinessRecord) -> BusinessInfo {
    BusinessInfo {
        texting_available: texting_available(&b),
        country: country(&b),
        name: b.name,
        address: b.address.map(Into::into),
    }
}

/// `a` trimmed, or why it cannot be an address.
fn checked_address(a: Address) -> Result<Address> {
    let a = Address {
        line1: a.line1.trim().to_owned(),
        line2: a.line2.trim().to_owned(),
        city: a.city.trim().to_owned(),
        region: a.region.trim().to_owned(),
        postal_code: a.postal_code.trim().to_owned(),
    };
    let invalid = |what: &str| Err(Error::invalid("business.address_invalid", what.to_owned()));
    if a.line1.is_empty() || a.city.is_empty() || a.postal_code.is_empty() {
        return invalid("An address needs its street, city and postal code.");
    }
    let long = [&a.line1, &a.line2, &a.city, &a.region]
        .iter()
        .any(|f| f.chars().count() > 100);
    if long || a.postal_code.chars().count() > 20 {
        return invalid("Each line of an address has at most 100 characters (a postal code 20).");
    }
    Ok(a)
}
