//! Accounts: sign-up of a business and its owner, sign-in, invites, session tokens, and
//! resolving a token to the caller it stands for.

use super::limits::{self, Subject};
use super::*;
use crate::store::Write;
use crate::store::repo::{
    self, BusinessRecord, CurrentInvite, CurrentReset, EmailOwner, InviteRecord, LoginMember,
    LoginRecord, MailRecord, MailState, ResetRecord, SessionRecord, UserRecord, VerifyRecord,
    Versioned,
};
use anyhow::Context as _;
use argon2::password_hash::phc::PasswordHash;
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use shared::api::{AuthResponse, InvitePreview, LoginBusiness, SignupRequest};
use shared::limits::{INVITE_TTL_SECS, RESET_TTL_SECS, SESSION_TTL_SECS, VERIFY_TTL_SECS};
use shared::model::{MessagingMode, Role, User};
use shared::validate::{Email, Name, Phone, check_password};
use shared::{BusinessId, UserId};
use std::net::IpAddr;
use std::sync::OnceLock;
use time::{Duration, OffsetDateTime};

/// Signs and checks session tokens (HS256 JWT). A token names its session and the person's
/// session epoch; [`Accounts::authenticate`] checks both against the store on every request, so
/// a session ends the moment it is signed out, and every session of a person ends when their
/// epoch is raised.
pub struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    /// Keys for other signatures, derived from the secret (one per purpose).
    secret: Secret,
}

/// The signing secret: never in a `Debug` output.
struct Secret(Vec<u8>);

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    biz: String,
    role: Role,
    /// The session.
    sid: String,
    /// The person's session epoch when it was issued.
    ep: u32,
    iat: i64,
    exp: i64,
}

/// What a valid token says.
struct Claimed {
    business: BusinessId,
    user: UserId,
    role: Role,
    session: String,
    epoch: u32,
}

impl Tokens {
    /// The secret must be at least 32 bytes.
    pub fn new(secret: &[u8]) -> anyhow::Result<Self> {
        anyhow::ensure!(
            secret.len() >= 32,
            "the token signing secret must be at least 32 bytes"
        );
        Ok(Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            secret: Secret(secret.to_vec()),
        })
    }

    /// A key of its own for `purpose` (an unsubscribe link's signature...), derived from the
    /// secret: HMAC-SHA256(secret, purpose).
    pub fn derive(&self, purpose: &str) -> [u8; 32] {
        use hmac::{Hmac, Mac};
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.secret.0)
            .expect("HMAC takes a key of any length");
        mac.update(purpose.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// A token for `session` of `user`, good until `expires`.
    fn issue(&self, user: &UserRecord, session: &str, expires: OffsetDateTime) -> Result<String> {
        let claims = Claims {
            sub: user.id.to_string(),
            biz: user.business_id.to_string(),
            role: user.role,
            sid: session.to_owned(),
            ep: user.session_epoch,
            iat: now().unix_timestamp(),
            exp: expires.unix_timestamp(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .context("signing a token")?;
        Ok(token)
    }

    fn verify(&self, token: &str) -> Result<Claimed> {
        let invalid = || {
            Error::unauthorized(
                "auth.invalid_token",
                "Your session has expired or is not valid. Sign in again.",
            )
        };
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map_err(|_| invalid())?;
        let c = data.claims;
        if c.sid.is_empty() || c.sid.len() > 64 {
            return Err(invalid());
        }
        Ok(Claimed {
            business: c.biz.parse().map_err(|_| invalid())?,
            user: c.sub.parse().map_err(|_| invalid())?,
            role: c.role,
            session: c.sid,
            epoch: c.ep,
        })
    }
}

/// Who is calling: resolved from a valid token and a user that still exists. Who they are
/// and nothing more: their stored record (and its password hash) stays with the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    business_id: BusinessId,
    user_id: UserId,
    role: Role,
    /// Their name now, for what they write.
    name: String,
    /// Since when they have the access their role gives: what was sent in a conversation
    /// before it, they are not asked to read.
    since: OffsetDateTime,
    /// The session of the request (none when the service acts for someone, as a webhook does
    /// for the owner).
    session: Option<String>,
}

impl Caller {
    pub fn business_id(&self) -> BusinessId {
        self.business_id
    }
    pub fn user_id(&self) -> UserId {
        self.user_id
    }
    pub fn role(&self) -> Role {
        self.role
    }
    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn since(&self) -> OffsetDateTime {
        self.since
    }
    pub fn session(&self) -> Option<&str> {
        self.session.as_deref()
    }
}

impl From<&UserRecord> for Caller {
    fn from(user: &UserRecord) -> Self {
        Self {
            business_id: user.business_id,
            user_id: user.id,
            role: user.role,
            name: user.name.clone(),
            since: user.created_at,
            session: None,
        }
    }
}

/// The SHA-256 of `text`, in hex: how secrets given to people are stored and looked up.
pub(super) fn hash_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// How long a reset request takes to answer, whether or not the address has an account (the
/// work for a known one takes a few store round trips, well under this).
const RESET_ANSWER_TIME: std::time::Duration = std::time::Duration::from_millis(300);

/// At most this many password hashes are computed at once (each takes ~19 MiB): a flood of
/// sign-ins waits its turn instead of exhausting memory.
const HASHES_AT_ONCE: usize = 4;

fn hashing() -> &'static tokio::sync::Semaphore {
    static PERMITS: OnceLock<tokio::sync::Semaphore> = OnceLock::new();
    PERMITS.get_or_init(|| tokio::sync::Semaphore::new(HASHES_AT_ONCE))
}

async fn hash_password(password: String) -> Result<String> {
    let _permit = hashing().acquire().await.context("the hashing permits")?;
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
    })
    .await
    .context("hashing a password")?
    .map_err(Error::from)
}

async fn verify_password(password: String, hash: String) -> Result<bool> {
    let _permit = hashing().acquire().await.context("the hashing permits")?;
    tokio::task::spawn_blocking(move || {
        let parsed = PasswordHash::new(&hash).map_err(|e| anyhow::anyhow!("stored hash: {e}"))?;
        Ok::<_, anyhow::Error>(
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok(),
        )
    })
    .await
    .context("verifying a password")?
    .map_err(Error::from)
}

