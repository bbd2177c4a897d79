//! Unsubscribing from a business's emails that are not strictly transactional (digests and
//! other notices; never invites, confirmations or reset links). Each such email carries a link
//! signed for its address and business: in its text, to a page of the app that asks once, and
//! in its `List-Unsubscribe` header, for mail clients to POST to at one click (RFC 8058). Either
//! way no sign-in is needed, and from then on the outbox sends that address no more of the
//! business's non-transactional email.

use super::*;
use crate::store::repo::{self, BusinessRecord, MailRecord, MailState, OptOutRecord};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use shared::BusinessId;
use shared::api::Unsubscribed;

pub struct Unsubscribe {
    store: Arc<dyn Store>,
    key: [u8; 32],
    /// Where the apps are served: links point there.
    site_url: String,
}

fn invalid() -> Error {
    Error::not_found("unsubscribe.invalid", "This unsubscribe link is not valid.")
}

impl Unsubscribe {
    pub(super) fn new(store: Arc<dyn Store>, key: [u8; 32], site_url: &str) -> Self {
        Self {
            store,
            key,
            site_url: site_url.trim_end_matches('/').to_owned(),
        }
    }

    fn signature(&self, b: BusinessId, address: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key).expect("HMAC takes any key");
        mac.update(format!("unsubscribe\n{b}\n{address}").as_bytes());
        super::auth::hex(&mac.finalize().into_bytes()[..16])
    }

    /// The token of `address`'s link for business `b`: which, and signed.
    pub fn token(&self, b: BusinessId, address: &str) -> String {
        format!(
            "{b}.{}.{}",
            URL_SAFE_NO_PAD.encode(address),
            self.signature(b, address)
        )
    }

    /// A non-transactional email of business `b` to `to`: its text ends with the link to stop
    /// them, and it carries the one-click header's URL.
    pub fn notice(
        &self,
        b: BusinessId,
        business_name: &str,
        to: &str,
        subject: String,
        text: &str,
        mut links: Vec<String>,
    ) -> MailRecord {
        let token = self.token(b, to);
        let page = format!("{}/unsubscribe/{token}", self.site_url);
        links.push(page.clone());
        MailRecord {
            id: super::ids::new_ulid().to_string(),
            business_id: b,
            to: to.to_owned(),
            from_name: business_name.to_owned(),
            subject,
            text: format!(
                "{text}\n--\nYou get this because you message with {business_name} on \
                 Sideline. To get no more emails like it: {page}\n"
            ),
            links,
            unsubscribe: Some(format!("{}/api/auth/unsubscribe/{token}", self.site_url)),
            state: MailState::Pending,
            error: None,
            created_at: now(),
        }
    }

    /// Puts `mail` in the outbox (sent from the change stream).
    pub async fn queue(&self, mail: &MailRecord) -> Result<()> {
        let mut tx = Writes::new();
        tx.push(repo::create((mail.business_id, mail.id.as_str()), mail)?);
        tx.commit(&*self.store).await?;
        Ok(())
    }

    /// Follows a link: its address gets no more of its business's non-transactional email.
    /// Following it again changes nothing.
    pub async fn unsubscribe(&self, token: &str) -> Result<Unsubscribed> {
        let mut parts = token.splitn(3, '.');
        let (Some(b), Some(address), Some(signature)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid());
        };
        let b: BusinessId = b.parse().map_err(|_| invalid())?;
        let address = URL_SAFE_NO_PAD
            .decode(address)
            .ok()
            .and_then(|a| String::from_utf8(a).ok())
            .ok_or_else(invalid)?;
        // Compared in constant time.
        let expected = self.signature(b, &address);
        let same = expected.len() == signature.len()
            && expected
                .bytes()
                .zip(signature.bytes())
                .fold(0u8, |d, (x, y)| d | (x ^ y))
                == 0;
        if !same {
            return Err(invalid());
        }
        let business = repo::get::<BusinessRecord>(&*self.store, b)
            .await?
            .ok_or_else(invalid)?;
        let mut tx = Writes::new();
        tx.push(repo::overwrite(
            (b, address.as_str()),
            &OptOutRecord { at: now() },
        )?);
        tx.commit(&*self.store).await?;
        Ok(Unsubscribed {
            email: address,
            business_name: business.value.name,
        })
    }
}

/// Whether `mail` must not go: it is not transactional, and its address stopped its business's
/// emails.
pub async fn suppressed(store: &dyn Store, mail: &MailRecord) -> Result<bool> {
    if mail.unsubscribe.is_none() {
        return Ok(false);
    }
    Ok(
        repo::get::<OptOutRecord>(store, (mail.business_id, mail.to.as_str()))
            .await?
            .is_some(),
    )
}
