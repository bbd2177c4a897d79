//! Where each kind of record is kept: every record type stored at a key of its own names its
//! key here (the layout itself is in [`keys`]). Index entries that one type makes at several
//! keys (inbox entries, roster entries, buyers) are written by their repositories instead:
//! [`inbox`](super::inbox), [`roster`](super::roster).

use super::keys::{self, Key};
use super::repo::*;
use shared::{BusinessId, CompanyId, ConversationId, MessageId, ProductId, TemplateId, UserId};

/// `Stored` for a record type: its id and the key it makes.
macro_rules! stored {
    ($record:ty, $id:tt: $ty:ty => $key:expr) => {
        impl Stored for $record {
            type Id<'a> = $ty;
            fn key($id: Self::Id<'_>) -> Key {
                $key
            }
        }
    };
}

stored!(BusinessRecord, b: BusinessId => keys::business(b));
stored!(UserRecord, (b, u): (BusinessId, UserId) => keys::user(b, u));
stored!(LoginRecord, name: &'a str => keys::login(name));
stored!(EmailOwner, (b, email): (BusinessId, &'a str) => {
    keys::unique_email(b, email)
});
stored!(PhoneOwner, (b, phone): (BusinessId, &'a str) => {
    keys::unique_phone(b, phone)
});
stored!(StaffRecord, (b, u): (BusinessId, UserId) => keys::staff(b, u));
stored!(CurrentInvite, (b, u): (BusinessId, UserId) => keys::current_invite(b, u));
stored!(CurrentReset, (b, u): (BusinessId, UserId) => keys::current_reset(b, u));
stored!(DevMailRecord, id: &'a str => keys::dev_mail(id));
stored!(super::texts::TextingRecord, b: BusinessId => keys::texting(b));
stored!(super::texts::NumberOwner, number: &'a str => keys::text_number(number));
stored!(super::texts::TextRecord, (b, id): (BusinessId, &'a str) => keys::text(b, id));
stored!(super::texts::TextStopRecord, (b, phone): (BusinessId, &'a str) => {
    keys::text_stop(b, phone)
});
stored!(super::texts::InboundRecord, (b, id): (BusinessId, &'a str) => {
    keys::text_inbound(b, id)
});
stored!(super::texts::DevTextRecord, id: &'a str => keys::dev_text(id));
impl Stored for super::texts::ProviderRef {
    type Id<'a> = &'a str;
    fn key(provider_id: &str) -> Key {
        keys::text_receipt(provider_id)
    }
    // A receipt comes within 72 hours (then the network gives up on it): kept a month.
    fn expires_at(&self) -> Option<i64> {
        Some(self.at + 30 * 24 * 3600)
    }
}
stored!(OptOutRecord, (b, address): (BusinessId, &'a str) => keys::opt_out(b, address));
stored!(ConversationRecord, (b, c): (BusinessId, ConversationId) => {
    keys::conversation(b, c)
});
stored!(
    MessageRecord,
    (b, c, m): (BusinessId, ConversationId, MessageId) => keys::message(b, c, m)
);
stored!(
    MessageVersionRecord,
    (b, c, m, n): (BusinessId, ConversationId, MessageId, u32) => keys::message_version(b, c, m, n)
);
stored!(
    IdempotencyRecord,
    (b, c, sender, client_message_id): (BusinessId, ConversationId, UserId, &'a str) => {
        keys::idempotency(b, c, sender, client_message_id)
    }
);
stored!(
    MemberRef,
    (b, c, u): (BusinessId, ConversationId, UserId) => keys::member(b, c, u)
);
stored!(
    ReceiptRecord,
    (b, c, u): (BusinessId, ConversationId, UserId) => keys::receipt(b, c, u)
);
stored!(
    MembershipRecord,
    (b, u, c): (BusinessId, UserId, ConversationId) => keys::membership(b, u, c)
);
stored!(
    ModeChangeRecord,
    (b, client, at): (BusinessId, UserId, ulid::Ulid) => keys::mode_change(b, client, at)
);
stored!(CompanyRecord, (b, c): (BusinessId, CompanyId) => keys::company(b, c));
stored!(TemplateRecord, (b, t): (BusinessId, TemplateId) => keys::template(b, t));
stored!(TemplateCount, b: BusinessId => keys::template_count(b));
stored!(TemplateNameOwner, (b, lowercase): (BusinessId, &'a str) => {
    keys::template_name(b, lowercase)
});
stored!(CompanyNameOwner, (b, lowercase): (BusinessId, &'a str) => {
    keys::unique_company_name(b, lowercase)
});
stored!(ProductRecord, (b, p): (BusinessId, ProductId) => keys::product(b, p));
stored!(
    PurchaseRecord,
    (b, client, at): (BusinessId, UserId, ulid::Ulid) => keys::purchase(b, client, at)
);
stored!(WebhookSecretRecord, b: BusinessId => keys::webhook_secret(b));
stored!(OrderRecord, (b, order_hash): (BusinessId, &'a str) => {
    keys::order(b, order_hash)
});
stored!(MassRecord, (b, id): (BusinessId, &'a str) => keys::mass_message(b, id));
stored!(PendingMassRecord, (b, id): (BusinessId, &'a str) => {
    keys::pending_mass(b, id)
});

/// Invites go when their link expires.
impl Stored for InviteRecord {
    /// The hash of the invite's token.
    type Id<'a> = &'a str;
    fn key(token_hash: &str) -> Key {
        keys::invite(token_hash)
    }
    fn expires_at(&self) -> Option<i64> {
        Some(self.expires_at.unix_timestamp())
    }
}

/// A window's count goes when the window ends.
impl Stored for LimitRecord {
    type Id<'a> = (&'a str, i64);
    fn key((key, window): Self::Id<'_>) -> Key {
        keys::limit(key, window)
    }
    fn expires_at(&self) -> Option<i64> {
        Some(self.ends_at)
    }
}

/// Verification links go when they expire.
impl Stored for VerifyRecord {
    /// The hash of the link's token.
    type Id<'a> = &'a str;
    fn key(token_hash: &str) -> Key {
        keys::verify(token_hash)
    }
    fn expires_at(&self) -> Option<i64> {
        Some(self.expires_at.unix_timestamp())
    }
}

/// Reset links go when they expire.
impl Stored for ResetRecord {
    /// The hash of the link's token.
    type Id<'a> = &'a str;
    fn key(token_hash: &str) -> Key {
        keys::reset(token_hash)
    }
    fn expires_at(&self) -> Option<i64> {
        Some(self.expires_at.unix_timestamp())
    }
}

/// A Vault upload never added is forgotten a day after it was signed for (the change stream
/// then deletes its object).
impl Stored for VaultItemRecord {
    type Id<'a> = (BusinessId, shared::AttachmentId);
    fn key((b, id): Self::Id<'_>) -> Key {
        keys::vault_item(b, id)
    }
    fn expires_at(&self) -> Option<i64> {
        (!self.added).then(|| self.created_at.unix_timestamp() + UPLOAD_TTL_SECS)
    }
}
stored!(
    VaultRefRecord,
    (b, id, c, a): (BusinessId, shared::AttachmentId, ConversationId, shared::AttachmentId) => {
        keys::vault_ref(b, id, c, a)
    }
);
stored!(VaultCount, b: BusinessId => keys::vault_count(b));
stored!(PushSubscriptionRecord, (b, u, id): (BusinessId, UserId, &'a str) => {
    keys::push_subscription(b, u, id)
});
stored!(DueJobRecord, (minute, b, id): (i64, BusinessId, &'a str) => keys::due_job(minute, b, id));
stored!(DueCursor, _unit: () => keys::due_cursor());
stored!(ScheduledMessageRecord, (b, u, id): (BusinessId, UserId, &'a str) => {
    keys::scheduled_message(b, u, id)
});
stored!(
    NotificationSettingsRecord,
    (b, u): (BusinessId, UserId) => keys::notification_settings(b, u)
);
stored!(
    NotifyLevelRecord,
    (b, u, c): (BusinessId, UserId, ConversationId) => keys::notify_level(b, u, c)
);

stored!(DigestDue, (b, u): (BusinessId, UserId) => keys::digest_due(b, u));
stored!(AttentionDue, (b, c): (BusinessId, ConversationId) => keys::attention_due(b, c));
stored!(
    NeedsAttentionRecord,
    (b, c): (BusinessId, ConversationId) => keys::needs_attention(b, c)
);
stored!(SummaryDue, (b, u): (BusinessId, UserId) => keys::summary_due(b, u));

/// Notifications are forgotten 30 days after their last news.
impl Stored for NoteRecord {
    type Id<'a> = (BusinessId, UserId, &'a str);
    fn key((b, u, id): Self::Id<'_>) -> Key {
        keys::note(b, u, id)
    }
    fn expires_at(&self) -> Option<i64> {
        Some(self.at.unix_timestamp() + 30 * 24 * 3600)
    }
}

/// What a push reached is remembered two days (longer than the stream retries a record).
impl Stored for PushClaimRecord {
    type Id<'a> = (BusinessId, UserId, &'a str);
    fn key((b, u, id): Self::Id<'_>) -> Key {
        keys::push_claim(b, u, id)
    }
    fn expires_at(&self) -> Option<i64> {
        Some(self.at.unix_timestamp() + 2 * 24 * 3600)
    }
}

/// An upload never sent is forgotten a day after it was signed for (the change stream then
/// deletes its object); one sent stays as long as its message.
impl Stored for UploadRecord {
    type Id<'a> = (BusinessId, ConversationId, shared::AttachmentId);
    fn key((b, c, id): Self::Id<'_>) -> Key {
        keys::upload(b, c, id)
    }
    fn expires_at(&self) -> Option<i64> {
        self.message_id
            .is_none()
            .then(|| self.created_at.unix_timestamp() + UPLOAD_TTL_SECS)
    }
}

/// An email stays in the outbox for 30 days after it was written.
impl Stored for MailRecord {
    type Id<'a> = (BusinessId, &'a str);
    fn key((b, id): Self::Id<'_>) -> Key {
        keys::mail(b, id)
    }
    fn expires_at(&self) -> Option<i64> {
        Some(self.created_at.unix_timestamp() + 30 * 24 * 3600)
    }
}

/// A request's first answer is kept a day.
impl Stored for super::idempotency::IdempotencyRecord {
    type Id<'a> = (BusinessId, UserId, &'a str);
    fn key((b, u, key): Self::Id<'_>) -> Key {
        keys::request_key(b, u, key)
    }
    fn expires_at(&self) -> Option<i64> {
        Some(self.created_at + super::idempotency::KEPT_SECS)
    }
}

/// Sessions go when they expire.
impl Stored for SessionRecord {
    type Id<'a> = (BusinessId, UserId, &'a str);
    fn key((b, u, session): Self::Id<'_>) -> Key {
        keys::session(b, u, session)
    }
    fn expires_at(&self) -> Option<i64> {
        Some(self.expires_at.unix_timestamp())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::embedded::EmbeddedStore;
    use crate::store::{Store, Write, repo};
    use time::OffsetDateTime;
    use ulid::Ulid;

    #[tokio::test]
    async fn a_record_is_read_back_from_its_id_and_an_invite_carries_its_expiry() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = EmbeddedStore::open(&dir.path().join("store.redb")).expect("store");
        let (b, u) = (
            BusinessId::from_ulid(Ulid::from_parts(1, 1)),
            UserId::from_ulid(Ulid::from_parts(1, 2)),
        );
        let expires_at = OffsetDateTime::from_unix_timestamp(2_000_000_000).expect("a time");
        let invite = InviteRecord {
            business_id: b,
            user_id: u,
            used: false,
            expires_at,
        };
        let writes: Vec<Write> = vec![
            repo::create("hash", &invite).expect("encode"),
            repo::create((b, "a@example.com"), &EmailOwner(u)).expect("encode"),
        ];
        store.transact(writes).await.expect("commit");

        let (pk, sk) = keys::invite("hash");
        let item = store.get(&pk, &sk).await.expect("read").expect("there");
        assert_eq!(item.expires_at, Some(2_000_000_000));
        let read = repo::get::<InviteRecord>(&store, "hash")
            .await
            .expect("read");
        assert_eq!(read.map(|r| r.value.user_id), Some(u));
        // An owner record is stored as the bare id, as before it had a type of its own.
        let (pk, sk) = keys::unique_email(b, "a@example.com");
        let item = store.get(&pk, &sk).await.expect("read").expect("there");
        assert_eq!(item.data, serde_json::json!(u.to_string()));
        let owner = repo::get::<EmailOwner>(&store, (b, "a@example.com")).await;
        assert_eq!(owner.expect("read").map(|o| o.value), Some(EmailOwner(u)));
    }
}
