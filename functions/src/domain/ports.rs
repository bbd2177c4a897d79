//! The ports the domain owns besides the Store: what it needs of the outside world, each
//! with an AWS adapter and a local one in `adapters/`.

use async_trait::async_trait;
use shared::events::{ServerEvent, SessionEndReason};
use shared::{BusinessId, UserId};

/// What a person's open apps say they show, across their devices.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Presence {
    /// The conversations open in an app that is in front now.
    pub viewing: Vec<shared::ConversationId>,
    /// An app of theirs is in front now.
    pub visible: bool,
    /// When an app of theirs last told what it shows (unix seconds).
    pub seen_at: Option<i64>,
}

impl Presence {
    /// Counts in one connection's report.
    pub fn add(&mut self, open: Option<shared::ConversationId>, visible: bool, seen_at: i64) {
        if visible {
            self.visible = true;
            self.viewing.extend(open);
        }
        self.seen_at = Some(self.seen_at.map_or(seen_at, |s| s.max(seen_at)));
    }

    /// Whether `c` is open and in front on one of their devices.
    pub fn viewing(&self, c: shared::ConversationId) -> bool {
        self.viewing.contains(&c)
    }

    /// Whether they are in the app now or were within
    /// [`shared::notify::ACTIVE_WITHIN_SECS`] of `now` (unix seconds).
    pub fn active(&self, now: i64) -> bool {
        self.visible
            || self
                .seen_at
                .is_some_and(|s| now - s <= shared::notify::ACTIVE_WITHIN_SECS)
    }
}

/// Pushes events to every open connection of a person, and closes connections whose session
/// ended.
#[async_trait]
pub trait Realtime: Send + Sync + 'static {
    /// What `user`'s open connections say they show.
    async fn presence(&self, business: BusinessId, user: UserId) -> anyhow::Result<Presence>;

    /// Pushes `event` to every open connection of `user`.
    async fn push(
        &self,
        business: BusinessId,
        user: UserId,
        event: &ServerEvent,
    ) -> anyhow::Result<()> {
        self.push_many(business, std::slice::from_ref(&user), event)
            .await
    }

    /// Pushes `event` to every open connection of each of `users` (everyone a conversation's
    /// change is for). An error means nothing was sent, so the stream's retry of the change
    /// sends nobody the event twice; a connection that cannot be reached once it was found is
    /// skipped (and forgotten when it is gone), not an error.
    async fn push_many(
        &self,
        business: BusinessId,
        users: &[UserId],
        event: &ServerEvent,
    ) -> anyhow::Result<()>;

    /// Closes `user`'s connections opened with `session`, or all of them: each is told why
    /// (`session.ended`), then closed. Closing what is already closed does nothing.
    async fn end_sessions(
        &self,
        business: BusinessId,
        user: UserId,
        session: Option<&str>,
        reason: SessionEndReason,
    ) -> anyhow::Result<()>;
}

/// An email as the Email port sends it: plain text (the one part every email has), from the
/// business's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// The business it is from.
    pub business_id: BusinessId,
    pub to: String,
    /// The sender's display name: the business's.
    pub from_name: String,
    pub subject: String,
    pub text: String,
    /// The links in `text`.
    pub links: Vec<String>,
    /// For what is not strictly transactional: the one-click unsubscribe URL (RFC 8058).
    pub unsubscribe: Option<String>,
}

/// Sends email: SES on AWS, the dev mailbox locally. Called by the change stream's consumer
/// only, once per email of the outbox.
#[async_trait]
pub trait Email: Send + Sync + 'static {
    /// Sends `mail`; `id` is the outbox's id of it.
    async fn send(&self, id: &str, mail: &Mail) -> anyhow::Result<()>;
}

/// Counts attempts per key in fixed windows, for rate limits: in the process locally, in a
/// counter every Lambda shares on AWS.
#[async_trait]
pub trait Limits: Send + Sync + 'static {
    /// How many attempts were counted for `key` in window number `window`.
    async fn count(&self, key: &str, window: i64) -> anyhow::Result<u32>;
    /// Counts one more attempt for `key` in window number `window`, which ends at `ends_at`
    /// (unix seconds): the count may be forgotten after that.
    async fn add(&self, key: &str, window: i64, ends_at: i64) -> anyhow::Result<()>;
}

/// Where to send a file, signed: the URL and the headers the upload must carry exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presigned {
    pub url: String,
    pub headers: Vec<(String, String)>,
}

/// What is stored under a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobInfo {
    pub size: u64,
    pub content_type: String,
}

/// How a download is offered: shown in the page (photos, videos, voice notes) or saved as a
/// file under its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    Inline,
    Download,
}

