//! The notifier's scheduled jobs: the email digest of what stays unread, and the one push
//! after quiet hours.

use super::*;

impl Notifier {
    /// Runs `u`'s email digest (a scheduled job): one email of the conversations still unread,
    /// with counts, unless they read everything, turned emails off, or are in quiet hours (it
    /// then waits for their end).
    pub async fn run_digest(&self, b: BusinessId, u: UserId, now: OffsetDateTime) -> Result<()> {
        retrying(|| async {
            let Some(due) = repo::get::<DigestDue>(&*self.store, (b, u)).await? else {
                return Ok(Attempt::Done(()));
            };
            let settings = self.notifications.settings_of(b, u).await?;
            if let Some(end) = quiet_ends(&settings, now) {
                return self.reschedule_digest(b, u, &due, end).await;
            }
            let user = repo::get::<UserRecord>(&*self.store, (b, u)).await?;
            let notes = crate::store::notes::of(&*self.store, b, u).await?;
            let pending: Vec<&Versioned<NoteRecord>> = notes
                .iter()
                .filter(|n| n.value.email_due && !n.value.read)
                .collect();
            let mut writes = vec![due.removed((b, u))];
            let to = user
                .as_ref()
                .filter(|u| u.value.active && settings.email)
                .and_then(|u| u.value.email.clone());
            if let (Some(to), false) = (to, pending.is_empty()) {
                let role = user.as_ref().map_or(Role::Client, |u| u.value.role);
                writes.push(self.digest_mail(b, role, &to, &pending).await?);
            }
            // Whatever it listed is not listed again.
            let room = crate::store::MAX_TRANSACTION_WRITES - writes.len();
            for n in notes.iter().filter(|n| n.value.email_due).take(room) {
                let mut next = n.clone();
                next.value.email_due = false;
                writes.push(next.update((b, u, n.value.id.as_str()))?);
            }
            commit(&*self.store, writes.into(), ()).await
        })
        .await
    }

    pub(super) async fn reschedule_digest(
        &self,
        b: BusinessId,
        u: UserId,
        due: &Versioned<DigestDue>,
        at: OffsetDateTime,
    ) -> Result<Attempt<()>> {
        let mut next = due.clone();
        next.value.at = at;
        let job = DueJobRecord {
            at,
            job: Job::EmailDigest { user: u },
        };
        let id = format!("digest-{u}");
        let tx = Writes::from(vec![
            next.update((b, u))?,
            repo::overwrite((minute_of(at), b, id.as_str()), &job)?,
        ]);
        commit(&*self.store, tx, ()).await
    }

    /// The digest email of `pending` entries, to `to`, as the outbox's write.
    pub(super) async fn digest_mail(
        &self,
        b: BusinessId,
        role: Role,
        to: &str,
        pending: &[&Versioned<NoteRecord>],
    ) -> Result<crate::store::Write> {
        let business = repo::get::<BusinessRecord>(&*self.store, b)
            .await?
            .map(|r| r.value.name)
            .unwrap_or_else(|| "Sideline".to_owned());
        let mut pending = pending.to_vec();
        pending.sort_by_key(|n| std::cmp::Reverse(n.value.at));
        let messages: u32 = pending.iter().map(|n| n.value.count.max(1)).sum();
        let subject = match (messages, pending.len()) {
            (1, _) => format!("1 unread message from {}", pending[0].value.title),
            (m, 1) => format!("{m} unread messages from {}", pending[0].value.title),
            (m, c) => format!("{m} unread messages in {c} conversations"),
        };
        let mut text = String::from("Waiting for you:\n\n");
        let mut links = Vec::new();
        for n in pending.iter().take(DIGEST_LISTS_MAX) {
            let link = format!("{}{}", self.site_url, n.value.url);
            let count = match n.value.count {
                0 | 1 => String::new(),
                c => format!(" ({c} messages)"),
            };
            text.push_str(&format!(
                "{}{count}\n  {}\n  {link}\n\n",
                n.value.title, n.value.body
            ));
            links.push(link);
        }
        if pending.len() > DIGEST_LISTS_MAX {
            text.push_str(&format!(
                "…and {} more conversations: {}{}\n\n",
                pending.len() - DIGEST_LISTS_MAX,
                self.site_url,
                inbox_url(role)
            ));
        }
        text.push_str(
            "You get this when messages stay unread for 15 minutes. Your notification \
             settings choose what reaches you.\n",
        );
        let mail = self
            .unsubscribe
            .notice(b, &business, to, subject, &text, links);
        Ok(repo::create((b, mail.id.as_str()), &mail)?)
    }

