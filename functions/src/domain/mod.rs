//! Services and the rules they enforce, written against the ports. One service per area
//! (accounts, clients, companies, conversations, groups, mass messages, products, settings,
//! staff), each holding only the ports and the other services it uses, assembled in one place
//! ([`assemble`]). Handlers call these and nothing else; every check of who may do what happens
//! here, through [`access`] and `shared::rules`.

pub mod access;
pub mod audit;
pub mod auth;
pub mod clients;
pub mod companies;
pub mod conversations;
pub mod error;
pub mod groups;
pub mod ids;
pub mod limits;
pub mod mass;
pub mod media;
pub mod merge;
pub mod notifications;
pub mod notifier;
pub mod ports;
pub mod products;
pub mod push;
pub mod requests;
pub mod scheduler;
pub mod settings;
pub mod staff;
pub mod templates;
pub mod texting;
pub mod unsubscribe;
pub mod vault;

pub use auth::{Accounts, Tokens};
pub use clients::Clients;
pub use companies::Companies;
pub use conversations::Conversations;
pub use error::{Error, Kind, Result, RetryAfter};
pub use groups::Groups;
pub use mass::MassMessages;
pub use products::Products;
pub use settings::BusinessSettings;
pub use staff::Staff;

use crate::store::Store;
use crate::store::tx::{Tx, TxError};
use ports::Realtime;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// The services of every area, built once per process. Each holds only the ports (and the
/// other services) it uses.
pub struct Services {
    pub accounts: Accounts,
    pub audit: audit::Audit,
    pub clients: Arc<Clients>,
    pub companies: Companies,
    pub conversations: Arc<Conversations>,
    pub groups: Groups,
    pub mass: Arc<MassMessages>,
    pub media: media::Media,
    pub notifications: Arc<notifications::Notifications>,
    pub notifier: Arc<notifier::Notifier>,
    pub products: Products,
    pub push: Arc<push::Push>,
    pub requests: requests::Requests,
    pub scheduler: scheduler::Scheduler,
    pub settings: BusinessSettings,
    pub staff: Staff,
    pub templates: templates::Templates,
    pub texting: Arc<texting::Texting>,
    pub unsubscribe: Arc<unsubscribe::Unsubscribe>,
    pub vault: vault::Vault,
}

/// Shared by every router.
pub type AppState = Arc<Services>;

/// Puts the services together over their adapters: the one way the local server, the Lambda
/// functions, the stream handler and the tests build them. `site_url` is where the apps are
/// served (links in emails point there). `realtime` is the fast path of live
/// events: what a service pushes right after its commit (the change stream delivers every
/// event as well; clients drop the second copy by id).
pub fn assemble(
    store: Arc<dyn Store>,
    realtime: Arc<dyn Realtime>,
    blobs: Arc<dyn ports::Blobs>,
    tokens: auth::Tokens,
    site_url: &str,
) -> AppState {
    let limits = Arc::new(crate::adapters::limits::MemoryLimits::default());
    let sms = Arc::new(crate::adapters::phone::PhoneSimulator::new(store.clone()));
    assemble_with(store, realtime, blobs, tokens, site_url, limits, sms)
}

