//! Web Push: each browser that allowed notifications registers its subscription (the push
//! service's endpoint and the keys to encrypt for it); a push is encrypted for that browser
//! (RFC 8291) and signed with the server's VAPID key (RFC 8292), which the apps give the
//! browser when they subscribe (`GET /api/push/key`).

use super::auth::Caller;
use super::ports::PushService;
use super::*;
use crate::store::repo::{self, PushSubscriptionRecord};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use p256::ecdsa::signature::Signer as _;
use shared::api::{PushKey, PushPayload, PushSubscriptionCreated, PushSubscriptionRequest};
use shared::{BusinessId, UserId};

/// Browsers (devices) one person may register at most; the oldest makes room for a new one.
pub const SUBSCRIPTIONS_MAX: usize = 20;
/// How long a VAPID signature is good for (push services refuse more than a day).
const VAPID_VALID_SECS: i64 = 12 * 3600;

/// The server's VAPID key pair, derived from a secret (the same secret, the same key: the
/// browsers' subscriptions are bound to it), and who to contact about its pushes.
#[derive(Clone)]
pub struct Vapid {
    key: p256::ecdsa::SigningKey,
    public: String,
    contact: String,
}

impl std::fmt::Debug for Vapid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vapid")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

impl Vapid {
    /// The key derived from `secret`; `contact` (a `mailto:` or `https:` URI) goes in each
    /// signature for push services to reach the sender.
    pub fn from_secret(secret: &[u8], contact: &str) -> Self {
        // A scalar from the secret: the first of HMAC(secret, purpose, n) that is one.
        let key = (0u32..)
            .find_map(|n| {
                let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret).ok()?;
                mac.update(b"sideline vapid key");
                mac.update(&n.to_be_bytes());
                p256::ecdsa::SigningKey::from_slice(&mac.finalize().into_bytes()).ok()
            })
            .expect("a valid scalar comes within a few tries");
        let public = URL_SAFE_NO_PAD.encode(key.verifying_key().to_encoded_point(false).as_bytes());
        Self {
            key,
            public,
            contact: contact.to_owned(),
        }
    }

    /// The public key as browsers take it (`applicationServerKey`): the uncompressed point,
    /// base64url.
    pub fn public_key(&self) -> &str {
        &self.public
    }

    /// The `Authorization` header of a push to `endpoint` at `now`: `vapid t=<JWT>, k=<key>`,
    /// the JWT for the endpoint's origin, signed ES256.
    pub fn authorization(&self, endpoint: &http::Uri, now: time::OffsetDateTime) -> Result<String> {
        let (Some(scheme), Some(authority)) = (endpoint.scheme_str(), endpoint.authority()) else {
            return Err(anyhow::anyhow!("a push endpoint without an origin").into());
        };
        let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"ES256"}"#);
        let claims = serde_json::json!({
            "aud": format!("{scheme}://{authority}"),
            "exp": now.unix_timestamp() + VAPID_VALID_SECS,
            "sub": self.contact,
        });
        let claims = URL_SAFE_NO_PAD.encode(claims.to_string());
        let signed = format!("{header}.{claims}");
        let signature: p256::ecdsa::Signature = self.key.sign(signed.as_bytes());
        let signature = URL_SAFE_NO_PAD.encode(signature.to_bytes());
        Ok(format!("vapid t={signed}.{signature}, k={}", self.public))
    }
}

/// What the push service needs: the key, and whether endpoints on this machine are allowed
/// (the local server, so tests and people trying the product can run a push service; never on
/// AWS, where every endpoint is https).
#[derive(Debug, Clone)]
pub struct PushSettings {
    pub vapid: Vapid,
    pub loopback: bool,
}