/// A link that works once and for a while (an invite, an address to confirm, a password
/// reset): its record, kept under the hash of its token.
trait OneTime: for<'a> repo::Stored<Id<'a> = &'a str> {
    fn used(&self) -> bool;
    fn good_until(&self) -> OffsetDateTime;
}

macro_rules! one_time {
    ($($record:ty),*) => {$(
        impl OneTime for $record {
            fn used(&self) -> bool {
                self.used
            }
            fn good_until(&self) -> OffsetDateTime {
                self.expires_at
            }
        }
    )*};
}
one_time!(InviteRecord, VerifyRecord, ResetRecord);

/// What a kind of link answers when it does not work: not valid (unknown or malformed), used
/// already, expired; each a code and what the person reads.
struct Refusals {
    invalid: (&'static str, &'static str),
    used: (&'static str, &'static str),
    expired: (&'static str, &'static str),
}

impl Refusals {
    fn invalid(&self) -> Error {
        Error::not_found(self.invalid.0, self.invalid.1)
    }
    fn used(&self) -> Error {
        Error::refused(Kind::Gone, self.used.0, self.used.1)
    }
}

const INVITE_LINK: Refusals = Refusals {
    invalid: (
        "invite.invalid",
        "This invite link is not valid. Ask your coach for a new one.",
    ),
    used: (
        "invite.used",
        "This invite was already accepted. Sign in instead.",
    ),
    expired: (
        "invite.expired",
        "This invite link has expired. Ask your coach for a new one.",
    ),
};

const VERIFY_LINK: Refusals = Refusals {
    invalid: (
        "verify.invalid",
        "This confirmation link is not valid. Sign in and ask for a new one.",
    ),
    used: (
        "verify.used",
        "This link was used already: your email is confirmed. Sign in.",
    ),
    expired: (
        "verify.expired",
        "This link has expired. Sign in and ask for a new one.",
    ),
};

const RESET_LINK: Refusals = Refusals {
    invalid: (
        "reset.invalid",
        "This reset link is not valid. Ask for a new one.",
    ),
    used: (
        "reset.used",
        "This link was used already. Ask for a new one.",
    ),
    expired: ("reset.expired", "This link has expired. Ask for a new one."),
};

/// The record of the link `token` while it works, and the token's hash (its key).
async fn open_link<T: OneTime>(
    store: &dyn crate::store::Store,
    token: &str,
    refusals: &Refusals,
) -> Result<(repo::Versioned<T>, String)> {
    if token.is_empty() || token.len() > 128 {
        return Err(refusals.invalid());
    }
    let hash = hash_token(token);
    let link = repo::get::<T>(store, hash.as_str())
        .await?
        .ok_or_else(|| refusals.invalid())?;
    if link.value.used() {
        return Err(refusals.used());
    }
    if link.value.good_until() <= now() {
        let (code, message) = refusals.expired;
        return Err(Error::refused(Kind::Gone, code, message));
    }
    Ok((link, hash))
}

fn reset_not_found() -> Error {
    RESET_LINK.invalid()
}

/// A hash to verify against when the login name is unknown, so both paths take as long.
fn decoy_hash() -> String {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY
        .get_or_init(|| {
            Argon2::default()
                .hash_password(b"decoy password")
                .map(|h| h.to_string())
                .unwrap_or_default()
        })
        .clone()
}

/// A login name as typed: a phone if it starts with `+`, else an email.
fn login_name(raw: &str) -> Option<String> {
    if raw.trim_start().starts_with('+') {
        Phone::parse(raw).ok().map(Phone::into_inner)
    } else {
        Email::parse(raw).ok().map(Email::into_inner)
    }
}

/// A new invite token and its writes: the record it unlocks, and the person's current invite
/// set to it (every earlier link of theirs is void from then on).
pub fn new_invite(
    business_id: BusinessId,
    user_id: UserId,
) -> Result<(String, Vec<Write>, OffsetDateTime)> {
    let token = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    let expires_at = now() + Duration::seconds(INVITE_TTL_SECS);
    let record = InviteRecord {
        business_id,
        user_id,
        used: false,
        expires_at,
    };
    let hash = hash_token(&token);
    let writes = vec![
        repo::create(hash.as_str(), &record)?,
        repo::overwrite(
            (business_id, user_id),
            &CurrentInvite {
                token_hash: hash.clone(),
            },
        )?,
    ];
    Ok((token, writes, expires_at))
}

/// The email that carries an invite to `user` (none when they have no email address: a client
/// invited by phone gets the link by hand until texting exists).
pub fn invite_mail(
    site_url: &str,
    business_name: &str,
    user: &UserRecord,
    token: &str,
) -> Result<Option<Write>> {
    let Some(to) = user.email.clone() else {
        return Ok(None);
    };
    let link = format!(
        "{}{}/invite/{token}",
        site_url.trim_end_matches('/'),
        super::clients::door_base(user.role)
    );
    let first = user.name.split_whitespace().next().unwrap_or(&user.name);
    let what = match user.role.is_staff() {
        true => "to join the team",
        false => "to message with them",
    };
    let mail = MailRecord {
        id: super::ids::new_ulid().to_string(),
        business_id: user.business_id,
        to,
        from_name: business_name.to_owned(),
        subject: format!("{business_name} invited you to Sideline"),
        text: format!(
            "Hi {first},\n\n{business_name} invited you {what} on Sideline. Choose a password \
             here to start:\n\n{link}\n\nThe link works for 7 days; a newer invite replaces it.\n"
        ),
        links: vec![link],
        unsubscribe: None,
        state: MailState::Pending,
        error: None,
        created_at: now(),
    };
    Ok(Some(repo::create(
        (user.business_id, mail.id.as_str()),
        &mail,
    )?))
}

