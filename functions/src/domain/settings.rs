//! The business's settings: the welcome message and where clients of a company are put.

use super::auth::Caller;
use super::*;
use crate::store::repo::{self, BusinessRecord};
use anyhow::Context as _;
use shared::api::UpdateSettingsRequest;
use shared::limits::WELCOME_MAX_CHARS;
use shared::model::Settings;

/// The business's settings.
pub struct BusinessSettings {
    store: Arc<dyn Store>,
}

impl BusinessSettings {
    pub(super) fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    /// The settings, for staff.
    pub async fn settings(&self, caller: &Caller) -> Result<Settings> {
        super::access::staff(caller)?;
        let business = repo::get::<BusinessRecord>(&*self.store, caller.business_id())
            .await?
            .context("the caller's business is missing")?;
        Ok(business.value.settings.into())
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
            let current = repo::get::<BusinessRecord>(&*self.store, b)
                .await?
                .context("the caller's business is missing")?;
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
}
