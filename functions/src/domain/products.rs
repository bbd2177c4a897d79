//! Products that set a client's messaging mode. Staff define them; a purchase is recorded by
//! hand or by an online store's webhook (signed per business with HMAC-SHA256 over the
//! timestamp and the body; stale timestamps are refused, and an order is applied once however
//! often it is delivered). A purchase by someone who is not a client yet adds them, with an
//! invite.

use super::auth::Caller;
use super::*;
use crate::store::repo::{
    self, BusinessRecord, EmailOwner, OrderRecord, PhoneOwner, ProductRecord, PurchaseRecord,
    UserRecord, WebhookSecretRecord,
};
use crate::store::roster;
use crate::store::tx::{Tx, TxError};
use anyhow::Context as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use shared::api::{
    CreateClientRequest, CreateProductRequest, Invite, UpdateClientRequest, WebhookPurchaseRequest,
    WebhookPurchaseResult,
};
use shared::limits::{LIST_PAGE_MAX, PRICE_LABEL_MAX_CHARS, WEBHOOK_TOLERANCE_SECS};
use shared::model::{
    Client, MessagingMode, ModeChangeReason, Page, Product, ProductGrant, Purchase, PurchaseSource,
};
use shared::validate::{Email, Name, Phone};
use shared::{BusinessId, ProductId, UserId};

fn product_not_found() -> Error {
    Error::not_found("product.not_found", "There is no such product.")
}

fn unauthenticated_webhook() -> Error {
    Error::unauthorized(
        "webhook.bad_signature",
        "The request is not signed with this business's webhook secret.",
    )
}

/// The HMAC-SHA256 of `"<timestamp>.<body>"` under `secret`.
fn webhook_mac(secret: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// Whether a delivery signed at `at` is within the tolerance of `now` (any `at` at all: one
/// near the ends of `i64` is simply not fresh).
pub(crate) fn fresh(at: i64, now: i64) -> bool {
    now.checked_sub(at)
        .and_then(i64::checked_abs)
        .is_some_and(|off| off <= WEBHOOK_TOLERANCE_SECS)
}

/// `v1=<hex>` for `timestamp` and `body` under `secret`: what the store sends.
pub fn webhook_signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let bytes = webhook_mac(secret, timestamp, body).finalize().into_bytes();
    format!("v1={}", super::auth::hex(&bytes))
}