/// The writes of a link that proves `login` for `user` (a sign-up's email, or a new email a
/// joined person was given): the link's record and the email that carries it.
pub fn verification(
    site_url: &str,
    user: &UserRecord,
    business_name: &str,
    login: &str,
) -> Result<Vec<Write>> {
    let token = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    let created_at = now();
    let link = format!(
        "{}{}/verify/{token}",
        site_url.trim_end_matches('/'),
        super::clients::app_base(user.role)
    );
    let first = user.name.split_whitespace().next().unwrap_or(&user.name);
    let (subject, why) = match user.unproven {
        true => (
            "Confirm your email".to_owned(),
            format!(
                "Thanks for starting {business_name} on Sideline. Confirm this is your \
                 email, so you can sign in with it"
            ),
        ),
        false => (
            "Confirm your new email".to_owned(),
            format!(
                "{business_name} changed the email of your Sideline account to this one. \
                 Confirm it, so you can sign in with it"
            ),
        ),
    };
    let mail = MailRecord {
        id: super::ids::new_ulid().to_string(),
        business_id: user.business_id,
        to: login.to_owned(),
        from_name: business_name.to_owned(),
        subject,
        text: format!(
            "Hi {first},\n\n{why}:\n\n{link}\n\nThe link works for 7 days. If you already \
             sign in to Sideline with this address, your password stays the one you use \
             there. If this was not you, ignore this email: the address stays unused.\n"
        ),
        links: vec![link],
        unsubscribe: None,
        state: MailState::Pending,
        error: None,
        created_at,
    };
    Ok(vec![
        repo::create(
            hash_token(&token).as_str(),
            &VerifyRecord {
                business_id: user.business_id,
                user_id: user.id,
                login: login.to_owned(),
                used: false,
                expires_at: created_at + Duration::seconds(VERIFY_TTL_SECS),
            },
        )?,
        repo::create((user.business_id, mail.id.as_str()), &mail)?,
    ])
}

/// The writes that stop `user`'s login signing them in (they leave it; a login left by
/// everyone goes).
pub async fn leave_login(store: &dyn Store, user: &UserRecord) -> Result<Vec<Write>> {
    let Some(login) = user.signs_in_with() else {
        return Ok(Vec::new());
    };
    let Some(account) = repo::get::<LoginRecord>(store, login).await? else {
        return Ok(Vec::new());
    };
    let me = LoginMember {
        business_id: user.business_id,
        user_id: user.id,
    };
    Ok(vec![match account.value.without(me) {
        Some(rest) => repo::save(Some(&account), login, &rest)?,
        None => account.removed(login),
    }])
}

/// Sign-up, sign-in, invites, sessions, passwords and who is calling.
pub struct Accounts {
    store: Arc<dyn Store>,
    tokens: Tokens,
    /// Where the apps are served: links in emails point there.
    site_url: String,
    /// The rate limits' counters.
    limits: Arc<dyn super::ports::Limits>,
}

impl Accounts {
    pub(super) fn new(
        store: Arc<dyn Store>,
        tokens: Tokens,
        site_url: &str,
        limits: Arc<dyn super::ports::Limits>,
    ) -> Self {
        Self {
            store,
            tokens,
            site_url: site_url.trim_end_matches('/').to_owned(),
            limits,
        }
    }

    /// Resolves a bearer token to its caller; refuses unknown, expired or orphaned tokens, and
    /// tokens of a session that ended (signed out, or the person's epoch raised since).
    pub async fn authenticate(&self, token: &str) -> Result<Caller> {
        let claimed = self.tokens.verify(token)?;
        let (b, u) = (claimed.business, claimed.user);
        let (user, session) = tokio::try_join!(
            repo::get::<UserRecord>(&*self.store, (b, u)),
            repo::get::<SessionRecord>(&*self.store, (b, u, claimed.session.as_str())),
        )?;
        let live = session.is_some_and(|s| s.value.expires_at > now());
        let user = user
            .filter(|u| {
                live && u.value.active
                    && u.value.role == claimed.role
                    && u.value.session_epoch == claimed.epoch
                    && u.value.joined()
            })
            .ok_or_else(|| {
                Error::unauthorized(
                    "auth.invalid_token",
                    "Your session is no longer valid. Sign in again.",
                )
            })?;
        Ok(Caller {
            session: Some(claimed.session),
            ..Caller::from(&user.value)
        })
    }

    /// Ends the caller's session (signing out on this device).
    pub async fn logout(&self, caller: &Caller) -> Result<()> {
        let session = caller.session().context("signing out needs a session")?;
        let (b, u) = (caller.business_id(), caller.user_id());
        let mut tx = Writes::new();
        tx.push(repo::delete::<SessionRecord>((b, u, session)));
        tx.commit(&*self.store).await?;
        Ok(())
    }

    /// Ends every session of the caller, on every device (this one too).
    pub async fn logout_everywhere(&self, caller: &Caller) -> Result<()> {
        self.end_sessions(caller.business_id(), caller.user_id(), |_| {})
            .await
            .map(|_| ())
    }

    /// Raises `user`'s session epoch, ending every session they have, with `change` made to
    /// their record in the same write. Returns the record written.
    async fn end_sessions(
        &self,
        b: BusinessId,
        u: UserId,
        change: impl Fn(&mut UserRecord),
    ) -> Result<UserRecord> {
        super::retrying(|| async {
            let user = repo::get::<UserRecord>(&*self.store, (b, u))
                .await?
                .context("the caller's record is missing")?;
            let mut next = user.clone();
            change(&mut next.value);
            next.value.session_epoch = next.value.session_epoch.wrapping_add(1);
            let mut tx = Writes::new();
            tx.push(next.update((b, u))?);
            super::commit(&*self.store, tx, next.value).await
        })
        .await
    }

