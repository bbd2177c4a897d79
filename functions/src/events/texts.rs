//! Sends the outbox's texts from the change stream. A text is claimed (pending → sending, a
//! conditional write) before it is handed to the Sms port, so a change delivered twice, or to
//! two consumers, sends it once; then it is marked sent, delivered or failed, and the message
//! it carries shows where it got to. A text whose consumer died between the claim and the mark
//! stays `sending`, never sent twice. Texts from one number are paced to what the number may
//! send ([`PARTS_PER_SECOND`]): a mass of texts queues instead of failing.

use crate::domain::ports::{Handed, OutgoingText, Sms};
use crate::store::changes::Committed;
use crate::store::repo::{self, MessageRecord};
use crate::store::texts::{ProviderRef, TextRecord, TextState, TextStopRecord, status_of};
use crate::store::tx::{Tx, TxError};
use crate::store::{Change, Store};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::broadcast;
use tokio::time::Instant;

/// Parts a toll-free number may send each second.
pub const PARTS_PER_SECOND: u32 = 3;

/// When each number may send its next part, in this process.
#[derive(Default)]
pub struct Pace {
    next: Mutex<HashMap<String, Instant>>,
}

impl Pace {
    /// Waits until `from` may send `parts` more parts, and books them.
    async fn wait(&self, from: &str, parts: u32) {
        let start = {
            let mut next = self
                .next
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let now = Instant::now();
            let start = next.get(from).copied().filter(|t| *t > now).unwrap_or(now);
            let took =
                Duration::from_secs_f64(f64::from(parts.max(1)) / f64::from(PARTS_PER_SECOND));
            if next.len() > 10_000 {
                next.retain(|_, t| *t > now);
            }
            next.insert(from.to_owned(), start + took);
            start
        };
        tokio::time::sleep_until(start).await;
    }
}