/// A subscription's id: the first 16 bytes of its endpoint's SHA-256, hex. The same browser
/// registering again (or a retry) lands on the same record.
pub fn subscription_id(endpoint: &str) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(endpoint.as_bytes())[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether a subscription's id is one this server could have given.
pub fn is_subscription_id(id: &str) -> bool {
    id.len() == 32
        && id
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

fn invalid(message: &str) -> Error {
    Error::invalid("push.subscription_invalid", message.to_owned())
}

/// Bytes of base64url (with or without padding, as browsers give them).
fn base64url(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')).ok()
}

/// Whether `host` is this machine.
fn loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Whether the site at `site_url` is served over plain http from this machine: the local
/// server, never a deployment.
pub fn served_locally(site_url: &str) -> bool {
    site_url
        .parse::<http::Uri>()
        .is_ok_and(|u| u.scheme_str() == Some("http") && u.host().is_some_and(loopback))
}

/// How long a push service keeps a push for a browser that is offline (seconds).
const PUSH_TTL_SECS: u32 = 24 * 3600;

/// How soon a push should reach the device (RFC 8030 `Urgency`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Urgency {
    Normal,
    High,
}

/// What came of a push to someone's browsers.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Delivered {
    /// Taken by the push service.
    pub sent: usize,
    /// The browser is gone (404/410): its subscription was forgotten.
    pub gone: usize,
    /// Refused or unanswered for now.
    pub failed: usize,
}

pub struct Push {
    store: Arc<dyn Store>,
    settings: PushSettings,
    /// The sender, made on first use (it reads the system's root certificates).
    service: std::sync::OnceLock<Arc<dyn PushService>>,
}

impl Push {
    pub fn new(store: Arc<dyn Store>, settings: PushSettings) -> Self {
        Self {
            store,
            settings,
            service: std::sync::OnceLock::new(),
        }
    }

    fn service(&self) -> Result<Arc<dyn PushService>> {
        if let Some(s) = self.service.get() {
            return Ok(s.clone());
        }
        let made: Arc<dyn PushService> = Arc::new(crate::adapters::webpush::WebPush::new()?);
        Ok(self.service.get_or_init(|| made).clone())
    }

    /// Pushes `payload` to each of `u`'s browsers: encrypted for each, signed with the VAPID
    /// key, collapsing with earlier pushes of the same tag. A browser that is gone is forgotten.
    pub async fn send(
        &self,
        b: BusinessId,
        u: UserId,
        payload: &PushPayload,
        urgency: Urgency,
    ) -> Result<Delivered> {
        Ok(self.send_except(b, u, payload, urgency, &[]).await?.0)
    }

    /// [`Push::send`] to each browser but those in `reached` (ids): what came of it, and the
    /// browsers it reached now.
    pub async fn send_except(
        &self,
        b: BusinessId,
        u: UserId,
        payload: &PushPayload,
        urgency: Urgency,
        reached: &[String],
    ) -> Result<(Delivered, Vec<String>)> {
        let mut subscriptions = self.subscriptions_of(b, u).await?;
        subscriptions.retain(|(id, _)| !reached.contains(id));
        if subscriptions.is_empty() {
            return Ok((Delivered::default(), Vec::new()));
        }
        let service = self.service()?;
        let message = serde_json::to_vec(payload).map_err(anyhow::Error::from)?;
        let sends = subscriptions.iter().map(|(id, s)| {
            let (service, message) = (service.clone(), message.clone());
            async move {
                let outcome = self.send_one(&*service, s, message, payload, urgency).await;
                (id, outcome)
            }
        });
        let mut delivered = Delivered::default();
        let mut now_reached = Vec::new();
        for (id, outcome) in futures::future::join_all(sends).await {
            match outcome {
                Ok(200..=299) => {
                    delivered.sent += 1;
                    now_reached.push(id.clone());
                }
                Ok(404 | 410) => {
                    delivered.gone += 1;
                    self.store
                        .transact(vec![repo::delete::<PushSubscriptionRecord>((b, u, id))])
                        .await?;
                }
                Ok(status) => {
                    delivered.failed += 1;
                    tracing::warn!(status, subscription = %id, "a push service refused a push");
                }
                Err(e) => {
                    delivered.failed += 1;
                    tracing::warn!(error = ?e, subscription = %id, "a push failed");
                }
            }
        }
        Ok((delivered, now_reached))
    }