    /// Changes the caller's password, knowing the current one. Every session of theirs ends;
    /// the answer is a new session for this device.
    pub async fn change_password(
        &self,
        caller: &Caller,
        current: String,
        new: String,
    ) -> Result<AuthResponse> {
        check_password(&new)?;
        let (b, u) = (caller.business_id(), caller.user_id());
        let user = repo::get::<UserRecord>(&*self.store, (b, u))
            .await?
            .context("the caller's record is missing")?;
        let hash = user.value.password_hash.clone().unwrap_or_else(decoy_hash);
        if !verify_password(current, hash).await? {
            return Err(Error::forbidden(
                "auth.wrong_password",
                "That is not your current password.",
            ));
        }
        let new_hash = hash_password(new).await?;
        let user = super::retrying(|| async {
            let (tx, user) = self.password_writes(&user.value, &new_hash).await?;
            super::commit(&*self.store, tx, user).await
        })
        .await?;
        self.session(&user).await
    }

    /// The writes that give everyone `user`'s login signs in as the password `hash`, ending
    /// every session of theirs (one password, whichever business it was changed from); and
    /// `user`'s record as written. A sign-up not proven yet has only its own record.
    async fn password_writes(&self, user: &UserRecord, hash: &str) -> Result<(Writes, UserRecord)> {
        let me = LoginMember {
            business_id: user.business_id,
            user_id: user.id,
        };
        let members = match user.signs_in_with() {
            Some(login) => match repo::get::<LoginRecord>(&*self.store, login).await? {
                Some(account) => account.value.members(),
                None => vec![me],
            },
            None => vec![me],
        };
        let people = futures::future::try_join_all(
            members
                .iter()
                .map(|m| repo::get::<UserRecord>(&*self.store, (m.business_id, m.user_id))),
        )
        .await?;
        let mut tx = Writes::new();
        let mut written = None;
        for mut person in people.into_iter().flatten() {
            person.value.password_hash = Some(hash.to_owned());
            person.value.session_epoch = person.value.session_epoch.wrapping_add(1);
            tx.push(person.update((person.value.business_id, person.value.id))?);
            if person.value.id == user.id && person.value.business_id == user.business_id {
                written = Some(person.value);
            }
        }
        let written = written.context("the person's record is missing")?;
        Ok((tx, written))
    }

    /// The caller as the API shows them.
    /// Records a realtime connection of the caller (API Gateway's `$connect`).
    pub async fn connect(&self, caller: &Caller, connection_id: &str) -> Result<()> {
        let (b, u) = (caller.business_id(), caller.user_id());
        let session = caller.session();
        Ok(crate::store::connections::register(&*self.store, b, u, session, connection_id).await?)
    }

    /// Keeps what the app on a realtime connection says it shows (API Gateway's `$default`).
    pub async fn report(
        &self,
        connection_id: &str,
        presence: shared::events::Presence,
    ) -> Result<()> {
        Ok(crate::store::connections::set_presence(&*self.store, connection_id, presence).await?)
    }

    /// Forgets a realtime connection (API Gateway's `$disconnect`).
    pub async fn disconnect(&self, connection_id: &str) -> Result<()> {
        Ok(crate::store::connections::forget(&*self.store, connection_id).await?)
    }

    pub async fn me(&self, caller: &Caller) -> Result<User> {
        let user = repo::get::<UserRecord>(&*self.store, (caller.business_id(), caller.user_id()))
            .await?
            .context("the caller's record is missing")?;
        self.user_view(&user.value).await
    }

    /// The wire form of a user, with their business's name.
    pub async fn user_view(&self, user: &UserRecord) -> Result<User> {
        let business = repo::get::<BusinessRecord>(&*self.store, user.business_id)
            .await?
            .context("a user's business is missing")?;
        Ok(User {
            id: user.id,
            business_id: user.business_id,
            business_name: business.value.name,
            name: user.name.clone(),
            email: user.email.clone(),
            phone: user.phone.clone(),
            role: user.role,
            unconfirmed_email: Self::unproven_address(user).map(str::to_owned),
        })
    }

    /// Emails a one-time reset link to the account that signs in with `login`, if there is one
    /// that can (joined, active, with an email). The answer is the same whatever: the caller
    /// learns nothing of who has an account. A new link voids the earlier ones.
    pub async fn request_password_reset(&self, login: &str) -> Result<()> {
        let Some(name) = login_name(login) else {
            return Ok(());
        };
        // A phone is reached by text, which does not exist yet.
        if name.starts_with('+') {
            return Ok(());
        }
        let Some(account) = repo::get::<LoginRecord>(&*self.store, name.as_str()).await? else {
            return Ok(());
        };
        let Some(user) = self
            .usable_members(&account.value, name.as_str())
            .await?
            .into_iter()
            .next()
        else {
            return Ok(());
        };
        let (b, u) = (user.business_id, user.id);
        let Some(business) = repo::get::<BusinessRecord>(&*self.store, b).await? else {
            return Ok(());
        };
        let email = name;
        let token = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
        let hash = hash_token(&token);
        let created_at = now();
        let app = super::clients::door_base(user.role);
        let link = format!("{}{app}/reset/{token}", self.site_url);
        let business_name = business.value.name;
        let first = user.name.split_whitespace().next().unwrap_or(&user.name);
        let mail = MailRecord {
            id: super::ids::new_ulid().to_string(),
            business_id: b,
            to: email,
            from_name: business_name.clone(),
            subject: "Reset your password".into(),
            text: format!(
                "Hi {first},\n\nSomeone (we hope you) asked to reset the password you use for \
                 {business_name} on Sideline (and any other business you sign in to with this \
                 address). Choose a new one here:\n\n{link}\n\nThe link works once, for one \
                 hour. If you did not ask for it, ignore this email: your password stays as it \
                 is.\n"
            ),
            links: vec![link],
            unsubscribe: None,
            state: MailState::Pending,
            error: None,
            created_at,
        };
        let mut tx = Writes::new();
        tx.push(repo::create(
            hash.as_str(),
            &ResetRecord {
                business_id: b,
                user_id: u,
                used: false,
                expires_at: created_at + Duration::seconds(RESET_TTL_SECS),
            },
        )?)
        .push(repo::overwrite((b, u), &CurrentReset { token_hash: hash })?)
        .push(repo::create((b, mail.id.as_str()), &mail)?);
        tx.commit(&*self.store).await?;
        Ok(())
    }

