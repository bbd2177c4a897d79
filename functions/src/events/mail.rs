//! Sends the outbox's emails from the change stream. An email is claimed (pending → sending, a
//! conditional write) before it is handed to the Email port, so a change delivered twice, or to
//! two consumers, sends it once; then it is marked sent, or failed with the reason. An email
//! whose consumer died between the claim and the mark stays `sending`: it is never sent twice
//! (what was acknowledged to a user is the outbox entry, which stays).

use crate::domain::ports::{Email, Mail};
use crate::store::Store;
use crate::store::changes::Committed;
use crate::store::repo::{self, MailRecord, MailState};
use crate::store::tx::{Tx, TxError};

/// Sends the email a change wrote to the outbox, if it did.
pub async fn send_due(
    store: &dyn Store,
    email: &dyn Email,
    change: &Committed,
) -> anyhow::Result<()> {
    let Committed::Mail {
        business,
        id,
        before: None,
        after: Some(_),
    } = change
    else {
        return Ok(());
    };
    let claimed = super::claim::<MailRecord>(store, (*business, id.as_str()), |m| {
        let pending = m.state == MailState::Pending;
        m.state = MailState::Sending;
        pending
    })
    .await?;
    let Some(mut claimed) = claimed else {
        return Ok(());
    };
    let record = &claimed.value;
    if crate::domain::unsubscribe::suppressed(store, record).await? {
        claimed.value.state = MailState::Suppressed;
        return mark(store, claimed, *business, id).await;
    }
    let mail = Mail {
        business_id: record.business_id,
        to: record.to.clone(),
        from_name: record.from_name.clone(),
        subject: record.subject.clone(),
        text: record.text.clone(),
        links: record.links.clone(),
        unsubscribe: record.unsubscribe.clone(),
    };
    let sent = email.send(id, &mail).await;
    let Some(mut done) = repo::get::<MailRecord>(store, (*business, id.as_str())).await? else {
        return Ok(());
    };
    match &sent {
        Ok(()) => done.value.state = MailState::Sent,
        Err(e) => {
            tracing::warn!(error = %e, mail = %id, "sending an email failed");
            done.value.state = MailState::Failed;
            done.value.error = Some(format!("{e:#}"));
        }
    }
    mark(store, done, *business, id).await
}

/// Writes where an email got to (sent, failed, suppressed).
async fn mark(
    store: &dyn Store,
    mail: repo::Versioned<MailRecord>,
    business: shared::BusinessId,
    id: &str,
) -> anyhow::Result<()> {
    match Tx::<()>::from(vec![mail.update((business, id))?])
        .commit(store)
        .await
    {
        Ok(()) | Err(TxError::Stale | TxError::Refused(())) => Ok(()),
        Err(TxError::Store(e)) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::embedded::EmbeddedStore;
    use shared::BusinessId;
    use std::sync::Mutex;

    /// Counts what it is asked to send.
    #[derive(Default)]
    struct Counting(Mutex<Vec<String>>);

    #[async_trait::async_trait]
    impl Email for Counting {
        async fn send(&self, id: &str, _mail: &Mail) -> anyhow::Result<()> {
            self.0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(id.to_owned());
            Ok(())
        }
    }

    #[tokio::test]
    async fn a_change_delivered_twice_sends_its_email_once() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = EmbeddedStore::open(&dir.path().join("store.redb")).expect("store");
        let b = BusinessId::from_ulid(ulid::Ulid::from_parts(1, 1));
        let mail = MailRecord {
            id: "m-1".into(),
            business_id: b,
            to: "a@b.example".into(),
            from_name: "Peak".into(),
            subject: "Hello".into(),
            text: "Hi".into(),
            links: Vec::new(),
            unsubscribe: None,
            state: MailState::Pending,
            error: None,
            created_at: time::OffsetDateTime::now_utc(),
        };
        store
            .transact(vec![repo::create((b, "m-1"), &mail).expect("write")])
            .await
            .expect("commit");
        let change = Committed::Mail {
            business: b,
            id: "m-1".into(),
            before: None,
            after: Some(Box::new(mail)),
        };
        let email = Counting::default();
        send_due(&store, &email, &change).await.expect("first");
        send_due(&store, &email, &change).await.expect("again");
        assert_eq!(*email.0.lock().expect("lock"), vec!["m-1".to_owned()]);
        let sent = repo::get::<MailRecord>(&store, (b, "m-1"))
            .await
            .expect("read")
            .expect("there");
        assert_eq!(sent.value.state, MailState::Sent);
    }
}