    /// One push to one browser: its status.
    async fn send_one(
        &self,
        service: &dyn PushService,
        s: &PushSubscriptionRecord,
        message: Vec<u8>,
        payload: &PushPayload,
        urgency: Urgency,
    ) -> anyhow::Result<u16> {
        let ua_public = base64url(&s.p256dh)
            .and_then(|k| p256::PublicKey::from_sec1_bytes(&k).ok())
            .ok_or_else(|| anyhow::anyhow!("a stored push key is not a P-256 key"))?;
        let auth: [u8; 16] = base64url(&s.auth)
            .and_then(|a| a.try_into().ok())
            .ok_or_else(|| anyhow::anyhow!("a stored push secret is not 16 bytes"))?;
        let auth = web_push_native::Auth::from(auth);
        let body = web_push_native::encrypt(message, &ua_public, &auth)
            .map_err(|e| anyhow::anyhow!("encrypting a push: {e:?}"))?;
        let endpoint: http::Uri = s.endpoint.parse()?;
        let authorization = self
            .settings
            .vapid
            .authorization(&endpoint, now())
            .map_err(|e| anyhow::anyhow!("signing a push: {e:?}"))?;
        let mut headers = vec![
            ("TTL", PUSH_TTL_SECS.to_string()),
            ("Content-Encoding", "aes128gcm".to_owned()),
            ("Content-Type", "application/octet-stream".to_owned()),
            ("Authorization", authorization),
            (
                "Urgency",
                match urgency {
                    Urgency::Normal => "normal",
                    Urgency::High => "high",
                }
                .to_owned(),
            ),
        ];
        // A topic is at most 32 characters of the base64url alphabet (RFC 8030).
        if payload.tag.len() <= 32
            && payload
                .tag
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        {
            headers.push(("Topic", payload.tag.clone()));
        }
        service.post(&s.endpoint, headers, body).await
    }

    pub fn vapid(&self) -> &Vapid {
        &self.settings.vapid
    }

    /// The key browsers subscribe with.
    pub fn key(&self) -> PushKey {
        PushKey {
            public_key: self.settings.vapid.public_key().to_owned(),
        }
    }

    /// Checks a browser's subscription: an https endpoint (or one on this machine, locally),
    /// a P-256 public key and a 16-byte secret.
    fn check(&self, req: &PushSubscriptionRequest) -> Result<PushSubscriptionRecord> {
        let endpoint = req.endpoint.trim();
        if endpoint.len() > shared::limits::PUSH_ENDPOINT_MAX_CHARS {
            return Err(invalid("The endpoint is too long."));
        }
        let uri: http::Uri = endpoint
            .parse()
            .map_err(|_| invalid("The endpoint is not a URL."))?;
        let host = uri.host().unwrap_or_default();
        match uri.scheme_str() {
            Some("https") if !host.is_empty() => {}
            Some("http") if self.settings.loopback && loopback(host) => {}
            _ => return Err(invalid("A push endpoint is an https URL.")),
        }
        let p256dh = base64url(&req.keys.p256dh)
            .filter(|k| p256::PublicKey::from_sec1_bytes(k).is_ok() && k.len() == 65)
            .ok_or_else(|| invalid("keys.p256dh is not a P-256 public key (base64url)."))?;
        let auth = base64url(&req.keys.auth)
            .filter(|a| a.len() == 16)
            .ok_or_else(|| invalid("keys.auth is not a 16-byte secret (base64url)."))?;
        Ok(PushSubscriptionRecord {
            endpoint: endpoint.to_owned(),
            p256dh: URL_SAFE_NO_PAD.encode(p256dh),
            auth: URL_SAFE_NO_PAD.encode(auth),
            created_at: now(),
            session: None,
        })
    }

    /// Registers the caller's browser for pushes (again: the same record, its keys renewed).
    /// At most [`SUBSCRIPTIONS_MAX`] per person: the oldest goes to make room.
    pub async fn subscribe(
        &self,
        caller: &Caller,
        req: PushSubscriptionRequest,
    ) -> Result<PushSubscriptionCreated> {
        let record = PushSubscriptionRecord {
            session: caller.session().map(str::to_owned),
            ..self.check(&req)?
        };
        let (b, u) = (caller.business_id(), caller.user_id());
        let id = subscription_id(&record.endpoint);
        let mut writes = vec![repo::overwrite((b, u, id.as_str()), &record)?];
        let mut others: Vec<(String, PushSubscriptionRecord)> =
            crate::store::push::of(&*self.store, b, u)
                .await?
                .into_iter()
                .filter(|(other, _)| *other != id)
                .collect();
        if others.len() >= SUBSCRIPTIONS_MAX {
            others.sort_by_key(|(_, s)| s.created_at);
            let extra = others.len() + 1 - SUBSCRIPTIONS_MAX;
            for (old, _) in others.iter().take(extra) {
                writes.push(repo::delete::<PushSubscriptionRecord>((b, u, old.as_str())));
            }
        }
        self.store.transact(writes).await?;
        Ok(PushSubscriptionCreated { id })
    }