/// Whether `given` is a valid signature, compared in constant time.
pub(crate) fn signature_matches(secret: &str, timestamp: i64, body: &[u8], given: &str) -> bool {
    let Some(hex) = given.trim().strip_prefix("v1=") else {
        return false;
    };
    let Some(given) = (0..hex.len())
        .step_by(2)
        .map(|i| {
            hex.get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect::<Option<Vec<u8>>>()
    else {
        return false;
    };
    webhook_mac(secret, timestamp, body)
        .verify_slice(&given)
        .is_ok()
}

/// What an order is stored by: the hash of its id, so any id the store sends makes a short key.
fn order_hash(order_id: &str) -> String {
    super::auth::hash_token(order_id)
}

/// Products, purchases and the store's webhook.
pub struct Products {
    store: Arc<dyn Store>,
    clients: Arc<Clients>,
    /// The rate limits' counters: deliveries with a bad signature, per business.
    limits: Arc<dyn super::ports::Limits>,
}

impl Products {
    pub(super) fn new(
        store: Arc<dyn Store>,
        clients: Arc<Clients>,
        limits: Arc<dyn super::ports::Limits>,
    ) -> Self {
        Self {
            store,
            clients,
            limits,
        }
    }

    /// Defines a product.
    pub async fn create_product(
        &self,
        caller: &Caller,
        req: CreateProductRequest,
    ) -> Result<Product> {
        super::access::manager(caller)?;
        let name = Name::parse(&req.name, "name")?;
        let price_label = req.price_label.trim().to_owned();
        if price_label.chars().count() > PRICE_LABEL_MAX_CHARS {
            return Err(Error::invalid(
                "validation.too_long",
                format!("The price label can have at most {PRICE_LABEL_MAX_CHARS} characters."),
            ));
        }
        let product = Product {
            id: ProductId::from_ulid(super::ids::new_ulid()),
            name: name.into_inner(),
            price_label,
            grants: req.grants,
            created_at: now(),
        };
        let mut tx = Writes::from(vec![repo::create(
            (caller.business_id(), product.id),
            &ProductRecord::from(product.clone()),
        )?]);
        // What buying it does to a client's messaging is a rule of who may write.
        tx.extend(super::audit::entry_about(
            Some(caller),
            caller.business_id(),
            super::audit::About {
                person: None,
                name: &product.name,
                place: None,
            },
            shared::model::AuditKind::ProductGrant,
            None,
            super::audit::word(product.grants),
        )?);
        tx.commit(&*self.store).await?;
        Ok(product)
    }

    /// The business's products, oldest first.
    pub async fn list_products(&self, caller: &Caller) -> Result<Page<Product>> {
        super::access::staff(caller)?;
        let (records, next_cursor) =
            crate::store::products::page(&*self.store, caller.business_id(), None, LIST_PAGE_MAX)
                .await?;
        Ok(Page {
            items: records.into_iter().map(Into::into).collect(),
            next_cursor,
        })
    }

    async fn product(&self, b: BusinessId, id: ProductId) -> Result<Product> {
        repo::get::<ProductRecord>(&*self.store, (b, id))
            .await?
            .map(|r| r.value.into())
            .ok_or_else(product_not_found)
    }

    /// Records that a client bought a product, setting their messaging mode from it (the
    /// purchase, the mode and the record of the change are one transaction).
    pub async fn record_purchase(
        &self,
        caller: &Caller,
        client: UserId,
        product: ProductId,
        source: PurchaseSource,
    ) -> Result<Purchase> {
        super::access::staff(caller)?;
        let product = self.product(caller.business_id(), product).await?;
        let (purchase, _) = self
            .apply_purchase(caller, client, &product, source, None)
            .await?;
        Ok(purchase)
    }

    /// The purchase, the client's new mode and its record, and for a webhook the order's
    /// answer (created only if the order is new), all in one transaction: an order is applied
    /// once even if its delivery fails half way and is sent again.
    async fn apply_purchase(
        &self,
        caller: &Caller,
        client: UserId,
        product: &Product,
        source: PurchaseSource,
        order: Option<(&str, bool, Option<Invite>)>,
    ) -> Result<(Purchase, Option<WebhookPurchaseResult>)> {
        let b = caller.business_id();
        let id = super::ids::new_ulid();
        let at = now();
        let purchase = |mode_after| Purchase {
            id: shared::PurchaseId::from_ulid(id),
            client_id: client,
            product_id: product.id,
            product_name: product.name.clone(),
            source,
            mode_after,
            purchased_at: at,
        };
        let answer = |c: &Client| {
            order
                .as_ref()
                .map(|(_, created, invite)| WebhookPurchaseResult {
                    purchase: purchase(c.messaging),
                    client: c.clone(),
                    created_client: *created,
                    invite: invite.clone(),
                })
        };
        let req = UpdateClientRequest {
            messaging: match product.grants {
                ProductGrant::OneWay => Some(MessagingMode::OneWay),
                ProductGrant::TwoWay => Some(MessagingMode::TwoWay),
                ProductGrant::Unchanged => None,
            },
            ..Default::default()
        };
        let updated = self
            .clients
            .update_client_with(
                caller,
                client,
                req,
                ModeChangeReason::ProductPurchase,
                |u| {
                    let mut writes = vec![
                        repo::create(
                            (b, client, id),
                            &PurchaseRecord::from(purchase(u.messaging)),
                        )?,
                        // Who bought what, for mass messages to a product's buyers.
                        roster::buyer(b, product.id, client)?,
                    ];
                    if let (Some((hash, _, _)), Some(done)) =
                        (&order, answer(&super::clients::roster_entry(u)?))
                    {
                        writes.push(repo::create((b, *hash), &OrderRecord::from(done))?);
                    }
                    Ok(writes)
                },
            )
            .await?;
        Ok((purchase(updated.messaging), answer(&updated)))
    }

    /// A client's purchases, newest first.
    pub async fn list_purchases(
        &self,
        caller: &Caller,
        client: UserId,
        cursor: Option<String>,
    ) -> Result<Page<Purchase>> {
        super::access::staff(caller)?;
        self.clients.get_client(caller, client).await?;
        let (records, next_cursor) = crate::store::products::purchases(
            &*self.store,
            caller.business_id(),
            client,
            cursor,
            LIST_PAGE_MAX,
        )
        .await?;
        Ok(Page {
            items: records.into_iter().map(Into::into).collect(),
            next_cursor,
        })
    }

    /// The business's webhook secret, made on first ask.
    pub async fn webhook_secret(&self, caller: &Caller) -> Result<String> {
        super::access::manager(caller)?;
        let b = caller.business_id();
        if let Some(r) = repo::get::<WebhookSecretRecord>(&*self.store, b).await? {
            return Ok(r.value.secret);
        }
        let secret = format!(
            "whsec_{}",
            base64::Engine::encode(
                &base64::engine::general_purpose::URL_SAFE_NO_PAD,
                rand::random::<[u8; 32]>()
            )
        );
        let mut tx = Tx::new();
        tx.push_or(
            repo::create(
                b,
                &WebhookSecretRecord {
                    secret: secret.clone(),
                },
            )?,
            (),
        );
        match tx.commit(&*self.store).await {
            Ok(()) => Ok(secret),
            // Someone else made it at the same moment: theirs stands.
            Err(TxError::Refused(())) => repo::get::<WebhookSecretRecord>(&*self.store, b)
                .await?
                .map(|r| r.value.secret)
                .ok_or_else(Error::busy),
            Err(TxError::Stale) => Err(Error::busy()),
            Err(TxError::Store(e)) => Err(e.into()),
        }
    }

    /// A purchase reported by an online store. `business`, `timestamp` and `signature` come
    /// from the request's headers, `body` is its raw body, `source` where it came from.
    pub async fn webhook_purchase(
        &self,
        business: &str,
        timestamp: &str,
        signature: &str,
        body: &[u8],
        source: Option<std::net::IpAddr>,
    ) -> Result<(WebhookPurchaseResult, bool)> {
        let b: BusinessId = business.parse().map_err(|_| unauthenticated_webhook())?;
        // Guessing at a business's signatures from one source is refused once that source
        // used its allowance; the store's own deliveries, from elsewhere, are not.
        let guesses = || super::limits::Subject::Account(business, source);
        super::limits::WEBHOOK_BUSINESS
            .check(&*self.limits, guesses())
            .await?;
        let result = self.signed_purchase(b, timestamp, signature, body).await;
        if matches!(&result, Err(e) if e.code() == Some("webhook.bad_signature")) {
            super::limits::WEBHOOK_BUSINESS
                .add(&*self.limits, guesses())
                .await?;
        }
        result
    }

    async fn signed_purchase(
        &self,
        b: BusinessId,
        timestamp: &str,
        signature: &str,
        body: &[u8],
    ) -> Result<(WebhookPurchaseResult, bool)> {
        let at: i64 = timestamp
            .trim()
            .parse()
            .map_err(|_| unauthenticated_webhook())?;
        let secret = repo::get::<WebhookSecretRecord>(&*self.store, b)
            .await?
            .map(|r| r.value.secret)
            .ok_or_else(unauthenticated_webhook)?;
        if !signature_matches(&secret, at, body, signature) {
            return Err(unauthenticated_webhook());
        }
        if !fresh(at, now().unix_timestamp()) {
            return Err(Error::unauthorized(
                "webhook.stale",
                format!(
                    "The timestamp is more than {WEBHOOK_TOLERANCE_SECS} seconds from now: sign each delivery when sending it."
                ),
            ));
        }
        let req: WebhookPurchaseRequest = serde_json::from_slice(body).map_err(|e| {
            Error::invalid(
                "request.invalid_body",
                format!("The purchase could not be read: {e}"),
            )
        })?;
        let order_id = req.order_id.trim();
        if order_id.is_empty() || order_id.len() > 200 {
            return Err(Error::invalid(
                "webhook.order_id",
                "Give each order an order_id of 1 to 200 characters.",
            ));
        }
        // Delivered before: the same answer, nothing done twice.
        let order = order_hash(order_id);
        if let Some(done) = repo::get::<OrderRecord>(&*self.store, (b, order.as_str())).await? {
            return Ok((done.value.into(), false));
        }
        let business = repo::get::<BusinessRecord>(&*self.store, b)
            .await?
            .ok_or_else(unauthenticated_webhook)?;
        let owner = repo::get::<UserRecord>(&*self.store, (b, business.value.owner_id))
            .await?
            .ok_or_else(unauthenticated_webhook)?;
        let owner = Caller::from(&owner.value);
        let product = self.product(b, req.product_id).await?;

        // Who bought it: a client with this email or phone, or a new one.
        let email = req.email.as_deref().map(Email::parse).transpose()?;
        let phone = req.phone.as_deref().map(Phone::parse).transpose()?;
        let mut existing = None;
        if let Some(e) = &email {
            existing = repo::get::<EmailOwner>(&*self.store, (b, e.as_str()))
                .await?
                .map(|r| r.value.0);
        }
        if existing.is_none()
            && let Some(p) = &phone
        {
            existing = repo::get::<PhoneOwner>(&*self.store, (b, p.as_str()))
                .await?
                .map(|r| r.value.0);
        }
        let (client, invite, created) = match existing {
            Some(id) => (id, None, false),
            None => {
                let name = match req.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
                    Some(n) => n.to_owned(),
                    None => email
                        .as_ref()
                        .and_then(|e| e.as_str().split('@').next().map(str::to_owned))
                        .or_else(|| phone.as_ref().map(|p| p.as_str().to_owned()))
                        .unwrap_or_default(),
                };
                let added = self
                    .clients
                    .create_client(
                        &owner,
                        CreateClientRequest {
                            name,
                            email: email.as_ref().map(|e| e.as_str().to_owned()),
                            phone: phone.as_ref().map(|p| p.as_str().to_owned()),
                            messaging: match product.grants {
                                ProductGrant::OneWay => MessagingMode::OneWay,
                                _ => MessagingMode::TwoWay,
                            },
                            company_id: None,
                        },
                    )
                    .await?;
                (added.client.id, Some(added.invite), true)
            }
        };
        match self
            .apply_purchase(
                &owner,
                client,
                &product,
                PurchaseSource::Webhook,
                Some((order.as_str(), created, invite)),
            )
            .await
        {
            Ok((_, answer)) => Ok((
                answer.context("a webhook purchase is answered with its order")?,
                true,
            )),
            // The same order delivered twice at once: the first one's answer stands.
            Err(Error::Refused { code, .. }) if code == super::clients::EXTRA_TAKEN => Ok((
                repo::get::<OrderRecord>(&*self.store, (b, order.as_str()))
                    .await?
                    .map(|r| r.value.into())
                    .ok_or_else(Error::busy)?,
                false,
            )),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timestamp_anywhere_in_range_is_fresh_or_stale_without_overflow() {
        let now = 1_800_000_000;
        assert!(fresh(now, now));
        assert!(fresh(now - WEBHOOK_TOLERANCE_SECS, now));
        assert!(!fresh(now - WEBHOOK_TOLERANCE_SECS - 1, now));
        assert!(!fresh(now + WEBHOOK_TOLERANCE_SECS + 1, now));
        for at in [i64::MIN, i64::MIN + 1, i64::MAX, -1, 0] {
            assert!(!fresh(at, now), "{at}");
        }
    }

    #[test]
    fn signatures_cover_the_timestamp_and_the_body() {
        let sig = webhook_signature("whsec_test", 1_700_000_000, b"{\"a\":1}");
        assert!(sig.starts_with("v1=") && sig.len() == 3 + 64);
        assert!(signature_matches(
            "whsec_test",
            1_700_000_000,
            b"{\"a\":1}",
            &sig
        ));
        assert!(!signature_matches(
            "whsec_test",
            1_700_000_001,
            b"{\"a\":1}",
            &sig
        ));
        assert!(!signature_matches(
            "whsec_test",
            1_700_000_000,
            b"{\"a\":2}",
            &sig
        ));
        assert!(!signature_matches(
            "whsec_other",
            1_700_000_000,
            b"{\"a\":1}",
            &sig
        ));
        assert!(!signature_matches(
            "whsec_test",
            1_700_000_000,
            b"{\"a\":1}",
            "v1=zz"
        ));
        assert!(!signature_matches(
            "whsec_test",
            1_700_000_000,
            b"{\"a\":1}",
            ""
        ));
    }
}