/// [`assemble`] with the rate limits' counters given (on AWS the store's, which every Lambda
/// shares; the embedded default counts in its one process) and texting's adapter (the phone
/// simulator in the embedded default).
pub fn assemble_with(
    store: Arc<dyn Store>,
    realtime: Arc<dyn Realtime>,
    blobs: Arc<dyn ports::Blobs>,
    tokens: auth::Tokens,
    site_url: &str,
    limits: Arc<dyn ports::Limits>,
    sms: Arc<dyn ports::Sms>,
) -> AppState {
    // A read that fails for a moment is tried again before anyone sees it fail.
    let store: Arc<dyn Store> = Arc::new(crate::store::retrying::Retrying::new(store));
    // The VAPID key is derived from the token secret, like every other key of the server (a
    // new secret means new keys: browsers then subscribe again). Endpoints on this machine are
    // allowed only when the site is served from it (the local server).
    let push = push::PushSettings {
        vapid: push::Vapid::from_secret(&tokens.derive("sideline vapid key"), site_url),
        loopback: push::served_locally(site_url),
    };
    let conversations = Arc::new(Conversations::new(
        store.clone(),
        realtime.clone(),
        blobs.clone(),
        limits.clone(),
        site_url,
    ));
    let clients = Arc::new(Clients::new(store.clone(), conversations.clone(), site_url));
    let unsubscribe = Arc::new(unsubscribe::Unsubscribe::new(
        store.clone(),
        tokens.derive("sideline unsubscribe links"),
        site_url,
    ));
    let push = Arc::new(push::Push::new(store.clone(), push));
    let mass = Arc::new(MassMessages::new(
        store.clone(),
        clients.clone(),
        conversations.clone(),
        limits.clone(),
    ));
    let notifications = Arc::new(notifications::Notifications::new(
        store.clone(),
        conversations.clone(),
    ));
    let notifier = Arc::new(notifier::Notifier::new(
        store.clone(),
        realtime,
        push.clone(),
        notifications.clone(),
        unsubscribe.clone(),
        site_url,
    ));
    let texting = Arc::new(texting::Texting::new(
        store.clone(),
        sms,
        conversations.clone(),
    ));
    Arc::new(Services {
        unsubscribe,
        notifications,
        accounts: Accounts::new(store.clone(), tokens, site_url, limits.clone()),
        audit: audit::Audit::new(store.clone()),
        companies: Companies::new(store.clone(), conversations.clone()),
        groups: Groups::new(store.clone(), conversations.clone()),
        mass: mass.clone(),
        media: media::Media::new(store.clone(), blobs.clone(), conversations.clone()),
        vault: vault::Vault::new(store.clone(), blobs),
        products: Products::new(store.clone(), clients.clone(), limits.clone()),
        push,
        requests: requests::Requests::new(store.clone()),
        scheduler: scheduler::Scheduler::new(
            store.clone(),
            conversations.clone(),
            mass,
            notifier.clone(),
            texting.clone(),
        ),
        notifier,
        settings: BusinessSettings::new(store.clone()),
        templates: templates::Templates::new(store.clone()),
        texting,
        staff: Staff::new(store, site_url),
        clients,
        conversations,
    })
}

/// What one attempt of an optimistic write came to.
pub enum Attempt<T> {
    Done(T),
    /// Someone else wrote first; read again and retry.
    Retry,
}

/// The domain's transactions: a write pushed with an error fails the commit with that error.
pub type Writes = Tx<Error>;

impl From<TxError<Error>> for Error {
    fn from(e: TxError<Error>) -> Self {
        match e {
            TxError::Refused(e) => e,
            // Outside a retry loop, a record that changed since it was read is contention.
            TxError::Stale => Error::busy(),
            TxError::Store(e) => e.into(),
        }
    }
}

/// Commits `tx` as one attempt of a [`retrying`] write: done with `value`, or retried when a
/// record it read changed meanwhile.
pub async fn commit<T>(store: &dyn Store, tx: Writes, value: T) -> Result<Attempt<T>> {
    match tx.commit(store).await {
        Ok(()) => Ok(Attempt::Done(value)),
        Err(TxError::Stale) => Ok(Attempt::Retry),
        Err(e) => Err(e.into()),
    }
}

/// How long an optimistic write keeps trying before the caller is told to come back. Time,
/// not a count of tries, bounds it: a hundred people writing to one conversation at once take
/// turns for as long as their turns take, however busy the machine.
const RETRY_FOR: Duration = Duration::from_secs(8);

/// Runs `attempt` until it is done, backing off with jitter between tries.
pub async fn retrying<T, F, Fut>(mut attempt: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Attempt<T>>>,
{
    let deadline = tokio::time::Instant::now() + RETRY_FOR;
    let mut n = 0u32;
    while tokio::time::Instant::now() < deadline {
        match attempt().await {
            Ok(Attempt::Done(v)) => return Ok(v),
            Ok(Attempt::Retry)
            | Err(Error::Refused {
                kind: Kind::Busy, ..
            }) => {
                let cap_us = 200u64 << n.min(8);
                let wait = rand::random_range(0..=cap_us);
                tokio::time::sleep(Duration::from_micros(wait)).await;
                n += 1;
            }
            Err(e) => return Err(e),
        }
    }
    Err(Error::busy())
}

/// `items` without repeats, in their first order, in one pass. Callers check the length of
/// what they were sent first, so the work is bounded by the limit, not by the request.
pub fn unique_in_order<T: std::hash::Hash + Eq + Copy>(items: Vec<T>) -> Vec<T> {
    let mut seen = std::collections::HashSet::with_capacity(items.len());
    items.into_iter().filter(|i| seen.insert(*i)).collect()
}

/// Now, in UTC.
pub fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}