/// Files sent with messages: S3 on AWS, files under the data dir locally. Browsers upload and
/// download straight to and from it through short-lived signed URLs; the server only signs,
/// checks and deletes.
#[async_trait]
pub trait Blobs: Send + Sync + 'static {
    /// A URL to PUT exactly `size` bytes of `content_type` at `key`, until `ttl` has passed.
    /// Another size or type is refused by the storage itself.
    async fn presign_put(
        &self,
        key: &str,
        content_type: &str,
        size: u64,
        ttl: std::time::Duration,
    ) -> anyhow::Result<Presigned>;

    /// A URL to GET what is at `key` until `ttl` has passed, served as `content_type`, inline
    /// or as a download named `name`.
    async fn presign_get(
        &self,
        key: &str,
        content_type: &str,
        name: &str,
        disposition: Disposition,
        ttl: std::time::Duration,
    ) -> anyhow::Result<String>;

    /// What is stored at `key`, if anything.
    async fn head(&self, key: &str) -> anyhow::Result<Option<BlobInfo>>;

    /// Deletes what is at `key`; deleting what is not there succeeds.
    async fn delete(&self, key: &str) -> anyhow::Result<()>;
}

/// Delivers pushes to browsers' push services (Web Push, RFC 8030): the same sender on AWS and
/// locally, where an endpoint on this machine is allowed.
#[async_trait]
pub trait PushService: Send + Sync + 'static {
    /// POSTs an encrypted push to `endpoint` with `headers`; the push service's status.
    async fn post(
        &self,
        endpoint: &str,
        headers: Vec<(&'static str, String)>,
        body: Vec<u8>,
    ) -> anyhow::Result<u16>;
}

/// The network refused what it was asked, as asked (a registration field it does not take):
/// its words, for the person who asked. Anything else failing is the network's trouble.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

/// A number the network gave a business.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvisionedNumber {
    /// E.164.
    pub number: String,
    /// The network's id of it (to release it, to register it).
    pub id: String,
}

/// A text to hand to the network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingText<'a> {
    /// The outbox's id of it.
    pub id: &'a str,
    pub to: &'a str,
    /// The business's number; none: the shared system number.
    pub from: Option<&'a str>,
    pub body: &'a str,
    pub kind: shared::sms::TextKind,
}

/// A toll-free verification to submit.
#[derive(Debug, Clone, Copy)]
pub struct Submission<'a> {
    pub business: BusinessId,
    /// The network's id of the number it verifies.
    pub number_id: &'a str,
    /// The registration whose reviewers asked for changes: submitted again as its next
    /// version rather than as a new registration.
    pub revising: Option<&'a str>,
    pub form: &'a shared::sms::RegistrationForm,
    /// The network's id of the opt-in proof ([`Sms::registration_attachment`]).
    pub opt_in_proof: &'a str,
    pub address: &'a shared::model::Address,
    pub country: &'a str,
}

/// How far the network took a text when it answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handed {
    /// Accepted (delivery is reported later), with the network's id of it.
    Sent(String),
    /// Already on the phone (the local simulator).
    Delivered(String),
}

/// Texting: numbers, registrations and sending through AWS End User Messaging and SNS; the
/// phone simulator locally. Sending is called by the change stream's consumer only, once per
/// text of the outbox.
#[async_trait]
pub trait Sms: Send + Sync + 'static {
    /// The shared number texts go from before a business's own is verified.
    fn system_number(&self) -> String;

    /// A new toll-free number for `business`.
    async fn request_number(&self, business: BusinessId) -> anyhow::Result<ProvisionedNumber>;

    /// Gives a number back; releasing one already gone succeeds.
    async fn release_number(&self, id: &str) -> anyhow::Result<()>;

    /// Hands the network the file that proves how clients agree to texts (PNG, JPEG or PDF,
    /// [`shared::sms::OPT_IN_PROOF_MAX_BYTES`] at most); its id, for a submission.
    async fn registration_attachment(
        &self,
        content_type: &str,
        body: Vec<u8>,
    ) -> anyhow::Result<String>;

    /// Submits a toll-free verification; the registration's id.
    async fn submit_registration(&self, submission: &Submission<'_>) -> anyhow::Result<String>;

    /// Where the reviewers got with registration `id`, and their reason when they want changes
    /// or refused it; none when the network tells nothing new here (the phone simulator's
    /// decisions come from its dev control).
    async fn registration_review(
        &self,
        _id: &str,
    ) -> anyhow::Result<Option<(shared::sms::RegistrationState, Option<String>)>> {
        Ok(None)
    }

    /// Hands `text` to the network.
    async fn send(&self, text: &OutgoingText<'_>) -> anyhow::Result<Handed>;
}