    /// Runs `u`'s summary after quiet hours (a scheduled job): one push of what they were not
    /// pushed meanwhile and have not read, unless their quiet hours still hold (it then waits).
    pub async fn run_summary(&self, b: BusinessId, u: UserId, now: OffsetDateTime) -> Result<()> {
        let Some(due) = repo::get::<SummaryDue>(&*self.store, (b, u)).await? else {
            return Ok(());
        };
        let settings = self.notifications.settings_of(b, u).await?;
        if let Some(end) = quiet_ends(&settings, now) {
            let job = DueJobRecord {
                at: end,
                job: Job::QuietSummary { user: u },
            };
            let mut next = due.clone();
            next.value.at = end;
            let id = format!("summary-{u}");
            self.store
                .transact(vec![
                    next.update((b, u))?,
                    repo::overwrite((minute_of(end), b, id.as_str()), &job)?,
                ])
                .await?;
            return Ok(());
        }
        let notes = crate::store::notes::of(&*self.store, b, u).await?;
        let mut held: Vec<&Versioned<NoteRecord>> = notes
            .iter()
            .filter(|n| n.value.push_held && !n.value.read)
            .collect();
        held.sort_by_key(|n| std::cmp::Reverse(n.value.at));
        let user = repo::get::<UserRecord>(&*self.store, (b, u)).await?;
        if let (Some(user), false, true) = (&user, held.is_empty(), settings.push) {
            let payload = summary_payload(user.value.role, &held);
            let claim = format!("summary-{}", due.value.at.unix_timestamp());
            self.push_once(b, u, &claim, &payload, Urgency::Normal, now)
                .await?;
        }
        let mut writes = vec![due.removed((b, u))];
        for n in notes
            .iter()
            .filter(|n| n.value.push_held)
            .take(crate::store::MAX_TRANSACTION_WRITES - 1)
        {
            let mut next = n.clone();
            next.value.push_held = false;
            writes.push(next.update((b, u, n.value.id.as_str()))?);
        }
        // Read meanwhile: it was pushed once all the same.
        crate::store::unless_changed(&*self.store, writes).await?;
        Ok(())
    }
}

/// The one push after quiet hours: how many messages came, from whom; it opens the
/// conversation when there is one, else the inbox.
fn summary_payload(role: Role, held: &[&Versioned<NoteRecord>]) -> PushPayload {
    let messages: u32 = held.iter().map(|n| n.value.count.max(1)).sum();
    let titles: Vec<&str> = held.iter().map(|n| n.value.title.as_str()).collect();
    let from = match titles.as_slice() {
        [one] => (*one).to_owned(),
        [a, b] => format!("{a} and {b}"),
        [a, b, rest @ ..] => format!("{a}, {b} and {} more", rest.len()),
        [] => String::new(),
    };
    let (title, url) = match held {
        [one] => (one.value.title.clone(), one.value.url.clone()),
        _ => ("While you were away".to_owned(), inbox_url(role).to_owned()),
    };
    let body = match messages {
        1 => format!("1 new message from {from}"),
        m => format!("{m} new messages from {from}"),
    };
    PushPayload {
        title,
        body,
        url,
        tag: "summary".to_owned(),
    }
}