    /// Forgets the browsers `u` registered in `session`, or in any session (every session of
    /// theirs ended): the session that registered them is over.
    pub async fn forget_session(
        &self,
        b: BusinessId,
        u: UserId,
        session: Option<&str>,
    ) -> Result<()> {
        let writes: Vec<_> = self
            .subscriptions_of(b, u)
            .await?
            .into_iter()
            .filter(|(_, s)| session.is_none_or(|ended| s.session.as_deref() == Some(ended)))
            .map(|(id, _)| repo::delete::<PushSubscriptionRecord>((b, u, id.as_str())))
            .collect();
        if !writes.is_empty() {
            self.store.transact(writes).await?;
        }
        Ok(())
    }

    /// Forgets one of the caller's browsers (signed out there, or notifications turned off).
    /// Forgetting one that is not there changes nothing.
    pub async fn unsubscribe(&self, caller: &Caller, id: &str) -> Result<()> {
        if !is_subscription_id(id) {
            return Err(Error::not_found(
                "push.not_found",
                "There is no such push subscription.",
            ));
        }
        let (b, u) = (caller.business_id(), caller.user_id());
        self.store
            .transact(vec![repo::delete::<PushSubscriptionRecord>((b, u, id))])
            .await?;
        Ok(())
    }

    /// Someone's browsers, by subscription id.
    pub async fn subscriptions_of(
        &self,
        b: BusinessId,
        u: UserId,
    ) -> Result<Vec<(String, PushSubscriptionRecord)>> {
        Ok(crate::store::push::of(&*self.store, b, u).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same secret gives the same key (browsers' subscriptions stay good), another secret
    /// another; the header names the key. (`tests/api/push.rs` verifies the signature as a push
    /// service does.)
    #[test]
    fn the_vapid_key_is_the_secrets_own() {
        let vapid = Vapid::from_secret(b"a secret of the deployment", "mailto:ops@example.com");
        let again = Vapid::from_secret(b"a secret of the deployment", "mailto:ops@example.com");
        assert_eq!(vapid.public_key(), again.public_key());
        assert_ne!(
            vapid.public_key(),
            Vapid::from_secret(b"another", "mailto:ops@example.com").public_key()
        );
        let endpoint = http::Uri::from_static("https://push.example.net:8443/send/abc");
        let header = vapid
            .authorization(&endpoint, time::macros::datetime!(2026-12-03 10:00 UTC))
            .expect("signed");
        assert!(header.starts_with("vapid t=ey"), "{header}");
        assert!(header.ends_with(&format!(", k={}", vapid.public_key())));
        let no_origin = http::Uri::from_static("/send/abc");
        assert!(vapid.authorization(&no_origin, now()).is_err());
    }

    #[test]
    fn subscription_ids_are_the_endpoints_own() {
        let id = subscription_id("https://push.example.net/a");
        assert!(is_subscription_id(&id));
        assert_eq!(id, subscription_id("https://push.example.net/a"));
        assert_ne!(id, subscription_id("https://push.example.net/b"));
        for bad in ["", "../x", &id.to_uppercase(), &id[1..]] {
            assert!(!is_subscription_id(bad), "{bad}");
        }
        assert!(loopback("127.0.0.1") && loopback("[::1]") && loopback("localhost"));
        assert!(!loopback("10.0.0.1") && !loopback("example.com"));
        assert!(served_locally("http://127.0.0.1:8080") && served_locally("http://[::1]:80"));
        assert!(!served_locally("https://127.0.0.1") && !served_locally("http://sideline.example"));
    }
}