/// Consumes a change bus until it closes, sending the texts the outbox gains (the local
/// server's own consumer: pacing one number's texts holds up nothing else).
pub async fn run(
    store: Arc<dyn Store>,
    sms: Arc<dyn Sms>,
    mut changes: broadcast::Receiver<Arc<Change>>,
) {
    let pace = Pace::default();
    loop {
        match changes.recv().await {
            Ok(change) => {
                let done = match Committed::decode(&change) {
                    Ok(committed) => send_due(&*store, &*sms, &pace, &committed).await,
                    Err(e) => Err(e),
                };
                if let Err(e) = done {
                    tracing::warn!(error = ?e, pk = %change.pk, sk = %change.sk, "sending a text failed");
                }
            }
            Err(broadcast::error::RecvError::Lagged(n)) => {
                tracing::warn!(missed = n, "the texts' consumer fell behind");
            }
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}

/// Sends the text a change wrote to the outbox, if it did.
pub async fn send_due(
    store: &dyn Store,
    sms: &dyn Sms,
    pace: &Pace,
    change: &Committed,
) -> anyhow::Result<()> {
    let Committed::Text {
        business,
        id,
        before: None,
        after: Some(_),
    } = change
    else {
        return Ok(());
    };
    let b = *business;
    let claimed = super::claim::<TextRecord>(store, (b, id.as_str()), |t| {
        let pending = t.state == TextState::Pending;
        t.state = TextState::Sending;
        pending
    })
    .await?;
    let Some(claimed) = claimed else {
        return Ok(());
    };
    let text = claimed.value;
    // A STOP that came after the text was written still stops it.
    let stopped = !text.required
        && repo::get::<TextStopRecord>(store, (b, text.to.as_str()))
            .await?
            .is_some();
    let outcome = if stopped {
        Err((
            TextState::Suppressed,
            "The client opted out of texts.".to_owned(),
        ))
    } else {
        let from = text.from.clone().unwrap_or_else(|| sms.system_number());
        pace.wait(&from, text.segments).await;
        let outgoing = OutgoingText {
            id,
            to: &text.to,
            from: text.from.as_deref(),
            body: &text.body,
            kind: text.kind,
        };
        match sms.send(&outgoing).await {
            Ok(Handed::Sent(p)) => Ok((TextState::Sent, p)),
            Ok(Handed::Delivered(p)) => Ok((TextState::Delivered, p)),
            Err(e) => {
                tracing::warn!(error = %e, text = %id, "sending a text failed");
                Err((TextState::Failed, format!("{e:#}")))
            }
        }
    };
    let (state, provider_id, error) = match outcome {
        Ok((state, p)) => (state, Some(p), None),
        Err((state, e)) => (state, None, Some(e)),
    };
    mark(store, b, id, state, provider_id, error).await
}

/// A delivery receipt for the text the network calls `provider_id`: delivered, or failed with
/// the carrier's reason. Answers whether it named a text of ours (another system's, or one
/// forgotten, is ignored); the same receipt again changes nothing.
pub async fn receipt(
    store: &dyn Store,
    provider_id: &str,
    delivered: bool,
    reason: Option<String>,
) -> anyhow::Result<bool> {
    let Some(found) = repo::get::<ProviderRef>(store, provider_id).await? else {
        return Ok(false);
    };
    let (b, id) = (found.value.business_id, found.value.text_id.as_str());
    let state = match delivered {
        true => TextState::Delivered,
        false => TextState::Failed,
    };
    let current = repo::get::<TextRecord>(store, (b, id)).await?;
    if current.is_none_or(|t| t.value.state == state) {
        return Ok(true);
    }
    let error = (!delivered).then(|| reason.unwrap_or_else(|| "Not delivered.".to_owned()));
    mark(store, b, id, state, None, error).await?;
    Ok(true)
}

/// Writes where a text got to, on the outbox and on the message it carries.
pub async fn mark(
    store: &dyn Store,
    b: shared::BusinessId,
    id: &str,
    state: TextState,
    provider_id: Option<String>,
    error: Option<String>,
) -> anyhow::Result<()> {
    for _ in 0..5 {
        let Some(mut text) = repo::get::<TextRecord>(store, (b, id)).await? else {
            return Ok(());
        };
        text.value.state = state;
        if provider_id.is_some() {
            text.value.provider_id = provider_id.clone();
        }
        text.value.error = error.clone();
        let mut writes = vec![text.update((b, id))?];
        // Its receipt names only the network's id: where to find it then.
        if let Some(p) = provider_id.as_deref() {
            let at = time::OffsetDateTime::now_utc().unix_timestamp();
            let found = ProviderRef {
                business_id: b,
                text_id: id.to_owned(),
                at,
            };
            writes.push(repo::overwrite(p, &found)?);
        }
        if let Some((c, m)) = text.value.message
            && let Some(mut message) = repo::get::<MessageRecord>(store, (b, c, m)).await?
            && let Some(info) = message.value.sms.as_mut()
        {
            info.status = status_of(state);
            info.error = error.clone();
            writes.push(message.update((b, c, m))?);
        }
        match Tx::<()>::from(writes).commit(store).await {
            Ok(()) => return Ok(()),
            // The message was reacted to meanwhile: read both again.
            Err(TxError::Stale | TxError::Refused(())) => continue,
            Err(TxError::Store(e)) => return Err(e.into()),
        }
    }
    anyhow::bail!("marking text {id} kept clashing")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::embedded::EmbeddedStore;
    use shared::BusinessId;
    use shared::sms::{Encoding, TextKind};

    /// Counts what it is asked to send.
    #[derive(Default)]
    struct Counting(Mutex<Vec<String>>);

    #[async_trait::async_trait]
    impl Sms for Counting {
        fn system_number(&self) -> String {
            "+18335550100".into()
        }
        async fn request_number(
            &self,
            _b: BusinessId,
        ) -> anyhow::Result<crate::domain::ports::ProvisionedNumber> {
            anyhow::bail!("not here")
        }
        async fn release_number(&self, _id: &str) -> anyhow::Result<()> {
            Ok(())
        }
        async fn registration_attachment(
            &self,
            _content_type: &str,
            _body: Vec<u8>,
        ) -> anyhow::Result<String> {
            anyhow::bail!("not here")
        }
        async fn submit_registration(
            &self,
            _s: &crate::domain::ports::Submission<'_>,
        ) -> anyhow::Result<String> {
            anyhow::bail!("not here")
        }
        async fn send(&self, text: &OutgoingText<'_>) -> anyhow::Result<Handed> {
            self.0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(text.id.to_owned());
            Ok(Handed::Sent(format!("p-{}", text.id)))
        }
    }

    fn text(b: BusinessId, id: &str) -> TextRecord {
        TextRecord {
            id: id.into(),
            business_id: b,
            to: "+14155550123".into(),
            from: None,
            body: "Hi".into(),
            kind: TextKind::Direct,
            segments: 1,
            encoding: Encoding::Gsm7,
            state: TextState::Pending,
            message: None,
            required: false,
            error: None,
            provider_id: None,
            created_at: time::OffsetDateTime::now_utc(),
        }
    }

    #[tokio::test]
    async fn a_change_delivered_twice_sends_its_text_once() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = EmbeddedStore::open(&dir.path().join("store.redb")).expect("store");
        let b = BusinessId::from_ulid(ulid::Ulid::from_parts(1, 1));
        let t = text(b, "t-1");
        store
            .transact(vec![repo::create((b, "t-1"), &t).expect("write")])
            .await
            .expect("commit");
        let change = Committed::Text {
            business: b,
            id: "t-1".into(),
            before: None,
            after: Some(Box::new(t)),
        };
        let (sms, pace) = (Counting::default(), Pace::default());
        send_due(&store, &sms, &pace, &change).await.expect("first");
        send_due(&store, &sms, &pace, &change).await.expect("again");
        assert_eq!(*sms.0.lock().expect("lock"), vec!["t-1".to_owned()]);
        let sent = repo::get::<TextRecord>(&store, (b, "t-1"))
            .await
            .expect("read")
            .expect("there");
        assert_eq!(sent.value.state, TextState::Sent);
        assert_eq!(sent.value.provider_id.as_deref(), Some("p-t-1"));
    }

    #[tokio::test]
    async fn a_receipt_marks_the_text_delivered_or_failed_with_the_reason() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = EmbeddedStore::open(&dir.path().join("store.redb")).expect("store");
        let b = BusinessId::from_ulid(ulid::Ulid::from_parts(1, 1));
        let (sms, pace) = (Counting::default(), Pace::default());
        for id in ["t-3", "t-4"] {
            let t = text(b, id);
            store
                .transact(vec![repo::create((b, id), &t).expect("write")])
                .await
                .expect("commit");
            let change = Committed::Text {
                business: b,
                id: id.into(),
                before: None,
                after: Some(Box::new(t)),
            };
            send_due(&store, &sms, &pace, &change).await.expect("sent");
        }
        assert!(receipt(&store, "p-t-3", true, None).await.expect("read"));
        let reason = "Phone is currently unreachable/unavailable";
        assert!(
            receipt(&store, "p-t-4", false, Some(reason.into()))
                .await
                .expect("read")
        );
        // Again, and one for a text of someone else's: nothing changes.
        assert!(receipt(&store, "p-t-3", true, None).await.expect("read"));
        assert!(
            !receipt(&store, "p-elsewhere", true, None)
                .await
                .expect("read")
        );
        let state = |id: &'static str| {
            let store = &store;
            async move {
                repo::get::<TextRecord>(store, (b, id))
                    .await
                    .expect("read")
                    .expect("there")
                    .value
            }
        };
        assert_eq!(state("t-3").await.state, TextState::Delivered);
        let failed = state("t-4").await;
        assert_eq!(failed.state, TextState::Failed);
        assert_eq!(failed.error.as_deref(), Some(reason));
    }

    #[tokio::test]
    async fn a_phone_that_said_stop_after_the_text_was_written_gets_nothing() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = EmbeddedStore::open(&dir.path().join("store.redb")).expect("store");
        let b = BusinessId::from_ulid(ulid::Ulid::from_parts(1, 1));
        let t = text(b, "t-2");
        let stop = TextStopRecord {
            at: time::OffsetDateTime::now_utc(),
        };
        store
            .transact(vec![
                repo::create((b, "t-2"), &t).expect("write"),
                repo::create((b, "+14155550123"), &stop).expect("write"),
            ])
            .await
            .expect("commit");
        let change = Committed::Text {
            business: b,
            id: "t-2".into(),
            before: None,
            after: Some(Box::new(t)),
        };
        let (sms, pace) = (Counting::default(), Pace::default());
        send_due(&store, &sms, &pace, &change).await.expect("send");
        assert!(sms.0.lock().expect("lock").is_empty());
        let kept = repo::get::<TextRecord>(&store, (b, "t-2"))
            .await
            .expect("read")
            .expect("there");
        assert_eq!(kept.value.state, TextState::Suppressed);
    }

    #[tokio::test(start_paused = true)]
    async fn one_number_sends_three_parts_a_second() {
        let pace = Pace::default();
        let start = Instant::now();
        // Three texts of two parts: the last starts after four parts, 4/3 s in.
        for _ in 0..3 {
            pace.wait("+18335550100", 2).await;
        }
        let waited = start.elapsed();
        assert!(
            waited >= Duration::from_millis(1333) && waited < Duration::from_millis(1400),
            "{waited:?}"
        );
        // Another number is not held up.
        let other = Instant::now();
        pace.wait("+18335550199", 1).await;
        assert_eq!(other.elapsed(), Duration::ZERO);
    }
}