    /// Sets a new password through a reset link: valid one hour, used once, void once a newer
    /// one was sent. Every session ends; the answer signs this device in.
    pub async fn confirm_password_reset(
        &self,
        token: &str,
        password: String,
    ) -> Result<AuthResponse> {
        let gone =
            |code: &'static str, message: &'static str| Error::refused(Kind::Gone, code, message);
        let (reset, hash) = open_link::<ResetRecord>(&*self.store, token, &RESET_LINK).await?;
        let (b, u) = (reset.value.business_id, reset.value.user_id);
        let current = repo::get::<CurrentReset>(&*self.store, (b, u)).await?;
        if current.is_none_or(|c| c.value.token_hash != hash) {
            return Err(gone(
                "reset.replaced",
                "A newer link was sent: use the latest email.",
            ));
        }
        check_password(&password)?;
        let new_hash = hash_password(password).await?;
        let user = super::retrying(|| async {
            let user = repo::get::<UserRecord>(&*self.store, (b, u))
                .await?
                .filter(|u| u.value.active && u.value.signs_in_with().is_some())
                .ok_or_else(reset_not_found)?;
            let (mut tx, next) = self.password_writes(&user.value, &new_hash).await?;
            let mut used = reset.clone();
            used.value.used = true;
            tx.push_or(used.update(hash.as_str())?, RESET_LINK.used());
            super::commit(&*self.store, tx, next).await
        })
        .await?;
        self.session(&user).await
    }

    /// [`Accounts::signup`] from `source`, within its rate limit.
    pub async fn signup_from(
        &self,
        req: SignupRequest,
        source: Option<IpAddr>,
    ) -> Result<AuthResponse> {
        if let Some(ip) = source {
            limits::SIGN_UP_SOURCE
                .take(&*self.limits, Subject::Source(ip))
                .await?;
        }
        self.signup(req).await
    }

    /// [`Accounts::login`] from `source`: wrong passwords count against the account and the
    /// source; past their limit both are refused (429) for the rest of the window, whatever
    /// the password (a right one included, so guessing gains nothing).
    pub async fn login_from(
        &self,
        login: &str,
        password: String,
        source: Option<IpAddr>,
    ) -> Result<AuthResponse> {
        let account = login_name(login);
        self.check_source(limits::SIGN_IN_SOURCE, source).await?;
        if let Some(name) = &account {
            limits::SIGN_IN_ACCOUNT
                .check(&*self.limits, Subject::Account(name, source))
                .await?;
        }
        let result = self.login(login, password).await;
        if matches!(&result, Err(e) if e.code() == Some("auth.invalid_credentials")) {
            if let Some(ip) = source {
                limits::SIGN_IN_SOURCE
                    .add(&*self.limits, Subject::Source(ip))
                    .await?;
            }
            if let Some(name) = &account {
                limits::SIGN_IN_ACCOUNT
                    .add(&*self.limits, Subject::Account(name, source))
                    .await?;
            }
        }
        result
    }

    /// Refuses when `source` (if known) has used its allowance under `rule`.
    async fn check_source(&self, rule: limits::Rule, source: Option<IpAddr>) -> Result<()> {
        match source {
            Some(ip) => rule.check(&*self.limits, Subject::Source(ip)).await,
            None => Ok(()),
        }
    }

    /// Counts a link that did not work against `source`, under `rule`.
    async fn count_failure<T>(
        &self,
        rule: limits::Rule,
        source: Option<IpAddr>,
        result: Result<T>,
    ) -> Result<T> {
        if let (Err(Error::Refused { .. }), Some(ip)) = (&result, source) {
            rule.add(&*self.limits, Subject::Source(ip)).await?;
        }
        result
    }

    /// [`Accounts::invite_preview`] from `source`: links that do not work count against it.
    pub async fn invite_preview_from(
        &self,
        token: &str,
        source: Option<IpAddr>,
    ) -> Result<InvitePreview> {
        self.check_source(limits::INVITE_SOURCE, source).await?;
        let result = self.invite_preview(token).await;
        self.count_failure(limits::INVITE_SOURCE, source, result)
            .await
    }

    /// [`Accounts::accept_invite`] from `source`: links that do not work count against it.
    pub async fn accept_invite_from(
        &self,
        token: &str,
        password: String,
        source: Option<IpAddr>,
    ) -> Result<AuthResponse> {
        self.check_source(limits::INVITE_SOURCE, source).await?;
        let result = self.accept_invite(token, password).await;
        self.count_failure(limits::INVITE_SOURCE, source, result)
            .await
    }

    /// [`Accounts::request_password_reset`] from `source`: every request counts against the
    /// source and the address asked for (known or not: the answer says nothing either way).
    pub async fn request_password_reset_from(
        &self,
        login: &str,
        source: Option<IpAddr>,
    ) -> Result<()> {
        if let Some(ip) = source {
            limits::RESET_SOURCE
                .take(&*self.limits, Subject::Source(ip))
                .await?;
        }
        let account = login.trim().to_lowercase();
        limits::RESET_ACCOUNT
            .take(&*self.limits, Subject::Account(&account, source))
            .await?;
        // Known or not, the answer takes as long: its timing says nothing of who has an
        // account either.
        let answer_at = tokio::time::Instant::now() + RESET_ANSWER_TIME;
        let result = self.request_password_reset(login).await;
        tokio::time::sleep_until(answer_at).await;
        result
    }

    /// [`Accounts::confirm_password_reset`] from `source`: links that do not work count.
    pub async fn confirm_password_reset_from(
        &self,
        token: &str,
        password: String,
        source: Option<IpAddr>,
    ) -> Result<AuthResponse> {
        self.check_source(limits::RESET_SOURCE, source).await?;
        let result = self.confirm_password_reset(token, password).await;
        match &result {
            // A weak new password is not a guess at a link.
            Err(e) if e.code().is_some_and(|c| c.starts_with("auth.password")) => result,
            _ => {
                self.count_failure(limits::RESET_SOURCE, source, result)
                    .await
            }
        }
    }

    /// [`Accounts::confirm_verification`] from `source`: links that do not work count.
    pub async fn confirm_verification_from(
        &self,
        token: &str,
        source: Option<IpAddr>,
    ) -> Result<AuthResponse> {
        self.check_source(limits::RESET_SOURCE, source).await?;
        let result = self.confirm_verification(token).await;
        self.count_failure(limits::RESET_SOURCE, source, result)
            .await
    }

    /// Starts a session of `user` on a device: its record, and the token that names it.
    async fn session(&self, user: &UserRecord) -> Result<AuthResponse> {
        let id = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 16]>());
        let created_at = now();
        let expires_at = created_at + Duration::seconds(SESSION_TTL_SECS);
        let record = SessionRecord {
            created_at,
            expires_at,
        };
        let token = self.tokens.issue(user, &id, expires_at)?;
        let mut tx = Writes::new();
        tx.push(repo::create(
            (user.business_id, user.id, id.as_str()),
            &record,
        )?);
        tx.commit(&*self.store).await?;
        let (view, businesses) =
            tokio::try_join!(self.user_view(user), self.count_businesses(user))?;
        Ok(AuthResponse {
            token,
            user: view,
            businesses,
            expires_at,
        })
    }

    /// Creates a business with the caller as its owner, and signs them in. An email nobody
    /// signs in with yet is not proven: a link to confirm it goes there, and until it is
    /// followed the email signs nobody in (so a sign-up with someone else's address never
    /// stands in their way). An email that is a login already must come with its password: the
    /// new business joins what that login signs in to.
    pub async fn signup(&self, req: SignupRequest) -> Result<AuthResponse> {
        self.create_business(req, false).await
    }

    /// [`Accounts::signup`]; `trusted` takes a new email as proven.
    async fn create_business(&self, req: SignupRequest, trusted: bool) -> Result<AuthResponse> {
        let business_name = Name::parse(&req.business_name, "business name")?;
        let name = Name::parse(&req.name, "name")?;
        let email = Email::parse(&req.email)?;
        let taken = || {
            Error::conflict(
                "auth.email_taken",
                "An account with this email already exists. Sign in instead, or sign up with its password.",
            )
        };
        let account = repo::get::<LoginRecord>(&*self.store, email.as_str()).await?;
        let (password_hash, proven) = match &account {
            Some(account) => {
                let hash = self.login_hash(&account.value).await?;
                if !verify_password(req.password, hash.clone()).await? {
                    return Err(taken());
                }
                (hash, true)
            }
            None => {
                check_password(&req.password)?;
                (hash_password(req.password).await?, trusted)
            }
        };
        let now = now();
        let business_id = BusinessId::from_ulid(super::ids::new_ulid());
        let owner = UserRecord {
            id: UserId::from_ulid(super::ids::new_ulid()),
            business_id,
            role: Role::Owner,
            name: name.into_inner(),
            email: Some(email.as_str().to_owned()),
            phone: None,
            password_hash: Some(password_hash),
            messaging: MessagingMode::TwoWay,
            conversation_id: None,
            coach_id: None,
            company_id: None,
            created_at: now,
            session_epoch: 0,
            active: true,
            login: proven.then(|| email.as_str().to_owned()),
            unproven: !proven,
            removed: false,
            other_phones: Vec::new(),
            other_emails: Vec::new(),
            merged_into: None,
        };
        let business = BusinessRecord {
            id: business_id,
            name: business_name.into_inner(),
            owner_id: owner.id,
            created_at: now,
            settings: Default::default(),
            country: None,
            address: None,
        };
        let mut tx = Writes::new();
        match account {
            Some(account) => {
                let joined = account.value.with(LoginMember {
                    business_id,
                    user_id: owner.id,
                });
                tx.push_or(
                    repo::save(Some(&account), email.as_str(), &joined)?,
                    taken(),
                );
            }
            None if trusted => {
                tx.push_or(
                    repo::create(email.as_str(), &LoginRecord::of(business_id, owner.id))?,
                    taken(),
                );
            }
            None => {
                tx.extend(self.verification(&owner, &business.name, email.as_str())?);
            }
        }
        tx.push(repo::create(business_id, &business)?)
            .push(repo::create((business_id, owner.id), &owner)?)
            .push(repo::create(
                (business_id, email.as_str()),
                &EmailOwner(owner.id),
            )?)
            .push(repo::create(
                (business_id, owner.id),
                &repo::StaffRecord::from(super::staff::staff_entry(&owner, true)),
            )?);
        tx.commit(&*self.store).await?;
        self.session(&owner).await
    }

    /// A sign-up whose email is taken as proven, for seeding a store in-process (the local
    /// demo's own addresses, which nobody receives mail at; benchmarks). No endpoint calls it.
    pub async fn signup_proven(&self, req: SignupRequest) -> Result<AuthResponse> {
        self.create_business(req, true).await
    }

    /// The password of a login: its first person's (everyone it signs in as shares it).
    async fn login_hash(&self, account: &LoginRecord) -> Result<String> {
        let first = repo::get::<UserRecord>(&*self.store, (account.business_id, account.user_id))
            .await?
            .context("a login's first person is missing")?;
        first
            .value
            .password_hash
            .context("a login's first person has no password")
            .map_err(Error::from)
    }

    /// The people `login` signs in as who may sign in now (active, and `login` still theirs),
    /// in the login's order.
    async fn usable_members(&self, account: &LoginRecord, login: &str) -> Result<Vec<UserRecord>> {
        let people = futures::future::try_join_all(
            account
                .members()
                .into_iter()
                .map(|m| repo::get::<UserRecord>(&*self.store, (m.business_id, m.user_id))),
        )
        .await?;
        Ok(people
            .into_iter()
            .flatten()
            .map(|p| p.value)
            .filter(|p| p.active && p.signs_in_with() == Some(login))
            .collect())
    }

    /// The writes of a link that proves `login` for `user`: see [`verification`].
    fn verification(
        &self,
        user: &UserRecord,
        business_name: &str,
        login: &str,
    ) -> Result<Vec<Write>> {
        verification(&self.site_url, user, business_name, login)
    }

    /// The address of `user` that is not proven yet, if any: a sign-up's email, or a new email
    /// a joined person was given (their old login works until the new one is confirmed).
    pub fn unproven_address(user: &UserRecord) -> Option<&str> {
        let email = user.email.as_deref()?;
        match user.unproven {
            true => Some(email),
            false if user.joined() && user.signs_in_with() != Some(email) => Some(email),
            false => None,
        }
    }

    /// Sends the caller a new link to confirm their unproven address (a sign-up's email, or a
    /// new one); none when everything is proven.
    pub async fn resend_verification(&self, caller: &Caller) -> Result<()> {
        let (b, u) = (caller.business_id(), caller.user_id());
        let (user, business) = tokio::try_join!(
            repo::get::<UserRecord>(&*self.store, (b, u)),
            repo::get::<BusinessRecord>(&*self.store, b),
        )?;
        let user = user.context("the caller's record is missing")?.value;
        let business = business.context("the caller's business is missing")?.value;
        let Some(address) = Self::unproven_address(&user) else {
            return Err(Error::conflict(
                "verify.nothing_to_confirm",
                "Your email is confirmed already.",
            ));
        };
        limits::RESET_ACCOUNT
            .take(&*self.limits, Subject::Account(address, None))
            .await?;
        let mut tx = Writes::new();
        tx.extend(self.verification(&user, &business.name, address)?);
        tx.commit(&*self.store).await?;
        Ok(())
    }

    /// Follows a link that proves an address: from now on it signs in as the person (if the
    /// address signs in to other businesses already, the person takes that login's password).
    /// The person's earlier login, if any, stops signing them in. Signs this device in.
    pub async fn confirm_verification(&self, token: &str) -> Result<AuthResponse> {
        let invalid = || VERIFY_LINK.invalid();
        let gone =
            |code: &'static str, message: &'static str| Error::refused(Kind::Gone, code, message);
        let (link, hash) = open_link::<VerifyRecord>(&*self.store, token, &VERIFY_LINK).await?;
        let (b, u, login) = (
            link.value.business_id,
            link.value.user_id,
            link.value.login.clone(),
        );
        let user = super::retrying(|| async {
            let user = repo::get::<UserRecord>(&*self.store, (b, u))
                .await?
                .filter(|u| u.value.active)
                .ok_or_else(invalid)?;
            if Self::unproven_address(&user.value) != Some(login.as_str()) {
                return Err(gone(
                    "verify.replaced",
                    "This address is not the one to confirm any more.",
                ));
            }
            let mut used = link.clone();
            used.value.used = true;
            let mut tx = Writes::new();
            tx.push_or(used.update(hash.as_str())?, VERIFY_LINK.used());
            let next = self.attach(&mut tx, user, &login, None).await?;
            super::commit(&*self.store, tx, next).await
        })
        .await?;
        self.session(&user).await
    }

    /// Makes `login`, proven just now, sign in as `user`: the writes go to `tx`, the person's
    /// record as it will be is returned. A login that signs in to other businesses already
    /// keeps its password (which `password`, when given, must be: an invite accepted with a
    /// login someone already uses); a new one is created for them. Their earlier login, if
    /// another, stops signing them in.
    async fn attach(
        &self,
        tx: &mut Writes,
        user: Versioned<UserRecord>,
        login: &str,
        password: Option<String>,
    ) -> Result<UserRecord> {
        let (b, u) = (user.value.business_id, user.value.id);
        let me = LoginMember {
            business_id: b,
            user_id: u,
        };
        let mut next = user.clone();
        if let Some(old) = user.value.signs_in_with().filter(|old| *old != login)
            && let Some(account) = repo::get::<LoginRecord>(&*self.store, old).await?
        {
            tx.push(match account.value.without(me) {
                Some(rest) => repo::save(Some(&account), old, &rest)?,
                None => account.removed(old),
            });
        }
        match repo::get::<LoginRecord>(&*self.store, login).await? {
            Some(account) => {
                if account.value.member_in(b).is_some_and(|other| other != u) {
                    return Err(Error::conflict(
                        "auth.login_taken",
                        "Someone else in this business signs in with this email or phone already.",
                    ));
                }
                let hash = self.login_hash(&account.value).await?;
                if let Some(password) = password
                    && !verify_password(password, hash.clone()).await?
                {
                    return Err(Error::forbidden(
                        "auth.existing_login",
                        "You already sign in to Sideline with this address: enter that password (or reset it first).",
                    ));
                }
                next.value.password_hash = Some(hash);
                tx.push(repo::save(Some(&account), login, &account.value.with(me))?);
            }
            None => {
                if let Some(password) = password {
                    check_password(&password)?;
                    next.value.password_hash = Some(hash_password(password).await?);
                }
                tx.push_or(repo::create(login, &LoginRecord::of(b, u))?, Error::busy());
            }
        }
        next.value.login = Some(login.to_owned());
        next.value.unproven = false;
        tx.push(next.update((b, u))?);
        Ok(next.value)
    }

    /// Signs in by email (or a client's phone) and password. Never says which one was wrong.
    /// A login of several businesses signs in to the first it may; the app offers the others
    /// (`businesses`, `switch`).
    pub async fn login(&self, login: &str, password: String) -> Result<AuthResponse> {
        let wrong = || {
            Error::unauthorized(
                "auth.invalid_credentials",
                "That email and password do not match.",
            )
        };
        let name = login_name(login);
        let account = match &name {
            Some(name) => repo::get::<LoginRecord>(&*self.store, name.as_str()).await?,
            None => None,
        };
        let (Some(account), Some(name)) = (account, name) else {
            verify_password(password, decoy_hash()).await?;
            return Err(wrong());
        };
        let hash = self.login_hash(&account.value).await?;
        if !verify_password(password, hash).await? {
            return Err(wrong());
        }
        // Said only to someone who knows the password.
        let Some(user) = self
            .usable_members(&account.value, &name)
            .await?
            .into_iter()
            .next()
        else {
            return Err(Error::unauthorized(
                "auth.deactivated",
                "This account was deactivated. Ask the business if you think this is a mistake.",
            ));
        };
        self.session(&user).await
    }

    /// How many businesses `user`'s login signs in to (where they may), theirs included.
    async fn count_businesses(&self, user: &UserRecord) -> Result<u32> {
        let Some(login) = user.signs_in_with() else {
            return Ok(1);
        };
        let Some(account) = repo::get::<LoginRecord>(&*self.store, login).await? else {
            return Ok(1);
        };
        let usable = self.usable_members(&account.value, login).await?;
        Ok(u32::try_from(usable.len()).unwrap_or(u32::MAX).max(1))
    }

    /// The businesses the caller's login signs in to (where they may), the caller's first.
    pub async fn businesses(&self, caller: &Caller) -> Result<Vec<LoginBusiness>> {
        let me = repo::get::<UserRecord>(&*self.store, (caller.business_id(), caller.user_id()))
            .await?
            .context("the caller's record is missing")?
            .value;
        let people = match me.signs_in_with() {
            Some(login) => match repo::get::<LoginRecord>(&*self.store, login).await? {
                Some(account) => self.usable_members(&account.value, login).await?,
                None => vec![me],
            },
            None => vec![me],
        };
        let names = futures::future::try_join_all(
            people
                .iter()
                .map(|p| repo::get::<BusinessRecord>(&*self.store, p.business_id)),
        )
        .await?;
        let mut listed: Vec<LoginBusiness> = people
            .iter()
            .zip(names)
            .filter_map(|(p, business)| {
                Some(LoginBusiness {
                    business_id: p.business_id,
                    business_name: business?.value.name,
                    role: p.role,
                    current: p.business_id == caller.business_id(),
                })
            })
            .collect();
        listed.sort_by_key(|b| !b.current);
        Ok(listed)
    }

    /// Moves the caller to another business their login signs in to: this session ends, the
    /// answer is one there.
    pub async fn switch(&self, caller: &Caller, business: BusinessId) -> Result<AuthResponse> {
        let not_yours =
            || Error::not_found("auth.not_a_member", "You do not sign in to that business.");
        let me = repo::get::<UserRecord>(&*self.store, (caller.business_id(), caller.user_id()))
            .await?
            .context("the caller's record is missing")?
            .value;
        let login = me.signs_in_with().ok_or_else(not_yours)?;
        let account = repo::get::<LoginRecord>(&*self.store, login)
            .await?
            .ok_or_else(not_yours)?;
        let target = self
            .usable_members(&account.value, login)
            .await?
            .into_iter()
            .find(|p| p.business_id == business)
            .ok_or_else(not_yours)?;
        let answer = self.session(&target).await?;
        if caller.session().is_some() {
            self.logout(caller).await?;
        }
        Ok(answer)
    }

    async fn open_invite(
        &self,
        token: &str,
    ) -> Result<(repo::Versioned<InviteRecord>, repo::Versioned<UserRecord>)> {
        let invalid = || INVITE_LINK.invalid();
        let (invite, hash) = open_link::<InviteRecord>(&*self.store, token, &INVITE_LINK).await?;
        let (b, u) = (invite.value.business_id, invite.value.user_id);
        let (user, current) = tokio::try_join!(
            repo::get::<UserRecord>(&*self.store, (b, u)),
            repo::get::<CurrentInvite>(&*self.store, (b, u)),
        )?;
        let user = user.ok_or_else(invalid)?;
        // An invite issued before invites were tracked per person has no current one.
        if current.is_some_and(|c| c.value.token_hash != hash) && !user.value.joined() {
            return Err(Error::refused(
                Kind::Gone,
                "invite.replaced",
                "A newer invite was sent for this account: use the latest link.",
            ));
        }
        if user.value.joined() {
            return Err(INVITE_LINK.used());
        }
        if !user.value.active {
            return Err(Error::refused(
                Kind::Gone,
                "invite.deactivated",
                "This account was deactivated, so its invite no longer works.",
            ));
        }
        Ok((invite, user))
    }

    /// What an invite link is for, so the app can greet the person before they accept.
    pub async fn invite_preview(&self, token: &str) -> Result<InvitePreview> {
        let (_, user) = self.open_invite(token).await?;
        let login = user.value.login_name().unwrap_or_default().to_owned();
        let (view, account) = tokio::try_join!(self.user_view(&user.value), async {
            Ok(repo::get::<LoginRecord>(&*self.store, login.as_str()).await?)
        },)?;
        Ok(InvitePreview {
            business_name: view.business_name,
            name: user.value.name.clone(),
            existing: account.is_some(),
            login,
        })
    }

    /// Accepts a one-time invite: the link proves the person's email (or phone), which from
    /// now on signs them in. A new login takes the password given; one that signs in to
    /// other businesses already needs its own password, and the person joins it.
    pub async fn accept_invite(&self, token: &str, password: String) -> Result<AuthResponse> {
        let (invite, user) = self.open_invite(token).await?;
        let login = user
            .value
            .login_name()
            .map(str::to_owned)
            .context("an invited person has no email or phone")?;
        let b = user.value.business_id;
        let mut used = invite.clone();
        used.value.used = true;
        let mut tx = Writes::new();
        tx.push_or(used.update(hash_token(token).as_str())?, INVITE_LINK.used());
        let joined = self
            .attach(&mut tx, user.clone(), &login, Some(password))
            .await?;
        if joined.role == Role::Client {
            tx.extend(crate::store::roster::writes(&joined, None)?);
        } else {
            tx.push(repo::overwrite(
                (b, joined.id),
                &repo::StaffRecord::from(super::staff::staff_entry(&joined, true)),
            )?);
        }
        // A concurrent change of the person or their login is contention: try again.
        tx.commit(&*self.store).await?;
        self.session(&joined).await
    }
}
